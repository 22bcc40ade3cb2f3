"""Township figures that decide accountability (乡镇统计与问责预警), as the documents write them.

Areas come from the overlay's township split (patch_townships): a patch straddling townships
gives each township its own part, so township areas add up to the county exactly. Counts go to
the township holding the patch's largest part, so every patch is counted once. A place that
comes back in a later batch (repeat_of) is counted once, with its latest verdict.
The thresholds and vocabularies are the task's rules profile (core/rules.py), each rule with its
document and clause; every figure keeps the patches it was summed from (MetricsResult.explain).
Formulas and their sources are in docs/metrics.md.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from .. import rules, schema, workbook
from ..dates import parse_date, period_or_none
from ..errors import LandEnforcementError
from ..overlay.engine_local import main_township
from .plan import batch_kind

_V = schema.Verdict
_DONE = schema.RectificationStatus.DONE.value
_PERMIT = schema.Measure.RETROACTIVE_PERMIT.value
# Areas of an unlawful patch summed per township: metric field -> overlay area field.
_UNLAWFUL_AREAS = {"unlawful_cultivated_mu": "cultivated_m2", "unlawful_pbf_mu": "pbf_m2",
                   "unlawful_general_cultivated_mu": "general_cultivated_m2", "unlawful_eco_mu": "eco_m2",
                   "unlawful_reserve_mu": "nature_reserve_m2", "unlawful_pbf_or_reserve_mu": "pbf_or_reserve_m2"}
_RECT_AREAS = {schema.RectificationStatus.DONE.value: "rectified_area_mu",
               schema.RectificationStatus.IN_PROGRESS.value: "rectifying_area_mu",
               schema.RectificationStatus.NOT_STARTED.value: "unrectified_area_mu"}


def mu(m2):
    return m2 / schema.M2_PER_MU


def _area(part, name):
    """An overlay area of a part; a part overlaid before schema 8 has no reserve areas: no
    reserve, and the union with permanent basic farmland is the farmland itself."""
    value = part.get(name)
    if value is None and name == "pbf_or_reserve_m2":
        return part["pbf_m2"]
    return value or 0.0


@dataclass
class _Sums:
    """Running totals of one township (or the county): figure -> m² or count, and figure -> jcbh ->
    its contribution, so that every figure can be explained patch by patch."""

    values: dict = field(default_factory=lambda: defaultdict(float))
    by_patch: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))

    def put(self, name, jcbh, amount):
        self.values[name] += amount
        self.by_patch[name][jcbh] += amount

    def add(self, other):
        for name, value in other.values.items():
            self.values[name] += value
        for name, patches in other.by_patch.items():
            for jcbh, amount in patches.items():
                self.by_patch[name][jcbh] += amount


@dataclass
class PatchFacts:
    """What the figures need of a patch besides its parts and record."""

    batch: str = None
    repeat_of: str = None
    hsx: str = None
    delivered_cultivated_m2: float = None
    photo_times: tuple = ()  # taken_at of its photos


@dataclass
class MetricsResult:
    rows: list  # dicts keyed by schema.METRIC_FIELDS names; townships sorted by xzqdm, county last
    flagged_patches: list  # cases over the accountability limits (责任追究)
    thresholds: schema.Thresholds
    profile: rules.RulesProfile = None
    flags: list = field(default_factory=list)  # every flag: dicts with kind, place, figure, rule, source
    incomplete: dict = field(default_factory=dict)  # xzqdm -> JCBHs whose 用地类型 is missing
    cultivated_differences: list = field(default_factory=list)
    counted: dict = field(default_factory=dict)  # jcbh -> the jcbh whose verdict it is counted with
    sums: dict = field(default_factory=dict)  # xzqdm -> _Sums (the county row under its code)

    def explain(self, xzqdm, name):
        """[(jcbh, value)] of the patches a figure of a row is summed from (areas in 亩), largest
        first; for the ratio, the numerator's patches then the denominator's."""
        sums = self.sums[xzqdm]
        names = (["unlawful_cultivated_mu", "construction_cultivated_mu"] if name == "unlawful_cultivated_ratio"
                 else [name])
        out = []
        for figure in names:
            scale = mu if figure.endswith("_mu") else (lambda n: n)
            out += sorted(((jcbh, scale(amount)) for jcbh, amount in sums.by_patch[figure].items()),
                          key=lambda item: (-item[1], item[0]))
        return out


# Areas are sums of floating-point pieces: a township exactly at a threshold must not fall on
# either side of it by a rounding error, so comparisons allow this relative slack.
_SLACK = 1e-9


def _above(value, limit):
    return value is not None and value > limit * (1 + _SLACK)


def _at_least(value, limit):
    return value >= limit * (1 - _SLACK)


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def _measures(record):
    return {m.strip() for m in (record.get("rect_measures") or "").replace("，", "、").replace(",", "、").split("、")}


def _found_daily(record, facts, profile):
    """yiyuan_2019 三(六): the township's own daily work found it — a daily source, and found on or
    before the later image (else the satellite found it first)."""
    if record.get("lead_source") not in profile["daily_sources"]:
        return False
    hsx = period_or_none(facts.hsx)
    try:
        found = datetime.date.fromisoformat(parse_date(record.get("discovery_date")))
    except (TypeError, ValueError):
        return False
    return hsx is not None and found <= hsx[1]


def _photo_after(facts, day):
    """Whether a photo was taken after the day (the verification) — the after-rectification photo."""
    for taken in facts.photo_times:
        try:
            if taken and datetime.date.fromisoformat(parse_date(str(taken)[:10])) > day:
                return True
        except ValueError:
            continue
    return False


def _add_part(sums, jcbh, part, record, profile, on_pbf):
    verdict = record.get("verdict")
    sums.put("patch_mu", jcbh, part["area_m2"])
    if verdict:
        sums.put(f"{_verdict_field(verdict)}_mu", jcbh, part["area_m2"])
    cultivated = part["cultivated_m2"]
    unlawful = verdict == _V.UNLAWFUL.value
    land_use = record.get("land_use")
    # 新增建设用地占用耕地 (yuanqu_2023 三(三)): every unlawful patch, and lawful ones on construction land.
    if unlawful or (verdict == _V.LAWFUL.value and land_use in profile["ratio_construction_land_uses"]):
        sums.put("construction_cultivated_mu", jcbh, cultivated)
    if not unlawful:
        return
    for name, area in _UNLAWFUL_AREAS.items():
        sums.put(name, jcbh, _area(part, area))
    status = record.get("rect_status") or schema.RectificationStatus.NOT_STARTED.value
    sums.put(_RECT_AREAS[status], jcbh, part["area_m2"])
    # 增违挂钩 (mnr_2021): unrectified unlawful cultivated land, farmland to re-designate apart; a
    # retroactive permit does not give back farmland, so on farmland it stays in the figure.
    permit = status == _DONE and _PERMIT in _measures(record)
    if status != _DONE or (permit and on_pbf):
        sums.put("unrectified_cultivated_mu", jcbh, cultivated)
        sums.put("unrectified_pbf_mu", jcbh, part["pbf_m2"])
        sums.put("unrectified_general_cultivated_mu", jcbh, part["general_cultivated_m2"])
    elif permit:
        sums.put("permit_off_pbf_mu", jcbh, cultivated)


def _verdict_field(verdict):
    return {_V.LAWFUL.value: "lawful", _V.UNLAWFUL.value: "unlawful", _V.OTHER.value: "other"}[verdict]


def _count_patch(sums, jcbh, patch_parts, record, facts, profile):
    verdict = record.get("verdict")
    sums.put("patch_count", jcbh, 1)
    if not verdict:
        return
    sums.put("verified_count", jcbh, 1)
    sums.put(f"{_verdict_field(verdict)}_count", jcbh, 1)
    area = sum(p["area_m2"] for p in patch_parts)
    if verdict == _V.UNLAWFUL.value:
        found = "daily" if _found_daily(record, facts, profile) else "satellite"
        sums.put(f"{found}_found_count", jcbh, 1)
        sums.put(f"{found}_found_mu", jcbh, area)
        if record.get("rect_status") == _DONE:
            sums.put(f"{found}_rectified_count", jcbh, 1)
            sums.put(f"{found}_rectified_mu", jcbh, area)


def _rule_flag(kind, xzqdm, xzqmc, jcbhs, figure, rule, text):
    return {"kind": kind, "xzqdm": xzqdm, "xzqmc": xzqmc, "jcbhs": list(jcbhs), "figure": figure,
            "rule": rule.name, "text": text, "source": rule.cited, "quote": rule.quote}


def _as_profile(rules_or_thresholds):
    if rules_or_thresholds is None:
        return rules.bundled()
    if isinstance(rules_or_thresholds, schema.Thresholds):
        return rules.bundled().with_values(
            ratio_limit=rules_or_thresholds.unlawful_cultivated_ratio,
            interview_pbf_reserve_mu=rules_or_thresholds.warning_pbf_mu,
            interview_general_mu=rules_or_thresholds.warning_general_cultivated_mu)
    return rules_or_thresholds


def counted_once(facts, records):
    """jcbh -> the jcbh whose record it is counted with, for the patches counted: a place that came
    back in a later batch is counted once, as its latest patch, with the latest verdict given."""
    earlier_of = {jcbh: f.repeat_of for jcbh, f in facts.items() if f.repeat_of in facts}
    superseded = set(earlier_of.values())
    counted = {}
    for jcbh in facts:
        if jcbh in superseded:
            continue
        chain, seen = jcbh, set()
        while chain is not None and chain not in seen and not (records.get(chain) or {}).get("verdict"):
            seen.add(chain)
            chain = earlier_of.get(chain)
        counted[jcbh] = chain if chain is not None and chain not in seen else jcbh
    return counted


def compute_metrics(parts, records, county_code, profile=None, facts=None):
    """parts: patch_townships rows; records: jcbh -> verification values; profile: the rules
    (a rules.RulesProfile, or plain schema.Thresholds over the bundled rules); facts: jcbh ->
    PatchFacts (batches, repeats, image dates, delivered areas, photos), none when not given."""
    profile = _as_profile(profile)
    by_patch = defaultdict(list)
    names = {}
    for part in parts:
        by_patch[part["jcbh"]].append(part)
        names[part["xzqdm"]] = part["xzqmc"]
    facts = {jcbh: (facts or {}).get(jcbh) or PatchFacts() for jcbh in by_patch}
    counted = counted_once(facts, records)
    townships = defaultdict(_Sums)
    incomplete = defaultdict(list)
    flags, differences = [], []
    cases_parts = {}  # case number (a lone patch: its JCBH) -> ([jcbh], parts)
    for jcbh in sorted(counted):
        patch_parts, record, patch_facts = by_patch[jcbh], records.get(counted[jcbh]) or {}, facts[jcbh]
        on_pbf = sum(p["pbf_m2"] for p in patch_parts) > 0
        for part in patch_parts:
            _add_part(townships[part["xzqdm"]], jcbh, part, record, profile, on_pbf)
            if (record.get("verdict") in (_V.LAWFUL.value, _V.UNLAWFUL.value) and not record.get("land_use")
                    and part["cultivated_m2"] > 0):
                incomplete[part["xzqdm"]].append(jcbh)
        main = main_township(patch_parts)
        _count_patch(townships[main], jcbh, patch_parts, record, patch_facts, profile)
        _patch_flags(jcbh, main, names[main], patch_parts, record, patch_facts, profile, townships[main],
                     flags, differences)
        if record.get("verdict") == _V.UNLAWFUL.value:
            case = cases_parts.setdefault(record.get("case_no") or jcbh, ([], []))
            case[0].append(jcbh)
            case[1].extend(patch_parts)
    cases = _case_flags(cases_parts, names, profile, townships, flags)
    county = _Sums()
    rows = []
    for xzqdm in sorted(townships):
        county.add(townships[xzqdm])
        rows.append(_row(xzqdm, names[xzqdm], townships[xzqdm], profile, incomplete.get(xzqdm)))
    county_code_row = county_code + schema.COUNTY_ROW_SUFFIX
    all_incomplete = sorted({j for jcbhs in incomplete.values() for j in jcbhs})
    rows.append(_row(county_code_row, "全县", county, profile, all_incomplete))
    flags = _township_flags(rows[:-1], profile, incomplete) + flags
    sums = dict(townships)
    sums[county_code_row] = county
    return MetricsResult(rows, sorted(cases, key=lambda f: f["jcbh"]), profile.thresholds(), profile, flags,
                         {code: sorted(set(jcbhs)) for code, jcbhs in incomplete.items()},
                         differences, counted, sums)


def _case_flags(cases_parts, names, profile, townships, flags):
    """yuanqu_2023 三(三): a case on ≥ 5 亩 of farmland or ≥ 10 亩 of cultivated land (all of it,
    farmland included). A case is a 违法 patch, or the 违法 patches sharing a case number; it is
    counted in the township of its largest part."""
    cases = []
    for case_no, (jcbhs, parts) in sorted(cases_parts.items()):
        pbf = mu(sum(p["pbf_m2"] for p in parts))
        cultivated = mu(sum(p["cultivated_m2"] for p in parts))
        general = mu(sum(p["general_cultivated_m2"] for p in parts))
        hits = [rule for rule, value in (("case_pbf_mu", pbf), ("case_cultivated_mu", cultivated))
                if _at_least(value, profile[rule])]
        if not hits:
            continue
        largest = max(parts, key=lambda p: (p["area_m2"], p["jcbh"]))
        xzqdm = main_township(parts)
        townships[xzqdm].put("case_flag_count", largest["jcbh"], 1)
        rule = profile.rule(hits[0])
        cases.append({"jcbh": jcbhs[0], "jcbhs": jcbhs, "case_no": case_no, "xzqdm": xzqdm, "xzqmc": names[xzqdm],
                      "unlawful_pbf_mu": pbf, "unlawful_cultivated_mu": cultivated,
                      "unlawful_general_cultivated_mu": general, "rules": hits, "source": rule.cited})
        flags.append(_rule_flag("案件", xzqdm, names[xzqdm], jcbhs,
                                cultivated if hits[0] == "case_cultivated_mu" else pbf,
                                rule, f"{'单宗' if len(jcbhs) == 1 else f'{len(jcbhs)} 宗'}违法占用永久基本农田 "
                                      f"{pbf:.2f} 亩、耕地 {cultivated:.2f} 亩，达到永久基本农田≥"
                                      f"{profile['case_pbf_mu']:g}亩或耕地≥{profile['case_cultivated_mu']:g}亩"
                                      "（启动责任追究）"))
    return cases


def _patch_flags(jcbh, xzqdm, xzqmc, patch_parts, record, facts, profile, sums, flags, differences):
    verdict = record.get("verdict")
    if (verdict == _V.LAWFUL.value and record.get("land_use") in profile["concealment_land_uses"]
            and sum(p.get("approved_m2") or 0.0 for p in patch_parts) <= 0):
        sums.put("suspect_concealed_count", jcbh, 1)
        flags.append(_rule_flag("疑似瞒报", xzqdm, xzqmc, [jcbh], None, profile.rule("concealment_land_uses"),
                                f"判为合法（{record.get('land_use')}），叠加分析中无对应备案或批准"))
    if verdict == _V.UNLAWFUL.value and record.get("rect_status") == _DONE and profile["rectification_photo"]:
        try:
            checked = datetime.date.fromisoformat(parse_date(record.get("verify_date")))
        except (TypeError, ValueError):
            checked = datetime.date.min
        if not _photo_after(facts, checked):
            sums.put("doubtful_rectified_count", jcbh, 1)
            flags.append(_rule_flag("整改存疑", xzqdm, xzqmc, [jcbh], None, profile.rule("rectification_photo"),
                                    "已整改但无核查日期之后拍摄的整改后照片"))
    delivered = facts.delivered_cultivated_m2
    if delivered is not None:
        computed = sum(p["cultivated_m2"] for p in patch_parts)
        difference = delivered - computed
        tolerance = profile["delivered_cultivated_tolerance"]
        large = abs(difference) > max(tolerance * max(abs(delivered), computed), schema.M2_PER_MU / 10)
        differences.append({"jcbh": jcbh, "xzqdm": xzqdm, "xzqmc": xzqmc, "delivered_mu": mu(delivered),
                            "computed_mu": mu(computed), "difference_mu": mu(difference), "large": large})
        if large:
            flags.append(_rule_flag("面积差异", xzqdm, xzqmc, [jcbh], mu(difference),
                                    profile.rule("delivered_cultivated_tolerance"),
                                    f"下发耕地面积 {mu(delivered):.2f} 亩，计算 {mu(computed):.2f} 亩"))


def _township_flags(rows, profile, incomplete):
    flags = []
    for row in rows:
        code, name = row["xzqdm"], row["xzqmc"]
        if row["ratio_flag"]:
            flags.append(_rule_flag("乡镇", code, name, [], row["unlawful_cultivated_ratio"],
                                    profile.rule("ratio_limit"),
                                    f"违法占用耕地面积比例超过{profile['ratio_limit']:.0%}"))
        if row["ratio_incomplete"]:
            flags.append(_rule_flag("比例待补", code, name, sorted(set(incomplete[code])), None,
                                    profile.rule("ratio_construction_land_uses"),
                                    "合法、违法图斑缺用地类型，违法占用耕地面积比例暂不能计算"))
        if row["interview_flag"]:
            hits = [(rule, figure) for rule, figure in (("interview_pbf_reserve_mu", "unlawful_pbf_or_reserve_mu"),
                                                        ("interview_general_mu", "unlawful_general_cultivated_mu"))
                    if _at_least(row[figure], profile[rule])]
            rule, figure = hits[0]  # the value shown is the figure of the rule that fired
            flags.append(_rule_flag("乡镇", code, name, [], row[figure], profile.rule(rule),
                                    f"违法占用永久基本农田或自然保护地≥{profile['interview_pbf_reserve_mu']:g}亩"
                                    f"或一般耕地≥{profile['interview_general_mu']:g}亩（警示约谈）"))
    return flags


def _row(xzqdm, xzqmc, sums, profile, incomplete):
    v = sums.values
    ratio = _ratio(v["unlawful_cultivated_mu"], v["construction_cultivated_mu"])
    unlawful_m2 = v["unlawful_mu"]
    row = {"xzqdm": xzqdm, "xzqmc": xzqmc}
    for spec in schema.METRIC_FIELDS[2:]:
        if spec.name.endswith("_count"):
            row[spec.name] = int(round(v[spec.name]))
        elif spec.name.endswith("_mu"):
            row[spec.name] = mu(v[spec.name])
    row["unverified_count"] = row["patch_count"] - row["verified_count"]
    row["ratio_incomplete"] = int(bool(incomplete))
    # Never a number that looks final while a record it depends on lacks 用地类型.
    row["unlawful_cultivated_ratio"] = None if incomplete else ratio
    row["ratio_flag"] = int(not incomplete and _above(ratio, profile["ratio_limit"]))
    row["interview_flag"] = int(_at_least(row["unlawful_pbf_or_reserve_mu"], profile["interview_pbf_reserve_mu"])
                                or _at_least(row["unlawful_general_cultivated_mu"], profile["interview_general_mu"]))
    row["rectification_rate"] = _ratio(v["rectified_area_mu"], unlawful_m2)
    row["daily_found_share"] = _ratio(v["daily_found_count"], v["unlawful_count"])
    return row


def task_profile(store):
    return rules.task_profile(store)


def task_thresholds(store):
    """The task's thresholds (its rules profile's): the seed defaults unless the bureau set others."""
    return rules.task_profile(store).thresholds()


def set_task_thresholds(store, thresholds):
    rules.set_task_thresholds(store, thresholds)


def patch_facts(store):
    """jcbh -> PatchFacts of every patch of the task."""
    photos = defaultdict(list)
    for row in store.photos():
        photos[row["jcbh"]].append(row["taken_at"])
    delivered = store.delivered_cultivated()
    return {jcbh: PatchFacts(batch, repeat_of, hsx, delivered.get(jcbh), tuple(photos.get(jcbh, ())))
            for jcbh, (batch, repeat_of, hsx) in store.patch_batches().items()}


def year_batches(batches, year):
    """The batches of a year's enforcement: its annual batch and its quarterly ones."""
    chosen = []
    for batch in batches:
        try:
            if batch_kind(batch)[0] == int(year):
                chosen.append(batch)
        except LandEnforcementError:
            continue
    return chosen


