//! The account's state and its transitions: pure functions from an account, an event and the
//! local day to a new account.

use heapless::Vec;

use super::{
    AccountError, AccountEvent, AccountProgram, AccountProgramError, MAX_EXPIRY_MONTHS, MAX_LOTS,
    MAX_PENDING_DAYS, MAX_TERMINALS, MAX_TIER_WINDOW_MONTHS, Points,
};
use crate::fixed;
use crate::terminal::{EventId, TerminalId};
use crate::time::{Date, Day, days_in_month};

/// A customer's points: lots by month, debt, and the highest event seen per terminal. See the
/// [module documentation](super) for the model.
///
/// Every transition returns a new account and leaves `self` unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub(super) program: AccountProgram,
    /// Incremented by every change, and by a merge.
    pub(super) write_counter: u32,
    /// The latest local day a transition ran (expiry and pending are settled up to it).
    pub(super) as_of: Option<Day>,
    /// Points owed: clawbacks beyond what the account held. Repaid by the next earnings.
    pub(super) debt: u32,
    /// The highest sequence number applied from each terminal, sorted by terminal.
    pub(super) terminals: Vec<(TerminalId, u32), MAX_TERMINALS>,
    /// Lots by month of earning, oldest first (which is soonest-expiring first).
    pub(super) lots: Vec<Lot, MAX_LOTS>,
}

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
        if program.expiry_months == 0 {
            return None;
        }
        month_end(u32::from(self.month).saturating_add(u32::from(program.expiry_months)))
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

/// The local day as an account stores it, or [`AccountError::DateOutOfRange`].
pub(super) fn check_day(today: Day) -> Result<(), AccountError> {
    fixed::compact_day(today)
        .map(|_| ())
        .ok_or(AccountError::DateOutOfRange)
}

/// Points as a lot stores them: at least 1, at most `u32::MAX`.
fn lot_points(points: Points) -> Result<u32, AccountError> {
    match u32::try_from(points.0) {
        Ok(0) => Err(AccountError::ZeroPoints),
        Ok(points) => Ok(points),
        Err(_) => Err(AccountError::Overflow),
    }
}

impl AccountProgram {
    /// Checks the program's fields (see their documentation).
    pub fn validate(&self) -> Result<(), AccountProgramError> {
        if self.expiry_months > MAX_EXPIRY_MONTHS {
            return Err(AccountProgramError::ExpiryTooLong);
        }
        if self.pending_days > MAX_PENDING_DAYS {
            return Err(AccountProgramError::PendingTooLong);
        }
        Ok(())
    }
}

impl Account {
    /// A new, empty account of `program`.
    pub fn new(program: AccountProgram) -> Result<Account, AccountProgramError> {
        program.validate()?;
        Ok(Account {
            program,
            write_counter: 0,
            as_of: None,
            debt: 0,
            terminals: Vec::new(),
            lots: Vec::new(),
        })
    }

    /// The account's program.
    #[must_use]
    pub const fn program(&self) -> &AccountProgram {
        &self.program
    }

    /// The write counter: incremented by every change, compared against `min_write_counter`
    /// by [`Account::decode`].
    #[must_use]
    pub const fn write_counter(&self) -> u32 {
        self.write_counter
    }

    /// The latest local day a transition ran (expiry and pending are settled up to it);
    /// `None` for an account no event has reached.
    #[must_use]
    pub const fn as_of(&self) -> Option<Day> {
        self.as_of
    }

    /// True if the event `id` was already applied to this account: applying it again changes
    /// nothing.
    #[must_use]
    pub fn has_applied(&self, id: EventId) -> bool {
        self.sequence_of(id.terminal) >= id.sequence
    }

