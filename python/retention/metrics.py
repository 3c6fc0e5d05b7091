"""Retention metrics retention managers track, from a transaction table: the cohort retention
table, and period-over-period retention and churn rates. Computed in the Rust core.

Periods (``period``): ``"D"`` days, ``"W"`` ISO weeks (Monday to Sunday), ``"M"`` calendar
months, ``"Y"`` calendar years. Tables are labelled with pandas ``Period``\\ s.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _retention, _time
from ._columns import one_of
from .exceptions import ValidationError
from .transactions import _columns

__all__ = ["cohort_retention", "retention_rate", "churn_rate"]


def _check_period(period: str) -> None:
    if period not in _retention.CHURN_METRICS_PERIODS:
        raise ValidationError(f"period must be {one_of(_retention.CHURN_METRICS_PERIODS)}, not {period!r}")


def cohort_retention(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    period: str = "M",
    max_periods_after: int = 12,
    datetime_format: Optional[str] = None,
) -> pd.DataFrame:
    """The cohort retention table: one row per cohort (customers whose first purchase fell in
    that period, labelled by it), column ``size`` (customers), then columns ``0``, ``1``, ...,
    ``max_periods_after``: the share of the cohort with a purchase ``k`` periods after its first
    (column ``0`` is 1.0). A cell is NaN where that period lies beyond the last period in the
    data (the usual triangle), never for missing data.

    ``transactions``: a pandas or polars DataFrame. Raises :class:`~retention.ValidationError`
    for a missing column, an unreadable or out-of-range date, or an unknown ``period``.
    """
    _check_period(period)
    columns = _columns(transactions, customer_id_col, datetime_col, None, datetime_format)
    cohorts = _retention.churn_cohort_retention(columns.customers, columns.days, period, int(max_periods_after))
    width = int(max_periods_after) + 1
    table = np.full((len(cohorts), width), np.nan)
    for row, (_, _, retained) in enumerate(cohorts):
        table[row, : len(retained)] = retained
    frame = pd.DataFrame(
        table,
        index=pd.Index([_time.period_label(period, c[0]) for c in cohorts], name="cohort"),
        columns=list(range(width)),
    )
    frame.insert(0, "size", [c[1] for c in cohorts])
    return frame


def _rates(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    period: str,
    datetime_format: Optional[str],
    churn: bool,
) -> pd.Series:
    _check_period(period)
    columns = _columns(transactions, customer_id_col, datetime_col, None, datetime_format)
    rates = _retention.churn_retention_rates(columns.customers, columns.days, period, churn)
    return pd.Series(
        [rate for _, rate in rates],
        index=pd.Index([_time.period_label(period, p) for p, _ in rates], name="period"),
        name="churn_rate" if churn else "retention_rate",
        dtype=float,
    )


def retention_rate(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    period: str = "M",
    datetime_format: Optional[str] = None,
) -> pd.Series:
    """For each period with buyers (but the last), the share of them who buy again in the next
    period. A Series indexed by period. Errors as :func:`cohort_retention`."""
    return _rates(transactions, customer_id_col, datetime_col, period, datetime_format, churn=False)


def churn_rate(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    period: str = "M",
    datetime_format: Optional[str] = None,
) -> pd.Series:
    """``1 −`` :func:`retention_rate`: the share of each period's buyers who do not buy in the
    next period. Errors as :func:`cohort_retention`."""
    return _rates(transactions, customer_id_col, datetime_col, period, datetime_format, churn=True)
