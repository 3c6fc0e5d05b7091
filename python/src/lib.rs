//! Python bindings: `import retention`. One binding file per core module; the Python package in
//! `python/retention/` re-exports these and adds typing. No domain logic lives here.

use pyo3::prelude::*;

mod args;
mod card;
mod churn;
mod customer_churn;
mod envelope;
mod errors;
mod points;
mod rules;

/// The native half of the `retention` package.
#[pymodule]
fn _retention(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", retention_core::VERSION)?;
    errors::register(m)?;
    envelope::register(m)?;
    churn::register(m)?;
    card::register(m)?;
    points::register(m)?;
    rules::register(m)?;
    customer_churn::register(m)?;
    Ok(())
}
