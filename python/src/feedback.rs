//! `retention.feedback`' native half (`retention_core::feedback`): the groups of scores, NPS
//! tables with their intervals, and retention by feedback group. Columns arrive as 1-D NumPy
//! arrays (read in place when contiguous); every computation runs with the GIL released.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use retention_core::churn::survival::KaplanMeier;
use retention_core::error::Code;
use retention_core::feedback::churn::{self, ChurnSettings, History};
use retention_core::feedback::nps::{self, NpsEstimate};
use retention_core::feedback::{FeedbackChannel, FeedbackGroup};

use crate::churn::columns::{column, day, days};
use crate::churn::metrics::period;
use crate::errors::{ToPyErr, one_of, raise};

/// The group code of each score ([`FeedbackGroup::code`]).
#[pyfunction]
fn feedback_groups<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<u8>>> {
    let scores = column(&scores);
    let codes = py.detach(|| {
        scores
            .iter()
            .enumerate()
            .map(|(row, &score)| nps::score_of(row, score).map(|s| s.group().code()))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(ToPyErr::to_py)
    })?;
    Ok(codes.into_pyarray(py))
}

/// The NPS columns of estimates: detractors, passives, promoters, nps, std_error, lower, upper.
fn estimate_columns<'py>(
    py: Python<'py>,
    estimates: &[NpsEstimate],
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let counts = |pick: fn(&NpsEstimate) -> u64| {
        estimates
            .iter()
            .map(pick)
            .collect::<Vec<u64>>()
            .into_pyarray(py)
            .into_any()
    };
    let values = |pick: fn(&NpsEstimate) -> f64| {
        estimates
            .iter()
            .map(pick)
            .collect::<Vec<f64>>()
            .into_pyarray(py)
            .into_any()
    };
    Ok(vec![
        counts(|e| e.counts.detractors),
        counts(|e| e.counts.passives),
        counts(|e| e.counts.promoters),
        values(|e| e.nps),
        values(|e| e.standard_error),
        values(|e| e.lower),
        values(|e| e.upper),
    ])
}

/// NPS by key (and period): a tuple `(keys, periods, detractors, passives, promoters, nps,
/// std_error, lower, upper)` of arrays, one entry per (key, period) with answers; periods are
/// 0 without `period_name`.
#[pyfunction]
#[pyo3(signature = (keys, scores, day_numbers, period_name, confidence))]
fn feedback_nps_table<'py>(
    py: Python<'py>,
    keys: PyReadonlyArray1<'py, i64>,
    scores: PyReadonlyArray1<'py, f64>,
    day_numbers: Option<PyReadonlyArray1<'py, i64>>,
    period_name: Option<&str>,
    confidence: f64,
) -> PyResult<Bound<'py, PyTuple>> {
    let by_period = match period_name {
        Some(name) => Some(period(name)?),
        None => None,
    };
    let (keys, scores) = (column(&keys), column(&scores));
    let numbers = day_numbers.as_ref().map(column);
    let rows = py.detach(|| {
        let dated = match (&numbers, by_period) {
            (Some(numbers), Some(period)) => Some((days(numbers)?, period)),
            _ => None,
        };
        let days = dated
            .as_ref()
            .map(|(days, period)| (days.as_slice(), *period));
        nps::nps_table(&keys, &scores, days, confidence).map_err(ToPyErr::to_py)
    })?;
    let out_keys: Vec<i64> = rows.iter().map(|r| r.key).collect();
    let periods: Vec<i64> = rows
        .iter()
        .map(|r| i64::from(r.period.unwrap_or(0)))
        .collect();
    let estimates: Vec<NpsEstimate> = rows.iter().map(|r| r.estimate).collect();
    let mut items = vec![
        out_keys.into_pyarray(py).into_any(),
        periods.into_pyarray(py).into_any(),
    ];
    items.extend(estimate_columns(py, &estimates)?);
    PyTuple::new(py, items)
}

