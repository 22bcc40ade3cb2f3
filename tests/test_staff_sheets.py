"""The township staff's spreadsheets as they really come back (issue 15, items 1-7): hidden stale
sheets, one sheet per township, header variants, numbers Excel rounded, records saved meanwhile,
text that looks like a formula, .xls / .csv / password-protected files. Built from the demo county."""
import os
import shutil
import sqlite3
import struct
import zipfile

import openpyxl
import pytest
from conftest import SQUARE, patch_row, shift, write_patches
from qgis.core import QgsProcessingFeedback

from land_enforcement_plugin.core import schema
from land_enforcement_plugin.core.errors import LandEnforcementError
from land_enforcement_plugin.core.intake.importing import ImportOptions, import_patches
from land_enforcement_plugin.core.reports import package as submission
from land_enforcement_plugin.core.review import templates, verification
from land_enforcement_plugin.core.season import plan as control
from land_enforcement_plugin.core.store import GeoPackageTaskStore

HEADERS = [spec.zh for spec in schema.SPREADSHEET_FIELDS]
OTHER = {"判定结果": "其他", "用地类型": "其他", "线索来源": "卫片", "核查人": "赵六", "核查日期": "2024-06-01"}
FORMULA_LOOKING = ["=SUM(A1:A3)", "+86 139 0000 0000 村支书", "-已拆除一半", "@张三 复核"]


@pytest.fixture
def task(season, tmp_path):
    """A copy of the demo county's task (overlaid, the township sheet imported, photos attached)."""
    path = str(tmp_path / os.path.basename(season["task"]))
    shutil.copy(season["task"], path)
    photos = os.path.splitext(season["task"])[0] + "_photos"
    if os.path.isdir(photos):
        shutil.copytree(photos, os.path.splitext(path)[0] + "_photos")
    return path


def query(task_path, sql, *args):
    with sqlite3.connect(task_path) as db:
        return db.execute(sql, args).fetchall()


def unverified_by_township(task_path):
    """{overlay township: [jcbh of patches with no verdict yet]}"""
    out = {}
    for jcbh, township in query(task_path, "SELECT p.jcbh, p.township_name FROM patches p LEFT JOIN verifications v "
                                           "ON v.jcbh = p.jcbh WHERE v.verdict IS NULL ORDER BY p.jcbh"):
        out.setdefault(township, []).append(jcbh)
    return out


def stored(task_path):
    with GeoPackageTaskStore.open(task_path) as store:
        return store.verifications()


def fill(sheet, rows, headers=HEADERS):
    """The header, then one row per (jcbh, township, {header: value})."""
    sheet.append(headers)
    for jcbh, township, values in rows:
        sheet.append([jcbh if h == headers[0] else township if h == headers[1] else values.get(h) for h in headers])


def save_notes(task_path, notes):
    """A colleague saving notes in the verdict form (jcbh -> note)."""
    with GeoPackageTaskStore.open(task_path) as store:
        current = store.verifications()
        store.apply_verifications({j: dict(current.get(j, {}), notes=n) for j, n in notes.items()}, schema.CHANNEL_FORM)


# -- 1. a hidden stale first sheet --------------------------------------------------------------
def test_hidden_stale_first_sheet_is_skipped_and_named(tmp_path, task):
    township, (jcbh, *_) = next(iter(unverified_by_township(task).items()))
    book = openpyxl.Workbook()
    stale = book.active
    stale.title = "核查结果(旧)"
    fill(stale, [(jcbh, township, dict(OTHER, 判定结果="违法", 违法类型="未批先建", 整改状态="未整改", 是否立案="否"))])
    stale.sheet_state = "hidden"
    active = book.create_sheet("核查结果")
    fill(active, [(jcbh, township, OTHER)])
    book.active = 1
    path = str(tmp_path / "两个工作表.xlsx")
    book.save(path)

    result = verification.import_spreadsheet(task, path)
    assert result.sheet == "核查结果" and result.changed == 1
    assert stored(task)[jcbh]["verdict"] == "其他"
    assert [name for name, _, _ in result.skipped] == ["核查结果(旧)"]
    assert any("跳过工作表“核查结果(旧)”" in line and "hidden" in line for line in result.lines())


