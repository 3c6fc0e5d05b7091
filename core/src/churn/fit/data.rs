//! The data a fit runs on: rows merged by value with their summed weights, times rescaled,
//! the distinct frequencies, times and (frequency, time) pairs the likelihoods share.

use std::collections::HashMap;

use crate::churn::{ChurnError, FoldHash, Observation};

use super::FitError;

/// One distinct row with its summed weight.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    pub(super) x: f64,
    pub(super) t_x: f64,
    pub(super) big_t: f64,
    pub(super) weight: f64,
    /// Index of `x` in the distinct frequencies.
    pub(super) group: usize,
    /// Index of `t_x` in the distinct times.
    pub(super) t_x_at: usize,
    /// Index of `big_t` in the distinct times.
    pub(super) big_t_at: usize,
    /// Index of `(group, t_x_at)` in the distinct pairs.
    pub(super) t_x_pair: usize,
    /// Index of `(group, big_t_at)` in the distinct pairs.
    pub(super) big_t_pair: usize,
}

/// The data, deduplicated, with the distinct frequencies and times: the beta-geometric
/// likelihoods take `ln(α + t)` once per distinct time rather than twice per row (customer data
/// at day resolution has a few hundred distinct times for any number of customers).
#[derive(Clone, Debug)]
pub(super) struct Data {
    pub(super) rows: Vec<Row>,
    pub(super) frequencies: Vec<f64>,
    /// Every distinct recency and age, ascending (for Gamma-Gamma: the mean spends).
    pub(super) times: Vec<f64>,
    /// Every distinct (frequency group, time index) of a recency or an age, ascending: the
    /// Pareto/NBD likelihood's series depend on these alone.
    pub(super) pairs: Vec<(usize, usize)>,
    pub(super) total_weight: f64,
    /// Times were multiplied by this.
    pub(super) scale: f64,
    /// Threads to sum the likelihood on.
    pub(super) threads: usize,
}

/// A row before merging: the bits of (x, t_x, T) (non-negative floats sort like their bits)
/// and its weight.
pub(super) type Keyed = ([u64; 3], f64);

/// Merges identical rows as they come, summing their weights in row order (a hash map: only the
/// distinct rows are sorted afterwards, and a customer base at day resolution has a fraction of
/// its rows distinct).
#[derive(Default)]
pub(super) struct Merger {
    pub(super) index: HashMap<[u64; 3], usize, FoldHash>,
    pub(super) rows: Vec<Keyed>,
}

impl Merger {
    pub(super) fn add(&mut self, key: [u64; 3], weight: f64) {
        match self.index.get(&key).and_then(|&i| self.rows.get_mut(i)) {
            Some((_, total)) => *total += weight,
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push((key, weight));
            }
        }
    }
}

impl Data {
    pub(super) fn new(
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Data, FitError> {
        let n = frequency.len();
        if recency.len() != n || age.len() != n || weights.is_some_and(|w| w.len() != n) {
            return Err(FitError::LengthMismatch);
        }
        if n == 0 {
            return Err(FitError::Empty);
        }
        let mut merger = Merger::default();
        let mut max_age = 0.0_f64;
        let columns = frequency.iter().zip(recency).zip(age).enumerate();
        for (index, ((&x, &t_x), &big_t)) in columns {
            let customer =
                Observation::new(x, t_x, big_t).map_err(|error| FitError::Row { index, error })?;
            let weight = weights.and_then(|w| w.get(index)).copied().unwrap_or(1.0);
            if !(weight.is_finite() && weight > 0.0) {
                return Err(FitError::InvalidWeight { index });
            }
            max_age = max_age.max(customer.age());
            // +0.0 for −0.0, so that equal values have equal bits.
            let bits = |v: f64| (v + 0.0).to_bits();
            merger.add(
                [
                    bits(customer.frequency()),
                    bits(customer.recency()),
                    bits(customer.age()),
                ],
                weight,
            );
        }
        let scale = if max_age > 0.0 { 10.0 / max_age } else { 1.0 };
        Ok(Data::from_merged(merger.rows, scale))
    }

    /// The data of distinct rows, sorted by x, then t_x, then T.
    pub(super) fn from_merged(mut merged: Vec<Keyed>, scale: f64) -> Data {
        merged.sort_unstable_by_key(|(key, _)| *key);
        let mut times: Vec<f64> = merged
            .iter()
            .flat_map(|([_, t_x, big_t], _)| [f64::from_bits(*t_x), f64::from_bits(*big_t)])
            .map(|t| t * scale)
            .collect();
        times.sort_unstable_by(f64::total_cmp);
        times.dedup();
        let at = |t: f64| times.partition_point(|v| *v < t);
        let mut frequencies: Vec<f64> = Vec::new();
        let mut rows = Vec::with_capacity(merged.len());
        let mut total_weight = 0.0;
        for ([x, t_x, big_t], weight) in merged {
            let x = f64::from_bits(x);
            if frequencies.last() != Some(&x) {
                frequencies.push(x);
            }
            let (t_x, big_t) = (f64::from_bits(t_x) * scale, f64::from_bits(big_t) * scale);
            rows.push(Row {
                x,
                t_x,
                big_t,
                weight,
                group: frequencies.len().saturating_sub(1),
                t_x_at: at(t_x),
                big_t_at: at(big_t),
                t_x_pair: 0,
                big_t_pair: 0,
            });
            total_weight += weight;
        }
        Data {
            rows,
            frequencies,
            times,
            pairs: Vec::new(),
            total_weight,
            scale,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }

    /// The same data with its distinct (frequency, time) pairs, which Pareto/NBD needs.
    pub(super) fn with_pairs(mut self) -> Data {
        let mut pairs: Vec<(usize, usize)> = self
            .rows
            .iter()
            .flat_map(|row| [(row.group, row.t_x_at), (row.group, row.big_t_at)])
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for row in &mut self.rows {
            row.t_x_pair = pairs.partition_point(|p| *p < (row.group, row.t_x_at));
            row.big_t_pair = pairs.partition_point(|p| *p < (row.group, row.big_t_at));
        }
        self.pairs = pairs;
        self
    }

    /// The same rows in the original time unit.
    pub(super) fn unscaled(&self) -> Data {
        let mut data = self.clone();
        for row in &mut data.rows {
            row.t_x /= self.scale;
            row.big_t /= self.scale;
        }
        for t in &mut data.times {
            *t /= self.scale;
        }
        data.scale = 1.0;
        data
    }

    /// `(ln(α + t), 1/(α + t))` for every distinct time `t`.
    pub(super) fn log_times(&self, alpha: f64) -> Vec<LogTime> {
        self.times
            .iter()
            .map(|t| ((alpha + t).ln(), 1.0 / (alpha + t)))
            .collect()
    }
}

/// `(ln(α + t), 1/(α + t))` of one time `t`.
pub(super) type LogTime = (f64, f64);

/// `ln(α + t)` and `1/(α + t)` of a row's recency and age, from the table of distinct times.
pub(super) fn row_times(table: &[LogTime], row: &Row) -> Result<(LogTime, LogTime), ChurnError> {
    let at = |i: usize| table.get(i).copied().ok_or(ChurnError::NotFinite);
    Ok((at(row.t_x_at)?, at(row.big_t_at)?))
}
