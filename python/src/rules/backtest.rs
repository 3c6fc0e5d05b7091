//! The native back-test (`retention_core::rules::backtest`) over the columns
//! `retention.rules.backtest` prepares, and its totals as plain Python columns.

use std::sync::Arc;

use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use retention_core::customer::{Birthday, CustomerRecord};
use retention_core::error::{Code, Coded, TimeUse};
use retention_core::rules::backtest::{self, Backtest, Customers, FeedbackEvents, History};
use retention_core::time::UtcOffset;

use super::rule_set::PyRuleSet;
use crate::churn::model::model_of;
use crate::errors::{ToPyErr, raise};

/// The native back-test over prepared columns (`retention.rules.backtest` prepares them).
/// Columns are contiguous NumPy arrays of one length; optional ones may be empty; with
/// `churn_model` each basket's churn risk comes from the customer's carried record. Releases the
/// GIL while it runs; `progress(done, total)` is called with the GIL every 16 384 baskets.
/// `feedback_*`: the NPS answers folded into the records in time order (customer index, Unix
/// seconds, score, channel code; all four given or none, the channel may be empty).
#[pyfunction]
#[pyo3(signature = (rule_set, customer, basket, time, sku, category, quantity, unit_price, store, channel, coupon, churn_risk, utc_offset_minutes, tier, segments, birthday_month, birthday_day, segment, segment_count, skip_invalid, progress=None, churn_model=None, feedback_customer=None, feedback_time=None, feedback_score=None, feedback_channel=None))]
#[allow(clippy::too_many_arguments, clippy::too_many_lines)] // One array per column.
fn _backtest<'py>(
    py: Python<'py>,
    rule_set: &PyRuleSet,
    customer: PyReadonlyArray1<'py, u32>,
    basket: PyReadonlyArray1<'py, u64>,
    time: PyReadonlyArray1<'py, i64>,
    sku: PyReadonlyArray1<'py, u32>,
    category: PyReadonlyArray1<'py, u32>,
    quantity: PyReadonlyArray1<'py, u32>,
    unit_price: PyReadonlyArray1<'py, i64>,
    store: PyReadonlyArray1<'py, u32>,
    channel: PyReadonlyArray1<'py, u8>,
    coupon: PyReadonlyArray1<'py, u32>,
    churn_risk: PyReadonlyArray1<'py, i32>,
    utc_offset_minutes: i16,
    tier: PyReadonlyArray1<'py, u8>,
    segments: PyReadonlyArray1<'py, u32>,
    birthday_month: PyReadonlyArray1<'py, u8>,
    birthday_day: PyReadonlyArray1<'py, u8>,
    segment: PyReadonlyArray1<'py, u32>,
    segment_count: u32,
    skip_invalid: bool,
    progress: Option<Py<PyAny>>,
    churn_model: Option<&Bound<'py, PyAny>>,
    feedback_customer: Option<PyReadonlyArray1<'py, u32>>,
    feedback_time: Option<PyReadonlyArray1<'py, i64>>,
    feedback_score: Option<PyReadonlyArray1<'py, u8>>,
    feedback_channel: Option<PyReadonlyArray1<'py, u8>>,
) -> PyResult<Bound<'py, PyDict>> {
    macro_rules! contiguous {
        ($array:ident) => {
            $array.as_slice().map_err(|_| {
                raise(
                    Code::INVALID_ARGUMENT,
                    concat!("column `", stringify!($array), "` is not contiguous"),
                )
            })?
        };
    }
    macro_rules! optional {
        ($array:ident) => {
            match &$array {
                Some(array) => array.as_slice().map_err(|_| {
                    raise(
                        Code::INVALID_ARGUMENT,
                        concat!("column `", stringify!($array), "` is not contiguous"),
                    )
                })?,
                None => &[],
            }
        };
    }
    let offset = UtcOffset::from_minutes(utc_offset_minutes)
        .map_err(|error| raise(error.code(), format!("utc_offset_minutes: {error}")))?;
    let history = History {
        customer: contiguous!(customer),
        basket: contiguous!(basket),
        time: contiguous!(time),
        sku: contiguous!(sku),
        category: contiguous!(category),
        quantity: contiguous!(quantity),
        unit_price: contiguous!(unit_price),
        store: contiguous!(store),
        channel: contiguous!(channel),
        coupon: contiguous!(coupon),
        churn_risk: contiguous!(churn_risk),
        churn_model: churn_model.map(model_of).transpose()?,
        offset,
        feedback: FeedbackEvents {
            customer: optional!(feedback_customer),
            time: optional!(feedback_time),
            score: optional!(feedback_score),
            channel: optional!(feedback_channel),
        },
    };
    let (tier, segments, birthday_month, birthday_day, segment) = (
        contiguous!(tier),
        contiguous!(segments),
        contiguous!(birthday_month),
        contiguous!(birthday_day),
        contiguous!(segment),
    );
    let mut records = Vec::with_capacity(tier.len());
    for (index, &tier) in tier.iter().enumerate() {
        let mut record = CustomerRecord::new();
        record.tier = tier;
        record.segments = segments.get(index).copied().unwrap_or(0);
        let month = birthday_month.get(index).copied().unwrap_or(0);
        let day = birthday_day.get(index).copied().unwrap_or(0);
        if month != 0 {
            record.birthday = Some(Birthday::new(month, day).map_err(|error| {
                raise(
                    TimeUse::Birthday.refuse(error).code(),
                    format!("customer {index}: birthday: {error}"),
                )
            })?);
        }
        records.push(record);
    }
    let customers = Customers {
        records,
        segment: segment.to_vec(),
        segment_count,
    };
    let rules = Arc::clone(&rule_set.rules);
    let mut callback_error: Option<PyErr> = None;
    let result: Result<Backtest, backtest::BacktestError> = py.detach(|| {
        let mut report = |done: u64, total: u64| -> bool {
            Python::attach(|py| {
                if let Err(error) = py.check_signals() {
                    callback_error = Some(error);
                    return false;
                }
                if let Some(progress) = &progress {
                    if let Err(error) = progress.call1(py, (done, total)) {
                        callback_error = Some(error);
                        return false;
                    }
                }
                true
            })
        };
        if skip_invalid {
            backtest::backtest_skipping_invalid(&rules, &history, &customers, &mut report)
        } else {
            backtest::backtest(&rules, &history, &customers, &mut report)
        }
    });
    if let Some(error) = callback_error {
        return Err(error);
    }
    let result = result.map_err(ToPyErr::to_py)?;
    let out = PyDict::new(py);
    out.set_item("baskets", result.baskets)?;
    out.set_item("skipped", result.skipped)?;
    out.set_item(
        "first_skipped",
        result
            .first_skipped
            .map(|(row, error)| (row, error.to_string())),
    )?;
    let names: Vec<String> = rules
        .rules()
        .iter()
        .map(|rule| rules.rule_name(rule).to_string())
        .collect();
    let rule_columns = |totals: &[backtest::RuleTotals]| -> PyResult<Bound<'py, PyDict>> {
        let columns = PyDict::new(py);
        let counts = |f: fn(&backtest::RuleTotals) -> u64| totals.iter().map(f).collect::<Vec<_>>();
        columns.set_item("rule", totals.iter().map(|t| t.rule).collect::<Vec<_>>())?;
        columns.set_item("applied", counts(|t| t.applied))?;
        columns.set_item("customers", counts(|t| t.customers))?;
        columns.set_item("points", counts(|t| t.points))?;
        columns.set_item(
            "discount",
            totals
                .iter()
                .map(|t| t.discount.minor())
                .collect::<Vec<_>>(),
        )?;
        columns.set_item("stamps", counts(|t| t.stamps))?;
        columns.set_item("rewards", counts(|t| t.rewards))?;
        Ok(columns)
    };
    let by_rule = rule_columns(&result.by_rule)?;
    by_rule.set_item("name", names)?;
    out.set_item("by_rule", by_rule)?;
    let by_rule_segment = rule_columns(&result.by_rule_segment)?;
    let per_rule = usize::try_from(segment_count.max(1)).unwrap_or(1);
    by_rule_segment.set_item(
        "segment",
        (0..result.by_rule_segment.len())
            .map(|i| i % per_rule)
            .collect::<Vec<_>>(),
    )?;
    out.set_item("by_rule_segment", by_rule_segment)?;
    let by_segment = PyDict::new(py);
    let s = &result.by_segment;
    by_segment.set_item("segment", s.iter().map(|t| t.segment).collect::<Vec<_>>())?;
    by_segment.set_item(
        "customers",
        s.iter().map(|t| t.customers).collect::<Vec<_>>(),
    )?;
    by_segment.set_item("baskets", s.iter().map(|t| t.baskets).collect::<Vec<_>>())?;
    by_segment.set_item(
        "spend",
        s.iter().map(|t| t.spend.minor()).collect::<Vec<_>>(),
    )?;
    by_segment.set_item("points", s.iter().map(|t| t.points).collect::<Vec<_>>())?;
    by_segment.set_item(
        "discount",
        s.iter().map(|t| t.discount.minor()).collect::<Vec<_>>(),
    )?;
    by_segment.set_item("stamps", s.iter().map(|t| t.stamps).collect::<Vec<_>>())?;
    by_segment.set_item("rewards", s.iter().map(|t| t.rewards).collect::<Vec<_>>())?;
    out.set_item("by_segment", by_segment)?;
    out.set_item(
        "tiers",
        result
            .records
            .iter()
            .map(|r| u32::from(r.tier))
            .collect::<Vec<_>>(),
    )?;
    out.set_item(
        "visits",
        result.records.iter().map(|r| r.visits).collect::<Vec<_>>(),
    )?;
    Ok(out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_backtest, m)?)?;
    Ok(())
}
