//! Evaluation: a basket, a customer and a context against a rule set, into an [`Outcome`].
//!
//! No heap, bounded time: O(rules × (conditions + lines × list length)) plus, per exclusive
//! group, its members once more; everything is written into the caller's [`Outcome`].

use core::cell::Cell;

use serde::{Deserialize, Serialize};

use crate::churn::summary::PurchaseError;
use crate::customer::{CustomerRecord, UsagePeriod};
use crate::money::Money;
use crate::terminal::EventId;
use crate::time::{Day, Timestamp, UtcOffset};

use super::condition::MAX_CHURN_RISK;
use super::limits::{MAX_COUPONS, MAX_LINES, MAX_RULES, MAX_SELECTORS};
use super::outcome::{LineResult, Outcome, Status, TraceEntry};
use super::rule_set::{GroupMode, Rule, RuleSet};
use super::selector::Basis;

mod conditions;
mod effects;
mod error;
mod hints;

pub use error::{EvalError, OutcomeCapacity};

/// The highest channel id (channels are bits of a 32-bit mask).
pub const MAX_CHANNEL: u8 = 31;

/// One basket line: an item, how many, at what unit price.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Line {
    /// The item's SKU id.
    pub sku: u32,
    /// The item's category id.
    pub category: u32,
    /// Units, at least 1.
    pub quantity: u32,
    /// Price of one unit in minor units, not negative.
    pub unit_price: Money,
}

impl Line {
    /// A line of `quantity` units of `sku` (in `category`) at `unit_price` minor units each.
    #[must_use]
    pub const fn new(sku: u32, category: u32, quantity: u32, unit_price: i64) -> Line {
        Line {
            sku,
            category,
            quantity,
            unit_price: Money::from_minor(unit_price),
        }
    }
}

/// The circumstances of a sale. Fields missing from a serialized context take their defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Context {
    /// When (Unix seconds).
    pub now: Timestamp,
    /// The terminal's UTC offset: local days, weekdays and times of day follow it.
    pub offset: UtcOffset,
    /// The store's id.
    pub store: u32,
    /// The sales channel, 0..=[`MAX_CHANNEL`].
    pub channel: u8,
    /// Coupons the customer presented.
    pub coupons: heapless::Vec<u32, MAX_COUPONS>,
    /// The transaction's id (terminal and sequence), named by the outcome and its refunds.
    /// Sequence numbers start at 1: 0 (the default's) is [`EvalError::InvalidEventId`].
    pub event: EventId,
    /// The churn scorer's risk for the customer, 0..=1000, if known.
    pub churn_risk: Option<u16>,
    /// The hash ([`ChurnModel::hash`](crate::churn::model::ChurnModel::hash)) of the model that
    /// gave `churn_risk`. A rule set that pins a model ([`RuleSet::model_pin`]) refuses a
    /// known risk unless this is its pin ([`EvalError::ChurnModelNotPinned`]); other rule sets
    /// ignore it.
    pub churn_model: Option<[u8; 32]>,
}

/// Evaluates `basket` for `customer` in `context` against `rule_set`, writing the outcome into
/// `out`.
///
/// Order: discount rules first, in priority order, each on the basket net of earlier
/// discounts; then earning rules in priority order, on the rule set's basis (gross or net).
/// Each rule rounds once on its eligible amount (points: floor unless the rule states
/// otherwise; money: half up) and shares its total out to lines by largest remainder. An
/// exclusive group is decided where its first member comes in that order. See `docs/rules.md`.
///
/// A sale the record already counted (its last counted event is `context.event`, sequence not 0:
/// a retry) leaves the record as it came in: `out.customer` equals `customer`, so usage counts,
/// visits and the churn summary count each sale once.
///
/// Errors: [`EvalError`]; among them [`EvalError::InvalidEventId`] for `context.event` with
/// sequence number 0, which applying the outcome to a card or account would refuse.
///
/// On error `out` is left empty ([`Outcome::clear`]); the rule set and record are never changed.
pub fn evaluate(
    rule_set: &RuleSet,
    basket: &[Line],
    customer: &CustomerRecord,
    context: &Context,
    out: &mut Outcome,
) -> Result<(), EvalError> {
    out.clear();
    let mut engine = Engine::new(rule_set, basket, customer, context, out);
    let mut computed = Computed::new();
    let result = engine.start().and_then(|()| engine.run(&mut computed));
    if result.is_err() {
        out.clear();
    }
    result
}

