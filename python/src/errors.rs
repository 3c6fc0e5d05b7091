//! Core errors to Python exceptions. The exception classes live in `retention/exceptions.py`
//! (so that `ValidationError` can also be a `ValueError`); this file maps each core error enum,
//! exhaustively, to one of them, with the core's message.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use retention_core::card::{CardError, CardMergeError, CardReadError, ProgramError};
use retention_core::customer::RecordError;
use retention_core::envelope::{DecodeError, EncodeError, KeyError};
use retention_core::points::{
    AccountError, AccountMergeError, AccountProgramError, AccountReadError,
};
use retention_core::rules::ApplyError;
use retention_core::rules::backtest::BacktestError;
use retention_core::rules::{
    AuthoringError, AuthoringErrorKind, EvalError, LoadError, RefundError,
};

/// The exception families of `retention.exceptions`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Family {
    /// `retention.DecodeError`: a blob was refused.
    Decode,
    /// `retention.AuthenticationError`: a blob's tag did not verify.
    Authentication,
    /// `retention.CapacityError`: a fixed capacity would be exceeded.
    Capacity,
    /// `retention.ValidationError` (also a `ValueError`): an argument or document is invalid.
    Validation,
    /// `retention.StateError`: not allowed in the current state (no reward, an older copy).
    State,
    /// `retention.ConvergenceError`: a fit or a series did not converge.
    Convergence,
    /// `retention.AmountOverflowError` (also an `ArithmeticError`): a count, balance or model
    /// value would overflow.
    Overflow,
    /// `retention.InternalError`: a bug in the SDK.
    Internal,
}

static DECODE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static AUTHENTICATION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CAPACITY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VALIDATION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static CONVERGENCE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static OVERFLOW: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INTERNAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl Family {
    /// An exception of this family carrying `message`.
    pub(crate) fn err(self, message: impl std::fmt::Display) -> PyErr {
        let (cell, name) = match self {
            Family::Decode => (&DECODE, "DecodeError"),
            Family::Authentication => (&AUTHENTICATION, "AuthenticationError"),
            Family::Capacity => (&CAPACITY, "CapacityError"),
            Family::Validation => (&VALIDATION, "ValidationError"),
            Family::State => (&STATE, "StateError"),
            Family::Convergence => (&CONVERGENCE, "ConvergenceError"),
            Family::Overflow => (&OVERFLOW, "AmountOverflowError"),
            Family::Internal => (&INTERNAL, "InternalError"),
        };
        let message = message.to_string();
        Python::attach(|py| match cell.import(py, "retention.exceptions", name) {
            Ok(ty) => PyErr::from_type(ty.clone(), message),
            Err(import_error) => import_error,
        })
    }
}

/// A core error that has a Python exception.
pub(crate) trait ToPyErr {
    /// The exception, with the core's message.
    fn to_py(self) -> PyErr;
}

impl ToPyErr for DecodeError {
    fn to_py(self) -> PyErr {
        let family = match self {
            DecodeError::BadTag => Family::Authentication,
            DecodeError::SealRequired | DecodeError::SealNotApplicable => Family::Validation,
            DecodeError::OverCapacity => Family::Capacity,
            _ => Family::Decode,
        };
        family.err(self)
    }
}

impl ToPyErr for EncodeError {
    fn to_py(self) -> PyErr {
        let family = match self {
            EncodeError::PayloadTooLarge { .. } => Family::Capacity,
            EncodeError::Internal | EncodeError::BufferTooSmall { .. } => Family::Internal,
            _ => Family::Validation,
        };
        family.err(self)
    }
}

impl ToPyErr for KeyError {
    fn to_py(self) -> PyErr {
        Family::Validation.err(self)
    }
}

impl ToPyErr for ProgramError {
    fn to_py(self) -> PyErr {
        Family::Validation.err(self)
    }
}

impl ToPyErr for ApplyError {
    fn to_py(self) -> PyErr {
        match self {
            ApplyError::Card(error) => error.to_py(),
            ApplyError::Account(error) => error.to_py(),
            ApplyError::TooManyStamps { .. } => Family::Capacity.err(self),
            _ => Family::Internal.err(self),
        }
    }
}

impl ToPyErr for CardError {
    fn to_py(self) -> PyErr {
        let family = match self {
            CardError::WrongProgram { .. }
            | CardError::InvalidEventId
            | CardError::ZeroStamps
            | CardError::DateOutOfRange => Family::Validation,
            CardError::DailyLimitReached { .. }
            | CardError::NoRewardAvailable
            | CardError::UnknownTransaction
            | CardError::CardExpired => Family::State,
            CardError::TerminalSlotsFull | CardError::CounterFull => Family::Capacity,
            CardError::WriteCounterExhausted | CardError::GenerationExhausted => Family::Overflow,
            _ => Family::Internal,
        };
        family.err(self)
    }
}

impl ToPyErr for CardMergeError {
    fn to_py(self) -> PyErr {
        let family = match self {
            CardMergeError::ProgramMismatch => Family::Validation,
            CardMergeError::TerminalSlotsFull => Family::Capacity,
            CardMergeError::WriteCounterExhausted => Family::Overflow,
            _ => Family::Internal,
        };
        family.err(self)
    }
}

