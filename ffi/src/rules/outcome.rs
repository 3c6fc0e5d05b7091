//! Reading an outcome: its totals, and each of its parts (lines, attribution, trace, hints,
//! stamps, rewards, free items) copied into plain C structs and arrays; the customer record
//! after the sale.

use retention_core::rules::{
    self, ConditionKind, EffectKind, Outcome, ShareKind, Shortfall, Status,
};

use super::{RTN_RULE_SET_HASH_LEN, rtn_outcome};
use crate::boundary;
use crate::customer::{rtn_customer, rtn_period};
use crate::handle::{In, Out, OutArray};
use crate::status::rtn_status;
use crate::terminal::rtn_event_id;

/// The kind of a rule's effect, and so the unit of its amounts.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rtn_effect {
    /// Base points (amount: points).
    RTN_EFFECT_POINTS_PER_AMOUNT = 0,
    /// Extra points from a multiplier (amount: points).
    RTN_EFFECT_MULTIPLIER = 1,
    /// Bonus points (amount: points).
    RTN_EFFECT_BONUS_POINTS = 2,
    /// A percentage discount (amount: minor units).
    RTN_EFFECT_PERCENT_OFF = 3,
    /// An amount off (amount: minor units).
    RTN_EFFECT_AMOUNT_OFF = 4,
    /// Free units (amount: their value in minor units).
    RTN_EFFECT_FREE_ITEM = 5,
    /// Stamps (amount: stamps).
    RTN_EFFECT_STAMPS = 6,
    /// A reward (amount: 1).
    RTN_EFFECT_REWARD = 7,
}

/// Whether a rule applied, or the first reason it did not.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rtn_trace_status {
    /// It applied; `amount` is what it gave.
    RTN_TRACE_APPLIED = 0,
    /// It applied, cut by its own or the transaction's cap.
    RTN_TRACE_CAPPED = 1,
    /// Condition number `condition` (0 first), of kind `condition_kind`, failed.
    RTN_TRACE_CONDITION_FAILED = 2,
    /// Outside the rule's or the rule set's validity dates.
    RTN_TRACE_OUTSIDE_VALIDITY = 3,
    /// Rule `other_rule` of its exclusive group applied instead.
    RTN_TRACE_SUPERSEDED_BY = 4,
    /// Rule `other_rule` applied and stops later rules.
    RTN_TRACE_STOPPED_BY = 5,
    /// The transaction's cap was used up.
    RTN_TRACE_CAP_REACHED = 6,
    /// The customer used it as often as its limit allows in `period`.
    RTN_TRACE_USAGE_LIMIT_REACHED = 7,
    /// Its conditions held but nothing in the basket was eligible.
    RTN_TRACE_NOTHING_ELIGIBLE = 8,
}

/// The kind of a condition (the one that failed, in a trace entry).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rtn_condition {
    /// No condition (the field does not apply).
    RTN_CONDITION_NONE = 0,
    /// Basket total at least.
    RTN_CONDITION_BASKET_TOTAL = 1,
    /// Quantity of selected items at least.
    RTN_CONDITION_QUANTITY = 2,
    /// Amount of selected items at least.
    RTN_CONDITION_AMOUNT = 3,
    /// Day of the week.
    RTN_CONDITION_WEEKDAYS = 4,
    /// Time of day.
    RTN_CONDITION_TIME_OF_DAY = 5,
    /// Store.
    RTN_CONDITION_STORES = 6,
    /// Sales channel.
    RTN_CONDITION_CHANNELS = 7,
    /// Tier at least.
    RTN_CONDITION_TIER_AT_LEAST = 8,
    /// In any of the segments.
    RTN_CONDITION_SEGMENTS_ANY = 9,
    /// In all of the segments.
    RTN_CONDITION_SEGMENTS_ALL = 10,
    /// Every Nth visit.
    RTN_CONDITION_NTH_VISIT = 11,
    /// Visit number at least.
    RTN_CONDITION_VISITS_AT_LEAST = 12,
    /// First purchase.
    RTN_CONDITION_FIRST_PURCHASE = 13,
    /// Birthday within N days.
    RTN_CONDITION_BIRTHDAY = 14,
    /// Lapsed at least N days.
    RTN_CONDITION_LAPSED_DAYS = 15,
    /// Churn risk at least.
    RTN_CONDITION_CHURN_RISK_AT_LEAST = 16,
    /// Coupon presented.
    RTN_CONDITION_COUPON = 17,
    /// Latest feedback in one of the groups (detractor, passive, promoter).
    RTN_CONDITION_FEEDBACK_GROUP = 18,
    /// Latest feedback at most N days ago.
    RTN_CONDITION_FEEDBACK_WITHIN_DAYS = 19,
    /// Anniversary of the first visit within N days.
    RTN_CONDITION_ANNIVERSARY = 20,
    /// This sale makes the visit count one of the listed milestones.
    RTN_CONDITION_VISIT_MILESTONES = 21,
}

