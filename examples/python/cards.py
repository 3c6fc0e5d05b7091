"""Punch cards and points from Python: two offline copies of a card, and of an account, merged."""

import datetime as dt

import retention

key, uid = bytes([0x5A]) * 32, bytes.fromhex("04a1b2c3d4e5f6")
today = dt.date(2024, 3, 5)
card = retention.PunchCard(program=7, stamps_per_reward=5, daily_limit=6, lapse_after_days=90)
card = card.stamp((1, 1), 5, today)
at_till_1 = card.redeem((1, 2), today)
at_till_2 = card.redeem((2, 1), today)  # the same reward, on an offline copy
merged = at_till_1.merge(at_till_2)
print(f"merged: {merged}")
print(f"  {merged.summary()}")
blob = merged.to_bytes(key, uid)
print(f"  {len(blob)} bytes on the tag: {blob.hex()}")
try:
    retention.PunchCard.from_bytes(at_till_1.to_bytes(key, uid), key, uid, merged.write_counter)
except retention.StateError as error:
    print(f"  old image refused: {error}")
account = retention.PointsAccount(expiry_months=12, pending_days=14)
account = account.earn((9, 1), 500, dt.date(2024, 1, 10)).earn((1, 1), 120, today)
at_till_1 = account.redeem((1, 2), 300, today)
at_till_2 = account.earn((2, 1), 40, today).redeem((2, 2), 250, today)  # offline, the same 500
merged_points = at_till_1.merge(at_till_2).clawback((2, 3), (1, 1), 30, today)
print(f"points merged: {merged_points}")
print(f"  {merged_points.summary(today)}")
print(f"  two weeks later: {merged_points.summary(dt.date(2024, 3, 19))}")
blob = merged_points.to_bytes(key, b"cust-0042")
print(f"  {len(blob)} bytes (at most {retention.ACCOUNT_MAX_LEN})")
