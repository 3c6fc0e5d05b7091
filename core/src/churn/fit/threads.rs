//! Summing over many rows on several threads, reproducibly: the rows are cut into chunks of a
//! fixed size ([`CHUNK_ROWS`]), each chunk is summed alone, and the chunk sums are added in
//! chunk order. Which thread sums which chunk changes nothing, so a fit gives the same bits on
//! 1, 2 or 16 cores.
//!
//! The threads take the chunks one at a time from a shared counter (the calling thread works
//! too), so that a thread whose chunks are cheap (BG/NBD's rows without repeat purchases, all
//! at the start of the data) or that the machine slows down does not leave the others waiting.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

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
        in_chunk_order(chunks, threads, &chunk, || (f64::NAN, vec![f64::NAN; n]))
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

/// `work(c)` for every task `c` in `0..tasks`, in task order, on `threads` threads (the calling
/// thread one of them) taking the tasks one at a time from a shared counter. A thread that
/// panicked leaves `failed()` in place of its tasks' results.
fn in_chunk_order<R: Send>(
    tasks: usize,
    threads: usize,
    work: &(impl Fn(usize) -> R + Sync),
    failed: impl Fn() -> R,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let take = || {
        let mut done = Vec::new();
        loop {
            let task = next.fetch_add(1, Ordering::Relaxed);
            if task >= tasks {
                return done;
            }
            done.push((task, work(task)));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads.min(tasks)).map(|_| scope.spawn(take)).collect();
        let mut done = take();
        for handle in handles {
            match handle.join() {
                Ok(theirs) => done.extend(theirs),
                Err(_) => done.push((usize::MAX, failed())),
            }
        }
        done
    });
    done.sort_unstable_by_key(|(task, _)| *task);
    done.into_iter().map(|(_, result)| result).collect()
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
    // Blocks of items taken one at a time (their costs differ: Pareto/NBD's series).
    const BLOCK_ITEMS: usize = 256;
    let blocks = items.len().div_ceil(BLOCK_ITEMS);
    let block = |b: usize| -> Result<Vec<R>, ChurnError> {
        let start = b.saturating_mul(BLOCK_ITEMS);
        items
            .get(start..start.saturating_add(BLOCK_ITEMS).min(items.len()))
            .unwrap_or(&[])
            .iter()
            .map(&f)
            .collect()
    };
    let parts = in_chunk_order(blocks, threads, &block, || Err(ChurnError::NotFinite));
    let mut out = Vec::with_capacity(items.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// The function of one row that [`lane_sums`] sums: `K` values of `(t_x, T)`. Any
/// `Fn(f64, f64) -> [f64; K]` closure is one; a large row function is better a type of its own
/// whose `row` is `#[inline(always)]`, since LLVM calls a large closure out of line, once per
/// row (which also keeps it from vectorising across the lanes).
pub(crate) trait Row<const K: usize> {
    /// The row's `K` values.
    fn row(&self, t_x: f64, big_t: f64) -> [f64; K];
}

impl<const K: usize, F: Fn(f64, f64) -> [f64; K]> Row<K> for F {
    #[inline(always)]
    fn row(&self, t_x: f64, big_t: f64) -> [f64; K] {
        self(t_x, big_t)
    }
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
    F: Row<K>,
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
            let values = row.row(*a, *b);
            for (s, v) in lane.iter_mut().zip(values) {
                *s += w * v;
            }
        }
    }
    for (lane, ((a, b), w)) in lanes.iter_mut().zip(ra.iter().zip(rb).zip(rw)) {
        let values = row.row(*a, *b);
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
