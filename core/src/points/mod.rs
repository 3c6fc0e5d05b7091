//! Loyalty points: the [`Points`] count, and the [`Account`] a customer holds them in —
//! lots with earn and expiry dates, a returns window, redemption soonest-expiring first,
//! clawback of refunded transactions, debt, and a tier-qualification history.
//!
//! # The account
//!
//! Points are kept in **lots by calendar month**: all points earned in one month (local time)
//! form one lot, which expires at the end of the month [`AccountProgram::expiry_months`] later
//! ("points expire at the end of the 12th month after the month they were earned"), or never.
//! Same-month points share an expiry day, so they are one lot; an account therefore needs at
//! most `expiry_months + 1` lots, and [`MAX_LOTS`] (14) covers every program this SDK accepts.
//! For points that never expire, when the lots are full the two oldest (which share the
//! expiry "never") merge; no point is ever lost.
//!
//! - **Pending.** With [`AccountProgram::pending_days`] > 0, earned points are *pending* —
//!   neither spendable nor counted for tiers — until the returns window closes,
//!   `pending_days` after they were earned. A lot's pending points share one date, that of its
//!   latest earning: an earlier earning of the same month may wait up to `pending_days` longer
//!   than its own window (never shorter).
//! - **Redemption** takes available points soonest-expiring first, and is refused beyond the
//!   available balance ([`AccountError::InsufficientPoints`]).
//! - **Expiry** happens at `today`: a lot past its expiry day loses what it still holds. Every
//!   event applies expiry first; queries take `today` and count as of that day.
//! - **Clawback** of a refunded transaction's points (the rule engine's `Clawback`) takes from
//!   pending points first (the newest lot first, where the refunded sale's points most likely
//!   still are), then from available points soonest-expiring first; what is left is **debt**,
//!   reported, never wrapped and never zeroed. Later earnings repay the debt first (points
//!   that repay debt do not count for tiers). The clawed points stop counting for tiers.
//! - **Idempotent.** Every event carries its [`EventId`]; the account keeps the highest sequence
//!   number seen per terminal ([`MAX_TERMINALS`]), and an event not above it changes nothing.
//! - **Tier qualification.** [`Account::qualifying_points`]: points earned, net of clawbacks and
//!   not pending, over a rolling window of up to [`MAX_TIER_WINDOW_MONTHS`] calendar months.
//!   Lots stay (empty) for that long after they are spent or expire, for this history.
//!
//! # Merging offline copies
//!
//! [`Account::merge`] is exact, and commutative, associative and idempotent, where one copy has
//! seen every event the other has (by the per-terminal sequence numbers): the result is that
//! copy. Two copies that each took events the other lacks are **refused**
//! ([`AccountMergeError::ConcurrentCopies`]): lots by month, kept in a few hundred bytes, do not
//! record which terminal earned or spent which point, so no bounded state can combine them
//! without risking a wrong balance. The back office merges them instead by **replaying** one
//! copy's events (from the terminals' event logs) onto the other: [`Account::apply`] is
//! idempotent, so an event the copy already holds changes nothing, and then the merge succeeds.
//! (Punch cards, whose state is a per-terminal counter, merge concurrent copies directly; see
//! [`crate::card`].)
//!
//! ```
//! use retention_core::points::{Account, AccountEvent, AccountProgram, Points};
//! use retention_core::terminal::EventId;
//! use retention_core::time::Date;
//!
//! let program = AccountProgram { expiry_months: 12, pending_days: 14 };
//! let march_5 = Date::new(2024, 3, 5)?.to_day();
//! let account = Account::new(program)?
//!     .apply(&AccountEvent::Earn { id: EventId::new(1, 1), points: Points(120) }, march_5)?;
//! // Pending until the returns window closes on 2024-03-19.
//! assert_eq!(account.summary(march_5)?.pending, Points(120));
//! let march_19 = Date::new(2024, 3, 19)?.to_day();
//! assert_eq!(account.summary(march_19)?.available, Points(120));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::envelope::DecodeError;
use crate::money::Overflow;
use crate::terminal::EventId;

mod account;
mod encoding;
mod merge;
mod queries;
#[cfg(test)]
mod tests;

pub use account::Account;
pub use encoding::{HEADER_LEN, LOT_LEN, MAX_ENCODED_LEN, MAX_PAYLOAD_LEN, TERMINAL_LEN};
pub use queries::AccountSummary;

