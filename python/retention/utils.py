"""``retention.utils`` is ``lifetimes.utils``: the functions that turn a transaction table into
the models' inputs, with lifetimes' names and signatures (``include_first_transaction``
included), computed in the Rust core.

``freq`` accepts lifetimes' ``"D"`` (days), ``"W"`` (ISO weeks) and ``"M"`` (calendar months,
times in whole months), and ``freq_multiplier=7`` with ``"D"`` (days measured in weeks); see
:mod:`retention.transactions` for the definitions and the differences from lifetimes.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from . import _retention, _time
from .exceptions import ValidationError
from .transactions import _columns, calibration_and_holdout_data, summary_data_from_transaction_data

__all__ = [
    "summary_data_from_transaction_data",
    "calibration_and_holdout_data",
    "calculate_alive_path",
    "expected_cumulative_transactions",
]

_PANDAS_PERIODS = {"D": "D", "W": "W-SUN", "M": "M"}


def _period_start_day(first_day: int, freq: str, k: int) -> int:
    """The first day of the ``k``-th ``freq`` period after the one holding ``first_day``."""
    if freq == "M":
        month = _time.day_timestamp(first_day).to_period("M") + k
        return _time.day_number_of(month.start_time)
    start = int(_time.period_start_days(np.array([first_day]), freq)[0])
    return start + k * (7 if freq == "W" else 1)


def expected_cumulative_transactions(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    datetime_format: Optional[str] = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    set_index_date: bool = False,
) -> pd.DataFrame:
    """lifetimes' ``expected_cumulative_transactions``: actual and predicted cumulative repeat
    purchases over the ``t`` periods (``freq``: ``"D"``, ``"W"`` ISO weeks or ``"M"`` calendar
    months) from the period of the first transaction, Fader, Hardie & Lee's tracking plot.

    Periods are numbered 0..``t`` from the first transaction's. Purchases collapse by period and
    a customer's first purchase period is not a repeat, as in
    :func:`summary_data_from_transaction_data` (the core's summary computes both).

    - ``predicted`` at period ``i`` (``i`` = ``freq_multiplier``, 2·``freq_multiplier``, ...,
      ≤ ``t``): the sum, over the customers whose first period ``fᵢ`` is before ``i``, of the
      model's ``expected_number_of_purchases_up_to_time((i − fᵢ) / freq_multiplier)`` (the
      model's own call, one per distinct first period);
    - ``actual`` in the same row: the repeat purchase periods in periods ``0 .. i − 1`` (so both
      columns lag as in lifetimes).

    ``t // freq_multiplier`` rows, indexed ``0 ..`` or, with ``set_index_date=True``, by the
    pandas Period of ``i − 1``. The model's time unit must be ``freq`` / ``freq_multiplier``.
    Difference from lifetimes: ``freq`` is one of ``"D"``, ``"W"``, ``"M"``.

    Raises :class:`~retention.ValidationError` for bad columns or dates, no transactions, a
    ``t`` or ``freq_multiplier`` below 1 or an unsupported ``freq``.
    """
    if freq not in _PANDAS_PERIODS:
        raise ValidationError(f'freq must be "D", "W" or "M", not {freq!r}')
    t, multiplier = int(t), int(freq_multiplier)
    if t < 1:
        raise ValidationError(f"t must be at least 1, not {t}")
    if multiplier < 1:
        raise ValidationError(f"freq_multiplier must be at least 1, not {multiplier}")
    columns = _columns(transactions, customer_id_col, datetime_col, None, datetime_format)
    if len(columns.days) == 0:
        raise ValidationError("no transactions")
    first_day = int(columns.days.min())

    def summary(k: int) -> tuple[Any, Any]:
        """Repeat periods and age (in periods) per customer, observed to the end of period k."""
        _, frequency, _, age, _ = _retention.churn_summary(
            columns.customers, columns.days, None, _period_start_day(first_day, freq, k), freq, freq, False
        )
        return np.asarray(frequency), np.asarray(age)

    # First periods: a customer aged T at period t was born in period t − T.
    births, born = np.unique(t - summary(t)[1], return_counts=True)
    rows = range(multiplier, t + 1, multiplier)
    predicted = []
    for i in rows:
        before = births < i
        expected = np.asarray(model.expected_number_of_purchases_up_to_time((i - births[before]) / multiplier))
        predicted.append(float(np.sum(born[before] * expected)))
    actual = [float(summary(i - 1)[0].sum()) for i in rows]
    index: Any = range(len(predicted))
    if set_index_date:
        start = _time.day_timestamp(first_day).to_period(_PANDAS_PERIODS[freq])
        index = pd.PeriodIndex([start + (i - 1) for i in rows])
    return pd.DataFrame({"actual": actual, "predicted": predicted}, index=index)


def calculate_alive_path(model: Any, transactions: Any, datetime_col: str, t: int, freq: str = "D") -> pd.Series:
    """lifetimes' ``calculate_alive_path``: one customer's P(alive) at the end of each of the
    ``t`` + 1 periods (``freq``: ``"D"``, ``"W"`` or ``"M"``) from their first purchase period,
    indexed 0..``t``. ``transactions``: that customer's rows (a DataFrame with
    ``datetime_col``). Each point is the customer's summary up to that period (the core's, as
    :func:`summary_data_from_transaction_data`) evaluated by ``model``; times are in ``freq``
    units, so the model must have been fitted in them.

    Raises :class:`~retention.ValidationError` for no transactions or a bad ``freq``.
    """
    t = int(t)
    if t < 0:
        raise ValidationError(f"t must be at least 0, not {t}")
    frame = pd.DataFrame({"id": 0, "date": np.asarray(transactions[datetime_col])})
    if frame.empty:
        raise ValidationError("no transactions")
    first = int(_time.day_numbers(frame["date"], None).min())
    step = {"D": 1, "W": 7}.get(freq)
    rows = []
    for k in range(t + 1):
        if step is not None:
            end = first + k * step
        elif freq == "M":
            end = _time.day_number_of(_time.day_timestamp(first) + pd.DateOffset(months=k))
        else:
            raise ValidationError(f'freq must be "D", "W" or "M", not {freq!r}')
        summary = summary_data_from_transaction_data(frame, "id", "date", observation_period_end=_time.day_timestamp(end), freq=freq)
        rows.append(summary.iloc[0][["frequency", "recency", "T"]].to_numpy(dtype=float))
    x, t_x, age = np.array(rows).T
    return pd.Series(np.asarray(model.conditional_probability_alive(x, t_x, age)), index=pd.RangeIndex(t + 1))
