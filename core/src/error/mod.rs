//! One code and one class for every error: the single source the C statuses, the Python
//! exceptions and the tests derive from.
//!
//! Every error type of the core implements [`Coded`]: its [`Code`] (a stable number and name,
//! listed once in [`Code::ALL`]) and, through the code, its [`ErrorClass`]. The implementations
//! are exhaustive matches inside this crate, so a new error variant does not build until it has
//! a code. The C API returns `rtn_status` values generated from the same list (`cargo xtask gen`
//! writes `ffi/src/status/codes.rs`); the Python package raises the exception of the class,
//! with `.code` and `.code_name`.
//!
//! | numbers | area |
//! | --- | --- |
//! | 1–99 | general (a NULL pointer, a small buffer, an invalid argument, overflow, a bug) |
//! | 100–199 | blobs and keys |
//! | 200–299 | rules, customer records, applying outcomes |
//! | 300–399 | punch cards |
//! | 400–499 | points accounts |
//! | 500–599 | churn models |
//! | 600–699 | host tools: input columns, rule authoring, back-testing |
//! | 700–799 | host tools: churn fitting, transaction tables, metrics, targeting |
//!
//! The host tools' codes (600 and up) are never C statuses: only the Python package and `std`
//! Rust raise them.
//!
//! A code's doc line says what it means; [`RANGES`] and [`RETIRED`] hold the blocks and the
//! retired numbers (406 and 410). `CONTRIBUTING.md` says how to add a code.
//!
//! ```
//! use retention_core::envelope::DecodeError;
//! use retention_core::error::{Code, Coded, ErrorClass};
//!
//! let error = DecodeError::BadTag;
//! assert_eq!(error.code(), Code::DECODE_BAD_TAG);
//! assert_eq!((error.code().number(), error.code().name()), (107, "RTN_DECODE_BAD_TAG"));
//! assert_eq!(error.class(), ErrorClass::Authentication);
//! ```

mod classify;
mod codes;

use core::fmt;

use crate::time::TimeError;

pub use codes::{Code, CodeRange, RANGES, RETIRED, RetiredCode};

/// The family of an error: what the caller can do about it. Each [`Code`] has one; the Python
/// package raises one exception class per family (`retention.exceptions`).
///
/// Not `#[non_exhaustive]` on purpose: the bindings match it exhaustively, so a new class does
/// not build until each binding has said how it reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// A blob was refused: truncated, not a Retention blob, another kind or version, corrupt.
    /// Python: `DecodeError`.
    Decode,
    /// A tag or signature did not verify: wrong key, wrong context, forged, or unsigned where a
    /// signature is required. Python: `AuthenticationError` (a `DecodeError`).
    Authentication,
    /// A fixed capacity would be exceeded. Python: `CapacityError`.
    Capacity,
    /// An argument, a document or a stored value is invalid. Python: `ValidationError` (also a
    /// `ValueError`).
    Validation,
    /// Not allowed in the current state (no reward available, an older copy, a serial too
    /// old); nothing changed. Python: `StateError`.
    State,
    /// A fit or a series did not converge. Python: `ConvergenceError`.
    Convergence,
    /// A count, balance or model value would overflow. Python: `AmountOverflowError` (also an
    /// `ArithmeticError`).
    Overflow,
    /// A state the SDK believes impossible: a bug. Python: `InternalError`.
    Internal,
}

impl ErrorClass {
    /// Every class.
    pub const ALL: [ErrorClass; 8] = [
        ErrorClass::Decode,
        ErrorClass::Authentication,
        ErrorClass::Capacity,
        ErrorClass::Validation,
        ErrorClass::State,
        ErrorClass::Convergence,
        ErrorClass::Overflow,
        ErrorClass::Internal,
    ];
}

/// An error with a stable [`Code`]; its [`ErrorClass`] is the code's.
///
/// Implemented for every error type of the core by an exhaustive match in this module.
pub trait Coded {
    /// The error's code.
    fn code(&self) -> Code;

    /// The error's class: its code's.
    fn class(&self) -> ErrorClass {
        self.code().class()
    }
}

/// What a time was read for. A [`TimeError`] on its own is an invalid argument
/// ([`Code::INVALID_ARGUMENT`]); read for a card, an account, a card's expiry or a birthday, a
/// time outside the calendar is that domain's error (see [`TimeUseError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeUse {
    /// Today for a punch card: out of range is [`Code::CARD_DATE_OUT_OF_RANGE`].
    CardDay,
    /// Today for a points account: out of range is [`Code::ACCOUNT_DATE_OUT_OF_RANGE`].
    AccountDay,
    /// A card program's expiry day: [`Code::CARD_INVALID_PROGRAM`].
    CardExpiry,
    /// A customer's birthday: [`Code::CUSTOMER_INVALID_BIRTHDAY`].
    Birthday,
    /// A customer's first visit day: [`Code::CUSTOMER_INVALID_FIRST_VISIT`].
    FirstVisit,
    /// The day of a customer's feedback: [`Code::FEEDBACK_INVALID_DAY`].
    FeedbackDay,
}

impl TimeUse {
    /// Today for an outcome or a clawback applied to a card and an account together
    /// (`rules::apply`): the card's day when a card is given, the account's otherwise.
    #[must_use]
    pub const fn settle(card_given: bool) -> TimeUse {
        if card_given {
            TimeUse::CardDay
        } else {
            TimeUse::AccountDay
        }
    }

    /// `error`, met reading a time for this use.
    #[must_use]
    pub const fn refuse(self, error: TimeError) -> TimeUseError {
        TimeUseError {
            used_for: self,
            error,
        }
    }
}

/// A [`TimeError`] met reading a time for a [`TimeUse`]: the use decides its code. A UTC offset
/// beyond ±18:00 stays an invalid argument whatever the use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeUseError {
    /// What the time was for.
    pub used_for: TimeUse,
    /// What was wrong with it.
    pub error: TimeError,
}

impl fmt::Display for TimeUseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl core::error::Error for TimeUseError {}
