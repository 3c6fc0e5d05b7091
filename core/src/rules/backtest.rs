//! Back-testing (`std`): a rule set run over a history of sales before it ships, carrying each
//! customer's record forward (visits, usage counts, tiers), with what it would have given and
//! cost per rule and per customer segment.
//!
//! The history is columnar (one entry per basket line), as a data frame holds it; the Python
//! binding passes its columns in place. Baskets are evaluated in time order with the same
//! [`evaluate`] the till runs, so a back-test gives exactly the till's answers.
//!
//! ```
//! use retention_core::customer::CustomerRecord;
//! use retention_core::rules::backtest::{backtest, Customers, History};
//! use retention_core::rules::RuleSet;
//! let rules = RuleSet::from_json(r#"{"name": "demo", "serial": 1, "rules": [
//!     {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
//!     {"id": 2, "name": "Welcome", "when": ["first_purchase"], "effect": {"bonus_points": {"points": 50}}}]}"#)?;
//! // Customer 0 buys twice (12.50, then 3.00 a day later); customer 1 once (8.00).
//! let history = History {
//!     customer: &[0, 1, 0],
//!     time: &[1_709_640_000, 1_709_640_100, 1_709_726_400],
//!     unit_price: &[1250, 800, 300],
//!     ..History::default()
//! };
//! let customers = Customers::new(vec![CustomerRecord::new(); 2]);
//! let result = backtest(&rules, &history, &customers, &mut |_, _| true)?;
//! assert_eq!(result.baskets, 3);
//! // 12 + 8 + 3 base points; the welcome bonus twice (each customer's first purchase).
//! assert_eq!((result.by_rule[0].points, result.by_rule[1].points), (23, 100));
//! assert_eq!(result.by_rule[1].customers, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::vec::Vec;

use crate::churn::model::{ChurnModel, ScoreError};
use crate::customer::CustomerRecord;
use crate::money::Money;
use crate::terminal::EventId;
use crate::time::{Timestamp, UtcOffset};

use super::effect::EffectKind;
use super::evaluate::{Context, EvalError, Line, evaluate};
use super::limits::{MAX_COUPONS, MAX_LINES};
use super::outcome::Outcome;
use super::rule_set::RuleSet;
use super::tiers::{TierBasis, TierSummary, window_sum};

mod feedback;

pub use feedback::{FEEDBACK_TERMINAL, FeedbackEvents, FeedbackRefusal};

/// The history: one entry per basket line, in columns of equal length. Optional columns may be
/// empty (`&[]`): then every row takes the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct History<'a> {
    /// The customer of each row: an index into [`Customers`].
    pub customer: &'a [u32],
    /// The basket key of each row: rows of one customer with the same key are one basket.
    /// Empty: every row is a basket of its own (one row per basket).
    pub basket: &'a [u64],
    /// When, in Unix seconds (a basket's time is its first row's).
    pub time: &'a [i64],
    /// SKU ids (empty: 0).
    pub sku: &'a [u32],
    /// Category ids (empty: 0).
    pub category: &'a [u32],
    /// Units (empty: 1).
    pub quantity: &'a [u32],
    /// Unit prices in minor units (required).
    pub unit_price: &'a [i64],
    /// Store ids (empty: 0; a basket's first row counts).
    pub store: &'a [u32],
    /// Sales channels 0..=31 (empty: 0; first row).
    pub channel: &'a [u8],
    /// A coupon presented with the row (0: none); a basket presents its rows' coupons.
    pub coupon: &'a [u32],
    /// The churn risk 0..=1000 at the time of the basket (negative: unknown; first row).
    /// Ignored when `churn_model` is set. A rule set that pins a model
    /// ([`RuleSet::model_pin`]) takes this column as computed with its pinned model.
    pub churn_risk: &'a [i32],
    /// When set, each basket's churn risk is computed as the till computes it: from the
    /// customer's carried record (its churn summary, updated by every earlier basket) with this
    /// model on the basket's local day ([`ChurnModel::risk_of`]; no history: unknown). Records
    /// whose summary is empty take the model's grain first. A rule set that pins a model
    /// ([`RuleSet::model_pin`]) refuses every basket with a known risk when this is another
    /// model ([`EvalError::ChurnModelNotPinned`]).
    pub churn_model: Option<ChurnModel>,
    /// The terminals' UTC offset: local days, weekdays and times of day follow it.
    pub offset: UtcOffset,
    /// NPS answers given during the history, folded into the records in time order (empty:
    /// none); see [`FeedbackEvents`].
    pub feedback: FeedbackEvents<'a>,
}

