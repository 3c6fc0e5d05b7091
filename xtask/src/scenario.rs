//! What the rule and apply scenarios share: the rule set compiled to a blob by the core, and
//! the basket as `rtn_line`s.

use std::error::Error;
use std::fs;
use std::path::Path;

use retention_core::rules::{RULE_SET_MAX_LEN, RuleSet, RuleSetDoc};
use serde_json::Value;

use crate::c::{self, Field};
use crate::json;

/// The members of an `rtn_line`, from a basket line of a scenario.
const LINE: &[Field] = &[
    Field::Int("sku"),
    Field::Int("category"),
    Field::Int("quantity"),
    Field::Int64("unit_price"),
];

/// The rule set of a scenario (`rule_set` document or `program` file), compiled by the core.
pub(crate) fn rule_set(root: &Path, scenario: &Value) -> Result<RuleSet, Box<dyn Error>> {
    let doc = match (scenario.get("rule_set"), scenario.get("program")) {
        (Some(doc), None) => RuleSetDoc::from_value(doc.clone())?,
        (None, Some(Value::String(file))) => {
            let text = fs::read_to_string(root.join("examples/programs").join(file))?;
            if file.ends_with(".toml") {
                RuleSetDoc::from_toml(&text)?
            } else {
                RuleSetDoc::from_json(&text)?
            }
        }
        _ => return Err("a scenario gives exactly one of rule_set and program".into()),
    };
    Ok(doc.compile()?)
}

/// The rule set of a scenario as the blob a terminal loads.
pub(crate) fn rule_set_blob(root: &Path, scenario: &Value) -> Result<Vec<u8>, Box<dyn Error>> {
    let rules = rule_set(root, scenario)?;
    let mut blob = vec![0u8; RULE_SET_MAX_LEN];
    let used = rules.encode(&mut blob).map_err(|e| e.to_string())?;
    blob.truncate(used);
    Ok(blob)
}

/// The scenario's basket as `rtn_line` initializers (none without a basket).
pub(crate) fn basket(scenario: &Value) -> Result<Vec<String>, Box<dyn Error>> {
    c::initializers(json::optional_array(scenario, "basket"), LINE)
}

/// An error of scenario `name`, saying which.
pub(crate) fn located(name: &str) -> impl Fn(Box<dyn Error>) -> Box<dyn Error> + '_ {
    move |error| format!("{name}: {error}").into()
}
