#!/usr/bin/env python3
"""Reference values for the churn models' special functions and model formulas, computed once
with mpmath at 50 significant digits and committed as tests/vectors/special.json.

The model values use the textbook formulas (Fader, Hardie & Lee 2005; Batislam et al. 2007;
Fader & Hardie's notes), not the transformed series the SDK evaluates, and the Pareto/NBD
likelihood is integrated numerically, so the tests compare two independent computations.

Run once, in a scratch virtual environment:
    python3 -m venv /tmp/mp && /tmp/mp/bin/pip install mpmath
    /tmp/mp/bin/python scripts/special_reference.py > tests/vectors/special.json
"""
import json

import mpmath as mp

mp.mp.dps = 50


def s(x):
    return mp.nstr(mp.mpf(x), 25, strip_zeros=False, min_fixed=-5, max_fixed=5)


def ln_gamma_cases():
    xs = ["1e-300", "1e-10", "0.1", "0.5", "1", "1.5", "2", "2.5", "3.7", "10", "15.5", "100",
          "10000.3", "1e8", "1e15"]
    return [{"x": x, "value": s(mp.loggamma(mp.mpf(x)))} for x in xs]


def ln_gamma_ratio_cases():
    pairs = [("0.243", "2"), ("0.243", "10000"), ("15", "0.5"), ("1e8", "3"), ("1e8", "1e-8"),
             ("20", "-4.5"), ("2.5", "100"), ("1e12", "1e6"), ("16.5", "0.25"), ("3", "-2.5")]
    out = []
    for x, d in pairs:
        x, d = mp.mpf(x), mp.mpf(d)
        out.append({"x": s(x), "d": s(d), "value": s(mp.loggamma(x + d) - mp.loggamma(x))})
    return out


def ln_beta_cases():
    pairs = [("0.793", "2.426"), ("1e-5", "1e-5"), ("1e10", "0.5"), ("0.5", "1e10"), ("3", "4"),
             ("1000", "1000"), ("6.25", "3.74"), ("20", "30.5")]
    out = []
    for a, b in pairs:
        a, b = mp.mpf(a), mp.mpf(b)
        out.append({"a": s(a), "b": s(b), "value": s(mp.log(mp.beta(a, b)))})
    return out


def digamma_cases():
    xs = ["1e-8", "0.1", "0.5", "1", "1.5", "2.426", "9.99", "10", "50", "1e6"]
    return [{"x": x, "value": s(mp.digamma(mp.mpf(x)))} for x in xs]


def hyp2f1_cases():
    quads = [
        # Pareto/NBD shapes: F(a, s+1; a+1; z) and F(a, r+x; a+1; z), a = r + s + x.
        ("1.159", "1.606", "2.159", "0.0934"),
        ("1.159", "0.553", "2.159", "0.5"),
        ("10000.6", "1.6", "10001.6", "0.5"),
        ("10000.6", "1.6", "10001.6", "0.99"),
        ("3.6", "1.6", "4.6", "0.9"),
        ("3.6", "3.0", "4.6", "0.95"),
        # BG/NBD shapes: F(r + x, b + x; a + b + x − 1; z).
        ("2.2426", "4.4258", "5.2187", "0.4730"),
        ("0.2426", "2.4258", "2.2187", "0.8984"),
        ("10000.25", "10002.5", "10002.3", "0.003637"),
        ("30.2", "31.4", "30.9", "0.3"),
        # Negative arguments (Pfaff transformation).
        ("1.5", "2.5", "3.7", "-0.5"),
        ("1.5", "2.5", "3.7", "-3"),
        ("0.3", "4.2", "1.1", "-50"),
        ("2.2", "0.7", "5.5", "-1000"),
        # Values of both signs, non-positive parameters.
        ("-2.5", "1.3", "0.7", "0.6"),
        ("-3.5", "2", "1.5", "0.8"),
        ("0.5", "1", "-1.5", "0.3"),
        ("-0.4", "-0.7", "-2.5", "0.45"),
        ("-4", "3.5", "2", "0.7"),
        ("-4", "3.5", "2", "-2"),
        # Large parameters, and c − a − b near an integer.
        ("100", "200", "150", "0.3"),
        ("40", "1.5", "41.5", "0.999"),
        ("0.7", "0.3", "2", "0.97"),
        ("1", "1", "2", "0.999"),
    ]
    out = []
    for a, b, c, z in quads:
        value = mp.hyp2f1(mp.mpf(a), mp.mpf(b), mp.mpf(c), mp.mpf(z))
        out.append({"a": a, "b": b, "c": c, "z": z, "negative": bool(value < 0),
                    "ln_abs": s(mp.log(abs(value)))})
    return out


