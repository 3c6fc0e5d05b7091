//! Loyalty rules in C: load (and verify) a rule-set blob into caller storage, evaluate a basket
//! into caller outcome storage, read the outcome through plain structs and arrays, refund.
//!
//! Memory: a loaded rule set is `rtn_rule_set` (16 KiB + 8 bytes), an outcome `rtn_outcome`
//! (4 KiB + 8 bytes); both are caller storage (a static on small firmware). Evaluation itself
//! keeps about 2–3 KiB on the stack and writes into the outcome storage directly: it never
//! holds a second outcome on the stack.

use core::ffi::c_char;
use core::mem::MaybeUninit;

use retention_core::money::Money;
use retention_core::rules::{
    self, ConditionKind, Context, EffectKind, Line, LoadOptions, Outcome, Returns, RuleSet,
    ShareKind, Shortfall, Status,
};
use retention_core::terminal::EventId;
use retention_core::time::{Timestamp, UtcOffset};

use crate::boundary;
use crate::customer::{rtn_customer, rtn_period};
use crate::handle::{In, InSlice, Opaque, Out, OutArray, Place, opaque};
use crate::status::rtn_status;
use crate::terminal::rtn_event_id;

/// The largest rule-set blob in bytes (envelope and signature included).
pub const RTN_RULE_SET_MAX_LEN: usize = 13_119;
/// Bytes of an operator's Ed25519 public key (`rtn_rule_set_load`).
pub const RTN_RULE_SET_PUBLIC_KEY_LEN: usize = 32;
/// Bytes of a rule set's identity, the SHA-256 of its compiled content.
pub const RTN_RULE_SET_HASH_LEN: usize = 32;
/// Bytes of a rule set's name (UTF-8, without the terminating NUL).
pub const RTN_RULE_SET_NAME_MAX_LEN: usize = 48;
/// Bytes of `rtn_rule_set_info.name`: the longest name and its terminating NUL.
pub const RTN_RULE_SET_NAME_BUF_LEN: usize = 49;
/// Size of `rtn_rule_set` in 64-bit words (16 KiB and the type word).
pub const RTN_RULE_SET_STORAGE_WORDS: usize = 2_049;
/// Size of `rtn_outcome` in 64-bit words (4 KiB and the type word).
pub const RTN_OUTCOME_STORAGE_WORDS: usize = 513;
/// Lines per basket.
pub const RTN_RULES_MAX_LINES: usize = 32;
/// Rules per rule set, and so trace entries per outcome.
pub const RTN_RULES_MAX_RULES: usize = 64;
/// Line shares (attribution entries) per outcome.
pub const RTN_RULES_MAX_SHARES: usize = 96;
/// Nearest-miss hints per outcome (those of the first rules in evaluation order).
pub const RTN_RULES_MAX_HINTS: usize = 4;
/// Rewards granted per outcome.
pub const RTN_RULES_MAX_REWARDS: usize = 8;
/// Free-item entries per outcome.
pub const RTN_RULES_MAX_FREE_ITEMS: usize = 8;
/// Punch-card programs a rule set awards stamps to.
pub const RTN_RULES_MAX_PROGRAMS: usize = 4;
/// Coupons presented per sale.
pub const RTN_RULES_MAX_COUPONS: usize = 8;
/// The highest sales channel id.
pub const RTN_RULES_MAX_CHANNEL: u8 = 31;
/// The highest churn risk (thousandths).
pub const RTN_RULES_MAX_CHURN_RISK: i32 = 1_000;
/// `rtn_rules_context.churn_risk` when the customer's churn risk is not known.
pub const RTN_RULES_CHURN_RISK_UNKNOWN: i32 = -1;

