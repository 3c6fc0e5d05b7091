"""retention on Dask: summaries, compression for fitting, scoring and back-testing of Dask
DataFrames, with any scheduler (threaded, ``distributed.LocalCluster``, a cluster).
``import retention.dask`` needs ``dask[dataframe]`` (the ``dask`` extra); ``import retention``
never imports it.

Every function translates between Dask and the single-machine functions and adds no domain
logic: rows are shuffled by customer (``DataFrame.shuffle(on=...)``) so that a partition holds
whole customers, and ``map_partitions`` hands each pandas partition to
:func:`retention.summary_data_from_transaction_data`, the core scorer behind
:meth:`retention.ChurnModel.score` and :func:`retention.rules.backtest`. Results equal the
single-machine ones: summaries and back-test totals exactly, scores to the last bit. Models
travel to the workers as their bytes (``ChurnModel.to_bytes``, ``RuleSet.to_bytes``).

Dates and times follow pandas, exactly as in the single-machine functions (aware values at
their wall-clock date in summaries; as instants in back-tests).

Errors are the project's: a missing column or a wrong model raise on the client before any
computation; a bad value (a missing id or date) raises the same
:class:`~retention.ValidationError` when the checking pass or the partition reaches it (Dask
re-raises a task's exception on the client).
"""

from __future__ import annotations

from typing import Any, Optional

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd

from . import _scale, _time
from ._retention import RuleSet
from ._scale import COMPRESS_MAX_ROWS, Compressed
from .exceptions import ValidationError
from .model import ChurnModel
from .rules import BacktestResult
from ._columns import float_column
from .transactions import _frame, periods

__all__ = ["COMPRESS_MAX_ROWS", "Compressed", "summary", "compress", "score", "backtest"]

_SEQ = "__retention_seq"
#: Bits of a row's position within its partition in the input-order key (`_SEQ`); the
#: partition number above them.
_SEQ_SHIFT = 40
_CUSTOMER_PREFIX = _scale.CUSTOMER_PREFIX
_CUSTOMER_COLUMNS = ("tier", "segments", "birthday", "segment")
_BACKTEST_OPTIONAL = ("quantity", "sku", "category", "basket_id", "store", "channel", "coupon", "churn_risk")


def _require(ddf: Any, columns: list[str], where: str) -> None:
    for column in columns:
        if column not in ddf.columns:
            raise ValidationError(f"{where}: no such column `{column}` (columns: {', '.join(map(str, ddf.columns))})")


def _numeric(ddf: Any, columns: list[str], where: str) -> None:
    for column in columns:
        dtype = ddf.dtypes[column]
        if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)):
            raise ValidationError(f"{where}: column `{column}` is {dtype}, expected numbers")


def _with_sequence(
    frame: pd.DataFrame, partition_info: Optional[dict[str, Any]] = None, column: str = _SEQ
) -> pd.DataFrame:
    """``frame`` with its rows' global input order (partition number, then row) in ``column``."""
    number = 0 if partition_info is None else int(partition_info["number"])
    out = frame.copy()
    out[column] = np.arange(len(frame), dtype=np.int64) + (number << _SEQ_SHIFT)
    return out


