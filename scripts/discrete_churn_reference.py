#!/usr/bin/env python3
"""Reference values for the discrete-time churn models, BG/BB and sBG, computed once with mpmath
at 50 significant digits and committed as tests/vectors/discrete_churn.json.

The values come from the textbook formulas, evaluated term by term in 50-digit arithmetic, not
from the recurrences and transformations the SDK uses:

- BG/BB (Fader, Hardie and Shang 2010, "Customer-base analysis in a discrete-time
  noncontractual setting", Marketing Science 29(6)): the likelihood (their eq. 5) as its sum of
  beta functions, P(alive in period n + m) (eq. 11 with n + m in place of n + 1), the conditional
  expectation in the gamma-function form of eq. 13 (lifetimes' formula), the unconditional one
  (eq. 6), and P(X(n) = x) (eq. 7).
- sBG (Fader and Hardie 2007, "How to project customer retention", Journal of Interactive
  Marketing 21(1)): survival, retention rate, churn probability, the cohort likelihood, and the
  discounted expected (residual) lifetime of Fader and Hardie 2010 ("Customer-base valuation in a
  contractual setting", Marketing Science 29(1)) as the plain discounted sum of survival
  probabilities, not their 2F1 closed form.
- The maximum-likelihood fits of the published data (the donation data of the BG/BB paper, the
  two cohorts of the sBG paper), found by scipy and then polished to 30 digits by Newton steps on
  mpmath's derivatives, with standard errors from the 50-digit Hessian.

Run once, in a scratch virtual environment:
    python3 -m venv /tmp/mp && /tmp/mp/bin/pip install mpmath scipy
    /tmp/mp/bin/python scripts/discrete_churn_reference.py > tests/vectors/discrete_churn.json
"""
import csv
import json
import os

import mpmath as mp
from scipy.optimize import minimize

mp.mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))


def s(x):
    return mp.nstr(mp.mpf(x), 25, strip_zeros=False, min_fixed=-5, max_fixed=5)


B = mp.beta


# --- BG/BB --------------------------------------------------------------------------------------

def bgbb_likelihood(alpha, beta, gamma, delta, x, tx, n):
    """Eq. 5, term by term (each term its own beta functions)."""
    alive = B(alpha + x, beta + n - x) / B(alpha, beta) * B(gamma, delta + n) / B(gamma, delta)
    dropped = mp.fsum(
        B(alpha + x, beta + tx - x + i) / B(alpha, beta) * B(gamma + 1, delta + tx + i) / B(gamma, delta)
        for i in range(int(n - tx))
    )
    return alive + dropped


def bgbb_p_alive(alpha, beta, gamma, delta, x, tx, n, m):
    """P(alive in period n + m | x, t_x, n): eq. 11 with n + m for n + 1."""
    top = B(alpha + x, beta + n - x) / B(alpha, beta) * B(gamma, delta + n + m) / B(gamma, delta)
    return top / bgbb_likelihood(alpha, beta, gamma, delta, x, tx, n)


def at_removable(f, gamma):
    """f(gamma), or at gamma = 1 the mean of f at 1 +- 1e-25 (its error is O(1e-50))."""
    if gamma == 1:
        h = mp.mpf("1e-25")
        return (f(gamma + h) + f(gamma - h)) / 2
    return f(gamma)


def bgbb_conditional(alpha, beta, gamma, delta, x, tx, n, t):
    """E[X(n, n + t) | x, t_x, n], eq. 13 in the gamma-function form lifetimes uses."""
    lik = bgbb_likelihood(alpha, beta, gamma, delta, x, tx, n)

    def f(g):
        return (B(alpha + x + 1, beta + n - x) / B(alpha, beta) * delta / (g - 1)
                * mp.gamma(g + delta) / mp.gamma(1 + delta)
                * (mp.gamma(1 + delta + n) / mp.gamma(g + delta + n)
                   - mp.gamma(1 + delta + n + t) / mp.gamma(g + delta + n + t)))

    return at_removable(f, gamma) / lik


def bgbb_unconditional(alpha, beta, gamma, delta, n):
    """E[X(n)], eq. 6."""

    def f(g):
        return (alpha / (alpha + beta) * delta / (g - 1)
                * (1 - mp.gamma(g + delta) / mp.gamma(g + delta + n)
                   * mp.gamma(1 + delta + n) / mp.gamma(1 + delta)))

    return at_removable(f, gamma)


