//! RFM: recency, frequency and monetary scores 1..=5 from quantile cut points, and the named
//! segments retention teams use.
//!
//! - **R** from the time since the last purchase (T − t_x, in the model's time unit): the most
//!   recent fifth scores 5;
//! - **F** from the frequency x: the most frequent fifth scores 5;
//! - **M** from the mean spend of repeat purchases (in the model's money unit): the highest
//!   fifth scores 5.
//!
//! A score is 1 plus the number of cut points the value is beyond (above for F and M, at or
//! below for R), so ties at a cut point fall to the lower score. The cut points are the 20th,
//! 40th, 60th and 80th percentiles of a customer base, fitted on the host ([`fit_cuts`], `std`).
//! Segments read R and F, as in the usual 5×5 RFM grid (see [`Segment`]).

use core::fmt;

use serde::{Deserialize, Serialize};

use super::ChurnError;

/// Cut points per score: four ascending values split a customer base into five.
pub const CUTS_PER_SCORE: usize = 4;

/// The quantile cut points of R (time since last purchase), F (frequency) and M (mean spend),
/// each non-decreasing and finite.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RfmCutsWire", into = "RfmCutsWire")]
pub struct RfmCuts {
    recency: [f64; CUTS_PER_SCORE],
    frequency: [f64; CUTS_PER_SCORE],
    monetary: [f64; CUTS_PER_SCORE],
}

#[derive(Serialize, Deserialize)]
struct RfmCutsWire {
    recency: [f64; CUTS_PER_SCORE],
    frequency: [f64; CUTS_PER_SCORE],
    monetary: [f64; CUTS_PER_SCORE],
}

impl From<RfmCuts> for RfmCutsWire {
    fn from(cuts: RfmCuts) -> RfmCutsWire {
        RfmCutsWire {
            recency: cuts.recency,
            frequency: cuts.frequency,
            monetary: cuts.monetary,
        }
    }
}

impl TryFrom<RfmCutsWire> for RfmCuts {
    type Error = ChurnError;
    fn try_from(wire: RfmCutsWire) -> Result<RfmCuts, ChurnError> {
        RfmCuts::new(wire.recency, wire.frequency, wire.monetary)
    }
}

/// R, F and M scores, each 1..=5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RfmScore {
    /// Recency score: 5 for the most recent buyers.
    pub recency: u8,
    /// Frequency score: 5 for the most frequent buyers.
    pub frequency: u8,
    /// Monetary score: 5 for the highest mean spend.
    pub monetary: u8,
}

/// The named RFM segments, from the R and F scores (the usual 5×5 grid).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Segment {
    /// R 5, F 4–5: bought recently, buy often.
    Champions = 1,
    /// R 3–4, F 4–5: buy often, a little less recently.
    Loyal = 2,
    /// R 4–5, F 2–3: recent, with a few repeat purchases.
    PotentialLoyalists = 3,
    /// R 5, F 1: bought very recently, rarely before.
    NewCustomers = 4,
    /// R 4, F 1: recent one-off buyers.
    Promising = 5,
    /// R 3, F 3: average on both.
    NeedAttention = 6,
    /// R 3, F 1–2: fading, never frequent.
    AboutToSleep = 7,
    /// R 1–2, F 3–4: used to buy often, not lately.
    AtRisk = 8,
    /// R 1–2, F 5: the best customers of old, gone quiet.
    CannotLoseThem = 9,
    /// R 2, F 1–2, or R 1, F 2: long quiet, never frequent.
    Hibernating = 10,
    /// R 1, F 1: the longest gone, the least frequent.
    Lost = 11,
}