const _: () = {
    assert!(RTN_RULE_SET_MAX_LEN == rules::RULE_SET_MAX_LEN);
    assert!(RTN_RULE_SET_PUBLIC_KEY_LEN == rules::PUBLIC_KEY_LEN);
    assert!(RTN_RULE_SET_NAME_MAX_LEN == rules::MAX_NAME_LEN);
    assert!(RTN_RULE_SET_NAME_BUF_LEN == RTN_RULE_SET_NAME_MAX_LEN + 1);
    assert!(RTN_RULES_MAX_LINES == rules::MAX_LINES);
    assert!(RTN_RULES_MAX_RULES == rules::MAX_RULES);
    assert!(RTN_RULES_MAX_SHARES == rules::MAX_SHARES);
    assert!(RTN_RULES_MAX_HINTS == rules::MAX_HINTS);
    assert!(RTN_RULES_MAX_REWARDS == rules::MAX_REWARDS);
    assert!(RTN_RULES_MAX_FREE_ITEMS == rules::MAX_FREE_ITEMS);
    assert!(RTN_RULES_MAX_PROGRAMS == rules::MAX_PROGRAMS);
    assert!(RTN_RULES_MAX_COUPONS == rules::MAX_COUPONS);
    assert!(RTN_RULES_MAX_CHANNEL == rules::MAX_CHANNEL);
    assert!(RTN_RULES_MAX_CHURN_RISK == rules::MAX_CHURN_RISK as i32);
};

/// A loaded, verified rule set in caller-owned storage
/// (`uint64_t opaque[RTN_RULE_SET_STORAGE_WORDS]`, 16 KiB + 8 bytes). Initialise it with
/// `rtn_rule_set_load`; read-only afterwards; copy it with `memcpy`; it needs no clean-up.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_rule_set {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_RULE_SET_STORAGE_WORDS],
}

/// The outcome of an evaluation in caller-owned storage
/// (`uint64_t opaque[RTN_OUTCOME_STORAGE_WORDS]`, 4 KiB + 8 bytes): written by
/// `rtn_rules_evaluate`, read with the `rtn_outcome_*` functions. Keep it (with its
/// `rtn_returns`) for as long as the sale can be returned: refunds read its attribution.
#[repr(C)]
#[derive(Debug)]
pub struct rtn_outcome {
    /// Opaque; only the SDK reads it.
    pub opaque: [MaybeUninit<u64>; RTN_OUTCOME_STORAGE_WORDS],
}

opaque!(rtn_rule_set: [RTN_RULE_SET_STORAGE_WORDS] holds RuleSet, magic b"rtnRULE1");
opaque!(rtn_outcome: [RTN_OUTCOME_STORAGE_WORDS] holds Outcome, magic b"rtnOUTC1");

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
}

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

/// A rule set at a glance.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_rule_set_info {
    /// Its identity: the SHA-256 of its compiled content (signing does not change it).
    pub hash: [u8; RTN_RULE_SET_HASH_LEN],
    /// Its name, UTF-8, NUL-terminated.
    pub name: [c_char; RTN_RULE_SET_NAME_BUF_LEN],
    /// The program's version number.
    pub serial: u32,
    /// Rules in the set.
    pub rule_count: u8,
}

/// Units of each line of one sale returned so far: kept by the caller with the sale's
/// outcome, started by `rtn_returns_init`, advanced by `rtn_rules_refund`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_returns {
    /// The sale.
    pub event: rtn_event_id,
    /// Lines of the sale (the first `line_count` entries of `units` count).
    pub line_count: u32,
    /// Units returned so far, per line.
    pub units: [u32; RTN_RULES_MAX_LINES],
}

/// Points clawed back from one rule.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct rtn_rule_points {
    /// Points.
    pub points: u64,
    /// The rule's id.
    pub rule: u16,
}

