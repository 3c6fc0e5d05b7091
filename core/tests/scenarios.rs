//! The shared rule scenarios (`tests/scenarios/*.json`): inputs and hand-worked expected
//! outcomes, run through the Rust API. The same files serve the C and Python test suites.
//!
//! A scenario holds a rule set (`rule_set`, a document, or `program`, a file of
//! `examples/programs/`), a customer record, a context, a basket, and either `expect` (the
//! whole outcome but its rule-set hash and event, which are checked against the compiled set
//! and the context) or `expect_error`; then optional `refunds`, applied in order, each with
//! cumulative `returned` units per line and its expected clawback. Every scenario is also
//! compiled to a blob, loaded back and evaluated again, with the same outcome.
//!
//! Churn: a customer may carry a `churn` summary (and `churn_event`, the last sale counted).
//! With `churn_model` (`{"model": "pareto_nbd" | "bg_nbd" | "mbg_nbd", "params": [4 numbers],
//! "periods": {"grain": "Day", "unit": "Weeks"}}`) the context's churn risk is not given but
//! computed from the customer's summary on the sale's local day, and must equal
//! `expect_churn_risk` (`null`: unknown). `expect_churn` (`frequency`, `recency`, `T` in the
//! model's unit — days without a model — and `repeat_spend` in minor units) is the updated
//! summary observed on that day.

use std::fs;
use std::path::{Path, PathBuf};

use retention_core::churn::bg_nbd::BgNbd;
use retention_core::churn::mbg_nbd::ModifiedBgNbd;
use retention_core::churn::model::{ChurnModel, PurchaseModel};
use retention_core::churn::pareto_nbd::ParetoNbd;
use retention_core::churn::summary::{Periods, TimeUnit};
use retention_core::customer::CustomerRecord;
use retention_core::error::{Code, Coded};
use retention_core::rules::{
    Clawback, Context, Line, LoadOptions, Outcome, RULE_SET_MAX_LEN, Returns, RuleSet, RuleSetDoc,
    evaluate, refund,
};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The code a scenario's `expect_error` names: the code's full name (`"RTN_OVERFLOW"`).
fn expected_code(name: &str) -> Result<Code, String> {
    Code::from_name(name).ok_or_else(|| format!("expect_error `{name}` names no code"))
}

fn rule_set_of(scenario: &Value, name: &str) -> RuleSet {
    let doc = match (scenario.get("rule_set"), scenario.get("program")) {
        (Some(doc), None) => RuleSetDoc::from_value(doc.clone()),
        (None, Some(Value::String(file))) => {
            let path = root().join("examples/programs").join(file);
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {path:?}: {e}"));
            if file.ends_with(".toml") {
                RuleSetDoc::from_toml(&text)
            } else {
                RuleSetDoc::from_json(&text)
            }
        }
        _ => panic!("{name}: give exactly one of rule_set and program"),
    };
    let doc = doc.unwrap_or_else(|e| panic!("{name}: rule set: {e}"));
    doc.compile()
        .unwrap_or_else(|e| panic!("{name}: rule set: {e}"))
}

fn field<T: serde::de::DeserializeOwned + Default>(scenario: &Value, key: &str, name: &str) -> T {
    match scenario.get(key) {
        Some(value) => {
            serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{name}: {key}: {e}"))
        }
        None => T::default(),
    }
}

/// The scenario's churn model, if it has one.
fn churn_model(scenario: &Value, name: &str) -> Option<ChurnModel> {
    let spec = scenario.get("churn_model")?;
    let params: [f64; 4] = serde_json::from_value(spec["params"].clone())
        .unwrap_or_else(|e| panic!("{name}: churn_model.params: {e}"));
    let periods: Periods = serde_json::from_value(spec["periods"].clone())
        .unwrap_or_else(|e| panic!("{name}: churn_model.periods: {e}"));
    let [a, b, c, d] = params;
    let purchases = match spec["model"].as_str() {
        Some("pareto_nbd") => PurchaseModel::ParetoNbd(ParetoNbd::new(a, b, c, d).unwrap()),
        Some("bg_nbd") => PurchaseModel::BgNbd(BgNbd::new(a, b, c, d).unwrap()),
        Some("mbg_nbd") => PurchaseModel::ModifiedBgNbd(ModifiedBgNbd::new(a, b, c, d).unwrap()),
        other => panic!("{name}: churn_model.model {other:?}"),
    };
    Some(ChurnModel::new(purchases, periods))
}

