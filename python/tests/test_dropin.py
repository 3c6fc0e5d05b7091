"""The lifetimes drop-in beyond lifetimes' own tests: monthly summaries, the first transaction,
the data sets, simulated customers, save/load and the count probabilities' return types."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import retention
from retention import utils
from retention.datasets import load_dataset, load_donations


def _months() -> pd.DataFrame:
    # 31 January, 1 February and 31 March 2024 (amounts 1, 2, 4); a second customer once in May.
    return pd.DataFrame(
        {
            "id": [1, 1, 1, 2],
            "date": ["2024-01-31", "2024-02-01", "2024-03-31", "2024-05-10"],
            "amount": [1.0, 2.0, 4.0, 8.0],
        }
    )


def test_monthly_summary_counts_whole_calendar_months() -> None:
    summary = utils.summary_data_from_transaction_data(
        _months(), "id", "date", "amount", observation_period_end="2024-07-15", freq="M"
    )
    # Customer 1: months January, February, March: 2 repeats, January → March = 2 months,
    # January → July = 6 months; repeat spend (2 + 4) / 2 = 3. Customer 2: May → July = 2.
    np.testing.assert_array_equal(summary.to_numpy(), [[2, 2, 6, 3], [0, 0, 2, 0]])


def test_include_first_transaction() -> None:
    summary = utils.summary_data_from_transaction_data(
        _months(), "id", "date", "amount", observation_period_end="2024-07-15", freq="M",
        include_first_transaction=True,
    )
    # Every purchase month counts: 3 for customer 1 with mean (1 + 2 + 4) / 3, 1 for customer 2.
    np.testing.assert_allclose(summary["frequency"], [3, 1])
    np.testing.assert_allclose(summary["monetary_value"], [7 / 3, 8])
    holdout = utils.calibration_and_holdout_data(
        _months(), "id", "date", calibration_period_end="2024-02-15", observation_period_end="2024-07-15",
        freq="M", monetary_value_col="amount", include_first_transaction=True,
    )
    # Calibration: customer 1's January and February (2 periods, mean 1.5); March in the holdout.
    assert holdout.loc[1, "frequency_cal"] == 2 and holdout.loc[1, "monetary_value_cal"] == 1.5
    assert holdout.loc[1, "frequency_holdout"] == 1


def test_unsupported_freq_is_refused() -> None:
    with pytest.raises(retention.ValidationError, match='"M"'):
        utils.summary_data_from_transaction_data(_months(), "id", "date", freq="H")


def test_datasets() -> None:
    donations = load_donations()
    assert list(donations.columns) == ["frequency", "recency", "periods", "weights"]
    # lifetimes' donations file: 22 patterns of 11,104 donors (Fader, Hardie & Shang 2010).
    assert len(donations) == 22 and donations["weights"].sum() == 11104
    assert len(load_dataset("CDNOW_sample.txt", header=None, sep=r"\s+")) == 6919
    with pytest.raises(FileNotFoundError, match="donations.csv"):
        load_dataset("CDNOW_master.txt")
    with pytest.raises(FileNotFoundError):
        load_dataset("../__init__.py")


@pytest.fixture(scope="module")
def fitted() -> list[retention.BetaGeoFitter]:
    data = retention.datasets.load_cdnow_summary(index_col=[0])
    return [
        cls().fit(data["frequency"], data["recency"], data["T"])
        for cls in (retention.BetaGeoFitter, retention.ModifiedBetaGeoFitter, retention.ParetoNBDFitter)
    ]


def test_generate_new_data(fitted: list[retention.BetaGeoFitter]) -> None:
    for model in fitted:
        first = model.generate_new_data(size=500, seed=7)
        assert first.equals(model.generate_new_data(size=500, seed=7))
        assert not first.equals(model.generate_new_data(size=500, seed=8))
        dropout = "mu" if isinstance(model, retention.ParetoNBDFitter) else "p"
        assert list(first.columns) == ["frequency", "recency", "T", "lambda", dropout, "alive"]
        assert first.index.name == "customer_id" and first["alive"].dtype == bool
        np.testing.assert_array_equal(first["T"], model.data["T"].to_numpy()[:500])
        assert (first["recency"] <= first["T"]).all() and (first["frequency"] <= np.floor(first["recency"]) + 1).all()
    with pytest.raises(retention.ValidationError, match="pass T"):
        fitted[0].generate_new_data(size=10**6)
    assert len(fitted[0].generate_new_data(size=3, T=[1.0, 2.0, 3.0], seed=1)) == 3


def test_count_probabilities_return_types(fitted: list[retention.BetaGeoFitter]) -> None:
    data = retention.datasets.load_cdnow_summary(index_col=[0]).head(4)
    for model in fitted:
        assert isinstance(model.probability_of_n_purchases_up_to_time(10, 2), float)
        assert model.probability_of_n_purchases_up_to_time(np.array([1.0, 10.0]), 2).shape == (2,)
        series = model.conditional_probability_of_n_purchases_up_to_time(1, 10, data["frequency"], data["recency"], data["T"])
        assert isinstance(series, pd.Series) and series.index.equals(data.index)
        assert isinstance(model.conditional_probability_of_n_purchases_up_to_time(0, 10, 1, 5, 10), float)
        with pytest.raises(retention.ValidationError, match="whole number"):
            model.probability_of_n_purchases_up_to_time(10, -1)
        with pytest.raises(retention.ValidationError, match="whole number"):
            model.probability_of_n_purchases_up_to_time(10, 1.5)


def test_gamma_gamma_save_load(tmp_path: Path) -> None:
    data = retention.datasets.load_cdnow_summary_data_with_monetary_value()
    repeat = data[data["frequency"] > 0]
    ggf = retention.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    ggf.save_model(str(tmp_path / "gg.pkl"))
    loaded = retention.GammaGammaFitter()
    loaded.load_model(str(tmp_path / "gg.pkl"))
    assert loaded.params_.equals(ggf.params_)
    with pytest.raises(retention.ValidationError, match="GammaGammaFitter"):
        retention.BetaGeoFitter().load_model(str(tmp_path / "gg.pkl"))


def test_heterogeneity_plots() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from retention import plotting

    bgf = retention.BetaGeoFitter()
    bgf.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    ax = plotting.plot_transaction_rate_heterogeneity(bgf)
    # Gamma(0.243, 4.414): mean 0.243 / 4.414 = 0.0551, variance 0.243 / 4.414² = 0.0125.
    assert ax.get_title() == "mean: 0.055, var: 0.012"
    ax = plotting.plot_dropout_rate_heterogeneity(bgf)
    # Beta(0.793, 2.426): mean 0.793 / 3.219 = 0.246, variance 0.793 · 2.426 / 3.219² / 4.219 = 0.0440.
    assert ax.get_title() == "mean: 0.246, var: 0.044"
    x = ax.get_lines()[0].get_xdata()
    assert x[0] == 0 and 0.5 < x[-1] < 1
    plt.close("all")
