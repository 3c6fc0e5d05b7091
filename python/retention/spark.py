"""retention on Apache Spark (pyspark 4): summaries, compression for fitting, scoring and
back-testing of DataFrames too large for one machine. ``import retention.spark`` needs pyspark
and pyarrow (the ``spark`` extra); ``import retention`` never imports them.

Every function translates between Spark and the single-machine functions and adds no domain
logic: rows are shuffled by customer (``repartition`` on the customer column, then
``sortWithinPartitions`` so that a customer's rows arrive together and in input order) and each
task hands Arrow batches to the same core functions :func:`retention.summary_data_from_transaction_data`,
:meth:`retention.ChurnModel.score` and :func:`retention.rules.backtest` use, through
``mapInArrow``. Results equal the single-machine ones: summaries and back-test totals exactly,
scores to the last bit. Models travel to the workers as their bytes (``ChurnModel.to_bytes``,
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

from . import _scale, _time
from ._retention import RuleSet
from ._scale import COMPRESS_MAX_ROWS, Compressed
from .exceptions import ValidationError
from .model import ChurnModel
from .rules import BacktestResult
from .transactions import periods

__all__ = ["COMPRESS_MAX_ROWS", "Compressed", "summary", "compress", "score", "backtest"]

_ID, _DAY, _AMOUNT, _SEQ = "__retention_id", "__retention_day", "__retention_amount", "__retention_seq"

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


def _by_customer(batches: Iterator[pa.RecordBatch], column: str) -> Iterator[pa.Table]:
    """Tables of whole customers from batches sorted by ``column``: each batch up to its last
    customer, whose rows are carried into the next (a customer's rows can span batches)."""
    carried: Optional[pa.Table] = None
    for batch in batches:
        table = pa.Table.from_batches([batch])
        if carried is not None:
            table = pa.concat_tables([carried, table])
        if table.num_rows == 0:
            carried = table
            continue
        ids = table.column(column).to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        cut = int(starts[-1]) if len(starts) else 0
        if cut:
            yield table.slice(0, cut)
        carried = table.slice(cut)
    if carried is not None and carried.num_rows:
        yield carried


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
    ``spark.sql.shuffle.partitions``).

    Plan: one aggregation on the driver (missing values, the last date), then a shuffle of
    (id, day, amount, sequence) rows by customer, sorted within partitions, and
    ``mapInArrow`` into the core, whole customers at a time (a task holds one Arrow batch and
    one customer's rows at once).

    Raises :class:`~retention.ValidationError` on the driver: a missing column, a column of the
    wrong type, missing ids or dates, a missing, NaN or infinite amount (naming the column), an
    unsupported ``freq``, or no transactions without ``observation_period_end``.
    """
    grain, unit = periods(freq, freq_multiplier)
    id_field = _expect(df, customer_id_col, (*_INTEGER, T.StringType), "integers or strings", "summary")
    columns = [F.col(customer_id_col).alias(_ID), _day_expression(df, datetime_col).alias(_DAY)]
    if monetary_value_col is not None:
        _expect(df, monetary_value_col, _NUMERIC, "numbers", "summary")
        columns.append(F.col(monetary_value_col).cast("double").alias(_AMOUNT))
    rows = df.select(*columns, F.monotonically_increasing_id().alias(_SEQ))

    checks = [
        F.max(_DAY).alias("last"),
        F.count_if(F.col(_ID).isNull()).alias(customer_id_col),
        F.count_if(F.col(_DAY).isNull()).alias(datetime_col),
    ]
    if monetary_value_col is not None:
        amount = F.col(_AMOUNT)
        bad = amount.isNull() | F.isnan(amount) | (F.abs(amount) == float("inf"))
        checks.append(F.count_if(bad).alias(monetary_value_col))
    found = rows.agg(*checks).collect()[0].asDict()
    for column, what in ((customer_id_col, "ids"), (datetime_col, "dates")):
        if found[column]:
            raise ValidationError(f"summary: column `{column}` has {found[column]} missing {what}")
    if monetary_value_col is not None and found[monetary_value_col]:
        raise ValidationError(
            f"summary: column `{monetary_value_col}` has {found[monetary_value_col]} missing, NaN "
            "or infinite amounts"
        )
    if observation_period_end is None:
        if found["last"] is None:
            raise ValidationError("summary: no transactions")
        end = int(found["last"])
    else:
        end = _time.day_number(observation_period_end, None, "observation_period_end")

    has_amounts = monetary_value_col is not None
    is_string = isinstance(id_field.dataType, T.StringType)
    schema = T.StructType(
        [T.StructField(customer_id_col, T.StringType() if is_string else T.LongType(), False)]
        + [T.StructField(c, T.DoubleType(), False) for c in _scale.SUMMARY_COLUMNS[: 4 if has_amounts else 3]]
    )
    arrow_id = pa.string() if is_string else pa.int64()
    task = functools.partial(
        _summary_task, end=end, grain=grain, unit=unit, has_amounts=has_amounts,
        names=schema.fieldNames(), id_type=arrow_id,
    )
    shuffled = rows.repartition(_partitions(df, partitions), _ID).sortWithinPartitions(_ID, _SEQ)
    result = shuffled.mapInArrow(task, schema)
    return result.withColumn(customer_id_col, F.col(customer_id_col).cast(id_field.dataType))


def _summary_task(
    batches: Iterator[pa.RecordBatch], *, end: int, grain: str, unit: str, has_amounts: bool,
    names: list[str], id_type: pa.DataType,
) -> Iterator[pa.RecordBatch]:
    for table in _by_customer(batches, _ID):
        amounts = np.ascontiguousarray(_numpy(table.column(_AMOUNT)), dtype=np.float64) if has_amounts else None
        ids, *values = _scale.summary_arrays(
            _numpy(table.column(_ID)), _numpy(table.column(_DAY)), amounts, end, grain, unit
        )
        arrays = [pa.array(ids, type=id_type)] + [pa.array(v) for v in values[: len(names) - 1]]
        yield pa.RecordBatch.from_arrays(arrays, names=names)


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


def backtest(
    transactions_df: DataFrame,
    rule_set: Any,
    customers_df: Optional[DataFrame] = None,
    *,
    utc_offset_minutes: int = 0,
    skip_invalid: bool = False,
    churn_model: Any = None,
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

    Plan: customers (if given) are joined to their transactions (a full join, so customers
    without a purchase keep their record); rows are shuffled by ``customer_id`` and sorted
    within partitions; ``mapInArrow`` runs the single-machine back-test on whole customers
    batch by batch (a customer's baskets in time order in one task, their rows in input order)
    and emits per-rule and per-segment partial totals, each customer's record once and the
    task's first skipped basket with its time and input position; the driver collects these,
    sums the totals and picks the earliest skipped basket by (time, input position), the order
    the single-machine back-test uses. Finding that basket's row takes one more count job,
    only when a basket was skipped (``transactions_df`` must read its rows in the same order
    again, as files and in-memory data do).

    ``rule_set``: a :class:`~retention.RuleSet` or its bytes; ``churn_model``: a
    :class:`~retention.ChurnModel` or its bytes; the other options as the single-machine
    back-test. Raises on the driver :class:`~retention.ValidationError` (a missing column or
    one of the wrong type, naming it), :class:`~retention.DecodeError` (corrupt bytes); a
    refused basket without ``skip_invalid`` fails the job with the core's message.
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
        customer_columns=customer_columns, schema=partial_schema,
    )
    shuffled = rows.repartition(_partitions(transactions_df, partitions), "customer_id")
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
    schema: T.StructType,
) -> Iterator[pa.RecordBatch]:
    rule_set = RuleSet.from_bytes(rules_blob)
    if model_blob is not None:
        options = {**options, "churn_model": ChurnModel.from_bytes(model_blob)}
    parts = []
    for table in _by_customer(batches, "customer_id"):
        customers = None if customer_columns is None else _scale.joined_customers(table.to_pandas(), customer_columns)
        # The rows of purchases (a customer without any has one row of nulls from the full
        # join), in input order.
        bought = table.filter(pc.is_valid(table.column(_SEQ))).sort_by(_SEQ)
        frame = bought.to_pandas()
        sequence = frame[_SEQ].to_numpy(dtype=np.int64)
        parts.append(
            _scale.backtest_partial(rule_set, frame[transaction_columns], customers, options, sequence)
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


def _arrow_of(kind: T.DataType) -> pa.DataType:
    return pa.string() if isinstance(kind, T.StringType) else pa.int64()
