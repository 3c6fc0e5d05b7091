//! The covariance of the estimates: the inverse Hessian of `−Σ wᵢ LLᵢ` in the natural
//! parameters, the Hessian analytic (`Family::ll_hessian`: BG/NBD, MBG/NBD, Gamma-Gamma, one
//! pass over the data) or by differences of the gradient or of the likelihood, inverted by
//! Cholesky factorisation (which also tells whether it is positive definite).

use super::data::Data;
use super::families::Family;

/// `values` with `delta` added to element `i`.
pub(super) fn nudge(values: &[f64], i: usize, delta: f64) -> Vec<f64> {
    values
        .iter()
        .enumerate()
        .map(|(k, v)| if k == i { v + delta } else { *v })
        .collect()
}

/// The covariance matrix of the estimates (rows of `F::N` values) of a family without an
/// analytic Hessian (`Family::ll_hessian`; with one, [`covariance_from_hessian`]): the inverse
/// of the Hessian of `−Σ wᵢ LLᵢ` (the summed, weighted log-likelihood, without the penalty) in
/// the natural parameters, the Hessian by central differences of the exact gradient (`2N`
/// gradients, after a forward-difference one for the degeneracy test), or by second differences
/// of the likelihood (`1 + 2N + 2N(N − 1)` values) for a family without one. `None` when that
/// Hessian is not positive definite (the likelihood has no strict interior maximum there) or a
/// likelihood value fails.
pub(super) fn covariance<F: Family>(
    family: &F,
    data: &Data,
    params: &[f64],
) -> Option<Vec<Vec<f64>>> {
    if F::EXACT_GRADIENT {
        // A likelihood too flat to identify the parameters: its forward-difference Hessian
        // (steps 10⁻⁵ p) is not positive definite; this test is the one fits have always
        // used (`FitError::Degenerate`). The covariance is of the accurate Hessian.
        inverse_positive_definite(&negated(&hessian_from_gradients(
            family, data, params, false,
        )?)?)?;
        inverse_positive_definite(&negated(&hessian_from_gradients(
            family, data, params, true,
        )?)?)
    } else {
        inverse_positive_definite(&negated(&hessian_from_values(family, data, params)?)?)
    }
}

/// The covariance matrix of the estimates from the analytic Hessian of `Σ wᵢ LLᵢ` (rows):
/// the inverse of its negation; `None` when that is not positive definite.
pub(super) fn covariance_from_hessian(hessian: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    inverse_positive_definite(&negated(hessian)?)
}

/// The Hessian of −LL, symmetrised, from `columns[j][i] = ∂²LL/∂pᵢ∂pⱼ`.
fn negated(cells: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let cell = |i: usize, j: usize| cells.get(j).and_then(|c| c.get(i)).copied();
    (0..cells.len())
        .map(|i| {
            (0..cells.len())
                .map(|j| Some(-0.5 * (cell(i, j)? + cell(j, i)?)))
                .collect::<Option<Vec<f64>>>()
        })
        .collect()
}

/// The standard errors of a covariance matrix: the square roots of its diagonal.
pub(super) fn standard_errors(covariance: &[Vec<f64>]) -> Option<Vec<f64>> {
    covariance
        .iter()
        .enumerate()
        .map(|(i, row)| row.get(i).map(|v| v.sqrt()))
        .collect()
}

/// `columns[j][i] = ∂²LL/∂pᵢ∂pⱼ` by differences of the gradient: `central`, steps `10⁻⁴ pⱼ`
/// (`2N` gradients, relative error about 10⁻⁸: the covariance of strongly correlated
/// parameters, such as Gamma-Gamma's, amplifies the Hessian's error by its condition number),
/// or forward, steps `10⁻⁵ pⱼ` (`N + 1` gradients, relative error about 10⁻⁵).
pub(super) fn hessian_from_gradients<F: Family>(
    family: &F,
    data: &Data,
    params: &[f64],
    central: bool,
) -> Option<Vec<Vec<f64>>> {
    let gradient = |p: &[f64]| -> Option<Vec<f64>> {
        let mut g = vec![0.0; F::N];
        family.ll_grad(data, p, Some(&mut g)).ok()?;
        Some(g)
    };
    let at = if central {
        None
    } else {
        Some(gradient(params)?)
    };
    params
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let h = if central { 1e-4 * p } else { 1e-5 * p };
            let up = gradient(&nudge(params, j, h))?;
            let (down, width) = match &at {
                Some(at) => (at.clone(), h),
                None => (gradient(&nudge(params, j, -h))?, 2.0 * h),
            };
            Some(up.iter().zip(&down).map(|(u, d)| (u - d) / width).collect())
        })
        .collect()
}

