"""From a transaction table to the models' inputs, like lifetimes' ``lifetimes.utils``.

:func:`summary_data_from_transaction_data` and :func:`calibration_and_holdout_data` take a pandas
or polars DataFrame of transactions (customer id, date, optional amount) and compute, per
customer, lifetimes' ``frequency`` (repeat purchase periods), ``recency`` (first to last purchase
period), ``T`` (first purchase period to the end of observation) and ``monetary_value`` (mean
amount of the repeat periods, 0 without repeats), in the Rust core, with the same definitions.

Periods (``freq``): ``"D"`` calendar days, ``"W"`` ISO weeks (Monday to Sunday, pandas'
``W-SUN``) or ``"M"`` calendar months; times are in days (``freq="D"``), weeks (``freq="W"``),
whole months (``freq="M"``: January to March is 2), or weeks of whole days (``freq="D",
freq_multiplier=7``, the CDNOW convention). lifetimes divides month spans by NumPy's mean month
(30.436875 days), which NumPy ≥ 1.25 refuses for datetimes; we count whole months instead. Other
values of lifetimes (hours, other multipliers) raise :class:`~retention.ValidationError`.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

import numpy as np
import pandas as pd

from . import _retention, _time
from ._columns import float_column, frame, to_numpy
from .exceptions import ValidationError

__all__ = [
    "summary_data_from_transaction_data",
    "calibration_and_holdout_data",
    "Periods",
    "periods",
]


class Periods(NamedTuple):
    """How purchase dates become model time: the grain purchases collapse into (``"D"``,
    ``"W"`` or ``"M"``) and the unit of recency and age (``"D"`` days, ``"W"`` weeks or ``"M"``
    months)."""

    grain: str
    unit: str


def periods(freq: str = "D", freq_multiplier: int = 1) -> Periods:
    """The :class:`Periods` of lifetimes' ``freq`` and ``freq_multiplier``.

    ``("D", 1)``: days; ``("D", 7)``: purchases by day, times in weeks; ``("W", 1)``: ISO weeks;
    ``("M", 1)``: calendar months, times in whole months. Raises
    :class:`~retention.ValidationError` for anything else.
    """
    table = {
        ("D", 1): Periods("D", "D"),
        ("D", 7): Periods("D", "W"),
        ("W", 1): Periods("W", "W"),
        ("M", 1): Periods("M", "M"),
    }
    try:
        return table[(freq, int(freq_multiplier))]
    except KeyError:
        raise ValidationError(
            f'freq={freq!r} with freq_multiplier={freq_multiplier!r} is not supported: use "D" '
            '(days), "D" with freq_multiplier=7 (days, measured in weeks), "W" (ISO weeks) or "M" '
            "(calendar months)"
        ) from None


def _customer_codes(values: Any) -> tuple[np.ndarray[Any, Any], Any]:
    """Customer ids as uint64 codes that sort like the ids, and the function from codes back to
    ids. Non-negative integer ids are their own codes; others are factorised (sorted)."""
    ids = to_numpy(values)
    if ids.ndim != 1:
        raise ValidationError(f"customer ids must be one column, not of shape {ids.shape}")
    if ids.dtype.kind in "iu" and (len(ids) == 0 or ids.min() >= 0):
        return ids.astype(np.uint64, copy=False), lambda codes: codes.astype(ids.dtype)
    if pd.isna(ids).any():
        raise ValidationError("customer ids must not be missing")
    codes, uniques = pd.factorize(ids, sort=True)
    return codes.astype(np.uint64), lambda c: np.asarray(uniques)[c.astype(np.int64)]


class _Columns(NamedTuple):
    customers: np.ndarray[Any, Any]
    decode: Any
    days: np.ndarray[Any, Any]
    amounts: Optional[np.ndarray[Any, Any]]


def _columns(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str],
    datetime_format: Optional[str],
) -> _Columns:
    table, _ = frame(transactions)
    try:
        ids = table[customer_id_col]
        dates = table[datetime_col]
        amounts = None if monetary_value_col is None else table[monetary_value_col]
    except Exception as error:  # pandas: KeyError; polars: ColumnNotFoundError
        if isinstance(error, KeyError) or type(error).__name__ == "ColumnNotFoundError":
            raise ValidationError(f"no such column: {error}") from None
        raise
    customers, decode = _customer_codes(ids)
    return _Columns(
        customers,
        decode,
        _time.day_numbers(dates, datetime_format, datetime_col),
        None if amounts is None else float_column(amounts, monetary_value_col or "amount"),
    )


def _end_day(columns: _Columns, end: Any, datetime_format: Optional[str]) -> int:
    if end is None:
        if len(columns.days) == 0:
            raise ValidationError("no transactions")
        return int(columns.days.max())
    return _time.day_number(end, datetime_format, "observation_period_end")


def _frame(
    ids: Any, columns: dict[str, Any], customer_id_col: str, has_amounts: bool
) -> pd.DataFrame:
    frame = pd.DataFrame(columns, index=pd.Index(ids, name=customer_id_col))
    if not has_amounts:
        frame = frame.drop(columns=[c for c in frame.columns if c.startswith("monetary_value")])
    return frame


def summary_data_from_transaction_data(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    datetime_format: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """One row per customer: ``frequency``, ``recency``, ``T`` [, ``monetary_value``].

    lifetimes' function of the same name and signature. ``include_first_transaction=True``
    counts the first purchase period in ``frequency`` and ``monetary_value`` (not for the
    fitters, which need repeat purchases). ``transactions`` is a pandas or
    polars DataFrame; ``datetime_col`` holds dates, datetimes or strings (parsed with
    ``datetime_format``); ``observation_period_end`` (inclusive; default the last transaction's
    date) ends the observation, and later transactions are ignored. Purchases in one period
    (``freq``) count once, of their summed amount. Times are in ``freq`` units divided by
    ``freq_multiplier`` (see :func:`periods`). Rows are sorted by customer id, which is the
    index (named ``customer_id_col``); all columns are float.

    Raises :class:`~retention.ValidationError` for a missing column, a date that cannot be read
    or lies outside 1900–9999, a missing customer id or date, an amount that is NaN or infinite,
    or an unsupported ``freq``.
    """
    grain, unit = periods(freq, freq_multiplier)
    columns = _columns(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format)
    end = _end_day(columns, observation_period_end, datetime_format)
    ids, frequency, recency, age, monetary = _retention.churn_summary(
        columns.customers, columns.days, columns.amounts, end, grain, unit, bool(include_first_transaction)
    )
    return _frame(
        columns.decode(ids),
        {"frequency": frequency, "recency": recency, "T": age, "monetary_value": monetary},
        customer_id_col,
        columns.amounts is not None,
    )


def calibration_and_holdout_data(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    datetime_format: Optional[str] = None,
    monetary_value_col: Optional[str] = None,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """The calibration summary and the holdout behaviour of every customer who bought by
    ``calibration_period_end``: lifetimes' function of the same name and signature
    (``include_first_transaction`` as in :func:`summary_data_from_transaction_data`, for the
    calibration columns).

    Columns ``frequency_cal``, ``recency_cal``, ``T_cal`` [, ``monetary_value_cal``],
    ``frequency_holdout`` (purchase periods after the calibration end, up to
    ``observation_period_end``, inclusive), [``monetary_value_holdout``, their mean amount,]
    ``duration_holdout`` (in time units). Indexed and sorted by customer id.

    Deliberate difference: ``monetary_value_holdout`` is the mean amount of the holdout
    *periods* (the purchases of one period summed, as the calibration columns count them);
    lifetimes averages the holdout *transactions*. On ``CDNOW_sample.txt`` (calibration to
    1997-09-30, holdout to 1998-06-30, ``freq="D"``; ``benches/python/lifetimes_differences.py``)
    49 of the 684 holdout buyers differ, those with two transactions on one holdout day; the mean
    holdout spend is 37.2748 here and 36.4051 in lifetimes, the largest difference 179.86.

    Raises :class:`~retention.ValidationError` as :func:`summary_data_from_transaction_data`,
    and when the calibration period ends after the observation period or no transaction falls
    in the holdout period (as lifetimes).
    """
    grain, unit = periods(freq, freq_multiplier)
    columns = _columns(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format)
    end = _end_day(columns, observation_period_end, datetime_format)
    calibration_end = _time.day_number(calibration_period_end, datetime_format, "calibration_period_end")
    holdout = (columns.days > calibration_end) & (columns.days <= end)
    if calibration_end <= end and not holdout.any():
        raise ValidationError(
            "There is no data available in the holdout period (as lifetimes says): check "
            "calibration_period_end and observation_period_end"
        )
    summary, frequency_holdout, monetary_holdout, duration = _retention.churn_calibration_holdout(
        columns.customers,
        columns.days,
        columns.amounts,
        calibration_end,
        end,
        grain,
        unit,
        bool(include_first_transaction),
    )
    ids, frequency, recency, age, monetary = summary
    return _frame(
        columns.decode(ids),
        {
            "frequency_cal": frequency,
            "recency_cal": recency,
            "T_cal": age,
            "monetary_value_cal": monetary,
            "frequency_holdout": frequency_holdout,
            "monetary_value_holdout": monetary_holdout,
            "duration_holdout": np.full(len(ids), duration),
        },
        customer_id_col,
        columns.amounts is not None,
    )
