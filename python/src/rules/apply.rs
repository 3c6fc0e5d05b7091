//! Sales and returns applied to a customer's card and account (`retention_core::rules::apply`):
//! the new card and account as Python objects.

use retention_core::rules::Applied;

use crate::card::PyPunchCard;
use crate::points::PyPointsAccount;

/// The new card and account of an `apply`, as Python objects.
pub(crate) fn settled(applied: Applied) -> (Option<PyPunchCard>, Option<PyPointsAccount>) {
    (
        applied.card.map(|card| PyPunchCard { card }),
        applied.account.map(|account| PyPointsAccount { account }),
    )
}