def township_metrics(store, profile=None, batch=None, year=None):
    """Compute from the task database (with its rules profile unless given); the figures of every
    batch are stored in township_metrics, those of one `batch` or `year` only returned."""
    profile = _as_profile(profile) if profile is not None else rules.task_profile(store)
    parts = store.township_parts()
    patches = store.patch_index()
    facts = patch_facts(store)
    chosen = None
    if batch is not None:
        chosen = {batch}
    elif year is not None:
        chosen = set(year_batches(store.summary().batches, year))
    if chosen is not None:
        keep = {jcbh for jcbh, f in facts.items() if f.batch in chosen}
        parts = [part for part in parts if part["jcbh"] in keep]
        patches = {jcbh: value for jcbh, value in patches.items() if jcbh in keep}
        facts = {jcbh: f for jcbh, f in facts.items() if jcbh in keep}
    missing = sorted(set(patches) - {p["jcbh"] for p in parts})
    if missing:
        raise LandEnforcementError(
            f"{len(missing)} 个图斑尚无内业比对结果（如 {missing[0]}），请先运行叠加分析",
            f"{len(missing)} patches have no overlay results yet (e.g. {missing[0]}); run the overlay first")
    county_code = store.meta().get("county_code", "")
    result = compute_metrics(parts, store.verifications(), county_code, profile, facts)
    if chosen is None:
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
        for flag in ("ratio_flag", "interview_flag", "ratio_incomplete", "case_flag_count"):
            if row[flag]:
                workbook.highlight(sheet, row_no, names.index(flag) + 1)
    sheet.freeze_panes = "C2"  # code and name stay in view
    return sheet


