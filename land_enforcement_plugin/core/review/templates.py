"""Staff sheet templates (核查表) written per township or per person: a row per patch, prefilled with
what is recorded, drop-down lists of the allowed values, the county's review state, optionally the
patch's before and after image chips, and the hidden versions the import checks conflicts against."""
import contextlib
import os
import tempfile

from .. import schema
from ..imagery.registry import entries
from ..imagery.render import export_chips
from ..messages import CANCELLED
from ..store import open_task
from ..workbook import TEXT_FORMAT, put
from . import states as review_states
from .sheets import CHIP_SIDES, LISTS_SHEET, READ_ONLY_TITLES, VERSION_SHEET, row_fingerprint
from .verification import group_file_stem, township_groups

SHEET_CHIP_PIXELS = 180  # before/after image chips in a sheet: a row this tall shows the change


def export_templates(task_path, out_dir, township=None, groups=None, chips=False, feedback=None):
    """One .xlsx per township (or only `township`, an XZQDM), a row per patch, prefilled with
    what is already recorded; with `groups` ({(xzqdm, xzqmc, assignee): [jcbh]}) one per group
    instead (per-person task lists). chips: each row also shows the patch on its before and after
    images (about 0.1 s a patch), in two columns the import ignores. Each row also shows the
    patch's 处理状态 and, when the county returned it, the reason (read-only: not imported).
    Returns the written paths."""
    with open_task(task_path) as store:
        patches = store.patch_index()
        recorded = store.verifications_with_versions()  # the versions go into the sheet
        reviewed = review_states.states(store)
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
                raise CANCELLED.error()

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
    version); reviewed: jcbh -> its review_states row; render_chips(jcbh): the paths of a patch's
    image chips (None: no chips); row_written() after each row. Every value is written as text (workbook.put)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    xzqdm, xzqmc, assignee = group
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "核查结果"
    lists = workbook.create_sheet(LISTS_SHEET)  # long lists do not fit in a validation formula
    versions = workbook.create_sheet(VERSION_SHEET)
    headers = schema.SPREADSHEET_FIELDS
    titles = ([spec.zh for spec in headers] + list(READ_ONLY_TITLES)
              + ([title for _, title in CHIP_SIDES] if render_chips else []))
    chip_column = len(headers) + len(READ_ONLY_TITLES) + 1
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
        put(versions.cell(row, 3), row_fingerprint(values))
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

    for offset, (side, _) in enumerate(CHIP_SIDES):
        cell = f"{get_column_letter(first_column + offset)}{row}"
        path = next((p for p in rendered if p.endswith(f"_{side}.png")), None)
        if path is None:
            put(sheet[cell], "无匹配影像")
            continue
        image = Image(path)
        image.width = image.height = SHEET_CHIP_PIXELS
        sheet.add_image(image, cell)
    sheet.row_dimensions[row].height = SHEET_CHIP_PIXELS * 0.75 + 2  # points
