#!/usr/bin/env python3
"""Offer-planning time: ``retention.targeting.plan`` on 1,000,000 customers and 5 offers.

    .venv/bin/python benches/python/plan_bench.py [--customers 1000000] [--repeat 3] [--update-docs]

The customers are synthetic and seeded (NumPy ``default_rng(2024)``): P(alive) uniform on
[0, 1], CLV lognormal (median 150), a feedback group for 60 % of them (detractor 20 %, passive
30 %, promoter 50 %), a last contact within the past 90 days for 30 %, today 2024-03-05; 5 offers
costing 2 to 25 with uplifts by feedback group, one for detractors only; a budget of 100,000;
at most 1 contact per 30 days. The whole call is timed (a pandas DataFrame in, the contact list
out: column conversion, validation, the plan, the DataFrame), best of ``--repeat``; the machine
and its load move the figure.

It prints one line with the time, the contacts, the plan's value, its LP bound and the gap.
``--update-docs`` also writes that line, with the machine's core count and the commit, into the
block between ``<!-- plan-bench:begin -->`` and ``<!-- plan-bench:end -->`` of
``docs/feedback.md`` (figures come from this script, never typed by hand).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd

from retention import targeting
from retention.targeting import Offer

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "feedback.md"
TODAY = dt.date(2024, 3, 5)


def customers(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(2024)
    groups = rng.choice(
        np.array(["detractor", "passive", "promoter", None], dtype=object), size=n, p=[0.12, 0.18, 0.30, 0.40]
    )
    contacted = rng.random(n) < 0.3
    days_ago = rng.integers(0, 90, n)
    last = pd.Series(pd.Timestamp(TODAY) - pd.to_timedelta(days_ago, unit="D")).where(contacted)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1, dtype=np.int64),
            "p_alive": rng.random(n),
            "clv": rng.lognormal(np.log(150.0), 1.0, n),
            "group": groups,
            "last_contact": last,
        }
    )


OFFERS = [
    Offer("thank-you note", 2.0, {"promoter": 0.02, "passive": 0.04, "detractor": 0.02, "no_feedback": 0.03}),
    Offer("10% voucher", 5.0, {"promoter": 0.05, "passive": 0.08, "detractor": 0.06, "no_feedback": 0.07}),
    Offer("free coffee", 8.0, {"promoter": 0.06, "passive": 0.10, "detractor": 0.10, "no_feedback": 0.09}),
    Offer("service call", 15.0, {"detractor": 0.25}, eligible_groups=["detractor"]),
    Offer("25 euro credit", 25.0, {"promoter": 0.10, "passive": 0.18, "detractor": 0.22, "no_feedback": 0.16}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    table = customers(args.customers)
    best = float("inf")
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = targeting.plan(
            table, OFFERS, budget=100_000.0, today=TODAY, group_col="group", last_contact_col="last_contact"
        )
        best = min(best, time.perf_counter() - start)
    assert result is not None
    line = (
        f"plan: {args.customers:,} customers × {len(OFFERS)} offers in {best:.2f} s "
        f"(best of {args.repeat}); {len(result.contacts):,} contacts, expected value "
        f"{result.expected_value:,.2f}, LP bound {result.lp_bound:,.2f}, gap {result.gap:.4f}"
    )
    print(line)
    if args.update_docs:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        block = (
            "<!-- plan-bench:begin -->\n"
            f"`benches/python/plan_bench.py` on {platform.machine()} with {os.cpu_count()} cores, "
            f"commit {commit}:\n\n    {line}\n"
            "<!-- plan-bench:end -->"
        )
        text = DOCS.read_text(encoding="utf-8")
        updated, count = re.subn(r"<!-- plan-bench:begin -->.*?<!-- plan-bench:end -->", block, text, flags=re.S)
        if count != 1:
            raise SystemExit(f"{DOCS}: no plan-bench block")
        DOCS.write_text(updated, encoding="utf-8")
        print(f"wrote {DOCS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
