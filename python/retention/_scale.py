"""What :mod:`retention.spark` and :mod:`retention.dask` share: the work one task does on its
slice of the data, with the existing single-machine functions, and the driver-side assembly of
the per-task results. Engine-neutral: NumPy, pandas and the native extension only.

A task's slice always holds whole customers (the engines shuffle by customer first), so each
customer's summary, score and back-test are exactly the single-machine ones; per-task back-test
totals add up exactly because tasks hold disjoint customers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Optional

import numpy as np
import pandas as pd

from . import _retention, _time
from .exceptions import CapacityError, ValidationError
from .model import BANDS, SEGMENTS, ChurnModel
from .rules import BacktestResult, backtest
from .transactions import _customer_codes

__all__ = [
    "COMPRESS_MAX_ROWS",
    "Compressed",
    "SUMMARY_COLUMNS",
    "summary_arrays",
    "model_from",
    "rule_set_from",
    "score_columns",
    "scored",
    "BACKTEST_METRICS",
    "backtest_partial",
    "backtest_result",
]

#: The most distinct rows :func:`retention.spark.compress` and :func:`retention.dask.compress`
#: collect to the driver (per table); past it they raise :class:`~retention.CapacityError`.
#: 5 million rows of four float64 columns are 160 MB on the driver.
COMPRESS_MAX_ROWS: int = 5_000_000

#: The summary columns after the customer id, as :func:`retention.summary_data_from_transaction_data`.
SUMMARY_COLUMNS: tuple[str, ...] = ("frequency", "recency", "T", "monetary_value")


class Compressed(NamedTuple):
    """A summary compressed for fitting, collected on the driver.

    ``purchases``: the distinct ``(frequency, recency, T)`` rows with ``weight`` (customers
    with that history), for the purchase fitters' ``fit(..., weights=)``. ``spend``: the
    distinct ``(frequency, monetary_value)`` rows of repeat buyers (``frequency > 0``) with
    ``weight``, for :meth:`GammaGammaFitter.fit <retention.GammaGammaFitter.fit>`; ``None``
    without a ``monetary_value`` column. ``customers``: the number of summary rows.
    """

    purchases: pd.DataFrame
    spend: Optional[pd.DataFrame]
    customers: int


def too_many_rows(table: str, rows: int, limit: int) -> CapacityError:
    """The refusal of a compression whose distinct rows exceed ``limit``, with the advice."""
    return CapacityError(
        f"compress: {rows:,} distinct {table} rows exceed the limit of {limit:,} "
        "(max_rows); nothing was collected. Measure time in weeks (summary(freq=\"W\") or "
        "freq_multiplier=7 on day grain), fit on a random sample of customers "
        "(summary_df.sample(fraction)), or raise max_rows if the driver has the memory "
        "(about 32 bytes a row)"
    )


def summary_arrays(
    ids: Any, days: np.ndarray[Any, Any], amounts: Optional[np.ndarray[Any, Any]], end: int, grain: str, unit: str
) -> tuple[Any, ...]:
    """The summary of whole customers' transactions (ids in any NumPy dtype, day numbers,
    amounts) through the core, as :func:`retention.summary_data_from_transaction_data`
    computes it: ``(ids, frequency, recency, T, monetary_value)``."""
    codes, decode = _customer_codes(ids)
    out_ids, frequency, recency, age, monetary = _retention.churn_summary(
        codes, np.ascontiguousarray(days, dtype=np.int64), amounts, end, grain, unit
    )
    return decode(out_ids), frequency, recency, age, monetary


def model_from(model: Any) -> tuple[ChurnModel, bytes]:
    """A :class:`ChurnModel` or its blob, checked on the driver, and the bytes workers get.

    Raises :class:`~retention.DecodeError` for a corrupt blob, :class:`~retention.ValidationError`
    for anything that is neither.
    """
    if isinstance(model, ChurnModel):
        return model, model.to_bytes()
    if isinstance(model, (bytes, bytearray, memoryview)):
        blob = bytes(model)
        return ChurnModel.from_bytes(blob), blob
    raise ValidationError(f"model must be a retention.ChurnModel or its bytes, not {type(model).__name__}")


def rule_set_from(rule_set: Any) -> bytes:
    """The bytes workers load a :class:`~retention.RuleSet` from (checked on the driver)."""
    if isinstance(rule_set, _retention.RuleSet):
        return rule_set.to_bytes()
    if isinstance(rule_set, (bytes, bytearray, memoryview)):
        blob = bytes(rule_set)
        _retention.RuleSet.from_bytes(blob)
        return blob
    raise ValidationError(f"rule_set must be a retention.RuleSet or its bytes, not {type(rule_set).__name__}")


def with_horizon(model: ChurnModel, t: Optional[float]) -> ChurnModel:
    """``model`` with the expected purchases' horizon ``t`` (time units), or as it is."""
    if t is None:
        return model
    return ChurnModel(
        model.model,
        list(model.params),
        grain=model.grain,
        unit=model.unit,
        thresholds=model.thresholds,
        horizon=float(t),
        money_unit=model.money_unit,
        spend=model.spend,
        rfm=model.rfm,
    )


