//! Summing over many rows on several threads, reproducibly: the rows are cut into chunks of a
//! fixed size ([`CHUNK_ROWS`]), each chunk is summed alone, and the chunk sums are added in
//! chunk order. Which thread sums which chunk changes nothing, so a fit gives the same bits on
//! 1, 2 or 16 cores.

use std::ops::Range;

use crate::churn::ChurnError;

/// Rows per chunk: the unit of work of the threads and of the summation order.
pub const CHUNK_ROWS: usize = 4_096;

/// Lanes of the row loops' partial sums: a loop over rows keeps `LANES` running sums (row `i`
/// adds into sum `i % LANES`) and adds them in lane order at the end. A fixed order, so the same
/// bits everywhere, and independent sums, so the loop vectorises.
pub(crate) const LANES: usize = 4;

/// The sum of `per_chunk` over the chunks of `0..rows`, in chunk order: each call returns its
/// chunk's value and adds its gradient into a zeroed slice of `n` (the sums are accumulated
/// the same way). On `threads` threads when there is more than one chunk.
pub(crate) fn sum_chunks<F>(rows: usize, threads: usize, n: usize, per_chunk: F) -> (f64, Vec<f64>)
where
    F: Fn(Range<usize>, &mut [f64]) -> f64 + Sync,
{
    let chunks = rows.div_ceil(CHUNK_ROWS);
    let chunk = |c: usize| -> (f64, Vec<f64>) {
        let mut grad = vec![0.0; n];
        let start = c.saturating_mul(CHUNK_ROWS);
        let value = per_chunk(start..start.saturating_add(CHUNK_ROWS).min(rows), &mut grad);
        (value, grad)
    };
    let parts: Vec<(f64, Vec<f64>)> = if threads < 2 || chunks < 2 {
        (0..chunks).map(chunk).collect()
    } else {
        let per_thread = chunks.div_ceil(threads);
        let chunk = &chunk;
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..chunks)
                .step_by(per_thread)
                .map(|first| {
                    scope.spawn(move || {
                        (first..first.saturating_add(per_thread).min(chunks))
                            .map(chunk)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|_| vec![(f64::NAN, vec![f64::NAN; n])])
                })
                .collect()
        })
    };
    let mut total = 0.0;
    let mut grad = vec![0.0; n];
    for (value, g) in parts {
        total += value;
        for (a, b) in grad.iter_mut().zip(g) {
            *a += b;
        }
    }
    (total, grad)
}

/// `f` of every item, on `threads` threads when there are many (each result is its own, so
/// the thread count changes nothing).
pub(crate) fn map_parallel<T: Sync, R: Send, F>(
    items: &[T],
    threads: usize,
    f: F,
) -> Result<Vec<R>, ChurnError>
where
    F: Fn(&T) -> Result<R, ChurnError> + Sync,
{
    const PARALLEL_ITEMS_FROM: usize = 1_000;
    if items.len() < PARALLEL_ITEMS_FROM || threads < 2 {
        return items.iter().map(&f).collect();
    }
    let chunk_len = items.len().div_ceil(threads);
    let f = &f;
    let parts: Vec<Result<Vec<R>, ChurnError>> = std::thread::scope(|scope| {
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

/// `Σ weight · row(t_x, T)` over the rows of three equal-length columns into `sums` (`sums[0]`
/// the value, then the gradient), with [`LANES`] running sums. Inline, so that the row function
/// (branch-free, `churn::math`'s inline functions) vectorises across the lanes.
#[inline(always)]
pub(crate) fn lane_sums<const K: usize, F>(
    t_x: &[f64],
    big_t: &[f64],
    weight: &[f64],
    sums: &mut [f64; K],
    row: F,
) where
    F: Fn(f64, f64) -> [f64; K],
{
    let mut lanes = [[0.0; K]; LANES];
    let (a, b, w) = (
        t_x.chunks_exact(LANES),
        big_t.chunks_exact(LANES),
        weight.chunks_exact(LANES),
    );
    let (ra, rb, rw) = (a.remainder(), b.remainder(), w.remainder());
    for ((a, b), w) in a.zip(b).zip(w) {
        for (lane, ((a, b), w)) in lanes.iter_mut().zip(a.iter().zip(b).zip(w)) {
            let values = row(*a, *b);
            for (s, v) in lane.iter_mut().zip(values) {
                *s += w * v;
            }
        }
    }
    for (lane, ((a, b), w)) in lanes.iter_mut().zip(ra.iter().zip(rb).zip(rw)) {
        let values = row(*a, *b);
        for (s, v) in lane.iter_mut().zip(values) {
            *s += w * v;
        }
    }
    for lane in &lanes {
        for (s, v) in sums.iter_mut().zip(lane) {
            *s += v;
        }
    }
}
