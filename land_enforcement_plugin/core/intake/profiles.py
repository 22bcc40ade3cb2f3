"""Field mappings (字段映射): which source field holds each canonical patch field, from the known
spellings, the bundled provincial formats (data/field_profiles.json) or the bureau's saved profiles;
and the bundled list of county names (data/counties.csv)."""
import csv
import functools
import json
import os

from qgis.core import QgsSettings

from .. import schema
from ..errors import LandEnforcementError


def suggest_mapping(field_names):
    """Canonical field -> the source field that is one of its known spellings."""
    by_key = {name.strip().upper(): name for name in field_names}
    mapping = {}
    for canonical in schema.PATCH_SOURCE_FIELDS:
        for synonym in canonical.synonyms:
            if synonym.upper() in by_key:
                mapping[canonical.name] = by_key[synonym.upper()]
                break
    return mapping


def matching_profile(field_names):
    """(name, mapping onto these fields) of the profile, bundled or saved, whose every source field
    the source has (the one mapping the most fields), or (None, {})."""
    by_key = {name.strip().upper(): name for name in field_names}
    best = (None, {})
    for name, profile in mapping_profiles().items():
        wanted = {canonical: source for canonical, source in profile.items() if source}
        if wanted and all(source.strip().upper() in by_key for source in wanted.values()) \
                and len(wanted) > len(best[1]):
            best = (name, {canonical: by_key[source.strip().upper()] for canonical, source in wanted.items()})
    return best


_PROFILE_KEY = "land_enforcement/field_mapping_profiles"
_DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data")


@functools.lru_cache(maxsize=1)
def bundled_mapping_profiles():
    """The provincial formats the plugin knows (data/field_profiles.json): name -> mapping."""
    with open(os.path.join(_DATA_DIR, "field_profiles.json"), encoding="utf-8") as f:
        return json.load(f)


def saved_mapping_profiles():
    """Named field mappings the bureau saved in the QGIS profile."""
    raw = QgsSettings().value(_PROFILE_KEY, "{}")
    return json.loads(raw or "{}")


def mapping_profiles():
    """Every named field mapping: the bundled provincial formats, then the bureau's own (a saved
    profile of the same name wins)."""
    return dict(bundled_mapping_profiles(), **saved_mapping_profiles())


def save_mapping_profile(name, mapping):
    profiles = saved_mapping_profiles()
    profiles[name] = mapping
    QgsSettings().setValue(_PROFILE_KEY, json.dumps(profiles, ensure_ascii=False))


def delete_mapping_profile(name):
    """Delete a saved profile (a bundled one stays)."""
    profiles = saved_mapping_profiles()
    profiles.pop(name, None)
    QgsSettings().setValue(_PROFILE_KEY, json.dumps(profiles, ensure_ascii=False))


@functools.lru_cache(maxsize=1)
def _county_names():
    with open(os.path.join(_DATA_DIR, "counties.csv"), encoding="utf-8", newline="") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def bundled_county_name(county_code):
    """The name of a county-level division by its 6-digit code (data/counties.csv), or ""."""
    return _county_names().get((county_code or "")[:6], "")


def parse_field_mapping(text):
    """FIELD_MAPPING as given headless: a JSON object, or the name of a saved profile."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            mapping = json.loads(text)
        except ValueError as exc:
            raise LandEnforcementError(f"字段映射不是有效的 JSON：{exc}",
                                       f"Field mapping is not valid JSON: {exc}") from exc
    else:
        profiles = mapping_profiles()
        if text not in profiles:
            raise LandEnforcementError(f"没有名为“{text}”的字段映射方案", f"No field-mapping profile named '{text}'")
        mapping = profiles[text]
    known = {f.name for f in schema.PATCH_SOURCE_FIELDS}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise LandEnforcementError(f"字段映射含未知的目标字段：{', '.join(unknown)}"
                                   f"（可用：{', '.join(sorted(known))}）",
                                   f"Unknown target fields in the mapping: {', '.join(unknown)} "
                                   f"(known: {', '.join(sorted(known))})")
    return mapping


def check_mapping(mapping, source_fields):
    missing = [f for f in schema.REQUIRED_SOURCE_FIELDS if not mapping.get(f.name)]
    if missing:
        names = ", ".join(f"{f.zh}({f.name})" for f in missing)
        raise LandEnforcementError(f"字段映射缺少必填字段：{names}",
                                   f"The field mapping lacks required fields: {names}")
    absent = sorted(v for v in mapping.values() if v and v not in source_fields)
    if absent:
        raise LandEnforcementError(f"源数据中没有这些字段：{', '.join(absent)}",
                                   f"These fields are not in the source data: {', '.join(absent)}")
