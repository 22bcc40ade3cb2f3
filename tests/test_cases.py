"""Enforcement cases: from clue to 销号, the documents' rules, the statistics, the package."""
import json
import os
import zipfile

import pytest
from conftest import SQUARE, patch_row, running_plugin, shift, write_patches

from land_enforcement_plugin.core import schema, schema_cases
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.review import cases
from land_enforcement_plugin.core.store import open_task

TODAY = "2024-12-01"
MU = schema.M2_PER_MU
# jcbh -> (township code, township name, area m², cultivated m², permanent basic farmland m²)
PATCHES = {
    "T1": ("370323101000", "城关镇", 2 * MU, 2 * MU, 0.0),
    "T2": ("370323101000", "城关镇", 1 * MU, 0.0, 0.0),
    "T3": ("370323102000", "南麻镇", 3 * MU, 3 * MU, 1 * MU),
    "T4": ("370323102000", "南麻镇", 1 * MU, 0.0, 0.0),
}


def unlawful_task(tmp_path, task=None):
    """Four unlawful patches in two townships, their overlay figures written as the overlay does
    (in a GeoPackage, or at the PostGIS location `task`)."""
    task = task or str(tmp_path / "task.gpkg")
    rows = [patch_row(jcbh, shift(SQUARE, 0.01 * i)) for i, jcbh in enumerate(PATCHES)]
    import_patches(task, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    with open_task(task) as store:
        values = {jcbh: {schema.TOWNSHIP_CODE.name: code, schema.TOWNSHIP_NAME.name: name, schema.AREA_M2.name: area,
                         schema.CULTIVATED_M2.name: cultivated, schema.PBF_M2.name: pbf}
                  for jcbh, (code, name, area, cultivated, pbf) in PATCHES.items()}
        store.write_overlay(values, [], {"started_at": "2024-05-01T00:00:00", "area_mode": "ellipsoidal",
                                         "layers": "{}", "recomputed": 4, "reused": 0, "repairs": ""})
        store.apply_verifications({jcbh: {"verdict": "违法", "violation_type": "未批先建", "rect_status": "未整改",
                                          "case_filed": "是", "lead_source": "卫片", "inspector": "张三",
                                          "verify_date": "2024-05-02"} for jcbh in PATCHES}, "form")
    return task


def attachment(tmp_path, name, content=b"%PDF-1.4 decision"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def after_photo(tmp_path, name="after.jpg"):
    """A photo of the restored field as a phone saves it."""
    from PIL import Image

    Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3)).save(tmp_path / name, "JPEG", quality=85)
    return str(tmp_path / name)


# The acts that take a cultivated-land case from clue to 销号, lawfully.
def full_history(tmp_path):
    return [
        ("发现", "2024-05-03", {"channel": "卫片"}, ()),
        ("制止", "2024-05-04", {"stop_measures": "下达责令停止违法行为通知书", "stop_result": "无效"}, ()),
        ("报告", "2024-05-05", {"recipients": "县政府、供电、供水"}, ()),
        ("立案", "2024-05-10", {"case_no": "沂自然资立〔2024〕12号"}, ()),
        ("处罚决定", "2024-06-01", {"decision_no": "沂自然资罚〔2024〕8号", "fine_yuan": "20000",
                                 "demolish_m2": str(2 * MU)}, (attachment(tmp_path, "决定书.pdf"),)),
        ("移送", "2024-06-10", {"transfer_to": "纪检监察"}, ()),
        ("问责", "2024-06-20", {"persons": "李四、王五", "discipline": "党纪处分"}, ()),
        ("整改", "2024-06-21", {"deadline": "2024-09-30", "measures": "拆除复耕、罚款"}, ()),
        ("整改验收", "2024-09-20", {"restored_m2": str(2 * MU), "quality_check": "合格"},
         (after_photo(tmp_path),)),
        ("结案", "2024-09-25", {}, ()),
        ("销号", "2024-10-08", {}, ()),
    ]


