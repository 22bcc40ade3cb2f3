"""Spot checks (抽查) and cross-checks of the townships' verdicts (mnr_2021 六: 加强对地方上报结果的审查、抽查).

The county (or city) draws a reproducible random sample of verified patches, stratified by
township and verdict, re-checks each sampled patch and records its own verdict; the plugin then
reports per township how often the re-check disagrees (判定不实). The sample size follows the
stratified random sampling design that AcATaMa uses for accuracy assessment (Olofsson et al. 2014,
Good practices for estimating area and assessing accuracy of land change, eq. 13, from Cochran
1977 eq. 5.25):

    n = (Σ W_h·S_h)² / ( (d / z)² + Σ W_h·S_h² / N )

with W_h = N_h / N the share of stratum h in the N verified patches, S_h = √(p(1−p)) the standard
deviation of a yes/no "the verdict is wrong" with expected rate p, d the margin of error and z the
normal quantile of the confidence level. With one p for every stratum this is Cochran's
n₀ = z²p(1−p)/d² with the finite-population correction n₀ / (1 + n₀/N). The n patches are
allocated to the strata in proportion to N_h (largest remainders), each stratum getting at least
`min_per_stratum` (or all of it when smaller), and drawn with Python's Mersenne Twister seeded
with the draw's seed, from each stratum's JCBH in sorted order: the same seed and the same
verified patches give the same sample on any computer.

Cross-checks compare each verdict with what the task itself knows: the approval number the
overlay found (suggested_approval_no), the filings (设施农用地备案 / 临时用地) among the overlay's
approvals, and the dates of the photos that prove a rectification.
"""
import json
import math
import random
import statistics
from dataclasses import dataclass, field

from .. import schema
from ..dates import period_or_none
from ..errors import LandEnforcementError
from ..store import now_iso
from ..store.sql import sql_quote
from .states import COUNTY, login_role

DEFAULT_CONFIDENCE = 0.95
DEFAULT_MARGIN = 0.05
DEFAULT_EXPECTED_RATE = 0.5  # the most cautious: the largest sample for a given margin
DEFAULT_MIN_PER_STRATUM = 2


def sample_size(population, confidence=DEFAULT_CONFIDENCE, margin=DEFAULT_MARGIN, expected_rate=DEFAULT_EXPECTED_RATE):
    """n of the design above (one expected rate for every stratum), at most the population."""
    if population <= 0:
        return 0
    if not (0 < confidence < 1 and 0 < margin < 1 and 0 < expected_rate < 1):
        raise LandEnforcementError("置信度、误差范围和预期不一致率须在 0 与 1 之间",
                                   "Confidence, margin and expected rate must lie between 0 and 1")
    z = statistics.NormalDist().inv_cdf((1 + confidence) / 2)
    variance = expected_rate * (1 - expected_rate)  # Σ W_h S_h² = (Σ W_h S_h)² when every S_h is equal
    n = variance / ((margin / z) ** 2 + variance / population)
    return min(population, math.ceil(n - 1e-9))


def allocate(strata, total, min_per_stratum=DEFAULT_MIN_PER_STRATUM):
    """{stratum: n_h}: `total` in proportion to each stratum's size (largest remainders), then at least
    min_per_stratum in each (all of a smaller stratum)."""
    population = sum(strata.values())
    if not population:
        return {}
    shares = {key: total * size / population for key, size in strata.items()}
    sizes = {key: math.floor(share) for key, share in shares.items()}
    left = total - sum(sizes.values())
    for key in sorted(shares, key=lambda k: (-(shares[k] - sizes[k]), k))[:left]:
        sizes[key] += 1
    return {key: min(strata[key], max(sizes[key], min_per_stratum)) for key in sorted(strata)}


@dataclass
class Draw:
    draw_id: str
    seed: int
    population: int
    sample_size: int
    strata: dict  # (township code, verdict) -> (N_h, n_h)
    jcbhs: list = field(default_factory=list)

    def lines(self):
        out = [f"抽查 {self.draw_id}：已核查图斑 {self.population} 个，抽取 {len(self.jcbhs)} 个（种子 {self.seed}）/ "
               f"draw {self.draw_id}: {len(self.jcbhs)} of {self.population} verified patches (seed {self.seed})"]
        out += [f"{code or schema.UNPLACED_TOWNSHIP[0]} {verdict}: {n}/{size}"
                for (code, verdict), (size, n) in sorted(self.strata.items(),
                                                        key=lambda item: (item[0][0] or "", item[0][1]))]
        return out


def _verified(store):
    """jcbh -> (township code, township name, verdict, approval number) of every verified patch."""
    places = store.patch_index()
    return {jcbh: (*places.get(jcbh, (None, None)), record[schema.V_VERDICT.name],
                   record.get(schema.V_APPROVAL_NO.name))
            for jcbh, record in sorted(store.verifications().items())
            if record.get(schema.V_VERDICT.name) and jcbh in places}