/// A rule's effect worked out against the current basket state: its total and the lines it is
/// shared over, with their weights — the lines' amounts on a basis, or exact values (stamps,
/// free items).
struct Computed {
    /// What the rule gives after caps.
    total: u64,
    /// Reduced by the rule's or the transaction's cap.
    capped: bool,
    /// The transaction's cap was used up before this rule.
    cap_reached: bool,
    /// The weighed lines, a bit per line.
    lines: u32,
    /// How many lines are weighed.
    count: usize,
    /// The weight of each weighed line, in line order (`count` of them).
    weights: [u64; MAX_LINES],
    /// The sum of the weights.
    weight_sum: u64,
    /// `Some(basis)` when the weights are the lines' amounts on that basis.
    by_amount: Option<Basis>,
    /// Free units per line (free-item effects only, for the lines of `lines`).
    free_units: [u32; MAX_LINES],
}

impl Computed {
    const fn new() -> Computed {
        Computed {
            total: 0,
            capped: false,
            cap_reached: false,
            lines: 0,
            count: 0,
            weights: [0; MAX_LINES],
            weight_sum: 0,
            by_amount: None,
            free_units: [0; MAX_LINES],
        }
    }

    /// Weighs line `line` (lines in ascending order, each once).
    fn weigh(&mut self, line: usize, weight: u64) -> Result<(), EvalError> {
        self.lines |= at(&LINE_BITS, line)?;
        *at_mut(&mut self.weights, self.count)? = weight;
        self.count = self.count.saturating_add(1);
        self.weight_sum = self
            .weight_sum
            .checked_add(weight)
            .ok_or(EvalError::Overflow)?;
        Ok(())
    }

    /// The weights, in line order.
    fn used_weights(&self) -> Result<&[u64], EvalError> {
        self.weights.get(..self.count).ok_or(EvalError::Internal)
    }

    /// Forgets the previous rule's effect (the arrays are read only up to `count` and for the
    /// lines of `lines`).
    fn reset(&mut self) {
        self.total = 0;
        self.capped = false;
        self.cap_reached = false;
        self.lines = 0;
        self.count = 0;
        self.weight_sum = 0;
        self.by_amount = None;
    }
}

/// The last share-out: a rule with the same total over the same weights (base points, then
/// "double points" on the same lines) reuses its shares.
struct LastShares {
    /// The total shared out.
    total: u64,
    /// The lines it was shared over.
    lines: u32,
    /// The basis of the amounts it was weighted by (`None`: not by amount; never reused).
    by_amount: Option<Basis>,
    /// The discounts applied when it was made (net amounts change with every discount).
    discounts: u32,
    /// The shares, one per line of `lines`, in line order.
    shares: [u64; MAX_LINES],
}

/// One evaluation's state: the inputs, the basket as discounts change it, and bookkeeping.
struct Engine<'a> {
    rules: &'a RuleSet,
    basket: &'a [Line],
    customer: &'a CustomerRecord,
    context: &'a Context,
    out: &'a mut Outcome,
    /// The local day of the sale.
    day: Day,
    /// The local minute of the day.
    minute: u16,
    /// This visit's number (a second basket the same day is the same visit).
    visit_number: u32,
    /// The basket's lines, a bit per line.
    lines: u32,
    /// Line amounts before discounts.
    gross: [Money; MAX_LINES],
    /// Line amounts net of the discounts applied so far.
    net: [Money; MAX_LINES],
    /// Points-per-amount rules that applied (a bit per rule index): the base of multipliers.
    base_rules: u64,
    /// The lines each selector picks (a bit per line), worked out on its first use.
    selector_lines: [Cell<u32>; MAX_SELECTORS],
    /// Which entries of `selector_lines` are worked out (a bit per selector).
    selectors_known: Cell<u64>,
    /// The last share-out, for the next rule over the same weights.
    last_shares: LastShares,
    /// Discount rules applied so far: a net amount read under another count is stale.
    discounts: u32,
    /// Lines that may earn (not excluded by the set's `non_earning`), a bit per line.
    earning: u32,
    /// Lines that may be discounted, a bit per line.
    discountable: u32,
    /// Rules whose trace entry is final (a bit per rule index).
    decided: u64,
    /// The rule whose `stop` ended processing, if one did.
    stopped_by: Option<u16>,
}