def test_only_a_hidden_sheet_with_the_headers_is_refused_naming_it(tmp_path, task):
    township, (jcbh, *_) = next(iter(unverified_by_township(task).items()))
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["请填写隐藏的表"])
    hidden = book.create_sheet("核查结果")
    fill(hidden, [(jcbh, township, OTHER)])
    hidden.sheet_state = "hidden"
    path = str(tmp_path / "隐藏.xlsx")
    book.save(path)
    with pytest.raises(LandEnforcementError, match="核查结果") as refused:
        verification.import_spreadsheet(task, path)
    assert "取消隐藏" in refused.value.zh and "unhide" in refused.value.en
    assert jcbh not in stored(task)


def test_a_township_cell_merged_over_its_rows_counts_for_every_row(tmp_path, task):
    """Township staff merge the 乡镇 column over their rows and the 判定结果 column over a block of
    the same verdict: every row of the range takes the merged value."""
    township, jcbhs = next(iter(unverified_by_township(task).items()))
    chosen = jcbhs[:3]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "核查结果"
    fill(sheet, [(jcbh, township, OTHER) for jcbh in chosen])
    for row in (3, 4):
        sheet.cell(row=row, column=2).value = None  # what Excel keeps of a merged range: its top-left cell
        sheet.cell(row=row, column=HEADERS.index("判定结果") + 1).value = None
    sheet.merge_cells(start_row=2, start_column=2, end_row=4, end_column=2)
    column = HEADERS.index("判定结果") + 1
    sheet.merge_cells(start_row=2, start_column=column, end_row=4, end_column=column)
    path = str(tmp_path / "合并单元格.xlsx")
    book.save(path)

    result = verification.import_spreadsheet(task, path)
    assert result.changed == 3 and not result.rejected
    assert all(stored(task)[jcbh]["verdict"] == "其他" for jcbh in chosen)


