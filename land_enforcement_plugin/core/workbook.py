"""Excel sheets the way a bureau hands them on: bold Chinese headers, frozen header row, widths
that fit, number formats, print set-up, and text that can never turn into a formula; and the
comma-separated files Excel saves, read back."""
import csv
import os
import zipfile

from .errors import LandEnforcementError
from .reproducible import restamp_zip

# Excel (and LibreOffice) evaluate a cell typed with one of these first characters.
_FORMULA_STARTS = ("=", "+", "-", "@")
_HEADER_FILL = "DDEBF7"
_FLAG_FILL = "F8CBAD"
MU_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
TEXT_FORMAT = "@"


def _display_width(value):
    text = str(value) if value is not None else ""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)  # CJK characters are two columns wide


def put(cell, value, number_format=None):
    """Write one value into a cell: a string is always text, never a formula (openpyxl would write
    "=..." as one, Excel would evaluate "+", "-", "@" typed over it), so it reads back unchanged."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.number_format = TEXT_FORMAT
        if value.startswith(_FORMULA_STARTS):
            cell.quotePrefix = True  # shown and edited as text in Excel
    elif number_format:
        cell.number_format = number_format
    return cell


def add_table(workbook, title, headers, rows, formats=None, first=False):
    """A sheet with `headers` and `rows` (lists); formats: column index -> number format.
    Returns the sheet. Strings are always stored as text, never as formulas."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    for column, header in enumerate(headers, start=1):
        put(sheet.cell(1, column), header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = formats or {}
    widths = [_display_width(h) for h in headers]
    for row, values in enumerate(rows, start=2):
        for column, value in enumerate(values):
            put(sheet.cell(row, column + 1), value, formats.get(column))
            widths[column] = max(widths[column], _display_width(value if not isinstance(value, float)
                                                               else f"{value:.2f}"))
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return sheet


def highlight(sheet, row, column):
    """Mark one cell (1-based) as over a threshold."""
    from openpyxl.styles import PatternFill

    sheet.cell(row, column).fill = PatternFill("solid", fgColor=_FLAG_FILL)


def new_workbook():
    import openpyxl

    return openpyxl.Workbook()


def save(workbook, path, stamp=None):
    """Save; with `stamp` (a datetime) the file's bytes depend only on its content."""
    if stamp is not None:
        workbook.properties.created = stamp
        workbook.properties.modified = stamp
        workbook.properties.creator = "land_enforcement_plugin"
        workbook.properties.lastModifiedBy = None
    from openpyxl.writer.excel import ExcelWriter

    partial = path + ".partial"
    # Not workbook.save(): it overwrites the modified time with now.
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    if stamp is not None:
        restamp_zip(partial, stamp)
    os.replace(partial, path)


def decode_text(raw, name):
    """The text of a file Excel or WPS saved: UTF-8 (with or without BOM), UTF-16 with BOM
    ("Unicode text"), else GBK/GB18030 (Chinese Windows). Never guessed into garbage: a file that
    is none of them is refused, naming it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise LandEnforcementError(f"无法识别文件的文字编码（既非 UTF-8 也非 GBK）：{name}",
                                   "Cannot tell the text encoding of the file (neither UTF-8 nor GBK): "
                                   f"{name}") from exc


def read_csv(path):
    """The rows (lists of strings) of a .csv file as Excel saves it (comma- or tab-separated)."""
    with open(path, "rb") as f:
        text = decode_text(f.read(), os.path.basename(path))
    lines = text.splitlines()
    delimiter = "\t" if lines and lines[0].count("\t") > lines[0].count(",") else ","
    return [row for row in csv.reader(lines, delimiter=delimiter)]