/// The bit of each line in a 32-bit line mask.
// Evaluated at compile time: an index out of bounds would fail the build, not panic.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const LINE_BITS: [u32; MAX_LINES] = {
    let mut bits = [0u32; MAX_LINES];
    let mut line = 0;
    while line < MAX_LINES {
        bits[line] = 1 << line;
        line += 1;
    }
    bits
};

/// The lines of a line mask, ascending.
#[derive(Clone, Copy)]
struct LinesOf(u32);

impl Iterator for LinesOf {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        // Below 32 for a mask that is not 0; the `& 31` lets the compiler see it, so indexing a
        // line array with it needs no bounds check.
        let line = self.0.trailing_zeros() & 31;
        // Clears the lowest set bit.
        self.0 &= self.0.wrapping_sub(1);
        usize::try_from(line).ok()
    }
}

/// The bit of rule `index` in a 64-bit rule mask.
fn bit_of(index: usize) -> Result<u64, EvalError> {
    u32::try_from(index)
        .ok()
        .and_then(|shift| 1u64.checked_shl(shift))
        .ok_or(EvalError::Internal)
}

/// Element `index` of a fixed array, or [`EvalError::Internal`].
fn at<T: Copy>(items: &[T], index: usize) -> Result<T, EvalError> {
    items.get(index).copied().ok_or(EvalError::Internal)
}

fn at_mut<T>(items: &mut [T], index: usize) -> Result<&mut T, EvalError> {
    items.get_mut(index).ok_or(EvalError::Internal)
}

fn non_negative(amount: Money) -> u64 {
    u64::try_from(amount.minor()).unwrap_or(0)
}

