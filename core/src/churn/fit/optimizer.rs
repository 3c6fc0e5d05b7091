//! The optimizer: BFGS on the log-parameters with a bounded backtracking line search, written
//! here rather than taken from `argmin` (whose Moré–Thuente search looped without end on data
//! such as a frequency of 1e300, with no way to stop it from outside). For four parameters a
//! dense inverse Hessian is cheap, and a small loop of our own gives what a fit needs:
//!
//! - **bounds**: at most `max_iterations` iterations, at most [`MAX_LINE_SEARCH_STEPS`] trial
//!   points per line search, steps at most [`MAX_STEP`] long, log-parameters within
//!   ±[`LOG_PARAM_LIMIT`]; a non-finite value is a failed trial point, never a loop;
//! - **feedback**: an observer sees every iteration (log-likelihood, gradient norm, parameters)
//!   and can stop the fit (an interrupt, a progress callback that raised);
//! - **the best point** reached, with its gradient norm, on every failure.

use crate::churn::ChurnError;

/// Objective gradient norm below which a fit has converged (the objective is a mean
/// log-likelihood, so this is per customer; lifetimes' scipy BFGS stops at 1e-7 in the
/// largest component).
pub(super) const GRADIENT_TOLERANCE: f64 = 1e-8;

/// A fit whose line search can no longer descend has still converged when its gradient norm
/// is below this (rounding, not the optimizer, stops it).
pub(super) const ACCEPTABLE_GRADIENT: f64 = 1e-6;

/// The most trial points of one line search; each halves the step at least.
pub const MAX_LINE_SEARCH_STEPS: u32 = 40;

/// The longest step, in the largest log-parameter change (a factor e⁵ ≈ 148 per iteration).
pub(super) const MAX_STEP: f64 = 5.0;

/// Log-parameters stay within ±this (natural parameters within e^±30); beyond it the objective
/// counts as infinite, so the line search backs off.
pub(super) const LOG_PARAM_LIMIT: f64 = 30.0;

/// Armijo's sufficient-decrease constant.
const ARMIJO: f64 = 1e-4;

/// The objective's value and gradient at a point (log-parameters), or why it has none there.
pub(super) trait Objective {
    /// `f(θ)` and `∇f(θ)` into `gradient`.
    fn evaluate(&self, theta: &[f64], gradient: &mut [f64]) -> Result<f64, ChurnError>;
}

/// What an observer tells the optimizer after an iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Go on.
    Continue,
    /// Stop now.
    Stop,
}

/// Why the optimizer stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stopped {
    /// The gradient vanished.
    Converged,
    /// `max_iterations` reached.
    Iterations,
    /// No trial point of a line search decreased the objective enough.
    LineSearch,
    /// The observer said stop.
    Observer,
}

/// Where the optimizer ended: the best point it reached.
#[derive(Clone, Debug)]
pub(super) struct Outcome {
    pub(super) theta: Vec<f64>,
    pub(super) value: f64,
    pub(super) gradient_norm: f64,
    pub(super) iterations: u64,
    pub(super) stopped: Stopped,
}

pub(super) fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `f` at `theta`, infinite outside the log-parameter box or where the objective has no value.
fn evaluate_or_infinite<O: Objective>(objective: &O, theta: &[f64], gradient: &mut [f64]) -> f64 {
    if theta.iter().any(|t| {
        !matches!(
            t.abs().partial_cmp(&LOG_PARAM_LIMIT),
            Some(core::cmp::Ordering::Less | core::cmp::Ordering::Equal)
        )
    }) {
        return f64::INFINITY;
    }
    match objective.evaluate(theta, gradient) {
        Ok(value) if value.is_finite() && gradient.iter().all(|g| g.is_finite()) => value,
        _ => f64::INFINITY,
    }
}

