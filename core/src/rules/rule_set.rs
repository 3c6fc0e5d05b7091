//! The compiled rule set: plain data in fixed-capacity pools, the payload of a
//! [`Kind::RuleSet`](crate::envelope::Kind::RuleSet) blob.
//!
//! Rules are stored in evaluation order (discount rules first, then earning rules, each by
//! priority). Lists of ids (SKUs, categories, stores), item selectors, conditions and rule names
//! live in shared pools that rules refer to by index, so that a 64-rule set fits in a few
//! kilobytes of RAM.

use serde::{Deserialize, Serialize};

use crate::bounded::Bounded;
use crate::card::ProgramId;
use crate::customer::UsagePeriod;
use crate::money::Money;

use super::condition::Condition;
use super::effect::Effect;
use super::limits::{
    MAX_CONDITIONS, MAX_CONDITIONS_PER_RULE, MAX_GROUPS, MAX_IDS, MAX_LIMITS_PER_RULE,
    MAX_LIST_LEN, MAX_NAME_LEN, MAX_PROGRAMS, MAX_RULES, MAX_SELECTORS, MAX_TEXT_LEN,
};
use super::redemption::Redemption;
use super::selector::{Basis, Selector, SelectorLists};
use super::span::Span;
use super::tiers::TierPolicy;

/// How an exclusive group picks the one rule that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupMode {
    /// The first rule (in evaluation order) whose conditions hold.
    First,
    /// The rule worth most to the customer, in money (ties: the first).
    Best,
}

/// An exclusive group: at most one of its rules applies per transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Group {
    /// The group's id, as authored.
    pub id: u16,
    /// How the group picks.
    pub mode: GroupMode,
}

/// A punch-card program the rule set awards stamps to, with what a full card is worth (used to
/// compare stamps in money for "best" groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StampProgram {
    /// The program.
    pub id: ProgramId,
    /// Stamps for one reward.
    pub stamps_needed: u16,
    /// The reward's value in minor units (a free coffee: its price).
    pub reward_value: Money,
}

/// A per-customer limit on how often a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UsageLimit {
    /// The usage counter: the rule's id unless rules share one (then their uses add up).
    pub counter: u16,
    /// The period the limit counts in (local time).
    pub period: UsagePeriod,
    /// Uses allowed per period, at least 1.
    pub max: u16,
}

/// One loyalty rule: when its conditions all hold, its effect applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The rule's id, unique in the set and stable across versions of a program (usage counts
    /// are keyed by it).
    pub id: u16,
    /// The rule's name, in the text pool.
    pub name: Span,
    /// Its priority as authored: lower runs first.
    pub priority: u16,
    /// Index of its exclusive group in [`RuleSet::groups`], if it has one.
    pub group: Option<u8>,
    /// When it applies, no later rule is considered.
    pub stop: bool,
    /// First local day it applies (day number), if limited.
    pub valid_from: Option<i32>,
    /// Last local day it applies (day number), if limited.
    pub valid_until: Option<i32>,
    /// Its conditions, in the condition pool.
    pub conditions: Span,
    /// What it does.
    pub effect: Effect,
    /// The most it gives per transaction, in the effect's unit (points, minor units, stamps).
    pub cap: Option<u64>,
    /// Per-customer usage limits.
    pub limits: Bounded<UsageLimit, MAX_LIMITS_PER_RULE>,
}

/// The compiled content of a rule set (the postcard payload; field order is the format).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RuleSetData {
    /// The set's name, in the text pool.
    pub(crate) name: Span,
    /// Version number of the program; loaders may refuse older ones (`min_serial`).
    pub(crate) serial: u32,
    /// First local day the set applies, if limited; also the index of its "campaign" period.
    pub(crate) valid_from: Option<i32>,
    /// Last local day the set applies, if limited.
    pub(crate) valid_until: Option<i32>,
    /// The basis earning rules compute points on.
    pub(crate) points_basis: Basis,
    /// The most points per transaction from all rules together.
    pub(crate) max_points: Option<u64>,
    /// The most discount per transaction from all rules together, in minor units.
    pub(crate) max_discount: Option<Money>,
    /// Lines that never earn (points or stamps): a selector, if any.
    pub(crate) non_earning: Option<u8>,
    /// Lines that never get a discount: a selector, if any.
    pub(crate) non_discountable: Option<u8>,
    /// Points to money.
    pub(crate) redemption: Option<Redemption>,
    /// Tier qualification.
    pub(crate) tiers: Option<TierPolicy>,
    /// Punch-card programs.
    pub(crate) programs: Bounded<StampProgram, MAX_PROGRAMS>,
    /// Exclusive groups.
    pub(crate) groups: Bounded<Group, MAX_GROUPS>,
    /// The id pool (SKUs, categories, stores).
    pub(crate) ids: Bounded<u32, MAX_IDS>,
    /// The selector pool.
    pub(crate) selectors: Bounded<Selector, MAX_SELECTORS>,
    /// The condition pool.
    pub(crate) conditions: Bounded<Condition, MAX_CONDITIONS>,
    /// The rules, in evaluation order.
    pub(crate) rules: Bounded<Rule, MAX_RULES>,
    /// The text pool (names), UTF-8 (checked on load).
    pub(crate) text: Bounded<u8, MAX_TEXT_LEN>,
}

