//! The compiler's field checks: amounts, days, times of day, bit lists, conditions, effects,
//! redemption and tiers, each into its compiled form or an error naming the field.

use std::string::String;
use std::vec::Vec;

use crate::bounded::Bounded;
use crate::card::ProgramId;
use crate::feedback::FeedbackGroup;
use crate::money::Money;
use crate::rules::authoring::doc::{ConditionDoc, EffectDoc, RedemptionDoc, TiersDoc};
use crate::rules::condition::{Condition, MAX_CHURN_RISK, MAX_WITHIN_DAYS};
use crate::rules::effect::{Effect, MAX_PERMILLE};
use crate::rules::limits::MAX_TIERS;
use crate::rules::redemption::Redemption;
use crate::rules::rule_set::StampProgram;
use crate::rules::tiers::{TierLevel, TierPolicy};
use crate::time::{Date, MINUTES_PER_DAY, Weekday};

use super::{Compiler, Step};

impl Compiler {
    pub(super) fn money(&self, field: &str, amount: i64, positive: bool) -> Step<Money> {
        if amount < 0 || (positive && amount == 0) {
            let allowed = if positive { "above 0" } else { "0 or more" };
            return Err(self.invalid(
                field,
                std::format!("{amount} is out of range: an amount in minor units, {allowed}"),
            ));
        }
        Ok(Money::from_minor(amount))
    }

    pub(super) fn day(&self, field: &str, text: &Option<String>) -> Step<Option<i32>> {
        let Some(text) = text else {
            return Ok(None);
        };
        let parts: Vec<&str> = text.split('-').collect();
        let parsed = match parts[..] {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                match (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) {
                    (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).ok(),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(date) => Ok(Some(date.to_day().number())),
            None => Err(self.invalid(
                field,
                std::format!("{text:?} is not a date: write \"YYYY-MM-DD\", years 1900..=9999"),
            )),
        }
    }

    pub(super) fn minute(&self, field: &str, text: &str, allow_end: bool) -> Step<u16> {
        let parsed = text.split_once(':').and_then(|(h, m)| {
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m) = (h.parse::<u16>().ok()?, m.parse::<u16>().ok()?);
            (m < 60)
                .then(|| h.checked_mul(60)?.checked_add(m))
                .flatten()
        });
        match parsed {
            Some(minute)
                if minute < MINUTES_PER_DAY || (allow_end && minute == MINUTES_PER_DAY) =>
            {
                Ok(minute)
            }
            _ => Err(self.invalid(
                field,
                std::format!(
                    "{text:?} is not a time of day: write \"HH:MM\", 00:00 to 23:59{}",
                    if allow_end { " (or 24:00)" } else { "" }
                ),
            )),
        }
    }

    pub(super) fn bits(&self, field: &str, bits: &[u8], what: &str) -> Step<u32> {
        if bits.is_empty() {
            return Err(self.invalid(field, std::format!("must list at least one {what}")));
        }
        let mut mask = 0u32;
        for &bit in bits {
            if bit > 31 {
                return Err(
                    self.invalid(field, std::format!("{what} {bit} is out of range: 0..=31"))
                );
            }
            mask |= 1 << bit;
        }
        Ok(mask)
    }

