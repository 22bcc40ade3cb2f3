"""Verification records: the rules a verdict must satisfy, and the spreadsheet round-trip.

Township staff fill the spreadsheet by hand, so values are forgiven surrounding blanks and
full-width characters, and anything else wrong is reported with the row, the column and the
allowed values — never guessed.
"""
import contextlib
import datetime
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import schema
from ..dates import parse_date
from ..errors import Bilingual, LandEnforcementError
from ..files import safe_name
from ..imagery.registry import entries
from ..imagery.render import export_chips
from ..store import VerificationConflict, open_task
from ..workbook import TEXT_FORMAT, put, read_csv

_SEPARATORS = re.compile(r"[、，,；;/]+")


def clean_text(value):
    """Text as typed: NFKC folds full-width letters, digits and spaces; blanks mean empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def _free_text(value):
    """Free text (notes, names, approval numbers) kept as typed, as the verdict form keeps it: only
    the surrounding blanks go, so a value read back from a sheet the plugin wrote is the same."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass
class Problem:
    field: schema.VerificationField
    zh: str
    en: str


def parse_value(spec, raw):
    """One typed value -> (stored value, Problem or None)."""
    if spec.kind != "date" and spec.vocabulary is None:
        return _free_text(raw), None
    text = clean_text(raw) if spec.kind != "date" or isinstance(raw, str) else raw
    if text is None:
        return None, None
    if spec.kind == "date":
        try:
            return parse_date(text), None
        except ValueError:
            return None, Problem(spec, f"{spec.zh}“{clean_text(raw)}”不是日期（应如 2024-05-08）",
                                 f"{spec.en} '{clean_text(raw)}' is not a date (e.g. 2024-05-08)")
    if spec.vocabulary is None:
        return text, None
    parts = _SEPARATORS.split(text) if spec.multiple else [text]
    values = []
    for part in filter(None, (p.strip() for p in parts)):
        try:
            values.append(spec.vocabulary.parse(part).value)
        except ValueError:
            allowed = "、".join(spec.vocabulary.values())
            return None, Problem(spec, f"{spec.zh}“{part}”不是允许的值（可选：{allowed}）",
                                 f"{spec.en} '{part}' is not an allowed value (allowed: {allowed})")
    return "、".join(values) or None, None


def missing_required(values):
    """The fields a verdict requires that are empty, as Problems (empty when complete)."""
    verdict = values.get(schema.V_VERDICT.name)
    if not verdict:
        return [Problem(schema.V_VERDICT, "缺少判定结果", "Missing verdict")]
    required = list(schema.REQUIRED_FOR_ALL) + list(schema.REQUIRED_BY_VERDICT[schema.Verdict(verdict)])
    if (verdict == schema.Verdict.UNLAWFUL.value and values.get(schema.V_RECT_STATUS.name)
            and values[schema.V_RECT_STATUS.name] != schema.MEASURES_REQUIRED_UNLESS.value):
        required.append(schema.V_MEASURES)
    return [Problem(spec, f"缺少必填项：{spec.zh}", f"Missing required field: {spec.en}")
            for spec in required if not values.get(spec.name)]


def date_warnings(values, today=None):
    """Problems that do not stop a save but are named: a verification date after today (2099 typed
    for 2024, a wrong computer clock)."""
    today = today or datetime.date.today().isoformat()
    day = values.get(schema.V_DATE.name)
    if day and day > today:
        return [Problem(schema.V_DATE, f"核查日期 {day} 晚于今天（{today}），请核对",
                        f"The verification date {day} is after today ({today}); please check it")]
    return []


# -- spreadsheet import ------------------------------------------------------------------------
# The plugin's sheets carry, in this hidden sheet, each record's version when the sheet was
# written: a record saved since then is a conflict on import, never overwritten by the older copy.
VERSION_SHEET = "导出版本"
_LISTS_SHEET = "代码表"
_CHIP_SIDES = (("before", "前时相影像"), ("after", "后时相影像"))
# What the county decided on each patch (review_states), shown for the township to read: the
# import ignores these columns, as it ignores the image chips.
RETURN_REASON_TITLE = "退回原因"
_READ_ONLY_TITLES = (schema.REVIEW_STATE.zh, RETURN_REASON_TITLE)
_NOT_IMPORTED = _READ_ONLY_TITLES + tuple(title for _, title in _CHIP_SIDES)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_XML = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
_TOWNSHIP_SUFFIX = re.compile(r"(街道办事处|办事处|街道|镇|乡)$")
EXCEL_DIGITS = 15  # Excel keeps a number to 15 significant digits: the 16th becomes 0


