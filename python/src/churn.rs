//! `retention` churn functions: thin wrappers over `retention_core::churn` for the Python
//! package's `BetaGeoFitter`, `summary_data_from_transaction_data`, `ChurnModel`, `rfm`,
//! `metrics` and `targeting` (in `python/retention/`). Columns arrive as 1-D NumPy arrays and are
//! read in place when contiguous (a copy otherwise); results go out as NumPy arrays built from the
//! core's output without a copy. Every batch call runs with the GIL released.

use std::borrow::Cow;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use retention_core::churn::clv::customer_lifetime_value;
use retention_core::churn::fit::{self, FitError, FitOptions, Fitted};
use retention_core::churn::gamma_gamma::GammaGamma;
use retention_core::churn::metrics;
use retention_core::churn::model::{
    ChurnModel, MODEL_MAX_LEN, PurchaseModel, PurchaseModelKind, Score, ScoreError, SpendModel,
};
use retention_core::churn::rfm::{self, RfmCuts, Segment};
use retention_core::churn::risk::{RiskBand, RiskThresholds};
use retention_core::churn::summary::{Grain, Periods, TimeUnit};
use retention_core::churn::targeting::{self, Offer};
use retention_core::churn::transactions;
use retention_core::churn::{
    BatchError, BatchQuantity, Observation, TransactionModel, batch_parallel,
};
use retention_core::error::{Code, Coded};
use retention_core::money::Money;
use retention_core::time::{Day, Period, WEEK_ORIGIN_DAY};

use crate::errors::{ToPyErr, one_of, raise};

// --- columns -----------------------------------------------------------------------------------

/// A column read in place when contiguous, copied otherwise.
fn column<'a, T: numpy::Element + Copy>(array: &'a PyReadonlyArray1<'_, T>) -> Cow<'a, [T]> {
    match array.as_slice() {
        Ok(slice) => Cow::Borrowed(slice),
        Err(_) => Cow::Owned(array.as_array().iter().copied().collect()),
    }
}

/// Day numbers (days since 1970-01-01) as [`Day`]s, checked to lie in 1900–9999.
fn days(numbers: &[i64]) -> PyResult<Vec<Day>> {
    numbers
        .iter()
        .enumerate()
        .map(|(index, &n)| {
            i32::try_from(n)
                .ok()
                .and_then(|n| Day::from_number(n).ok())
                .ok_or_else(|| {
                    raise(
                        Code::INVALID_ARGUMENT,
                        format!("row {index}: date outside the years 1900–9999"),
                    )
                })
        })
        .collect()
}

fn day(number: i64) -> PyResult<Day> {
    days(&[number])?
        .first()
        .copied()
        .ok_or_else(|| raise(Code::INTERNAL, "no day"))
}

fn f64_array(py: Python<'_>, values: Vec<f64>) -> Bound<'_, PyArray1<f64>> {
    values.into_pyarray(py)
}

// --- models ------------------------------------------------------------------------------------

/// The purchase model kind named `name` (the core's names: `"bg_nbd"`, `"mbg_nbd"`,
/// `"pareto_nbd"`).
fn model_kind(name: &str) -> PyResult<PurchaseModelKind> {
    PurchaseModelKind::from_name(name)
        .ok_or_else(|| raise(Code::INVALID_ARGUMENT, format!("unknown model {name:?}")))
}

/// The purchase model named `name` with its four `params` (lifetimes' order).
fn purchase_model(name: &str, params: &[f64]) -> PyResult<PurchaseModel> {
    let params: [f64; 4] = params
        .try_into()
        .map_err(|_| raise(Code::INVALID_ARGUMENT, "a purchase model has 4 parameters"))?;
    PurchaseModel::new(model_kind(name)?, params).map_err(ToPyErr::to_py)
}

fn gamma_gamma(params: &[f64]) -> PyResult<GammaGamma> {
    match params {
        &[p, q, v] => GammaGamma::new(p, q, v).map_err(ToPyErr::to_py),
        _ => Err(raise(
            Code::INVALID_ARGUMENT,
            "Gamma-Gamma has 3 parameters",
        )),
    }
}

/// The grain whose frequency alias is `freq`.
pub(crate) fn grain(freq: &str) -> PyResult<Grain> {
    Grain::from_freq(freq).ok_or_else(|| {
        let grains =
            Grain::ALL.map(|grain| format!("{:?} ({})", grain.freq(), grain_meaning(grain)));
        raise(
            Code::INVALID_ARGUMENT,
            format!("freq must be {}, not {freq:?}", one_of(grains)),
        )
    })
}

/// The time unit whose frequency alias is `freq`.
pub(crate) fn time_unit(freq: &str) -> PyResult<TimeUnit> {
    TimeUnit::from_freq(freq).ok_or_else(|| {
        let units = TimeUnit::ALL.map(|unit| format!("{:?} ({})", unit.freq(), unit_meaning(unit)));
        raise(
            Code::INVALID_ARGUMENT,
            format!("the time unit must be {}, not {freq:?}", one_of(units)),
        )
    })
}

/// What a grain's alias stands for, in messages.
fn grain_meaning(grain: Grain) -> &'static str {
    match grain {
        Grain::Day => "days",
        Grain::Week => "ISO weeks",
    }
}

