"""Punch cards and points accounts from Python: the shared day at the till, bytes, bad input."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Union

import pytest

import retention
from retention import PointsAccount, PunchCard

from conftest import REPO

Copy = Union[PunchCard, PointsAccount]


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    """tests/vectors/cards.json: the same day the Rust and C tests replay."""
    with open(REPO / "tests" / "vectors" / "cards.json", encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


# The canonical error names of cards.json, as exception classes.
ERRORS: dict[str, type[retention.RetentionError]] = {
    "daily_limit_reached": retention.StateError,
    "no_reward_available": retention.StateError,
    "unknown_transaction": retention.StateError,
    "older_copy": retention.StateError,
    "wrong_program": retention.ValidationError,
    "insufficient_points": retention.StateError,
}

CARD_FIELDS = [
    "stamps",
    "stamps_to_next_reward",
    "rewards_available",
    "owed_stamps",
    "overdrawn_rewards",
    "stamps_on_last_day",
    "daily_excess",
    "write_counter",
    "generation",
    "terminals",
]


def _new_card(s: dict[str, Any]) -> PunchCard:
    p = s["card_program"]
    return PunchCard(
        p["program"],
        p["stamps_per_reward"],
        p["daily_limit"],
        p["lapse_after_days"],
        dt.date.fromisoformat(p["expires_on"]),
    )


def _card_step(step: dict[str, Any], cards: dict[str, PunchCard], saved: dict[str, bytes], s: dict[str, Any]) -> None:
    key, uid = bytes.fromhex(s["key_hex"]), bytes.fromhex(s["card_uid_hex"])
    op, name = step["op"], step["copy"]
    today = dt.date.fromisoformat(step["date"]) if "date" in step else None
    event = (step.get("terminal", 0), step.get("sequence", 0))
    program = step.get("program")
    if op == "stamp":
        cards[name] = cards[name].stamp(event, step["amount"], today, program=program)
    elif op == "redeem":
        cards[name] = cards[name].redeem(event, today, program=program)
    elif op == "void":
        original = (step["original_terminal"], step["original_sequence"])
        cards[name] = cards[name].void(event, original, step["amount"], today, program=program)
    elif op == "expire":
        cards[name] = cards[name].expire(today)
    elif op == "fork":
        cards[name] = cards[step["from"]]
    elif op == "merge":
        cards[name] = cards[name].merge(cards[step["with"]])
    elif op == "save":
        blob = cards[name].to_bytes(key, uid)
        if step.get("blob") == "pinned":
            assert blob.hex() == s["pinned_card"]["blob_hex"]
        saved[step["name"]] = blob
    elif op == "load":
        cards[name] = PunchCard.from_bytes(saved[step["name"]], key, uid, step["min_write_counter"])
    else:
        raise AssertionError(op)


def _account_step(step: dict[str, Any], accounts: dict[str, PointsAccount], s: dict[str, Any]) -> None:
    op, name = step["op"], step["copy"]
    today = dt.date.fromisoformat(step["date"]) if "date" in step else None
    event = (step.get("terminal", 0), step.get("sequence", 0))
    if op == "earn":
        accounts[name] = accounts[name].earn(event, step["amount"], today)
    elif op == "redeem":
        accounts[name] = accounts[name].redeem(event, step["amount"], today)
    elif op == "clawback":
        original = (step["original_terminal"], step["original_sequence"])
        accounts[name] = accounts[name].clawback(event, original, step["amount"], today)
    elif op == "expire":
        accounts[name] = accounts[name].expire(today)
    elif op == "fork":
        accounts[name] = accounts[step["from"]]
    elif op == "merge":
        accounts[name] = accounts[name].merge(accounts[step["with"]])
    elif op == "save":
        blob = accounts[name].to_bytes(bytes.fromhex(s["key_hex"]), bytes.fromhex(s["customer_id_hex"]))
        assert blob.hex() == s["pinned_account"]["blob_hex"]
    elif op != "query":
        raise AssertionError(op)


def test_a_day_at_the_till(scenario: dict[str, Any]) -> None:
    ap = scenario["account_program"]
    cards = {"a": _new_card(scenario)}
    accounts = {"a": PointsAccount(ap["expiry_months"], ap["pending_days"])}
    saved: dict[str, bytes] = {}
    for step in scenario["steps"]:
        note = step.get("note", step["op"])
        run = (
            (lambda: _account_step(step, accounts, scenario))
            if step["kind"] == "account"
            else (lambda: _card_step(step, cards, saved, scenario))
        )
        if step["expect"] == "ok":
            run()
        else:
            before = dict(cards), dict(accounts)
            with pytest.raises(ERRORS[step["expect"]]):
                run()
            assert (dict(cards), dict(accounts)) == before, note
        if "card" in step:
            summary = cards[step["copy"]].summary()
            actual = {field: getattr(summary, field) for field in CARD_FIELDS}
            assert actual == step["card"], note
        if "account" in step:
            account = accounts[step["copy"]]
            today = dt.date.fromisoformat(step["date"])
            s = account.summary(today)
            actual = {"available": s.available, "pending": s.pending, "debt": s.debt, "overdrawn": s.overdrawn}
            if "window_months" in step:
                actual["qualifying"] = account.qualifying_points(today, step["window_months"])
            if "expiring_days" in step:
                actual["expiring"] = account.expiring_within(today, step["expiring_days"])
            assert actual == step["account"], note


def test_pinned_blobs_decode_and_every_bit_flip_is_refused(scenario: dict[str, Any]) -> None:
    key = bytes.fromhex(scenario["key_hex"])
    uid = bytes.fromhex(scenario["card_uid_hex"])
    customer = bytes.fromhex(scenario["customer_id_hex"])
    card_blob = bytes.fromhex(scenario["pinned_card"]["blob_hex"])
    card = PunchCard.from_bytes(card_blob, key, uid, min_write_counter=5)
    assert card.to_bytes(key, uid) == card_blob
    # 8 stamped + 2 - 1 voided - 2 rewards x 5 = -3: owes 3 stamps, 1 reward overdrawn.
    assert (card.summary().owed_stamps, card.summary().overdrawn_rewards) == (3, 1)
    account_blob = bytes.fromhex(scenario["pinned_account"]["blob_hex"])
    account = PointsAccount.from_bytes(account_blob, key, customer)
    assert account.to_bytes(key, customer) == account_blob
    for blob, read in (
        (card_blob, lambda b: PunchCard.from_bytes(b, key, uid)),
        (account_blob, lambda b: PointsAccount.from_bytes(b, key, customer)),
    ):
        for i in range(len(blob) * 8):
            flipped = bytearray(blob)
            flipped[i // 8] ^= 1 << (i % 8)
            with pytest.raises(retention.DecodeError):
                read(bytes(flipped))


def test_wrong_key_other_card_and_older_copies(scenario: dict[str, Any]) -> None:
    key = bytes.fromhex(scenario["key_hex"])
    uid = bytes.fromhex(scenario["card_uid_hex"])
    blob = bytes.fromhex(scenario["pinned_card"]["blob_hex"])
    with pytest.raises(retention.AuthenticationError, match="authentication tag"):
        PunchCard.from_bytes(blob, bytes(32), uid)
    with pytest.raises(retention.AuthenticationError):
        PunchCard.from_bytes(blob, key, b"another-uid")
    with pytest.raises(retention.StateError, match="write counter 5 is below 6"):
        PunchCard.from_bytes(blob, key, uid, min_write_counter=6)
    with pytest.raises(retention.DecodeError, match="wrong kind: expected account, found card"):
        PointsAccount.from_bytes(blob, key, uid)
    with pytest.raises(retention.DecodeError, match="truncated"):
        PunchCard.from_bytes(blob[:-1], key, uid)
    with pytest.raises(retention.ValidationError, match="key shorter than 16"):
        PunchCard.from_bytes(blob, b"short", uid)


def test_bad_input_raises_and_leaves_the_card_alone() -> None:
    today = dt.date(2024, 3, 5)
    card = PunchCard(7, 5, 6).stamp((1, 1), 3, today)
    assert card.stamp((1, 1), 3, today) == card  # a replay changes nothing
    with pytest.raises(retention.StateError, match="3 more stamps allowed today"):
        card.stamp((1, 2), 4, today)
    with pytest.raises(retention.ValidationError, match="zero stamps"):
        card.stamp((1, 2), 0, today)
    with pytest.raises(retention.ValidationError, match="stamps must be in 0..=65535"):
        card.stamp((1, 2), -1, today)
    with pytest.raises(retention.ValidationError, match="sequence number 0"):
        card.stamp((1, 0), 1, today)
    with pytest.raises(retention.ValidationError, match="program 8"):
        card.stamp((1, 2), 1, today, program=8)
    with pytest.raises(retention.ValidationError, match="1970-01-02"):
        card.stamp((1, 2), 1, dt.date(1970, 1, 1))
    with pytest.raises(TypeError, match="`today` must be a datetime.date, not str"):
        card.stamp((1, 2), 1, "2024-03-05")  # type: ignore[arg-type]
    with pytest.raises(retention.ValidationError, match="stamps per reward"):
        PunchCard(7, 0, 6)
    assert card.summary().stamps == 3
    full = PunchCard(7, 5, 255)
    for terminal in range(1, 9):
        full = full.stamp((terminal, 1), 1, today)
    with pytest.raises(retention.CapacityError, match="8 terminals"):
        full.stamp((9, 1), 1, today)
    assert len(full.to_bytes(bytes(32), b"uid")) == retention.CARD_MAX_LEN == 144


def test_points_errors_and_debt() -> None:
    account = PointsAccount(expiry_months=12, pending_days=0).earn((1, 1), 100, dt.date(2024, 3, 5))
    with pytest.raises(retention.StateError, match="100 pts available"):
        account.redeem((1, 2), 101, dt.date(2024, 3, 5))
    with pytest.raises(retention.StateError, match="no record of the transaction"):
        account.clawback((2, 1), (9, 9), 10, dt.date(2024, 3, 5))
    with pytest.raises(retention.ValidationError, match="1..=12 months"):
        account.qualifying_points(dt.date(2024, 3, 5), 13)
    with pytest.raises(retention.ValidationError, match="expiry longer than 13 months"):
        PointsAccount(expiry_months=14)
    # A refund of 130 points from 100 held: 30 owed, repaid by the next 50 earned.
    owing = account.clawback((2, 1), (1, 1), 130, dt.date(2024, 3, 6))
    assert owing.summary(dt.date(2024, 3, 6)).debt == 30
    repaid = owing.earn((1, 2), 50, dt.date(2024, 3, 7))
    s = repaid.summary(dt.date(2024, 3, 7))
    assert (s.available, s.debt) == (20, 0)
    with pytest.raises(retention.AmountOverflowError, match="16777215"):
        account.earn((1, 2), retention.ACCOUNT_MAX_POINTS + 1, dt.date(2024, 3, 5))


def test_offline_copies_merge_and_a_double_redemption_is_overdrawn() -> None:
    today = dt.date(2024, 3, 5)
    account = PointsAccount(expiry_months=12, pending_days=0).earn((9, 1), 100, today)
    # Two offline tills each redeem 70 of the same 100, and each earns 10.
    till_1 = account.redeem((1, 1), 70, today).earn((1, 2), 10, today)
    till_2 = account.redeem((2, 1), 70, today).earn((2, 2), 10, today)
    merged = till_1.merge(till_2)
    # In any order, and merging a copy again changes nothing (but the write counter).
    for other in (till_2.merge(till_1), merged.merge(till_1), merged.merge(merged)):
        o, m = other.summary(today), merged.summary(today)
        assert (o.available, o.pending, o.debt, o.overdrawn) == (m.available, m.pending, m.debt, m.overdrawn)
    # 120 earned, 140 redeemed: 20 overdrawn and owed, nothing available.
    s = merged.summary(today)
    assert (s.available, s.debt, s.overdrawn, s.recent_events) == (0, 20, 20, 5)
    assert "overdrawn=20" in repr(merged) and "recent_events=5" in repr(s)
    # The next 30 earned repay the 20 first.
    assert merged.earn((1, 3), 30, today).summary(today).available == 10
    # More than 8 recent events together above the checkpoint: refused, nothing changes.
    busy_1, busy_2 = till_1, till_2
    for sequence in range(3, 6):
        busy_1 = busy_1.earn((1, sequence), 1, today)
        busy_2 = busy_2.earn((2, sequence), 1, today)
    with pytest.raises(retention.CapacityError, match="more than 8 recent events"):
        busy_1.merge(busy_2)
    # Both copies compacted since they diverged (the next day, each folds its own events).
    later = dt.date(2024, 3, 6)
    for sequence in range(6, 9):
        busy_1 = busy_1.earn((1, sequence), 1, later)
        busy_2 = busy_2.earn((2, sequence), 1, later)
    with pytest.raises(retention.StateError, match="compacted since they diverged"):
        busy_1.merge(busy_2)


def test_dates_datetimes_and_reprs() -> None:
    card = PunchCard(7, 5, 6, lapse_after_days=90, expires_on=dt.date(2025, 12, 31))
    # A datetime counts on its own calendar date (here 23:30 in UTC+01:00: 2024-03-05).
    late = dt.datetime(2024, 3, 5, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    card = card.stamp((1, 1), 2, late)
    s = card.summary()
    assert s.last_stamp_day == dt.date(2024, 3, 5)
    assert s.lapses_after == dt.date(2024, 6, 3)
    assert s.expires_on == card.expires_on == dt.date(2025, 12, 31)
    assert repr(card) == (
        "PunchCard(program=7, stamps=2, rewards_available=0, owed_stamps=0, terminals=1, "
        "generation=0, write_counter=1)"
    )
    assert "last_stamp_day=2024-03-05" in repr(s)
    assert card.last_events == [(1, 1)]
    assert card.has_applied((1, 1)) and not card.has_applied((1, 2))
    account = PointsAccount(12, 14).earn((1, 1), 120, dt.date(2024, 3, 5))
    assert repr(account) == (
        "PointsAccount(available=0, pending=120, debt=0, overdrawn=0, as_of=2024-03-05, "
        "expiry_months=12, pending_days=14, write_counter=1)"
    )
    summary = account.summary(dt.date(2024, 3, 19))
    assert (summary.available, summary.next_expiry) == (120, dt.date(2025, 3, 31))
    assert "next_expiry=2025-03-31" in repr(summary)