impl Segment {
    /// Every segment, in code order (1..=11): the list the bindings publish.
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::PotentialLoyalists,
        Segment::NewCustomers,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CannotLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// The segment's code, 1..=11 in [`Segment::ALL`] order: the number the bindings and
    /// score tables carry.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// A lower-case name with underscores (`"at_risk"`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::Loyal => "loyal",
            Segment::PotentialLoyalists => "potential_loyalists",
            Segment::NewCustomers => "new_customers",
            Segment::Promising => "promising",
            Segment::NeedAttention => "need_attention",
            Segment::AboutToSleep => "about_to_sleep",
            Segment::AtRisk => "at_risk",
            Segment::CannotLoseThem => "cannot_lose_them",
            Segment::Hibernating => "hibernating",
            Segment::Lost => "lost",
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl RfmScore {
    /// The segment of these R and F scores.
    #[must_use]
    pub fn segment(&self) -> Segment {
        use Segment::*;
        // Rows R = 1..=5, columns F = 1..=5.
        const GRID: [[Segment; 5]; 5] = [
            [Lost, Hibernating, AtRisk, AtRisk, CannotLoseThem],
            [Hibernating, Hibernating, AtRisk, AtRisk, CannotLoseThem],
            [AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal],
            [
                Promising,
                PotentialLoyalists,
                PotentialLoyalists,
                Loyal,
                Loyal,
            ],
            [
                NewCustomers,
                PotentialLoyalists,
                PotentialLoyalists,
                Champions,
                Champions,
            ],
        ];
        let row = usize::from(self.recency.clamp(1, 5).saturating_sub(1));
        let column = usize::from(self.frequency.clamp(1, 5).saturating_sub(1));
        GRID.get(row)
            .and_then(|cells| cells.get(column))
            .copied()
            .unwrap_or(Lost)
    }
}

fn ascending(cuts: &[f64; CUTS_PER_SCORE]) -> bool {
    cuts.iter().all(|c| c.is_finite()) && cuts.windows(2).all(|w| matches!(w, [lo, hi] if lo <= hi))
}

/// 1 + the number of cuts `value` is above.
fn score_above(cuts: &[f64; CUTS_PER_SCORE], value: f64) -> u8 {
    let above = cuts.iter().filter(|&&cut| value > cut).count();
    // At most 4 cuts: 1..=5 fits in u8.
    #[allow(clippy::cast_possible_truncation, clippy::arithmetic_side_effects)]
    let score = 1 + above as u8;
    score
}

impl RfmCuts {
    /// Cut points for R (time since last purchase), F (frequency) and M (mean spend); each
    /// must be finite and non-decreasing, or [`ChurnError::ParameterOutOfDomain`].
    pub fn new(
        recency: [f64; CUTS_PER_SCORE],
        frequency: [f64; CUTS_PER_SCORE],
        monetary: [f64; CUTS_PER_SCORE],
    ) -> Result<RfmCuts, ChurnError> {
        if ascending(&recency) && ascending(&frequency) && ascending(&monetary) {
            Ok(RfmCuts {
                recency,
                frequency,
                monetary,
            })
        } else {
            Err(ChurnError::ParameterOutOfDomain)
        }
    }

    /// `(recency, frequency, monetary)` cut points.
    #[must_use]
    pub const fn get(&self) -> ([f64; 4], [f64; 4], [f64; 4]) {
        (self.recency, self.frequency, self.monetary)
    }

