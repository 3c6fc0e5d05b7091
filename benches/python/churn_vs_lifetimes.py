"""retention against lifetimes 0.11.3, side by side, in one run (benches/python/run.sh).

For each data shape (CDNOW, and all-distinct synthetic customers of each ``--sizes``), times
every task in both libraries on the same inputs: fits of BG/NBD, MBG/NBD, Pareto/NBD and
Gamma-Gamma, P(alive), conditional expected purchases (t = 52), CLV (12 months); then the summary
of a transaction log. Prints one table with both times, the ratio with every core this process may
use and with one core (``os.sched_setaffinity``: retention's threads follow it), and the issue's
goal, met or NOT MET; then the agreement checks: fitted parameters (relative difference, goal
1e-3), log-likelihoods (retention's ≥ lifetimes' − 1e-6·|LL|, both recomputed by one evaluator,
the textbook formula) and scores from the same parameters (relative difference, goal 1e-6).

``--scoring-only`` times only the scoring tasks (P(alive), expected purchases, CLV): retention
fits BG/NBD and Gamma-Gamma untimed for their parameters, and the fits, the Pareto/NBD 200k line
and the summary are skipped.

Timing: retention's calls are the best of ``--repeat`` (default 3); lifetimes' fits run once,
its scoring best of ``--repeat`` too; a lifetimes fit still running after
``--lifetimes-timeout`` seconds (default 600) is stopped (SIGALRM) and reported as
"lifetimes > N min". Both run in the same process on the same machine.

Data (fixed seeds, documented so that anyone can regenerate them):

- CDNOW: ``data/cdnow/cdnow_customers_summary_with_transactions.csv`` (2,357 customers, weeks,
  mean repeat spend ``zbar``).
- Distinct customers: the BG/NBD process with CDNOW's parameters in days (r = 0.243,
  α = 30.9, a = 0.793, b = 2.426), NumPy ``default_rng(20240601 + n)``: ages uniform on
  [30, 365) days (continuous); λ ~ Gamma(r, 1/α), p ~ Beta(a, b); N ~ Poisson(λT) purchases if the
  customer never dropped out; G ~ Geometric(p) purchases before dropping out; x = min(N, G);
  t_x = T · Beta(x, N − x + 1) (continuous): every row distinct, as lifetimes'
  ``generate_new_data`` and long day-level histories give. Mean spend of repeat buyers from
  Gamma-Gamma with CDNOW's p = 6.25, q = 3.74, γ = 15.44: ν ~ Gamma(q, 1/γ), z̄ ~ Gamma(p·x, 1/(ν·x)).
  The "Pareto/NBD 200k" line fits the first 200,000 rows of the first size at default settings
  (goal: ≤ 10 s).
- Transactions: 300,000 customers, ``default_rng(20240602)``, first purchase uniform over two
  years from 2022-01-01, 1 + Poisson(7) purchases each (≈ 2.4 M rows) at uniform times (to the
  second) from the first to the end, amounts log-normal in cents.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")  # lifetimes' FutureWarnings and pkg_resources notice

import lifetimes  # noqa: E402

import retention  # noqa: E402
from retention import _retention  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ALL_CPUS = sorted(os.sched_getaffinity(0))

GOALS = {"fit": 50.0, "p_alive": 2.0, "expected": 10.0, "clv": 10.0, "summary": 10.0}
NAMES = {
    "bg_nbd": ["r", "alpha", "a", "b"],
    "mbg_nbd": ["r", "alpha", "a", "b"],
    "pareto_nbd": ["r", "alpha", "s", "beta"],
    "gamma_gamma": ["p", "q", "v"],
}


def best_of(repeat: int, call: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def one_core(call: Callable[[], Any]) -> Any:
    """``call()`` with this process (and so retention's threads) on one core."""
    os.sched_setaffinity(0, {ALL_CPUS[0]})
    try:
        return call()
    finally:
        os.sched_setaffinity(0, set(ALL_CPUS))


class Timeout(Exception):
    pass


def with_timeout(seconds: int, call: Callable[[], Any]) -> tuple[Optional[float], Any]:
    """(seconds, result) of ``call()``, or (None, None) when it runs beyond ``seconds``."""

    def expired(signum: int, frame: Any) -> None:
        raise Timeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        return best_of(1, call)
    except Timeout:
        return None, None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def distinct_customers(n: int) -> pd.DataFrame:
    """n all-distinct customers (see the module docs), times in days."""
    r, alpha, a, b = 0.243, 4.414 * 7, 0.793, 2.426
    rng = np.random.default_rng(20240601 + n)
    age = rng.uniform(30.0, 365.0, size=n)
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = np.clip(rng.beta(a, b, size=n), 1e-12, 1.0)
    if_alive = rng.poisson(rate * age)
    before_dropout = rng.geometric(dropout)
    frequency = np.minimum(if_alive, before_dropout)
    shape_a = np.maximum(frequency, 1)
    shape_b = np.maximum(if_alive - frequency + 1, 1)
    recency = np.where(frequency > 0, age * rng.beta(shape_a, shape_b), 0.0)
    p, q, gamma = 6.25, 3.74, 15.44
    nu = rng.gamma(q, 1.0 / gamma, size=n)
    x = np.maximum(frequency, 1)
    spend = np.where(frequency > 0, rng.gamma(p * x, 1.0 / (nu * x)), 0.0)
    return pd.DataFrame({"frequency": frequency.astype(float), "recency": recency, "T": age, "spend": spend})


def cdnow() -> pd.DataFrame:
    data = pd.read_csv(REPO / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    return data.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "spend"})[
        ["frequency", "recency", "T", "spend"]
    ].astype(float)


