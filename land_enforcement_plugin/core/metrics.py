"""Township figures that decide accountability (乡镇统计与问责预警).

Areas come from the overlay's township split (patch_townships): a patch straddling townships
gives each township its own part, so township areas add up to the county exactly. Counts go to
the township holding the patch's largest part, so every patch is counted once.
Formulas and their sources are in docs/metrics.md.
"""
import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass, field

from . import schema, workbook
from .errors import LandEnforcementError
from .office_comparison import main_township

_V = schema.Verdict
_AREAS = ("area_m2", "cultivated_m2", "pbf_m2", "general_cultivated_m2", "eco_m2")
_DAILY = {s.value for s in schema.DAILY_ENFORCEMENT_SOURCES}


def mu(m2):
    return m2 / schema.M2_PER_MU


@dataclass
class _Sums:
    """Running totals of one township (or the county), in m² and counts."""

    counts: dict = field(default_factory=lambda: defaultdict(int))
    m2: dict = field(default_factory=lambda: defaultdict(float))

    def add(self, other):
        for key, value in other.counts.items():
            self.counts[key] += value
        for key, value in other.m2.items():
            self.m2[key] += value


@dataclass
class MetricsResult:
    rows: list  # dicts keyed by schema.METRIC_FIELDS names; townships sorted by xzqdm, county last
    flagged_patches: list  # single unlawful patches over the interview thresholds
    thresholds: schema.Thresholds


def main_townships(parts):
    """jcbh -> (xzqdm, xzqmc) of the township holding each patch's largest part."""
    by_patch = defaultdict(list)
    names = {}
    for part in parts:
        by_patch[part["jcbh"]].append(part)
        names[part["xzqdm"]] = part["xzqmc"]
    return {jcbh: (code, names[code]) for jcbh, code in
            ((jcbh, main_township(rows)) for jcbh, rows in by_patch.items())}


def _add_part(sums, part, record):
    verdict = record.get("verdict")
    sums.m2["patch"] += part["area_m2"]
    if verdict:
        sums.m2[verdict] += part["area_m2"]
    unlawful = verdict == _V.UNLAWFUL.value
    if unlawful or record.get("land_use") == schema.LandUse.CONSTRUCTION.value:
        sums.m2["construction_cultivated"] += part["cultivated_m2"]
    if not unlawful:
        return
    for name in _AREAS[1:]:
        sums.m2["unlawful_" + name] += part[name]
    status = record.get("rect_status") or schema.RectificationStatus.NOT_STARTED.value
    sums.m2["rect:" + status] += part["area_m2"]
    if status != schema.RectificationStatus.DONE.value:
        sums.m2["unrectified_cultivated"] += part["cultivated_m2"]


def _count_patch(sums, record):
    verdict = record.get("verdict")
    sums.counts["patch"] += 1
    if verdict:
        sums.counts["verified"] += 1
        sums.counts[verdict] += 1
    if verdict == _V.UNLAWFUL.value and record.get("lead_source") in _DAILY:
        sums.counts["daily"] += 1


# Areas are sums of floating-point pieces: a township exactly at a threshold must not fall on
# either side of it by a rounding error, so comparisons allow this relative slack.
_SLACK = 1e-9


def _above(value, limit):
    return value is not None and value > limit * (1 + _SLACK)