/// The customers a history refers to: their records at the history's start and the reporting
/// segment each belongs to.
#[derive(Clone, Debug, Default)]
pub struct Customers {
    /// Records at the start (tier, segment flags, birthday; visits and usage if known).
    pub records: Vec<CustomerRecord>,
    /// The reporting segment of each customer (an index; all 0 when empty).
    pub segment: Vec<u32>,
    /// How many reporting segments there are (at least 1).
    pub segment_count: u32,
}

impl Customers {
    /// Customers with these starting records, all in reporting segment 0.
    #[must_use]
    pub fn new(records: Vec<CustomerRecord>) -> Customers {
        Customers {
            records,
            segment: Vec::new(),
            segment_count: 1,
        }
    }
}

/// What one rule gave over the history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleTotals {
    /// The rule's id.
    pub rule: u16,
    /// Baskets it applied to.
    pub applied: u64,
    /// Distinct customers it applied to.
    pub customers: u64,
    /// Points it gave.
    pub points: u64,
    /// Discount it cost, in minor units (free items at their price).
    pub discount: Money,
    /// Stamps it gave.
    pub stamps: u64,
    /// Rewards it granted.
    pub rewards: u64,
}

/// What a reporting segment's customers received over the history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SegmentTotals {
    /// The segment's index.
    pub segment: u32,
    /// Customers of the segment with at least one basket.
    pub customers: u64,
    /// Their baskets.
    pub baskets: u64,
    /// Their spend before discounts, in minor units.
    pub spend: Money,
    /// Points given.
    pub points: u64,
    /// Discount cost, in minor units.
    pub discount: Money,
    /// Stamps given.
    pub stamps: u64,
    /// Rewards granted.
    pub rewards: u64,
}

/// A back-test's result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backtest {
    /// Baskets evaluated.
    pub baskets: u64,
    /// Baskets skipped because evaluation refused them (with `skip_invalid`).
    pub skipped: u64,
    /// The first refused basket: its first row and the error.
    pub first_skipped: Option<(usize, EvalError)>,
    /// Per rule, in evaluation order.
    pub by_rule: Vec<RuleTotals>,
    /// Per reporting segment, in index order.
    pub by_segment: Vec<SegmentTotals>,
    /// Per rule and segment: `by_rule_segment[rule_index * segment_count + segment]`.
    pub by_rule_segment: Vec<RuleTotals>,
    /// Every customer's record after the history.
    pub records: Vec<CustomerRecord>,
}

/// Why a back-test stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BacktestError {
    /// A column's length differs from `customer`'s, or a required column is missing.
    ColumnLength {
        /// The column.
        column: &'static str,
    },
    /// A row names a customer beyond [`Customers::records`].
    UnknownCustomer {
        /// The row.
        row: usize,
    },
    /// A customer's reporting segment is not below `segment_count`.
    SegmentOutOfRange {
        /// The customer's index.
        customer: usize,
    },
    /// A basket was refused by evaluation (without `skip_invalid`).
    Basket {
        /// Its first row.
        row: usize,
        /// Why.
        error: EvalError,
    },
    /// The churn model could not score a customer (a record whose summary has purchases of
    /// another grain than the model's, or a model that failed to converge).
    Churn {
        /// The basket's first row.
        row: usize,
        /// Why.
        error: ScoreError,
    },
    /// The progress callback asked to stop.
    Interrupted,
    /// A feedback event was refused ([`FeedbackEvents`]); it stops the back-test, with or
    /// without `skip_invalid`.
    Feedback {
        /// Its row in the feedback columns.
        row: usize,
        /// Why.
        error: FeedbackRefusal,
    },
}

