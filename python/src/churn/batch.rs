//! Per-customer batches for the Python fitters: P(alive), expected purchases and
//! log-likelihood per row (`retention_core::churn::batch_parallel`), a new customer's expected
//! purchases, Gamma-Gamma expected spend and CLV (`SpendModel::customer_value`), the
//! distribution of purchase counts (`retention_core::churn::counts`), the mixing densities
//! (`retention_core::churn::mixing`) and simulated customers (`retention_core::churn::simulate`).
//! Rows are observations under lifetimes' rule (`Validation::Lenient`: a frequency of 0 with a
//! recency above 0 is evaluated, not refused). Each runs with the GIL released; a bad row raises
//! naming it.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::counts::PurchaseCounts;
use retention_core::churn::mixing;
use retention_core::churn::model::{PurchaseModel, SpendModel};
use retention_core::churn::simulate::{SimulatedCustomer, SplitMix64, simulate_customer};
use retention_core::churn::{
    BatchError, BatchQuantity, TransactionModel, Validation, batch_parallel,
};
use retention_core::error::Code;

use super::columns::{column, f64_array};
use super::model::{gamma_gamma, purchase_model};
use super::summary::time_unit;
use crate::errors::{ToPyErr, raise};

/// lifetimes' rule for the rows of an evaluation.
const LENIENT: Validation = Validation::Lenient;

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
                PurchaseModel::BgNbd(m) => {
                    batch_parallel(&m, quantity, LENIENT, &x, &t_x, &big_t, &mut out)
                }
                PurchaseModel::ModifiedBgNbd(m) => {
                    batch_parallel(&m, quantity, LENIENT, &x, &t_x, &big_t, &mut out)
                }
                PurchaseModel::ParetoNbd(m) => {
                    batch_parallel(&m, quantity, LENIENT, &x, &t_x, &big_t, &mut out)
                }
                // BG/BB keeps its own rule (x = 0 requires t_x = 0, as its fit).
                PurchaseModel::BetaGeoBetaBinom(m) => {
                    batch_parallel(&m, quantity, Validation::Strict, &x, &t_x, &big_t, &mut out)
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

/// CLV per row, as the core's `SpendModel::customer_value` computes it (the path of
/// `ChurnModel::score`), in the unit of `monetary_value`.
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
    let spend = SpendModel {
        gamma_gamma: spend,
        clv_months: months,
        monthly_discount_rate: discount_rate,
    };
    let out = py
        .detach(|| {
            let mut out = vec![0.0; x.len()];
            // The concrete model, so that the per-row calls inline.
            let (x, t_x, big_t, m) = (&*x, &*t_x, &*big_t, &*m);
            match model {
                PurchaseModel::BgNbd(model) => spend
                    .customer_values_parallel(&model, LENIENT, unit, x, t_x, big_t, m, &mut out),
                PurchaseModel::ModifiedBgNbd(model) => spend
                    .customer_values_parallel(&model, LENIENT, unit, x, t_x, big_t, m, &mut out),
                PurchaseModel::ParetoNbd(model) => spend
                    .customer_values_parallel(&model, LENIENT, unit, x, t_x, big_t, m, &mut out),
                PurchaseModel::BetaGeoBetaBinom(model) => spend
                    .customer_values_parallel(&model, LENIENT, unit, x, t_x, big_t, m, &mut out),
            }
            .map(|()| out)
        })
        .map_err(ToPyErr::to_py)?;
    Ok(f64_array(py, out))
}

/// `P(X(t) = n)`: the probability that a new customer makes `n` repeat purchases in their
/// first `t` time units, for each horizon in `t`.
#[pyfunction]
fn churn_count_probability<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    n: u32,
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
                    .probability_of_purchases(n, t)
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

