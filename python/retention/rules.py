"""Loyalty rules from Python: back-testing a rule set over a history of sales.

:class:`retention.RuleSet` (compile, load, evaluate, refund) is native; this module turns data
frame columns into the arrays the native back-test reads, and its totals back into data frames.
The heavy loop runs in Rust with the GIL released: every basket goes through the same
``evaluate`` the till runs.

Transactions (a pandas or polars data frame; **one row per basket line**, or one row per basket
without ``basket_id``):

============== ========================================================================= ========
column         meaning                                                                   default
============== ========================================================================= ========
customer_id    the customer (any hashable values: ints, strings)                          required
timestamp      when (the time rule, ``docs/time.md``): datetimes, naive ones as local       required
               wall-clock time and aware ones in their own zone; or integers, Unix time
               in ``timestamp_unit`` (seconds by default), local time = UTC +
               ``utc_offset_minutes``
unit_price     price of one unit, **integer minor units** (cents); floats are refused:    required
               multiply decimals by 100 and round first
quantity       units, at least 1                                                          1
sku, category  item ids (integers)                                                        0
basket_id      rows of one customer with the same basket id are one basket (at most 32    one row,
               lines); a basket's time is its first row's                                 one basket
store, channel the sale's store id and channel (0..31)                                    0
coupon         a coupon id presented with the line (0 or missing: none)                   none
churn_risk     the churn risk 0..1000 at the time (missing: unknown; ignored with          unknown
               ``churn_model``, which computes it from the carried record)
============== ========================================================================= ========

Customers (optional; one row per customer): ``customer_id``; ``tier`` (the starting tier; with a
tier policy in the rule set tiers are then re-assessed before every basket from the spend or
points in its window, with its grace period); ``segments`` (an int of segment flags for the
rules' segment conditions); ``birthday`` (dates, or ISO ``YYYY-MM-DD`` strings; only month
and day count); ``segment`` (a
reporting label: the per-segment totals group by it; customers without one are segment
``None``; without the column everyone is segment ``"all"``).

Feedback (optional; one row per NPS answer, ``feedback=``): ``customer_id``; ``timestamp`` (as the
transactions': the same time rule, ``timestamp_unit`` and ``utc_offset_minutes``; its local day
is the answer's day); ``score`` (a whole number 0..10); ``channel`` (optional: a name of
:data:`retention.feedback.CHANNELS` or its code; default ``"till"``). Each answer is folded into
its customer's record in time order, before every basket at or after its time (an answer and a
basket at the same time: the answer first), as ``Customer.record_feedback`` would at the till:
the feedback conditions (``feedback_group``, ``feedback_within_days``) then see it, so a
service-recovery rule can be tried on history before it ships. A refused answer (a score
outside 0..10, an unknown channel, a day before the customer's known first visit) raises
``ValidationError`` naming its row, with or without ``skip_invalid``.

Each customer's record (visits, last visit, usage counts, tier, churn summary, latest feedback) is carried forward through the
history in time order, exactly as the till would have kept it. Memory: about 0.5 KB per
customer and 24 bytes per basket line.
"""

from __future__ import annotations

import html
import importlib
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import numpy as np
import numpy.typing as npt

from . import _time
from ._columns import frame as _frame
from ._columns import int_argument, integer_column, to_numpy
from ._retention import FEEDBACK_CHANNELS, RuleSet, _backtest
from .exceptions import ValidationError
from .model import ChurnModel

__all__ = ["BacktestResult", "backtest"]

Progress = Union[bool, Callable[[int, int], object], None]

# Rows from which a back-test shows a progress bar unless told otherwise.
_AUTO_PROGRESS_ROWS = 200_000


