#!/usr/bin/env python3
"""Reference values for the purchase-count probabilities and the mixing distributions
(core/src/churn/counts.rs, core/src/churn/mixing.rs), computed once with mpmath and committed
as tests/vectors/counts.json.

Independent of the SDK's methods: the incomplete beta and gamma functions are mpmath's
(`betainc`, `gammainc`), quantiles are found by bisection at 60 digits; BG/NBD and MBG/NBD
counts of new customers use the textbook formulas (Fader, Hardie & Lee 2005, eq. 8, with its
finite sum, which 50 digits keep from cancelling); Pareto/NBD's integrates its density of the
death time numerically; and every count given a history is an integral over the individual
parameters (λ and p, or λ and μ) weighted by their posterior, with the individual-level
likelihood and future — not the SDK's "updated parameters" shortcut.

Run once, in a scratch virtual environment:
    python3 -m venv /tmp/mp && /tmp/mp/bin/pip install mpmath
    /tmp/mp/bin/python scripts/counts_reference.py > tests/vectors/counts.json

The counts given a history (two-dimensional integrals, hours of CPU) are computed only with
`--conditional`; the committed file was made without it, and the core's tests check those counts
against the models' conditional expectations instead (their mean) and against the new-customer
counts (a customer of age 0).
"""
import json
import sys

import mpmath as mp

mp.mp.dps = 50


def s(x):
    return mp.nstr(mp.mpf(x), 25, strip_zeros=False, min_fixed=-5, max_fixed=5)


def beta_inc_cases():
    cases = [
        ("2", "3", "0.4"), ("0.5", "0.5", "0.001"), ("0.5", "0.5", "0.999"),
        ("10", "0.243", "0.9"), ("1", "0.243", "0.3125"), ("50", "0.525", "0.87"),
        ("1000", "0.553", "0.99"), ("1000", "0.553", "0.5"), ("3", "200", "0.001"),
        ("0.793", "2.426", "0.5"), ("200", "300", "0.4"), ("1e-3", "5", "0.2"),
        ("7.5", "7.5", "0.5"), ("30", "2.2", "0.999"),
    ]
    out = []
    for a, b, x in cases:
        a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
        value = mp.betainc(a, b, 0, x, regularized=True)
        out.append({"a": s(a), "b": s(b), "x": s(x), "y": s(1 - x), "ln_value": s(mp.log(value))})
    return out


def gamma_p_cases():
    cases = [("0.5", "0.1"), ("0.243", "2"), ("1", "3"), ("2.5", "2.5"), ("10", "3"),
             ("10", "20"), ("100", "90"), ("100", "120"), ("0.01", "1e-4"), ("3.7", "1.2")]
    return [
        {"a": s(a), "x": s(x), "value": s(mp.gammainc(mp.mpf(a), 0, mp.mpf(x), regularized=True))}
        for a, x in cases
    ]


def bisect(f, low, high, steps=220):
    """The root of increasing f in [low, high]."""
    with mp.workdps(60):
        low, high = mp.mpf(low), mp.mpf(high)
        for _ in range(steps):
            mid = (low + high) / 2
            if f(mid) < 0:
                low = mid
            else:
                high = mid
        return (low + high) / 2


def mixing_cases():
    out = []
    for shape, rate, x in [("0.243", "4.414", "0.01"), ("0.5534", "10.58", "0.2"),
                           ("2.5", "1.5", "3"), ("1", "2", "0.7"), ("0.16", "1.86", "0.05")]:
        k, lam, x = mp.mpf(shape), mp.mpf(rate), mp.mpf(x)
        pdf = lam ** k * x ** (k - 1) * mp.exp(-lam * x) / mp.gamma(k)
        q = mp.mpf("0.99")
        quantile = bisect(lambda v: mp.gammainc(k, 0, lam * v, regularized=True) - q, 0, 1000)
        out.append({"distribution": "gamma", "p0": s(k), "p1": s(lam), "x": s(x), "q": "0.99",
                    "pdf": s(pdf), "quantile": s(quantile)})
    for a, b, x in [("0.793", "2.426", "0.3"), ("0.891", "1.614", "0.9"), ("2", "5", "0.25"),
                    ("1.85", "3.18", "0.6"), ("0.5", "0.5", "0.01")]:
        a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
        pdf = x ** (a - 1) * (1 - x) ** (b - 1) / mp.beta(a, b)
        q = mp.mpf("0.99")
        quantile = bisect(lambda v: mp.betainc(a, b, 0, v, regularized=True) - q, 0, 1)
        out.append({"distribution": "beta", "p0": s(a), "p1": s(b), "x": s(x), "q": "0.99",
                    "pdf": s(pdf), "quantile": s(quantile)})
    return out


