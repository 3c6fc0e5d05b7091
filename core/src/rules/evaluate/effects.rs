//! Effects: what a rule gives on the current basket (caps included), its value in money for
//! "best" groups, and applying it: shares per line, totals, stamps, rewards, free items.

use crate::card::ProgramId;
use crate::money::{Money, Rounding, allocate_largest_remainder, div_round};
use crate::points::Points;
use crate::rules::effect::Effect;
use crate::rules::limits::MAX_LINES;
use crate::rules::outcome::{FreeItem, RewardGrant, Share, ShareKind, StampAward, Status};
use crate::rules::rule_set::Rule;

use super::{Computed, Engine, EvalError, OutcomeCapacity, at, at_mut, bit_of, has, non_negative};

impl Engine<'_> {
    /// Works out a rule's effect on the current state, caps included, without applying it.
    pub(super) fn compute(&self, rule: &Rule, computed: &mut Computed) -> Result<(), EvalError> {
        *computed = Computed::new();
        let lines = self.basket.len();
        let basis = self.rules.points_basis();
        let raw: u64 = match rule.effect {
            Effect::PointsPerAmount {
                selector,
                points,
                per,
                rounding,
            } => {
                let picked = self.eligible(selector, false)?;
                let mut sum = 0u64;
                for index in 0..lines {
                    if has(picked, index) {
                        let weight = non_negative(self.amount_of(index, basis)?);
                        *at_mut(&mut computed.weights, index)? = weight;
                        sum = sum.checked_add(weight).ok_or(EvalError::Overflow)?;
                    }
                }
                let product = i128::from(sum)
                    .checked_mul(i128::from(points))
                    .ok_or(EvalError::Overflow)?;
                let total = div_round(product, i128::from(per.minor()), rounding)?;
                u64::try_from(total).map_err(|_| EvalError::Overflow)?
            }
            Effect::Multiplier { selector, permille } => {
                let base = self.selected_base_points(selector, computed)?;
                let extra = i128::from(permille.saturating_sub(1_000));
                let product = i128::from(base)
                    .checked_mul(extra)
                    .ok_or(EvalError::Overflow)?;
                let total = div_round(product, 1_000, Rounding::Floor)?;
                u64::try_from(total).map_err(|_| EvalError::Overflow)?
            }
            Effect::BonusPoints { selector, points } => {
                let picked = self.eligible(selector, false)?;
                let mut sum = 0u64;
                for index in 0..lines {
                    if has(picked, index) {
                        let weight = non_negative(self.amount_of(index, basis)?);
                        *at_mut(&mut computed.weights, index)? = weight;
                        sum = sum.checked_add(weight).ok_or(EvalError::Overflow)?;
                    }
                }
                if sum == 0 { 0 } else { points }
            }
            Effect::PercentOff {
                selector,
                basis_points,
            } => {
                let sum = self.discount_weights(selector, computed)?;
                let discount =
                    Money::from_minor(i64::try_from(sum).map_err(|_| EvalError::Overflow)?)
                        .percent_bp(u32::from(basis_points), Rounding::HalfUp)?;
                non_negative(discount)
            }
            Effect::AmountOff { selector, amount } => {
                let sum = self.discount_weights(selector, computed)?;
                sum.min(non_negative(amount))
            }
            Effect::FreeItem { selector, units } => {
                let picked = self.eligible(selector, true)?;
                self.free_units(picked, units, computed)?
            }
            Effect::Stamps {
                selector, per_unit, ..
            } => {
                let picked = self.eligible(selector, false)?;
                let mut sum = 0u64;
                for (index, line) in self.basket.iter().enumerate() {
                    if has(picked, index) {
                        let stamps = u64::from(line.quantity)
                            .checked_mul(u64::from(per_unit))
                            .ok_or(EvalError::Overflow)?;
                        *at_mut(&mut computed.weights, index)? = stamps;
                        sum = sum.checked_add(stamps).ok_or(EvalError::Overflow)?;
                    }
                }
                sum
            }
            Effect::Reward { .. } => 1,
        };
        let mut total = raw;
        if let Some(cap) = rule.cap {
            if total > cap {
                total = cap;
                computed.capped = true;
            }
        }
        let kind = rule.effect.kind();
        let (max_points, max_discount) = self.rules.caps();
        let remaining = if kind.is_points() {
            max_points.map(|max| max.saturating_sub(self.out.points.0))
        } else if kind.is_discount() {
            max_discount
                .map(|max| non_negative(max).saturating_sub(non_negative(self.out.discount)))
        } else {
            None
        };
        if let Some(remaining) = remaining {
            if remaining == 0 && total > 0 {
                computed.cap_reached = true;
                total = 0;
            } else if total > remaining {
                total = remaining;
                computed.capped = true;
            }
        }
        computed.total = total;
        Ok(())
    }

    /// The base points the lines `selector` picks earn on their own: every points-per-amount
    /// rule that applied, recomputed on the lines both select (with its own rounding, at most
    /// what it gave). Monotone in spend, unlike the rounded line shares. Weights for sharing the
    /// extra: the amounts of those lines.
    fn selected_base_points(
        &self,
        selector: u8,
        computed: &mut Computed,
    ) -> Result<u64, EvalError> {
        let picked = self.eligible(selector, false)?;
        let basis = self.rules.points_basis();
        let mut base = 0u64;
        for (index, rule) in self.rules.rules().iter().enumerate() {
            if self.base_rules & bit_of(index)? == 0 {
                continue;
            }
            let Effect::PointsPerAmount {
                selector: base_selector,
                points,
                per,
                rounding,
            } = rule.effect
            else {
                return Err(EvalError::Internal);
            };
            let earns = self.eligible(base_selector, false)?;
            let mut amount = 0u64;
            for line in 0..self.basket.len() {
                if has(picked, line) && has(earns, line) {
                    let weight = non_negative(self.amount_of(line, basis)?);
                    *at_mut(&mut computed.weights, line)? = weight;
                    amount = amount.checked_add(weight).ok_or(EvalError::Overflow)?;
                }
            }
            let product = i128::from(amount)
                .checked_mul(i128::from(points))
                .ok_or(EvalError::Overflow)?;
            let points = div_round(product, i128::from(per.minor()), rounding)?;
            let points = u64::try_from(points).map_err(|_| EvalError::Overflow)?;
            let given = self.out.trace.get(index).ok_or(EvalError::Internal)?.amount;
            base = base
                .checked_add(points.min(given))
                .ok_or(EvalError::Overflow)?;
        }
        Ok(base)
    }

    /// The lines a selector picks that may earn (or, `for_discount`, be discounted).
    /// A bit per line.
    fn eligible(&self, selector: u8, for_discount: bool) -> Result<u32, EvalError> {
        let allowed = if for_discount {
            self.discountable
        } else {
            self.earning
        };
        Ok(self.line_mask(selector)? & allowed)
    }

    fn discount_weights(&self, selector: u8, computed: &mut Computed) -> Result<u64, EvalError> {
        let picked = self.eligible(selector, true)?;
        let mut sum = 0u64;
        for index in 0..self.basket.len() {
            if has(picked, index) {
                let weight = non_negative(at(&self.net, index)?);
                *at_mut(&mut computed.weights, index)? = weight;
                sum = sum.checked_add(weight).ok_or(EvalError::Overflow)?;
            }
        }
        Ok(sum)
    }

    /// Picks the cheapest `units` units among the picked lines (ties to the lower line) and
    /// returns their value: per line, units × unit price, at most the line's net amount.
    fn free_units(
        &self,
        picked: u32,
        units: u32,
        computed: &mut Computed,
    ) -> Result<u64, EvalError> {
        let mut left = units;
        let mut taken = [false; MAX_LINES];
        let mut total = 0u64;
        while left > 0 {
            let mut cheapest: Option<(usize, Money)> = None;
            for (index, line) in self.basket.iter().enumerate() {
                if !has(picked, index) || at(&taken, index)? || at(&self.net, index)? <= Money::ZERO
                {
                    continue;
                }
                if cheapest.is_none_or(|(_, price)| line.unit_price < price) {
                    cheapest = Some((index, line.unit_price));
                }
            }
            let Some((index, price)) = cheapest else {
                break;
            };
            *at_mut(&mut taken, index)? = true;
            let line = self.basket.get(index).ok_or(EvalError::Internal)?;
            let free = left.min(line.quantity);
            left = left.saturating_sub(free);
            let value = price
                .checked_mul(i64::from(free))?
                .min(at(&self.net, index)?);
            let value = non_negative(value);
            *at_mut(&mut computed.free_units, index)? = free;
            *at_mut(&mut computed.weights, index)? = value;
            total = total.checked_add(value).ok_or(EvalError::Overflow)?;
        }
        Ok(total)
    }

    /// The money value of a computed effect, as a fraction (numerator, denominator > 0), for
    /// "best" comparisons.
    pub(super) fn value(
        &self,
        rule: &Rule,
        computed: &Computed,
    ) -> Result<(i128, i128), EvalError> {
        let total = i128::from(computed.total);
        match rule.effect {
            Effect::PointsPerAmount { .. }
            | Effect::Multiplier { .. }
            | Effect::BonusPoints { .. } => {
                let rate = self.rules.redemption().ok_or(EvalError::Internal)?;
                let numerator = total
                    .checked_mul(i128::from(rate.value.minor()))
                    .ok_or(EvalError::Overflow)?;
                Ok((numerator, i128::from(rate.points)))
            }
            Effect::Stamps { program, .. } => {
                let program = self
                    .rules
                    .programs()
                    .iter()
                    .find(|p| p.id == program)
                    .ok_or(EvalError::Internal)?;
                let numerator = total
                    .checked_mul(i128::from(program.reward_value.minor()))
                    .ok_or(EvalError::Overflow)?;
                Ok((numerator, i128::from(program.stamps_needed)))
            }
            Effect::PercentOff { .. } | Effect::AmountOff { .. } | Effect::FreeItem { .. } => {
                Ok((total, 1))
            }
            Effect::Reward { .. } => Err(EvalError::Internal),
        }
    }

    /// Applies a computed effect (or records why it gave nothing) and traces it.
    pub(super) fn settle(
        &mut self,
        index: usize,
        rule: &Rule,
        computed: &Computed,
    ) -> Result<(), EvalError> {
        if computed.total == 0 {
            let status = if computed.cap_reached {
                Status::CapReached
            } else {
                Status::NothingEligible
            };
            return self.decide(index, status, 0);
        }
        self.apply(rule, computed)?;
        let status = if computed.capped {
            Status::Capped
        } else {
            Status::Applied
        };
        self.decide(index, status, computed.total)?;
        for limit in &rule.limits {
            let period_index = self.period_index(limit.period);
            self.out
                .customer
                .record_use(limit.counter, limit.period, period_index)?;
        }
        if matches!(rule.effect, Effect::PointsPerAmount { .. }) {
            self.base_rules |= bit_of(index)?;
        }
        if rule.stop {
            self.stopped_by = Some(rule.id);
        }
        Ok(())
    }

    /// Shares `total` out by `weights` with [`allocate_largest_remainder`] (the one share-out
    /// rule). Two shortcuts give the same shares without the division: weights that add up to
    /// the total are the shares, and the same total over the same weights as the last share-out
    /// gives the same shares.
    fn share_out(
        &mut self,
        total: u64,
        weights: &[u64; MAX_LINES],
        shares: &mut [u64; MAX_LINES],
    ) -> Result<(), EvalError> {
        let lines = self.basket.len();
        let used = weights.get(..lines).ok_or(EvalError::Internal)?;
        let sum = used
            .iter()
            .try_fold(0u64, |sum, &weight| sum.checked_add(weight))
            .ok_or(EvalError::Overflow)?;
        if sum == total {
            *shares = *weights;
            return Ok(());
        }
        if let Some((last_total, last_weights, last_shares)) = &self.last_shares {
            if *last_total == total && last_weights.get(..lines) == Some(used) {
                *shares = *last_shares;
                return Ok(());
            }
        }
        let out = shares.get_mut(..lines).ok_or(EvalError::Internal)?;
        allocate_largest_remainder(total, used, out)?;
        self.last_shares = Some((total, *weights, *shares));
        Ok(())
    }

    fn apply(&mut self, rule: &Rule, computed: &Computed) -> Result<(), EvalError> {
        let lines = self.basket.len();
        let mut shares = [0u64; MAX_LINES];
        if !matches!(rule.effect, Effect::Reward { .. }) {
            self.share_out(computed.total, &computed.weights, &mut shares)?;
        }
        let (kind, program) = match rule.effect {
            Effect::PointsPerAmount { .. }
            | Effect::Multiplier { .. }
            | Effect::BonusPoints { .. } => {
                self.out.points = self.out.points.checked_add(Points(computed.total))?;
                (ShareKind::Points, ProgramId(0))
            }
            Effect::PercentOff { .. } | Effect::AmountOff { .. } | Effect::FreeItem { .. } => {
                let total = Money::from_minor(
                    i64::try_from(computed.total).map_err(|_| EvalError::Overflow)?,
                );
                self.out.discount = self.out.discount.checked_add(total)?;
                (ShareKind::Discount, ProgramId(0))
            }
            Effect::Stamps { program, .. } => {
                match self
                    .out
                    .stamps
                    .iter_mut()
                    .find(|award| award.program == program)
                {
                    Some(award) => {
                        award.stamps = award
                            .stamps
                            .checked_add(computed.total)
                            .ok_or(EvalError::Overflow)?;
                    }
                    None => self
                        .out
                        .stamps
                        .push(StampAward {
                            program,
                            stamps: computed.total,
                        })
                        .map_err(|_| EvalError::Internal)?,
                }
                (ShareKind::Stamps, program)
            }
            Effect::Reward { reward } => {
                return self
                    .out
                    .rewards
                    .push(RewardGrant {
                        rule: rule.id,
                        reward,
                    })
                    .map_err(|_| EvalError::Capacity(OutcomeCapacity::Rewards));
            }
        };
        for index in 0..lines {
            let amount = at(&shares, index)?;
            let free = at(&computed.free_units, index)?;
            let line = u8::try_from(index).map_err(|_| EvalError::Internal)?;
            if free > 0 {
                self.out
                    .free_items
                    .push(FreeItem {
                        rule: rule.id,
                        line,
                        units: free,
                    })
                    .map_err(|_| EvalError::Capacity(OutcomeCapacity::FreeItems))?;
            }
            if amount == 0 {
                continue;
            }
            self.out
                .shares
                .push(Share {
                    rule: rule.id,
                    line,
                    kind,
                    program,
                    amount,
                })
                .map_err(|_| EvalError::Capacity(OutcomeCapacity::Shares))?;
            match kind {
                ShareKind::Points | ShareKind::Stamps => {}
                ShareKind::Discount => {
                    let money =
                        Money::from_minor(i64::try_from(amount).map_err(|_| EvalError::Overflow)?);
                    let net = at_mut(&mut self.net, index)?;
                    *net = net.checked_sub(money)?;
                    let result = at_mut(&mut self.out.lines, index)?;
                    result.discount = result.discount.checked_add(money)?;
                }
            }
        }
        Ok(())
    }
}
