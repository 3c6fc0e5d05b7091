//! Standard errors from the inverse Hessian, by differences of the gradient or of the
//! likelihood, and a small Gauss–Jordan inverse.

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

/// Standard errors from the inverse Hessian of `−Σ wᵢ LLᵢ` in the natural parameters: by
/// forward differences of the analytic gradient (`N + 1` gradients), or by second differences
/// of the likelihood (`1 + 2N + 2N(N − 1)` values) for a family without one.
pub(super) fn standard_errors<F: Family>(
    family: &F,
    data: &Data,
    params: &[f64],
) -> Option<Vec<f64>> {
    // cell(i, j) = ∂²LL/∂pᵢ∂pⱼ.
    let cells = if F::EXACT_GRADIENT {
        hessian_from_gradients(family, data, params)?
    } else {
        hessian_from_values(family, data, params)?
    };
    let cell = |i: usize, j: usize| cells.get(j).and_then(|c| c.get(i)).copied();
    // The Hessian of −LL, symmetrised.
    let hessian: Vec<Vec<f64>> = (0..F::N)
        .map(|i| {
            (0..F::N)
                .map(|j| Some(-0.5 * (cell(i, j)? + cell(j, i)?)))
                .collect::<Option<Vec<f64>>>()
        })
        .collect::<Option<_>>()?;
    let inverse = invert(hessian)?;
    inverse
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let variance = row.get(i).copied()?;
            (variance.is_finite() && variance > 0.0).then(|| variance.sqrt())
        })
        .collect()
}

/// `columns[j][i] = ∂²LL/∂pᵢ∂pⱼ` by forward differences of the gradient, steps `10⁻⁵ pⱼ`
/// (relative error about 10⁻⁵, ample for standard errors).
pub(super) fn hessian_from_gradients<F: Family>(
    family: &F,
    data: &Data,
    params: &[f64],
) -> Option<Vec<Vec<f64>>> {
    let gradient = |p: &[f64]| -> Option<Vec<f64>> {
        let mut g = vec![0.0; F::N];
        family.ll_grad(data, p, Some(&mut g)).ok()?;
        Some(g)
    };
    let at = gradient(params)?;
    params
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let h = 1e-5 * p;
            let up = gradient(&nudge(params, j, h))?;
            Some(up.iter().zip(&at).map(|(u, g)| (u - g) / h).collect())
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

/// The inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting;
/// `None` when it is singular.
pub(super) fn invert(matrix: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = matrix.len();
    // Rows of the augmented matrix [M | I].
    let mut rows: Vec<Vec<f64>> = matrix
        .into_iter()
        .enumerate()
        .map(|(i, mut row)| {
            row.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    let at =
        |rows: &[Vec<f64>], r: usize, c: usize| rows.get(r).and_then(|row| row.get(c)).copied();
    for col in 0..n {
        let mut pivot = col;
        for r in col..n {
            if at(&rows, r, col)?.abs() > at(&rows, pivot, col)?.abs() {
                pivot = r;
            }
        }
        rows.swap(col, pivot);
        let d = at(&rows, col, col)?;
        if !(d.is_finite() && d.abs() > 1e-300) {
            return None;
        }
        let pivot_row: Vec<f64> = rows.get(col)?.iter().map(|v| v / d).collect();
        for (r, row) in rows.iter_mut().enumerate() {
            if r == col {
                row.clone_from(&pivot_row);
            } else {
                let factor = row.get(col).copied()?;
                for (v, p) in row.iter_mut().zip(&pivot_row) {
                    *v -= factor * p;
                }
            }
        }
    }
    rows.into_iter()
        .map(|row| row.get(n..).map(<[f64]>::to_vec))
        .collect()
}
