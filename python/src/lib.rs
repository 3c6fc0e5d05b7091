//! Python bindings: `import retention`. One binding file per core module (`customer.rs`,
//! `card.rs`, `points.rs`, `envelope.rs`, `time.rs`, `feedback.rs`, `rules/`, `churn/`); the
//! Python package in `python/retention/` re-exports these and adds typing. No domain logic
//! lives here: dates and times are read by `retention/_time.py`, names and rules are the core's.

use pyo3::prelude::*;

mod args;
mod card;
mod churn;
mod customer;
mod envelope;
mod errors;
mod feedback;
mod points;
mod rules;
mod time;

/// The native half of the `retention` package.
#[pymodule]
fn _retention(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", retention_core::VERSION)?;
    errors::register(m)?;
    time::register(m)?;
    envelope::register(m)?;
    churn::register(m)?;
    feedback::register(m)?;
    card::register(m)?;
    points::register(m)?;
    customer::register(m)?;
    rules::register(m)?;
    Ok(())
}