/// A compiled, validated rule set, with its content hash (its identity).
///
/// Made by [`RuleSet::load`] from a blob, or on a host by `RuleSet::from_json` /
/// `RuleSet::from_toml`. Read-only: evaluation never changes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSet {
    pub(crate) data: RuleSetData,
    pub(crate) hash: [u8; 32],
    /// The hash of the churn model the set's churn conditions were written for, if pinned.
    pub(crate) model_pin: Option<[u8; 32]>,
}

impl RuleSet {
    /// A rule set without rules (evaluating it gives nothing): the starting value of the
    /// storage [`RuleSet::load_into`] loads into.
    #[must_use]
    pub const fn empty() -> RuleSet {
        RuleSet {
            data: RuleSetData {
                name: Span::EMPTY,
                serial: 0,
                valid_from: None,
                valid_until: None,
                points_basis: Basis::Gross,
                max_points: None,
                max_discount: None,
                non_earning: None,
                non_discountable: None,
                redemption: None,
                tiers: None,
                programs: Bounded::new(),
                groups: Bounded::new(),
                ids: Bounded::new(),
                selectors: Bounded::new(),
                conditions: Bounded::new(),
                rules: Bounded::new(),
                text: Bounded::new(),
            },
            hash: [0; 32],
            model_pin: None,
        }
    }

    /// The SHA-256 of the compiled payload: the rule set's identity, named by every outcome.
    #[must_use]
    pub const fn hash(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The hash ([`ChurnModel::hash`](crate::churn::model::ChurnModel::hash)) of the churn
    /// model this set's churn conditions were written for, if the set pins one (the rule
    /// document's `churn_model`). Evaluating a pinned set refuses a churn risk that does not
    /// come with this hash ([`EvalError::ChurnModelNotPinned`](super::EvalError::ChurnModelNotPinned)).
    #[must_use]
    pub const fn model_pin(&self) -> Option<&[u8; 32]> {
        self.model_pin.as_ref()
    }

    /// The program's version number.
    #[must_use]
    pub const fn serial(&self) -> u32 {
        self.data.serial
    }

    /// The rule set's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.text(self.data.name)
    }