/// The first differing line of two pretty-printed values, for a readable failure.
fn difference(actual: &str, wanted: &str) -> String {
    for (number, (a, w)) in actual.lines().zip(wanted.lines()).enumerate() {
        if a != w {
            return format!("line {number}: got `{}`, expected `{}`", a.trim(), w.trim());
        }
    }
    "lengths differ".to_string()
}

fn run(path: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let scenario: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let name = scenario["name"].as_str().ok_or("no name")?.to_string();
    let why = scenario["why"].as_str().ok_or("no why")?;
    assert!(why.len() > 40, "{name}: explain the scenario in `why`");
    let rules = rule_set_of(&scenario, &name);
    let customer: CustomerRecord = field(&scenario, "customer", &name);
    let mut context: Context = field(&scenario, "context", &name);
    let basket: Vec<Line> = field(&scenario, "basket", &name);
    let today = context
        .now
        .local(context.offset)
        .map(|local| local.day())
        .map_err(|e| e.to_string());
    let model = churn_model(&scenario, &name);
    if let Some(model) = &model {
        assert!(
            context.churn_risk.is_none(),
            "{name}: the risk comes from the model"
        );
        let risk = model
            .risk_of(&customer.churn, today.clone()?)
            .map_err(|e| format!("risk_of: {e}"))?;
        let expected: Option<u16> = serde_json::from_value(scenario["expect_churn_risk"].clone())
            .map_err(|e| format!("expect_churn_risk: {e}"))?;
        if risk != expected {
            return Err(format!("churn risk {risk:?}, expected {expected:?}"));
        }
        context.churn_risk = risk;
    }

    // The blob round trip: the loaded rule set is the compiled one.
    let mut blob = vec![0u8; RULE_SET_MAX_LEN];
    let used = rules
        .encode(&mut blob)
        .map_err(|e| format!("encode: {e}"))?;
    let loaded =
        RuleSet::load(&blob[..used], &LoadOptions::new()).map_err(|e| format!("load: {e}"))?;
    assert_eq!(loaded, rules, "{name}: blob round trip");

    let mut outcome = Box::new(Outcome::new());
    let result = evaluate(&rules, &basket, &customer, &context, &mut outcome);
    if let Some(expected) = scenario.get("expect_error") {
        let error = result.err().ok_or("expected an error")?;
        let code = expected_code(expected.as_str().ok_or("expect_error is not a string")?)?;
        if error.code() != code {
            return Err(format!(
                "error {error:?} ({}), expected {code}",
                error.code()
            ));
        }
        assert_eq!(*outcome, Outcome::new(), "{name}: outcome left empty");
        return Ok(());
    }
    result.map_err(|e| format!("evaluate: {e}"))?;
    let mut expect = scenario.get("expect").ok_or("no expect")?.clone();
    let object = expect.as_object_mut().ok_or("expect is not an object")?;
    object.insert(
        "rule_set".into(),
        serde_json::to_value(rules.hash()).unwrap(),
    );
    object.insert("event".into(), serde_json::to_value(context.event).unwrap());
    let expected: Outcome = serde_json::from_value(expect).map_err(|e| format!("expect: {e}"))?;
    if *outcome != expected {
        let actual = serde_json::to_string_pretty(&*outcome).unwrap();
        let wanted = serde_json::to_string_pretty(&expected).unwrap();
        return Err(format!(
            "{}\nactual outcome:\n{actual}",
            difference(&actual, &wanted)
        ));
    }
    if let Some(wanted) = scenario.get("expect_churn") {
        let unit = model.map_or(TimeUnit::Days, |m| m.periods().unit);
        let churn = &outcome.customer.churn;
        let seen = churn
            .observe(today?, unit)
            .map_err(|e| format!("observe: {e}"))?;
        let actual = serde_json::json!({
            "frequency": seen.frequency(),
            "recency": seen.recency(),
            "T": seen.age(),
            "repeat_spend": churn.repeat_spend().minor(),
        });
        let close = |key: &str| {
            (actual[key].as_f64().unwrap() - wanted[key].as_f64().unwrap()).abs() < 1e-9
        };
        if !["frequency", "recency", "T", "repeat_spend"]
            .iter()
            .all(|k| close(k))
        {
            return Err(format!("churn summary {actual}, expected {wanted}"));
        }
    }
    // The loaded blob gives the same outcome.
    let mut again = Box::new(Outcome::new());
    evaluate(&loaded, &basket, &customer, &context, &mut again).unwrap();
    assert_eq!(again, outcome, "{name}: loaded rule set");

    let mut returns = Returns::none(&outcome);
    let steps = scenario
        .get("refunds")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, step) in steps.iter().enumerate() {
        let returned: Vec<u32> = serde_json::from_value(step["returned"].clone()).unwrap();
        let (clawback, after) =
            refund(&outcome, &returns, &returned).map_err(|e| format!("refund {index}: {e}"))?;
        let mut expect = step["expect"].clone();
        let object = expect
            .as_object_mut()
            .ok_or("refund expect is not an object")?;
        object.insert("event".into(), serde_json::to_value(context.event).unwrap());
        object.insert(
            "rule_set".into(),
            serde_json::to_value(rules.hash()).unwrap(),
        );
        let expected: Clawback =
            serde_json::from_value(expect).map_err(|e| format!("refund {index} expect: {e}"))?;
        if clawback != expected {
            return Err(format!(
                "refund {index}: got {clawback:?}, expected {expected:?}"
            ));
        }
        returns = after;
    }
    Ok(())
}