def header_key(value):
    """A header as compared: full-width forms folded (NFKC), brackets with their content (a unit,
    a hint such as （年月日）), '*' marks and all blanks dropped."""
    text = _BRACKETED.sub("", unicodedata.normalize("NFKC", str(value)))
    return re.sub(r"[\s*:]", "", text).upper()


def _header_fields():
    fields = {}
    for spec in schema.SPREADSHEET_FIELDS + schema.OPTIONAL_SPREADSHEET_FIELDS:
        for name in (spec.zh,) + spec.synonyms:
            assert fields.setdefault(header_key(name), spec) is spec, name  # one field per header
    return fields


_HEADER_FIELDS = _header_fields()


class CellError(str):
    """What Excel shows instead of a value (#NAME? when '=', '+', '-' or '@' typed into a General
    cell was taken for a formula), or a formula never computed (no value saved with it)."""

    def problem(self, spec):
        if self == "":
            return Problem(spec, f"{spec.zh}单元格是公式，且没有保存计算结果：请在 Excel/WPS 中打开并保存，或粘贴为数值",
                           f"The {spec.en} cell is a formula saved without its result: open and save the file "
                           "in Excel/WPS, or paste it as values")
        return Problem(spec, f"{spec.zh}单元格显示错误值 {self}（以 = + - @ 开头的内容被当成了公式？）：请将该列设为文本后重新填写",
                       f"The {spec.en} cell shows the error {self} (text starting with = + - @ taken for a "
                       "formula?): set the column's format to Text and type it again")


@dataclass
class _Table:
    """One sheet's cells as values (row 1 first), or a .csv file's."""

    name: str
    hidden: bool
    rows: list


@dataclass
class SheetLayout:
    """Where a sheet's header is and which column holds which field."""

    name: str
    header_row: int  # as Excel shows it
    columns: dict  # VerificationField -> column index (0-based)
    renamed: list  # (header as typed, VerificationField) where it is not the template's own
    ignored: list  # headers that are no field


class SheetsRead(NamedTuple):
    sheets: list  # SheetLayout of every sheet imported
    rows: list  # (sheet name, row number, {VerificationField: raw value}) of the filled rows
    skipped: list  # (sheet name, zh reason, en reason)
    versions: dict  # jcbh -> (record version, row fingerprint) when the plugin wrote the sheet


def _ole2_error(path):
    """An OLE2 container is an old .xls (or .et), or an .xlsx encrypted with a password."""
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return LandEnforcementError(
            f"“{name}”是设了打开密码的加密工作簿，无法读取：请在 Excel/WPS 中打开，去掉密码（文件 ▸ 信息 ▸ 保护工作簿 ▸ "
            "用密码进行加密，清空密码）后另存为 .xlsx 再导入",
            f"'{name}' is an encrypted (password-protected) workbook and cannot be read: open it in Excel/WPS, "
            "remove the password (File ▸ Info ▸ Protect Workbook ▸ Encrypt with Password, clear it), save it as "
            ".xlsx and import that")
    return LandEnforcementError(
        f"“{name}”是旧版 Excel 97-2003（.xls）或 WPS（.et）格式，无法读取：请在 Excel/WPS 中“另存为” Excel 工作簿（.xlsx）"
        "后再导入",
        f"'{name}' is an old Excel 97-2003 (.xls) or WPS (.et) file and cannot be read: in Excel/WPS use "
        "'Save As' Excel Workbook (.xlsx) and import that")


