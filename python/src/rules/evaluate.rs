//! `RuleSet.evaluate`: a basket, a customer and a moment to the core's evaluation
//! (`retention_core::rules::evaluate`), and `retention.Line`, a basket line.

use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use retention_core::customer::CustomerRecord;
use retention_core::error::Code;
use retention_core::rules::{self, Context, Line, Outcome, RuleSet};

use super::outcome::PyOutcome;
use crate::args::{Argument, arg, event_id};
use crate::churn::model::model_of;
use crate::customer::PyCustomer;
use crate::errors::{ToPyErr, raise};
use crate::time::instant;

/// One basket line: `sku`, `category`, `quantity` (units, at least 1) and `unit_price` (minor
/// units, not negative).
#[pyclass(name = "Line", module = "retention", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub(crate) struct PyLine {
    /// The item's SKU id.
    sku: u32,
    /// The item's category id.
    category: u32,
    /// Units.
    quantity: u32,
    /// Price of one unit, in minor units.
    unit_price: i64,
}

#[pymethods]
impl PyLine {
    #[new]
    #[pyo3(signature = (sku, category, quantity, unit_price))]
    fn new(
        #[pyo3(from_py_with = arg::sku)] sku: u32,
        #[pyo3(from_py_with = arg::category)] category: u32,
        #[pyo3(from_py_with = arg::quantity)] quantity: u32,
        #[pyo3(from_py_with = arg::unit_price)] unit_price: i64,
    ) -> PyLine {
        PyLine {
            sku,
            category,
            quantity,
            unit_price,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Line(sku={}, category={}, quantity={}, unit_price={})",
            self.sku, self.category, self.quantity, self.unit_price
        )
    }
}

/// A basket line from a `Line`, a `(sku, category, quantity, unit_price)` tuple, or a dict
/// with those keys (`sku` and `category` default to 0, `quantity` to 1).
fn line_of(item: &Bound<'_, PyAny>, index: usize) -> PyResult<Line> {
    let name = |field: &str| format!("basket[{index}].{field}");
    if let Ok(line) = item.cast::<PyLine>() {
        let line = line.get();
        return Ok(Line::new(
            line.sku,
            line.category,
            line.quantity,
            line.unit_price,
        ));
    }
    if let Ok(tuple) = item.cast::<PyTuple>() {
        let (sku, category, quantity, unit_price) =
            <(u32, u32, u32, i64)>::read(tuple.as_any(), &format!("basket[{index}]"))?;
        return Ok(Line::new(sku, category, quantity, unit_price));
    }
    if let Ok(dict) = item.cast::<PyDict>() {
        let get = |key: &str| dict.get_item(key);
        let unit_price = get("unit_price")?.ok_or_else(|| {
            raise(
                Code::INVALID_ARGUMENT,
                format!("basket[{index}]: a basket line needs `unit_price`"),
            )
        })?;
        let unit_price = i64::read(&unit_price, &name("unit_price"))?;
        let number = |key: &str, default: u32| -> PyResult<u32> {
            get(key)?.map_or(Ok(default), |v| u32::read(&v, &name(key)))
        };
        for key in dict.keys() {
            let key: String = key.extract()?;
            if !matches!(key.as_str(), "sku" | "category" | "quantity" | "unit_price") {
                return Err(raise(
                    Code::INVALID_ARGUMENT,
                    format!(
                        "unknown basket line key `{key}`: expected sku, category, quantity, unit_price"
                    ),
                ));
            }
        }
        return Ok(Line::new(
            number("sku", 0)?,
            number("category", 0)?,
            number("quantity", 1)?,
            unit_price,
        ));
    }
    Err(PyTypeError::new_err(format!(
        "basket[{index}]: a basket line is a retention.Line, a (sku, category, quantity, \
         unit_price) tuple or a dict, not {}",
        item.get_type().name()?
    )))
}

/// The arguments of `RuleSet.evaluate`, as Python gave them (its docstring says what each is).
pub(crate) struct Evaluation<'a, 'py> {
    pub(crate) basket: &'a Bound<'py, PyAny>,
    pub(crate) customer: Option<&'a PyCustomer>,
    pub(crate) at: Option<&'a Bound<'py, PyAny>>,
    pub(crate) utc_offset_minutes: Option<&'a Bound<'py, PyAny>>,
    pub(crate) store: u32,
    pub(crate) channel: u8,
    pub(crate) coupons: Vec<u32>,
    pub(crate) event: (u32, u32),
    pub(crate) churn_risk: Option<u16>,
    pub(crate) churn_model: Option<&'a Bound<'py, PyAny>>,
}

impl Evaluation<'_, '_> {
    /// Evaluates the basket with `rule_set`: the lines, then the moment, then the churn risk (given,
    /// or `churn_model`'s score of the customer's summary on the sale's local day).
    pub(crate) fn run(self, rule_set: &Arc<RuleSet>) -> PyResult<PyOutcome> {
        let mut lines = Vec::new();
        let items = self.basket.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "basket must be an iterable of lines, not {}",
                self.basket
                    .get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        })?;
        for (index, item) in items.enumerate() {
            lines.push(line_of(&item?, index)?);
        }
        let Some(at) = self.at else {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                "`at` is required: an aware datetime, or Unix seconds with utc_offset_minutes",
            ));
        };
        let (now, offset) = instant(at, self.utc_offset_minutes)?;
        let new_customer = CustomerRecord::new();
        let record = self.customer.map_or(&new_customer, |c| &c.record);
        let (churn_risk, churn_model) = match (self.churn_model, self.churn_risk) {
            (None, risk) => (risk, None),
            (Some(_), Some(_)) => {
                return Err(raise(
                    Code::INVALID_ARGUMENT,
                    "give churn_risk or churn_model, not both",
                ));
            }
            (Some(model), None) => {
                let today = now
                    .local(offset)
                    .map(|local| local.day())
                    .map_err(ToPyErr::to_py)?;
                let model = model_of(model)?;
                let risk = model
                    .risk_of(&record.churn, today)
                    .map_err(ToPyErr::to_py)?;
                (risk, Some(model.hash().map_err(ToPyErr::to_py)?))
            }
        };
        let context = Context {
            now,
            offset,
            store: self.store,
            channel: self.channel,
            coupons: heapless::Vec::from_slice(&self.coupons).map_err(|_| {
                raise(
                    Code::RULES_TOO_MANY_COUPONS,
                    format!("at most {} coupons per sale", rules::MAX_COUPONS),
                )
            })?,
            event: event_id(self.event),
            churn_risk,
            churn_model,
        };
        let mut outcome = Box::new(Outcome::new());
        rules::evaluate(rule_set, &lines, record, &context, &mut outcome)
            .map_err(ToPyErr::to_py)?;
        Ok(PyOutcome {
            outcome,
            rules: Arc::clone(rule_set),
        })
    }
}