impl fmt::Display for BacktestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BacktestError::ColumnLength { column } => {
                write!(
                    f,
                    "column `{column}` is missing or of another length than `customer`"
                )
            }
            BacktestError::UnknownCustomer { row } => {
                write!(f, "row {row} names a customer that is not in the customers")
            }
            BacktestError::SegmentOutOfRange { customer } => {
                write!(f, "customer {customer}'s segment is out of range")
            }
            BacktestError::Basket { row, error } => {
                write!(f, "the basket starting at row {row} was refused: {error}")
            }
            BacktestError::Churn { row, error } => {
                write!(
                    f,
                    "the basket starting at row {row} could not be scored: {error}"
                )
            }
            BacktestError::Interrupted => f.write_str("back-test interrupted"),
            BacktestError::Feedback { row, error } => {
                write!(f, "feedback row {row} was refused: {error}")
            }
        }
    }
}

impl std::error::Error for BacktestError {}

/// Baskets between progress reports.
const PROGRESS_EVERY: u64 = 16_384;

/// A column's value at `row`, or `default` for an empty column.
fn at<T: Copy>(column: &[T], row: usize, default: T) -> T {
    column.get(row).copied().unwrap_or(default)
}

/// One customer's tier bookkeeping: the grace start and the qualifying figures by day.
#[derive(Clone, Debug, Default)]
struct TierState {
    below_since: Option<i32>,
    history: Vec<(crate::time::Day, u64)>,
}