/// Minimises `objective` from `theta0` by BFGS; `observe(iteration, θ, f, ‖∇f‖)` after each
/// iteration. An error only when the objective has no finite value at `theta0`.
#[allow(clippy::type_complexity)] // the observer callback
pub(super) fn minimize<O: Objective>(
    objective: &O,
    theta0: Vec<f64>,
    max_iterations: u64,
    observe: &mut dyn FnMut(u64, &[f64], f64, f64) -> Step,
) -> Result<Outcome, ChurnError> {
    let n = theta0.len();
    let mut theta = theta0;
    let mut gradient = vec![0.0; n];
    let mut value = objective.evaluate(&theta, &mut gradient)?;
    if !value.is_finite() || gradient.iter().any(|g| !g.is_finite()) {
        return Err(ChurnError::NotFinite);
    }
    // The inverse Hessian approximation, row-major; the identity until the first step scales it.
    let identity = |scale: f64| -> Vec<f64> {
        (0..n.saturating_mul(n))
            .map(|k| {
                if k.checked_rem(n.saturating_add(1)) == Some(0) {
                    scale
                } else {
                    0.0
                }
            })
            .collect()
    };
    let mut inverse = identity(1.0);
    let mut first_step = true;
    let mut trial = vec![0.0; n];
    let mut trial_gradient = vec![0.0; n];
    let mut iterations = 0;
    let outcome = |theta: Vec<f64>, value, gradient: &[f64], iterations, stopped| Outcome {
        theta,
        value,
        gradient_norm: norm(gradient),
        iterations,
        stopped,
    };
    loop {
        if norm(&gradient) < GRADIENT_TOLERANCE {
            return Ok(outcome(
                theta,
                value,
                &gradient,
                iterations,
                Stopped::Converged,
            ));
        }
        if iterations >= max_iterations {
            return Ok(outcome(
                theta,
                value,
                &gradient,
                iterations,
                Stopped::Iterations,
            ));
        }
        iterations = iterations.saturating_add(1);
        // The quasi-Newton direction; steepest descent if it does not descend.
        let mut direction: Vec<f64> = inverse
            .chunks_exact(n)
            .map(|row| -dot(row, &gradient))
            .collect();
        if dot(&direction, &gradient).partial_cmp(&0.0) != Some(core::cmp::Ordering::Less) {
            inverse = identity(1.0);
            direction = gradient.iter().map(|g| -g).collect();
        }
        let longest = direction.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
        if longest > MAX_STEP {
            let shrink = MAX_STEP / longest;
            direction.iter_mut().for_each(|d| *d *= shrink);
        }
        let slope = dot(&direction, &gradient);
        // Backtracking: the full step, then the minimum of the quadratic through f(0), f'(0)
        // and f(α), kept within [α/10, α/2].
        let mut alpha = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_LINE_SEARCH_STEPS {
            for ((t, x), d) in trial.iter_mut().zip(&theta).zip(&direction) {
                *t = x + alpha * d;
            }
            // A step too short to move any parameter: no descent is left to find (accepting
            // it would repeat the same iteration until `max_iterations`).
            if trial == theta {
                break;
            }
            let trial_value = evaluate_or_infinite(objective, &trial, &mut trial_gradient);
            if trial_value <= value + ARMIJO * alpha * slope {
                accepted = Some(trial_value);
                break;
            }
            let quadratic = if trial_value.is_finite() {
                -slope * alpha * alpha / (2.0 * (trial_value - value - slope * alpha))
            } else {
                0.0
            };
            alpha = quadratic.clamp(0.1 * alpha, 0.5 * alpha);
        }
        let Some(new_value) = accepted else {
            let stopped = if norm(&gradient) < ACCEPTABLE_GRADIENT {
                Stopped::Converged
            } else {
                Stopped::LineSearch
            };
            return Ok(outcome(theta, value, &gradient, iterations, stopped));
        };
        let step: Vec<f64> = trial.iter().zip(&theta).map(|(t, x)| t - x).collect();
        let change: Vec<f64> = trial_gradient
            .iter()
            .zip(&gradient)
            .map(|(t, g)| t - g)
            .collect();
        theta.copy_from_slice(&trial);
        gradient.copy_from_slice(&trial_gradient);
        let previous = value;
        value = new_value;
        // The BFGS update of the inverse Hessian, when the curvature is positive.
        let curvature = dot(&step, &change);
        if curvature > 1e-12 * norm(&step) * norm(&change) {
            if first_step {
                inverse = identity(curvature / dot(&change, &change));
                first_step = false;
            }
            let rho = 1.0 / curvature;
            let h_change: Vec<f64> = inverse
                .chunks_exact(n)
                .map(|row| dot(row, &change))
                .collect();
            let change_h_change = dot(&change, &h_change);
            let factor = (1.0 + rho * change_h_change) * rho;
            for (i, row) in inverse.chunks_exact_mut(n).enumerate() {
                for (j, cell) in row.iter_mut().enumerate() {
                    let (si, sj) = (step.get(i).copied(), step.get(j).copied());
                    let (hi, hj) = (h_change.get(i).copied(), h_change.get(j).copied());
                    if let (Some(si), Some(sj), Some(hi), Some(hj)) = (si, sj, hi, hj) {
                        *cell += factor * si * sj - rho * (hi * sj + si * hj);
                    }
                }
            }
        }
        let gradient_norm = norm(&gradient);
        if observe(iterations, &theta, value, gradient_norm) == Step::Stop {
            return Ok(outcome(
                theta,
                value,
                &gradient,
                iterations,
                Stopped::Observer,
            ));
        }
        // No progress left to make at double precision.
        if previous - value <= 1e-16 * value.abs() && gradient_norm < ACCEPTABLE_GRADIENT {
            return Ok(outcome(
                theta,
                value,
                &gradient,
                iterations,
                Stopped::Converged,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's function in two variables, minimum 0 at (1, 1).
    struct Rosenbrock;

    impl Objective for Rosenbrock {
        fn evaluate(&self, t: &[f64], g: &mut [f64]) -> Result<f64, ChurnError> {
            let (x, y) = (t[0], t[1]);
            g[0] = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
            g[1] = 200.0 * (y - x * x);
            Ok((1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2))
        }
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let outcome = minimize(&Rosenbrock, vec![-1.2, 1.0], 200, &mut |_, _, _, _| {
            Step::Continue
        })
        .unwrap();
        assert_eq!(outcome.stopped, Stopped::Converged);
        assert!((outcome.theta[0] - 1.0).abs() < 1e-6 && (outcome.theta[1] - 1.0).abs() < 1e-6);
    }

    /// −t up to a cliff at `.1`, no value beyond: every trial point past it is refused.
    struct Cliff(std::cell::Cell<u32>, f64);

    impl Objective for Cliff {
        fn evaluate(&self, t: &[f64], g: &mut [f64]) -> Result<f64, ChurnError> {
            self.0.set(self.0.get() + 1);
            g[0] = -1.0;
            if t[0] > self.1 {
                return Err(ChurnError::NotFinite);
            }
            Ok(-t[0])
        }
    }

    #[test]
    fn a_line_search_that_cannot_descend_ends() {
        // At the edge: every trial point of the first search fails, and the fit ends there
        // (the start, plus MAX_LINE_SEARCH_STEPS trials).
        let cliff = Cliff(std::cell::Cell::new(0), 0.0);
        let outcome = minimize(&cliff, vec![0.0], 1_000, &mut |_, _, _, _| Step::Continue).unwrap();
        assert_eq!(outcome.stopped, Stopped::LineSearch);
        assert_eq!(
            (outcome.iterations, cliff.0.get()),
            (1, 1 + MAX_LINE_SEARCH_STEPS)
        );
        // An edge at 1e-12: steps of 10⁻ᵏ (each failure shrinks the step tenfold) creep up to
        // it, at most 9 per decimal digit, until a step no longer moves t (t's 53 bits are
        // about 16 digits below 1e-12): it ends well before max_iterations, by the line search
        // (formerly a step that did not move t was accepted, up to max_iterations times).
        let cliff = Cliff(std::cell::Cell::new(0), 1e-12);
        let outcome = minimize(&cliff, vec![0.0], 1_000, &mut |_, _, _, _| Step::Continue).unwrap();
        assert_eq!(outcome.stopped, Stopped::LineSearch);
        assert!(outcome.iterations <= 9 * 17 + 1, "{}", outcome.iterations);
        assert!(
            outcome.theta[0] <= 1e-12 && outcome.theta[0] > 0.99e-12,
            "{:?}",
            outcome.theta
        );
    }

    #[test]
    fn the_observer_can_stop_it() {
        let mut seen = 0;
        let outcome = minimize(
            &Rosenbrock,
            vec![-1.2, 1.0],
            200,
            &mut |iteration, _, _, _| {
                seen = iteration;
                if iteration == 3 {
                    Step::Stop
                } else {
                    Step::Continue
                }
            },
        )
        .unwrap();
        assert_eq!(
            (outcome.stopped, outcome.iterations, seen),
            (Stopped::Observer, 3, 3)
        );
    }
}
