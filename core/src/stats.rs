//! Distribution functions the host tools' intervals and tests share (`std`): the standard normal
//! quantile and the chi-square upper tail.

use std::fmt;

/// A confidence level outside the open interval (0, 1), or not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvalidConfidence;

impl fmt::Display for InvalidConfidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("confidence must be strictly between 0 and 1")
    }
}

impl std::error::Error for InvalidConfidence {}

/// The two-sided critical value `z` of a confidence level: `P(|Z| ≤ z) = confidence` for a
/// standard normal `Z` (1.959964 for 0.95).
///
/// Errors: [`InvalidConfidence`] unless `0 < confidence < 1`.
pub fn two_sided_z(confidence: f64) -> Result<f64, InvalidConfidence> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(InvalidConfidence);
    }
    Ok(normal_quantile(0.5 + confidence / 2.0))
}

/// Evaluates the polynomial with coefficients `c` (constant first) at `x` by Horner's rule.
fn horner(c: &[f64; 8], x: f64) -> f64 {
    c.iter()
        .rev()
        .fold(0.0, |acc, &coefficient| acc * x + coefficient)
}

/// The standard normal quantile Φ⁻¹(p) for `0 < p < 1`: Wichura's algorithm AS 241 (PPND16,
/// Applied Statistics 37(3), 1988, 477–484), about 16 significant digits. `p` at or outside
/// the ends gives ∓∞ (and NaN gives NaN).
#[must_use]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_6,
        1.331_416_678_917_843_8e2,
        1.971_590_950_306_551_4e3,
        1.373_169_376_550_946e4,
        4.592_195_393_154_987e4,
        6.726_577_092_700_87e4,
        3.343_057_558_358_813e4,
        2.509_080_928_730_122_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091e1,
        6.871_870_074_920_579e2,
        5.394_196_021_424_751e3,
        2.121_379_430_158_659_7e4,
        3.930_789_580_009_271e4,
        2.872_908_573_572_194_3e4,
        5.226_495_278_852_854e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_5,
        4.630_337_846_156_545,
        5.769_497_221_460_691,
        3.647_848_324_763_204_5,
        1.270_458_252_452_368_4,
        2.417_807_251_774_506e-1,
        2.272_384_498_926_918_4e-2,
        7.745_450_142_783_414e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_759,
        1.676_384_830_183_803_8,
        6.897_673_349_851e-1,
        1.481_039_764_274_800_8e-1,
        1.519_866_656_361_645_7e-2,
        5.475_938_084_995_345e-4,
        1.050_750_071_644_416_8e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103,
        5.463_784_911_164_114,
        1.784_826_539_917_291_3,
        2.965_605_718_285_049e-1,
        2.653_218_952_657_612_4e-2,
        1.242_660_947_388_078_4e-3,
        2.711_555_568_743_487_6e-5,
        2.010_334_399_292_288_1e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_88e-1,
        1.369_298_809_227_358e-1,
        1.487_536_129_085_061_5e-2,
        7.868_691_311_456_133e-4,
        1.846_318_317_510_054_8e-5,
        1.421_511_758_316_446e-7,
        2.044_263_103_389_939_8e-15,
    ];
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * horner(&A, r) / horner(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = libm::sqrt(-libm::log(tail));
    let magnitude = if r <= 5.0 {
        let r = r - 1.6;
        horner(&C, r) / horner(&D, r)
    } else {
        let r = r - 5.0;
        horner(&E, r) / horner(&F, r)
    };
    if q < 0.0 { -magnitude } else { magnitude }
}

/// The upper tail `P(X ≥ statistic)` of a chi-square distribution with `df` ≥ 1 degrees of
/// freedom, by the closed forms for whole degrees of freedom (Abramowitz & Stegun 26.4.4 and
/// 26.4.5): `e^(−x/2) Σ (x/2)^k / k!` for even `df`, `erfc(√(x/2))` plus a finite sum for odd.
/// A statistic ≤ 0 (or NaN) gives 1.
#[must_use]
pub fn chi_square_upper_tail(statistic: f64, df: u32) -> f64 {
    if statistic.partial_cmp(&0.0) != Some(core::cmp::Ordering::Greater) || df == 0 {
        return 1.0;
    }
    let half = statistic / 2.0;
    let decay = libm::exp(-half);
    let tail = if df.is_multiple_of(2) {
        // Σ_{k=0}^{df/2 − 1} (x/2)^k / k!
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..df / 2 {
            term *= half / f64::from(k);
            sum += term;
        }
        decay * sum
    } else {
        // erfc(√(x/2)) + e^(−x/2) Σ_{k=1}^{(df−1)/2} (x/2)^(k − 1/2) / Γ(k + 1/2).
        let mut term = libm::sqrt(half) / (core::f64::consts::PI.sqrt() / 2.0);
        let mut sum = 0.0;
        for k in 1..=df / 2 {
            if k > 1 {
                term *= half / (f64::from(k) - 0.5);
            }
            sum += term;
        }
        libm::erfc(libm::sqrt(half)) + decay * sum
    };
    tail.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance * b.abs().max(1e-300)
    }

    #[test]
    fn normal_quantiles() {
        // Oracle: scipy.stats.norm.ppf (scipy 1.17).
        let cases = [
            (0.975, 1.959_963_984_540_054),
            (0.995, 2.575_829_303_548_900_4),
            (0.95, 1.644_853_626_951_472_2),
            (0.5, 0.0),
            (0.025, -1.959_963_984_540_054),
            (0.001, -3.090_232_306_167_813_5),
            (1e-10, -6.361_340_902_404_056),
            (1e-300, -37.047_096_299_361_2),
        ];
        for (p, z) in cases {
            assert!(
                close(normal_quantile(p), z, 1e-14),
                "p = {p}: {}",
                normal_quantile(p)
            );
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(f64::NAN).is_nan());
        assert!(close(
            two_sided_z(0.95).unwrap(),
            1.959_963_984_540_054,
            1e-14
        ));
        assert!(close(
            two_sided_z(0.9).unwrap(),
            1.644_853_626_951_472_2,
            1e-14
        ));
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert_eq!(two_sided_z(bad), Err(InvalidConfidence));
        }
    }

    #[test]
    fn chi_square_tails() {
        // Oracle: scipy.stats.chi2.sf (scipy 1.17).
        let cases = [
            (16.793_483_339_539_7, 1, 4.167_617_803_153_921_7e-5),
            (3.841_458_820_694_124, 1, 0.05),
            (5.991_464_547_107_979, 2, 0.05),
            (7.814_727_903_251_178, 3, 0.05),
            (1.0, 4, 0.909_795_989_568_950_1),
            (10.0, 5, 0.075_235_246_146_512_17),
        ];
        for (x, df, p) in cases {
            let tail = chi_square_upper_tail(x, df);
            assert!(close(tail, p, 1e-12), "x = {x}, df = {df}: {tail}");
        }
        assert_eq!(chi_square_upper_tail(0.0, 1), 1.0);
        assert_eq!(chi_square_upper_tail(-1.0, 2), 1.0);
        assert_eq!(chi_square_upper_tail(f64::NAN, 2), 1.0);
    }
}
