"""The package's foundation: version, exceptions, the envelope."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import retention
from retention import envelope
from retention.envelope import Kind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

from conftest import REPO


def test_version_matches_the_workspace() -> None:
    if tomllib is None:
        pytest.skip("tomllib needs Python 3.11")
    with open(REPO / "Cargo.toml", "rb") as f:
        workspace = tomllib.load(f)
    assert retention.__version__ == workspace["workspace"]["package"]["version"]


def test_exception_hierarchy() -> None:
    for cls in (
        retention.DecodeError,
        retention.AuthenticationError,
        retention.CapacityError,
        retention.ValidationError,
        retention.StateError,
        retention.ConvergenceError,
        retention.AmountOverflowError,
        retention.InternalError,
    ):
        assert issubclass(cls, retention.RetentionError)
        assert cls.__module__ == "retention.exceptions"
    assert issubclass(retention.AuthenticationError, retention.DecodeError)
    assert issubclass(retention.ValidationError, ValueError)
    assert issubclass(retention.AmountOverflowError, ArithmeticError)
    assert not issubclass(retention.DecodeError, ValueError)


def test_kinds_are_the_format_bytes() -> None:
    # docs/formats.md, "Kinds".
    assert int(Kind.OPAQUE) == 0x01
    assert int(Kind.OPAQUE_TAGGED) == 0x02
    assert int(Kind.RULE_SET) == 0x10
    assert int(Kind.CUSTOMER) == 0x11
    assert int(Kind.CARD) == 0x20
    assert int(Kind.ACCOUNT) == 0x21
    assert int(Kind.MODEL) == 0x30
    assert int(Kind.MODEL_TAGGED) == 0x31
    assert envelope.tag_len(Kind.MODEL_TAGGED) == 16
    assert envelope.tag_len(Kind.CARD) == 8
    assert envelope.tag_len(Kind.ACCOUNT) == 16
    assert envelope.tag_len(Kind.OPAQUE) == 0
    assert envelope.OVERHEAD_LEN == 10
    assert envelope.encoded_len(Kind.CARD, 110) == 10 + 110 + 8


def _seal(vectors: dict[str, Any], case: dict[str, Any]) -> dict[str, bytes]:
    if case["context_hex"] is None:
        return {}
    return {"key": bytes.fromhex(vectors["key_hex"]), "context": bytes.fromhex(case["context_hex"])}


def test_shared_valid_vectors(envelope_vectors: dict[str, Any]) -> None:
    for case in envelope_vectors["valid"]:
        payload = bytes.fromhex(case["payload_hex"])
        blob = bytes.fromhex(case["blob_hex"])
        seal = _seal(envelope_vectors, case)
        assert envelope.encode(case["kind"], payload, **seal) == blob, case["name"]
        assert envelope.decode(blob, case["kind"], **seal) == payload, case["name"]
        assert envelope.peek(blob) == (case["kind"], 1, len(payload))


# The canonical error names of tests/vectors/envelope.json, as exception classes and messages.
ERRORS = {
    "truncated": (retention.DecodeError, "truncated"),
    "length_mismatch": (retention.DecodeError, "header declares"),
    "bad_magic": (retention.DecodeError, "bad magic"),
    "unsupported_version": (retention.DecodeError, "unsupported format version"),
    "unknown_kind": (retention.DecodeError, "unknown blob kind"),
    "wrong_kind": (retention.DecodeError, "wrong kind: expected opaque, found card"),
    "bad_checksum": (retention.DecodeError, "checksum"),
    "bad_tag": (retention.AuthenticationError, "authentication tag"),
}


def test_shared_invalid_vectors(envelope_vectors: dict[str, Any]) -> None:
    for case in envelope_vectors["invalid"]:
        exception, message = ERRORS[case["error"]]
        with pytest.raises(exception, match=message) as caught:
            envelope.decode(bytes.fromhex(case["blob_hex"]), case["kind"], **_seal(envelope_vectors, case))
        # The vectors name the C API's status: RTN_DECODE_BAD_TAG for "bad_tag".
        assert caught.value.code_name == f"RTN_DECODE_{case['error'].upper()}"


def test_every_single_bit_flip_is_rejected() -> None:
    key, context = bytes(range(32)), b"04A1B2C3"
    blob = envelope.encode(Kind.OPAQUE_TAGGED, b"stamp x3", key=key, context=context)
    for i in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[i // 8] ^= 1 << (i % 8)
        with pytest.raises(retention.DecodeError):
            envelope.decode(bytes(flipped), Kind.OPAQUE_TAGGED, key=key, context=context)


def test_argument_errors_are_validation_errors() -> None:
    with pytest.raises(retention.ValidationError, match="key shorter than 16"):
        envelope.encode(Kind.OPAQUE_TAGGED, b"x", key=b"short")
    with pytest.raises(ValueError, match="a key is required"):
        envelope.encode(Kind.CARD, b"x")
    with pytest.raises(retention.ValidationError, match="give no key"):
        envelope.encode(Kind.OPAQUE, b"x", key=bytes(32))
    with pytest.raises(retention.ValidationError, match="unknown kind"):
        envelope.encode(0x7F, b"x")
    with pytest.raises(retention.ValidationError, match="context longer than 64"):
        envelope.encode(Kind.OPAQUE_TAGGED, b"x", key=bytes(32), context=bytes(65))
    with pytest.raises(retention.CapacityError):
        envelope.encode(Kind.OPAQUE, bytes(envelope.MAX_PAYLOAD_LEN + 1))
    with pytest.raises(TypeError):
        envelope.encode(Kind.OPAQUE, "not bytes")  # type: ignore[arg-type]


def test_every_exception_carries_its_code() -> None:
    # The numbers and names of include/retention.h, and the host tools' codes from 600 up.
    key, context = bytes(range(32)), b"ctx"
    blob = envelope.encode(Kind.OPAQUE_TAGGED, b"x", key=key, context=context)
    with pytest.raises(retention.AuthenticationError) as tag:
        envelope.decode(blob, Kind.OPAQUE_TAGGED, key=bytes(32), context=context)
    assert (tag.value.code, tag.value.code_name) == (107, "RTN_DECODE_BAD_TAG")
    with pytest.raises(retention.ValidationError) as short:
        envelope.encode(Kind.OPAQUE_TAGGED, b"x", key=b"short")
    assert (short.value.code, short.value.code_name) == (113, "RTN_KEY_TOO_SHORT")
    with pytest.raises(retention.CapacityError) as large:
        envelope.encode(Kind.OPAQUE, bytes(envelope.MAX_PAYLOAD_LEN + 1))
    assert (large.value.code, large.value.code_name) == (115, "RTN_PAYLOAD_TOO_LARGE")
    # The bindings' own argument checks, and the Python layer's: an invalid argument.
    with pytest.raises(retention.ValidationError) as kind:
        envelope.encode(0x7F, b"x")
    assert (kind.value.code, kind.value.code_name) == (3, "RTN_INVALID_ARGUMENT")
    with pytest.raises(retention.ValidationError) as period:
        retention.metrics.cohort_retention(None, "customer", "date", period="Q")
    assert (period.value.code, period.value.code_name) == (3, "RTN_INVALID_ARGUMENT")
    # A host tool's code: no C status.
    with pytest.raises(retention.ValidationError) as syntax:
        retention.RuleSet.from_json("{")
    assert (syntax.value.code, syntax.value.code_name) == (610, "RTN_AUTHORING_SYNTAX")
    assert syntax.value.rule_id is None  # type: ignore[attr-defined]


def test_largest_payload_round_trips() -> None:
    payload = bytes(range(256)) * (envelope.MAX_PAYLOAD_LEN // 256) + bytes(envelope.MAX_PAYLOAD_LEN % 256)
    blob = envelope.encode(Kind.OPAQUE, payload)
    assert len(blob) == envelope.OVERHEAD_LEN + envelope.MAX_PAYLOAD_LEN
    assert envelope.decode(blob, Kind.OPAQUE) == payload
