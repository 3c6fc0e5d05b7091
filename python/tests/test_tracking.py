"""``retention.utils.expected_cumulative_transactions`` and the tracking plots, on hand-worked
transaction tables: actual counts worked out by hand, predicted ones by a plain loop over the
customers of the model's ``expected_number_of_purchases_up_to_time``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from retention import BetaGeoFitter, ValidationError  # noqa: E402
from retention.datasets import load_cdnow_summary  # noqa: E402
from retention.plotting import plot_cumulative_transactions, plot_incremental_transactions  # noqa: E402
from retention.utils import expected_cumulative_transactions  # noqa: E402

# Day periods from 2020-01-01 (period 0): A buys in periods 0, 2 (twice), 5; B in 1 and 4; C in 3.
# First periods: A 0, B 1, C 3. Repeat periods: A 2 and 5, B 4.
DAILY = pd.DataFrame(
    {
        "id": ["A", "A", "A", "A", "B", "B", "C"],
        "date": pd.to_datetime(
            ["2020-01-01", "2020-01-03", "2020-01-03", "2020-01-06", "2020-01-02", "2020-01-05", "2020-01-04"]
        ),
    }
)
BIRTHS = {"A": 0, "B": 1, "C": 3}


@pytest.fixture(scope="module")
def model() -> BetaGeoFitter:
    summary = load_cdnow_summary()
    return BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])


def _predicted(model: BetaGeoFitter, births: dict[str, int], rows: list[int], multiplier: int = 1) -> list[float]:
    out = []
    for i in rows:
        total = 0.0
        for birth in births.values():
            if birth < i:
                total += float(model.expected_number_of_purchases_up_to_time((i - birth) / multiplier))
        out.append(total)
    return out


def test_daily(model: BetaGeoFitter) -> None:
    frame = expected_cumulative_transactions(model, DAILY, "date", "id", 6)
    assert list(frame.columns) == ["actual", "predicted"]
    assert list(frame.index) == [0, 1, 2, 3, 4, 5]
    # Repeats in periods 0..i-1 for i = 1..6.
    assert frame["actual"].tolist() == [0, 0, 1, 1, 2, 3]
    np.testing.assert_allclose(frame["predicted"], _predicted(model, BIRTHS, [1, 2, 3, 4, 5, 6]), rtol=1e-12)


def test_freq_multiplier_and_dates(model: BetaGeoFitter) -> None:
    frame = expected_cumulative_transactions(model, DAILY, "date", "id", 6, freq_multiplier=2, set_index_date=True)
    assert frame["actual"].tolist() == [0, 1, 3]
    np.testing.assert_allclose(frame["predicted"], _predicted(model, BIRTHS, [2, 4, 6], 2), rtol=1e-12)
    assert [str(p) for p in frame.index] == ["2020-01-02", "2020-01-04", "2020-01-06"]


def test_weeks_and_months(model: BetaGeoFitter) -> None:
    # ISO weeks: 2024-01-01 is a Monday. A: week 0, week 1; B: Sunday of week 0, Monday of week 1.
    weekly = pd.DataFrame(
        {"id": [1, 1, 2, 2], "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-07", "2024-01-08"])}
    )
    frame = expected_cumulative_transactions(model, weekly, "date", "id", 2, freq="W")
    assert frame["actual"].tolist() == [0, 2]
    np.testing.assert_allclose(frame["predicted"], _predicted(model, {"1": 0, "2": 0}, [1, 2]), rtol=1e-12)
    # Calendar months: A on 31 January and 1 February (a repeat in month 1), B first in March.
    monthly = pd.DataFrame(
        {"id": [1, 1, 2], "date": pd.to_datetime(["2024-01-31", "2024-02-01", "2024-03-15"])}
    )
    frame = expected_cumulative_transactions(model, monthly, "date", "id", 3, freq="M", set_index_date=True)
    assert frame["actual"].tolist() == [0, 1, 1]
    np.testing.assert_allclose(frame["predicted"], _predicted(model, {"1": 0, "2": 2}, [1, 2, 3]), rtol=1e-12)
    assert [str(p) for p in frame.index] == ["2024-01", "2024-02", "2024-03"]


def test_bad_arguments(model: BetaGeoFitter) -> None:
    with pytest.raises(ValidationError, match="freq"):
        expected_cumulative_transactions(model, DAILY, "date", "id", 6, freq="H")
    with pytest.raises(ValidationError, match="t must be"):
        expected_cumulative_transactions(model, DAILY, "date", "id", 0)
    with pytest.raises(ValidationError, match="freq_multiplier"):
        expected_cumulative_transactions(model, DAILY, "date", "id", 6, freq_multiplier=0)
    with pytest.raises(ValidationError, match="no such column"):
        expected_cumulative_transactions(model, DAILY, "when", "id", 6)


def test_plot_cumulative_transactions(model: BetaGeoFitter) -> None:
    _, ax = plt.subplots()
    plot_cumulative_transactions(model, DAILY, "date", "id", 6, 4, ax=ax)
    actual, predicted, vline = ax.get_lines()
    np.testing.assert_array_equal(actual.get_ydata(), [0, 0, 1, 1, 2, 3])
    np.testing.assert_allclose(predicted.get_ydata(), _predicted(model, BIRTHS, [1, 2, 3, 4, 5, 6]), rtol=1e-12)
    assert list(vline.get_xdata()) == [4, 4]
    assert ax.get_title() == "Tracking Cumulative Transactions"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("day", "Cumulative Transactions")
    plt.close("all")


def test_plot_incremental_transactions(model: BetaGeoFitter) -> None:
    _, ax = plt.subplots()
    plot_incremental_transactions(model, DAILY, "date", "id", 6, 2, set_index_date=True, ax=ax)
    actual, predicted, _ = ax.get_lines()
    np.testing.assert_array_equal(actual.get_ydata()[1:], [0, 1, 0, 1, 1])
    assert np.ma.is_masked(actual.get_ydata()[0]) or np.isnan(actual.get_ydata()[0])
    np.testing.assert_allclose(
        predicted.get_ydata()[1:], np.diff(_predicted(model, BIRTHS, [1, 2, 3, 4, 5, 6])), rtol=1e-9
    )
    assert ax.get_title() == "Tracking Daily Transactions"
    assert ax.get_xlabel() == "date"
    plt.close("all")
