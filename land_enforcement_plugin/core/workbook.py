"""Excel sheets the way a bureau hands them on: bold Chinese headers, frozen header row, widths
that fit, number formats, print set-up, and text that can never turn into a formula."""
import os
import zipfile

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


def add_table(workbook, title, headers, rows, formats=None, first=False):
    """A sheet with `headers` and `rows` (lists); formats: column index -> number format.
    Returns the sheet. Strings are always stored as text, never as formulas."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = formats or {}
    widths = [_display_width(h) for h in headers]
    for values in rows:
        sheet.append(list(values))
        for column, value in enumerate(values):
            cell = sheet.cell(sheet.max_row, column + 1)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would write "=..." as a formula
                cell.number_format = TEXT_FORMAT
                if value.startswith(_FORMULA_STARTS):
                    cell.quotePrefix = True  # shown and edited as text in Excel
            elif column in formats:
                cell.number_format = formats[column]
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
