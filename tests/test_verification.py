"""Verification rules and the spreadsheet round-trip (township staff's hand-filled sheets)."""
import datetime

import openpyxl
import pytest
from conftest import SQUARE, patch_row, shift, write_patches

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.review import sheets, templates, verification
from land_enforcement_plugin.core.store import GeoPackageTaskStore

HEADERS = [spec.zh for spec in schema.SPREADSHEET_FIELDS]
LAWFUL = {"判定结果": "合法", "用地类型": "建设用地", "批准文号": "鲁政土字〔2023〕12号", "线索来源": "卫片",
          "核查人": "李四", "核查日期": "2024-05-06"}
UNLAWFUL = {"判定结果": "违法", "用地类型": "建设用地", "违法类型": "未批先建", "整改状态": "整改中",
            "整改措施": "拆除复耕、罚款", "是否立案": "是", "线索来源": "巡查", "核查人": "王五",
            "核查日期": datetime.date(2024, 5, 7)}


@pytest.fixture
def task(tmp_path, task_path):
    rows = [patch_row(f"P{i}", wkt=shift(SQUARE, 0.01 * i)) for i in range(1, 5)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    return task_path


def sheet(path, rows, headers=HEADERS, title="Sheet1", before=None):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = title
    for line in before or []:
        ws.append(line)
    ws.append(headers)
    for jcbh, values in rows:
        ws.append([jcbh if h == "监测编号" else values.get(h) for h in headers])
    workbook.save(path)
    return str(path)


def stored(task_path):
    with GeoPackageTaskStore.open(task_path) as store:
        return store.verifications()


def test_values_forgive_blanks_and_full_width_but_nothing_else():
    assert sheets.parse_value(schema.V_VERDICT, "\u3000违法 ") == ("违法", None)
    assert sheets.parse_value(schema.V_MEASURES, "拆除复耕，罚款") == ("拆除复耕、罚款", None)
    assert sheets.parse_value(schema.V_DATE, "2024年5月6日") == ("2024-05-06", None)
    assert sheets.parse_value(schema.V_DATE, 45418) == ("2024-05-06", None)  # Excel serial
    value, problem = sheets.parse_value(schema.V_VERDICT, "违规")
    assert value is None and "合法、违法、其他" in problem.zh and "not an allowed value" in problem.en
    value, problem = sheets.parse_value(schema.V_DATE, "5月6号")
    assert value is None and "not a date" in problem.en


def test_required_fields_by_verdict():
    # 用地类型 is required for 合法 (and 违法): it decides the ratio's denominator (issue 16).
    assert [p.field for p in verification.missing_required({"verdict": "合法"})] == [
        schema.V_INSPECTOR, schema.V_DATE, schema.V_LEAD_SOURCE, schema.V_LAND_USE, schema.V_APPROVAL_NO]
    started = {"verdict": "违法", "land_use": "建设用地", "violation_type": "未批先建", "rect_status": "整改中",
               "case_filed": "否",
               "inspector": "a", "verify_date": "2024-01-01", "lead_source": "卫片"}
    assert [p.field for p in verification.missing_required(started)] == [schema.V_MEASURES]
    assert verification.missing_required(dict(started, rect_status="未整改")) == []
    assert verification.missing_required({"verdict": "其他", "inspector": "a", "verify_date": "2024-01-01",
                                          "lead_source": "卫片"}) == []


def test_import_accepts_valid_rows_and_audits_each_field(tmp_path, task):
    path = sheet(tmp_path / "v.xlsx", [("P1", LAWFUL), ("P2", UNLAWFUL)])
    result = verification.import_spreadsheet(task, path)
    assert [r.status for r in result.rows] == ["accepted", "accepted"]
    assert result.applied and result.changed == 2
    records = stored(task)
    assert records["P2"]["rect_measures"] == "拆除复耕、罚款"
    assert records["P2"]["verify_date"] == "2024-05-07"
    store = GeoPackageTaskStore.open(task)
    audit = [(e["field"], e["new_value"], e["channel"]) for e in store.audit_entries("P1")
             if e["entity"] == "verification"]
    assert ("verdict", "合法", "spreadsheet") in audit and ("inspector", "李四", "spreadsheet") in audit
    store.close()


def test_import_is_all_or_nothing_unless_partial_accepted(tmp_path, task):
    bad_date = dict(LAWFUL, 核查日期="五月")
    bad_code = dict(UNLAWFUL, 违法类型="乱建")
    missing = {k: v for k, v in UNLAWFUL.items() if k != "整改状态"}
    path = sheet(tmp_path / "v.xlsx", [("P1", LAWFUL), ("NOPE", LAWFUL), ("P2", bad_date), ("P3", bad_code),
                                       ("P4", missing)])
    result = verification.import_spreadsheet(task, path)
    assert not result.applied and result.changed == 0
    assert stored(task) == {}
    reasons = {r.row: r.problems[0].en for r in result.rejected}
    assert reasons == {3: "Unknown monitoring number 'NOPE'",
                       4: "Verification date '五月' is not a date (e.g. 2024-05-08)",
                       5: reasons[5], 6: "Missing required field: Rectification status"}
    assert "乱建" in reasons[5] and "未批先建" in reasons[5]
    assert any("第 3 行" in line for line in result.lines())

    partial = verification.import_spreadsheet(task, path, accept_partial=True)
    assert partial.applied and partial.changed == 1
    assert set(stored(task)) == {"P1"}


def test_same_file_twice_changes_nothing(tmp_path, task):
    path = sheet(tmp_path / "v.xlsx", [("P1", LAWFUL)])
    verification.import_spreadsheet(task, path)
    store = GeoPackageTaskStore.open(task)
    audit_before = len(store.audit_entries())
    store.close()
    again = verification.import_spreadsheet(task, path)
    assert [r.status for r in again.rows] == ["unchanged"] and again.changed == 0
    store = GeoPackageTaskStore.open(task)
    assert len(store.audit_entries()) == audit_before
    store.close()


def test_messy_workbook_still_imports(tmp_path, task):
    """Title rows above the header, an extra first sheet, merged township cells, trailing blanks,
    full-width spaces in codes."""
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["请填写第二个工作表"])
    ws = workbook.create_sheet("核查")
    ws.append(["2024年度卫片执法核查表"])
    ws.merge_cells("A1:M1")
    ws.append(HEADERS)
    for jcbh, values in [("P1", dict(LAWFUL, 判定结果="\u3000合法\u3000")), ("P2", UNLAWFUL)]:
        ws.append([jcbh if h == "监测编号" else values.get(h) for h in HEADERS])
    ws.merge_cells("B3:B4")
    ws["B3"] = "城关镇"
    for _ in range(5):
        ws.append([None] * len(HEADERS))
    ws.append(["   "])
    path = tmp_path / "messy.xlsx"
    workbook.save(path)
    result = verification.import_spreadsheet(task, str(path))
    assert result.sheet == "核查"
    assert [(r.row, r.status) for r in result.rows] == [(3, "accepted"), (4, "accepted")]
    assert stored(task)["P1"]["verdict"] == "合法"


