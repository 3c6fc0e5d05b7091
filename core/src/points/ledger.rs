//! The balance behind an account: lots by month, what is owed, settled up to a day.
//!
//! An account's checkpoint is a ledger, and every query replays the account's recent events onto
//! a copy of it ([`Ledger::apply`]), so the rules of this file are the account's rules: how an
//! earning, a redemption and a clawback change the lots, and what the passing of days does
//! (pending points released, lots expired, an overdraft repaid).

use heapless::Vec;

use super::recent::{Recent, RecentKind};
use super::{AccountError, AccountProgram, MAX_LOT_POINTS, MAX_LOTS, MAX_TIER_WINDOW_MONTHS};
use crate::bounded;
use crate::time::{Date, Day, days_in_month};

/// The points earned in one calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Lot {
    /// Months since 1970-01 of the earnings.
    pub(super) month: u16,
    /// Points earned, net of clawbacks: the tier history (not reduced by spending or expiry).
    pub(super) qualifying: u32,
    /// Points not yet spent or expired, pending ones included.
    pub(super) remaining: u32,
    /// The part of `remaining` not yet spendable.
    pub(super) pending: u32,
    /// The first day the pending points are spendable (`None` when nothing is pending).
    pub(super) pending_until: Option<Day>,
}

impl Lot {
    const fn new(month: u16) -> Lot {
        Lot {
            month,
            qualifying: 0,
            remaining: 0,
            pending: 0,
            pending_until: None,
        }
    }

    /// Spendable points.
    pub(super) const fn available(&self) -> u32 {
        self.remaining.saturating_sub(self.pending)
    }

    /// The last day the lot's points can be used; `None` if they never expire.
    pub(super) fn expires_on(&self, program: &AccountProgram) -> Option<Day> {
        month_end(self.expiry_month(program)?)
    }

    /// The month whose last day is the lot's last; `None` if its points never expire.
    fn expiry_month(&self, program: &AccountProgram) -> Option<u32> {
        (program.expiry_months != 0)
            .then(|| u32::from(self.month).saturating_add(u32::from(program.expiry_months)))
    }
}

/// Lots, debt and overdraft, settled up to `day`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Ledger {
    /// The day the ledger is settled to: the latest day an event or a settlement reached it.
    /// `None` for a ledger nothing has reached.
    pub(super) day: Option<Day>,
    /// Points owed because clawbacks took more than the account held. Repaid by the next
    /// earnings, which then do not count for tiers.
    pub(super) debt: u32,
    /// Points owed because redemptions took more than was available (a redemption made on two
    /// offline copies). Repaid from the next available points, soonest-expiring first.
    pub(super) overdrawn: u32,
    /// Lots by month of earning, oldest first (which is soonest-expiring first).
    pub(super) lots: Vec<Lot, MAX_LOTS>,
}

/// `a + b` as lot points (at most [`MAX_LOT_POINTS`]), or [`AccountError::Overflow`].
fn lot_sum(a: u32, b: u32) -> Result<u32, AccountError> {
    a.checked_add(b)
        .filter(|sum| u64::from(*sum) <= MAX_LOT_POINTS)
        .ok_or(AccountError::Overflow)
}

impl Ledger {
    /// Spendable points.
    pub(super) fn available(&self) -> u64 {
        self.lots.iter().map(|lot| u64::from(lot.available())).sum()
    }

    /// Points in their returns window.
    pub(super) fn pending(&self) -> u64 {
        self.lots.iter().map(|lot| u64::from(lot.pending)).sum()
    }

    /// Replays one event onto the ledger: settles up to its day, applies it, settles again
    /// (an earning dated before the ledger's day may already be due for release or expiry).
    /// The ledger is settled to its day before and after, so a settlement that cannot change
    /// anything is skipped: before an event of the ledger's day; after an earning of the
    /// ledger's day with nothing overdrawn (its points are neither due nor owed), and after a
    /// redemption or a clawback but for dropping a lot they emptied.
    pub(super) fn apply(
        &mut self,
        program: &AccountProgram,
        event: &Recent,
    ) -> Result<(), AccountError> {
        if self.day.is_none_or(|day| event.day > day) {
            self.settle(program, event.day)?;
        }
        match event.kind {
            RecentKind::Earn => {
                self.earn(program, event.points, event.day)?;
                if self.overdrawn > 0 || self.day.is_some_and(|day| event.day < day) {
                    self.settle(program, event.day)?;
                }
            }
            RecentKind::Redeem => {
                self.redeem(event.points)?;
                self.drop_spent_lots()?;
            }
            RecentKind::Clawback => {
                self.clawback(event.points)?;
                self.drop_spent_lots()?;
            }
        }
        Ok(())
    }

