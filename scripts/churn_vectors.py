#!/usr/bin/env python3
"""tests/vectors/churn.json: churn model blobs and the scores a till must compute from them,
shared by the Rust, C (through `cargo xtask gen`) and Python tests.

The blob bytes are packed here with struct and zlib (the format of docs/formats.md), and the
expected scores computed with mpmath from the textbook formulas, independently of the SDK.

    /tmp/mp/bin/python scripts/churn_vectors.py > tests/vectors/churn.json
"""
import json
import struct
import zlib

import mpmath as mp

mp.mp.dps = 40


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def f64(x):
    return struct.pack("<d", x)


def model_payload(kind, params, grain, unit, thresholds, horizon, money_unit, spend=None, rfm=None):
    out = bytearray(varint(kind))
    for p in params:
        out += f64(p)
    out += varint(grain) + varint(unit)
    for t in thresholds:
        out += varint(t)
    out += f64(horizon) + varint(money_unit)
    if spend is None:
        out += b"\x00"
    else:
        (p, q, v), months, rate = spend
        out += b"\x01" + f64(p) + f64(q) + f64(v) + varint(months) + f64(rate)
    if rfm is None:
        out += b"\x00"
    else:
        out += b"\x01" + b"".join(f64(c) for row in rfm for c in row)
    return bytes(out)


def blob(payload, kind=0x30):
    head = b"RT" + bytes([1, kind]) + struct.pack("<H", len(payload)) + payload
    return head + struct.pack("<I", zlib.crc32(head) & 0xFFFFFFFF)


# --- the textbook formulas ----------------------------------------------------------------------

def bg_p_alive(r, alpha, a, b, x, tx, T):
    if x == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def bg_expected(r, alpha, a, b, x, tx, T, t):
    z = t / (alpha + T + t)
    hyp = mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
    return (a + b + x - 1) / (a - 1) * bracket * bg_p_alive(r, alpha, a, b, x, tx, T)


def pareto_parts(r, alpha, s, beta, x, tx, T):
    a = r + s + x
    if alpha >= beta:
        P = lambda t: mp.hyp2f1(a, s + 1, a + 1, (alpha - beta) / (alpha + t)) / (alpha + t) ** a
    else:
        P = lambda t: mp.hyp2f1(a, r + x, a + 1, (beta - alpha) / (beta + t)) / (beta + t) ** a
    alive = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s)
    dropped = s / a * (P(tx) - P(T))
    return alive, dropped


def pareto_p_alive(r, alpha, s, beta, x, tx, T):
    alive, dropped = pareto_parts(r, alpha, s, beta, x, tx, T)
    return alive / (alive + dropped)


def pareto_expected(r, alpha, s, beta, x, tx, T, t):
    p = pareto_p_alive(r, alpha, s, beta, x, tx, T)
    return p * (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))


def gg_spend(p, q, v, x, zbar):
    return p * (v + x * zbar) / (p * x + q - 1)


def clv(expected, spend, months, rate, per_month):
    total, previous = mp.mpf(0), mp.mpf(0)
    for k in range(1, months + 1):
        cumulative = expected(k * per_month)
        total += spend * (cumulative - previous) / (1 + rate) ** k
        previous = cumulative
    return total


def band(risk, thresholds):
    return sum(1 for t in thresholds if risk >= t)


