"""lifetimes' Quickstart (its docs/Quickstart.md, top to bottom), with only ``lifetimes``
replaced by ``retention``: each step runs as the Quickstart writes it, and the figures it prints
are checked against the outputs the Quickstart publishes (our copy, written by us; the figures
are lifetimes'). Tolerances are those of the printed digits unless a note says otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def steps() -> dict[str, Any]:
    """The Quickstart's objects, made step by step in its order (later steps reuse `bgf`)."""
    return {}


def test_01_load_cdnow_summary(steps: dict[str, Any]) -> None:
    from retention.datasets import load_cdnow_summary

    data = load_cdnow_summary(index_col=[0])
    # Published head: ID 1: 2, 30.43, 38.86; 2: 1, 1.71, 38.86; 3-5: 0, 0.00, 38.86.
    assert data.index.name == "ID" and list(data.columns) == ["frequency", "recency", "T"]
    np.testing.assert_array_equal(data.head().index, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(
        data.head().to_numpy(),
        [[2, 30.43, 38.86], [1, 1.71, 38.86], [0, 0, 38.86], [0, 0, 38.86], [0, 0, 38.86]],
    )
    steps["data"] = data


def test_02_fit_bg_nbd(steps: dict[str, Any]) -> None:
    from retention import BetaGeoFitter

    data = steps["data"]
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(data["frequency"], data["recency"], data["T"])
    # Published: <lifetimes.BetaGeoFitter: fitted with 2357 subjects, a: 0.79, alpha: 4.41,
    # b: 2.43, r: 0.24> (our package name in place of lifetimes').
    assert repr(bgf) == "<retention.BetaGeoFitter: fitted with 2357 subjects, a: 0.79, alpha: 4.41, b: 2.43, r: 0.24>"
    summary = bgf.summary
    # Published coefficients to 1e-3 (lifetimes stops its optimizer earlier than we do).
    np.testing.assert_allclose(summary["coef"], [0.242593, 4.413532, 0.792886, 2.425752], atol=1e-3)
    # Published standard errors, to 2 % (both from the Hessian at slightly different optima).
    np.testing.assert_allclose(summary["se(coef)"], [0.012557, 0.378221, 0.185719, 0.705345], rtol=0.02)
    steps["bgf"] = bgf


def test_03_matrix_plots(steps: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    from retention.plotting import plot_frequency_recency_matrix, plot_probability_alive_matrix

    plot_frequency_recency_matrix(steps["bgf"])
    plot_probability_alive_matrix(steps["bgf"])
    plt.close("all")


def test_04_rank_customers(steps: dict[str, Any]) -> None:
    data, bgf = steps["data"], steps["bgf"]
    t = 1
    data["predicted_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        t, data["frequency"], data["recency"], data["T"]
    )
    top = data.sort_values(by="predicted_purchases").tail(5)
    # Published: 509 0.424877, 841 0.474738, 1981 0.486526, 157 0.662396, 1516 0.710623.
    np.testing.assert_array_equal(top.index, [509, 841, 1981, 157, 1516])
    np.testing.assert_allclose(top["predicted_purchases"], [0.424877, 0.474738, 0.486526, 0.662396, 0.710623], atol=2e-4)


def test_05_plot_period_transactions(steps: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    from retention.plotting import plot_period_transactions

    np.random.seed(0)
    ax = plot_period_transactions(steps["bgf"])
    bars = [patch.get_height() for patch in ax.patches]
    actual, model = bars[:7], bars[7:]
    # Actual: the CDNOW frequencies 0..6; the simulated customers follow them (the published
    # figure shows the bars side by side of about equal height): within 10 % of all customers.
    counts = steps["data"]["frequency"].value_counts().sort_index().iloc[:7]
    np.testing.assert_array_equal(actual, counts.to_numpy())
    assert np.all(np.abs(np.array(model) - np.array(actual)) < 0.1 * 2357)
    plt.close("all")


def test_06_summary_from_transactions(steps: dict[str, Any]) -> None:
    from retention.datasets import load_transaction_data
    from retention.utils import summary_data_from_transaction_data

    transaction_data = load_transaction_data()
    assert list(transaction_data.columns) == ["date", "id"]
    assert transaction_data.iloc[0].tolist() == ["2014-03-08 00:00:00", 0]
    summary = summary_data_from_transaction_data(transaction_data, "id", "date", observation_period_end="2014-12-31")
    # Published head.
    np.testing.assert_array_equal(
        summary.head().to_numpy(),
        [[0, 0, 298], [0, 0, 224], [6, 142, 292], [0, 0, 147], [2, 9, 183]],
    )
    bgf = steps["bgf"]
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    # Published: <... fitted with 5000 subjects, a: 1.85, alpha: 1.86, b: 3.18, r: 0.16>.
    np.testing.assert_allclose(bgf.params_[["a", "alpha", "b", "r"]], [1.85, 1.86, 3.18, 0.16], atol=0.006)
    assert len(bgf.data) == 5000
    steps["transaction_data"], steps["summary"] = transaction_data, summary


def test_07_calibration_and_holdout(steps: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    from retention.plotting import plot_calibration_purchases_vs_holdout_purchases
    from retention.utils import calibration_and_holdout_data

    summary_cal_holdout = calibration_and_holdout_data(
        steps["transaction_data"], "id", "date", calibration_period_end="2014-09-01", observation_period_end="2014-12-31"
    )
    # Published head (frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout).
    np.testing.assert_array_equal(
        summary_cal_holdout.head()[["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]],
        [[0, 0, 177, 0, 121], [0, 0, 103, 0, 121], [6, 142, 171, 0, 121], [0, 0, 26, 0, 121], [2, 9, 62, 0, 121]],
    )
    bgf = steps["bgf"]
    bgf.fit(summary_cal_holdout["frequency_cal"], summary_cal_holdout["recency_cal"], summary_cal_holdout["T_cal"])
    plot_calibration_purchases_vs_holdout_purchases(bgf, summary_cal_holdout)
    plt.close("all")


def test_08_predict_individual(steps: dict[str, Any]) -> None:
    t = 10
    individual = steps["summary"].iloc[20]
    # Published: 0.0576511 (the model fitted on the calibration columns, as in the Quickstart).
    value = steps["bgf"].predict(t, individual["frequency"], individual["recency"], individual["T"])
    assert value == pytest.approx(0.0576511, abs=1e-4)


def test_09_plot_history_alive(steps: dict[str, Any]) -> None:
    import matplotlib.pyplot as plt

    from retention.plotting import plot_history_alive

    transaction_data = steps["transaction_data"]
    id = 35
    days_since_birth = 200
    sp_trans = transaction_data.loc[transaction_data["id"] == id]
    ax = plot_history_alive(steps["bgf"], days_since_birth, sp_trans, "date")
    path = ax.get_lines()[0].get_ydata()
    assert len(path) == days_since_birth + 1 and np.all((path >= 0) & (path <= 1))
    plt.close("all")


def test_10_gamma_gamma(steps: dict[str, Any]) -> None:
    from retention import GammaGammaFitter
    from retention.datasets import load_cdnow_summary_data_with_monetary_value

    summary_with_money_value = load_cdnow_summary_data_with_monetary_value()
    returning_customers_summary = summary_with_money_value[summary_with_money_value["frequency"] > 0]
    np.testing.assert_array_equal(returning_customers_summary.head().index, [1, 2, 6, 7, 9])
    corr = returning_customers_summary[["monetary_value", "frequency"]].corr()
    assert corr.loc["monetary_value", "frequency"] == pytest.approx(0.113884, abs=1e-6)

    ggf = GammaGammaFitter(penalizer_coef=0)
    ggf.fit(returning_customers_summary["frequency"], returning_customers_summary["monetary_value"])
    # Published: <lifetimes.GammaGammaFitter: fitted with 946 subjects, p: 6.25, q: 3.74, v: 15.45>
    # (v is 15.447 here and 15.4458 in lifetimes: to 0.005 it prints as 15.45 in both).
    assert repr(ggf).startswith("<retention.GammaGammaFitter: fitted with 946 subjects, p: 6.25, q: 3.74, v: 15.4")
    np.testing.assert_allclose(ggf.params_[["p", "q", "v"]], [6.25, 3.74, 15.45], atol=0.006)

    profit = ggf.conditional_expected_average_profit(
        summary_with_money_value["frequency"], summary_with_money_value["monetary_value"]
    )
    assert isinstance(profit, pd.Series) and profit.index.name == "customer_id"
    # Published head(10), to 0.01 (the fitted parameters differ in the 4th digit).
    np.testing.assert_allclose(
        profit.head(10),
        [24.658619, 18.911489, 35.170981, 35.170981, 35.170981, 71.462843, 18.911489, 35.170981, 27.282408, 35.170981],
        atol=0.01,
    )
    # Published: "Expected conditional average profit: 35.2529588256, Average profit: 35.078551797".
    assert profit.mean() == pytest.approx(35.2529588256, abs=0.01)
    assert returning_customers_summary["monetary_value"].mean() == pytest.approx(35.078551797, abs=1e-9)
    steps["ggf"], steps["summary_with_money_value"] = ggf, summary_with_money_value


def test_11_customer_lifetime_value(steps: dict[str, Any]) -> None:
    bgf, ggf, summary_with_money_value = steps["bgf"], steps["ggf"], steps["summary_with_money_value"]
    bgf.fit(summary_with_money_value["frequency"], summary_with_money_value["recency"], summary_with_money_value["T"])
    clv = ggf.customer_lifetime_value(
        bgf,
        summary_with_money_value["frequency"],
        summary_with_money_value["recency"],
        summary_with_money_value["T"],
        summary_with_money_value["monetary_value"],
        time=12,
        discount_rate=0.01,
    )
    assert clv.name == "clv" and clv.index.name == "customer_id"
    # Published head(10), to 0.05 % (both models' parameters differ in the 4th digit).
    published = [140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107, 28.109683, 38.180574, 167.418216, 38.180574]
    np.testing.assert_allclose(clv.head(10), published, rtol=5e-4)
