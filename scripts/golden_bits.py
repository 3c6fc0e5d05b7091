#!/usr/bin/env python3
"""The golden-bits vectors, tests/vectors/golden_bits.json: inputs to the churn engine's own
elementary functions (retention_core::churn::math) and to the three purchase models' scores, each
with its exact value from mpmath (40 digits; the models by their textbook formulas, from
scripts/special_reference.py) and the **pinned bits** of the SDK's result.

Two different promises are checked against this file:

- **Accuracy**, against the independent oracle: `exact` is mpmath's value; `cargo xtask
  golden-bits` refuses to pin a result more than the documented distance from it (1 ulp for exp,
  ln, ln_1p; 2 ulp for exp_m1; P(alive) 1e-11 and expected purchases 1e-10 relative).
- **Sameness**, across doors and machines: `bits` is what the SDK computes, pinned once on the
  host; the Rust tests (scalar and batch), the Python tests and the C tests on the host and on the
  emulated Cortex-M3 (ffi/tests/generated/golden_bits.h, `cargo xtask gen`) must all reproduce it
  exactly. A change of algorithm that moves a bit is deliberate: re-pin with the commands below
  and say why in the commit.

Run (mpmath is in the bench venv, benches/python/run.sh):
    target/bench-venv/bin/python scripts/golden_bits.py   # inputs and exact values, bits empty
    cargo xtask golden-bits                                # checks accuracy, pins the bits
"""
import json
import random
import struct
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from special_reference import bg, mbg, pareto  # noqa: E402

mp.mp.dps = 40
ROOT = Path(__file__).resolve().parents[1]


def hex_bits(x: float) -> str:
    return format(struct.unpack("<Q", struct.pack("<d", x))[0], "016x")


def exact(value) -> str:
    return mp.nstr(value, 40, strip_zeros=False)


def function_cases():
    rng = random.Random(20260601)
    cases = {"exp": [], "ln": [], "ln_1p": [], "exp_m1": []}

    def add(name, x, value):
        cases[name].append({"x": hex_bits(x), "exact": exact(value), "bits": ""})

    # exp: the whole finite range, dense near 0 and at the ends (subnormal results included).
    xs = [0.0, 1.0, -1.0, 0.5, -0.5, 709.78, 709.0, -708.0, -744.0, -740.5, 1e-300, -1e-300,
          1e-10, -1e-10, 0.34657359027997264, -0.34657359027997264, 2.0 ** -30]
    xs += [rng.uniform(-745.0, 709.7) for _ in range(200)]
    xs += [rng.uniform(-1.0, 1.0) * 10.0 ** rng.uniform(-20, 0) for _ in range(150)]
    xs += [rng.uniform(-40.0, 40.0) for _ in range(150)]
    for x in xs:
        add("exp", x, mp.exp(mp.mpf(x)))
    # ln: from the smallest subnormal to the largest double; dense near 1.
    xs = [5e-324, 1e-310, 2.2250738585072014e-308, 0.5, 1.0, 2.0, 0.7071067811865476,
          1.4142135623730951, 1.7976931348623157e308, 1.0000000000000002, 0.9999999999999999]
    xs += [10.0 ** rng.uniform(-323, 308) for _ in range(200)]
    xs += [1.0 + rng.uniform(-1.0, 1.0) * 10.0 ** rng.uniform(-15, -1) for _ in range(150)]
    xs += [rng.uniform(0.0, 1000.0) for _ in range(150)]
    for x in xs:
        add("ln", x, mp.log(mp.mpf(x)))
    # ln_1p: tiny to huge, and towards −1.
    xs = [1e-300, -1e-300, 1e-16, -1e-16, 1.0, -0.5, -0.9999999999, 1e300, 2.0 ** 53]
    xs += [rng.choice([-1, 1]) * 10.0 ** rng.uniform(-300, 0) * 0.999 for _ in range(200)]
    xs += [10.0 ** rng.uniform(0, 300) for _ in range(100)]
    xs += [-1.0 + 10.0 ** rng.uniform(-15, -0.3) for _ in range(100)]
    for x in xs:
        add("ln_1p", x, mp.log1p(mp.mpf(x)))
    # exp_m1: tiny to the overflow, and down to −1.
    xs = [1e-300, -1e-300, 1e-16, -1e-16, 1.0, -1.0, 0.5, -0.5, 709.0, -40.0, -700.0]
    xs += [rng.choice([-1, 1]) * 10.0 ** rng.uniform(-300, 0.5) for _ in range(250)]
    xs += [rng.uniform(-745.0, 709.7) for _ in range(100)]
    for x in xs:
        add("exp_m1", x, mp.expm1(mp.mpf(x)))
    return cases


# The published CDNOW fits (weeks) and one in days with large parameters.
MODELS = [
    ("bg_nbd", (0.2426, 4.4135, 0.7929, 2.4258)),
    ("mbg_nbd", (0.525, 6.183, 0.891, 1.614)),
    ("pareto_nbd", (0.5534, 10.5802, 0.6061, 11.669)),
    ("pareto_nbd", (2.5, 3.0, 0.9, 40.0)),
    ("bg_nbd", (1.7, 90.0, 3.1, 12.5)),
]


def score_cases():
    """Customers with continuous times, as a fit on day-level data meets them."""
    rng = random.Random(20260602)
    out = []
    functions = {"bg_nbd": bg, "mbg_nbd": mbg, "pareto_nbd": pareto}
    for model, params in MODELS:
        for _ in range(12):
            x = rng.choice([0, 0, 1, 2, 3, 5, 8, 13, 40])
            age = rng.uniform(0.5, 120.0)
            recency = 0.0 if x == 0 else age * rng.uniform(0.05, 1.0)
            horizon = rng.choice([4.345, 13.0, 39.0, 52.0])
            p = [mp.mpf(v) for v in params]
            _, p_alive, expected, _ = functions[model](
                *p, mp.mpf(x), mp.mpf(recency), mp.mpf(age), mp.mpf(horizon))
            out.append({
                "model": model, "params": list(params), "frequency": float(x), "recency": recency,
                "age": age, "horizon": horizon,
                "p_alive_exact": exact(p_alive), "expected_exact": exact(expected),
                "p_alive_bits": "", "expected_bits": "",
            })
    return out


def main():
    doc = {
        "about": "Inputs (hex bits of doubles), exact values (mpmath, 40 digits) and the pinned bits "
                 "of the SDK's results: churn::math's functions, and P(alive) and expected purchases "
                 "of the purchase models. Made by scripts/golden_bits.py (inputs, exact values) and "
                 "`cargo xtask golden-bits` (bits, after checking them against the exact values). "
                 "Do not edit by hand.",
        "functions": function_cases(),
        "scores": score_cases(),
    }
    path = ROOT / "tests" / "vectors" / "golden_bits.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path.relative_to(ROOT)}: bits empty until `cargo xtask golden-bits`")


if __name__ == "__main__":
    main()
