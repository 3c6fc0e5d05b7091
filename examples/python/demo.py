"""The Python package from a data script's point of view."""

import retention
from retention import envelope

print(f"retention {retention.__version__} (Python)")
key = bytes([0x5A]) * 32
blob = envelope.encode(envelope.Kind.OPAQUE_TAGGED, b"nightly export", key=key, context=b"store-12")
print(f"sealed {len(blob)} bytes: {blob.hex()}")
print(f"header: {envelope.peek(blob)}")
print(f"opened: {envelope.decode(blob, envelope.Kind.OPAQUE_TAGGED, key=key, context=b'store-12')!r}")
tampered = bytearray(blob)
tampered[8] ^= 1
try:
    envelope.decode(bytes(tampered), envelope.Kind.OPAQUE_TAGGED, key=key, context=b"store-12")
except retention.DecodeError as error:
    print(f"tampered blob refused: {type(error).__name__}: {error}")