_ACCOUNTABILITY_HEADERS = ("类别", "行政区代码", "行政区名称", "监测编号", "数值", "说明", "规则", "依据（文件 条款）",
                           "原文")


def accountability_rows(result):
    """Every flag (问责线索): townships over the ratio or interview limits, a ratio that cannot be
    computed yet, cases over the case limits, suspected concealment, rectification in doubt and
    large differences from the delivered cultivated area — each with its rule and source."""
    return [[flag["kind"], flag["xzqdm"], flag["xzqmc"], "、".join(flag["jcbhs"]) or None, flag["figure"],
             flag["text"], flag["rule"], flag["source"], flag["quote"]] for flag in result.flags]


def add_accountability_sheet(book, result, title):
    return workbook.add_table(book, title, _ACCOUNTABILITY_HEADERS, accountability_rows(result), {})


def add_cultivated_differences_sheet(book, result, title):
    """Per patch: the cultivated area the delivery states against the overlay's, large ones marked."""
    rows = [[d["jcbh"], d["xzqdm"], d["xzqmc"], d["delivered_mu"], d["computed_mu"], d["difference_mu"],
             "是" if d["large"] else None] for d in result.cultivated_differences]
    return workbook.add_table(book, title, ("监测编号", "乡镇代码", "乡镇名称", "下发耕地面积(亩)", "计算耕地面积(亩)",
                                            "差值(亩)", "差异较大"), rows,
                              {3: workbook.MU_FORMAT, 4: workbook.MU_FORMAT, 5: workbook.MU_FORMAT})


def add_rules_sheet(book, profile, title):
    """The rules the figures were computed with, each with its document, clause and words (问责口径)."""
    rows = [[rule.name, rule.zh, rule.shown, rule.source, rule.clause, rule.quote] for rule in profile.rules.values()]
    return workbook.add_table(book, title, ("规则", "说明", "取值", "文件", "条款", "原文"), rows, {})


def write_metrics_workbook(result, path):
    """The township table and the accountability leads as .xlsx."""
    book = workbook.new_workbook()
    add_summary_sheet(book, result, "乡镇统计")
    add_accountability_sheet(book, result, "问责线索")
    if result.cultivated_differences:
        add_cultivated_differences_sheet(book, result, "耕地面积核对")
    add_rules_sheet(book, result.profile, f"问责口径 {result.profile.version}")
    workbook.save(book, path)
