"""Loyalty rules from Python: every shared scenario, bytes and signatures, input shapes, errors,
and back-testing on pandas and polars."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import retention
from retention import Customer, Line, RuleSet

from conftest import REPO

SCENARIOS = sorted((REPO / "tests" / "scenarios").glob("*.json"))
PROGRAMS = REPO / "examples" / "programs"


def _program(name: str) -> RuleSet:
    text = (PROGRAMS / name).read_text(encoding="utf-8")
    return RuleSet.from_toml(text) if name.endswith(".toml") else RuleSet.from_json(text)


def _rule_set(scenario: dict[str, Any]) -> RuleSet:
    if "program" in scenario:
        return _program(scenario["program"])
    return RuleSet.from_json(json.dumps(scenario["rule_set"]))


EPOCH = dt.date(1970, 1, 1)


def _churn(summary: dict[str, Any] | None) -> retention.CustomerChurn | None:
    """A scenario's churn summary (the record's JSON form: period indices) as CustomerChurn."""
    if summary is None:
        return None
    grain = {"Day": "D", "Week": "W"}[summary["grain"]]
    history = summary.get("history")
    if history is None:
        return retention.CustomerChurn(grain)
    # Period starts: day n for days; Monday 1969-12-29 + 7n for ISO weeks.
    start = (lambda i: EPOCH + dt.timedelta(days=i)) if grain == "D" else (
        lambda i: EPOCH + dt.timedelta(days=7 * i - 3))
    return retention.CustomerChurn(grain, start(history["first_period"]), start(history["last_period"]),
                                   history["repeat_periods"], history["repeat_spend"])


def _customer(record: dict[str, Any]) -> Customer:
    last = record.get("last_visit")
    birthday = record.get("birthday")
    event = record.get("churn_event")
    first = record.get("first_visit")
    latest = record.get("feedback")
    return Customer(
        tier=record.get("tier", 0),
        segments=record.get("segments", 0),
        visits=record.get("visits", 0),
        last_visit=None if last is None else dt.date(1970, 1, 1) + dt.timedelta(days=last),
        birthday=None if birthday is None else (birthday["month"], birthday["day"]),
        usage=[(u["counter"], u["period"], u["index"], u["count"]) for u in record.get("usage", [])],
        churn=_churn(record.get("churn")),
        churn_event=None if event is None else (event["terminal"], event["sequence"]),
        first_visit=None if first is None else dt.date(1970, 1, 1) + dt.timedelta(days=first),
        feedback=None if latest is None else (
            latest["feedback"]["score"],
            dt.date(1970, 1, 1) + dt.timedelta(days=latest["feedback"]["day"]),
            latest["feedback"]["channel"],
            (latest["event"]["terminal"], latest["event"]["sequence"]),
        ),
    )


def _churn_model(scenario: dict[str, Any]) -> retention.ChurnModel | None:
    spec = scenario.get("churn_model")
    if spec is None:
        return None
    units = {"Day": "D", "Week": "W", "Days": "D", "Weeks": "W"}
    return retention.ChurnModel(spec["model"], spec["params"], grain=units[spec["periods"]["grain"]],
                                unit=units[spec["periods"]["unit"]])


def _status(value: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        return value, {}
    ((name, fields),) = value.items()
    return name, fields


def _evaluate(scenario: dict[str, Any]) -> retention.Outcome:
    context = scenario.get("context", {})
    event = context.get("event", {"terminal": 0, "sequence": 0})
    model = _churn_model(scenario)
    churn_risk = context.get("churn_risk")
    if model is not None:
        # The risk as the till gets it: from the record's summary, on the sale's local day.
        customer = _customer(scenario.get("customer", {}))
        risk = model.risk_of(customer, context["now"], utc_offset_minutes=context.get("offset", 0))
        assert risk == scenario["expect_churn_risk"]
    return _rule_set(scenario).evaluate(
        [(l["sku"], l["category"], l["quantity"], l["unit_price"]) for l in scenario["basket"]],
        _customer(scenario.get("customer", {})),
        at=context.get("now", 0),
        utc_offset_minutes=context.get("offset", 0),
        store=context.get("store", 0),
        channel=context.get("channel", 0),
        coupons=context.get("coupons", []),
        event=(event["terminal"], event["sequence"]),
        churn_risk=churn_risk,
        churn_model=model,
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shared_scenario(path: Path) -> None:
    """tests/scenarios: the hand-worked outcomes the Rust and C tests check too."""
    scenario = json.loads(path.read_text(encoding="utf-8"))
    if "expect_error" in scenario:
        with pytest.raises(retention.RetentionError) as caught:
            _evaluate(scenario)
        assert caught.value.code_name == scenario["expect_error"]
        return
    outcome = _evaluate(scenario)
    expect = scenario["expect"]
    assert outcome.points == expect["points"]
    assert outcome.discount == expect["discount"]
    assert outcome.lines == [(l["quantity"], l["discount"]) for l in expect["lines"]]
    assert outcome.stamps == {a["program"]: a["stamps"] for a in expect["stamps"]}
    assert outcome.free_items == [(f["rule"], f["line"], f["units"]) for f in expect["free_items"]]
    assert outcome.rewards == [(r["rule"], r["reward"]) for r in expect["rewards"]]
    assert [(s.rule, s.line, s.kind, s.program, s.amount) for s in outcome.attribution] == [
        (s["rule"], s["line"], s["kind"], s["program"], s["amount"]) for s in expect["shares"]
    ]
    assert len(outcome.trace) == len(expect["trace"])
    for entry, wanted in zip(outcome.trace, expect["trace"]):
        status, fields = _status(wanted["status"])
        assert (entry.rule, entry.effect, entry.status, entry.amount) == (
            wanted["rule"],
            wanted["effect"],
            status,
            wanted["amount"],
        )
        assert entry.condition == fields.get("condition")
        assert entry.condition_kind == fields.get("kind")
        assert entry.by_rule == fields.get("rule")
        assert entry.period == fields.get("period")
    hints = []
    for hint in expect["hints"]:
        ((kind, value),) = hint["shortfall"].items()
        hints.append(
            (hint["rule"], hint["condition"], value if kind == "spend" else None,
             value if kind == "units" else None, hint["effect"], hint["amount"])
        )
    assert [(h.rule, h.condition, h.spend, h.units, h.effect, h.amount) for h in outcome.hints] == hints
    assert outcome.customer == _customer(expect["customer"])
    if "expect_churn" in scenario:
        wanted_churn = scenario["expect_churn"]
        context = scenario["context"]
        today = EPOCH + dt.timedelta(days=(context["now"] + 60 * context.get("offset", 0)) // 86400)
        model = _churn_model(scenario)
        unit = "D" if model is None else model.unit
        churn = outcome.customer.churn
        assert churn.observe(today, unit) == pytest.approx(
            (wanted_churn["frequency"], wanted_churn["recency"], wanted_churn["T"]))
        assert churn.repeat_spend == wanted_churn["repeat_spend"]
    assert outcome.rule_set_hash == _rule_set(scenario).hash
    returned: list[int] = []
    for step in scenario.get("refunds", []):
        refund = outcome.refund(step["returned"], before=returned or None)
        wanted = step["expect"]
        assert refund.points == wanted["points"]
        assert refund.points_by_rule == [(r["rule"], r["points"]) for r in wanted["points_by_rule"]]
        assert refund.stamps == [(s["program"], s["stamps"]) for s in wanted["stamps"]]
        assert refund.discount == wanted["discount"]
        returned = refund.returned


def test_enough_shared_scenarios() -> None:
    assert len(SCENARIOS) >= 40


COFFEE_BASKET: list[Any] = [Line(1001, 1, 2, 350), (2001, 3, 1, 275), {"sku": 9001, "category": 90, "unit_price": 2000}]
# Tuesday 2024-03-05 15:10 UTC: inside the coffee program's double-points window.
TUESDAY = dt.datetime(2024, 3, 5, 15, 10, tzinfo=dt.timezone.utc)


def test_coffee_receipt_in_plain_words_and_a_partial_return() -> None:
    coffee = _program("coffee.json")
    outcome = coffee.evaluate(COFFEE_BASKET, at=TUESDAY, event=(7, 1))
    # Gift cards never earn: floor(7.00 + 2.75) = 9 points, doubled on Tuesday afternoon: 18.
    assert (outcome.points, outcome.discount, outcome.stamps) == (18, 0, {1: 2})
    assert outcome.event == (7, 1)
    text = outcome.explain()
    assert "Points: 18   Discount: 0.00" in text
    assert "Double points Tuesday 14-17: applied, 9 points" in text
    assert "Birthday free drink: not applied: condition 0 (birthday) not met" in text
    # One of two coffees back: base shares 6 and 3 (9*700/975 = 6.46, 9*275/975 = 2.54, the
    # leftover point to the larger remainder), doubled the same: floor(6/2) * 2 = 6 points and
    # floor(2/2) = 1 stamp.
    refund = outcome.refund([1])
    assert (refund.points, refund.points_by_rule, refund.stamps, refund.returned) == (
        6,
        [(1, 3), (2, 3)],
        [(1, 1)],
        [1, 0, 0],
    )
    assert outcome.refund([1], before=refund.returned).points == 0
    with pytest.raises(retention.ValidationError):
        outcome.refund([3])


SALE = (1, 1)


def test_sale_number_zero_is_refused_at_evaluate() -> None:
    coffee = _program("coffee.json")
    # Terminals number their sales from 1: applying an outcome of sale 0 would be refused.
    with pytest.raises(retention.ValidationError) as refused:
        coffee.evaluate(COFFEE_BASKET, at=TUESDAY, event=(1, 0))
    assert refused.value.code_name == "RTN_RULES_INVALID_EVENT_ID"
    assert refused.value.code == 219
    with pytest.raises(TypeError):
        coffee.evaluate(COFFEE_BASKET, at=TUESDAY)  # type: ignore[call-arg]


def test_at_is_an_aware_datetime_or_unix_seconds_with_an_offset() -> None:
    coffee = _program("coffee.json")
    berlin = dt.timezone(dt.timedelta(hours=1))
    # 15:10 in Berlin is 14:10 UTC: inside the window either way.
    local = coffee.evaluate(COFFEE_BASKET, at=dt.datetime(2024, 3, 5, 15, 10, tzinfo=berlin), event=SALE)
    unix = coffee.evaluate(COFFEE_BASKET, at=1709647800, utc_offset_minutes=60, event=SALE)
    assert local.points == unix.points == 18
    # 13:10 in Berlin is before the window.
    early = coffee.evaluate(COFFEE_BASKET, at=dt.datetime(2024, 3, 5, 13, 10, tzinfo=berlin), event=SALE)
    assert early.points == 9
    # A naive datetime is the till's wall-clock time: 15:10 local is inside the window, 13:10
    # is not, whatever offset places it on the time line.
    assert coffee.evaluate(COFFEE_BASKET, at=dt.datetime(2024, 3, 5, 15, 10), event=SALE).points == 18
    assert coffee.evaluate(COFFEE_BASKET, at=dt.datetime(2024, 3, 5, 15, 10), utc_offset_minutes=60, event=SALE).points == 18
    assert coffee.evaluate(COFFEE_BASKET, at=dt.datetime(2024, 3, 5, 13, 10), utc_offset_minutes=60, event=SALE).points == 9
    with pytest.raises(retention.ValidationError):
        coffee.evaluate(COFFEE_BASKET, at=TUESDAY, utc_offset_minutes=60, event=SALE)
    with pytest.raises(retention.ValidationError):
        coffee.evaluate(COFFEE_BASKET, event=SALE)
    with pytest.raises(TypeError):
        coffee.evaluate([object()], at=TUESDAY, event=SALE)
    with pytest.raises(retention.ValidationError, match="unknown basket line key"):
        coffee.evaluate([{"unit_price": 1, "price": 1}], at=TUESDAY, event=SALE)
    with pytest.raises(retention.CapacityError):
        coffee.evaluate([(1, 1, 1, 100)] * 33, at=TUESDAY, event=SALE)
    with pytest.raises(retention.CapacityError):
        coffee.evaluate(COFFEE_BASKET, at=TUESDAY, coupons=list(range(9)), event=SALE)


def test_bytes_signatures_and_serials() -> None:
    coffee = _program("coffee.json")
    secret = bytes(range(32))
    public = RuleSet.public_key_of(secret)
    signed = coffee.to_bytes(signing_key=secret)
    unsigned = coffee.to_bytes()
    assert len(signed) == len(unsigned) + 64 <= retention.RULE_SET_MAX_LEN
    assert RuleSet.from_bytes(signed, public_key=public).hash == coffee.hash
    assert RuleSet.from_bytes(unsigned).hash == coffee.hash
    with pytest.raises(retention.AuthenticationError):
        RuleSet.from_bytes(unsigned, public_key=public)
    with pytest.raises(retention.AuthenticationError):
        RuleSet.from_bytes(signed, public_key=RuleSet.public_key_of(bytes(32)))
    with pytest.raises(retention.StateError):
        RuleSet.from_bytes(unsigned, min_serial=2)
    tampered = bytearray(unsigned)
    tampered[20] ^= 1
    with pytest.raises(retention.DecodeError):
        RuleSet.from_bytes(bytes(tampered))
    with pytest.raises(retention.ValidationError):
        RuleSet.from_bytes(signed, public_key=b"short")
    assert repr(coffee).startswith("RuleSet(name='Coffee chain', serial=1, rules=4, hash='")
    assert coffee.rules[0] == (3, "Birthday free drink")


def test_validation_errors_name_the_rule_and_field() -> None:
    doc = {
        "name": "x",
        "serial": 1,
        "rules": [
            {
                "id": 2,
                "name": "Bakery",
                "effect": {"percent_off": {"basis_points": 12000, "items": {"categories": [20]}}},
            }
        ],
    }
    with pytest.raises(retention.ValidationError) as caught:
        RuleSet.from_json(json.dumps(doc))
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith('rule 2 "Bakery": effect.percent_off.basis_points: 12000')
    assert (caught.value.rule_id, caught.value.rule_name) == (2, "Bakery")  # type: ignore[attr-defined]
    assert caught.value.field == "effect.percent_off.basis_points"  # type: ignore[attr-defined]
    with pytest.raises(retention.ValidationError, match="invalid TOML"):
        RuleSet.from_toml("name = ")
    many = {
        "name": "x",
        "serial": 1,
        "rules": [
            {"id": i, "name": f"r{i}", "effect": {"bonus_points": {"points": 1}}} for i in range(65)
        ],
    }
    with pytest.raises(retention.CapacityError, match="at most 64"):
        RuleSet.from_json(json.dumps(many))


def test_customer_record_bytes() -> None:
    key = bytes([0x11]) * 32
    customer = Customer(tier=2, segments=0b101, visits=3, birthday=(2, 29),
                        last_visit=dt.date(2024, 3, 4), usage=[(4, "day", 19786, 1)])
    blob = customer.to_bytes(key, b"customer-1042")
    assert len(blob) <= retention.CUSTOMER_MAX_LEN
    back = Customer.from_bytes(blob, key, b"customer-1042")
    assert back == customer
    assert back.usage == [(4, "day", 19786, 1)]
    assert back.last_visit == dt.date(2024, 3, 4)
    with pytest.raises(retention.AuthenticationError):
        Customer.from_bytes(blob, key, b"customer-1043")
    with pytest.raises(retention.ValidationError):
        Customer(birthday=(2, 30))
    with pytest.raises(retention.ValidationError):
        Customer(usage=[(1, "fortnight", 0, 1)])
    assert repr(back) == (
        "Customer(tier=2, segments=0x5, visits=3, last_visit='2024-03-04', birthday=(2, 29), usage=1)"
    )


GROCERY_HISTORY = {
    # Customer "ann": two baskets; the earlier one (basket 3) presents coupon 5001 and so
    # does the later (basket 7): the coupon's campaign limit of 1 lets only the first have it.
    # Customer "bob": one basket of fresh produce.
    "customer_id": ["ann", "ann", "ann", "ann", "bob"],
    "basket_id": [7, 7, 3, 3, 1],
    "timestamp": [1709726400, 1709726400, 1709640000, 1709640000, 1709640000],
    "category": [40, 40, 40, 40, 10],
    "quantity": [1, 1, 1, 1, 2],
    "unit_price": [1000, 1000, 1000, 1000, 250],
    "coupon": [5001, 0, 5001, 0, 0],
}


@pytest.mark.parametrize("library", [pd, pl], ids=["pandas", "polars"])
def test_backtest_per_rule_and_segment(library: Any) -> None:
    grocery = _program("grocery.toml")
    transactions = library.DataFrame(GROCERY_HISTORY)
    customers = library.DataFrame({"customer_id": ["ann", "bob"], "segment": ["regular", "new"]})
    calls: list[tuple[int, int]] = []
    result = grocery.backtest(transactions, customers, progress=lambda done, total: calls.append((done, total)))
    assert type(result.by_rule).__module__.split(".")[0] == library.__name__
    assert (result.baskets, result.skipped, calls) == (3, 0, [(3, 3)])
    by_rule = {row["rule"]: row for row in _rows(result.by_rule)}
    # Base points on net: (20.00 - 5.00) + 20.00 + 5.00 = 40; 3x produce adds 2 x 5 = 10.
    assert (by_rule[1]["points"], by_rule[1]["applied"], by_rule[1]["customers"]) == (40, 3, 2)
    assert by_rule[2]["points"] == 10
    assert (by_rule[5]["applied"], by_rule[5]["discount"]) == (1, 500)
    assert by_rule[5]["name"] == "Coupon: 5.00 off"
    by_segment = {row["segment"]: row for row in _rows(result.by_segment)}
    assert (by_segment["regular"]["baskets"], by_segment["regular"]["spend"]) == (2, 4000)
    assert (by_segment["regular"]["points"], by_segment["regular"]["discount"]) == (35, 500)
    assert (by_segment["new"]["customers"], by_segment["new"]["points"]) == (1, 15)
    cells = {(row["rule"], row["segment"]): row for row in _rows(result.by_rule_segment)}
    assert cells[(2, "new")]["points"] == 10 and cells[(2, "regular")]["points"] == 0
    visits = {row["customer_id"]: row["visits"] for row in _rows(result.customers)}
    assert visits == {"ann": 2, "bob": 1}


def _rows(frame: Any) -> list[dict[str, Any]]:
    if hasattr(frame, "to_dicts"):
        return frame.to_dicts()  # type: ignore[no-any-return]
    return frame.to_dict("records")  # type: ignore[no-any-return]


def test_backtest_tiers_errors_and_datetimes() -> None:
    grocery = _program("grocery.toml")
    # One 2 500.00 basket makes the customer gold (2 000.00 in the window) for the next one,
    # which gets 10 % off bakery: 1.00 off 10.00. Datetimes, naive, are UTC.
    history = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(["2024-03-05 12:00", "2024-03-06 12:00", "2024-03-07 12:00"]),
            "category": [40, 20, 20],
            "unit_price": [250_000, 1000, -1],
        }
    )
    with pytest.raises(retention.ValidationError, match="row 2"):
        grocery.backtest(history, progress=False)
    result = grocery.backtest(history, skip_invalid=True, progress=False)
    assert (result.baskets, result.skipped) == (2, 1)
    assert result.first_skipped == (2, "line 0 has a negative price")
    bakery = {row["rule"]: row for row in _rows(result.by_rule)}[4]
    assert (bakery["applied"], bakery["discount"]) == (1, 100)
    assert _rows(result.customers)[0]["tier"] == 2
    with pytest.raises(retention.ValidationError, match="minor units"):
        grocery.backtest(history.assign(unit_price=[1.5, 2.0, 3.0]))
    with pytest.raises(retention.ValidationError, match="timestamp"):
        grocery.backtest(history.drop(columns=["timestamp"]))
    aware = history.assign(timestamp=history["timestamp"].dt.tz_localize("Europe/Berlin"))
    assert grocery.backtest(aware, skip_invalid=True, progress=False).baskets == 2


def test_backtest_progress_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    coffee = _program("coffee.json")
    history = pd.DataFrame({"customer_id": np.arange(3), "timestamp": [1709640000] * 3, "unit_price": [100] * 3})
    coffee.backtest(history, progress=True)
    err = capsys.readouterr().err
    if importlib.util.find_spec("tqdm") is None:
        assert "back-test [" in err and "100% 3/3 baskets" in err
    else:
        assert "back-test" in err  # tqdm's bar


@pytest.mark.parametrize("library", [pd, pl], ids=["pandas", "polars"])
def test_backtest_folds_feedback_for_a_service_recovery_rule(library: Any) -> None:
    """examples/programs/feedback.json, rule 1: 5.00 off for a detractor who answered within 30
    days, once a year. Baskets of 12.00 at noon UTC:
    - ann answered 2 (detractor) on 20 Feb; baskets 1 and 8 March: 5.00 off on 1 March (10 days
      after), the yearly limit on 8 March;
    - bob answered 9 (promoter) on 20 Feb; basket 1 March: nothing;
    - cy answered 4 (detractor) on 30 Jan; basket 1 March, 31 days after: nothing;
    - dee answered 0 at the very time of her 1 March basket: the answer comes first, 5.00 off.
    Rule 1: applied twice, to 2 customers, 10.00 of discount. Without the feedback table: never.
    """
    program = _program("feedback.json")
    def noon(day: str) -> dt.datetime:
        month, date = day.split("-")
        return dt.datetime(2024, int(month), int(date), 12)

    transactions = library.DataFrame(
        {
            "customer_id": ["ann", "ann", "bob", "cy", "dee"],
            "timestamp": [noon("03-01"), noon("03-08"), noon("03-01"), noon("03-01"), noon("03-01")],
            "unit_price": [1200] * 5,
        }
    )
    feedback = library.DataFrame(
        {
            "customer_id": ["ann", "bob", "cy", "dee"],
            "timestamp": [noon("02-20"), noon("02-20"), noon("01-30"), noon("03-01")],
            "score": [2, 9, 4, 0],
            "channel": ["web", "app", "till", "till"],
        }
    )
    result = program.backtest(transactions, feedback=feedback, progress=False)
    recovery = {row["rule"]: row for row in _rows(result.by_rule)}[1]
    assert (recovery["applied"], recovery["customers"], recovery["discount"]) == (2, 2, 1000)
    without = {row["rule"]: row for row in _rows(program.backtest(transactions, progress=False).by_rule)}[1]
    assert without["applied"] == 0
    bad = feedback.with_columns(pl.Series("score", [2, 9, 11, 0])) if library is pl else feedback.assign(score=[2, 9, 11, 0])
    with pytest.raises(retention.ValidationError, match="feedback row 2") as caught:
        program.backtest(transactions, feedback=bad, progress=False)
    assert caught.value.code_name == "RTN_FEEDBACK_SCORE_OUT_OF_RANGE"
    unknown = feedback.with_columns(pl.Series("channel", ["web", "fax", "till", "till"])) if library is pl else feedback.assign(channel=["web", "fax", "till", "till"])
    with pytest.raises(retention.ValidationError, match="channel 'fax'"):
        program.backtest(transactions, feedback=unknown, progress=False)