def _read_tables(path):
    """Every sheet of an .xlsx, or the one table of a .csv; any other file is refused saying what
    it is and what to do."""
    if not os.path.exists(path):
        raise LandEnforcementError(f"找不到文件：{path}", f"File not found: {path}")
    name = os.path.basename(path)
    with open(path, "rb") as f:
        head = f.read(8)
    if head == _OLE2:
        raise _ole2_error(path)
    if not head.startswith(b"PK\x03\x04"):
        if path.lower().endswith((".csv", ".txt")):
            return [_Table(name, False, read_csv(path))]
        raise LandEnforcementError(
            f"无法读取 Excel 文件（需要 .xlsx）：“{name}”不是 Excel 工作簿，请在 Excel/WPS 中另存为 .xlsx 再导入",
            f"Cannot read the Excel file (.xlsx needed): '{name}' is not an Excel workbook; save it as .xlsx "
            "in Excel/WPS and import that")
    try:
        import openpyxl
    except ImportError as exc:
        raise LandEnforcementError("缺少 Python 包 openpyxl，无法读取 Excel 表格",
                                   "The Python package openpyxl is missing; cannot read Excel files") from exc
    try:
        book = openpyxl.load_workbook(path, data_only=True)
        formulas = _formula_cells(path) if _has_formulas(path) else {}
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-xlsx file
        raise LandEnforcementError(f"无法读取 Excel 文件（需要 .xlsx）：{name}",
                                   f"Cannot read the Excel file (.xlsx needed): {name}") from exc
    tables = []
    for sheet in book.worksheets:
        rows = [[CellError(cell.value) if cell.data_type == "e" else cell.value for cell in row]
                for row in sheet.iter_rows()]
        for row, column in formulas.get(sheet.title, ()):
            if rows[row - 1][column - 1] is None:  # never computed: its value is not known
                rows[row - 1][column - 1] = CellError("")
        # Merged ranges report their value only in the top-left cell: spread it over the range.
        for merged in sheet.merged_cells.ranges:
            top_left = rows[merged.min_row - 1][merged.min_col - 1]
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    rows[row - 1][column - 1] = top_left
        tables.append(_Table(sheet.title, sheet.sheet_state != "visible", rows))
    return tables


def _has_formulas(path):
    with zipfile.ZipFile(path) as archive:
        return any(_FORMULA_XML.search(archive.read(member)) for member in archive.namelist()
                   if member.startswith("xl/worksheets/") and member.endswith(".xml"))


