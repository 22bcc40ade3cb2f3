"""Staff sheets (核查表) as typed: values normalised and checked, and every sheet of a returned
workbook (or a .csv) read with its header, its rows and the versions the plugin wrote into it.

Township staff fill the spreadsheet by hand, so values are forgiven surrounding blanks and
full-width characters, and anything else wrong is reported with the row, the column and the
allowed values — never guessed. What is refused (an .xls, an encrypted workbook, a formula never
computed, a number Excel rounded) is named with what to do.
"""
import hashlib
import json
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import NamedTuple
from xml.etree import ElementTree

from .. import schema
from ..dates import parse_date
from ..errors import LandEnforcementError
from ..messages import MISSING_JCBH, file_not_found, missing_package
from ..workbook import read_csv

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


# -- the sheets' format and their reading ----------------------------------------------------------
# The plugin's sheets carry, in this hidden sheet, each record's version when the sheet was
# written: a record saved since then is a conflict on import, never overwritten by the older copy.
VERSION_SHEET = "导出版本"
LISTS_SHEET = "代码表"
CHIP_SIDES = (("before", "前时相影像"), ("after", "后时相影像"))
# What the county decided on each patch (review_states), shown for the township to read: the
# import ignores these columns, as it ignores the image chips.
RETURN_REASON_TITLE = "退回原因"
READ_ONLY_TITLES = (schema.REVIEW_STATE.zh, RETURN_REASON_TITLE)
_NOT_IMPORTED = READ_ONLY_TITLES + tuple(title for _, title in CHIP_SIDES)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FORMULA_XML = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGED_XML = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")
_SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
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
            return Problem(spec, f"{spec.zh}单元格是公式，且没有保存计算结果："
                                 "请在 Excel/WPS 中打开并保存，或粘贴为数值",
                           f"The {spec.en} cell is a formula saved without its result: open and save the file "
                           "in Excel/WPS, or paste it as values")
        return Problem(spec, f"{spec.zh}单元格显示错误值 {self}（以 = + - @ 开头的内容被当成了公式？）："
                             "请将该列设为文本后重新填写",
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
            f"“{name}”是设了打开密码的加密工作簿，无法读取：请在 Excel/WPS 中打开，"
            "去掉密码（文件 ▸ 信息 ▸ 保护工作簿 ▸ 用密码进行加密，清空密码）后另存为 .xlsx 再导入",
            f"'{name}' is an encrypted (password-protected) workbook and cannot be read: open it in Excel/WPS, "
            "remove the password (File ▸ Info ▸ Protect Workbook ▸ Encrypt with Password, clear it), save it as "
            ".xlsx and import that")
    return LandEnforcementError(
        f"“{name}”是旧版 Excel 97-2003（.xls）或 WPS（.et）格式，无法读取："
        "请在 Excel/WPS 中“另存为” Excel 工作簿（.xlsx）后再导入",
        f"'{name}' is an old Excel 97-2003 (.xls) or WPS (.et) file and cannot be read: in Excel/WPS use "
        "'Save As' Excel Workbook (.xlsx) and import that")


def read_tables(path, feedback=None):
    """Every sheet of an .xlsx, or the one table of a .csv; any other file is refused saying what
    it is and what to do. feedback (optional) is asked whether it was cancelled between rows: then
    the reading stops early (the caller, asking it too, stops)."""
    if not os.path.exists(path):
        raise file_not_found(path).error()
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
        raise missing_package("openpyxl", "读取 Excel 表格", "read Excel files").error() from exc
    try:
        # Read-only: the cells stream by as values; a full workbook of 20,000 rows is a quarter of a
        # million objects whose garbage collection holds up QGIS's UI thread for 100-300 ms at a time.
        book = openpyxl.load_workbook(path, data_only=True, read_only=True)
        merged_ranges, has_formulas = _sheet_xml_facts(path)
        formulas = _formula_cells(path) if has_formulas else {}
        tables = []
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # the stated dimensions of WPS/old files may be wrong: read every row
            rows = []
            for row in sheet.iter_rows():
                if feedback is not None and feedback.isCanceled():
                    break
                rows.append([CellError(cell.value) if cell.data_type == "e" else cell.value for cell in row])
            width = max((len(row) for row in rows), default=0)
            rows = [row + [None] * (width - len(row)) for row in rows]
            for row, column in formulas.get(sheet.title, ()):
                if rows[row - 1][column - 1] is None:  # never computed: its value is not known
                    rows[row - 1][column - 1] = CellError("")
            # Merged ranges report their value only in the top-left cell: spread it over the range.
            for min_col, min_row, max_col, max_row in merged_ranges.get(sheet.title, ()):
                top_left = rows[min_row - 1][min_col - 1]
                for row in range(min_row, min(max_row, len(rows)) + 1):
                    for column in range(min_col, min(max_col, width) + 1):
                        rows[row - 1][column - 1] = top_left
            tables.append(_Table(sheet.title, sheet.sheet_state != "visible", rows))
        book.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-xlsx file
        raise LandEnforcementError(f"无法读取 Excel 文件（需要 .xlsx）：{name}",
                                   f"Cannot read the Excel file (.xlsx needed): {name}") from exc
    return tables


