//! Loyalty points: the [`Points`] count, and the [`Account`] a customer holds them in —
//! lots with earn and expiry dates, a returns window, redemption soonest-expiring first,
//! clawback of refunded transactions, debt, a tier-qualification history — kept by terminals
//! that are often offline, and merged.
//!
//! # The rules
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
//! - **Redemption** takes available points soonest-expiring first, and is refused beyond what
//!   is available on the copy at hand ([`AccountError::InsufficientPoints`]).
//! - **Expiry** happens day by day: the day after a lot's last day it loses what it still
//!   holds. Queries take `today` and answer as of that day (or the account's day, if later).
//! - **Clawback** of a refunded transaction's points (the rule engine's `Clawback`) takes from
//!   pending points first (the newest lot first, where the refunded sale's points most likely
//!   still are), then from available points soonest-expiring first; what is left is **debt**,
//!   reported, never wrapped and never zeroed. Later earnings repay the debt first (points
//!   that repay debt do not count for tiers). The clawed points stop counting for tiers.
//! - **Overdrawn.** A redemption made on two offline copies from the same points is found when
//!   they merge: what the balance did not cover is **overdrawn** — owed, reported in
//!   [`AccountSummary::overdrawn`] and inside [`AccountSummary::debt`], never hidden or wrapped.
//!   It is repaid from the next available points (released pending points, new earnings),
//!   soonest-expiring first, and while it is owed nothing is available to redeem.
//! - **Tier qualification.** [`Account::qualifying_points`]: points earned, net of clawbacks and
//!   not pending, over a rolling window of up to [`MAX_TIER_WINDOW_MONTHS`] calendar months.
//!   Lots stay (empty) for that long after they are spent or expire, for this history.
//! - **Limits.** An event, and a lot, holds at most [`MAX_LOT_POINTS`] (2^24 − 1) points; debt
//!   and overdraft at most [`MAX_OWED_POINTS`] each ([`AccountError::Overflow`]).
//!
//! # State: a checkpoint and recent events
//!
//! Every event carries its [`EventId`] (terminal, sequence). An account holds:
//!
//! - a **checkpoint** — lots, debt, overdraft, the day they are settled to, and per terminal a
//!   *watermark*: the highest sequence number folded into the checkpoint (at most
//!   [`MAX_TERMINALS`] terminals);
//! - up to [`MAX_RECENT_EVENTS`] **recent events** above the watermarks, each kept in full: id,
//!   local day, kind (earn, redeem, clawback) and points.
//!
//! Everything the account reports is a **replay** of the recent events onto the checkpoint in a
//! canonical order — by day; within a day earnings, then redemptions, then clawbacks; then by
//! event id — never in the order they arrived. (Earnings first in a day, so that a redemption a
//! copy accepted is never overdrawn by another terminal's earning of that day sorting after
//! it; redemptions before clawbacks, so that a refund cannot make a same-day redemption look
//! overdrawn.) So a copy's balances depend only on which events it holds.
//!
//! - **Idempotent.** An event at or below its terminal's watermark, or among the recent events,
//!   is already applied ([`Account::has_applied`]): applying it again changes nothing.
//! - **Compaction.** When an event fills the recent events, recent events are folded into the
//!   checkpoint at once, raising the watermarks: those of every day before the latest day
//!   among them, or else those sorting before the new event — a prefix of the canonical order
//!   either way, so no balance changes. Copies forked from one account (after a sync) fold
//!   prefixes of the events they share, so they still merge. Only when no such prefix exists
//!   (a terminal's clock went back) does the next event fold them all.
//!
//! # Merging offline copies
//!
//! [`Account::merge`] takes the **newer checkpoint** — the one whose watermarks are at or above
//! the other's for every terminal (equal watermarks must mean identical checkpoints) — and the
//! **union** of both copies' recent events above its watermarks, each event once, replayed.
//! That is a join (the larger of a chain, the union of sets, a deterministic replay):
//! commutative, associative and idempotent, nothing lost or counted twice, wherever the copies
//! merge at all. Two copies that each earned or redeemed offline merge; a redemption made on
//! both shows as overdrawn. Where bounded state cannot merge without breaking a law the merge
//! is refused, both copies unchanged, each with its remedy:
//!
//! - [`AccountMergeError::IncomparableCheckpoints`]: both copies were compacted since they
//!   diverged (each took more than its share of the free recent events offline). The back
//!   office keeps one copy and applies to it, from the terminals' event logs, every event of
//!   the other copy's terminals above this copy's [`Account::last_events`] — each terminal's
//!   events in order, from the first one missing — then retires the other copy.
//! - [`AccountMergeError::RecentEventsFull`]: the copies hold more than [`MAX_RECENT_EVENTS`]
//!   recent events together above the newer checkpoint. The same remedy.
//! - [`AccountMergeError::TerminalSlotsFull`], [`AccountMergeError::Diverged`] (one event id
//!   with two effects: a terminal reused a sequence number), [`AccountMergeError::Overflow`]:
//!   the back office rebuilds the account from its event log.
//!
//! **The per-terminal prefix rule.** Like a punch card's, an account assumes that a terminal
//! applies its events only to a copy holding all its earlier events for that account
//! (firmware merges the presented copy with its cached last image for that customer before
//! applying; the back office replays a terminal's events in order). A watermark then means
//! "every event of this terminal up to here", and merging drops the other copy's events at or
//! below it as already folded. What the account detects: an event at or below its terminal's
//! watermark is taken as applied (it is, under the rule); an event above the watermark that
//! arrives after a later event of its terminal is kept exactly (the recent events are a set).
//! What it cannot detect: a terminal that broke the rule, writing an event to a copy lacking
//! its earlier ones, loses those earlier ones when that copy compacts and then merges — the
//! watermark claims events the checkpoint never saw; only the event log shows it.
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
//!
//! // Two offline terminals each redeem 100 of the 120, and each earns 50 more.
//! let redeem = |terminal, points| AccountEvent::Redeem { id: EventId::new(terminal, 1), points: Points(points) };
//! let earn = |terminal| AccountEvent::Earn { id: EventId::new(terminal, 2), points: Points(50) };
//! let till_2 = account.apply(&redeem(2, 100), march_19)?.apply(&earn(2), march_19)?;
//! let till_3 = account.apply(&redeem(3, 100), march_19)?.apply(&earn(3), march_19)?;
//! let merged = till_2.merge(&till_3)?;
//! let s = merged.summary(march_19)?;
//! // 200 redeemed from 120: 80 overdrawn and owed; the 100 earned are pending.
//! assert_eq!((s.available, s.pending, s.debt, s.overdrawn), (Points(0), Points(100), Points(80), Points(80)));
//! // When they are released (2024-04-02) they repay the 80 first.
//! let april_2 = Date::new(2024, 4, 2)?.to_day();
//! assert_eq!(merged.summary(april_2)?.available, Points(20));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::envelope::DecodeError;
use crate::money::Overflow;
use crate::terminal::EventId;

