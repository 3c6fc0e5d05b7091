"""Test data shared by test_spark.py and test_dask.py: a generated transaction set, a rule-set
history and the ways of cutting a table into partitions (contiguous slices in input order, so
that customers are split across partitions, plus an empty one)."""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from conftest import REPO

PROGRAMS = REPO / "examples" / "programs"

#: Partition counts the tests cover: 1, 2, and 7 of which one is empty.
PARTITIONS = (1, 2, 7)


def slices(frame: pd.DataFrame, partitions: int) -> list[pd.DataFrame]:
    """``frame`` cut into ``partitions`` contiguous pieces in row order; with more than two
    pieces the fourth is empty (the data goes to the others)."""
    pieces = partitions if partitions <= 2 else partitions - 1
    bounds = np.linspace(0, len(frame), pieces + 1).astype(int)
    parts = [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    return parts if partitions <= 2 else parts[:3] + [frame.iloc[0:0]] + parts[3:]


@lru_cache(maxsize=4)
def generated_transactions(rows: int = 100_000, customers: int = 8_000, seed: int = 12) -> pd.DataFrame:
    """(Cached: do not modify the frame.) ``rows`` purchases of ``customers`` customers over 1997-2000 in date order (so that a
    customer's rows spread over the whole table): integer ids, naive datetimes with a time of
    day, amounts in cents as dollars (two decimals), several purchases on some days."""
    rng = np.random.default_rng(seed)
    base = rows - rows // 10
    ids = rng.integers(0, customers, base)
    start = np.datetime64("1997-01-01T00:00:00", "s")
    seconds = rng.integers(0, 4 * 365 * 86_400, base)
    amounts = rng.integers(100, 20_000, base) / 100.0
    frame = pd.DataFrame({"id": ids, "date": start + seconds.astype("timedelta64[s]"), "amount": amounts})
    # A tenth of the rows again, at the same time with another amount: same-day purchases.
    repeat = frame.iloc[: rows // 10].copy()
    repeat["amount"] = rng.integers(100, 5_000, len(repeat)) / 100.0
    frame = pd.concat([frame, repeat], ignore_index=True)
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


@lru_cache(maxsize=4)
def grocery_history(rows: int = 100_000, customers: int = 3_000, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Cached: do not modify the frames.) A back-test history for examples/programs/grocery.toml (basket lines of baskets in time
    order; categories that earn, multiply, bonus and are excluded; a coupon) and its customers
    (a segment label for most, none for some, a starting tier for a few; some customers without
    any purchase)."""
    rng = np.random.default_rng(seed)
    baskets = rows // 3
    basket_customer = rng.integers(0, customers, baskets)
    basket_time = np.sort(rng.integers(852_076_800, 946_684_800, baskets))  # 1997 .. 1999
    lines = rng.integers(1, 6, baskets)
    basket = np.repeat(np.arange(baskets), lines)[:rows]
    frame = pd.DataFrame(
        {
            "customer_id": basket_customer[basket],
            "timestamp": basket_time[basket],
            "basket_id": basket,
            "category": rng.choice([10, 20, 30, 40, 90], len(basket)),
            "quantity": rng.integers(1, 4, len(basket)),
            "unit_price": rng.integers(50, 30_000, len(basket)),
            "coupon": np.where(rng.random(len(basket)) < 0.02, 5001, 0),
        }
    )
    everyone = np.arange(customers + 50)
    labels = np.array(["new", "regular", "vip"], dtype=object)[everyone % 3]
    labels[everyone % 11 == 0] = None
    people = pd.DataFrame(
        {"customer_id": everyone, "segment": labels, "tier": np.where(everyone % 17 == 0, 2, 0)}
    )
    return frame, people


@lru_cache(maxsize=None)
def grocery_single(rows: int = 100_000, customers: int = 3_000) -> Any:
    """The single-machine back-test of :func:`grocery_history` with its customers."""
    history, people = grocery_history(rows, customers)
    return grocery().backtest(history, people, progress=False)


def grocery() -> Any:
    from retention import RuleSet

    return RuleSet.from_toml((PROGRAMS / "grocery.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def grocery_refusals(rows: int = 20_000, customers: int = 500) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Cached: do not modify the frames.) :func:`grocery_history` with a negative price in
    every 97th basket (the back-test refuses such a basket), so that ``skip_invalid=True``
    skips baskets in many tasks."""
    history, people = grocery_history(rows, customers)
    history = history.copy()
    refused = history["basket_id"] % 97 == 5
    history.loc[refused, "unit_price"] = -history.loc[refused, "unit_price"]
    return history, people


def assert_backtests_equal(distributed: Any, single: Any) -> None:
    """Every attribute of the two results equal, with its type and dtypes: ``baskets``,
    ``skipped``, ``first_skipped`` and the ``by_rule``, ``by_segment``, ``by_rule_segment``
    and ``customers`` tables (segment labels the customers' own values, ``None`` for none)."""
    assert [f.name for f in fields(distributed)] == [f.name for f in fields(single)]
    for field in fields(single):
        got, want = getattr(distributed, field.name), getattr(single, field.name)
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want, check_dtype=True, check_exact=True, obj=field.name)
        else:
            assert type(got) is type(want) and got == want, field.name


def first_refused_row(history: pd.DataFrame) -> int:
    """The first row of the earliest basket with a negative price, by time then row (the
    back-test's order), worked out from the table itself."""
    refused = history[history["unit_price"] < 0]
    first = refused.reset_index().sort_values(["timestamp", "index"], kind="stable").iloc[0]
    basket = history[(history["customer_id"] == first["customer_id"]) & (history["basket_id"] == first["basket_id"])]
    return int(basket.index.min())


def listening() -> Any:
    """examples/programs/feedback.json: service recovery for recent detractors, anniversaries
    and visit milestones."""
    from retention import RuleSet

    return RuleSet.from_json((PROGRAMS / "feedback.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def feedback_history(rows: int = 20_000, customers: int = 500, seed: int = 9) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(Cached: do not modify the frames.) :func:`grocery_history` with NPS answers: about one
    per three customers a quarter over the history's years, scores 0-10 (a third detractors),
    channels by name, in time order, some at the very second of a basket, and a few from
    customers who neither bought nor are among the customers."""
    history, people = grocery_history(rows, customers)
    rng = np.random.default_rng(seed)
    answers = rows // 10
    who = rng.integers(0, customers + 60, answers)  # ids past customers + 50: answers only
    when = rng.integers(int(history["timestamp"].min()), int(history["timestamp"].max()), answers)
    same = rng.random(answers) < 0.1
    when[same] = history["timestamp"].to_numpy()[rng.integers(0, len(history), int(same.sum()))]
    order = np.argsort(when, kind="stable")
    feedback = pd.DataFrame(
        {
            "customer_id": who[order],
            "timestamp": when[order],
            "score": rng.integers(0, 11, answers)[order],
            "channel": np.array(["till", "web", "app", "email"], dtype=object)[rng.integers(0, 4, answers)][order],
        }
    )
    return history, people, feedback