    pub(super) fn condition(&mut self, field: &str, doc: &ConditionDoc) -> Step<Condition> {
        Ok(match doc {
            ConditionDoc::BasketTotal { at_least, basis } => Condition::BasketTotal {
                basis: *basis,
                at_least: self.money(&std::format!("{field}.at_least"), *at_least, false)?,
            },
            ConditionDoc::Quantity { items, at_least } => {
                if *at_least == 0 {
                    return Err(
                        self.invalid(&std::format!("{field}.at_least"), "must be at least 1 unit")
                    );
                }
                Condition::Quantity {
                    selector: self.selector(&std::format!("{field}.items"), Some(items))?,
                    at_least: *at_least,
                }
            }
            ConditionDoc::Amount {
                items,
                at_least,
                basis,
            } => Condition::Amount {
                selector: self.selector(&std::format!("{field}.items"), Some(items))?,
                basis: *basis,
                at_least: self.money(&std::format!("{field}.at_least"), *at_least, false)?,
            },
            ConditionDoc::Weekdays(days) => {
                if days.is_empty() {
                    return Err(self.invalid(field, "must list at least one day"));
                }
                let mut mask = 0u8;
                for day in days {
                    let weekday = parse_weekday(day).ok_or_else(|| {
                        self.invalid(
                            field,
                            std::format!(
                                "{day:?} is not a day: use mon, tue, wed, thu, fri, sat, sun (or full names)"
                            ),
                        )
                    })?;
                    mask |= weekday.mask_bit();
                }
                Condition::Weekdays { mask }
            }
            ConditionDoc::TimeOfDay { from, until } => {
                let start = self.minute(&std::format!("{field}.from"), from, false)?;
                let end = self.minute(&std::format!("{field}.until"), until, true)?;
                if start >= end {
                    return Err(self.invalid(
                        field,
                        std::format!("\"from\" ({from}) must be before \"until\" ({until})"),
                    ));
                }
                Condition::TimeOfDay {
                    from: start,
                    until: end,
                }
            }
            ConditionDoc::Stores(stores) => Condition::Stores {
                stores: self.list(field, stores, false)?,
            },
            ConditionDoc::Channels(channels) => Condition::Channels {
                mask: self.bits(field, channels, "channel")?,
            },
            ConditionDoc::TierAtLeast(tier) => Condition::TierAtLeast { tier: *tier },
            ConditionDoc::SegmentsAny(bits) => Condition::SegmentsAny {
                mask: self.bits(field, bits, "segment")?,
            },
            ConditionDoc::SegmentsAll(bits) => Condition::SegmentsAll {
                mask: self.bits(field, bits, "segment")?,
            },
            ConditionDoc::NthVisit(every) => {
                if *every < 2 {
                    return Err(self.invalid(
                        field,
                        std::format!(
                            "{every} is out of range: every Nth visit needs N of 2 or more"
                        ),
                    ));
                }
                Condition::NthVisit { every: *every }
            }
            ConditionDoc::VisitsAtLeast(visits) => {
                if *visits == 0 {
                    return Err(self.invalid(field, "must be at least 1 (the first visit)"));
                }
                Condition::VisitsAtLeast { visits: *visits }
            }
            ConditionDoc::FirstPurchase => Condition::FirstPurchase,
            ConditionDoc::Birthday { within_days } => Condition::Birthday {
                within_days: self.within_days(field, *within_days)?,
            },
            ConditionDoc::LapsedDays(days) => Condition::LapsedDays { days: *days },
            ConditionDoc::ChurnRiskAtLeast(risk) => {
                if *risk > MAX_CHURN_RISK {
                    return Err(self.invalid(
                        field,
                        std::format!("{risk} is out of range: 0..=1000 (thousandths)"),
                    ));
                }
                Condition::ChurnRiskAtLeast { risk: *risk }
            }
            ConditionDoc::Coupon(coupon) => Condition::Coupon { coupon: *coupon },
            ConditionDoc::FeedbackGroup(names) => {
                if names.is_empty() {
                    return Err(self.invalid(field, "must list at least one group"));
                }
                let mut mask = 0u8;
                for name in names {
                    let group = FeedbackGroup::from_name(name).ok_or_else(|| {
                        self.invalid(
                            field,
                            std::format!(
                                "{name:?} is not a feedback group: use detractor (scores 0-6), passive (7-8) or promoter (9-10)"
                            ),
                        )
                    })?;
                    mask |= 1u8 << group.code();
                }
                Condition::FeedbackGroup { mask }
            }
            ConditionDoc::FeedbackWithinDays(days) => Condition::FeedbackWithinDays { days: *days },
            ConditionDoc::Anniversary { within_days } => Condition::Anniversary {
                within_days: self.within_days(field, *within_days)?,
            },
            ConditionDoc::VisitMilestones(visits) => {
                if visits.is_empty() {
                    return Err(self.invalid(field, "must list at least one visit number"));
                }
                if visits.contains(&0) {
                    return Err(self.invalid(
                        field,
                        "0 is out of range: visit numbers start at 1 (the first visit)",
                    ));
                }
                Condition::VisitMilestones {
                    visits: self.list(field, visits, false)?,
                }
            }
        })
    }