def _formula_cells(path):
    """{sheet title: [(row, column)]} of the formula cells (read only when the file has any)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    return {sheet.title: [(cell.row, cell.column) for row in sheet.iter_rows() for cell in row
                          if cell.data_type == "f"] for sheet in book.worksheets}


def _layout(table):
    """The sheet's header row (the first of the top 10 naming 监测编号) and its columns, or None.
    A sheet whose headers are ambiguous, or that looks like the template without 监测编号, is refused
    naming it: importing part of it, or nothing of it silently, would lose what the staff typed."""
    for index, row in enumerate(table.rows[:10]):
        typed = [(column, str(value).strip()) for column, value in enumerate(row)
                 if value is not None and str(value).strip()]
        found = [(column, text, _HEADER_FIELDS.get(header_key(text))) for column, text in typed]
        if not any(spec is schema.V_JCBH for _, _, spec in found):
            if sum(1 for _, _, spec in found if spec in schema.VERIFICATION_FIELDS) >= 3:
                raise LandEnforcementError(
                    f"工作表“{table.name}”像核查表，但第 {index + 1} 行的表头中没有“监测编号”：请补上该列，或删去该工作表",
                    f"Sheet '{table.name}' looks like a verification sheet, but its header (row {index + 1}) has no "
                    "监测编号 (monitoring number): add the column, or delete the sheet")
            continue
        columns, headers, renamed, ignored = {}, {}, [], []
        for column, text, spec in found:
            if spec is None:
                if text not in _NOT_IMPORTED:
                    ignored.append(text)
            elif spec in columns:
                raise LandEnforcementError(
                    f"工作表“{table.name}”有两列都是{spec.zh}（“{headers[spec]}”和“{text}”）：请删去或改名其中一列",
                    f"Sheet '{table.name}' has two {spec.en} columns ('{headers[spec]}' and '{text}'): delete or "
                    "rename one of them")
            else:
                columns[spec], headers[spec] = column, text
                if text != spec.zh:
                    renamed.append((text, spec))
        return SheetLayout(table.name, index + 1, columns, renamed, ignored)
    return None


def _row_fingerprint(values):
    """What a sheet row held when the plugin wrote it (the template's columns): a row read back
    with the same fingerprint was not touched by the staff."""
    typed = [values.get(spec.name) for spec in schema.SPREADSHEET_FIELDS if spec not in (schema.V_JCBH, schema.V_TOWNSHIP)]
    return hashlib.sha1(json.dumps(typed, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _export_versions(table):
    """jcbh -> (record version, row fingerprint) from the plugin's hidden version sheet."""
    return {str(row[0]): (int(row[1]), row[2] if len(row) > 2 else None) for row in table.rows[1:]
            if len(row) > 1 and row[0] is not None and isinstance(row[1], (int, float))}


def read_spreadsheet(path):
    """The visible sheets with the template's headers, their filled rows, the sheets skipped and
    why, and the record versions the plugin wrote into the file (SheetsRead)."""
    sheets, rows, skipped, hidden_templates, versions = [], [], [], [], {}
    for table in _read_tables(path):
        if table.hidden and table.name == VERSION_SHEET:
            versions = _export_versions(table)
            continue
        layout = _layout(table)
        if table.hidden:
            if layout is not None:
                hidden_templates.append(table.name)
                skipped.append((table.name, "隐藏的工作表（常是旧副本），未导入", "hidden sheet (often a stale copy), not imported"))
            elif table.name != _LISTS_SHEET:
                skipped.append((table.name, "隐藏的工作表", "hidden sheet"))
            continue
        if layout is None:
            skipped.append((table.name, "没有“监测编号”表头", "no 监测编号 header"))
            continue
        sheets.append(layout)
        for row_number in range(layout.header_row + 1, len(table.rows) + 1):
            values = table.rows[row_number - 1]
            raw = {spec: values[column] if column < len(values) else None for spec, column in layout.columns.items()}
            # A template row with only its number and township is a patch not yet verified.
            if any(clean_text(v) for spec, v in raw.items() if spec not in (schema.V_JCBH, schema.V_TOWNSHIP)):
                rows.append((table.name, row_number, raw))
    name = os.path.basename(path)
    if not sheets and hidden_templates:
        listed = "、".join(f"“{n}”" for n in hidden_templates)
        raise LandEnforcementError(
            f"“{name}”中只有隐藏的工作表 {listed} 有核查表表头：隐藏的工作表常是旧副本，不会自动导入；若它就是要导入的表，"
            "请在 Excel/WPS 中取消隐藏后再导入",
            f"In '{name}' only the hidden sheet(s) {listed} have the verification headers: a hidden sheet is often a "
            "stale copy and is never imported silently; if it is the one to import, unhide it in Excel/WPS first")
    if not sheets:
        raise LandEnforcementError(f"表格中没有“监测编号”表头：{name}",
                                   f"No sheet has a '监测编号' (monitoring number) header: {name}")
    return SheetsRead(sheets, rows, skipped, versions)


def _jcbh_of(value):
    """(monitoring number, Problem or None) of a JCBH cell. A number is exact only up to 15 digits
    (Excel rounds the rest to 0): a longer one would name another patch, so it is refused."""
    if isinstance(value, CellError):
        return None, value.problem(schema.V_JCBH)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = f"{value:.0f}"
        if (isinstance(value, float) and not value.is_integer()) or len(digits) > EXCEL_DIGITS or abs(value) >= 2 ** 53:
            return None, _truncated(digits)  # not a number of any patch: only what was read is shown
        return digits, None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value))) if value is not None else ""
    if not text:
        return None, Problem(schema.V_JCBH, "缺少监测编号", "Missing monitoring number")
    if _SCIENTIFIC.match(text):  # a number shown as 3.70323E+15, kept as text (a .csv saved by Excel)
        return None, _truncated(text)
    return text, None


def _truncated(shown):
    return Problem(schema.V_JCBH, f"Excel 已将编号按数字截断，请将该列设为文本（读到 {shown}）",
                   f"Excel cut the monitoring number as a number (read {shown}): set the column's format to Text "
                   "and type the numbers again")


def _township_core(name):
    return _TOWNSHIP_SUFFIX.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFKC", name)))


def _patch_places(store):
    """jcbh -> (townships the overlay puts the patch in: its main one and every one it crosses, the
    county's name as delivered). Empty townships: never overlaid, nothing to check against."""
    places = {}
    rows = store._query(f"SELECT jcbh, xzqdm, xzqmc, {schema.TOWNSHIP_NAME.name} AS township FROM {schema.PATCHES_LAYER}")
    for row in rows:
        county = row["xzqmc"] if (row["xzqdm"] or "").endswith(schema.COUNTY_ROW_SUFFIX) else None
        places[row["jcbh"]] = ({row["township"]} - {None}, county)
    for part in store.township_parts():
        if part["jcbh"] in places and part["xzqmc"]:
            places[part["jcbh"]][0].add(part["xzqmc"])
    return places


