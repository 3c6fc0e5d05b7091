//! The card's state and its transitions: pure functions from a card, an event and the local
//! day to a new card.

use heapless::Vec;

use super::{CardError, CardEvent, CardProgram, MAX_TERMINALS, MAX_WRITE_COUNTER, ProgramError};
use crate::bounded;
use crate::fixed;
use crate::terminal::{EventId, TerminalId};
use crate::time::Day;

/// One punch card: its program, and per terminal what that terminal did to it. See the
/// [module documentation](super) for the model.
///
/// Every transition returns a new card and leaves `self` unchanged, so firmware can write the
/// new state in one go (and keep the old image until the write is confirmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    pub(super) program: CardProgram,
    /// Lapses so far; counters belong to this generation.
    pub(super) generation: u8,
    /// Incremented by every transition that changes the card, and by a merge.
    pub(super) write_counter: u32,
    /// The latest local day any terminal stamped; the entries' day counts refer to it.
    pub(super) last_stamp_day: Option<Day>,
    /// One entry per terminal, sorted by terminal id.
    pub(super) entries: Vec<Entry, MAX_TERMINALS>,
}

/// What one terminal did to the card in the current generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) terminal: TerminalId,
    /// The highest sequence number applied from this terminal (kept across generations).
    pub(super) sequence: u32,
    /// Stamps given.
    pub(super) stamped: u16,
    /// Stamps taken back by voids and refunds.
    pub(super) voided: u16,
    /// Rewards redeemed.
    pub(super) redeemed: u8,
    /// Stamps given on the card's `last_stamp_day`.
    pub(super) stamped_on_last_day: u8,
}

impl Entry {
    pub(super) const fn new(terminal: TerminalId, sequence: u32) -> Entry {
        Entry {
            terminal,
            sequence,
            stamped: 0,
            voided: 0,
            redeemed: 0,
            stamped_on_last_day: 0,
        }
    }

    /// Zeroes the counters of the generation (a lapse); keeps the sequence and the day count.
    fn lapse(&mut self) {
        self.stamped = 0;
        self.voided = 0;
        self.redeemed = 0;
    }
}

impl CardProgram {
    /// Checks the program's fields (see their documentation).
    pub fn validate(&self) -> Result<(), ProgramError> {
        if self.stamps_per_reward == 0 {
            return Err(ProgramError::NoStampsPerReward);
        }
        if self.daily_limit == 0 {
            return Err(ProgramError::NoDailyLimit);
        }
        if let Some(day) = self.expires_on {
            fixed::compact_day(day).ok_or(ProgramError::DateOutOfRange)?;
        }
        Ok(())
    }
}

/// The local day as a card stores it, or [`CardError::DateOutOfRange`].
fn check_day(today: Day) -> Result<(), CardError> {
    fixed::compact_day(today)
        .map(|_| ())
        .ok_or(CardError::DateOutOfRange)
}

impl Card {
    /// A new, empty card of `program` (generation 0, write counter 0).
    pub fn new(program: CardProgram) -> Result<Card, ProgramError> {
        program.validate()?;
        Ok(Card {
            program,
            generation: 0,
            write_counter: 0,
            last_stamp_day: None,
            entries: Vec::new(),
        })
    }

    /// The card's program.
    #[must_use]
    pub const fn program(&self) -> &CardProgram {
        &self.program
    }

    /// The write counter: incremented by every change, compared against `min_write_counter`
    /// by [`Card::decode`].
    #[must_use]
    pub const fn write_counter(&self) -> u32 {
        self.write_counter
    }

    /// Lapses so far (0 for a card that never lapsed).
    #[must_use]
    pub const fn generation(&self) -> u8 {
        self.generation
    }

    /// True if the event `id` was already applied to this card (directly or through a merge):
    /// applying it again changes nothing.
    #[must_use]
    pub fn has_applied(&self, id: EventId) -> bool {
        self.entry(id.terminal)
            .is_some_and(|entry| id.sequence <= entry.sequence)
    }

