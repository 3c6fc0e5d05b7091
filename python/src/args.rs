//! Python values to core types and back, for the card, account, customer and rule bindings:
//! integer arguments read whatever their size and named in every error, event ids as
//! `(terminal, sequence)` tuples, seals, and strings as a repr writes them. Dates and times are
//! `time.rs`'s.
//!
//! Every integer parameter of the bindings is read through a function of [`arg`] (as its
//! `#[pyo3(from_py_with = ...)]`), so that a value out of range is a `ValidationError` naming the
//! argument and its range, and a value of another type a `TypeError` naming it: pyo3's own
//! extraction raises a bare `OverflowError` for `-1` or `2**70` and names nothing.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyMemoryView, PyString};
use retention_core::envelope::Seal;
use retention_core::error::Code;
use retention_core::terminal::EventId;

use crate::errors::{ToPyErr, raise};

/// An integer as Python gives it (an `int`, or an object with `__index__`; not a bool), widened
/// to `i128`; beyond 128 bits saturated, so that it still fails every range check.
fn integer(value: &Bound<'_, PyAny>, name: &str) -> PyResult<i128> {
    let wrong_type = || {
        PyTypeError::new_err(format!(
            "{name} must be an int, not {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string())
        ))
    };
    if value.is_instance_of::<PyBool>() {
        return Err(wrong_type());
    }
    match value.extract::<i128>() {
        Ok(number) => Ok(number),
        Err(error) if error.is_instance_of::<PyOverflowError>(value.py()) => {
            Ok(if value.lt(0)? { i128::MIN } else { i128::MAX })
        }
        Err(_) => Err(wrong_type()),
    }
}

/// An argument read from Python with its name in every error.
pub(crate) trait Argument: Sized {
    /// Reads `value`, the argument `name`.
    fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self>;
}

/// `number` shown in a message: beyond 128 bits it is only said to be beyond.
fn shown(number: i128) -> String {
    match number {
        i128::MAX => "a number beyond 2**127".to_string(),
        i128::MIN => "a number below -2**127".to_string(),
        _ => number.to_string(),
    }
}

macro_rules! integers {
    ($($ty:ty),*) => {$(
        impl Argument for $ty {
            fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
                let number = integer(value, name)?;
                <$ty>::try_from(number).map_err(|_| {
                    raise(
                        Code::INVALID_ARGUMENT,
                        format!(
                            "{name} must be in {}..={}, got {}",
                            <$ty>::MIN,
                            <$ty>::MAX,
                            shown(number)
                        ),
                    )
                })
            }
        }
    )*};
}
integers!(u8, u16, u32, u64, usize, i16, i32, i64);

/// Unchecked width: for the counts whose range [`count`] checks with its own bound.
impl Argument for i128 {
    fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        integer(value, name)
    }
}

impl Argument for String {
    fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        let text = value.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{name} must be a str, not {}",
                value
                    .get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        })?;
        text.extract::<String>()
    }
}

impl<T: Argument> Argument for Option<T> {
    fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        if value.is_none() {
            return Ok(None);
        }
        T::read(value, name).map(Some)
    }
}

/// The items of a sequence (not a string), each read as `name[index]`.
fn items(value: &Bound<'_, PyAny>, name: &str, shape: &str) -> PyResult<Vec<Py<PyAny>>> {
    let not_a_sequence = || {
        PyTypeError::new_err(format!(
            "{name} must be {shape}, not {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string())
        ))
    };
    if value.is_instance_of::<PyString>() {
        return Err(not_a_sequence());
    }
    let iterator = value.try_iter().map_err(|_| not_a_sequence())?;
    iterator.map(|item| item.map(Bound::unbind)).collect()
}

impl<T: Argument> Argument for Vec<T> {
    fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        let py = value.py();
        items(value, name, "a list")?
            .iter()
            .enumerate()
            .map(|(index, item)| T::read(item.bind(py), &format!("{name}[{index}]")))
            .collect()
    }
}

macro_rules! tuples {
    ($(($($t:ident $i:tt),+) = $len:literal;)*) => {$(
        impl<$($t: Argument),+> Argument for ($($t,)+) {
            fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
                let py = value.py();
                let items = items(value, name, concat!("a tuple of ", $len))?;
                if items.len() != $len {
                    return Err(raise(
                        Code::INVALID_ARGUMENT,
                        format!("{name} must have {} items, got {}", $len, items.len()),
                    ));
                }
                let none = py.None();
                Ok(($(
                    $t::read(items.get($i).unwrap_or(&none).bind(py), &format!("{name}[{}]", $i))?,
                )+))
            }
        }
    )*};
}
tuples! {
    (A 0, B 1) = 2;
    (A 0, B 1, C 2) = 3;
    (A 0, B 1, C 2, D 3) = 4;
}