/// A number of loyalty points.
///
/// ```
/// use retention_core::points::Points;
/// let balance = Points(120).checked_add(Points(30))?;
/// assert_eq!(balance, Points(150));
/// assert!(Points(10).checked_sub(Points(11)).is_err());
/// # Ok::<(), retention_core::money::Overflow>(())
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Points(pub u64);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);

    /// `self + other`, or [`Overflow`].
    pub const fn checked_add(self, other: Points) -> Result<Points, Overflow> {
        match self.0.checked_add(other.0) {
            Some(v) => Ok(Points(v)),
            None => Err(Overflow),
        }
    }

    /// `self - other`, or [`Overflow`] when `other` is larger (points never go below zero; a
    /// shortfall is the caller's to report, for example as debt).
    pub const fn checked_sub(self, other: Points) -> Result<Points, Overflow> {
        match self.0.checked_sub(other.0) {
            Some(v) => Ok(Points(v)),
            None => Err(Overflow),
        }
    }

    /// `self - other`, or zero, together with the shortfall `other - self` (zero when there is
    /// enough).
    #[must_use]
    pub const fn take(self, other: Points) -> (Points, Points) {
        if other.0 > self.0 {
            // other > self, so the difference cannot underflow.
            #[allow(clippy::arithmetic_side_effects)]
            let shortfall = other.0 - self.0;
            (Points(0), Points(shortfall))
        } else {
            #[allow(clippy::arithmetic_side_effects)]
            let rest = self.0 - other.0;
            (Points(rest), Points(0))
        }
    }

    /// The sum of `points`, or [`Overflow`].
    pub fn checked_sum<I: IntoIterator<Item = Points>>(points: I) -> Result<Points, Overflow> {
        points
            .into_iter()
            .try_fold(Points::ZERO, |acc, p| acc.checked_add(p))
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} pts", self.0)
    }
}

/// Lots an account has room for: 13 months of a 12-month expiry plus one.
pub const MAX_LOTS: usize = 14;
/// Terminals an account keeps sequence numbers for; a ninth is
/// [`AccountError::TerminalSlotsFull`].
pub const MAX_TERMINALS: usize = 8;
/// The longest expiry, in months after the month of earning ([`MAX_LOTS`] − 1).
pub const MAX_EXPIRY_MONTHS: u8 = 13;
/// The longest returns window (pending period), in days.
pub const MAX_PENDING_DAYS: u8 = 90;
/// The longest tier-qualification window, in calendar months (the current one included).
pub const MAX_TIER_WINDOW_MONTHS: u8 = 12;
/// The most points one lot, or the debt, holds (they are stored in 32 bits).
pub const MAX_LOT_POINTS: u64 = u32::MAX as u64;

/// How an account's points age. Stored in every account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct AccountProgram {
    /// Points expire at the end of the month this many months after the month they were earned,
    /// 1..=[`MAX_EXPIRY_MONTHS`]; 0: they never expire.
    pub expiry_months: u8,
    /// Days earned points stay pending (the returns window), 0..=[`MAX_PENDING_DAYS`].
    pub pending_days: u8,
}

/// An event a terminal applies to an account; each carries the [`EventId`] that makes it
/// idempotent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum AccountEvent {
    /// Credit the points a transaction earned (a rule outcome's total points).
    Earn {
        /// The transaction.
        id: EventId,
        /// Points earned, at least 1.
        points: Points,
    },
    /// Spend available points (soonest-expiring first).
    Redeem {
        /// The redemption.
        id: EventId,
        /// Points to spend, at least 1.
        points: Points,
    },
    /// Take back the points of the refunded transaction `original` (pending first, then
    /// available; the rest becomes debt).
    Clawback {
        /// The refund.
        id: EventId,
        /// The transaction whose points are taken back.
        original: EventId,
        /// Points to take back, at least 1.
        points: Points,
    },
}

impl AccountEvent {
    /// The event's own id.
    #[must_use]
    pub const fn id(&self) -> EventId {
        match *self {
            AccountEvent::Earn { id, .. }
            | AccountEvent::Redeem { id, .. }
            | AccountEvent::Clawback { id, .. } => id,
        }
    }
}

/// Why an [`AccountProgram`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountProgramError {
    /// `expiry_months` is above [`MAX_EXPIRY_MONTHS`].
    ExpiryTooLong,
    /// `pending_days` is above [`MAX_PENDING_DAYS`].
    PendingTooLong,
}

impl fmt::Display for AccountProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountProgramError::ExpiryTooLong => {
                write!(f, "expiry longer than {MAX_EXPIRY_MONTHS} months")
            }
            AccountProgramError::PendingTooLong => {
                write!(f, "pending period longer than {MAX_PENDING_DAYS} days")
            }
        }
    }
}

impl core::error::Error for AccountProgramError {}

