//! The churn models' own `exp`, `ln`, `ln_1p` and `exp_m1`: plain `f64` arithmetic and bit
//! operations, no table, no branch on the argument's value (special cases are selected at the
//! end), so that
//!
//! - every target computes the **same bits** (Rust never fuses or reorders floating-point
//!   operations, and IEEE 754 rounds `+ − × ÷` exactly; a Cortex-M's soft-float library does
//!   too), which is what lets a score computed in Python equal the score computed at the till;
//! - a loop over columns of customers **vectorises**: LLVM turns these functions, inlined into
//!   a loop over structure-of-arrays rows, into SIMD code (`libm`'s branchy functions stay
//!   scalar). The batch functions of `churn::kernels` rely on it.
//!
//! Algorithms: `exp` by Cody–Waite reduction `x = k ln 2 + r`, `|r| ≤ ln 2 / 2`, and the Taylor
//! polynomial of degree 13 (truncation below 4e-18 relative); `ln` and `ln_1p` by FreeBSD's
//! `e_log.c`/`s_log1p.c` reduction to `[√2/2, √2)` and its minimax polynomial in
//! `s = f/(2 + f)`; `exp_m1` by Kahan's `(u − 1)·x / ln u`, `u = eˣ`. Accuracy, checked against
//! 40-digit mpmath values in `tests/vectors/golden_bits.json` (whose pinned bits every door,
//! and the Cortex-M3 under QEMU, must reproduce): within 1 ulp for `exp`, `ln` and `ln_1p`,
//! within 2 ulp for `exp_m1` (test `golden_bits` in this module).
//!
//! Special values follow IEEE 754 / C99 Annex F: `exp(−∞) = 0`, `exp(∞) = ∞`, `ln(0) = −∞`,
//! `ln(x < 0) = NaN`, `ln(∞) = ∞`, `ln_1p(−1) = −∞`, `exp_m1(−∞) = −1`; NaN in, NaN out.
#![allow(
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::excessive_precision,
    clippy::manual_clamp,
    reason = "bit-level f64 code: the casts reinterpret exponent bits whose range the comments \
              state, the constants keep the digits of their published (FreeBSD msun) form, and \
              the clamp must let NaN through as a branch-free select"
)]

/// `1.5 · 2⁵²`: adding it rounds a value below 2⁵¹ in magnitude to an integer, which then sits
/// in the low bits of the sum.
const ROUNDING_SHIFT: f64 = 6_755_399_441_055_744.0;
const LN2_HI: f64 = 6.931_471_803_691_238_164_9e-1; // 0x3FE62E42_FEE00000: k·LN2_HI is exact
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10; // 0x3DEA39EF_35793C76
const INV_LN2: f64 = core::f64::consts::LOG2_E;

/// `2ᵏ` for `−1022 ≤ k ≤ 1023`, from its bits.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
fn pow2(k: i64) -> f64 {
    // k + 1023 is in 1..=2046 for the callers' k: a normal exponent field.
    f64::from_bits((k.wrapping_add(1023) as u64) << 52)
}

/// `eˣ`, within 1 ulp. See the module documentation.
#[inline]
#[must_use]
pub fn exp(x: f64) -> f64 {
    exp_inline(x)
}

