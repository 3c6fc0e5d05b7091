"""Loyalty rules from a data script: a receipt, a partial return, and back-tests of a program
over the CDNOW transactions and over a synthetic grocery history (scripts/grocery_history.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import retention

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = REPO / "examples" / "programs"
pd.set_option("display.width", 120)

coffee = retention.RuleSet.from_json((PROGRAMS / "coffee.json").read_text())
print(coffee)
berlin = dt.timezone(dt.timedelta(hours=1))
outcome = coffee.evaluate(
    [retention.Line(1001, 1, 2, 350), (2001, 3, 1, 275)],
    retention.Customer(birthday=(3, 4)),
    at=dt.datetime(2024, 3, 5, 15, 10, tzinfo=berlin),
    event=(7, 11),
)
print(outcome)
print(outcome.explain(), end="")
refund = outcome.refund([1, 0])
print(f"one coffee back: {refund}")

# After the sale: the receipt's points and stamps land on the customer's coffee card (program 1,
# 10 stamps per reward, 3 a day) and points account in one call, both or neither; the return
# takes its share back (refund event 7/12).
today = dt.date(2024, 3, 5)
card = retention.PunchCard(1, 10, 3)
account = retention.PointsAccount(expiry_months=12, pending_days=14)
card, account = outcome.apply(card, account, today=today)
assert card is not None and account is not None
print(f"after the sale:   card {card.summary().stamps} stamps, account {account.summary(today).pending} pending")
card, account = refund.apply((7, 12), card, account, today=today)
assert card is not None and account is not None
print(f"after the return: card {card.summary().stamps} stamps, account {account.summary(today).pending} pending")

# CDNOW: one line per transaction, amounts in cents; a per-amount plus spend-threshold program.
rows = [line.split() for line in (REPO / "data/cdnow/CDNOW_sample.txt").read_text().splitlines()]
cdnow = pd.DataFrame(
    {
        "customer_id": [int(r[1]) for r in rows],
        "timestamp": pd.to_datetime([r[2] for r in rows], format="%Y%m%d") + pd.Timedelta(hours=12),
        "unit_price": [round(float(r[4]) * 100) for r in rows],
    }
)
program = retention.RuleSet.from_json(
    """{"name": "CDNOW points", "serial": 1, "rules": [
      {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
      {"id": 2, "name": "50 bonus points from 50.00", "when": [{"basket_total": {"at_least": 5000}}],
       "effect": {"bonus_points": {"points": 50}}},
      {"id": 3, "name": "Welcome back after 90 days", "when": [{"lapsed_days": 90}],
       "effect": {"bonus_points": {"points": 100}}}]}"""
)
result = program.backtest(cdnow)
print(f"\nCDNOW back-test: {result}")
print(result.by_rule.to_string(index=False))
print(f"points given: {result.by_rule['points'].sum():,} on {cdnow['unit_price'].sum() / 100:,.2f} USD of sales")

# The synthetic grocery history, generated into target/ by its seeded script.
out = REPO / "target" / "grocery-demo"
subprocess.run(
    [sys.executable, str(REPO / "scripts/grocery_history.py"), "--customers", "400", "--out", str(out)],
    check=True,
)
grocery = retention.RuleSet.from_toml((PROGRAMS / "grocery.toml").read_text())
transactions = pd.read_csv(out / "transactions.csv")
customers = pd.read_csv(out / "customers.csv")
result = grocery.backtest(transactions, customers, utc_offset_minutes=60, progress=True)
print(f"grocery back-test: {result}")
print(result.by_rule.to_string(index=False))
by_segment = result.by_segment.assign(
    points_per_100=lambda f: np.round(100 * f["points"] / (f["spend"] / 100), 1),
    discount_share_pct=lambda f: np.round(100 * f["discount"] / f["spend"], 2),
)
print(by_segment.to_string(index=False))
tiers = result.customers["tier"].value_counts().sort_index()
print("tiers after the year:", dict(zip(tiers.index.tolist(), tiers.tolist())))
