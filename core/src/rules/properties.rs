//! Property tests of the engine on arbitrary rule sets and baskets: no panic and no silent
//! overflow, determinism, blob round trips, exact refunds, monotone earning.

use proptest::prelude::*;
use std::string::String;
use std::vec::Vec;

use crate::customer::{Birthday, CustomerRecord, LatestFeedback};
use crate::feedback::{Feedback, FeedbackChannel, NpsScore};
use crate::money::Money;
use crate::terminal::EventId;
use crate::time::{Day, Timestamp, UtcOffset};

use super::*;

/// An item selector over a small id space, so rules and lines meet often.
fn items() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"{"all": true}"#.to_string()),
        (1u32..5).prop_map(|c| format!(r#"{{"categories": [{c}]}}"#)),
        (1u32..7, 1u32..7).prop_map(|(a, b)| format!(r#"{{"skus": [{a}, {b}]}}"#)),
        (1u32..5).prop_map(|c| format!(r#"{{"all": true, "exclude_categories": [{c}]}}"#)),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..5_000)
            .prop_map(|a| format!(r#"{{"basket_total": {{"at_least": {a}, "basis": "net"}}}}"#)),
        (items(), 1u32..6)
            .prop_map(|(i, q)| format!(r#"{{"quantity": {{"items": {i}, "at_least": {q}}}}}"#)),
        (items(), 0i64..3_000)
            .prop_map(|(i, a)| format!(r#"{{"amount": {{"items": {i}, "at_least": {a}}}}}"#)),
        Just(r#"{"weekdays": ["tue", "sat"]}"#.to_string()),
        Just(r#"{"time_of_day": {"from": "08:00", "until": "12:00"}}"#.to_string()),
        (0u8..3).prop_map(|t| format!(r#"{{"tier_at_least": {t}}}"#)),
        Just(r#"{"segments_any": [0, 2]}"#.to_string()),
        (2u32..4).prop_map(|n| format!(r#"{{"nth_visit": {n}}}"#)),
        Just(r#""first_purchase""#.to_string()),
        Just(r#"{"birthday": {"within_days": 5}}"#.to_string()),
        (0u16..30).prop_map(|d| format!(r#"{{"lapsed_days": {d}}}"#)),
        (0u16..1000).prop_map(|r| format!(r#"{{"churn_risk_at_least": {r}}}"#)),
        Just(r#"{"coupon": 7}"#.to_string()),
        Just(r#"{"feedback_group": ["detractor", "promoter"]}"#.to_string()),
        (0u16..40).prop_map(|d| format!(r#"{{"feedback_within_days": {d}}}"#)),
        (0u16..10).prop_map(|d| format!(r#"{{"anniversary": {{"within_days": {d}}}}}"#)),
        (1u32..6, 1u32..6).prop_map(|(a, b)| format!(r#"{{"visit_milestones": [{a}, {b}]}}"#)),
    ]
}

fn effect() -> impl Strategy<Value = String> {
    prop_oneof![
        (items(), 1u32..5, 1i64..500, 0usize..4).prop_map(|(i, p, per, r)| {
            let rounding = ["floor", "ceil", "half_up", "half_even"][r];
            format!(r#"{{"points_per_amount": {{"points": {p}, "per": {per}, "items": {i}, "rounding": "{rounding}"}}}}"#)
        }),
        (items(), 1001u32..5000).prop_map(|(i, m)| format!(r#"{{"multiplier": {{"permille": {m}, "items": {i}}}}}"#)),
        (items(), 1u64..500).prop_map(|(i, p)| format!(r#"{{"bonus_points": {{"points": {p}, "items": {i}}}}}"#)),
        (items(), 1u16..=10_000).prop_map(|(i, b)| format!(r#"{{"percent_off": {{"basis_points": {b}, "items": {i}}}}}"#)),
        (items(), 1i64..2_000).prop_map(|(i, a)| format!(r#"{{"amount_off": {{"amount": {a}, "items": {i}}}}}"#)),
        (items(), 1u32..4).prop_map(|(i, u)| format!(r#"{{"free_item": {{"items": {i}, "units": {u}}}}}"#)),
        (items(), 1u16..4).prop_map(|(i, s)| format!(r#"{{"stamps": {{"program": 1, "items": {i}, "per_unit": {s}}}}}"#)),
        (1u32..9).prop_map(|r| format!(r#"{{"reward": {{"reward": {r}}}}}"#)),
    ]
}

/// One rule's JSON, with an optional group, cap, stop and limit.
fn rule(id: u16) -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(condition(), 0..3),
        effect(),
        0u16..5,
        proptest::option::of(1u16..3),
        proptest::option::of(1u64..300),
        proptest::bool::weighted(0.1),
        proptest::option::of(0usize..3),
    )
        .prop_map(move |(when, effect, priority, group, cap, stop, limit)| {
            let mut text = format!(
                r#"{{"id": {id}, "name": "r{id}", "priority": {priority}, "when": [{}], "effect": {effect}, "stop": {stop}"#,
                when.join(", ")
            );
            if let Some(group) = group {
                text.push_str(&format!(r#", "group": {group}"#));
            }
            if let Some(cap) = cap {
                text.push_str(&format!(r#", "cap": {cap}"#));
            }
            if let Some(limit) = limit {
                let period = ["day", "week", "lifetime"][limit];
                text.push_str(&format!(r#", "limits": [{{"per": "{period}", "max": 1}}]"#));
            }
            text.push('}');
            text
        })
}

/// A rule-set document; compiles or not (an arbitrary document may break a whole-set rule).
fn rule_set_json() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(0u16..1, 1..10),
        proptest::bool::ANY,
        proptest::option::of(1u64..500),
        proptest::option::of(1i64..3_000),
        proptest::bool::ANY,
    )
        .prop_flat_map(|(slots, net, max_points, max_discount, best)| {
            let rules: Vec<_> = (0..slots.len())
                .map(|i| rule(u16::try_from(i + 1).unwrap()))
                .collect();
            (
                rules,
                Just(net),
                Just(max_points),
                Just(max_discount),
                Just(best),
            )
        })
        .prop_map(|(rules, net, max_points, max_discount, best)| {
            let mode = if best { "best" } else { "first" };
            let caps = format!(
                r#"{{"points": {}, "discount": {}}}"#,
                max_points.map_or("null".into(), |p| p.to_string()),
                max_discount.map_or("null".into(), |d| d.to_string())
            );
            format!(
                r#"{{"name": "prop", "serial": 1, "points_basis": "{}", "caps": {caps},
                  "non_earning": {{"categories": [4]}}, "non_discountable": {{"skus": [6]}},
                  "redemption": {{"points": 100, "value": 100}},
                  "programs": [{{"id": 1, "stamps_needed": 10, "reward_value": 350}}],
                  "groups": [{{"id": 1, "mode": "{mode}"}}, {{"id": 2, "mode": "first"}}],
                  "rules": [{}]}}"#,
                if net { "net" } else { "gross" },
                rules.join(", ")
            )
        })
}

pub(super) fn rule_set() -> impl Strategy<Value = RuleSet> {
    rule_set_json().prop_filter_map("document breaks a whole-set rule", |json| {
        RuleSet::from_json(&json).ok()
    })
}

fn basket(max_price: i64) -> impl Strategy<Value = Vec<Line>> {
    proptest::collection::vec(
        (1u32..7, 1u32..5, 1u32..6, 0i64..max_price)
            .prop_map(|(sku, category, quantity, price)| Line::new(sku, category, quantity, price)),
        0..12,
    )
}

fn customer() -> impl Strategy<Value = CustomerRecord> {
    (
        0u8..3,
        0u32..8,
        0u32..5,
        proptest::option::of(19_750i32..19_790),
        proptest::bool::ANY,
        proptest::option::of(19_000i32..19_750),
        proptest::option::of((0u8..=10, 19_700i32..19_790)),
    )
        .prop_map(
            |(tier, segments, visits, last_visit, birthday, first_visit, feedback)| {
                CustomerRecord {
                    tier,
                    segments,
                    visits,
                    last_visit,
                    birthday: birthday.then(|| Birthday::new(3, 7).unwrap()),
                    first_visit,
                    feedback: feedback.map(|(score, day)| LatestFeedback {
                        feedback: Feedback {
                            score: NpsScore::new(score).unwrap(),
                            day: Day::from_number(day).unwrap(),
                            channel: FeedbackChannel::Web,
                        },
                        event: EventId::new(9, 1),
                    }),
                    ..CustomerRecord::new()
                }
            },
        )
}

fn context() -> impl Strategy<Value = Context> {
    (
        0i64..7 * 86_400,
        proptest::option::of(0u16..=1000),
        proptest::bool::ANY,
    )
        .prop_map(|(offset, churn, coupon)| Context {
            now: Timestamp::from_unix(1_709_596_800 + offset),
            offset: UtcOffset::UTC,
            store: 1,
            channel: 0,
            coupons: if coupon {
                heapless::Vec::from_slice(&[7]).unwrap()
            } else {
                heapless::Vec::new()
            },
            event: EventId::new(1, 9),
            churn_risk: churn,
            churn_model: None,
        })
}

/// The invariants a successful outcome keeps: totals are the sums of their shares, no line is
/// discounted beyond its price, one trace entry per rule.
fn check_outcome(rules: &RuleSet, basket: &[Line], outcome: &Outcome) -> Result<(), TestCaseError> {
    let sum = |kind: ShareKind| -> u128 {
        outcome
            .shares
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| u128::from(s.amount))
            .sum()
    };
    prop_assert_eq!(sum(ShareKind::Points), u128::from(outcome.points.0));
    prop_assert_eq!(sum(ShareKind::Discount), outcome.discount.minor() as u128);
    let stamps: u128 = outcome.stamps.iter().map(|s| u128::from(s.stamps)).sum();
    prop_assert_eq!(sum(ShareKind::Stamps), stamps);
    prop_assert_eq!(outcome.trace.len(), rules.rules().len());
    prop_assert_eq!(outcome.lines.len(), basket.len());
    for (index, (line, result)) in basket.iter().zip(&outcome.lines).enumerate() {
        let gross = i128::from(line.unit_price.minor()) * i128::from(line.quantity);
        prop_assert!(
            i128::from(result.discount.minor()) <= gross,
            "line {} over-discounted",
            index
        );
        let shares: i64 = outcome
            .shares
            .iter()
            .filter(|s| usize::from(s.line) == index && s.kind == ShareKind::Discount)
            .map(|s| s.amount as i64)
            .sum();
        prop_assert_eq!(shares, result.discount.minor());
    }
    for entry in &outcome.trace {
        let given: u128 = outcome
            .shares
            .iter()
            .filter(|s| s.rule == entry.rule)
            .map(|s| u128::from(s.amount))
            .sum();
        if entry.effect != EffectKind::Reward {
            prop_assert_eq!(
                given,
                u128::from(entry.amount),
                "rule {} trace amount",
                entry.rule
            );
        }
        if !entry.status.applied() {
            prop_assert_eq!(entry.amount, 0);
        }
    }
    Ok(())
}

// Each case compiles a JSON document and evaluates it: milliseconds natively, seconds under
// Miri, which has nothing to find in this safe code that the native runs do not; the unit tests
// below still run there.
proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    #[cfg_attr(miri, ignore)]
    fn evaluation_never_panics_or_overflows_silently(
        rules in rule_set(), basket in basket(5_000), customer in customer(), context in context(),
    ) {
        let mut outcome = Box::new(Outcome::new());
        match evaluate(&rules, &basket, &customer, &context, &mut outcome) {
            Ok(()) => check_outcome(&rules, &basket, &outcome)?,
            Err(EvalError::Capacity(_)) => prop_assert_eq!(&*outcome, &Outcome::new()),
            Err(error) => prop_assert!(false, "unexpected error {:?}", error),
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn huge_amounts_are_errors_not_wraps(
        rules in rule_set(), basket in basket(i64::MAX / 4), customer in customer(), context in context(),
    ) {
        let mut outcome = Box::new(Outcome::new());
        match evaluate(&rules, &basket, &customer, &context, &mut outcome) {
            Ok(()) => check_outcome(&rules, &basket, &outcome)?,
            Err(_) => prop_assert_eq!(&*outcome, &Outcome::new()),
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn evaluation_is_deterministic(
        rules in rule_set(), basket in basket(5_000), customer in customer(), context in context(),
    ) {
        let mut first = Box::new(Outcome::new());
        let mut second = Box::new(Outcome::new());
        let a = evaluate(&rules, &basket, &customer, &context, &mut first);
        let b = evaluate(&rules, &basket, &customer, &context, &mut second);
        prop_assert_eq!(a, b);
        prop_assert_eq!(first, second);
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn blob_round_trip(rules in rule_set()) {
        let mut blob = std::vec![0u8; RULE_SET_MAX_LEN];
        let used = rules.encode(&mut blob).unwrap();
        prop_assert_eq!(used, rules.encoded_len().unwrap());
        let loaded = RuleSet::load(&blob[..used], &LoadOptions::new()).unwrap();
        prop_assert_eq!(&loaded, &rules);
        prop_assert_eq!(loaded.hash(), rules.hash());
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn full_refund_returns_exactly_what_was_earned(
        rules in rule_set(), basket in basket(5_000), customer in customer(), context in context(),
        partial in proptest::collection::vec(0u32..6, 12),
    ) {
        let mut outcome = Box::new(Outcome::new());
        if evaluate(&rules, &basket, &customer, &context, &mut outcome).is_err() {
            return Ok(());
        }
        let none = Returns::none(&outcome);
        let all: Vec<u32> = basket.iter().map(|line| line.quantity).collect();
        let (whole, _) = refund(&outcome, &none, &all).unwrap();
        prop_assert_eq!(whole.points, outcome.points);
        prop_assert_eq!(whole.discount, outcome.discount);
        prop_assert_eq!(&whole.stamps[..], &outcome.stamps[..]);
        // In two steps (some units, then the rest) the parts add up to the same.
        let some: Vec<u32> = basket.iter().zip(&partial).map(|(line, p)| (*p).min(line.quantity)).collect();
        let (first, after) = refund(&outcome, &none, &some).unwrap();
        let (rest, done) = refund(&outcome, &after, &all).unwrap();
        prop_assert_eq!(first.points.0 + rest.points.0, outcome.points.0);
        prop_assert_eq!(first.discount.minor() + rest.discount.minor(), outcome.discount.minor());
        // The same return again gives nothing back.
        let (again, _) = refund(&outcome, &done, &all).unwrap();
        prop_assert_eq!(again.points.0, 0);
        prop_assert_eq!(again.discount, Money::ZERO);
        prop_assert!(again.stamps.is_empty());
        let (repeat, _) = refund(&outcome, &after, &some).unwrap();
        prop_assert_eq!(repeat.points.0, 0);
        prop_assert_eq!(repeat.discount, Money::ZERO);
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn earning_is_monotone_in_spend(
        rules in earning_only_rule_set(), basket in basket(5_000), customer in customer(), context in context(),
        line in 0usize..12, extra in 1u32..4,
    ) {
        prop_assume!(!basket.is_empty());
        let line = line % basket.len();
        let mut more = basket.clone();
        more[line].quantity += extra;
        let mut before = Box::new(Outcome::new());
        let mut after = Box::new(Outcome::new());
        evaluate(&rules, &basket, &customer, &context, &mut before).unwrap();
        evaluate(&rules, &more, &customer, &context, &mut after).unwrap();
        prop_assert!(after.points >= before.points, "{:?} < {:?}", after.points, before.points);
    }
}

/// Earning rules only, without thresholds-with-caps: per-amount, multipliers and bonuses, some
/// behind thresholds, no caps, no groups.
fn earning_only_rule_set() -> impl Strategy<Value = RuleSet> {
    let rule = (
        prop_oneof![
            (items(), 1u32..5, 1i64..500).prop_map(|(i, p, per)| format!(
                r#"{{"points_per_amount": {{"points": {p}, "per": {per}, "items": {i}}}}}"#
            )),
            (items(), 1001u32..5000).prop_map(|(i, m)| format!(
                r#"{{"multiplier": {{"permille": {m}, "items": {i}}}}}"#
            )),
            (items(), 1u64..500).prop_map(|(i, p)| format!(
                r#"{{"bonus_points": {{"points": {p}, "items": {i}}}}}"#
            )),
        ],
        proptest::option::of(
            (0i64..5_000).prop_map(|a| format!(r#"{{"basket_total": {{"at_least": {a}}}}}"#)),
        ),
        0u16..5,
    );
    proptest::collection::vec(rule, 1..8).prop_filter_map("multiplier first", |rules| {
        let rules: Vec<String> = rules
            .iter()
            .enumerate()
            .map(|(i, (effect, when, priority))| {
                format!(
                    r#"{{"id": {}, "name": "r", "priority": {priority}, "when": [{}], "effect": {effect}}}"#,
                    i + 1,
                    when.clone().unwrap_or_default()
                )
            })
            .collect();
        RuleSet::from_json(&format!(
            r#"{{"name": "m", "serial": 1, "non_earning": {{"categories": [4]}}, "rules": [{}]}}"#,
            rules.join(", ")
        ))
        .ok()
    })
}

#[test]
fn refund_errors() {
    let rules = RuleSet::from_json(
        r#"{"name": "r", "serial": 1, "rules": [{"id": 1, "name": "b", "effect": {"points_per_amount": {"points": 1, "per": 100}}}]}"#,
    )
    .unwrap();
    let basket = [Line::new(1, 1, 2, 500), Line::new(2, 1, 1, 300)];
    let context = Context {
        now: Timestamp::from_unix(1_709_632_800),
        event: EventId::new(3, 4),
        ..Context::default()
    };
    let mut outcome = Box::new(Outcome::new());
    evaluate(
        &rules,
        &basket,
        &CustomerRecord::new(),
        &context,
        &mut outcome,
    )
    .unwrap();
    let none = Returns::none(&outcome);
    assert_eq!(
        refund(&outcome, &none, &[3]).unwrap_err(),
        RefundError::TooManyUnits { line: 0 }
    );
    assert_eq!(
        refund(&outcome, &none, &[1, 1, 1]).unwrap_err(),
        RefundError::UnknownLine { line: 2 }
    );
    let other = Returns {
        event: EventId::new(3, 5),
        ..none.clone()
    };
    assert_eq!(
        refund(&outcome, &other, &[1]).unwrap_err(),
        RefundError::WrongTransaction
    );
    let short = Returns {
        units: heapless::Vec::from_slice(&[0]).unwrap(),
        ..none.clone()
    };
    assert_eq!(
        refund(&outcome, &short, &[1]).unwrap_err(),
        RefundError::LineCountMismatch
    );
    // Nothing returned: nothing clawed back, returns unchanged.
    let (nothing, same) = refund(&outcome, &none, &[]).unwrap();
    assert_eq!(nothing.points.0, 0);
    assert_eq!(same, none);
}

#[test]
fn failed_evaluation_leaves_outcome_empty_and_inputs_alone() {
    let rules = RuleSet::from_json(
        r#"{"name": "r", "serial": 1, "rules": [{"id": 1, "name": "b", "effect": {"points_per_amount": {"points": 1, "per": 100}}}]}"#,
    )
    .unwrap();
    let customer = CustomerRecord {
        visits: 3,
        ..CustomerRecord::new()
    };
    let context = Context {
        now: Timestamp::from_unix(1_709_632_800),
        event: EventId::new(1, 1),
        ..Context::default()
    };
    let mut outcome = Box::new(Outcome::new());
    evaluate(
        &rules,
        &[Line::new(1, 1, 1, 100)],
        &customer,
        &context,
        &mut outcome,
    )
    .unwrap();
    assert_eq!(outcome.points.0, 1);
    let too_many = [Line::new(1, 1, 1, 100); MAX_LINES + 1];
    assert_eq!(
        evaluate(&rules, &too_many, &customer, &context, &mut outcome),
        Err(EvalError::TooManyLines)
    );
    assert_eq!(*outcome, Outcome::new());
    assert_eq!(customer.visits, 3);
    let bad_channel = Context {
        channel: 32,
        ..context.clone()
    };
    assert_eq!(
        evaluate(&rules, &[], &customer, &bad_channel, &mut outcome),
        Err(EvalError::ChannelOutOfRange)
    );
    // Sequence 0 is never issued: refused here rather than by the card or account later.
    let unnumbered = Context {
        event: EventId::new(1, 0),
        ..context.clone()
    };
    assert_eq!(
        evaluate(&rules, &[], &customer, &unnumbered, &mut outcome),
        Err(EvalError::InvalidEventId)
    );
    assert_eq!(*outcome, Outcome::new());
    let far = Context {
        now: Timestamp::from_unix(i64::MAX),
        ..context
    };
    assert!(matches!(
        evaluate(&rules, &[], &customer, &far, &mut outcome),
        Err(EvalError::Time(_))
    ));
}
