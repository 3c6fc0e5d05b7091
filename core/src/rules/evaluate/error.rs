//! Why a basket could not be evaluated.

use core::fmt;

use crate::customer::{RecordError, UsageFull};
use crate::money::{AllocateError, Overflow};
use crate::rules::condition::MAX_CHURN_RISK;
use crate::rules::limits::MAX_LINES;
use crate::time::TimeError;

use super::MAX_CHANNEL;

/// Which outcome capacity a basket would exceed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutcomeCapacity {
    /// Line shares ([`crate::rules::limits::MAX_SHARES`]).
    Shares,
    /// Free-item entries ([`crate::rules::limits::MAX_FREE_ITEMS`]).
    FreeItems,
    /// Rewards ([`crate::rules::limits::MAX_REWARDS`]).
    Rewards,
    /// Usage counters of the customer record ([`crate::customer::MAX_USAGE_COUNTS`]).
    UsageCounts,
}

/// Why a basket could not be evaluated. The outcome is left empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EvalError {
    /// The basket has more than [`MAX_LINES`] lines.
    TooManyLines,
    /// A line's unit price is negative.
    NegativePrice {
        /// The line's index.
        line: u8,
    },
    /// A line's quantity is zero.
    ZeroQuantity {
        /// The line's index.
        line: u8,
    },
    /// An amount overflowed (a line's price × quantity, the basket total, a points total).
    Overflow,
    /// The churn risk is above 1000.
    ChurnRiskOutOfRange,
    /// The rule set pins a churn model ([`RuleSet::model_pin`](crate::rules::RuleSet::model_pin))
    /// and the context's churn risk comes from another model
    /// ([`Context::churn_model`](super::Context::churn_model)), or names none.
    ChurnModelNotPinned,
    /// The channel is above [`MAX_CHANNEL`].
    ChannelOutOfRange,
    /// The context's event has sequence number 0, which terminals never issue (they number
    /// their sales from 1): applying the outcome to a card or account would refuse it.
    InvalidEventId,
    /// The time cannot be turned into a local day (years 1900..=9999).
    Time(TimeError),
    /// The customer record is invalid.
    Customer(RecordError),
    /// The outcome cannot hold the result.
    Capacity(OutcomeCapacity),
    /// A state the engine believes impossible (a bug).
    Internal,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::TooManyLines => write!(f, "basket has more than {MAX_LINES} lines"),
            EvalError::NegativePrice { line } => write!(f, "line {line} has a negative price"),
            EvalError::ZeroQuantity { line } => write!(f, "line {line} has quantity 0"),
            EvalError::Overflow => f.write_str("arithmetic overflow"),
            EvalError::ChurnRiskOutOfRange => {
                write!(f, "churn risk above {MAX_CHURN_RISK}")
            }
            EvalError::ChurnModelNotPinned => {
                f.write_str("churn risk not from the model the rule set pins")
            }
            EvalError::ChannelOutOfRange => write!(f, "channel above {MAX_CHANNEL}"),
            EvalError::InvalidEventId => f.write_str("event sequence number 0 is never issued"),
            EvalError::Time(error) => write!(f, "time: {error}"),
            EvalError::Customer(error) => write!(f, "customer record: {error}"),
            EvalError::Capacity(which) => write!(
                f,
                "outcome capacity exceeded: {}",
                match which {
                    OutcomeCapacity::Shares => "line shares",
                    OutcomeCapacity::FreeItems => "free items",
                    OutcomeCapacity::Rewards => "rewards",
                    OutcomeCapacity::UsageCounts => "customer usage counters",
                }
            ),
            EvalError::Internal => f.write_str("internal error (a bug in the SDK)"),
        }
    }
}

impl core::error::Error for EvalError {}

impl From<Overflow> for EvalError {
    fn from(_: Overflow) -> EvalError {
        EvalError::Overflow
    }
}

impl From<AllocateError> for EvalError {
    fn from(error: AllocateError) -> EvalError {
        match error {
            AllocateError::Overflow => EvalError::Overflow,
            _ => EvalError::Internal,
        }
    }
}

impl From<UsageFull> for EvalError {
    fn from(_: UsageFull) -> EvalError {
        EvalError::Capacity(OutcomeCapacity::UsageCounts)
    }
}
