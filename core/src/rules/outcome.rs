//! The outcome of an evaluation: totals, per-line attribution, a trace entry per rule, hints,
//! and the updated customer record. Plain data in fixed capacities, written into caller storage.

use serde::{Deserialize, Serialize};

use crate::card::ProgramId;
use crate::customer::{CustomerRecord, UsagePeriod};
use crate::money::Money;
use crate::points::Points;
use crate::terminal::EventId;

use super::condition::ConditionKind;
use super::effect::EffectKind;
use super::limits::{
    MAX_FREE_ITEMS, MAX_HINTS, MAX_LINES, MAX_PROGRAMS, MAX_REWARDS, MAX_RULES, MAX_SHARES,
};

/// Why a rule did or did not apply: the first reason, in the order the engine checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It applied; the entry's amount is what it gave.
    Applied,
    /// It applied, reduced by its own cap or the transaction's cap.
    Capped,
    /// A condition failed: its position in the rule and its kind.
    ConditionFailed {
        /// The condition's position in the rule (0 first).
        condition: u8,
        /// What kind of condition it is.
        kind: ConditionKind,
    },
    /// Outside the rule's (or the rule set's) validity dates.
    OutsideValidity,
    /// Another rule of its exclusive group applied instead.
    SupersededBy {
        /// The id of the rule that applied.
        rule: u16,
    },
    /// An earlier rule with stop-processing applied.
    StoppedBy {
        /// The id of the rule that stopped processing.
        rule: u16,
    },
    /// The transaction's cap (points or discount) was already used up.
    CapReached,
    /// The customer has used it as often as its limit allows in the period.
    UsageLimitReached {
        /// The period of the limit reached.
        period: UsagePeriod,
    },
    /// Its conditions held, but no line was eligible (or the eligible amount gave nothing).
    NothingEligible,
}

impl Status {
    /// True for [`Status::Applied`] and [`Status::Capped`].
    #[must_use]
    pub const fn applied(self) -> bool {
        matches!(self, Status::Applied | Status::Capped)
    }

    /// The status's name, as serde spells the variant (`"condition_failed"`): the spelling of
    /// traces in the Python door and in test data.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Capped => "capped",
            Status::ConditionFailed { .. } => "condition_failed",
            Status::OutsideValidity => "outside_validity",
            Status::SupersededBy { .. } => "superseded_by",
            Status::StoppedBy { .. } => "stopped_by",
            Status::CapReached => "cap_reached",
            Status::UsageLimitReached { .. } => "usage_limit_reached",
            Status::NothingEligible => "nothing_eligible",
        }
    }
}

/// The trace entry of one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TraceEntry {
    /// The rule's id.
    pub rule: u16,
    /// The rule's effect kind (the unit of `amount`).
    pub effect: EffectKind,
    /// Applied, or the first reason it did not.
    pub status: Status,
    /// What it gave: points, minor units of discount, stamps, or 1 for a reward; 0 if nothing.
    pub amount: u64,
}

/// What a line share is an amount of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareKind {
    /// Points.
    Points,
    /// Discount in minor units.
    Discount,
    /// Stamps to the share's program.
    Stamps,
}

impl ShareKind {
    /// The kind's name, as serde spells it: `"points"`, `"discount"` or `"stamps"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ShareKind::Points => "points",
            ShareKind::Discount => "discount",
            ShareKind::Stamps => "stamps",
        }
    }
}

/// Attribution: what one rule gave one basket line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Share {
    /// The rule's id.
    pub rule: u16,
    /// The line's index in the basket.
    pub line: u8,
    /// Points, discount or stamps.
    pub kind: ShareKind,
    /// The punch-card program, for stamps (0 otherwise).
    pub program: ProgramId,
    /// The amount: points, minor units, or stamps.
    pub amount: u64,
}

/// Units of a line given free by a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FreeItem {
    /// The rule's id.
    pub rule: u16,
    /// The line's index.
    pub line: u8,
    /// Units free.
    pub units: u32,
}

/// Stamps earned for one punch-card program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StampAward {
    /// The program.
    pub program: ProgramId,
    /// Stamps earned.
    pub stamps: u64,
}

/// A reward granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RewardGrant {
    /// The rule's id.
    pub rule: u16,
    /// The reward id.
    pub reward: u32,
}

/// What a basket lacks for a rule to fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    /// Spend this many more minor units (on the basket, or on the condition's selected lines).
    Spend(Money),
    /// Add this many more units of the condition's selected items.
    Units(u32),
}

/// A nearest miss: the smallest basket change that makes a rule fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hint {
    /// The rule that would fire.
    pub rule: u16,
    /// The position of the failing threshold condition in the rule.
    pub condition: u8,
    /// What the basket lacks.
    pub shortfall: Shortfall,
    /// The rule's effect kind.
    pub effect: EffectKind,
    /// What the rule would give as things stand, where that does not depend on the added items
    /// (a fixed bonus, an amount off, a reward: 1); 0 when it does.
    pub amount: u64,
}

/// Per-line results: the quantity sold (for refunds) and the line's total discount.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineResult {
    /// Units sold on the line.
    pub quantity: u32,
    /// The line's discount from every rule, in minor units (its shares of basket discounts
    /// included).
    pub discount: Money,
}