/// What a time unit's alias stands for, in messages.
fn unit_meaning(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Days => "days",
        TimeUnit::Weeks => "weeks",
    }
}

// --- fitting -----------------------------------------------------------------------------------

/// What a fit returns to Python: params, standard errors (or None), log-likelihood, iterations,
/// distinct rows.
type FitTuple = (Vec<f64>, Option<Vec<f64>>, f64, u64, usize);

/// A core fit over (frequency, recency, age, weights), as a [`FitTuple`].
type FitFn = fn(&[f64], &[f64], &[f64], Option<&[f64]>, &FitOptions) -> Result<FitTuple, FitError>;

fn fit_tuple<M>(fitted: Fitted<M>) -> FitTuple {
    (
        fitted.params,
        fitted.standard_errors,
        fitted.log_likelihood,
        fitted.iterations,
        fitted.distinct_rows,
    )
}

fn options(penalizer: f64, max_iterations: u64, initial: Option<Vec<f64>>) -> FitOptions {
    FitOptions {
        penalizer,
        max_iterations,
        initial,
    }
}

/// Fits `model` (`"bg_nbd"`, `"mbg_nbd"`, `"pareto_nbd"`) by maximum likelihood.
#[pyfunction]
#[pyo3(signature = (model, frequency, recency, age, weights, penalizer, max_iterations, initial))]
#[allow(clippy::too_many_arguments)]
fn churn_fit(
    py: Python<'_>,
    model: &str,
    frequency: PyReadonlyArray1<'_, f64>,
    recency: PyReadonlyArray1<'_, f64>,
    age: PyReadonlyArray1<'_, f64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
) -> PyResult<FitTuple> {
    let (x, t_x, big_t) = (column(&frequency), column(&recency), column(&age));
    let w = weights.as_ref().map(column);
    let options = options(penalizer, max_iterations, initial);
    let fit: FitFn = match model_kind(model)? {
        PurchaseModelKind::BgNbd => |x, t, a, w, o| fit::fit_bg_nbd(x, t, a, w, o).map(fit_tuple),
        PurchaseModelKind::ModifiedBgNbd => {
            |x, t, a, w, o| fit::fit_mbg_nbd(x, t, a, w, o).map(fit_tuple)
        }
        PurchaseModelKind::ParetoNbd => {
            |x, t, a, w, o| fit::fit_pareto_nbd(x, t, a, w, o).map(fit_tuple)
        }
    };
    py.detach(|| fit(&x, &t_x, &big_t, w.as_deref(), &options))
        .map_err(ToPyErr::to_py)
}

/// Fits Gamma-Gamma to repeat buyers' frequency and mean spend.
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, weights, penalizer, max_iterations, initial))]
fn churn_fit_gamma_gamma(
    py: Python<'_>,
    frequency: PyReadonlyArray1<'_, f64>,
    monetary_value: PyReadonlyArray1<'_, f64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    penalizer: f64,
    max_iterations: u64,
    initial: Option<Vec<f64>>,
) -> PyResult<FitTuple> {
    let (x, m) = (column(&frequency), column(&monetary_value));
    let w = weights.as_ref().map(column);
    let options = options(penalizer, max_iterations, initial);
    py.detach(|| fit::fit_gamma_gamma(&x, &m, w.as_deref(), &options).map(fit_tuple))
        .map_err(ToPyErr::to_py)
}

// --- per-customer batches ----------------------------------------------------------------------

