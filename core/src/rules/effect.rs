//! Effects: what a rule gives when it applies (one effect per rule).

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::card::ProgramId;
use crate::money::{Money, Rounding};

/// What a rule gives. Discount effects run before earning effects (see the module docs for the
/// order and rounding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// `points` points per `per` minor units of the selected earning lines' amount, on the rule
    /// set's basis, rounded once with `rounding` (floor unless stated). These are *base points*.
    PointsPerAmount {
        /// The lines that earn (a selector index).
        selector: u8,
        /// Points per `per`.
        points: u32,
        /// The amount, in minor units, that earns `points` (100: per 1.00).
        per: Money,
        /// How the rule's total is rounded.
        rounding: Rounding,
    },
    /// Multiplies the base points of the selected lines: `permille` / 1000 times in total, so the
    /// rule adds `floor(base · (permille − 1000) / 1000)`. 2000 is double points.
    Multiplier {
        /// The lines whose base points are multiplied (a selector index).
        selector: u8,
        /// The multiplier in thousandths, above 1000.
        permille: u32,
    },
    /// A fixed number of points, shared over the selected earning lines by amount.
    BonusPoints {
        /// The lines the bonus is attributed to (a selector index).
        selector: u8,
        /// The bonus.
        points: u64,
    },
    /// `basis_points` / 10 000 off the selected discountable lines (net of earlier discounts),
    /// rounded half up once.
    PercentOff {
        /// The lines discounted (a selector index; "all" for the whole basket).
        selector: u8,
        /// The discount in hundredths of a percent (1000 = 10 %), 1..=10 000.
        basis_points: u16,
    },
    /// A fixed amount off the selected discountable lines (at most their net amount).
    AmountOff {
        /// The lines discounted (a selector index).
        selector: u8,
        /// The discount in minor units.
        amount: Money,
    },
    /// `units` of the cheapest selected discountable units free (by unit price; ties to the
    /// lower line).
    FreeItem {
        /// The qualifying lines (a selector index).
        selector: u8,
        /// How many units are free.
        units: u32,
    },
    /// `per_unit` stamps for each unit of the selected earning lines, to a punch-card program.
    Stamps {
        /// The program.
        program: ProgramId,
        /// The lines that earn stamps (a selector index).
        selector: u8,
        /// Stamps per unit.
        per_unit: u16,
    },
    /// Grants a reward (a voucher, a gift) by id.
    Reward {
        /// The reward id, the operator's.
        reward: u32,
    },
}

/// The kind of an effect, and so the unit of its amount in traces and attribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EffectKind {
    /// Base points (amount: points).
    PointsPerAmount,
    /// Extra points from a multiplier (amount: points).
    Multiplier,
    /// Bonus points (amount: points).
    BonusPoints,
    /// A percentage discount (amount: minor units).
    PercentOff,
    /// An amount discount (amount: minor units).
    AmountOff,
    /// Free units (amount: their value in minor units).
    FreeItem,
    /// Stamps (amount: stamps).
    Stamps,
    /// A reward (amount: 1).
    Reward,
}

impl EffectKind {
    /// The name used in documents and traces.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            EffectKind::PointsPerAmount => "points_per_amount",
            EffectKind::Multiplier => "multiplier",
            EffectKind::BonusPoints => "bonus_points",
            EffectKind::PercentOff => "percent_off",
            EffectKind::AmountOff => "amount_off",
            EffectKind::FreeItem => "free_item",
            EffectKind::Stamps => "stamps",
            EffectKind::Reward => "reward",
        }
    }

    /// True for points effects.
    #[must_use]
    pub const fn is_points(self) -> bool {
        matches!(
            self,
            EffectKind::PointsPerAmount | EffectKind::Multiplier | EffectKind::BonusPoints
        )
    }

    /// True for discount effects (their amounts are money).
    #[must_use]
    pub const fn is_discount(self) -> bool {
        matches!(
            self,
            EffectKind::PercentOff | EffectKind::AmountOff | EffectKind::FreeItem
        )
    }
}

impl fmt::Display for EffectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Effect {
    /// The effect's kind.
    #[must_use]
    pub const fn kind(&self) -> EffectKind {
        match self {
            Effect::PointsPerAmount { .. } => EffectKind::PointsPerAmount,
            Effect::Multiplier { .. } => EffectKind::Multiplier,
            Effect::BonusPoints { .. } => EffectKind::BonusPoints,
            Effect::PercentOff { .. } => EffectKind::PercentOff,
            Effect::AmountOff { .. } => EffectKind::AmountOff,
            Effect::FreeItem { .. } => EffectKind::FreeItem,
            Effect::Stamps { .. } => EffectKind::Stamps,
            Effect::Reward { .. } => EffectKind::Reward,
        }
    }

    /// True for discount effects, which run before earning effects.
    #[must_use]
    pub const fn is_discount(&self) -> bool {
        self.kind().is_discount()
    }

    /// The selector the effect works on, if it works on lines.
    #[must_use]
    pub const fn selector(&self) -> Option<u8> {
        match *self {
            Effect::PointsPerAmount { selector, .. }
            | Effect::Multiplier { selector, .. }
            | Effect::BonusPoints { selector, .. }
            | Effect::PercentOff { selector, .. }
            | Effect::AmountOff { selector, .. }
            | Effect::FreeItem { selector, .. }
            | Effect::Stamps { selector, .. } => Some(selector),
            Effect::Reward { .. } => None,
        }
    }

    /// Structural check: references and ranges.
    pub(crate) fn check(
        &self,
        selectors: usize,
        program_known: impl Fn(ProgramId) -> bool,
    ) -> bool {
        let selector_ok = self
            .selector()
            .is_none_or(|selector| usize::from(selector) < selectors);
        selector_ok
            && match *self {
                Effect::PointsPerAmount { points, per, .. } => points > 0 && per.minor() > 0,
                Effect::Multiplier { permille, .. } => permille > 1_000 && permille <= MAX_PERMILLE,
                Effect::BonusPoints { points, .. } => points > 0,
                Effect::PercentOff { basis_points, .. } => {
                    basis_points > 0
                        && i64::from(basis_points) <= crate::money::BASIS_POINTS_PER_UNIT
                }
                Effect::AmountOff { amount, .. } => amount.minor() > 0,
                Effect::FreeItem { units, .. } => units > 0,
                Effect::Stamps {
                    program, per_unit, ..
                } => per_unit > 0 && program_known(program),
                Effect::Reward { .. } => true,
            }
    }
}

/// The largest multiplier: 100x (100 000 permille).
pub const MAX_PERMILLE: u32 = 100_000;