/// [`exp`], always inlined (the batch kernels' loops).
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(crate) fn exp_inline(x: f64) -> f64 {
    // Beyond ±1100 the result is 0 or ∞ anyway; clamping keeps k small. NaN passes through
    // (both comparisons are false).
    let clamped = if x > 1100.0 {
        1100.0
    } else if x < -1100.0 {
        -1100.0
    } else {
        x
    };
    let shifted = clamped * INV_LN2 + ROUNDING_SHIFT;
    let k_float = shifted - ROUNDING_SHIFT;
    // The integer k, from the low bits of the shifted sum (|k| < 2¹¹).
    let k = (shifted.to_bits() as i64).wrapping_sub(ROUNDING_SHIFT.to_bits() as i64);
    let hi = clamped - k_float * LN2_HI;
    let lo = k_float * LN2_LO;
    let r = hi - lo;
    // eʳ − 1 − r = r²(1/2! + r/3! + … + r¹¹/13!), by Horner's rule from the inside.
    let mut tail = 1.0 / 6_227_020_800.0;
    for inverse_factorial in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        1.0 / 2.0,
    ] {
        tail = inverse_factorial + r * tail;
    }
    // 1 + (hi − lo) + r² tail, with the rounding error of r = hi − lo put back.
    let r_error = (hi - r) - lo;
    let mantissa = 1.0 + (r + (r_error + r * r * tail));
    // 2ᵏ in two factors, so that k down to −1100 (subnormal results) and up to 1100
    // (overflow to ∞) stays within the normal exponents.
    let k_half = k >> 1;
    mantissa * pow2(k_half) * pow2(k.wrapping_sub(k_half))
}

const LG1: f64 = 6.666_666_666_666_735_13e-1; // 0x3FE55555_55555593
const LG2: f64 = 3.999_999_999_940_941_908e-1; // 0x3FD99999_9997FA04
const LG3: f64 = 2.857_142_874_366_239_149e-1; // 0x3FD24924_94229359
const LG4: f64 = 2.222_219_843_214_978_396e-1; // 0x3FCC71C5_1D8E78AF
const LG5: f64 = 1.818_357_216_161_805_012e-1; // 0x3FC74664_96CB03DE
const LG6: f64 = 1.531_383_769_920_937_332e-1; // 0x3FC39A09_D078C69F
const LG7: f64 = 1.479_819_860_511_658_591e-1; // 0x3FC2F112_DF3E5244

/// `ln(u) + c/u` for a finite `u > 0`, given `c/u` for a small correction `c` (FreeBSD's
/// reduction): `u`
/// is split into `2ᵏ · m`, `m ∈ [√2/2, √2)`, and `ln m = 2 atanh(s)`, `s = f/(2 + f)`,
/// `f = m − 1`, from a minimax polynomial in `s²`.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
fn ln_kernel(u: f64, correction_over_u: f64) -> f64 {
    // Subnormal u: scale into the normal range first (2⁵⁴).
    let subnormal = u < f64::MIN_POSITIVE;
    let scaled = if subnormal {
        u * 18_014_398_509_481_984.0
    } else {
        u
    };
    let bias: i64 = if subnormal { -54 } else { 0 };
    let bits = scaled.to_bits() as i64;
    // High word shifted so that mantissas from √2/2 up land in the next binade: k counts it.
    let high = (bits >> 32).wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
    let k = (high >> 20).wrapping_sub(0x3ff).wrapping_add(bias);
    let high_mantissa = (high & 0x000f_ffff).wrapping_add(0x3fe6_a09e);
    let m = f64::from_bits(((high_mantissa << 32) | (bits & 0xffff_ffff)) as u64);
    let f = m - 1.0;
    let k_float = k as f64;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let c = correction_over_u;
    k_float * LN2_HI - ((hfsq - (s * (hfsq + r) + (k_float * LN2_LO + c))) - f)
}

/// The IEEE special values of `ln` at `u`, if `u` is not a finite positive number.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
fn ln_special(u: f64, finite_value: f64) -> f64 {
    if u > 0.0 && u < f64::INFINITY {
        finite_value
    } else if u == 0.0 {
        f64::NEG_INFINITY
    } else if u == f64::INFINITY {
        f64::INFINITY
    } else {
        f64::NAN
    }
}

/// `ln x`, within 1 ulp. See the module documentation.
#[inline]
#[must_use]
pub fn ln(x: f64) -> f64 {
    ln_inline(x)
}

/// [`ln`], always inlined (the batch kernels' loops).
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(crate) fn ln_inline(x: f64) -> f64 {
    ln_special(x, ln_kernel(x, 0.0))
}

/// `ln(1 + x)`, accurate for small `x`, within 1 ulp. See the module documentation.
#[inline]
#[must_use]
pub fn ln_1p(x: f64) -> f64 {
    ln_1p_inline(x)
}

