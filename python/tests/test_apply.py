"""After the sale: tests/scenarios/apply (the hand-worked card and account after a sale and a
partial return, shared with the Rust and C tests), through Outcome.apply and Refund.apply."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Optional

import pytest

import retention
from retention import PointsAccount, PunchCard, RuleSet

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "tests" / "scenarios" / "apply").glob("*.json"))
ERRORS = {"card_daily_limit_reached": retention.StateError}


def _day(now: int) -> dt.date:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).date()


def _card(spec: Optional[dict[str, Any]]) -> Optional[PunchCard]:
    if spec is None:
        return None
    p = spec["program"]
    card = PunchCard(p["program"], p["stamps_per_reward"], p["daily_limit"], p["lapse_after_days"])
    return _play_card(card, spec["events"])


def _play_card(card: PunchCard, events: list[dict[str, Any]]) -> PunchCard:
    for e in events:
        event = (e["terminal"], e["sequence"])
        if e["op"] == "stamp":
            card = card.stamp(event, e["amount"], _day(e["now"]))
        else:
            card = card.redeem(event, _day(e["now"]))
    return card


def _account(spec: Optional[dict[str, Any]]) -> Optional[PointsAccount]:
    if spec is None:
        return None
    p = spec["program"]
    return _play_account(PointsAccount(p["expiry_months"], p["pending_days"]), spec["events"])


def _play_account(account: PointsAccount, events: list[dict[str, Any]]) -> PointsAccount:
    for e in events:
        event = (e["terminal"], e["sequence"])
        if e["op"] == "earn":
            account = account.earn(event, e["amount"], _day(e["now"]))
        else:
            account = account.redeem(event, e["amount"], _day(e["now"]))
    return account


def _check(
    card: Optional[PunchCard], account: Optional[PointsAccount], expect: dict[str, Any], today: dt.date
) -> None:
    if expect["card"] is None:
        assert card is None
    else:
        assert card is not None
        s = card.summary()
        want = expect["card"]
        assert (s.stamps, s.rewards_available, s.owed_stamps, s.write_counter) == (
            want["stamps"],
            want["rewards_available"],
            want["owed_stamps"],
            want["write_counter"],
        )
    if expect["account"] is None:
        assert account is None
    else:
        assert account is not None
        a = account.summary(today)
        want = expect["account"]
        assert (a.available, a.pending, a.debt) == (want["available"], want["pending"], want["debt"])


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_apply_scenario(path: Path) -> None:
    scenario = json.loads(path.read_text())
    context = scenario["context"]
    event = context["event"]
    outcome = RuleSet.from_json(json.dumps(scenario["rule_set"])).evaluate(
        [(l["sku"], l["category"], l["quantity"], l["unit_price"]) for l in scenario["basket"]],
        at=context["now"],
        utc_offset_minutes=context["offset"],
        store=context["store"],
        event=(event["terminal"], event["sequence"]),
    )
    after_sale = scenario["after_sale"]
    assert outcome.points == after_sale["points"]
    today = _day(context["now"])
    card, account = _card(scenario["card"]), _account(scenario["account"])
    if "error" in after_sale:
        with pytest.raises(ERRORS[after_sale["error"]]):
            outcome.apply(card, account, today=today)
        _check(card, account, after_sale, today)
        return
    card, account = outcome.apply(card, account, today=today)
    _check(card, account, after_sale, today)
    # The same sale again changes nothing.
    assert outcome.apply(card, account, today=today) == (card, account)
    between = scenario.get("between", {})
    if card is not None:
        card = _play_card(card, between.get("card", []))
    if account is not None:
        account = _play_account(account, between.get("account", []))
    step = scenario.get("refund")
    if step is None:
        return
    refund = outcome.refund(step["returned"])
    assert refund.points == step["points"]
    refund_event = (step["event"]["terminal"], step["event"]["sequence"])
    card, account = refund.apply(refund_event, card, account, today=_day(step["now"]))
    _check(card, account, step, _day(step["now"]))


def test_enough_apply_scenarios() -> None:
    assert len(SCENARIOS) >= 4


def test_refund_of_an_unseen_sale_is_a_state_error() -> None:
    rules = RuleSet.from_json(
        json.dumps({"name": "p", "serial": 1, "rules": [
            {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}}
        ]})
    )
    outcome = rules.evaluate([(1, 1, 1, 500)], at=1709640000, event=(1, 1))
    account = PointsAccount(12, 0)
    with pytest.raises(retention.StateError):
        outcome.refund([1]).apply((1, 2), None, account, today=dt.date(2024, 3, 5))
    assert outcome.apply(None, None, today=dt.date(2024, 3, 5)) == (None, None)


def test_apply_within_daily_limit_gives_the_stamps_that_fit_and_every_point() -> None:
    """Four coffees at 3.50 (a point per 1.00: 14 points, 4 stamps), a card limited to 3 stamps a
    day with none yet today: ``apply`` refuses the sale; ``apply_within_daily_limit`` gives 3
    stamps, all 14 points, and reports 1 refused. A second sale the same day (2 coffees, 7
    points) finds the card full: no stamp, 2 refused, the points earned."""
    rules = RuleSet.from_json(
        json.dumps({"name": "coffee", "serial": 1, "programs": [{"id": 1, "stamps_needed": 10, "reward_value": 350}],
                    "rules": [
            {"id": 1, "name": "1 point per 1.00", "effect": {"points_per_amount": {"points": 1, "per": 100}}},
            {"id": 2, "name": "a stamp per coffee", "effect": {"stamps": {"program": 1, "items": {"categories": [1]}}}},
        ]})
    )
    today = dt.date(2024, 3, 5)
    four = rules.evaluate([(1, 1, 4, 350)], at=1709640000, event=(1, 1))
    assert four.points == 14
    card, account = PunchCard(1, 10, 3, 0), PointsAccount(12, 0)
    with pytest.raises(retention.StateError) as error:
        four.apply(card, account, today=today)
    assert error.value.code_name == "RTN_CARD_DAILY_LIMIT_REACHED"
    card_1, account_1, refused = four.apply_within_daily_limit(card, account, today=today)
    assert refused == 1
    assert card_1 is not None and account_1 is not None
    assert card_1.summary().stamps == 3
    assert account_1.summary(today).available == 14
    assert four.apply_within_daily_limit(card_1, account_1, today=today) == (card_1, account_1, 0)
    two = rules.evaluate([(1, 1, 2, 350)], at=1709643600, event=(1, 2))
    card_2, account_2, refused = two.apply_within_daily_limit(card_1, account_1, today=today)
    assert refused == 2 and card_2 == card_1
    assert account_2 is not None and account_2.summary(today).available == 21
    assert four.apply_within_daily_limit(None, None, today=today) == (None, None, 0)
