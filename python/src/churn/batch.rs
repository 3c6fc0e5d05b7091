//! Per-customer batches for the Python fitters: P(alive), expected purchases and
//! log-likelihood per row (`retention_core::churn::batch_parallel`), a new customer's expected
//! purchases, Gamma-Gamma expected spend and CLV (`retention_core::churn::clv`). Each runs with
//! the GIL released; a bad row raises naming it.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use retention_core::churn::clv::customer_lifetime_value;
use retention_core::churn::model::PurchaseModel;
use retention_core::churn::{
    BatchError, BatchQuantity, Observation, TransactionModel, batch_parallel,
};
use retention_core::error::Code;

use super::columns::{column, f64_array};
use super::model::{gamma_gamma, purchase_model};
use super::summary::time_unit;
use crate::errors::{ToPyErr, raise};

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

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(churn_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(churn_unconditional, m)?)?;
    m.add_function(wrap_pyfunction!(churn_expected_spend, m)?)?;
    m.add_function(wrap_pyfunction!(churn_clv, m)?)?;
    Ok(())
}
