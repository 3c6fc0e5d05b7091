//! Summing over many rows on several threads (scoped threads, fixed chunks).

use crate::churn::ChurnError;

use super::data::Row;

/// Rows above which the likelihood is summed on several threads.
pub(super) const PARALLEL_FROM: usize = 20_000;

/// Sums `per_row` (LL and gradient of one row) over the rows, on several threads when large.
pub(super) fn sum_rows<F>(
    rows: &[Row],
    threads: usize,
    n_params: usize,
    per_row: F,
) -> Result<(f64, Vec<f64>), ChurnError>
where
    F: Fn(&Row, &mut [f64]) -> Result<f64, ChurnError> + Sync,
{
    let chunk_sum = |chunk: &[Row]| -> Result<(f64, Vec<f64>), ChurnError> {
        let mut total = 0.0;
        let mut grad = vec![0.0; n_params];
        let mut row_grad = vec![0.0; n_params];
        for row in chunk {
            row_grad.fill(0.0);
            total += row.weight * per_row(row, &mut row_grad)?;
            for (g, r) in grad.iter_mut().zip(&row_grad) {
                *g += row.weight * r;
            }
        }
        Ok((total, grad))
    };
    if rows.len() < PARALLEL_FROM || threads < 2 {
        return chunk_sum(rows);
    }
    let chunk_len = rows.len().div_ceil(threads);
    let parts: Vec<Result<(f64, Vec<f64>), ChurnError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || chunk_sum(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(ChurnError::NotFinite)))
            .collect()
    });
    let mut total = 0.0;
    let mut grad = vec![0.0; n_params];
    for part in parts {
        let (t, g) = part?;
        total += t;
        for (a, b) in grad.iter_mut().zip(g) {
            *a += b;
        }
    }
    Ok((total, grad))
}

/// `f` of every item, on `threads` threads when there are many.
pub(super) fn map_parallel<T: Sync, F>(
    items: &[T],
    threads: usize,
    f: F,
) -> Result<Vec<f64>, ChurnError>
where
    F: Fn(&T) -> Result<f64, ChurnError> + Sync,
{
    const PARALLEL_ITEMS_FROM: usize = 1_000;
    if items.len() < PARALLEL_ITEMS_FROM || threads < 2 {
        return items.iter().map(&f).collect();
    }
    let chunk_len = items.len().div_ceil(threads);
    let f = &f;
    let parts: Vec<Result<Vec<f64>, ChurnError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk_len)
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(ChurnError::NotFinite)))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}