/// What a return takes back, for the points account, the punch cards and the till
/// (about 1.2 KiB: keep it static on a small stack).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rtn_clawback {
    /// The rule set that produced the original outcome.
    pub rule_set_hash: [u8; RTN_RULE_SET_HASH_LEN],
    /// The original sale.
    pub event: rtn_event_id,
    /// Points to take back, all rules (for `rtn_account_clawback`).
    pub points: u64,
    /// Discount the returned units had, in minor units.
    pub discount: i64,
    /// Programs with stamps to take back (the first `stamp_count` entries of `stamps`).
    pub stamp_count: u32,
    /// Stamps to take back per program (for `rtn_card_void`).
    pub stamps: [rtn_stamp_award; RTN_RULES_MAX_PROGRAMS],
    /// Rules with points to take back (the first `rule_count` entries of `points_by_rule`).
    pub rule_count: u32,
    /// Points to take back per rule, in trace order.
    pub points_by_rule: [rtn_rule_points; RTN_RULES_MAX_RULES],
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
        _ => return Err(rtn_status::RTN_INTERNAL),
    })
}

/// An operator's Ed25519 public key, as `rtn_rule_set_load` reads it.
type PublicKey = [u8; RTN_RULE_SET_PUBLIC_KEY_LEN];

/// The loader's options: `min_serial`, and the public key if one is given (not NULL).
fn load_options(min_serial: u32, public_key: In<'_, PublicKey>) -> Result<LoadOptions, rtn_status> {
    let options = LoadOptions::new().min_serial(min_serial);
    if public_key.is_null() {
        return Ok(options);
    }
    #[cfg(feature = "signing")]
    {
        Ok(options.public_key(*public_key.get()?))
    }
    #[cfg(not(feature = "signing"))]
    {
        Err(rtn_status::RTN_RULES_SIGNING_NOT_BUILT)
    }
}

/// Verifies a rule-set blob and loads it into `*rule_set_out`.
///
/// `min_serial`: rule sets with an older serial are refused (keep the serial last loaded, so an
/// older set cannot be replayed onto the terminal). `public_key`: NULL, or the operator's
/// Ed25519 public key (`RTN_RULE_SET_PUBLIC_KEY_LEN` bytes): then only sets signed with its
/// secret key load. Signature checks need the library built with the `signing` feature
/// (host builds have it; firmware adds `--features signing`, about 20 KiB of flash); without
/// it a non-NULL `public_key` is `RTN_RULES_SIGNING_NOT_BUILT`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_INVALID_ARGUMENT` (`blob_len` beyond
/// `PTRDIFF_MAX`); `RTN_DECODE_TRUNCATED`; `RTN_DECODE_BAD_MAGIC`; `RTN_DECODE_UNKNOWN_KIND`;
/// `RTN_DECODE_WRONG_KIND`; `RTN_DECODE_UNSUPPORTED_VERSION`; `RTN_DECODE_LENGTH_MISMATCH`;
/// `RTN_DECODE_BAD_CHECKSUM`; `RTN_DECODE_PAYLOAD`; `RTN_DECODE_OVER_CAPACITY`;
/// `RTN_DECODE_OUT_OF_RANGE`; `RTN_RULES_UNSIGNED`; `RTN_RULES_BAD_SIGNATURE`;
/// `RTN_RULES_BAD_PUBLIC_KEY`; `RTN_RULES_SERIAL_TOO_OLD`; `RTN_RULES_SIGNING_NOT_BUILT`.
///
/// The blob is decoded straight into `*rule_set_out` (loading needs well under 1 KiB of
/// stack, not a second 16 KiB copy). Every check that does not need the decoded content comes
/// first, so on error `*rule_set_out` keeps the rule set it held — a terminal offered an older,
/// forged or corrupt set keeps its current one — except after `RTN_DECODE_PAYLOAD`,
/// `RTN_DECODE_OVER_CAPACITY` and `RTN_DECODE_OUT_OF_RANGE` raised by a rule-set body that passed
/// the checksum, signature and serial checks but does not decode: then it holds no rule set
/// (`RTN_UNINITIALIZED`). A malformed signature flag or serial keeps the set it held.
///
/// # Safety
/// `blob` must be valid for `blob_len` bytes; `public_key` NULL or valid for
/// `RTN_RULE_SET_PUBLIC_KEY_LEN` bytes; `rule_set_out` NULL or valid for a write and not
/// overlapping the inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rule_set_load(
    blob: *const u8,
    blob_len: usize,
    min_serial: u32,
    public_key: *const u8,
    rule_set_out: *mut rtn_rule_set,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises (`public_key`, when
        // not NULL, to RTN_RULE_SET_PUBLIC_KEY_LEN bytes: a `PublicKey`, byte-aligned).
        let (blob, public_key, rule_set_out) = unsafe {
            (
                InSlice::new(blob, blob_len),
                In::new(public_key.cast::<PublicKey>()),
                Out::new(rule_set_out),
            )
        };
        let rule_set_out = rule_set_out.required()?;
        load_into(blob, min_serial, public_key, rule_set_out.storage())
    })
}

