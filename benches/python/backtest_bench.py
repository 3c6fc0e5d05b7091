#!/usr/bin/env python3
"""Back-test throughput (baskets per second), with a baseline measured in the same run.

    .venv/bin/python benches/python/backtest_bench.py [--customers 5000] [--repeat 5]

1. CDNOW (``data/cdnow/CDNOW_sample.txt``, 6 919 transactions, one line each; CDNOW has no
   SKUs or tiers): a per-amount plus spend-threshold program — 1 point per 1.00, 50 bonus
   points on a purchase of 50.00 or more. The engine's back-test against two baselines
   computing the same points: a plain Python loop over a list of prices, a loop over a pandas
   frame's rows (``itertuples``), and vectorised NumPy. The totals are checked equal before
   anything is timed. The baselines compute points only; the engine also keeps each
   customer's record (visits, usage), the trace and the per-line attribution.
2. The synthetic grocery history (``scripts/grocery_history.py``, seeded; generated into
   ``target/grocery`` unless there) against ``examples/programs/grocery.toml``: categories,
   tiers with their spend window, a coupon limit, segments.

Times are the best of ``--repeat`` runs of the whole call (column conversion included).
Figures are reported as ratios to the baselines; the machine's load moves absolute figures.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import polars as pl

import retention

REPO = Path(__file__).resolve().parents[2]

CDNOW_PROGRAM = """{
  "name": "CDNOW points", "serial": 1,
  "rules": [
    {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
    {"id": 2, "name": "50 bonus points from 50.00", "when": [{"basket_total": {"at_least": 5000}}],
     "effect": {"bonus_points": {"points": 50}}}
  ]
}"""


def cdnow() -> pl.DataFrame:
    """The CDNOW sample, one row per transaction: amounts in cents, noon UTC of the day."""
    rows = [line.split() for line in (REPO / "data/cdnow/CDNOW_sample.txt").read_text().splitlines()]
    days = np.array([np.datetime64(f"{r[2][:4]}-{r[2][4:6]}-{r[2][6:]}") for r in rows])
    return pl.DataFrame(
        {
            "customer_id": np.array([int(r[1]) for r in rows]),
            "timestamp": days.astype("datetime64[s]").astype(np.int64) + 43_200,
            "unit_price": np.array([round(float(r[4]) * 100) for r in rows], dtype=np.int64),
        }
    )


def python_loop(prices: list[int]) -> int:
    """The CDNOW program's points, row by row in plain Python."""
    total = 0
    for price in prices:
        total += price // 100
        if price >= 5000:
            total += 50
    return total


def pandas_rows(frame: Any) -> int:
    """The same over a pandas frame's rows (`itertuples`), as a notebook would."""
    total = 0
    for row in frame.itertuples(index=False):
        total += row.unit_price // 100 + (50 if row.unit_price >= 5000 else 0)
    return total


def vectorised(prices: Any) -> int:
    """The same with NumPy."""
    return int((prices // 100).sum() + 50 * (prices >= 5000).sum())


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `repeat` runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5_000, help="synthetic grocery customers")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    history = cdnow()
    program = retention.RuleSet.from_json(CDNOW_PROGRAM)
    prices = history["unit_price"].to_list()
    array = history["unit_price"].to_numpy()
    pandas = importlib.import_module("pandas")
    frame = pandas.DataFrame({name: history[name].to_numpy() for name in history.columns})
    engine = program.backtest(history, progress=False)
    points = int(engine.by_rule["points"].sum())
    assert points == python_loop(prices) == pandas_rows(frame) == vectorised(array), "the baselines disagree"
    baskets = engine.baskets
    t_engine, _ = best(args.repeat, lambda: program.backtest(history, progress=False))
    t_loop, _ = best(args.repeat, lambda: python_loop(prices))
    t_rows, _ = best(args.repeat, lambda: pandas_rows(frame))
    t_numpy, _ = best(args.repeat, lambda: vectorised(array))
    print(f"CDNOW: {baskets:,} baskets, {points:,} points (engine = Python loop = NumPy)")
    print(f"  engine back-test   {baskets / t_engine:>14,.0f} baskets/s")
    print(f"  plain Python loop  {baskets / t_loop:>14,.0f} baskets/s  (engine {t_loop / t_engine:.2f}x its speed)")
    print(f"  pandas itertuples  {baskets / t_rows:>14,.0f} baskets/s  (engine {t_rows / t_engine:.2f}x its speed)")
    print(f"  NumPy, vectorised  {baskets / t_numpy:>14,.0f} baskets/s  (engine {t_numpy / t_engine:.3f}x its speed)")

    out = REPO / "target" / "grocery"
    if not (out / "transactions.csv").exists():
        subprocess.run(
            [sys.executable, str(REPO / "scripts/grocery_history.py"), "--customers",
             str(args.customers), "--out", str(out)],
            check=True,
        )
    transactions = pl.read_csv(out / "transactions.csv")
    customers = pl.read_csv(out / "customers.csv", try_parse_dates=True)
    grocery = retention.RuleSet.from_toml((REPO / "examples/programs/grocery.toml").read_text())
    repeat = max(1, args.repeat // 2)
    t_grocery, result = best(
        repeat,
        lambda: grocery.backtest(transactions, customers, utc_offset_minutes=60, progress=False),
    )
    lines = len(transactions)
    print(
        f"grocery: {result.baskets:,} baskets, {lines:,} lines, {len(customers):,} customers: "
        f"{result.baskets / t_grocery:,.0f} baskets/s ({lines / t_grocery:,.0f} lines/s), "
        f"{t_grocery:.2f} s"
    )


if __name__ == "__main__":
    main()
