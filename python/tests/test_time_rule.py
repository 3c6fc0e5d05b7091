"""The one time rule (docs/time.md), with the same data in pandas and polars: a naive value is
wall-clock local time, an aware value counts by its local date and time in its own zone, mixed
zones in one column are an error with the remedy, and integer dates are never read as
nanoseconds. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

import retention
from retention import RuleSet

REPO = Path(__file__).resolve().parents[2]
TOKYO = "Asia/Tokyo"

# Customer 1 buys at 23:30 on 1 January and at 00:30 on 2 January, Tokyo time (both 1 January
# in UTC: 14:30 and 15:30), then on 10 January at 12:00; customer 2 once, 10 January 12:00.
# By the rule (local dates): customer 1 buys on three days, so frequency 2, recency 9; read in
# UTC the first two would be one day (frequency 1).
WALL_CLOCK = [
    dt.datetime(2024, 1, 1, 23, 30),
    dt.datetime(2024, 1, 2, 0, 30),
    dt.datetime(2024, 1, 10, 12),
    dt.datetime(2024, 1, 10, 12),
]
IDS = [1, 1, 1, 2]


def _aware(library: Any) -> Any:
    if library is pd:
        return pd.DataFrame({"id": IDS, "date": pd.Series(WALL_CLOCK).dt.tz_localize(TOKYO)})
    return pl.DataFrame({"id": IDS, "date": WALL_CLOCK}).with_columns(pl.col("date").dt.replace_time_zone(TOKYO))


def _naive(library: Any) -> Any:
    return library.DataFrame({"id": IDS, "date": WALL_CLOCK})


LIBRARIES = pytest.mark.parametrize("library", [pd, pl], ids=["pandas", "polars"])
KINDS = pytest.mark.parametrize("make", [_aware, _naive], ids=["aware", "naive"])


@LIBRARIES
@KINDS
def test_summaries_count_local_dates(library: Any, make: Any) -> None:
    summary = retention.summary_data_from_transaction_data(
        make(library), "id", "date", observation_period_end=dt.date(2024, 1, 10)
    )
    # Customer 1: first day 1 January, repeat days 2 and 10 January; T = 9 days to 10 January.
    assert summary.loc[1, ["frequency", "recency", "T"]].tolist() == [2.0, 9.0, 9.0]
    assert summary.loc[2, ["frequency", "recency", "T"]].tolist() == [0.0, 0.0, 0.0]


@LIBRARIES
@KINDS
def test_calibration_and_holdout_count_local_dates(library: Any, make: Any) -> None:
    # Calibration ends on 2 January: customer 1 has days 1 and 2 (frequency 1, recency 1, T 1);
    # the holdout (3..10 January, 8 days) holds the 10 January purchase.
    table = retention.calibration_and_holdout_data(
        make(library), "id", "date", calibration_period_end=dt.date(2024, 1, 2),
        observation_period_end=dt.date(2024, 1, 10),
    )
    row = table.loc[1]
    assert [row["frequency_cal"], row["recency_cal"], row["T_cal"]] == [1.0, 1.0, 1.0]
    assert [row["frequency_holdout"], row["duration_holdout"]] == [1.0, 8.0]
    assert list(table.index) == [1]


@LIBRARIES
@KINDS
def test_cohorts_count_local_dates(library: Any, make: Any) -> None:
    # Weekly cohorts (weeks from Monday): 1 January 2024 is a Monday. Customer 1 starts in that
    # week and buys again in the week of 8 January; customer 2 starts in the week of 8 January.
    table = retention.metrics.cohort_retention(make(library), "id", "date", period="W", max_periods_after=1)
    assert table["size"].tolist() == [1, 1]
    assert table[1].iloc[0] == 1.0


COFFEE = REPO / "examples" / "programs" / "coffee.json"
# Double points on Tuesdays 14:00-17:00 local (coffee.json): one 3.50 coffee earns 3 points,
# 6 doubled. Tuesday 5 March 2024, 17:30 in Berlin (+01:00) is 16:30 UTC: outside the window
# by the rule (local 17:30), inside if read in UTC.
BERLIN = "Europe/Berlin"
LATE = dt.datetime(2024, 3, 5, 17, 30)
INSIDE = dt.datetime(2024, 3, 5, 16, 30)


def _sale(library: Any, when: dt.datetime, zone: Any) -> Any:
    frame = library.DataFrame({"customer_id": [1], "timestamp": [when], "sku": [1001], "category": [1],
                               "unit_price": [350]})
    if zone is None:
        return frame
    if library is pd:
        return frame.assign(timestamp=frame["timestamp"].dt.tz_localize(zone))
    return frame.with_columns(pl.col("timestamp").dt.replace_time_zone(zone))


def _points(result: Any) -> int:
    return int(sum(result.by_rule["points"]))


@LIBRARIES
def test_back_tests_see_local_times(library: Any) -> None:
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    late = coffee.backtest(_sale(library, LATE, BERLIN), progress=False)
    inside = coffee.backtest(_sale(library, INSIDE, BERLIN), progress=False)
    naive_late = coffee.backtest(_sale(library, LATE, None), progress=False)
    assert (_points(late), _points(inside), _points(naive_late)) == (3, 6, 3)
    with pytest.raises(retention.ValidationError, match="own zone"):
        coffee.backtest(_sale(library, LATE, BERLIN), utc_offset_minutes=60, progress=False)


def test_evaluate_sees_local_times() -> None:
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    basket = [(1001, 1, 1, 350)]
    berlin_late = pd.Timestamp(LATE, tz=BERLIN).to_pydatetime()
    assert coffee.evaluate(basket, at=berlin_late, event=(1, 1)).points == 3
    assert coffee.evaluate(basket, at=LATE, event=(1, 1)).points == 3
    assert coffee.evaluate(basket, at=INSIDE, event=(1, 1)).points == 6
    # Unix seconds are UTC: 16:30 UTC at +60 minutes is 17:30 local, outside.
    assert coffee.evaluate(basket, at=1_709_656_200, event=(1, 1), utc_offset_minutes=60).points == 3


def test_mixed_zones_are_an_error_with_the_remedy() -> None:
    mixed = pd.DataFrame(
        {
            "id": [1, 1],
            "date": [pd.Timestamp("2024-01-01 12:00", tz=TOKYO), pd.Timestamp("2024-01-02 12:00", tz="UTC")],
        }
    )
    with pytest.raises(retention.ValidationError, match=r"`date` mixes time zones.*tz_convert"):
        retention.summary_data_from_transaction_data(mixed, "id", "date")
    half_naive = mixed.assign(date=[pd.Timestamp("2024-01-01 12:00", tz=TOKYO), pd.Timestamp("2024-01-02 12:00")])
    with pytest.raises(retention.ValidationError, match="mixes time zones, or aware and naive"):
        retention.summary_data_from_transaction_data(half_naive, "id", "date")


@LIBRARIES
def test_integer_dates_are_refused(library: Any) -> None:
    numbers = library.DataFrame({"id": [1, 1], "date": [1_704_067_200, 1_704_153_600]})
    with pytest.raises(retention.ValidationError, match=r"holds numbers, not dates.*unit=\"s\""):
        retention.summary_data_from_transaction_data(numbers, "id", "date")
    with pytest.raises(retention.ValidationError, match="is a number, not a date"):
        retention.summary_data_from_transaction_data(
            _naive(library), "id", "date", observation_period_end=1_704_844_800
        )


def test_a_back_test_takes_an_explicit_unit_for_integer_times() -> None:
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    # 16:30 UTC on Tuesday 5 March 2024 = 1 709 656 200 s: inside the window at offset 0.
    for unit, scale in (("s", 1), ("ms", 1_000), ("ns", 1_000_000_000)):
        sale = pd.DataFrame({"customer_id": [1], "timestamp": [1_709_656_200 * scale], "sku": [1001],
                             "category": [1], "unit_price": [350]})
        assert _points(coffee.backtest(sale, timestamp_unit=unit, progress=False)) == 6
    with pytest.raises(retention.ValidationError, match="timestamp_unit must be one of"):
        coffee.backtest(sale, timestamp_unit="days", progress=False)
