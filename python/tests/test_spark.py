"""retention.spark in local mode: each of summary, compress, score and backtest equals the
single-machine result on CDNOW and on generated sets, with 1, 2 and 7 input partitions (one
empty, customers split across partitions); time zones; errors on the driver."""

from __future__ import annotations

import glob
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import retention
from scale_data import (
    PARTITIONS,
    assert_backtests_equal,
    feedback_history,
    first_refused_row,
    grocery_refusals,
    generated_transactions,
    grocery,
    grocery_history,
    grocery_single,
    listening,
    slices,
)

# The test command's scale-out step sets RETENTION_SCALE_OUT=1: there a missing pyspark or Java
# fails the step instead of skipping it (it installs both).
REQUIRED = os.environ.get("RETENTION_SCALE_OUT") == "1"
if REQUIRED:
    import pyspark
else:
    pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (python/requirements-scale.txt)")

from pyspark.sql import DataFrame, SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

import retention.spark as rs  # noqa: E402


def _java() -> bool:
    """A Java runtime for pyspark: JAVA_HOME, else Debian's Java 17 (scripts/setup.sh installs
    it) when present, else `java` on the PATH."""
    if not os.environ.get("JAVA_HOME"):
        debian = sorted(glob.glob("/usr/lib/jvm/java-17-openjdk-*/bin/java"))
        if debian:
            os.environ["JAVA_HOME"] = os.path.dirname(os.path.dirname(debian[0]))
    home = os.environ.get("JAVA_HOME")
    return bool(home and os.path.exists(os.path.join(home, "bin", "java"))) or shutil.which("java") is not None


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One local[2] Spark session for the whole test session (start-up takes seconds)."""
    if not _java():
        (pytest.fail if REQUIRED else pytest.skip)("no Java runtime: pyspark needs Java 17 (Debian: openjdk-17-jre-headless)")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("retention-tests")
        .config("spark.sql.shuffle.partitions", "3")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _spark_frame(spark: SparkSession, frame: pd.DataFrame, partitions: int) -> DataFrame:
    """``frame`` as a Spark DataFrame of exactly ``partitions`` partitions, in row order: the
    slices of scale_data.slices (an empty one from 3 on), partition i holding slice i."""
    pieces = slices(frame, partitions)
    part = np.concatenate([np.full(len(piece), i) for i, piece in enumerate(pieces)]).astype(np.int64)
    base = spark.createDataFrame(frame.assign(_p=part, _s=np.arange(len(frame))))
    rows = (
        base.rdd.map(lambda row: (row["_p"], row))
        .partitionBy(partitions, lambda key: int(key))
        .values()
        .mapPartitions(lambda it: sorted(it, key=lambda row: row["_s"]))
    )
    df = spark.createDataFrame(rows, schema=base.schema).drop("_p", "_s")
    assert df.rdd.getNumPartitions() == partitions
    return df


def _split_customers(df: DataFrame, column: str) -> int:
    """How many customers have rows in more than one input partition."""
    spread = df.select(column, F.spark_partition_id().alias("p")).distinct().groupBy(column).count()
    return spread.where(F.col("count") > 1).count()


def _summary_frame(df: DataFrame, id_column: str) -> pd.DataFrame:
    return df.toPandas().set_index(id_column).sort_index()


CDNOW_SUMMARY = dict(observation_period_end="1997-09-30", freq="D", freq_multiplier=7)


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_cdnow_summary_is_the_single_machine_summary(
    spark: SparkSession, cdnow_transactions: pd.DataFrame, cdnow_summary: pd.DataFrame, partitions: int
) -> None:
    df = _spark_frame(spark, cdnow_transactions, partitions)
    if partitions > 1:
        assert _split_customers(df, "id") > 0
    result = rs.summary(df, "id", "date", monetary_value_col="amount", **CDNOW_SUMMARY)
    got = _summary_frame(result, "id")
    pd.testing.assert_frame_equal(got, cdnow_summary, check_exact=True, check_index_type=False)


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_generated_summary_default_end_and_weeks(spark: SparkSession, partitions: int) -> None:
    transactions = generated_transactions()
    df = _spark_frame(spark, transactions, partitions)
    for freq in ("D", "W", "M") if partitions == 7 else ("D",):
        single = retention.summary_data_from_transaction_data(transactions, "id", "date", "amount", freq=freq)
        got = _summary_frame(rs.summary(df, "id", "date", "amount", freq=freq, partitions=2), "id")
        pd.testing.assert_frame_equal(got, single, check_exact=True, check_index_type=False)


def test_string_ids_and_no_amounts(spark: SparkSession) -> None:
    transactions = generated_transactions(20_000, 900).assign(id=lambda f: "c" + f["id"].astype(str))
    single = retention.summary_data_from_transaction_data(transactions, "id", "date")
    got = _summary_frame(rs.summary(_spark_frame(spark, transactions, 2), "id", "date"), "id")
    assert list(got.columns) == ["frequency", "recency", "T"]
    pd.testing.assert_frame_equal(got, single, check_exact=True)


def test_time_zones(spark: SparkSession) -> None:
    """TIMESTAMP counts by its local date in the session time zone (as an aware pandas value at
    its wall-clock date in that zone); TIMESTAMP_NTZ by its wall-clock date."""
    instants = pd.DataFrame(
        {
            "id": [1, 1, 1, 2, 2],
            # 1997-03-01 23:30 UTC is 03-02 08:30 in Tokyo and 03-01 18:30 in New York.
            "seconds": [857_172_600, 857_259_000, 857_345_400, 857_172_600, 857_300_000],
        }
    )
    df = spark.createDataFrame(instants).select("id", F.timestamp_seconds("seconds").alias("at"))
    utc = pd.to_datetime(instants["seconds"], unit="s", utc=True)
    previous = spark.conf.get("spark.sql.session.timeZone")
    try:
        for zone in ("Asia/Tokyo", "America/New_York"):
            spark.conf.set("spark.sql.session.timeZone", zone)
            single = retention.summary_data_from_transaction_data(
                instants.assign(at=utc.dt.tz_convert(zone)), "id", "at", observation_period_end="1997-03-10"
            )
            got = _summary_frame(rs.summary(df, "id", "at", observation_period_end="1997-03-10"), "id")
            pd.testing.assert_frame_equal(got, single, check_exact=True, check_index_type=False)
    finally:
        spark.conf.set("spark.sql.session.timeZone", previous)
    # The same wall-clock strings as TIMESTAMP_NTZ: their own date, whatever the session zone.
    wall = instants.assign(at=utc.dt.tz_localize(None).astype(str))
    ntz = spark.createDataFrame(wall[["id", "at"]]).select("id", F.col("at").cast("timestamp_ntz").alias("at"))
    assert isinstance(ntz.schema["at"].dataType, T.TimestampNTZType)
    spark.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    try:
        got = _summary_frame(rs.summary(ntz, "id", "at", observation_period_end="1997-03-10"), "id")
    finally:
        spark.conf.set("spark.sql.session.timeZone", previous)
    single = retention.summary_data_from_transaction_data(
        wall.assign(at=pd.to_datetime(wall["at"])), "id", "at", observation_period_end="1997-03-10"
    )
    pd.testing.assert_frame_equal(got, single, check_exact=True, check_index_type=False)


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_compressed_fit_is_the_full_fit(spark: SparkSession, cdnow_summary: pd.DataFrame, partitions: int) -> None:
    frame = cdnow_summary.reset_index()
    packed = rs.compress(_spark_frame(spark, frame, partitions))
    assert packed.customers == len(frame)
    assert len(packed.purchases) == len(frame[["frequency", "recency", "T"]].drop_duplicates())
    full = retention.ParetoNBDFitter().fit(frame["frequency"], frame["recency"], frame["T"])
    rows = packed.purchases
    weighted = retention.ParetoNBDFitter().fit(rows["frequency"], rows["recency"], rows["T"], weights=rows["weight"])
    np.testing.assert_allclose(weighted.params_.to_numpy(), full.params_.to_numpy(), rtol=1e-9)
    repeat = frame[frame["frequency"] > 0]
    spend_full = retention.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    assert packed.spend is not None and packed.spend["weight"].sum() == len(repeat)
    spend = retention.GammaGammaFitter().fit(
        packed.spend["frequency"], packed.spend["monetary_value"], weights=packed.spend["weight"]
    )
    np.testing.assert_allclose(spend.params_.to_numpy(), spend_full.params_.to_numpy(), rtol=1e-9)


def test_compress_refuses_past_the_limit(spark: SparkSession, cdnow_summary: pd.DataFrame) -> None:
    df = spark.createDataFrame(cdnow_summary.reset_index())
    distinct = len(cdnow_summary[["frequency", "recency", "T"]].drop_duplicates())
    with pytest.raises(retention.CapacityError, match="weeks"):
        rs.compress(df, max_rows=distinct - 1)
    assert len(rs.compress(df.drop("monetary_value"), max_rows=distinct).purchases) == distinct


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary: pd.DataFrame) -> retention.ChurnModel:
    repeat = cdnow_summary[cdnow_summary["frequency"] > 0]
    spend = retention.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    fitter = retention.ParetoNBDFitter().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    return fitter.to_model(freq="D", freq_multiplier=7, spend_model=spend)


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_scores_are_the_single_machine_scores(
    spark: SparkSession, cdnow_summary: pd.DataFrame, cdnow_model: retention.ChurnModel, partitions: int
) -> None:
    frame = cdnow_summary.reset_index().assign(spend=lambda f: (f["monetary_value"] * 100).round())
    single = cdnow_model.score(frame["frequency"], frame["recency"], frame["T"], frame["spend"])
    df = _spark_frame(spark, frame, partitions)
    scored = rs.score(df, cdnow_model.to_bytes(), mean_spend_minor_col="spend").toPandas().sort_values("id")
    single = single.loc[scored.index]
    assert list(scored.columns[: len(frame.columns)]) == list(frame.columns)
    for column in ("p_alive", "expected_purchases"):
        np.testing.assert_allclose(scored[column], single[column], rtol=1e-12, atol=0)
    for column in ("risk", "band", "clv_minor"):
        np.testing.assert_array_equal(scored[column], single[column])
    # Another horizon, named columns.
    weeks = rs.score(df, cdnow_model, columns=("expected_purchases", "band_name"), t=13).toPandas()
    again = cdnow_model.score(frame["frequency"], frame["recency"], frame["T"])
    horizon = retention.ChurnModel(
        cdnow_model.model, cdnow_model.params, grain="D", unit="W", horizon=13
    ).score(frame["frequency"], frame["recency"], frame["T"])
    weeks = weeks.sort_values("id")
    np.testing.assert_allclose(weeks["expected_purchases"], horizon.loc[weeks.index, "expected_purchases"], rtol=1e-12)
    assert list(weeks["band_name"]) == list(again.loc[weeks.index, "band_name"])


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_backtest_totals_are_the_single_machine_totals(spark: SparkSession, partitions: int) -> None:
    history, people = grocery_history()
    rules = grocery()
    single = grocery_single()
    df = _spark_frame(spark, history, partitions)
    if partitions > 1:
        assert _split_customers(df, "customer_id") > 0
    got = rs.backtest(df, rules, spark.createDataFrame(people), partitions=4)
    assert_backtests_equal(got, single)
    assert got.baskets > 30_000


@pytest.mark.parametrize("partitions", PARTITIONS)
def test_backtest_skipping_refused_baskets(partitions: int, spark: SparkSession) -> None:
    history, people = grocery_refusals()
    rules = grocery()
    single = rules.backtest(history, people, skip_invalid=True, progress=False)
    assert single.skipped > 10
    assert single.first_skipped is not None and single.first_skipped[0] == first_refused_row(history)
    df = _spark_frame(spark, history, partitions)
    if partitions > 1:
        assert _split_customers(df, "customer_id") > 0
    got = rs.backtest(df, rules, spark.createDataFrame(people), skip_invalid=True, partitions=4)
    assert_backtests_equal(got, single)
    # Customers without a purchase keep their record too.
    assert len(got.customers) == len(people)


@pytest.mark.parametrize("partitions", (7,))
def test_backtest_with_feedback(spark: SparkSession, partitions: int) -> None:
    """NPS answers travel with their customer's baskets: the service-recovery rule fires as
    in-process, and customers who only answered keep their record."""
    history, people, answers = feedback_history()
    rules = listening()
    single = rules.backtest(history, people, feedback=answers, progress=False)
    recovery = single.by_rule.set_index("rule").loc[1]
    assert recovery["applied"] > 0
    assert set(single.customers["customer_id"]) > set(people["customer_id"])
    df = _spark_frame(spark, history, partitions)
    got = rs.backtest(
        df, rules, spark.createDataFrame(people), feedback=_spark_frame(spark, answers, partitions), partitions=3
    )
    assert_backtests_equal(got, single)
    with pytest.raises(retention.ValidationError, match="`score`"):
        rs.backtest(df, rules, feedback=spark.createDataFrame(answers.drop(columns="score")))


def test_backtest_without_customers_and_with_datetimes(spark: SparkSession) -> None:
    history, _ = grocery_history(20_000, 500)
    history = history.assign(timestamp=pd.to_datetime(history["timestamp"], unit="s"))
    rules = grocery()
    single = rules.backtest(history, utc_offset_minutes=120, progress=False)
    df = _spark_frame(spark, history, 2).withColumn("timestamp", F.col("timestamp").cast("timestamp_ntz"))
    assert_backtests_equal(rs.backtest(df, rules.to_bytes(), utc_offset_minutes=120), single)


def test_errors_on_the_driver(spark: SparkSession, cdnow_model: retention.ChurnModel) -> None:
    df = spark.createDataFrame(pd.DataFrame({"id": [1, 2], "date": pd.to_datetime(["1997-01-01", "1997-01-02"]), "amount": [1.0, 2.0]}))
    with pytest.raises(retention.ValidationError, match="`when`"):
        rs.summary(df, "id", "when")
    with pytest.raises(retention.ValidationError, match="`amount` is double"):
        rs.summary(df, "id", "amount")
    with pytest.raises(retention.ValidationError, match="`id` has 1 missing"):
        rs.summary(df.withColumn("id", F.when(F.col("id") == 1, None).otherwise(F.col("id"))), "id", "date")
    with pytest.raises(retention.ValidationError, match="`date` has 1 missing"):
        rs.summary(df.withColumn("date", F.when(F.col("id") == 1, None).otherwise(F.col("date"))), "id", "date")
    with pytest.raises(retention.ValidationError, match="`amount` has 1 missing"):
        rs.summary(df.withColumn("amount", F.when(F.col("id") == 1, float("nan")).otherwise(1.0)), "id", "date", "amount")
    with pytest.raises(retention.DecodeError):
        rs.score(df, cdnow_model.to_bytes()[:-3])
    with pytest.raises(retention.ValidationError, match="ChurnModel"):
        rs.score(df, object())
    summary = spark.createDataFrame(pd.DataFrame({"frequency": [1.0], "recency": [1.0], "T": ["x"]}))
    with pytest.raises(retention.ValidationError, match="`T` is string"):
        rs.score(summary, cdnow_model)
    with pytest.raises(retention.ValidationError, match="no score column 'clv'"):
        rs.score(summary.withColumn("T", F.lit(2.0)), cdnow_model, columns=("clv",))
    with pytest.raises(retention.ValidationError, match="`unit_price`"):
        rs.backtest(df.withColumnRenamed("id", "customer_id").withColumnRenamed("date", "timestamp"), grocery())
