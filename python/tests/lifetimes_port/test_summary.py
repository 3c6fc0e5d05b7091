# Ported from lifetimes' tests/test_utils.py (commit 4f2833f): the tests of
# summary_data_from_transaction_data and calibration_and_holdout_data.
# Copyright (c) 2015 Cameron Davidson-Pilon; MIT licence, see LICENSE-lifetimes.txt beside this
# file. Changes from the original (each listed in docs/python.md, "lifetimes' tests"):
# - `from lifetimes import utils` -> `from retention import utils`; `pandas.util.testing` (removed
#   in pandas 2) -> `pandas.testing`; the CDNOW file is read through
#   `retention.datasets.load_dataset` instead of a path relative to lifetimes' checkout;
# - the `_find_first_transactions` tests (a private function) are not ported.
"""Test lifetimes utils."""
import pytest
import pandas as pd
import numpy as np
from pandas.testing import assert_frame_equal

from retention import utils
from retention.datasets import load_dataset


@pytest.fixture()
def transaction_level_data():
    d = [
        [1, "2015-02-01"],
        [1, "2015-02-06"],
        [2, "2015-01-01"],
        [3, "2015-01-01"],
        [3, "2015-01-02"],
        [3, "2015-01-05"],
    ]
    return pd.DataFrame(d, columns=["id", "date"])


@pytest.fixture()
def large_transaction_level_data():
    d = [
        [1, "2015-01-01"],
        [1, "2015-02-06"],
        [2, "2015-01-01"],
        [3, "2015-01-01"],
        [3, "2015-01-02"],
        [3, "2015-01-05"],
        [4, "2015-01-16"],
        [4, "2015-02-02"],
        [4, "2015-02-05"],
        [5, "2015-01-16"],
        [5, "2015-01-17"],
        [5, "2015-01-18"],
        [6, "2015-02-02"],
    ]
    return pd.DataFrame(d, columns=["id", "date"])


@pytest.fixture()
def large_transaction_level_data_with_monetary_value():
    d = [
        [1, "2015-01-01", 1],
        [1, "2015-02-06", 2],
        [2, "2015-01-01", 2],
        [3, "2015-01-01", 3],
        [3, "2015-01-02", 1],
        [3, "2015-01-05", 5],
        [4, "2015-01-16", 6],
        [4, "2015-02-02", 3],
        [4, "2015-02-05", 3],
        [5, "2015-01-16", 3],
        [5, "2015-01-17", 1],
        [5, "2015-01-18", 8],
        [6, "2015-02-02", 5],
    ]
    return pd.DataFrame(d, columns=["id", "date", "monetary_value"])




def test_summary_data_from_transaction_data_returns_correct_results(transaction_level_data):
    today = "2015-02-07"
    actual = utils.summary_data_from_transaction_data(
        transaction_level_data, "id", "date", observation_period_end=today
    )
    expected = pd.DataFrame(
        [[1, 1.0, 5.0, 6.0], [2, 0.0, 0.0, 37.0], [3, 2.0, 4.0, 37.0]], columns=["id", "frequency", "recency", "T"]
    ).set_index("id")
    assert_frame_equal(actual, expected)


def test_summary_data_from_transaction_data_works_with_string_customer_ids(transaction_level_data):
    d = [
        ["X", "2015-02-01"],
        ["X", "2015-02-06"],
        ["Y", "2015-01-01"],
        ["Y", "2015-01-01"],
        ["Y", "2015-01-02"],
        ["Y", "2015-01-05"],
    ]
    df = pd.DataFrame(d, columns=["id", "date"])
    utils.summary_data_from_transaction_data(df, "id", "date")


def test_summary_data_from_transaction_data_works_with_int_customer_ids_and_doesnt_coerce_to_float(
    transaction_level_data
):
    d = [
        [1, "2015-02-01"],
        [1, "2015-02-06"],
        [1, "2015-01-01"],
        [2, "2015-01-01"],
        [2, "2015-01-02"],
        [2, "2015-01-05"],
    ]
    df = pd.DataFrame(d, columns=["id", "date"])
    actual = utils.summary_data_from_transaction_data(df, "id", "date")
    assert actual.index.dtype == "int64"


