# The pinned account blob of tests/vectors/cards.json (format version 2), computed from the layout in
# docs/formats.md with Python's struct, zlib and hmac only, independently of the SDK:
#   python3 tests/vectors/pin_account.py
import struct, zlib, hmac, hashlib, datetime as dt

key = bytes(range(32)); customer = b"cust-0042"
def day(y,m,d): return (dt.date(y,m,d)-dt.date(1970,1,1)).days
def month(y,m): return (y-1970)*12+m-1
u24 = lambda v: struct.pack('<I', v)[:3]
p = b''
p += bytes([12, 14])                 # expiry months, pending days
p += struct.pack('<I', 9)            # write counter
p += struct.pack('<H', day(2024,3,6))  # as of
p += struct.pack('<H', day(2024,3,5))  # checkpoint day
p += struct.pack('<I', 0)            # debt
p += struct.pack('<I', 50)           # overdrawn
p += bytes([3, 2, 2])                # terminals, lots, events
for t, w in [(1,4),(2,7),(9,1)]: p += struct.pack('<II', t, w)
p += struct.pack('<H', month(2024,1)) + u24(500) + u24(0)
p += struct.pack('<H', month(2024,3) | 0x8000) + u24(210) + u24(210) + u24(210) + bytes([day(2024,3,19)-day(2024,3,1)])
p += bytes([0 | 0<<3]) + struct.pack('<IH', 5, day(2024,3,6)) + u24(60)
p += bytes([1 | 2<<3]) + struct.pack('<IH', 8, day(2024,3,6)) + u24(80)
head = b'RT' + bytes([2, 0x21]) + struct.pack('<H', len(p))
body = head + p
crc = zlib.crc32(body) & 0xffffffff
body += struct.pack('<I', crc)
tag = hmac.new(key, bytes([len(customer)]) + customer + body, hashlib.sha256).digest()[:16]
blob = body + tag
print(len(p), len(blob), hex(crc))
print(blob.hex())
