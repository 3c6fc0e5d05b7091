//! Dates and times from Python, as the core's types. Which calendar date or instant a Python,
//! pandas or NumPy value stands for is decided in one place, `retention/_time.py`
//! (`calendar_date`, `instant`, `local_day`); here its answer only becomes a [`Day`], a
//! [`Timestamp`] and a [`UtcOffset`], with the core's checks. Days go back to Python as
//! `datetime.date`.

use pyo3::call::PyCallArgs;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use retention_core::error::{Code, Coded};
use retention_core::time::{Date, Day, Timestamp, UtcOffset, WEEK_ORIGIN_DAY};

use crate::errors::{ToPyErr, raise};

static CALENDAR_DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static INSTANT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static LOCAL_DAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Calls the function `name` of `retention._time` (cached in `cell`) with `args`.
fn call_time<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    name: &str,
    args: impl PyCallArgs<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    cell.import(py, "retention._time", name)?.call1(args)
}

/// The calendar day of the day argument `name` (`_time.calendar_date`: a `datetime.date`, or
/// a `datetime` at its own date). Raises `TypeError` for other values, `ValidationError` for
/// None, NaT or a date the core does not support, naming the argument.
pub(crate) fn day(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Day> {
    let date = call_time(value.py(), &CALENDAR_DATE, "calendar_date", (value, name))?;
    let (year, month, day): (i64, i64, i64) = date.extract()?;
    day_of(year, month, day)
}

/// The core's day of a calendar date.
fn day_of(year: i64, month: i64, day: i64) -> PyResult<Day> {
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

/// `at` as Unix seconds and a UTC offset (`_time.instant`: an aware `datetime` at its own
/// offset, a naive one as local time, or Unix seconds with `utc_offset_minutes`, default 0;
/// the offset is checked there).
pub(crate) fn instant(
    at: &Bound<'_, PyAny>,
    utc_offset_minutes: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Timestamp, UtcOffset)> {
    let instant = call_time(at.py(), &INSTANT, "instant", (at, utc_offset_minutes))?;
    let (seconds, minutes): (i64, i16) = instant.extract()?;
    instant_of(seconds, minutes)
}

/// The core's instant and offset of Unix seconds and offset minutes.
fn instant_of(seconds: i64, minutes: i16) -> PyResult<(Timestamp, UtcOffset)> {
    let offset = UtcOffset::from_minutes(minutes)
        .map_err(|error| raise(error.code(), format!("utc_offset_minutes: {error}")))?;
    Ok((Timestamp::from_unix(seconds), offset))
}

/// The local day of `at` (`_time.local_day`: a `datetime.date` as it is, otherwise the local
/// day of its [`instant`]).
pub(crate) fn local_day(
    at: &Bound<'_, PyAny>,
    utc_offset_minutes: Option<&Bound<'_, PyAny>>,
) -> PyResult<Day> {
    let source = call_time(at.py(), &LOCAL_DAY, "local_day", (at, utc_offset_minutes))?;
    // A `_time.CalendarDate` has three numbers, an `_time.Instant` two.
    if let Ok((year, month, day)) = source.extract::<(i64, i64, i64)>() {
        return day_of(year, month, day);
    }
    let (seconds, minutes): (i64, i16) = source.extract()?;
    let (now, offset) = instant_of(seconds, minutes)?;
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

/// `WEEK_ORIGIN_DAY`: the day number of the Monday week 0 starts on, for `retention._time`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("WEEK_ORIGIN_DAY", WEEK_ORIGIN_DAY)?;
    Ok(())
}