impl<'a> Engine<'a> {
    /// An engine over the inputs, with nothing worked out yet ([`Engine::start`] does).
    fn new(
        rules: &'a RuleSet,
        basket: &'a [Line],
        customer: &'a CustomerRecord,
        context: &'a Context,
        out: &'a mut Outcome,
    ) -> Engine<'a> {
        Engine {
            rules,
            basket,
            customer,
            context,
            out,
            day: Day::EPOCH,
            minute: 0,
            visit_number: 0,
            lines: 0,
            gross: [Money::ZERO; MAX_LINES],
            net: [Money::ZERO; MAX_LINES],
            base_rules: 0,
            selector_lines: [const { Cell::new(0) }; MAX_SELECTORS],
            selectors_known: Cell::new(0),
            last_shares: LastShares {
                total: 0,
                lines: 0,
                by_amount: None,
                discounts: 0,
                shares: [0; MAX_LINES],
            },
            discounts: 0,
            earning: 0,
            discountable: 0,
            decided: 0,
            stopped_by: None,
        }
    }

    /// Checks the inputs and reads the basket: the local day and time, the visit, the line
    /// amounts, the lines that may earn and be discounted; starts the outcome.
    fn start(&mut self) -> Result<(), EvalError> {
        let (basket, customer, context) = (self.basket, self.customer, self.context);
        if basket.len() > MAX_LINES {
            return Err(EvalError::TooManyLines);
        }
        if context.churn_risk.is_some_and(|risk| risk > MAX_CHURN_RISK) {
            return Err(EvalError::ChurnRiskOutOfRange);
        }
        // A pinned rule set takes a risk only from its model: the check cannot be skipped by
        // a caller that forgot it, since a risk without the pinned model's hash is refused.
        let pin = self.rules.model_pin();
        if pin.is_some() && context.churn_risk.is_some() && context.churn_model.as_ref() != pin {
            return Err(EvalError::ChurnModelNotPinned);
        }
        if context.channel > MAX_CHANNEL {
            return Err(EvalError::ChannelOutOfRange);
        }
        if context.event.sequence == 0 {
            return Err(EvalError::InvalidEventId);
        }
        customer.validate().map_err(EvalError::Customer)?;
        let local = context.now.local(context.offset).map_err(EvalError::Time)?;
        let day = local.day();
        let last_visit = customer.last_visit_day().map_err(EvalError::Customer)?;
        self.visit_number = if last_visit == Some(day) {
            customer.visits.max(1)
        } else {
            customer.visits.checked_add(1).ok_or(EvalError::Overflow)?
        };
        self.day = day;
        self.minute = local.minute_of_day();
        self.out.rule_set = *self.rules.hash();
        self.out.event = context.event;
        self.out.customer.clone_from(customer);
        let mut total = Money::ZERO;
        let amounts = self.gross.iter_mut().zip(self.net.iter_mut());
        for (position, (line, (gross, net))) in (0u8..).zip(basket.iter().zip(amounts)) {
            if line.unit_price.is_negative() {
                return Err(EvalError::NegativePrice { line: position });
            }
            if line.quantity == 0 {
                return Err(EvalError::ZeroQuantity { line: position });
            }
            let amount = line.unit_price.checked_mul(i64::from(line.quantity))?;
            total = total.checked_add(amount)?;
            *gross = amount;
            *net = amount;
            self.out
                .lines
                .push(LineResult {
                    quantity: line.quantity,
                    discount: Money::ZERO,
                })
                .map_err(|_| EvalError::TooManyLines)?;
        }
        // One bit per line: at most 32 lines (checked above).
        self.lines = u32::MAX
            .checked_shr(u32::try_from(MAX_LINES.saturating_sub(basket.len())).unwrap_or(0))
            .unwrap_or(0);
        // Lines the rule set never lets earn, or never discounts.
        let (non_earning, non_discountable) = self.rules.exclusion_selectors();
        self.earning = self.lines;
        self.discountable = self.lines;
        if let Some(selector) = non_earning {
            self.earning &= !self.line_mask(selector)?;
        }
        if let Some(selector) = non_discountable {
            self.discountable &= !self.line_mask(selector)?;
        }
        Ok(())
    }

    fn run(&mut self, computed: &mut Computed) -> Result<(), EvalError> {
        let rules = self.rules.rules();
        for rule in rules {
            self.out
                .trace
                .push(TraceEntry {
                    rule: rule.id,
                    effect: rule.effect.kind(),
                    status: Status::NothingEligible,
                    amount: 0,
                })
                .map_err(|_| EvalError::Internal)?;
        }
        for (index, rule) in rules.iter().enumerate() {
            if self.is_decided(index) {
                continue;
            }
            if let Some(by) = self.stopped_by {
                self.decide(index, Status::StoppedBy { rule: by }, 0)?;
                continue;
            }
            match rule.group {
                None => {
                    if let Some(status) = self.precheck(rule)? {
                        self.decide(index, status, 0)?;
                    } else {
                        self.compute(rule, computed)?;
                        self.settle(index, rule, computed)?;
                    }
                }
                Some(group) => self.resolve_group(index, group)?,
            }
        }
        // A retry of the sale the record last counted (the same event id, not the anonymous
        // 0): the sale is in the record already, so the record goes out as it came in — usage
        // counts, visits and the churn summary count a sale once, however often it is
        // evaluated.
        if self.context.event.sequence != 0 && self.customer.churn_event == Some(self.context.event)
        {
            self.out.customer = self.customer.clone();
            return Ok(());
        }
        // The visit: one per local day with a purchase.
        self.out.customer.visits = self.visit_number;
        let today = self.day.number();
        self.out.customer.last_visit = Some(match self.customer.last_visit {
            Some(last) if last > today => last,
            _ => today,
        });
        // The first visit: set by the first sale, moved back by a back-dated one; left unknown
        // for a record of an older format that has visits but never kept it.
        self.out.customer.first_visit = match self.customer.first_visit {
            Some(first) => Some(first.min(today)),
            None if self.customer.is_first_purchase() => Some(today),
            None => None,
        };
        self.count_sale()
    }

    /// The sale into the churn summary: once per event id, on the local day, with the basket's
    /// net spend (what the customer pays: line amounts net of every discount, free items at 0).
    /// A basket that nets to zero still counts, as a purchase of 0 (the customer came; the
    /// visit counts too). A replayed event or a back-dated sale before the summary's last
    /// period leaves the summary as it was (see `CustomerRecord::record_sale`).
    fn count_sale(&mut self) -> Result<(), EvalError> {
        let mut spend = Money::ZERO;
        for amount in self.net.iter().take(self.basket.len()) {
            spend = spend.checked_add(*amount)?;
        }
        // Discounts never exceed the amounts they reduce: a negative net is a bug.
        if spend.is_negative() {
            return Err(EvalError::Internal);
        }
        match self
            .out
            .customer
            .record_sale(self.context.event, self.day, spend)
        {
            Ok(_) => Ok(()),
            Err(PurchaseError::Overflow) => Err(EvalError::Overflow),
            Err(_) => Err(EvalError::Internal),
        }
    }

    /// The index of today's period of `period` (a calendar conversion for months and years
    /// only).
    fn period_index(&self, period: UsagePeriod) -> i32 {
        period.index(self.day, self.rules.validity().0.unwrap_or(0))
    }

    fn is_decided(&self, index: usize) -> bool {
        bit_of(index).is_ok_and(|bit| self.decided & bit != 0)
    }

    fn decide(&mut self, index: usize, status: Status, amount: u64) -> Result<(), EvalError> {
        self.decided |= bit_of(index)?;
        let entry = at_mut(&mut self.out.trace, index)?;
        entry.status = status;
        entry.amount = amount;
        Ok(())
    }

    /// Validity, conditions and usage limits, in that order: the first reason the rule cannot
    /// apply, or `None`. The conditions that read only the context and the customer are checked
    /// before those that add up basket lines (thresholds), and a threshold only as far as the
    /// trace needs it: the first failing condition in the rule's order is reported either way.
    /// A rule that fails on one threshold alone, within its usage limits, leaves a hint.
    fn precheck(&mut self, rule: &Rule) -> Result<Option<Status>, EvalError> {
        let today = self.day.number();
        let (set_from, set_until) = self.rules.validity();
        let valid = [set_from, rule.valid_from]
            .iter()
            .flatten()
            .all(|&from| today >= from)
            && [set_until, rule.valid_until]
                .iter()
                .flatten()
                .all(|&until| today <= until);
        if !valid {
            return Ok(Some(Status::OutsideValidity));
        }
        let conditions = self.rules.conditions(rule);
        let mut plain_failed = None;
        for (position, condition) in conditions.iter().enumerate() {
            if !condition.is_threshold() && !self.holds_plain(condition)? {
                plain_failed = Some(position);
                break;
            }
        }
        // Thresholds before the first plain failure (after it, none can be the first); with no
        // plain failure, all of them until a second one fails (then there is no hint).
        let scan = plain_failed.unwrap_or(conditions.len());
        let mut threshold_failed = None;
        let mut alone = true;
        for (position, condition) in conditions.iter().enumerate().take(scan) {
            if !condition.is_threshold() {
                continue;
            }
            if let Some(shortfall) = self.shortfall(condition)? {
                if threshold_failed.is_some() {
                    alone = false;
                    break;
                }
                threshold_failed = Some((position, shortfall));
                if plain_failed.is_some() {
                    break;
                }
            }
        }
        let failed = match (threshold_failed, plain_failed) {
            (Some((position, shortfall)), None) => {
                if alone && self.usage_blocked(rule).is_none() {
                    self.hint(rule, position, shortfall)?;
                }
                Some(position)
            }
            (Some((position, _)), Some(_)) => Some(position),
            (None, plain) => plain,
        };
        if let Some(position) = failed {
            let condition = conditions.get(position).ok_or(EvalError::Internal)?;
            return Ok(Some(Status::ConditionFailed {
                condition: u8::try_from(position).map_err(|_| EvalError::Internal)?,
                kind: condition.kind(),
            }));
        }
        Ok(self
            .usage_blocked(rule)
            .map(|period| Status::UsageLimitReached { period }))
    }

    fn usage_blocked(&self, rule: &Rule) -> Option<UsagePeriod> {
        rule.limits.iter().find_map(|limit| {
            let index = self.period_index(limit.period);
            let used = self
                .out
                .customer
                .usage_count(limit.counter, limit.period, index);
            (used >= limit.max).then_some(limit.period)
        })
    }

    /// Decides a group at the position of its first undecided member: every member is checked
    /// against the state here; the first (or best) that gives something applies, the others
    /// that could have applied are superseded by it.
    fn resolve_group(&mut self, first: usize, group: u8) -> Result<(), EvalError> {
        let mode = self
            .rules
            .groups()
            .get(usize::from(group))
            .ok_or(EvalError::Internal)?
            .mode;
        let rules = self.rules.rules();
        let mut candidate = Computed::new();
        let mut best = Computed::new();
        let mut winner: Option<(usize, (i128, i128))> = None;
        // Members whose conditions held: candidates; a bit per rule index.
        let mut candidates = 0u64;
        for (index, rule) in rules.iter().enumerate().skip(first) {
            if rule.group != Some(group) || self.is_decided(index) {
                continue;
            }
            if let Some(status) = self.precheck(rule)? {
                self.decide(index, status, 0)?;
                continue;
            }
            self.compute(rule, &mut candidate)?;
            if candidate.total == 0 {
                let status = if candidate.cap_reached {
                    Status::CapReached
                } else {
                    Status::NothingEligible
                };
                self.decide(index, status, 0)?;
                continue;
            }
            candidates |= bit_of(index)?;
            let better = match (&winner, mode) {
                (None, _) => true,
                (Some(_), GroupMode::First) => false,
                (Some((_, (best_num, best_den))), GroupMode::Best) => {
                    let (num, den) = self.value(rule, &candidate)?;
                    // num/den > best_num/best_den, denominators positive.
                    let left = num.checked_mul(*best_den).ok_or(EvalError::Overflow)?;
                    let right = best_num.checked_mul(den).ok_or(EvalError::Overflow)?;
                    left > right
                }
            };
            if better {
                let value = match mode {
                    GroupMode::Best => self.value(rule, &candidate)?,
                    GroupMode::First => (0, 1),
                };
                winner = Some((index, value));
                core::mem::swap(&mut best, &mut candidate);
            }
        }
        let Some((winner_index, _)) = winner else {
            return Ok(());
        };
        let winner_rule = rules.get(winner_index).ok_or(EvalError::Internal)?;
        for index in 0..rules.len() {
            if candidates & bit_of(index)? != 0 && index != winner_index {
                self.decide(
                    index,
                    Status::SupersededBy {
                        rule: winner_rule.id,
                    },
                    0,
                )?;
            }
        }
        self.settle(winner_index, winner_rule, &best)
    }
}