def _require_county(store):
    if login_role(store) != COUNTY:
        raise LandEnforcementError(f"抽查由县级登录进行（当前：{store.user}）",
                                   f"Spot checks are for county logins (this one: {store.user})")


def draw_sample(store, seed, confidence=DEFAULT_CONFIDENCE, margin=DEFAULT_MARGIN,
                expected_rate=DEFAULT_EXPECTED_RATE, min_per_stratum=DEFAULT_MIN_PER_STRATUM):
    """Draw and store a sample of the verified patches (see the module's design). Returns a Draw."""
    _require_county(store)
    verified = _verified(store)
    if not verified:
        raise LandEnforcementError("没有已核查的图斑可供抽查", "No verified patch to sample")
    groups = {}
    for jcbh, (code, _, verdict, _) in verified.items():
        groups.setdefault((code or "", verdict), []).append(jcbh)
    n = sample_size(len(verified), confidence, margin, expected_rate)
    sizes = allocate({key: len(members) for key, members in groups.items()}, n, min_per_stratum)
    rng = random.Random(int(seed))
    chosen = []
    for key in sorted(groups):
        chosen += rng.sample(sorted(groups[key]), sizes[key])
    stamp = now_iso()
    draw = Draw(f"{stamp[:10]}-{int(seed)}", int(seed), len(verified), n,
                {key: (len(groups[key]), sizes[key]) for key in sorted(groups)}, sorted(chosen))
    design = {"stratified_by": ["township_code", "verdict"], "min_per_stratum": min_per_stratum,
              "strata": [[code, verdict, size, taken] for (code, verdict), (size, taken) in draw.strata.items()]}
    with store.transaction():
        if store.query(f"SELECT draw_id FROM {schema.SPOT_CHECK_DRAWS_TABLE} "
                       f"WHERE draw_id = {sql_quote(draw.draw_id)}"):
            raise LandEnforcementError(f"抽查 {draw.draw_id} 已存在：换一个种子",
                                       f"The draw {draw.draw_id} exists already: choose another seed")
        store.insert(schema.SPOT_CHECK_DRAWS_TABLE, {
            "draw_id": draw.draw_id, "seed": draw.seed, "confidence": confidence, "margin": margin,
            "expected_rate": expected_rate, "population": draw.population, "sample_size": len(draw.jcbhs),
            "design": json.dumps(design, ensure_ascii=False), "drawn_at": stamp, "drawn_by": store.user})
        for jcbh in draw.jcbhs:
            code, name, verdict, approval = verified[jcbh]
            store.insert(schema.SPOT_CHECKS_TABLE, {
                "draw_id": draw.draw_id, "jcbh": jcbh, "township_code": code, "township_name": name,
                "verdict": verdict, "approval_no": approval})
        store.audit("spot_check_draw", "spot_check", None, "draw_id", None, draw.draw_id,
                    detail=f"seed {draw.seed}, {len(draw.jcbhs)}/{draw.population}")
    return draw


def record_recheck(store, draw_id, jcbh, verdict, approval_no=None, notes=None):
    """The county's own verdict on a sampled patch (re-checked in the office or on the ground)."""
    _require_county(store)
    try:
        verdict = schema.Verdict.parse(verdict)
    except ValueError:
        verdict = None
    if verdict is None:
        raise LandEnforcementError(f"复核判定须为 {'、'.join(schema.Verdict.values())}",
                                   f"The re-check verdict must be one of {', '.join(schema.Verdict.values())}")
    where = f"draw_id = {sql_quote(draw_id)} AND jcbh = {sql_quote(jcbh)}"
    with store.transaction():
        if not store.query(f"SELECT jcbh FROM {schema.SPOT_CHECKS_TABLE} WHERE {where}"):
            raise LandEnforcementError(f"图斑 {jcbh} 不在抽查 {draw_id} 中",
                                       f"Patch {jcbh} is not in the draw {draw_id}")
        values = {"recheck_verdict": verdict.value, "recheck_approval_no": (approval_no or "").strip() or None,
                  "recheck_notes": notes, "checked_by": store.user, "checked_at": now_iso()}
        store.upsert(schema.SPOT_CHECKS_TABLE, {"draw_id": draw_id, "jcbh": jcbh}, values, True)
        store.audit("spot_check", "spot_check", jcbh, "recheck_verdict", None, verdict.value, detail=draw_id)


def _numbers(text):
    """The approval numbers of a field (several separated by ；; , 、)."""
    text = text or ""
    for separator in (";", ",", "、", "，"):
        text = text.replace(separator, "；")
    return {part.strip() for part in text.split("；") if part.strip()}


def disagrees(row):
    """Why a re-check disagrees with the township's verdict (判定不实), or None."""
    if row["recheck_verdict"] != row["verdict"]:
        return f"判定“{row['verdict']}”，复核为“{row['recheck_verdict']}”"
    if row["verdict"] == schema.Verdict.LAWFUL.value and row["recheck_approval_no"] and \
            _numbers(row["recheck_approval_no"]) != _numbers(row["approval_no"] or ""):
        return f"批准文号“{row['approval_no'] or ''}”，复核为“{row['recheck_approval_no']}”"
    return None