    /// The highest event applied from each terminal on the card, by terminal id.
    pub fn last_events(&self) -> impl Iterator<Item = EventId> + '_ {
        self.entries.iter().map(|entry| EventId {
            terminal: entry.terminal,
            sequence: entry.sequence,
        })
    }

    pub(super) fn entry(&self, terminal: TerminalId) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.terminal == terminal)
    }

    /// Held stamps: `Σ stamped − Σ voided − stamps_per_reward × Σ redeemed`. Negative when the
    /// card owes stamps (double redemption, a void of redeemed stamps).
    pub(super) fn balance(&self) -> i64 {
        let per_reward = i64::from(self.program.stamps_per_reward);
        // At most 8 entries of (65,535 + 65,535 + 255 × 255): far inside i64.
        #[allow(clippy::arithmetic_side_effects)]
        self.entries
            .iter()
            .map(|e| {
                i64::from(e.stamped) - i64::from(e.voided) - per_reward * i64::from(e.redeemed)
            })
            .sum()
    }

    /// Stamps counted against the daily limit of `last_stamp_day`, over every terminal.
    pub(super) fn stamps_on_last_day(&self) -> u32 {
        self.entries
            .iter()
            .map(|e| u32::from(e.stamped_on_last_day))
            .sum()
    }

    /// True when the card is past its expiry date on `today`.
    fn is_expired(&self, today: Day) -> bool {
        self.program.expires_on.is_some_and(|last| today > last)
    }

    /// True when held stamps lapse on `today`: the card holds stamps, and it is past its expiry
    /// date or no terminal has stamped for more than `lapse_after_days` days.
    pub(super) fn lapse_due(&self, today: Day) -> bool {
        if self.balance() <= 0 {
            return false;
        }
        let inactive = self.program.lapse_after_days > 0
            && self.last_stamp_day.is_some_and(|last| {
                today.days_since(last) > i32::from(self.program.lapse_after_days)
            });
        inactive || self.is_expired(today)
    }

    /// Starts a new generation if a lapse is due on `today`; true if it did.
    fn lapse_if_due(&mut self, today: Day) -> Result<bool, CardError> {
        if !self.lapse_due(today) {
            return Ok(false);
        }
        self.generation = self
            .generation
            .checked_add(1)
            .ok_or(CardError::GenerationExhausted)?;
        self.entries.iter_mut().for_each(Entry::lapse);
        Ok(true)
    }

    fn bump_write_counter(&mut self) -> Result<(), CardError> {
        self.write_counter = self
            .write_counter
            .checked_add(1)
            .filter(|counter| *counter <= MAX_WRITE_COUNTER)
            .ok_or(CardError::WriteCounterExhausted)?;
        Ok(())
    }

    /// The entry of `terminal`, inserted (in terminal order) if the card has none yet.
    fn entry_mut(&mut self, terminal: TerminalId) -> Result<&mut Entry, CardError> {
        let at = match self
            .entries
            .binary_search_by_key(&terminal, |entry| entry.terminal)
        {
            Ok(at) => at,
            Err(at) => {
                bounded::insert(&mut self.entries, at, Entry::new(terminal, 0))
                    .map_err(|_| CardError::TerminalSlotsFull)?;
                at
            }
        };
        self.entries.get_mut(at).ok_or(CardError::Internal)
    }

    /// Applies `event` on the local calendar day `today` and returns the new card; `self` is
    /// unchanged. An event already applied returns an equal card. Held stamps that have lapsed
    /// by `today` lapse first.
    ///
    /// Errors: [`CardError::WrongProgram`], [`CardError::InvalidEventId`],
    /// [`CardError::DateOutOfRange`], [`CardError::CardExpired`], [`CardError::ZeroStamps`],
    /// [`CardError::DailyLimitReached`], [`CardError::NoRewardAvailable`],
    /// [`CardError::UnknownTransaction`], [`CardError::TerminalSlotsFull`],
    /// [`CardError::CounterFull`], [`CardError::WriteCounterExhausted`],
    /// [`CardError::GenerationExhausted`].
    pub fn apply(&self, event: &CardEvent, today: Day) -> Result<Card, CardError> {
        if event.program() != self.program.program {
            return Err(CardError::WrongProgram {
                expected: self.program.program,
                found: event.program(),
            });
        }
        let id = event.id();
        if id.sequence == 0 {
            return Err(CardError::InvalidEventId);
        }
        if self.has_applied(id) {
            return Ok(self.clone());
        }
        check_day(today)?;
        if self.is_expired(today) {
            return Err(CardError::CardExpired);
        }
        let mut next = self.clone();
        next.lapse_if_due(today)?;
        match *event {
            CardEvent::Stamp { stamps, .. } => next.stamp(id.terminal, stamps, today)?,
            CardEvent::Redeem { .. } => next.redeem(id.terminal)?,
            CardEvent::Void {
                original, stamps, ..
            } => next.void(id.terminal, original, stamps)?,
        }
        next.entry_mut(id.terminal)?.sequence = id.sequence;
        next.bump_write_counter()?;
        Ok(next)
    }

    /// Gives `stamps` stamps from `terminal` on `today`, within the daily limit.
    fn stamp(&mut self, terminal: TerminalId, stamps: u16, today: Day) -> Result<(), CardError> {
        if stamps == 0 {
            return Err(CardError::ZeroStamps);
        }
        // A terminal whose clock is behind the card's latest stamp day counts its stamps
        // toward that day.
        let new_day = self.last_stamp_day.is_none_or(|last| today > last);
        let counted = if new_day {
            0
        } else {
            self.stamps_on_last_day()
        };
        let remaining = u32::from(self.program.daily_limit).saturating_sub(counted);
        if u32::from(stamps) > remaining {
            return Err(CardError::DailyLimitReached {
                remaining: u8::try_from(remaining).unwrap_or(u8::MAX),
            });
        }
        // stamps <= remaining <= daily_limit <= 255.
        let day_stamps = u8::try_from(stamps).map_err(|_| CardError::Internal)?;
        if new_day {
            self.last_stamp_day = Some(today);
            self.entries
                .iter_mut()
                .for_each(|entry| entry.stamped_on_last_day = 0);
        }
        let entry = self.entry_mut(terminal)?;
        entry.stamped = entry
            .stamped
            .checked_add(stamps)
            .ok_or(CardError::CounterFull)?;
        entry.stamped_on_last_day = entry
            .stamped_on_last_day
            .checked_add(day_stamps)
            .ok_or(CardError::Internal)?;
        Ok(())
    }

    /// Redeems one reward at `terminal`.
    fn redeem(&mut self, terminal: TerminalId) -> Result<(), CardError> {
        if self.balance() < i64::from(self.program.stamps_per_reward) {
            return Err(CardError::NoRewardAvailable);
        }
        let entry = self.entry_mut(terminal)?;
        entry.redeemed = entry
            .redeemed
            .checked_add(1)
            .ok_or(CardError::CounterFull)?;
        Ok(())
    }

    /// Takes back `stamps` stamps of the transaction `original`, recorded at `terminal`.
    fn void(
        &mut self,
        terminal: TerminalId,
        original: EventId,
        stamps: u16,
    ) -> Result<(), CardError> {
        if original.sequence == 0 || !self.has_applied(original) {
            return Err(CardError::UnknownTransaction);
        }
        if stamps == 0 {
            return Err(CardError::ZeroStamps);
        }
        let entry = self.entry_mut(terminal)?;
        entry.voided = entry
            .voided
            .checked_add(stamps)
            .ok_or(CardError::CounterFull)?;
        Ok(())
    }

    /// Lapses held stamps and unredeemed rewards if no terminal has stamped for more than
    /// `lapse_after_days` days, or the card is past its expiry date, on `today`. Returns the new
    /// card (equal to `self` when nothing lapsed).
    ///
    /// Errors: [`CardError::DateOutOfRange`], [`CardError::GenerationExhausted`],
    /// [`CardError::WriteCounterExhausted`].
    pub fn expire(&self, today: Day) -> Result<Card, CardError> {
        check_day(today)?;
        let mut next = self.clone();
        if next.lapse_if_due(today)? {
            next.bump_write_counter()?;
        }
        Ok(next)
    }

    /// The back office's compaction (see the [module documentation](super)): one entry, for
    /// `office`, holding the card's balance; the other terminals' entries are dropped. The
    /// day's count is kept up to the daily limit.
    ///
    /// Errors: [`CardError::InvalidEventId`] (sequence 0), [`CardError::CounterFull`] (a balance
    /// beyond 65,535 stamps either way), [`CardError::WriteCounterExhausted`].
    pub fn compact(&self, office: EventId) -> Result<Card, CardError> {
        if office.sequence == 0 {
            return Err(CardError::InvalidEventId);
        }
        let balance = self.balance();
        let magnitude =
            u16::try_from(balance.unsigned_abs()).map_err(|_| CardError::CounterFull)?;
        let sequence = self
            .entry(office.terminal)
            .map_or(office.sequence, |entry| entry.sequence.max(office.sequence));
        let day_count = self
            .stamps_on_last_day()
            .min(u32::from(self.program.daily_limit));
        let mut entry = Entry::new(office.terminal, sequence);
        if balance >= 0 {
            entry.stamped = magnitude;
        } else {
            entry.voided = magnitude;
        }
        entry.stamped_on_last_day = u8::try_from(day_count).map_err(|_| CardError::Internal)?;
        let mut next = self.clone();
        next.entries.clear();
        next.entries.push(entry).map_err(|_| CardError::Internal)?;
        next.bump_write_counter()?;
        Ok(next)
    }
}
