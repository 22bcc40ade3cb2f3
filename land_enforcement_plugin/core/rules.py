"""The rules profile (问责口径): thresholds and vocabularies of the accountability figures, each with
the document and clause it comes from.

A profile is a small versioned JSON file: the bundled one (data/rules/seeds.json) is the seed
documents' rules; a bureau edits it and saves it as its own (QGIS user settings, like the
milestone template), and a task keeps the profile it is computed with (task_meta, so every change
is audited and the figures are recomputed from it).
"""
import copy
import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .errors import LandEnforcementError

PROFILE_FORMAT = 1
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "rules"
DEFAULT_PROFILE = "seeds"
_TASK_KEY = "rules_profile"
_SETTING = "land_enforcement/rules_profile"
# The old per-task thresholds (schema.Thresholds), still honoured over the bundled profile.
_OLD_THRESHOLDS_KEY = "thresholds"
_FROM_THRESHOLDS = {"unlawful_cultivated_ratio": "ratio_limit", "warning_pbf_mu": "interview_pbf_reserve_mu",
                    "warning_general_cultivated_mu": "interview_general_mu"}

# rule name -> the kind of its value: checked when a profile is read, so a hand-edited file with a
# wrong value is refused by name instead of giving a figure from it.
RULE_KINDS = {
    "ratio_limit": "fraction", "ratio_construction_land_uses": schema.LandUse,
    "case_pbf_mu": "mu", "case_cultivated_mu": "mu",
    "interview_pbf_reserve_mu": "mu", "interview_general_mu": "mu",
    "daily_sources": schema.LeadSource, "link_quota": "bool",
    "concealment_land_uses": schema.LandUse, "rectification_photo": "bool",
    "delivered_cultivated_tolerance": "fraction",
    "calendar": "calendar",
}
# The calendar's batch kinds (season.batch_kind): an annual batch, or a quarter.
CALENDAR_KINDS = ("annual", "Q1", "Q2", "Q3", "Q4")
# Where a bureau's milestone template was kept before the calendar joined the profile.
_OLD_TEMPLATE_SETTING = "land_enforcement/milestone_template"


def due_date(year, month_day):
    """The date of a calendar entry for a batch of `year`: "05-08", or "+1-05-08" in the next year."""
    offset = 0
    if month_day.startswith("+"):
        offset, month_day = int(month_day[1]), month_day[3:]
    month, day = (int(part) for part in month_day.split("-"))
    return datetime.date(year + offset, month, day)


def _calendar_ok(value):
    if not isinstance(value, dict) or "annual" not in value or not set(value) <= set(CALENDAR_KINDS):
        return False
    for dates in value.values():
        if not isinstance(dates, dict) or not set(dates) <= set(schema.MilestoneKind.values()):
            return False
        for month_day in dates.values():
            try:
                due_date(2000, month_day)  # a leap year: 02-29 is a date
            except (TypeError, ValueError, AttributeError, IndexError):
                return False
    return True


@dataclass(frozen=True)
class Rule:
    name: str
    value: object
    zh: str
    source: str
    clause: str
    quote: str

    @property
    def cited(self):
        """"file clause", as every flag and tooltip names its rule's source."""
        return f"{self.source} {self.clause}"

    @property
    def shown(self):
        """The value as a reader sees it in a tooltip or a sheet."""
        if isinstance(self.value, list):
            return "、".join(self.value)
        if isinstance(self.value, dict):  # the calendar
            return "；".join(f"{'年度' if kind == 'annual' else kind}："
                            + "，".join(f"{label} {day}" for label, day in dates.items())
                            for kind, dates in self.value.items())
        if isinstance(self.value, bool):
            return "是" if self.value else "否"
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)


class RulesProfile:
    """A parsed profile: rules by name, plus its name and version."""

    def __init__(self, data):
        self.data = _checked(data)
        self.name = self.data.get("name", "")
        self.version = str(self.data.get("version", ""))
        self.rules = {name: Rule(name, spec["value"], spec.get("zh", ""), spec.get("source", ""),
                                 spec.get("clause", ""), spec.get("quote", ""))
                      for name, spec in self.data["rules"].items()}

    def __getitem__(self, name):
        return self.rules[name].value

    def rule(self, name):
        return self.rules[name]

    def with_values(self, **values):
        """A copy with some rules' values changed (sources kept)."""
        data = copy.deepcopy(self.data)
        for name, value in values.items():
            data["rules"][name]["value"] = value
        return RulesProfile(data)

    def to_json(self):
        return json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True)

    def thresholds(self):
        """The schema.Thresholds the rest of the plugin (submission, the dock's spin boxes) shows."""
        return schema.Thresholds(*(float(self[rule]) for rule in _FROM_THRESHOLDS.values()))


