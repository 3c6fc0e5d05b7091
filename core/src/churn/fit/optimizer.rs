//! The optimizer: L-BFGS with the Moré–Thuente line search on the log-parameters, and the
//! convergence check on the gradient at the answer.

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use crate::churn::ChurnError;

use super::data::Data;
use super::families::Family;
use super::hessian::nudge;
use super::{FitError, FitOptions};

/// Objective gradient norm below which a fit has converged (the objective is a mean
/// log-likelihood, so this is per customer).
pub(super) const GRADIENT_TOLERANCE: f64 = 1e-6;

/// The optimizer's view: the penalized mean negative log-likelihood of `ln(params)`.
pub(super) struct Objective<'a, F: Family> {
    family: &'a F,
    data: &'a Data,
    penalizer: f64,
    /// The last point evaluated with its value and gradient (analytic families): the line
    /// search asks for the cost and then the gradient at the same point, and the likelihood
    /// gives both in one pass.
    last: std::sync::Mutex<Option<Evaluated>>,
}

/// A point (log-parameters), the objective's value there and its gradient.
pub(super) type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// Log-parameters are clamped here, so that no line-search step overflows.
pub(super) const LOG_PARAM_LIMIT: f64 = 30.0;

impl<'a, F: Family> Objective<'a, F> {
    fn natural(theta: &[f64]) -> Vec<f64> {
        theta
            .iter()
            .map(|t| t.clamp(-LOG_PARAM_LIMIT, LOG_PARAM_LIMIT).exp())
            .collect()
    }

    fn new(family: &'a F, data: &'a Data, penalizer: f64) -> Objective<'a, F> {
        Objective {
            family,
            data,
            penalizer,
            last: std::sync::Mutex::new(None),
        }
    }

    /// Value and gradient (analytic families), from the cache when `theta` was the last point.
    fn value_and_gradient(&self, theta: &[f64]) -> Result<(f64, Vec<f64>), ChurnError> {
        if let Ok(last) = self.last.lock() {
            if let Some((point, value, gradient)) = last.as_ref() {
                if point.as_slice() == theta {
                    return Ok((*value, gradient.clone()));
                }
            }
        }
        let params = Self::natural(theta);
        let mut grad = vec![0.0; F::N];
        let ll = self.family.ll_grad(self.data, &params, Some(&mut grad))?;
        let penalty: f64 = params.iter().map(|p| p * p).sum();
        let value = -ll / self.data.total_weight + self.penalizer * penalty;
        // d/dθ = p · d/dp, for −LL/W + λ Σ p².
        let gradient: Vec<f64> = grad
            .iter()
            .zip(&params)
            .map(|(g, p)| p * (-g / self.data.total_weight + 2.0 * self.penalizer * p))
            .collect();
        if let Ok(mut last) = self.last.lock() {
            *last = Some((theta.to_vec(), value, gradient.clone()));
        }
        Ok((value, gradient))
    }

    fn value(&self, theta: &[f64]) -> Result<f64, ChurnError> {
        if F::ANALYTIC {
            return self.value_and_gradient(theta).map(|(value, _)| value);
        }
        let params = Self::natural(theta);
        let ll = self.family.ll_grad(self.data, &params, None)?;
        let penalty: f64 = params.iter().map(|p| p * p).sum();
        Ok(-ll / self.data.total_weight + self.penalizer * penalty)
    }

    fn gradient(&self, theta: &[f64]) -> Result<Vec<f64>, ChurnError> {
        if F::ANALYTIC {
            self.value_and_gradient(theta).map(|(_, gradient)| gradient)
        } else {
            const H: f64 = 1e-6;
            (0..F::N)
                .map(|i| {
                    let (up, down) = (nudge(theta, i, H), nudge(theta, i, -H));
                    Ok((self.value(&up)? - self.value(&down)?) / (2.0 * H))
                })
                .collect()
        }
    }
}

impl<F: Family> CostFunction for Objective<'_, F> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, theta: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        // Outside the likelihood's domain (an overflow far from the optimum): infinitely bad.
        Ok(self.value(theta).unwrap_or(f64::INFINITY))
    }
}

impl<F: Family> Gradient for Objective<'_, F> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, theta: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Objective::gradient(self, theta).map_err(|e| argmin::core::Error::msg(e.to_string()))
    }
}

pub(super) fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Fits `family` to `data`; returns natural parameters in the data's original time unit.
pub(super) fn run<F: Family>(
    family: &F,
    data: &Data,
    options: &FitOptions,
) -> Result<(Vec<f64>, u64), FitError> {
    if !(options.penalizer.is_finite() && options.penalizer >= 0.0) {
        return Err(FitError::InvalidOption);
    }
    let theta0: Vec<f64> = match &options.initial {
        None => vec![0.0; F::N],
        Some(initial) => {
            if initial.len() != F::N || initial.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(FitError::InvalidOption);
            }
            initial
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let scaled = if F::TIME_PARAMS.contains(&i) {
                        v * data.scale
                    } else {
                        *v
                    };
                    scaled.ln()
                })
                .collect()
        }
    };
    let (theta, iterations) = optimize(family, data, options, theta0)?;
    let params = theta
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = t.exp();
            if F::TIME_PARAMS.contains(&i) {
                p / data.scale
            } else {
                p
            }
        })
        .collect();
    Ok((params, iterations))
}

/// L-BFGS from `theta0` (log-parameters in scaled time) to a point where the gradient
/// vanishes: that point and the iterations used, or [`FitError::NoConvergence`].
pub(super) fn optimize<F: Family>(
    family: &F,
    data: &Data,
    options: &FitOptions,
    theta0: Vec<f64>,
) -> Result<(Vec<f64>, u64), FitError> {
    let objective = Objective::new(family, data, options.penalizer);
    let optimizer_failed = |iterations| FitError::NoConvergence {
        iterations,
        gradient_norm: f64::NAN,
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-8)
        .and_then(|s| s.with_tolerance_cost(1e-14))
        .map_err(|_| optimizer_failed(0))?;
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(theta0).max_iters(options.max_iterations))
        .run()
        .map_err(|_| optimizer_failed(0))?;
    let state = result.state();
    let iterations = state.get_iter();
    let theta = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| optimizer_failed(iterations))?;
    // Converged means: the gradient vanishes at the answer, whatever stopped the optimizer.
    let objective = Objective::new(family, data, options.penalizer);
    let gradient = objective.gradient(&theta).map_err(FitError::Numeric)?;
    let gradient_norm = norm(&gradient);
    let converged = gradient_norm < GRADIENT_TOLERANCE;
    if !converged || theta.iter().any(|t| t.abs() >= LOG_PARAM_LIMIT) {
        return Err(FitError::NoConvergence {
            iterations,
            gradient_norm,
        });
    }
    Ok((theta, iterations))
}
