//! Whom to send a retention offer (`std`): rank customers by the expected value of the offer and
//! keep those for whom it pays. A campaign that costs more than it saves is worse than none, so
//! a customer is targeted only when the expected saving exceeds the offer's cost.
//!
//! For a customer with probability `p` of being alive and value `clv`, an offer of cost `c` that
//! wins back a share `u` (the uplift) of the customers who would otherwise be lost is worth
//! `u · (1 − p) · clv − c`: the value at stake is the customer's CLV, the chance it is being lost
//! is `1 − p`, and the offer recovers `u` of that ([`expected_value`]).
//!
//! [`target`] ranks the customers for one offer; [`plan`] chooses among several offers under a
//! money budget and a contact cap.

use std::fmt;

pub mod plan;

/// The expected net value `uplift · (1 − p_alive) · clv − cost` of an offer to a customer, in
/// the CLV's money unit: the one formula of [`target`] and [`plan`].
#[must_use]
pub fn expected_value(p_alive: f64, clv: f64, uplift: f64, cost: f64) -> f64 {
    uplift * (1.0 - p_alive) * clv - cost
}

/// A retention offer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Offer {
    /// What one offer costs, in the CLV's money unit (≥ 0).
    pub cost: f64,
    /// The share of would-be-lost customers the offer retains, in `[0, 1]`.
    pub uplift: f64,
}

/// A customer worth the offer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// The customer's row.
    pub index: usize,
    /// The offer's expected net value for them, > 0.
    pub expected_value: f64,
}

/// Why no targeting list could be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TargetingError {
    /// `p_alive` and `clv` differ in length.
    LengthMismatch,
    /// The offer's cost is negative or its uplift outside `[0, 1]` (or either not finite).
    InvalidOffer,
    /// Row `index` has a P(alive) outside `[0, 1]` or a CLV that is negative or not finite.
    InvalidRow {
        /// The row.
        index: usize,
    },
}

impl fmt::Display for TargetingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetingError::LengthMismatch => f.write_str("p_alive and clv differ in length"),
            TargetingError::InvalidOffer => {
                f.write_str("offer cost must be ≥ 0 and uplift in [0, 1]")
            }
            TargetingError::InvalidRow { index } => {
                write!(
                    f,
                    "row {index}: P(alive) must be in [0, 1] and CLV finite and ≥ 0"
                )
            }
        }
    }
}

impl std::error::Error for TargetingError {}

/// The customers for whom `offer` has a positive expected value, best first (ties by row), at
/// most `budget` of them when given.
///
/// Errors: [`TargetingError::LengthMismatch`], [`TargetingError::InvalidOffer`],
/// [`TargetingError::InvalidRow`].
pub fn target(
    p_alive: &[f64],
    clv: &[f64],
    offer: Offer,
    budget: Option<usize>,
) -> Result<Vec<Target>, TargetingError> {
    if p_alive.len() != clv.len() {
        return Err(TargetingError::LengthMismatch);
    }
    let valid_offer =
        offer.cost.is_finite() && offer.cost >= 0.0 && (0.0..=1.0).contains(&offer.uplift);
    if !valid_offer {
        return Err(TargetingError::InvalidOffer);
    }
    let mut targets = Vec::new();
    for (index, (&p, &value)) in p_alive.iter().zip(clv).enumerate() {
        if !((0.0..=1.0).contains(&p) && value.is_finite() && value >= 0.0) {
            return Err(TargetingError::InvalidRow { index });
        }
        let net = expected_value(p, value, offer.uplift, offer.cost);
        if net > 0.0 {
            targets.push(Target {
                index,
                expected_value: net,
            });
        }
    }
    targets.sort_by(|a, b| {
        b.expected_value
            .total_cmp(&a.expected_value)
            .then(a.index.cmp(&b.index))
    });
    if let Some(budget) = budget {
        targets.truncate(budget);
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_profitable_offers_ranked() {
        let offer = Offer {
            cost: 5.0,
            uplift: 0.2,
        };
        // EV = 0.2 (1 − p) clv − 5:
        // row 0: 0.2 · 0.5 · 100 − 5 = 5; row 1: 0.2 · 0.25 · 200 − 5 = 5 (tie, later row);
        // row 2: 0.2 · 0.9 · 20 − 5 = −1.4 (costs more than it saves); row 3: 0.2 · 0.75 · 400 − 5 = 55.
        let p = [0.5, 0.75, 0.1, 0.25];
        let clv = [100.0, 200.0, 20.0, 400.0];
        let list = target(&p, &clv, offer, None).unwrap();
        let order: Vec<usize> = list.iter().map(|t| t.index).collect();
        assert_eq!(order, vec![3, 0, 1]);
        assert!((list[0].expected_value - 55.0).abs() < 1e-9);
        assert_eq!(target(&p, &clv, offer, Some(1)).unwrap().len(), 1);
        // An offer too dear for anyone: nobody is targeted.
        assert!(
            target(
                &p,
                &clv,
                Offer {
                    cost: 100.0,
                    uplift: 0.2
                },
                None
            )
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            target(&p, &clv[..1], offer, None),
            Err(TargetingError::LengthMismatch)
        );
        assert_eq!(
            target(
                &p,
                &clv,
                Offer {
                    cost: -1.0,
                    uplift: 0.1
                },
                None
            ),
            Err(TargetingError::InvalidOffer)
        );
        assert_eq!(
            target(&[1.5], &[1.0], offer, None),
            Err(TargetingError::InvalidRow { index: 0 })
        );
    }
}