@dataclass
class TownshipScore:
    township_code: str
    township_name: str
    sampled: int
    checked: int
    disagreements: list  # (jcbh, why)

    @property
    def rate(self):
        return len(self.disagreements) / self.checked if self.checked else None


def disagreement_rates(store, draw_id):
    """[TownshipScore] of a draw, by township code: re-checked patches and those that disagree."""
    rows = store.query(f"SELECT * FROM {schema.SPOT_CHECKS_TABLE} WHERE draw_id = {sql_quote(draw_id)} ORDER BY jcbh")
    if not rows:
        raise LandEnforcementError(f"没有抽查 {draw_id}", f"No draw {draw_id}")
    scores = {}
    for row in rows:
        score = scores.setdefault(row["township_code"] or "", TownshipScore(
            row["township_code"] or "", row["township_name"] or schema.UNPLACED_TOWNSHIP[0], 0, 0, []))
        score.sampled += 1
        if row["recheck_verdict"]:
            score.checked += 1
            why = disagrees(row)
            if why:
                score.disagreements.append((row["jcbh"], why))
    return [scores[key] for key in sorted(scores)]


def draws(store):
    return store.query(f"SELECT * FROM {schema.SPOT_CHECK_DRAWS_TABLE} ORDER BY fid")


# -- cross-checks ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CrossCheck:
    jcbh: str
    code: str  # approval_differs, approval_missing, filing_missing, rectification_photo
    zh: str
    en: str


FILINGS = {schema.LandUse.FACILITY_FARMLAND.value: "设施农用地", schema.LandUse.TEMPORARY.value: "临时用地"}
FILED_KINDS = {schema.LawfulKind.FACILITY_FILED.value: "设施农用地",
               schema.LawfulKind.TEMPORARY_APPROVED.value: "临时用地"}


def rectification_start(record):
    """The first day a photo can prove the rectification of an unlawful patch: the day after the
    verification that found it (核查日期). A case record's own deadline start (cases module) takes
    its place when cases are present."""
    day = period_or_none(record.get(schema.V_DATE.name))
    return day[0] if day else None


def cross_checks(store):
    """[CrossCheck] of the recorded verdicts against the overlay and the photos."""
    places = {row["jcbh"]: row for row in store.query(
        f"SELECT jcbh, {schema.SUGGESTED_APPROVAL.name} AS approval, {schema.SUGGESTION_REASONS.name} AS reasons, "
        f"{schema.AREA_M2.name} AS area FROM {schema.PATCHES_LAYER}")}
    photos = {}
    for row in store.photos():
        photos.setdefault(row["jcbh"], []).append(row["taken_at"])
    found = []
    for jcbh, record in sorted(store.verifications().items()):
        patch = places.get(jcbh)
        verdict = record.get(schema.V_VERDICT.name)
        if patch is None or not verdict:
            continue
        if verdict == schema.Verdict.LAWFUL.value:
            found += _lawful_checks(jcbh, record, patch)
        if verdict == schema.Verdict.UNLAWFUL.value and \
                record.get(schema.V_RECT_STATUS.name) == schema.RectificationStatus.DONE.value:
            start = rectification_start(record)
            taken = [period_or_none(stamp[:10]) for stamp in photos.get(jcbh, []) if stamp]
            if start is not None and not any(day is not None and day[0] > start for day in taken):
                found.append(CrossCheck(jcbh, "rectification_photo",
                                        f"已整改，但没有 {start.isoformat()}（核查日期）之后拍摄的照片",
                                        f"Rectified, but no photo taken after {start.isoformat()} (verification date)"))
    return found


def _lawful_checks(jcbh, record, patch):
    typed = _numbers(record.get(schema.V_APPROVAL_NO.name) or "")
    overlay = _numbers(patch["approval"] or "")
    out = []
    if patch["area"] is not None and not overlay:
        out.append(CrossCheck(jcbh, "approval_missing", "判定合法，但叠加分析未发现批准用地",
                              "Lawful, but the overlay found no approval on the patch"))
    elif overlay and typed and not typed & overlay:
        out.append(CrossCheck(jcbh, "approval_differs",
                              f"批准文号“{'；'.join(sorted(typed))}”与叠加所得“{'；'.join(sorted(overlay))}”不同",
                              f"Approval number {'; '.join(sorted(typed))} differs from the overlay's "
                              f"{'; '.join(sorted(overlay))}"))
    kind = FILINGS.get(record.get(schema.V_LAND_USE.name)) or FILED_KINDS.get(record.get(schema.V_LAWFUL_KIND.name))
    cited = "".join(reason["zh"] for reason in json.loads(patch["reasons"] or "[]"))
    if kind and patch["area"] is not None and kind not in cited:
        out.append(CrossCheck(jcbh, "filing_missing", f"判定合法（{kind}），但叠加的备案/批准中没有{kind}",
                              f"Lawful as {kind}, but no {kind} filing among the overlay's approvals"))
    return out