    /// Drops the empty lots older than every tier window (as of the ledger's day).
    fn drop_spent_lots(&mut self) -> Result<(), AccountError> {
        let Some(day) = self.day else {
            return Ok(());
        };
        let current = u32::from(month_of(day)?);
        self.lots.retain(|lot| {
            lot.remaining != 0
                || u32::from(lot.month).saturating_add(u32::from(MAX_TIER_WINDOW_MONTHS)) > current
        });
        Ok(())
    }

    /// Settles the ledger up to `to` (or its own day, if later). Day by day in effect: on every
    /// day something is due — a lot's points expire (the day after its last day) or its
    /// pending points are released — that happens, expiry first, and then any overdraft is
    /// repaid from the available points, soonest-expiring first. Empty lots older than every
    /// tier window are dropped at the end. Settling to `a` and then to `b` equals settling to
    /// `b` at once.
    pub(super) fn settle(&mut self, program: &AccountProgram, to: Day) -> Result<(), AccountError> {
        let to = self.day.map_or(to, |day| day.max(to));
        let current = u32::from(month_of(to)?);
        // Each round clears a release or an expiry for good, and there are at most two per lot.
        for _ in 0..=2 * MAX_LOTS {
            // The earliest change due by `to`. A lot's points expire on the first day of the
            // month after its expiry month: due when that month is before `to`'s.
            let mut due: Option<Day> = None;
            for lot in &self.lots {
                if let Some(until) = lot
                    .pending_until
                    .filter(|until| lot.pending > 0 && *until <= to)
                {
                    due = Some(due.map_or(until, |day| day.min(until)));
                }
                if let Some(month) = lot
                    .expiry_month(program)
                    .filter(|month| lot.remaining > 0 && *month < current)
                {
                    let expired_on =
                        month_start(month.saturating_add(1)).ok_or(AccountError::Internal)?;
                    due = Some(due.map_or(expired_on, |day| day.min(expired_on)));
                }
            }
            let Some(on) = due else {
                self.repay_overdrawn();
                self.day = Some(to);
                return self.drop_spent_lots();
            };
            let on_month = u32::from(month_of(on)?);
            for lot in &mut self.lots {
                if lot
                    .expiry_month(program)
                    .is_some_and(|month| month < on_month)
                {
                    lot.remaining = 0;
                    lot.pending = 0;
                    lot.pending_until = None;
                }
                if lot.pending_until.is_some_and(|until| until <= on) {
                    lot.pending = 0;
                    lot.pending_until = None;
                }
            }
            self.repay_overdrawn();
        }
        Err(AccountError::Internal)
    }

    /// Repays the overdraft from the available points, soonest-expiring first.
    fn repay_overdrawn(&mut self) {
        if self.overdrawn == 0 {
            return;
        }
        for lot in &mut self.lots {
            let take = lot.available().min(self.overdrawn);
            lot.remaining = lot.remaining.saturating_sub(take);
            self.overdrawn = self.overdrawn.saturating_sub(take);
        }
    }

    /// Credits an earning of `points` on `on`: the debt first (those points do not count for
    /// tiers), the rest into the lot of `on`'s month, pending for the program's window.
    fn earn(&mut self, program: &AccountProgram, points: u32, on: Day) -> Result<(), AccountError> {
        let repaid = points.min(self.debt);
        self.debt = self.debt.saturating_sub(repaid);
        let credited = points.saturating_sub(repaid);
        if credited == 0 {
            return Ok(());
        }
        let month = month_of(on)?;
        let current = u32::from(month_of(self.day.unwrap_or(on))?);
        // A lot already past its expiry and older than every tier window would be dropped by
        // the next settlement: its points expire at once and it takes no room.
        let dead = Lot::new(month)
            .expiry_month(program)
            .is_some_and(|expiry| expiry < current)
            && u32::from(month).saturating_add(u32::from(MAX_TIER_WINDOW_MONTHS)) <= current;
        if dead {
            return Ok(());
        }
        let pending_days = program.pending_days;
        let lot = self.lot_mut(program, month)?;
        lot.qualifying = lot_sum(lot.qualifying, credited)?;
        lot.remaining = lot_sum(lot.remaining, credited)?;
        if pending_days > 0 {
            let until = on
                .checked_add_days(i32::from(pending_days))
                .map_err(|_| AccountError::DateOutOfRange)?;
            // pending + credited <= remaining, which did not overflow.
            lot.pending = lot_sum(lot.pending, credited)?;
            lot.pending_until = Some(lot.pending_until.map_or(until, |old| old.max(until)));
        }
        Ok(())
    }

    /// The lot of `month`, inserted (in month order) if missing. When the lots are full and
    /// points never expire, the two oldest lots merge first. (Points that expire need at most
    /// [`MAX_LOTS`] lots: a settled ledger holds the months `current − 13 ..= current` at most,
    /// and an earning for an older month is dead on arrival.)
    fn lot_mut(&mut self, program: &AccountProgram, month: u16) -> Result<&mut Lot, AccountError> {
        let at = match self.lots.binary_search_by_key(&month, |lot| lot.month) {
            Ok(at) => at,
            Err(mut at) => {
                if self.lots.is_full() {
                    if program.expiry_months != 0 {
                        return Err(AccountError::Internal);
                    }
                    self.fold_oldest(program)?;
                    at = self
                        .lots
                        .binary_search_by_key(&month, |lot| lot.month)
                        .err()
                        .ok_or(AccountError::Internal)?;
                }
                bounded::insert(&mut self.lots, at, Lot::new(month))
                    .map_err(|_| AccountError::Internal)?;
                at
            }
        };
        self.lots.get_mut(at).ok_or(AccountError::Internal)
    }

