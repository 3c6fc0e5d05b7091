"""Dates and times between Python and the core: the one module that decides how Python, pandas,
polars and NumPy dates and datetimes become what the core reads, and how the core's day and
period numbers become pandas values again.

The core reads an instant as Unix seconds with a UTC offset in minutes, and a local day as a
calendar date or a day number (days since 1970-01-01); it never sees a time zone. Every value
that becomes one of those goes through this module, the native extension's arguments included
(it calls :func:`calendar_date`, :func:`instant` and :func:`local_day`), so that the rule can
change in one place.

The rules differ today between entry points; each function says which it follows:

- a day argument (``today``, ``first``/``last``, ``last_visit``): :func:`calendar_date`, the
  value's own calendar date (a datetime's wall-clock date, naive or aware);
- ``RuleSet.evaluate(at=)``: :func:`instant`, an aware datetime at its own offset or Unix seconds
  with ``utc_offset_minutes``; a naive datetime is refused;
- ``ChurnModel.risk_of(at=)``: :func:`local_day`, a date as it is (``utc_offset_minutes``
  unused), anything else as :func:`instant`;
- transaction tables (summaries, calibration and holdout, metrics, the calendar plot):
  :func:`day_numbers`, pandas and Python values at their wall-clock date (aware ones in their own
  zone), strings parsed with ``datetime_format``, NumPy ``datetime64`` values (what polars gives,
  aware columns converted to UTC) at their UTC date, integers as nanoseconds since 1970;
- back-test columns: :func:`naive_utc`, then :func:`unix_seconds` (naive datetimes are UTC,
  integers Unix seconds; the back-test's one ``utc_offset_minutes`` gives local time) and
  :func:`birthdays`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _retention
from ._columns import integer_column, to_numpy
from .exceptions import ValidationError

__all__ = [
    "CalendarDate",
    "Instant",
    "calendar_date",
    "instant",
    "local_day",
    "day_numbers",
    "day_number",
    "naive_utc",
    "unix_seconds",
    "birthdays",
    "period_label",
    "period_start_days",
    "day_timestamp",
    "day_number_of",
]

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_I16_MIN, _I16_MAX = -(2**15), 2**15 - 1

#: Day 0 of the core's day numbers.
_EPOCH_DAY = np.datetime64("1970-01-01", "D")
_EPOCH = pd.Timestamp("1970-01-01")


#: A calendar date as the core reads it: ``(year, month, day)`` (the core checks that it exists
#: and is in range).
CalendarDate = tuple[int, int, int]

#: An instant as the core reads it: ``(Unix seconds, offset from UTC in minutes)``.
Instant = tuple[int, int]


def _unix_seconds(value: Any) -> Optional[int]:
    """``value`` when it is an integer (``int``, ``bool``, a NumPy integer) of 64 bits, else None."""
    if type(value) is int and _I64_MIN <= value <= _I64_MAX:
        return value
    try:
        seconds = operator.index(value)
    except TypeError:
        return None
    return seconds if _I64_MIN <= seconds <= _I64_MAX else None


def calendar_date(value: Any) -> CalendarDate:
    """The calendar date of a day argument: a ``datetime.date``, or a ``datetime`` (also a pandas
    ``Timestamp``) at its own wall-clock date, naive or aware; or any value with integer
    ``year``, ``month`` and ``day``.

    Raises ``TypeError`` for anything else.
    """
    if type(value) is dt.date or type(value) is dt.datetime:
        return (value.year, value.month, value.day)
    try:
        date = (operator.index(value.year), operator.index(value.month), operator.index(value.day))
    except Exception:
        date = None
    if date is None or min(date) < _I64_MIN or max(date) > _I64_MAX:
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
    return date


def instant(at: Any, utc_offset_minutes: Optional[int]) -> Instant:
    """The instant of ``at`` for ``RuleSet.evaluate``: Unix seconds (an int) with
    ``utc_offset_minutes`` (default 0), or an aware ``datetime`` at its own offset (whole
    seconds, sub-seconds dropped).

    Raises :class:`~retention.ValidationError` for a naive datetime, an offset that is not whole
    minutes, or ``utc_offset_minutes`` with a datetime; ``TypeError`` for anything else.
    """
    seconds = _unix_seconds(at)
    if seconds is not None:
        return (seconds, 0 if utc_offset_minutes is None else utc_offset_minutes)
    if hasattr(at, "utcoffset") and hasattr(at, "timestamp"):
        if utc_offset_minutes is not None:
            raise ValidationError(
                "utc_offset_minutes goes with a Unix timestamp; an aware datetime has its own offset"
            )
        delta: Optional[dt.timedelta] = at.utcoffset()
        if delta is None:
            raise ValidationError(
                "a naive datetime is ambiguous: give it a tzinfo, or pass Unix seconds and "
                "utc_offset_minutes"
            )
        total = delta.days * 86_400 + delta.seconds
        if delta.microseconds != 0 or total % 60 != 0:
            raise ValidationError("the UTC offset must be whole minutes")
        minutes = total // 60
        if not _I16_MIN <= minutes <= _I16_MAX:
            raise ValidationError("UTC offset out of range")
        return (calendar.timegm(at.utctimetuple()), minutes)
    raise TypeError(f"`at` is an aware datetime or Unix seconds (int), not {type(at).__name__}")


def local_day(at: Any, utc_offset_minutes: Optional[int]) -> Union[CalendarDate, Instant]:
    """What the local day of ``at`` comes from for ``ChurnModel.risk_of``: a value that is
    neither an integer nor has a time of day (a ``datetime.date``) is that calendar date, three
    numbers (``utc_offset_minutes`` is not used); anything else is an :func:`instant`, two
    numbers, whose local day the core computes."""
    if _unix_seconds(at) is None and not hasattr(at, "hour"):
        return calendar_date(at)
    return instant(at, utc_offset_minutes)


def day_numbers(values: Any, datetime_format: Optional[str]) -> np.ndarray[Any, Any]:
    """Day numbers (int64) of a transaction table's date column: dates, datetimes or strings
    (parsed with ``datetime_format``); wall-clock dates for time-zone-aware pandas and Python
    values, as lifetimes' ``to_period``; the UTC date of NumPy ``datetime64`` values.

    Raises :class:`~retention.ValidationError` for a value that cannot be read or is missing.
    """
    array = to_numpy(values)
    if array.dtype.kind != "M":
        try:
            converted = pd.to_datetime(pd.Series(array), format=datetime_format)
        except (ValueError, TypeError) as error:
            raise ValidationError(f"dates could not be read: {error}") from None
        if getattr(converted.dt, "tz", None) is not None:
            converted = converted.dt.tz_localize(None)
        if converted.isna().any():
            raise ValidationError("dates must not be missing (NaT)")
        array = converted.to_numpy()
    elif np.isnat(array).any():
        raise ValidationError("dates must not be missing (NaT)")
    days: np.ndarray[Any, Any] = (array.astype("datetime64[D]") - _EPOCH_DAY).astype(np.int64)
    return days


def day_number(value: Any, datetime_format: Optional[str]) -> int:
    """The day number of one date (``observation_period_end`` and the like), as
    :func:`day_numbers` reads a column."""
    return int(day_numbers(np.array([value], dtype=object), datetime_format)[0])


def naive_utc(series: Any) -> Any:
    """A back-test column (pandas or polars Series) with aware datetimes converted to naive UTC;
    any other column as it is."""
    dtype = series.dtype
    if getattr(dtype, "tz", None) is not None:  # pandas, aware
        return series.dt.tz_convert("UTC").dt.tz_localize(None)
    if getattr(dtype, "time_zone", None) is not None:  # polars, aware
        return series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return series


def unix_seconds(values: npt.NDArray[Any], column: str) -> Any:
    """Back-test timestamps as contiguous Unix seconds (int64): integers as they are, datetimes
    (naive = UTC; Python datetime objects converted by NumPy) to whole seconds, rounded down.

    Raises :class:`~retention.ValidationError` for missing times or values that are not integers.
    """
    if np.issubdtype(values.dtype, np.datetime64):
        if np.isnat(values).any():
            raise ValidationError(f"column `{column}` has missing times")
        return np.ascontiguousarray(values.astype("datetime64[s]").astype(np.int64))
    if values.dtype == object and values.size and hasattr(values[0], "timestamp"):
        converted = np.array(values, dtype="datetime64[s]")
        return np.ascontiguousarray(converted.astype(np.int64))
    return integer_column(values, column, np.int64)


def birthdays(values: npt.NDArray[Any]) -> tuple[Any, Any]:
    """Month and day arrays (uint8, 0 for none) of a back-test's birthday column: dates,
    datetimes or ISO strings (their first 10 characters)."""
    if values.dtype == object or values.dtype.kind == "U":
        dates = [
            None if v is None or v != v else dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v
            for v in values.tolist()
        ]
        months = np.array([0 if d is None else d.month for d in dates], dtype=np.uint8)
        days = np.array([0 if d is None else d.day for d in dates], dtype=np.uint8)
        return months, days
    day_values = values.astype("datetime64[D]")
    missing = np.isnat(day_values)
    month_start = day_values.astype("datetime64[M]")
    months = (month_start.astype(np.int64) % 12 + 1).astype(np.uint8)
    days = ((day_values - month_start).astype(np.int64) + 1).astype(np.uint8)
    return np.where(missing, 0, months).astype(np.uint8), np.where(missing, 0, days).astype(np.uint8)


def period_label(period: str, index: int) -> pd.Period:
    """The pandas Period of the core's index of a metrics ``period`` (``"D"``, ``"W"``, ``"M"``,
    ``"Y"``): days are day numbers, weeks count from the core's week origin, months are
    ``12 · year + month − 1``, years the year."""
    if period == "D":
        return pd.Period(np.datetime64(index, "D"), freq="D")
    if period == "W":
        return pd.Period(np.datetime64(7 * index + _retention.WEEK_ORIGIN_DAY, "D"), freq="W-SUN")
    if period == "M":
        return pd.Period(year=index // 12, month=index % 12 + 1, freq="M")
    return pd.Period(year=index, freq="Y")


def period_start_days(days: np.ndarray[Any, Any], grain: str) -> np.ndarray[Any, Any]:
    """The first day of the ``grain`` period (``"D"`` a day, ``"W"`` an ISO week from the core's
    week origin, a Monday) holding each day number."""
    if grain == "D":
        return days
    origin = _retention.WEEK_ORIGIN_DAY
    starts: np.ndarray[Any, Any] = (days - origin) // 7 * 7 + origin
    return starts


def day_timestamp(day: int) -> pd.Timestamp:
    """Midnight of a day number, as a naive pandas Timestamp."""
    return pd.Timestamp(np.datetime64(day, "D"))


def day_number_of(timestamp: pd.Timestamp) -> int:
    """The day number of a naive pandas Timestamp (its date)."""
    return int((timestamp - _EPOCH).days)
