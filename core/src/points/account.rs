//! The account's state — a checkpoint and the recent events above it — and its transitions:
//! pure functions from an account, an event and the local day to a new account.

use heapless::Vec;

use super::ledger::Ledger;
use super::recent::{Recent, RecentKind};
use super::{
    AccountError, AccountEvent, AccountProgram, AccountProgramError, MAX_EXPIRY_MONTHS,
    MAX_PENDING_DAYS, MAX_RECENT_EVENTS, MAX_TERMINALS, Points,
};
use crate::bounded;
use crate::fixed;
use crate::terminal::{EventId, TerminalId};
use crate::time::Day;

/// A customer's points: a checkpoint (lots, debt, overdraft, and per terminal the highest event
/// folded into it) and up to [`MAX_RECENT_EVENTS`] recent events kept in full. Every balance is
/// a replay of the recent events onto the checkpoint, in canonical order. See the
/// [module documentation](super) for the model.
///
/// Every transition returns a new account and leaves `self` unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub(super) program: AccountProgram,
    /// Incremented by every change, and by a merge.
    pub(super) write_counter: u32,
    /// The latest local day a transition ran: balances are answered as of it or later.
    pub(super) as_of: Option<Day>,
    /// Per terminal, sorted by terminal: the highest sequence number folded into the checkpoint
    /// (its watermark; 0 for none). Holds every terminal with a watermark or a recent event.
    pub(super) terminals: Vec<(TerminalId, u32), MAX_TERMINALS>,
    /// The compacted past: every event at or below its terminal's watermark, replayed.
    pub(super) checkpoint: Ledger,
    /// The events above the watermarks, in canonical order ([`Recent::canonical`]).
    pub(super) recent: Vec<Recent, MAX_RECENT_EVENTS>,
}