#[test]
fn every_scenario() {
    let dir = root().join("tests/scenarios");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in &paths {
        if let Err(message) = run(path) {
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
    assert!(
        paths.len() >= 40,
        "at least 40 scenarios, found {}",
        paths.len()
    );
}

/// Writes the fuzz seeds from the scenarios and programs (run by hand after changing them):
/// `cargo test -p retention-core --test scenarios -- --ignored write_fuzz_seeds`. The evaluate
/// input layout is documented in `fuzz/fuzz_targets/evaluate.rs`.
#[test]
#[ignore = "writes fuzz/seeds; run by hand"]
// The fuzz layout's fields are narrower than the scenario's: values are cut to fit on purpose.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn write_fuzz_seeds() {
    const MONDAY: i64 = 1_709_510_400;
    let seeds = root().join("fuzz/seeds");
    for program in ["coffee.json", "grocery.toml", "winback.json"] {
        let text = fs::read(root().join("examples/programs").join(program)).unwrap();
        fs::write(
            seeds
                .join("rule_set_authoring")
                .join(format!("seed-{program}")),
            text,
        )
        .unwrap();
    }
    for entry in fs::read_dir(root().join("tests/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let scenario: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let name = scenario["name"].as_str().unwrap();
        let rules = rule_set_of(&scenario, name);
        let mut blob = vec![0u8; RULE_SET_MAX_LEN];
        let used = rules.encode(&mut blob).unwrap();
        blob.truncate(used);
        fs::write(
            seeds.join("rule_set_load").join(format!("seed-{name}")),
            &blob,
        )
        .unwrap();
        if let Some(doc) = scenario.get("rule_set") {
            let text = serde_json::to_string_pretty(doc).unwrap();
            fs::write(
                seeds
                    .join("rule_set_authoring")
                    .join(format!("seed-{name}.json")),
                text,
            )
            .unwrap();
        }
        let customer: CustomerRecord = field(&scenario, "customer", name);
        let context: Context = field(&scenario, "context", name);
        let basket: Vec<Line> = field(&scenario, "basket", name);
        let mut input = Vec::new();
        input.extend_from_slice(&u16::try_from(blob.len()).unwrap().to_le_bytes());
        input.extend_from_slice(&blob);
        let seconds = u32::try_from(context.now.unix() - MONDAY).unwrap();
        input.extend_from_slice(&seconds.to_le_bytes());
        input.extend_from_slice(&context.offset.minutes().to_le_bytes());
        let today = context.now.local(context.offset).unwrap().day().number();
        let since = customer
            .last_visit
            .map_or(0, |day| (today - day + 1).clamp(1, 255) as u8);
        let (month, day) = customer.birthday.map_or((0, 0), |b| (b.month(), b.day()));
        input.extend_from_slice(&[
            customer.tier,
            customer.segments as u8,
            customer.visits.min(255) as u8,
            since,
            month,
            day,
        ]);
        input.extend_from_slice(&context.churn_risk.unwrap_or(u16::MAX).to_le_bytes());
        input.extend_from_slice(&[context.store as u8, context.channel]);
        let coupon = context.coupons.first().copied().unwrap_or(0) as u16;
        input.extend_from_slice(&coupon.to_le_bytes());
        for line in &basket {
            input.extend_from_slice(&(line.sku as u16).to_le_bytes());
            input.extend_from_slice(&[line.category as u8, line.quantity as u8]);
            input.extend_from_slice(&line.unit_price.minor().to_le_bytes());
        }
        fs::write(seeds.join("evaluate").join(format!("seed-{name}")), &input).unwrap();
    }
}
