"""Verification records: the rules a verdict must satisfy, and the spreadsheet round-trip.

Township staff fill the spreadsheet by hand, so values are forgiven surrounding blanks and
full-width characters, and anything else wrong is reported with the row, the column and the
allowed values — never guessed.
"""
import contextlib
import datetime
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field

from . import schema
from .dates import parse_date
from .errors import LandEnforcementError
from .photos import safe_name
from .store import open_task

_SEPARATORS = re.compile(r"[、，,；;/]+")


def clean_text(value):
    """Text as typed: NFKC folds full-width letters, digits and spaces; blanks mean empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


@dataclass
class Problem:
    field: schema.VerificationField
    zh: str
    en: str


def parse_value(spec, raw):
    """One typed value -> (stored value, Problem or None)."""
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
@dataclass
class RowResult:
    row: int  # spreadsheet row number as Excel shows it
    jcbh: str
    status: str  # "accepted", "unchanged", "rejected"
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # Problems that did not stop the row


@dataclass
class SpreadsheetImport:
    path: str
    sheet: str
    rows: list
    applied: bool
    changed: int

    @property
    def rejected(self):
        return [r for r in self.rows if r.status == "rejected"]

    @property
    def accepted(self):
        return [r for r in self.rows if r.status == "accepted"]

    @property
    def unchanged(self):
        return [r for r in self.rows if r.status == "unchanged"]

    def lines(self):
        out = [f"{os.path.basename(self.path)} [{self.sheet}]: 接受 {len(self.accepted)}，未变 {len(self.unchanged)}，"
               f"拒绝 {len(self.rejected)}，{'已写入' if self.applied else '未写入'} {self.changed} / "
               f"accepted {len(self.accepted)}, unchanged {len(self.unchanged)}, rejected {len(self.rejected)}, "
               f"{'written' if self.applied else 'nothing written'} ({self.changed})"]
        for result in self.rejected:
            for problem in result.problems:
                out.append(f"第 {result.row} 行 row {result.row} {result.jcbh or '-'}: {problem.zh} / {problem.en}")
        for result in self.rows:
            for problem in result.warnings:
                out.append(f"第 {result.row} 行 row {result.row} {result.jcbh}: 警告 {problem.zh} / "
                           f"warning: {problem.en}")
        return out


def _header_positions(sheet):
    """Find the header row (the first of the top 10 rows naming 监测编号) and its columns."""
    wanted = {spec.zh: spec for spec in schema.SPREADSHEET_FIELDS + schema.OPTIONAL_SPREADSHEET_FIELDS}
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 10)):
        headers = {clean_text(cell.value): cell.column for cell in row if clean_text(cell.value)}
        if schema.V_JCBH.zh in headers:
            return row[0].row, {wanted[h]: col for h, col in headers.items() if h in wanted}
    return None, None


def _find_sheet(workbook, path):
    for sheet in workbook.worksheets:
        header_row, columns = _header_positions(sheet)
        if header_row:
            return sheet, header_row, columns
    raise LandEnforcementError(f"表格中没有“监测编号”表头：{os.path.basename(path)}",
                               f"No sheet has a '监测编号' (monitoring number) header: {os.path.basename(path)}")


def _merged_values(sheet):
    """Merged ranges report their value only in the top-left cell: spread it over the range."""
    values = {}
    for merged in sheet.merged_cells.ranges:
        top_left = sheet.cell(merged.min_row, merged.min_col).value
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                values[(row, col)] = top_left
    return values


def read_spreadsheet(path):
    """(sheet name, [(row number, {VerificationField: raw value})]) of the filled rows."""
    try:
        import openpyxl
    except ImportError as exc:
        raise LandEnforcementError("缺少 Python 包 openpyxl，无法读取 Excel 表格",
                                   "The Python package openpyxl is missing; cannot read Excel files") from exc
    if not os.path.exists(path):
        raise LandEnforcementError(f"找不到文件：{path}", f"File not found: {path}")
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-xlsx file
        raise LandEnforcementError(f"无法读取 Excel 文件（需要 .xlsx）：{os.path.basename(path)}",
                                   f"Cannot read the Excel file (.xlsx needed): {os.path.basename(path)}") from exc
    sheet, header_row, columns = _find_sheet(workbook, path)
    merged = _merged_values(sheet)
    rows = []
    for row_number in range(header_row + 1, sheet.max_row + 1):
        raw = {spec: merged.get((row_number, col), sheet.cell(row_number, col).value) for spec, col in columns.items()}
        # A template row with only its number and township is a patch not yet verified.
        if any(clean_text(v) for spec, v in raw.items() if spec not in (schema.V_JCBH, schema.V_TOWNSHIP)):
            rows.append((row_number, raw))
    return sheet.title, rows


def _parse_row(raw, known):
    """({field: value}, problems) for one spreadsheet row."""
    problems = []
    jcbh = clean_text(raw.get(schema.V_JCBH))
    if jcbh is None:
        return None, {}, [Problem(schema.V_JCBH, "缺少监测编号", "Missing monitoring number")]
    if jcbh not in known:
        problems.append(Problem(schema.V_JCBH, f"任务库中没有监测编号“{jcbh}”", f"Unknown monitoring number '{jcbh}'"))
    values = {}
    for spec, cell in raw.items():
        if spec in (schema.V_JCBH, schema.V_TOWNSHIP):
            continue
        value, problem = parse_value(spec, cell)
        if problem:
            problems.append(problem)
        values[spec.name] = value
    if not problems:
        problems = missing_required(values)
    return jcbh, values, problems


def import_spreadsheet(task_path, path, accept_partial=False, feedback=None):
    """Import a returned verification spreadsheet. All-or-nothing unless accept_partial."""
    sheet, rows = read_spreadsheet(path)
    store = open_task(task_path)
    try:
        known = store.patch_index()
        current = store.verifications()
        results, changes, first_row_of = [], {}, {}
        for index, (row_number, raw) in enumerate(rows):
            if feedback is not None:
                if feedback.isCanceled():
                    raise LandEnforcementError("导入已取消，任务库未改动", "Import cancelled; the task database is unchanged")
                feedback.setProgress(90.0 * index / max(len(rows), 1))
            jcbh, values, problems = _parse_row(raw, known)
            if jcbh in first_row_of:
                problems = [Problem(schema.V_JCBH, f"监测编号重复（与第 {first_row_of[jcbh]} 行相同）",
                                    f"Duplicate monitoring number (same as row {first_row_of[jcbh]})")]
            elif jcbh:
                first_row_of[jcbh] = row_number
            if problems:
                results.append(RowResult(row_number, jcbh, "rejected", problems))
                continue
            # Columns absent from this sheet keep what is stored.
            merged = dict(current.get(jcbh, {}), **values)
            if current.get(jcbh) == merged:
                results.append(RowResult(row_number, jcbh, "unchanged", warnings=date_warnings(values)))
            else:
                changes[jcbh] = merged
                results.append(RowResult(row_number, jcbh, "accepted", warnings=date_warnings(values)))
        rejected = any(r.status == "rejected" for r in results)
        apply = bool(changes) and (not rejected or accept_partial)
        changed = store.apply_verifications(changes, schema.CHANNEL_SPREADSHEET, os.path.basename(path)) if apply else 0
        if feedback is not None:
            feedback.setProgress(100)
        return SpreadsheetImport(path, sheet, results, apply or not changes, changed)
    finally:
        store.close()


# -- spreadsheet template export ---------------------------------------------------------------
def township_groups(patches):
    """{(xzqdm, xzqmc, ""): [jcbh]}: the patches grouped by township (no assignee)."""
    groups = {}
    for jcbh, (xzqdm, xzqmc) in patches.items():
        groups.setdefault((xzqdm or "", xzqmc or "", ""), []).append(jcbh)
    return groups


def group_file_stem(xzqdm, xzqmc, assignee):
    """A file name part for a township (and person), safe on every file system."""
    return safe_name("_".join(p for p in (xzqdm, xzqmc, assignee) if p))


SHEET_CHIP_PIXELS = 180  # before/after image chips in a sheet: a row this tall shows the change
_CHIP_SIDES = (("before", "前时相影像"), ("after", "后时相影像"))


def export_templates(task_path, out_dir, township=None, groups=None, chips=False, feedback=None):
    """One .xlsx per township (or only `township`, an XZQDM), a row per patch, prefilled with
    what is already recorded; with `groups` ({(xzqdm, xzqmc, assignee): [jcbh]}) one per group
    instead (per-person task lists). chips: each row also shows the patch on its before and after
    images (about 0.1 s a patch), in two columns the import ignores. Returns the written paths."""
    store = open_task(task_path)
    try:
        patches = store.patch_index()
        recorded = store.verifications()
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
                written.append(_write_template(out_dir, key, jcbhs, recorded, render_chips, row_written))
    except BaseException:  # cancelled or failed: all the sheets or none
        for path in written:
            os.remove(path)
        raise
    return written


def _chip_renderer(task_path, chip_dir):
    """jcbh -> the image files of the patch's before and after chips, rendered into chip_dir (they
    must stay there until the sheet is saved); the task's imagery is read once, not once a patch."""
    from .imagery import entries, export_chips

    registered = entries(task_path)
    return lambda jcbh: export_chips(task_path, jcbh, chip_dir, size_px=SHEET_CHIP_PIXELS, dates_only=True,
                                     registered=registered)


