# Stubs of the native extension; checked against it by `python -m mypy.stubtest retention`.
from typing import Optional

__all__ = [
    "CONTEXT_MAX_LEN",
    "ENVELOPE_MAX_PAYLOAD_LEN",
    "ENVELOPE_OVERHEAD_LEN",
    "KEY_MIN_LEN",
    "__version__",
    "envelope_decode",
    "envelope_encode",
    "envelope_encoded_len",
    "envelope_kinds",
    "envelope_peek",
]
__version__: str

ENVELOPE_OVERHEAD_LEN: int
ENVELOPE_MAX_PAYLOAD_LEN: int
KEY_MIN_LEN: int
CONTEXT_MAX_LEN: int

def envelope_encode(
    kind: int, payload: bytes, key: Optional[bytes] = None, context: Optional[bytes] = None
) -> bytes: ...
def envelope_decode(
    blob: bytes, kind: int, key: Optional[bytes] = None, context: Optional[bytes] = None
) -> bytes: ...
def envelope_peek(blob: bytes) -> tuple[int, int, int]: ...
def envelope_encoded_len(kind: int, payload_len: int) -> int: ...
def envelope_kinds() -> list[tuple[str, int, int, int]]: ...