mod account;
mod encoding;
mod ledger;
mod merge;
#[cfg(test)]
mod proptests;
mod queries;
mod recent;
#[cfg(test)]
mod tests;

pub use account::Account;
pub use encoding::{
    EVENT_LEN, HEADER_LEN, LOT_LEN, MAX_ENCODED_LEN, MAX_PAYLOAD_LEN, PENDING_LEN, TERMINAL_LEN,
};
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
/// Recent events an account keeps in full above its checkpoint; the next event beyond them
/// compacts the account first, and a merge whose copies hold more together is
/// [`AccountMergeError::RecentEventsFull`].
pub const MAX_RECENT_EVENTS: usize = 8;
/// Lots of a checkpoint with pending points: a returns window of at most [`MAX_PENDING_DAYS`]
/// (90) days spans at most 4 calendar months.
pub const MAX_PENDING_LOTS: usize = 4;
/// The longest expiry, in months after the month of earning ([`MAX_LOTS`] − 1).
pub const MAX_EXPIRY_MONTHS: u8 = 13;
/// The longest returns window (pending period), in days.
pub const MAX_PENDING_DAYS: u8 = 90;
/// The longest tier-qualification window, in calendar months (the current one included).
pub const MAX_TIER_WINDOW_MONTHS: u8 = 12;
/// The most points one event carries, and one lot holds (they are stored in 24 bits):
/// 16,777,215.
pub const MAX_LOT_POINTS: u64 = 0x00FF_FFFF;
/// The most points the account owes, as debt or as overdraft (each stored in 32 bits).
pub const MAX_OWED_POINTS: u64 = u32::MAX as u64;

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
    /// A redemption beyond the points available on this copy.
    InsufficientPoints {
        /// Points available now.
        available: Points,
    },
    /// A clawback of a transaction the account has never seen.
    UnknownTransaction,
    /// The account already holds [`MAX_TERMINALS`] terminals.
    TerminalSlotsFull,
    /// `today` lies outside the days an account stores (1970-01-02..=2149-06-06).
    DateOutOfRange,
    /// A tier window of 0 or more than [`MAX_TIER_WINDOW_MONTHS`] months.
    InvalidWindow,
    /// An event or a lot beyond [`MAX_LOT_POINTS`], what is owed beyond [`MAX_OWED_POINTS`],
    /// or the write counter beyond `u32::MAX`.
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
            AccountError::DateOutOfRange => {
                f.write_str("day outside the account's range 1970-01-02..=2149-06-06")
            }
            AccountError::InvalidWindow => {
                write!(f, "tier window must be 1..={MAX_TIER_WINDOW_MONTHS} months")
            }
            AccountError::Overflow => write!(
                f,
                "points beyond {MAX_LOT_POINTS} in an event or a lot, or a counter full"
            ),
            AccountError::Internal => f.write_str("internal error (a bug in the SDK)"),
        }
    }
}

