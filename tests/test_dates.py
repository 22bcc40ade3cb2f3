"""Dates as deliveries write them: days and months, never an invented day."""
import datetime

import pytest

from land_enforcement_plugin.core.dates import parse_date, parse_image_date, period, period_or_none


@pytest.mark.parametrize("text", ["202210", "2022-10", "2022.10", "2022/10", "2022年10月", "２０２２年１０月",
                                  202210.0])
def test_a_delivered_month_stays_a_month(text):
    assert parse_image_date(text) == "2022-10"
    assert period(text) == (datetime.date(2022, 10, 1), datetime.date(2022, 10, 31))


@pytest.mark.parametrize("text", ["20221015", "2022-10-15", "2022.10.15", "2022年10月15日", "2022/10/15 08:30:00"])
def test_a_day_is_a_day(text):
    assert parse_image_date(text) == "2022-10-15"
    assert period(text) == (datetime.date(2022, 10, 15),) * 2


def test_a_verification_date_must_be_a_day():
    assert parse_date("2024年5月8日") == "2024-05-08"
    with pytest.raises(ValueError):
        parse_date("202405")


@pytest.mark.parametrize("text", ["202213", "2022-00", "2022", "十月", "2022-02-30"])
def test_what_is_not_a_date_is_refused(text):
    with pytest.raises(ValueError):
        period(text)
    assert period_or_none(text) is None


def test_february_of_a_leap_year():
    assert period("2024-02")[1] == datetime.date(2024, 2, 29)