/// What a line share is an amount of.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rtn_share_kind {
    /// Points.
    RTN_SHARE_POINTS = 0,
    /// Discount in minor units.
    RTN_SHARE_DISCOUNT = 1,
    /// Stamps to the share's program.
    RTN_SHARE_STAMPS = 2,
}

/// What a basket lacks for a rule to fire.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rtn_shortfall {
    /// Spend `shortfall` more minor units.
    RTN_SHORTFALL_SPEND = 0,
    /// Add `shortfall` more units of the condition's items.
    RTN_SHORTFALL_UNITS = 1,
}

/// An outcome at a glance: totals and the length of each of its arrays.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_outcome_summary {
    /// The SHA-256 of the rule set that produced it (`rtn_rule_set_describe`).
    pub rule_set_hash: [u8; RTN_RULE_SET_HASH_LEN],
    /// The transaction.
    pub event: rtn_event_id,
    /// Points earned, all rules.
    pub points: u64,
    /// Discount, all rules, in minor units.
    pub discount: i64,
    /// Lines (`rtn_outcome_lines`), as many as the basket had.
    pub line_count: usize,
    /// Attribution entries (`rtn_outcome_attribution`).
    pub share_count: usize,
    /// Trace entries (`rtn_outcome_trace`): one per rule.
    pub trace_count: usize,
    /// Hints (`rtn_outcome_hints`).
    pub hint_count: usize,
    /// Programs with stamps (`rtn_outcome_stamps`).
    pub stamp_count: usize,
    /// Rewards (`rtn_outcome_rewards`).
    pub reward_count: usize,
    /// Free-item entries (`rtn_outcome_free_items`).
    pub free_item_count: usize,
}

/// Per line: the quantity sold and the line's total discount.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_line_result {
    /// The line's discount from every rule, in minor units.
    pub discount: i64,
    /// Units sold.
    pub quantity: u32,
}

/// Attribution: what one rule gave one basket line.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_share {
    /// Points, minor units of discount, or stamps.
    pub amount: u64,
    /// The rule's id.
    pub rule: u16,
    /// The punch-card program, for stamps (0 otherwise).
    pub program: u16,
    /// The line's index in the basket.
    pub line: u8,
    /// What `amount` counts.
    pub kind: rtn_share_kind,
}

/// The trace entry of one rule, in evaluation order.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_trace_entry {
    /// What it gave, in its effect's unit; 0 if nothing.
    pub amount: u64,
    /// The rule's id.
    pub rule: u16,
    /// For `RTN_TRACE_SUPERSEDED_BY` and `RTN_TRACE_STOPPED_BY`: the other rule's id; else 0.
    pub other_rule: u16,
    /// The rule's effect.
    pub effect: rtn_effect,
    /// Applied, or why not.
    pub status: rtn_trace_status,
    /// For `RTN_TRACE_CONDITION_FAILED`: the failed condition's position (0 first); else 0.
    pub condition: u8,
    /// For `RTN_TRACE_CONDITION_FAILED`: its kind; else `RTN_CONDITION_NONE`.
    pub condition_kind: rtn_condition,
    /// For `RTN_TRACE_USAGE_LIMIT_REACHED`: the limit's period; else `RTN_PERIOD_NONE`.
    pub period: rtn_period,
}