impl ToPyErr for CardReadError {
    fn to_py(self) -> PyErr {
        match self {
            CardReadError::Blob(error) => error.to_py(),
            CardReadError::OlderCopy { .. } => Family::State.err(self),
            _ => Family::Internal.err(self),
        }
    }
}

impl ToPyErr for AccountProgramError {
    fn to_py(self) -> PyErr {
        Family::Validation.err(self)
    }
}

impl ToPyErr for AccountError {
    fn to_py(self) -> PyErr {
        let family = match self {
            AccountError::InvalidEventId
            | AccountError::ZeroPoints
            | AccountError::DateOutOfRange
            | AccountError::InvalidWindow => Family::Validation,
            AccountError::InsufficientPoints { .. } | AccountError::UnknownTransaction => {
                Family::State
            }
            AccountError::TerminalSlotsFull => Family::Capacity,
            AccountError::Overflow => Family::Overflow,
            _ => Family::Internal,
        };
        family.err(self)
    }
}

impl ToPyErr for AccountMergeError {
    fn to_py(self) -> PyErr {
        let family = match self {
            AccountMergeError::ProgramMismatch => Family::Validation,
            AccountMergeError::IncomparableCheckpoints | AccountMergeError::Diverged => {
                Family::State
            }
            AccountMergeError::RecentEventsFull | AccountMergeError::TerminalSlotsFull => {
                Family::Capacity
            }
            AccountMergeError::Overflow | AccountMergeError::WriteCounterExhausted => {
                Family::Overflow
            }
            _ => Family::Internal,
        };
        family.err(self)
    }
}

impl ToPyErr for AccountReadError {
    fn to_py(self) -> PyErr {
        match self {
            AccountReadError::Blob(error) => error.to_py(),
            AccountReadError::OlderCopy { .. } => Family::State.err(self),
            _ => Family::Internal.err(self),
        }
    }
}

impl ToPyErr for AuthoringError {
    /// `ValidationError` (`CapacityError` for a document over a capacity) with the core's
    /// message, and the attributes `rule_id`, `rule_name` (None outside a rule) and `field`.
    fn to_py(self) -> PyErr {
        let family = match self.kind {
            AuthoringErrorKind::OverCapacity => Family::Capacity,
            _ => Family::Validation,
        };
        let error = family.err(&self);
        let rule = self.rule.as_ref();
        let attached = Python::attach(|py| {
            let value = error.value(py);
            value
                .setattr("rule_id", rule.and_then(|r| r.id))
                .and_then(|()| value.setattr("rule_name", rule.and_then(|r| r.name.clone())))
                .and_then(|()| value.setattr("field", self.field.clone()))
        });
        match attached {
            Ok(()) => error,
            Err(failed) => failed,
        }
    }
}

impl ToPyErr for LoadError {
    fn to_py(self) -> PyErr {
        match self {
            LoadError::Decode(error) => error.to_py(),
            LoadError::Unsigned | LoadError::BadSignature => Family::Authentication.err(self),
            LoadError::BadPublicKey => Family::Validation.err(self),
            LoadError::SerialTooOld { .. } => Family::State.err(self),
            _ => Family::Internal.err(self),
        }
    }
}

/// The family of an evaluation error.
fn eval_family(error: EvalError) -> Family {
    match error {
        EvalError::NegativePrice { .. }
        | EvalError::ZeroQuantity { .. }
        | EvalError::ChurnRiskOutOfRange
        | EvalError::ChannelOutOfRange
        | EvalError::Time(_)
        | EvalError::Customer(_) => Family::Validation,
        EvalError::TooManyLines | EvalError::Capacity(_) => Family::Capacity,
        EvalError::Overflow => Family::Overflow,
        _ => Family::Internal,
    }
}

impl ToPyErr for EvalError {
    fn to_py(self) -> PyErr {
        eval_family(self).err(self)
    }
}

impl ToPyErr for RefundError {
    fn to_py(self) -> PyErr {
        let family = match self {
            RefundError::WrongTransaction
            | RefundError::LineCountMismatch
            | RefundError::UnknownLine { .. }
            | RefundError::TooManyUnits { .. } => Family::Validation,
            RefundError::Overflow => Family::Overflow,
            _ => Family::Internal,
        };
        family.err(self)
    }
}

impl ToPyErr for RecordError {
    fn to_py(self) -> PyErr {
        Family::Validation.err(self)
    }
}

impl ToPyErr for BacktestError {
    fn to_py(self) -> PyErr {
        match self {
            BacktestError::Basket { error, .. } => eval_family(error).err(self),
            BacktestError::Interrupted => Family::Internal.err(self),
            _ => Family::Validation.err(self),
        }
    }
}

/// Checks that `retention.exceptions` is importable when the module loads, so that a broken
/// install fails at `import retention`, not at the first error.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.py().import("retention.exceptions")?;
    Ok(())
}