def synthetic_transactions(customers: int = 300_000, seed: int = 20240602) -> pd.DataFrame:
    """A transaction log of about 2.4 M rows (see the module docs)."""
    rng = np.random.default_rng(seed)
    horizon = 730 * 86400
    first = rng.integers(0, horizon, size=customers)
    counts = 1 + rng.poisson(7, size=customers)
    ids = np.repeat(np.arange(1, customers + 1), counts)
    start = np.repeat(first, counts)
    offsets = np.floor(rng.random(len(ids)) * (horizon - start)).astype(np.int64)
    starts_at = np.concatenate([[0], np.cumsum(counts)[:-1]])
    offsets[starts_at] = 0  # each customer's first row is the first purchase itself
    times = np.datetime64("2022-01-01T00:00:00") + (start + offsets).astype("timedelta64[s]")
    amounts = np.round(rng.lognormal(3.0, 0.8, size=len(ids)), 2)
    return pd.DataFrame({"customer_id": ids, "date": times.astype("datetime64[ns]"), "amount": amounts})


def log_likelihood(model: str, params: list[float], data: pd.DataFrame) -> float:
    """Σ LL of every customer under ``params`` (retention's evaluator, for both libraries)."""
    columns = [np.ascontiguousarray(data[c], dtype=float) for c in ("frequency", "recency", "T")]
    return float(_retention.churn_evaluate(model, params, "log_likelihood", 0.0, *columns).sum())


def relative(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    finite = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[finite] - b[finite]) / np.maximum(np.abs(b[finite]), 1e-300), initial=0.0))