/// `P(X(T, T + t] = n | x, tₓ, T)` for every row.
#[pyfunction]
#[pyo3(signature = (model, params, n, t, frequency, recency, age))]
#[allow(clippy::too_many_arguments)]
fn churn_conditional_count_probability<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    n: u32,
    t: f64,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = purchase_model(model, &params)?;
    let (x, t_x, big_t) = (column(&frequency), column(&recency), column(&age));
    if t_x.len() != x.len() || big_t.len() != x.len() {
        return Err(BatchError::LengthMismatch.to_py());
    }
    let out = py.detach(|| {
        x.iter()
            .zip(t_x.iter())
            .zip(big_t.iter())
            .enumerate()
            .map(|(index, ((&x, &t_x), &big_t))| {
                LENIENT
                    .observe(x, t_x, big_t)
                    .and_then(|customer| {
                        model.conditional_probability_of_purchases(&customer, n, t)
                    })
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<f64>, BatchError>>()
    });
    Ok(f64_array(py, out.map_err(ToPyErr::to_py)?))
}

/// A mixing distribution's density or quantile function: `(first, second, x or q)`.
type Mixing = fn(f64, f64, f64) -> Result<f64, retention_core::churn::ChurnError>;

/// A mixing distribution's density at each `x` and its `q`-quantile: `"gamma"` (shape, rate)
/// or `"beta"` (a, b).
#[pyfunction]
fn churn_mixing<'py>(
    py: Python<'py>,
    distribution: &str,
    first: f64,
    second: f64,
    x: PyReadonlyArray1<'py, f64>,
    q: f64,
) -> PyResult<(Bound<'py, PyArray1<f64>>, f64)> {
    let (density, quantile): (Mixing, Mixing) = match distribution {
        "gamma" => (mixing::gamma_pdf, mixing::gamma_quantile),
        "beta" => (mixing::beta_pdf, mixing::beta_quantile),
        other => {
            return Err(raise(
                Code::INVALID_ARGUMENT,
                format!("distribution must be \"gamma\" or \"beta\", not {other:?}"),
            ));
        }
    };
    let points = column(&x);
    let values = points
        .iter()
        .enumerate()
        .map(|(index, &x)| {
            density(first, second, x).map_err(|error| BatchError::Row { index, error })
        })
        .collect::<Result<Vec<f64>, BatchError>>()
        .map_err(ToPyErr::to_py)?;
    let quantile = quantile(first, second, q).map_err(ToPyErr::to_py)?;
    Ok((f64_array(py, values), quantile))
}

type SimulatedColumns<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<bool>>,
);

/// Simulated customers of the model, one per age in `age`, from the seed `seed`: columns
/// frequency, recency, T, purchase rate, dropout parameter, alive.
#[pyfunction]
fn churn_simulate<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    age: PyReadonlyArray1<'py, f64>,
    seed: u64,
) -> PyResult<SimulatedColumns<'py>> {
    let model = purchase_model(model, &params)?;
    let ages = column(&age);
    let customers = py.detach(|| {
        let mut rng = SplitMix64::new(seed);
        ages.iter()
            .enumerate()
            .map(|(index, &age)| {
                simulate_customer(&model, age, &mut rng)
                    .map_err(|error| BatchError::Row { index, error })
            })
            .collect::<Result<Vec<SimulatedCustomer>, BatchError>>()
    });
    let customers = customers.map_err(ToPyErr::to_py)?;
    let pick = |f: fn(&SimulatedCustomer) -> f64| customers.iter().map(f).collect::<Vec<f64>>();
    let alive: Vec<bool> = customers.iter().map(|c| c.alive).collect();
    Ok((
        f64_array(py, pick(|c| c.frequency)),
        f64_array(py, pick(|c| c.recency)),
        f64_array(py, pick(|c| c.age)),
        f64_array(py, pick(|c| c.rate)),
        f64_array(py, pick(|c| c.dropout)),
        alive.into_pyarray(py),
    ))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(churn_count_probability, m)?)?;
    m.add_function(wrap_pyfunction!(churn_conditional_count_probability, m)?)?;
    m.add_function(wrap_pyfunction!(churn_mixing, m)?)?;
    m.add_function(wrap_pyfunction!(churn_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(churn_unconditional, m)?)?;
    m.add_function(wrap_pyfunction!(churn_expected_spend, m)?)?;
    m.add_function(wrap_pyfunction!(churn_clv, m)?)?;
    Ok(())
}
