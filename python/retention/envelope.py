"""The envelope around every blob the SDK writes, for raw application bytes.

A blob is ``magic "RT" | version | kind | payload length | payload | CRC-32 [| tag]``; tagged kinds
carry an HMAC-SHA256 tag over the blob and a ``context`` (a card UID, a customer id) that binds it
to its holder. See ``docs/formats.md``.

>>> from retention import envelope
>>> blob = envelope.encode(envelope.Kind.OPAQUE, b"hello")
>>> envelope.decode(blob, envelope.Kind.OPAQUE)
b'hello'
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple, Optional

from . import _retention
from ._columns import int_argument

__all__ = [
    "Kind",
    "Header",
    "encode",
    "decode",
    "peek",
    "encoded_len",
    "tag_len",
    "OVERHEAD_LEN",
    "MAX_PAYLOAD_LEN",
    "KEY_MIN_LEN",
    "CONTEXT_MAX_LEN",
]

#: Bytes the envelope adds around a payload, before any tag.
OVERHEAD_LEN: int = _retention.ENVELOPE_OVERHEAD_LEN
#: The largest payload an envelope carries.
MAX_PAYLOAD_LEN: int = _retention.ENVELOPE_MAX_PAYLOAD_LEN
#: The shortest accepted key, in bytes.
KEY_MIN_LEN: int = _retention.KEY_MIN_LEN
#: The longest accepted context, in bytes.
CONTEXT_MAX_LEN: int = _retention.CONTEXT_MAX_LEN

_KINDS = _retention.envelope_kinds()

#: What a blob holds; the values are the kind bytes of the format.
Kind = IntEnum("Kind", [(name, byte) for name, byte, _, _ in _KINDS], module=__name__)  # type: ignore[misc]
Kind.__doc__ = "What a blob holds; the values are the kind bytes of the format."


class Header(NamedTuple):
    """A blob's header fields, read without verifying the blob."""

    kind: Kind
    version: int
    payload_len: int


def _kind(kind: int) -> int:
    """``kind`` as a kind byte: ``TypeError`` for a non-integer, ``ValidationError`` for one
    outside 0..=255 (the core says which bytes are kinds)."""
    return int_argument(kind, "kind", 0, 255)


def tag_len(kind: int) -> int:
    """Length of ``kind``'s authentication tag in bytes (0 for untagged kinds).

    Raises :class:`~retention.ValidationError` for an unknown kind (the core's check)."""
    return int(_retention.envelope_encoded_len(_kind(kind), 0)) - OVERHEAD_LEN


def encoded_len(kind: int, payload_len: int) -> int:
    """Total length of a blob of ``kind`` around a ``payload_len``-byte payload.

    Raises :class:`~retention.ValidationError` for an unknown kind or a negative length."""
    return _retention.envelope_encoded_len(_kind(kind), payload_len)


def encode(
    kind: int,
    payload: bytes,
    key: Optional[bytes] = None,
    context: Optional[bytes] = None,
) -> bytes:
    """Seal ``payload`` in a blob of ``kind``.

    Tagged kinds need ``key`` (at least :data:`KEY_MIN_LEN` bytes) and may bind the blob to a
    ``context`` (at most :data:`CONTEXT_MAX_LEN` bytes); untagged kinds refuse a key.

    Raises :class:`~retention.ValidationError` for a bad kind, key or context, and
    :class:`~retention.CapacityError` for a payload over :data:`MAX_PAYLOAD_LEN` bytes.
    """
    return _retention.envelope_encode(_kind(kind), payload, key, context)


def decode(
    blob: bytes,
    kind: int,
    key: Optional[bytes] = None,
    context: Optional[bytes] = None,
) -> bytes:
    """Verify a blob of ``kind`` and return its payload.

    Raises :class:`~retention.DecodeError` (truncated, bad magic, wrong kind, unsupported version,
    length mismatch, bad checksum), :class:`~retention.AuthenticationError` (bad tag) or
    :class:`~retention.ValidationError` (a key missing for a tagged kind, or given for an
    untagged one).
    """
    return _retention.envelope_decode(blob, _kind(kind), key, context)


def peek(blob: bytes) -> Header:
    """Read a blob's header to tell what it is. Verifies nothing beyond the magic and kind."""
    kind, version, payload_len = _retention.envelope_peek(blob)
    return Header(Kind(kind), version, payload_len)
