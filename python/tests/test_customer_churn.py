"""The churn summary in the customer record from Python: CustomerChurn, ChurnModel.risk_of, and
RuleSet.evaluate / backtest scoring the record with a churn model. Expected risks are
hand-worked with mpmath (see tests/scenarios/60-*.json and 61-*.json)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import retention
from retention import ChurnModel, Customer, CustomerChurn, RuleSet

# The default scoring model: Pareto/NBD with the published CDNOW fit, daily purchases, weeks.
MODEL = ChurnModel("pareto_nbd", [0.5534, 10.5802, 0.6061, 11.6690], grain="D", unit="W")
TODAY = dt.date(2024, 3, 5)
NOON = int(dt.datetime(2024, 3, 5, 12, tzinfo=dt.timezone.utc).timestamp())
WIN_BACK = RuleSet.from_json(
    '{"name": "w", "serial": 1, "rules": [{"id": 1, "name": "Win-back",'
    ' "when": [{"churn_risk_at_least": 700}], "effect": {"bonus_points": {"points": 300}}}]}'
)


def _lapsed() -> Customer:
    """One purchase 364 days (52 weeks) ago: x = 0, T = 52; P(alive) 0.233063, risk 767."""
    first = TODAY - dt.timedelta(days=364)
    return Customer(visits=1, last_visit=first, churn=CustomerChurn("D", first, first))


def _regular() -> Customer:
    """11 purchase days a fortnight apart, the last a week ago: x = 10, t_x = 20, T = 21 weeks;
    P(alive) 0.977841, risk 22."""
    churn = CustomerChurn("D", TODAY - dt.timedelta(days=147), TODAY - dt.timedelta(days=7), 10, 9000)
    return Customer(visits=11, churn=churn)


def test_a_new_customer_has_an_empty_summary_and_unknown_risk() -> None:
    customer = Customer()
    assert customer.churn == CustomerChurn()
    assert (customer.churn.grain, customer.churn.has_purchases, customer.churn.first) == ("D", False, None)
    assert customer.churn_event is None
    assert MODEL.risk_of(customer, TODAY) is None  # unknown, not 0


def test_risk_from_the_record() -> None:
    assert MODEL.risk_of(_lapsed(), TODAY) == 767
    assert MODEL.risk_of(_regular(), TODAY) == 22
    # The same from an aware datetime or Unix seconds with an offset.
    assert MODEL.risk_of(_lapsed(), NOON, utc_offset_minutes=60) == 767
    assert MODEL.risk_of(_lapsed(), dt.datetime(2024, 3, 5, 12, tzinfo=dt.timezone.utc)) == 767


def test_summary_fields_and_observation() -> None:
    churn = _regular().churn
    assert (churn.frequency, churn.repeat_spend, churn.monetary_value) == (10, 9000, 900.0)
    assert churn.first == dt.date(2023, 10, 10) and churn.last == dt.date(2024, 2, 27)
    # Observed today in weeks: x = 10, recency 140 / 7 = 20, T = 147 / 7 = 21.
    assert churn.observe(TODAY, "W") == pytest.approx((10.0, 20.0, 21.0))
    assert repr(churn) == ("CustomerChurn(grain='D', first='2023-10-10', last='2024-02-27', "
                           "frequency=10, repeat_spend=9000)")
    # Weeks start on Monday: Wednesday 2024-03-06 is in the week of Monday 2024-03-04.
    weekly = CustomerChurn("W", dt.date(2024, 3, 6), dt.date(2024, 3, 6))
    assert weekly.first == dt.date(2024, 3, 4)


def test_invalid_summaries_are_refused() -> None:
    with pytest.raises(retention.ValidationError):
        CustomerChurn("D", TODAY, TODAY - dt.timedelta(days=1), 1, 0)  # first after last
    with pytest.raises(retention.ValidationError):
        CustomerChurn("D", TODAY - dt.timedelta(days=5), TODAY, 0, 0)  # a span without repeats
    with pytest.raises(retention.ValidationError):
        CustomerChurn("D", TODAY - dt.timedelta(days=5), TODAY, 2, -1)  # negative spend
    with pytest.raises(retention.ValidationError):
        CustomerChurn("D", TODAY)  # last missing
    with pytest.raises(retention.ValidationError):
        CustomerChurn("H")  # no hourly grain
    with pytest.raises(retention.ValidationError):
        MODEL.risk_of(_lapsed(), TODAY - dt.timedelta(days=400))  # before the last purchase
    weekly = Customer(churn=CustomerChurn("W", TODAY, TODAY))
    with pytest.raises(retention.ValidationError):
        MODEL.risk_of(weekly, TODAY)  # weekly purchases, a model of daily grain


def test_evaluate_scores_the_record_and_counts_the_sale_once() -> None:
    basket = [(1, 1, 1, 2500)]
    outcome = WIN_BACK.evaluate(basket, _lapsed(), NOON, churn_model=MODEL, event=(1, 7))
    assert outcome.points == 300
    churn = outcome.customer.churn
    # Today is a repeat day: x = 1, recency = T = 52 weeks, repeat spend 25.00.
    assert churn.observe(TODAY, "W") == pytest.approx((1.0, 52.0, 52.0))
    assert churn.repeat_spend == 2500
    assert outcome.customer.churn_event == (1, 7)
    # The till retries event 7 with the record it stored: the summary does not change.
    again = WIN_BACK.evaluate(basket, outcome.customer, NOON, churn_model=MODEL, event=(1, 7))
    assert again.customer.churn == churn
    # A regular gets no win-back.
    assert WIN_BACK.evaluate(basket, _regular(), NOON, churn_model=MODEL, event=(1, 8)).points == 0
    with pytest.raises(retention.ValidationError):
        WIN_BACK.evaluate(basket, _lapsed(), NOON, churn_model=MODEL, churn_risk=900, event=(1, 9))


def test_the_summary_travels_in_the_blob() -> None:
    key = bytes(range(32))
    customer = Customer(tier=1, churn=_regular().churn, churn_event=(3, 44))
    blob = customer.to_bytes(key, b"customer-9")
    assert len(blob) <= retention.CUSTOMER_MAX_LEN == 486
    assert Customer.from_bytes(blob, key, b"customer-9") == customer


def test_backtest_scores_each_basket_from_the_carried_record() -> None:
    # Ann buys, then 364 days later again: the second basket sees risk 767 and gets the
    # win-back. Bob buys twice a week apart: a one-time buyer after a week is far below 700.
    day = 86_400
    transactions = pd.DataFrame({
        "customer_id": ["ann", "bob", "bob", "ann"],
        "timestamp": [NOON - 364 * day, NOON - 7 * day, NOON, NOON],
        "unit_price": [1000, 1000, 1000, 1000],
    })
    with_model = WIN_BACK.backtest(transactions, churn_model=MODEL, progress=False)
    assert with_model.by_rule["applied"].tolist() == [1]
    assert with_model.by_rule["points"].tolist() == [300]
    # Without a model (and no churn_risk column) the risk is unknown: nobody gets it.
    without = WIN_BACK.backtest(transactions, progress=False)
    assert without.by_rule["applied"].tolist() == [0]
