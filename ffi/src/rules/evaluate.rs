//! Evaluating a basket: the C basket lines and sale context as the core's, evaluated against
//! a loaded rule set (or straight from a blob) into caller outcome storage.

use retention_core::money::Money;
use retention_core::rules::{self, Context, Line, Outcome, RuleSet};
use retention_core::terminal::EventId;
use retention_core::time::{Timestamp, UtcOffset};

use super::load::load_into;
use super::{
    RTN_RULE_SET_HASH_LEN, RTN_RULES_CHURN_RISK_UNKNOWN, RTN_RULES_MAX_COUPONS,
    RTN_RULES_MAX_LINES, rtn_outcome, rtn_rule_set,
};
use crate::boundary;
use crate::customer::rtn_customer;
use crate::handle::{In, InSlice, Opaque, Out, Place};
use crate::status::rtn_status;
use crate::terminal::rtn_event_id;

/// One basket line: an item, how many, at what unit price.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_line {
    /// The item's SKU id.
    pub sku: u32,
    /// The item's category id.
    pub category: u32,
    /// Units, at least 1.
    pub quantity: u32,
    /// Price of one unit in minor units (cents), not negative.
    pub unit_price: i64,
}

/// The circumstances of a sale.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_rules_context {
    /// When, in Unix seconds.
    pub now: i64,
    /// The transaction (terminal and sequence), named by the outcome and its refunds.
    pub event: rtn_event_id,
    /// The store's id.
    pub store: u32,
    /// The churn scorer's risk for the customer, 0..=`RTN_RULES_MAX_CHURN_RISK`, or
    /// `RTN_RULES_CHURN_RISK_UNKNOWN` (-1).
    pub churn_risk: i32,
    /// The terminal's UTC offset in minutes east of UTC (±1080): local days, weekdays and
    /// times of day follow it.
    pub utc_offset_minutes: i16,
    /// The sales channel, 0..=`RTN_RULES_MAX_CHANNEL`.
    pub channel: u8,
    /// How many entries of `coupons` are used, 0..=`RTN_RULES_MAX_COUPONS`.
    pub coupon_count: u8,
    /// Coupons the customer presented (the first `coupon_count`).
    pub coupons: [u32; RTN_RULES_MAX_COUPONS],
    /// The hash of the churn model that gave `churn_risk` (`rtn_churn_model_hash`), or all
    /// zero for none (`RTN_RULE_SET_HASH_LEN` = `RTN_CHURN_MODEL_HASH_LEN` bytes). A rule set
    /// that pins a model refuses a known risk unless this is its pin
    /// (`RTN_RULES_CHURN_MODEL_NOT_PINNED`); other rule sets ignore it.
    pub churn_model_hash: [u8; RTN_RULE_SET_HASH_LEN],
}

/// The core's context from C's.
fn context_of(context: &rtn_rules_context) -> Result<Context, rtn_status> {
    let coupons = context
        .coupons
        .get(..usize::from(context.coupon_count))
        .ok_or(rtn_status::RTN_RULES_TOO_MANY_COUPONS)?;
    let churn_risk = match context.churn_risk {
        RTN_RULES_CHURN_RISK_UNKNOWN => None,
        // Any other value outside 0..=1000 is the core's `ChurnRiskOutOfRange`.
        risk => Some(u16::try_from(risk).unwrap_or(u16::MAX)),
    };
    Ok(Context {
        now: Timestamp::from_unix(context.now),
        offset: UtcOffset::from_minutes(context.utc_offset_minutes)?,
        store: context.store,
        channel: context.channel,
        coupons: heapless::Vec::from_slice(coupons)
            .map_err(|_| rtn_status::RTN_RULES_TOO_MANY_COUPONS)?,
        event: EventId::from(context.event),
        churn_risk,
        churn_model: Some(context.churn_model_hash).filter(|hash| *hash != [0; 32]),
    })
}

/// Evaluates with the rule set read; the body of `rtn_rules_evaluate` and
/// `rtn_rules_evaluate_blob` from the customer on (their checks in their documented order).
fn evaluate_into(
    rule_set: &RuleSet,
    lines: InSlice<'_, rtn_line>,
    customer: In<'_, rtn_customer>,
    context: In<'_, rtn_rules_context>,
    outcome_out: Place<'_, rtn_outcome>,
) -> Result<(), rtn_status> {
    let (customer, context) = (customer.value()?, context.get()?);
    let context = context_of(context)?;
    if lines.len() > RTN_RULES_MAX_LINES {
        return Err(rtn_status::RTN_RULES_TOO_MANY_LINES);
    }
    let lines = lines.get_or_empty()?;
    let mut basket = [Line::default(); RTN_RULES_MAX_LINES];
    for (line, c_line) in basket.iter_mut().zip(lines) {
        *line = Line {
            sku: c_line.sku,
            category: c_line.category,
            quantity: c_line.quantity,
            unit_price: Money::from_minor(c_line.unit_price),
        };
    }
    let basket = basket.get(..lines.len()).ok_or(rtn_status::RTN_INTERNAL)?;
    let storage = outcome_out.storage();
    // A storage that already holds an outcome is reused as it is (`evaluate` empties it in
    // place); only a fresh one gets an empty outcome written into it.
    let outcome = storage.value_or_init(Outcome::new)?;
    match rules::evaluate(rule_set, basket, customer, &context, outcome) {
        Ok(()) => Ok(()),
        Err(error) => {
            storage.clear();
            Err(error.into())
        }
    }
}