    /// The highest event applied from each terminal, by terminal id: what a back office
    /// compares with its event log to find the events a copy lacks.
    pub fn last_events(&self) -> impl Iterator<Item = EventId> + '_ {
        self.terminals
            .iter()
            .map(|&(terminal, sequence)| EventId { terminal, sequence })
    }

    /// The highest sequence number applied from `terminal` (0 for none).
    pub(super) fn sequence_of(&self, terminal: TerminalId) -> u32 {
        self.terminals
            .iter()
            .find(|(known, _)| *known == terminal)
            .map_or(0, |&(_, sequence)| sequence)
    }

    /// Settles the account up to `today` (or its `as_of`, if later): pending points whose
    /// window closed become spendable, lots past their expiry day lose what they hold, and
    /// empty lots older than every tier window are dropped. True if anything changed.
    pub(super) fn settle(&mut self, today: Day) -> Result<bool, AccountError> {
        let before = self.clone();
        let day = self.as_of.map_or(today, |as_of| as_of.max(today));
        let current = month_of(day)?;
        let program = self.program;
        for lot in &mut self.lots {
            if lot.pending_until.is_some_and(|until| until <= day) {
                lot.pending = 0;
                lot.pending_until = None;
            }
            if lot.expires_on(&program).is_some_and(|last| day > last) {
                lot.remaining = 0;
                lot.pending = 0;
                lot.pending_until = None;
            }
        }
        self.lots.retain(|lot| {
            lot.remaining != 0
                || u32::from(lot.month).saturating_add(u32::from(MAX_TIER_WINDOW_MONTHS))
                    > u32::from(current)
        });
        self.as_of = Some(day);
        Ok(*self != before)
    }

    fn bump_write_counter(&mut self) -> Result<(), AccountError> {
        self.write_counter = self
            .write_counter
            .checked_add(1)
            .ok_or(AccountError::Overflow)?;
        Ok(())
    }

    /// Applies `event` on the local calendar day `today` and returns the new account; `self`
    /// is unchanged. An event already applied returns an equal account. Expiry and pending
    /// are settled up to `today` first.
    ///
    /// Errors: [`AccountError::InvalidEventId`], [`AccountError::DateOutOfRange`],
    /// [`AccountError::ZeroPoints`], [`AccountError::InsufficientPoints`],
    /// [`AccountError::UnknownTransaction`], [`AccountError::TerminalSlotsFull`],
    /// [`AccountError::LotsFull`], [`AccountError::Overflow`].
    pub fn apply(&self, event: &AccountEvent, today: Day) -> Result<Account, AccountError> {
        let id = event.id();
        if id.sequence == 0 {
            return Err(AccountError::InvalidEventId);
        }
        if self.has_applied(id) {
            return Ok(self.clone());
        }
        check_day(today)?;
        let mut next = self.clone();
        next.settle(today)?;
        match *event {
            AccountEvent::Earn { points, .. } => next.earn(points, today)?,
            AccountEvent::Redeem { points, .. } => next.redeem(points)?,
            AccountEvent::Clawback {
                original, points, ..
            } => next.clawback(original, points)?,
        }
        // An earning dated before the account's day (a terminal clock behind) may already be
        // past its window or expiry: settle again so the account is settled as of its day.
        next.settle(today)?;
        next.record(id)?;
        next.bump_write_counter()?;
        Ok(next)
    }

    /// Settles expiry and pending up to `today` (see the [module documentation](super)) and
    /// returns the new account (equal to `self` when nothing changed).
    ///
    /// Errors: [`AccountError::DateOutOfRange`], [`AccountError::Overflow`] (write counter).
    pub fn expire(&self, today: Day) -> Result<Account, AccountError> {
        check_day(today)?;
        let mut next = self.clone();
        if next.settle(today)? {
            next.bump_write_counter()?;
        }
        Ok(next)
    }

    fn record(&mut self, id: EventId) -> Result<(), AccountError> {
        match self
            .terminals
            .binary_search_by_key(&id.terminal, |&(terminal, _)| terminal)
        {
            Ok(at) => {
                let entry = self.terminals.get_mut(at).ok_or(AccountError::Internal)?;
                entry.1 = id.sequence;
            }
            Err(at) => self
                .terminals
                .insert(at, (id.terminal, id.sequence))
                .map_err(|_| AccountError::TerminalSlotsFull)?,
        }
        Ok(())
    }

    /// The lot of `month`, inserted (in month order) if missing. When the lots are full and
    /// points never expire, the two oldest lots merge first.
    fn lot_mut(&mut self, month: u16) -> Result<&mut Lot, AccountError> {
        let at = match self.lots.binary_search_by_key(&month, |lot| lot.month) {
            Ok(at) => at,
            Err(_) => {
                if self.lots.is_full() {
                    self.fold_oldest()?;
                }
                let at = self
                    .lots
                    .binary_search_by_key(&month, |lot| lot.month)
                    .err()
                    .ok_or(AccountError::Internal)?;
                self.lots
                    .insert(at, Lot::new(month))
                    .map_err(|_| AccountError::LotsFull)?;
                at
            }
        };
        self.lots.get_mut(at).ok_or(AccountError::Internal)
    }

    /// Merges the oldest lot into the second oldest; they share an expiry day only when points
    /// never expire. (Both are more than 12 months old, outside every tier window, so the
    /// month the merged lot carries does not change a qualification.)
    fn fold_oldest(&mut self) -> Result<(), AccountError> {
        if self.program.expiry_months != 0 {
            return Err(AccountError::LotsFull);
        }
        let pending_days = i32::from(self.program.pending_days);
        let [oldest, second, ..] = self.lots.as_mut_slice() else {
            return Err(AccountError::LotsFull);
        };
        let sum = |a: u32, b: u32| a.checked_add(b).ok_or(AccountError::Overflow);
        second.qualifying = sum(oldest.qualifying, second.qualifying)?;
        second.remaining = sum(oldest.remaining, second.remaining)?;
        second.pending = sum(oldest.pending, second.pending)?;
        if second.pending > 0 {
            // Never earlier than either lot's date, and a date the second lot's month can
            // hold: no earlier than an earning on its first day would give.
            let earliest = month_start(u32::from(second.month))
                .and_then(|start| start.checked_add_days(pending_days).ok())
                .ok_or(AccountError::Internal)?;
            second.pending_until = oldest
                .pending_until
                .max(second.pending_until)
                .max(Some(earliest));
        }
        self.lots.remove(0);
        Ok(())
    }

    fn earn(&mut self, points: Points, today: Day) -> Result<(), AccountError> {
        let points = lot_points(points)?;
        let repaid = points.min(self.debt);
        self.debt = self.debt.saturating_sub(repaid);
        let credited = points.saturating_sub(repaid);
        let pending_days = self.program.pending_days;
        let lot = self.lot_mut(month_of(today)?)?;
        // Points that repay debt settle a refunded sale: they do not qualify again.
        lot.qualifying = lot
            .qualifying
            .checked_add(credited)
            .ok_or(AccountError::Overflow)?;
        lot.remaining = lot
            .remaining
            .checked_add(credited)
            .ok_or(AccountError::Overflow)?;
        if pending_days > 0 && credited > 0 {
            let until = today
                .checked_add_days(i32::from(pending_days))
                .map_err(|_| AccountError::DateOutOfRange)?;
            // pending + credited <= remaining, which did not overflow.
            lot.pending = lot
                .pending
                .checked_add(credited)
                .ok_or(AccountError::Internal)?;
            lot.pending_until = Some(lot.pending_until.map_or(until, |old| old.max(until)));
        }
        Ok(())
    }

    /// Spendable points now (after settling).
    pub(super) fn available(&self) -> u64 {
        self.lots.iter().map(|lot| u64::from(lot.available())).sum()
    }

    fn redeem(&mut self, points: Points) -> Result<(), AccountError> {
        if points == Points::ZERO {
            return Err(AccountError::ZeroPoints);
        }
        let available = self.available();
        if points.0 > available {
            return Err(AccountError::InsufficientPoints {
                available: Points(available),
            });
        }
        let mut rest = u32::try_from(points.0).map_err(|_| AccountError::Internal)?;
        for lot in &mut self.lots {
            let take = lot.available().min(rest);
            lot.remaining = lot.remaining.saturating_sub(take);
            rest = rest.saturating_sub(take);
        }
        if rest == 0 {
            Ok(())
        } else {
            Err(AccountError::Internal)
        }
    }

    fn clawback(&mut self, original: EventId, points: Points) -> Result<(), AccountError> {
        if original.sequence == 0 || !self.has_applied(original) {
            return Err(AccountError::UnknownTransaction);
        }
        let points = lot_points(points)?;
        let mut rest = points;
        // Pending points first, newest lot first: the refunded sale's points are most likely
        // still pending there.
        for lot in self.lots.iter_mut().rev() {
            let take = lot.pending.min(rest);
            lot.pending = lot.pending.saturating_sub(take);
            lot.remaining = lot.remaining.saturating_sub(take);
            if lot.pending == 0 {
                lot.pending_until = None;
            }
            rest = rest.saturating_sub(take);
        }
        // Then available points, soonest-expiring first.
        for lot in &mut self.lots {
            let take = lot.available().min(rest);
            lot.remaining = lot.remaining.saturating_sub(take);
            rest = rest.saturating_sub(take);
        }
        // The rest is debt, repaid by later earnings.
        self.debt = self.debt.checked_add(rest).ok_or(AccountError::Overflow)?;
        // The refunded points no longer qualify for tiers, newest lot first.
        let mut unqualified = points;
        for lot in self.lots.iter_mut().rev() {
            let take = lot.qualifying.min(unqualified);
            lot.qualifying = lot.qualifying.saturating_sub(take);
            unqualified = unqualified.saturating_sub(take);
        }
        Ok(())
    }
}
