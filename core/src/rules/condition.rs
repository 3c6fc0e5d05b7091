//! Conditions: what must hold for a rule to apply (all of a rule's conditions).

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::feedback::FeedbackGroup;
use crate::money::Money;

use super::selector::Basis;
use super::span::Span;

/// One condition of a rule. A rule applies only when all its conditions hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Condition {
    /// The whole basket's amount (every line) is at least `at_least` minor units.
    BasketTotal {
        /// Before discounts, or net of the discounts applied so far.
        basis: Basis,
        /// The threshold, in minor units.
        at_least: Money,
    },
    /// The selected lines hold at least `at_least` units.
    Quantity {
        /// The lines counted (a selector index).
        selector: u8,
        /// The threshold, in units.
        at_least: u32,
    },
    /// The selected lines' amount is at least `at_least` minor units.
    Amount {
        /// The lines counted (a selector index).
        selector: u8,
        /// Before discounts, or net of the discounts applied so far.
        basis: Basis,
        /// The threshold, in minor units.
        at_least: Money,
    },
    /// The local day of the week is in the mask (bit 0 Monday ... bit 6 Sunday).
    Weekdays {
        /// The allowed days.
        mask: u8,
    },
    /// The local time of day is in `from..until` (minutes since midnight; `from < until`).
    TimeOfDay {
        /// First minute, inclusive.
        from: u16,
        /// Last minute, exclusive (at most 1440).
        until: u16,
    },
    /// The sale is in one of these stores (a list in the id pool).
    Stores {
        /// The store ids.
        stores: Span,
    },
    /// The sale comes through one of these channels (bit n: channel n, 0..=31).
    Channels {
        /// The allowed channels.
        mask: u32,
    },
    /// The customer's tier is at least `tier`.
    TierAtLeast {
        /// The lowest tier that qualifies.
        tier: u8,
    },
    /// The customer is in at least one of the segments of the mask.
    SegmentsAny {
        /// Segment bits.
        mask: u32,
    },
    /// The customer is in every segment of the mask.
    SegmentsAll {
        /// Segment bits.
        mask: u32,
    },
    /// This visit's number is a multiple of `every` (the 10th, 20th, ... visit).
    NthVisit {
        /// The period, at least 2.
        every: u32,
    },
    /// This visit's number is at least `visits` (1 is the first visit).
    VisitsAtLeast {
        /// The lowest visit number that qualifies.
        visits: u32,
    },
    /// This is the customer's first purchase.
    FirstPurchase,
    /// The customer's birthday is at most `within_days` days away (before or after; 0: the day).
    Birthday {
        /// Days either side.
        within_days: u16,
    },
    /// The customer's last visit was at least `days` days ago (a customer who never visited is
    /// not lapsed: that is a first purchase).
    LapsedDays {
        /// Days since the last visit.
        days: u16,
    },
    /// The churn scorer's risk for the customer is at least `risk` (0..=1000). A context
    /// without a churn risk fails it.
    ChurnRiskAtLeast {
        /// The threshold, in thousandths.
        risk: u16,
    },
    /// The customer presented this coupon.
    Coupon {
        /// The coupon id.
        coupon: u32,
    },
    // Appended variants: postcard numbers variants in declaration order, so a rule-set blob
    // written before these were added still reads (docs/formats.md). Never reorder.
    /// The group of the customer's latest NPS answer is in the mask (bit n: the group of code
    /// n, [`FeedbackGroup::code`]: bit 0 detractor, 1 passive, 2 promoter). A customer who
    /// never answered fails it.
    FeedbackGroup {
        /// The allowed groups.
        mask: u8,
    },
    /// The customer's latest NPS answer was given at most `days` days ago (0: today; an answer
    /// dated up to a day ahead counts as today's). A customer who never answered fails it.
    FeedbackWithinDays {
        /// Days since the answer, at most.
        days: u16,
    },
    /// The anniversary of the customer's first visit is at most `within_days` days away (before
    /// or after), and it is an anniversary (a year or more after the first visit, not the first
    /// visit itself). An unknown first visit day (records of format versions 1 and 2) fails it.
    Anniversary {
        /// Days either side.
        within_days: u16,
    },
    /// This sale makes the visit count exactly one of the listed numbers (a list in the id
    /// pool): it holds on the first basket of the Nth visit only, never on a second basket of
    /// the same day, and never again for that N.
    VisitMilestones {
        /// The visit numbers, each at least 1.
        visits: Span,
    },
}