def score_columns(model: ChurnModel, columns: Optional[tuple[str, ...]]) -> list[tuple[str, np.dtype[Any]]]:
    """The score columns asked for and their dtypes, from a one-row score on the driver (which
    also proves the model scores). Default: every numeric column :meth:`ChurnModel.score`
    gives. Raises :class:`~retention.ValidationError` for an unknown name."""
    one = dict(model._native.score(np.zeros(1), np.zeros(1), np.ones(1), np.zeros(1)))
    available = {name: values.dtype for name, values in one.items()}
    available["band_name"] = np.dtype(object)
    if "rfm_segment" in available:
        available["rfm_segment_name"] = np.dtype(object)
    if columns is None:
        return [(name, dtype) for name, dtype in available.items() if dtype != object]
    unknown = [c for c in columns if c not in available]
    if unknown:
        raise ValidationError(
            f"score: no score column {', '.join(map(repr, unknown))}; this model gives "
            f"{', '.join(available)}"
        )
    return [(name, available[name]) for name in columns]


_BAND_NAMES = np.array(BANDS, dtype=object)
_SEGMENT_NAMES = np.array([SEGMENTS.get(code, "") for code in range(max(SEGMENTS) + 1)], dtype=object)


def scored(
    model: ChurnModel,
    names: list[str],
    frequency: np.ndarray[Any, Any],
    recency: np.ndarray[Any, Any],
    age: np.ndarray[Any, Any],
    spend: Optional[np.ndarray[Any, Any]],
) -> list[np.ndarray[Any, Any]]:
    """The score columns ``names`` of one batch, straight from the core's batch scorer (the
    arrays :meth:`ChurnModel.score` wraps in a DataFrame)."""
    x, t_x, t = (np.ascontiguousarray(v, dtype=np.float64) for v in (frequency, recency, age))
    money = np.zeros(len(x)) if spend is None else np.ascontiguousarray(spend, dtype=np.float64)
    columns = dict(model._native.score(x, t_x, t, money))
    if "band_name" in names:
        columns["band_name"] = _BAND_NAMES[columns["band"]]
    if "rfm_segment_name" in names:
        columns["rfm_segment_name"] = _SEGMENT_NAMES[columns["rfm_segment"]]
    return [columns[name] for name in names]


#: The back-test's summed integer columns.
BACKTEST_METRICS: tuple[str, ...] = (
    "applied", "customers", "baskets", "spend", "points", "discount", "stamps", "rewards", "skipped"
)

#: Columns of :func:`backtest_partial`'s long table besides the metrics.
BACKTEST_KEYS: tuple[str, ...] = ("table", "rule", "name", "segment")