/// Why an event, a query or [`Account::expire`] was refused. The account is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountError {
    /// The event's sequence number is 0 (terminals number their events from 1).
    InvalidEventId,
    /// An earning, redemption or clawback of zero points.
    ZeroPoints,
    /// A redemption beyond the available points.
    InsufficientPoints {
        /// Points available now.
        available: Points,
    },
    /// A clawback of a transaction the account has never seen.
    UnknownTransaction,
    /// The account already holds [`MAX_TERMINALS`] terminals.
    TerminalSlotsFull,
    /// An earning for a month more than `expiry_months` before the newest lot (a terminal
    /// clock far behind) found no room.
    LotsFull,
    /// `today` lies outside the days an account stores (1970-01-02..=2149-06-06).
    DateOutOfRange,
    /// A tier window of 0 or more than [`MAX_TIER_WINDOW_MONTHS`] months.
    InvalidWindow,
    /// A lot or the debt would exceed [`MAX_LOT_POINTS`], or the write counter `u32::MAX`.
    Overflow,
    /// A state the code believes impossible (a bug): nothing was changed.
    Internal,
}

impl fmt::Display for AccountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountError::InvalidEventId => f.write_str("event sequence number 0 is never issued"),
            AccountError::ZeroPoints => f.write_str("zero points"),
            AccountError::InsufficientPoints { available } => {
                write!(f, "insufficient points: {available} available")
            }
            AccountError::UnknownTransaction => {
                f.write_str("the account has no record of the transaction to claw back")
            }
            AccountError::TerminalSlotsFull => {
                write!(f, "the account already holds {MAX_TERMINALS} terminals")
            }
            AccountError::LotsFull => write!(f, "no room for another lot ({MAX_LOTS} lots)"),
            AccountError::DateOutOfRange => {
                f.write_str("day outside the account's range 1970-01-02..=2149-06-06")
            }
            AccountError::InvalidWindow => {
                write!(f, "tier window must be 1..={MAX_TIER_WINDOW_MONTHS} months")
            }
            AccountError::Overflow => f.write_str("a balance would overflow"),
            AccountError::Internal => f.write_str("internal error (a bug in the SDK)"),
        }
    }
}

impl core::error::Error for AccountError {}

/// Why two copies of an account could not be merged. Both are unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountMergeError {
    /// The copies have different programs.
    ProgramMismatch,
    /// Each copy holds events the other lacks: replay one copy's events onto the other first.
    ConcurrentCopies,
    /// The copies hold the same events but different balances (a terminal applied one event to
    /// two copies, or clocks disagree by more than a year).
    Diverged,
    /// The larger write counter is already `u32::MAX`.
    WriteCounterExhausted,
}

impl fmt::Display for AccountMergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccountMergeError::ProgramMismatch => "the copies have different programs",
            AccountMergeError::ConcurrentCopies => {
                "each copy holds events the other lacks: replay one onto the other"
            }
            AccountMergeError::Diverged => "the copies hold the same events but different balances",
            AccountMergeError::WriteCounterExhausted => "the account's write counter is full",
        })
    }
}

impl core::error::Error for AccountMergeError {}

/// Why an account blob was not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountReadError {
    /// The blob was refused (see [`DecodeError`]).
    Blob(DecodeError),
    /// An authentic copy older than one the caller has seen: its write counter is below
    /// `min_write_counter`.
    OlderCopy {
        /// The blob's write counter.
        write_counter: u32,
        /// The smallest counter the caller accepts.
        min_write_counter: u32,
    },
}

impl From<DecodeError> for AccountReadError {
    fn from(error: DecodeError) -> AccountReadError {
        AccountReadError::Blob(error)
    }
}

impl fmt::Display for AccountReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountReadError::Blob(error) => error.fmt(f),
            AccountReadError::OlderCopy {
                write_counter,
                min_write_counter,
            } => write!(
                f,
                "older copy refused: write counter {write_counter} is below {min_write_counter}"
            ),
        }
    }
}

impl core::error::Error for AccountReadError {}

#[cfg(test)]
mod points_tests {
    use super::*;

    #[test]
    fn checked() {
        assert_eq!(Points(u64::MAX).checked_add(Points(1)), Err(Overflow));
        assert_eq!(Points(5).checked_sub(Points(6)), Err(Overflow));
        assert_eq!(Points(5).take(Points(8)), (Points(0), Points(3)));
        assert_eq!(Points(8).take(Points(5)), (Points(3), Points(0)));
        assert_eq!(Points::checked_sum([Points(1), Points(2)]), Ok(Points(3)));
        assert_eq!(Points(42).to_string(), "42 pts");
    }
}