def _sheet_xml_facts(path):
    """What a read-only workbook does not give, from each sheet's XML read once: {sheet title:
    [(min_col, min_row, max_col, max_row)]} of its merged cells, and whether any sheet has formulas."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {relation.get("Id"): relation.get("Target") for relation in relations}
        ranges, has_formulas = {}, False
        for sheet in workbook.iter(f"{{{_SPREADSHEET_NS}}}sheet"):
            target = targets.get(sheet.get(f"{{{_RELATIONS_NS}}}id"), "")
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if member in names:
                xml = archive.read(member)
                # The merged ranges follow the cells: a regular expression only over what follows them
                # (a scan of all the cells holds Python's lock, and QGIS's UI, for as long as it takes).
                merged = xml.find(b"mergeCell", xml.rfind(b"</sheetData>") + 1)
                tail = xml[merged:] if merged >= 0 else b""
                ranges[sheet.get("name")] = [range_boundaries(ref.decode()) for ref in _MERGED_XML.findall(tail)]
                has_formulas = has_formulas or _has_formula(xml)
        return ranges, has_formulas


def _has_formula(xml):
    """Whether a sheet's XML has a formula cell (<f>, <f t=…/>, <x:f>): byte searches for the places
    one may start, each checked by the regular expression (a regular-expression scan of every cell
    takes 25 ms for 14,000 rows, holding Python's lock, and QGIS's UI with it)."""
    for marker in (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/"):
        found = xml.find(marker)
        while found >= 0:
            if _FORMULA_XML.match(xml, xml.rfind(b"<", 0, found + 1)):
                return True
            found = xml.find(marker, found + 1)
    return False


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
                    f"工作表“{table.name}”像核查表，但第 {index + 1} 行的表头中没有“监测编号”："
                    "请补上该列，或删去该工作表",
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


def row_fingerprint(values):
    """What a sheet row held when the plugin wrote it (the template's columns): a row read back
    with the same fingerprint was not touched by the staff."""
    typed = [values.get(spec.name) for spec in schema.SPREADSHEET_FIELDS
             if spec not in (schema.V_JCBH, schema.V_TOWNSHIP)]
    return hashlib.sha1(json.dumps(typed, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _export_versions(table):
    """jcbh -> (record version, row fingerprint) from the plugin's hidden version sheet."""
    return {str(row[0]): (int(row[1]), row[2] if len(row) > 2 else None) for row in table.rows[1:]
            if len(row) > 1 and row[0] is not None and isinstance(row[1], (int, float))}


def read_spreadsheet(path, feedback=None):
    """The visible sheets with the template's headers, their filled rows, the sheets skipped and
    why, and the record versions the plugin wrote into the file (SheetsRead). feedback: as for
    read_tables."""
    sheets, rows, skipped, hidden_templates, versions = [], [], [], [], {}
    for table in read_tables(path, feedback):
        if table.hidden and table.name == VERSION_SHEET:
            versions = _export_versions(table)
            continue
        layout = _layout(table)
        if table.hidden:
            if layout is not None:
                hidden_templates.append(table.name)
                skipped.append((table.name, "隐藏的工作表（常是旧副本），未导入",
                                "hidden sheet (often a stale copy), not imported"))
            elif table.name != LISTS_SHEET:
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
            f"“{name}”中只有隐藏的工作表 {listed} 有核查表表头：隐藏的工作表常是旧副本，不会自动导入；"
            "若它就是要导入的表，请在 Excel/WPS 中取消隐藏后再导入",
            f"In '{name}' only the hidden sheet(s) {listed} have the verification headers: a hidden sheet is often a "
            "stale copy and is never imported silently; if it is the one to import, unhide it in Excel/WPS first")
    if not sheets:
        raise LandEnforcementError(f"表格中没有“监测编号”表头：{name}",
                                   f"No sheet has a '监测编号' (monitoring number) header: {name}")
    return SheetsRead(sheets, rows, skipped, versions)


def jcbh_of(value):
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
        return None, Problem(schema.V_JCBH, *MISSING_JCBH)
    if _SCIENTIFIC.match(text):  # a number shown as 3.70323E+15, kept as text (a .csv saved by Excel)
        return None, _truncated(text)
    return text, None


def _truncated(shown):
    return Problem(schema.V_JCBH, f"Excel 已将编号按数字截断，请将该列设为文本（读到 {shown}）",
                   f"Excel cut the monitoring number as a number (read {shown}): set the column's format to Text "
                   "and type the numbers again")


def township_core(name):
    return _TOWNSHIP_SUFFIX.sub("", _INVISIBLE.sub("", unicodedata.normalize("NFKC", name)))