def test_summary_data_from_transaction_data_with_specific_datetime_format(transaction_level_data):
    transaction_level_data["date"] = transaction_level_data["date"].map(lambda x: x.replace("-", ""))
    format = "%Y%m%d"
    today = "20150207"
    actual = utils.summary_data_from_transaction_data(
        transaction_level_data, "id", "date", observation_period_end=today, datetime_format=format
    )
    expected = pd.DataFrame(
        [[1, 1.0, 5.0, 6.0], [2, 0.0, 0.0, 37.0], [3, 2.0, 4.0, 37.0]], columns=["id", "frequency", "recency", "T"]
    ).set_index("id")
    assert_frame_equal(actual, expected)


def test_summary_date_from_transaction_data_with_specific_non_daily_frequency(large_transaction_level_data):
    today = "20150207"
    actual = utils.summary_data_from_transaction_data(
        large_transaction_level_data, "id", "date", observation_period_end=today, freq="W"
    )
    expected = pd.DataFrame(
        [
            [1, 1.0, 5.0, 5.0],
            [2, 0.0, 0.0, 5.0],
            [3, 1.0, 1.0, 5.0],
            [4, 1.0, 3.0, 3.0],
            [5, 0.0, 0.0, 3.0],
            [6, 0.0, 0.0, 0.0],
        ],
        columns=["id", "frequency", "recency", "T"],
    ).set_index("id")
    assert_frame_equal(actual, expected)


def test_summary_date_from_transaction_with_monetary_values(large_transaction_level_data_with_monetary_value):
    today = "20150207"
    actual = utils.summary_data_from_transaction_data(
        large_transaction_level_data_with_monetary_value,
        "id",
        "date",
        monetary_value_col="monetary_value",
        observation_period_end=today,
    )
    expected = pd.DataFrame(
        [
            [1, 1.0, 36.0, 37.0, 2],
            [2, 0.0, 0.0, 37.0, 0],
            [3, 2.0, 4.0, 37.0, 3],
            [4, 2.0, 20.0, 22.0, 3],
            [5, 2.0, 2.0, 22.0, 4.5],
            [6, 0.0, 0.0, 5.0, 0],
        ],
        columns=["id", "frequency", "recency", "T", "monetary_value"],
    ).set_index("id")
    assert_frame_equal(actual, expected)


def test_summary_data_from_transaction_data_will_choose_the_correct_first_order_to_drop_in_monetary_transactions():
    # this is the correct behaviour. See https://github.com/CamDavidsonPilon/lifetimes/issues/85
    # and test_summary_statistics_are_indentical_to_hardies_paper_confirming_correct_aggregations
    cust = pd.Series([2, 2, 2])
    dates_ordered = pd.to_datetime(pd.Series(["2014-03-14 00:00:00", "2014-04-09 00:00:00", "2014-05-21 00:00:00"]))
    sales = pd.Series([10, 20, 25])
    transaction_data = pd.DataFrame({"date": dates_ordered, "id": cust, "sales": sales})
    summary_ordered_data = utils.summary_data_from_transaction_data(transaction_data, "id", "date", "sales")

    dates_unordered = pd.to_datetime(pd.Series(["2014-04-09 00:00:00", "2014-03-14 00:00:00", "2014-05-21 00:00:00"]))
    sales = pd.Series([20, 10, 25])
    transaction_data = pd.DataFrame({"date": dates_unordered, "id": cust, "sales": sales})
    summary_unordered_data = utils.summary_data_from_transaction_data(transaction_data, "id", "date", "sales")

    assert_frame_equal(summary_ordered_data, summary_unordered_data)
    assert summary_ordered_data["monetary_value"].loc[2] == 22.5