/// Evaluates a basket of `line_count` lines for `*customer` in `*context` against
/// `*rule_set`, writing the outcome into `*outcome_out`: points, discounts, stamps, rewards,
/// attribution, trace, hints and the updated customer record (`rtn_outcome_customer`).
///
/// **`*outcome_out` is the evaluation's working memory** (no second outcome is kept on the
/// stack): `RTN_NULL_PARAMETER`, `RTN_UNINITIALIZED`, `RTN_INVALID_ARGUMENT`,
/// `RTN_RULES_TOO_MANY_COUPONS` and `RTN_RULES_TOO_MANY_LINES` leave it untouched; every other
/// error is found while evaluating and leaves it holding **no outcome** (every `rtn_outcome_*` read then answers
/// `RTN_UNINITIALIZED`), never a partial one. To keep the previous outcome through a failed
/// evaluation, evaluate into a second `rtn_outcome` and swap pointers on success.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`lines` may be NULL only when `line_count` is 0);
/// `RTN_UNINITIALIZED`; `RTN_INVALID_ARGUMENT` (UTC offset beyond ±18:00);
/// `RTN_RULES_TOO_MANY_COUPONS`; `RTN_RULES_TOO_MANY_LINES`; `RTN_RULES_NEGATIVE_PRICE`;
/// `RTN_RULES_ZERO_QUANTITY`; `RTN_RULES_CHURN_RISK_OUT_OF_RANGE`;
/// `RTN_RULES_CHURN_MODEL_NOT_PINNED` (the rule set pins a churn model and
/// `context->churn_model_hash` is not its pin while `context->churn_risk` is known);
/// `RTN_RULES_CHANNEL_OUT_OF_RANGE`; `RTN_RULES_INVALID_EVENT_ID` (`context->event.sequence`
/// 0: sales are numbered from 1, and `rtn_outcome_apply` would refuse it);
/// `RTN_RULES_TIME_OUT_OF_RANGE`; `RTN_RULES_INVALID_CUSTOMER`; `RTN_RULES_OUTCOME_FULL`;
/// `RTN_RULES_USAGE_COUNTS_FULL`; `RTN_OVERFLOW`. The rule set and the customer are never
/// changed.
///
/// # Safety
/// `rule_set`, `customer` and `context` must be NULL or valid; `lines` valid for `line_count`
/// entries; `outcome_out` NULL or valid for a write and overlapping no other argument.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rules_evaluate(
    rule_set: *const rtn_rule_set,
    lines: *const rtn_line,
    line_count: usize,
    customer: *const rtn_customer,
    context: *const rtn_rules_context,
    outcome_out: *mut rtn_outcome,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (rule_set, lines, customer, context, outcome_out) = unsafe {
            (
                In::new(rule_set),
                InSlice::new(lines, line_count),
                In::new(customer),
                In::new(context),
                Out::new(outcome_out),
            )
        };
        let outcome_out = outcome_out.required()?;
        evaluate_into(rule_set.value()?, lines, customer, context, outcome_out)
    })
}

/// Evaluates straight from a rule-set blob: `rtn_rule_set_load` into `*scratch`, then
/// `rtn_rules_evaluate`, in one call. For firmware that keeps the blob in flash and lends
/// the 16 KiB of `*scratch` to other work between sales (every call verifies the blob again:
/// its checksum, hash and, with a key, its signature). On success `*scratch` holds the loaded
/// set; on a load error it is not written.
///
/// Returns the statuses of `rtn_rule_set_load` and of `rtn_rules_evaluate`; `*outcome_out`
/// behaves as there (a load error leaves it untouched).
///
/// # Safety
/// As `rtn_rule_set_load` (with `scratch` as `rule_set_out`) and `rtn_rules_evaluate`;
/// `scratch` and `outcome_out` must not overlap each other or any input.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rules_evaluate_blob(
    blob: *const u8,
    blob_len: usize,
    min_serial: u32,
    public_key: *const u8,
    scratch: *mut rtn_rule_set,
    lines: *const rtn_line,
    line_count: usize,
    customer: *const rtn_customer,
    context: *const rtn_rules_context,
    outcome_out: *mut rtn_outcome,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises (`public_key` as
        // `rtn_rule_set_load` reads it).
        let (blob, public_key, scratch, lines, customer, context, outcome_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(public_key.cast()),
                Out::new(scratch),
                InSlice::new(lines, line_count),
                In::new(customer),
                In::new(context),
                Out::new(outcome_out),
            )
        };
        let outcome_out = outcome_out.required()?;
        let scratch = scratch.required()?.storage();
        load_into(blob, min_serial, public_key, scratch)?;
        evaluate_into(scratch.value()?, lines, customer, context, outcome_out)
    })
}