/// `columns[j][i] = ∂²LL/∂pᵢ∂pⱼ` by central second differences of the likelihood, steps
/// `10⁻³ p` (relative error about 10⁻⁶).
pub(super) fn hessian_from_values<F: Family>(
    family: &F,
    data: &Data,
    params: &[f64],
) -> Option<Vec<Vec<f64>>> {
    let value = |p: &[f64]| family.ll_grad(data, p, None).ok();
    let steps: Vec<f64> = params.iter().map(|p| 1e-3 * p).collect();
    let step = |i: usize| steps.get(i).copied();
    let at = value(params)?;
    let mut columns = vec![vec![0.0; F::N]; F::N];
    for i in 0..F::N {
        let hi = step(i)?;
        let (up, down) = (
            value(&nudge(params, i, hi))?,
            value(&nudge(params, i, -hi))?,
        );
        *columns.get_mut(i)?.get_mut(i)? = (up - 2.0 * at + down) / (hi * hi);
        for j in 0..i {
            let hj = step(j)?;
            let corner = |si: f64, sj: f64| value(&nudge(&nudge(params, i, si * hi), j, sj * hj));
            let mixed = (corner(1.0, 1.0)? - corner(1.0, -1.0)? - corner(-1.0, 1.0)?
                + corner(-1.0, -1.0)?)
                / (4.0 * hi * hj);
            *columns.get_mut(j)?.get_mut(i)? = mixed;
            *columns.get_mut(i)?.get_mut(j)? = mixed;
        }
    }
    Some(columns)
}

