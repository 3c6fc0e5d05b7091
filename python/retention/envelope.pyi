from enum import IntEnum
from typing import NamedTuple, Optional

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

OVERHEAD_LEN: int
MAX_PAYLOAD_LEN: int
KEY_MIN_LEN: int
CONTEXT_MAX_LEN: int

class Kind(IntEnum):
    """What a blob holds; the values are the kind bytes of the format."""

    OPAQUE = 0x01
    OPAQUE_TAGGED = 0x02
    RULE_SET = 0x10
    CUSTOMER = 0x11
    CARD = 0x20
    ACCOUNT = 0x21
    MODEL = 0x30
    MODEL_TAGGED = 0x31

class Header(NamedTuple):
    """A blob's header fields, read without verifying the blob."""

    kind: Kind
    version: int
    payload_len: int

def tag_len(kind: int) -> int: ...
def encoded_len(kind: int, payload_len: int) -> int: ...
def encode(
    kind: int, payload: bytes, key: Optional[bytes] = None, context: Optional[bytes] = None
) -> bytes: ...
def decode(
    blob: bytes, kind: int, key: Optional[bytes] = None, context: Optional[bytes] = None
) -> bytes: ...
def peek(blob: bytes) -> Header: ...