/// The kind of a condition, without its parameters: what the trace names when one fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConditionKind {
    /// [`Condition::BasketTotal`].
    BasketTotal,
    /// [`Condition::Quantity`].
    Quantity,
    /// [`Condition::Amount`].
    Amount,
    /// [`Condition::Weekdays`].
    Weekdays,
    /// [`Condition::TimeOfDay`].
    TimeOfDay,
    /// [`Condition::Stores`].
    Stores,
    /// [`Condition::Channels`].
    Channels,
    /// [`Condition::TierAtLeast`].
    TierAtLeast,
    /// [`Condition::SegmentsAny`].
    SegmentsAny,
    /// [`Condition::SegmentsAll`].
    SegmentsAll,
    /// [`Condition::NthVisit`].
    NthVisit,
    /// [`Condition::VisitsAtLeast`].
    VisitsAtLeast,
    /// [`Condition::FirstPurchase`].
    FirstPurchase,
    /// [`Condition::Birthday`].
    Birthday,
    /// [`Condition::LapsedDays`].
    LapsedDays,
    /// [`Condition::ChurnRiskAtLeast`].
    ChurnRiskAtLeast,
    /// [`Condition::Coupon`].
    Coupon,
    /// [`Condition::FeedbackGroup`].
    FeedbackGroup,
    /// [`Condition::FeedbackWithinDays`].
    FeedbackWithinDays,
    /// [`Condition::Anniversary`].
    Anniversary,
    /// [`Condition::VisitMilestones`].
    VisitMilestones,
}

impl ConditionKind {
    /// The name used in documents, traces and messages (`basket_total`, `weekdays`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ConditionKind::BasketTotal => "basket_total",
            ConditionKind::Quantity => "quantity",
            ConditionKind::Amount => "amount",
            ConditionKind::Weekdays => "weekdays",
            ConditionKind::TimeOfDay => "time_of_day",
            ConditionKind::Stores => "stores",
            ConditionKind::Channels => "channels",
            ConditionKind::TierAtLeast => "tier_at_least",
            ConditionKind::SegmentsAny => "segments_any",
            ConditionKind::SegmentsAll => "segments_all",
            ConditionKind::NthVisit => "nth_visit",
            ConditionKind::VisitsAtLeast => "visits_at_least",
            ConditionKind::FirstPurchase => "first_purchase",
            ConditionKind::Birthday => "birthday",
            ConditionKind::LapsedDays => "lapsed_days",
            ConditionKind::ChurnRiskAtLeast => "churn_risk_at_least",
            ConditionKind::Coupon => "coupon",
            ConditionKind::FeedbackGroup => "feedback_group",
            ConditionKind::FeedbackWithinDays => "feedback_within_days",
            ConditionKind::Anniversary => "anniversary",
            ConditionKind::VisitMilestones => "visit_milestones",
        }
    }
}

impl fmt::Display for ConditionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The largest churn risk (1000 thousandths).
pub const MAX_CHURN_RISK: u16 = 1_000;

/// The widest window of the `birthday` and `anniversary` conditions, in days either side (half
/// a year: a wider one would hold every day).
pub const MAX_WITHIN_DAYS: u16 = 183;

/// One past the largest feedback-group mask (bits 0..=2, one per [`FeedbackGroup`]).
const FEEDBACK_GROUPS_MASK_END: u8 = 1 << FeedbackGroup::ALL.len();

