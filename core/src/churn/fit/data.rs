//! The data a fit runs on: rows merged by value with their summed weights, grouped by
//! frequency, times rescaled, as columns (structure of arrays, so that the likelihood loops
//! vectorise); for Pareto/NBD also the distinct (frequency, time) pairs its series depend on.

use std::collections::HashMap;
use std::ops::Range;

use crate::churn::{FoldHash, Observation};

use super::FitError;

/// The data, deduplicated and grouped by frequency: rows of one frequency are contiguous
/// (in the order their first copy came), so that the per-frequency parts of a likelihood are
/// constants of an inner loop.
#[derive(Clone, Debug, Default)]
pub(crate) struct Data {
    /// Frequency x of each row (for Gamma-Gamma: the frequency).
    pub(crate) x: Vec<f64>,
    /// Recency t_x of each row, scaled (for Gamma-Gamma: the mean spend).
    pub(crate) t_x: Vec<f64>,
    /// Age T of each row, scaled (for Gamma-Gamma: `ln` of the mean spend).
    pub(crate) big_t: Vec<f64>,
    /// The summed weight of each row.
    pub(crate) weight: Vec<f64>,
    /// The distinct frequencies, ascending.
    pub(crate) frequencies: Vec<f64>,
    /// The rows of each distinct frequency.
    pub(crate) groups: Vec<Range<usize>>,
    /// Pareto/NBD: every distinct (frequency group, scaled time) of a recency or an age,
    /// ascending, and for each row the index of its (x, t_x) and (x, T) pair.
    pub(crate) pairs: Vec<(usize, f64)>,
    pub(crate) t_x_pair: Vec<usize>,
    pub(crate) big_t_pair: Vec<usize>,
    pub(crate) total_weight: f64,
    /// Times were multiplied by this.
    pub(crate) scale: f64,
    /// Threads to sum the likelihood on.
    pub(crate) threads: usize,
}

/// A row before merging: the bits of (x, t_x, T) (non-negative floats sort like their bits)
/// and its weight.
pub(crate) type Keyed = ([u64; 3], f64);

/// Merges identical rows as they come, summing their weights in row order (a hash map: a
/// customer base at day resolution has a fraction of its rows distinct).
#[derive(Default)]
pub(crate) struct Merger {
    pub(crate) index: HashMap<[u64; 3], usize, FoldHash>,
    pub(crate) rows: Vec<Keyed>,
}

impl Merger {
    pub(crate) fn with_capacity(rows: usize) -> Merger {
        Merger {
            index: HashMap::with_capacity_and_hasher(rows, FoldHash::default()),
            rows: Vec::with_capacity(rows),
        }
    }

    pub(crate) fn add(&mut self, key: [u64; 3], weight: f64) {
        match self.index.get(&key).and_then(|&i| self.rows.get_mut(i)) {
            Some((_, total)) => *total += weight,
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push((key, weight));
            }
        }
    }
}

/// Threads to use: `requested`, or every available core when `None` (at least one).
pub(crate) fn thread_count(requested: Option<usize>) -> usize {
    requested
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1)
}

impl Data {
    /// Checks and merges the columns of a purchase-model fit.
    pub(crate) fn new(
        frequency: &[f64],
        recency: &[f64],
        age: &[f64],
        weights: Option<&[f64]>,
        threads: Option<usize>,
    ) -> Result<Data, FitError> {
        let n = frequency.len();
        if recency.len() != n || age.len() != n || weights.is_some_and(|w| w.len() != n) {
            return Err(FitError::LengthMismatch);
        }
        if n == 0 {
            return Err(FitError::Empty);
        }
        let mut merger = Merger::with_capacity(n.min(1 << 20));
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
        Ok(Data::from_merged(merger.rows, scale, thread_count(threads)))
    }

