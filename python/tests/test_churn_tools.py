"""Host tools around the churn models: transaction summaries (CDNOW reproduced), pandas and
polars inputs, calibration/holdout, RFM, retention metrics, targeting, plots."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import retention
from retention import metrics, rfm, targeting


def half_up_hundredths(values: Any) -> Any:
    """Rounds to two decimals, halves up, as the published CSV (22.345 → 22.35). The epsilon
    absorbs the binary representation of exact halves (2234.5 / 100 is 22.3449999...)."""
    return np.floor(np.asarray(values) * 100 + 0.5 + 1e-9) / 100


def test_summary_reproduces_the_published_csv(cdnow_summary: Any, cdnow_published: Any) -> None:
    # 2,357 customers, sorted by id, each row equal to the CSV's after rounding to its decimals.
    assert cdnow_summary.index.name == "id"
    assert list(cdnow_summary.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert (cdnow_summary.dtypes == float).all()
    np.testing.assert_array_equal(cdnow_summary.index.to_numpy(), cdnow_published["ID"].to_numpy())
    published = cdnow_published[["x", "t_x", "T", "zbar"]].to_numpy()
    np.testing.assert_array_equal(half_up_hundredths(cdnow_summary.to_numpy()), published)
    # Customer 1 by hand: purchases 1997-01-01, 01-18, 08-02; end 09-30. x = 2,
    # t_x = 213 days = 30.43 weeks, T = 272 days = 38.86 weeks, z̄ = (29.73 + 14.96)/2 = 22.345.
    first = cdnow_summary.loc[1]
    assert (first["frequency"], first["recency"], first["T"]) == (2.0, 213 / 7, 272 / 7)
    assert abs(first["monetary_value"] - 22.345) < 1e-12


def test_pandas_and_polars_give_identical_summaries(cdnow_transactions: Any, cdnow_summary: Any) -> None:
    as_polars = pl.DataFrame(
        {
            "id": cdnow_transactions["id"].to_numpy(),
            "date": cdnow_transactions["date"].dt.date.to_numpy(),
            "amount": cdnow_transactions["amount"].to_numpy(),
        }
    )
    from_polars = retention.summary_data_from_transaction_data(
        as_polars, "id", "date", "amount", observation_period_end="1997-09-30", freq="D", freq_multiplier=7
    )
    pd.testing.assert_frame_equal(from_polars, cdnow_summary)
    # Dates as strings with a format, and string customer ids, give the same numbers.
    as_strings = pd.DataFrame(
        {
            "customer": [f"c{i:04d}" for i in cdnow_transactions["id"]],
            "when": cdnow_transactions["date"].dt.strftime("%Y%m%d"),
            "amount": cdnow_transactions["amount"],
        }
    )
    from_strings = retention.summary_data_from_transaction_data(
        as_strings,
        "customer",
        "when",
        monetary_value_col="amount",
        datetime_format="%Y%m%d",
        observation_period_end="19970930",
        freq="D",
        freq_multiplier=7,
    )
    np.testing.assert_array_equal(from_strings.to_numpy(), cdnow_summary.to_numpy())
    assert from_strings.index[0] == "c0001"


def test_summary_periods_and_defaults() -> None:
    # Customer "a" buys Mon 2024-01-01 (10.00), Wed 01-03 (5.00 and 7.00: one day, 12.00), and
    # Mon 01-15 (3.00); customer "b" buys once on Sun 01-14. No observation end: the last date,
    # 01-15.
    frame = pd.DataFrame(
        {
            "customer": ["a", "a", "a", "b", "a"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-03", "2024-01-14", "2024-01-15"]),
            "amount": [10.0, 5.0, 7.0, 4.0, 3.0],
        }
    )
    days = retention.summary_data_from_transaction_data(frame, "customer", "date", "amount")
    # Days: a has repeat days 01-03 and 01-15: x = 2, t_x = 14, T = 14, z̄ = (12 + 3)/2 = 7.5.
    assert days.loc["a"].tolist() == [2.0, 14.0, 14.0, 7.5]
    assert days.loc["b"].tolist() == [0.0, 0.0, 1.0, 0.0]
    # ISO weeks: a buys in the weeks of 01-01 (22.00) and 01-15 (3.00): x = 1, t_x = T = 2 weeks;
    # b's Sunday 01-14 is in the week of 01-08: T = 1 week.
    weeks = retention.summary_data_from_transaction_data(frame, "customer", "date", "amount", freq="W")
    assert weeks.loc["a"].tolist() == [1.0, 2.0, 2.0, 3.0]
    assert weeks.loc["b"].tolist() == [0.0, 0.0, 1.0, 0.0]
    # Without amounts there is no monetary_value column; a later end lengthens T.
    plain = retention.summary_data_from_transaction_data(
        frame, "customer", "date", observation_period_end="2024-01-31"
    )
    assert list(plain.columns) == ["frequency", "recency", "T"]
    assert plain.loc["a"].tolist() == [2.0, 14.0, 30.0]
    # An earlier end drops later purchases: at 01-10, a has one repeat day, b is not a customer yet.
    early = retention.summary_data_from_transaction_data(
        frame, "customer", "date", observation_period_end="2024-01-10"
    )
    assert list(early.index) == ["a"] and early.loc["a"].tolist() == [1.0, 2.0, 9.0]


def test_summary_bad_input() -> None:
    frame = pd.DataFrame({"c": [1, 2], "d": pd.to_datetime(["2024-01-01", "2024-01-02"]), "m": [1.0, np.nan]})
    with pytest.raises(retention.ValidationError, match="no such column"):
        retention.summary_data_from_transaction_data(frame, "customer", "d")
    with pytest.raises(retention.ValidationError, match="row 1"):
        retention.summary_data_from_transaction_data(frame, "c", "d", "m")
    with pytest.raises(retention.ValidationError, match="not supported"):
        retention.summary_data_from_transaction_data(frame, "c", "d", freq="h")
    with pytest.raises(retention.ValidationError, match="1900"):
        retention.summary_data_from_transaction_data(
            pd.DataFrame({"c": [1], "d": pd.to_datetime(["1850-01-01"])}), "c", "d"
        )
    with pytest.raises(retention.ValidationError, match="missing"):
        retention.summary_data_from_transaction_data(
            pd.DataFrame({"c": [1, 2], "d": pd.to_datetime(["2024-01-01", None])}), "c", "d"
        )
    with pytest.raises(retention.ValidationError, match="no transactions"):
        retention.summary_data_from_transaction_data(frame.iloc[:0], "c", "d")


def test_calibration_and_holdout(cdnow_transactions: Any, cdnow_summary: Any) -> None:
    split = retention.calibration_and_holdout_data(
        cdnow_transactions,
        "id",
        "date",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="amount",
    )
    calibration = split[["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]]
    np.testing.assert_array_equal(calibration.to_numpy(), cdnow_summary.to_numpy())
    # The holdout counted independently with pandas: distinct purchase days after 1997-09-30.
    later = cdnow_transactions[cdnow_transactions["date"] > "1997-09-30"]
    by_day = later.groupby(["id", "date"])["amount"].sum()
    counts = by_day.groupby(level="id").size().reindex(split.index, fill_value=0)
    np.testing.assert_array_equal(split["frequency_holdout"].to_numpy(), counts.to_numpy())
    means = by_day.groupby(level="id").mean().reindex(split.index, fill_value=0.0)
    np.testing.assert_allclose(split["monetary_value_holdout"].to_numpy(), means.to_numpy(), rtol=1e-12)
    # 1997-09-30 to 1998-06-30 is 273 days, 39 weeks.
    assert (split["duration_holdout"] == 39.0).all()
    # Customer 1 bought once more, 26.48 on 1997-12-12.
    assert split.loc[1, "frequency_holdout"] == 1.0 and split.loc[1, "monetary_value_holdout"] == 26.48
    with pytest.raises(retention.ValidationError):
        retention.calibration_and_holdout_data(
            cdnow_transactions, "id", "date", calibration_period_end="1998-06-30", observation_period_end="1998-06-30"
        )


# --- RFM -----------------------------------------------------------------------------------------


def test_rfm_cuts_are_numpy_percentiles(cdnow_summary: Any) -> None:
    s = cdnow_summary
    cuts = rfm.fit_cuts(s["frequency"], s["recency"], s["T"], s["monetary_value"])
    quintiles = [20, 40, 60, 80]
    np.testing.assert_allclose(cuts.recency, np.percentile(s["T"] - s["recency"], quintiles), rtol=1e-12)
    np.testing.assert_allclose(cuts.frequency, np.percentile(s["frequency"], quintiles))
    np.testing.assert_allclose(cuts.monetary, np.percentile(s["monetary_value"], quintiles), rtol=1e-12)


def test_rfm_scores_and_segments() -> None:
    cuts = rfm.RfmCuts((2.0, 8.0, 20.0, 30.0), (0.0, 1.0, 2.0, 5.0), (10.0, 20.0, 30.0, 50.0))
    # Customer A: last bought 1.5 ago (T 10, recency 8.5): beyond no R cut → R 5; x = 7 is above
    # all four F cuts → F 5; 42 is above three M cuts → M 4: champions.
    # Customer B: 40 ago → R 1; x = 1 is above one cut (0) → F 2; 10 sits on the first M cut →
    # M 1: hibernating (R 1, F 2).
    # Customer C: 25 ago → R 2; x = 3 → F 4; 60 → M 5: at risk.
    scores = rfm.score(cuts, [7, 1, 3], [8.5, 0.0, 5.0], [10.0, 40.0, 30.0], [42.0, 10.0, 60.0])
    assert scores[["R", "F", "M"]].values.tolist() == [[5, 5, 4], [1, 2, 1], [2, 4, 5]]
    assert scores["rfm"].tolist() == ["554", "121", "245"]
    assert scores["segment"].tolist() == ["champions", "hibernating", "at_risk"]
    assert len(rfm.SEGMENTS) == 11
    with pytest.raises(retention.ValidationError):
        rfm.score(rfm.RfmCuts((3.0, 2.0, 1.0, 0.0), cuts.frequency, cuts.monetary), [1], [1], [2], [1])
    with pytest.raises(retention.ValidationError):
        rfm.fit_cuts([], [], [], [])


# --- retention metrics ---------------------------------------------------------------------------


def monthly_transactions() -> pd.DataFrame:
    # Customers 1, 2 start in January; 3 in February. 1 buys again in Feb and Mar, 2 in Mar,
    # 3 in Mar.
    return pd.DataFrame(
        {
            "customer": [1, 2, 1, 3, 1, 2, 3],
            "date": pd.to_datetime(
                ["2024-01-05", "2024-01-20", "2024-02-02", "2024-02-10", "2024-03-01", "2024-03-15", "2024-03-30"]
            ),
        }
    )


def test_cohort_retention_table() -> None:
    table = metrics.cohort_retention(monthly_transactions(), "customer", "date", period="M", max_periods_after=3)
    assert [str(p) for p in table.index] == ["2024-01", "2024-02"]
    assert table["size"].tolist() == [2, 1]
    # January cohort: both buy in Jan (1.0), one of two in Feb (0.5), both in Mar (1.0); April
    # is beyond the data: NaN. February cohort: 1.0, then 1.0 in March, then beyond the data.
    np.testing.assert_array_equal(table.loc[pd.Period("2024-01", "M"), [0, 1, 2, 3]], [1.0, 0.5, 1.0, np.nan])
    np.testing.assert_array_equal(table.loc[pd.Period("2024-02", "M"), [0, 1, 2, 3]], [1.0, 1.0, np.nan, np.nan])
    with pytest.raises(retention.ValidationError):
        metrics.cohort_retention(monthly_transactions(), "customer", "date", period="Q")


def test_retention_and_churn_rates() -> None:
    # January buyers {1, 2}: 1 buys in February → 0.5. February buyers {1, 3}: both in March → 1.0.
    retained = metrics.retention_rate(monthly_transactions(), "customer", "date", period="M")
    assert [str(p) for p in retained.index] == ["2024-01", "2024-02"]
    assert retained.tolist() == [0.5, 1.0]
    churned = metrics.churn_rate(monthly_transactions(), "customer", "date", period="M")
    assert churned.tolist() == [0.5, 0.0]
    # Weekly periods are ISO weeks labelled Monday to Sunday.
    weekly = metrics.retention_rate(monthly_transactions(), "customer", "date", period="W")
    assert str(weekly.index[0]) == "2024-01-01/2024-01-07"


# --- targeting -----------------------------------------------------------------------------------


def test_targeting_keeps_offers_that_pay() -> None:
    # Offer cost 5, uplift 0.1. Expected values: a: 0.1·0.8·100 − 5 = 3; b: 0.1·0.1·1000 − 5 = 5;
    # c: 0.1·0.5·10 − 5 = −4.5 (not targeted). Best first: b, a.
    p_alive = pd.Series([0.2, 0.9, 0.5], index=["a", "b", "c"])
    clv = pd.Series([100.0, 1000.0, 10.0], index=["a", "b", "c"])
    chosen = targeting.target(p_alive, clv, cost=5.0, uplift=0.1)
    assert list(chosen.index) == ["b", "a"]
    np.testing.assert_allclose(chosen["expected_value"], [5.0, 3.0])
    assert chosen["clv"].tolist() == [1000.0, 100.0]
    # A budget of one; plain arrays are labelled by row.
    one = targeting.target(p_alive.to_numpy(), clv.to_numpy(), cost=5.0, uplift=0.1, budget=1)
    assert list(one.index) == [1]
    with pytest.raises(retention.ValidationError):
        targeting.target(p_alive, clv, cost=-1.0, uplift=0.1)
    with pytest.raises(retention.ValidationError, match="row 0"):
        targeting.target([1.5], [10.0], cost=1.0, uplift=0.1)


# --- plots ---------------------------------------------------------------------------------------


def test_plots_draw(cdnow_summary: Any, cdnow_transactions: Any) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from retention import plotting

    model = retention.BetaGeoFitter().fit(
        cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"]
    )
    ax = plotting.plot_frequency_recency_matrix(model, T=4, max_frequency=10, max_recency=39)
    image = ax.get_images()[0].get_array()
    assert image.shape == (40, 11)
    # Expected purchases rise with frequency for a recent customer (bottom row: recency 39).
    assert np.all(np.diff(image[39, 1:]) > 0)
    ax = plotting.plot_probability_alive_matrix(model, max_frequency=10, max_recency=39)
    alive = ax.get_images()[0].get_array()
    assert alive.shape == (40, 11) and float(alive.max()) <= 1.0
    ax = plotting.plot_calendar_transactions(
        model, cdnow_transactions, "id", "date", freq="D", freq_multiplier=7, period="W"
    )
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["actual", "model"]
    actual, expected = lines[0].get_ydata(), lines[1].get_ydata()
    assert len(actual) == len(expected) > 70  # weeks from 1997-01 to 1998-06
    # The model's weekly repeat purchases are of the data's size: total within 20 %.
    assert abs(np.sum(expected) / np.sum(actual) - 1) < 0.2
    import matplotlib.pyplot as plt

    plt.close("all")