def _at_least(value, limit):
    return value >= limit * (1 - _SLACK)


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def _row(xzqdm, xzqmc, sums, thresholds):
    m2, n = sums.m2, sums.counts
    unlawful_m2 = m2[_V.UNLAWFUL.value]
    ratio = _ratio(m2["unlawful_cultivated_m2"], m2["construction_cultivated"])
    rect = {s: m2["rect:" + s.value] for s in schema.RectificationStatus}
    return {
        "xzqdm": xzqdm, "xzqmc": xzqmc,
        "patch_count": n["patch"], "patch_mu": mu(m2["patch"]),
        "verified_count": n["verified"], "unverified_count": n["patch"] - n["verified"],
        "lawful_count": n[_V.LAWFUL.value], "lawful_mu": mu(m2[_V.LAWFUL.value]),
        "unlawful_count": n[_V.UNLAWFUL.value], "unlawful_mu": mu(unlawful_m2),
        "other_count": n[_V.OTHER.value], "other_mu": mu(m2[_V.OTHER.value]),
        "construction_cultivated_mu": mu(m2["construction_cultivated"]),
        "unlawful_cultivated_mu": mu(m2["unlawful_cultivated_m2"]),
        "unlawful_pbf_mu": mu(m2["unlawful_pbf_m2"]),
        "unlawful_general_cultivated_mu": mu(m2["unlawful_general_cultivated_m2"]),
        "unlawful_eco_mu": mu(m2["unlawful_eco_m2"]),
        "unlawful_cultivated_ratio": ratio,
        "ratio_flag": int(_above(ratio, thresholds.unlawful_cultivated_ratio)),
        "interview_flag": int(_at_least(mu(m2["unlawful_pbf_m2"]), thresholds.warning_pbf_mu)
                              or _at_least(mu(m2["unlawful_general_cultivated_m2"]),
                                           thresholds.warning_general_cultivated_mu)),
        "rectified_area_mu": mu(rect[schema.RectificationStatus.DONE]),
        "rectifying_area_mu": mu(rect[schema.RectificationStatus.IN_PROGRESS]),
        "unrectified_area_mu": mu(rect[schema.RectificationStatus.NOT_STARTED]),
        "rectification_rate": _ratio(rect[schema.RectificationStatus.DONE], unlawful_m2),
        "unrectified_cultivated_mu": mu(m2["unrectified_cultivated"]),
        "daily_found_count": n["daily"],
        "daily_found_share": _ratio(n["daily"], n[_V.UNLAWFUL.value]),
    }


def compute_metrics(parts, records, county_code, thresholds=schema.Thresholds()):
    """parts: patch_townships rows; records: jcbh -> verification values."""
    by_patch = defaultdict(list)
    names = {}
    for part in parts:
        by_patch[part["jcbh"]].append(part)
        names[part["xzqdm"]] = part["xzqmc"]
    townships = defaultdict(_Sums)
    flagged = []
    for jcbh, patch_parts in by_patch.items():
        record = records.get(jcbh, {})
        for part in patch_parts:
            _add_part(townships[part["xzqdm"]], part, record)
        main = main_township(patch_parts)
        _count_patch(townships[main], record)
        if record.get("verdict") == _V.UNLAWFUL.value:
            pbf = mu(sum(p["pbf_m2"] for p in patch_parts))
            general = mu(sum(p["general_cultivated_m2"] for p in patch_parts))
            if _at_least(pbf, thresholds.warning_pbf_mu) or _at_least(general, thresholds.warning_general_cultivated_mu):
                flagged.append({"jcbh": jcbh, "xzqdm": main, "xzqmc": names[main],
                                "unlawful_pbf_mu": pbf, "unlawful_general_cultivated_mu": general})
    county = _Sums()
    rows = []
    for xzqdm in sorted(townships):
        county.add(townships[xzqdm])
        rows.append(_row(xzqdm, names[xzqdm], townships[xzqdm], thresholds))
    rows.append(_row(county_code + schema.COUNTY_ROW_SUFFIX, "全县", county, thresholds))
    return MetricsResult(rows, sorted(flagged, key=lambda f: f["jcbh"]), thresholds)


_THRESHOLDS_KEY = "thresholds"


def task_thresholds(store):
    """The task's thresholds: the seed defaults, overridden by what the bureau set for this task."""
    saved = json.loads(store.meta().get(_THRESHOLDS_KEY) or "{}")
    return dataclasses.replace(schema.Thresholds(), **{k: float(v) for k, v in saved.items()
                                                       if k in schema.Thresholds.__dataclass_fields__})


def set_task_thresholds(store, thresholds):
    store.set_meta(**{_THRESHOLDS_KEY: json.dumps(dataclasses.asdict(thresholds))})