@dataclass(frozen=True)
class BacktestResult:
    """What a rule set would have given and cost over a history: an object with the attributes
    below (not a mapping: ``result.by_rule``, not ``result["by_rule"]``).

    Attributes:
        baskets: the number of baskets evaluated (an ``int``, a count; not a table).
        skipped: the number of baskets skipped with ``skip_invalid=True`` (an ``int``; 0
            otherwise).
        first_skipped: ``(row, reason)`` of the first skipped basket (its first row in the
            transactions, and the core's message), or None.
        by_rule: a data frame, one row per rule in evaluation order: ``rule`` (id), ``name``,
            ``applied`` (baskets), ``customers`` (distinct), ``points``, ``discount`` (free
            items at their price), ``stamps``, ``rewards``.
        by_segment: a data frame, one row per reporting segment: ``segment`` (the label;
            ``"all"`` without a ``segment`` column, None for customers without one),
            ``customers`` (with a basket), ``baskets``, ``spend`` (before discounts),
            ``points``, ``discount``, ``stamps``, ``rewards``.
        by_rule_segment: ``by_rule``'s columns per rule and segment (``rule``, ``name``,
            ``segment``, then the totals).
        customers: a data frame of every customer's ``customer_id``, ``tier`` and ``visits``
            after the history.

    Money columns (``discount``, ``spend``) are integer minor units. Data frames are of the
    transactions' library: polars for polars DataFrames and LazyFrames, pandas otherwise.
    In a notebook the result shows as a small HTML report (``_repr_html_``).
    """

    baskets: int
    skipped: int
    first_skipped: Optional[tuple[int, str]]
    by_rule: Any
    by_segment: Any
    by_rule_segment: Any
    customers: Any

    def __repr__(self) -> str:
        return (
            f"BacktestResult(baskets={self.baskets}, skipped={self.skipped}, "
            f"rules={len(self.by_rule)}, segments={len(self.by_segment)})"
        )

    def _repr_html_(self) -> str:
        """The counts, then the per-rule and per-segment tables (their own HTML)."""
        skipped = "" if self.first_skipped is None else (
            f"; first skipped: row {self.first_skipped[0]} ({html.escape(self.first_skipped[1])})"
        )
        return (
            f"<div><p><b>BacktestResult</b>: {self.baskets:,} baskets, {self.skipped:,} skipped"
            f"{skipped}</p><p>By rule</p>{_html_table(self.by_rule)}"
            f"<p>By segment</p>{_html_table(self.by_segment)}</div>"
        )


def _html_table(table: Any) -> str:
    """A pandas or polars data frame as HTML (its own ``_repr_html_``)."""
    render = getattr(table, "_repr_html_", None)
    text = render() if callable(render) else None
    return text if isinstance(text, str) else f"<pre>{html.escape(repr(table))}</pre>"


def _has(frame: Any, column: str) -> bool:
    return column in list(frame.columns)


def _values(frame: Any, column: str) -> npt.NDArray[Any]:
    """A column as a NumPy array."""
    return to_numpy(frame[column])


def _channel_codes(values: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Feedback channels as codes: names of ``retention.feedback.CHANNELS``, or their codes."""
    if values.dtype.kind in "iu":
        coded: npt.NDArray[np.uint8] = integer_column(values, "channel", np.uint8)
        return coded
    codes = {name: code for code, name in enumerate(FEEDBACK_CHANNELS)}
    out = np.empty(len(values), dtype=np.uint8)
    for row, name in enumerate(values):
        if name not in codes:
            raise ValidationError(
                f"feedback: row {row}: channel {name!r} is not one of {', '.join(FEEDBACK_CHANNELS)}"
            )
        out[row] = codes[name]
    return out


def _missing(value: Any) -> bool:
    """Whether a label is missing: None, a float NaN, or pandas' ``NA``/``NaT``."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in ("NAType", "NaTType")


def _factorize(values: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], Any]:
    """Unique values (sorted) and each value's index among them."""
    if values.dtype == object:
        values = values.astype(str)
    uniques, inverse = np.unique(values, return_inverse=True)
    return uniques, np.ascontiguousarray(inverse.reshape(-1), dtype=np.uint32)


