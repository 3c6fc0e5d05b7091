//! Merging two copies of an account: the newer checkpoint and the union of the recent events —
//! the join of a chain (checkpoints ordered by their watermarks) and a set (events by id).

use heapless::Vec;

use super::account::Account;
use super::recent::Recent;
use super::{AccountError, AccountMergeError, MAX_RECENT_EVENTS};

/// Appends a copy of `event` to `union`. Not inlined: copied inside `rtn_account_merge`, the
/// 20 bytes went through `memmove` (the C caller's pointers may alias), which kept 1.6 KB of
/// `compiler_builtins` in the firmware image for them; here both references are distinct.
#[inline(never)]
fn push_copy<const N: usize>(
    union: &mut Vec<Recent, N>,
    event: &Recent,
) -> Result<(), AccountMergeError> {
    union.push(*event).map_err(|_| AccountMergeError::Internal)
}

impl Account {
    /// True if every watermark of `other` is at or below this account's: this checkpoint has
    /// folded every event `other`'s has.
    fn covers(&self, other: &Account) -> bool {
        other
            .terminals
            .iter()
            .all(|&(terminal, watermark)| self.watermark(terminal) >= watermark)
    }

    /// Merges two copies of the same account (same customer, same program) that terminals
    /// updated offline, and returns the merged account; both inputs are unchanged.
    ///
    /// The result is the newer of the two checkpoints (the one whose watermarks are at or above
    /// the other's for every terminal) and the union of both copies' recent events above its
    /// watermarks, each event once, replayed in canonical order; its day is the later of the
    /// two, its write counter one more than the larger (so a terminal that sees it refuses both
    /// inputs afterwards). Two equal copies (an account merged with itself, write counter
    /// included) merge to that same account, write counter unchanged. This is commutative,
    /// associative and idempotent on everything but the write counter (which is only ever
    /// larger than both inputs' or, for equal inputs, theirs), and nothing is lost or counted
    /// twice — provided each terminal applied its
    /// events to a copy holding its own earlier ones (see the [module documentation](super)).
    /// A redemption made on both copies shows as `overdrawn` in the merged account's
    /// [`summary`](Account::summary).
    ///
    /// Errors, each where bounded state cannot merge without breaking a law:
    /// [`AccountMergeError::ProgramMismatch`]; [`AccountMergeError::IncomparableCheckpoints`]
    /// (both copies compacted since they diverged); [`AccountMergeError::RecentEventsFull`]
    /// (more than [`MAX_RECENT_EVENTS`] events above the newer checkpoint together);
    /// [`AccountMergeError::TerminalSlotsFull`]; [`AccountMergeError::Diverged`] (one event id
    /// with two different effects, or equal watermarks with different checkpoints);
    /// [`AccountMergeError::Overflow`] (a lot or what is owed beyond its maximum);
    /// [`AccountMergeError::WriteCounterExhausted`].
    pub fn merge(&self, other: &Account) -> Result<Account, AccountMergeError> {
        if self.program != other.program {
            return Err(AccountMergeError::ProgramMismatch);
        }
        if self == other {
            // Nothing to join: the same account, not a newer write.
            return Ok(self.clone());
        }
        let newer = match (self.covers(other), other.covers(self)) {
            (true, true) if self.checkpoint != other.checkpoint => {
                return Err(AccountMergeError::Diverged);
            }
            (true, _) => self,
            (false, true) => other,
            (false, false) => return Err(AccountMergeError::IncomparableCheckpoints),
        };
        let mut union: Vec<Recent, { 2 * MAX_RECENT_EVENTS }> = Vec::new();
        for event in self.recent.iter().chain(&other.recent) {
            if event.id.sequence <= newer.watermark(event.id.terminal) {
                continue; // folded into the newer checkpoint
            }
            match union.iter_mut().find(|known| known.id == event.id) {
                Some(known) if known.same_event(event) => known.day = known.day.min(event.day),
                Some(_) => return Err(AccountMergeError::Diverged),
                None => push_copy(&mut union, event)?,
            }
        }
        if union.len() > MAX_RECENT_EVENTS {
            return Err(AccountMergeError::RecentEventsFull);
        }
        let mut merged = Account {
            program: self.program,
            write_counter: self
                .write_counter
                .max(other.write_counter)
                .checked_add(1)
                .ok_or(AccountMergeError::WriteCounterExhausted)?,
            as_of: self.as_of.max(other.as_of),
            terminals: Vec::new(),
            checkpoint: newer.checkpoint.clone(),
            recent: Vec::new(),
        };
        for &entry in newer
            .terminals
            .iter()
            .filter(|(_, watermark)| *watermark > 0)
        {
            merged
                .terminals
                .push(entry)
                .map_err(|_| AccountMergeError::Internal)?;
        }
        // By reference: `heapless::vec::IntoIter`'s drop slices with a check the firmware
        // build keeps as a panic path.
        for &event in &union {
            merged.insert(event).map_err(|error| match error {
                AccountError::TerminalSlotsFull => AccountMergeError::TerminalSlotsFull,
                _ => AccountMergeError::Internal,
            })?;
        }
        if let Some(day) = merged.as_of {
            merged.view(day).map_err(|error| match error {
                AccountError::Overflow => AccountMergeError::Overflow,
                _ => AccountMergeError::Internal,
            })?;
        }
        Ok(merged)
    }
}
