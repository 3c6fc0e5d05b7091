//! Churn risk: `round(1000 · (1 − P(alive)))`, an integer 0..=1000 that the rule engine's
//! churn-risk condition compares against, and a [`RiskBand`] from configurable thresholds.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::ChurnError;

/// The highest churn risk (a customer certainly gone).
pub const MAX_RISK: u16 = 1_000;

/// Churn risk from P(alive): `round(1000 · (1 − p))`, halves away from zero.
///
/// ```
/// use retention_core::churn::risk::churn_risk;
/// assert_eq!(churn_risk(0.7266), Ok(273)); // 273.4
/// assert_eq!(churn_risk(1.0), Ok(0));
/// assert_eq!(churn_risk(0.0), Ok(1000));
/// ```
///
/// Errors: [`ChurnError::InvalidArgument`] for `p` outside `[0, 1]` or NaN.
pub fn churn_risk(p_alive: f64) -> Result<u16, ChurnError> {
    if !(0.0..=1.0).contains(&p_alive) {
        return Err(ChurnError::InvalidArgument);
    }
    let risk = libm::round(1000.0 * (1.0 - p_alive));
    // 0 ≤ risk ≤ 1000 because 0 ≤ p ≤ 1.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok((risk as u16).min(MAX_RISK))
}

/// A coarse reading of the churn risk, for rules and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum RiskBand {
    /// Below the first threshold.
    Low = 0,
    /// From the first threshold.
    Medium = 1,
    /// From the second threshold.
    High = 2,
    /// From the third threshold.
    Critical = 3,
}

impl RiskBand {
    /// Every band, in code order (index `i` holds the band with code `i`).
    pub const ALL: [RiskBand; 4] = [
        RiskBand::Low,
        RiskBand::Medium,
        RiskBand::High,
        RiskBand::Critical,
    ];

    /// The band's name: `"low"`, `"medium"`, `"high"` or `"critical"`; the spelling of
    /// messages and of the Python door's `band_name`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            RiskBand::Low => "low",
            RiskBand::Medium => "medium",
            RiskBand::High => "high",
            RiskBand::Critical => "critical",
        }
    }

    /// The band named `name` ([`RiskBand::name`]), if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<RiskBand> {
        RiskBand::ALL.into_iter().find(|band| band.name() == name)
    }

    /// The band's code, 0..=3 from low to critical (the C door's `RTN_CHURN_BAND_*`).
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The band with code `code` ([`RiskBand::code`]), if any.
    #[must_use]
    pub fn from_code(code: u8) -> Option<RiskBand> {
        RiskBand::ALL.into_iter().find(|band| band.code() == code)
    }
}

impl fmt::Display for RiskBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The risks at which the [`RiskBand`]s Medium, High and Critical start: strictly increasing,
/// each in 1..=1000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "[u16; 3]", into = "[u16; 3]")]
pub struct RiskThresholds([u16; 3]);

/// The thresholds are not strictly increasing within 1..=1000.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvalidThresholds;

impl fmt::Display for InvalidThresholds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("risk thresholds must be strictly increasing within 1..=1000")
    }
}

impl core::error::Error for InvalidThresholds {}

impl RiskThresholds {
    /// Medium from 250, High from 500, Critical from 750.
    pub const DEFAULT: RiskThresholds = RiskThresholds([250, 500, 750]);

    /// Thresholds `[medium, high, critical]`, strictly increasing within 1..=1000.
    pub const fn new(thresholds: [u16; 3]) -> Result<RiskThresholds, InvalidThresholds> {
        let [medium, high, critical] = thresholds;
        if medium >= 1 && medium < high && high < critical && critical <= MAX_RISK {
            Ok(RiskThresholds(thresholds))
        } else {
            Err(InvalidThresholds)
        }
    }

    /// `[medium, high, critical]`.
    #[must_use]
    pub const fn get(&self) -> [u16; 3] {
        self.0
    }

