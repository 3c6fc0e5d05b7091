//! The recent events an account keeps in full above its checkpoint, and their canonical order.

use core::cmp::Ordering;

use super::{AccountError, AccountEvent, MAX_LOT_POINTS, Points};
use crate::terminal::EventId;
use crate::time::Day;

/// What a recent event does. The order of the variants is the order of events of one day in
/// the canonical replay: earnings, then redemptions, then clawbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum RecentKind {
    /// Points credited.
    Earn,
    /// Points spent.
    Redeem,
    /// Points of a refunded transaction taken back.
    Clawback,
}

impl RecentKind {
    /// The kind's code in the account layout.
    pub(super) const fn code(self) -> u8 {
        match self {
            RecentKind::Earn => 0,
            RecentKind::Redeem => 1,
            RecentKind::Clawback => 2,
        }
    }

    /// The kind of a layout code.
    pub(super) const fn from_code(code: u8) -> Option<RecentKind> {
        match code {
            0 => Some(RecentKind::Earn),
            1 => Some(RecentKind::Redeem),
            2 => Some(RecentKind::Clawback),
            _ => None,
        }
    }
}

/// One event as an account keeps it: everything its replay needs. (A clawback's original
/// transaction is checked when the clawback is applied and is not needed again.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Recent {
    /// The event.
    pub(super) id: EventId,
    /// The local day it was applied on.
    pub(super) day: Day,
    /// What it does.
    pub(super) kind: RecentKind,
    /// Its points, 1..=[`MAX_LOT_POINTS`].
    pub(super) points: u32,
}

impl Recent {
    /// The record of `event` applied on `day`; errors for zero points and points beyond
    /// [`MAX_LOT_POINTS`].
    pub(super) fn new(event: &AccountEvent, day: Day) -> Result<Recent, AccountError> {
        let (kind, points) = match *event {
            AccountEvent::Earn { points, .. } => (RecentKind::Earn, points),
            AccountEvent::Redeem { points, .. } => (RecentKind::Redeem, points),
            AccountEvent::Clawback { points, .. } => (RecentKind::Clawback, points),
        };
        let points = match points {
            Points(0) => return Err(AccountError::ZeroPoints),
            Points(p) if p > MAX_LOT_POINTS => return Err(AccountError::Overflow),
            // At most MAX_LOT_POINTS, so it fits in u32.
            Points(p) => u32::try_from(p).map_err(|_| AccountError::Overflow)?,
        };
        Ok(Recent {
            id: event.id(),
            day,
            kind,
            points,
        })
    }

    /// The canonical order of replay: by day, then earnings before redemptions before
    /// clawbacks, then by event id. Earnings first, so that a redemption a copy accepted is
    /// never overdrawn by another terminal's earning of the same day sorting after it;
    /// redemptions before clawbacks, so that a refund cannot make a same-day redemption look
    /// overdrawn (the refund's shortfall is debt either way).
    pub(super) fn canonical(&self, other: &Recent) -> Ordering {
        (self.day, self.kind, self.id).cmp(&(other.day, other.kind, other.id))
    }

    /// True if `other` is the same event (same id) with the same effect. A day may differ: a
    /// terminal that re-applied an event after a failed write on a later day.
    pub(super) fn same_event(&self, other: &Recent) -> bool {
        self.id == other.id && self.kind == other.kind && self.points == other.points
    }
}