#: Columns of :func:`backtest_partial`'s long table that are not summed: a customer's record
#: after the history (``table`` "customer": ``customer_id``, ``tier``, ``visits``) and a task's
#: first skipped basket (``table`` "first_skipped": its time in Unix seconds ``skip_time``, its
#: first row's input position ``skip_seq`` and the core's ``reason``). Null elsewhere.
BACKTEST_RECORDS: tuple[str, ...] = ("customer_id", "tier", "visits", "skip_time", "skip_seq", "reason")

#: Of :data:`BACKTEST_RECORDS`, the integer ones (nullable ``Int64`` in the long table).
BACKTEST_RECORD_INTEGERS: tuple[str, ...] = ("tier", "visits", "skip_time", "skip_seq")


CUSTOMER_PREFIX = "__retention_customer_"


def joined_customers(frame: pd.DataFrame, columns: Optional[list[str]]) -> Optional[pd.DataFrame]:
    """The customers table of a task's rows that carry their customer's ``columns`` (prefixed
    with :data:`CUSTOMER_PREFIX`, joined on by the engine): one row per customer, segment
    labels as strings with ``None`` for none (also for buyers missing from the customers).
    ``columns`` None: no customers table was given."""
    if columns is None:
        return None
    prefixed = [CUSTOMER_PREFIX + c for c in columns]
    customers = frame[["customer_id", *prefixed]].drop_duplicates("customer_id")
    customers = customers.rename(columns=dict(zip(prefixed, columns))).reset_index(drop=True)
    if "segment" in customers:
        labels = customers["segment"].to_numpy(dtype=object)
        customers["segment"] = pd.Series(
            [None if pd.isna(v) else str(v) for v in labels], dtype=object
        )
    return customers


def label(value: Any) -> Optional[str]:
    """A reporting segment label as a string; ``None`` (also NaN, as pandas shows a missing
    label) for none."""
    return None if value is None or pd.isna(value) else str(value)


def _long_table(rows: int, table: str, columns: dict[str, Any]) -> pd.DataFrame:
    """``rows`` rows of :func:`backtest_partial`'s long table, all ``table``: the ``columns``
    given, the others at their defaults (rule -1, metrics 0, the rest null), in the long
    table's column order and dtypes."""
    def objects(values: Any) -> np.ndarray[Any, Any]:
        return np.full(rows, None, dtype=object) if values is None else np.asarray(values, dtype=object)

    segments = columns.get("segment")
    out: dict[str, Any] = {
        "table": np.full(rows, table, dtype=object),
        "rule": np.asarray(columns.get("rule", np.full(rows, -1)), dtype=np.int64),
        "name": objects(columns.get("name")),
        "segment": objects(None if segments is None else [label(v) for v in segments]),
    }
    for metric in BACKTEST_METRICS:
        out[metric] = np.asarray(columns.get(metric, np.zeros(rows)), dtype=np.int64)
    for record in BACKTEST_RECORDS:
        given = columns.get(record)
        if record in BACKTEST_RECORD_INTEGERS:
            values = np.zeros(rows, dtype=np.int64) if given is None else np.asarray(given, dtype=np.int64)
            out[record] = pd.arrays.IntegerArray(values, np.full(rows, given is None))
        else:
            out[record] = objects(given)
    return pd.DataFrame(out)