/// Everything an evaluation decided. Written by `evaluate` into caller storage; plain data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The SHA-256 of the rule set that produced it.
    pub rule_set: [u8; 32],
    /// The transaction.
    pub event: EventId,
    /// Points earned, all rules.
    pub points: Points,
    /// Discount, all rules, in minor units.
    pub discount: Money,
    /// Per line: quantity and discount, in basket order.
    pub lines: heapless::Vec<LineResult, MAX_LINES>,
    /// Stamps per punch-card program.
    pub stamps: heapless::Vec<StampAward, MAX_PROGRAMS>,
    /// Free units given.
    pub free_items: heapless::Vec<FreeItem, MAX_FREE_ITEMS>,
    /// Rewards granted.
    pub rewards: heapless::Vec<RewardGrant, MAX_REWARDS>,
    /// Attribution: which rule gave which line what.
    pub shares: heapless::Vec<Share, MAX_SHARES>,
    /// One entry per rule, in evaluation order.
    pub trace: heapless::Vec<TraceEntry, MAX_RULES>,
    /// Nearest misses, in rule order (at most [`MAX_HINTS`]).
    pub hints: heapless::Vec<Hint, MAX_HINTS>,
    /// The customer record after this sale: visit counted, usage counts updated.
    pub customer: CustomerRecord,
}

impl Outcome {
    /// An empty outcome, to pass to `evaluate`.
    #[must_use]
    pub const fn new() -> Outcome {
        Outcome {
            rule_set: [0; 32],
            event: EventId::new(0, 0),
            points: Points::ZERO,
            discount: Money::ZERO,
            lines: heapless::Vec::new(),
            stamps: heapless::Vec::new(),
            free_items: heapless::Vec::new(),
            rewards: heapless::Vec::new(),
            shares: heapless::Vec::new(),
            trace: heapless::Vec::new(),
            hints: heapless::Vec::new(),
            customer: CustomerRecord::new(),
        }
    }

    /// Empties the outcome in place (no large temporary on the stack).
    pub fn clear(&mut self) {
        self.rule_set = [0; 32];
        self.event = EventId::new(0, 0);
        self.points = Points::ZERO;
        self.discount = Money::ZERO;
        self.lines.clear();
        self.stamps.clear();
        self.free_items.clear();
        self.rewards.clear();
        self.shares.clear();
        self.trace.clear();
        self.hints.clear();
        self.customer.tier = 0;
        self.customer.segments = 0;
        self.customer.visits = 0;
        self.customer.last_visit = None;
        self.customer.birthday = None;
        self.customer.usage.clear();
        self.customer.churn =
            crate::churn::summary::ChurnSummary::new(crate::customer::DEFAULT_CHURN_GRAIN);
        self.customer.churn_event = None;
        self.customer.first_visit = None;
        self.customer.feedback = None;
    }

    /// The trace entry of rule `rule`, if the rule set has it.
    #[must_use]
    pub fn trace_of(&self, rule: u16) -> Option<&TraceEntry> {
        self.trace.iter().find(|entry| entry.rule == rule)
    }

    /// Points rule `rule` gave line `line`.
    #[must_use]
    pub fn points_of(&self, rule: u16, line: u8) -> u64 {
        self.shares
            .iter()
            .filter(|s| s.rule == rule && s.line == line && s.kind == ShareKind::Points)
            .fold(0, |sum, s| sum.saturating_add(s.amount))
    }

    /// Stamps earned for `program`.
    #[must_use]
    pub fn stamps_for(&self, program: ProgramId) -> u64 {
        self.stamps
            .iter()
            .find(|award| award.program == program)
            .map_or(0, |award| award.stamps)
    }
}

/// An outcome lives on a firmware stack or in a small static: at most 4 KiB.
const _: () = assert!(size_of::<Outcome>() <= 4096);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::condition::ConditionKind;

    #[test]
    fn names_are_the_serde_names() {
        let statuses = [
            (Status::Applied, "applied"),
            (Status::Capped, "capped"),
            (
                Status::ConditionFailed {
                    condition: 0,
                    kind: ConditionKind::BasketTotal,
                },
                "condition_failed",
            ),
            (Status::OutsideValidity, "outside_validity"),
            (Status::SupersededBy { rule: 1 }, "superseded_by"),
            (Status::StoppedBy { rule: 1 }, "stopped_by"),
            (Status::CapReached, "cap_reached"),
            (
                Status::UsageLimitReached {
                    period: UsagePeriod::Day,
                },
                "usage_limit_reached",
            ),
            (Status::NothingEligible, "nothing_eligible"),
        ];
        for (status, name) in statuses {
            assert_eq!(status.name(), name);
            // A unit variant serializes as its name, a struct variant as a map keyed by it.
            let json = serde_json::to_string(&status).unwrap();
            assert!(
                json == std::format!("\"{name}\"")
                    || json.starts_with(&std::format!("{{\"{name}\":")),
                "{json}"
            );
        }
        for (kind, name) in [
            (ShareKind::Points, "points"),
            (ShareKind::Discount, "discount"),
            (ShareKind::Stamps, "stamps"),
        ] {
            assert_eq!(kind.name(), name);
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                std::format!("\"{name}\"")
            );
        }
    }
}