def _township_problem(jcbh, typed, places):
    """The row's 乡镇名称 must be a township the patch lies in: a monitoring number mistyped (or
    rounded) into another township's patch is refused rather than given this row's verdict."""
    township = clean_text(typed)
    townships, county = places.get(jcbh, (set(), None))
    if not township or not townships or township == county:  # a sheet naming the county tells nothing
        return None
    if _township_core(township) in {_township_core(t) for t in townships}:
        return None
    where = "、".join(sorted(townships))
    return Problem(schema.V_TOWNSHIP, f"乡镇名称“{township}”与图斑 {jcbh} 所在乡镇（{where}）不符：监测编号是否有误？",
                   f"Township '{township}' is not where patch {jcbh} lies ({where}): is the monitoring number wrong?")


@dataclass
class RowResult:
    row: int  # spreadsheet row number as Excel shows it
    jcbh: str
    status: str  # "accepted", "unchanged", "rejected", "conflict"
    problems: list = field(default_factory=list)
    sheet: str = ""
    warnings: list = field(default_factory=list)  # Problems that did not stop the row


@dataclass
class SpreadsheetImport:
    path: str
    sheets: list  # SheetLayout of every sheet imported
    rows: list
    applied: bool
    changed: int
    skipped: list = field(default_factory=list)  # (sheet name, zh reason, en reason)

    @property
    def sheet(self):
        return "、".join(s.name for s in self.sheets)

    @property
    def rejected(self):
        """Rows not written: refused, or in conflict with a newer record."""
        return [r for r in self.rows if r.status in ("rejected", "conflict")]

    @property
    def conflicts(self):
        return [r for r in self.rows if r.status == "conflict"]

    @property
    def accepted(self):
        return [r for r in self.rows if r.status == "accepted"]

    @property
    def unchanged(self):
        return [r for r in self.rows if r.status == "unchanged"]

    def lines(self):
        def counts(rows):
            accepted, unchanged = sum(r.status == "accepted" for r in rows), sum(r.status == "unchanged" for r in rows)
            rejected, conflicts = sum(r.status in ("rejected", "conflict") for r in rows), sum(r.status == "conflict" for r in rows)
            return (f"接受 {accepted}，未变 {unchanged}，拒绝 {rejected}" + (f"（其中冲突 {conflicts}）" if conflicts else ""),
                    f"accepted {accepted}, unchanged {unchanged}, rejected {rejected}"
                    + (f" (conflicts {conflicts})" if conflicts else ""))

        sheet = f"{os.path.basename(self.path)} [{self.sheet}]"
        zh, en = counts(self.rows)
        out = [Bilingual(f"{sheet}: {zh}，{'已写入' if self.applied else '未写入'} {self.changed}",
                         f"{sheet}: {en}, {'written' if self.applied else 'nothing written'} ({self.changed})")]
        for name, reason_zh, reason_en in self.skipped:
            out.append(Bilingual(f"跳过工作表“{name}”：{reason_zh}", f"sheet '{name}' skipped: {reason_en}"))
        for layout in self.sheets:
            if len(self.sheets) > 1:
                zh, en = counts([r for r in self.rows if r.sheet == layout.name])
                out.append(Bilingual(f"[{layout.name}] {zh}", f"[{layout.name}] {en}"))
            if layout.renamed:
                out.append(Bilingual(f"[{layout.name}] 表头对应：" + "，".join(f"{typed}→{spec.zh}" for typed, spec in layout.renamed),
                                     f"[{layout.name}] header mapping: " + ", ".join(f"{typed}→{spec.en}"
                                                                                     for typed, spec in layout.renamed)))
            if layout.ignored:
                out.append(Bilingual(f"[{layout.name}] 未导入的列：{'，'.join(layout.ignored)}",
                                     f"[{layout.name}] columns not imported: {', '.join(layout.ignored)}"))
        several = len(self.sheets) > 1
        for result in self.conflicts + [r for r in self.rows if r.status == "rejected"]:
            where = f"[{result.sheet}] " if several else ""
            for problem in result.problems:
                out.append(Bilingual(f"{where}第 {result.row} 行 {result.jcbh or '-'}：{problem.zh}",
                                     f"{where}row {result.row} {result.jcbh or '-'}: {problem.en}"))
        for result in self.rows:
            where = f"[{result.sheet}] " if several else ""
            for problem in result.warnings:
                out.append(Bilingual(f"{where}第 {result.row} 行 {result.jcbh}：警告 {problem.zh}",
                                     f"{where}row {result.row} {result.jcbh}: warning: {problem.en}"))
        return out