class _Bar:
    """A small progress bar on stderr (or tqdm's, when installed)."""

    def __init__(self) -> None:
        self._tqdm: Any = None
        self._done = 0
        try:
            self._tqdm_module: Any = importlib.import_module("tqdm")
        except ImportError:
            self._tqdm_module = None

    def __call__(self, done: int, total: int) -> None:
        if self._tqdm_module is not None:
            if self._tqdm is None:
                self._tqdm = self._tqdm_module.tqdm(total=total, unit="basket", desc="back-test")
            self._tqdm.update(done - self._done)
            self._done = done
            if done >= total:
                self._tqdm.close()
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(
            f"\rback-test [{'#' * filled}{'.' * (width - filled)}] "
            f"{100 * done // max(total, 1):3d}% {done:,}/{total:,} baskets"
        )
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def backtest(
    rule_set: RuleSet,
    transactions: Any,
    customers: Any = None,
    *,
    utc_offset_minutes: int = 0,
    timestamp_unit: str = "s",
    skip_invalid: bool = False,
    progress: Progress = None,
    churn_model: Optional[ChurnModel] = None,
    feedback: Any = None,
) -> BacktestResult:
    """Runs ``rule_set`` over a history of sales (see the module docs for the columns).

    ``transactions`` and ``customers``: pandas or polars DataFrames, polars LazyFrames, pyarrow
    Tables or RecordBatches. ``utc_offset_minutes``: the terminals' offset from UTC, for
    integer timestamps (local days, weekdays and times of day are UTC + this); datetimes are
    local times already (naive ones as they show, aware ones in their own zone), and an aware
    column with a non-zero offset is an error. ``timestamp_unit``: the unit of integer
    timestamps, ``"s"`` (default), ``"ms"``, ``"us"`` or ``"ns"``. ``skip_invalid``: baskets evaluation refuses (a negative price, more than
    32 lines) are counted in ``skipped`` instead of raising. ``progress``: ``True`` for a
    progress bar on stderr (tqdm's if installed), ``False`` for none, a callable
    ``(done, total)``, or ``None``: a bar from 200 000 rows on. ``churn_model``: a
    :class:`~retention.ChurnModel`; when given, each basket's churn risk is computed as the
    till computes it, from the churn summary the customer's record carries forward (updated by
    each earlier basket; no history yet: unknown), and the ``churn_risk`` column is ignored.
    ``feedback``: a table of NPS answers (``customer_id``, ``timestamp``, ``score``, optional
    ``channel``; see the module docs), folded into the records in time order.

    Returns a :class:`BacktestResult`. Raises ``ValidationError`` (a missing or malformed
    column, a missing time with its row, mixed time zones, an unknown customer, a refused
    basket without ``skip_invalid``, an option out of range), ``CapacityError`` (a basket over
    32 lines), ``AmountOverflowError``, ``TypeError`` (a table or option of the wrong type);
    ``KeyboardInterrupt`` stops it between baskets.
    """
    transactions, library = _frame(transactions, "transactions")
    if customers is not None:
        customers, _ = _frame(customers, "customers")
    if feedback is not None:
        feedback, _ = _frame(feedback, "feedback")
        for column in ("customer_id", "timestamp", "score"):
            if not _has(feedback, column):
                raise ValidationError(f"feedback needs a `{column}` column")
    frames = importlib.import_module(library)
    utc_offset_minutes = int_argument(utc_offset_minutes, "utc_offset_minutes", -(2**15), 2**15 - 1)
    if not isinstance(skip_invalid, (bool, np.bool_)):
        raise TypeError(f"skip_invalid must be a bool, not {type(skip_invalid).__name__}")
    if churn_model is not None and not isinstance(churn_model, ChurnModel):
        raise TypeError(f"churn_model must be a retention.ChurnModel, not {type(churn_model).__name__}")
    for column in ("customer_id", "timestamp", "unit_price"):
        if not _has(transactions, column):
            raise ValidationError(f"transactions need a `{column}` column")
    rows = len(transactions)
    transaction_ids = _values(transactions, "customer_id")
    customer_ids = (
        _values(customers, "customer_id") if customers is not None else transaction_ids[:0]
    )
    feedback_ids = (
        _values(feedback, "customer_id") if feedback is not None else transaction_ids[:0]
    )
    id_columns = [transaction_ids, customer_ids, feedback_ids]
    if all(ids.dtype.kind in "iu" for ids in id_columns):
        all_ids = np.concatenate(id_columns).astype(np.int64)
    else:
        all_ids = np.concatenate([ids.astype(str) for ids in id_columns])
    uniques, inverse = _factorize(all_ids)
    row_customer = np.ascontiguousarray(inverse[:rows])
    feedback_columns: dict[str, Any] = {}
    if feedback is not None:
        feedback_columns = dict(
            feedback_customer=np.ascontiguousarray(inverse[len(all_ids) - len(feedback_ids):]),
            feedback_time=_time.unix_seconds(
                feedback["timestamp"], "timestamp", utc_offset_minutes, timestamp_unit
            ),
            feedback_score=integer_column(_values(feedback, "score"), "score", np.uint8),
            feedback_channel=(
                _channel_codes(_values(feedback, "channel"))
                if _has(feedback, "channel")
                else np.zeros(0, dtype=np.uint8)
            ),
        )
    count = len(uniques)

    def optional(column: str, dtype: Any, missing: Optional[int] = None) -> Any:
        if not _has(transactions, column):
            return np.zeros(0, dtype=dtype)
        return integer_column(_values(transactions, column), column, dtype, missing)

    if _has(transactions, "basket_id"):
        keys = _values(transactions, "basket_id")
        if np.issubdtype(keys.dtype, np.integer) and (keys.size == 0 or keys.min() >= 0):
            basket = np.ascontiguousarray(keys, dtype=np.uint64)
        else:
            basket = _factorize(keys)[1].astype(np.uint64)
    else:
        basket = np.zeros(0, dtype=np.uint64)

    tier = np.zeros(count, dtype=np.uint8)
    segments = np.zeros(count, dtype=np.uint32)
    birthday_month = np.zeros(count, dtype=np.uint8)
    birthday_day = np.zeros(count, dtype=np.uint8)
    segment = np.zeros(count, dtype=np.uint32)
    labels: list[Any] = ["all"]
    if customers is not None:
        index = inverse[rows:rows + len(customer_ids)]
        if len(np.unique(index)) != len(index):
            raise ValidationError("customers: a customer_id appears twice")
        if _has(customers, "tier"):
            tier[index] = integer_column(_values(customers, "tier"), "tier", np.uint8, 0)
        if _has(customers, "segments"):
            segments[index] = integer_column(_values(customers, "segments"), "segments", np.uint32, 0)
        if _has(customers, "birthday"):
            months, days = _time.birthdays(customers["birthday"])
            birthday_month[index] = months
            birthday_day[index] = days
        if _has(customers, "segment"):
            # A missing label (None; NaN or NA as pandas and Arrow show it) is no segment.
            given = [None if _missing(label) else label for label in _values(customers, "segment")]
            labels = sorted({label for label in given if label is not None}, key=str)
            position = {label: i for i, label in enumerate(labels)}
            if len(index) < count or any(label is None for label in given):
                labels.append(None)
            segment[:] = len(labels) - 1 if labels and labels[-1] is None else 0
            segment[index] = [position.get(label, len(labels) - 1) for label in given]

    if progress is None:
        progress = rows >= _AUTO_PROGRESS_ROWS
    callback: Optional[Callable[[int, int], object]]
    if progress is True:
        callback = _Bar()
    elif progress is False:
        callback = None
    elif callable(progress):
        callback = progress
    else:
        raise TypeError(f"progress must be a bool, a callable or None, not {type(progress).__name__}")

    native = _backtest(
        rule_set,
        row_customer,
        basket,
        _time.unix_seconds(transactions["timestamp"], "timestamp", utc_offset_minutes, timestamp_unit),
        optional("sku", np.uint32),
        optional("category", np.uint32),
        optional("quantity", np.uint32),
        integer_column(_values(transactions, "unit_price"), "unit_price", np.int64),
        optional("store", np.uint32),
        optional("channel", np.uint8),
        optional("coupon", np.uint32, 0),
        optional("churn_risk", np.int32, -1),
        utc_offset_minutes,
        tier,
        segments,
        birthday_month,
        birthday_day,
        segment,
        len(labels),
        skip_invalid,
        callback,
        None if churn_model is None else churn_model._native,
        **feedback_columns,
    )

    frame = frames.DataFrame
    by_rule = native["by_rule"]
    names = dict(zip(by_rule["rule"], by_rule["name"]))
    by_rule_columns = {"rule": by_rule["rule"], "name": by_rule["name"]}
    by_rule_columns.update({k: v for k, v in by_rule.items() if k not in ("rule", "name")})
    cells = native["by_rule_segment"]
    by_rule_segment = {
        "rule": cells["rule"],
        "name": [names[rule] for rule in cells["rule"]],
        "segment": [labels[i] for i in cells["segment"]],
    }
    by_rule_segment.update({k: v for k, v in cells.items() if k not in ("rule", "segment")})
    by_segment = dict(native["by_segment"])
    by_segment["segment"] = [labels[i] for i in by_segment["segment"]]
    ids = uniques.tolist()
    return BacktestResult(
        baskets=native["baskets"],
        skipped=native["skipped"],
        first_skipped=native["first_skipped"],
        by_rule=frame(by_rule_columns),
        by_segment=frame(by_segment),
        by_rule_segment=frame(by_rule_segment),
        customers=frame(
            {"customer_id": ids, "tier": native["tiers"], "visits": native["visits"]}
        ),
    )