/// The local day as an account stores it, or [`AccountError::DateOutOfRange`].
pub(super) fn check_day(today: Day) -> Result<(), AccountError> {
    fixed::compact_day(today)
        .map(|_| ())
        .ok_or(AccountError::DateOutOfRange)
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
            terminals: Vec::new(),
            checkpoint: Ledger::default(),
            recent: Vec::new(),
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

    /// The latest local day a transition ran (balances are answered as of it, or of a later
    /// day); `None` for an account no event has reached.
    #[must_use]
    pub const fn as_of(&self) -> Option<Day> {
        self.as_of
    }

    /// The number of recent events kept in full (at most [`MAX_RECENT_EVENTS`]; the next event
    /// beyond it compacts the account first).
    #[must_use]
    pub fn recent_events(&self) -> usize {
        self.recent.len()
    }

    /// True if the event `id` was already applied to this account: it is among the recent
    /// events, or at or below its terminal's watermark (folded into the checkpoint). Applying
    /// it again changes nothing.
    #[must_use]
    pub fn has_applied(&self, id: EventId) -> bool {
        id.sequence <= self.watermark(id.terminal) || self.recent.iter().any(|e| e.id == id)
    }

    /// The highest event applied from each terminal, by terminal id: what a back office
    /// compares with its event log to find the events a copy lacks.
    pub fn last_events(&self) -> impl Iterator<Item = EventId> + '_ {
        self.terminals.iter().map(|&(terminal, watermark)| {
            let sequence = self
                .recent
                .iter()
                .filter(|e| e.id.terminal == terminal)
                .map(|e| e.id.sequence)
                .fold(watermark, u32::max);
            EventId { terminal, sequence }
        })
    }

    /// The highest sequence of `terminal` folded into the checkpoint (0 for none).
    pub(super) fn watermark(&self, terminal: TerminalId) -> u32 {
        self.terminals
            .iter()
            .find(|(known, _)| *known == terminal)
            .map_or(0, |&(_, watermark)| watermark)
    }

    /// The balances as of `today` (or the account's day, if later): the recent events replayed
    /// onto the checkpoint in canonical order, then settled.
    pub(super) fn view(&self, today: Day) -> Result<Ledger, AccountError> {
        let mut ledger = self.checkpoint.clone();
        for event in &self.recent {
            ledger.apply(&self.program, event)?;
        }
        let day = self.as_of.map_or(today, |as_of| as_of.max(today));
        ledger.settle(&self.program, day)?;
        Ok(ledger)
    }

    fn bump_write_counter(&mut self) -> Result<(), AccountError> {
        self.write_counter = self
            .write_counter
            .checked_add(1)
            .ok_or(AccountError::Overflow)?;
        Ok(())
    }

    /// Applies `event` on the local calendar day `today` and returns the new account; `self`
    /// is unchanged. An event already applied ([`Account::has_applied`]) returns an equal
    /// account. The event is kept in full among the recent events; when they are full, the
    /// account is compacted (see the [module documentation](super)). A redemption is refused
    /// beyond the points available on this copy as of `today`.
    ///
    /// Errors: [`AccountError::InvalidEventId`], [`AccountError::DateOutOfRange`],
    /// [`AccountError::ZeroPoints`], [`AccountError::InsufficientPoints`],
    /// [`AccountError::UnknownTransaction`], [`AccountError::TerminalSlotsFull`],
    /// [`AccountError::Overflow`].
    pub fn apply(&self, event: &AccountEvent, today: Day) -> Result<Account, AccountError> {
        let id = event.id();
        if id.sequence == 0 {
            return Err(AccountError::InvalidEventId);
        }
        if self.has_applied(id) {
            return Ok(self.clone());
        }
        check_day(today)?;
        if let AccountEvent::Clawback { original, .. } = *event {
            if original.sequence == 0 || !self.has_applied(original) {
                return Err(AccountError::UnknownTransaction);
            }
        }
        let recent = Recent::new(event, today)?;
        let before = match recent.kind {
            RecentKind::Redeem => Some(self.view(today)?),
            RecentKind::Earn | RecentKind::Clawback => None,
        };
        let mut next = self.clone();
        if next.recent.is_full() {
            next.compact(&recent, true)?;
        }
        if recent.id.sequence <= next.watermark(recent.id.terminal) {
            // Every event was folded, a later one of this terminal among them (it applied its
            // events out of order): this one is folded after them.
            next.checkpoint.apply(&next.program, &recent)?;
        } else {
            next.insert(recent)?;
            if next.recent.is_full() {
                next.compact(&recent, false)?;
            }
        }
        next.as_of = Some(next.as_of.map_or(today, |as_of| as_of.max(today)));
        let after = next.view(today)?;
        if let Some(before) = before {
            if u64::from(recent.points) > before.available() || after.overdrawn > before.overdrawn {
                return Err(AccountError::InsufficientPoints {
                    available: Points(before.available()),
                });
            }
        }
        next.bump_write_counter()?;
        Ok(next)
    }

    /// Moves the account's day to `today` (when later): balances are answered as of it, with
    /// expiry and pending settled, and a terminal whose clock is behind cannot bring expired
    /// points back. Returns an equal account when `today` is not later.
    ///
    /// Errors: [`AccountError::DateOutOfRange`], [`AccountError::Overflow`] (write counter).
    pub fn expire(&self, today: Day) -> Result<Account, AccountError> {
        check_day(today)?;
        let mut next = self.clone();
        if self.as_of.is_none_or(|as_of| today > as_of) {
            next.as_of = Some(today);
            next.bump_write_counter()?;
        }
        Ok(next)
    }

    /// Inserts a new event in canonical order, adding its terminal if needed.
    pub(super) fn insert(&mut self, event: Recent) -> Result<(), AccountError> {
        if let Err(at) = self
            .terminals
            .binary_search_by_key(&event.id.terminal, |&(terminal, _)| terminal)
        {
            bounded::insert(&mut self.terminals, at, (event.id.terminal, 0))
                .map_err(|_| AccountError::TerminalSlotsFull)?;
        }
        let at = self
            .recent
            .binary_search_by(|known| known.canonical(&event))
            .err()
            .ok_or(AccountError::Internal)?;
        bounded::insert(&mut self.recent, at, event).map_err(|_| AccountError::Internal)
    }

    /// Folds recent events into the checkpoint, around the event `arriving` (about to be
    /// inserted when `forced`, just inserted otherwise). It folds a prefix of the canonical
    /// order, so no balance changes: the events of every day before the latest day among them,
    /// or else those sorting before `arriving` — never leaving a terminal with an event below
    /// its new watermark (a clock gone back). When neither prefix can be folded, a forced
    /// compaction folds every event (the one case that may move a balance: events of one day
    /// replayed before an earlier-sorting arrival; and an arrival below a folded event of its
    /// terminal is folded after them) and an eager one folds none.
    ///
    /// Why prefixes: copies forked from one account fold prefixes of the events they share, so
    /// their checkpoints stay comparable (one's watermarks at or above the other's) and merge,
    /// unless both also folded events of their own.
    pub(super) fn compact(&mut self, arriving: &Recent, forced: bool) -> Result<(), AccountError> {
        let latest = self.recent.last().map(|event| event.day);
        let older_days = self
            .recent
            .iter()
            .take_while(|event| Some(event.day) < latest)
            .count();
        let before = self
            .recent
            .iter()
            .take_while(|event| event.canonical(arriving).is_lt())
            .count();
        // Every kept event — and the arriving one, when it is not in the set yet — must stay
        // above its terminal's new watermark.
        let closed = |count: usize| {
            self.recent
                .split_at_checked(count)
                .is_some_and(|(folded, kept)| {
                    kept.iter().chain(forced.then_some(arriving)).all(|later| {
                        folded.iter().all(|earlier| {
                            earlier.id.terminal != later.id.terminal || earlier.id < later.id
                        })
                    })
                })
        };
        let Some(count) = [older_days, before]
            .into_iter()
            .find(|&count| count > 0 && closed(count))
            .or(forced.then_some(self.recent.len()))
        else {
            return Ok(());
        };
        let (folded, kept) = self
            .recent
            .split_at_checked(count)
            .ok_or(AccountError::Internal)?;
        let kept: Vec<Recent, MAX_RECENT_EVENTS> =
            Vec::from_slice(kept).map_err(|_| AccountError::Internal)?;
        for event in folded {
            self.checkpoint.apply(&self.program, event)?;
            let entry = self
                .terminals
                .iter_mut()
                .find(|(terminal, _)| *terminal == event.id.terminal)
                .ok_or(AccountError::Internal)?;
            entry.1 = entry.1.max(event.id.sequence);
        }
        self.recent = kept;
        Ok(())
    }
}
