"""Models that cannot be swapped, from Python: a back office tags a churn model with its key and
pins a rule set to the model's hash (the rule document's ``churn_model``). Hashes are computed
independently with hashlib over the model's payload (scenario 60's model: Pareto/NBD, CDNOW fit,
daily purchases, weeks, money unit 1); the risk 767 is scenario 60's hand-worked value."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib

import pytest

import retention
from retention import ChurnModel, Customer, CustomerChurn, RuleSet

MODEL = ChurnModel("pareto_nbd", [0.5534, 10.5802, 0.6061, 11.6690], grain="D", unit="W")
# SHA-256 of the model's payload, from tests/scenarios/60-*.json's blob by hashlib.
MODEL_HASH = "b3b955778d8a62858f4a10d249cafaae48be3bb497f733345fd127ede978ff4d"
KEY = bytes(range(32))
TODAY = dt.date(2024, 3, 5)
NOON = int(dt.datetime(2024, 3, 5, 12, tzinfo=dt.timezone.utc).timestamp())


def _win_back(pin: str | None) -> RuleSet:
    field = "" if pin is None else f'"churn_model": "{pin}", '
    return RuleSet.from_json(
        '{"name": "w", "serial": 1, ' + field + '"rules": [{"id": 1, "name": "Win-back",'
        ' "when": [{"churn_risk_at_least": 700}], "effect": {"bonus_points": {"points": 300}}}]}'
    )


def _lapsed() -> Customer:
    """One purchase 364 days (52 weeks) ago: risk 767 under MODEL (scenario 60)."""
    first = TODAY - dt.timedelta(days=364)
    return Customer(visits=1, last_visit=first, churn=CustomerChurn("D", first, first))


def test_the_hash_is_the_sha256_of_the_payload() -> None:
    blob = MODEL.to_bytes()
    assert MODEL.hash == MODEL_HASH
    assert hashlib.sha256(blob[6:-4]).hexdigest() == MODEL_HASH
    tagged = MODEL.to_bytes(key=KEY)
    assert len(tagged) == len(blob) + 16 <= retention.CHURN_MODEL_TAGGED_MAX_LEN
    assert tagged[3] == 0x31 and tagged[6:-20] == blob[6:-4]
    assert ChurnModel.from_bytes(tagged, key=KEY).hash == MODEL_HASH
    weekly = ChurnModel("pareto_nbd", [0.5534, 10.5802, 0.6061, 11.6690], grain="W", unit="W")
    assert weekly.hash == hashlib.sha256(weekly.to_bytes()[6:-4]).hexdigest() != MODEL_HASH


def test_a_tagged_model_needs_its_key() -> None:
    tagged = MODEL.to_bytes(key=KEY)
    with pytest.raises(retention.AuthenticationError) as error:
        ChurnModel.from_bytes(tagged, key=bytes(31) + b"\x01")
    assert error.value.code_name == "RTN_DECODE_BAD_TAG"
    with pytest.raises(retention.DecodeError) as error:
        ChurnModel.from_bytes(tagged)
    assert error.value.code_name == "RTN_DECODE_WRONG_KIND"
    with pytest.raises(retention.DecodeError) as error:
        ChurnModel.from_bytes(MODEL.to_bytes(), key=KEY)
    assert error.value.code_name == "RTN_DECODE_WRONG_KIND"
    with pytest.raises(retention.ValidationError) as error:
        MODEL.to_bytes(key=KEY[:15])
    assert error.value.code_name == "RTN_KEY_TOO_SHORT"


def test_every_single_bit_edit_of_a_tagged_model_is_refused() -> None:
    tagged = MODEL.to_bytes(key=KEY)
    crc_at = len(tagged) - 20
    for bit in range(len(tagged) * 8):
        edited = bytearray(tagged)
        edited[bit // 8] ^= 1 << (bit % 8)
        if bit // 8 < crc_at:  # recompute the CRC, as anyone can
            edited[crc_at : crc_at + 4] = zlib.crc32(bytes(edited[:crc_at])).to_bytes(4, "little")
        with pytest.raises(retention.RetentionError):
            ChurnModel.from_bytes(bytes(edited), key=KEY)
    # Untagged, the same edit of r's lowest bit reads as another model.
    plain = bytearray(MODEL.to_bytes())
    plain[7] ^= 1
    plain[-4:] = zlib.crc32(bytes(plain[:-4])).to_bytes(4, "little")
    assert ChurnModel.from_bytes(bytes(plain)).hash != MODEL_HASH


def test_a_pinned_rule_set_takes_a_risk_only_from_its_model() -> None:
    pinned = _win_back(MODEL_HASH)
    assert pinned.model_pin == bytes.fromhex(MODEL_HASH)
    assert _win_back(None).model_pin is None
    # The pin travels in the blob (flag 0x02, the pin after the rule-set bytes) and is covered
    # by the identity hash.
    blob = pinned.to_bytes()
    assert blob[6] == 0x02 and blob[-36:-4] == bytes.fromhex(MODEL_HASH)
    assert RuleSet.from_bytes(blob).model_pin == pinned.model_pin
    assert pinned.hash == hashlib.sha256(blob[7:-4]).digest() != _win_back(None).hash
    outcome = pinned.evaluate([(1, 1, 1, 2500)], _lapsed(), NOON, event=(1, 2), churn_model=MODEL)
    assert outcome.points == 300
    weekly = ChurnModel("pareto_nbd", [0.5534, 10.5802, 0.6061, 11.6690], grain="D", unit="D")
    for kwargs in ({"churn_model": weekly}, {"churn_risk": 767}):
        with pytest.raises(retention.AuthenticationError) as error:
            pinned.evaluate([(1, 1, 1, 2500)], _lapsed(), NOON, event=(1, 2), **kwargs)
        assert error.value.code_name == "RTN_RULES_CHURN_MODEL_NOT_PINNED"
    # An unknown risk needs no model; an unpinned set takes any.
    assert pinned.evaluate([(1, 1, 1, 2500)], _lapsed(), NOON, event=(1, 2)).points == 0
    assert _win_back(None).evaluate([(1, 1, 1, 2500)], _lapsed(), NOON, event=(1, 2), churn_risk=767).points == 300


def test_a_malformed_pin_is_refused_when_authored() -> None:
    for pin in ["", MODEL_HASH[:62], MODEL_HASH[:63] + "g", "+" + MODEL_HASH[1:]]:
        with pytest.raises(retention.ValidationError) as error:
            _win_back(pin)
        assert "churn_model" in str(error.value)
