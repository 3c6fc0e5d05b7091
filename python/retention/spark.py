"""retention on Apache Spark (pyspark 4): summaries, compression for fitting, scoring and
back-testing of DataFrames too large for one machine. ``import retention.spark`` needs pyspark
and pyarrow (the ``spark`` extra); ``import retention`` never imports them.

:func:`score` and :func:`backtest` translate between Spark and the single-machine functions
and add no domain logic: each task hands Arrow batches to the same core functions
:meth:`retention.ChurnModel.score` and :func:`retention.rules.backtest` use, through
``mapInArrow`` (for the back-test after a shuffle by customer, ``repartition`` on the customer
column then ``sortWithinPartitions``, so that a customer's rows arrive together and in input
order). :func:`summary` is Spark SQL aggregations (``groupBy``), no Python on the workers: it
restates the core's period rule and spans as column expressions (with the core's constants
``WEEK_ORIGIN_DAY`` and ``CHURN_TIME_UNITS``), tested against the core at every grain. Results
equal the single-machine ones: summaries and back-test totals exactly, scores to the last bit. Models travel to the workers as their bytes (``ChurnModel.to_bytes``,
``RuleSet.to_bytes``), read once per task.

Dates (:func:`summary`): ``DATE`` columns as they are; ``TIMESTAMP`` at its local date in the
session time zone (``spark.sql.session.timeZone``); ``TIMESTAMP_NTZ`` at its wall-clock date.
Back-test timestamps are instants: ``TIMESTAMP`` is one, ``TIMESTAMP_NTZ`` is read as UTC, as
:func:`retention.rules.backtest` reads naive datetimes; local time is UTC +
``utc_offset_minutes``.

Errors are the project's (:class:`~retention.ValidationError`, :class:`~retention.DecodeError`,
:class:`~retention.CapacityError`), raised on the driver before any job where the schema tells
(a missing column or a wrong type, naming the column; a model that is not one); missing values
in ids, dates and amounts are found by one small aggregation on the driver before the work
starts (:func:`summary`); a row the core refuses inside a task (a NaN frequency in
:func:`score`) fails the Spark job with the core's message.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import _retention, _scale, _time
from ._retention import RuleSet
from ._scale import COMPRESS_MAX_ROWS, Compressed
from .exceptions import ValidationError
from .model import ChurnModel
from .rules import BacktestResult
from .transactions import periods

__all__ = ["COMPRESS_MAX_ROWS", "Compressed", "summary", "compress", "score", "backtest"]

_ID, _DAY, _AMOUNT, _SEQ = "__retention_id", "__retention_day", "__retention_amount", "__retention_seq"
_PERIOD, _SPEND = "__retention_period", "__retention_spend"

_NUMERIC = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
_INTEGER = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)


def _field(df: DataFrame, column: str, where: str) -> T.StructField:
    try:
        return df.schema[column]
    except (KeyError, Exception):
        raise ValidationError(
            f"{where}: no such column `{column}` (columns: {', '.join(df.columns)})"
        ) from None


def _expect(df: DataFrame, column: str, kinds: tuple[type, ...], what: str, where: str) -> T.StructField:
    field = _field(df, column, where)
    if not isinstance(field.dataType, kinds):
        raise ValidationError(
            f"{where}: column `{column}` is {field.dataType.simpleString()}, expected {what}"
        )
    return field


def _day_expression(df: DataFrame, column: str) -> Any:
    """Day numbers (days since 1970-01-01) of a DATE, TIMESTAMP (local date in the session
    time zone) or TIMESTAMP_NTZ (wall-clock date) column."""
    kind = _expect(
        df, column, (T.DateType, T.TimestampType, T.TimestampNTZType), "DATE, TIMESTAMP or TIMESTAMP_NTZ "
        "(parse strings first, e.g. F.to_date(col, format))", "summary",
    ).dataType
    date = F.col(column) if isinstance(kind, T.DateType) else F.to_date(F.col(column))
    return F.unix_date(date)


def _partitions(df: DataFrame, partitions: Optional[int]) -> int:
    if partitions is not None:
        if int(partitions) < 1:
            raise ValidationError("partitions must be at least 1")
        return int(partitions)
    return int(df.sparkSession.conf.get("spark.sql.shuffle.partitions") or 200)


def _by_customer(batches: Iterator[pa.RecordBatch], column: str, min_rows: int = 1) -> Iterator[pa.Table]:
    """Tables of whole customers, each of at least ``min_rows`` rows but the last, from
    batches sorted by ``column``: batches are gathered until they hold ``min_rows`` rows, then
    cut after their last complete customer, whose successor's rows are carried into the next
    table (a customer's rows can span batches)."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        rows += batch.num_rows
        if rows < min_rows:
            continue
        table = pa.Table.from_batches(pending)
        ids = _numpy(table.column(column))
        starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        cut = int(starts[-1]) if len(starts) else 0
        if cut:
            yield table.slice(0, cut)
            pending = table.slice(cut).to_batches()
            rows = table.num_rows - cut
    if rows:
        yield pa.Table.from_batches(pending)


def _numpy(column: Any) -> np.ndarray[Any, Any]:
    """An Arrow column as NumPy: a view for float64 without nulls, else one conversion."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.to_numpy(zero_copy_only=False)


def summary(
    df: DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    partitions: Optional[int] = None,
) -> DataFrame:
    """:func:`retention.summary_data_from_transaction_data` of a Spark DataFrame of
    transactions, as a Spark DataFrame: one row per customer with ``customer_id_col`` (its
    type kept), ``frequency``, ``recency``, ``T`` [, ``monetary_value``] (doubles), equal row
    for row to the single-machine summary of the same rows (rows unordered: sort to compare).

    ``customer_id_col``: integers or strings; ``datetime_col``: DATE, TIMESTAMP (its local date
    in ``spark.sql.session.timeZone``) or TIMESTAMP_NTZ (its wall-clock date);
    ``monetary_value_col``: numeric. ``observation_period_end``: as the single-machine
    function (a date, datetime or ISO string; default the last transaction's date, found by
    the checking pass). ``partitions``: of the shuffle by customer (default
    ``spark.sql.shuffle.partitions``, which adaptive query execution coalesces).

    Plan, all in Spark SQL (no Python on the workers): one checking aggregation on the driver
    (missing values, the date range, the last date); then one shuffle of (id, period[,
    amount, input position]) rows by customer and two aggregations that reuse it:
    ``groupBy(customer, period)`` sums each period's amounts in input order (an ordered fold,
    so the sums are bit-equal to the core's), and ``groupBy(customer)`` counts the periods,
    takes the first and last and averages the repeat periods' sums in period order. Periods
    and times are the core's: the day, the ISO week from the core's week origin
    (``WEEK_ORIGIN_DAY``) or the calendar month; spans in the unit of ``CHURN_TIME_UNITS``.

    Raises :class:`~retention.ValidationError` on the driver: a missing column, a column of the
    wrong type, missing ids or dates, a date outside 1900–9999, a missing, negative, NaN or
    infinite amount (naming the column), an unsupported ``freq``, or no transactions without
    ``observation_period_end``.
    """
    grain, unit = periods(freq, freq_multiplier)
    _expect(df, customer_id_col, (*_INTEGER, T.StringType), "integers or strings", "summary")
    columns = [F.col(customer_id_col).alias(_ID), _day_expression(df, datetime_col).alias(_DAY)]
    has_amounts = monetary_value_col is not None
    if monetary_value_col is not None:
        _expect(df, monetary_value_col, _NUMERIC, "numbers", "summary")
        columns += [F.col(monetary_value_col).cast("double").alias(_AMOUNT), F.monotonically_increasing_id().alias(_SEQ)]
    rows = df.select(*columns)

    checks = [
        F.min(_DAY).alias("first"),
        F.max(_DAY).alias("last"),
        F.count_if(F.col(_ID).isNull()).alias(customer_id_col),
        F.count_if(F.col(_DAY).isNull()).alias(datetime_col),
    ]
    if monetary_value_col is not None:
        amount = F.col(_AMOUNT)
        bad = amount.isNull() | F.isnan(amount) | (F.abs(amount) == float("inf")) | (amount < 0)
        checks.append(F.count_if(bad).alias(monetary_value_col))
    found = rows.agg(*checks).collect()[0].asDict()
    for column, what in ((customer_id_col, "ids"), (datetime_col, "dates")):
        if found[column]:
            raise ValidationError(f"summary: column `{column}` has {found[column]} missing {what}")
    if monetary_value_col is not None and found[monetary_value_col]:
        raise ValidationError(
            f"summary: column `{monetary_value_col}` has {found[monetary_value_col]} missing, "
            "negative, NaN or infinite amounts (amounts are spend: net returns out of the table first)"
        )
    if found["first"] is not None:
        try:  # The core's date range (1900-9999), checked on the earliest and the latest date.
            _days_in_range(int(found["first"]), int(found["last"]))
        except ValidationError as error:
            raise ValidationError(f"summary: column `{datetime_col}`: {error}") from None
    if observation_period_end is None:
        if found["last"] is None:
            raise ValidationError("summary: no transactions")
        end = int(found["last"])
    else:
        end = _time.day_number(observation_period_end, None, "observation_period_end")

    period = _period(F.col(_DAY), grain)
    kept = rows.withColumn(_PERIOD, period).where(F.col(_PERIOD) <= _period(F.lit(end), grain))
    count = _partitions(df, partitions) if partitions is not None else None
    # One shuffle: both aggregations group by the customer (and period), which this
    # partitioning satisfies, so Spark plans no second exchange.
    shuffled = kept.repartition(count, _ID) if count is not None else kept.repartition(_ID)
    if has_amounts:
        in_order = F.array_sort(F.collect_list(F.struct(_SEQ, _AMOUNT)))
        by_period = shuffled.groupBy(_ID, _PERIOD).agg(
            F.aggregate(in_order, F.lit(0.0), lambda total, row: total + row[_AMOUNT]).alias(_SPEND)
        )
    else:
        by_period = shuffled.select(_ID, _PERIOD).distinct()
    found_periods = [
        F.count(F.lit(1)).alias("__n"), F.min(_PERIOD).alias("__first"), F.max(_PERIOD).alias("__last")
    ]
    if has_amounts:
        found_periods.append(F.array_sort(F.collect_list(F.struct(_PERIOD, _SPEND))).alias("__spends"))
    customers = by_period.groupBy(_ID).agg(*found_periods)
    repeats = F.col("__n") - 1
    out = [
        F.col(_ID).alias(customer_id_col),
        repeats.cast("double").alias("frequency"),
        _span(F.col("__first"), F.col("__last"), grain, unit).alias("recency"),
        _span(F.col("__first"), _period(F.lit(end), grain), grain, unit).alias("T"),
    ]
    if has_amounts:
        repeat_spend = F.aggregate(
            F.slice("__spends", 2, repeats), F.lit(0.0), lambda total, row: total + row[_SPEND]
        )
        out.append(
            F.when(repeats > 0, repeat_spend / repeats.cast("double")).otherwise(F.lit(0.0)).alias("monetary_value")
        )
    return customers.select(*out)


def _days_in_range(first: int, last: int) -> None:
    """Raises the core's :class:`~retention.ValidationError` unless both day numbers are in
    its date range (the summary of two one-row customers on those days)."""
    _scale.summary_arrays(np.array([0, 1], dtype=np.int64), np.array([first, last]), None, last, "D", "D")


def _period(day: Any, grain: str) -> Any:
    """The core's period index (``Grain::period_index``) of a day-number column: the day; the
    ISO week counted from the core's week origin, a Monday (``WEEK_ORIGIN_DAY``); or the month
    as year · 12 + month − 1."""
    if grain == "D":
        return day
    if grain == "W":
        return F.floor((day - F.lit(_retention.WEEK_ORIGIN_DAY)) / F.lit(7)).cast("long")
    date = F.date_from_unix_date(day)
    return F.year(date) * 12 + F.month(date) - 1


def _span(first: Any, last: Any, grain: str, unit: str) -> Any:
    """The core's ``Periods::span``: from the start of period ``first`` to the start of
    ``last`` in ``unit``; whole months between month periods, else days over the unit's
    length in days (``CHURN_TIME_UNITS``)."""
    if grain == "M" and unit == "M":
        return last.cast("double") - first.cast("double")
    week = grain == "W"
    start_first = first.cast("long") * 7 if week else first.cast("long")
    start_last = last.cast("long") * 7 if week else last.cast("long")
    # The week origin cancels in the difference.
    return (start_last - start_first).cast("double") / F.lit(float(_retention.CHURN_TIME_UNITS[unit]))


def _collect(df: DataFrame, table: str, limit: int) -> pd.DataFrame:
    rows = df.count()
    if rows > limit:
        raise _scale.too_many_rows(table, rows, limit)
    frame: pd.DataFrame = df.toPandas()
    return frame


def compress(summary_df: DataFrame, max_rows: int = COMPRESS_MAX_ROWS) -> Compressed:
    """The distinct rows of a summary (:func:`summary`'s columns) with their ``weight``,
    aggregated by Spark (``groupBy().count()``) and collected to the driver as pandas: see
    :class:`~retention.spark.Compressed`. Fitting the weighted rows gives the parameters of
    fitting every customer (to rounding: the tests check 1e-9 relative on CDNOW).

    ``max_rows``: the most distinct rows of either table collected (default
    :data:`COMPRESS_MAX_ROWS`, 5 million). The rows are counted first; past the limit nothing
    is collected and :class:`~retention.CapacityError` says how to shrink them (weeks, a
    sample). Raises :class:`~retention.ValidationError` for a missing or non-numeric column.
    """
    for column in ("frequency", "recency", "T"):
        _expect(summary_df, column, _NUMERIC, "numbers", "compress")
    weight = F.count(F.lit(1)).cast("double").alias("weight")
    purchases = summary_df.groupBy("frequency", "recency", "T").agg(weight)
    spend = None
    if "monetary_value" in summary_df.columns:
        _expect(summary_df, "monetary_value", _NUMERIC, "numbers", "compress")
        repeat = summary_df.where(F.col("frequency") > 0)
        spend = _collect(repeat.groupBy("frequency", "monetary_value").agg(weight), "(frequency, monetary_value)", max_rows)
    collected = _collect(purchases, "(frequency, recency, T)", max_rows)
    return Compressed(collected, spend, int(collected["weight"].sum()))


def score(
    df: DataFrame,
    model: Any,
    columns: Optional[tuple[str, ...]] = None,
    t: Optional[float] = None,
    *,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    mean_spend_minor_col: Optional[str] = None,
) -> DataFrame:
    """``df`` (a summary: frequency, recency and T in the model's unit) with score columns
    added, computed by :meth:`ChurnModel.score <retention.ChurnModel.score>`'s core scorer
    through ``mapInArrow``: each Arrow batch's columns go to the core as NumPy arrays (views
    when they are non-null doubles), no per-row Python and no pandas.

    ``model``: a :class:`~retention.ChurnModel` or its bytes (workers get the bytes).
    ``columns``: names among :meth:`ChurnModel.score`'s (``p_alive``, ``risk``, ``band``,
    ``band_name``, ``expected_purchases``, with a spend model ``clv_minor``, with RFM cuts
    ``rfm_*``); default every numeric one. ``t``: the horizon of ``expected_purchases`` in
    the model's unit (default the model's horizon). ``mean_spend_minor_col``: mean spend of
    repeat purchases in minor units, for ``clv_minor`` and RFM (default 0).

    Raises on the driver :class:`~retention.DecodeError` (corrupt model bytes) and
    :class:`~retention.ValidationError` (not a model, an unknown score column, a missing or
    non-numeric input column, a score column name the input already has). An invalid row
    fails the job with the core's message.
    """
    checked, _ = _scale.model_from(model)
    checked = _scale.with_horizon(checked, t)
    blob = checked.to_bytes()
    wanted = _scale.score_columns(checked, columns)
    inputs = [frequency_col, recency_col, T_col] + ([mean_spend_minor_col] if mean_spend_minor_col else [])
    for column in inputs:
        _expect(df, column, _NUMERIC, "numbers", "score")
    clash = [name for name, _ in wanted if name in df.columns]
    if clash:
        raise ValidationError(f"score: the input already has column(s) {', '.join(clash)}")
    added = [T.StructField(name, _spark_type(dtype), True) for name, dtype in wanted]
    schema = T.StructType(df.schema.fields + added)
    task = functools.partial(
        _score_task, blob=blob, names=[n for n, _ in wanted], inputs=inputs,
        arrow_types=[_arrow_type(dtype) for _, dtype in wanted],
    )
    return df.mapInArrow(task, schema)


def _spark_type(dtype: np.dtype[Any]) -> T.DataType:
    if dtype == object:
        return T.StringType()
    if dtype.kind == "f":
        return T.DoubleType()
    return T.LongType() if dtype.itemsize > 4 or dtype.kind == "u" and dtype.itemsize == 4 else T.IntegerType()


def _arrow_type(dtype: np.dtype[Any]) -> pa.DataType:
    spark = _spark_type(dtype)
    return {T.StringType(): pa.string(), T.DoubleType(): pa.float64(), T.LongType(): pa.int64()}.get(spark, pa.int32())


def _score_task(
    batches: Iterator[pa.RecordBatch], *, blob: bytes, names: list[str], inputs: list[str],
    arrow_types: list[pa.DataType],
) -> Iterator[pa.RecordBatch]:
    model = ChurnModel.from_bytes(blob)
    for batch in batches:
        values = [_numpy(batch.column(name)) for name in inputs]
        spend = values[3] if len(values) > 3 else None
        scores = _scale.scored(model, names, values[0], values[1], values[2], spend)
        added = [pa.array(v, type=kind) for v, kind in zip(scores, arrow_types)]
        yield pa.RecordBatch.from_arrays(
            list(batch.columns) + added, names=list(batch.schema.names) + names
        )


_BACKTEST_NEEDED = {"customer_id": (*_INTEGER, T.StringType), "timestamp": (*_INTEGER, T.TimestampType, T.TimestampNTZType), "unit_price": _INTEGER}
_BACKTEST_OPTIONAL = ("quantity", "sku", "category", "basket_id", "store", "channel", "coupon", "churn_risk")
_CUSTOMER_COLUMNS = ("tier", "segments", "birthday", "segment")
_CUSTOMER_PREFIX = _scale.CUSTOMER_PREFIX


#: Rows of the Arrow batches a back-test task gathers (whole customers, in input order) before
#: one run of the single-machine back-test: fewer, larger runs amortise its per-call cost;
#: about 64 MB of basket lines at 250 bytes a row in Arrow and pandas together.
BACKTEST_CHUNK_ROWS = 262_144

_FEEDBACK_NEEDED = {"customer_id": (*_INTEGER, T.StringType), "timestamp": (*_INTEGER, T.TimestampType, T.TimestampNTZType), "score": _INTEGER}
_FSEQ, _FB = "__retention_feedback_seq", "__retention_feedback_"


def backtest(
    transactions_df: DataFrame,
    rule_set: Any,
    customers_df: Optional[DataFrame] = None,
    *,
    utc_offset_minutes: int = 0,
    skip_invalid: bool = False,
    churn_model: Any = None,
    feedback: Optional[DataFrame] = None,
    partitions: Optional[int] = None,
) -> BacktestResult:
    """:meth:`RuleSet.backtest <retention.RuleSet.backtest>` of Spark DataFrames (the columns
    of :mod:`retention.rules`), equal attribute by attribute to the single-machine back-test
    of the same rows (as pandas): ``baskets``, ``skipped``, ``first_skipped`` (``(row,
    reason)``: the row's position in ``transactions_df``'s order), ``by_rule``, ``by_segment``
    and ``by_rule_segment`` (pandas; segment labels the customers' own values, ``None`` for
    none), and ``customers`` (a pandas frame of every customer's ``customer_id``, ``tier`` and
    ``visits``, sorted by id). ``customers`` is collected to the driver: 24 bytes a customer
    in the result, a few hundred while assembled (an estimate, not measured).

    Plan: feedback answers (if given) are added to the transactions' rows, and customers (if
    given) joined to them (a full join, so customers without a purchase keep their record);
    rows are shuffled by ``customer_id`` and sorted within partitions; ``mapInArrow`` gathers
    whole customers into chunks of about :data:`BACKTEST_CHUNK_ROWS` rows and runs the
    single-machine back-test on each (a customer's baskets and answers in one task, their rows
    in input order), emitting per-rule and per-segment partial totals summed per task, each
    customer's record once and the task's first skipped basket with its time and input
    position; the driver collects these, sums the totals and picks the earliest skipped
    basket by (time, input position), the order the single-machine back-test uses. Finding
    that basket's row takes one more count job, only when a basket was skipped
    (``transactions_df`` must read its rows in the same order again, as files and in-memory
    data do).

    ``rule_set``: a :class:`~retention.RuleSet` or its bytes; ``churn_model``: a
    :class:`~retention.ChurnModel` or its bytes; ``feedback``: a Spark DataFrame of NPS
    answers (``customer_id`` of the transactions' kind, ``timestamp`` as the transactions',
    ``score``, optional ``channel``), as the single-machine ``feedback=``; the other options
    as the single-machine back-test. ``partitions``: of the shuffle by customer (default
    ``spark.sql.shuffle.partitions``, which adaptive query execution coalesces). Raises on the
    driver :class:`~retention.ValidationError` (a missing column or one of the wrong type,
    naming it), :class:`~retention.DecodeError` (corrupt bytes); a refused basket without
    ``skip_invalid`` fails the job with the core's message.
    """
    rules_blob = _scale.rule_set_from(rule_set)
    model_blob = None if churn_model is None else _scale.model_from(churn_model)[1]
    for column, kinds in _BACKTEST_NEEDED.items():
        _expect(transactions_df, column, kinds, " or ".join(k.__name__ for k in kinds), "backtest")
    optional = [c for c in _BACKTEST_OPTIONAL if c in transactions_df.columns]
    for column in optional:
        _expect(transactions_df, column, _NUMERIC, "numbers", "backtest")
    rows = transactions_df.select(
        "customer_id", "timestamp", "unit_price", *optional, F.monotonically_increasing_id().alias(_SEQ)
    )
    id_type = rows.schema["customer_id"].dataType
    feedback_columns: Optional[list[str]] = None
    if feedback is not None:
        for column, kinds in _FEEDBACK_NEEDED.items():
            _expect(feedback, column, kinds, " or ".join(k.__name__ for k in kinds), "backtest feedback")
        if isinstance(feedback.schema["customer_id"].dataType, T.StringType) != isinstance(id_type, T.StringType):
            raise ValidationError(
                "backtest feedback: column `customer_id` is "
                f"{feedback.schema['customer_id'].dataType.simpleString()}, expected the transactions' "
                f"{id_type.simpleString()}"
            )
        feedback_columns = ["timestamp", "score"] + (["channel"] if "channel" in feedback.columns else [])
        answers = feedback.select(
            F.col("customer_id").cast(id_type),
            *[F.col(c).alias(_FB + c) for c in feedback_columns],
            F.monotonically_increasing_id().alias(_FSEQ),
        )
        rows = rows.unionByName(answers, allowMissingColumns=True)
    customer_columns: Optional[list[str]] = None
    segments: dict[Optional[str], Any] = {"all": "all"}
    if customers_df is not None:
        _expect(customers_df, "customer_id", (*_INTEGER, T.StringType), "integers or strings", "backtest customers")
        customer_columns = [c for c in _CUSTOMER_COLUMNS if c in customers_df.columns]
        renamed = [F.col("customer_id")] + [
            (F.col(c).cast("string") if c == "segment" else F.col(c)).alias(_CUSTOMER_PREFIX + c)
            for c in customer_columns
        ]
        customers = customers_df.select(*renamed)
        rows = rows.join(customers, on="customer_id", how="full")
        if "segment" in customer_columns:
            segments = _segment_labels(rows, customers_df)
    integral_ids = not isinstance(rows.schema["customer_id"].dataType, T.StringType)
    partial_schema = T.StructType(
        [
            T.StructField("table", T.StringType()),
            T.StructField("rule", T.LongType()),
            T.StructField("name", T.StringType()),
            T.StructField("segment", T.StringType()),
        ]
        + [T.StructField(m, T.LongType()) for m in _scale.BACKTEST_METRICS]
        + [T.StructField("customer_id", T.LongType() if integral_ids else T.StringType())]
        + [T.StructField(r, T.LongType()) for r in _scale.BACKTEST_RECORD_INTEGERS]
        + [T.StructField("reason", T.StringType())]
    )
    options = {"utc_offset_minutes": int(utc_offset_minutes), "skip_invalid": bool(skip_invalid)}
    task = functools.partial(
        _backtest_task, rules_blob=rules_blob, model_blob=model_blob, options=options,
        transaction_columns=["customer_id", "timestamp", "unit_price", *optional],
        customer_columns=customer_columns, feedback_columns=feedback_columns, schema=partial_schema,
    )
    if partitions is not None:
        shuffled = rows.repartition(_partitions(transactions_df, partitions), "customer_id")
    else:
        shuffled = rows.repartition("customer_id")
    partials = shuffled.sortWithinPartitions("customer_id", _SEQ).mapInArrow(task, partial_schema)
    frame = partials.toPandas()

    def row_of(seq: int) -> int:
        positions = transactions_df.select(F.monotonically_increasing_id().alias(_SEQ))
        return int(positions.where(F.col(_SEQ) < F.lit(seq)).count())

    return _scale.backtest_result(RuleSet.from_bytes(rules_blob), frame, segments, row_of)


def _segment_labels(rows: DataFrame, customers_df: DataFrame) -> dict[Optional[str], Any]:
    """Every reporting segment the single-machine back-test lists, as the tasks see it (the
    label cast to a string) mapped to the customers' own value; ``None`` when a customer has
    none or a buyer is not among the customers."""
    pairs = customers_df.select(F.col("segment"), F.col("segment").cast("string")).distinct().collect()
    found: dict[Optional[str], Any] = {key: value for value, key in pairs if key is not None}
    unlabelled = rows.where(F.col(_CUSTOMER_PREFIX + "segment").isNull()).limit(1).count() > 0
    if unlabelled or any(key is None for _, key in pairs):
        found[None] = None
    return found


def _backtest_task(
    batches: Iterator[pa.RecordBatch], *, rules_blob: bytes, model_blob: Optional[bytes],
    options: dict[str, Any], transaction_columns: list[str], customer_columns: Optional[list[str]],
    feedback_columns: Optional[list[str]], schema: T.StructType,
) -> Iterator[pa.RecordBatch]:
    rule_set = RuleSet.from_bytes(rules_blob)
    if model_blob is not None:
        options = {**options, "churn_model": ChurnModel.from_bytes(model_blob)}
    parts = []
    for table in _by_customer(batches, "customer_id", BACKTEST_CHUNK_ROWS):
        customers = None
        if customer_columns is not None:
            prefixed = ["customer_id", *[_CUSTOMER_PREFIX + c for c in customer_columns]]
            customers = _scale.joined_customers(table.select(prefixed).to_pandas(), customer_columns)
        answers = None
        if feedback_columns is not None:
            given = table.select(["customer_id", *[_FB + c for c in feedback_columns]]).take(_in_order(table, _FSEQ))
            answers = given.rename_columns(["customer_id", *feedback_columns]).to_pandas()
        # The rows of purchases (a customer without any has one row of nulls from the full
        # join; an answer, one without a purchase), in input order.
        order = _in_order(table, _SEQ)
        frame = table.select(transaction_columns).take(order).to_pandas()
        sequence = _numpy(table.column(_SEQ).take(order)).astype(np.int64)
        parts.append(
            _scale.backtest_partial(rule_set, frame, customers, options, sequence, answers)
        )
    if parts:
        every = pd.concat(parts, ignore_index=True)
        records = every["table"].isin(["customer", "first_skipped"])
        keys = list(_scale.BACKTEST_KEYS)
        summed = every[~records][[*keys, *_scale.BACKTEST_METRICS]]
        summed = summed.groupby(keys, dropna=False, sort=False).sum().reset_index()
        out = pd.concat([summed, every[records]], ignore_index=True)
        for column in _scale.BACKTEST_RECORD_INTEGERS:
            out[column] = out[column].astype("Int64")
        arrow = pa.schema([(f.name, _arrow_of(f.dataType)) for f in schema.fields])
        table = pa.Table.from_pandas(out[[f.name for f in schema.fields]], schema=arrow, preserve_index=False)
        yield from table.combine_chunks().to_batches()


def _in_order(table: pa.Table, column: str) -> np.ndarray[Any, Any]:
    """The rows of ``table`` where ``column`` (a non-negative input position) is not null, in
    its order: the indices to take."""
    seq = _numpy(pc.fill_null(table.column(column), -1)).astype(np.int64, copy=False)
    rows = np.flatnonzero(seq >= 0)
    order: np.ndarray[Any, Any] = rows[np.argsort(seq[rows], kind="stable")]
    return order


def _arrow_of(kind: T.DataType) -> pa.DataType:
    return pa.string() if isinstance(kind, T.StringType) else pa.int64()