def _write_template(out_dir, group, jcbhs, recorded, render_chips, row_written):
    """The sheet of one township (or person): the path written. render_chips(jcbh): the paths of
    a patch's image chips (None: no chips); row_written() after each row."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    xzqdm, xzqmc, assignee = group
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "核查结果"
    lists = workbook.create_sheet("代码表")  # long lists do not fit in a validation formula
    headers = schema.SPREADSHEET_FIELDS
    sheet.append([spec.zh for spec in headers] + ([title for _, title in _CHIP_SIDES] if render_chips else []))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    for jcbh in sorted(jcbhs):
        values = recorded.get(jcbh, {})
        row = []
        for spec in headers:
            if spec is schema.V_JCBH:
                row.append(jcbh)
            elif spec is schema.V_TOWNSHIP:
                row.append(xzqmc)
            else:
                row.append(values.get(spec.name))
        sheet.append(row)
        for col in range(1, len(headers) + 1):  # text cells, never formulas
            sheet.cell(sheet.max_row, col).number_format = "@"
        if render_chips:
            _add_chips(sheet, sheet.max_row, len(headers) + 1, render_chips(jcbh))
        row_written()
    last = max(sheet.max_row, 2)
    for list_col, (col, spec) in enumerate(((i + 1, s) for i, s in enumerate(headers) if s.vocabulary), start=1):
        letter = get_column_letter(list_col)
        for r, value in enumerate(spec.vocabulary.values(), start=1):
            lists.cell(r, list_col, value)
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
    sheet.column_dimensions["A"].width = 22
    if render_chips:
        for col in (len(headers) + 1, len(headers) + 2):  # characters of about 7 px
            sheet.column_dimensions[get_column_letter(col)].width = SHEET_CHIP_PIXELS / 7 + 1
    lists.sheet_state = "hidden"
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
            sheet[cell] = "无匹配影像"
            continue
        image = Image(path)
        image.width = image.height = SHEET_CHIP_PIXELS
        sheet.add_image(image, cell)
    sheet.row_dimensions[row].height = SHEET_CHIP_PIXELS * 0.75 + 2  # points
