"""retention.targeting.plan: offer plans under a budget and a contact cap — a hand-worked plan,
the contact list, the contact cap, bad input naming the field, and random plans against brute
force (an oracle written here from the problem's definition)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from retention import targeting
from retention.exceptions import ValidationError
from retention.targeting import Offer

TODAY = dt.date(2024, 3, 5)


def example() -> pd.DataFrame:
    """P(alive) 0.5 and CLV 400, 200, 100: 200, 100 and 50 at stake. Offer A (cost 10, uplift
    0.2) is worth 30, 10 and 0 to them; B (cost 30, uplift 0.4) 50, 10 and −10."""
    return pd.DataFrame({"customer_id": ["ann", "bob", "cy"], "p_alive": [0.5] * 3, "clv": [400.0, 200.0, 100.0]})


OFFERS = [Offer("A", 10.0, 0.2), Offer("B", 30.0, 0.4)]


def test_a_binding_budget_by_hand() -> None:
    # Budget 25: ann's step to A (10 for 30, efficiency 3) first; her step on to B (20 more for
    # 20) does not fit the 15 left: the LP takes 3/4 of it, bound 30 + 15 = 45; bob's A (10 for
    # 10) fits. Plan: 40 for 20.
    result = targeting.plan(example(), OFFERS, budget=25, today=TODAY)
    contacts = result.contacts
    assert list(contacts.columns) == [
        "customer_id", "offer", "expected_value", "cost", "p_alive", "clv", "feedback", "risk_band", "reason",
    ]
    assert contacts["customer_id"].tolist() == ["ann", "bob"]
    assert contacts["offer"].tolist() == ["A", "A"]
    assert contacts["expected_value"].tolist() == pytest.approx([30.0, 10.0])
    assert contacts["cost"].tolist() == [10.0, 10.0]
    assert contacts["feedback"].tolist() == ["no_feedback", "no_feedback"]
    assert contacts["risk_band"].tolist() == ["high", "high"]  # risk 500
    assert contacts["reason"].tolist() == [
        "no feedback, high churn risk: cheaper offer (budget)",
        "no feedback, high churn risk: best offer",
    ]
    assert (result.expected_value, result.cost, result.lp_bound, result.gap) == pytest.approx((40.0, 20.0, 45.0, 5.0))
    assert not result.optimal
    assert (result.eligible, result.capped, result.budget) == (2, 0, 25.0)
    # Budget 40: everyone gets their best offer; optimal.
    result = targeting.plan(example(), OFFERS, budget=40, today=TODAY)
    assert result.contacts["offer"].tolist() == ["B", "A"]
    assert (result.expected_value, result.lp_bound) == pytest.approx((60.0, 60.0))
    assert result.optimal


def test_feedback_groups_eligibility_and_the_contact_cap() -> None:
    customers = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "p": [0.2, 0.2, 0.2, 0.2],  # risk 800: critical
            "value": [10.0, 10.0, 10.0, 10.0],
            "nps_group": ["detractor", "promoter", None, "detractor"],
            "last": [None, None, None, pd.Timestamp("2024-03-01")],
        }
    )
    recovery = Offer("recovery", 1.0, {"detractor": 0.5, "no_feedback": 0.25}, eligible_groups=["detractor", "no_feedback"])
    result = targeting.plan(
        customers, [recovery], budget=100, today=TODAY,
        customer_id_col="id", p_alive_col="p", clv_col="value", group_col="nps_group", last_contact_col="last",
    )
    # 1: 0.5 · 8 − 1 = 3; 3 (no feedback): 0.25 · 8 − 1 = 1; 2 is a promoter (not eligible); 4
    # was contacted 4 days ago (in the 30-day window, cap 1).
    assert result.contacts["id"].tolist() == [1, 3]
    assert result.contacts["expected_value"].tolist() == pytest.approx([3.0, 1.0])
    assert result.contacts["feedback"].tolist() == ["detractor", "no_feedback"]
    assert result.contacts["reason"].tolist()[0] == "detractor, critical churn risk: best offer"
    assert result.capped == 1
    # Two contacts allowed: customer 4 gets it too; with a count of 2 in the window, not.
    two = targeting.plan(
        customers, [recovery], budget=100, today=TODAY, max_contacts=2,
        customer_id_col="id", p_alive_col="p", clv_col="value", group_col="nps_group", last_contact_col="last",
    )
    assert sorted(two.contacts["id"].tolist()) == [1, 3, 4]
    counted = customers.assign(n=[0, 0, 0, 2])
    capped = targeting.plan(
        counted, [recovery], budget=100, today=TODAY, max_contacts=2, contacts_col="n",
        customer_id_col="id", p_alive_col="p", clv_col="value", group_col="nps_group", last_contact_col="last",
    )
    assert sorted(capped.contacts["id"].tolist()) == [1, 3]
    # By band: only the critical band gets anything.
    by_band = Offer("win-back", 1.0, {"critical": 0.5})
    banded = targeting.plan(customers, [by_band], budget=100, today=TODAY, customer_id_col="id", p_alive_col="p", clv_col="value")
    assert len(banded.contacts) == 4
    # polars in, the same plan out.
    as_polars = pl.DataFrame(
        {"id": [1, 2, 3, 4], "p": [0.2] * 4, "value": [10.0] * 4, "nps_group": ["detractor", "promoter", None, "detractor"]}
    )
    from_polars = targeting.plan(
        as_polars, [recovery], budget=100, today=TODAY, customer_id_col="id", p_alive_col="p", clv_col="value", group_col="nps_group"
    )
    # (No last contacts given: customer 4 is not capped; 3 and 3 tie, by row.)
    assert from_polars.contacts["id"].tolist() == [1, 4, 3]


def error_of(customers: Any, offers: list[Offer], **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        targeting.plan(customers, offers, today=TODAY, **{"budget": 10, **kwargs})
    return error.value


def test_bad_input_names_the_field() -> None:
    customers = example()
    error = error_of(customers, [Offer("A", -1.0, 0.2)])
    assert (error.code_name, "cost" in str(error), '"A"' in str(error)) == ("RTN_TARGETING_INVALID_OFFER", True, True)
    error = error_of(customers, [Offer("A", 1.0, 1.5)])
    assert error.code_name == "RTN_TARGETING_INVALID_OFFER" and "uplift" in str(error)
    error = error_of(customers, [Offer("A", 1.0, {"detractor": -0.1})])
    assert error.code_name == "RTN_TARGETING_INVALID_OFFER" and "uplift" in str(error)
    error = error_of(customers, [Offer("A", 1.0, 0.1), Offer("A", 2.0, 0.1)])
    assert error.code_name == "RTN_TARGETING_INVALID_OFFER" and "name" in str(error)
    error = error_of(customers, [Offer("A", 1.0, {"angry": 0.1})])
    assert error.code_name == "RTN_TARGETING_UNKNOWN_NAME" and '"angry"' in str(error)
    error = error_of(customers, [Offer("A", 1.0, 0.1, eligible_bands=["extreme"])])
    assert error.code_name == "RTN_TARGETING_UNKNOWN_NAME" and "eligible_bands" in str(error)
    error = error_of(customers.assign(g=["detractor", "fan", None]), OFFERS, group_col="g")
    assert error.code_name == "RTN_TARGETING_UNKNOWN_NAME" and "group" in str(error) and '"fan"' in str(error)
    error = error_of(customers.assign(p_alive=[0.5, np.nan, 0.5]), OFFERS)
    assert error.code_name == "RTN_TARGETING_INVALID_ROW" and "row 1" in str(error) and "p_alive" in str(error)
    error = error_of(customers.assign(clv=[1.0, 2.0, -3.0]), OFFERS)
    assert error.code_name == "RTN_TARGETING_INVALID_ROW" and "clv" in str(error)
    error = error_of(customers.assign(customer_id=["ann", "bob", "ann"]), OFFERS)
    assert error.code_name == "RTN_TARGETING_INVALID_ROW" and "row 2" in str(error)
    error = error_of(customers.assign(last=[pd.Timestamp("2024-03-06"), None, None]), OFFERS, last_contact_col="last")
    assert error.code_name == "RTN_TARGETING_INVALID_CONTACT" and "after today" in str(error)
    error = error_of(customers.assign(n=[1, 0, 0]), OFFERS, contacts_col="n")
    assert error.code_name == "RTN_TARGETING_INVALID_CONTACT"
    for budget in (-1.0, float("inf"), float("nan")):
        error = error_of(customers, OFFERS, budget=budget)
        assert error.code_name == "RTN_TARGETING_INVALID_LIMITS" and "budget" in str(error)
    error = error_of(customers, OFFERS, contact_window_days=0)
    assert error.code_name == "RTN_TARGETING_INVALID_LIMITS" and "window_days" in str(error)
    error = error_of(customers, OFFERS, thresholds=(500, 250, 750))
    assert error.code_name == "RTN_RISK_INVALID_THRESHOLDS"
    error = error_of(customers, OFFERS, clv_col="value")
    assert "value" in str(error)


def brute_force(
    p_alive: np.ndarray[Any, Any], clv: np.ndarray[Any, Any], costs: list[float], uplifts: list[float], budget: float
) -> float:
    """The best plan by trying every assignment of at most one offer per customer."""
    options = []
    for p, value in zip(p_alive, clv):
        mine = [(0.0, 0.0)]
        for cost, uplift in zip(costs, uplifts):
            worth = uplift * (1 - p) * value - cost
            if worth > 0:
                mine.append((cost, worth))
        options.append(mine)
    best = 0.0
    for choice in itertools.product(*options):
        if sum(c for c, _ in choice) <= budget:
            best = max(best, sum(v for _, v in choice))
    return best


def test_random_plans_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(60):
        n, m = int(rng.integers(1, 7)), int(rng.integers(1, 4))
        p_alive, clv = rng.uniform(0, 1, n), rng.uniform(0, 300, n)
        costs = [float(c) for c in rng.integers(0, 21, m)]
        uplifts = [float(u) for u in rng.uniform(0, 1, m)]
        budget = float(rng.integers(0, 61))
        offers = [Offer(f"o{j}", costs[j], uplifts[j]) for j in range(m)]
        customers = pd.DataFrame({"customer_id": np.arange(n), "p_alive": p_alive, "clv": clv})
        result = targeting.plan(customers, offers, budget=budget, today=TODAY)
        optimum = brute_force(p_alive, clv, costs, uplifts, budget)
        largest = max(
            [u * (1 - p) * v - c for p, v in zip(p_alive, clv) for c, u in zip(costs, uplifts)] + [0.0]
        )
        spent = result.contacts["cost"].sum()
        assert spent <= budget and spent == result.cost
        assert result.contacts["customer_id"].is_unique
        assert result.expected_value <= optimum + 1e-9
        assert optimum <= result.lp_bound + 1e-9
        assert 0 <= result.gap <= largest + 1e-9
        if result.optimal:
            assert result.expected_value == pytest.approx(optimum)
