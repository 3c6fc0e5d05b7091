//! Nearest-miss hints: a rule that failed on one threshold says what is missing and what it
//! would give.

use crate::rules::condition::Condition;
use crate::rules::effect::Effect;
use crate::rules::limits::MAX_HINTS;
use crate::rules::outcome::Hint;
use crate::rules::rule_set::Rule;

use super::{Engine, EvalError, non_negative};

impl Engine<'_> {
    pub(super) fn hint(
        &mut self,
        rule: &Rule,
        position: u8,
        condition: &Condition,
    ) -> Result<(), EvalError> {
        let Some(shortfall) = self.shortfall(condition)? else {
            return Ok(());
        };
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
                condition: position,
                shortfall,
                effect: rule.effect.kind(),
                amount,
            })
            .map_err(|_| EvalError::Internal)
    }
}