/// `quantity` (`"p_alive"`, `"expected_purchases"` over `t`, `"log_likelihood"`) for every row.
#[pyfunction]
#[pyo3(signature = (model, params, quantity, t, frequency, recency, age))]
#[allow(clippy::too_many_arguments)]
fn churn_evaluate<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    quantity: &str,
    t: f64,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = purchase_model(model, &params)?;
    let quantity = match quantity {
        "p_alive" => BatchQuantity::PAlive,
        "expected_purchases" => BatchQuantity::ExpectedPurchases { t },
        "log_likelihood" => BatchQuantity::LogLikelihood,
        other => {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                format!("unknown quantity {other:?}"),
            ));
        }
    };
    let (x, t_x, big_t) = (column(&frequency), column(&recency), column(&age));
    let out = py
        .detach(|| {
            let mut out = vec![0.0; x.len()];
            // The concrete model, so that the per-row calls inline.
            match model {
                PurchaseModel::BgNbd(m) => batch_parallel(&m, quantity, &x, &t_x, &big_t, &mut out),
                PurchaseModel::ModifiedBgNbd(m) => {
                    batch_parallel(&m, quantity, &x, &t_x, &big_t, &mut out)
                }
                PurchaseModel::ParetoNbd(m) => {
                    batch_parallel(&m, quantity, &x, &t_x, &big_t, &mut out)
                }
            }
            .map(|()| out)
        })
        .map_err(ToPyErr::to_py)?;
    Ok(f64_array(py, out))
}

