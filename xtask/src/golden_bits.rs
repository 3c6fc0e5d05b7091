//! `tests/vectors/golden_bits.json`: `cargo xtask golden-bits` pins the bits of the SDK's
//! results after checking them against the file's exact (mpmath) values, and `cargo xtask gen`
//! writes its scores as `ffi/tests/generated/golden_bits.h`, so that the C tests on the host and
//! on the emulated Cortex-M3 check the same bits (scripts/golden_bits.py explains the file).

use std::error::Error;
use std::fs;
use std::path::Path;

use retention_core::churn::math;
use retention_core::churn::model::{ChurnModel, MODEL_MAX_LEN, PurchaseModel, PurchaseModelKind};
use retention_core::churn::summary::Periods;
use retention_core::churn::{Observation, TransactionModel};
use serde_json::Value;

use crate::c::{self, Commas, Row};
use crate::json;

const PATH: &str = "tests/vectors/golden_bits.json";

/// Relative distance from the exact value allowed for a pinned model score: the accuracy
/// `docs/churn.md` states (P(alive) 1e-11, expected purchases 1e-10).
const P_ALIVE_TOLERANCE: f64 = 1e-11;
const EXPECTED_TOLERANCE: f64 = 1e-10;

fn hex_f64(text: &str) -> Result<f64, Box<dyn Error>> {
    Ok(f64::from_bits(u64::from_str_radix(text, 16)?))
}

fn hex_bits(value: f64) -> String {
    format!("{:016x}", value.to_bits())
}

/// Ulps between `got` and the exact value (a decimal string, rounded to the nearest double).
fn ulps(got: f64, exact: &str) -> Result<f64, Box<dyn Error>> {
    let exact: f64 = exact.parse()?;
    if got == exact {
        return Ok(0.0);
    }
    let ulp = f64::from_bits(exact.abs().to_bits() + 1) - exact.abs();
    Ok(((got - exact) / ulp).abs())
}

fn relative(got: f64, exact: &str) -> Result<f64, Box<dyn Error>> {
    let exact: f64 = exact.parse()?;
    Ok(((got - exact) / exact.abs().max(1e-300)).abs())
}

/// The purchase model of a score case.
fn model(case: &Value) -> Result<PurchaseModel, Box<dyn Error>> {
    let kind = PurchaseModelKind::from_name(json::text(case, "model")?).ok_or("unknown model")?;
    let params: Vec<f64> = json::array(case, "params")?
        .iter()
        .map(|p| p.as_f64().ok_or("parameter"))
        .collect::<Result<_, _>>()?;
    let params: [f64; 4] = params.try_into().map_err(|_| "four parameters")?;
    Ok(PurchaseModel::new(kind, params)?)
}

fn number(case: &Value, key: &str) -> Result<f64, Box<dyn Error>> {
    json::field(case, key)?
        .as_f64()
        .ok_or_else(|| format!("{key}: not a number").into())
}

/// `(P(alive), expected purchases)` of a score case, as the core computes them.
fn score(case: &Value) -> Result<(f64, f64), Box<dyn Error>> {
    let model = model(case)?;
    let customer = Observation::new(
        number(case, "frequency")?,
        number(case, "recency")?,
        number(case, "age")?,
    )?;
    Ok((
        model.p_alive(&customer)?,
        model.expected_purchases(&customer, number(case, "horizon")?)?,
    ))
}