    /// The band of `risk`.
    ///
    /// ```
    /// use retention_core::churn::risk::{RiskBand, RiskThresholds};
    /// let bands = RiskThresholds::DEFAULT;
    /// assert_eq!(bands.band(249), RiskBand::Low);
    /// assert_eq!(bands.band(250), RiskBand::Medium);
    /// assert_eq!(bands.band(1000), RiskBand::Critical);
    /// ```
    #[must_use]
    pub const fn band(&self, risk: u16) -> RiskBand {
        let [medium, high, critical] = self.0;
        if risk >= critical {
            RiskBand::Critical
        } else if risk >= high {
            RiskBand::High
        } else if risk >= medium {
            RiskBand::Medium
        } else {
            RiskBand::Low
        }
    }
}

impl Default for RiskThresholds {
    fn default() -> RiskThresholds {
        RiskThresholds::DEFAULT
    }
}

impl TryFrom<[u16; 3]> for RiskThresholds {
    type Error = InvalidThresholds;
    fn try_from(thresholds: [u16; 3]) -> Result<RiskThresholds, InvalidThresholds> {
        RiskThresholds::new(thresholds)
    }
}

impl From<RiskThresholds> for [u16; 3] {
    fn from(thresholds: RiskThresholds) -> [u16; 3] {
        thresholds.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounding_and_range() {
        // 1000 · (1 − 0.9995) = 0.5 (in binary a hair above or below): either way 0 or 1.
        assert!(churn_risk(0.9995).unwrap() <= 1);
        assert_eq!(churn_risk(0.25), Ok(750));
        assert_eq!(churn_risk(0.2494), Ok(751)); // 750.6
        assert_eq!(churn_risk(-0.1), Err(ChurnError::InvalidArgument));
        assert_eq!(churn_risk(1.1), Err(ChurnError::InvalidArgument));
        assert_eq!(churn_risk(f64::NAN), Err(ChurnError::InvalidArgument));
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(RiskThresholds::new([1, 2, 1000]).is_ok());
        assert_eq!(RiskThresholds::new([0, 2, 3]), Err(InvalidThresholds));
        assert_eq!(RiskThresholds::new([5, 5, 6]), Err(InvalidThresholds));
        assert_eq!(RiskThresholds::new([5, 6, 1001]), Err(InvalidThresholds));
        let t = RiskThresholds::new([100, 400, 900]).unwrap();
        assert_eq!(
            [
                t.band(0),
                t.band(99),
                t.band(100),
                t.band(399),
                t.band(400),
                t.band(899),
                t.band(900)
            ],
            [
                RiskBand::Low,
                RiskBand::Low,
                RiskBand::Medium,
                RiskBand::Medium,
                RiskBand::High,
                RiskBand::High,
                RiskBand::Critical
            ]
        );
        let mut buf = [0u8; 8];
        let bytes = postcard::to_slice(&t, &mut buf).unwrap();
        // 100 = 64, 400 = 90 03, 900 = 84 07.
        assert_eq!(bytes, &[0x64, 0x90, 0x03, 0x84, 0x07]);
        assert!(postcard::from_bytes::<RiskThresholds>(&[0x64, 0x64, 0x65]).is_err());
    }

    proptest! {
        #[test]
        fn risk_is_monotone(p in 0.0f64..=1.0, q in 0.0f64..=1.0) {
            let (low, high) = if p <= q { (p, q) } else { (q, p) };
            prop_assert!(churn_risk(low).unwrap() >= churn_risk(high).unwrap());
            prop_assert!(churn_risk(p).unwrap() <= MAX_RISK);
        }
    }

    #[test]
    fn band_names_and_codes() {
        let expected = [
            (RiskBand::Low, "low", 0),
            (RiskBand::Medium, "medium", 1),
            (RiskBand::High, "high", 2),
            (RiskBand::Critical, "critical", 3),
        ];
        assert_eq!(RiskBand::ALL.len(), expected.len());
        for (band, name, code) in expected {
            assert_eq!(band.name(), name);
            assert_eq!(band.code(), code);
            assert_eq!(RiskBand::from_name(name), Some(band));
            assert_eq!(RiskBand::from_code(code), Some(band));
            assert_eq!(RiskBand::ALL[usize::from(code)], band);
        }
        assert_eq!(RiskBand::from_name("Low"), None);
        assert_eq!(RiskBand::from_name(""), None);
        assert_eq!(RiskBand::from_code(4), None);
    }
}
