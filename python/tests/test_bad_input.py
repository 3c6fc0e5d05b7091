"""Errors that belong to us: out-of-range integers are a ValidationError naming the argument
(never a bare OverflowError), a wrong type a TypeError naming it, columns of one call have one
length (no silent length-1 broadcast), and negative spend is refused with its row."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pandas as pd
import pytest

import retention
from retention import BetaGeoFitter, Customer, GammaGammaFitter, Line, PointsAccount, PunchCard, RuleSet, envelope

TODAY = dt.date(2024, 3, 5)
NOON = dt.datetime(2024, 3, 5, 12, tzinfo=dt.timezone.utc)
RULES = RuleSet.from_json('{"name": "t", "serial": 1, "rules": [{"id": 1, "name": "Base", '
                          '"effect": {"points_per_amount": {"points": 1, "per": 100}}}]}')
CARD = PunchCard(7, 5, 6)

# Each case: the call, the argument its message must name, and the range it must give.
OUT_OF_RANGE: list[tuple[str, Callable[[], Any], str]] = [
    ("store=-1", lambda: RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, 1), store=-1), "store must be in 0..=4294967295, got -1"),
    ("store=2**70", lambda: RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, 1), store=2**70), "store must be in 0..=4294967295"),
    ("channel=256", lambda: RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, 1), channel=256), "channel must be in 0..=255, got 256"),
    ("coupons", lambda: RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, 1), coupons=[5, -2]), r"coupons\[1\] must be in 0..=4294967295"),
    ("event", lambda: RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, -1)), r"event\[1\] must be in 0..=4294967295"),
    ("churn_risk", lambda: RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, 1), churn_risk=2**16), "churn_risk must be in 0..=65535"),
    ("utc_offset", lambda: RULES.evaluate([(1, 1, 1, 100)], at=0, event=(1, 1), utc_offset_minutes=2**15), "utc_offset_minutes must be in"),
    ("line quantity", lambda: RULES.evaluate([(1, 1, -1, 100)], at=NOON, event=(1, 1)), r"basket\[0\]\[2\] must be in 0..=4294967295"),
    ("line dict", lambda: RULES.evaluate([{"unit_price": 2**70}], at=NOON, event=(1, 1)), r"basket\[0\].unit_price must be in"),
    ("Line sku", lambda: Line(-1, 1, 1, 100), "sku must be in 0..=4294967295, got -1"),
    ("tier", lambda: Customer(tier=-1), "tier must be in 0..=255, got -1"),
    ("visits", lambda: Customer(visits=2**70), "visits must be in 0..=4294967295"),
    ("birthday", lambda: Customer(birthday=(2**9, 1)), r"birthday\[0\] must be in 0..=255"),
    ("stamps", lambda: CARD.stamp((1, 1), 2**70, TODAY), "stamps must be in 0..=65535"),
    ("program", lambda: PunchCard(-1, 5, 6), "program must be in 0..=65535, got -1"),
    ("min_serial", lambda: RuleSet.from_bytes(RULES.to_bytes(), min_serial=-1), "min_serial must be in 0..=4294967295"),
    ("max_iterations", lambda: BetaGeoFitter().fit([1, 2], [1, 2], [3, 4], max_iterations=-1), "max_iterations must be in 0..="),
    ("kind", lambda: envelope.encode(2**70, b"x"), "kind must be in 0..=255"),
]


@pytest.mark.parametrize("case", OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_out_of_range_integers_name_the_argument(case: tuple[str, Callable[[], Any], str]) -> None:
    _, call, message = case
    with pytest.raises(retention.ValidationError, match=message):
        call()


def test_wrong_types_are_type_errors_naming_the_argument() -> None:
    with pytest.raises(TypeError, match="tier must be an int, not bool"):
        Customer(tier=True)
    with pytest.raises(TypeError, match="store must be an int, not float"):
        RULES.evaluate([(1, 1, 1, 100)], at=NOON, event=(1, 1), store=1.5)
    with pytest.raises(TypeError, match="max_iterations must be an int, not str"):
        BetaGeoFitter().fit([1, 2], [1, 2], [3, 4], max_iterations="10")
    with pytest.raises(TypeError, match="basket must be an iterable of lines, not int"):
        RULES.evaluate(5, at=NOON, event=(1, 1))


def test_a_length_one_column_is_not_broadcast() -> None:
    with pytest.raises(retention.ValidationError, match="columns differ in length: frequency 2, recency 1, T 2"):
        BetaGeoFitter().fit([1, 2], [1], [3, 4])
    # A scalar still repeats, as NumPy's broadcasting does. (Last purchases well before T = 10:
    # with recencies near T nobody seems to drop out, a and b run to 0, and the bounded fit
    # reports that as a ConvergenceError.)
    fitter = BetaGeoFitter(penalizer_coef=0.1).fit([0, 1, 2, 3, 1, 0], [0, 2, 3, 4, 1, 0], 10)
    assert fitter.data["T"].tolist() == [10.0] * 6


def test_negative_spend_is_refused_with_its_row() -> None:
    sales = pd.DataFrame(
        {"id": [1, 1, 2], "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02"]), "amount": [5.0, -2.0, 3.0]}
    )
    with pytest.raises(retention.ValidationError, match="row 1: amount is negative"):
        retention.summary_data_from_transaction_data(sales, "id", "date", monetary_value_col="amount")
    with pytest.raises(retention.ValidationError):
        GammaGammaFitter().fit([1, 2], [10.0, -1.0])


def test_missing_values_name_the_argument() -> None:
    with pytest.raises(retention.ValidationError, match="`today` is missing"):
        CARD.stamp((1, 1), 1, pd.NaT)
    with pytest.raises(retention.ValidationError, match="frequency is missing"):
        BetaGeoFitter().fit(None, [1], [2])
    with pytest.raises(retention.ValidationError, match="points must be in"):
        PointsAccount().earn((1, 1), -5, TODAY)