/// A pinned function: its name, the function, and the largest error allowed, in ulps.
type Pinned = (&'static str, fn(f64) -> f64, f64);

/// `cargo xtask golden-bits`: computes every result, checks it against the exact value, writes
/// its bits into the file.
pub(crate) fn pin(root: &Path) -> Result<(), Box<dyn Error>> {
    let path = root.join(PATH);
    let mut doc = json::read(&path)?;
    let functions: [Pinned; 4] = [
        ("exp", math::exp, 1.0),
        ("ln", math::ln, 1.0),
        ("ln_1p", math::ln_1p, 1.0),
        ("exp_m1", math::exp_m1, 2.0),
    ];
    let mut worst = Vec::new();
    for (name, function, max_ulps) in functions {
        let cases = doc["functions"][name]
            .as_array_mut()
            .ok_or_else(|| format!("functions.{name}"))?;
        let mut largest = 0.0_f64;
        for case in cases.iter_mut() {
            let x = hex_f64(json::text(case, "x")?)?;
            let got = function(x);
            let off = ulps(got, json::text(case, "exact")?)?;
            if off > max_ulps {
                return Err(
                    format!("{name}({x:e}) = {got:e} is {off} ulps from the exact value").into(),
                );
            }
            largest = largest.max(off);
            case["bits"] = Value::String(hex_bits(got));
        }
        worst.push(format!("{name} {largest:.2} ulp"));
    }
    let cases = doc["scores"].as_array_mut().ok_or("scores")?;
    let (mut worst_alive, mut worst_expected) = (0.0_f64, 0.0_f64);
    for case in cases.iter_mut() {
        let (alive, expected) = score(case)?;
        let alive_off = relative(alive, json::text(case, "p_alive_exact")?)?;
        let expected_off = relative(expected, json::text(case, "expected_exact")?)?;
        if alive_off > P_ALIVE_TOLERANCE || expected_off > EXPECTED_TOLERANCE {
            return Err(
                format!("{case}: {alive} ({alive_off:e}), {expected} ({expected_off:e})").into(),
            );
        }
        worst_alive = worst_alive.max(alive_off);
        worst_expected = worst_expected.max(expected_off);
        case["p_alive_bits"] = Value::String(hex_bits(alive));
        case["expected_bits"] = Value::String(hex_bits(expected));
    }
    fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")?;
    println!(
        "pinned {PATH}: largest errors {}; P(alive) {worst_alive:.1e}, expected purchases \
         {worst_expected:.1e} relative",
        worst.join(", ")
    );
    Ok(())
}

const PREAMBLE: &str = "\
/* GENERATED by `cargo xtask gen` from tests/vectors/golden_bits.json; do not edit. */
#ifndef RTN_GOLDEN_BITS_H
#define RTN_GOLDEN_BITS_H

#include <stddef.h>
#include <stdint.h>

typedef struct golden_score_vector {
    const char *model;
    const uint8_t *blob; /* the model, weeks, default settings */
    size_t blob_len;
    double frequency;
    double recency;
    double age;
    double horizon;
    uint64_t p_alive_bits;
    uint64_t expected_bits;
} golden_score_vector;

";

/// `ffi/tests/generated/golden_bits.h`: every score case with its model blob and pinned bits.
pub(crate) fn generate(root: &Path) -> Result<String, Box<dyn Error>> {
    let doc = json::read(&root.join(PATH))?;
    let mut out = String::from(PREAMBLE);
    let mut rows = Vec::new();
    for (i, case) in json::array(&doc, "scores")?.iter().enumerate() {
        let mut blob = [0u8; MODEL_MAX_LEN];
        let used = ChurnModel::new(model(case)?, Periods::WEEKS)
            .encode(&mut blob)
            .map_err(|e| format!("{e:?}"))?;
        let blob = blob.get(..used).ok_or("blob length")?;
        out.push_str(&c::byte_array(&format!("golden_blob_{i}"), blob));
        let bits = |key: &str| -> Result<String, Box<dyn Error>> {
            Ok(format!("0x{}ULL", json::text(case, key)?))
        };
        rows.push(
            Row::new()
                .item(c::string(json::text(case, "model")?))
                .slice((format!("golden_blob_{i}"), blob.len()))
                .double(number(case, "frequency")?)
                .double(number(case, "recency")?)
                .double(number(case, "age")?)
                .double(number(case, "horizon")?)
                .item(bits("p_alive_bits")?)
                .item(bits("expected_bits")?)
                .finish(),
        );
    }
    out.push('\n');
    out.push_str(&c::table(
        "golden_score_vector",
        "GOLDEN_SCORES",
        "GOLDEN_SCORES_COUNT",
        &rows,
        Commas::AfterEach,
    ));
    out.push_str("#endif /* RTN_GOLDEN_BITS_H */\n");
    Ok(out)
}