impl Condition {
    /// The condition's kind.
    #[must_use]
    pub const fn kind(&self) -> ConditionKind {
        match self {
            Condition::BasketTotal { .. } => ConditionKind::BasketTotal,
            Condition::Quantity { .. } => ConditionKind::Quantity,
            Condition::Amount { .. } => ConditionKind::Amount,
            Condition::Weekdays { .. } => ConditionKind::Weekdays,
            Condition::TimeOfDay { .. } => ConditionKind::TimeOfDay,
            Condition::Stores { .. } => ConditionKind::Stores,
            Condition::Channels { .. } => ConditionKind::Channels,
            Condition::TierAtLeast { .. } => ConditionKind::TierAtLeast,
            Condition::SegmentsAny { .. } => ConditionKind::SegmentsAny,
            Condition::SegmentsAll { .. } => ConditionKind::SegmentsAll,
            Condition::NthVisit { .. } => ConditionKind::NthVisit,
            Condition::VisitsAtLeast { .. } => ConditionKind::VisitsAtLeast,
            Condition::FirstPurchase => ConditionKind::FirstPurchase,
            Condition::Birthday { .. } => ConditionKind::Birthday,
            Condition::LapsedDays { .. } => ConditionKind::LapsedDays,
            Condition::ChurnRiskAtLeast { .. } => ConditionKind::ChurnRiskAtLeast,
            Condition::Coupon { .. } => ConditionKind::Coupon,
            Condition::FeedbackGroup { .. } => ConditionKind::FeedbackGroup,
            Condition::FeedbackWithinDays { .. } => ConditionKind::FeedbackWithinDays,
            Condition::Anniversary { .. } => ConditionKind::Anniversary,
            Condition::VisitMilestones { .. } => ConditionKind::VisitMilestones,
        }
    }

    /// True for the thresholds (`basket_total`, `quantity`, `amount`): the conditions that add
    /// up basket lines, and the only ones a near miss gives a hint for.
    #[must_use]
    pub const fn is_threshold(&self) -> bool {
        matches!(
            self,
            Condition::BasketTotal { .. } | Condition::Quantity { .. } | Condition::Amount { .. }
        )
    }

    /// Structural check of a compiled condition: references and ranges.
    pub(crate) fn check(&self, selectors: usize, list_ok: impl Fn(Span) -> bool) -> bool {
        match *self {
            Condition::BasketTotal { at_least, .. } => !at_least.is_negative(),
            Condition::Quantity { selector, .. } => usize::from(selector) < selectors,
            Condition::Amount {
                selector, at_least, ..
            } => usize::from(selector) < selectors && !at_least.is_negative(),
            Condition::Weekdays { mask } => mask != 0 && mask < 0x80,
            Condition::TimeOfDay { from, until } => {
                from < until && until <= crate::time::MINUTES_PER_DAY
            }
            Condition::Stores { stores } => !stores.is_empty() && list_ok(stores),
            Condition::Channels { mask }
            | Condition::SegmentsAny { mask }
            | Condition::SegmentsAll { mask } => mask != 0,
            Condition::NthVisit { every } => every >= 2,
            Condition::FeedbackGroup { mask } => mask != 0 && mask < FEEDBACK_GROUPS_MASK_END,
            Condition::Anniversary { within_days } => within_days <= MAX_WITHIN_DAYS,
            Condition::VisitMilestones { visits } => !visits.is_empty() && list_ok(visits),
            Condition::VisitsAtLeast { visits } => visits >= 1,
            Condition::ChurnRiskAtLeast { risk } => risk <= MAX_CHURN_RISK,
            Condition::TierAtLeast { .. }
            | Condition::FirstPurchase
            | Condition::Birthday { .. }
            | Condition::LapsedDays { .. }
            | Condition::FeedbackWithinDays { .. }
            | Condition::Coupon { .. } => true,
        }
    }
}