def nb(n, r, alpha, t):
    """Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n."""
    return mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (alpha / (alpha + t)) ** r * (
        t / (alpha + t)) ** n


def bg_count(n, t, r, alpha, a, b, shift):
    """Fader, Hardie & Lee (2005) eq. 8 (shift 0), and its MBG/NBD form (shift 1)."""
    first = mp.beta(a, b + n + shift) / mp.beta(a, b) * nb(n, r, alpha, t)
    if n + shift == 0:
        return first
    head = mp.fsum(nb(j, r, alpha, t) for j in range(n))
    return first + mp.beta(a + 1, b + n - 1 + shift) / mp.beta(a, b) * (1 - head)


def pareto_count(n, t, r, alpha, s_, beta):
    """Alive at t, plus the integral over the death time τ in (0, t)."""
    alive = nb(n, r, alpha, t) * (beta / (beta + t)) ** s_
    died = mp.quad(lambda tau: s_ * beta ** s_ / (beta + tau) ** (s_ + 1) * nb(n, r, alpha, tau),
                   [0, t])
    return alive + died


def poisson(n, m):
    return mp.exp(-m) * m ** n / mp.factorial(n)


def at_least(n, m):
    """P(Poisson(m) >= n)."""
    return mp.gammainc(n, 0, m, regularized=True) if n > 0 else mp.mpf(1)


def gamma_density(v, shape, rate):
    return rate ** shape * v ** (shape - 1) * mp.exp(-rate * v) / mp.gamma(shape)


def beta_density(v, a, b):
    return v ** (a - 1) * (1 - v) ** (b - 1) / mp.beta(a, b)


def conditional_beta_geometric(n, t, r, alpha, a, b, x, tx, T, modified):
    """P(n purchases in (T, T+t] | x, tx, T) by integrating over λ and p: the individual
    likelihood split into alive at T and dropped out, and the individual future."""

    def future(lam, p):
        value = (1 - p) ** n * poisson(n, lam * t)
        if n > 0:
            value += p * (1 - p) ** (n - 1) * at_least(n, lam * t)
        return value

    def alive(lam, p):
        return lam ** x * mp.exp(-lam * T) * (1 - p) ** (x + (1 if modified else 0))

    def dropped(lam, p):
        if modified:
            return lam ** x * mp.exp(-lam * tx) * p * (1 - p) ** x
        if x == 0:
            return mp.mpf(0)
        return lam ** x * mp.exp(-lam * tx) * p * (1 - p) ** (x - 1)

    def weight(lam, p):
        return gamma_density(lam, r, alpha) * beta_density(p, a, b)

    with mp.workdps(25):
        top = mp.quad(lambda lam, p: weight(lam, p) * (
            alive(lam, p) * future(lam, p) + (dropped(lam, p) if n == 0 else 0)),
            [0, 1, mp.inf], [0, 1])
        bottom = mp.quad(lambda lam, p: weight(lam, p) * (alive(lam, p) + dropped(lam, p)),
                         [0, 1, mp.inf], [0, 1])
        return top / bottom


def conditional_pareto(n, t, r, alpha, s_, beta, x, tx, T):
    """As conditional_beta_geometric, over λ and μ."""

    def future(lam, mu):
        both = lam + mu
        return poisson(n, lam * t) * mp.exp(-mu * t) + mu * lam ** n / both ** (n + 1) * \
            mp.gammainc(n + 1, 0, both * t, regularized=True)

    def alive(lam, mu):
        return lam ** x * mp.exp(-(lam + mu) * T)

    def dropped(lam, mu):
        both = lam + mu
        return lam ** x * mu / both * (mp.exp(-both * tx) - mp.exp(-both * T))

    def weight(lam, mu):
        return gamma_density(lam, r, alpha) * gamma_density(mu, s_, beta)

    with mp.workdps(25):
        top = mp.quad(lambda lam, mu: weight(lam, mu) * (
            alive(lam, mu) * future(lam, mu) + (dropped(lam, mu) if n == 0 else 0)),
            [0, 1, mp.inf], [0, 1, mp.inf])
        bottom = mp.quad(lambda lam, mu: weight(lam, mu) * (alive(lam, mu) + dropped(lam, mu)),
                         [0, 1, mp.inf], [0, 1, mp.inf])
        return top / bottom