    /// The window of a `birthday` or `anniversary` condition (`field.within_days`).
    fn within_days(&self, field: &str, within_days: u16) -> Step<u16> {
        if within_days > MAX_WITHIN_DAYS {
            return Err(self.invalid(
                &std::format!("{field}.within_days"),
                std::format!("{within_days} is out of range: 0..={MAX_WITHIN_DAYS} days"),
            ));
        }
        Ok(within_days)
    }

    pub(super) fn effect(&mut self, doc: &EffectDoc, programs: &[StampProgram]) -> Step<Effect> {
        Ok(match doc {
            EffectDoc::PointsPerAmount {
                points,
                per,
                items,
                rounding,
            } => {
                if *points == 0 {
                    return Err(
                        self.invalid("effect.points_per_amount.points", "must be at least 1")
                    );
                }
                Effect::PointsPerAmount {
                    selector: self.selector("effect.points_per_amount.items", items.as_ref())?,
                    points: *points,
                    per: self.money("effect.points_per_amount.per", *per, true)?,
                    rounding: *rounding,
                }
            }
            EffectDoc::Multiplier { permille, items } => {
                if *permille <= 1_000 || *permille > MAX_PERMILLE {
                    return Err(self.invalid(
                        "effect.multiplier.permille",
                        std::format!(
                            "{permille} is out of range: 1001..={MAX_PERMILLE} thousandths (2000 is double points)"
                        ),
                    ));
                }
                Effect::Multiplier {
                    selector: self.selector("effect.multiplier.items", items.as_ref())?,
                    permille: *permille,
                }
            }
            EffectDoc::BonusPoints { points, items } => {
                if *points == 0 {
                    return Err(self.invalid("effect.bonus_points.points", "must be at least 1"));
                }
                Effect::BonusPoints {
                    selector: self.selector("effect.bonus_points.items", items.as_ref())?,
                    points: *points,
                }
            }
            EffectDoc::PercentOff {
                basis_points,
                items,
            } => {
                if *basis_points == 0 || *basis_points > 10_000 {
                    return Err(self.invalid(
                        "effect.percent_off.basis_points",
                        std::format!(
                            "{basis_points} is out of range: 1..=10000 basis points (1000 is 10 %)"
                        ),
                    ));
                }
                Effect::PercentOff {
                    selector: self.selector("effect.percent_off.items", items.as_ref())?,
                    basis_points: *basis_points,
                }
            }
            EffectDoc::AmountOff { amount, items } => Effect::AmountOff {
                selector: self.selector("effect.amount_off.items", items.as_ref())?,
                amount: self.money("effect.amount_off.amount", *amount, true)?,
            },
            EffectDoc::FreeItem { items, units } => {
                if *units == 0 {
                    return Err(self.invalid("effect.free_item.units", "must be at least 1"));
                }
                Effect::FreeItem {
                    selector: self.selector("effect.free_item.items", Some(items))?,
                    units: *units,
                }
            }
            EffectDoc::Stamps {
                program,
                items,
                per_unit,
            } => {
                if !programs.iter().any(|p| p.id == ProgramId(*program)) {
                    return Err(self.invalid(
                        "effect.stamps.program",
                        std::format!("program {program} is not declared in \"programs\""),
                    ));
                }
                if *per_unit == 0 {
                    return Err(self.invalid("effect.stamps.per_unit", "must be at least 1"));
                }
                Effect::Stamps {
                    program: ProgramId(*program),
                    selector: self.selector("effect.stamps.items", Some(items))?,
                    per_unit: *per_unit,
                }
            }
            EffectDoc::Reward { reward } => Effect::Reward { reward: *reward },
        })
    }