def summary(
    ddf: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    datetime_format: Optional[str] = None,
    npartitions: Optional[int] = None,
) -> Any:
    """:func:`retention.summary_data_from_transaction_data` of a Dask DataFrame of
    transactions, as a lazy Dask DataFrame indexed by customer id (partitions in no order:
    sort to compare), equal row for row to the single-machine summary of the same rows.

    Plan: each partition's dates become day numbers as the single-machine function reads them
    (one ``map_partitions``; amounts as floats, the rows' input positions); one checking
    pass (missing ids, and the last date when ``observation_period_end`` is not given); then
    a shuffle of these numeric columns by customer and ``map_partitions`` into the core's
    summary, rows in input order. ``npartitions``: of the shuffle (default: the input's).

    Raises :class:`~retention.ValidationError` as the single-machine function: a missing
    column on the client; missing ids (and, without ``observation_period_end``, unreadable
    dates) from the checking pass; otherwise unreadable dates or bad amounts when computed.
    """
    grain, unit = periods(freq, freq_multiplier)
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    _require(ddf, columns, "summary")
    if monetary_value_col:
        _numeric(ddf, [monetary_value_col], "summary")
    rows = ddf[columns]
    settings = dict(
        customer_id_col=customer_id_col, datetime_col=datetime_col, monetary_value_col=monetary_value_col,
        datetime_format=datetime_format,
    )
    numeric = rows.map_partitions(_day_rows, **settings, meta=_day_rows(rows._meta, **settings))
    missing_ids = rows[customer_id_col].isna().sum()
    if observation_period_end is None:
        last = numeric[_DAY].max()
        missing, last_day = dask.compute(missing_ids, last)
        if not missing and pd.isna(last_day):
            raise ValidationError("summary: no transactions")
    else:
        missing = missing_ids.compute()
    if missing:
        raise ValidationError(f"summary: column `{customer_id_col}` has {missing} missing ids")
    if observation_period_end is None:
        end = int(last_day)
    else:
        end = _time.day_number(observation_period_end, datetime_format, "observation_period_end")
    task = dict(
        customer_id_col=customer_id_col, end=end, grain=grain, unit=unit, has_amounts=monetary_value_col is not None
    )
    meta = _summary_task(numeric._meta, **task)
    shuffled = numeric.shuffle(on=customer_id_col, npartitions=npartitions)
    return shuffled.map_partitions(_summary_task, meta=meta, **task)


_DAY, _AMOUNT = "__retention_day", "__retention_amount"


def _day_rows(
    frame: pd.DataFrame, customer_id_col: str, datetime_col: str, monetary_value_col: Optional[str],
    datetime_format: Optional[str], partition_info: Optional[dict[str, Any]] = None,
) -> pd.DataFrame:
    """A partition's transactions as the core reads them: ids, day numbers (the single-machine
    time rule), amounts as floats, and each row's input position (:func:`_with_sequence`)."""
    out = {
        customer_id_col: frame[customer_id_col].to_numpy(),
        _DAY: _time.day_numbers(frame[datetime_col], datetime_format, datetime_col),
    }
    if monetary_value_col is not None:
        out[_AMOUNT] = float_column(frame[monetary_value_col], monetary_value_col)
    number = 0 if partition_info is None else int(partition_info["number"])
    out[_SEQ] = np.arange(len(frame), dtype=np.int64) + (number << _SEQ_SHIFT)
    return pd.DataFrame(out, index=frame.index)


def _summary_task(
    frame: pd.DataFrame, customer_id_col: str, end: int, grain: str, unit: str, has_amounts: bool
) -> pd.DataFrame:
    order = np.argsort(frame[_SEQ].to_numpy(), kind="stable")
    amounts = frame[_AMOUNT].to_numpy(dtype=np.float64)[order] if has_amounts else None
    ids, frequency, recency, age, monetary = _scale.summary_arrays(
        frame[customer_id_col].to_numpy()[order], frame[_DAY].to_numpy(dtype=np.int64)[order], amounts, end, grain, unit
    )
    return _frame(
        ids, {"frequency": frequency, "recency": recency, "T": age, "monetary_value": monetary},
        customer_id_col, has_amounts,
    )


def compress(summary_ddf: Any, max_rows: int = COMPRESS_MAX_ROWS) -> Compressed:
    """The distinct rows of a summary with their ``weight``, aggregated by Dask
    (``groupby().size()``) and computed to pandas on the client: see
    :class:`~retention.dask.Compressed`. The distinct rows are counted first; past
    ``max_rows`` (default :data:`COMPRESS_MAX_ROWS`, 5 million) nothing is collected and
    :class:`~retention.CapacityError` says how to shrink them.

    Raises :class:`~retention.ValidationError` for a missing or non-numeric column.
    """
    _require(summary_ddf, ["frequency", "recency", "T"], "compress")
    _numeric(summary_ddf, ["frequency", "recency", "T"], "compress")
    purchases = _distinct(summary_ddf, ["frequency", "recency", "T"], "(frequency, recency, T)", max_rows)
    spend = None
    if "monetary_value" in summary_ddf.columns:
        _numeric(summary_ddf, ["monetary_value"], "compress")
        repeat = summary_ddf[summary_ddf["frequency"] > 0]
        spend = _distinct(repeat, ["frequency", "monetary_value"], "(frequency, monetary_value)", max_rows)
    return Compressed(purchases, spend, int(purchases["weight"].sum()))


