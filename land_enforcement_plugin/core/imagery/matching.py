"""Matching a patch to its imagery: match() picks, for a patch, the nearest image on or before its
earlier date (QSX) and the nearest on or after its later date (HSX), a month (as provinces deliver
QSX/HSX) standing for its days, among the images whose footprint reaches the patch."""
from typing import NamedTuple

from qgis.core import QgsGeometry

from .. import schema
from ..dates import period_or_none
from ..messages import unknown_jcbh
from ..store import open_task
from ..store.sql import sql_quote
from .registry import date_text, entries, shown_date, span


class Reason(NamedTuple):
    """Why a side has no image (side "before" / "after"), or a note on the patch (side None)."""

    side: str
    zh: str
    en: str


class Match(NamedTuple):
    """What match() found: the before and after entries (or None) and the reasons (Reason) a side
    has none. Unpacks as (before, after, reasons)."""

    before: dict
    after: dict
    reasons: list


# -- matching ----------------------------------------------------------------------------------
def _covers(entry, bbox):
    """Whether an entry's imagery reaches the patch's bounding box (working CRS). An entry that does
    not know its footprint (a tile service) covers everything."""
    if bbox is None or not entry.get("extent"):
        return True
    xmin, ymin, xmax, ymax = bbox

    def touches(box):
        return box[0] <= xmax and box[2] >= xmin and box[1] <= ymax and box[3] >= ymin

    if not touches(entry["extent"]):
        return False
    tiles = entry.get("tiles")
    return not tiles or any(touches(tile) for tile in tiles)


def match(patch_qsx, patch_hsx, entries, bbox=None) -> Match:
    """The before image: the entry (role before or any) whose period is nearest on or before QSX's
    period; the after image: the nearest on or after HSX's. A date is a day or a month (its days), an
    entry's a day, a month or a range: periods that overlap count as "on" (exact). Ties go to the
    shorter range, then to the entry listed first. An image after QSX's period never stands for
    "before" (it may show the change already), nor one before HSX's period for "after". bbox: the
    patch's (xmin, ymin, xmax, ymax) in the working CRS; entries whose recorded footprint misses it
    are left out. The same image is never both."""
    qsx, hsx = period_or_none(patch_qsx), period_or_none(patch_hsx)
    reasons = []
    dated = [(index, entry, span(entry)) for index, entry in enumerate(entries) if span(entry) is not None]
    covering = [(index, entry, dates) for index, entry, dates in dated if _covers(entry, bbox)]

    def candidates(role, patch_period, before_side):
        start, end = patch_period
        found = []
        for index, entry, (first, last) in covering:
            if entry.get("role", "any") not in (role, "any"):
                continue
            if before_side and first <= end:
                found.append(((max((start - last).days, 0), (last - first).days, index), entry))
            elif not before_side and last >= start:
                found.append(((max((first - end).days, 0), (last - first).days, index), entry))
        return [entry for _, entry in sorted(found, key=lambda item: item[0])]

    def explain(side_zh, side_en, field, patch_period, value, before_side):
        side = "before" if before_side else "after"
        if patch_period is None:
            if value is None or str(value).strip() in ("", "NULL"):
                return Reason(side, f"图斑没有{side_zh}日期（{field}），无法匹配{side_zh}影像",
                              f"The patch has no {side_en} date ({field}): no {side_en} image can be matched")
            return Reason(side, f"图斑的{field}“{value}”不是日期，无法匹配{side_zh}影像",
                          f"The patch's {field} '{value}' is not a date: no {side_en} image can be matched")
        where, where_en = ("当时或之前", "on or before") if before_side else ("当时或之后", "on or after")
        if not entries:
            return Reason(side, "任务尚未登记影像", "The task has no imagery registered")
        if not dated:
            return Reason(side, "已登记的影像都没有日期，请在影像列表中填写",
                          "No registered image has a date: fill them in")
        if not covering:
            return Reason(side, "已登记的影像都不覆盖该图斑", "No registered image covers this patch")
        date = shown_date(value)
        return Reason(side, f"没有{field} {date} {where}的{side_zh}影像覆盖该图斑",
                      f"No {side_en} image {where_en} {field} {date} covers this patch")

    before = after = None
    if qsx is not None:
        found = candidates("before", qsx, True)
        before = found[0] if found else None
    if before is None:
        reasons.append(explain("前时相", "before", "QSX", qsx, patch_qsx, True))
    if hsx is not None:
        found = [entry for entry in candidates("after", hsx, False) if entry is not before]
        after = found[0] if found else None
    if after is None:
        reasons.append(explain("后时相", "after", "HSX", hsx, patch_hsx, False))
    if qsx is not None and hsx is not None and qsx[0] > hsx[1]:
        reasons.append(Reason(None, f"图斑的前时相 {shown_date(patch_qsx)} 晚于后时相 {shown_date(patch_hsx)}",
                              f"The patch's QSX {shown_date(patch_qsx)} is later than its HSX {shown_date(patch_hsx)}"))
    return Match(before, after, reasons)


