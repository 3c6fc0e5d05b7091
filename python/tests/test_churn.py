"""Churn models through the Python API: the published CDNOW figures, the shared vectors, the model
blob, and bad input. The expected values are published figures (data/cdnow/README.md), the
mpmath values of tests/vectors/churn.json, or worked out in the comments."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import retention
from retention import _retention
from retention import (
    BetaGeoFitter,
    ChurnModel,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)

# --- fitted models on CDNOW (module scope: each fit takes milliseconds) -------------------------


@pytest.fixture(scope="module")
def columns(cdnow_summary: Any) -> tuple[Any, Any, Any]:
    """frequency, recency, T of the CDNOW calibration summary, as pandas Series. The summary
    computed from the transactions (equal to the published CSV, which rounds to two decimals:
    test_churn_tools) is the exact data the published fits were made on."""
    return cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"]


@pytest.fixture(scope="module")
def bgf(columns: tuple[Any, Any, Any]) -> BetaGeoFitter:
    return BetaGeoFitter().fit(*columns)


@pytest.fixture(scope="module")
def pnf(columns: tuple[Any, Any, Any]) -> ParetoNBDFitter:
    return ParetoNBDFitter().fit(*columns)


@pytest.fixture(scope="module")
def ggf(cdnow_summary: Any) -> GammaGammaFitter:
    repeat = cdnow_summary[cdnow_summary["frequency"] > 0]
    return GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])


def assert_params(fitted: pd.Series, published: dict[str, float], tolerance: float) -> None:
    assert list(fitted.index) == list(published)
    for name, value in published.items():
        assert abs(fitted[name] - value) <= tolerance, (name, fitted[name], value)


# --- the published CDNOW figures ------------------------------------------------------------------


def test_bg_nbd_reproduces_fader_hardie_lee(bgf: BetaGeoFitter) -> None:
    # FHL 2005: MLE r = 0.2426, α = 4.4135, a = 0.7929, b = 2.4258 (±0.0005), LL −9582.4 (±0.05).
    assert_params(bgf.params_, {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}, 0.0005)
    assert abs(bgf.log_likelihood_ - -9582.4) <= 0.05
    # Published standard errors r 0.0125, α 0.3785, a 0.1855, b 0.7056 (loosely: a numerical Hessian).
    assert_params(bgf.standard_errors_, {"r": 0.0125, "alpha": 0.3785, "a": 0.1855, "b": 0.7056}, 0.02)


def test_summary_table_like_lifetimes(bgf: BetaGeoFitter) -> None:
    summary = bgf.summary
    assert list(summary.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert list(summary.index) == ["r", "alpha", "a", "b"]
    # The bounds are coef ∓ 1.96 se.
    np.testing.assert_allclose(summary["lower 95% bound"], summary["coef"] - 1.96 * summary["se(coef)"])
    np.testing.assert_allclose(summary["upper 95% bound"], summary["coef"] + 1.96 * summary["se(coef)"])
    assert "BetaGeoFitter: fitted with 2357 subjects" in repr(bgf)


def test_pareto_nbd_reproduces_the_published_fit(pnf: ParetoNBDFitter) -> None:
    # r = 0.553, α = 10.578, s = 0.606, β = 11.669 (three decimals: ±0.0005), LL −9595.0 (±0.05).
    assert_params(pnf.params_, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, 0.0005)
    assert abs(pnf.log_likelihood_ - -9595.0) <= 0.05


def test_gamma_gamma_reproduces_the_published_fit(ggf: GammaGammaFitter) -> None:
    # Fader & Hardie (note 025): p = 6.25, q = 3.74, γ = 15.44, LL −4055.92 (±0.05). γ to ±0.01:
    # the maximum is at γ = 15.448 (the core test `gamma_gamma_cdnow` shows its log-likelihood
    # beats the published point's).
    assert_params(ggf.params_, {"p": 6.25, "q": 3.74, "v": 15.44}, 0.01)
    assert abs(ggf.params_["p"] - 6.25) <= 0.005 and abs(ggf.params_["q"] - 3.74) <= 0.005
    assert abs(ggf.log_likelihood_ - -4055.92) <= 0.05


def test_the_published_customer(bgf: BetaGeoFitter, ggf: GammaGammaFitter) -> None:
    # x = 2, t_x = 30.43, T = 38.86: E[Y(39)] = 1.226, P(alive) = 0.7266 (published, rounded).
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    assert isinstance(expected, float)
    assert abs(expected - 1.226) < 0.0005
    p_alive = bgf.conditional_probability_alive(2, 30.43, 38.86)
    assert isinstance(p_alive, np.ndarray) and p_alive.shape == (1,)
    assert abs(p_alive[0] - 0.7266) < 0.00005
    # Expected spend with z̄ = 22.35: 24.659 at FHL's estimates (γ = 15.4447); at this fit's
    # γ = 15.448 it is 24.658: p(γ + x z̄)/(p x + q − 1) moves by p·0.0033/(2p + q − 1) ≈ 0.0014.
    spend = ggf.conditional_expected_average_profit(2, 22.35)
    assert isinstance(spend, float)
    assert abs(spend - 24.659) < 0.0015


def test_mbg_nbd_is_a_maximum(columns: tuple[Any, Any, Any]) -> None:
    # No published figure: check the fit against a refit started elsewhere.
    fitted = ModifiedBetaGeoFitter().fit(*columns)
    restarted = ModifiedBetaGeoFitter().fit(*columns, initial_params=[1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(fitted.params_, restarted.params_, rtol=1e-4)
    assert fitted.log_likelihood_ > -9582.4 - 5  # of the order of BG/NBD's on the same data


def test_weights_stand_for_repeated_rows(columns: tuple[Any, Any, Any]) -> None:
    frequency, recency, age = (c.to_numpy() for c in columns)
    # Merge identical rows by hand into weights: the fit is the same.
    rows = pd.DataFrame({"x": frequency, "t": recency, "T": age})
    counted = rows.groupby(["x", "t", "T"]).size().reset_index(name="w")
    weighted = BetaGeoFitter().fit(counted["x"], counted["t"], counted["T"], weights=counted["w"])
    plain = BetaGeoFitter().fit(frequency, recency, age)
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-7)
    assert abs(weighted.log_likelihood_ - plain.log_likelihood_) < 1e-6


def test_numpy_pandas_polars_inputs_agree(columns: tuple[Any, Any, Any], bgf: BetaGeoFitter) -> None:
    frequency, recency, age = columns
    as_polars = [pl.Series(c.to_numpy()) for c in columns]
    as_lists = [c.tolist() for c in columns]
    for inputs in (as_polars, as_lists, [c.to_numpy() for c in columns]):
        refit = BetaGeoFitter().fit(*inputs)
        assert refit.params_.equals(bgf.params_)
        np.testing.assert_array_equal(
            refit.conditional_probability_alive(*inputs), bgf.conditional_probability_alive(*columns)
        )
    # A strided (non-contiguous) view is copied, with the same result.
    doubled = np.repeat(frequency.to_numpy(), 2)[::2]
    assert not doubled.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(
        bgf.conditional_probability_alive(doubled, recency, age),
        bgf.conditional_probability_alive(frequency, recency, age),
    )


def test_expectations_behave(bgf: BetaGeoFitter, pnf: ParetoNBDFitter) -> None:
    horizons = np.array([0.0, 1.0, 10.0, 39.0, 100.0, 1000.0])
    for model in (bgf, pnf):
        unconditional = model.expected_number_of_purchases_up_to_time(horizons)
        assert unconditional[0] == 0.0
        assert np.all(np.diff(unconditional) > 0)
        conditional = model.conditional_expected_number_of_purchases_up_to_time(
            horizons, 2, 30.43, 38.86
        )
        assert np.all(np.diff(conditional) > 0)
        # One horizon per customer equals one call per horizon.
        for t, value in zip(horizons, conditional):
            assert value == model.conditional_expected_number_of_purchases_up_to_time(t, 2, 30.43, 38.86)


def test_clv_series_and_the_till_agree(
    cdnow_summary: Any, bgf: BetaGeoFitter, ggf: GammaGammaFitter
) -> None:
    data = cdnow_summary.rename(columns={"frequency": "x", "recency": "t_x", "monetary_value": "zbar"})
    clv = ggf.customer_lifetime_value(bgf, data["x"], data["t_x"], data["T"], data["zbar"], freq="W")
    assert isinstance(clv, pd.Series) and clv.name == "clv"
    assert clv.index.equals(data.index)
    assert (clv >= 0).all()
    # The till computes the same CLV from the blob, in cents (money unit 100, rounded).
    model = ChurnModel.from_bytes(bgf.to_bytes(freq="D", freq_multiplier=7, spend_model=ggf))
    scores = model.score(data["x"], data["t_x"], data["T"], data["zbar"] * 100)
    np.testing.assert_array_equal(scores["clv_minor"].to_numpy(), np.round(clv.to_numpy() * 100))
    # Without discounting, monthly CLV telescopes to spend · E[purchases in 12 · 4.345 weeks].
    flat = ggf.customer_lifetime_value(bgf, 2, 30.43, 38.86, 22.35, discount_rate=0.0, freq="W")
    expected = ggf.conditional_expected_average_profit(2, 22.35) * bgf.predict(12 * 4.345, 2, 30.43, 38.86)
    assert abs(flat.iloc[0] - expected) < 1e-9 * expected


# --- the shared vectors (tests/vectors/churn.json) ---------------------------------------------


def test_shared_vectors(churn_vectors: dict[str, Any]) -> None:
    models = {m["name"]: bytes.fromhex(m["blob_hex"]) for m in churn_vectors["models"]}
    for blob in models.values():
        # Decoding then encoding gives the same bytes (the format is canonical).
        assert ChurnModel.from_bytes(blob).to_bytes() == blob
    for case in churn_vectors["scores"]:
        model = ChurnModel.from_bytes(models[case["model"]])
        row = model.score(case["frequency"], case["recency"], case["age"], case["mean_spend_minor"]).iloc[0]
        assert math.isclose(row["p_alive"], float(case["p_alive"]), rel_tol=1e-11), case["customer"]
        assert row["risk"] == case["risk"]
        assert row["band"] == case["band"]
        assert row["band_name"] == retention.model.BANDS[case["band"]]
        assert math.isclose(
            row["expected_purchases"], float(case["expected_purchases"]), rel_tol=1e-10
        ), case["customer"]
        if case["clv_minor"] is None:
            assert "clv_minor" not in row
        else:
            assert row["clv_minor"] == case["clv_minor"]
    for case in churn_vectors["invalid"]:
        with pytest.raises(retention.DecodeError):
            ChurnModel.from_bytes(bytes.fromhex(case["blob_hex"]))


def test_one_time_lapsed_buyer(churn_vectors: dict[str, Any], bgf: BetaGeoFitter, pnf: ParetoNBDFitter) -> None:
    # Bought once, 26 weeks ago: BG/NBD says certainly alive (risk 0), Pareto/NBD does not.
    assert bgf.conditional_probability_alive(0, 0, 26)[0] == 1.0
    assert pnf.conditional_probability_alive(0, 0, 26)[0] < 0.5
    blob = pnf.to_bytes(freq="D", freq_multiplier=7)
    assert ChurnModel.from_bytes(blob).score(0, 0, 26)["risk"].iloc[0] > 500


# --- the model blob ------------------------------------------------------------------------------


def test_blob_round_trip(pnf: ParetoNBDFitter, ggf: GammaGammaFitter, cdnow_published: Any) -> None:
    data = cdnow_published
    cuts = retention.rfm.fit_cuts(data["x"], data["t_x"], data["T"], data["zbar"])
    model = pnf.to_model(
        freq="D",
        freq_multiplier=7,
        thresholds=(200, 400, 800),
        horizon=26,
        spend_model=ggf,
        clv_months=24,
        discount_rate=0.02,
        money_unit=100,
        rfm=cuts,
    )
    blob = model.to_bytes()
    assert len(blob) <= retention.CHURN_MODEL_MAX_LEN == 196
    assert retention.envelope.peek(blob).kind == retention.envelope.Kind.MODEL
    loaded = ChurnModel.from_bytes(blob)
    assert loaded == model
    assert loaded.model == "pareto_nbd" and loaded.grain == "D" and loaded.unit == "W"
    assert loaded.params.equals(pnf.params_)  # bit for bit
    assert loaded.thresholds == (200, 400, 800) and loaded.horizon == 26.0
    assert loaded.money_unit == 100
    assert loaded.spend == (list(ggf.params_), 24, 0.02)
    assert loaded.rfm == (tuple(cuts.recency), tuple(cuts.frequency), tuple(cuts.monetary))
    scores = loaded.score(data["x"], data["t_x"], data["T"], data["zbar"] * 100)
    pd.testing.assert_frame_equal(scores, model.score(data["x"], data["t_x"], data["T"], data["zbar"] * 100))
    assert set(scores["rfm_segment_name"]) <= set(retention.rfm.SEGMENTS.values())
    np.testing.assert_allclose(scores["p_alive"], pnf.conditional_probability_alive(data["x"], data["t_x"], data["T"]))
    # Risk is round(1000 (1 − P(alive))), halves away from zero.
    np.testing.assert_array_equal(scores["risk"], np.floor(1000 * (1 - scores["p_alive"]) + 0.5))
    assert "pareto_nbd" in repr(loaded) and "with spend model" in repr(loaded)
    # Every single-bit flip is refused.
    for bit in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(retention.DecodeError):
            ChurnModel.from_bytes(bytes(flipped))


def test_model_settings_are_checked(bgf: BetaGeoFitter, cdnow_published: Any) -> None:
    with pytest.raises(retention.ValidationError):
        bgf.to_bytes(thresholds=(500, 400, 800))
    with pytest.raises(retention.ValidationError):
        bgf.to_bytes(freq="H")
    with pytest.raises(retention.ValidationError):
        bgf.to_bytes(horizon=-1.0)
    with pytest.raises(retention.ValidationError):
        bgf.to_bytes(money_unit=0)
    with pytest.raises(retention.ValidationError):
        ChurnModel("bg_nbd", [1.0, 1.0, 1.0, -1.0])
    with pytest.raises(retention.ValidationError):
        ChurnModel("weibull", [1.0, 1.0, 1.0, 1.0])
    # A spend model needs q > 1 (the population mean spend).
    low_q = GammaGammaFitter()
    low_q.params_ = pd.Series([1.0, 0.9, 1.0], index=["p", "q", "v"])
    with pytest.raises(retention.ValidationError):
        bgf.to_bytes(spend_model=low_q)
    with pytest.raises(retention.ValidationError):
        bgf.to_bytes(spend_model=low_q, clv_months=0)


# --- bad input -----------------------------------------------------------------------------------

BAD_ROWS = [
    ([math.nan], [0.0], [1.0], "row 0"),
    ([1.0], [-1.0], [2.0], "row 0"),
    ([1.0, 2.0], [1.0, 3.0], [2.0, 2.5], "row 1: recency is greater than age"),
    ([1.5], [1.0], [2.0], "frequency whole"),
    ([1.0], [1.0], [math.inf], "row 0"),
]


@pytest.mark.parametrize("frequency,recency,age,message", BAD_ROWS)
def test_bad_rows_are_validation_errors(
    bgf: BetaGeoFitter, frequency: list[float], recency: list[float], age: list[float], message: str
) -> None:
    for call in (
        lambda: BetaGeoFitter().fit(frequency, recency, age),
        lambda: ParetoNBDFitter().fit(frequency, recency, age),
        lambda: bgf.conditional_probability_alive(frequency, recency, age),
        lambda: bgf.conditional_expected_number_of_purchases_up_to_time(10, frequency, recency, age),
    ):
        with pytest.raises(retention.ValidationError, match=message):
            call()
    # ValidationError is also a ValueError, as lifetimes raises.
    with pytest.raises(ValueError):
        bgf.conditional_probability_alive(frequency, recency, age)


def test_frequency_zero_with_recency_fits_no_but_evaluates(bgf: BetaGeoFitter) -> None:
    # A fit refuses it (no transaction history has it); evaluation applies the formulas as
    # lifetimes does: BG/NBD's P(alive) ignores the recency without repeats, so it is 1.
    for fitter in (BetaGeoFitter(), ParetoNBDFitter()):
        with pytest.raises(retention.ValidationError, match="frequency 0 requires recency 0"):
            fitter.fit([0.0], [1.0], [2.0])
    assert bgf.conditional_probability_alive([0.0], [1.0], [2.0])[0] == 1.0
    # Expected purchases likewise ignore it: equal to those of recency 0.
    with_recency = bgf.conditional_expected_number_of_purchases_up_to_time(10, 0.0, 1.0, 2.0)
    without = bgf.conditional_expected_number_of_purchases_up_to_time(10, 0.0, 0.0, 2.0)
    assert with_recency == without


def test_other_bad_input(bgf: BetaGeoFitter) -> None:
    with pytest.raises(retention.ValidationError, match="no data"):
        BetaGeoFitter().fit([], [], [])
    with pytest.raises(retention.ValidationError, match="differ in length"):
        BetaGeoFitter().fit([1, 2], [1, 1], [3, 3, 3])
    with pytest.raises(retention.ValidationError, match="weight"):
        BetaGeoFitter().fit([1, 2], [1, 1], [3, 3], weights=[1, 0])
    with pytest.raises(retention.ValidationError):
        BetaGeoFitter(penalizer_coef=-1).fit([1, 2], [1, 1], [3, 3])
    with pytest.raises(retention.ValidationError, match="numeric"):
        bgf.conditional_probability_alive(["a"], [1], [2])
    with pytest.raises(retention.ValidationError):
        bgf.conditional_expected_number_of_purchases_up_to_time(-1, 1, 1, 2)
    with pytest.raises(retention.ValidationError):
        bgf.conditional_expected_number_of_purchases_up_to_time([math.nan, 1], 1, 1, 2)
    with pytest.raises(retention.ValidationError):
        bgf.expected_number_of_purchases_up_to_time(math.nan)
    with pytest.raises(retention.ValidationError, match="not been fit"):
        BetaGeoFitter().conditional_probability_alive(1, 1, 2)
    with pytest.raises(retention.ValidationError):
        GammaGammaFitter().fit([0, 1], [10.0, 5.0])  # frequency 0: not a repeat buyer
    with pytest.raises(retention.ValidationError):
        GammaGammaFitter().fit([1, 2], [10.0, -5.0])


def test_non_convergence_is_an_error(columns: tuple[Any, Any, Any]) -> None:
    # Nobody came back: the likelihood has no interior maximum; the data say why.
    with pytest.raises(retention.ValidationError, match="nobody made a repeat purchase"):
        BetaGeoFitter().fit([0] * 5, [0] * 5, [10, 20, 30, 40, 50])
    # Two iterations are not enough.
    with pytest.raises(retention.ConvergenceError, match="did not converge"):
        BetaGeoFitter().fit(*columns, max_iterations=2)
    with pytest.raises(retention.ConvergenceError):
        ParetoNBDFitter().fit(*columns, maxiter=2)


def test_convergence_error_carries_the_best_point(columns: tuple[Any, Any, Any], bgf: BetaGeoFitter) -> None:
    with pytest.raises(retention.ConvergenceError) as caught:
        BetaGeoFitter().fit(*columns, max_iterations=2)
    error = caught.value
    assert error.iterations == 2
    assert error.best_params is not None and len(error.best_params) == 4
    assert all(v > 0 for v in error.best_params)
    assert error.gradient_norm is not None and error.gradient_norm > 0
    # Two iterations from the start are worse than the optimum.
    assert error.log_likelihood is not None and error.log_likelihood < bgf.log_likelihood_


def test_verbose_and_progress_report_each_iteration(
    columns: tuple[Any, Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[int, float, float, list[float]]] = []
    fitted = BetaGeoFitter().fit(*columns, verbose=True, progress=lambda *a: seen.append(a))
    lines = capsys.readouterr().out.splitlines()
    iterations = [line for line in lines if ": iteration " in line]
    assert len(iterations) == fitted.iterations_ == len(seen)
    assert iterations[0].startswith("BetaGeoFitter: iteration 1, log-likelihood ")
    assert "converged in" in lines[-1]
    assert [s[0] for s in seen] == list(range(1, fitted.iterations_ + 1))
    # The likelihood never falls, and the last iteration is the answer (in the data's units).
    assert all(b[1] >= a[1] - 1e-9 * abs(a[1]) for a, b in zip(seen, seen[1:]))
    assert seen[-1][1] == pytest.approx(fitted.log_likelihood_, rel=1e-9)
    assert seen[-1][3] == pytest.approx(list(fitted.params_), rel=1e-12)
    assert seen[-1][2] < 1e-8


def test_an_exception_in_progress_stops_the_fit(columns: tuple[Any, Any, Any]) -> None:
    def stop(iteration: int, *_: Any) -> None:
        if iteration == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        BetaGeoFitter().fit(*columns, progress=stop)
    with pytest.raises(ZeroDivisionError):
        GammaGammaFitter().fit([1, 2, 3, 4], [10.0, 12.0, 9.0, 15.0], progress=lambda *a: 1 / 0)


def test_ctrl_c_stops_a_long_fit_within_a_second() -> None:
    # A fit of a million distinct rows on one thread runs for seconds; SIGINT sent to the main
    # thread once the fit has reported its second iteration must stop it at the next check
    # (Python::check_signals between iterations, or the handler running in the observer), well
    # within a second.
    import signal
    import threading
    import time

    rng = np.random.default_rng(7)
    n = 1_000_000
    age = rng.uniform(30.0, 365.0, n)
    if_alive = rng.poisson(rng.gamma(0.243, 1 / 30.9, n) * age)
    x = np.minimum(if_alive, rng.geometric(rng.beta(0.793, 2.426, n)))
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), np.maximum(if_alive - x + 1, 1)), 0.0)
    x = x.astype(float)
    sent: list[float] = []
    finished: list[int] = []
    second_iteration = threading.Event()
    main_thread = threading.get_ident()

    # The signal goes to the main thread itself (a signal to the process may land on any
    # thread that earlier tests' libraries started), after the second iteration was observed
    # (a timer raced the end of the fit, about a second long, on a quiet machine).
    def interrupt() -> None:
        second_iteration.wait()
        sent.append(time.perf_counter())
        signal.pthread_kill(main_thread, signal.SIGINT)

    def progress(iteration: int, *_: Any) -> None:
        if iteration == 2:
            second_iteration.set()

    # Python's own Ctrl-C handler, whatever an earlier test's library installed.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    sender = threading.Thread(target=interrupt, daemon=True)
    sender.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            fitted = BetaGeoFitter().fit(x, t_x, age, threads=1, progress=progress)
            finished.append(fitted.iterations_)
        stopped = time.perf_counter()
    finally:
        second_iteration.set()
        sender.join()
        signal.signal(signal.SIGINT, previous)
    assert not finished, f"the fit ended after {finished} iterations, before the interrupt"
    assert sent and stopped - sent[0] < 1.0


def test_the_thread_count_changes_no_bit() -> None:
    # Five chunks of distinct rows from the BG/NBD process (CDNOW's parameters, days).
    rng = np.random.default_rng(11)
    n = 5 * _retention.CHURN_FIT_CHUNK_ROWS
    age = rng.uniform(30.0, 365.0, n)
    if_alive = rng.poisson(rng.gamma(0.243, 1 / 30.9, n) * age)
    x = np.minimum(if_alive, rng.geometric(rng.beta(0.793, 2.426, n)))
    t_x = np.where(x > 0, age * rng.beta(np.maximum(x, 1), np.maximum(if_alive - x + 1, 1)), 0.0)
    x = x.astype(float)
    for fitter in (BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter):
        one, three = fitter().fit(x, t_x, age, threads=1), fitter().fit(x, t_x, age, threads=3)
        assert one.params_.to_numpy().tobytes() == three.params_.to_numpy().tobytes(), fitter
        assert one.log_likelihood_ == three.log_likelihood_


def test_magnitudes_beyond_the_models_name_the_row() -> None:
    # lifetimes' fit of this never returned.
    with pytest.raises(retention.ValidationError, match="row 2"):
        BetaGeoFitter().fit([1, 2, 1e300], [1, 2, 5], [3, 4, 5], max_iterations=5)
    with pytest.raises(retention.ValidationError, match="row 0"):
        ModifiedBetaGeoFitter().fit([1, 2], [1, 2], [2e7, 4])
    assert _retention.CHURN_MAX_OBSERVATION == 1e7


def test_grids_beyond_the_cell_limit_are_refused(bgf: BetaGeoFitter) -> None:
    assert _retention.CHURN_MAX_GRID_CELLS == 4_000_000
    # 10,000 x 1,000 = 10,000,000 cells, each side within its bound of 9,999.
    with pytest.raises(retention.ValidationError, match="cells"):
        bgf.conditional_probability_alive_matrix(max_frequency=9_999, max_recency=999)
    with pytest.raises(retention.ValidationError, match="max_frequency"):
        bgf.conditional_probability_alive_matrix(max_frequency=10**5, max_recency=365)
    assert bgf.conditional_probability_alive_matrix(max_frequency=10, max_recency=20).shape == (21, 11)


def test_extreme_inputs_are_finite(bgf: BetaGeoFitter, pnf: ParetoNBDFitter) -> None:
    # x up to 10,000 and T up to 100,000 days (here weeks, larger still): finite, in range.
    frequency = np.array([0, 1, 100, 10_000], dtype=float)
    recency = np.array([0, 5, 14_000, 14_285], dtype=float)
    age = np.full(4, 14_285.0)
    for model in (bgf, pnf):
        p = model.conditional_probability_alive(frequency, recency, age)
        assert np.all((0 <= p) & (p <= 1))
        e = model.conditional_expected_number_of_purchases_up_to_time(52, frequency, recency, age)
        assert np.all(np.isfinite(e)) and np.all(e >= 0)
