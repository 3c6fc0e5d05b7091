//! Merging two copies of an account: exact where one copy holds every event of the other.

use super::AccountMergeError;
use super::account::Account;

impl Account {
    /// True if `self` holds every event `other` holds.
    fn covers(&self, other: &Account) -> bool {
        other
            .terminals
            .iter()
            .all(|&(terminal, sequence)| self.sequence_of(terminal) >= sequence)
    }

    /// Merges two copies of the same account (same customer, same program) and returns the
    /// merged account; both inputs are unchanged.
    ///
    /// When one copy holds every event of the other, the result is that copy, settled up to the
    /// later of the two copies' days, with a write counter one more than the larger of the two
    /// (so a terminal that sees it refuses both inputs afterwards). This is commutative,
    /// associative and idempotent on everything but the write counter. Copies that each hold
    /// events the other lacks are refused: replay the missing events onto one of them with
    /// [`Account::apply`] (see the [module documentation](super)).
    ///
    /// Errors: [`AccountMergeError::ProgramMismatch`], [`AccountMergeError::ConcurrentCopies`],
    /// [`AccountMergeError::Diverged`], [`AccountMergeError::WriteCounterExhausted`].
    pub fn merge(&self, other: &Account) -> Result<Account, AccountMergeError> {
        if self.program != other.program {
            return Err(AccountMergeError::ProgramMismatch);
        }
        let latest = self.as_of.max(other.as_of);
        let settle = |copy: &Account| {
            let mut settled = copy.clone();
            if let Some(day) = latest {
                // Both days were accepted before, so settling cannot fail.
                settled
                    .settle(day)
                    .map_err(|_| AccountMergeError::Diverged)?;
            }
            Ok::<Account, AccountMergeError>(settled)
        };
        let mut merged = match (self.covers(other), other.covers(self)) {
            (true, false) => settle(self)?,
            (false, true) => settle(other)?,
            (true, true) => {
                let (mine, theirs) = (settle(self)?, settle(other)?);
                let same = mine.debt == theirs.debt
                    && mine.lots == theirs.lots
                    && mine.terminals == theirs.terminals;
                if !same {
                    return Err(AccountMergeError::Diverged);
                }
                mine
            }
            (false, false) => return Err(AccountMergeError::ConcurrentCopies),
        };
        merged.write_counter = self
            .write_counter
            .max(other.write_counter)
            .checked_add(1)
            .ok_or(AccountMergeError::WriteCounterExhausted)?;
        Ok(merged)
    }
}