/// Unconditional expected purchases of a new customer over each horizon in `t`.
#[pyfunction]
fn churn_unconditional<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    t: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = purchase_model(model, &params)?;
    let horizons = column(&t);
    let out = py.detach(|| {
        horizons
            .iter()
            .enumerate()
            .map(|(index, &t)| {
                model
                    .unconditional_expected_purchases(t)
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

/// Gamma-Gamma expected mean spend per row.
#[pyfunction]
fn churn_expected_spend<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = gamma_gamma(&params)?;
    let (x, m) = (column(&frequency), column(&monetary_value));
    if x.len() != m.len() {
        return Err(BatchError::LengthMismatch.to_py());
    }
    let out = py.detach(|| {
        x.iter()
            .zip(m.iter())
            .enumerate()
            .map(|(index, (&x, &m))| {
                model
                    .expected_spend(x, m)
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

/// CLV per row: the purchase model's expected purchases, month by month, times the Gamma-Gamma
/// expected spend, discounted.
#[pyfunction]
#[pyo3(signature = (model, params, spend_params, frequency, recency, age, monetary_value, months, discount_rate, unit))]
#[allow(clippy::too_many_arguments)]
fn churn_clv<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    spend_params: Vec<f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
    months: u16,
    discount_rate: f64,
    unit: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = purchase_model(model, &params)?;
    let spend = gamma_gamma(&spend_params)?;
    let unit = time_unit(unit)?;
    let (x, t_x, big_t, m) = (
        column(&frequency),
        column(&recency),
        column(&age),
        column(&monetary_value),
    );
    if t_x.len() != x.len() || big_t.len() != x.len() || m.len() != x.len() {
        return Err(BatchError::LengthMismatch.to_py());
    }
    let out = py.detach(|| {
        (0..x.len())
            .map(|index| {
                let at = |c: &[f64]| c.get(index).copied().unwrap_or(f64::NAN);
                let customer = Observation::new(at(&x), at(&t_x), at(&big_t))?;
                let per_purchase = spend.expected_spend(customer.frequency(), at(&m))?;
                customer_lifetime_value(
                    &model,
                    &customer,
                    per_purchase,
                    months,
                    discount_rate,
                    unit,
                )
            })
            .enumerate()
            .map(|(index, value)| value.map_err(|error| BatchError::Row { index, error }))
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

// --- transaction tables ------------------------------------------------------------------------

/// The periods of a grain and a time unit named by their aliases.
fn periods(grain_freq: &str, unit_freq: &str) -> PyResult<Periods> {
    Ok(Periods {
        grain: grain(grain_freq)?,
        unit: time_unit(unit_freq)?,
    })
}

type SummaryColumns<'py> = (
    Bound<'py, PyArray1<u64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

fn summary_columns(py: Python<'_>, rows: Vec<transactions::SummaryRow>) -> SummaryColumns<'_> {
    let mut ids = Vec::with_capacity(rows.len());
    let mut x = Vec::with_capacity(rows.len());
    let mut t_x = Vec::with_capacity(rows.len());
    let mut big_t = Vec::with_capacity(rows.len());
    let mut m = Vec::with_capacity(rows.len());
    for row in rows {
        ids.push(row.customer);
        x.push(row.frequency);
        t_x.push(row.recency);
        big_t.push(row.age);
        m.push(row.monetary_value);
    }
    (
        ids.into_pyarray(py),
        x.into_pyarray(py),
        t_x.into_pyarray(py),
        big_t.into_pyarray(py),
        m.into_pyarray(py),
    )
}

/// lifetimes' summary per customer: `(customer, frequency, recency, T, monetary_value)` columns,
/// sorted by customer; `days` are day numbers (days since 1970-01-01).
#[pyfunction]
#[pyo3(signature = (customers, day_numbers, amounts, observation_period_end, grain, unit))]
fn churn_summary<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, u64>,
    day_numbers: PyReadonlyArray1<'py, i64>,
    amounts: Option<PyReadonlyArray1<'py, f64>>,
    observation_period_end: i64,
    grain: &str,
    unit: &str,
) -> PyResult<SummaryColumns<'py>> {
    let periods = periods(grain, unit)?;
    let end = day(observation_period_end)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let amounts = amounts.as_ref().map(column);
    let rows = py.detach(|| {
        let days = days(&numbers)?;
        transactions::summary_from_transactions(&ids, &days, amounts.as_deref(), end, periods)
            .map_err(ToPyErr::to_py)
    })?;
    Ok(summary_columns(py, rows))
}

type HoldoutColumns<'py> = (
    SummaryColumns<'py>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    f64,
);

/// lifetimes' calibration/holdout split: the calibration summary columns, then the holdout
/// frequency and mean amount per customer, and the holdout duration.
#[pyfunction]
#[pyo3(signature = (customers, day_numbers, amounts, calibration_period_end, observation_period_end, grain, unit))]
#[allow(clippy::too_many_arguments)]
fn churn_calibration_holdout<'py>(
    py: Python<'py>,
    customers: PyReadonlyArray1<'py, u64>,
    day_numbers: PyReadonlyArray1<'py, i64>,
    amounts: Option<PyReadonlyArray1<'py, f64>>,
    calibration_period_end: i64,
    observation_period_end: i64,
    grain: &str,
    unit: &str,
) -> PyResult<HoldoutColumns<'py>> {
    let periods = periods(grain, unit)?;
    let (calibration_end, end) = (day(calibration_period_end)?, day(observation_period_end)?);
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let amounts = amounts.as_ref().map(column);
    let rows = py.detach(|| {
        let days = days(&numbers)?;
        transactions::calibration_and_holdout(
            &ids,
            &days,
            amounts.as_deref(),
            calibration_end,
            end,
            periods,
        )
        .map_err(ToPyErr::to_py)
    })?;
    let duration = rows.first().map_or(0.0, |row| row.duration_holdout);
    let frequency_holdout: Vec<f64> = rows.iter().map(|r| r.frequency_holdout).collect();
    let monetary_holdout: Vec<f64> = rows.iter().map(|r| r.monetary_value_holdout).collect();
    let calibration = rows.into_iter().map(|r| r.calibration).collect();
    Ok((
        summary_columns(py, calibration),
        f64_array(py, frequency_holdout),
        f64_array(py, monetary_holdout),
        duration,
    ))
}

// --- RFM, metrics, targeting -------------------------------------------------------------------

type Cuts = ([f64; 4], [f64; 4], [f64; 4]);
type Cut = (f64, f64, f64, f64);

/// Cut points as Python tuples.
fn cut_tuples((r, f, m): Cuts) -> (Cut, Cut, Cut) {
    let tuple = |[a, b, c, d]: [f64; 4]| (a, b, c, d);
    (tuple(r), tuple(f), tuple(m))
}

/// The 20/40/60/80th percentiles of time since last purchase, frequency and mean spend.
#[pyfunction]
fn churn_rfm_fit(
    py: Python<'_>,
    since_last_purchase: PyReadonlyArray1<'_, f64>,
    frequency: PyReadonlyArray1<'_, f64>,
    monetary_value: PyReadonlyArray1<'_, f64>,
) -> PyResult<(Cut, Cut, Cut)> {
    let (r, f, m) = (
        column(&since_last_purchase),
        column(&frequency),
        column(&monetary_value),
    );
    let cuts = py
        .detach(|| rfm::fit_cuts(&r, &f, &m))
        .map_err(ToPyErr::to_py)?;
    Ok(cut_tuples(cuts.get()))
}

type RfmColumns<'py> = (
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
    Bound<'py, PyArray1<u8>>,
);

/// R, F, M scores 1..=5 and the segment code per row.
#[pyfunction]
fn churn_rfm_score<'py>(
    py: Python<'py>,
    cuts: Cuts,
    since_last_purchase: PyReadonlyArray1<'py, f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
) -> PyResult<RfmColumns<'py>> {
    let cuts = RfmCuts::new(cuts.0, cuts.1, cuts.2).map_err(ToPyErr::to_py)?;
    let (r, f, m) = (
        column(&since_last_purchase),
        column(&frequency),
        column(&monetary_value),
    );
    if f.len() != r.len() || m.len() != r.len() {
        return Err(BatchError::LengthMismatch.to_py());
    }
    let scores = py.detach(|| {
        let mut out = (
            Vec::with_capacity(r.len()),
            Vec::with_capacity(r.len()),
            Vec::with_capacity(r.len()),
            Vec::with_capacity(r.len()),
        );
        for (index, ((&r, &f), &m)) in r.iter().zip(f.iter()).zip(m.iter()).enumerate() {
            let score = cuts
                .score(r, f, m)
                .map_err(|error| BatchError::Row { index, error })?;
            out.0.push(score.recency);
            out.1.push(score.frequency);
            out.2.push(score.monetary);
            out.3.push(score.segment() as u8);
        }
        Ok::<_, BatchError>(out)
    });
    let (r, f, m, s) = scores.map_err(ToPyErr::to_py)?;
    Ok((
        r.into_pyarray(py),
        f.into_pyarray(py),
        m.into_pyarray(py),
        s.into_pyarray(py),
    ))
}

/// `[(code, name)]` of the RFM segments.
#[pyfunction]
fn churn_rfm_segments() -> Vec<(u8, &'static str)> {
    use Segment::*;
    [
        Champions,
        Loyal,
        PotentialLoyalists,
        NewCustomers,
        Promising,
        NeedAttention,
        AboutToSleep,
        AtRisk,
        CannotLoseThem,
        Hibernating,
        Lost,
    ]
    .iter()
    .map(|s| (*s as u8, s.name()))
    .collect()
}

/// The calendar period whose frequency alias is `freq` (`"D"`, `"W"`, `"M"`, `"Y"`).
fn period(freq: &str) -> PyResult<Period> {
    Period::from_freq(freq).ok_or_else(|| {
        raise(
            Code::INVALID_ARGUMENT,
            format!("period must be {}, not {freq:?}", one_of(quoted_freqs())),
        )
    })
}

/// The frequency aliases of the calendar periods, double-quoted.
fn quoted_freqs() -> impl Iterator<Item = String> {
    Period::ALL
        .into_iter()
        .filter_map(Period::freq)
        .map(|freq| format!("{freq:?}"))
}

/// Cohort retention: `[(cohort period index, size, [share retained k periods later])]`.
#[pyfunction]
fn churn_cohort_retention(
    py: Python<'_>,
    customers: PyReadonlyArray1<'_, u64>,
    day_numbers: PyReadonlyArray1<'_, i64>,
    period_name: &str,
    max_periods_after: usize,
) -> PyResult<Vec<(i32, usize, Vec<f64>)>> {
    let period = period(period_name)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    let cohorts = py.detach(|| {
        let days = days(&numbers)?;
        metrics::cohort_retention(&ids, &days, period, max_periods_after).map_err(ToPyErr::to_py)
    })?;
    Ok(cohorts
        .into_iter()
        .map(|c| (c.period, c.size, c.retained))
        .collect())
}

/// Period-over-period retention rates `[(period index, rate)]`, or churn rates (`1 − rate`)
/// when `churn` is true.
#[pyfunction]
fn churn_retention_rates(
    py: Python<'_>,
    customers: PyReadonlyArray1<'_, u64>,
    day_numbers: PyReadonlyArray1<'_, i64>,
    period_name: &str,
    churn: bool,
) -> PyResult<Vec<(i32, f64)>> {
    let period = period(period_name)?;
    let (ids, numbers) = (column(&customers), column(&day_numbers));
    py.detach(|| {
        let days = days(&numbers)?;
        let rates = if churn {
            metrics::churn_rates(&ids, &days, period)
        } else {
            metrics::retention_rates(&ids, &days, period)
        };
        rates.map_err(ToPyErr::to_py)
    })
}

/// Row indices and expected values of the customers worth an offer.
type Targets<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>);

/// Customers worth a retention offer, best first: `(row indices, expected values)`.
#[pyfunction]
#[pyo3(signature = (p_alive, clv, cost, uplift, budget=None))]
fn churn_target<'py>(
    py: Python<'py>,
    p_alive: PyReadonlyArray1<'py, f64>,
    clv: PyReadonlyArray1<'py, f64>,
    cost: f64,
    uplift: f64,
    budget: Option<usize>,
) -> PyResult<Targets<'py>> {
    let (p, value) = (column(&p_alive), column(&clv));
    let targets = py
        .detach(|| targeting::target(&p, &value, Offer { cost, uplift }, budget))
        .map_err(ToPyErr::to_py)?;
    let indices: Vec<u64> = targets.iter().map(|t| t.index as u64).collect();
    let values: Vec<f64> = targets.iter().map(|t| t.expected_value).collect();
    Ok((indices.into_pyarray(py), f64_array(py, values)))
}