# --- model formulas -----------------------------------------------------------------------------

def bg(r, alpha, a, b, x, tx, T, t):
    B = mp.beta
    common = mp.gamma(r + x) * alpha**r / mp.gamma(r)
    lik = B(a, b + x) / B(a, b) * common / (alpha + T) ** (r + x)
    if x > 0:
        lik += B(a + 1, b + x - 1) / B(a, b) * common / (alpha + tx) ** (r + x)
    p_alive = 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x)) if x > 0 else mp.mpf(1)

    def cond(a):
        z = t / (alpha + T + t)
        hyp = mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)

    def uncond(a):
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mp.hyp2f1(r, b, a + b - 1, z))

    return mp.log(lik), p_alive, at_removable(cond, a) * p_alive, at_removable(uncond, a)


def mbg(r, alpha, a, b, x, tx, T, t):
    B = mp.beta
    common = mp.gamma(r + x) * alpha**r / mp.gamma(r)
    lik = (B(a, b + x + 1) / B(a, b) * common / (alpha + T) ** (r + x)
           + B(a + 1, b + x) / B(a, b) * common / (alpha + tx) ** (r + x))
    p_alive = 1 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x))

    def cond(a):
        z = t / (alpha + T + t)
        hyp = mp.hyp2f1(r + x, b + x + 1, a + b + x, z)
        return (a + b + x) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)

    def uncond(a):
        z = t / (alpha + t)
        return b / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mp.hyp2f1(r, b + 1, a + b, z))

    return mp.log(lik), p_alive, at_removable(cond, a) * p_alive, at_removable(uncond, a)


def at_removable(f, a):
    """f(a), or at a = 1 the mean of f at 1 ± 1e-25 (the error of the mean is O(1e-50))."""
    if a == 1:
        h = mp.mpf("1e-25")
        return (f(a + h) + f(a - h)) / 2
    return f(a)


def pareto(r, alpha, s_, beta, x, tx, T, t):
    front = mp.gamma(r + x) * alpha**r * beta**s_ / mp.gamma(r)
    alive_part = (alpha + T) ** (-(r + x)) * (beta + T) ** (-s_)
    # The integral over (t_x, T) in closed form (Fader & Hardie's A_0), with mpmath's 2F1;
    # mpmath's quadrature agrees but is less accurate when the integrand is a narrow peak.
    a = r + s_ + x
    if alpha >= beta:
        P = lambda t_: mp.hyp2f1(a, s_ + 1, a + 1, (alpha - beta) / (alpha + t_)) / (alpha + t_) ** a
    else:
        P = lambda t_: mp.hyp2f1(a, r + x, a + 1, (beta - alpha) / (beta + t_)) / (beta + t_) ** a
    integral = (P(tx) - P(T)) / a
    points = [tx] + [tx + mp.mpf(10) ** k for k in range(-3, 6) if tx + mp.mpf(10) ** k < T] + [T]
    check = mp.quad(lambda tau: (alpha + tau) ** (-(r + x)) * (beta + tau) ** (-(s_ + 1)), points,
                    maxdegree=12) if T > tx else mp.mpf(0)
    assert abs(check - integral) <= mp.mpf("1e-5") * integral, (check, integral)
    lik = front * (alive_part + s_ * integral)
    p_alive = front * alive_part / lik
    if s_ == 1:
        factor = mp.log((beta + T + t) / (beta + T))
        ufactor = mp.log((beta + t) / beta)
    else:
        factor = (1 - ((beta + T) / (beta + T + t)) ** (s_ - 1)) / (s_ - 1)
        ufactor = (1 - (beta / (beta + t)) ** (s_ - 1)) / (s_ - 1)
    cond = p_alive * (r + x) * (beta + T) / (alpha + T) * factor
    uncond = r * beta / alpha * ufactor
    return mp.log(lik), p_alive, cond, uncond