def township_metrics(store, thresholds=None, batch=None):
    """Compute from the task database (with its thresholds unless given); the figures of every
    batch are stored in township_metrics, those of one `batch` only returned."""
    thresholds = thresholds or task_thresholds(store)
    parts = store.township_parts()
    patches = store.patch_index()
    if batch is not None:
        in_batch = {jcbh for jcbh, (patch_batch, _, _) in store.patch_batches().items() if patch_batch == batch}
        parts = [part for part in parts if part["jcbh"] in in_batch]
        patches = {jcbh: value for jcbh, value in patches.items() if jcbh in in_batch}
    missing = sorted(set(patches) - {p["jcbh"] for p in parts})
    if missing:
        raise LandEnforcementError(
            f"{len(missing)} 个图斑尚无内业比对结果（如 {missing[0]}），请先运行叠加分析",
            f"{len(missing)} patches have no overlay results yet (e.g. {missing[0]}); run the overlay first")
    county_code = store.meta().get("county_code", "")
    result = compute_metrics(parts, store.verifications(), county_code, thresholds)
    if batch is None:
        store.write_township_metrics(result.rows)
    return result


def _metric_format(spec):
    if spec.name.endswith("_mu"):
        return workbook.MU_FORMAT
    if spec.name.endswith(("_ratio", "_rate", "_share")):
        return workbook.PERCENT_FORMAT
    return None


def add_summary_sheet(book, result, title):
    """The township table as the metrics dock shows it, over-threshold flags highlighted."""
    columns = schema.METRIC_FIELDS
    formats = {i: _metric_format(spec) for i, spec in enumerate(columns) if _metric_format(spec)}
    sheet = workbook.add_table(book, title, [f.zh for f in columns],
                               [[row[f.name] for f in columns] for row in result.rows], formats, first=True)
    names = [f.name for f in columns]
    for row_no, row in enumerate(result.rows, start=2):
        for flag in ("ratio_flag", "interview_flag"):
            if row[flag]:
                workbook.highlight(sheet, row_no, names.index(flag) + 1)
    sheet.freeze_panes = "C2"  # code and name stay in view
    return sheet


_ACCOUNTABILITY_HEADERS = ("类别", "行政区代码", "行政区名称", "监测编号", "违法占用耕地面积比例",
                           "违法占用永久基本农田(亩)", "违法占用一般耕地(亩)", "依据")


def accountability_rows(result):
    """Townships over the ratio or interview thresholds, then single cases over them (问责线索)."""
    limits = result.thresholds
    rows = []
    for row in result.rows[:-1]:
        reasons = []
        if row["ratio_flag"]:
            reasons.append(f"违法占用耕地面积比例超过{limits.unlawful_cultivated_ratio:.0%}")
        if row["interview_flag"]:
            reasons.append(f"违法占用永久基本农田≥{limits.warning_pbf_mu:g}亩或一般耕地≥"
                           f"{limits.warning_general_cultivated_mu:g}亩（警示约谈）")
        if reasons:
            rows.append(["乡镇", row["xzqdm"], row["xzqmc"], None, row["unlawful_cultivated_ratio"],
                         row["unlawful_pbf_mu"], row["unlawful_general_cultivated_mu"], "；".join(reasons)])
    for case in result.flagged_patches:
        rows.append(["案件", case["xzqdm"], case["xzqmc"], case["jcbh"], None, case["unlawful_pbf_mu"],
                     case["unlawful_general_cultivated_mu"], "单宗违法占地达到问责标准"])
    return rows


def add_accountability_sheet(book, result, title):
    return workbook.add_table(book, title, _ACCOUNTABILITY_HEADERS, accountability_rows(result),
                              {4: workbook.PERCENT_FORMAT, 5: workbook.MU_FORMAT, 6: workbook.MU_FORMAT})


def write_metrics_workbook(result, path):
    """The township table and the accountability leads as .xlsx."""
    book = workbook.new_workbook()
    add_summary_sheet(book, result, "乡镇统计")
    add_accountability_sheet(book, result, "问责线索")
    workbook.save(book, path)
