"""BG/BB (``retention.BetaGeoBetaBinomFitter``) through the Python API: the donation data of
Fader, Hardie and Shang (2010) reproduced (data/donations/README.md), and the 50-digit mpmath
values of tests/vectors/discrete_churn.json (scripts/discrete_churn_reference.py, the textbook
formulas evaluated term by term)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import retention
from retention import BetaGeoBetaBinomFitter

REPO = Path(__file__).resolve().parents[2]
VECTORS = json.loads((REPO / "tests" / "vectors" / "discrete_churn.json").read_text())


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    """lifetimes' donations.csv: frequency, recency, periods, weights (22 patterns, 11,104
    donors of the 1995 cohort, six repeat opportunities 1996-2001)."""
    return pd.read_csv(REPO / "data" / "donations" / "donations.csv", comment="#")


@pytest.fixture(scope="module")
def bbf(donations: pd.DataFrame) -> BetaGeoBetaBinomFitter:
    return BetaGeoBetaBinomFitter().fit(
        donations["frequency"], donations["recency"], donations["periods"], donations["weights"]
    )


def floats(values: Any) -> list[float]:
    return [float(v) for v in values]


# --- the paper and Hardie's spreadsheet ------------------------------------------------------------


def test_fit_reproduces_the_paper(bbf: BetaGeoBetaBinomFitter) -> None:
    # Published: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783; LL -33,225.6.
    assert list(bbf.params_.index) == ["alpha", "beta", "gamma", "delta"]
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert abs(bbf.params_[name] - value) <= 0.001, name
    assert abs(bbf.log_likelihood_ - -33225.6) <= 0.1
    # And the 30-digit optimum of the same likelihood, with its standard errors.
    reference = VECTORS["bg_bb_donations"]
    np.testing.assert_allclose(bbf.params_.to_numpy(), floats(reference["params"]), rtol=1e-5)
    np.testing.assert_allclose(bbf.standard_errors_.to_numpy(), floats(reference["standard_errors"]), rtol=1e-3)
    assert abs(bbf.log_likelihood_ - float(reference["log_likelihood"])) <= 1e-6
    assert bbf.distinct_rows_ == 22


def test_table_6_p_alive_in_2002(bbf: BetaGeoBetaBinomFitter, donations: pd.DataFrame) -> None:
    # Table 6, lifetimes' cells: (x=0, t_x=0) 0.11, (x=2, t_x=4) 0.59, (x=6, t_x=6) 0.93; n = 6.
    data = bbf.data
    data["prob_alive"] = bbf.conditional_probability_alive(
        1, donations["frequency"], donations["recency"], donations["periods"]
    )
    for (x, t_x), published in {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}.items():
        cell = data[(data["frequency"] == x) & (data["recency"] == t_x)]["prob_alive"]
        assert len(cell) == 1
        assert abs(float(cell.iloc[0]) - published) < 0.005, (x, t_x)
        reference = float(VECTORS["bg_bb_donations"]["p_alive_2002"][f"{x},{t_x}"])
        assert abs(float(cell.iloc[0]) - reference) <= 1e-6  # the fit's own tolerance


def test_hardie_spreadsheet_totals(bbf: BetaGeoBetaBinomFitter, donations: pd.DataFrame) -> None:
    # Conditional expected donations 2002-2006 over every donor: 12,884.2.
    expected = bbf.conditional_expected_number_of_purchases_up_to_time(
        5, donations["frequency"], donations["recency"], donations["periods"]
    )
    assert abs(float((expected * donations["weights"]).sum()) - 12884.2) < 0.1
    # In-sample fit: expected donors with 0 and with 6 repeat donations in 1996-2001.
    by_x = bbf.expected_number_of_transactions_in_first_n_periods(6)
    assert list(by_x.columns) == ["model"] and by_x.index.name == "frequency"
    np.testing.assert_allclose(by_x.loc[[0, 6], "model"].to_numpy(), [3454.9, 1253.1], atol=0.05)
    reference = VECTORS["bg_bb_donations"]["expected_customers_by_x_6"]
    np.testing.assert_allclose(by_x["model"].to_numpy(), floats(reference.values()), rtol=1e-6)


def test_weights_equal_repeated_rows(donations: pd.DataFrame) -> None:
    # lifetimes' test: the exploded data without weights gives the weighted fit.
    repeats = donations["weights"].to_numpy(dtype=int)
    exploded = donations.loc[donations.index.repeat(repeats), ["frequency", "recency", "periods"]]
    plain = BetaGeoBetaBinomFitter().fit(exploded["frequency"], exploded["recency"], exploded["periods"])
    weighted = BetaGeoBetaBinomFitter().fit(
        donations["frequency"], donations["recency"], donations["periods"], weights=donations["weights"]
    )
    np.testing.assert_allclose(plain.params_.to_numpy(), weighted.params_.to_numpy(), atol=1e-4)
    index = pd.Index([f"pattern {i}" for i in range(len(donations))])
    indexed = BetaGeoBetaBinomFitter().fit(
        donations["frequency"], donations["recency"], donations["periods"], donations["weights"], index=index
    )
    assert (indexed.data.index == index).all()
    assert list(indexed.data.columns) == ["frequency", "recency", "n_periods", "weights"]
    # keep_data=False keeps the fit only.
    bare = BetaGeoBetaBinomFitter().fit(
        donations["frequency"], donations["recency"], donations["periods"], donations["weights"], keep_data=False
    )
    np.testing.assert_array_equal(bare.params_.to_numpy(), weighted.params_.to_numpy())
    assert "22 subjects" in repr(bare)
    with pytest.raises(retention.ValidationError, match="keep_data=False"):
        bare.data


# --- the 50-digit references ---------------------------------------------------------------------


def test_scores_match_the_references() -> None:
    for case in VECTORS["bg_bb"]:
        model = BetaGeoBetaBinomFitter()
        model.params_ = pd.Series(floats(case["params"]), index=["alpha", "beta", "gamma", "delta"])
        x, t_x, n, t, m = (float(case[k]) for k in ("x", "t_x", "n", "t", "m"))
        label = (case["params"], x, t_x, n)
        p_alive = model.conditional_probability_alive(m, x, t_x, n)
        assert isinstance(p_alive, float)
        assert p_alive == pytest.approx(float(case["p_alive"]), rel=1e-11, abs=1e-300), label
        if t != int(t):
            # A fractional horizon has no meaning at discrete opportunities (the reference
            # extends the gamma-function form to it).
            with pytest.raises(retention.ValidationError):
                model.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, n)
            continue
        expected = model.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, n)
        assert expected == pytest.approx(float(case["conditional_expected"]), rel=1e-10), label
        unconditional = model.expected_number_of_purchases_up_to_time(t)
        assert unconditional == pytest.approx(float(case["unconditional_expected"]), rel=1e-10), label


def test_purchase_count_distribution() -> None:
    # P(X(n) = x) for every x, times the customers in the data (here one per frequency 0..n).
    for case in VECTORS["bg_bb_pmf"]:
        n = int(case["n"])
        model = BetaGeoBetaBinomFitter()
        model.params_ = pd.Series(floats(case["params"]), index=["alpha", "beta", "gamma", "delta"])
        model._keep_data({"frequency": np.arange(n + 1.0), "weights": np.full(n + 1, 1.0 / (n + 1))}, None)
        by_x = model.expected_number_of_transactions_in_first_n_periods(n)
        np.testing.assert_allclose(by_x["model"].to_numpy(), floats(case["pmf"]), rtol=1e-11)


def test_arrays_broadcast_like_scalars() -> None:
    model = BetaGeoBetaBinomFitter()
    model.params_ = pd.Series([1.204, 0.750, 0.657, 2.783], index=["alpha", "beta", "gamma", "delta"])
    x, t_x, n = np.array([0.0, 2.0, 6.0]), np.array([0.0, 4.0, 6.0]), 6.0
    together = model.conditional_probability_alive(np.array([1.0, 0.0, 3.0]), x, t_x, n)
    one_by_one = [model.conditional_probability_alive(m, xi, ti, n) for m, xi, ti in zip([1.0, 0.0, 3.0], x, t_x)]
    np.testing.assert_array_equal(together, one_by_one)
    horizons = model.conditional_expected_number_of_purchases_up_to_time(np.array([5.0, 1.0, 5.0]), x, t_x, n)
    np.testing.assert_array_equal(
        horizons, [model.conditional_expected_number_of_purchases_up_to_time(h, xi, ti, n) for h, xi, ti in zip([5.0, 1.0, 5.0], x, t_x)]
    )


def test_till_model_scores_like_the_fitter(bbf: BetaGeoBetaBinomFitter) -> None:
    # A weekly BG/BB blob (one opportunity a week) round-trips and scores P(alive in the next
    # period) as the fitter does.
    blob = bbf.to_bytes(freq="W")
    model = retention.ChurnModel.from_bytes(blob)
    assert model.model == "bg_bb"
    np.testing.assert_array_equal(model.params, bbf.params_.to_numpy())
    with pytest.raises(retention.ValidationError):
        bbf.to_model(freq="D", freq_multiplier=7)  # days measured in weeks: not one per period


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "recency", "n_periods", "row"),
    [
        ([1.0, 3.0], [2.0, 2.0], [6.0, 6.0], 1),  # frequency above recency
        ([1.0, 1.0], [2.0, 2.5], [6.0, 6.0], 1),  # fractional recency
        ([1.0, 1.0], [2.0, 7.0], [6.0, 6.0], 1),  # recency above n
        ([0.0, 1.0], [1.0, 1.0], [6.0, 6.0], 0),  # recency without a repeat
        ([1.0, 1.0], [1.0, 1.0], [6.0, 2e5], 1),  # more than 100,000 opportunities
        ([np.nan, 1.0], [1.0, 1.0], [6.0, 6.0], 0),
    ],
)
def test_bad_rows_are_named(frequency: list[float], recency: list[float], n_periods: list[float], row: int) -> None:
    with pytest.raises(retention.ValidationError, match=f"row {row}"):
        BetaGeoBetaBinomFitter().fit(frequency, recency, n_periods)


def test_bad_horizons_and_unfitted_models(bbf: BetaGeoBetaBinomFitter) -> None:
    with pytest.raises(retention.ValidationError):
        bbf.conditional_expected_number_of_purchases_up_to_time(2.5, 1, 1, 6)
    with pytest.raises(retention.ValidationError):
        bbf.conditional_probability_alive(-1, 1, 1, 6)
    with pytest.raises(retention.ValidationError):
        bbf.expected_number_of_transactions_in_first_n_periods(3)  # the data has x up to 6
    with pytest.raises(retention.ValidationError):
        BetaGeoBetaBinomFitter().conditional_probability_alive(1, 1, 1, 6)
    with pytest.raises(retention.ValidationError):
        BetaGeoBetaBinomFitter().fit([], [], [])
