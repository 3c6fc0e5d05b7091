//! `retention.Refund`: what a return claws back (`retention_core::rules::refund`), and applying
//! it to the customer's card and account.

use pyo3::prelude::*;
use retention_core::rules::{Clawback, Returns};

use super::apply::settled;
use crate::args::{arg, event_id};
use crate::card::PyPunchCard;
use crate::errors::ToPyErr;
use crate::points::PyPointsAccount;
use crate::time::day;

/// What a return claws back (from `Outcome.refund`).
#[pyclass(name = "Refund", module = "retention", frozen)]
pub(crate) struct PyRefund {
    /// Points to take back, all rules.
    #[pyo3(get)]
    points: u64,
    /// Points to take back per rule id.
    #[pyo3(get)]
    points_by_rule: Vec<(u16, u64)>,
    /// Stamps to take back per program.
    #[pyo3(get)]
    stamps: Vec<(u16, u64)>,
    /// The discount the returned units had, in minor units.
    #[pyo3(get)]
    discount: i64,
    /// Units returned per line once this return is done (pass as `before` next time).
    #[pyo3(get)]
    returned: Vec<u32>,
    /// The core clawback, for `apply`.
    clawback: Box<Clawback>,
}

impl PyRefund {
    /// The refund of `clawback`, with the units returned `after` it.
    pub(crate) fn new(clawback: Clawback, after: &Returns) -> PyRefund {
        PyRefund {
            points: clawback.points.0,
            points_by_rule: clawback
                .points_by_rule
                .iter()
                .map(|r| (r.rule, r.points.0))
                .collect(),
            stamps: clawback
                .stamps
                .iter()
                .map(|s| (s.program.0, s.stamps))
                .collect(),
            discount: clawback.discount.minor(),
            returned: after.units.to_vec(),
            clawback: Box::new(clawback),
        }
    }
}

#[pymethods]
impl PyRefund {
    /// Applies this return, made as event `refund` (a `(terminal, sequence)` tuple), to the
    /// customer's `card` and `account` on `today` (a `datetime.date`, the terminal's local
    /// day): the account gets a clawback of `points` (pending first, then available; what is
    /// missing becomes `debt`), the card a void of the stamps for its own program (stamps
    /// already redeemed leave it owing them: `owed_stamps`). Either may be `None`. Returns
    /// `(card, account)`, new objects (or `None` where none was given); both or neither: on
    /// any error nothing changed. Applying the same refund again returns them unchanged.
    /// Raises `StateError` (a sale the card or account never saw), `ValidationError`,
    /// `CapacityError` (more than 65,535 stamps for the card; 8 terminals),
    /// `AmountOverflowError`.
    #[pyo3(signature = (refund, card=None, account=None, *, today))]
    fn apply(
        &self,
        #[pyo3(from_py_with = arg::refund)] refund: (u32, u32),
        card: Option<PyRef<'_, PyPunchCard>>,
        account: Option<PyRef<'_, PyPointsAccount>>,
        today: &Bound<'_, PyAny>,
    ) -> PyResult<(Option<PyPunchCard>, Option<PyPointsAccount>)> {
        let applied = self
            .clawback
            .apply(
                event_id(refund),
                card.as_deref().map(|c| &c.card),
                account.as_deref().map(|a| &a.account),
                day(today, "today")?,
            )
            .map_err(ToPyErr::to_py)?;
        Ok(settled(applied))
    }

    fn __repr__(&self) -> String {
        format!(
            "Refund(points={}, points_by_rule={:?}, stamps={:?}, discount={}, returned={:?})",
            self.points, self.points_by_rule, self.stamps, self.discount, self.returned
        )
    }
}