def test_a_case_goes_from_clue_to_write_off_headless_with_its_history_audited(tmp_path):
    task = unlawful_task(tmp_path)
    key = cases.open_case(task, ["T1"], {"subject_name": "某某建材公司", "subject_type": "单位",
                                         "subject_id": "91370323MA3C000000", "project_name": "建材堆场",
                                         "actual_use": "堆场"})
    assert key == "AJ-0001"
    for kind, day, details, files in full_history(tmp_path):
        cases.record_act(task, key, kind, day, details, files, today=TODAY)
    view = cases.read_cases(task, TODAY)[0]
    assert [a["kind"] for a in view["acts"]] == [k for k, *_ in full_history(tmp_path)]
    assert view["state"]["written_off"] and view["state"]["closed"] and not view["state"]["overdue"]
    assert view["state"]["fine_yuan"] == 20000.0 and view["state"]["accountable"] == 2
    # Attachments copied beside the task, hashed, named after the case.
    copied = [cases.attachment_path(task, a["file"]) for a in view["attachments"]]
    assert [a["name"] for a in view["attachments"]] == ["决定书.pdf", "after.jpg"]
    assert all(os.path.isfile(p) and "_cases" in p for p in copied)
    with open_task(task) as store:
        audited = [e for e in store.audit_entries() if e["entity"] in ("case", "case_act")]
    assert len(audited) == 1 + len(full_history(tmp_path))
    assert json.loads(audited[5]["detail"])["attachments"] == ["决定书.pdf"]


@pytest.mark.parametrize("history, act, rule", [
    ([], ("立案", "2024-05-10", {"case_no": "1"}), "第一项记录须是“发现”"),
    ([("发现", "2024-05-03", {"channel": "巡查"})], ("处罚决定", "2024-05-10", {"decision_no": "1"}), "未立案"),
    ([("发现", "2024-05-03", {"channel": "巡查"})], ("报告", "2024-05-10", {"recipients": "供电"}), "报告县政府"),
    ([("发现", "2024-05-03", {"channel": "巡查"})], ("销号", "2024-05-10", {}), "未结案的案件不能销号"),
    ([("发现", "2024-05-03", {"channel": "巡查"})], ("立案", "2024-05-01", {"case_no": "1"}), "早于发现日期"),
    ([("发现", "2024-05-03", {"channel": "巡查"}),
      ("制止", "2024-05-04", {"stop_measures": "口头制止", "stop_result": "无效"}),
      ("整改", "2024-05-05", {"deadline": "2024-06-30", "measures": "拆除复耕"}),
      ("整改验收", "2024-06-20", {"quality_check": "合格"})], ("结案", "2024-06-25", {}), "制止无效尚未报告县政府"),
    ([("发现", "2024-05-03", {"channel": "巡查"}),
      ("整改", "2024-05-05", {"deadline": "2024-06-30", "measures": "罚款、补办手续"}),
      ("整改验收", "2024-06-20", {"quality_check": "合格"})], ("结案", "2024-06-25", {}), "不得以罚款、补办手续取代"),
    ([("发现", "2024-05-03", {"channel": "巡查"}),
      ("整改", "2024-05-05", {"deadline": "2024-06-30", "measures": "拆除复耕"}),
      ("整改验收", "2024-06-20", {"restored_m2": "100", "quality_check": "不合格"})], ("结案", "2024-06-25", {}),
     "耕地质量验收"),
    ([("发现", "2024-05-03", {"channel": "巡查"}), ("整改", "2024-05-05", {"deadline": "2024-06-30",
                                                                     "measures": "拆除复耕"}),
      ("整改验收", "2024-06-20", {"quality_check": "合格"}), ("结案", "2024-06-25", {})],
     ("整改", "2024-06-26", {"deadline": "2024-07-30", "measures": "没收"}), "已结案，只能销号"),
])
def test_each_rule_of_the_documents_refuses_its_act(tmp_path, history, act, rule):
    task = unlawful_task(tmp_path)
    key = cases.open_case(task, ["T1"], {"subject_name": "张某", "subject_type": "个人"})
    for kind, day, details in history:
        cases.record_act(task, key, kind, day, details, today=TODAY)
    with pytest.raises(LandEnforcementError, match=rule):
        cases.record_act(task, key, *act, today=TODAY)
    assert len(cases.read_cases(task, TODAY)[0]["acts"]) == len(history)  # nothing appended


def test_permanent_basic_farmland_cannot_get_a_retroactive_permit(tmp_path):
    task = unlawful_task(tmp_path)
    key = cases.open_case(task, ["T3"], {"subject_name": "某村委会", "subject_type": "村集体"})
    cases.record_act(task, key, "发现", "2024-05-03", {"channel": "村级报告"}, today=TODAY)
    with pytest.raises(LandEnforcementError, match="永久基本农田的违法用地不能补办手续"):
        cases.record_act(task, key, "整改", "2024-05-05", {"deadline": "2024-06-30", "measures": "补办手续"},
                         today=TODAY)
    # Off farmland and off cultivated land, a retroactive permit after a fine closes the case.
    other = cases.open_case(task, ["T4"], {"subject_name": "某公司", "subject_type": "单位"})
    for kind, day, details in (("发现", "2024-05-03", {"channel": "巡查"}),
                               ("整改", "2024-05-05", {"deadline": "2024-06-30", "measures": "罚款、补办手续"}),
                               ("整改验收", "2024-06-20", {"quality_check": "合格"}), ("结案", "2024-06-25", {})):
        cases.record_act(task, other, kind, day, details, today=TODAY)


