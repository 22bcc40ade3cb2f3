"""Monitoring numbers (JCBH, 监测编号) as delivered: normalised, and checked against the task's numbering."""
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")
_COUNTY_PREFIX = re.compile(r"^\d{6}")
# A double keeps 15 significant decimal digits for sure: a longer number read from a real field
# may already have lost its last digits.
_DOUBLE_DIGITS = 15


def monitoring_numbers(text):
    """The monitoring numbers of a list typed by hand or in a sheet cell: separated by 、, commas
    (ASCII or full width) or line breaks, blanks dropped."""
    for separator in ("、", "，", "\n"):
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def normalise_jcbh(value):
    """A delivered JCBH -> (text, None), or (shown text, (code, zh, en)) when it cannot be trusted.

    Full-width digits become ASCII (NFKC), spaces and zero-width characters go; an integer field
    is read as its integer; a real field only when it holds a whole number of at most 15 digits;
    scientific notation is what Excel leaves of a long number: rejected, never guessed back.
    """
    if value is None:
        return None, None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if not value.is_integer():
            return repr(value), ("jcbh_cut", f"监测编号“{value!r}”是带小数的数字，编号已被截断或改动",
                                 f"Monitoring number '{value!r}' is a fractional number: it was cut or altered")
        if abs(value) >= 10 ** _DOUBLE_DIGITS:
            shown = f"{value:.0f}"
            return shown, ("jcbh_cut", f"监测编号“{shown}”存为超过 {_DOUBLE_DIGITS} 位的实数，末几位可能已被改动，"
                                       "请用文本字段重新导出",
                           f"Monitoring number '{shown}' is stored as a real number of more than {_DOUBLE_DIGITS} "
                           "digits: its last digits may have been altered; export it as a text field")
        return str(int(value)), None
    text = "".join(unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).split())
    if not text:
        return None, None
    if _SCIENTIFIC.match(text):
        return text, ("jcbh_scientific", f"监测编号“{text}”是科学计数法（被 Excel 截断），请从原始数据重新导出",
                      f"Monitoring number '{text}' is in scientific notation (cut by Excel); "
                      "export it again from the original data")
    return text, None


@dataclass
class JcbhRules:
    """What a coded JCBH (one starting with 6 digits) must look like in this task."""

    county_code: str = ""  # the county a coded JCBH starts with ("" where the numbering does not)
    lengths: tuple = ()  # the usual length of the task's and of this file's coded JCBHs

    def problem(self, jcbh):
        if not _COUNTY_PREFIX.match(jcbh):
            return None  # a free-form number is the province's business
        if self.county_code and not jcbh.startswith(self.county_code):
            return ("jcbh_county", f"监测编号 {jcbh} 不以本县代码 {self.county_code} 开头",
                    f"Monitoring number {jcbh} does not start with the county code {self.county_code}")
        if self.lengths and len(jcbh) not in self.lengths:
            usual = "、".join(map(str, self.lengths))
            return ("jcbh_length", f"监测编号 {jcbh} 为 {len(jcbh)} 位，本任务和本文件的监测编号为 {usual} 位",
                    f"Monitoring number {jcbh} has {len(jcbh)} characters; this task's and this file's have "
                    f"{', '.join(map(str, self.lengths))}")
        return None


def _coded(jcbhs):
    return [j for j in jcbhs if j and _COUNTY_PREFIX.match(j)]


def _usual_length(coded):
    lengths = Counter(len(j) for j in coded)
    return lengths.most_common(1)[0][0] if lengths else None


def jcbh_rules(store, layer, jcbh_field, county_code):
    """A coded JCBH has the usual length of the task's numbers or of this file's, and starts with
    the task's county code when most of the file's numbers do: a province may change its numbering
    between years (and not every numbering starts with the county), never within a file."""
    layer.ResetReading()
    in_file = _coded(normalise_jcbh(f.GetField(jcbh_field))[0] for f in layer)
    layer.ResetReading()
    in_task = _coded(store.patch_index()) if store is not None else []
    county_code = county_code or (store.meta().get("county_code", "") if store is not None else "")
    if not county_code or sum(j.startswith(county_code) for j in in_file) * 2 <= len(in_file):
        county_code = ""
    lengths = tuple(sorted({n for n in (_usual_length(in_task), _usual_length(in_file)) if n}))
    return JcbhRules(county_code, lengths)