def backtest_partial(
    rule_set: _retention.RuleSet,
    transactions: pd.DataFrame,
    customers: Optional[pd.DataFrame],
    options: dict[str, Any],
    sequence: Optional[np.ndarray[Any, Any]] = None,
    feedback: Optional[pd.DataFrame] = None,
) -> pd.DataFrame:
    """:func:`retention.rules.backtest` of whole customers, as a long table: one row per rule
    (``table`` "rule"), segment ("segment"), rule and segment ("rule_segment"), one of
    totals ("total"), one per customer ("customer", every customer of ``customers`` and of
    ``feedback`` too) and one for the first skipped basket ("first_skipped"), with
    :data:`BACKTEST_METRICS` (0 where a table has no such column) and
    :data:`BACKTEST_RECORDS`. Segment labels are strings (missing: ``None``).

    ``transactions`` must be in input order (a subsequence of the engine's input), and
    ``sequence`` each row's input position (ascending; default: the row number), so that the
    first skipped basket here is the earliest by the single-machine order (time, then input
    row) and tasks' first skipped baskets compare by ``(skip_time, skip_seq)``. ``feedback``:
    the NPS answers of these customers, in input order (``feedback=`` of the back-test).
    Built column by column (no Python loop over customers)."""
    pieces = [_long_table(0, "total", {})]
    some = len(transactions) or any(t is not None and len(t) for t in (customers, feedback))
    if some:
        result = backtest(rule_set, transactions, customers, progress=False, feedback=feedback, **options)
        for table, frame in (
            ("rule", result.by_rule), ("segment", result.by_segment), ("rule_segment", result.by_rule_segment)
        ):
            pieces.append(_long_table(len(frame), table, {c: frame[c].to_numpy() for c in frame.columns}))
        pieces.append(_long_table(1, "total", {"baskets": [result.baskets], "skipped": [result.skipped]}))
        people = result.customers
        pieces.append(
            _long_table(
                len(people), "customer",
                {"customer_id": people["customer_id"], "tier": people["tier"], "visits": people["visits"]},
            )
        )
        if result.first_skipped is not None:
            row, reason = result.first_skipped
            seq = int(row if sequence is None else sequence[row])
            time = int(
                _time.unix_seconds(
                    transactions["timestamp"].iloc[row : row + 1], "timestamp",
                    int(options.get("utc_offset_minutes", 0)),
                )[0]
            )
            pieces.append(
                _long_table(1, "first_skipped", {"skip_time": [time], "skip_seq": [seq], "reason": [reason]})
            )
    return pd.concat(pieces, ignore_index=True)