/// A nearest miss: the smallest basket change that makes a rule fire.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_hint {
    /// Minor units to spend, or units to add (`shortfall_kind`).
    pub shortfall: i64,
    /// What the rule would give as things stand, where that does not depend on what is added
    /// (a bonus, an amount off, a reward: 1); 0 when it does.
    pub amount: u64,
    /// The rule that would fire.
    pub rule: u16,
    /// The position of its failing threshold condition.
    pub condition: u8,
    /// Spend or units.
    pub shortfall_kind: rtn_shortfall,
    /// The rule's effect.
    pub effect: rtn_effect,
}

/// Stamps earned (or clawed back) for one punch-card program.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_stamp_award {
    /// Stamps.
    pub stamps: u64,
    /// The program.
    pub program: u16,
}

/// A reward granted.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_reward_grant {
    /// The reward id (the operator's).
    pub reward: u32,
    /// The rule's id.
    pub rule: u16,
}

/// Units of a line given free by a rule.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct rtn_free_item {
    /// Units free.
    pub units: u32,
    /// The rule's id.
    pub rule: u16,
    /// The line's index.
    pub line: u8,
}

/// The C kind of an effect.
fn effect_of(kind: EffectKind) -> Result<rtn_effect, rtn_status> {
    Ok(match kind {
        EffectKind::PointsPerAmount => rtn_effect::RTN_EFFECT_POINTS_PER_AMOUNT,
        EffectKind::Multiplier => rtn_effect::RTN_EFFECT_MULTIPLIER,
        EffectKind::BonusPoints => rtn_effect::RTN_EFFECT_BONUS_POINTS,
        EffectKind::PercentOff => rtn_effect::RTN_EFFECT_PERCENT_OFF,
        EffectKind::AmountOff => rtn_effect::RTN_EFFECT_AMOUNT_OFF,
        EffectKind::FreeItem => rtn_effect::RTN_EFFECT_FREE_ITEM,
        EffectKind::Stamps => rtn_effect::RTN_EFFECT_STAMPS,
        EffectKind::Reward => rtn_effect::RTN_EFFECT_REWARD,
        _ => return Err(rtn_status::RTN_INTERNAL),
    })
}

/// The C kind of a condition.
fn condition_of(kind: ConditionKind) -> Result<rtn_condition, rtn_status> {
    Ok(match kind {
        ConditionKind::BasketTotal => rtn_condition::RTN_CONDITION_BASKET_TOTAL,
        ConditionKind::Quantity => rtn_condition::RTN_CONDITION_QUANTITY,
        ConditionKind::Amount => rtn_condition::RTN_CONDITION_AMOUNT,
        ConditionKind::Weekdays => rtn_condition::RTN_CONDITION_WEEKDAYS,
        ConditionKind::TimeOfDay => rtn_condition::RTN_CONDITION_TIME_OF_DAY,
        ConditionKind::Stores => rtn_condition::RTN_CONDITION_STORES,
        ConditionKind::Channels => rtn_condition::RTN_CONDITION_CHANNELS,
        ConditionKind::TierAtLeast => rtn_condition::RTN_CONDITION_TIER_AT_LEAST,
        ConditionKind::SegmentsAny => rtn_condition::RTN_CONDITION_SEGMENTS_ANY,
        ConditionKind::SegmentsAll => rtn_condition::RTN_CONDITION_SEGMENTS_ALL,
        ConditionKind::NthVisit => rtn_condition::RTN_CONDITION_NTH_VISIT,
        ConditionKind::VisitsAtLeast => rtn_condition::RTN_CONDITION_VISITS_AT_LEAST,
        ConditionKind::FirstPurchase => rtn_condition::RTN_CONDITION_FIRST_PURCHASE,
        ConditionKind::Birthday => rtn_condition::RTN_CONDITION_BIRTHDAY,
        ConditionKind::LapsedDays => rtn_condition::RTN_CONDITION_LAPSED_DAYS,
        ConditionKind::ChurnRiskAtLeast => rtn_condition::RTN_CONDITION_CHURN_RISK_AT_LEAST,
        ConditionKind::Coupon => rtn_condition::RTN_CONDITION_COUPON,
        ConditionKind::FeedbackGroup => rtn_condition::RTN_CONDITION_FEEDBACK_GROUP,
        ConditionKind::FeedbackWithinDays => rtn_condition::RTN_CONDITION_FEEDBACK_WITHIN_DAYS,
        ConditionKind::Anniversary => rtn_condition::RTN_CONDITION_ANNIVERSARY,
        ConditionKind::VisitMilestones => rtn_condition::RTN_CONDITION_VISIT_MILESTONES,
        _ => return Err(rtn_status::RTN_INTERNAL),
    })
}

