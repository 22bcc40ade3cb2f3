"""Season control (批次、时间节点、田长制责任分工): the calendar and the chain of owners.

A task holds several batches (2024年度, 2025Q1, …); each has milestones with due dates (from the
calendar of the task's rules profile, which the bureau can save as its own) and done dates. Every
patch is assigned to a township — by the overlay's township split, automatically — and inside it
to a person from the roster (a village field chief or an inspector), the township's default
person unless set by hand. Progress per
township and per person counts what is assigned, verified, overdue, unlawful and rectified.
A patch that comes back in a later batch at the same place is linked to its earlier record on
import (core/intake/repeats.py).
"""
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from .. import rules, schema, workbook
from ..errors import LandEnforcementError
from ..messages import unknown_jcbh
from ..review.fieldwork import export_field_projects
from ..review.templates import export_templates
from ..review.verification import township_of
from ..store import open_task

_V = schema.Verdict
_RECT_DONE = schema.RectificationStatus.DONE.value
_QUARTER = re.compile(r"(?:Q|第)\s*([1-4一二三四])\s*(?:季度)?", re.IGNORECASE)
_QUARTER_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


# -- the calendar ---------------------------------------------------------------------------------
def batch_kind(batch):
    """(year, "annual" | "Q1".."Q4") of a batch label such as 2024年度, 2025Q2 or 2025年第二季度."""
    year = re.search(r"(\d{4})", batch or "")
    if year is None:
        raise LandEnforcementError(f"批次“{batch}”中没有年份，无法套用时间节点模板",
                                   f"The batch '{batch}' has no year; the milestone template cannot be applied")
    quarter = _QUARTER.search(batch[year.end():]) or _QUARTER.search(batch)
    if quarter:
        return int(year.group(1)), "Q" + _QUARTER_DIGITS.get(quarter.group(1), quarter.group(1))
    return int(year.group(1)), "annual"


def template_dates(batch, calendar=None):
    """{milestone kind label: ISO due date} for a batch, from a calendar (the `calendar` rule of a
    rules profile; default: the bureau's own profile's, else the bundled seeds')."""
    calendar = calendar or rules.saved_profile()["calendar"]
    year, kind = batch_kind(batch)
    return {label: rules.due_date(year, month_day).isoformat()
            for label, month_day in calendar.get(kind, calendar["annual"]).items()}


def task_calendar(store):
    """The calendar of the task's rules profile (the bundled one for a task whose profile has none)."""
    return rules.task_profile(store)["calendar"]


def apply_template(task_path, batch, calendar=None, keep_existing=True):
    """Set a batch's milestone due dates from the calendar (default: the task's rules profile's);
    dates already set stay unless asked."""
    with open_task(task_path) as store:
        existing = {m["kind"]: m for m in store.milestones() if m["batch"] == batch}
        for kind, due in template_dates(batch, calendar or task_calendar(store)).items():
            old = existing.get(kind)
            if old and old["due_date"] and keep_existing:
                continue
            store.set_milestone(batch, kind, due, (old or {}).get("done_date"), (old or {}).get("note"))


@dataclass
class MilestoneState:
    batch: str
    kind: str
    due_date: str
    done_date: str
    days_left: int  # negative once past due
    overdue: bool


def milestone_states(milestones, today=None):
    today = today or datetime.date.today()
    states = []
    for m in milestones:
        due = datetime.date.fromisoformat(m["due_date"]) if m["due_date"] else None
        days = (due - today).days if due else None
        states.append(MilestoneState(m["batch"], m["kind"], m["due_date"], m["done_date"], days,
                                     bool(due and not m["done_date"] and days < 0)))
    return states


# -- assignment ------------------------------------------------------------------------------------
def _main_townships(store):
    """jcbh -> (xzqdm, xzqmc): the township the overlay stored on the patch (the one holding its
    largest part), or ("", 未落乡镇) before the overlay or outside every township: never the
    delivered code, which is the county's in real deliveries."""
    return {jcbh: township_of(code, name) for jcbh, (code, name) in store.patch_index().items()}


def auto_assign(task_path, reassign=False):
    """Assign patches to their township (by the boundary the overlay used) and to the township's
    default person. Assignments made by hand are kept; others are kept unless `reassign`.
    Returns the number of patches whose assignment changed."""
    with open_task(task_path) as store:
        current = store.assignments()
        defaults = {p["xzqdm"]: p["name"] for p in store.people() if p["is_default"]}
        changes = {}
        for jcbh, (xzqdm, xzqmc) in _main_townships(store).items():
            old = current.get(jcbh)
            # An automatic assignment follows its patch's township (given by a later overlay, or moved
            # by a re-delivered shape); one made by hand stays.
            if old is not None and (old["manual"] or (not reassign and old["xzqdm"] == xzqdm)):
                continue
            changes[jcbh] = (xzqdm, xzqmc, defaults.get(xzqdm))
        return store.write_assignments(changes, manual=False)


