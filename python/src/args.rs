//! Python values to core types and back, for the card, account, customer and rule bindings:
//! event ids as `(terminal, sequence)` tuples, counts as checked integers, seals, and strings as
//! a repr writes them. Dates and times are `time.rs`'s.

use pyo3::prelude::*;
use retention_core::envelope::Seal;
use retention_core::error::Code;
use retention_core::terminal::EventId;

use crate::errors::{ToPyErr, raise};

/// An event id from a `(terminal, sequence)` tuple.
pub(crate) fn event_id(id: (u32, u32)) -> EventId {
    EventId::new(id.0, id.1)
}

/// An event id as a `(terminal, sequence)` tuple.
pub(crate) fn event_tuple(id: EventId) -> (u32, u32) {
    (id.terminal.0, id.sequence)
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

/// `text` as Python writes a `str` in a repr: single-quoted.
pub(crate) fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}