# -- 2. one sheet per township --------------------------------------------------------------------
def test_one_sheet_per_township_imports_every_sheet_with_a_report_each(tmp_path, task):
    """The county's patches in 12 sheets (each township split in two, as townships with two
    inspectors do), plus a summary sheet without the headers."""
    book = openpyxl.Workbook()
    book.active.title = "汇总"
    book.active.append(["乡镇", "图斑数"])
    expected = {}
    for township, jcbhs in sorted(unverified_by_township(task).items()):
        for half, part in enumerate((jcbhs[: len(jcbhs) // 2 + 1], jcbhs[len(jcbhs) // 2 + 1:])):
            sheet = book.create_sheet(f"{township}{half + 1}")
            fill(sheet, [(j, township, OTHER) for j in part])
            expected[sheet.title] = part
    assert len(expected) == 12
    path = str(tmp_path / "全县.xlsx")
    book.save(path)

    result = verification.import_spreadsheet(task, path)
    assert [s.name for s in result.sheets] == list(expected)
    assert result.changed == sum(len(p) for p in expected.values()) and not result.rejected
    records = stored(task)
    assert all(records[j]["verdict"] == "其他" for part in expected.values() for j in part)
    lines = result.lines()
    for name, part in expected.items():
        assert f"[{name}] 接受 {len(part)}，未变 0，拒绝 0 / [{name}] accepted {len(part)}" in "\n".join(lines)
    assert any("跳过工作表“汇总”：没有“监测编号”表头" in line for line in lines)


def test_a_sheet_that_looks_like_the_template_without_its_number_column_is_refused(tmp_path, task):
    township, jcbhs = next(iter(unverified_by_township(task).items()))
    book = openpyxl.Workbook()
    fill(book.active, [(jcbhs[0], township, OTHER)])
    broken = book.create_sheet("第二页")
    broken.append(HEADERS[1:])
    broken.append([township, "其他", "其他", None, None, None, None, None, "卫片", "赵六", "2024-06-01"])
    path = str(tmp_path / "缺列.xlsx")
    book.save(path)
    with pytest.raises(LandEnforcementError, match="第二页"):
        verification.import_spreadsheet(task, path)
    assert jcbhs[0] not in stored(task)


# -- 3. header variants -----------------------------------------------------------------------------
def test_header_variants_are_matched_and_the_mapping_reported(tmp_path, task):
    township, (first, second, *_) = next(iter(unverified_by_township(task).items()))
    headers = ["监测编号", "乡镇（街道）", "判定结果*", "用地类型", "批准文号/备案号", "线索 来源", "核查人（签字）",
               "核查日期(年月日)", "备注（说明）", "面积（亩）", "核查\n日期备注"]
    book = openpyxl.Workbook()
    book.active.append(headers)
    book.active.append([first, township, "合法", "建设用地", "鲁政土字〔2023〕12号", "卫片", "赵六", "2024-06-01",
                        "已核实（见照片）", 3.2, None])
    book.active.append([second, township, "其他", "其他", None, "巡查", "赵六", "2024-06-02", "伪变化", 1.0, None])
    path = str(tmp_path / "表头.xlsx")
    book.save(path)

    result = verification.import_spreadsheet(task, path)
    assert result.changed == 2 and not result.rejected
    records = stored(task)
    assert records[first]["approval_no"] == "鲁政土字〔2023〕12号"
    assert records[first]["notes"] == "已核实（见照片）"  # free text kept as typed, brackets too
    assert records[first]["verify_date"] == "2024-06-01" and records[second]["lead_source"] == "巡查"
    mapping = next(line for line in result.lines() if "header mapping" in line)
    for pair in ("判定结果*→判定结果", "批准文号/备案号→批准文号", "核查日期(年月日)→核查日期", "备注（说明）→备注",
                 "乡镇（街道）→乡镇名称", "线索 来源→线索来源", "核查人（签字）→核查人"):
        assert pair in mapping
    assert any("columns not imported" in line and "面积（亩）" in line for line in result.lines())


def test_two_columns_for_one_field_are_refused_naming_both(tmp_path, task):
    township, (jcbh, *_) = next(iter(unverified_by_township(task).items()))
    book = openpyxl.Workbook()
    fill(book.active, [(jcbh, township, OTHER)], headers=HEADERS + ["备注（说明）"])
    path = str(tmp_path / "两列备注.xlsx")
    book.save(path)
    with pytest.raises(LandEnforcementError, match="备注（说明）"):
        verification.import_spreadsheet(task, path)


# -- 4. numbers Excel rounded, another township ---------------------------------------------------
def test_a_monitoring_number_excel_rounded_never_lands_on_another_patch(tmp_path, task):
    """3703232024000092 typed into a General cell is kept by Excel as 3703232024000090: another
    patch of the county. As a number (int or float), or shown as 3.70323E+15 in a .csv: refused."""
    assert {"3703232024000090", "3703232024000092"} <= {j for (j,) in query(task, "SELECT jcbh FROM patches")}
    before = stored(task)
    lawful = dict(OTHER, 判定结果="合法", 用地类型="建设用地", 批准文号="沂政土字〔2024〕7号")
    (township,) = query(task, "SELECT township_name FROM patches WHERE jcbh = '3703232024000092'")[0]
    book = openpyxl.Workbook()
    fill(book.active, [(3703232024000090, township, lawful), (3.70323202400009e15, township, lawful)])
    path = str(tmp_path / "数字编号.xlsx")
    book.save(path)
    result = verification.import_spreadsheet(task, path, accept_partial=True)
    assert [r.status for r in result.rows] == ["rejected", "rejected"]
    assert all("Excel 已将编号按数字截断，请将该列设为文本" in r.problems[0].zh for r in result.rows)
    assert stored(task) == before

    csv_path = tmp_path / "数字编号.csv"
    csv_path.write_bytes(("\r\n".join([",".join(HEADERS), ",".join(
        ["3.70323E+15", township, "合法", "建设用地", "", "沂政土字〔2024〕7号", "", "", "", "卫片", "赵六",
         "2024-06-01", ""])]) + "\r\n").encode("gbk"))
    result = verification.import_spreadsheet(task, str(csv_path), accept_partial=True)
    assert "Excel 已将编号按数字截断" in result.rows[0].problems[0].zh and stored(task) == before


def test_a_row_naming_another_township_is_refused_with_the_reason(tmp_path, task):
    townships = unverified_by_township(task)
    (here, (jcbh, *_)), (elsewhere, _) = sorted(townships.items())[:2]
    crossed = {name for (name,) in query(task, "SELECT xzqmc FROM patch_townships WHERE jcbh = ?", jcbh)}
    assert elsewhere not in crossed
    book = openpyxl.Workbook()
    fill(book.active, [(jcbh, elsewhere, OTHER)])
    path = str(tmp_path / "乡镇不符.xlsx")
    book.save(path)
    result = verification.import_spreadsheet(task, path)
    (row,) = result.rejected
    assert f"乡镇名称“{elsewhere}”与图斑 {jcbh} 所在乡镇" in row.problems[0].zh and here in row.problems[0].zh
    assert jcbh not in stored(task)
    # The township written as staff often shorten it (without 镇 / 街道) is the same township.
    short = here.removesuffix("街道").removesuffix("镇")
    book = openpyxl.Workbook()
    fill(book.active, [(jcbh, short, OTHER)])
    book.save(path)
    assert verification.import_spreadsheet(task, path).changed == 1


def test_before_the_overlay_the_township_is_not_checked(tmp_path, task_path):
    rows = [patch_row(f"3703232024{i:06d}", wkt=shift(SQUARE, 0.01 * i)) for i in range(1, 3)]
    import_patches(task_path, ImportOptions(write_patches(str(tmp_path / "p.shp"), rows)))
    book = openpyxl.Workbook()
    fill(book.active, [("3703232024000001", "任何乡镇", OTHER)])
    path = str(tmp_path / "未比对.xlsx")
    book.save(path)
    assert verification.import_spreadsheet(task_path, path).changed == 1


# -- 5. records saved since the sheet was written ------------------------------------------------------
def test_notes_saved_after_the_sheet_was_written_are_never_reverted(tmp_path, task):
    paths = templates.export_templates(task, str(tmp_path / "sheets"))
    verified = sorted(stored(task))[:50]
    save_notes(task, {jcbh: f"办公室补充说明 {i}" for i, jcbh in enumerate(verified)})
    # The staff return their sheets: ten of those records touched (inspector), and the unverified
    # patches filled in.
    touched, unverified = verified[:10], {j for js in unverified_by_township(task).values() for j in js}
    for path in paths:
        book = openpyxl.load_workbook(path)
        sheet = book["核查结果"]
        for row in sheet.iter_rows(min_row=2):
            jcbh = row[0].value
            if jcbh in touched:
                row[HEADERS.index("核查人")].value = "孙七"
            elif jcbh in unverified:
                for header, value in OTHER.items():
                    row[HEADERS.index(header)].value = value
        book.save(path)
    results = [verification.import_spreadsheet(task, path) for path in paths]
    conflicts = sorted(r.jcbh for result in results for r in result.conflicts)
    assert conflicts == touched
    assert all("导出本表后此记录已在任务库中修改，未覆盖" in r.problems[0].zh
               for result in results for r in result.conflicts)
    records = stored(task)
    assert all(records[j]["notes"] == f"办公室补充说明 {i}" for i, j in enumerate(verified))
    # Accepting the valid rows writes the staff's new verdicts, still not over the newer records.
    for path in paths:
        verification.import_spreadsheet(task, path, accept_partial=True)
    records = stored(task)
    assert all(records[j]["notes"] == f"办公室补充说明 {i}" for i, j in enumerate(verified))
    assert all(records[j]["inspector"] != "孙七" for j in touched)
    assert all(records[j]["verdict"] == "其他" for j in unverified)


class _ColleagueSavesDuringImport(QgsProcessingFeedback):
    """The import's progress: once the rows are being read, a colleague saves a note."""

    def __init__(self, task_path, jcbh):
        super().__init__()
        self.task_path, self.jcbh, self.saved, self.note = task_path, jcbh, False, "同事刚刚保存"

    def setProgress(self, progress):
        super().setProgress(progress)
        if not self.saved:
            self.saved = True
            save_notes(self.task_path, {self.jcbh: self.note})


def test_a_record_saved_while_the_import_runs_is_a_conflict(tmp_path, task):
    township, (jcbh, other, *_) = next(iter(unverified_by_township(task).items()))
    book = openpyxl.Workbook()  # a sheet the staff made themselves: no versions in it
    fill(book.active, [(jcbh, township, OTHER), (other, township, OTHER)])
    path = str(tmp_path / "自制.xlsx")
    book.save(path)
    result = verification.import_spreadsheet(task, path, feedback=_ColleagueSavesDuringImport(task, jcbh))
    assert [r.jcbh for r in result.conflicts] == [jcbh] and not result.applied
    assert stored(task)[jcbh]["notes"] == "同事刚刚保存" and other not in stored(task)
    again = _ColleagueSavesDuringImport(task, jcbh)
    again.note = "同事又保存了一次"
    partial = verification.import_spreadsheet(task, path, accept_partial=True, feedback=again)
    assert [r.jcbh for r in partial.conflicts] == [jcbh]
    assert partial.changed == 1 and stored(task)[other]["verdict"] == "其他"
    assert stored(task)[jcbh]["notes"] == "同事又保存了一次"


# -- 6. text is text in every workbook the plugin writes ------------------------------------------------
def _formula_cells(path):
    book = openpyxl.load_workbook(path)
    return [(sheet.title, cell.coordinate) for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f"]


def test_notes_that_look_like_formulas_stay_text_everywhere_and_round_trip(tmp_path, task):
    noted = sorted(stored(task))[:len(FORMULA_LOOKING)]
    save_notes(task, dict(zip(noted, FORMULA_LOOKING)))
    control.auto_assign(task)
    sheets = templates.export_templates(task, str(tmp_path / "township"))
    lists = [p for p in control.export_assignee_lists(task, str(tmp_path / "people")) if p.endswith(".xlsx")]
    report = control.write_progress_report(task, str(tmp_path / "进度.xlsx"))
    package = submission.build_package(task, str(tmp_path / "package.zip"),
                                       submission.PackageOptions(draft=True, evidence=False)).path
    with zipfile.ZipFile(package) as archive:
        (member,) = (n for n in archive.namelist() if n.endswith(".xlsx"))
        archive.extract(member, str(tmp_path / "unpacked"))
    workbooks = sheets + lists + [report, str(tmp_path / "unpacked" / member)]
    assert all(_formula_cells(path) == [] for path in workbooks)

    seen = {}
    for path in sheets + lists:
        for row in openpyxl.load_workbook(path)["核查结果"].iter_rows(min_row=2, values_only=True):
            if row[0] in noted:
                seen[row[0]] = row[HEADERS.index("备注")]
    assert seen == dict(zip(noted, FORMULA_LOOKING))
    # Returned unchanged: nothing changes, the notes first of all.
    for path in sheets + lists:
        result = verification.import_spreadsheet(task, path)
        assert result.changed == 0 and not result.rejected and not result.accepted
    assert [stored(task)[j]["notes"] for j in noted] == FORMULA_LOOKING


def test_a_cell_excel_shows_as_an_error_is_refused_not_stored(tmp_path, task):
    """'-拆除' typed into a General cell: Excel takes it for a formula and saves #NAME?."""
    township, (jcbh, *_) = next(iter(unverified_by_township(task).items()))
    book = openpyxl.Workbook()
    fill(book.active, [(jcbh, township, OTHER)])
    book.active.cell(2, HEADERS.index("备注") + 1).value = "=-拆除"  # a formula never computed
    path = str(tmp_path / "公式.xlsx")
    book.save(path)
    (row,) = verification.import_spreadsheet(task, path).rejected
    assert "公式" in row.problems[0].zh and jcbh not in stored(task)


# -- 7. .xls, password-protected .xlsx, .csv ------------------------------------------------------------
def compound_file(path, streams):
    """An OLE2 compound file (what an .xls and a password-protected .xlsx are) holding `streams`
    ({name: bytes}) in 512-byte sectors, each at least 4096 bytes (no mini stream)."""
    free, end, fat_sector, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat, bodies, entries = [fat_sector, end], [], []
    for index, (name, data) in enumerate(streams.items()):
        body = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0")
        first = len(fat)
        fat += list(range(first + 1, first + len(body) // 512)) + [end]
        bodies.append(body)
        entries.append((name, 2, none, index + 2 if index + 1 < len(streams) else none, first, len(body)))
    assert len(fat) <= 128 and len(entries) <= 3

    def entry(name, kind, child, right, start, size):
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, none, right, child, b"", 0, 0, 0, start, size)

    directory = entry("Root Entry", 5, 1, none, end, 0) + b"".join(entry(*fields) for fields in entries)
    directory = directory.ljust(512, b"\0")
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"", 0x3E, 3, 0xFFFE, 9, 6, b"",
                         0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *[free] * 108)
    fat_bytes = struct.pack(f"<{128}I", *(fat + [free] * (128 - len(fat))))
    with open(path, "wb") as f:
        f.write(header + fat_bytes + directory + b"".join(bodies))
    return str(path)


def test_an_xls_file_is_refused_saying_save_as_xlsx(tmp_path, task):
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06) + struct.pack("<HH", 0x000A, 0)
    path = compound_file(tmp_path / "核查表.xls", {"Workbook": bof})
    with pytest.raises(LandEnforcementError) as refused:
        verification.import_spreadsheet(task, path)
    assert ".xls" in refused.value.zh and "另存为" in refused.value.zh and ".xlsx" in refused.value.zh
    assert "Save As" in refused.value.en and ".xlsx" in refused.value.en


def test_a_password_protected_workbook_is_refused_saying_remove_the_password(tmp_path, task):
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
    path = compound_file(tmp_path / "核查表_加密.xlsx", {"EncryptionInfo": info, "EncryptedPackage": os.urandom(5000)})
    with pytest.raises(LandEnforcementError) as refused:
        verification.import_spreadsheet(task, path)
    assert "密码" in refused.value.zh and ".xlsx" in refused.value.zh
    assert "password" in refused.value.en and "remove" in refused.value.en


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_csv_saved_by_excel_is_read(tmp_path, task, encoding):
    """Excel's 'CSV (逗号分隔)' is GBK on Chinese Windows, 'CSV UTF-8' has a BOM."""
    (path,) = templates.export_templates(task, str(tmp_path / "sheets"), township=query(
        task, "SELECT township_code FROM patches ORDER BY jcbh LIMIT 1")[0][0])
    rows = [[("" if v is None else str(v)) for v in row]
            for row in openpyxl.load_workbook(path)["核查结果"].iter_rows(values_only=True)]
    unverified = {j for js in unverified_by_township(task).values() for j in js}
    filled = [row[0] for row in rows[1:] if row[0] in unverified]
    for row in rows[1:]:
        if row[0] in unverified:
            for header, value in OTHER.items():
                row[HEADERS.index(header)] = value
    csv_path = tmp_path / "核查表.csv"
    text = "\r\n".join(",".join(f'"{v}"' if "," in v else v for v in row) for row in rows) + "\r\n"
    csv_path.write_bytes(text.encode(encoding))
    result = verification.import_spreadsheet(task, str(csv_path))
    assert filled and result.changed == len(filled) and not result.rejected
    records = stored(task)
    assert all(records[j]["verdict"] == "其他" and records[j]["inspector"] == "赵六" for j in filled)


def test_the_guide_says_what_the_staff_sheets_may_look_like():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name, title in (("guide.zh.md", "常见问题：乡镇核查表"), ("guide.en.md", "FAQ: township spreadsheets")):
        with open(os.path.join(root, "docs", name), encoding="utf-8") as f:
            assert f"## {title}" in f.read()
