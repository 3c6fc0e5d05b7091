//! Merging two copies of a card: a join of per-terminal grow-only counters.

use core::cmp::Ordering;

use heapless::Vec;

use super::state::Entry;
use super::{Card, CardMergeError, MAX_WRITE_COUNTER};

impl Card {
    /// Merges two copies of the same card (same UID, same program) that terminals updated
    /// offline, and returns the merged card; both inputs are unchanged.
    ///
    /// Per terminal: the larger sequence number; the counters of the newer generation (of both
    /// copies, the larger of each, when the generations are equal); the day counts of the later
    /// `last_stamp_day` (the larger of each, when equal). This is commutative, associative and
    /// idempotent on everything but the write counter, which becomes one more than the larger
    /// of the two, so that a terminal that sees the merged card refuses both inputs afterwards.
    /// Double redemptions and daily-limit excess show in the merged card's
    /// [`summary`](Card::summary) (`owed_stamps`, `overdrawn_rewards`, `daily_excess`).
    ///
    /// Errors: [`CardMergeError::ProgramMismatch`], [`CardMergeError::TerminalSlotsFull`],
    /// [`CardMergeError::WriteCounterExhausted`].
    pub fn merge(&self, other: &Card) -> Result<Card, CardMergeError> {
        if self.program != other.program {
            return Err(CardMergeError::ProgramMismatch);
        }
        let generation = self.generation.max(other.generation);
        let last_stamp_day = self.last_stamp_day.max(other.last_stamp_day);
        let write_counter = self
            .write_counter
            .max(other.write_counter)
            .checked_add(1)
            .filter(|counter| *counter <= MAX_WRITE_COUNTER)
            .ok_or(CardMergeError::WriteCounterExhausted)?;

        // Whose counters and day counts count: `Some(entry)` of a copy that is current for
        // them, `None` for one that is not (an older generation, an earlier stamp day).
        let counters_of =
            |card: &'_ Card, entry: Option<Entry>| entry.filter(|_| card.generation == generation);
        let day_count_of = |card: &'_ Card, entry: Option<Entry>| {
            entry
                .filter(|_| card.last_stamp_day == last_stamp_day)
                .map_or(0, |entry| entry.stamped_on_last_day)
        };

        let mut entries: Vec<Entry, { super::MAX_TERMINALS }> = Vec::new();
        let (mut left, mut right) = (
            self.entries.iter().peekable(),
            other.entries.iter().peekable(),
        );
        loop {
            let (a, b) = match (left.peek(), right.peek()) {
                (None, None) => break,
                (Some(a), None) => (Some(**a), None),
                (None, Some(b)) => (None, Some(**b)),
                (Some(a), Some(b)) => match a.terminal.cmp(&b.terminal) {
                    Ordering::Less => (Some(**a), None),
                    Ordering::Greater => (None, Some(**b)),
                    Ordering::Equal => (Some(**a), Some(**b)),
                },
            };
            if a.is_some() {
                left.next();
            }
            if b.is_some() {
                right.next();
            }
            let Some(terminal) = a.or(b).map(|entry| entry.terminal) else {
                break;
            };
            let sequence = a
                .map_or(0, |entry| entry.sequence)
                .max(b.map_or(0, |entry| entry.sequence));
            let mut merged = Entry::new(terminal, sequence);
            for counters in [counters_of(self, a), counters_of(other, b)]
                .into_iter()
                .flatten()
            {
                merged.stamped = merged.stamped.max(counters.stamped);
                merged.voided = merged.voided.max(counters.voided);
                merged.redeemed = merged.redeemed.max(counters.redeemed);
            }
            merged.stamped_on_last_day = day_count_of(self, a).max(day_count_of(other, b));
            entries
                .push(merged)
                .map_err(|_| CardMergeError::TerminalSlotsFull)?;
        }
        Ok(Card {
            program: self.program,
            generation,
            write_counter,
            last_stamp_day,
            entries,
        })
    }
}