def test_summary_statistics_are_indentical_to_hardies_paper_confirming_correct_aggregations():
    # see http://brucehardie.com/papers/rfm_clv_2005-02-16.pdf
    # RFM and CLV: Using Iso-value Curves for Customer Base Analysis
    df = load_dataset(
        "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["_id", "id", "date", "cds_bought", "spent"],
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    df_train = df[df["date"] < "1997-10-01"]
    summary = utils.summary_data_from_transaction_data(df_train, "id", "date", "spent")
    results = summary[summary["frequency"] > 0]["monetary_value"].describe()

    assert np.round(results.loc["mean"]) == 35
    assert np.round(results.loc["std"]) == 30
    assert np.round(results.loc["min"]) == 3
    assert np.round(results.loc["50%"]) == 27
    assert np.round(results.loc["max"]) == 300
    assert np.round(results.loc["count"]) == 946


def test_calibration_and_holdout_data(large_transaction_level_data):
    today = "2015-02-07"
    calibration_end = "2015-02-01"
    actual = utils.calibration_and_holdout_data(
        large_transaction_level_data, "id", "date", calibration_end, observation_period_end=today
    )
    assert actual.loc[1]["frequency_holdout"] == 1
    assert actual.loc[2]["frequency_holdout"] == 0

    with pytest.raises(KeyError):
        actual.loc[6]


def test_calibration_and_holdout_data_throws_better_error_if_observation_period_end_is_too_early(
    large_transaction_level_data
):
    # max date is 2015-02-02
    today = "2014-02-07"
    calibration_end = "2014-02-01"

    with pytest.raises(ValueError, match="There is no data available"):
        utils.calibration_and_holdout_data(
            large_transaction_level_data, "id", "date", calibration_end, observation_period_end=today
        )


def test_calibration_and_holdout_data_is_okay_with_other_indexes(large_transaction_level_data):
    n = large_transaction_level_data.shape[0]
    large_transaction_level_data.index = np.random.randint(0, n, size=n)
    today = "2015-02-07"
    calibration_end = "2015-02-01"
    actual = utils.calibration_and_holdout_data(
        large_transaction_level_data, "id", "date", calibration_end, observation_period_end=today
    )
    assert actual.loc[1]["frequency_holdout"] == 1
    assert actual.loc[2]["frequency_holdout"] == 0


def test_calibration_and_holdout_data_works_with_specific_frequency(large_transaction_level_data):
    today = "2015-02-07"
    calibration_end = "2015-02-01"
    actual = utils.calibration_and_holdout_data(
        large_transaction_level_data, "id", "date", calibration_end, observation_period_end=today, freq="W"
    )
    expected_cols = ["id", "frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    expected = pd.DataFrame(
        [
            [1, 0.0, 0.0, 4.0, 1, 1],
            [2, 0.0, 0.0, 4.0, 0, 1],
            [3, 1.0, 1.0, 4.0, 0, 1],
            [4, 0.0, 0.0, 2.0, 1, 1],
            [5, 0.0, 0.0, 2.0, 0, 1],
        ],
        columns=expected_cols,
    ).set_index("id")
    assert_frame_equal(actual, expected, check_dtype=False)


def test_calibration_and_holdout_data_gives_correct_date_boundaries():

    d = [
        [1, "2015-01-01"],
        [1, "2015-02-06"],  # excluded from both holdout and calibration
        [2, "2015-01-01"],
        [3, "2015-01-01"],
        [3, "2015-01-02"],
        [3, "2015-01-05"],
        [4, "2015-01-16"],
        [4, "2015-02-02"],
        [4, "2015-02-05"],  # excluded from both holdout and calibration
        [5, "2015-01-16"],
        [5, "2015-01-17"],
        [5, "2015-01-18"],
        [6, "2015-02-02"],
    ]
    transactions = pd.DataFrame(d, columns=["id", "date"])
    actual = utils.calibration_and_holdout_data(
        transactions, "id", "date", calibration_period_end="2015-02-01", observation_period_end="2015-02-04"
    )
    assert actual["frequency_holdout"].loc[1] == 0
    assert actual["frequency_holdout"].loc[4] == 1


def test_calibration_and_holdout_data_with_monetary_value(large_transaction_level_data_with_monetary_value):
    today = "2015-02-07"
    calibration_end = "2015-02-01"
    actual = utils.calibration_and_holdout_data(
        large_transaction_level_data_with_monetary_value,
        "id",
        "date",
        calibration_end,
        observation_period_end=today,
        monetary_value_col="monetary_value",
    )
    assert (actual["monetary_value_cal"] == [0, 0, 3, 0, 4.5]).all()
    assert (actual["monetary_value_holdout"] == [2, 0, 0, 3, 0]).all()


def test_summary_data_from_transaction_data_squashes_period_purchases_to_one_purchase():
    transactions = pd.DataFrame([[1, "2015-01-01"], [1, "2015-01-01"]], columns=["id", "t"])
    actual = utils.summary_data_from_transaction_data(transactions, "id", "t", freq="W")
    assert actual.loc[1]["frequency"] == 1.0 - 1.0