def main():
    thresholds = [250, 500, 750]
    bg = [0.2426, 4.4135, 0.7929, 2.4258]
    gg = (6.2498, 3.7443, 15.4447)
    pareto = [0.5534, 10.5802, 0.6061, 11.669]
    models = [
        {"name": "bg_cdnow", "kind": 0, "params": bg, "grain": 0, "unit": 1, "horizon": 39.0,
         "money_unit": 100, "spend": (gg, 12, 0.01)},
        {"name": "pareto_cdnow", "kind": 2, "params": pareto, "grain": 0, "unit": 1, "horizon": 52.0,
         "money_unit": 100, "spend": None},
    ]
    doc = {"about": "Churn model blobs (packed with struct and zlib, format of docs/formats.md) and "
                    "scores computed with mpmath from the textbook formulas; made by "
                    "scripts/churn_vectors.py. Times in weeks; money in cents.",
           "models": [], "scores": [], "invalid": []}
    for m in models:
        payload = model_payload(m["kind"], m["params"], m["grain"], m["unit"], thresholds, m["horizon"],
                                m["money_unit"], m["spend"])
        doc["models"].append({"name": m["name"], "blob_hex": blob(payload).hex()})

    # CDNOW customer 1: purchases on 1997-01-01 (29.33), 1997-01-18 (29.73), 1997-08-02 (14.96),
    # scored on 1997-09-30 at noon UTC: x = 2, t_x = 213/7, T = 272/7, mean repeat spend 2234.5 cents.
    purchases = [[852076800 + 12 * 3600, 2933], [853545600 + 12 * 3600, 2973], [870480000 + 12 * 3600, 1496]]
    now = 875577600 + 12 * 3600
    customers = [
        {"name": "cdnow_1", "x": 2, "t_x": mp.mpf(213) / 7, "T": mp.mpf(272) / 7, "mean_spend_minor": mp.mpf("2234.5"),
         "purchases": purchases, "now": now},
        # A one-time buyer whose only purchase was 26 weeks before now.
        {"name": "one_time_lapsed", "x": 0, "t_x": mp.mpf(0), "T": mp.mpf(26), "mean_spend_minor": mp.mpf(0),
         "purchases": [[now - 26 * 7 * 86400, 1999]], "now": now},
    ]
    for m in models:
        P = [mp.mpf(v) for v in m["params"]]
        for c in customers:
            x, tx, T = c["x"], c["t_x"], c["T"]
            if m["kind"] == 0:
                p_alive = bg_p_alive(*P, x, tx, T)
                expected = lambda t: bg_expected(*P, x, tx, T, mp.mpf(t))
            else:
                p_alive = pareto_p_alive(*P, x, tx, T)
                expected = lambda t: pareto_expected(*P, x, tx, T, mp.mpf(t))
            risk = int(mp.floor(1000 * (1 - p_alive) + mp.mpf("0.5")))
            row = {"model": m["name"], "customer": c["name"], "frequency": x, "recency": float(tx),
                   "age": float(T), "mean_spend_minor": float(c["mean_spend_minor"]),
                   "purchases": c["purchases"], "now": c["now"], "utc_offset_minutes": 0,
                   "p_alive": mp.nstr(p_alive, 20), "risk": risk, "band": band(risk, thresholds),
                   "expected_purchases": mp.nstr(expected(m["horizon"]), 20)}
            if m["spend"] is not None:
                (p, q, v), months, rate = m["spend"]
                spend = gg_spend(mp.mpf(p), mp.mpf(q), mp.mpf(v), x, c["mean_spend_minor"] / m["money_unit"])
                value = clv(expected, spend, months, mp.mpf(rate), mp.mpf("4.345")) * m["money_unit"]
                row["clv_minor"] = int(mp.floor(value + mp.mpf("0.5")))
            else:
                row["clv_minor"] = None
            doc["scores"].append(row)

    good = bytearray(bytes.fromhex(doc["models"][0]["blob_hex"]))
    flipped = bytearray(good)
    flipped[10] ^= 0x04
    doc["invalid"].append({"name": "payload_bit_flip", "blob_hex": flipped.hex(), "error": "bad_checksum"})
    zero_r = model_payload(0, [0.0, 4.4135, 0.7929, 2.4258], 0, 1, thresholds, 39.0, 100)
    doc["invalid"].append({"name": "r_zero", "blob_hex": blob(zero_r).hex(), "error": "out_of_range"})
    bad_thresholds = model_payload(0, bg, 0, 1, [500, 250, 750], 39.0, 100)
    doc["invalid"].append({"name": "thresholds_descending", "blob_hex": blob(bad_thresholds).hex(), "error": "out_of_range"})
    doc["invalid"].append({"name": "opaque_kind", "blob_hex": blob(b"\x00", kind=0x01).hex(), "error": "wrong_kind"})
    doc["invalid"].append({"name": "truncated", "blob_hex": good[:-1].hex(), "error": "truncated"})
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