/// Verifies `blob` and decodes it into `storage`, in place (see `rtn_rule_set_load`: on an
/// error found in the payload the storage is left holding no rule set).
fn load_into(
    blob: InSlice<'_, u8>,
    min_serial: u32,
    public_key: In<'_, PublicKey>,
    storage: &mut rtn_rule_set,
) -> Result<(), rtn_status> {
    let (blob, options) = (blob.get()?, load_options(min_serial, public_key)?);
    let rule_set = storage.value_or_init(RuleSet::empty)?;
    match RuleSet::load_into(blob, &options, rule_set) {
        Ok(()) => Ok(()),
        Err(error) => {
            // Refused before the payload (envelope, signature, serial): the set held before is
            // untouched. Refused in the payload: `load_into` emptied it, so it holds none.
            if rule_set.rules().is_empty() && rule_set.hash() == &[0; 32] {
                storage.clear();
            }
            Err(error.into())
        }
    }
}

/// Writes the rule set's identity, name, serial and rule count to `*info_out`.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `rule_set` must be NULL or valid; `info_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rule_set_describe(
    rule_set: *const rtn_rule_set,
    info_out: *mut rtn_rule_set_info,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (rule_set, info_out) = unsafe { (In::new(rule_set), Out::new(info_out)) };
        let info_out = info_out.required()?;
        let rule_set = rule_set.value()?;
        let mut name = [0 as c_char; RTN_RULE_SET_NAME_BUF_LEN];
        for (slot, byte) in name.iter_mut().zip(rule_set.name().bytes()) {
            *slot = c_char::from_ne_bytes([byte]);
        }
        info_out.write(rtn_rule_set_info {
            hash: *rule_set.hash(),
            name,
            serial: rule_set.serial(),
            rule_count: u8::try_from(rule_set.rules().len())
                .map_err(|_| rtn_status::RTN_INTERNAL)?,
        });
        Ok(())
    })
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
/// `RTN_RULES_CHANNEL_OUT_OF_RANGE`; `RTN_RULES_TIME_OUT_OF_RANGE`;
/// `RTN_RULES_INVALID_CUSTOMER`; `RTN_RULES_OUTCOME_FULL`; `RTN_RULES_USAGE_COUNTS_FULL`;
/// `RTN_OVERFLOW`. The rule set and the customer are never changed.
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
        let outcome = outcome.value()?;
        summary_out.write(rtn_outcome_summary {
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
        });
        Ok(())
    })
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

/// Initialises `*returns_out` for the sale of `*outcome`: nothing returned yet.
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER`; `RTN_UNINITIALIZED`.
///
/// # Safety
/// `outcome` must be NULL or valid; `returns_out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_returns_init(
    outcome: *const rtn_outcome,
    returns_out: *mut rtn_returns,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises.
        let (outcome, returns_out) = unsafe { (In::new(outcome), Out::new(returns_out)) };
        let returns_out = returns_out.required()?;
        returns_out.write(c_returns(&Returns::none(outcome.value()?))?);
        Ok(())
    })
}

/// The returns so far, for C.
fn c_returns(returns: &Returns) -> Result<rtn_returns, rtn_status> {
    let mut units = [0u32; RTN_RULES_MAX_LINES];
    for (slot, count) in units.iter_mut().zip(&returns.units) {
        *slot = *count;
    }
    Ok(rtn_returns {
        event: returns.event.into(),
        line_count: u32::try_from(returns.units.len()).map_err(|_| rtn_status::RTN_INTERNAL)?,
        units,
    })
}