/// The inverse of a small symmetric positive definite matrix (rows) by its Cholesky factor
/// `L Lᵀ`: `None` when the matrix is not square, not finite, or not positive definite (a pivot
/// `≤ 0`, or below `10⁻¹⁴` of its diagonal entry: singular to working precision). The result is
/// symmetric to the last bit.
pub(super) fn inverse_positive_definite(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = matrix.len();
    if matrix
        .iter()
        .any(|row| row.len() != n || row.iter().any(|v| !v.is_finite()))
    {
        return None;
    }
    let at = |m: &[Vec<f64>], r: usize, c: usize| m.get(r).and_then(|row| row.get(c)).copied();
    // L, lower triangular, row by row.
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = at(matrix, i, j)?;
            for k in 0..j {
                sum -= at(&l, i, k)? * at(&l, j, k)?;
            }
            let value = if i == j {
                let diagonal = at(matrix, i, i)?;
                if !(sum > 1e-14 * diagonal.abs() && sum > 0.0) {
                    return None;
                }
                sum.sqrt()
            } else {
                sum / at(&l, j, j)?
            };
            *l.get_mut(i)?.get_mut(j)? = value;
        }
    }
    // L⁻¹ by forward substitution, column by column (lower triangular too).
    let mut l_inv = vec![vec![0.0; n]; n];
    for c in 0..n {
        for i in c..n {
            let mut sum = if i == c { 1.0 } else { 0.0 };
            for k in c..i {
                sum -= at(&l, i, k)? * at(&l_inv, k, c)?;
            }
            *l_inv.get_mut(i)?.get_mut(c)? = sum / at(&l, i, i)?;
        }
    }
    // M⁻¹ = L⁻ᵀ L⁻¹: cell (i, j) = Σₖ L⁻¹[k][i] L⁻¹[k][j], k ≥ max(i, j); filled symmetrically.
    let mut inverse = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = 0.0;
            for k in i..n {
                sum += at(&l_inv, k, i)? * at(&l_inv, k, j)?;
            }
            *inverse.get_mut(i)?.get_mut(j)? = sum;
            *inverse.get_mut(j)?.get_mut(i)? = sum;
        }
    }
    inverse
        .iter()
        .all(|row| row.iter().all(|v| v.is_finite()))
        .then_some(inverse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_a_hand_worked_matrix() {
        // [[4, 2], [2, 3]]: determinant 8, inverse [[3, −2], [−2, 4]] / 8.
        let inverse = inverse_positive_definite(&[vec![4.0, 2.0], vec![2.0, 3.0]]).unwrap();
        let want = [[0.375, -0.25], [-0.25, 0.5]];
        for (row, want_row) in inverse.iter().zip(want) {
            for (v, w) in row.iter().zip(want_row) {
                assert!((v - w).abs() < 1e-15, "{inverse:?}");
            }
        }
        // [[2, −1, 0], [−1, 2, −1], [0, −1, 2]]: inverse [[3, 2, 1], [2, 4, 2], [1, 2, 3]] / 4.
        let inverse = inverse_positive_definite(&[
            vec![2.0, -1.0, 0.0],
            vec![-1.0, 2.0, -1.0],
            vec![0.0, -1.0, 2.0],
        ])
        .unwrap();
        let want = [[0.75, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.75]];
        for (row, want_row) in inverse.iter().zip(want) {
            for (v, w) in row.iter().zip(want_row) {
                assert!((v - w).abs() < 1e-15, "{inverse:?}");
            }
        }
    }

    /// The analytic Hessians (BG/NBD, MBG/NBD, Gamma-Gamma) against central differences of
    /// the exact gradient, on CDNOW at the published parameters and at a point far from them;
    /// the log-likelihood of the same pass has `ll_grad`'s bits.
    #[test]
    #[cfg_attr(miri, ignore)] // passes over CDNOW
    fn analytic_hessians_match_differences_of_the_gradient() {
        use super::super::data::Data;
        use super::super::families::{BgFamily, GammaGammaFamily, MbgFamily};
        use super::super::tests::cdnow;
        fn check<F: Family>(family: &F, data: &Data, params: &[f64]) {
            let (ll, analytic) = family.ll_hessian(data, params).unwrap().unwrap();
            let plain = family.ll_grad(data, params, None).unwrap();
            assert_eq!(ll.to_bits(), plain.to_bits());
            let numeric = hessian_from_gradients(family, data, params, true).unwrap();
            let scale = numeric
                .iter()
                .flatten()
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            for i in 0..F::N {
                for j in 0..F::N {
                    let (a, n) = (analytic[i][j], 0.5 * (numeric[i][j] + numeric[j][i]));
                    assert_eq!(analytic[i][j].to_bits(), analytic[j][i].to_bits());
                    assert!(
                        (a - n).abs() <= 1e-6 * n.abs() + 1e-9 * scale,
                        "{params:?} ({i}, {j}): analytic {a}, differences {n}"
                    );
                }
            }
        }
        let rows = cdnow();
        let (x, t_x, t): (Vec<f64>, Vec<f64>, Vec<f64>) = (
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
            rows.iter().map(|r| r.2).collect(),
        );
        let data = Data::new(&x, &t_x, &t, None, Some(1)).unwrap().unscaled();
        for params in [[0.2426, 4.4135, 0.7929, 2.4258], [1.7, 0.3, 3.1, 0.6]] {
            check(&BgFamily, &data, &params);
            check(&MbgFamily, &data, &params);
        }
        let repeat: Vec<_> = rows.iter().filter(|r| r.0 > 0.0).collect();
        let mut merger = super::super::data::Merger::default();
        for r in &repeat {
            let ln_m = crate::churn::math::ln(r.3);
            merger.add([r.0.to_bits(), r.3.to_bits(), ln_m.to_bits()], 1.0);
        }
        let data = Data::from_merged(merger.rows, 1.0, 1);
        for params in [[6.25, 3.74, 15.44], [0.8, 12.0, 2.0]] {
            check(&GammaGammaFamily, &data, &params);
        }
    }

    #[test]
    fn not_positive_definite_is_none() {
        // Indefinite (eigenvalues 3 and −1): Gauss–Jordan inverts it, Cholesky refuses it.
        assert!(inverse_positive_definite(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
        // Singular.
        assert!(inverse_positive_definite(&[vec![1.0, 1.0], vec![1.0, 1.0]]).is_none());
        // Negative definite, not square, not finite.
        assert!(inverse_positive_definite(&[vec![-1.0]]).is_none());
        assert!(inverse_positive_definite(&[vec![1.0, 0.0]]).is_none());
        assert!(inverse_positive_definite(&[vec![f64::NAN]]).is_none());
    }
}