/// Writes the outcome's totals and array lengths to `*summary_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED` (no outcome: never evaluated,
/// or the last evaluation into it failed).
///
/// # Safety
/// `outcome` must be NULL or valid; `summary_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_summarize(
    outcome: *const rtn_outcome,
    summary_out: *mut rtn_outcome_summary,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (outcome, summary_out) = unsafe { (In::new(outcome), Out::new(summary_out)) };
        let summary_out = summary_out.required()?;
        summary_out.write(summary_of(outcome.value()?));
        Ok(())
    })
}

/// The summary of `outcome`, built apart from `*summary_out`: written straight into a C
/// pointer that may alias the outcome, its hash was copied with `memmove`, which kept 1.6 KB
/// of `compiler_builtins` in the firmware image for 32 bytes; a return value cannot alias.
#[inline(never)]
fn summary_of(outcome: &Outcome) -> rtn_outcome_summary {
    rtn_outcome_summary {
        rule_set_hash: outcome.rule_set,
        event: outcome.event.into(),
        points: outcome.points.0,
        discount: outcome.discount.minor(),
        line_count: outcome.lines.len(),
        share_count: outcome.shares.len(),
        trace_count: outcome.trace.len(),
        hint_count: outcome.hints.len(),
        stamp_count: outcome.stamps.len(),
        reward_count: outcome.rewards.len(),
        free_item_count: outcome.free_items.len(),
    }
}

/// Copies part of an outcome into a C array (the body of the `rtn_outcome_*` readers): the
/// outcome's checks first, then the array's ([`OutArray::copy_from`]).
fn read_part<S, T>(
    outcome: In<'_, rtn_outcome>,
    part: impl FnOnce(&Outcome) -> &[S],
    convert: impl Fn(&S) -> Result<T, rtn_status>,
    items_out: OutArray<'_, T>,
) -> rtn_status {
    boundary::catch(|| items_out.copy_from(part(outcome.value()?), convert))
}

/// Copies the per-line results (quantity sold, the line's discount), in basket order.
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_lines(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_line_result,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.lines,
        |line: &rules::LineResult| {
            Ok(rtn_line_result {
                discount: line.discount.minor(),
                quantity: line.quantity,
            })
        },
        items_out,
    )
}

/// Copies the attribution: which rule gave which line how many points, minor units of
/// discount or stamps (what refunds claw back).
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_attribution(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_share,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.shares,
        |share: &rules::Share| {
            Ok(rtn_share {
                amount: share.amount,
                rule: share.rule,
                program: share.program.0,
                line: share.line,
                kind: match share.kind {
                    ShareKind::Points => rtn_share_kind::RTN_SHARE_POINTS,
                    ShareKind::Discount => rtn_share_kind::RTN_SHARE_DISCOUNT,
                    ShareKind::Stamps => rtn_share_kind::RTN_SHARE_STAMPS,
                },
            })
        },
        items_out,
    )
}