def _distinct(ddf: Any, keys: list[str], table: str, limit: int) -> pd.DataFrame:
    grouped = ddf[keys].groupby(keys).size()
    rows = int(grouped.shape[0].compute())
    if rows > limit:
        raise _scale.too_many_rows(table, rows, limit)
    frame: pd.DataFrame = grouped.compute().rename("weight").astype(np.float64).reset_index()
    return frame


def score(
    ddf: Any,
    model: Any,
    columns: Optional[tuple[str, ...]] = None,
    t: Optional[float] = None,
    *,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    mean_spend_minor_col: Optional[str] = None,
) -> Any:
    """``ddf`` with score columns added by ``map_partitions`` into the core scorer behind
    :meth:`ChurnModel.score <retention.ChurnModel.score>`; arguments and errors as
    :func:`retention.spark.score` (a bad row raises when computed)."""
    checked, _ = _scale.model_from(model)
    checked = _scale.with_horizon(checked, t)
    wanted = _scale.score_columns(checked, columns)
    inputs = [frequency_col, recency_col, T_col] + ([mean_spend_minor_col] if mean_spend_minor_col else [])
    _require(ddf, inputs, "score")
    _numeric(ddf, inputs, "score")
    clash = [name for name, _ in wanted if name in ddf.columns]
    if clash:
        raise ValidationError(f"score: the input already has column(s) {', '.join(clash)}")
    names = [name for name, _ in wanted]
    meta = ddf._meta.copy()
    for name, dtype in wanted:
        meta[name] = pd.Series([], dtype=dtype)
    return ddf.map_partitions(_score_task, checked.to_bytes(), names, inputs, meta=meta)


def _score_task(frame: pd.DataFrame, blob: bytes, names: list[str], inputs: list[str]) -> pd.DataFrame:
    model = ChurnModel.from_bytes(blob)
    values = [frame[column].to_numpy(dtype=np.float64) for column in inputs]
    spend = values[3] if len(values) > 3 else None
    out = frame.copy()
    for name, column in zip(names, _scale.scored(model, names, values[0], values[1], values[2], spend)):
        out[name] = column
    return out


