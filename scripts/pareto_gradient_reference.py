#!/usr/bin/env python3
"""tests/vectors/pareto_gradient.json: the Pareto/NBD log-likelihood's gradient in (r, alpha, s,
beta), and the derivatives of 2F1(1, p; c; z) in p, c and z, as the fit's exact gradient must give
them.

The oracle is independent of the SDK's series: the likelihood is the textbook closed form (Fader
and Hardie's note, P(t) through mpmath's own 2F1 as in scripts/special_reference.py) and every
derivative is mpmath's numerical differentiation (`mp.diff`) at 40 significant digits, which
differentiates at a working precision well above the digits kept.

    /tmp/mp/bin/python scripts/pareto_gradient_reference.py > tests/vectors/pareto_gradient.json
"""
import json

import mpmath as mp

mp.mp.dps = 40


def s(x):
    return mp.nstr(x, 25, min_fixed=-mp.inf, max_fixed=mp.inf)


def hyp2f1_one_cases():
    out = []
    # (p, c, z): small z, the quick series, z near 1 (the connection formula, with c - 1 - p
    # near 0, near 1 and negative), and a large c.
    for p, c, z in [
        ("0.5534", "2.2", "0.05"),
        ("3", "4.6", "0.5"),
        ("1.6", "2.75", "0.9"),
        ("30.5", "31.9", "0.99"),
        ("1.001", "2.0011", "0.99999"),
        ("2.5", "3.6", "0.99999"),
        ("0.7", "2.7000001", "0.999995"),
        ("0.7", "1.7", "0.99995"),
        ("0.25", "1.75", "0.9999"),
        ("500.25", "501.85", "0.9"),
    ]:
        P, C, Z = mp.mpf(p), mp.mpf(c), mp.mpf(z)
        f = lambda p_, c_, z_: mp.hyp2f1(1, p_, c_, z_)
        out.append({
            "p": p, "c": c, "z": z, "w": s(1 - Z),
            "value": s(f(P, C, Z)),
            "d_p": s(mp.diff(lambda v: f(v, C, Z), P)),
            "d_c": s(mp.diff(lambda v: f(P, v, Z), C)),
            "d_z": s(mp.diff(lambda v: f(P, C, v), Z)),
        })
    return out


def pareto_ll(r, alpha, s_, beta, x, tx, T):
    front = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s_ * mp.log(beta)
    alive = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s_)
    if T == tx:
        return front + mp.log(alive)
    a = r + s_ + x
    if alpha >= beta:
        P = lambda t_: mp.hyp2f1(a, s_ + 1, a + 1, (alpha - beta) / (alpha + t_)) / (alpha + t_) ** a
    else:
        P = lambda t_: mp.hyp2f1(a, r + x, a + 1, (beta - alpha) / (beta + t_)) / (beta + t_) ** a
    return front + mp.log(alive + s_ / a * (P(tx) - P(T)))


def log_likelihood_cases():
    params = [
        # CDNOW (weeks): alpha < beta.
        ("0.5534", "10.5802", "0.6061", "11.6690"),
        # alpha > beta, s near 1; alpha = beta exactly; alpha within 1e-9 of beta, both sides.
        ("0.25", "60", "1.3", "45"),
        ("0.25", "30", "1", "30"),
        ("0.8", "20.00000002", "0.9", "20"),
        ("0.8", "20", "0.9", "20.00000002"),
        # z near 1 at t = 0 (the connection formula): alpha << beta (c - 1 - p = r + x - 1, near
        # 1 at x = 2), alpha >> beta (c - 1 - p = s, near 0 and near 1).
        ("0.0001", "0.01", "0.001", "1000"),
        ("0.5", "1000", "1.0000001", "0.01"),
        ("0.5", "1000", "0.0003", "0.01"),
        # Large parameters.
        ("20", "400", "15", "300"),
    ]
    customers = [
        ("0", "0", "38.86"),
        ("2", "30.43", "38.86"),
        ("1", "1.71", "52"),
        ("29", "38.29", "38.86"),
        ("5", "40", "40"),
        ("500", "300", "365"),
        ("10000", "90000", "100000"),
    ]
    out = []
    for param in params:
        p = [mp.mpf(v) for v in param]
        for x, tx, T in customers:
            X, TX, TT = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
            f = lambda *q: pareto_ll(*q, X, TX, TT)
            grad = []
            for k in range(4):
                order = [0, 0, 0, 0]
                order[k] = 1
                grad.append(s(mp.diff(f, p, tuple(order))))
            out.append({"params": list(param), "x": x, "t_x": tx, "T": T,
                        "log_likelihood": s(f(*p)), "gradient": grad})
    return out


def main():
    doc = {
        "about": "40-digit reference values (mpmath, numerical derivatives of the closed forms) "
                 "for the Pareto/NBD likelihood gradient; made by "
                 "scripts/pareto_gradient_reference.py. Do not edit by hand.",
        "hyp2f1_one": hyp2f1_one_cases(),
        "log_likelihood": log_likelihood_cases(),
    }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
