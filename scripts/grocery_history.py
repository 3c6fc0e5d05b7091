#!/usr/bin/env python3
"""A seeded synthetic grocery history, for back-testing examples/programs/grocery.toml.

    .venv/bin/python scripts/grocery_history.py [--customers 5000] [--days 365] [--seed 7]
                                                [--out target/grocery]

Writes two CSV files into ``--out`` (under ``target/``, not committed):

- ``transactions.csv``, one row per basket line: ``customer_id``, ``basket_id`` (unique per
  customer), ``timestamp`` (Unix seconds, UTC; shops open 08:00-20:00 at UTC+01:00),
  ``sku``, ``category``, ``quantity``, ``unit_price`` (integer minor units), ``coupon``
  (5001 on about 5 % of baskets' first line, else 0), ``store`` (1-12).
- ``customers.csv``: ``customer_id``, ``tier`` (0 none, 1 silver, 2 gold: about 70/20/10 %),
  ``segments`` (bit 0: app user), ``birthday`` (YYYY-MM-DD), ``segment`` (a reporting label:
  ``frequent``, ``regular`` or ``occasional`` by visit rate).

The catalogue has 2 000 SKUs in the grocery program's categories: 10 fresh produce (30 % of
SKUs), 20 bakery (10 %), 30 tobacco (3 %), 40 dry goods (55 %), 90 gift cards (2 %), with
log-normal prices (gift cards 10.00-50.00). Customers visit as a Poisson process with a rate
drawn per customer (0.3-4 visits a week); baskets hold 1 + Poisson(7) lines (at most 32), 1-3
units each. The same seed gives the same files on every machine (NumPy's PCG64).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

CATEGORIES = np.array([10, 20, 30, 40, 90])
CATEGORY_SHARES = np.array([0.30, 0.10, 0.03, 0.55, 0.02])
SKUS = 2_000
START = 1_704_067_200  # 2024-01-01T00:00:00Z
OFFSET_SECONDS = 3_600  # the shops' UTC+01:00


def generate(customers: int, days: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The transactions and customers frames (see the module docs)."""
    rng = np.random.default_rng(seed)
    sku_category = rng.choice(CATEGORIES, size=SKUS, p=CATEGORY_SHARES)
    sku_price = np.round(np.exp(rng.normal(np.log(250), 0.7, size=SKUS))).astype(np.int64) + 19
    gift = sku_category == 90
    sku_price[gift] = rng.choice([1000, 2000, 2500, 5000], size=int(gift.sum()))

    weekly_rate = rng.uniform(0.3, 4.0, size=customers)
    visits = rng.poisson(weekly_rate * days / 7)
    customer_of_basket = np.repeat(np.arange(customers), visits)
    baskets = len(customer_of_basket)
    day = rng.integers(0, days, size=baskets)
    local_second = rng.integers(8 * 3600, 20 * 3600, size=baskets)
    time = START + day * 86_400 + local_second - OFFSET_SECONDS
    basket_id = np.concatenate([np.arange(v) for v in visits]) if baskets else np.zeros(0, int)

    lines_per_basket = np.minimum(1 + rng.poisson(7, size=baskets), 32)
    rows = int(lines_per_basket.sum())
    basket_of_row = np.repeat(np.arange(baskets), lines_per_basket)
    first_row = np.concatenate([[0], np.cumsum(lines_per_basket)[:-1]])
    sku = rng.integers(0, SKUS, size=rows)
    coupon = np.zeros(rows, dtype=np.int64)
    with_coupon = first_row[rng.random(baskets) < 0.05]
    coupon[with_coupon] = 5001

    transactions = pl.DataFrame(
        {
            "customer_id": customer_of_basket[basket_of_row],
            "basket_id": basket_id[basket_of_row],
            "timestamp": time[basket_of_row],
            "sku": sku + 100_000,
            "category": sku_category[sku],
            "quantity": rng.integers(1, 4, size=rows),
            "unit_price": sku_price[sku],
            "coupon": coupon,
            "store": rng.integers(1, 13, size=baskets)[basket_of_row],
        }
    )
    birthday = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, size=customers)
    segment = np.where(weekly_rate >= 2.0, "frequent", np.where(weekly_rate >= 0.8, "regular", "occasional"))
    customer_frame = pl.DataFrame(
        {
            "customer_id": np.arange(customers),
            "tier": rng.choice([0, 1, 2], size=customers, p=[0.7, 0.2, 0.1]),
            "segments": (rng.random(customers) < 0.4).astype(np.int64),
            "birthday": birthday.astype("datetime64[D]").astype(str),
            "segment": segment,
        }
    )
    return transactions, customer_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("target/grocery"))
    args = parser.parse_args()
    transactions, customers = generate(args.customers, args.days, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    transactions.write_csv(args.out / "transactions.csv")
    customers.write_csv(args.out / "customers.csv")
    baskets = transactions.select(pl.struct("customer_id", "basket_id").n_unique()).item()
    print(
        f"wrote {args.out}/transactions.csv ({len(transactions):,} lines, {baskets:,} baskets) "
        f"and customers.csv ({len(customers):,} customers), seed {args.seed}"
    )


if __name__ == "__main__":
    main()
