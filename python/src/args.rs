//! Python values to core types and back, for the card and account bindings: event ids as
//! `(terminal, sequence)` tuples, days as `datetime.date`, counts as checked integers.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use retention_core::envelope::Seal;
use retention_core::error::Code;
use retention_core::terminal::EventId;
use retention_core::time::{Date, Day};

use crate::errors::{ToPyErr, raise};

/// An event id from a `(terminal, sequence)` tuple.
pub(crate) fn event_id(id: (u32, u32)) -> EventId {
    EventId::new(id.0, id.1)
}

/// An event id as a `(terminal, sequence)` tuple.
pub(crate) fn event_tuple(id: EventId) -> (u32, u32) {
    (id.terminal.0, id.sequence)
}

/// The calendar day of a `datetime.date` (or `datetime.datetime`, taken at its own local
/// date: naive as wall-clock time, aware in its own time zone; pandas `Timestamp` too).
pub(crate) fn day(value: &Bound<'_, PyAny>) -> PyResult<Day> {
    let part = |name: &str| value.getattr(name)?.extract::<i64>();
    let (year, month, day) = match (part("year"), part("month"), part("day")) {
        (Ok(year), Ok(month), Ok(day)) => (year, month, day),
        _ => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
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

static DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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

/// `value` as a `T`, or a `ValidationError` naming `what` and its range.
pub(crate) fn count<T: TryFrom<i64>>(value: i64, what: &str, max: u64) -> PyResult<T> {
    T::try_from(value).map_err(|_| {
        raise(
            Code::INVALID_ARGUMENT,
            format!("{what} must be in 0..={max}, got {value}"),
        )
    })
}

/// A seal from a key and a context (a card's UID, a customer id).
pub(crate) fn seal<'a>(key: &'a [u8], context: &'a [u8]) -> PyResult<Seal<'a>> {
    Seal::new(key, context).map_err(ToPyErr::to_py)
}