BG = ("0.243", "4.414", "0.793", "2.426")
MBG = ("0.525", "6.183", "0.891", "1.614")
PARETO = ("0.553", "10.578", "0.606", "11.669")
PARETO_HIGH_ALPHA = ("1.5", "50", "0.8", "0.5")
PARETO_LOW_ALPHA = ("0.553", "2", "0.606", "11.669")


def count_cases():
    out = []
    horizons = {"bg_nbd": BG, "mbg_nbd": MBG}
    for model, params in horizons.items():
        r, alpha, a, b = map(mp.mpf, params)
        for n, t in [(0, "2"), (10, "2"), (0, "39"), (1, "39"), (5, "39"), (11, "30"), (20, "30"),
                     (50, "100"), (200, "1000"), (3, "0.5")]:
            t = mp.mpf(t)
            value = bg_count(n, t, r, alpha, a, b, 1 if model == "mbg_nbd" else 0)
            out.append({"model": model, "params": list(params), "n": n, "t": s(t),
                        "value": s(value)})
    # a = 1 exactly (BG/NBD), and a large r.
    for params in [("0.5", "3", "1", "2"), ("25", "2", "3", "4")]:
        r, alpha, a, b = map(mp.mpf, params)
        for n, t in [(0, "5"), (4, "5"), (60, "5")]:
            t = mp.mpf(t)
            out.append({"model": "bg_nbd", "params": list(params), "n": n, "t": s(t),
                        "value": s(bg_count(n, t, r, alpha, a, b, 0))})
    for params in [PARETO, PARETO_HIGH_ALPHA, PARETO_LOW_ALPHA]:
        r, alpha, s_, beta = map(mp.mpf, params)
        for n, t in [(0, "1"), (1, "1"), (0, "52"), (3, "52"), (10, "52"), (40, "200"), (2, "0.1")]:
            t = mp.mpf(t)
            out.append({"model": "pareto_nbd", "params": list(params), "n": n, "t": s(t),
                        "value": s(pareto_count(n, t, r, alpha, s_, beta))})
    return out


def conditional_cases():
    out = []
    histories = [("2", "30.43", "38.86"), ("0", "0", "38.86"), ("7", "29.43", "38.86"),
                 ("0", "10", "20")]
    for model, params in [("bg_nbd", BG), ("mbg_nbd", MBG)]:
        r, alpha, a, b = map(mp.mpf, params)
        for (x, tx, T), (n, t) in zip(histories, [(0, "39"), (1, "10"), (3, "52"), (0, "5")]):
            value = conditional_beta_geometric(n, mp.mpf(t), r, alpha, a, b, int(x), mp.mpf(tx),
                                               mp.mpf(T), model == "mbg_nbd")
            out.append({"model": model, "params": list(params), "n": n, "t": t, "x": x,
                        "t_x": tx, "T": T, "value": s(value)})
    for params in [PARETO, PARETO_LOW_ALPHA]:
        r, alpha, s_, beta = map(mp.mpf, params)
        for (x, tx, T), (n, t) in zip(histories, [(0, "39"), (1, "10"), (3, "52"), (0, "5")]):
            value = conditional_pareto(n, mp.mpf(t), r, alpha, s_, beta, int(x), mp.mpf(tx),
                                       mp.mpf(T))
            out.append({"model": "pareto_nbd", "params": list(params), "n": n, "t": t, "x": x,
                        "t_x": tx, "T": T, "value": s(value)})
    return out


def main():
    doc = {
        "about": "mpmath reference values for the purchase-count probabilities and mixing "
                 "distributions; made by scripts/counts_reference.py. Do not edit by hand.",
        "beta_inc": beta_inc_cases(),
        "gamma_p": gamma_p_cases(),
        "mixing": mixing_cases(),
        "counts": count_cases() + (conditional_cases() if "--conditional" in sys.argv else []),
    }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