def model_cases():
    transaction = [
        # CDNOW fits (weeks).
        ("bg_nbd", ("0.2426", "4.4135", "0.7929", "2.4258")),
        ("mbg_nbd", ("0.5250", "6.1830", "0.8910", "1.6140")),
        ("pareto_nbd", ("0.5534", "10.5802", "0.6061", "11.6690")),
        # Days, and the removable singularities.
        ("bg_nbd", ("0.25", "30", "1", "2.5")),
        ("mbg_nbd", ("0.25", "30", "1", "2.5")),
        ("pareto_nbd", ("0.25", "30", "1", "45")),
        ("pareto_nbd", ("0.25", "60", "1.3", "45")),
        # Tiny and huge parameters.
        ("bg_nbd", ("0.0001", "0.01", "0.001", "1000")),
        ("bg_nbd", ("1000", "100000", "50", "10000")),
        ("mbg_nbd", ("0.0001", "0.01", "0.001", "1000")),
        ("mbg_nbd", ("1000", "100000", "50", "10000")),
        ("pareto_nbd", ("0.0001", "0.01", "0.001", "1000")),
        ("pareto_nbd", ("1000", "100000", "50", "10000")),
    ]
    customers = [
        ("0", "0", "38.86", "39"),
        ("2", "30.43", "38.86", "39"),
        ("1", "1.71", "38.86", "52"),
        ("29", "38.29", "38.86", "39"),
        ("0", "0", "100000", "365"),
        ("3", "10", "100000", "365"),
        ("10000", "90000", "100000", "365"),
        ("10000", "100000", "100000", "30"),
        ("5", "200", "400", "30"),
    ]
    functions = {"bg_nbd": bg, "mbg_nbd": mbg, "pareto_nbd": pareto}
    out = []
    for kind, params in transaction:
        p = [mp.mpf(v) for v in params]
        for x, tx, T, t in customers:
            ll, p_alive, cond, uncond = functions[kind](*p, mp.mpf(x), mp.mpf(tx), mp.mpf(T), mp.mpf(t))
            out.append({"model": kind, "params": list(params), "x": x, "t_x": tx, "T": T, "t": t,
                        "log_likelihood": s(ll), "p_alive": s(p_alive),
                        "conditional_expected": s(cond), "unconditional_expected": s(uncond)})
    return out


def gamma_gamma_cases():
    out = []
    for p, q, v in [("6.2498", "3.7443", "15.4447"), ("0.01", "1.5", "0.001"), ("500", "300", "1e6")]:
        P, Q, V = mp.mpf(p), mp.mpf(q), mp.mpf(v)
        for x, m in [("1", "11.77"), ("2", "22.35"), ("29", "41.2"), ("10000", "3.5")]:
            X, M = mp.mpf(x), mp.mpf(m)
            ll = (mp.loggamma(P * X + Q) - mp.loggamma(P * X) - mp.loggamma(Q) + Q * mp.log(V)
                  + (P * X - 1) * mp.log(M) + P * X * mp.log(X) - (P * X + Q) * mp.log(X * M + V))
            spend = P * (V + X * M) / (P * X + Q - 1)
            out.append({"params": [p, q, v], "x": x, "mean_spend": m, "log_likelihood": s(ll),
                        "expected_spend": s(spend)})
    return out


def main():
    doc = {
        "about": "50-digit reference values (mpmath) for the churn special functions and models; "
                 "made by scripts/special_reference.py. Do not edit by hand.",
        "ln_gamma": ln_gamma_cases(),
        "ln_gamma_ratio": ln_gamma_ratio_cases(),
        "ln_beta": ln_beta_cases(),
        "digamma": digamma_cases(),
        "hyp2f1": hyp2f1_cases(),
        "models": model_cases(),
        "gamma_gamma": gamma_gamma_cases(),
    }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
