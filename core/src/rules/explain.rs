//! Plain-words receipts of an outcome (`std`): what the customer got, why each rule did or did
//! not apply, and what would make the nearest rules fire. The C and Python layers show this
//! text as it is.

use std::fmt::Write as _;
use std::string::String;

use crate::money::Money;

use super::effect::EffectKind;
use super::outcome::{Outcome, Shortfall, Status};
use super::rule_set::RuleSet;

/// `count` and the noun, singular for 1: `1 stamp`, `2 stamps`.
fn counted(count: impl Into<u64>, singular: &str) -> String {
    let count: u64 = count.into();
    let plural = if count == 1 { "" } else { "s" };
    std::format!("{count} {singular}{plural}")
}

fn unit(kind: EffectKind, amount: u64) -> String {
    let money = || Money::from_minor(i64::try_from(amount).unwrap_or(i64::MAX));
    match kind {
        EffectKind::PointsPerAmount | EffectKind::Multiplier => counted(amount, "point"),
        EffectKind::BonusPoints => counted(amount, "bonus point"),
        EffectKind::PercentOff | EffectKind::AmountOff => std::format!("{} off", money()),
        EffectKind::FreeItem => std::format!("free items worth {}", money()),
        EffectKind::Stamps => counted(amount, "stamp"),
        EffectKind::Reward => "a reward".into(),
    }
}

/// The outcome in plain words, one line per fact, amounts with two decimals, counts with a
/// singular noun for 1 (`1 stamp`). `rule_set` is the set that produced it (its names are used;
/// a rule it lacks is named by id). A failed condition is named by its position in the rule's
/// `when` list counted from 0, as in the trace ([`Status::ConditionFailed`]) and the hints:
/// `condition 0` is `when[0]`.
///
/// ```
/// use retention_core::customer::CustomerRecord;
/// use retention_core::rules::{evaluate, explain, Context, Line, Outcome, RuleSet};
/// let rules = RuleSet::from_json(r#"{"name": "demo", "serial": 1, "rules": [
///     {"id": 1, "name": "Base", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
///     {"id": 2, "name": "Big basket", "when": [{"basket_total": {"at_least": 2000}}],
///      "effect": {"bonus_points": {"points": 50}}}]}"#)?;
/// let mut outcome = Outcome::new();
/// let context = Context { event: retention_core::terminal::EventId::new(1, 1), ..Context::default() };
/// evaluate(&rules, &[Line::new(1, 1, 1, 18_00)], &CustomerRecord::new(), &context, &mut outcome)?;
/// let text = explain(&rules, &outcome);
/// assert!(text.contains("Base: applied, 18 points"));
/// assert!(text.contains("Big basket: not applied: condition 0 (basket_total) not met"));
/// assert!(text.contains("Spend 2.00 more for 50 bonus points (Big basket)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn explain(rule_set: &RuleSet, outcome: &Outcome) -> String {
    let name = |id: u16| -> String {
        rule_set.rule(id).map_or_else(
            || std::format!("rule {id}"),
            |rule| rule_set.rule_name(rule).into(),
        )
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Points: {}   Discount: {}",
        outcome.points.0, outcome.discount
    );
    for award in &outcome.stamps {
        let _ = writeln!(text, "Stamps: {} for {}", award.stamps, award.program);
    }
    for grant in &outcome.rewards {
        let _ = writeln!(text, "Reward {} ({})", grant.reward, name(grant.rule));
    }
    for item in &outcome.free_items {
        let _ = writeln!(
            text,
            "Free: {} of line {} ({})",
            counted(item.units, "unit"),
            item.line,
            name(item.rule)
        );
    }
    for entry in &outcome.trace {
        let rule = name(entry.rule);
        let reason = match entry.status {
            Status::Applied => std::format!("applied, {}", unit(entry.effect, entry.amount)),
            Status::Capped => std::format!(
                "applied up to its cap, {}",
                unit(entry.effect, entry.amount)
            ),
            Status::ConditionFailed { condition, kind } => {
                std::format!("not applied: condition {condition} ({kind}) not met")
            }
            Status::OutsideValidity => "not applied: outside its validity dates".into(),
            Status::SupersededBy { rule: by } => {
                std::format!("not applied: {} applied instead (same group)", name(by))
            }
            Status::StoppedBy { rule: by } => {
                std::format!("not applied: {} stops later rules", name(by))
            }
            Status::CapReached => "not applied: the transaction's cap was reached".into(),
            Status::UsageLimitReached { period } => {
                std::format!("not applied: already used as often as allowed this {period}")
            }
            Status::NothingEligible => "not applied: nothing in the basket qualifies".into(),
        };
        let _ = writeln!(text, "  {rule}: {reason}");
    }
    for hint in &outcome.hints {
        let change = match hint.shortfall {
            Shortfall::Spend(amount) => std::format!("Spend {amount} more"),
            Shortfall::Units(units) => {
                let noun = if units == 1 { "item" } else { "items" };
                std::format!("Add {units} more {noun}")
            }
        };
        let gain = if hint.amount > 0 {
            unit(hint.effect, hint.amount)
        } else {
            String::from(hint.effect.name())
        };
        let _ = writeln!(text, "{change} for {gain} ({})", name(hint.rule));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::CustomerRecord;
    use crate::rules::{Context, Line, evaluate};

    /// One stamp per coffee (category 1), a bonus point from 1.00 and a basket-total condition
    /// at when[1]; the receipts are worked out by hand.
    fn receipt(units: u32) -> String {
        let rules = RuleSet::from_json(
            r#"{"name": "t", "serial": 1,
                "programs": [{"id": 1, "stamps_needed": 10, "reward_value": 350}],
                "rules": [
                  {"id": 1, "name": "Stamp", "effect": {"stamps": {"program": 1, "items": {"categories": [1]}, "per_unit": 1}}},
                  {"id": 2, "name": "Bonus", "when": [{"visits_at_least": 1}, {"basket_total": {"at_least": 100}}],
                   "effect": {"bonus_points": {"points": 1}}},
                  {"id": 3, "name": "Bulk", "when": [{"quantity": {"items": {"categories": [1]}, "at_least": 3}}],
                   "effect": {"bonus_points": {"points": 5}}}]}"#,
        )
        .unwrap();
        let mut outcome = Outcome::new();
        evaluate(
            &rules,
            &[Line::new(1, 1, units, 60)],
            &CustomerRecord::new(),
            &Context {
                event: crate::terminal::EventId::new(1, 1),
                ..Context::default()
            },
            &mut outcome,
        )
        .unwrap();
        explain(&rules, &outcome)
    }

    #[test]
    fn one_is_singular_and_conditions_count_from_zero() {
        // One coffee at 0.60: 1 stamp; the basket total (when[1]) fails; 2 more for Bulk.
        let one = receipt(1);
        assert!(one.contains("Stamp: applied, 1 stamp\n"), "{one}");
        assert!(
            one.contains("Bonus: not applied: condition 1 (basket_total) not met"),
            "{one}"
        );
        assert!(
            one.contains("Add 2 more items for 5 bonus points (Bulk)"),
            "{one}"
        );
        // Two coffees, 1.20: 2 stamps, 1 bonus point; 1 more item for Bulk.
        let two = receipt(2);
        assert!(two.contains("Stamp: applied, 2 stamps\n"), "{two}");
        assert!(two.contains("Bonus: applied, 1 bonus point\n"), "{two}");
        assert!(
            two.contains("Add 1 more item for 5 bonus points (Bulk)"),
            "{two}"
        );
    }
}