def _parse_row(raw, known, places):
    """(jcbh, {field: value}, problems) for one spreadsheet row."""
    jcbh, problem = _jcbh_of(raw.get(schema.V_JCBH))
    if problem:
        return jcbh, {}, [problem]
    if jcbh not in known:
        return jcbh, {}, [Problem(schema.V_JCBH, f"任务库中没有监测编号“{jcbh}”", f"Unknown monitoring number '{jcbh}'")]
    problems = []
    township = _township_problem(jcbh, raw.get(schema.V_TOWNSHIP), places)
    if township:
        problems.append(township)
    values = {}
    for spec, cell in raw.items():
        if spec in (schema.V_JCBH, schema.V_TOWNSHIP):
            continue
        if isinstance(cell, CellError):
            problems.append(cell.problem(spec))
            continue
        value, problem = parse_value(spec, cell)
        if problem:
            problems.append(problem)
        values[spec.name] = value
    if not problems:
        problems = missing_required(values)
    return jcbh, values, problems


def _conflict(theirs, mine):
    """The fields a row would change on a record saved since the sheet was written."""
    labels = {spec.name: spec for spec in schema.VERIFICATION_FIELDS}
    fields = [name for name, value in mine.items() if (theirs or {}).get(name) != value]
    zh = "；".join(f"{labels[n].zh}：库中“{(theirs or {}).get(n) or ''}”，表中“{mine[n] or ''}”" for n in fields)
    en = "; ".join(f"{labels[n].en}: stored '{(theirs or {}).get(n) or ''}', sheet '{mine[n] or ''}'" for n in fields)
    return Problem(schema.V_JCBH, f"导出本表后此记录已在任务库中修改，未覆盖（{zh}）",
                   f"The record was changed in the task after this sheet was written; not overwritten ({en})")


def import_spreadsheet(task_path, path, accept_partial=False, feedback=None):
    """Import a returned verification spreadsheet: every visible sheet with the template's headers.
    All-or-nothing unless accept_partial. A record saved since the plugin wrote the sheet (or
    since this import read it) is a conflict, never overwritten."""
    read = read_spreadsheet(path)
    store = open_task(task_path)
    try:
        known = store.patch_index()
        places = _patch_places(store)
        recorded = store._verifications_with_versions()
        results, changes, expected, first_row_of = [], {}, {}, {}
        for index, (sheet, row_number, raw) in enumerate(read.rows):
            if feedback is not None:
                if feedback.isCanceled():
                    raise LandEnforcementError("导入已取消，任务库未改动", "Import cancelled; the task database is unchanged")
                feedback.setProgress(90.0 * index / max(len(read.rows), 1))
            jcbh, values, problems = _parse_row(raw, known, places)
            if jcbh in first_row_of:
                first_sheet, first_row = first_row_of[jcbh]
                same = f"第 {first_row} 行" if first_sheet == sheet else f"工作表“{first_sheet}”第 {first_row} 行"
                problems = [Problem(schema.V_JCBH, f"监测编号重复（与{same}相同）",
                                    f"Duplicate monitoring number (same as row {first_row} of sheet '{first_sheet}')")]
            elif jcbh:
                first_row_of[jcbh] = (sheet, row_number)
            if problems:
                results.append(RowResult(row_number, jcbh, "rejected", problems, sheet))
                continue
            stored, version = recorded.get(jcbh, (None, 0))
            # Columns absent from this sheet keep what is stored.
            merged = dict(stored or {}, **values)
            written_as = read.versions.get(jcbh)
            if stored == merged or (written_as and written_as[0] != version and written_as[1] == _row_fingerprint(values)):
                # Equal, or left as the plugin wrote it while the record moved on: the newer record stays.
                results.append(RowResult(row_number, jcbh, "unchanged", sheet=sheet, warnings=date_warnings(values)))
            elif written_as and written_as[0] != version:
                results.append(RowResult(row_number, jcbh, "conflict", [_conflict(stored, values)], sheet))
            else:
                changes[jcbh], expected[jcbh] = merged, version
                results.append(RowResult(row_number, jcbh, "accepted", sheet=sheet, warnings=date_warnings(values)))
        refused = any(r.status in ("rejected", "conflict") for r in results)
        changed = 0
        apply = bool(changes) and (not refused or accept_partial)
        while apply and changes:
            try:
                changed = store.apply_verifications(changes, schema.CHANNEL_SPREADSHEET, os.path.basename(path),
                                                    expected=expected)
                break
            except VerificationConflict as conflict:  # saved by someone else since this import read it
                moved = {jcbh for jcbh, *_ in conflict.conflicts}
                for result in results:
                    if result.jcbh in moved and result.status == "accepted":
                        result.status = "conflict"
                        result.problems = [Problem(schema.V_JCBH, "导入时此记录正被他人保存，未覆盖",
                                                   "The record was saved by someone else during the import; not "
                                                   "overwritten")]
                changes = {jcbh: values for jcbh, values in changes.items() if jcbh not in moved}
                apply = accept_partial
        if feedback is not None:
            feedback.setProgress(100)
        return SpreadsheetImport(path, read.sheets, results, apply or not changes, changed, read.skipped)
    finally:
        store.close()


