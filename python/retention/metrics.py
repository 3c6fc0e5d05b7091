"""Retention metrics retention managers track, from a transaction table: the cohort retention
table, cohort survival (for the sBG model, :class:`~retention.ShiftedBetaGeoFitter`), and
period-over-period retention and churn rates. Computed in the Rust core.

Periods (``period``): ``"D"`` days, ``"W"`` ISO weeks (Monday to Sunday), ``"M"`` calendar
months, ``"Y"`` calendar years. Tables are labelled with pandas ``Period``\\ s.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _retention, _time
from ._columns import frame, int_argument, one_of, to_numpy
from .exceptions import ValidationError
from .transactions import _columns

__all__ = ["cohort_retention", "cohort_survival", "retention_rate", "churn_rate"]

#: The most periods after the first that :func:`cohort_retention` reports (the table's width).
_MAX_PERIODS_AFTER = 100_000


def _check_period(period: str) -> None:
    if not isinstance(period, str):
        raise TypeError(f"period must be a str, not {type(period).__name__}")
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

    ``transactions``: a pandas or polars DataFrame or LazyFrame, a pyarrow Table or
    RecordBatch; dates by the time rule (``docs/time.md``). ``max_periods_after``: 0..100 000.
    Raises :class:`~retention.ValidationError` for a missing column, an unreadable, missing or
    out-of-range date, mixed time zones, an unknown ``period`` or ``max_periods_after`` out of
    range.
    """
    _check_period(period)
    max_periods_after = int_argument(max_periods_after, "max_periods_after", 0, _MAX_PERIODS_AFTER)
    columns = _columns(transactions, customer_id_col, datetime_col, None, datetime_format)
    cohorts = _retention.churn_cohort_retention(columns.customers, columns.days, period, max_periods_after)
    width = max_periods_after + 1
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


def cohort_survival(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    period: str = "M",
    *,
    lapse_after: int,
    cancelled_col: Optional[str] = None,
    max_periods_after: int = 12,
    datetime_format: Optional[str] = None,
) -> pd.DataFrame:
    """Survivor counts per cohort, the input of :meth:`ShiftedBetaGeoFitter.fit_cohorts
    <retention.ShiftedBetaGeoFitter.fit_cohorts>`: one row per cohort (customers whose first
    purchase fell in that period, labelled by it), columns ``0``, ``1``, ...,
    ``max_periods_after``: the cohort's customers still on board ``k`` periods after their first
    (column ``0`` is the cohort's size). Counts never increase.

    A customer is on board from their first purchase until the first of ``lapse_after``
    (≥ 1) consecutive periods without a purchase (lost from the first empty period of that
    run), or until the period after a row of theirs whose ``cancelled_col`` is true (a
    cancellation in period p: on board in p, lost from p + 1), whichever comes first; later
    purchases do not bring them back. Cancellation rows are not purchases. A lapse needs
    ``lapse_after`` periods of data to be seen, so a cohort's counts stop ``lapse_after − 1``
    periods before the last period in the data: later cells are NaN. Unlike
    :func:`cohort_retention` (the share *buying* in period k, which can rise), this is
    survival.

    ``transactions``: as :func:`cohort_retention`. ``lapse_after``: 1..2³²−1;
    ``max_periods_after``: 0..100 000. Raises :class:`~retention.ValidationError` for a missing
    column, an unreadable, missing or out-of-range date, an unknown ``period``, a ``lapse_after``
    of 0, an argument out of range or a ``cancelled_col`` that is not boolean (no missing
    values); ``TypeError`` for an argument of the wrong type.
    """
    _check_period(period)
    lapse_after = int_argument(lapse_after, "lapse_after", 0, 2**32 - 1)
    max_periods_after = int_argument(max_periods_after, "max_periods_after", 0, _MAX_PERIODS_AFTER)
    columns = _columns(transactions, customer_id_col, datetime_col, None, datetime_format)
    cancelled = None
    if cancelled_col is not None:
        source, _ = frame(transactions)
        try:
            flags = to_numpy(source[cancelled_col])
        except Exception as error:  # pandas: KeyError; polars: ColumnNotFoundError
            if isinstance(error, KeyError) or type(error).__name__ == "ColumnNotFoundError":
                raise ValidationError(f"no such column: {error}") from None
            raise
        if flags.dtype != np.bool_:
            raise ValidationError(f"column `{cancelled_col}` must be boolean, not {flags.dtype}")
        cancelled = np.ascontiguousarray(flags)
    cohorts = _retention.churn_cohort_survival(
        columns.customers, columns.days, cancelled, period, lapse_after, max_periods_after
    )
    width = max_periods_after + 1
    table = np.full((len(cohorts), width), np.nan)
    for row, (_, survivors) in enumerate(cohorts):
        table[row, : len(survivors)] = survivors
    return pd.DataFrame(
        table,
        index=pd.Index([_time.period_label(period, c[0]) for c in cohorts], name="cohort"),
        columns=list(range(width)),
    )


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