def test_unreadable_or_headerless_files(tmp_path, task):
    with pytest.raises(LandEnforcementError, match="File not found"):
        verification.import_spreadsheet(task, str(tmp_path / "none.xlsx"))
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(LandEnforcementError, match=".xlsx needed"):
        verification.import_spreadsheet(task, str(fake))
    headerless = sheet(tmp_path / "h.xlsx", [("P1", LAWFUL)], headers=["编号", "结果"])
    with pytest.raises(LandEnforcementError, match="监测编号"):
        verification.import_spreadsheet(task, headerless)


def test_template_round_trip(tmp_path, task):
    verification.import_spreadsheet(task, sheet(tmp_path / "v.xlsx", [("P1", LAWFUL)]))
    (path,) = templates.export_templates(task, str(tmp_path / "out"))
    workbook = openpyxl.load_workbook(path)
    ws = workbook["核查结果"]
    assert [c.value for c in ws[1]] == HEADERS + ["处理状态", "退回原因"]  # the last two read-only
    assert ws.freeze_panes == "A2"
    assert [ws.cell(r, 1).value for r in range(2, 6)] == ["P1", "P2", "P3", "P4"]
    assert ws.cell(2, 3).value == "合法"  # what is recorded comes prefilled
    validated = {str(v.sqref).split(":")[0][0] for v in ws.data_validations.dataValidation}
    coded = {openpyxl.utils.get_column_letter(i + 1) for i, s in enumerate(schema.SPREADSHEET_FIELDS)
             if s.vocabulary and not s.multiple}
    assert validated == coded
    # Filled in and returned as is: it imports.
    ws.cell(3, 3).value = "其他"
    for header, value in (("线索来源", "卫片"), ("核查人", "赵六"), ("核查日期", "2024-06-01")):
        ws.cell(3, HEADERS.index(header) + 1).value = value
    workbook.save(path)
    result = verification.import_spreadsheet(task, path)
    assert [r.status for r in result.rows] == ["unchanged", "accepted"]
    assert stored(task)["P2"]["verdict"] == "其他"


def _sheet_rows(path):
    sheet = openpyxl.load_workbook(path)["核查结果"]
    headers = [c.value for c in sheet[1]]
    return [dict(zip(headers, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]


def test_township_sheets_are_one_per_overlay_township_on_a_county_coded_delivery(season, tmp_path):
    """Deliveries carry the county's code on every patch: 导出乡镇核查表 still gives one sheet per
    township, as the overlay placed the patches."""
    from county_delivery import COUNTY_NAME, county_delivered_task, overlay_townships

    task = county_delivered_task(season, str(tmp_path / "task"))
    placed = overlay_townships(task)
    townships = {township for township in placed.values()}
    assert len(townships) == 6 and all(code[6:] != "000000" for code, _ in townships)
    paths = templates.export_templates(task, str(tmp_path / "sheets"))
    assert (sorted(p.rsplit("/", 1)[1] for p in paths)
            == sorted(f"核查表_{code}_{name}.xlsx" for code, name in townships))
    for path in paths:
        rows = _sheet_rows(path)
        (code, name), = (t for t in townships if path.endswith(f"_{t[0]}_{t[1]}.xlsx"))
        assert {row["监测编号"] for row in rows} == {j for j, township in placed.items() if township == (code, name)}
        assert {row["乡镇名称"] for row in rows} == {name} != {COUNTY_NAME}


def test_patches_not_yet_overlaid_go_in_one_named_sheet_not_the_countys(season, tmp_path):
    from county_delivery import county_delivered_task

    task = county_delivered_task(season, str(tmp_path / "task"), overlay=False)
    (path,) = templates.export_templates(task, str(tmp_path / "sheets"))
    assert path.endswith("/核查表_未落乡镇.xlsx")
    rows = _sheet_rows(path)
    assert len(rows) == 120 and {row["乡镇名称"] for row in rows} == {"未落乡镇"}
