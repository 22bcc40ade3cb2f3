"""Pre-judgement (预判) of a patch from its overlay areas: a suggested verdict with the approvals it
rests on, the high-priority mark (red lines touched), and the reasons for both, in Chinese and
English. A suggestion only: the verdict is always the human one."""
import json

from .. import schema

DEFAULT_APPROVED_SHARE = 0.9  # approved share that suggests 合法 (a setting)


def prejudge(result, approval_labels, settings):
    """Sets the suggestion of `result` (a PatchOverlay with its areas), stored beside (never over) the
    human verdict, with its reasons. approval_labels: the sorted (number, kind) of the approvals over
    the patch; settings.approved_share: the approved share from which 合法 is suggested."""
    area = result.areas["area_m2"]
    approved_share = result.areas["approved_m2"] / area if area else 0.0
    if approved_share >= settings.approved_share and approved_share > 0:
        numbers = [number for number, _ in approval_labels if number]
        cited = "；".join(f"{kind} {number}".strip() for number, kind in approval_labels)
        result.suggested_verdict = schema.Verdict.LAWFUL.value
        result.suggested_approval_no = "；".join(numbers) or None
        result.reasons.append((f"已批准面积占 {approved_share:.1%}（{cited or '无文号'}）",
                               f"{approved_share:.1%} of the patch is approved ({cited or 'no number'})"))
    if result.areas["pbf_m2"] > 0:
        result.high_priority = True
        result.reasons.append((f"占用永久基本农田 {result.areas['pbf_m2']:.2f} m²",
                               f"Touches permanent basic farmland: {result.areas['pbf_m2']:.2f} m²"))
    if result.areas["eco_m2"] > 0:
        result.high_priority = True
        result.reasons.append((f"占用生态保护红线 {result.areas['eco_m2']:.2f} m²",
                               f"Touches the ecological red line: {result.areas['eco_m2']:.2f} m²"))


def reasons_json(reasons):
    """The reasons [(zh, en)] as stored on the patch."""
    return json.dumps([{"zh": zh, "en": en} for zh, en in reasons], ensure_ascii=False)
