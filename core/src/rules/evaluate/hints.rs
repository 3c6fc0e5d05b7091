//! Nearest-miss hints: a rule that failed on one threshold alone says what is missing and what
//! it would give.

use crate::rules::effect::Effect;
use crate::rules::limits::MAX_HINTS;
use crate::rules::outcome::{Hint, Shortfall};
use crate::rules::rule_set::Rule;

use super::{Engine, EvalError, non_negative};

impl Engine<'_> {
    /// Records the hint of `rule`, whose condition at `position` misses by `shortfall` (the
    /// first [`MAX_HINTS`] in rule order are kept).
    pub(super) fn hint(
        &mut self,
        rule: &Rule,
        position: usize,
        shortfall: Shortfall,
    ) -> Result<(), EvalError> {
        if self.out.hints.len() >= MAX_HINTS {
            return Ok(());
        }
        let fixed = match rule.effect {
            Effect::BonusPoints { points, .. } => points,
            Effect::AmountOff { amount, .. } => non_negative(amount),
            Effect::Reward { .. } => 1,
            _ => 0,
        };
        let amount = rule.cap.map_or(fixed, |cap| fixed.min(cap));
        self.out
            .hints
            .push(Hint {
                rule: rule.id,
                condition: u8::try_from(position).map_err(|_| EvalError::Internal)?,
                shortfall,
                effect: rule.effect.kind(),
                amount,
            })
            .map_err(|_| EvalError::Internal)
    }
}