# -- spreadsheet template export ---------------------------------------------------------------
def township_of(code, name):
    """(code, name) of a patch's township for grouping and titles: the overlay's, or ("", 未落乡镇)
    for a patch not yet overlaid or outside every township (one group, never the county)."""
    return (code, name or code) if code else ("", schema.UNPLACED_TOWNSHIP[0])


def township_groups(patches):
    """{(xzqdm, xzqmc, ""): [jcbh]}: the patches grouped by the overlay's township (no assignee);
    patches: store.patch_index()."""
    groups = {}
    for jcbh, (xzqdm, xzqmc) in patches.items():
        groups.setdefault(township_of(xzqdm, xzqmc) + ("",), []).append(jcbh)
    return groups


def group_file_stem(xzqdm, xzqmc, assignee):
    """A file name part for a township (and person), safe on every file system."""
    return safe_name("_".join(p for p in (xzqdm, xzqmc, assignee) if p))


SHEET_CHIP_PIXELS = 180  # before/after image chips in a sheet: a row this tall shows the change


def export_templates(task_path, out_dir, township=None, groups=None, chips=False, feedback=None):
    """One .xlsx per township (or only `township`, an XZQDM), a row per patch, prefilled with
    what is already recorded; with `groups` ({(xzqdm, xzqmc, assignee): [jcbh]}) one per group
    instead (per-person task lists). chips: each row also shows the patch on its before and after
    images (about 0.1 s a patch), in two columns the import ignores. Each row also shows the
    patch's 处理状态 and, when the county returned it, the reason (read-only: not imported).
    Returns the written paths."""
    from . import states as review_states

    store = open_task(task_path)
    try:
        patches = store.patch_index()
        recorded = store._verifications_with_versions()  # the versions go into the sheet
        reviewed = review_states.states(store)
    finally:
        store.close()
    os.makedirs(out_dir, exist_ok=True)
    written = []
    chosen = {key: jcbhs for key, jcbhs in (groups or township_groups(patches)).items()
              if not township or key[0] == township}
    total, done = max(sum(len(jcbhs) for jcbhs in chosen.values()), 1), 0

    def row_written():
        nonlocal done
        done += 1
        if feedback is not None:
            feedback.setProgress(100.0 * done / total)
            if feedback.isCanceled():
                raise LandEnforcementError("已取消", "Cancelled")

    try:
        with tempfile.TemporaryDirectory(prefix="lep-chips-") if chips else contextlib.nullcontext() as chip_dir:
            render_chips = _chip_renderer(task_path, chip_dir) if chips else None
            for key, jcbhs in sorted(chosen.items()):
                written.append(_write_template(out_dir, key, jcbhs, recorded, reviewed, render_chips, row_written))
    except BaseException:  # cancelled or failed: all the sheets or none
        for path in written:
            os.remove(path)
        raise
    return written


def _chip_renderer(task_path, chip_dir):
    """jcbh -> the image files of the patch's before and after chips, rendered into chip_dir (they
    must stay there until the sheet is saved); the task's imagery is read once, not once a patch."""
    registered = entries(task_path)
    return lambda jcbh: export_chips(task_path, jcbh, chip_dir, size_px=SHEET_CHIP_PIXELS, dates_only=True,
                                     registered=registered)


def _review_cells(row):
    """(处理状态, 退回原因) of a patch's review_states row (None: never submitted)."""
    if row is None:
        return schema.ReviewState.PENDING.value, None
    returned = row["state"] == schema.ReviewState.RETURNED.value
    return row["state"], row["opinion"] if returned else None