    /// Merges the oldest lot into the second oldest, for points that never expire (they share
    /// the expiry "never"). With [`MAX_LOTS`] lots the two oldest are more than 12 months old,
    /// outside every tier window, and hold nothing pending (pending points are at most 90 days
    /// old), so the merged lot's month changes no query.
    fn fold_oldest(&mut self, program: &AccountProgram) -> Result<(), AccountError> {
        let [oldest, second, ..] = self.lots.as_mut_slice() else {
            return Err(AccountError::Internal);
        };
        second.qualifying = lot_sum(oldest.qualifying, second.qualifying)?;
        second.remaining = lot_sum(oldest.remaining, second.remaining)?;
        second.pending = lot_sum(oldest.pending, second.pending)?;
        if second.pending > 0 {
            // Never earlier than either lot's date, and a date the second lot's month can
            // hold: no earlier than an earning on its first day would give.
            let earliest = month_start(u32::from(second.month))
                .and_then(|start| start.checked_add_days(i32::from(program.pending_days)).ok())
                .ok_or(AccountError::Internal)?;
            second.pending_until = oldest
                .pending_until
                .max(second.pending_until)
                .max(Some(earliest));
        }
        bounded::remove_first(&mut self.lots);
        Ok(())
    }

    /// Spends `points`, soonest-expiring first; what the available points do not cover is
    /// overdrawn (a redemption replayed beside another copy's).
    fn redeem(&mut self, points: u32) -> Result<(), AccountError> {
        let mut rest = points;
        for lot in &mut self.lots {
            let take = lot.available().min(rest);
            lot.remaining = lot.remaining.saturating_sub(take);
            rest = rest.saturating_sub(take);
        }
        self.overdrawn = self
            .overdrawn
            .checked_add(rest)
            .ok_or(AccountError::Overflow)?;
        Ok(())
    }

    /// Takes back `points`: pending points first (the newest lot first, where the refunded
    /// sale's points most likely still are), then available ones soonest-expiring first; the
    /// rest is debt. The points stop counting for tiers, newest lot first.
    fn clawback(&mut self, points: u32) -> Result<(), AccountError> {
        let mut rest = points;
        for lot in self.lots.iter_mut().rev() {
            let take = lot.pending.min(rest);
            lot.pending = lot.pending.saturating_sub(take);
            lot.remaining = lot.remaining.saturating_sub(take);
            if lot.pending == 0 {
                lot.pending_until = None;
            }
            rest = rest.saturating_sub(take);
        }
        for lot in &mut self.lots {
            let take = lot.available().min(rest);
            lot.remaining = lot.remaining.saturating_sub(take);
            rest = rest.saturating_sub(take);
        }
        self.debt = self.debt.checked_add(rest).ok_or(AccountError::Overflow)?;
        let mut unqualified = points;
        for lot in self.lots.iter_mut().rev() {
            let take = lot.qualifying.min(unqualified);
            lot.qualifying = lot.qualifying.saturating_sub(take);
            unqualified = unqualified.saturating_sub(take);
        }
        Ok(())
    }
}

/// Months since 1970-01 of `day`, for days an account stores (1970..=2149, so below 2^16).
pub(super) fn month_of(day: Day) -> Result<u16, AccountError> {
    let date = day.date();
    let months = date
        .year()
        .checked_sub(1970)
        .and_then(|years| years.checked_mul(12))
        .and_then(|months| months.checked_add(i32::from(date.month())))
        .and_then(|months| months.checked_sub(1))
        .ok_or(AccountError::DateOutOfRange)?;
    u16::try_from(months).map_err(|_| AccountError::DateOutOfRange)
}

/// Year and month (1..=12) of a month index.
fn year_month(month: u32) -> Option<(i32, u8)> {
    let year = i32::try_from(month / 12).ok()?.checked_add(1970)?;
    let month_of_year = u8::try_from(month % 12).ok()?.checked_add(1)?;
    Some((year, month_of_year))
}

/// The first day of a month index.
pub(super) fn month_start(month: u32) -> Option<Day> {
    let (year, month) = year_month(month)?;
    Some(Date::new(year, month, 1).ok()?.to_day())
}

/// The last day of a month index.
fn month_end(month: u32) -> Option<Day> {
    let (year, month) = year_month(month)?;
    Some(
        Date::new(year, month, days_in_month(year, month))
            .ok()?
            .to_day(),
    )
}