def assign(task_path, jcbhs, assignee, xzqdm=None):
    """Assign patches by hand (an exception to the boundary rule): to `assignee`, and to another
    township when `xzqdm` is given. Recorded in the audit log."""
    with open_task(task_path) as store:
        people = {p["name"]: p for p in store.people()}
        if assignee and assignee not in people:
            raise LandEnforcementError(f"名册中没有“{assignee}”", f"'{assignee}' is not in the roster")
        towns = _main_townships(store)
        unknown = [j for j in jcbhs if j not in towns]
        if unknown:
            raise unknown_jcbh(unknown[0]).error()
        names = dict(towns.values())
        changes = {}
        for jcbh in jcbhs:
            code = xzqdm or (people[assignee]["xzqdm"] if assignee and people[assignee]["xzqdm"] else towns[jcbh][0])
            changes[jcbh] = (code, names.get(code, towns[jcbh][1]), assignee)
        return store.write_assignments(changes, manual=True)


# -- progress ----------------------------------------------------------------------------------------
def _due(milestones, batch, kind):
    for m in milestones:
        if m["batch"] == batch and m["kind"] == kind and m["due_date"] and not m["done_date"]:
            return datetime.date.fromisoformat(m["due_date"])
    return None


def patch_status(task_path, batch=None, today=None):
    """jcbh -> {batch, xzqdm, xzqmc, assignee, verdict, overdue, rectification_overdue, repeat_of}
    for the patches of `batch` (all batches when None)."""
    today = today or datetime.date.today()
    with open_task(task_path) as store:
        batches = store.patch_batches()
        assigned = store.assignments()
        records = store.verifications()
        milestones = store.milestones()
        towns = _main_townships(store)
    status = {}
    for jcbh, (patch_batch, repeat_of, _) in batches.items():
        if batch is not None and patch_batch != batch:
            continue
        record = records.get(jcbh) or {}
        verdict = record.get("verdict")
        check_due = _due(milestones, patch_batch, schema.MilestoneKind.CHECK_DONE.value)
        rect_due = _due(milestones, patch_batch, schema.MilestoneKind.RECTIFICATION_DONE.value)
        owner = assigned.get(jcbh)
        xzqdm, xzqmc = (owner["xzqdm"], owner["xzqmc"]) if owner else towns[jcbh]
        status[jcbh] = {
            "batch": patch_batch, "xzqdm": xzqdm, "xzqmc": xzqmc,
            "assignee": (owner or {}).get("assignee"), "assigned": owner is not None, "verdict": verdict,
            "overdue": bool(not verdict and check_due and today > check_due),
            "rectification_overdue": bool(verdict == _V.UNLAWFUL.value and record.get("rect_status") != _RECT_DONE
                                          and rect_due and today > rect_due),
            "rectified": verdict == _V.UNLAWFUL.value and record.get("rect_status") == _RECT_DONE,
            "repeat_of": repeat_of}
    return status


def progress(task_path, batch=None, today=None):
    """Rows of schema.PROGRESS_FIELDS: one per township (assignee ""), then one per township and
    person, then the county total; overdue = unverified after the batch's 核查完成 date."""
    status = patch_status(task_path, batch, today)
    groups = defaultdict(lambda: defaultdict(int))
    names = {}

    def add(key, row):
        counts = groups[key]
        counts["assigned"] += int(row["assigned"])
        counts["verified"] += int(bool(row["verdict"]))
        counts["overdue"] += int(row["overdue"])
        counts["unlawful"] += int(row["verdict"] == _V.UNLAWFUL.value)
        counts["rectified"] += int(row["rectified"])
        counts["rectification_overdue"] += int(row["rectification_overdue"])

    for row in status.values():
        names[row["xzqdm"]] = row["xzqmc"]
        add((row["xzqdm"], ""), row)
        add((row["xzqdm"], row["assignee"] or "未指定"), row)
        add(("~county", ""), row)
    rows = []
    for (xzqdm, assignee), counts in sorted(groups.items()):
        county = xzqdm == "~county"
        rows.append(dict({f.name: counts.get(f.name, 0) for f in schema.PROGRESS_FIELDS[3:]},
                         xzqdm="" if county else xzqdm, xzqmc="全县" if county else names.get(xzqdm, ""),
                         assignee=assignee))
    return rows


