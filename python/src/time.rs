//! Dates and times from Python, as the core's types: a day argument (`datetime.date`) as a
//! [`Day`], a moment (an aware `datetime`, or Unix seconds with an offset) as a [`Timestamp`] and
//! a [`UtcOffset`]; days go back to Python as `datetime.date`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use retention_core::error::{Code, Coded};
use retention_core::time::{Date, Day, Timestamp, UtcOffset, WEEK_ORIGIN_DAY};

use crate::errors::{ToPyErr, raise};

static DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The calendar day of a `datetime.date` (or `datetime.datetime`, taken at its own local
/// date: naive as wall-clock time, aware in its own time zone; pandas `Timestamp` too).
pub(crate) fn day(value: &Bound<'_, PyAny>) -> PyResult<Day> {
    let part = |name: &str| value.getattr(name)?.extract::<i64>();
    let (year, month, day) = match (part("year"), part("month"), part("day")) {
        (Ok(year), Ok(month), Ok(day)) => (year, month, day),
        _ => {
            return Err(PyTypeError::new_err(format!(
                "expected a datetime.date, got {}",
                value.get_type().name()?
            )));
        }
    };
    let invalid = || {
        raise(
            Code::INVALID_ARGUMENT,
            format!("not a date: {year}-{month}-{day}"),
        )
    };
    let date = Date::new(
        i32::try_from(year).map_err(|_| invalid())?,
        u8::try_from(month).map_err(|_| invalid())?,
        u8::try_from(day).map_err(|_| invalid())?,
    )
    .map_err(ToPyErr::to_py)?;
    Ok(date.to_day())
}

/// `at` as Unix seconds and a UTC offset: an aware `datetime` (its own offset), or an int of
/// Unix seconds with `utc_offset_minutes`.
pub(crate) fn instant(
    at: &Bound<'_, PyAny>,
    utc_offset_minutes: Option<i16>,
) -> PyResult<(Timestamp, UtcOffset)> {
    let offset_of = |minutes: i16| {
        UtcOffset::from_minutes(minutes)
            .map_err(|error| raise(error.code(), format!("utc_offset_minutes: {error}")))
    };
    if let Ok(seconds) = at.extract::<i64>() {
        return Ok((
            Timestamp::from_unix(seconds),
            offset_of(utc_offset_minutes.unwrap_or(0))?,
        ));
    }
    if at.hasattr("utcoffset")? && at.hasattr("timestamp")? {
        if utc_offset_minutes.is_some() {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "utc_offset_minutes goes with a Unix timestamp; an aware datetime has its own offset",
            ));
        }
        let delta = at.call_method0("utcoffset")?;
        if delta.is_none() {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "a naive datetime is ambiguous: give it a tzinfo, or pass Unix seconds and \
                 utc_offset_minutes",
            ));
        }
        let days: i64 = delta.getattr("days")?.extract()?;
        let seconds: i64 = delta.getattr("seconds")?.extract()?;
        let micros: i64 = delta.getattr("microseconds")?.extract()?;
        let total = days.saturating_mul(86_400).saturating_add(seconds);
        if micros != 0 || total % 60 != 0 {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "the UTC offset must be whole minutes",
            ));
        }
        let minutes = i16::try_from(total / 60)
            .map_err(|_| raise(Code::INVALID_ARGUMENT, "UTC offset out of range"))?;
        // Whole seconds since the epoch, sub-seconds dropped.
        let utc = at.call_method0("utctimetuple")?;
        let unix: i64 = at
            .py()
            .import("calendar")?
            .call_method1("timegm", (utc,))?
            .extract()?;
        return Ok((Timestamp::from_unix(unix), offset_of(minutes)?));
    }
    Err(PyTypeError::new_err(format!(
        "`at` is an aware datetime or Unix seconds (int), not {}",
        at.get_type().name()?
    )))
}

/// The local day of `at`: a `datetime.date`, an aware `datetime`, or Unix seconds with
/// `utc_offset_minutes`.
pub(crate) fn local_day(at: &Bound<'_, PyAny>, utc_offset_minutes: Option<i16>) -> PyResult<Day> {
    if at.extract::<i64>().is_err() && !at.hasattr("hour")? {
        return day(at);
    }
    let (now, offset) = instant(at, utc_offset_minutes)?;
    now.local(offset)
        .map(|local| local.day())
        .map_err(ToPyErr::to_py)
}

/// A day as a `datetime.date`.
pub(crate) fn date(py: Python<'_>, day: Day) -> PyResult<Py<PyAny>> {
    let date = day.date();
    let class = DATE.import(py, "datetime", "date")?;
    Ok(class
        .call1((date.year(), date.month(), date.day()))?
        .unbind())
}

/// An optional day as a `datetime.date` or `None`.
pub(crate) fn optional_date(py: Python<'_>, day: Option<Day>) -> PyResult<Option<Py<PyAny>>> {
    day.map(|day| date(py, day)).transpose()
}

/// `WEEK_ORIGIN_DAY`: the day number of the Monday week 0 starts on.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("WEEK_ORIGIN_DAY", WEEK_ORIGIN_DAY)?;
    Ok(())
}