    /// The rules, in evaluation order.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.data.rules
    }

    /// The rule with id `id`, if any.
    #[must_use]
    pub fn rule(&self, id: u16) -> Option<&Rule> {
        self.data.rules.iter().find(|rule| rule.id == id)
    }

    /// A rule's name.
    #[must_use]
    pub fn rule_name(&self, rule: &Rule) -> &str {
        self.text(rule.name)
    }

    /// The conditions of `rule`.
    #[must_use]
    pub fn conditions(&self, rule: &Rule) -> &[Condition] {
        self.pool(&self.data.conditions, rule.conditions)
    }

    /// The selector with index `index`.
    #[must_use]
    pub fn selector(&self, index: u8) -> Option<&Selector> {
        self.data.selectors.get(usize::from(index))
    }

    /// The ids of a list in the id pool.
    #[must_use]
    pub fn ids(&self, span: Span) -> &[u32] {
        self.pool(&self.data.ids, span)
    }

    /// The exclusive groups.
    #[must_use]
    pub fn groups(&self) -> &[Group] {
        &self.data.groups
    }

    /// The punch-card programs.
    #[must_use]
    pub fn programs(&self) -> &[StampProgram] {
        &self.data.programs
    }

    /// The points-to-money redemption, if the program has one.
    #[must_use]
    pub const fn redemption(&self) -> Option<&Redemption> {
        self.data.redemption.as_ref()
    }

    /// The tier policy, if the program has tiers.
    #[must_use]
    pub const fn tiers(&self) -> Option<&TierPolicy> {
        self.data.tiers.as_ref()
    }

    /// The basis points are earned on.
    #[must_use]
    pub const fn points_basis(&self) -> Basis {
        self.data.points_basis
    }

    /// First and last valid local day numbers of the whole set.
    #[must_use]
    pub const fn validity(&self) -> (Option<i32>, Option<i32>) {
        (self.data.valid_from, self.data.valid_until)
    }

    /// The per-transaction caps of the whole set: points, and discount in minor units.
    #[must_use]
    pub const fn caps(&self) -> (Option<u64>, Option<Money>) {
        (self.data.max_points, self.data.max_discount)
    }

    /// The selectors of non-earning and non-discountable lines.
    #[must_use]
    pub fn exclusions(&self) -> (Option<&Selector>, Option<&Selector>) {
        (
            self.data.non_earning.and_then(|index| self.selector(index)),
            self.data
                .non_discountable
                .and_then(|index| self.selector(index)),
        )
    }

    /// The selector indices of non-earning and non-discountable lines.
    pub(crate) const fn exclusion_selectors(&self) -> (Option<u8>, Option<u8>) {
        (self.data.non_earning, self.data.non_discountable)
    }

    fn text(&self, span: Span) -> &str {
        self.data.text(span).unwrap_or("")
    }

    fn pool<'a, T>(&self, items: &'a [T], span: Span) -> &'a [T] {
        span.range()
            .and_then(|range| items.get(range))
            .unwrap_or(&[])
    }

    /// The id lists of `selector`, looked up once to test many lines.
    #[must_use]
    pub fn lists(&self, selector: &Selector) -> SelectorLists<'_> {
        SelectorLists {
            all: selector.all,
            skus: self.ids(selector.skus),
            categories: self.ids(selector.categories),
            exclude_skus: self.ids(selector.exclude_skus),
            exclude_categories: self.ids(selector.exclude_categories),
        }
    }
}

/// A loaded rule set takes at most 16 KiB of RAM (14.2 KiB on 64-bit targets today), so
/// firmware can keep one in a static buffer.
const _: () = assert!(size_of::<RuleSet>() <= 16 * 1024);

/// Why compiled rule-set content is refused (a hand-made or damaged payload; the authoring
/// compiler never produces one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Inconsistent {
    /// A pool or list holds more than its capacity.
    OverCapacity,
    /// A reference, range or rule of order is violated.
    OutOfRange,
}

impl RuleSetData {
    /// Empties every field in place (no rule-set-sized temporary on the stack).
    pub(crate) fn clear(&mut self) {
        self.name = Span::EMPTY;
        self.serial = 0;
        self.valid_from = None;
        self.valid_until = None;
        self.points_basis = Basis::Gross;
        self.max_points = None;
        self.max_discount = None;
        self.non_earning = None;
        self.non_discountable = None;
        self.redemption = None;
        self.tiers = None;
        self.programs.clear();
        self.groups.clear();
        self.ids.clear();
        self.selectors.clear();
        self.conditions.clear();
        self.rules.clear();
        self.text.clear();
    }

    /// The text of `span` in the text pool, if it is valid UTF-8 there.
    pub(crate) fn text(&self, span: Span) -> Option<&str> {
        let bytes = self.text.get(span.range()?)?;
        core::str::from_utf8(bytes).ok()
    }