def write_progress_report(task_path, path, batch=None, today=None):
    """One-page progress report (.xlsx) for the weekly meeting: milestones with days left, then
    the table per township and person, overdue counts highlighted."""
    today = today or datetime.date.today()
    with open_task(task_path) as store:
        milestones = [m for m in store.milestones() if batch is None or m["batch"] == batch]
        meta = store.meta()
    book = workbook.new_workbook()
    states = milestone_states(milestones, today)
    workbook.add_table(book, "时间节点", ["批次", "节点", "截止日期", "完成日期", "剩余天数", "状态"],
                       [[s.batch, s.kind, s.due_date, s.done_date, s.days_left,
                         "已完成" if s.done_date else ("逾期" if s.overdue else "进行中")] for s in states], first=True)
    rows = progress(task_path, batch, today)
    sheet = workbook.add_table(book, "进度", [f.zh for f in schema.PROGRESS_FIELDS],
                               [[row[f.name] for f in schema.PROGRESS_FIELDS] for row in rows])
    overdue_columns = [i + 1 for i, f in enumerate(schema.PROGRESS_FIELDS) if f.name.endswith("overdue")]
    for row_no, row in enumerate(rows, start=2):
        for column in overdue_columns:
            if row[schema.PROGRESS_FIELDS[column - 1].name]:
                workbook.highlight(sheet, row_no, column)
    sheet.oddHeader.center.text = (f"{meta.get('county_name') or meta.get('county_code', '')} "
                                   f"卫片执法进度（{batch or '全部批次'}） {today.isoformat()}")
    workbook.save(book, path)
    return path


# -- per-assignee task lists -------------------------------------------------------------------------
def assignee_groups(task_path, batch=None):
    """{(xzqdm, xzqmc, assignee or ""): [jcbh]} of the assigned patches (the batch's, or all)."""
    groups = defaultdict(list)
    for jcbh, row in patch_status(task_path, batch).items():
        groups[(row["xzqdm"], row["xzqmc"], row["assignee"] or "")].append(jcbh)
    return dict(groups)


def export_assignee_lists(task_path, out_dir, batch=None, chips=False, feedback=None):
    """For every township and person, in one go: the verification sheet (.xlsx, with the before and
    after image chips of each patch when `chips`) and the QField project of their own patches.
    Returns the written paths."""
    groups = assignee_groups(task_path, batch)
    if not groups:
        raise LandEnforcementError("没有可导出的图斑（请先分派）", "No patches to export (assign them first)")
    sheets = export_templates(task_path, out_dir, groups=groups, chips=chips, feedback=feedback)
    projects = export_field_projects(task_path, out_dir, groups=groups)
    return sheets + projects


_ROSTER_HEADERS = {"姓名": "name", "name": "name", "角色": "role", "role": "role", "乡镇代码": "xzqdm",
                   "xzqdm": "xzqdm", "村": "village", "村名": "village", "village": "village", "电话": "phone",
                   "phone": "phone", "默认": "is_default", "default": "is_default"}


def read_roster(path):
    """People from a sheet (.xlsx or .csv) with the headers 姓名, 角色, 乡镇代码, 村, 电话, 默认."""
    if path.lower().endswith(".csv"):
        rows = workbook.read_csv(path)  # UTF-8, or GBK as Excel saves it on Chinese Windows
    else:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    if not rows:
        raise LandEnforcementError(f"名册为空：{path}", f"The roster is empty: {path}")
    columns = [_ROSTER_HEADERS.get(str(h or "").strip().lower()) for h in rows[0]]
    if "name" not in columns:
        raise LandEnforcementError("名册缺少“姓名”列", "The roster has no 姓名 (name) column")
    people = []
    for row in rows[1:]:
        person = {name: (str(value).strip() if value is not None else None)
                  for name, value in zip(columns, row) if name}
        if not person.get("name"):
            continue
        if person.get("role") and person["role"] not in schema.PersonRole.values():
            raise LandEnforcementError(
                f"“{person['name']}”的角色“{person['role']}”不是允许的值（{'、'.join(schema.PersonRole.values())}）",
                f"{person['name']}: role '{person['role']}' is not one of {', '.join(schema.PersonRole.values())}")
        person["is_default"] = int(str(person.get("is_default") or "").strip() in ("1", "是", "Y", "y", "True", "true"))
        people.append(person)
    return people