def _refuse(zh, en):
    raise LandEnforcementError(f"问责口径文件有误：{zh}", f"The rules profile is wrong: {en}")


def _checked(data):
    if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT or not isinstance(data.get("rules"), dict):
        _refuse(f"不是第 {PROFILE_FORMAT} 版口径文件", f"not a format {PROFILE_FORMAT} profile")
    if "calendar" not in data["rules"]:  # a profile from before the calendar joined it
        data = copy.deepcopy(data)
        data["rules"]["calendar"] = copy.deepcopy(bundled().data["rules"]["calendar"])
    missing = sorted(set(RULE_KINDS) - set(data["rules"]))
    if missing:
        _refuse(f"缺少规则 {'、'.join(missing)}", f"rules missing: {', '.join(missing)}")
    for name, kind in RULE_KINDS.items():
        value = data["rules"][name].get("value")
        if kind in ("fraction", "mu"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 and (
                kind == "mu" or value <= 1)
        elif kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "calendar":
            ok = _calendar_ok(value)
        else:
            ok = isinstance(value, list) and all(item in kind.values() for item in value)
        if not ok:
            _refuse(f"规则 {name} 的值 {value!r} 不可用", f"rule {name} has an unusable value {value!r}")
    return data


def bundled(name=DEFAULT_PROFILE):
    return RulesProfile(json.loads((BUNDLED_DIR / f"{name}.json").read_text(encoding="utf-8")))


def bundled_names():
    return sorted(path.stem for path in BUNDLED_DIR.glob("*.json"))


def read_profile(path):
    try:
        return RulesProfile(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise LandEnforcementError(f"无法读取问责口径文件 {path}：{error}",
                                   f"Cannot read the rules profile {path}: {error}") from None


def saved_profile():
    """The bureau's own profile (QGIS user settings), else the bundled seeds' rules; a milestone
    template the bureau saved before the calendar joined the profile stays its calendar."""
    from qgis.core import QgsSettings

    settings = QgsSettings()
    text = settings.value(_SETTING, "", type=str)
    data = json.loads(text) if text else copy.deepcopy(bundled().data)
    old_template = settings.value(_OLD_TEMPLATE_SETTING, "", type=str)
    if old_template and (not text or "calendar" not in data["rules"]):
        data["rules"]["calendar"] = dict(copy.deepcopy(bundled().data["rules"]["calendar"]),
                                         value=json.loads(old_template))
    return RulesProfile(data)


def save_profile(profile):
    from qgis.core import QgsSettings

    QgsSettings().setValue(_SETTING, profile.to_json())


def task_profile(store):
    """The task's profile: the one saved with it, else the bundled one with the task's old
    thresholds (schema 7 and before) kept."""
    meta = store.meta()
    if meta.get(_TASK_KEY):
        return RulesProfile(json.loads(meta[_TASK_KEY]))
    profile = bundled()
    old = json.loads(meta.get(_OLD_THRESHOLDS_KEY) or "{}")
    return profile.with_values(**{_FROM_THRESHOLDS[k]: float(v) for k, v in old.items() if k in _FROM_THRESHOLDS})


def set_task_profile(store, profile):
    """Keep the profile with the task (audited by set_meta: who changed the rules, from what)."""
    store.set_meta(**{_TASK_KEY: profile.to_json()})


def set_task_calendar(store, calendar):
    """The task's milestone calendar (the Season tab's template), audited with the profile."""
    set_task_profile(store, task_profile(store).with_values(calendar=calendar))


def set_task_thresholds(store, thresholds):
    set_task_profile(store, task_profile(store).with_values(
        **{rule: getattr(thresholds, name) for name, rule in _FROM_THRESHOLDS.items()}))