def test_a_value_outside_the_vocabulary_and_a_patch_in_two_cases_are_refused(tmp_path):
    task = unlawful_task(tmp_path)
    with pytest.raises(LandEnforcementError, match="主体类型“公司”不是允许的值"):
        cases.open_case(task, ["T1"], {"subject_name": "张某", "subject_type": "公司"})
    cases.open_case(task, ["T1", "T2"], {"subject_name": "张某", "subject_type": "个人"})
    with pytest.raises(LandEnforcementError, match="T2 已在案件 AJ-0001 中"):
        cases.open_case(task, ["T2"], {"subject_name": "李某", "subject_type": "个人"})


def hand_built_cases(tmp_path):
    """城关镇: AJ-0001 over T1+T2, written off (fine 20000, demolished and restored 2 亩, 2 accountable,
    to discipline); 南麻镇: AJ-0002 over T3 filed and transferred to police, overdue; AJ-0003 over T4
    discovered only."""
    task = unlawful_task(tmp_path)
    first = cases.open_case(task, ["T1", "T2"], {"subject_name": "某某建材公司", "subject_type": "单位"})
    for kind, day, details, files in full_history(tmp_path):
        cases.record_act(task, first, kind, day, details, files, today=TODAY)
    second = cases.open_case(task, ["T3"], {"subject_name": "赵某", "subject_type": "个人"})
    for kind, day, details in (("发现", "2024-05-03", {"channel": "群众举报"}),
                               ("立案", "2024-05-10", {"case_no": "沂自然资立〔2024〕13号"}),
                               ("移送", "2024-05-12", {"transfer_to": "公安"}),
                               ("整改", "2024-05-20", {"deadline": "2024-08-31", "measures": "拆除复耕"})):
        cases.record_act(task, second, kind, day, details, today=TODAY)
    third = cases.open_case(task, ["T4"], {"subject_name": "钱某", "subject_type": "个人"})
    cases.record_act(task, third, "发现", "2024-11-03", {"channel": "巡查"}, today=TODAY)
    return task


def test_statistics_per_township_and_county_on_a_hand_built_case_set(tmp_path):
    task = hand_built_cases(tmp_path)
    views = cases.read_cases(task, TODAY)
    rows = {row["xzqmc"]: row for row in cases.statistics(views, "370323", "沂源县")}
    town, south, county = rows["城关镇"], rows["南麻镇"], rows["沂源县"]
    assert (town["case_count"], town["patch_mu"], town["cultivated_mu"]) == (1, 3.0, 2.0)
    assert (town["fine_wan"], town["demolished_mu"], town["restored_mu"]) == (2.0, 2.0, 2.0)
    assert (town["discipline_count"], town["accountable_count"], town["closed_rate"]) == (1, 2, 1.0)
    assert (south["case_count"], south["filed_count"], south["police_count"], south["overdue_count"]) == (2, 1, 1, 1)
    assert (south["patch_mu"], south["closed_rate"]) == (4.0, 0.0)
    assert county["xzqdm"] == "370323000000"
    assert (county["case_count"], county["closed_count"], county["written_off_count"]) == (3, 1, 1)
    assert county["closed_rate"] == pytest.approx(1 / 3)
    assert cases.overdue(views) == [("AJ-0002", "南麻镇", "2024-08-31")]


def test_township_case_sheets_go_out_and_come_back_with_new_acts(tmp_path):
    import openpyxl

    task = hand_built_cases(tmp_path)
    paths = cases.export_case_sheets(task, str(tmp_path / "out"), TODAY)
    assert [os.path.basename(p) for p in paths] == ["案件办理_370323101000_城关镇.xlsx",
                                                    "案件办理_370323102000_南麻镇.xlsx"]
    book = openpyxl.load_workbook(paths[1])
    sheet = book[cases.CASE_SHEET_TITLE]
    headers = [c.value for c in sheet[1]]
    assert sheet.max_row == 1 + 5  # AJ-0002's four acts and AJ-0003's one
    values = dict.fromkeys(headers)
    values.update({"案件编号": "AJ-0003", "监测编号": "T4", "违法主体": "钱某", "主体类型": "个人", "行为": "制止",
                   "日期": "2024-11-05", "制止措施": "现场制止", "制止结果": "有效"})
    sheet.append([values[h] for h in headers])
    book.save(paths[1])
    assert cases.import_case_sheet(task, paths[1], TODAY) == (0, 1, 5)
    assert cases.import_case_sheet(task, paths[1], TODAY) == (0, 0, 6)  # nothing twice
    acts = [v for v in cases.read_cases(task, TODAY) if v["case_key"] == "AJ-0003"][0]["acts"]
    assert [(a["kind"], a["details"].get("stop_result")) for a in acts] == [("发现", None), ("制止", "有效")]


