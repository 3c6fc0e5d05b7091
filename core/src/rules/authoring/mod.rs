//! Authoring (`std`): rule sets as JSON or TOML documents, validated with messages that name the
//! rule and the field and say what is allowed, compiled into a [`RuleSet`](super::RuleSet).
//!
//! The schema, with an example of every condition and effect, is in `docs/rules.md`. Amounts
//! are integers in minor units (`1250` is 12.50); dates are `"YYYY-MM-DD"`, times of day
//! `"HH:MM"` (local time at the terminal).
//!
//! ```
//! use retention_core::rules::RuleSet;
//! let error = RuleSet::from_json(r#"{"name": "x", "serial": 1, "rules": [
//!     {"id": 7, "name": "Happy hour", "when": [{"time_of_day": {"from": "17:00", "until": "14:00"}}],
//!      "effect": {"bonus_points": {"points": 10}}}
//! ]}"#).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     r#"rule 7 "Happy hour": when[0].time_of_day: "from" (17:00) must be before "until" (14:00)"#
//! );
//! ```

mod compile;
mod doc;
mod error;

pub use doc::{
    CapsDoc, ConditionDoc, EffectDoc, GroupDoc, ItemsDoc, LimitDoc, ProgramDoc, RedemptionDoc,
    RuleDoc, RuleSetDoc, TierLevelDoc, TiersDoc,
};
pub use error::{AuthoringError, AuthoringErrorKind, RuleRef};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::rule_set::RuleSet;

    fn error(json: &str) -> AuthoringError {
        RuleSet::from_json(json).unwrap_err()
    }

    fn one_rule(rule: &str) -> String {
        std::format!(r#"{{"name": "t", "serial": 1, "rules": [{rule}]}}"#)
    }

    #[test]
    fn syntax_errors() {
        let e = error("{\"name\": ");
        assert_eq!(e.kind, AuthoringErrorKind::Syntax);
        assert!(
            e.message.starts_with("invalid JSON: EOF while parsing"),
            "{e}"
        );
        assert!(e.message.contains("line 1"), "{e}");
        let e = RuleSet::from_toml("name = \n").unwrap_err();
        assert_eq!(e.kind, AuthoringErrorKind::Syntax);
        assert!(e.message.starts_with("invalid TOML"), "{e}");
    }

    #[test]
    fn schema_errors_name_rule_and_field() {
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "whn": [], "effect": {"reward": {"reward": 1}}}"#,
        ));
        assert_eq!(e.kind, AuthoringErrorKind::Schema);
        assert_eq!(e.rule.as_ref().and_then(|r| r.id), Some(4));
        assert!(
            e.to_string()
                .starts_with(r#"rule 4 "Coffee": whn: unknown field `whn`, expected one of"#),
            "{e}"
        );
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "when": [{"weekdays": "tue"}], "effect": {"reward": {"reward": 1}}}"#,
        ));
        assert_eq!(e.field, "when[0].weekdays");
        assert!(e.message.contains("expected a sequence"), "{e}");
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "effect": {"points_per_amount": {"points": -1, "per": 100}}}"#,
        ));
        assert_eq!(e.field, "effect.points_per_amount.points");
        let e = error(&one_rule(
            r#"{"id": 4, "name": "Coffee", "effect": {"cashback": {}}}"#,
        ));
        assert_eq!(e.field, "effect");
        assert!(e.message.contains("unknown variant `cashback`"), "{e}");
        let e = error(r#"{"name": "t", "serial": 1, "rules": [], "colour": "red"}"#);
        assert_eq!(e.rule, None);
        assert!(e.message.contains("unknown field `colour`"), "{e}");
        let e = error(r#"{"name": "t", "rules": []}"#);
        assert!(e.message.contains("missing field `serial`"), "{e}");
        // TOML locates the same way.
        let e = RuleSet::from_toml(
            "name = \"t\"\nserial = 1\n[[rules]]\nid = 9\nname = \"Tea\"\neffect = { reward = { reward = 1, extra = 2 } }\n",
        )
        .unwrap_err();
        assert_eq!(e.to_string().split(':').next(), Some(r#"rule 9 "Tea""#));
        assert_eq!(e.field, "effect.reward.extra");
    }

    #[test]
    fn invalid_values_say_what_is_allowed() {
        let cases: &[(&str, &str, &str)] = &[
            (
                r#"{"id": 1, "name": "x", "when": [{"time_of_day": {"from": "17:00", "until": "14:00"}}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].time_of_day",
                r#""from" (17:00) must be before "until" (14:00)"#,
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"time_of_day": {"from": "25:00", "until": "26:00"}}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].time_of_day.from",
                r#""25:00" is not a time of day: write "HH:MM", 00:00 to 23:59"#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"percent_off": {"basis_points": 12000}}}"#,
                "effect.percent_off.basis_points",
                "12000 is out of range: 1..=10000 basis points (1000 is 10 %)",
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"free_item": {"items": {"skus": []}}}}"#,
                "effect.free_item.items.skus",
                "must list at least one id",
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"free_item": {"items": {}}}}"#,
                "effect.free_item.items",
                r#"select items with "all": true, "skus" or "categories""#,
            ),
            (
                r#"{"id": 1, "name": "x", "valid_from": "2024-05-01", "valid_until": "2024-04-01", "effect": {"reward": {"reward": 1}}}"#,
                "valid_from",
                r#"2024-05-01 must not be after "valid_until" 2024-04-01"#,
            ),
            (
                r#"{"id": 1, "name": "x", "valid_from": "2023-02-29", "effect": {"reward": {"reward": 1}}}"#,
                "valid_from",
                r#""2023-02-29" is not a date: write "YYYY-MM-DD", years 1900..=9999"#,
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"churn_risk_at_least": 1200}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].churn_risk_at_least",
                "1200 is out of range: 0..=1000 (thousandths)",
            ),
            (
                r#"{"id": 1, "name": "x", "group": 3, "effect": {"reward": {"reward": 1}}}"#,
                "group",
                r#"group 3 is not declared in "groups""#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"stamps": {"program": 2, "items": {"all": true}}}}"#,
                "effect.stamps.program",
                r#"program 2 is not declared in "programs""#,
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"amount_off": {"amount": -5}}}"#,
                "effect.amount_off.amount",
                "-5 is out of range: an amount in minor units, above 0",
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"weekdays": ["tue", "caturday"]}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].weekdays",
                r#""caturday" is not a day: use mon, tue, wed, thu, fri, sat, sun (or full names)"#,
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"visits_at_least": 2}, {"feedback_group": ["detractor", "unhappy"]}], "effect": {"reward": {"reward": 1}}}"#,
                "when[1].feedback_group",
                r#""unhappy" is not a feedback group: use detractor (scores 0-6), passive (7-8) or promoter (9-10)"#,
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"feedback_group": []}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].feedback_group",
                "must list at least one group",
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"anniversary": {"within_days": 200}}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].anniversary.within_days",
                "200 is out of range: 0..=183 days",
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"visit_milestones": [10, 0]}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].visit_milestones",
                "0 is out of range: visit numbers start at 1 (the first visit)",
            ),
            (
                r#"{"id": 1, "name": "x", "when": [{"visit_milestones": []}], "effect": {"reward": {"reward": 1}}}"#,
                "when[0].visit_milestones",
                "must list at least one visit number",
            ),
            (
                r#"{"id": 1, "name": "x", "effect": {"multiplier": {"permille": 2000}}}"#,
                "effect.multiplier",
                "a multiplier multiplies base points: give a points_per_amount rule a lower priority number so it runs first",
            ),
        ];
        for (rule, field, message) in cases {
            let e = error(&one_rule(rule));
            assert_eq!(e.kind, AuthoringErrorKind::Invalid, "{e}");
            assert_eq!(
                e.rule.as_ref().map(|r| (r.id, r.name.as_deref())),
                Some((Some(1), Some("x")))
            );
            assert_eq!((e.field.as_str(), e.message.as_str()), (*field, *message));
        }
    }

    #[test]
    fn whole_set_checks() {
        let e = error(
            r#"{"name": "t", "serial": 1, "groups": [{"id": 1, "mode": "best"}], "rules": [
            {"id": 1, "name": "gift", "group": 1, "effect": {"reward": {"reward": 1}}},
            {"id": 2, "name": "pts", "group": 1, "effect": {"bonus_points": {"points": 5}}}]}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"rule 1 "gift": effect: group 1 picks the best for the customer, but this effect has no money value: a reward cannot be compared; use mode "first""#
        );
        let e = error(
            r#"{"name": "t", "serial": 1, "groups": [{"id": 1, "mode": "best"}], "rules": [
            {"id": 2, "name": "pts", "group": 1, "effect": {"bonus_points": {"points": 5}}}]}"#,
        );
        assert!(e.message.contains("need a \"redemption\" rate"), "{e}");
        let e = error(
            r#"{"name": "t", "serial": 1, "groups": [{"id": 1, "mode": "first"}], "rules": [
            {"id": 1, "name": "off", "group": 1, "effect": {"amount_off": {"amount": 5}}},
            {"id": 2, "name": "pts", "group": 1, "effect": {"bonus_points": {"points": 5}}}]}"#,
        );
        assert!(
            e.message.contains("mixes discount and earning rules"),
            "{e}"
        );
        let e = error(
            r#"{"name": "t", "serial": 1, "rules": [
            {"id": 1, "name": "a", "effect": {"reward": {"reward": 1}}},
            {"id": 1, "name": "b", "effect": {"reward": {"reward": 1}}}]}"#,
        );
        assert_eq!(e.to_string(), r#"rule 1 "b": id: rule id 1 is used twice"#);
        let e = error(
            r#"{"name": "t", "serial": 1, "valid_from": "2024-02-01", "valid_until": "2024-01-01", "rules": []}"#,
        );
        assert_eq!(
            e.to_string(),
            r#"valid_from: must not be after "valid_until""#
        );
    }

    #[test]
    #[cfg_attr(miri, ignore)] // A 65-rule document: slow under Miri, nothing unsafe.
    fn capacities_are_errors_not_truncation() {
        let rules: Vec<String> = (0..65)
            .map(|i| {
                std::format!(
                    r#"{{"id": {i}, "name": "r{i}", "effect": {{"reward": {{"reward": 1}}}}}}"#
                )
            })
            .collect();
        let e = error(&std::format!(
            r#"{{"name": "t", "serial": 1, "rules": [{}]}}"#,
            rules.join(",")
        ));
        assert_eq!(e.kind, AuthoringErrorKind::OverCapacity);
        assert_eq!(e.to_string(), "rules: 65 rules; at most 64 allowed");
        let when: Vec<&str> = std::iter::repeat_n(r#"{"tier_at_least": 1}"#, 9).collect();
        let e = error(&one_rule(&std::format!(
            r#"{{"id": 1, "name": "x", "when": [{}], "effect": {{"reward": {{"reward": 1}}}}}}"#,
            when.join(",")
        )));
        assert_eq!(
            e.to_string(),
            r#"rule 1 "x": when: 9 conditions; at most 8 allowed"#
        );
        let skus: Vec<String> = (0..65).map(|i| i.to_string()).collect();
        let e = error(&one_rule(&std::format!(
            r#"{{"id": 1, "name": "x", "effect": {{"free_item": {{"items": {{"skus": [{}]}}}}}}}}"#,
            skus.join(",")
        )));
        assert_eq!(e.kind, AuthoringErrorKind::OverCapacity);
        assert_eq!(e.field, "effect.free_item.items.skus");
        let e = error(&one_rule(&std::format!(
            r#"{{"id": 1, "name": "{}", "effect": {{"reward": {{"reward": 1}}}}}}"#,
            "n".repeat(49)
        )));
        assert_eq!(e.field, "name");
        assert_eq!(e.message, "49 bytes; at most 48 allowed");
    }

    #[test]
    fn identical_lists_and_selectors_are_stored_once() {
        let rules = RuleSet::from_json(
            r#"{"name": "t", "serial": 1, "rules": [
            {"id": 1, "name": "a", "effect": {"bonus_points": {"points": 1, "items": {"skus": [3, 1, 2, 2]}}}},
            {"id": 2, "name": "b", "effect": {"bonus_points": {"points": 2, "items": {"skus": [1, 2, 3]}}}},
            {"id": 3, "name": "c", "when": [{"stores": [2, 3, 1]}], "effect": {"bonus_points": {"points": 3, "items": {"categories": [1, 2, 3]}}}}]}"#,
        )
        .unwrap();
        // One id list [1, 2, 3] serves the SKU selector, the category selector and the stores.
        assert_eq!(rules.data.ids.len(), 3);
        assert_eq!(rules.data.selectors.len(), 2);
        assert_eq!(rules.rule_name(&rules.rules()[2]), "c");
    }

    #[test]
    fn json_and_toml_compile_to_the_same_set() {
        let json = RuleSet::from_json(
            r#"{"name": "same", "serial": 4, "rules": [
            {"id": 1, "name": "base", "effect": {"points_per_amount": {"points": 2, "per": 100}}},
            {"id": 2, "name": "tue", "when": [{"weekdays": ["tuesday"]}, "first_purchase"], "effect": {"multiplier": {"permille": 1500}}}]}"#,
        )
        .unwrap();
        let toml = RuleSet::from_toml(
            r#"
name = "same"
serial = 4
[[rules]]
id = 1
name = "base"
effect = { points_per_amount = { points = 2, per = 100 } }
[[rules]]
id = 2
name = "tue"
when = [ { weekdays = ["tue"] }, "first_purchase" ]
effect = { multiplier = { permille = 1500 } }
"#,
        )
        .unwrap();
        assert_eq!(json.hash(), toml.hash());
    }
}
