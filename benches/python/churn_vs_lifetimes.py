"""retention against lifetimes 0.11.3, side by side, in one run (benches/python/run.sh).

Times each task in both libraries on the same inputs and prints a table of both times and their
ratio with the issue's goal, then the fits' parameters and log-likelihoods. Log-likelihoods are
recomputed for both parameter sets by one evaluator (retention's per-customer log-likelihood, the
textbook formula), so that "at least as good" compares like with like; lifetimes' own figure is
shown beside it.

Timing: retention's calls are repeated (best of ``--repeat``, default 3); lifetimes' slow fits run
once, its fast calls best of ``--repeat`` too. Both run on the same machine in the same process;
retention's batch scoring uses every core (2 here), lifetimes' NumPy code one.

Data (fixed seeds, documented so that anyone can regenerate them):

- CDNOW: ``data/cdnow/cdnow_customers_summary_with_transactions.csv`` (2,357 customers, weeks).
- Synthetic customers: the BG/NBD process itself with CDNOW's parameters in days (r = 0.243,
  α = 30.9, a = 0.793, b = 2.426), ages uniform on 30..365 whole days, NumPy
  ``default_rng(20240601)``: λ ~ Gamma(r, 1/α), p ~ Beta(a, b); N ~ Poisson(λT) purchases if the
  customer never dropped out; G ~ Geometric(p) purchases before dropping out; x = min(N, G);
  t_x the x-th of N uniform arrival times, T · Beta(x, N − x + 1), rounded down to whole days (as
  a summary of dated transactions is). 1,000,000 customers; the Pareto/NBD fit uses the first
  100,000.
- Transactions: 300,000 customers, ``default_rng(20240602)``, first purchase uniform over two
  years from 2022-01-01, 1 + Poisson(7) purchases each (≈ 2.4 M rows) on uniform days from the
  first to the end, amounts log-normal in cents.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

warnings.simplefilter("ignore")  # lifetimes' FutureWarnings and pkg_resources notice

import lifetimes  # noqa: E402

import retention  # noqa: E402
from retention import _retention  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def best_of(repeat: int, call: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def synthetic_customers(n: int, seed: int = 20240601) -> pd.DataFrame:
    """n customers from the BG/NBD process (see the module docs), times in whole days."""
    r, alpha, a, b = 0.243, 4.414 * 7, 0.793, 2.426
    rng = np.random.default_rng(seed)
    age = rng.integers(30, 366, size=n).astype(float)
    rate = rng.gamma(r, 1.0 / alpha, size=n)
    dropout = np.clip(rng.beta(a, b, size=n), 1e-12, 1.0)
    if_alive = rng.poisson(rate * age)
    before_dropout = rng.geometric(dropout)
    frequency = np.minimum(if_alive, before_dropout)
    shape_a = np.maximum(frequency, 1)
    shape_b = np.maximum(if_alive - frequency + 1, 1)
    recency = np.where(frequency > 0, np.floor(age * rng.beta(shape_a, shape_b)), 0.0)
    return pd.DataFrame({"frequency": frequency.astype(float), "recency": recency, "T": age})


def synthetic_transactions(customers: int = 300_000, seed: int = 20240602) -> pd.DataFrame:
    """A transaction log of about 2.4 M rows (see the module docs)."""
    rng = np.random.default_rng(seed)
    horizon = 730
    first = rng.integers(0, horizon, size=customers)
    counts = 1 + rng.poisson(7, size=customers)
    ids = np.repeat(np.arange(1, customers + 1), counts)
    start = np.repeat(first, counts)
    offsets = np.floor(rng.random(len(ids)) * (horizon - start)).astype(np.int64)
    # Each customer's first row is the first purchase itself.
    starts_at = np.concatenate([[0], np.cumsum(counts)[:-1]])
    offsets[starts_at] = 0
    days = np.datetime64("2022-01-01") + (start + offsets).astype("timedelta64[D]")
    amounts = np.round(rng.lognormal(3.0, 0.8, size=len(ids)), 2)
    return pd.DataFrame({"customer_id": ids, "date": days.astype("datetime64[ns]"), "amount": amounts})


def log_likelihood(model: str, params: list[float], data: pd.DataFrame) -> float:
    """Σ LL of every customer under ``params`` (retention's evaluator, for both libraries)."""
    columns = [np.ascontiguousarray(data[c], dtype=float) for c in ("frequency", "recency", "T")]
    return float(_retention.churn_evaluate(model, params, "log_likelihood", 0.0, *columns).sum())


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float, str]] = []
        self.fits: list[tuple[str, list[str], list[float], list[float], float, float]] = []

    def time(self, task: str, theirs: float, ours: float, goal: float) -> None:
        ratio = theirs / ours
        self.rows.append((task, theirs, ours, ratio, f"≥ {goal:g}x " + ("met" if ratio >= goal else "NOT MET")))
        print(f"  {task}: lifetimes {theirs:.4f} s, retention {ours:.4f} s, {ratio:.1f}x", flush=True)

    def fit(self, task: str, model: str, data: pd.DataFrame, names: list[str], theirs: Any, ours: Any) -> None:
        their_params = [float(theirs.params_[n]) for n in names]
        our_params = [float(ours.params_[n]) for n in names]
        their_ll = log_likelihood(model, their_params, data)
        our_ll = log_likelihood(model, our_params, data)

        self.fits.append((task, names, their_params, our_params, their_ll, our_ll))

    def print(self) -> None:
        print()
        print(f"{'task':44} {'lifetimes':>11} {'retention':>11} {'ratio':>9}  goal")
        for task, theirs, ours, ratio, goal in self.rows:
            print(f"{task:44} {theirs:>10.4f}s {ours:>10.4f}s {ratio:>8.1f}x  {goal}")
        print()
        for task, names, theirs, ours, their_ll, our_ll in self.fits:
            print(task)
            print(f"  {'':10} " + " ".join(f"{n:>12}" for n in names) + f" {'log-lik.':>18}")
            print(f"  {'lifetimes':10} " + " ".join(f"{v:>12.6f}" for v in theirs) + f" {their_ll:>18.6f}")
            print(f"  {'retention':10} " + " ".join(f"{v:>12.6f}" for v in ours) + f" {our_ll:>18.6f}")
            gap = our_ll - their_ll
            tolerance = 1e-6 * abs(their_ll)
            verdict = "at least as good" if gap >= -tolerance else "WORSE"
            diff = max(abs(a - b) for a, b in zip(theirs, ours))
            print(
                f"  LL difference retention − lifetimes {gap:+.6f} ({verdict}; tolerance {tolerance:.6f}); "
                f"largest parameter difference {diff:.2e}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--pareto-customers", type=int, default=100_000)
    parser.add_argument("--transaction-customers", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    np.random.seed(0)  # lifetimes' Pareto/NBD draws its starting point from NumPy's global RNG
    print(f"retention {retention.__version__}, lifetimes {lifetimes.__version__}, numpy {np.__version__}, "
          f"pandas {pd.__version__}, Python {sys.version.split()[0]}")
    report = Report()

    # BG/NBD on CDNOW.
    cdnow = pd.read_csv(REPO / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    cdnow = cdnow.rename(columns={"x": "frequency", "t_x": "recency"})
    columns = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    their_time, theirs = best_of(args.repeat, lambda: lifetimes.BetaGeoFitter().fit(*columns))
    our_time, ours = best_of(args.repeat, lambda: retention.BetaGeoFitter().fit(*columns))
    report.time("BG/NBD fit, CDNOW (2,357)", their_time, our_time, 50)
    report.fit("BG/NBD, CDNOW", "bg_nbd", cdnow, ["r", "alpha", "a", "b"], theirs, ours)

    # BG/NBD on synthetic customers.
    customers = synthetic_customers(args.customers)
    distinct = len(customers.drop_duplicates())
    print(f"  synthetic: {len(customers):,} customers, {distinct:,} distinct (x, t_x, T) rows, "
          f"{(customers['frequency'] > 0).mean():.1%} repeat buyers", flush=True)
    columns = (customers["frequency"], customers["recency"], customers["T"])
    their_time, their_bg = best_of(1, lambda: lifetimes.BetaGeoFitter().fit(*columns))
    our_time, our_bg = best_of(args.repeat, lambda: retention.BetaGeoFitter().fit(*columns))
    report.time(f"BG/NBD fit, {len(customers):,} synthetic", their_time, our_time, 50)
    report.fit(f"BG/NBD, {len(customers):,} synthetic", "bg_nbd", customers, ["r", "alpha", "a", "b"], their_bg, our_bg)

    # Pareto/NBD on the first 100 k.
    subset = customers.iloc[: args.pareto_customers]
    columns = (subset["frequency"], subset["recency"], subset["T"])
    their_time, their_pareto = best_of(1, lambda: lifetimes.ParetoNBDFitter().fit(*columns))
    our_time, our_pareto = best_of(args.repeat, lambda: retention.ParetoNBDFitter().fit(*columns))
    report.time(f"Pareto/NBD fit, {len(subset):,} synthetic", their_time, our_time, 50)
    report.fit(f"Pareto/NBD, {len(subset):,} synthetic", "pareto_nbd", subset, ["r", "alpha", "s", "beta"], their_pareto, our_pareto)

    # Scoring 1 M customers with the same parameters (retention's fit, copied into lifetimes').
    their_bg.params_ = our_bg.params_.copy()
    x, t_x, age = (customers[c].to_numpy() for c in ("frequency", "recency", "T"))
    their_time, their_alive = best_of(args.repeat, lambda: their_bg.conditional_probability_alive(x, t_x, age))
    our_time, our_alive = best_of(args.repeat, lambda: our_bg.conditional_probability_alive(x, t_x, age))
    report.time(f"P(alive), {len(x):,}", their_time, our_time, 2)
    print(f"  largest |P(alive) difference|: {np.max(np.abs(their_alive - our_alive)):.2e}")
    horizon = 30.0
    their_time, their_expected = best_of(
        args.repeat, lambda: their_bg.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, age)
    )
    our_time, our_expected = best_of(
        args.repeat, lambda: our_bg.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, age)
    )
    report.time(f"conditional expected purchases (t = 30), {len(x):,}", their_time, our_time, 10)
    finite = np.isfinite(their_expected)
    print(
        f"  largest relative difference: {np.max(np.abs(their_expected[finite] / our_expected[finite] - 1)):.2e}; "
        f"lifetimes non-finite: {np.sum(~finite)}"
    )

    # Summary of 2.4 M transactions.
    transactions = synthetic_transactions(args.transaction_customers)
    end = transactions["date"].max()
    print(f"  transactions: {len(transactions):,} rows of {args.transaction_customers:,} customers", flush=True)

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
    report.time(f"summary, {len(transactions):,} transactions", their_time, our_time, 10)
    their_summary = their_summary.sort_index()
    same = np.allclose(their_summary.to_numpy(), our_summary.to_numpy(), rtol=1e-12, atol=1e-9) and (
        their_summary.index.to_numpy() == our_summary.index.to_numpy()
    ).all()
    print(f"  summaries equal: {same}")
    report.print()


if __name__ == "__main__":
    main()