def bgbb_pmf(alpha, beta, gamma, delta, x, n):
    """P(X(n) = x), eq. 7."""
    first = (mp.binomial(n, x) * B(alpha + x, beta + n - x) / B(alpha, beta)
             * B(gamma, delta + n) / B(gamma, delta))
    rest = mp.fsum(
        mp.binomial(i, x) * B(alpha + x, beta + i - x) / B(alpha, beta)
        * B(gamma + 1, delta + i) / B(gamma, delta)
        for i in range(int(x), int(n))
    )
    return first + rest


def bgbb_cases():
    params = [
        ("1.204", "0.750", "0.657", "2.783"),    # the donation data's published fit
        ("0.5", "2.5", "1", "3"),                # gamma = 1: eq. 13's removable singularity
        ("0.5", "2.5", "1.000000001", "3"),      # next to it
        ("0.001", "0.002", "0.003", "0.004"),    # tiny
        ("800", "300", "50", "2000"),            # huge
        ("3", "1", "25", "0.05"),                # quick dropout
    ]
    customers = [
        # x, t_x, n, horizon t, m (P(alive) in period n + m)
        ("0", "0", "6", "5", "1"),
        ("2", "4", "6", "5", "1"),
        ("6", "6", "6", "5", "0"),
        ("1", "1", "1", "1", "3"),
        ("0", "0", "0", "10", "1"),
        ("3", "10", "52", "52", "1"),
        ("3", "10", "52", "2.5", "1"),
        ("40", "300", "365", "365", "1"),
        ("17", "500", "2000", "0", "1"),
        ("0", "0", "2000", "10000", "1"),
    ]
    out = []
    for p in params:
        a, b, g, d = (mp.mpf(v) for v in p)
        for x, tx, n, t, m in customers:
            X, TX, N, T, M = (mp.mpf(v) for v in (x, tx, n, t, m))
            lik = bgbb_likelihood(a, b, g, d, X, TX, N)
            out.append({
                "params": list(p), "x": x, "t_x": tx, "n": n, "t": t, "m": m,
                "log_likelihood": s(mp.log(lik)),
                "p_alive": s(bgbb_p_alive(a, b, g, d, X, TX, N, M)),
                "conditional_expected": s(bgbb_conditional(a, b, g, d, X, TX, N, T)),
                "unconditional_expected": s(bgbb_unconditional(a, b, g, d, T)),
            })
    return out


def bgbb_pmf_cases():
    out = []
    for p in [("1.204", "0.750", "0.657", "2.783"), ("0.5", "2.5", "1", "3")]:
        a, b, g, d = (mp.mpf(v) for v in p)
        for n in ["0", "1", "6", "30"]:
            N = mp.mpf(n)
            values = [bgbb_pmf(a, b, g, d, mp.mpf(x), N) for x in range(int(N) + 1)]
            assert abs(mp.fsum(values) - 1) < mp.mpf("1e-40")
            out.append({"params": list(p), "n": n, "pmf": [s(v) for v in values]})
    return out


def donations():
    path = os.path.join(HERE, "..", "data", "donations", "donations.csv")
    with open(path) as f:
        return [tuple(int(row[k]) for k in ("frequency", "recency", "periods", "weights"))
                for row in csv.DictReader(f)]


def bgbb_total_ll(params, rows):
    a, b, g, d = params
    return mp.fsum(w * mp.log(bgbb_likelihood(a, b, g, d, x, tx, n)) for x, tx, n, w in rows)


def sbg_total_ll(params, survivors):
    a, b = params
    lost = mp.fsum((survivors[t - 1] - survivors[t]) * mp.log(B(a + 1, b + t - 1) / B(a, b))
                   for t in range(1, len(survivors)))
    return lost + survivors[-1] * mp.log(B(a, b + len(survivors) - 1) / B(a, b))


def polish(ll, start):
    """The maximum of ll near `start` (floats found by scipy) by Newton steps in 50 digits, with
    the standard errors (square roots of the inverse negative Hessian's diagonal)."""
    k = len(start)
    point = mp.matrix([mp.mpf(v) for v in start])
    for _ in range(30):
        grad = mp.matrix([mp.diff(lambda *p: ll(p), list(point), tuple(int(i == j) for i in range(k)))
                          for j in range(k)])
        hess = mp.matrix(k, k)
        for i in range(k):
            for j in range(k):
                order = [0] * k
                order[i] += 1
                order[j] += 1
                hess[i, j] = mp.diff(lambda *p: ll(p), list(point), tuple(order))
        step = mp.lu_solve(hess, grad)
        point = point - step
        if mp.norm(step) < mp.mpf("1e-30"):
            break
    else:
        raise RuntimeError("no convergence")
    covariance = -(hess ** -1)
    return [point[i] for i in range(k)], [mp.sqrt(covariance[i, i]) for i in range(k)]