// The engine tracks rules and selectors in 64-bit masks, lines in 32-bit masks.
const _: () = assert!(MAX_RULES <= 64 && MAX_SELECTORS <= 64 && MAX_LINES == 32);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::points::Points;
    use crate::time::Date;

    use super::super::condition::ConditionKind;
    use crate::churn::model::{ChurnModel, PurchaseModel};
    use crate::churn::pareto_nbd::ParetoNbd;
    use crate::churn::summary::{Periods, TimeUnit};
    use crate::terminal::EventId;

    /// The default scoring model: Pareto/NBD with the published CDNOW fit, purchases by day,
    /// times in weeks.
    fn default_model() -> ChurnModel {
        let pareto = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690).unwrap();
        ChurnModel::new(PurchaseModel::ParetoNbd(pareto), Periods::DAYS_IN_WEEKS)
    }

    /// 10 % off everything, then a win-back bonus of 300 points at churn risk 700 or more.
    fn win_back() -> RuleSet {
        RuleSet::from_json(
            r#"{"name": "win-back", "serial": 1, "rules": [
              {"id": 1, "name": "10 % off", "effect": {"percent_off": {"basis_points": 1000}}},
              {"id": 2, "name": "Win-back", "when": [{"churn_risk_at_least": 700}],
               "effect": {"bonus_points": {"points": 300}}}]}"#,
        )
        .unwrap()
    }

    fn day(y: i32, m: u8, d: u8) -> Day {
        Date::new(y, m, d).unwrap().to_day()
    }

    /// Scores `record` on `today` with the default model and evaluates a 25.00 basket at noon
    /// UTC as event T1#`sequence`.
    fn sale(record: &CustomerRecord, today: Day, sequence: u32) -> (Option<u16>, Box<Outcome>) {
        let risk = default_model().risk_of(&record.churn, today).unwrap();
        let context = Context {
            now: Timestamp::from_unix(i64::from(today.number()) * 86_400 + 43_200),
            event: EventId::new(1, sequence),
            churn_risk: risk,
            ..Context::default()
        };
        let mut out = Box::new(Outcome::new());
        evaluate(
            &win_back(),
            &[Line::new(1, 1, 1, 2500)],
            record,
            &context,
            &mut out,
        )
        .unwrap();
        (risk, out)
    }

    /// A rule set pinned to the default model takes the lapsed buyer's risk 767 only with the
    /// default model's hash; another model's hash, or none, is refused and the outcome left
    /// empty; an unknown risk needs no hash; an unpinned set ignores the hash.
    #[test]
    fn a_pinned_rule_set_takes_a_risk_only_from_its_model() {
        let pin = default_model().hash().unwrap();
        let hex: String = pin.iter().map(|byte| format!("{byte:02x}")).collect();
        let pinned = RuleSet::from_json(&format!(
            r#"{{"name": "win-back", "serial": 1, "churn_model": "{hex}", "rules": [
              {{"id": 2, "name": "Win-back", "when": [{{"churn_risk_at_least": 700}}],
               "effect": {{"bonus_points": {{"points": 300}}}}}}]}}"#
        ))
        .unwrap();
        assert_eq!(pinned.model_pin(), Some(&pin));
        // The same parameters on another grain: another model, another hash.
        let other = ChurnModel::new(
            PurchaseModel::ParetoNbd(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690).unwrap()),
            Periods::WEEKS,
        )
        .hash()
        .unwrap();
        assert_ne!(other, pin);
        let mut lapsed = CustomerRecord::new();
        lapsed
            .record_sale(EventId::new(1, 1), day(2023, 3, 2), Money::from_minor(1200))
            .unwrap();
        let today = day(2024, 2, 29);
        let context = |risk: Option<u16>, model: Option<[u8; 32]>| Context {
            now: Timestamp::from_unix(i64::from(today.number()) * 86_400 + 43_200),
            event: EventId::new(1, 2),
            churn_risk: risk,
            churn_model: model,
            ..Context::default()
        };
        let basket = [Line::new(1, 1, 1, 2500)];
        let mut out = Box::new(Outcome::new());
        let run = |rules: &RuleSet, context: &Context, out: &mut Outcome| {
            evaluate(rules, &basket, &lapsed, context, out)
        };
        // The lapsed buyer's risk under the default model is 767 (worked out below).
        assert_eq!(
            run(&pinned, &context(Some(767), Some(pin)), &mut out),
            Ok(())
        );
        assert_eq!(out.points, Points(300));
        for model in [Some(other), None] {
            assert_eq!(
                run(&pinned, &context(Some(767), model), &mut out),
                Err(EvalError::ChurnModelNotPinned)
            );
            assert_eq!(out.points, Points(0));
            assert!(out.trace.is_empty());
        }
        assert_eq!(run(&pinned, &context(None, None), &mut out), Ok(()));
        assert_eq!(out.points, Points(0));
        assert_eq!(
            run(&win_back(), &context(Some(767), Some(other)), &mut out),
            Ok(())
        );
        assert_eq!(out.points, Points(300));
    }

    #[test]
    fn a_lapsed_one_time_buyer_gets_the_win_back_offer_and_a_regular_does_not() {
        // One purchase on 2023-03-02, nothing since; today 2024-02-29 is 364 days = 52 weeks
        // later. Pareto/NBD, x = 0, t_x = 0, T = 52, α = 10.5802 < β = 11.6690 (Fader & Hardie
        // 2005, eq. for α < β): P(alive) = 1 / (1 + s/(r+s) · (α+T)^r (β+T)^s · A0) with
        // A0 = 2F1(r+s, r; r+s+1; (β−α)/β) / β^(r+s) − 2F1(r+s, r; r+s+1; (β−α)/(β+T)) /
        // (β+T)^(r+s) = 0.23306 (mpmath, 40 digits): risk round(1000 · 0.76694) = 767 ≥ 700.
        let mut lapsed = CustomerRecord::new();
        lapsed
            .record_sale(EventId::new(1, 1), day(2023, 3, 2), Money::from_minor(1200))
            .unwrap();
        let today = day(2024, 2, 29);
        let (risk, out) = sale(&lapsed, today, 2);
        assert_eq!(risk, Some(767));
        assert_eq!(out.trace_of(2).map(|t| t.status), Some(Status::Applied));
        assert_eq!(out.points, Points(300));
        // The sale is counted: x = 1, t_x = T = 52 weeks, repeat spend = what the customer
        // paid, 25.00 less 10 % = 22.50.
        let churn = &out.customer.churn;
        let seen = churn.observe(today, TimeUnit::Weeks).unwrap();
        assert_eq!(
            (seen.frequency(), seen.recency(), seen.age()),
            (1.0, 52.0, 52.0)
        );
        assert_eq!(churn.repeat_spend(), Money::from_minor(2250));
        assert_eq!(out.customer.churn_event, Some(EventId::new(1, 2)));

        // A regular: 11 purchases a fortnight apart, the first 21 weeks before today and the last
        // a week ago: x = 10, t_x = 20, T = 21 weeks. The same formula gives P(alive) = 0.97784:
        // risk 22, far below 700.
        let mut regular = CustomerRecord::new();
        let first = day(2023, 10, 5);
        for week in 0..=10u32 {
            let on = Day::from_number(first.number() + 14 * week as i32).unwrap();
            regular
                .record_sale(EventId::new(1, 10 + week), on, Money::from_minor(900))
                .unwrap();
        }
        let (risk, out) = sale(&regular, today, 30);
        assert_eq!(risk, Some(22));
        assert_eq!(
            out.trace_of(2).map(|t| t.status),
            Some(Status::ConditionFailed {
                condition: 0,
                kind: ConditionKind::ChurnRiskAtLeast
            })
        );
        assert_eq!(out.points, Points(0));
    }

    #[test]
    fn no_history_means_unknown_risk_not_zero() {
        let (risk, out) = sale(&CustomerRecord::new(), day(2024, 2, 29), 1);
        assert_eq!(risk, None);
        assert_eq!(
            out.trace_of(2).map(|t| t.status),
            Some(Status::ConditionFailed {
                condition: 0,
                kind: ConditionKind::ChurnRiskAtLeast
            })
        );
        // The first sale starts the summary: x = 0, repeat spend 0 (the first purchase is
        // left out of the mean).
        assert!(out.customer.churn.has_purchases());
        assert_eq!(out.customer.churn.frequency(), 0);
        assert_eq!(out.customer.churn.repeat_spend(), Money::ZERO);
    }

    #[test]
    fn a_replayed_event_counts_once() {
        let mut record = CustomerRecord::new();
        record
            .record_sale(EventId::new(1, 1), day(2024, 2, 1), Money::from_minor(1000))
            .unwrap();
        let today = day(2024, 2, 29);
        let (_, once) = sale(&record, today, 7);
        assert_eq!(once.customer.churn.repeat_spend(), Money::from_minor(2250));
        // The till retries event 7 on the record it already stored: the summary stays.
        let (_, again) = sale(&once.customer, today, 7);
        assert_eq!(again.customer.churn, once.customer.churn);
        // Event 8, the same day: one repeat day (x stays 1), its spend 22.50 + 22.50.
        let (_, next) = sale(&once.customer, today, 8);
        assert_eq!(next.customer.churn.frequency(), 1);
        assert_eq!(next.customer.churn.repeat_spend(), Money::from_minor(4500));
    }

    #[test]
    fn a_free_basket_counts_as_a_purchase_of_zero() {
        let rules = RuleSet::from_json(
            r#"{"name": "free", "serial": 1, "rules": [
              {"id": 1, "name": "all free", "effect": {"percent_off": {"basis_points": 10000}}}]}"#,
        )
        .unwrap();
        let mut record = CustomerRecord::new();
        record
            .record_sale(EventId::new(1, 1), day(2024, 2, 1), Money::from_minor(1000))
            .unwrap();
        let context = Context {
            now: Timestamp::from_unix(i64::from(day(2024, 2, 29).number()) * 86_400),
            event: EventId::new(1, 2),
            ..Context::default()
        };
        let mut out = Box::new(Outcome::new());
        evaluate(
            &rules,
            &[Line::new(1, 1, 1, 2500)],
            &record,
            &context,
            &mut out,
        )
        .unwrap();
        assert_eq!(out.discount, Money::from_minor(2500));
        assert_eq!(out.customer.churn.frequency(), 1);
        assert_eq!(out.customer.churn.repeat_spend(), Money::ZERO);
    }
}