// --- the model blob ----------------------------------------------------------------------------

/// A churn model as a till scores it: the purchase model, period definition, risk thresholds,
/// horizon, and optionally the spend model and RFM cut points. Written to and read from the
/// model blob (`Kind.MODEL`).
#[pyclass(name = "_ChurnModel", module = "retention._retention", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PyChurnModel {
    pub(crate) inner: ChurnModel,
}

#[pymethods]
impl PyChurnModel {
    #[new]
    #[pyo3(signature = (model, params, *, grain="D", unit="D", thresholds=(250, 500, 750), horizon=None, money_unit=1, spend=None, rfm=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        model: &str,
        params: Vec<f64>,
        grain: &str,
        unit: &str,
        thresholds: (u16, u16, u16),
        horizon: Option<f64>,
        money_unit: u32,
        spend: Option<(Vec<f64>, u16, f64)>,
        rfm: Option<Cuts>,
    ) -> PyResult<PyChurnModel> {
        let purchases = purchase_model(model, &params)?;
        let mut inner = ChurnModel::new(purchases, periods(grain, unit)?)
            .with_thresholds(
                RiskThresholds::new([thresholds.0, thresholds.1, thresholds.2])
                    .map_err(ToPyErr::to_py)?,
            )
            .with_money_unit(money_unit)
            .map_err(ToPyErr::to_py)?;
        if let Some(horizon) = horizon {
            inner = inner.with_horizon(horizon).map_err(ToPyErr::to_py)?;
        }
        if let Some((spend_params, clv_months, monthly_discount_rate)) = spend {
            inner = inner
                .with_spend(SpendModel {
                    gamma_gamma: gamma_gamma(&spend_params)?,
                    clv_months,
                    monthly_discount_rate,
                })
                .map_err(ToPyErr::to_py)?;
        }
        if let Some((r, f, m)) = rfm {
            inner = inner.with_rfm(RfmCuts::new(r, f, m).map_err(ToPyErr::to_py)?);
        }
        Ok(PyChurnModel { inner })
    }

    /// Reads a model blob, checking the envelope and every value.
    #[staticmethod]
    fn from_bytes(blob: &[u8]) -> PyResult<PyChurnModel> {
        ChurnModel::decode(blob)
            .map(|inner| PyChurnModel { inner })
            .map_err(ToPyErr::to_py)
    }

    /// The model blob (at most `MODEL_MAX_LEN` bytes).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let mut buffer = [0u8; MODEL_MAX_LEN];
        let used = self.inner.encode(&mut buffer).map_err(ToPyErr::to_py)?;
        let blob = buffer
            .get(..used)
            .ok_or_else(|| raise(Code::INTERNAL, "encoded length beyond the buffer"))?;
        Ok(PyBytes::new(py, blob))
    }

    /// `"bg_nbd"`, `"mbg_nbd"` or `"pareto_nbd"`.
    #[getter]
    fn model(&self) -> &'static str {
        self.inner.purchases().kind().name()
    }

    /// The purchase model's parameters.
    #[getter]
    fn params(&self) -> Vec<f64> {
        self.inner.purchases().params().to_vec()
    }

    /// `"D"` or `"W"`: the period purchases collapse into.
    #[getter]
    fn grain(&self) -> &'static str {
        self.inner.periods().grain.freq()
    }

    /// `"D"` or `"W"`: the unit of recency, age and horizons.
    #[getter]
    fn unit(&self) -> &'static str {
        self.inner.periods().unit.freq()
    }

    /// The risks at which the bands medium, high and critical start.
    #[getter]
    fn thresholds(&self) -> (u16, u16, u16) {
        let [a, b, c] = self.inner.thresholds().get();
        (a, b, c)
    }

    /// The horizon of the expected purchases, in time units.
    #[getter]
    fn horizon(&self) -> f64 {
        self.inner.horizon()
    }

    /// Minor units per money unit of the spend model and RFM monetary cuts.
    #[getter]
    fn money_unit(&self) -> u32 {
        self.inner.money_unit()
    }

    /// `(gamma_gamma_params, clv_months, monthly_discount_rate)`, or None.
    #[getter]
    fn spend(&self) -> Option<(Vec<f64>, u16, f64)> {
        self.inner.spend().map(|s| {
            (
                s.gamma_gamma.params().to_vec(),
                s.clv_months,
                s.monthly_discount_rate,
            )
        })
    }

    /// The RFM cut points `(recency, frequency, monetary)`, or None.
    #[getter]
    fn rfm(&self) -> Option<(Cut, Cut, Cut)> {
        self.inner.rfm().map(|c| cut_tuples(c.get()))
    }

    /// The churn risk (0..=1000) of `customer` (a `retention.Customer`) from its churn summary
    /// on the local day of `at` (a `datetime.date`, an aware `datetime`, or Unix seconds with
    /// `utc_offset_minutes`), as the till computes it for the rules; None (unknown, not 0) for
    /// a customer without purchases.
    #[pyo3(signature = (customer, at, utc_offset_minutes=None))]
    fn risk_of(
        &self,
        customer: &crate::rules::PyCustomer,
        at: &Bound<'_, PyAny>,
        utc_offset_minutes: Option<i16>,
    ) -> PyResult<Option<u16>> {
        let today = crate::customer_churn::local_day(at, utc_offset_minutes)?;
        crate::customer_churn::risk_of(&self.inner, customer, today)
    }

    /// Scores every row: `p_alive`, `risk`, `band`, `expected_purchases`, and `clv_minor`
    /// (with a spend model), `rfm_recency`, `rfm_frequency`, `rfm_monetary`, `rfm_segment`
    /// (with RFM cut points).
    fn score<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'py, f64>,
        recency: PyReadonlyArray1<'py, f64>,
        age: PyReadonlyArray1<'py, f64>,
        mean_spend_minor: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let (x, t_x, big_t, m) = (
            column(&frequency),
            column(&recency),
            column(&age),
            column(&mean_spend_minor),
        );
        let n = x.len();
        if t_x.len() != n || big_t.len() != n || m.len() != n {
            return Err(BatchError::LengthMismatch.to_py());
        }
        let model = self.inner;
        let scores = py.detach(|| {
            (0..n)
                .map(|index| {
                    let at = |c: &[f64]| c.get(index).copied().unwrap_or(f64::NAN);
                    Observation::new(at(&x), at(&t_x), at(&big_t))
                        .map_err(ScoreError::Model)
                        .and_then(|customer| model.score(&customer, at(&m)))
                        .map_err(|error| (index, error))
                })
                .collect::<Result<Vec<Score>, (usize, ScoreError)>>()
        });
        let scores = scores
            .map_err(|(index, error)| raise(error.code(), format!("row {index}: {error}")))?;
        let floats = |f: fn(&Score) -> f64| -> Bound<'py, PyAny> {
            f64_array(py, scores.iter().map(f).collect()).into_any()
        };
        let bytes = |f: fn(&Score) -> u8| -> Bound<'py, PyAny> {
            scores
                .iter()
                .map(f)
                .collect::<Vec<u8>>()
                .into_pyarray(py)
                .into_any()
        };
        let risk: Vec<u16> = scores.iter().map(|s| s.risk).collect();
        let mut columns = vec![
            ("p_alive", floats(|s| s.p_alive)),
            ("risk", risk.into_pyarray(py).into_any()),
            ("band", bytes(|s| s.band.code())),
            ("expected_purchases", floats(|s| s.expected_purchases)),
        ];
        if model.spend().is_some() {
            let clv: Vec<i64> = scores
                .iter()
                .map(|s| s.clv.map_or(0, Money::minor))
                .collect();
            columns.push(("clv_minor", clv.into_pyarray(py).into_any()));
        }
        if model.rfm().is_some() {
            columns.push((
                "rfm_recency",
                bytes(|s| s.rfm.map_or(0, |(r, _)| r.recency)),
            ));
            columns.push((
                "rfm_frequency",
                bytes(|s| s.rfm.map_or(0, |(r, _)| r.frequency)),
            ));
            columns.push((
                "rfm_monetary",
                bytes(|s| s.rfm.map_or(0, |(r, _)| r.monetary)),
            ));
            columns.push((
                "rfm_segment",
                bytes(|s| s.rfm.map_or(0, |(_, seg)| seg as u8)),
            ));
        }
        Ok(columns)
    }

    fn __repr__(&self) -> String {
        let params = self
            .inner
            .purchases()
            .params()
            .iter()
            .map(|p| format!("{p:.6}"))
            .collect::<Vec<_>>()
            .join(", ");
        let [a, b, c] = self.inner.thresholds().get();
        format!(
            "<retention.ChurnModel {} [{params}], grain {}, unit {}, thresholds ({a}, {b}, {c}), \
             horizon {}{}{}>",
            self.inner.purchases().kind().name(),
            self.inner.periods().grain.freq(),
            self.inner.periods().unit.freq(),
            self.inner.horizon(),
            if self.inner.spend().is_some() {
                ", with spend model"
            } else {
                ""
            },
            if self.inner.rfm().is_some() {
                ", with RFM"
            } else {
                ""
            },
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_fit, m)?)?;
    m.add_function(wrap_pyfunction!(churn_fit_gamma_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(churn_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(churn_unconditional, m)?)?;
    m.add_function(wrap_pyfunction!(churn_expected_spend, m)?)?;
    m.add_function(wrap_pyfunction!(churn_clv, m)?)?;
    m.add_function(wrap_pyfunction!(churn_summary, m)?)?;
    m.add_function(wrap_pyfunction!(churn_calibration_holdout, m)?)?;
    m.add_function(wrap_pyfunction!(churn_rfm_fit, m)?)?;
    m.add_function(wrap_pyfunction!(churn_rfm_score, m)?)?;
    m.add_function(wrap_pyfunction!(churn_rfm_segments, m)?)?;
    m.add_function(wrap_pyfunction!(churn_cohort_retention, m)?)?;
    m.add_function(wrap_pyfunction!(churn_retention_rates, m)?)?;
    m.add_function(wrap_pyfunction!(churn_target, m)?)?;
    m.add_class::<PyChurnModel>()?;
    m.add("CHURN_MODEL_MAX_LEN", MODEL_MAX_LEN)?;
    names(m)?;
    m.add(
        "CHURN_MAX_CLV_MONTHS",
        retention_core::churn::clv::MAX_CLV_MONTHS,
    )?;
    m.add(
        "CHURN_MAX_SERIES_TERMS",
        retention_core::churn::special::MAX_SERIES_TERMS,
    )?;
    Ok(())
}

/// The core's names and constants the pure-Python modules use: `CHURN_MODELS` (model name to
/// parameter names, lifetimes' order), `CHURN_MODEL_<NAME>` (each model's name, for the
/// fitters), `CHURN_RISK_BANDS` (band names by code), `CHURN_TIME_UNITS` (each time unit's alias
/// and its length in days), `CHURN_METRICS_PERIODS` (the metrics' period aliases) and
/// `WEEK_ORIGIN_DAY` (the day number of the Monday week 0 starts on).
fn names(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let models = PyDict::new(py);
    for kind in PurchaseModelKind::ALL {
        models.set_item(kind.name(), PyTuple::new(py, kind.param_names())?)?;
        m.add(
            format!("CHURN_MODEL_{}", kind.name().to_uppercase()),
            kind.name(),
        )?;
    }
    m.add("CHURN_MODELS", models)?;
    let bands: Vec<&str> = (0..=u8::MAX)
        .map_while(RiskBand::from_code)
        .map(RiskBand::name)
        .collect();
    m.add("CHURN_RISK_BANDS", PyTuple::new(py, bands)?)?;
    let units = PyDict::new(py);
    for unit in TimeUnit::ALL {
        units.set_item(unit.freq(), unit.days())?;
    }
    m.add("CHURN_TIME_UNITS", units)?;
    let freqs: Vec<&str> = Period::ALL.into_iter().filter_map(Period::freq).collect();
    m.add("CHURN_METRICS_PERIODS", PyTuple::new(py, freqs)?)?;
    m.add("WEEK_ORIGIN_DAY", WEEK_ORIGIN_DAY)?;
    Ok(())
}