class Report:
    def __init__(self, timeout: int) -> None:
        self.timeout = timeout
        self.rows: list[tuple[str, Optional[float], float, float, str]] = []
        self.checks: list[tuple[str, str, bool]] = []

    def time(self, task: str, goal_key: str, theirs: Optional[float], ours: float, ours_one: float) -> None:
        goal = GOALS[goal_key]
        if theirs is None:
            # Only a lower bound on lifetimes' time: met only if even the bound reaches the goal.
            bound = self.timeout / ours
            verdict = f"≥ {goal:g}x " + ("met" if bound >= goal else "NOT MET") + (
                f" (lifetimes > {self.timeout / 60:g} min: ratio > {bound:.1f}x)"
            )
        else:
            verdict = f"≥ {goal:g}x " + ("met" if theirs / ours >= goal else "NOT MET")
        self.rows.append((task, theirs, ours, ours_one, verdict))
        shown = "> timeout" if theirs is None else f"{theirs:.3f} s"
        print(f"  {task}: lifetimes {shown}, retention {ours:.4f} s ({ours_one:.4f} s on one core)", flush=True)

    def check(self, what: str, detail: str, ok: bool) -> None:
        self.checks.append((what, detail, ok))
        print(f"  {what}: {detail} {'ok' if ok else 'NOT MET'}", flush=True)

    def print(self) -> None:
        print()
        print(f"Ratios with {len(ALL_CPUS)} threads (the cores this process may use) and with 1.")
        print()
        print("| task | lifetimes | retention | ratio | retention, 1 thread | ratio, 1 thread | goal |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for task, theirs, ours, one, verdict in self.rows:
            if theirs is None:
                their_s, ratio, ratio_one = f"> {self.timeout / 60:g} min", "—", "—"
            else:
                their_s, ratio, ratio_one = f"{theirs:.3f} s", f"{theirs / ours:.1f}x", f"{theirs / one:.1f}x"
            print(f"| {task} | {their_s} | {ours:.4f} s | {ratio} | {one:.4f} s | {ratio_one} | {verdict} |")
        print()
        print("| agreement | detail | |")
        print("| --- | --- | --- |")
        for what, detail, ok in self.checks:
            print(f"| {what} | {detail} | {'ok' if ok else 'NOT MET'} |")


def fit_task(report: Report, label: str, model: str, data: pd.DataFrame, repeat: int, n_label: str) -> Any:
    """Times one fit in both libraries; returns retention's fitter."""
    classes = {
        "bg_nbd": (lifetimes.BetaGeoFitter, retention.BetaGeoFitter),
        "mbg_nbd": (lifetimes.ModifiedBetaGeoFitter, retention.ModifiedBetaGeoFitter),
        "pareto_nbd": (lifetimes.ParetoNBDFitter, retention.ParetoNBDFitter),
        "gamma_gamma": (lifetimes.GammaGammaFitter, retention.GammaGammaFitter),
    }
    theirs_class, ours_class = classes[model]
    if model == "gamma_gamma":
        buyers = data[data["frequency"] > 0]
        columns: tuple[Any, ...] = (buyers["frequency"], buyers["spend"])
    else:
        columns = (data["frequency"], data["recency"], data["T"])
    np.random.seed(0)  # lifetimes' Pareto/NBD draws its starting point from NumPy's global RNG
    their_time, theirs = with_timeout(report.timeout, lambda: theirs_class().fit(*columns))
    our_time, ours = best_of(repeat, lambda: ours_class().fit(*columns))
    our_one, _ = one_core(lambda: best_of(repeat, lambda: ours_class().fit(*columns)))
    report.time(f"{label} fit, {n_label}", "fit", their_time, our_time, our_one)
    if theirs is not None:
        names = NAMES[model]
        their_params = [float(theirs.params_[n]) for n in names]
        our_params = [float(ours.params_[n]) for n in names]
        report.check(
            f"{label} parameters, {n_label}",
            f"largest relative difference {relative(our_params, their_params):.1e} (goal 1e-3)",
            relative(our_params, their_params) <= 1e-3,
        )
        if model != "gamma_gamma":
            their_ll, our_ll = log_likelihood(model, their_params, data), log_likelihood(model, our_params, data)
            report.check(
                f"{label} log-likelihood, {n_label}",
                f"retention {our_ll:.4f}, lifetimes {their_ll:.4f} (goal ≥ lifetimes − 1e-6·abs(LL))",
                our_ll >= their_ll - 1e-6 * abs(their_ll),
            )
    return ours


def scoring_tasks(report: Report, data: pd.DataFrame, bg: Any, gg: Any, repeat: int, n_label: str, freq: str) -> None:
    """P(alive), expected purchases and CLV from retention's BG/NBD and Gamma-Gamma parameters,
    copied into lifetimes' fitters."""
    their_bg = lifetimes.BetaGeoFitter()
    their_bg.params_ = pd.Series(bg.params_.to_numpy(), index=NAMES["bg_nbd"])
    their_bg.predict = their_bg.conditional_expected_number_of_purchases_up_to_time  # set by its fit()
    their_gg = lifetimes.GammaGammaFitter()
    their_gg.params_ = pd.Series(gg.params_.to_numpy(), index=NAMES["gamma_gamma"])
    x, t_x, age = (data[c].to_numpy() for c in ("frequency", "recency", "T"))

    def timed(task: str, key: str, theirs: Callable[[], Any], ours: Callable[[], Any]) -> tuple[Any, Any]:
        their_time, their_values = best_of(repeat, theirs)
        our_time, our_values = best_of(repeat, ours)
        our_one, _ = one_core(lambda: best_of(repeat, ours))
        report.time(f"{task}, {n_label}", key, their_time, our_time, our_one)
        difference = relative(our_values, their_values)
        report.check(f"{task} values, {n_label}", f"largest relative difference {difference:.1e} (goal 1e-6)", difference <= 1e-6)
        return their_values, our_values

    timed(
        "P(alive)",
        "p_alive",
        lambda: their_bg.conditional_probability_alive(x, t_x, age),
        lambda: bg.conditional_probability_alive(x, t_x, age),
    )
    timed(
        "conditional expected purchases (t = 52)",
        "expected",
        lambda: their_bg.conditional_expected_number_of_purchases_up_to_time(52.0, x, t_x, age),
        lambda: bg.conditional_expected_number_of_purchases_up_to_time(52.0, x, t_x, age),
    )
    buyers = data[data["frequency"] > 0]
    bx, bt, bT, bm = (buyers[c] for c in ("frequency", "recency", "T", "spend"))
    timed(
        "CLV (12 months)",
        "clv",
        lambda: np.asarray(their_gg.customer_lifetime_value(their_bg, bx, bt, bT, bm, time=12, freq=freq)),
        lambda: np.asarray(gg.customer_lifetime_value(bg, bx, bt, bT, bm, time=12, freq=freq)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[300_000, 1_000_000])
    parser.add_argument("--transaction-customers", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lifetimes-timeout", type=int, default=600, help="seconds")
    parser.add_argument(
        "--scoring-only",
        action="store_true",
        help="time only P(alive), expected purchases and CLV (retention fits BG/NBD and Gamma-Gamma, untimed)",
    )
    args = parser.parse_args()
    print(
        f"retention {retention.__version__}, lifetimes {lifetimes.__version__}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, Python {sys.version.split()[0]}, {len(ALL_CPUS)} cores usable"
    )
    report = Report(args.lifetimes_timeout)
    shapes: list[tuple[str, pd.DataFrame, str]] = [("CDNOW (2,357)", cdnow(), "W")]
    for n in args.sizes:
        shapes.append((f"{n:,} distinct", distinct_customers(n), "D"))
    for n_label, data, freq in shapes:
        print(f"{n_label}: {len(data.drop_duplicates()):,} distinct rows, "
              f"{(data['frequency'] > 0).mean():.1%} repeat buyers", flush=True)
        if args.scoring_only:
            buyers = data[data["frequency"] > 0]
            bg = retention.BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
            gg = retention.GammaGammaFitter().fit(buyers["frequency"], buyers["spend"])
            scoring_tasks(report, data, bg, gg, args.repeat, n_label, freq)
            continue
        fitted = {
            model: fit_task(report, label, model, data, args.repeat, n_label)
            for model, label in [
                ("bg_nbd", "BG/NBD"),
                ("mbg_nbd", "MBG/NBD"),
                ("pareto_nbd", "Pareto/NBD"),
                ("gamma_gamma", "Gamma-Gamma"),
            ]
        }
        scoring_tasks(report, data, fitted["bg_nbd"], fitted["gamma_gamma"], args.repeat, n_label, freq)
    if args.scoring_only:
        report.print()
        return
    if args.sizes:
        subset = distinct_customers(args.sizes[0]).iloc[:200_000]
        seconds, _ = best_of(1, lambda: retention.ParetoNBDFitter().fit(subset["frequency"], subset["recency"], subset["T"]))
        report.check("Pareto/NBD fit, 200,000 distinct, default settings", f"{seconds:.1f} s (goal ≤ 10 s)", seconds <= 10.0)

    transactions = synthetic_transactions(args.transaction_customers)
    end = transactions["date"].max()
    print(f"transactions: {len(transactions):,} rows of {args.transaction_customers:,} customers", flush=True)

    def theirs_summary() -> pd.DataFrame:
        return lifetimes.utils.summary_data_from_transaction_data(
            transactions, "customer_id", "date", monetary_value_col="amount", observation_period_end=end
        )

    def ours_summary() -> pd.DataFrame:
        return retention.summary_data_from_transaction_data(
            transactions, "customer_id", "date", monetary_value_col="amount", observation_period_end=end
        )

    their_time, their_summary = best_of(1, theirs_summary)
    our_time, our_summary = best_of(args.repeat, ours_summary)
    our_one, _ = one_core(lambda: best_of(args.repeat, ours_summary))
    report.time(f"summary, {len(transactions):,} transactions", "summary", their_time, our_time, our_one)
    their_summary = their_summary.sort_index()
    same = np.allclose(their_summary.to_numpy(), our_summary.to_numpy(), rtol=1e-12, atol=1e-9) and bool(
        (their_summary.index.to_numpy() == our_summary.index.to_numpy()).all()
    )
    report.check("summary values", "equal to lifetimes'", same)
    report.print()


if __name__ == "__main__":
    main()
