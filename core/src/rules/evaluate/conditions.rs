//! The engine's reading of the basket: the lines each selector picks, their amounts, and
//! whether each condition holds (or, for thresholds, what is missing).

use crate::money::Money;
use crate::rules::condition::Condition;
use crate::rules::limits::MAX_LINES;
use crate::rules::outcome::Shortfall;
use crate::rules::selector::{Basis, Selector};

use super::{Engine, EvalError, LINE_BITS, Line, LinesOf, at};

/// The lines (a bit per line) whose SKU (or, `by_category`, category) is one of `ids`.
fn lines_with(basket: &[Line], by_category: bool, ids: &[u32]) -> u32 {
    let mut mask = 0u32;
    for &id in ids {
        for (line, &bit) in basket.iter().zip(&LINE_BITS) {
            let value = if by_category { line.category } else { line.sku };
            if value == id {
                mask |= bit;
            }
        }
    }
    mask
}

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
        let lists = self.rules.lists(self.selector(index)?);
        // A line is picked when its SKU or category is listed (or the selector takes all), and
        // neither is excluded.
        let basket = self.basket;
        let included = if lists.all {
            self.lines
        } else {
            lines_with(basket, false, lists.skus) | lines_with(basket, true, lists.categories)
        };
        let excluded = lines_with(basket, false, lists.exclude_skus)
            | lines_with(basket, true, lists.exclude_categories);
        let mask = included & !excluded;
        cell.set(mask);
        self.selectors_known.set(self.selectors_known.get() | bit);
        Ok(mask)
    }

    /// Every line's amount on `basis`.
    pub(super) const fn amounts(&self, basis: Basis) -> &[Money; MAX_LINES] {
        match basis {
            Basis::Gross => &self.gross,
            Basis::Net => &self.net,
        }
    }

    /// The amount on `basis` of the lines of `mask`.
    fn amount_in(&self, mask: u32, basis: Basis) -> Result<Money, EvalError> {
        let amounts = self.amounts(basis);
        let mut amount = Money::ZERO;
        for line in LinesOf(mask) {
            amount = amount.checked_add(at(amounts, line)?)?;
        }
        Ok(amount)
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
                spend(self.amount_in(self.lines, basis)?, at_least)
            }
            Condition::Amount {
                selector,
                basis,
                at_least,
            } => spend(self.amount_in(self.line_mask(selector)?, basis)?, at_least),
            Condition::Quantity { selector, at_least } => {
                let mut have = 0u64;
                for line in LinesOf(self.line_mask(selector)?) {
                    let quantity = self.basket.get(line).ok_or(EvalError::Internal)?.quantity;
                    have = have
                        .checked_add(u64::from(quantity))
                        .ok_or(EvalError::Overflow)?;
                }
                let need = u64::from(at_least);
                Ok((have < need)
                    .then(|| u32::try_from(need.saturating_sub(have)).unwrap_or(u32::MAX))
                    .map(Shortfall::Units))
            }
            _ => Ok(None),
        }
    }

    /// Whether a condition that does not add up basket lines holds (thresholds: `true`; see
    /// [`Engine::shortfall`]).
    pub(super) fn holds_plain(&self, condition: &Condition) -> Result<bool, EvalError> {
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
            Condition::FeedbackGroup { mask } => customer
                .feedback
                .and_then(|latest| 1u8.checked_shl(u32::from(latest.group().code())))
                .is_some_and(|bit| mask & bit != 0),
            Condition::FeedbackWithinDays { days } => customer
                .feedback
                .is_some_and(|latest| self.day.days_since(latest.feedback.day) <= i32::from(days)),
            Condition::Anniversary { within_days } => {
                match customer.first_visit_day().map_err(EvalError::Customer)? {
                    Some(first) => {
                        let distance = self
                            .day
                            .days_to_anniversary(first.date().month(), first.date().day())
                            .map_err(EvalError::Time)?;
                        // The nearest anniversary must come after the first visit: the first
                        // visit day itself is not an anniversary.
                        distance.unsigned_abs() <= u32::from(within_days)
                            && self
                                .day
                                .days_since(first)
                                .checked_add(distance)
                                .unwrap_or(0)
                                > 0
                    }
                    None => false,
                }
            }
            // Only the sale that starts the visit makes the count N: a second basket of the
            // same day has the same visit number but leaves the count as it was. A retry of the
            // sale the record last counted (its event id) is that sale again.
            Condition::VisitMilestones { visits } => {
                (self.visit_number != customer.visits
                    || customer.churn_event == Some(context.event))
                    && self.rules.ids(visits).contains(&self.visit_number)
            }
        })
    }
}
