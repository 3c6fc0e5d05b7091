//! Effects: what a rule gives on the current basket (caps included), its value in money for
//! "best" groups, and applying it: shares per line, totals, stamps, rewards, free items.

use crate::card::ProgramId;
use crate::money::{Money, Rounding, allocate_largest_remainder, div_round};
use crate::points::Points;
use crate::rules::effect::Effect;
use crate::rules::limits::MAX_LINES;
use crate::rules::outcome::{FreeItem, Outcome, RewardGrant, Share, ShareKind, StampAward, Status};
use crate::rules::rule_set::Rule;

use crate::rules::selector::Basis;

use super::{
    Computed, Engine, EvalError, LINE_BITS, LinesOf, OutcomeCapacity, at, at_mut, bit_of,
    non_negative,
};

impl Engine<'_> {
    /// Works out a rule's effect on the current state, caps included, without applying it.
    pub(super) fn compute(&self, rule: &Rule, computed: &mut Computed) -> Result<(), EvalError> {
        computed.reset();
        let raw: u64 = match rule.effect {
            Effect::PointsPerAmount {
                selector,
                points,
                per,
                rounding,
            } => {
                let picked = self.eligible(selector, false)?;
                let sum = self.weigh_by_amount(picked, self.rules.points_basis(), computed)?;
                points_for(sum, points, per.minor(), rounding)?
            }
            Effect::Multiplier { selector, permille } => {
                let base = self.selected_base_points(selector, computed)?;
                let extra = u128::from(permille.saturating_sub(1_000));
                // Below 2^64 · 2^32: no overflow; the floor of the thousandths.
                let product = u128::from(base).wrapping_mul(extra);
                u64::try_from(product / MILLE).map_err(|_| EvalError::Overflow)?
            }
            Effect::BonusPoints { selector, points } => {
                let picked = self.eligible(selector, false)?;
                let sum = self.weigh_by_amount(picked, self.rules.points_basis(), computed)?;
                if sum == 0 { 0 } else { points }
            }
            Effect::PercentOff {
                selector,
                basis_points,
            } => {
                let picked = self.eligible(selector, true)?;
                let sum = self.weigh_by_amount(picked, Basis::Net, computed)?;
                let discount =
                    Money::from_minor(i64::try_from(sum).map_err(|_| EvalError::Overflow)?)
                        .percent_bp(u32::from(basis_points), Rounding::HalfUp)?;
                non_negative(discount)
            }
            Effect::AmountOff { selector, amount } => {
                let picked = self.eligible(selector, true)?;
                let sum = self.weigh_by_amount(picked, Basis::Net, computed)?;
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
                for line in LinesOf(picked) {
                    let quantity = self.basket.get(line).ok_or(EvalError::Internal)?.quantity;
                    let stamps = u64::from(quantity)
                        .checked_mul(u64::from(per_unit))
                        .ok_or(EvalError::Overflow)?;
                    computed.weigh(line, stamps)?;
                }
                computed.weight_sum
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

    /// Weighs the lines of `mask` by their amount on `basis` (lines of no amount are left out:
    /// they get no share) and returns the sum.
    fn weigh_by_amount(
        &self,
        mask: u32,
        basis: Basis,
        computed: &mut Computed,
    ) -> Result<u64, EvalError> {
        let amounts = self.amounts(basis);
        for line in LinesOf(mask) {
            let weight = non_negative(at(amounts, line)?);
            if weight > 0 {
                computed.weigh(line, weight)?;
            }
        }
        computed.by_amount = Some(basis);
        Ok(computed.weight_sum)
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
        let amounts = self.amounts(basis);
        let mut base = 0u64;
        // The lines some base rule earned on: the extra is shared over them.
        let mut earned = 0u32;
        let mut rules = self.base_rules;
        while rules != 0 {
            let index = usize::try_from(rules.trailing_zeros()).map_err(|_| EvalError::Internal)?;
            rules &= rules.wrapping_sub(1);
            let rule = self.rules.rules().get(index).ok_or(EvalError::Internal)?;
            let Effect::PointsPerAmount {
                selector: base_selector,
                points,
                per,
                rounding,
            } = rule.effect
            else {
                return Err(EvalError::Internal);
            };
            let lines = picked & self.eligible(base_selector, false)?;
            earned |= lines;
            let mut amount = 0u64;
            for line in LinesOf(lines) {
                amount = amount
                    .checked_add(non_negative(at(amounts, line)?))
                    .ok_or(EvalError::Overflow)?;
            }
            let points = points_for(amount, points, per.minor(), rounding)?;
            let given = self.out.trace.get(index).ok_or(EvalError::Internal)?.amount;
            base = base
                .checked_add(points.min(given))
                .ok_or(EvalError::Overflow)?;
        }
        self.weigh_by_amount(earned, basis, computed)?;
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

    /// Picks the cheapest `units` units among the picked lines (ties to the lower line) and
    /// returns their value: per line, units × unit price, at most the line's net amount.
    fn free_units(
        &self,
        picked: u32,
        units: u32,
        computed: &mut Computed,
    ) -> Result<u64, EvalError> {
        let mut left = units;
        // Lines that can still give a unit: picked, with something left to pay.
        let mut open = 0u32;
        for line in LinesOf(picked) {
            if at(&self.net, line)? > Money::ZERO {
                open |= at(&LINE_BITS, line)?;
            }
        }
        let mut taken = 0u32;
        let mut values = [0u64; MAX_LINES];
        while left > 0 {
            let mut cheapest: Option<(usize, Money)> = None;
            for line in LinesOf(open) {
                let price = self.basket.get(line).ok_or(EvalError::Internal)?.unit_price;
                if cheapest.is_none_or(|(_, cheapest)| price < cheapest) {
                    cheapest = Some((line, price));
                }
            }
            let Some((line, price)) = cheapest else {
                break;
            };
            let bit = at(&LINE_BITS, line)?;
            open &= !bit;
            taken |= bit;
            let quantity = self.basket.get(line).ok_or(EvalError::Internal)?.quantity;
            let units = left.min(quantity);
            left = left.saturating_sub(units);
            *at_mut(&mut values, line)? = non_negative(
                price
                    .checked_mul(i64::from(units))?
                    .min(at(&self.net, line)?),
            );
            *at_mut(&mut computed.free_units, line)? = units;
        }
        // Weighed in line order, as every effect lists its lines.
        for line in LinesOf(taken) {
            computed.weigh(line, at(&values, line)?)?;
        }
        Ok(computed.weight_sum)
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

    /// Shares the computed total out over its lines with [`allocate_largest_remainder`] (the
    /// one share-out rule), into `last_shares`, one share per line of `computed.lines` in line
    /// order. The same total over the same amounts as the last share-out (the same lines, basis
    /// and discounts) gives the same shares, which are kept.
    fn share_out(&mut self, computed: &Computed) -> Result<(), EvalError> {
        let last = &self.last_shares;
        if computed.by_amount.is_some()
            && last.by_amount == computed.by_amount
            && last.lines == computed.lines
            && last.total == computed.total
            && (computed.by_amount == Some(Basis::Gross) || last.discounts == self.discounts)
        {
            return Ok(());
        }
        let weights = computed.used_weights()?;
        let last = &mut self.last_shares;
        let shares = last
            .shares
            .get_mut(..weights.len())
            .ok_or(EvalError::Internal)?;
        allocate_largest_remainder(computed.total, weights, shares)?;
        last.total = computed.total;
        last.lines = computed.lines;
        last.by_amount = computed.by_amount;
        last.discounts = self.discounts;
        Ok(())
    }

    fn apply(&mut self, rule: &Rule, computed: &Computed) -> Result<(), EvalError> {
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
        if matches!(rule.effect, Effect::FreeItem { .. }) {
            for line in LinesOf(computed.lines) {
                let units = at(&computed.free_units, line)?;
                if units > 0 {
                    self.out
                        .free_items
                        .push(FreeItem {
                            rule: rule.id,
                            line: u8::try_from(line).map_err(|_| EvalError::Internal)?,
                            units,
                        })
                        .map_err(|_| EvalError::Capacity(OutcomeCapacity::FreeItems))?;
                }
            }
        }
        let share = ShareOf {
            rule: rule.id,
            kind,
            program,
        };
        // Weights that add up to the total are the shares (stamps, free items, an uncapped
        // amount off): no division.
        if computed.weight_sum != computed.total {
            self.share_out(computed)?;
            for (line, &amount) in LinesOf(computed.lines).zip(&self.last_shares.shares) {
                share.record(self.out, &mut self.net, line, amount)?;
            }
        } else {
            for (line, &amount) in LinesOf(computed.lines).zip(computed.used_weights()?) {
                share.record(self.out, &mut self.net, line, amount)?;
            }
        }
        if kind == ShareKind::Discount {
            self.discounts = self.discounts.wrapping_add(1);
        }
        Ok(())
    }
}

/// What a rule's line shares are: its id, and points, discount or stamps (of a program).
struct ShareOf {
    rule: u16,
    kind: ShareKind,
    program: ProgramId,
}

impl ShareOf {
    /// Records `amount` for line `line` (nothing for 0): into the attribution and, for a
    /// discount, into the line's result and its net amount.
    fn record(
        &self,
        out: &mut Outcome,
        net: &mut [Money; MAX_LINES],
        line: usize,
        amount: u64,
    ) -> Result<(), EvalError> {
        if amount == 0 {
            return Ok(());
        }
        out.shares
            .push(Share {
                rule: self.rule,
                line: u8::try_from(line).map_err(|_| EvalError::Internal)?,
                kind: self.kind,
                program: self.program,
                amount,
            })
            .map_err(|_| EvalError::Capacity(OutcomeCapacity::Shares))?;
        if self.kind == ShareKind::Discount {
            let money = Money::from_minor(i64::try_from(amount).map_err(|_| EvalError::Overflow)?);
            let net = at_mut(net, line)?;
            *net = net.checked_sub(money)?;
            let result = at_mut(&mut out.lines, line)?;
            result.discount = result.discount.checked_add(money)?;
        }
        Ok(())
    }
}

/// Thousandths in one: a multiplier's permille.
const MILLE: u128 = 1_000;

/// `amount · points / per`, rounded with `rounding`: a points-per-amount rule's points.
fn points_for(amount: u64, points: u32, per: i64, rounding: Rounding) -> Result<u64, EvalError> {
    let product = i128::from(amount)
        .checked_mul(i128::from(points))
        .ok_or(EvalError::Overflow)?;
    let total = div_round(product, i128::from(per), rounding)?;
    u64::try_from(total).map_err(|_| EvalError::Overflow)
}