/// A blob: `bytes`, `bytearray` or `memoryview` (contiguous), copied. Anything else (an int,
/// a str) is a `TypeError`.
pub(crate) struct Blob(pub(crate) Vec<u8>);

impl Argument for Blob {
    fn read(value: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        if let Ok(bytes) = value.cast::<PyBytes>() {
            return Ok(Blob(bytes.as_bytes().to_vec()));
        }
        if value.is_instance_of::<PyByteArray>() || value.is_instance_of::<PyMemoryView>() {
            let copied = value.py().get_type::<PyBytes>().call1((value,))?;
            if let Ok(bytes) = copied.cast::<PyBytes>() {
                return Ok(Blob(bytes.as_bytes().to_vec()));
            }
        }
        Err(PyTypeError::new_err(format!(
            "{name} must be bytes, bytearray or memoryview, not {}",
            value
                .get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string())
        )))
    }
}

/// The `from_py_with` readers of the bindings' integer parameters, one per name and type:
/// `arg::store` reads the `store` argument as the `u32` the core wants, naming it in errors.
pub(crate) mod arg {
    use pyo3::prelude::*;

    use super::{Argument, Blob};

    macro_rules! arguments {
        ($($function:ident: $ty:ty = $name:literal;)*) => {$(
            #[doc = concat!("The `", $name, "` argument.")]
            pub(crate) fn $function(value: &Bound<'_, PyAny>) -> PyResult<$ty> {
                <$ty as Argument>::read(value, $name)
            }
        )*};
    }

    arguments! {
        // Counts checked with their own bound by `count`.
        program: i128 = "program";
        stamps_per_reward: i128 = "stamps_per_reward";
        daily_limit: i128 = "daily_limit";
        lapse_after_days: i128 = "lapse_after_days";
        stamps: i128 = "stamps";
        expiry_months: i128 = "expiry_months";
        pending_days: i128 = "pending_days";
        points: i128 = "points";
        days: i128 = "days";
        window_months: i128 = "window_months";
        tier: i128 = "tier";
        segments: i128 = "segments";
        visits: i128 = "visits";
        // Of the core's own types.
        program_or_none: Option<u16> = "program";
        min_write_counter: u32 = "min_write_counter";
        min_serial: u32 = "min_serial";
        event: (u32, u32) = "event";
        original: (u32, u32) = "original";
        office: (u32, u32) = "office";
        refund: (u32, u32) = "refund";
        churn_event: Option<(u32, u32)> = "churn_event";
        birthday: Option<(u8, u8)> = "birthday";
        usage: Vec<(u16, String, i32, u16)> = "usage";
        frequency: u32 = "frequency";
        repeat_spend: i64 = "repeat_spend";
        sku: u32 = "sku";
        category: u32 = "category";
        quantity: u32 = "quantity";
        unit_price: i64 = "unit_price";
        store: u32 = "store";
        channel: u8 = "channel";
        coupons: Vec<u32> = "coupons";
        churn_risk: Option<u16> = "churn_risk";
        returned: Vec<u32> = "returned";
        before: Option<Vec<u32>> = "before";
        kind: u8 = "kind";
        payload_len: usize = "payload_len";
        data: Blob = "data";
    }
}

/// `value` (read by an [`arg`] function) as a `T`, or a `ValidationError` naming `what` and
/// its range `0..=max`.
pub(crate) fn count<T: TryFrom<i128>>(value: i128, what: &str, max: u64) -> PyResult<T> {
    if value >= 0 && value <= i128::from(max) {
        if let Ok(count) = T::try_from(value) {
            return Ok(count);
        }
    }
    Err(raise(
        Code::INVALID_ARGUMENT,
        format!("{what} must be in 0..={max}, got {}", shown(value)),
    ))
}

/// An event id from a `(terminal, sequence)` tuple.
pub(crate) fn event_id(id: (u32, u32)) -> EventId {
    EventId::new(id.0, id.1)
}

/// An event id as a `(terminal, sequence)` tuple.
pub(crate) fn event_tuple(id: EventId) -> (u32, u32) {
    (id.terminal.0, id.sequence)
}

/// A seal from a key and a context (a card's UID, a customer id).
pub(crate) fn seal<'a>(key: &'a [u8], context: &'a [u8]) -> PyResult<Seal<'a>> {
    Seal::new(key, context).map_err(ToPyErr::to_py)
}

/// `text` as Python writes a `str` in a repr: single-quoted.
pub(crate) fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}