    /// Checks capacities, then every reference and range, so that evaluation can trust the
    /// content.
    pub(crate) fn check(&self) -> Result<(), Inconsistent> {
        let overflowed = self.programs.overflowed()
            || self.groups.overflowed()
            || self.ids.overflowed()
            || self.selectors.overflowed()
            || self.conditions.overflowed()
            || self.rules.overflowed()
            || self.text.overflowed()
            || self.rules.iter().any(|rule| rule.limits.overflowed())
            || self
                .tiers
                .as_ref()
                .is_some_and(|tiers| tiers.levels.overflowed());
        if overflowed {
            return Err(Inconsistent::OverCapacity);
        }
        fn ok(condition: bool) -> Result<(), Inconsistent> {
            if condition {
                Ok(())
            } else {
                Err(Inconsistent::OutOfRange)
            }
        }
        let span_in = |span: Span, len: usize| {
            span.range()
                .is_some_and(|range| range.end <= len && (span.len > 0 || span.start == 0))
        };
        let text_span =
            |span: Span| usize::from(span.len) <= MAX_NAME_LEN && self.text(span).is_some();
        ok(text_span(self.name))?;
        let day_ok =
            |day: Option<i32>| day.is_none_or(|d| crate::time::Day::from_number(d).is_ok());
        ok(day_ok(self.valid_from) && day_ok(self.valid_until))?;
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until) {
            ok(from <= until)?;
        }
        ok(self.max_discount.is_none_or(|m| !m.is_negative()))?;
        let selector_ok = |index: u8| usize::from(index) < self.selectors.len();
        ok(self.non_earning.is_none_or(selector_ok))?;
        ok(self.non_discountable.is_none_or(selector_ok))?;
        for selector in &self.selectors {
            let lists = [
                selector.skus,
                selector.categories,
                selector.exclude_skus,
                selector.exclude_categories,
            ];
            ok(lists
                .iter()
                .all(|&s| span_in(s, self.ids.len()) && usize::from(s.len) <= MAX_LIST_LEN))?;
            let includes =
                selector.all || !selector.skus.is_empty() || !selector.categories.is_empty();
            let all_alone =
                !selector.all || (selector.skus.is_empty() && selector.categories.is_empty());
            ok(includes && all_alone)?;
        }
        if let Some(redemption) = &self.redemption {
            ok(redemption.check())?;
        }
        if let Some(tiers) = &self.tiers {
            ok(tiers.check())?;
        }
        for (position, program) in self.programs.iter().enumerate() {
            ok(program.stamps_needed > 0 && !program.reward_value.is_negative())?;
            let later = self
                .programs
                .get(position.saturating_add(1)..)
                .unwrap_or(&[]);
            ok(!later.iter().any(|p| p.id == program.id))?;
        }
        for (position, group) in self.groups.iter().enumerate() {
            let later = self.groups.get(position.saturating_add(1)..).unwrap_or(&[]);
            ok(!later.iter().any(|g| g.id == group.id))?;
        }
        for condition in &self.conditions {
            ok(condition.check(self.selectors.len(), |span| {
                span_in(span, self.ids.len()) && usize::from(span.len) <= MAX_LIST_LEN
            }))?;
        }
        let mut earning_seen = false;
        let mut per_amount_seen = false;
        for (position, rule) in self.rules.iter().enumerate() {
            ok(text_span(rule.name))?;
            let later = self.rules.get(position.saturating_add(1)..).unwrap_or(&[]);
            ok(!later.iter().any(|r| r.id == rule.id))?;
            ok(span_in(rule.conditions, self.conditions.len())
                && usize::from(rule.conditions.len) <= MAX_CONDITIONS_PER_RULE)?;
            ok(rule
                .group
                .is_none_or(|g| usize::from(g) < self.groups.len()))?;
            ok(day_ok(rule.valid_from) && day_ok(rule.valid_until))?;
            if let (Some(from), Some(until)) = (rule.valid_from, rule.valid_until) {
                ok(from <= until)?;
            }
            ok(rule.limits.iter().all(|limit| limit.max > 0))?;
            ok(rule.effect.check(self.selectors.len(), |program| {
                self.programs.iter().any(|p| p.id == program)
            }))?;
            // Discount rules come first; a multiplier needs a points-per-amount rule before it.
            if rule.effect.is_discount() {
                ok(!earning_seen)?;
            } else {
                earning_seen = true;
            }
            match rule.effect {
                Effect::PointsPerAmount { .. } => per_amount_seen = true,
                Effect::Multiplier { .. } => ok(per_amount_seen)?,
                _ => {}
            }
        }
        // Every member of a group is in the same phase; "best" groups compare in money.
        for (index, group) in self.groups.iter().enumerate() {
            let mut members = self
                .rules
                .iter()
                .filter(|rule| rule.group.is_some_and(|g| usize::from(g) == index));
            let Some(first) = members.next() else {
                return Err(Inconsistent::OutOfRange);
            };
            let phase = first.effect.is_discount();
            for rule in members {
                ok(rule.effect.is_discount() == phase)?;
            }
            if group.mode == GroupMode::Best {
                for rule in self
                    .rules
                    .iter()
                    .filter(|rule| rule.group.is_some_and(|g| usize::from(g) == index))
                {
                    ok(self.comparable(&rule.effect))?;
                }
            }
        }
        Ok(())
    }

    /// True when the effect has a money value for "best" comparison.
    pub(crate) fn comparable(&self, effect: &Effect) -> bool {
        match effect {
            Effect::PointsPerAmount { .. }
            | Effect::Multiplier { .. }
            | Effect::BonusPoints { .. } => self.redemption.is_some(),
            Effect::Stamps { program, .. } => self
                .programs
                .iter()
                .any(|p| p.id == *program && !p.reward_value.is_negative()),
            Effect::PercentOff { .. } | Effect::AmountOff { .. } | Effect::FreeItem { .. } => true,
            Effect::Reward { .. } => false,
        }
    }
}
