"""The package among other tools: pickling to worker processes, fitters without their data,
polars LazyFrames and Arrow tables wherever a DataFrame goes, and notebook displays.

Expected summaries are worked out by hand from the small tables written here."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import retention
from retention import BetaGeoFitter, ChurnModel, GammaGammaFitter, ModifiedBetaGeoFitter, RuleSet

REPO = Path(__file__).resolve().parents[2]
COFFEE = REPO / "examples" / "programs" / "coffee.json"
# Two 3.50 coffees, a 2.75 pastry and a 20.00 voucher; Tuesday 15:10 UTC is inside the coffee
# program's double-points window: 9 base points doubled to 18 (tests/test_rules.py).
BASKET: list[Any] = [(1001, 1, 2, 350), (2001, 3, 1, 275), (9001, 90, 1, 2000)]
TUESDAY = dt.datetime(2024, 3, 5, 15, 10, tzinfo=dt.timezone.utc)


def _summary_columns(rows: int) -> tuple[Any, Any, Any]:
    """A reproducible population: frequency ≤ recency ≤ T, frequency 0 with recency 0."""
    rng = np.random.default_rng(7)
    age = rng.integers(30, 365, rows).astype(float)
    frequency = rng.integers(0, 12, rows).astype(float)
    recency = np.where(frequency > 0, np.floor(age * rng.uniform(0.2, 1.0, rows)), 0.0)
    return frequency, recency, age


def test_a_churn_model_pickles_through_its_bytes() -> None:
    x, t_x, age = _summary_columns(500)
    model = BetaGeoFitter(penalizer_coef=0.01).fit(x, t_x, age).to_model()
    back = pickle.loads(pickle.dumps(model))
    assert isinstance(back, ChurnModel)
    assert back.to_bytes() == model.to_bytes()
    # Travelling changes nothing: the same scores for the same customers.
    pd.testing.assert_frame_equal(back.score([2, 0], [30, 0], [90, 40]), model.score([2, 0], [30, 0], [90, 40]))
    # The pickle is the blob plus a little framing, not the Python object graph.
    assert len(pickle.dumps(model)) < len(model.to_bytes()) + 200


def test_a_rule_set_pickles_through_its_bytes() -> None:
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    back = pickle.loads(pickle.dumps(coffee))
    assert back.to_bytes() == coffee.to_bytes()
    assert back.evaluate(BASKET, at=TUESDAY, event=(1, 1)).points == 18


def test_blobs_load_from_bytes_bytearray_and_memoryview() -> None:
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    blob = coffee.to_bytes()
    for data in (blob, bytearray(blob), memoryview(blob)):
        assert RuleSet.from_bytes(data).to_bytes() == blob
    with pytest.raises(TypeError, match="data must be bytes, bytearray or memoryview, not str"):
        RuleSet.from_bytes("not bytes")  # type: ignore[arg-type]
    model_blob = ChurnModel("bg_nbd", [0.25, 4.0, 0.8, 2.4]).to_bytes()
    for data in (model_blob, bytearray(model_blob), memoryview(model_blob)):
        assert ChurnModel.from_bytes(data).to_bytes() == model_blob


@pytest.mark.parametrize("fitter", [BetaGeoFitter, ModifiedBetaGeoFitter])
def test_keep_data_false_fits_the_same_and_pickles_small(fitter: Any, cdnow_summary: Any) -> None:
    x, t_x, age = (cdnow_summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    rows = len(x)
    kept = fitter(penalizer_coef=0.01).fit(x, t_x, age)
    lean = fitter(penalizer_coef=0.01).fit(x, t_x, age, keep_data=False)
    assert dict(lean.params_) == dict(kept.params_)
    # Four float64 columns of 2 357 rows are 75 424 bytes; without them about 2 KB.
    assert rows == 2_357
    assert len(pickle.dumps(kept)) > 4 * 8 * rows
    assert len(pickle.dumps(lean)) < 4_000
    with pytest.raises(retention.ValidationError, match="keep_data=False"):
        lean.data  # noqa: B018
    back = pickle.loads(pickle.dumps(lean))
    assert dict(back.params_) == dict(lean.params_)
    assert back.conditional_probability_alive(2, 30, 90) == lean.conditional_probability_alive(2, 30, 90)
    assert "fitted with 2357 subjects" in repr(back)
    # A pickled fitter with its data rebuilds the DataFrame lazily on the other side.
    assert list(pickle.loads(pickle.dumps(kept)).data.columns) == ["frequency", "recency", "T", "weights"]
    with pytest.raises(TypeError, match="keep_data must be a bool"):
        fitter().fit(x, t_x, age, keep_data="no")


def test_gamma_gamma_takes_keep_data() -> None:
    # Gamma-Gamma data: each customer's mean of `frequency` gamma-distributed spends.
    rng = np.random.default_rng(11)
    frequency = rng.integers(1, 10, 400).astype(float)
    nu = rng.gamma(4.0, 1 / 10.0, 400)
    spend = np.array([rng.gamma(6.0, 1 / v, int(f)).mean() for v, f in zip(nu, frequency)])
    lean = GammaGammaFitter().fit(frequency, spend, keep_data=False)
    assert dict(lean.params_) == dict(GammaGammaFitter().fit(frequency, spend).params_)
    with pytest.raises(retention.ValidationError, match="keep_data=False"):
        lean.data  # noqa: B018


# Three customers; dates chosen so that the daily summary is worked out by hand with the
# observation end 2024-01-31: customer 1 buys on 1, 5 and 5 (one day) and 11 January:
# frequency 2, recency 10, T 30; customer 2 once on 21 January: 0, 0, 10; customer 3 on
# 25 and 31 January: 1, 6, 6.
HISTORY = {
    "id": [1, 1, 1, 1, 2, 3, 3],
    "date": [dt.datetime(2024, 1, d, 12) for d in (1, 5, 5, 11, 21, 25, 31)],
    "amount": [5.0, 7.0, 1.0, 4.0, 9.0, 3.0, 6.0],
}
EXPECTED = {"frequency": [2.0, 0.0, 1.0], "recency": [10.0, 0.0, 6.0], "T": [30.0, 10.0, 6.0]}


def _tables() -> dict[str, Any]:
    arrow = pa.table(HISTORY)
    return {
        "pandas": pd.DataFrame(HISTORY),
        "polars": pl.DataFrame(HISTORY),
        "polars-lazy": pl.DataFrame(HISTORY).lazy(),
        "arrow-table": arrow,
        "arrow-batch": arrow.to_batches()[0],
    }


@pytest.mark.parametrize("kind", list(_tables()))
def test_every_kind_of_table_gives_the_same_summary(kind: str) -> None:
    table = _tables()[kind]
    summary = retention.summary_data_from_transaction_data(
        table, "id", "date", observation_period_end=dt.date(2024, 1, 31)
    )
    assert isinstance(summary, pd.DataFrame)
    assert {column: list(summary[column]) for column in EXPECTED} == EXPECTED


@pytest.mark.parametrize("kind", list(_tables()))
def test_every_kind_of_table_gives_the_same_cohorts(kind: str) -> None:
    # Every customer starts in January 2024, the last month of the data: one cohort of 3,
    # period 0 retained, period 1 beyond the data.
    table = retention.metrics.cohort_retention(_tables()[kind], "id", "date", period="M", max_periods_after=1)
    assert list(table.index.astype(str)) == ["2024-01"]
    assert table.loc[:, "size"].tolist() == [3]
    assert table.loc[:, 0].tolist() == [1.0] and np.isnan(table.loc[:, 1]).all()


def test_a_back_test_takes_lazy_frames_and_arrow_tables() -> None:
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    history = {
        "customer_id": [1, 1, 1],
        "basket_id": [1, 1, 1],
        "timestamp": [1_709_651_400] * 3,  # 2024-03-05 15:10 UTC, a Tuesday
        "sku": [1001, 2001, 9001],
        "category": [1, 3, 90],
        "quantity": [2, 1, 1],
        "unit_price": [350, 275, 2000],
    }
    results = [
        coffee.backtest(pl.DataFrame(history).lazy(), progress=False),
        coffee.backtest(pa.table(history), progress=False),
        coffee.backtest(pa.table(history).to_batches()[0], progress=False),
    ]
    assert type(results[0].by_rule).__module__.split(".")[0] == "polars"
    assert type(results[1].by_rule).__module__.split(".")[0] == "pandas"
    for result in results:
        assert result.baskets == 1
        assert int(sum(result.by_rule["points"])) == 18
    with pytest.raises(TypeError, match="transactions must be a pandas or polars DataFrame"):
        coffee.backtest([1, 2, 3])


def test_notebooks_show_fits_models_and_back_tests_as_html() -> None:
    x, t_x, age = _summary_columns(200)
    fitter = BetaGeoFitter(penalizer_coef=0.01)
    assert "not fitted" in fitter._repr_html_()
    fitter.fit(x, t_x, age)
    text = fitter._repr_html_()
    assert "BetaGeoFitter" in text and "200 subjects" in text and "<table" in text
    model = fitter.to_model()
    text = model._repr_html_()
    assert "ChurnModel" in text and "bg_nbd" in text and "alpha" in text
    coffee = RuleSet.from_json(COFFEE.read_text(encoding="utf-8"))
    result = coffee.backtest(
        pd.DataFrame({"customer_id": [1], "timestamp": [1_709_651_400], "unit_price": [350]}), progress=False
    )
    text = result._repr_html_()
    assert "BacktestResult" in text and "1 baskets, 0 skipped" in text and "<table" in text
