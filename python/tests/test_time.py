"""retention._time (the one place where Python dates and times become the core's inputs) and the
core's names the package reads from the native module. Expected values are worked out by hand:
2024-01-01 is day 19 723 (54 years of 365 days and 13 leap days since 1970) and a Monday."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import retention
from retention import _retention, _time

JAN_1_2024 = 19_723
PLUS_ONE = dt.timezone(dt.timedelta(hours=1))


def test_the_core_names_the_package_uses() -> None:
    assert _retention.CHURN_RISK_BANDS == ("low", "medium", "high", "critical")
    assert retention.model.BANDS == _retention.CHURN_RISK_BANDS
    assert _retention.CHURN_MODELS == {
        "bg_nbd": ("r", "alpha", "a", "b"),
        "mbg_nbd": ("r", "alpha", "a", "b"),
        "pareto_nbd": ("r", "alpha", "s", "beta"),
        "bg_bb": ("alpha", "beta", "gamma", "delta"),
    }
    assert (retention.BetaGeoFitter._MODEL, retention.ParetoNBDFitter._PARAM_NAMES) == (
        "bg_nbd",
        ("r", "alpha", "s", "beta"),
    )
    # A month is the mean Gregorian month: 365.2425 / 12 = 30.436875 days.
    assert _retention.CHURN_TIME_UNITS == {"D": 1.0, "W": 7.0, "M": 30.436875}
    assert _retention.CHURN_METRICS_PERIODS == ("D", "W", "M", "Y")
    # Week 0 starts on Monday 1969-12-29, three days before day 0.
    assert _retention.WEEK_ORIGIN_DAY == -3


def test_a_day_argument_is_its_own_calendar_date() -> None:
    assert _time.calendar_date(dt.date(2024, 3, 5)) == (2024, 3, 5)
    late = dt.datetime(2024, 3, 5, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert _time.calendar_date(late) == (2024, 3, 5)
    assert _time.calendar_date(pd.Timestamp("2024-03-05 23:30", tz="Asia/Tokyo")) == (2024, 3, 5)
    with pytest.raises(TypeError, match="`date` must be a datetime.date, not str"):
        _time.calendar_date("2024-03-05")
    with pytest.raises(TypeError, match="`today` must be a datetime.date, not int .a number is not a date"):
        _time.calendar_date(19_787, "today")
    with pytest.raises(retention.ValidationError, match="`today` is missing .NaT."):
        _time.calendar_date(pd.NaT, "today")


def test_an_instant_is_unix_seconds_and_an_offset() -> None:
    # 2024-03-05 is day 19 723 + 31 + 29 + 4 = 19 787; 12:00 at +01:00 is 11:00 UTC.
    noon = dt.datetime(2024, 3, 5, 12, tzinfo=PLUS_ONE)
    assert _time.instant(noon, None) == (19_787 * 86_400 + 11 * 3_600, 60)
    assert _time.instant(1_709_636_400, None) == (1_709_636_400, 0)
    assert _time.instant(np.int64(1_709_636_400), -300) == (1_709_636_400, -300)
    # A naive datetime is local wall-clock time: 12:00 local, placed on the time line at the
    # given offset (12:00 at +01:00 is 11:00 UTC; without an offset the local time is UTC's).
    assert _time.instant(dt.datetime(2024, 3, 5, 12), None) == (19_787 * 86_400 + 12 * 3_600, 0)
    assert _time.instant(dt.datetime(2024, 3, 5, 12), 60) == (19_787 * 86_400 + 11 * 3_600, 60)
    with pytest.raises(retention.ValidationError, match="own offset"):
        _time.instant(noon, 60)
    with pytest.raises(TypeError, match="not date"):
        _time.instant(dt.date(2024, 3, 5), None)


def test_a_local_day_comes_from_a_date_or_an_instant() -> None:
    assert _time.local_day(dt.date(2024, 3, 5), 600) == (2024, 3, 5)
    assert _time.local_day(1_709_636_400, 60) == (1_709_636_400, 60)


def test_day_numbers_of_a_column() -> None:
    dates = pd.Series(pd.to_datetime(["2024-01-01 23:30", "2024-01-08 00:00"]))
    assert list(_time.day_numbers(dates, None)) == [JAN_1_2024, JAN_1_2024 + 7]
    assert _time.day_number("01/02/2024", "%d/%m/%Y") == JAN_1_2024 + 31


def test_weeks_start_on_monday_from_the_core_origin() -> None:
    # Sunday 2024-01-07 is in the week of Monday 2024-01-01; Monday 2024-01-08 starts the next.
    days = np.array([JAN_1_2024, JAN_1_2024 + 6, JAN_1_2024 + 7, -4, -3], dtype=np.int64)
    starts = _time.period_start_days(days, "W")
    assert list(starts) == [JAN_1_2024, JAN_1_2024, JAN_1_2024 + 7, -10, -3]
    assert list(_time.period_start_days(days, "D")) == list(days)
    # Week (19 723 + 3) / 7 = 2 818 is the week of 2024-01-01; month 12 · 2024 + 2 is March 2024.
    assert str(_time.period_label("W", 2_818)) == "2024-01-01/2024-01-07"
    assert str(_time.period_label("M", 12 * 2024 + 2)) == "2024-03"
    assert str(_time.period_label("D", JAN_1_2024)) == "2024-01-01"
    assert str(_time.period_label("Y", 2024)) == "2024"
    assert _time.day_number_of(_time.day_timestamp(JAN_1_2024)) == JAN_1_2024
