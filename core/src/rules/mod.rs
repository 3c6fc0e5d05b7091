//! Loyalty rule evaluation: a rule set is data, compiled once, evaluated at the till.
//!
//! - [`RuleSet`]: the compiled, validated rules ([`rule_set`]), loaded from a blob
//!   ([`RuleSet::load`], [`blob`]) or, on a host, compiled from JSON or TOML
//!   (`RuleSet::from_json`, `RuleSet::from_toml`, [`authoring`]).
//! - [`evaluate`](fn@evaluate): a basket ([`Line`]s), a [`CustomerRecord`](crate::customer::CustomerRecord)
//!   and a [`Context`] in, an [`Outcome`] out (caller storage, no heap, bounded time): points,
//!   discounts, free items, stamps, rewards, per-line attribution, a trace entry per rule,
//!   nearest-miss hints and the updated customer record.
//! - [`refund`](fn@refund): what a partial return claws back, from the outcome's attribution.
//! - `explain` (`std`): an outcome in plain words, for receipts and support.
//! - `backtest` (`std`): a rule set over a history of sales, per rule and per segment.
//! - [`Redemption`] (points to money) and [`TierPolicy`] (tiers from a history summary, or
//!   straight from a points account: [`TierPolicy::assess_account`]).
//! - After the sale ([`apply`](mod@apply)): [`Outcome::apply`] and [`Clawback::apply`] put a
//!   sale's points and stamps (or a return's clawback) on a punch card and a points account in
//!   one all-or-nothing call.
//! - [`limits`]: every capacity (`MAX_*`) of a rule set, a basket and an outcome, in one place.
//!
//! **Order and rounding** (the one rule, `docs/rules.md` works an example of each): discount
//! rules run first, in priority order, each on the basket net of the discounts before it; then
//! earning rules in priority order, on the rule set's basis (gross or net of all discounts).
//! Each rule rounds once, on its eligible amount (points: floor unless the rule states another
//! rounding; money: half up, via [`money::div_round`](crate::money::div_round)), then shares its
//! total out to lines by largest remainder
//! ([`money::allocate_largest_remainder`](crate::money::allocate_largest_remainder)), so line
//! shares always add up to the rule's total. "Best for the customer" compares effects in money:
//! points at the rule set's redemption rate, stamps at the program's reward value divided by the
//! stamps it needs, discounts and free items at their amount.
//!
//! ```
//! use retention_core::customer::CustomerRecord;
//! use retention_core::rules::{evaluate, Context, Line, Outcome, RuleSet};
//! use retention_core::time::Timestamp;
//! let rules = RuleSet::from_json(r#"{"name": "demo", "serial": 1, "rules": [
//!     {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
//!     {"id": 2, "name": "50 bonus over 20.00", "when": [{"basket_total": {"at_least": 2000}}],
//!      "effect": {"bonus_points": {"points": 50}}}
//! ]}"#)?;
//! let basket = [Line::new(1001, 7, 2, 4_50), Line::new(1002, 7, 1, 9_00)]; // 18.00
//! let context = Context {
//!     now: Timestamp::from_unix(1_709_651_400),
//!     event: retention_core::terminal::EventId::new(1, 1), // sales are numbered from 1
//!     ..Context::default()
//! };
//! let mut outcome = Outcome::new();
//! evaluate(&rules, &basket, &CustomerRecord::new(), &context, &mut outcome)?;
//! assert_eq!(outcome.points.0, 18); // floor(18.00 × 1 / 1.00)
//! // Nearest miss: 2.00 more for the 50 bonus points.
//! assert_eq!(outcome.hints[0].shortfall, retention_core::rules::Shortfall::Spend(retention_core::money::Money::from_minor(200)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod apply;
#[cfg(feature = "std")]
pub mod authoring;
#[cfg(feature = "std")]
pub mod backtest;
pub mod blob;
pub mod condition;
mod decode;
pub mod effect;
pub mod evaluate;
#[cfg(feature = "std")]
pub mod explain;
pub mod limits;
pub mod outcome;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod properties_feedback;
pub mod redemption;
pub mod refund;
pub mod rule_set;
pub mod selector;
#[cfg(feature = "signing")]
mod signature;
pub mod span;
pub mod tiers;

pub use apply::{Applied, ApplyError};
#[cfg(feature = "std")]
pub use authoring::{AuthoringError, AuthoringErrorKind, RuleRef, RuleSetDoc};
pub use blob::{
    LoadError, LoadOptions, MODEL_PIN_LEN, PUBLIC_KEY_LEN, RULE_SET_MAX_LEN, SIGNATURE_LEN,
};
pub use condition::{Condition, ConditionKind, MAX_CHURN_RISK};
pub use effect::{Effect, EffectKind, MAX_PERMILLE};
pub use evaluate::{Context, EvalError, Line, MAX_CHANNEL, OutcomeCapacity, evaluate};
#[cfg(feature = "std")]
pub use explain::explain;
pub use limits::{
    MAX_CONDITIONS, MAX_CONDITIONS_PER_RULE, MAX_COUPONS, MAX_FREE_ITEMS, MAX_GROUPS, MAX_HINTS,
    MAX_IDS, MAX_LIMITS_PER_RULE, MAX_LINES, MAX_LIST_LEN, MAX_NAME_LEN, MAX_PROGRAMS, MAX_REWARDS,
    MAX_RULES, MAX_SELECTORS, MAX_SHARES, MAX_TEXT_LEN, MAX_TIERS,
};
pub use outcome::{
    FreeItem, Hint, LineResult, Outcome, RewardGrant, Share, ShareKind, Shortfall, StampAward,
    Status, TraceEntry,
};
pub use redemption::{RedeemError, Redeemed, Redemption};
pub use refund::{Clawback, RefundError, Returns, RulePoints, refund};
pub use rule_set::{Group, GroupMode, Rule, RuleSet, StampProgram, UsageLimit};
pub use selector::{Basis, Selector, SelectorLists};
pub use span::Span;
pub use tiers::{
    AccountTierError, TierBasis, TierError, TierLevel, TierPolicy, TierStatus, TierSummary,
    window_months, window_sum,
};