def _write_template(out_dir, group, jcbhs, recorded, reviewed, render_chips, row_written):
    """The sheet of one township (or person): the path written. recorded: jcbh -> (values,
    version); reviewed: jcbh -> its review_states row; render_chips(jcbh): the paths of a patch's image chips (None: no chips);
    row_written() after each row. Every value is written as text (workbook.put)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    xzqdm, xzqmc, assignee = group
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "核查结果"
    lists = workbook.create_sheet(_LISTS_SHEET)  # long lists do not fit in a validation formula
    versions = workbook.create_sheet(VERSION_SHEET)
    headers = schema.SPREADSHEET_FIELDS
    titles = ([spec.zh for spec in headers] + list(_READ_ONLY_TITLES)
              + ([title for _, title in _CHIP_SIDES] if render_chips else []))
    chip_column = len(headers) + len(_READ_ONLY_TITLES) + 1
    for col, title in enumerate(titles, start=1):
        put(sheet.cell(1, col), title)
    for col, title in enumerate((schema.V_JCBH.zh, "记录版本", "导出内容指纹"), start=1):
        put(versions.cell(1, col), title)
    read_only = PatternFill("solid", fgColor="EDEDED")  # grey: the county's, not to be filled in
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for row, jcbh in enumerate(sorted(jcbhs), start=2):
        values, version = recorded.get(jcbh, ({}, 0))
        for col, spec in enumerate(headers, start=1):
            value = jcbh if spec is schema.V_JCBH else xzqmc if spec is schema.V_TOWNSHIP else values.get(spec.name)
            put(sheet.cell(row, col), value, TEXT_FORMAT)  # typed over, it stays text too
        for col, value in enumerate(_review_cells(reviewed.get(jcbh)), start=len(headers) + 1):
            put(sheet.cell(row, col), value)
            sheet.cell(row, col).fill = read_only
        put(versions.cell(row, 1), jcbh)
        put(versions.cell(row, 2), version)
        put(versions.cell(row, 3), _row_fingerprint(values))
        if render_chips:
            _add_chips(sheet, row, chip_column, render_chips(jcbh))
        row_written()
    last = max(sheet.max_row, 2)
    for list_col, (col, spec) in enumerate(((i + 1, s) for i, s in enumerate(headers) if s.vocabulary), start=1):
        letter = get_column_letter(list_col)
        for r, value in enumerate(spec.vocabulary.values(), start=1):
            put(lists.cell(r, list_col), value)
        if spec.multiple:
            continue  # several measures per cell: checked on import instead
        validation = DataValidation(type="list", formula1=f"=代码表!${letter}$1:${letter}${len(spec.vocabulary)}",
                                    allow_blank=True, showErrorMessage=True,
                                    errorTitle=spec.zh, error=f"请从下拉列表选择{spec.zh}")
        sheet.add_data_validation(validation)
        validation.add(f"{get_column_letter(col)}2:{get_column_letter(col)}{last}")
    sheet.freeze_panes = "A2"
    for col, spec in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = max(10, len(spec.zh) * 2 + 4)
    sheet.column_dimensions[get_column_letter(len(headers) + 1)].width = 14
    sheet.column_dimensions[get_column_letter(len(headers) + 2)].width = 30
    sheet.column_dimensions["A"].width = 22
    if render_chips:
        for col in (chip_column, chip_column + 1):  # characters of about 7 px
            sheet.column_dimensions[get_column_letter(col)].width = SHEET_CHIP_PIXELS / 7 + 1
    lists.sheet_state = "hidden"
    versions.sheet_state = "veryHidden"  # not even listed by Excel's Unhide: it is the plugin's
    path = os.path.join(out_dir, f"核查表_{group_file_stem(xzqdm, xzqmc, assignee)}.xlsx")
    workbook.save(path)  # the chips' image files are read now
    return path


def _add_chips(sheet, row, first_column, rendered):
    """A patch's before and after chips (`rendered`: their image files) in the cells of `row` from
    `first_column` on; a side with no matching image says so."""
    from openpyxl.drawing.image import Image
    from openpyxl.utils import get_column_letter

    for offset, (side, _) in enumerate(_CHIP_SIDES):
        cell = f"{get_column_letter(first_column + offset)}{row}"
        path = next((p for p in rendered if p.endswith(f"_{side}.png")), None)
        if path is None:
            put(sheet[cell], "无匹配影像")
            continue
        image = Image(path)
        image.width = image.height = SHEET_CHIP_PIXELS
        sheet.add_image(image, cell)
    sheet.row_dimensions[row].height = SHEET_CHIP_PIXELS * 0.75 + 2  # points