    /// Scores a customer from the time since their last purchase, their frequency and their
    /// mean spend.
    ///
    /// ```
    /// use retention_core::churn::rfm::{RfmCuts, Segment};
    /// let cuts = RfmCuts::new([2.0, 8.0, 20.0, 30.0], [0.0, 1.0, 2.0, 5.0], [10.0, 20.0, 30.0, 50.0])?;
    /// let score = cuts.score(1.5, 7.0, 42.0)?;
    /// assert_eq!((score.recency, score.frequency, score.monetary), (5, 5, 4));
    /// assert_eq!(score.segment(), Segment::Champions);
    /// # Ok::<(), retention_core::churn::ChurnError>(())
    /// ```
    ///
    /// Errors: [`ChurnError::InvalidArgument`] for a value that is NaN, infinite or negative.
    pub fn score(
        &self,
        since_last_purchase: f64,
        frequency: f64,
        mean_spend: f64,
    ) -> Result<RfmScore, ChurnError> {
        let valid = |v: f64| v.is_finite() && v >= 0.0;
        if !valid(since_last_purchase) || !valid(frequency) || !valid(mean_spend) {
            return Err(ChurnError::InvalidArgument);
        }
        // R: fewer cuts exceeded is better, so 6 − (1 + above) = 5 − above.
        let r_above = score_above(&self.recency, since_last_purchase);
        #[allow(clippy::arithmetic_side_effects)] // r_above is 1..=5
        let recency = 6 - r_above;
        Ok(RfmScore {
            recency,
            frequency: score_above(&self.frequency, frequency),
            monetary: score_above(&self.monetary, mean_spend),
        })
    }
}

/// The 20th, 40th, 60th and 80th percentiles of each column (linear interpolation between
/// order statistics, NumPy's default), as [`RfmCuts`]. Host only.
///
/// Errors: [`ChurnError::InvalidArgument`] for empty or unequal columns or a NaN, infinite or
/// negative value.
#[cfg(feature = "std")]
pub fn fit_cuts(
    since_last_purchase: &[f64],
    frequency: &[f64],
    mean_spend: &[f64],
) -> Result<RfmCuts, ChurnError> {
    let n = since_last_purchase.len();
    if n == 0 || frequency.len() != n || mean_spend.len() != n {
        return Err(ChurnError::InvalidArgument);
    }
    let quantiles = |column: &[f64]| -> Result<[f64; CUTS_PER_SCORE], ChurnError> {
        if column.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(ChurnError::InvalidArgument);
        }
        let mut sorted = column.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut cuts = [0.0; CUTS_PER_SCORE];
        for (k, cut) in cuts.iter_mut().enumerate() {
            // h = (n − 1) q, between order statistics ⌊h⌋ and ⌈h⌉.
            #[allow(clippy::cast_precision_loss)]
            let h = n.saturating_sub(1) as f64 * (k as f64 + 1.0) / 5.0;
            let low = libm::floor(h);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = low as usize;
            let lo = sorted.get(i).copied().ok_or(ChurnError::InvalidArgument)?;
            let hi = sorted.get(i.saturating_add(1)).copied().unwrap_or(lo);
            *cut = lo + (h - low) * (hi - lo);
        }
        Ok(cuts)
    };
    RfmCuts::new(
        quantiles(since_last_purchase)?,
        quantiles(frequency)?,
        quantiles(mean_spend)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_segment_once_in_code_order() {
        assert_eq!(
            Segment::ALL.map(Segment::code),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        );
        assert_eq!(Segment::ALL[7].name(), "at_risk");
    }

    #[test]
    fn every_grid_cell_has_a_segment() {
        use Segment::*;
        // Rows R = 5..1, columns F = 1..5.
        let grid = [
            [
                NewCustomers,
                PotentialLoyalists,
                PotentialLoyalists,
                Champions,
                Champions,
            ],
            [
                Promising,
                PotentialLoyalists,
                PotentialLoyalists,
                Loyal,
                Loyal,
            ],
            [AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, AtRisk, CannotLoseThem],
            [Lost, Hibernating, AtRisk, AtRisk, CannotLoseThem],
        ];
        for (row, r) in grid.iter().zip([5u8, 4, 3, 2, 1]) {
            for (want, f) in row.iter().zip(1u8..=5) {
                let score = RfmScore {
                    recency: r,
                    frequency: f,
                    monetary: 3,
                };
                assert_eq!(score.segment(), *want, "R{r} F{f}");
            }
        }
    }

    #[test]
    fn scores_and_ties() {
        let cuts = RfmCuts::new(
            [2.0, 8.0, 20.0, 30.0],
            [0.0, 0.0, 1.0, 3.0],
            [10.0, 20.0, 30.0, 50.0],
        )
        .unwrap();
        // At a cut point: not beyond it. R: 8 days exceeds one cut (2) → 4.
        let s = cuts.score(8.0, 0.0, 10.0).unwrap();
        assert_eq!((s.recency, s.frequency, s.monetary), (4, 1, 1));
        let s = cuts.score(31.0, 1.0, 50.5).unwrap();
        assert_eq!((s.recency, s.frequency, s.monetary), (1, 3, 5));
        assert_eq!(s.segment(), Segment::AtRisk);
        assert_eq!(
            cuts.score(f64::NAN, 1.0, 1.0),
            Err(ChurnError::InvalidArgument)
        );
        assert_eq!(
            RfmCuts::new([2.0, 1.0, 3.0, 4.0], [0.0; 4], [0.0; 4]),
            Err(ChurnError::ParameterOutOfDomain)
        );
    }

    #[test]
    fn quantiles_like_numpy() {
        // 0..=10: numpy.percentile([0..10], [20, 40, 60, 80]) = [2, 4, 6, 8];
        // [1, 2, 3, 4]: h = 0.6, 1.2, 1.8, 2.4 → 1.6, 2.2, 2.8, 3.4.
        let column: Vec<f64> = (0..=10).map(f64::from).collect();
        let cuts = fit_cuts(&column, &column, &column).unwrap();
        assert_eq!(cuts.get().0, [2.0, 4.0, 6.0, 8.0]);
        let small = [4.0, 1.0, 3.0, 2.0];
        let cuts = fit_cuts(&small, &small, &small).unwrap();
        for (got, want) in cuts.get().1.iter().zip([1.6, 2.2, 2.8, 3.4]) {
            assert!((got - want).abs() < 1e-12);
        }
        assert_eq!(fit_cuts(&[], &[], &[]), Err(ChurnError::InvalidArgument));
        assert_eq!(
            fit_cuts(&[1.0], &[-1.0], &[1.0]),
            Err(ChurnError::InvalidArgument)
        );
    }
}
