"""Dates as deliveries and township staff write them (日期).

A verification date is a day. An image date (前时相 / 后时相, imagery) is a day or, as provinces
often deliver it, a month (`202210`, `2022-10`, `2022.10`, `2022年10月`): a month is kept as a month
(`2022-10`, stored and shown so) and stands for the period from its first to its last day, never
for an invented day.
"""
import calendar
import datetime
import re
import unicodedata

# A time of day after the date (as OGR writes datetime fields) is allowed and dropped.
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME + "$")
_DAY_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_DIGITS = re.compile(r"^(\d{4})(\d{2})$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
# Excel serial numbers of plausible dates (1990 .. 2100).
_SERIAL_RANGE = (32874, 73051)


def _text(value):
    """NFKC folds full-width digits and spaces; a number read from a DBF loses its '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_date(value):
    """A date cell or typed date -> 'YYYY-MM-DD'; raises ValueError for anything else (a month too)."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return (_EXCEL_EPOCH + datetime.timedelta(days=int(value))).isoformat()
    text = _text(value)
    match = _DAY_TEXT.match(text) or _DAY_DIGITS.match(text)
    if not match:
        raise ValueError(text)
    return datetime.date(*(int(g) for g in match.groups())).isoformat()


def parse_image_date(value):
    """An image date -> 'YYYY-MM-DD', or 'YYYY-MM' when only the month is given; ValueError otherwise."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return parse_date(value)
    text = _text(value)
    match = _MONTH_TEXT.match(text) or _MONTH_DIGITS.match(text)
    if match:
        year, month = (int(g) for g in match.groups())
        if not 1 <= month <= 12:
            raise ValueError(text)
        return f"{year:04d}-{month:02d}"
    return parse_date(value)


def period(value):
    """(first day, last day) of an image date as parse_image_date reads it; ValueError otherwise."""
    text = parse_image_date(value)
    if len(text) == 7:  # a month
        year, month = int(text[:4]), int(text[5:])
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    day = datetime.date.fromisoformat(text)
    return day, day


def period_or_none(value):
    """period(value), or None when the value is empty, a QGIS NULL or not a date."""
    if value is None or str(value).strip() in ("", "NULL"):
        return None
    try:
        return period(value)
    except ValueError:
        return None