def test_a_photo_attachment_that_does_not_decode_is_refused(tmp_path):
    task = unlawful_task(tmp_path)
    key = cases.open_case(task, ["T1"], {"subject_name": "张某", "subject_type": "个人"})
    with pytest.raises(LandEnforcementError, match="不是可读取的图像"):
        cases.record_act(task, key, "发现", "2024-05-03", {"channel": "巡查"},
                         [attachment(tmp_path, "scene.jpg", b"not a photo")], today=TODAY)
    assert cases.read_cases(task, TODAY)[0]["acts"] == []


def test_the_package_carries_the_cases_their_statistics_and_attachments(tmp_path):
    import openpyxl

    from land_enforcement_plugin.core.reports.package import PackageOptions, build_package
    from land_enforcement_plugin.core.reports.package_verify import verify_package

    task = hand_built_cases(tmp_path)
    result = build_package(task, str(tmp_path / "pkg.zip"), PackageOptions(draft=True, evidence=False))
    assert (result.manifest["counts"]["cases"], result.manifest["counts"]["case_attachments"]) == (3, 2)
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        attached = sorted(n.split("/", 1)[1] for n in names if "/cases/" in n)
        book_name = next(n for n in names if n.endswith(".xlsx"))
        (tmp_path / "book.xlsx").write_bytes(archive.read(book_name))
    assert sorted(a.rsplit("_", 1)[1] for a in attached) == ["after.jpg", "决定书.pdf"]
    assert all(a.startswith("cases/AJ-0001/") for a in attached)
    book = openpyxl.load_workbook(tmp_path / "book.xlsx")
    statistics = book[schema_cases.CASE_STAT_TITLE[0]]
    assert [c.value for c in statistics[4]][:3] == ["370323000000", "沂源县", 3]
    assert book[cases.CASE_SHEET_TITLE].max_row == 1 + 11 + 4 + 1
    assert verify_package(result.path).ok