    /// The data of distinct rows in ascending order of their values (so the same rows give the
    /// same sums, and the same parameter bits, whatever order or grouping they came in: a
    /// customer base and its compressed `(x, t_x, T, weight)` rows fit alike), grouped by
    /// frequency, times × `scale`.
    pub(crate) fn from_merged(mut merged: Vec<Keyed>, scale: f64, threads: usize) -> Data {
        // Keys are unique after merging; non-negative floats order like their bits.
        merged.sort_unstable_by_key(|(key, _)| *key);
        let mut frequencies: Vec<f64> = merged.iter().map(|(k, _)| f64::from_bits(k[0])).collect();
        frequencies.sort_unstable_by(f64::total_cmp);
        frequencies.dedup();
        // A counting sort by frequency: stable, linear.
        let group_of = |x: f64| frequencies.partition_point(|v| *v < x);
        let mut counts = vec![0usize; frequencies.len()];
        let row_groups: Vec<usize> = merged
            .iter()
            .map(|(k, _)| {
                let group = group_of(f64::from_bits(k[0]));
                if let Some(c) = counts.get_mut(group) {
                    *c = c.saturating_add(1);
                }
                group
            })
            .collect();
        let mut groups = Vec::with_capacity(counts.len());
        let mut start: usize = 0;
        for count in &counts {
            let end = start.saturating_add(*count);
            groups.push(start..end);
            start = end;
        }
        let n = merged.len();
        let mut data = Data {
            x: vec![0.0; n],
            t_x: vec![0.0; n],
            big_t: vec![0.0; n],
            weight: vec![0.0; n],
            frequencies,
            scale,
            threads,
            ..Data::default()
        };
        let mut next: Vec<usize> = groups.iter().map(|g| g.start).collect();
        for (([x, t_x, big_t], weight), group) in merged.into_iter().zip(row_groups) {
            let Some(slot) = next.get_mut(group) else {
                continue;
            };
            let at = *slot;
            *slot = slot.saturating_add(1);
            if let (Some(dx), Some(dtx), Some(dt), Some(dw)) = (
                data.x.get_mut(at),
                data.t_x.get_mut(at),
                data.big_t.get_mut(at),
                data.weight.get_mut(at),
            ) {
                *dx = f64::from_bits(x);
                *dtx = f64::from_bits(t_x) * scale;
                *dt = f64::from_bits(big_t) * scale;
                *dw = weight;
            }
            data.total_weight += weight;
        }
        data.groups = groups;
        data
    }

    /// Rows merged.
    pub(crate) fn len(&self) -> usize {
        self.x.len()
    }

    /// The same data with its distinct (frequency, time) pairs, which Pareto/NBD needs.
    pub(crate) fn with_pairs(mut self) -> Data {
        let mut pairs: Vec<(usize, f64)> = Vec::with_capacity(self.len().saturating_mul(2));
        for (group, rows) in self.groups.iter().enumerate() {
            for i in rows.clone() {
                if let (Some(&t_x), Some(&big_t)) = (self.t_x.get(i), self.big_t.get(i)) {
                    pairs.push((group, t_x));
                    pairs.push((group, big_t));
                }
            }
        }
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        pairs.dedup();
        let find = |group: usize, t: f64| {
            pairs.partition_point(|p| p.0 < group || (p.0 == group && p.1 < t))
        };
        let mut t_x_pair = vec![0; self.len()];
        let mut big_t_pair = vec![0; self.len()];
        for (group, rows) in self.groups.iter().enumerate() {
            for i in rows.clone() {
                if let (Some(&t_x), Some(&big_t), Some(a), Some(b)) = (
                    self.t_x.get(i),
                    self.big_t.get(i),
                    t_x_pair.get_mut(i),
                    big_t_pair.get_mut(i),
                ) {
                    *a = find(group, t_x);
                    *b = find(group, big_t);
                }
            }
        }
        self.pairs = pairs;
        self.t_x_pair = t_x_pair;
        self.big_t_pair = big_t_pair;
        self
    }

    /// The same rows in the original time unit.
    pub(crate) fn unscaled(&self) -> Data {
        let mut data = self.clone();
        for t in data.t_x.iter_mut().chain(data.big_t.iter_mut()) {
            *t /= self.scale;
        }
        for pair in &mut data.pairs {
            pair.1 /= self.scale;
        }
        data.scale = 1.0;
        data
    }

    /// The runs of one frequency group within `rows`: `(group, rows of it)`, in order.
    pub(crate) fn runs(
        &self,
        rows: Range<usize>,
    ) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        let first = self.groups.partition_point(|g| g.end <= rows.start);
        self.groups
            .iter()
            .enumerate()
            .skip(first)
            .take_while(move |(_, g)| g.start < rows.end)
            .map(move |(group, g)| (group, g.start.max(rows.start)..g.end.min(rows.end)))
    }
}