def backtest_result(
    rule_set: _retention.RuleSet,
    partials: pd.DataFrame,
    segments: Optional[dict[Optional[str], Any]],
    row_of: Callable[[int], int],
) -> BacktestResult:
    """The single-machine :class:`~retention.rules.BacktestResult` from the tasks' long tables
    (:func:`backtest_partial`, concatenated): totals summed; rules in evaluation order;
    segments as :func:`retention.rules.backtest` orders and types them (``segments`` maps
    each string label the tasks report to the customers' own label, ``None`` to ``None``;
    sorted by ``str`` of the label, ``None`` last; segments without baskets keep their zero
    row); ``customers`` sorted by id as the single machine does (each customer is one task's);
    ``first_skipped`` the earliest of the tasks' by (time, input position), its row given by
    ``row_of(input position)``."""
    partials = partials.reset_index(drop=True)
    partials["segment"] = pd.Series([label(v) for v in partials["segment"]], dtype=object)
    summed_tables = partials[~partials["table"].isin(["customer", "first_skipped"])]
    summed_tables = summed_tables[[*BACKTEST_KEYS, *BACKTEST_METRICS]]
    summed = summed_tables.groupby(list(BACKTEST_KEYS), dropna=False, sort=False).sum().reset_index()
    summed["segment"] = pd.Series([label(v) for v in summed["segment"]], dtype=object, index=summed.index)
    segments = dict(segments or {})
    original = {key: value for key, value in segments.items()}

    def table(name: str, columns: list[str]) -> pd.DataFrame:
        part = summed[summed["table"] == name]
        return part[columns].reset_index(drop=True)

    rule_columns = ["applied", "customers", "points", "discount", "stamps", "rewards"]
    segment_columns = ["customers", "baskets", "spend", "points", "discount", "stamps", "rewards"]
    order = {rule: i for i, (rule, _) in enumerate(rule_set.rules)}
    names = dict(rule_set.rules)

    by_rule = pd.DataFrame({"rule": [r for r, _ in rule_set.rules], "name": [n for _, n in rule_set.rules]})
    found = table("rule", ["rule", *rule_columns])
    by_rule = by_rule.merge(found, on="rule", how="left").fillna(0)
    for column in rule_columns:
        by_rule[column] = by_rule[column].astype(np.int64)

    def segment_key(key: Optional[str]) -> tuple[int, str]:
        return (1, "") if key is None else (0, str(original.get(key, key)))

    found_segments = {
        row["segment"]: row for row in table("segment", ["segment", *segment_columns]).to_dict("records")
    }
    keys = sorted(set(found_segments) | set(segments), key=segment_key)
    by_segment = pd.DataFrame(
        {
            "segment": [original.get(key, key) for key in keys],
            **{
                column: np.array([int(found_segments.get(key, {}).get(column, 0)) for key in keys], dtype=np.int64)
                for column in segment_columns
            },
        }
    )

    cells = table("rule_segment", ["rule", "segment", *rule_columns])
    ranked = sorted(
        range(len(cells)),
        key=lambda i: (order.get(int(cells["rule"].iloc[i]), 0), segment_key(cells["segment"].iloc[i])),
    )
    cells = cells.iloc[ranked].reset_index(drop=True)
    # Built from lists, as the single-machine back-test builds its frames (same inferred dtypes).
    by_rule_segment = pd.DataFrame(
        {
            "rule": cells["rule"].to_numpy(dtype=np.int64),
            "name": [names[int(r)] for r in cells["rule"]],
            "segment": [original.get(key, key) for key in cells["segment"]],
            **{column: cells[column].to_numpy(dtype=np.int64) for column in rule_columns},
        }
    )

    people = partials[partials["table"] == "customer"]
    column = people["customer_id"]
    if pd.api.types.is_numeric_dtype(column.dtype):  # integer ids (float from a nullable column)
        ids = column.to_numpy(dtype=np.int64)
    else:
        values = column.to_numpy(dtype=object)
        integral = len(values) > 0 and all(isinstance(v, (int, np.integer)) for v in values)
        ids = values.astype(np.int64) if integral else values.astype(str)
    ranks = np.argsort(ids, kind="stable")
    customers = pd.DataFrame(
        {
            "customer_id": ids[ranks].tolist(),
            "tier": people["tier"].to_numpy(dtype=np.int64)[ranks],
            "visits": people["visits"].to_numpy(dtype=np.int64)[ranks],
        }
    )

    skips = partials[partials["table"] == "first_skipped"]
    first_skipped: Optional[tuple[int, str]] = None
    if len(skips):
        earliest = min(
            zip(skips["skip_time"].astype(np.int64), skips["skip_seq"].astype(np.int64), skips["reason"])
        )
        first_skipped = (int(row_of(int(earliest[1]))), str(earliest[2]))

    totals = summed[summed["table"] == "total"]
    return BacktestResult(
        baskets=int(totals["baskets"].sum()),
        skipped=int(totals["skipped"].sum()),
        first_skipped=first_skipped,
        by_rule=by_rule,
        by_segment=by_segment,
        by_rule_segment=by_rule_segment,
        customers=customers,
    )


def check_columns(present: dict[str, str], needed: dict[str, tuple[str, ...]], where: str) -> None:
    """Raises :class:`~retention.ValidationError` naming the first column of ``needed`` (name →
    accepted kinds) that ``present`` (name → kind) lacks or holds in another kind."""
    for column, kinds in needed.items():
        if column not in present:
            raise ValidationError(f"{where}: no such column `{column}` (columns: {', '.join(present)})")
        if present[column] not in kinds:
            raise ValidationError(
                f"{where}: column `{column}` is {present[column]}, expected {' or '.join(kinds)}"
            )
