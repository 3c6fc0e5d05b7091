//! The churn bindings: thin wrappers over `retention_core::churn`, one file per core module, for
//! the Python package's fitters, `summary_data_from_transaction_data`, `CustomerChurn`,
//! `ChurnModel`, `rfm`, `metrics` and `targeting` with its `plan` (in `python/retention/`).
//! Columns arrive as 1-D NumPy arrays and are read in place when contiguous (a copy otherwise);
//! results go out as NumPy arrays built from the core's output without a copy. Every batch call
//! runs with the GIL released.

use pyo3::prelude::*;

mod batch;
mod bg_bb;
pub(crate) mod columns;
mod fit;
pub(crate) mod metrics;
pub(crate) mod model;
mod plan;
mod rfm;
mod sbg;
pub(crate) mod summary;
mod targeting;
mod transactions;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    fit::register(m)?;
    batch::register(m)?;
    bg_bb::register(m)?;
    sbg::register(m)?;
    transactions::register(m)?;
    summary::register(m)?;
    rfm::register(m)?;
    metrics::register(m)?;
    targeting::register(m)?;
    plan::register(m)?;
    model::register(m)?;
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