def fit(ll, start):
    """scipy's Nelder-Mead on log-parameters in floats, then `polish`."""
    found = minimize(lambda z: -float(ll([mp.exp(v) for v in z])), [mp.log(v) for v in start],
                     method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    params, errors = polish(ll, [float(mp.exp(v)) for v in found.x])
    return params, errors, ll(params)


def donation_fit():
    rows = donations()
    # 22 patterns: mpmath sums each one's likelihood terms; fit in 30 digits for speed.
    with mp.workdps(30):
        params, errors, ll = fit(lambda p: bgbb_total_ll(p, rows), [1, 1, 1, 1])
    a, b, g, d = params
    n = 6
    table6 = {f"{x},{tx}": s(bgbb_p_alive(a, b, g, d, x, tx, n, 1))
              for x, tx in [(0, 0), (2, 4), (6, 6)]}
    conditional_total = mp.fsum(w * bgbb_conditional(a, b, g, d, x, tx, n, 5) for x, tx, n, w in rows)
    customers = sum(w for *_, w in rows)
    in_sample = {str(x): s(customers * bgbb_pmf(a, b, g, d, x, n)) for x in range(n + 1)}
    return {
        "params": [s(v) for v in params],
        "standard_errors": [s(v) for v in errors],
        "log_likelihood": s(ll),
        "p_alive_2002": table6,
        "conditional_expected_total_5": s(conditional_total),
        "expected_customers_by_x_6": in_sample,
    }


# --- sBG ----------------------------------------------------------------------------------------

def sbg_cases():
    out = []
    for p in [("0.668", "3.806"), ("0.704", "1.182"), ("2.5", "0.3"), ("0.001", "1000"), ("1", "1")]:
        a, b = (mp.mpf(v) for v in p)
        survival = [s(B(a, b + t) / B(a, b)) for t in range(0, 13)]
        rates = [s((B(a, b + t) / B(a, b)) / (B(a, b + t - 1) / B(a, b))) for t in range(1, 13)]
        churn = [s(B(a + 1, b + t - 1) / B(a, b)) for t in range(1, 13)]
        discounted = []
        for d in ["0.1", "0.01", "1"]:
            z = 1 / (1 + mp.mpf(d))
            # DEL: a new customer, who pays now and at each renewal survived.
            lifetime = mp.nsum(lambda t: B(a, b + t) / B(a, b) * z ** t, [0, mp.inf])
            # DERL after n renewals, just before the (n+1)th renewal decision.
            residual = {}
            for n in [0, 1, 4, 100]:
                residual[str(n)] = s(mp.nsum(
                    lambda k: B(a, b + n + 1 + k) / B(a, b + n) * z ** k, [0, mp.inf]))
            discounted.append({"discount": d, "del": s(lifetime), "derl": residual})
        out.append({"params": list(p), "survival": survival, "retention_rate": rates,
                    "churn_probability": churn, "discounted": discounted})
    return out


COHORTS = {
    # Fader and Hardie 2007, Table 1: survivors of two cohorts of 1000, years 0-7.
    "regular": [1000, 869, 743, 653, 593, 551, 517, 491],
    "high_end": [1000, 631, 468, 382, 326, 289, 262, 241],
}


def sbg_fits():
    out = {}
    for name, survivors in COHORTS.items():
        params, errors, ll = fit(lambda p: sbg_total_ll(p, survivors), [1, 1])
        out[name] = {"survivors": survivors, "params": [s(v) for v in params],
                     "standard_errors": [s(v) for v in errors], "log_likelihood": s(ll)}
    return out


def main():
    doc = {
        "about": "50-digit reference values (mpmath) for the BG/BB and sBG models and fits of their "
                 "published data; made by scripts/discrete_churn_reference.py. Do not edit by hand.",
        "bg_bb": bgbb_cases(),
        "bg_bb_pmf": bgbb_pmf_cases(),
        "bg_bb_donations": donation_fit(),
        "sbg": sbg_cases(),
        "sbg_fits": sbg_fits(),
    }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