/// Works out what a return of the sale of `*outcome` claws back, from the outcome's
/// attribution (no re-evaluation; thresholds are not re-tested): for every share `P` of a
/// line sold `q` units whose returned count goes from `r_before` to `r_after`,
/// `floor(P·r_after/q) − floor(P·r_before/q)` points, stamps and discount.
///
/// `returned_units[l]` is the number of units of line `l` returned **in total** once this
/// return is done (cumulative, so presenting the same return twice claws back nothing the
/// second time); lines past `line_count` are unchanged, and a count below the one already in
/// `*returned_so_far` changes nothing for its line. Writes the clawback to `*clawback_out` and
/// the new returns so far to `*returns_out` (which may be `returned_so_far`).
///
/// Returns `RTN_OK`; `RTN_NULL_PARAMETER` (`returned_units` may be NULL only when
/// `line_count` is 0); `RTN_UNINITIALIZED`; `RTN_RULES_REFUND_WRONG_SALE` (the returns belong
/// to another sale); `RTN_RULES_REFUND_LINE_COUNT_MISMATCH` (more lines than the sale had, or
/// returns of another basket size); `RTN_RULES_REFUND_TOO_MANY_UNITS`; `RTN_OVERFLOW`. On error
/// nothing is written.
///
/// # Safety
/// `outcome` and `returned_so_far` must be NULL or valid; `returned_units` valid for
/// `line_count` entries; `clawback_out` and `returns_out` NULL or valid for a write, not
/// overlapping each other or `outcome`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn rtn_rules_refund(
    outcome: *const rtn_outcome,
    returned_so_far: *const rtn_returns,
    returned_units: *const u32,
    line_count: usize,
    clawback_out: *mut rtn_clawback,
    returns_out: *mut rtn_returns,
) -> rtn_status {
    boundary::catch(|| {
        // SAFETY: the pointers are as the `# Safety` section above promises; `returns_out` may
        // alias `returned_so_far`, which is copied before anything is written.
        let (outcome, returned_so_far, returned_units, clawback_out, returns_out) = unsafe {
            (
                In::new(outcome),
                In::new(returned_so_far),
                InSlice::new(returned_units, line_count),
                Out::new(clawback_out),
                Out::new(returns_out),
            )
        };
        let clawback_out = clawback_out.required()?;
        let returns_out = returns_out.required()?;
        let (outcome, so_far) = (outcome.value()?, *returned_so_far.get()?);
        if returned_units.len() > RTN_RULES_MAX_LINES {
            return Err(rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH);
        }
        let returned = returned_units.get_or_empty()?;
        let units = so_far
            .units
            .get(..usize::try_from(so_far.line_count).unwrap_or(usize::MAX))
            .ok_or(rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH)?;
        let before = Returns {
            event: EventId::from(so_far.event),
            units: heapless::Vec::from_slice(units)
                .map_err(|_| rtn_status::RTN_RULES_REFUND_LINE_COUNT_MISMATCH)?,
        };
        let (clawback, after) = rules::refund(outcome, &before, returned)?;
        let mut c_clawback = rtn_clawback {
            rule_set_hash: clawback.rule_set,
            event: clawback.event.into(),
            points: clawback.points.0,
            discount: clawback.discount.minor(),
            stamp_count: u32::try_from(clawback.stamps.len())
                .map_err(|_| rtn_status::RTN_INTERNAL)?,
            stamps: [rtn_stamp_award::default(); RTN_RULES_MAX_PROGRAMS],
            rule_count: u32::try_from(clawback.points_by_rule.len())
                .map_err(|_| rtn_status::RTN_INTERNAL)?,
            points_by_rule: [rtn_rule_points::default(); RTN_RULES_MAX_RULES],
        };
        for (slot, award) in c_clawback.stamps.iter_mut().zip(&clawback.stamps) {
            *slot = rtn_stamp_award {
                stamps: award.stamps,
                program: award.program.0,
            };
        }
        for (slot, entry) in c_clawback
            .points_by_rule
            .iter_mut()
            .zip(&clawback.points_by_rule)
        {
            *slot = rtn_rule_points {
                points: entry.points.0,
                rule: entry.rule,
            };
        }
        let after = c_returns(&after)?;
        clawback_out.write(c_clawback);
        returns_out.write(after);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::tests::empty as empty_customer;
    use crate::customer::{
        rtn_customer_get_profile, rtn_customer_init, rtn_customer_profile as Profile,
    };

    fn rule_set_storage() -> Box<rtn_rule_set> {
        Box::new(rtn_rule_set {
            opaque: [MaybeUninit::new(0); RTN_RULE_SET_STORAGE_WORDS],
        })
    }

    fn outcome_storage() -> Box<rtn_outcome> {
        Box::new(rtn_outcome {
            opaque: [MaybeUninit::new(0); RTN_OUTCOME_STORAGE_WORDS],
        })
    }

    const PROGRAM: &str = r#"{"name": "Demo", "serial": 4, "rules": [
        {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
        {"id": 2, "name": "50 bonus over 20.00", "when": [{"basket_total": {"at_least": 2000}}],
         "effect": {"bonus_points": {"points": 50}}}]}"#;

    fn blob() -> Vec<u8> {
        let rules = RuleSet::from_json(PROGRAM).unwrap();
        let mut blob = vec![0u8; RTN_RULE_SET_MAX_LEN];
        let used = rules.encode(&mut blob).unwrap();
        blob.truncate(used);
        blob
    }

    fn context() -> rtn_rules_context {
        rtn_rules_context {
            now: 1_709_651_400, // 2024-03-05T15:10:00Z
            event: rtn_event_id {
                terminal: 3,
                sequence: 9,
            },
            churn_risk: RTN_RULES_CHURN_RISK_UNKNOWN,
            ..rtn_rules_context::default()
        }
    }

    #[test]
    fn load_evaluate_read_refund() {
        let blob = blob();
        let mut rule_set = rule_set_storage();
        let mut outcome = outcome_storage();
        let mut customer = empty_customer();
        // 2 × 4.50 + 9.00 = 18.00: 18 points; the bonus needs 2.00 more.
        let lines = [
            rtn_line {
                sku: 1,
                category: 7,
                quantity: 2,
                unit_price: 450,
            },
            rtn_line {
                sku: 2,
                category: 7,
                quantity: 1,
                unit_price: 900,
            },
        ];
        let mut summary = rtn_outcome_summary::default();
        let mut info = MaybeUninit::<rtn_rule_set_info>::uninit();
        // SAFETY: every pointer is valid for its length.
        unsafe {
            assert_eq!(
                rtn_rule_set_load(
                    blob.as_ptr(),
                    blob.len(),
                    5,
                    core::ptr::null(),
                    &mut *rule_set
                ),
                rtn_status::RTN_RULES_SERIAL_TOO_OLD
            );
            assert_eq!(
                rtn_rule_set_load(
                    blob.as_ptr(),
                    blob.len(),
                    4,
                    core::ptr::null(),
                    &mut *rule_set
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_rule_set_describe(&*rule_set, info.as_mut_ptr()),
                rtn_status::RTN_OK
            );
            assert_eq!(rtn_customer_init(&mut customer), rtn_status::RTN_OK);
            assert_eq!(
                rtn_rules_evaluate(
                    &*rule_set,
                    lines.as_ptr(),
                    2,
                    &customer,
                    &context(),
                    &mut *outcome
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_outcome_summarize(&*outcome, &mut summary),
                rtn_status::RTN_OK
            );
        }
        // SAFETY: written by rtn_rule_set_describe.
        let info = unsafe { info.assume_init() };
        assert_eq!((info.serial, info.rule_count), (4, 2));
        assert_eq!(&info.name.map(|c| c.to_ne_bytes()[0])[..5], b"Demo\0");
        assert_eq!(summary.rule_set_hash, info.hash);
        assert_eq!((summary.points, summary.discount), (18, 0));
        assert_eq!(
            (
                summary.line_count,
                summary.share_count,
                summary.trace_count,
                summary.hint_count
            ),
            (2, 2, 2, 1)
        );
        let mut hints = [MaybeUninit::<rtn_hint>::uninit(); RTN_RULES_MAX_HINTS];
        let mut trace = [MaybeUninit::<rtn_trace_entry>::uninit(); RTN_RULES_MAX_RULES];
        let mut count = 0usize;
        // SAFETY: arrays valid for their capacities.
        unsafe {
            assert_eq!(
                rtn_outcome_trace(&*outcome, trace.as_mut_ptr().cast(), 1, &mut count),
                rtn_status::RTN_BUFFER_TOO_SMALL
            );
            assert_eq!(
                rtn_outcome_trace(
                    &*outcome,
                    trace.as_mut_ptr().cast(),
                    trace.len(),
                    &mut count
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(count, 2);
            let failed = trace[1].assume_init();
            assert_eq!(failed.status, rtn_trace_status::RTN_TRACE_CONDITION_FAILED);
            assert_eq!(
                failed.condition_kind,
                rtn_condition::RTN_CONDITION_BASKET_TOTAL
            );
            assert_eq!(
                rtn_outcome_hints(
                    &*outcome,
                    hints.as_mut_ptr().cast(),
                    hints.len(),
                    &mut count
                ),
                rtn_status::RTN_OK
            );
            let hint = hints[0].assume_init();
            assert_eq!(
                (hint.rule, hint.shortfall_kind, hint.shortfall, hint.amount),
                (2, rtn_shortfall::RTN_SHORTFALL_SPEND, 200, 50)
            );
        }
        // The updated record counts the visit.
        let mut updated = empty_customer();
        let mut profile = Profile::default();
        // SAFETY: valid pointers.
        unsafe {
            assert_eq!(
                rtn_outcome_customer(&*outcome, &mut updated),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_customer_get_profile(&updated, &mut profile),
                rtn_status::RTN_OK
            );
        }
        assert_eq!(profile.visits, 1);
        // Shares: 18·900/1800 = 9 each. Returning 1 of the 2 units of line 0 claws back 4.
        let mut returns = rtn_returns::default();
        let mut clawback = MaybeUninit::<rtn_clawback>::uninit();
        // SAFETY: valid pointers; `returns` is both input and output.
        unsafe {
            assert_eq!(
                rtn_returns_init(&*outcome, &mut returns),
                rtn_status::RTN_OK
            );
            let so_far: *mut rtn_returns = &mut returns;
            assert_eq!(
                rtn_rules_refund(
                    &*outcome,
                    so_far,
                    [3u32].as_ptr(),
                    1,
                    clawback.as_mut_ptr(),
                    so_far
                ),
                rtn_status::RTN_RULES_REFUND_TOO_MANY_UNITS
            );
            assert_eq!(
                rtn_rules_refund(
                    &*outcome,
                    so_far,
                    [1u32].as_ptr(),
                    1,
                    clawback.as_mut_ptr(),
                    so_far
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(clawback.assume_init().points, 4);
            assert_eq!(returns.units[..2], [1, 0]);
            // The same return again: nothing.
            assert_eq!(
                rtn_rules_refund(
                    &*outcome,
                    so_far,
                    [1u32].as_ptr(),
                    1,
                    clawback.as_mut_ptr(),
                    so_far
                ),
                rtn_status::RTN_OK
            );
            assert_eq!(clawback.assume_init().points, 0);
        }
    }

    #[test]
    fn errors_leave_no_outcome_or_nothing_written() {
        let blob = blob();
        let mut scratch = rule_set_storage();
        let mut outcome = outcome_storage();
        let mut customer = empty_customer();
        let good = [rtn_line {
            sku: 1,
            category: 1,
            quantity: 1,
            unit_price: 100,
        }];
        let negative = [rtn_line {
            sku: 1,
            category: 1,
            quantity: 1,
            unit_price: -1,
        }];
        let mut summary = rtn_outcome_summary::default();
        let mut too_many = context();
        too_many.coupon_count = 9;
        // SAFETY: every pointer is valid for its length.
        unsafe {
            assert_eq!(
                rtn_rules_evaluate_blob(
                    blob.as_ptr(),
                    blob.len(),
                    0,
                    core::ptr::null(),
                    &mut *scratch,
                    good.as_ptr(),
                    1,
                    &customer,
                    &context(),
                    &mut *outcome
                ),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(rtn_customer_init(&mut customer), rtn_status::RTN_OK);
            assert_eq!(
                rtn_rules_evaluate_blob(
                    blob.as_ptr(),
                    blob.len(),
                    0,
                    core::ptr::null(),
                    &mut *scratch,
                    good.as_ptr(),
                    1,
                    &customer,
                    &context(),
                    &mut *outcome
                ),
                rtn_status::RTN_OK
            );
            // An argument error leaves the outcome as it was.
            assert_eq!(
                rtn_rules_evaluate(
                    &*scratch,
                    good.as_ptr(),
                    1,
                    &customer,
                    &too_many,
                    &mut *outcome
                ),
                rtn_status::RTN_RULES_TOO_MANY_COUPONS
            );
            assert_eq!(
                rtn_outcome_summarize(&*outcome, &mut summary),
                rtn_status::RTN_OK
            );
            assert_eq!(summary.points, 1);
            // An evaluation error leaves no outcome.
            assert_eq!(
                rtn_rules_evaluate(
                    &*scratch,
                    negative.as_ptr(),
                    1,
                    &customer,
                    &context(),
                    &mut *outcome
                ),
                rtn_status::RTN_RULES_NEGATIVE_PRICE
            );
            assert_eq!(
                rtn_outcome_summarize(&*outcome, &mut summary),
                rtn_status::RTN_UNINITIALIZED
            );
            assert_eq!(
                rtn_rules_evaluate(
                    &*scratch,
                    core::ptr::null(),
                    1,
                    &customer,
                    &context(),
                    &mut *outcome
                ),
                rtn_status::RTN_NULL_PARAMETER
            );
            // A corrupted blob is refused with its decode status.
            let mut bad = blob.clone();
            bad[8] ^= 0x01;
            assert_eq!(
                rtn_rule_set_load(bad.as_ptr(), bad.len(), 0, core::ptr::null(), &mut *scratch),
                rtn_status::RTN_DECODE_BAD_CHECKSUM
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // Ed25519 under Miri takes minutes; nothing unsafe in it.
    fn signed_blobs_need_the_operator_key() {
        let rules = RuleSet::from_json(PROGRAM).unwrap();
        let secret = [7u8; 32];
        let public = RuleSet::public_key_of(&secret);
        let mut blob = vec![0u8; RTN_RULE_SET_MAX_LEN];
        let used = rules.encode_signed(&secret, &mut blob).unwrap();
        let unsigned_len = rules.encode(&mut blob[used..]).unwrap();
        let (signed, unsigned) = blob.split_at(used);
        let other = RuleSet::public_key_of(&[8u8; 32]);
        let mut storage = rule_set_storage();
        // SAFETY: every pointer is valid for its length.
        unsafe {
            assert_eq!(
                rtn_rule_set_load(signed.as_ptr(), used, 0, public.as_ptr(), &mut *storage),
                rtn_status::RTN_OK
            );
            assert_eq!(
                rtn_rule_set_load(signed.as_ptr(), used, 0, other.as_ptr(), &mut *storage),
                rtn_status::RTN_RULES_BAD_SIGNATURE
            );
            assert_eq!(
                rtn_rule_set_load(
                    unsigned.as_ptr(),
                    unsigned_len,
                    0,
                    public.as_ptr(),
                    &mut *storage
                ),
                rtn_status::RTN_RULES_UNSIGNED
            );
        }
    }
}