    pub(super) fn redemption(&self, doc: &RedemptionDoc) -> Step<Redemption> {
        if doc.points == 0 {
            return Err(self.invalid("redemption.points", "must be at least 1"));
        }
        if doc.step == 0 {
            return Err(self.invalid("redemption.step", "must be at least 1 point"));
        }
        if doc.max_share_bp == 0 || doc.max_share_bp > 10_000 {
            return Err(self.invalid(
                "redemption.max_share_bp",
                std::format!(
                    "{} is out of range: 1..=10000 basis points",
                    doc.max_share_bp
                ),
            ));
        }
        Ok(Redemption {
            points: doc.points,
            value: self.money("redemption.value", doc.value, true)?,
            min_points: doc.min_points,
            step: doc.step,
            max_share_bp: doc.max_share_bp,
        })
    }

    pub(super) fn tiers(&self, doc: &TiersDoc) -> Step<TierPolicy> {
        if doc.window_days == 0 {
            return Err(self.invalid("tiers.window_days", "must be at least 1 day"));
        }
        if doc.levels.is_empty() {
            return Err(self.invalid("tiers.levels", "must list at least one tier"));
        }
        if doc.levels.len() > MAX_TIERS {
            return Err(self.capacity("tiers.levels", "tiers", MAX_TIERS, doc.levels.len()));
        }
        let mut levels: Bounded<TierLevel, MAX_TIERS> = Bounded::new();
        for (index, level) in doc.levels.iter().enumerate() {
            let field = std::format!("tiers.levels[{index}]");
            if level.tier == 0 {
                return Err(self.invalid(&field, "tier numbers start at 1 (0 is \"no tier\")"));
            }
            if let Some(previous) = levels.last() {
                if level.tier <= previous.tier || level.threshold <= previous.threshold {
                    return Err(self.invalid(
                        &field,
                        "tiers and thresholds must increase from one level to the next",
                    ));
                }
            }
            let _ = levels.push(TierLevel {
                tier: level.tier,
                threshold: level.threshold,
            });
        }
        Ok(TierPolicy {
            basis: doc.basis,
            window_days: doc.window_days,
            grace_days: doc.grace_days,
            levels,
        })
    }
}

pub(super) fn condition_name(doc: &ConditionDoc) -> &'static str {
    match doc {
        ConditionDoc::BasketTotal { .. } => "basket_total",
        ConditionDoc::Quantity { .. } => "quantity",
        ConditionDoc::Amount { .. } => "amount",
        ConditionDoc::Weekdays(_) => "weekdays",
        ConditionDoc::TimeOfDay { .. } => "time_of_day",
        ConditionDoc::Stores(_) => "stores",
        ConditionDoc::Channels(_) => "channels",
        ConditionDoc::TierAtLeast(_) => "tier_at_least",
        ConditionDoc::SegmentsAny(_) => "segments_any",
        ConditionDoc::SegmentsAll(_) => "segments_all",
        ConditionDoc::NthVisit(_) => "nth_visit",
        ConditionDoc::VisitsAtLeast(_) => "visits_at_least",
        ConditionDoc::FirstPurchase => "first_purchase",
        ConditionDoc::Birthday { .. } => "birthday",
        ConditionDoc::LapsedDays(_) => "lapsed_days",
        ConditionDoc::ChurnRiskAtLeast(_) => "churn_risk_at_least",
        ConditionDoc::Coupon(_) => "coupon",
        ConditionDoc::FeedbackGroup(_) => "feedback_group",
        ConditionDoc::FeedbackWithinDays(_) => "feedback_within_days",
        ConditionDoc::Anniversary { .. } => "anniversary",
        ConditionDoc::VisitMilestones(_) => "visit_milestones",
    }
}

fn parse_weekday(text: &str) -> Option<Weekday> {
    let lower = text.to_ascii_lowercase();
    Weekday::ALL.into_iter().find(|day| {
        let full = match day {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        };
        lower == full || lower == full[..3]
    })
}