/// Copies the trace: one entry per rule, in evaluation order, applied (with its amount) or
/// the first reason it did not.
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_trace(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_trace_entry,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.trace,
        |entry: &rules::TraceEntry| {
            let mut c_entry = rtn_trace_entry {
                amount: entry.amount,
                rule: entry.rule,
                other_rule: 0,
                effect: effect_of(entry.effect)?,
                status: rtn_trace_status::RTN_TRACE_APPLIED,
                condition: 0,
                condition_kind: rtn_condition::RTN_CONDITION_NONE,
                period: rtn_period::RTN_PERIOD_NONE,
            };
            c_entry.status = match entry.status {
                Status::Applied => rtn_trace_status::RTN_TRACE_APPLIED,
                Status::Capped => rtn_trace_status::RTN_TRACE_CAPPED,
                Status::ConditionFailed { condition, kind } => {
                    c_entry.condition = condition;
                    c_entry.condition_kind = condition_of(kind)?;
                    rtn_trace_status::RTN_TRACE_CONDITION_FAILED
                }
                Status::OutsideValidity => rtn_trace_status::RTN_TRACE_OUTSIDE_VALIDITY,
                Status::SupersededBy { rule } => {
                    c_entry.other_rule = rule;
                    rtn_trace_status::RTN_TRACE_SUPERSEDED_BY
                }
                Status::StoppedBy { rule } => {
                    c_entry.other_rule = rule;
                    rtn_trace_status::RTN_TRACE_STOPPED_BY
                }
                Status::CapReached => rtn_trace_status::RTN_TRACE_CAP_REACHED,
                Status::UsageLimitReached { period } => {
                    c_entry.period = period.into();
                    rtn_trace_status::RTN_TRACE_USAGE_LIMIT_REACHED
                }
                Status::NothingEligible => rtn_trace_status::RTN_TRACE_NOTHING_ELIGIBLE,
            };
            Ok(c_entry)
        },
        items_out,
    )
}

/// Copies the nearest-miss hints ("spend 2.00 more for 50 bonus points"), in rule order.
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_hints(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_hint,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.hints,
        |hint: &rules::Hint| {
            let (shortfall_kind, shortfall) = match hint.shortfall {
                Shortfall::Spend(amount) => (rtn_shortfall::RTN_SHORTFALL_SPEND, amount.minor()),
                Shortfall::Units(units) => (rtn_shortfall::RTN_SHORTFALL_UNITS, i64::from(units)),
            };
            Ok(rtn_hint {
                shortfall,
                amount: hint.amount,
                rule: hint.rule,
                condition: hint.condition,
                shortfall_kind,
                effect: effect_of(hint.effect)?,
            })
        },
        items_out,
    )
}

/// Copies the stamps earned per punch-card program (for `rtn_card_stamp`).
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_stamps(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_stamp_award,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.stamps,
        |award: &rules::StampAward| {
            Ok(rtn_stamp_award {
                stamps: award.stamps,
                program: award.program.0,
            })
        },
        items_out,
    )
}

/// Copies the rewards granted.
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_rewards(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_reward_grant,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.rewards,
        |grant: &rules::RewardGrant| {
            Ok(rtn_reward_grant {
                reward: grant.reward,
                rule: grant.rule,
            })
        },
        items_out,
    )
}

/// Copies the free items given (rule, line, units).
///
/// `items_out` has room for `capacity` entries (the summary's count, or the `RTN_RULES_MAX_*`
/// constant, always suffices) and may be NULL when `capacity` is 0; the number of entries goes
/// to `*count_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`; `RTN_BUFFER_TOO_SMALL`. On
/// error nothing is written.
///
/// # Safety
/// `outcome` must be NULL or valid; `items_out` valid for `capacity` entries; `count_out` NULL
/// or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_free_items(
    outcome: *const rtn_outcome,
    items_out: *mut rtn_free_item,
    capacity: usize,
    count_out: *mut usize,
) -> rtn_status {
    // SAFETY: the pointers are as the `# Safety` section above promises.
    let (outcome, items_out) = unsafe {
        (
            In::new(outcome),
            OutArray::new(items_out, capacity, count_out),
        )
    };
    read_part(
        outcome,
        |outcome| &outcome.free_items,
        |item: &rules::FreeItem| {
            Ok(rtn_free_item {
                units: item.units,
                rule: item.rule,
                line: item.line,
            })
        },
        items_out,
    )
}

/// Initialises `*customer_out` with the customer record after the sale of `*outcome` (visit
/// counted, usage counts updated): store it (`rtn_customer_encode`) once the sale completes.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `outcome` must be NULL or valid; `customer_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_outcome_customer(
    outcome: *const rtn_outcome,
    customer_out: *mut rtn_customer,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (outcome, customer_out) = unsafe { (In::new(outcome), Out::new(customer_out)) };
        let customer_out = customer_out.required()?;
        customer_out.init(outcome.value()?.customer.clone());
        Ok(())
    })
}