/// NPS by first-purchase cohort: `(cohorts, known, detractors, ..., upper)`; `known` is false
/// for the answers of customers without a purchase (cohort 0 there).
#[pyfunction]
fn feedback_nps_by_cohort<'py>(
    py: Python<'py>,
    feedback_customers: PyReadonlyArray1<'py, u64>,
    scores: PyReadonlyArray1<'py, f64>,
    customers: PyReadonlyArray1<'py, u64>,
    day_numbers: PyReadonlyArray1<'py, i64>,
    period_name: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyTuple>> {
    let period = period(period_name)?;
    let (feedback_customers, scores) = (column(&feedback_customers), column(&scores));
    let (customers, numbers) = (column(&customers), column(&day_numbers));
    let rows = py.detach(|| {
        let days = days(&numbers)?;
        nps::nps_by_cohort(
            &feedback_customers,
            &scores,
            &customers,
            &days,
            period,
            confidence,
        )
        .map_err(ToPyErr::to_py)
    })?;
    let cohorts: Vec<i64> = rows
        .iter()
        .map(|(c, _)| i64::from(c.unwrap_or(0)))
        .collect();
    let known: Vec<bool> = rows.iter().map(|(c, _)| c.is_some()).collect();
    let estimates: Vec<NpsEstimate> = rows.iter().map(|(_, e)| *e).collect();
    let mut items = vec![
        cohorts.into_pyarray(py).into_any(),
        known.into_pyarray(py).into_any(),
    ];
    items.extend(estimate_columns(py, &estimates)?);
    PyTuple::new(py, items)
}

/// A count argument as a `u32`, or a `ValidationError` naming it.
fn days_argument(value: i64, name: &str) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| {
        raise(
            Code::INVALID_ARGUMENT,
            format!("{name} must be in 0..={}, not {value}", u32::MAX),
        )
    })
}

/// A float column of `values` in a dict.
fn put<'py, T: numpy::Element>(
    dict: &Bound<'py, PyDict>,
    name: &str,
    values: Vec<T>,
) -> PyResult<()> {
    dict.set_item(name, values.into_pyarray(dict.py()))
}

