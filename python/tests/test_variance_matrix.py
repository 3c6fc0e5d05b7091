"""``variance_matrix_``: the inverse Hessian of the summed negative log-likelihood in the natural
parameters, checked against an independent oracle: the BG/NBD log-likelihood of Fader, Hardie
& Lee (2005, eq. 6) written here with ``math.lgamma``, its Hessian by central second differences,
inverted by numpy."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest

from retention import BetaGeoFitter, GammaGammaFitter
from retention.datasets import load_cdnow_summary, load_cdnow_summary_data_with_monetary_value

_lgamma = np.vectorize(math.lgamma)


def _bg_nbd_ll(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> float:
    """Σ wᵢ ln L(r, α, a, b | xᵢ, t_xᵢ, Tᵢ), FHL 2005 eq. 6."""
    r, alpha, a, b = params
    a1 = _lgamma(r + x) - math.lgamma(r) + r * math.log(alpha)
    a2 = math.lgamma(a + b) + _lgamma(b + x) - math.lgamma(b) - _lgamma(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.where(repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x), -np.inf)
    return float(np.sum(w * (a1 + a2 + np.logaddexp(a3, a4))))


def _numerical_covariance(ll, params: np.ndarray) -> np.ndarray:
    """inv(−∇²LL) by central differences, steps 10⁻⁴ pᵢ."""
    n = len(params)
    h = 1e-4 * params
    hessian = np.empty((n, n))

    def at(i: int, si: float, j: int, sj: float) -> float:
        p = params.copy()
        p[i] += si * h[i]
        p[j] += sj * h[j]
        return ll(p)

    centre = ll(params)
    for i in range(n):
        hessian[i, i] = (at(i, 1, i, 0) - 2 * centre + at(i, -1, i, 0)) / h[i] ** 2
        for j in range(i):
            mixed = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h[i] * h[j])
            hessian[i, j] = hessian[j, i] = mixed
    return np.linalg.inv(-hessian)


def _assert_covariance_close(got: pd.DataFrame, want: np.ndarray, tolerance: float) -> None:
    scale = np.sqrt(np.outer(np.diag(want), np.diag(want)))
    assert np.all(np.abs(got.to_numpy() - want) <= tolerance * scale), (got, want)


def test_bg_nbd_variance_matrix_is_the_inverse_hessian_on_cdnow() -> None:
    summary = load_cdnow_summary()
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    w = np.ones_like(x)
    params = bgf.params_.to_numpy()
    want = _numerical_covariance(lambda p: _bg_nbd_ll(p, x, t_x, T, w), params)
    got = bgf.variance_matrix_
    assert list(got.index) == list(got.columns) == ["r", "alpha", "a", "b"]
    # Both Hessians are central differences (the core: of the analytic gradient).
    _assert_covariance_close(got, want, 1e-4)
    assert np.array_equal(got.to_numpy(), got.to_numpy().T)
    np.testing.assert_allclose(bgf.standard_errors_, np.sqrt(np.diag(want)), rtol=1e-3)
    intervals = bgf.confidence_intervals_
    np.testing.assert_allclose(intervals["upper 95% bound"] - intervals["lower 95% bound"], 2 * 1.96 * bgf.standard_errors_)


def test_variance_matrix_survives_pickling() -> None:
    summary = load_cdnow_summary()
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    again = pickle.loads(pickle.dumps(bgf))
    pd.testing.assert_frame_equal(again.variance_matrix_, bgf.variance_matrix_)


def test_gamma_gamma_variance_matrix_is_the_inverse_hessian() -> None:
    data = load_cdnow_summary_data_with_monetary_value()
    repeat = data[data["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    x = repeat["frequency"].to_numpy(dtype=float)
    m = repeat["monetary_value"].to_numpy(dtype=float)

    def ll(params: np.ndarray) -> float:
        # Fader, Hardie & Lee (2005b), eq. 1: the density of the mean spend m̄ of x purchases.
        p, q, v = params
        return float(
            np.sum(
                _lgamma(p * x + q)
                - _lgamma(p * x)
                - math.lgamma(q)
                + q * math.log(v)
                + (p * x - 1) * np.log(m)
                + (p * x) * np.log(x)
                - (p * x + q) * np.log(x * m + v)
            )
        )

    want = _numerical_covariance(ll, ggf.params_.to_numpy())
    assert list(ggf.variance_matrix_.index) == ["p", "q", "v"]
    _assert_covariance_close(ggf.variance_matrix_, want, 1e-4)


@pytest.mark.parametrize("penalizer", [0.0, 0.1])
def test_variance_matrix_is_positive_definite(penalizer: float) -> None:
    summary = load_cdnow_summary()
    bgf = BetaGeoFitter(penalizer_coef=penalizer).fit(summary["frequency"], summary["recency"], summary["T"])
    assert np.all(np.linalg.eigvalsh(bgf.variance_matrix_.to_numpy()) > 0)
