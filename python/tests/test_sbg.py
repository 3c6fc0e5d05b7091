"""sBG (``retention.ShiftedBetaGeoFitter``) and cohort survival through the Python API: the two
cohorts of Fader and Hardie (2007), the 50-digit mpmath values of
tests/vectors/discrete_churn.json (scripts/discrete_churn_reference.py), and survivor counts
worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import retention
from retention import ShiftedBetaGeoFitter, metrics

REPO = Path(__file__).resolve().parents[2]
VECTORS = json.loads((REPO / "tests" / "vectors" / "discrete_churn.json").read_text())
REGULAR = [1000, 869, 743, 653, 593, 551, 517, 491]
HIGH_END = [1000, 631, 468, 382, 326, 289, 262, 241]


def floats(values: Any) -> list[float]:
    return [float(v) for v in values]


def fitted(alpha: float, beta: float) -> ShiftedBetaGeoFitter:
    model = ShiftedBetaGeoFitter()
    model.params_ = pd.Series([alpha, beta], index=["alpha", "beta"])
    return model


@pytest.mark.parametrize(
    ("survivors", "published", "log_likelihood", "reference"),
    [
        (REGULAR, (0.668, 3.806), -1611.16, "regular"),
        (HIGH_END, (0.704, 1.182), -1680.27, "high_end"),
    ],
)
def test_fit_reproduces_the_paper(
    survivors: list[int], published: tuple[float, float], log_likelihood: float, reference: str
) -> None:
    model = ShiftedBetaGeoFitter().fit(survivors)
    assert list(model.params_.index) == ["alpha", "beta"]
    np.testing.assert_allclose(model.params_.to_numpy(), published, atol=0.001)
    assert abs(model.log_likelihood_ - log_likelihood) <= 0.01
    # And the 30-digit optimum, with standard errors from the 50-digit Hessian.
    optimum = VECTORS["sbg_fits"][reference]
    np.testing.assert_allclose(model.params_.to_numpy(), floats(optimum["params"]), rtol=1e-5)
    np.testing.assert_allclose(model.standard_errors_.to_numpy(), floats(optimum["standard_errors"]), rtol=1e-3)
    assert abs(model.log_likelihood_ - float(optimum["log_likelihood"])) <= 1e-6
    assert model.data["survivors"].tolist() == survivors
    assert "cohort of 1000" in repr(model)


def test_curves_and_lifetimes_match_the_references() -> None:
    for case in VECTORS["sbg"]:
        model = fitted(*floats(case["params"]))
        survival = floats(case["survival"])
        t = np.arange(len(survival), dtype=float)
        np.testing.assert_allclose(model.survival_function(t), survival, rtol=1e-12)
        np.testing.assert_allclose(model.retention_rate(t[1:]), floats(case["retention_rate"]), rtol=1e-12)
        np.testing.assert_allclose(model.churn_probability(t[1:]), floats(case["churn_probability"]), rtol=1e-12)
        assert isinstance(model.survival_function(2), float)
        for discounted in case["discounted"]:
            rate = float(discounted["discount"])
            assert model.discounted_expected_lifetime(rate) == pytest.approx(float(discounted["del"]), rel=1e-10)
            renewals = [float(n) for n in discounted["derl"]]
            np.testing.assert_allclose(
                model.discounted_expected_residual_lifetime(rate, renewals),
                floats(discounted["derl"].values()),
                rtol=1e-10,
            )


def test_retention_rate_is_beta_over_alpha_plus_beta_at_first() -> None:
    # r_1 = beta / (alpha + beta) = 3.806 / 4.474; at rate 0 and alpha > 1 the expected lifetime
    # is (alpha + beta - 1) / (alpha - 1) = (2 + 3 - 1) / (2 - 1) = 4 payments.
    assert fitted(0.668, 3.806).retention_rate(1) == pytest.approx(3.806 / 4.474, rel=1e-14)
    assert fitted(2.0, 3.0).discounted_expected_lifetime(0.0) == pytest.approx(4.0, rel=1e-12)
    with pytest.raises(retention.AmountOverflowError):
        fitted(0.5, 3.0).discounted_expected_lifetime(0.0)  # infinite for alpha <= 1


def test_bad_counts_and_arguments() -> None:
    with pytest.raises(retention.ValidationError, match="period 3"):
        ShiftedBetaGeoFitter().fit([100, 90, 80, 85])
    with pytest.raises(retention.ValidationError):
        ShiftedBetaGeoFitter().fit([100, 90.5])
    with pytest.raises(retention.ValidationError):
        ShiftedBetaGeoFitter().fit([100])
    with pytest.raises(retention.ValidationError):
        ShiftedBetaGeoFitter().fit([100, np.nan])
    with pytest.raises(retention.ConvergenceError):
        ShiftedBetaGeoFitter().fit([100, 100, 100])  # nobody left: nothing to fit
    model = fitted(0.668, 3.806)
    with pytest.raises(retention.ValidationError):
        model.retention_rate(0)
    with pytest.raises(retention.ValidationError):
        model.discounted_expected_residual_lifetime(0.1, 1.5)
    with pytest.raises(retention.ValidationError):
        ShiftedBetaGeoFitter().survival_function(1)  # not fitted


# --- cohort survival and one fit per cohort --------------------------------------------------------


def subscriptions() -> pd.DataFrame:
    """January to June 2024. Customer 1 buys in Jan, Feb, Apr, Jun (gaps of one month);
    customer 2 only in Jan; customer 3 in Jan to Apr, with a cancellation row in Feb; customer 4
    only in Mar."""
    rows = [
        (1, "2024-01-03", False), (1, "2024-02-10", False), (1, "2024-04-01", False), (1, "2024-06-30", False),
        (2, "2024-01-15", False),
        (3, "2024-01-20", False), (3, "2024-02-05", False), (3, "2024-02-06", True),
        (3, "2024-03-07", False), (3, "2024-04-07", False),
        (4, "2024-03-31", False),
    ]  # fmt: skip
    return pd.DataFrame(
        {
            "customer": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "cancelled": [r[2] for r in rows],
        }
    )


def test_cohort_survival_by_hand() -> None:
    # Lapse after 2 empty months; the data ends in June, so May is the last month whose lapse
    # can be seen (June and July would both have to be empty): later cells are NaN.
    # January cohort {1, 2, 3}: 2 is lost from February (Feb and Mar empty); 1 never lapses
    # (single empty months); 3, without cancellations, lapses from May (May and June empty):
    # 3, 2, 2, 2, 1. March cohort {4}: lost from April: 1, 0, 0.
    table = metrics.cohort_survival(subscriptions(), "customer", "date", period="M", lapse_after=2, max_periods_after=5)
    assert [str(p) for p in table.index] == ["2024-01", "2024-03"]
    assert list(table.columns) == [0, 1, 2, 3, 4, 5]
    np.testing.assert_array_equal(table.iloc[0], [3, 2, 2, 2, 1, np.nan])
    np.testing.assert_array_equal(table.iloc[1], [1, 0, 0, np.nan, np.nan, np.nan])
    # With the cancellation column, 3 cancels in February: on board in February, lost from
    # March, whatever they buy later: 3, 2, 1, 1, 1.
    cancelled = metrics.cohort_survival(
        subscriptions(), "customer", "date", period="M", lapse_after=2, cancelled_col="cancelled", max_periods_after=5
    )
    np.testing.assert_array_equal(cancelled.iloc[0], [3, 2, 1, 1, 1, np.nan])
    np.testing.assert_array_equal(cancelled.iloc[1], [1, 0, 0, np.nan, np.nan, np.nan])
    # polars reads the same.
    frame = pl.from_pandas(subscriptions())
    again = metrics.cohort_survival(frame, "customer", "date", period="M", lapse_after=2, cancelled_col="cancelled", max_periods_after=5)
    pd.testing.assert_frame_equal(again, cancelled)


def test_cohort_survival_refuses_bad_arguments() -> None:
    with pytest.raises(retention.ValidationError):
        metrics.cohort_survival(subscriptions(), "customer", "date", lapse_after=0)
    with pytest.raises(retention.ValidationError):
        metrics.cohort_survival(subscriptions(), "customer", "date", lapse_after=2, cancelled_col="nope")
    with pytest.raises(retention.ValidationError):
        metrics.cohort_survival(subscriptions(), "customer", "date", lapse_after=2, cancelled_col="customer")
    with pytest.raises(retention.ValidationError):
        metrics.cohort_survival(subscriptions(), "customer", "date", period="Q", lapse_after=2)
    with pytest.raises(TypeError, match="lapse_after"):
        metrics.cohort_survival(subscriptions(), "customer", "date", lapse_after=1.5)
    with pytest.raises(retention.ValidationError, match="max_periods_after"):
        metrics.cohort_survival(subscriptions(), "customer", "date", lapse_after=2, max_periods_after=-1)


def test_fit_cohorts() -> None:
    # The paper's two cohorts as two rows of a survivor table, and a cohort too short to fit.
    table = pd.DataFrame(
        [REGULAR, HIGH_END, [50, 40] + [np.nan] * 6],
        index=pd.Index(["regular", "high end", "new"], name="cohort"),
        columns=list(range(8)),
    )
    fits = ShiftedBetaGeoFitter.fit_cohorts(table, min_periods=3)
    assert list(fits) == ["regular", "high end"]
    np.testing.assert_allclose(fits["regular"].params_.to_numpy(), floats(VECTORS["sbg_fits"]["regular"]["params"]), rtol=1e-5)
    np.testing.assert_allclose(fits["high end"].params_.to_numpy(), floats(VECTORS["sbg_fits"]["high_end"]["params"]), rtol=1e-5)
    assert fits["high end"].data["survivors"].tolist() == HIGH_END
    # From cohort_survival, with min_periods above every cohort's periods: nothing is fitted.
    survival = metrics.cohort_survival(subscriptions(), "customer", "date", period="M", lapse_after=2, max_periods_after=5)
    assert list(ShiftedBetaGeoFitter.fit_cohorts(survival, min_periods=10)) == []
    # Increasing counts name the cohort and the period.
    rising = pd.DataFrame([REGULAR, [100, 90, 95, 80, 70, 60, 50, 40]], index=["regular", "odd"], columns=list(range(8)))
    with pytest.raises(retention.ValidationError, match="cohort odd.*period 2"):
        ShiftedBetaGeoFitter.fit_cohorts(rising)
