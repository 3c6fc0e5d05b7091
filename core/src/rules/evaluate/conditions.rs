//! The engine's reading of the basket: the lines each selector picks, their amounts, and
//! whether each condition holds (or, for thresholds, what is missing).

use crate::money::Money;
use crate::rules::condition::Condition;
use crate::rules::outcome::Shortfall;
use crate::rules::selector::{Basis, Selector};

use super::{Engine, EvalError, at, line_bit};

impl<'a> Engine<'a> {
    fn selector(&self, index: u8) -> Result<&'a Selector, EvalError> {
        self.rules.selector(index).ok_or(EvalError::Internal)
    }

    /// The lines selector `index` picks, a bit per line; worked out once per evaluation.
    pub(super) fn line_mask(&self, index: u8) -> Result<u32, EvalError> {
        let bit = 1u64
            .checked_shl(u32::from(index))
            .ok_or(EvalError::Internal)?;
        let cell = self
            .selector_lines
            .get(usize::from(index))
            .ok_or(EvalError::Internal)?;
        if self.selectors_known.get() & bit != 0 {
            return Ok(cell.get());
        }
        let selector = self.selector(index)?;
        let lists = self.rules.lists(selector);
        let mut mask = 0u32;
        if lists.is_everything() {
            mask = u32::MAX;
        } else {
            for (position, line) in self.basket.iter().enumerate() {
                if lists.matches(line.sku, line.category) {
                    mask |= line_bit(position)?;
                }
            }
        }
        cell.set(mask);
        self.selectors_known.set(self.selectors_known.get() | bit);
        Ok(mask)
    }

    pub(super) fn amount_of(&self, index: usize, basis: Basis) -> Result<Money, EvalError> {
        match basis {
            Basis::Gross => at(&self.gross, index),
            Basis::Net => at(&self.net, index),
        }
    }

    /// The amount (on `basis`) and units of the lines `selector` picks (all lines for `None`).
    fn totals(&self, selector: Option<u8>, basis: Basis) -> Result<(Money, u64), EvalError> {
        let mask = match selector {
            Some(selector) => self.line_mask(selector)?,
            None => u32::MAX,
        };
        let mut amount = Money::ZERO;
        let mut units = 0u64;
        for (index, line) in self.basket.iter().enumerate() {
            if mask & line_bit(index)? != 0 {
                amount = amount.checked_add(self.amount_of(index, basis)?)?;
                units = units
                    .checked_add(u64::from(line.quantity))
                    .ok_or(EvalError::Overflow)?;
            }
        }
        Ok((amount, units))
    }

    pub(super) fn holds(&self, condition: &Condition) -> Result<bool, EvalError> {
        Ok(self.shortfall(condition)?.is_none() && self.holds_simple(condition)?)
    }

    /// For threshold conditions: what is missing (`None` when met). Other conditions: `None`.
    pub(super) fn shortfall(&self, condition: &Condition) -> Result<Option<Shortfall>, EvalError> {
        let spend = |have: Money, need: Money| -> Result<Option<Shortfall>, EvalError> {
            Ok((have < need)
                .then(|| need.checked_sub(have))
                .transpose()?
                .map(Shortfall::Spend))
        };
        match *condition {
            Condition::BasketTotal { basis, at_least } => {
                let (have, _) = self.totals(None, basis)?;
                spend(have, at_least)
            }
            Condition::Amount {
                selector,
                basis,
                at_least,
            } => {
                let (have, _) = self.totals(Some(selector), basis)?;
                spend(have, at_least)
            }
            Condition::Quantity { selector, at_least } => {
                let (_, have) = self.totals(Some(selector), Basis::Gross)?;
                let need = u64::from(at_least);
                Ok((have < need)
                    .then(|| u32::try_from(need.saturating_sub(have)).unwrap_or(u32::MAX))
                    .map(Shortfall::Units))
            }
            _ => Ok(None),
        }
    }

    fn holds_simple(&self, condition: &Condition) -> Result<bool, EvalError> {
        let customer = self.customer;
        let context = self.context;
        Ok(match *condition {
            Condition::BasketTotal { .. }
            | Condition::Amount { .. }
            | Condition::Quantity { .. } => true,
            Condition::Weekdays { mask } => mask & self.day.weekday().mask_bit() != 0,
            Condition::TimeOfDay { from, until } => from <= self.minute && self.minute < until,
            Condition::Stores { stores } => self.rules.ids(stores).contains(&context.store),
            Condition::Channels { mask } => 1u32
                .checked_shl(u32::from(context.channel))
                .is_some_and(|bit| mask & bit != 0),
            Condition::TierAtLeast { tier } => customer.tier >= tier,
            Condition::SegmentsAny { mask } => customer.segments & mask != 0,
            Condition::SegmentsAll { mask } => customer.segments & mask == mask,
            Condition::NthVisit { every } => self
                .visit_number
                .checked_rem(every)
                .is_some_and(|rest| rest == 0),
            Condition::VisitsAtLeast { visits } => self.visit_number >= visits,
            Condition::FirstPurchase => customer.is_first_purchase(),
            Condition::Birthday { within_days } => match customer.birthday {
                Some(birthday) => {
                    let distance = self
                        .day
                        .days_to_anniversary(birthday.month(), birthday.day())
                        .map_err(EvalError::Time)?;
                    distance.unsigned_abs() <= u32::from(within_days)
                }
                None => false,
            },
            Condition::LapsedDays { days } => {
                match customer.last_visit_day().map_err(EvalError::Customer)? {
                    Some(last) => self.day.days_since(last) >= i32::from(days),
                    None => false,
                }
            }
            Condition::ChurnRiskAtLeast { risk } => context.churn_risk.is_some_and(|r| r >= risk),
            Condition::Coupon { coupon } => context.coupons.contains(&coupon),
        })
    }
}