def test_a_case_goes_from_clue_to_write_off_through_processing(provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    task = unlawful_task(tmp_path)
    key = processing.run("landenforcement:caseopen", {
        "DATABASE": task, "PATCHES": "T1，T2", "SUBJECT_NAME": "某某建材公司", "SUBJECT_TYPE": 1,
        "SUBJECT_ID": "91370323MA3C000000"})["CASE"]
    kinds = schema_cases.ActKind.values()
    for kind, day, details, files in full_history(tmp_path):
        typed = {schema_cases.ACT_DETAIL_FIELDS[[s.name for s in schema_cases.ACT_DETAIL_FIELDS].index(n)].zh: v
                 for n, v in details.items()}
        result = processing.run("landenforcement:caseact", {
            "DATABASE": task, "CASE": "T2", "ACT": kinds.index(kind), "DATE": day,
            "DETAILS": json.dumps(typed, ensure_ascii=False), "ATTACHMENTS": ";".join(files)})
        assert result["STATUS"] == kind
    with pytest.raises(QgsProcessingException, match="已销号"):
        processing.run("landenforcement:caseact", {"DATABASE": task, "CASE": key, "ACT": kinds.index("问责"),
                                                   "DATE": "2024-11-01",
                                                   "DETAILS": '{"问责人员": "某", "处分类型": "政务处分"}'})
    report = processing.run("landenforcement:casereport", {"DATABASE": task, "OUTPUT": str(tmp_path / "cases.xlsx"),
                                                           "SHEETS": str(tmp_path / "sheets")})
    assert (report["CASES"], report["CLOSED"], report["OVERDUE"], report["SHEET_COUNT"]) == (1, 1, 0, 2)
    view = cases.read_cases(task)[0]
    assert view["state"]["written_off"] and len(view["attachments"]) == 2
    with open_task(task) as store:
        assert [e["channel"] for e in store.audit_entries() if e["entity"] == "case_act"] == ["processing"] * 11


def test_a_case_goes_from_clue_to_write_off_in_the_gui_from_the_review_dock(plugin_iface, tmp_path, monkeypatch):
    from land_enforcement_plugin.gui import case_panel

    monkeypatch.setattr(case_panel, "ask_user_name", lambda parent: "王建国")
    task = unlawful_task(tmp_path)
    with running_plugin(plugin_iface, task) as plugin:
        review = plugin.review
        review.select_jcbh("T1")
        panel = review.open_case_panel()
        assert panel.opening.isVisible() and not panel.recording.isVisible()
        panel.patches.setText("T1、T2")
        panel.set_value("subject_name", "某某建材公司")
        panel.set_value("subject_type", "单位")
        panel.open_case()
        assert panel.case_key == "AJ-0001" and not panel.opening.isVisible()

        def fill(kind, day, details, files=()):
            panel.kind.setCurrentIndex(panel.kind.findData(kind))
            panel.date.setText(day)
            for name, value in details.items():
                panel.set_value(name, value)
            panel.add_attachments(files)
            return panel.record()

        history = full_history(tmp_path)
        for kind, day, details, files in history[:8]:
            assert fill(kind, day, details, files) is not None, panel.problem.text()
        # Closing before the rectification is accepted is refused, saying why; nothing is recorded.
        assert fill("结案", "2024-09-01", {}) is None
        assert "not passed acceptance" in panel.problem.text() and panel.history.rowCount() == 8
        for kind, day, details, files in history[8:]:
            assert fill(kind, day, details, files) is not None, panel.problem.text()
        assert panel.history.rowCount() == 11 and not panel.recording.isVisible()
        assert panel.history.item(8, 3).text() == "after.jpg"
        assert "status 销号" in panel.summary.text()
        # An attachment replaced since it was recorded is refused, not opened (SHA-256 checked).
        (after,) = panel.attached[panel.history.item(8, 3).data(256)]
        with open(cases.attachment_path(task, after["file"]), "wb") as f:
            f.write(b"scanned over")
        panel._open_attachment(8, 3)  # double-clicked
        assert "SHA-256" in panel.problem.text()
        # The same case from the other patch.
        review.select_jcbh("T2")
        assert review.open_case_panel().case_key == "AJ-0001"


@pytest.fixture
def postgis_task(pg_cluster):
    """A PostGIS task location, removed afterwards with the bureau roles its creation made (the
    cluster is shared by the session: later tests create those roles themselves)."""
    import psycopg2

    from land_enforcement_plugin.core.store import postgis_security as pg

    yield "pg:service=lep_test/task_cases_370323"
    admin = psycopg2.connect(pg_cluster.conninfo())
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS task_cases_370323 CASCADE; DROP TABLE IF EXISTS {pg.ACCOUNTS_TABLE}")
            for role in (pg.COUNTY_ROLE, pg.TOWNSHIP_ROLE, pg.REVIEWER_ROLE):
                cur.execute(f"DROP ROLE IF EXISTS {role}")
    finally:
        admin.close()


def test_a_case_on_a_shared_postgis_task_and_its_package(postgis_task, tmp_path):
    from land_enforcement_plugin.core.reports.package import PackageOptions, build_package

    task = unlawful_task(tmp_path, postgis_task)
    key = cases.open_case(task, ["T1"], {"subject_name": "某某建材公司", "subject_type": "单位"})
    for kind, day, details, files in full_history(tmp_path):
        cases.record_act(task, key, kind, day, details, files, today=TODAY)
    with pytest.raises(LandEnforcementError, match="已销号"):
        cases.record_act(task, key, "问责", "2024-11-01", {"persons": "某", "discipline": "政务处分"}, today=TODAY)
    view = cases.read_cases(task, TODAY)[0]
    assert view["state"]["written_off"] and [a["act_id"] for a in view["acts"]] == list(range(1, 12))
    result = build_package(task, str(tmp_path / "pkg.zip"), PackageOptions(draft=True, evidence=False))
    assert (result.manifest["counts"]["cases"], result.manifest["counts"]["case_attachments"]) == (1, 2)


def test_a_list_of_monitoring_numbers_is_split_the_same_in_the_panel_the_sheet_and_processing():
    """One reading of a typed list (the case panel, a case sheet's cell, caseopen and reviewstate):
    、, either comma or a line break between numbers, blanks dropped."""
    from land_enforcement_plugin.core.intake.jcbh import monitoring_numbers

    assert monitoring_numbers("P1、P2，P3, P4\nP5,,") == ["P1", "P2", "P3", "P4", "P5"]
    assert monitoring_numbers(" ") == []
