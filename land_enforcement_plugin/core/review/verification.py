"""Verification records: the rules a verdict must satisfy, and a returned staff sheet imported.

A row is checked as the verdict form checks it (sheets.py reads and normalises the values); a row
naming an unknown patch, another township's patch, or a record saved since the sheet was written is
refused, never guessed. The templates the staff fill in are written by templates.py.
"""
import datetime
import os
from dataclasses import dataclass, field

from .. import schema
from ..errors import Bilingual
from ..files import safe_name
from ..messages import IMPORT_CANCELLED, duplicate_jcbh, unknown_jcbh
from ..store import VerificationConflict, open_task
from .sheets import (
    CellError,
    Problem,
    clean_text,
    jcbh_of,
    parse_value,
    read_spreadsheet,
    row_fingerprint,
    township_core,
)


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


def _patch_places(store):
    """jcbh -> (townships the overlay puts the patch in: its main one and every one it crosses, the
    county's name as delivered). Empty townships: never overlaid, nothing to check against."""
    places = {}
    rows = store.query(f"SELECT jcbh, xzqdm, xzqmc, {schema.TOWNSHIP_NAME.name} AS township "
                       f"FROM {schema.PATCHES_LAYER}")
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
    if township_core(township) in {township_core(t) for t in townships}:
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
            rejected = sum(r.status in ("rejected", "conflict") for r in rows)
            conflicts = sum(r.status == "conflict" for r in rows)
            return (f"接受 {accepted}，未变 {unchanged}，拒绝 {rejected}"
                    + (f"（其中冲突 {conflicts}）" if conflicts else ""),
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
                out.append(Bilingual(f"[{layout.name}] 表头对应："
                                     + "，".join(f"{typed}→{spec.zh}" for typed, spec in layout.renamed),
                                     f"[{layout.name}] header mapping: "
                                     + ", ".join(f"{typed}→{spec.en}" for typed, spec in layout.renamed)))
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
    jcbh, problem = jcbh_of(raw.get(schema.V_JCBH))
    if problem:
        return jcbh, {}, [problem]
    if jcbh not in known:
        return jcbh, {}, [Problem(schema.V_JCBH, *unknown_jcbh(jcbh))]
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
    read = read_spreadsheet(path, feedback)
    if feedback is not None and feedback.isCanceled():
        raise IMPORT_CANCELLED.error()
    with open_task(task_path) as store:
        known = store.patch_index()
        places = _patch_places(store)
        recorded = store.verifications_with_versions()
        results, changes, expected, first_row_of = [], {}, {}, {}
        for index, (sheet, row_number, raw) in enumerate(read.rows):
            if feedback is not None:
                if feedback.isCanceled():
                    raise IMPORT_CANCELLED.error()
                feedback.setProgress(90.0 * index / max(len(read.rows), 1))
            jcbh, values, problems = _parse_row(raw, known, places)
            if jcbh in first_row_of:
                first_sheet, first_row = first_row_of[jcbh]
                problems = [Problem(schema.V_JCBH,
                                    *duplicate_jcbh(first_row, None if first_sheet == sheet else first_sheet))]
            elif jcbh:
                first_row_of[jcbh] = (sheet, row_number)
            if problems:
                results.append(RowResult(row_number, jcbh, "rejected", problems, sheet))
                continue
            stored, version = recorded.get(jcbh, (None, 0))
            # Columns absent from this sheet keep what is stored.
            merged = dict(stored or {}, **values)
            written_as = read.versions.get(jcbh)
            if stored == merged or (written_as and written_as[0] != version
                                    and written_as[1] == row_fingerprint(values)):
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


# -- townships of the sheets ------------------------------------------------------------------------
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