impl core::error::Error for AccountError {}

/// Why two copies of an account could not be merged. Both are unchanged. Each is a case where
/// bounded state cannot merge without breaking a law; the [module documentation](self) gives
/// the back office's remedy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountMergeError {
    /// The copies have different programs.
    ProgramMismatch,
    /// Both copies were compacted since they diverged: each checkpoint folded events the other
    /// does not hold, and which ones is no longer known.
    IncomparableCheckpoints,
    /// The copies hold more than [`MAX_RECENT_EVENTS`] recent events together above the newer
    /// checkpoint.
    RecentEventsFull,
    /// The copies hold more than [`MAX_TERMINALS`] terminals together.
    TerminalSlotsFull,
    /// One event id with two different effects (a terminal reused a sequence number), or equal
    /// watermarks with different checkpoints.
    Diverged,
    /// The merged account would hold a lot beyond [`MAX_LOT_POINTS`] or owe beyond
    /// [`MAX_OWED_POINTS`].
    Overflow,
    /// The larger write counter is already `u32::MAX`.
    WriteCounterExhausted,
    /// A state the code believes impossible (a bug).
    Internal,
}

impl fmt::Display for AccountMergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountMergeError::ProgramMismatch => f.write_str("the copies have different programs"),
            AccountMergeError::IncomparableCheckpoints => {
                f.write_str("both copies were compacted since they diverged")
            }
            AccountMergeError::RecentEventsFull => write!(
                f,
                "the copies hold more than {MAX_RECENT_EVENTS} recent events together"
            ),
            AccountMergeError::TerminalSlotsFull => {
                write!(
                    f,
                    "the copies hold more than {MAX_TERMINALS} terminals together"
                )
            }
            AccountMergeError::Diverged => {
                f.write_str("the copies disagree on an event or on their checkpoint")
            }
            AccountMergeError::Overflow => f.write_str("the merged balance would overflow"),
            AccountMergeError::WriteCounterExhausted => {
                f.write_str("the account's write counter is full")
            }
            AccountMergeError::Internal => f.write_str("internal error (a bug in the SDK)"),
        }
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