def date_warnings(task_path, new_entries):
    """[(entry name, zh, en)] for images dated after every patch's later date (HSX) or before every
    earlier date (QSX) of the task: most often a mistyped date (2030 for 2023). They are registered
    all the same; a task without patches warns of nothing."""
    with open_task(task_path) as store:
        rows = store.query(f"SELECT DISTINCT {schema.QSX.name} AS qsx, {schema.HSX.name} AS hsx "
                            f"FROM {schema.PATCHES_LAYER}")
    qsx = [(period_or_none(row["qsx"]), row["qsx"]) for row in rows]
    hsx = [(period_or_none(row["hsx"]), row["hsx"]) for row in rows]
    earliest = min(((dates, value) for dates, value in qsx if dates), key=lambda item: item[0][0], default=None)
    latest = max(((dates, value) for dates, value in hsx if dates), key=lambda item: item[0][1], default=None)
    warnings = []
    for entry in new_entries:
        dates = span(entry)
        if dates is None:
            continue
        if latest is not None and dates[0] > latest[0][1]:
            warnings.append((entry["name"], f"影像“{entry['name']}”的日期 {date_text(entry)} 晚于所有图斑的后时相"
                                            f"（最晚 {shown_date(latest[1])}），请核对日期",
                             f"The date {date_text(entry)} of the image '{entry['name']}' is after every patch's "
                             f"later image date (HSX, latest {shown_date(latest[1])}): check the date"))
        elif earliest is not None and dates[1] < earliest[0][0]:
            warnings.append((entry["name"], f"影像“{entry['name']}”的日期 {date_text(entry)} 早于所有图斑的前时相"
                                            f"（最早 {shown_date(earliest[1])}），请核对日期",
                             f"The date {date_text(entry)} of the image '{entry['name']}' is before every patch's "
                             f"earlier image date (QSX, earliest {shown_date(earliest[1])}): check the date"))
    return warnings


def gap_days(entry, patch_date, side):
    """Days between a matched image and the patch date it stands for (0 when their periods overlap)."""
    dates, patch = span(entry), period_or_none(patch_date)
    if dates is None or patch is None:
        return None
    return max((patch[0] - dates[1]).days, 0) if side == "before" else max((dates[0] - patch[1]).days, 0)


# -- per patch -----------------------------------------------------------------------------------------
def patch_facts(task_path, jcbh):
    """(WKB in the working CRS, QSX, HSX, working CRS authid, redlines {role: uri}) of a patch."""
    with open_task(task_path) as store:
        rows = store.query(f"SELECT {schema.QSX.name} AS qsx, {schema.HSX.name} AS hsx FROM {schema.PATCHES_LAYER} "
                            f"WHERE jcbh = {sql_quote(jcbh)}")
        geometry = store.patch_geometry(jcbh)
        if not rows or geometry is None:
            raise unknown_jcbh(jcbh).error()
        return geometry[0], rows[0]["qsx"], rows[0]["hsx"], store.meta()["working_crs"], store.last_overlay_layers()


def bbox_of(wkb):
    geometry = QgsGeometry()
    geometry.fromWkb(bytes(wkb))
    box = geometry.boundingBox()
    return box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()


def match_patch(task_path, jcbh, registry=None):
    """match() for a patch of the task (its dates and footprint)."""
    wkb, qsx, hsx, _, _ = patch_facts(task_path, jcbh)
    return match(qsx, hsx, entries(task_path) if registry is None else registry, bbox_of(wkb))
