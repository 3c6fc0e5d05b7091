"""Dates and times between Python and the core: the one module that decides how Python, pandas,
polars, Arrow and NumPy dates and datetimes become what the core reads, and how the core's day and
period numbers become pandas values again.

The core reads an instant as Unix seconds with a UTC offset in minutes, and a local day as a
calendar date or a day number (days since 1970-01-01); it never sees a time zone. Every value
that becomes one of those goes through this module, the native extension's arguments included
(it calls :func:`calendar_date`, :func:`instant` and :func:`local_day`).

**The time rule** (every entry point: summaries, calibration and holdout, cohorts and rates, the
calendar plot, back-tests, ``RuleSet.evaluate``, ``ChurnModel.risk_of``, and every day argument
such as ``today=``):

1. A **naive** value (a ``datetime`` without ``tzinfo``, a naive pandas or polars column, NumPy
   ``datetime64``, a string without an offset) is **wall-clock local time**: it counts on the
   date and at the time of day it shows.
2. A **time-zone-aware** value counts by its **local date and time in its own zone**
   (``2024-03-05 23:30+09:00`` is on 5 March, whatever the machine's or the store's zone).
   Convert a column to the stores' zone first (``.dt.tz_convert("Europe/Paris")``) when it is
   kept in another one (UTC, say).
3. **One column, one zone**: values of different zones (or aware and naive values) in one
   column are a :class:`~retention.ValidationError` whose message gives the remedy. Values of one
   zone across a daylight-saving change (one ``ZoneInfo``) are one zone.
4. **Numbers are instants only where the unit is explicit**: ``evaluate(at=)`` and
   ``risk_of(at=)`` read an int as Unix seconds (with ``utc_offset_minutes`` for the local time);
   a back-test reads an integer ``timestamp`` column in its ``timestamp_unit`` (seconds by
   default), local time being UTC + ``utc_offset_minutes``. Everywhere else (transaction tables,
   day arguments) an integer date is refused with a message saying how to convert it; it is never
   read as nanoseconds.
5. A missing value (``None``, ``NaT``, a null) is a :class:`~retention.ValidationError` naming
   the argument, or the column and row.

``utc_offset_minutes`` therefore only turns Unix seconds into local time, and places a naive
(local) value on the UTC time line; with an aware value it is an error (the value has its own
offset). ``docs/time.md`` is this rule for users, with examples.
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
from ._columns import arrow_to_pandas, integer_column, to_numpy
from .exceptions import ValidationError

__all__ = [
    "CalendarDate",
    "Instant",
    "calendar_date",
    "instant",
    "local_day",
    "wall_clock",
    "day_numbers",
    "day_number",
    "TIMESTAMP_UNITS",
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


def _is_missing(value: Any) -> bool:
    """None, NaT (pandas' or NumPy's) or a float NaN."""
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return isinstance(value, float) and value != value


def calendar_date(value: Any, name: str = "date") -> CalendarDate:
    """The calendar date of a day argument ``name``: a ``datetime.date``, or a ``datetime``
    (also a pandas ``Timestamp``) at its own wall-clock date, naive or aware (the time rule); a
    NumPy ``datetime64`` at its date; or any value with integer ``year``, ``month`` and ``day``.

    Raises :class:`~retention.ValidationError` for None or NaT, ``TypeError`` for anything else
    (an integer or a string included), both naming ``name``.
    """
    if type(value) is dt.date or type(value) is dt.datetime:
        return (value.year, value.month, value.day)
    if _is_missing(value):
        raise ValidationError(f"`{name}` is missing ({'None' if value is None else 'NaT'}): give a date")
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    try:
        date = (operator.index(value.year), operator.index(value.month), operator.index(value.day))
    except Exception:
        date = None
    if date is None or min(date) < _I64_MIN or max(date) > _I64_MAX:
        hint = " (a number is not a date: convert it, e.g. with datetime.date.fromtimestamp)" if _unix_seconds(value) is not None else ""
        raise TypeError(f"`{name}` must be a datetime.date, not {type(value).__name__}{hint}")
    return date


def _offset_minutes(at: Any) -> Optional[int]:
    """The UTC offset of an aware datetime in whole minutes; None for a naive one."""
    delta: Optional[dt.timedelta] = at.utcoffset()
    if delta is None:
        return None
    total = delta.days * 86_400 + delta.seconds
    if delta.microseconds != 0 or total % 60 != 0:
        raise ValidationError("the UTC offset must be whole minutes")
    minutes = total // 60
    if not _I16_MIN <= minutes <= _I16_MAX:
        raise ValidationError("UTC offset out of range")
    return minutes


def _check_offset(utc_offset_minutes: Any) -> Optional[int]:
    if utc_offset_minutes is None:
        return None
    minutes = _unix_seconds(utc_offset_minutes)
    if minutes is None or isinstance(utc_offset_minutes, bool):
        raise TypeError(f"utc_offset_minutes must be an int, not {type(utc_offset_minutes).__name__}")
    if not _I16_MIN <= minutes <= _I16_MAX:
        raise ValidationError(f"utc_offset_minutes must be in {_I16_MIN}..={_I16_MAX}, got {minutes}")
    return minutes


def instant(at: Any, utc_offset_minutes: Optional[int], name: str = "at") -> Instant:
    """The instant of ``at`` for ``RuleSet.evaluate`` (the time rule): Unix seconds (an int)
    with ``utc_offset_minutes`` (default 0); an aware ``datetime`` at its own offset; a naive
    ``datetime`` as local wall-clock time, placed on the time line with ``utc_offset_minutes``
    (default 0: the local time is what counts). Whole seconds, sub-seconds dropped.

    Raises :class:`~retention.ValidationError` for None or NaT, an offset that is not whole
    minutes, or ``utc_offset_minutes`` with an aware datetime; ``TypeError`` for anything else.
    """
    offset = _check_offset(utc_offset_minutes)
    seconds = _unix_seconds(at)
    if seconds is not None and not isinstance(at, bool):
        return (seconds, 0 if offset is None else offset)
    if _is_missing(at):
        raise ValidationError(f"`{name}` is missing ({'None' if at is None else 'NaT'}): give a datetime or Unix seconds")
    if isinstance(at, np.datetime64):
        at = pd.Timestamp(at).to_pydatetime()
    if hasattr(at, "utcoffset") and hasattr(at, "timestamp") and hasattr(at, "hour"):
        minutes = _offset_minutes(at)
        if minutes is None:
            local = calendar.timegm(at.timetuple())
            minutes = 0 if offset is None else offset
            return (local - 60 * minutes, minutes)
        if offset is not None:
            raise ValidationError(
                "utc_offset_minutes goes with Unix seconds or a naive (local) datetime; an aware "
                "datetime has its own offset"
            )
        return (calendar.timegm(at.utctimetuple()), minutes)
    raise TypeError(f"`{name}` is a datetime or Unix seconds (int), not {type(at).__name__}")


def local_day(at: Any, utc_offset_minutes: Optional[int], name: str = "at") -> Union[CalendarDate, Instant]:
    """What the local day of ``at`` comes from for ``ChurnModel.risk_of``: a value without a
    time of day (a ``datetime.date``) is that calendar date, three numbers
    (``utc_offset_minutes`` is not used); anything else is an :func:`instant`, two numbers,
    whose local day the core computes (a naive datetime's own date, an aware one's date in its
    zone, Unix seconds' date at ``utc_offset_minutes``)."""
    if _unix_seconds(at) is None and not _is_missing(at) and not hasattr(at, "hour") and not isinstance(at, np.datetime64):
        return calendar_date(at, name)
    return instant(at, utc_offset_minutes, name)


# --- columns ---------------------------------------------------------------------------------

def _zone_of(series: Any) -> Any:
    """The time zone of a pandas or polars datetime column (None when naive or not datetime)."""
    dtype = getattr(series, "dtype", None)
    return getattr(dtype, "tz", None) or getattr(dtype, "time_zone", None)


def _local_series(series: Any) -> Any:
    """A pandas or polars column with aware datetimes as naive wall-clock local times in their
    own zone (the time rule); any other column as it is."""
    dtype = series.dtype
    if getattr(dtype, "tz", None) is not None:  # pandas, aware
        return series.dt.tz_localize(None)
    if getattr(dtype, "time_zone", None) is not None:  # polars, aware
        return series.dt.replace_time_zone(None)
    return series


def _missing_error(column: str, row: int) -> ValidationError:
    return ValidationError(f"column `{column}` row {row} is missing (None/NaT): every row needs a date")


def _mixed_zones_error(column: str, values: Any) -> ValidationError:
    zones = []
    for value in values:
        zone = getattr(value, "tzinfo", None)
        label = "naive" if zone is None else str(zone)
        if isinstance(value, str):
            label = "as written"
        if label not in zones:
            zones.append(label)
        if len(zones) == 3:
            break
    found = f" (found {', '.join(zones)})" if len(zones) > 1 else ""
    return ValidationError(
        f"column `{column}` mixes time zones, or aware and naive values{found}: a value counts "
        "by its local date in its own zone, so one column holds one zone. Convert it to the "
        f"stores' zone first, e.g. pd.to_datetime(df[{column!r}], utc=True).dt.tz_convert(\"Europe/Paris\")"
    )


def _integer_dates_error(column: str) -> ValidationError:
    return ValidationError(
        f"column `{column}` holds numbers, not dates: a number's unit is ambiguous (seconds? "
        "nanoseconds?), so it is not read as a date. Convert it, e.g. "
        f"pd.to_datetime(df[{column!r}], unit=\"s\") for Unix seconds"
    )


def wall_clock(values: Any, column: str, datetime_format: Optional[str] = None) -> np.ndarray[Any, Any]:
    """A date column as naive NumPy ``datetime64`` values in local wall-clock time (the time
    rule): pandas, polars and Arrow columns, NumPy arrays, lists of dates, datetimes or strings
    (parsed with ``datetime_format``); aware values at their wall-clock time in their own zone.

    Raises :class:`~retention.ValidationError` naming ``column`` for numbers, mixed zones, a
    value that cannot be read, or a missing value (with its row).
    """
    values = arrow_to_pandas(values)
    if hasattr(values, "dtype") and hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = _local_series(values)
    array = to_numpy(values)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.dtype.kind == "M":
        missing = np.isnat(array)
        if missing.any():
            raise _missing_error(column, int(np.argmax(missing)))
        return array
    if array.dtype.kind in "biufc":
        raise _integer_dates_error(column)
    if array.dtype == object:
        for row, value in enumerate(array.tolist()):
            if _is_missing(value):
                raise _missing_error(column, row)
            if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                raise _integer_dates_error(column)
    try:
        converted = pd.to_datetime(pd.Series(array, dtype=object if array.dtype == object else None), format=datetime_format)
    except (ValueError, TypeError) as error:
        text = str(error)
        lowered = text.lower()
        if "utc=true" in lowered or "mixed timezones" in lowered or "mixed time zones" in lowered or "mix tz-aware" in lowered:
            raise _mixed_zones_error(column, array.tolist()) from None
        raise ValidationError(f"column `{column}`: dates could not be read: {error}") from None
    if getattr(converted.dtype, "tz", None) is not None:
        converted = converted.dt.tz_localize(None)
    missing = converted.isna().to_numpy()
    if missing.any():
        raise _missing_error(column, int(np.argmax(missing)))
    result: np.ndarray[Any, Any] = converted.to_numpy()
    return result


def day_numbers(values: Any, datetime_format: Optional[str], column: str = "date") -> np.ndarray[Any, Any]:
    """Day numbers (int64) of a transaction table's date column: each value's local date by
    the time rule (:func:`wall_clock`).

    Raises :class:`~retention.ValidationError` as :func:`wall_clock`.
    """
    array = wall_clock(values, column, datetime_format)
    days: np.ndarray[Any, Any] = (array.astype("datetime64[D]") - _EPOCH_DAY).astype(np.int64)
    return days


def day_number(value: Any, datetime_format: Optional[str], name: str = "date") -> int:
    """The day number of one date (``observation_period_end`` and the like), as
    :func:`day_numbers` reads a column (a ``datetime.date``, a datetime, a string; not a
    number)."""
    if _is_missing(value):
        raise ValidationError(f"`{name}` is missing ({'None' if value is None else 'NaT'}): give a date")
    if _unix_seconds(value) is not None or isinstance(value, float):
        raise ValidationError(
            f"`{name}` is a number, not a date: its unit is ambiguous; give a date, a datetime "
            "or a string"
        )
    return int(day_numbers(np.array([value], dtype=object), datetime_format, name)[0])


#: NumPy's names of the units a back-test's integer timestamps may be in.
TIMESTAMP_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def unix_seconds(
    series: Any, column: str, utc_offset_minutes: int, timestamp_unit: str = "s"
) -> Any:
    """A back-test's time column as contiguous Unix seconds (int64), rounded down, by the time
    rule: integers in ``timestamp_unit`` since 1970 (UTC; local time is UTC +
    ``utc_offset_minutes``); datetimes (pandas, polars, Arrow, NumPy, Python) as local
    wall-clock times, aware ones in their own zone, placed on the time line with
    ``utc_offset_minutes`` so that the local time the rules see is the one the value shows.

    Raises :class:`~retention.ValidationError` for an unknown unit, missing times (the row),
    values that are not integers or datetimes, mixed zones, or an aware column with a non-zero
    ``utc_offset_minutes``.
    """
    if timestamp_unit not in TIMESTAMP_UNITS:
        raise ValidationError(
            f"timestamp_unit must be one of {', '.join(map(repr, TIMESTAMP_UNITS))}, not {timestamp_unit!r}"
        )
    series = arrow_to_pandas(series)
    if _zone_of(series) is not None and utc_offset_minutes != 0:
        raise ValidationError(
            f"column `{column}` is time-zone aware: its values count in their own zone, so "
            "utc_offset_minutes (for Unix seconds and naive times) must stay 0"
        )
    raw = to_numpy(series)
    first = next((v for v in raw.tolist() if not _is_missing(v)), None) if raw.dtype == object else None
    numbers = raw.dtype.kind in "iuf" or (
        isinstance(first, (int, float, np.number)) and not isinstance(first, bool)
    )
    if numbers:
        values = integer_column(raw, column, np.int64)
        per_second = TIMESTAMP_UNITS[timestamp_unit]
        return np.ascontiguousarray(values // per_second if per_second > 1 else values)
    if raw.dtype.kind == "b":
        raise ValidationError(f"column `{column}` holds booleans, not times")
    local = wall_clock(series, column)
    seconds = local.astype("datetime64[s]").astype(np.int64)
    return np.ascontiguousarray(seconds - 60 * int(utc_offset_minutes))


def birthdays(series: Any) -> tuple[Any, Any]:
    """Month and day arrays (uint8, 0 for none) of a back-test's birthday column: dates,
    datetimes (their own date, the time rule) or ISO strings (their first 10 characters)."""
    series = arrow_to_pandas(series)
    if hasattr(series, "dtype") and not isinstance(series, np.ndarray):
        series = _local_series(series)
    values = to_numpy(series)
    if values.dtype == object or values.dtype.kind == "U":
        dates = [
            None if _is_missing(v) else dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v
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