/// Runs `rule_set` over `history`, in time order (ties: row order), each basket evaluated
/// against its customer's record as the earlier baskets left it. Where the rule set has tiers,
/// each customer's tier is assessed before each basket from the qualifying figure (spend net
/// of discounts, or points earned) over the policy's window, with its grace period; the
/// starting tiers come from [`Customers::records`].
///
/// `skip_invalid`: baskets evaluation refuses (a negative price, more than 32 lines, ...) are
/// counted in [`Backtest::skipped`] instead of stopping the run. `progress(done, total)` is
/// called every 16 384 baskets and at the end; returning `false` stops with
/// [`BacktestError::Interrupted`]. Memory: the records of every customer (about 0.5 KB each)
/// and 24 bytes per basket.
pub fn backtest(
    rule_set: &RuleSet,
    history: &History<'_>,
    customers: &Customers,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Backtest, BacktestError> {
    run(rule_set, history, customers, false, progress)
}

/// [`backtest`], skipping the baskets evaluation refuses (counted in [`Backtest::skipped`]).
pub fn backtest_skipping_invalid(
    rule_set: &RuleSet,
    history: &History<'_>,
    customers: &Customers,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Backtest, BacktestError> {
    run(rule_set, history, customers, true, progress)
}

#[allow(clippy::too_many_lines)] // One loop; split, it would pass a dozen pieces of state around.
fn run(
    rule_set: &RuleSet,
    history: &History<'_>,
    customers: &Customers,
    skip_invalid: bool,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Backtest, BacktestError> {
    let rows = history.customer.len();
    let optional = [
        ("basket", history.basket.len()),
        ("sku", history.sku.len()),
        ("category", history.category.len()),
        ("quantity", history.quantity.len()),
        ("store", history.store.len()),
        ("channel", history.channel.len()),
        ("coupon", history.coupon.len()),
        ("churn_risk", history.churn_risk.len()),
    ];
    for (column, len) in optional {
        if len != 0 && len != rows {
            return Err(BacktestError::ColumnLength { column });
        }
    }
    for (column, len) in [
        ("time", history.time.len()),
        ("unit_price", history.unit_price.len()),
    ] {
        if len != rows {
            return Err(BacktestError::ColumnLength { column });
        }
    }
    let customer_count = customers.records.len();
    if let Some(row) = history
        .customer
        .iter()
        .position(|&c| usize::try_from(c).map_or(true, |c| c >= customer_count))
    {
        return Err(BacktestError::UnknownCustomer { row });
    }
    let segment_count = customers.segment_count.max(1);
    if let Some(customer) = customers.segment.iter().position(|&s| s >= segment_count) {
        return Err(BacktestError::SegmentOutOfRange { customer });
    }
    if !customers.segment.is_empty() && customers.segment.len() != customer_count {
        return Err(BacktestError::ColumnLength { column: "segment" });
    }
    let segment_of = |customer: usize| at(&customers.segment, customer, 0);
    let mut feedback =
        feedback::FeedbackFold::new(history.feedback, history.offset, customer_count)?;

    // Baskets: (time, first row, start, end) over `order`, the rows grouped by basket.
    let mut order: Vec<u32> = (0..u32::try_from(rows).unwrap_or(u32::MAX)).collect();
    let row_of = |index: u32| usize::try_from(index).unwrap_or(usize::MAX);
    if !history.basket.is_empty() {
        order.sort_by_key(|&r| {
            let r = row_of(r);
            (at(history.customer, r, 0), at(history.basket, r, 0), r)
        });
    }
    let mut baskets: Vec<(i64, u32, u32, u32)> = Vec::new();
    let mut start = 0usize;
    while start < order.len() {
        let first = row_of(order.get(start).copied().unwrap_or(0));
        let mut end = start.saturating_add(1);
        if !history.basket.is_empty() {
            let key = (at(history.customer, first, 0), at(history.basket, first, 0));
            while let Some(&next) = order.get(end) {
                let next = row_of(next);
                if (at(history.customer, next, 0), at(history.basket, next, 0)) != key {
                    break;
                }
                end = end.saturating_add(1);
            }
        }
        let as_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        baskets.push((
            at(history.time, first, 0),
            as_u32(first),
            as_u32(start),
            as_u32(end),
        ));
        start = end;
    }
    baskets.sort_unstable_by_key(|&(time, first, _, _)| (time, first));

    let segments = usize::try_from(segment_count).unwrap_or(1);
    let mut result = Backtest {
        by_rule: rule_set
            .rules()
            .iter()
            .map(|rule| RuleTotals {
                rule: rule.id,
                ..RuleTotals::default()
            })
            .collect(),
        by_segment: (0..segment_count)
            .map(|segment| SegmentTotals {
                segment,
                ..SegmentTotals::default()
            })
            .collect(),
        by_rule_segment: rule_set
            .rules()
            .iter()
            .flat_map(|rule| {
                (0..segments).map(move |_| RuleTotals {
                    rule: rule.id,
                    ..RuleTotals::default()
                })
            })
            .collect(),
        records: customers.records.clone(),
        ..Backtest::default()
    };
    if let Some(model) = &history.churn_model {
        for record in &mut result.records {
            // A summary with purchases keeps its grain (risk_of then reports the mismatch).
            let _ = record.set_churn_grain(model.periods().grain);
        }
    }
    let mut reached = vec![0u64; customer_count];
    let mut seen = vec![false; customer_count];
    let mut tiers: Vec<TierState> = if rule_set.tiers().is_some() {
        vec![TierState::default(); customer_count]
    } else {
        Vec::new()
    };
    let total = u64::try_from(baskets.len()).unwrap_or(u64::MAX);
    // The hash the model's risks carry (a model `encode` refuses has none: its risks then
    // carry no hash, and a pinned rule set refuses them).
    let model_hash = history
        .churn_model
        .as_ref()
        .and_then(|model| model.hash().ok());
    let mut outcome = Box::new(Outcome::new());
    let mut lines = [Line::default(); MAX_LINES];
    for (done, &(time, first, start, end)) in baskets.iter().enumerate() {
        let done = u64::try_from(done).unwrap_or(u64::MAX);
        if done % PROGRESS_EVERY == 0 && done > 0 && !progress(done, total) {
            return Err(BacktestError::Interrupted);
        }
        let first = row_of(first);
        let customer = row_of(at(history.customer, first, 0));
        let rows_of_basket = order.get(row_of(start)..row_of(end)).unwrap_or(&[]);
        let mut context = Context {
            now: Timestamp::from_unix(time),
            offset: history.offset,
            store: at(history.store, first, 0),
            channel: at(history.channel, first, 0),
            churn_risk: u16::try_from(at(history.churn_risk, first, -1)).ok(),
            churn_model: match &history.churn_model {
                Some(_) => model_hash,
                None => rule_set.model_pin().copied(),
            },
            // Each basket its own sale: terminal 0, numbered from 1 in time order.
            event: EventId::new(0, u32::try_from(done.saturating_add(1)).unwrap_or(u32::MAX)),
            ..Context::default()
        };
        let mut count = 0usize;
        let mut too_many = false;
        for &row in rows_of_basket {
            let row = row_of(row);
            match lines.get_mut(count) {
                Some(line) => {
                    *line = Line {
                        sku: at(history.sku, row, 0),
                        category: at(history.category, row, 0),
                        quantity: at(history.quantity, row, 1),
                        unit_price: Money::from_minor(at(history.unit_price, row, 0)),
                    };
                    count = count.saturating_add(1);
                }
                None => too_many = true,
            }
            let coupon = at(history.coupon, row, 0);
            if coupon != 0
                && !context.coupons.contains(&coupon)
                && context.coupons.len() < MAX_COUPONS
            {
                let _ = context.coupons.push(coupon);
            }
        }
        // The answers given up to the basket's time, into the records first.
        feedback.fold(Some(time), &mut result.records)?;
        let Some(record) = result.records.get_mut(customer) else {
            return Err(BacktestError::UnknownCustomer { row: first });
        };
        // Tier assessment on the basket's local day.
        let today = context.now.local(context.offset).map(|local| local.day());
        if let (Some(policy), Some(state), Ok(today)) =
            (rule_set.tiers(), tiers.get_mut(customer), today)
        {
            let window = policy.window_days;
            state
                .history
                .retain(|(day, _)| today.days_since(*day) < i32::from(window));
            let figure =
                window_sum(state.history.iter().copied(), today, window).unwrap_or(u64::MAX);
            let summary = TierSummary {
                current: record.tier,
                qualifying_spend: Money::from_minor(i64::try_from(figure).unwrap_or(i64::MAX)),
                qualifying_points: crate::points::Points(figure),
                below_since: state.below_since,
            };
            if let Ok(status) = policy.assess(&summary, today) {
                record.tier = status.tier;
                state.below_since = status.below_since;
            }
        }
        if let (Some(model), Ok(today)) = (&history.churn_model, today) {
            context.churn_risk = model
                .risk_of(&record.churn, today)
                .map_err(|error| BacktestError::Churn { row: first, error })?;
        }
        let evaluated = if too_many {
            Err(EvalError::TooManyLines)
        } else {
            evaluate(
                rule_set,
                lines.get(..count).unwrap_or(&[]),
                record,
                &context,
                &mut outcome,
            )
        };
        if let Err(error) = evaluated {
            if skip_invalid {
                result.skipped = result.skipped.saturating_add(1);
                result.first_skipped.get_or_insert((first, error));
                continue;
            }
            return Err(BacktestError::Basket { row: first, error });
        }
        record.clone_from(&outcome.customer);
        result.baskets = result.baskets.saturating_add(1);
        let segment = segment_of(customer);
        let segment_index = usize::try_from(segment).unwrap_or(0);
        let gross = lines
            .get(..count)
            .unwrap_or(&[])
            .iter()
            .fold(Money::ZERO, |sum, line| {
                line.unit_price
                    .checked_mul(i64::from(line.quantity))
                    .and_then(|amount| sum.checked_add(amount))
                    .unwrap_or(sum)
            });
        if let (Some(policy), Some(state), Ok(today)) =
            (rule_set.tiers(), tiers.get_mut(customer), today)
        {
            let figure = match policy.basis {
                TierBasis::Spend => {
                    u64::try_from(gross.checked_sub(outcome.discount).unwrap_or(gross).minor())
                        .unwrap_or(0)
                }
                TierBasis::Points => outcome.points.0,
            };
            state.history.push((today, figure));
        }
        if let Some(totals) = result.by_segment.get_mut(segment_index) {
            if !seen.get(customer).copied().unwrap_or(true) {
                totals.customers = totals.customers.saturating_add(1);
            }
            totals.baskets = totals.baskets.saturating_add(1);
            totals.spend = totals.spend.checked_add(gross).unwrap_or(totals.spend);
            totals.points = totals.points.saturating_add(outcome.points.0);
            totals.discount = totals
                .discount
                .checked_add(outcome.discount)
                .unwrap_or(totals.discount);
            totals.stamps = outcome
                .stamps
                .iter()
                .fold(totals.stamps, |sum, a| sum.saturating_add(a.stamps));
            totals.rewards = totals
                .rewards
                .saturating_add(u64::try_from(outcome.rewards.len()).unwrap_or(0));
        }
        if let Some(flag) = seen.get_mut(customer) {
            *flag = true;
        }
        for (rule_index, entry) in outcome.trace.iter().enumerate() {
            if !entry.status.applied() {
                continue;
            }
            let newly = reached
                .get_mut(customer)
                .map(|mask| {
                    let bit = 1u64
                        .checked_shl(u32::try_from(rule_index).unwrap_or(64))
                        .unwrap_or(0);
                    let new = *mask & bit == 0;
                    *mask |= bit;
                    new
                })
                .unwrap_or(false);
            let cell = rule_index
                .checked_mul(segments)
                .and_then(|i| i.checked_add(segment_index));
            for totals in [
                result.by_rule.get_mut(rule_index),
                cell.and_then(|cell| result.by_rule_segment.get_mut(cell)),
            ]
            .into_iter()
            .flatten()
            {
                add_entry(totals, entry.effect, entry.amount);
            }
            if newly {
                if let Some(totals) = result.by_rule.get_mut(rule_index) {
                    totals.customers = totals.customers.saturating_add(1);
                }
            }
            // Customers per (rule, segment): a customer's segment never changes, so the first
            // application overall is also the first in the segment.
            if newly {
                if let Some(totals) = cell.and_then(|cell| result.by_rule_segment.get_mut(cell)) {
                    totals.customers = totals.customers.saturating_add(1);
                }
            }
        }
    }
    feedback.fold(None, &mut result.records)?;
    if !progress(total, total) {
        return Err(BacktestError::Interrupted);
    }
    Ok(result)
}

/// Adds one trace entry's effect to a rule's totals.
fn add_entry(totals: &mut RuleTotals, effect: EffectKind, amount: u64) {
    totals.applied = totals.applied.saturating_add(1);
    if effect.is_points() {
        totals.points = totals.points.saturating_add(amount);
    } else if effect.is_discount() {
        let money = Money::from_minor(i64::try_from(amount).unwrap_or(i64::MAX));
        totals.discount = totals
            .discount
            .checked_add(money)
            .unwrap_or(totals.discount);
    } else if effect == EffectKind::Stamps {
        totals.stamps = totals.stamps.saturating_add(amount);
    } else if effect == EffectKind::Reward {
        totals.rewards = totals.rewards.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARCH_5_NOON: i64 = 1_709_640_000;
    const DAY: i64 = 86_400;

    fn grocery() -> RuleSet {
        RuleSet::from_toml(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../examples/programs/grocery.toml"
            ))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    #[cfg_attr(miri, ignore)] // Compiles a TOML program; slow under Miri, nothing unsafe.
    fn baskets_by_key_in_time_order_with_usage_carried_forward() {
        let rules = grocery();
        // Customer 0: two baskets; the second (rows 2, 3, listed first in time) presents coupon
        // 5001, the first (rows 0, 1, a day later) too: the coupon's campaign limit of 1 lets
        // only the earlier one have it. Customer 1: one basket of produce.
        let history = History {
            customer: &[0, 0, 0, 0, 1],
            basket: &[7, 7, 3, 3, 1],
            time: &[
                MARCH_5_NOON + DAY,
                MARCH_5_NOON + DAY,
                MARCH_5_NOON,
                MARCH_5_NOON,
                MARCH_5_NOON,
            ],
            category: &[40, 40, 40, 40, 10],
            quantity: &[1, 1, 1, 1, 2],
            unit_price: &[1000, 1000, 1000, 1000, 250],
            coupon: &[5001, 0, 5001, 0, 0],
            ..History::default()
        };
        let customers = Customers {
            records: vec![CustomerRecord::new(); 2],
            segment: vec![1, 0],
            segment_count: 2,
        };
        let mut reports = Vec::new();
        let result = backtest(&rules, &history, &customers, &mut |done, total| {
            reports.push((done, total));
            true
        })
        .unwrap();
        assert_eq!(result.baskets, 3);
        assert_eq!(reports, [(3, 3)]);
        // Rule 5 (coupon, 5.00 off) applied once, to customer 0's earlier basket.
        let coupon = result.by_rule.iter().find(|t| t.rule == 5).unwrap();
        assert_eq!(
            (coupon.applied, coupon.customers, coupon.discount),
            (1, 1, Money::from_minor(500))
        );
        // Base points (net): 20.00 - 5.00 = 15, then 20, then 5.00 of produce = 5: 40.
        let base = result.by_rule.iter().find(|t| t.rule == 1).unwrap();
        assert_eq!((base.points, base.applied, base.customers), (40, 3, 2));
        // 3x produce adds 2 x 5 = 10, for customer 1 (segment 0).
        let produce = result.by_rule.iter().position(|t| t.rule == 2).unwrap();
        assert_eq!(result.by_rule[produce].points, 10);
        assert_eq!(result.by_rule_segment[produce * 2].points, 10);
        assert_eq!(result.by_rule_segment[produce * 2 + 1].points, 0);
        // Segment 1 (customer 0): 2 baskets, 40.00 spent, 35 points, 5.00 off.
        let s1 = result.by_segment[1];
        assert_eq!(
            (s1.customers, s1.baskets, s1.spend, s1.points, s1.discount),
            (1, 2, Money::from_minor(4000), 35, Money::from_minor(500))
        );
        assert_eq!(result.records[0].visits, 2);
    }

    #[test]
    fn churn_risk_from_the_carried_record() {
        use crate::churn::model::PurchaseModel;
        use crate::churn::pareto_nbd::ParetoNbd;
        use crate::churn::summary::{Grain, Periods};
        let rules = RuleSet::from_json(
            r#"{"name": "w", "serial": 1, "rules": [{"id": 1, "name": "Win-back",
                "when": [{"churn_risk_at_least": 700}], "effect": {"bonus_points": {"points": 300}}}]}"#,
        )
        .unwrap();
        let pareto = ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6690).unwrap();
        // Customer 0 buys, then again 364 days (52 weeks) later: at the second basket the
        // record says x = 0, T = 52 weeks, risk 767 (hand-worked in rules::evaluate's tests):
        // the win-back applies. Customer 1 buys twice a week apart: x = 0, T = 1 week; a
        // one-time buyer's risk grows with T and is 606 at 26 weeks, so far below 700 here.
        // The first basket of each has no history: unknown risk.
        let history = History {
            customer: &[0, 1, 1, 0],
            time: &[
                MARCH_5_NOON - 364 * DAY,
                MARCH_5_NOON - 7 * DAY,
                MARCH_5_NOON,
                MARCH_5_NOON,
            ],
            unit_price: &[1000, 1000, 1000, 1000],
            churn_model: Some(ChurnModel::new(
                PurchaseModel::ParetoNbd(pareto),
                Periods::DAYS_IN_WEEKS,
            )),
            ..History::default()
        };
        let customers = Customers::new(vec![CustomerRecord::new(); 2]);
        let result = backtest(&rules, &history, &customers, &mut |_, _| true).unwrap();
        let winback = result.by_rule[0];
        assert_eq!(
            (winback.applied, winback.customers, winback.points),
            (1, 1, 300)
        );
        // The summaries were carried: each customer has one repeat day of 10.00.
        for record in &result.records {
            assert_eq!(record.churn.frequency(), 1);
            assert_eq!(record.churn.repeat_spend(), Money::from_minor(1000));
        }
        // A weekly model re-grains the fresh records; a record already holding daily purchases
        // is reported (at its first basket, row 0), not scored as unknown.
        let mut daily = CustomerRecord::new();
        daily
            .record_sale(
                EventId::new(1, 1),
                crate::time::Day::from_number(19_000).unwrap(),
                Money::ZERO,
            )
            .unwrap();
        let weekly = History {
            churn_model: Some(ChurnModel::new(
                PurchaseModel::ParetoNbd(pareto),
                Periods::WEEKS,
            )),
            ..history
        };
        let fresh = backtest(&rules, &weekly, &customers, &mut |_, _| true).unwrap();
        assert_eq!(fresh.records[0].churn.grain(), Grain::Week);
        let mixed = Customers::new(vec![daily, CustomerRecord::new()]);
        assert!(matches!(
            backtest(&rules, &weekly, &mixed, &mut |_, _| true),
            Err(BacktestError::Churn {
                row: 0,
                error: ScoreError::GrainMismatch
            })
        ));
    }

    #[test]
    #[cfg_attr(miri, ignore)] // Compiles a TOML program; slow under Miri, nothing unsafe.
    fn tiers_follow_the_spend_window_and_refused_baskets_are_reported() {
        let rules = grocery();
        // Gold (tier 2) needs 2 000.00 over 365 days. One 2 500.00 basket makes the customer
        // gold for the next one, which gets 10 % off bakery (rule 4): 10.00 -> 1.00 off.
        let history = History {
            customer: &[0, 0, 0],
            time: &[MARCH_5_NOON, MARCH_5_NOON + DAY, MARCH_5_NOON + 2 * DAY],
            category: &[40, 20, 20],
            unit_price: &[250_000, 1000, -1],
            ..History::default()
        };
        let customers = Customers::new(vec![CustomerRecord::new()]);
        let error = backtest(&rules, &history, &customers, &mut |_, _| true).unwrap_err();
        assert_eq!(
            error,
            BacktestError::Basket {
                row: 2,
                error: EvalError::NegativePrice { line: 0 }
            }
        );
        let result =
            backtest_skipping_invalid(&rules, &history, &customers, &mut |_, _| true).unwrap();
        assert_eq!((result.baskets, result.skipped), (2, 1));
        let bakery = result.by_rule.iter().find(|t| t.rule == 4).unwrap();
        assert_eq!(
            (bakery.applied, bakery.discount),
            (1, Money::from_minor(100))
        );
        assert_eq!(result.records[0].tier, 2);
        // A progress callback that says stop.
        assert_eq!(
            backtest_skipping_invalid(&rules, &history, &customers, &mut |_, _| false),
            Err(BacktestError::Interrupted)
        );
    }

    #[test]
    fn column_checks() {
        let rules = RuleSet::empty();
        let customers = Customers::new(vec![CustomerRecord::new()]);
        let short = History {
            customer: &[0, 0],
            time: &[1],
            unit_price: &[1, 1],
            ..History::default()
        };
        assert_eq!(
            backtest(&rules, &short, &customers, &mut |_, _| true),
            Err(BacktestError::ColumnLength { column: "time" })
        );
        let unknown = History {
            customer: &[1],
            time: &[1],
            unit_price: &[1],
            ..History::default()
        };
        assert_eq!(
            backtest(&rules, &unknown, &customers, &mut |_, _| true),
            Err(BacktestError::UnknownCustomer { row: 0 })
        );
    }
}