/// [`ln_1p`], always inlined (the batch kernels' loops).
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
pub(crate) fn ln_1p_inline(x: f64) -> f64 {
    let u = 1.0 + x;
    // The rounding error of 1 + x, exactly (Fast2Sum, the larger magnitude first).
    let correction = if x > 1.0 {
        1.0 - (u - x)
    } else {
        x - (u - 1.0)
    };
    ln_special(u, ln_kernel(u, correction / u))
}

/// `eˣ − 1`, accurate for small `x`, within 2 ulp. See the module documentation.
#[inline]
#[must_use]
pub fn exp_m1(x: f64) -> f64 {
    // Kahan: with u = eˣ rounded, (u − 1)·x / ln u cancels the rounding error of u.
    let u = exp(x);
    if u == 1.0 {
        // |x| below half an ulp of 1: eˣ − 1 = x to double precision.
        x
    } else if u - 1.0 == -1.0 {
        -1.0
    } else if u == f64::INFINITY || x.is_nan() {
        u
    } else {
        // x / ln u first: (u − 1)·x overflows for u near the largest double.
        (u - 1.0) * (x / ln(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tests/vectors/golden_bits.json`: inputs, 40-digit mpmath values, and the pinned bits.
    fn golden() -> serde_json::Value {
        serde_json::from_str(include_str!("../../../tests/vectors/golden_bits.json")).unwrap()
    }

    fn bits_of(value: &serde_json::Value) -> f64 {
        f64::from_bits(u64::from_str_radix(value.as_str().unwrap(), 16).unwrap())
    }

    /// The distance in ulps between `got` and the exact value `want` (a decimal string).
    fn ulps(got: f64, want: &str) -> f64 {
        let exact: f64 = want.parse().unwrap();
        if got == exact {
            return 0.0;
        }
        let ulp = f64::from_bits(exact.abs().to_bits() + 1) - exact.abs();
        ((got - exact) / ulp).abs()
    }

    #[test]
    #[cfg_attr(miri, ignore)] // thousands of evaluations
    fn golden_bits() {
        let doc = golden();
        let mut checked = 0;
        for (name, function, max_ulps) in [
            ("exp", exp as fn(f64) -> f64, 1.0),
            ("ln", ln, 1.0),
            ("ln_1p", ln_1p, 1.0),
            ("exp_m1", exp_m1, 2.0),
        ] {
            for case in doc["functions"][name].as_array().unwrap() {
                let x = bits_of(&case["x"]);
                let got = function(x);
                let pinned = bits_of(&case["bits"]);
                assert_eq!(
                    got.to_bits(),
                    pinned.to_bits(),
                    "{name}({x:e}) = {got:e}, pinned {pinned:e}"
                );
                if let Some(exact) = case["exact"].as_str() {
                    let off = ulps(got, exact);
                    assert!(
                        off <= max_ulps,
                        "{name}({x:e}) = {got:e}: {off} ulps from {exact}"
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn special_values() {
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!(ln(f64::NAN).is_nan());
        assert_eq!(ln_1p(-1.0), f64::NEG_INFINITY);
        assert_eq!(ln_1p(0.0), 0.0);
        assert_eq!(ln_1p(f64::INFINITY), f64::INFINITY);
        assert!(ln_1p(-2.0).is_nan());
        assert_eq!(ln_1p(1e-300), 1e-300);
        assert_eq!(exp_m1(0.0), 0.0);
        assert_eq!(exp_m1(1e-300), 1e-300);
        assert_eq!(exp_m1(f64::NEG_INFINITY), -1.0);
        assert_eq!(exp_m1(-800.0), -1.0);
        assert_eq!(exp_m1(f64::INFINITY), f64::INFINITY);
        assert!(exp_m1(f64::NAN).is_nan());
        // The smallest subnormal, and ln of it: −1074 ln 2 = −744.44007192138126…
        assert_eq!(exp(-744.440_071_921_381_3), 5e-324);
        assert!((ln(5e-324) + 744.440_071_921_381_3).abs() <= 2e-13);
    }
}
