//! The loyalty-rule bindings, one file per core module: `RuleSet` (`rule_set`), `Line` and
//! `RuleSet.evaluate` (`evaluate`), `Outcome` and its parts (`outcome`), `Refund` (`refund`),
//! applying either to a card and account (`apply`), and the native back-test (`backtest`;
//! `retention.rules.backtest` converts the columns).

use pyo3::prelude::*;
use retention_core::rules;

mod apply;
mod backtest;
mod evaluate;
mod outcome;
mod refund;
mod rule_set;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<rule_set::PyRuleSet>()?;
    m.add_class::<evaluate::PyLine>()?;
    m.add_class::<outcome::PyOutcome>()?;
    m.add_class::<outcome::PyTraceEntry>()?;
    m.add_class::<outcome::PyShare>()?;
    m.add_class::<outcome::PyHint>()?;
    m.add_class::<refund::PyRefund>()?;
    backtest::register(m)?;
    m.add("RULE_SET_MAX_LEN", rules::RULE_SET_MAX_LEN)?;
    m.add("RULES_MAX_RULES", rules::MAX_RULES)?;
    m.add("RULES_MAX_LINES", rules::MAX_LINES)?;
    m.add("RULES_MAX_COUPONS", rules::MAX_COUPONS)?;
    Ok(())
}