/// Retention by feedback group: `(groups, table, curve_groups, curves, customers, logrank)`.
/// `table` and `curves` are dicts of columns; `customers` is `(codes, groups, feedback day
/// numbers, days, churned)`; `logrank` is `(statistic, df, p_value)` (NaN, 0, NaN without a
/// test).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn feedback_churn_by_group<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, u64>,
    purchase_days: PyReadonlyArray1<'py, i64>,
    feedback_customers: PyReadonlyArray1<'py, u64>,
    feedback_days: PyReadonlyArray1<'py, i64>,
    scores: PyReadonlyArray1<'py, f64>,
    observation_end: i64,
    churn_after_days: i64,
    horizon_days: i64,
    reference: &str,
    confidence: f64,
) -> PyResult<Bound<'py, PyTuple>> {
    let reference = FeedbackGroup::from_name(reference).ok_or_else(|| {
        raise(
            Code::INVALID_ARGUMENT,
            format!(
                "reference must be {}, not {reference:?}",
                one_of(FeedbackGroup::ALL.map(|g| format!("{:?}", g.name())))
            ),
        )
    })?;
    let settings = ChurnSettings {
        observation_end: day(observation_end)?,
        churn_after_days: days_argument(churn_after_days, "churn_after_days")?,
        horizon_days: days_argument(horizon_days, "horizon_days")?,
        reference,
        confidence,
    };
    let (customers, purchase_numbers) = (column(&customers), column(&purchase_days));
    let (feedback_customers, feedback_numbers) =
        (column(&feedback_customers), column(&feedback_days));
    let scores = column(&scores);
    let result = py.detach(|| {
        let purchase_days = days(&purchase_numbers)?;
        let feedback_days = days(&feedback_numbers)?;
        let history = History {
            customers: &customers,
            purchase_days: &purchase_days,
            feedback_customers: &feedback_customers,
            feedback_days: &feedback_days,
            scores: &scores,
        };
        churn::churn_by_group(&history, &settings).map_err(ToPyErr::to_py)
    })?;

    let groups: Vec<u8> = result.groups.iter().map(|g| g.group.code()).collect();
    let table = PyDict::new(py);
    let nan = f64::NAN;
    let pick = |f: &dyn Fn(&churn::GroupChurn) -> f64| -> Vec<f64> {
        result.groups.iter().map(f).collect()
    };
    put(
        &table,
        "customers",
        result.groups.iter().map(|g| g.customers).collect(),
    )?;
    put(
        &table,
        "churned",
        result.groups.iter().map(|g| g.churned).collect(),
    )?;
    put(
        &table,
        "censored",
        result.groups.iter().map(|g| g.censored).collect(),
    )?;
    put(
        &table,
        "median_days",
        pick(&|g| g.median_days.unwrap_or(nan)),
    )?;
    put(
        &table,
        "survival",
        pick(&|g| g.at_horizon.map_or(nan, |s| s.survival)),
    )?;
    put(
        &table,
        "survival_lower",
        pick(&|g| g.at_horizon.map_or(nan, |s| s.lower)),
    )?;
    put(
        &table,
        "survival_upper",
        pick(&|g| g.at_horizon.map_or(nan, |s| s.upper)),
    )?;
    put(
        &table,
        "churn_rate",
        pick(&|g| g.churn_by_horizon().map_or(nan, |c| c.share)),
    )?;
    put(
        &table,
        "churn_rate_lower",
        pick(&|g| g.churn_by_horizon().map_or(nan, |c| c.lower)),
    )?;
    put(
        &table,
        "churn_rate_upper",
        pick(&|g| g.churn_by_horizon().map_or(nan, |c| c.upper)),
    )?;
    put(
        &table,
        "hazard_ratio",
        pick(&|g| g.hazard_ratio.map_or(nan, |h| h.ratio)),
    )?;
    put(
        &table,
        "hazard_ratio_lower",
        pick(&|g| g.hazard_ratio.map_or(nan, |h| h.lower)),
    )?;
    put(
        &table,
        "hazard_ratio_upper",
        pick(&|g| g.hazard_ratio.map_or(nan, |h| h.upper)),
    )?;

    let steps = |curve: &KaplanMeier| curve.steps.len();
    let mut curve_groups: Vec<u8> = Vec::new();
    let mut curve_steps = Vec::new();
    for group in &result.groups {
        curve_groups.extend(std::iter::repeat_n(group.group.code(), steps(&group.curve)));
        curve_steps.extend(group.curve.steps.iter().copied());
    }
    let curves = PyDict::new(py);
    put(
        &curves,
        "days",
        curve_steps.iter().map(|s| s.time).collect(),
    )?;
    put(
        &curves,
        "at_risk",
        curve_steps.iter().map(|s| s.at_risk).collect(),
    )?;
    put(
        &curves,
        "churned",
        curve_steps.iter().map(|s| s.events).collect(),
    )?;
    put(
        &curves,
        "censored",
        curve_steps.iter().map(|s| s.censored).collect(),
    )?;
    put(
        &curves,
        "survival",
        curve_steps.iter().map(|s| s.survival).collect(),
    )?;
    put(
        &curves,
        "std_error",
        curve_steps
            .iter()
            .map(|s| s.std_error.unwrap_or(nan))
            .collect(),
    )?;
    put(
        &curves,
        "lower",
        curve_steps.iter().map(|s| s.lower).collect(),
    )?;
    put(
        &curves,
        "upper",
        curve_steps.iter().map(|s| s.upper).collect(),
    )?;

    let subjects = &result.subjects;
    let customers_out = PyTuple::new(
        py,
        [
            subjects
                .iter()
                .map(|s| s.customer)
                .collect::<Vec<u64>>()
                .into_pyarray(py)
                .into_any(),
            subjects
                .iter()
                .map(|s| s.group.code())
                .collect::<Vec<u8>>()
                .into_pyarray(py)
                .into_any(),
            subjects
                .iter()
                .map(|s| i64::from(s.feedback_day.number()))
                .collect::<Vec<i64>>()
                .into_pyarray(py)
                .into_any(),
            subjects
                .iter()
                .map(|s| s.days)
                .collect::<Vec<u32>>()
                .into_pyarray(py)
                .into_any(),
            subjects
                .iter()
                .map(|s| s.churned)
                .collect::<Vec<bool>>()
                .into_pyarray(py)
                .into_any(),
        ],
    )?;
    let logrank = result
        .log_rank
        .as_ref()
        .map_or((nan, 0, nan), |t| (t.statistic, t.df, t.p_value));
    PyTuple::new(
        py,
        [
            groups.into_pyarray(py).into_any(),
            table.into_any(),
            curve_groups.into_pyarray(py).into_any(),
            curves.into_any(),
            customers_out.into_any(),
            logrank.into_pyobject(py)?.into_any(),
        ],
    )
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(feedback_groups, m)?)?;
    m.add_function(wrap_pyfunction!(feedback_nps_table, m)?)?;
    m.add_function(wrap_pyfunction!(feedback_nps_by_cohort, m)?)?;
    m.add_function(wrap_pyfunction!(feedback_churn_by_group, m)?)?;
    m.add(
        "FEEDBACK_GROUPS",
        PyTuple::new(py, FeedbackGroup::ALL.map(FeedbackGroup::name))?,
    )?;
    m.add(
        "FEEDBACK_CHANNELS",
        PyTuple::new(py, FeedbackChannel::ALL.map(FeedbackChannel::name))?,
    )?;
    m.add("FEEDBACK_MAX_SCORE", retention_core::feedback::MAX_SCORE)?;
    Ok(())
}