def backtest(
    transactions_ddf: Any,
    rule_set: Any,
    customers_ddf: Any = None,
    *,
    utc_offset_minutes: int = 0,
    skip_invalid: bool = False,
    churn_model: Any = None,
    feedback: Any = None,
    npartitions: Optional[int] = None,
) -> BacktestResult:
    """:meth:`RuleSet.backtest <retention.RuleSet.backtest>` of Dask DataFrames (pandas
    partitions), equal attribute by attribute to the single-machine back-test of the same rows
    (``first_skipped``'s row counted over the partitions in order; ``customers`` collected to
    the client: 24 bytes a customer in the result, a few hundred while assembled); see :func:`retention.spark.backtest`. Plan:
    feedback answers (``feedback``: a Dask DataFrame of NPS answers, as the single-machine
    ``feedback=``) added to the transactions' rows, customers merged onto them (an outer
    merge, so customers without a purchase keep their record), a shuffle by ``customer_id``,
    ``map_partitions`` into the single-machine back-test (rows and answers in input order),
    the partial totals, customer records and first skipped baskets computed to the client,
    where the totals are summed and the earliest skipped basket is picked by (time, input
    position).

    Raises :class:`~retention.ValidationError` on the client for a missing column,
    :class:`~retention.DecodeError` for corrupt bytes; a value the back-test refuses raises
    its error when computed.
    """
    rules_blob = _scale.rule_set_from(rule_set)
    model_blob = None if churn_model is None else _scale.model_from(churn_model)[1]
    _require(transactions_ddf, ["customer_id", "timestamp", "unit_price"], "backtest")
    optional = [c for c in _BACKTEST_OPTIONAL if c in transactions_ddf.columns]
    transaction_columns = ["customer_id", "timestamp", "unit_price", *optional]
    rows = transactions_ddf[transaction_columns]
    dtypes = dict(rows._meta.dtypes)
    rows = rows.map_partitions(_with_sequence, meta=_with_sequence(rows._meta))
    feedback_dtypes: Optional[dict[str, Any]] = None
    if feedback is not None:
        _require(feedback, ["customer_id", "timestamp", "score"], "backtest feedback")
        kept = ["customer_id", "timestamp", "score"] + (["channel"] if "channel" in feedback.columns else [])
        answers = feedback[kept].rename(columns={c: _FB + c for c in kept[1:]})
        feedback_dtypes = dict(feedback[kept]._meta.dtypes)
        answers = answers.map_partitions(_with_sequence, column=_FSEQ, meta=_with_sequence(answers._meta, None, _FSEQ))
        rows = dd.concat([rows, answers], join="outer", interleave_partitions=True)
    customer_columns: Optional[list[str]] = None
    segments: dict[Optional[str], Any] = {"all": "all"}
    if customers_ddf is not None:
        _require(customers_ddf, ["customer_id"], "backtest customers")
        customer_columns = [c for c in _CUSTOMER_COLUMNS if c in customers_ddf.columns]
        customers = customers_ddf[["customer_id", *customer_columns]].rename(
            columns={c: _CUSTOMER_PREFIX + c for c in customer_columns}
        )
        rows = rows.merge(customers, on="customer_id", how="outer")
        if "segment" in customer_columns:
            segments = _segment_labels(rows, customers)
    options = {"utc_offset_minutes": int(utc_offset_minutes), "skip_invalid": bool(skip_invalid)}
    meta = _scale.backtest_partial(RuleSet.from_bytes(rules_blob), pd.DataFrame(), None, options)
    partials = rows.shuffle(on="customer_id", npartitions=npartitions).map_partitions(
        _backtest_task, rules_blob, model_blob, options, dtypes, customer_columns, feedback_dtypes, meta=meta
    )
    frame = partials.compute()

    def row_of(seq: int) -> int:
        lengths = transactions_ddf.map_partitions(len).compute()
        number, row = seq >> _SEQ_SHIFT, seq & ((1 << _SEQ_SHIFT) - 1)
        return int(sum(int(n) for n in list(lengths)[:number])) + row

    return _scale.backtest_result(RuleSet.from_bytes(rules_blob), frame, segments, row_of)


_FSEQ, _FB = "__retention_feedback_seq", "__retention_feedback_"


def _segment_labels(rows: Any, customers: Any) -> dict[Optional[str], Any]:
    """The reporting segments: each label as the tasks report it (``str``) mapped to the
    customers' own value, and ``None`` when a customer has none or a buyer is not among the
    customers."""
    column = _CUSTOMER_PREFIX + "segment"
    labels, unlabelled, missing = dask.compute(
        customers[column].dropna().unique(), rows[column].isna().sum(), customers[column].isna().sum()
    )
    found: dict[Optional[str], Any] = {str(label): label for label in labels}
    if int(unlabelled) or int(missing):
        found[None] = None
    return found


def _backtest_task(
    frame: pd.DataFrame, rules_blob: bytes, model_blob: Optional[bytes], options: dict[str, Any],
    dtypes: dict[str, Any], customer_columns: Optional[list[str]], feedback_dtypes: Optional[dict[str, Any]],
) -> pd.DataFrame:
    rule_set = RuleSet.from_bytes(rules_blob)
    if model_blob is not None:
        options = {**options, "churn_model": ChurnModel.from_bytes(model_blob)}
    customers = _scale.joined_customers(frame, customer_columns)
    answers = None
    if feedback_dtypes is not None:
        given = frame[frame[_FSEQ].notna()].sort_values(_FSEQ, kind="stable")
        given = given[["customer_id", *[_FB + c for c in list(feedback_dtypes)[1:]]]]
        given.columns = list(feedback_dtypes)
        answers = given.astype(feedback_dtypes).reset_index(drop=True)
    # The rows of purchases (a customer without any has one row of NaN from the outer merge,
    # which also turned integer columns into floats; an answer, one without a purchase), in
    # input order.
    bought = frame[frame[_SEQ].notna()].sort_values(_SEQ, kind="stable")
    sequence = bought[_SEQ].to_numpy(dtype=np.int64)
    transactions = bought[list(dtypes)].astype(dtypes).reset_index(drop=True)
    return _scale.backtest_partial(rule_set, transactions, customers, options, sequence, answers)
