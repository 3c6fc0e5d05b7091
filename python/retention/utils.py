"""``retention.utils`` is ``lifetimes.utils``: the functions that turn a transaction table into
the models' inputs, with lifetimes' names and signatures (``include_first_transaction``
included), computed in the Rust core.

``freq`` accepts lifetimes' ``"D"`` (days), ``"W"`` (ISO weeks) and ``"M"`` (calendar months,
times in whole months), and ``freq_multiplier=7`` with ``"D"`` (days measured in weeks); see
:mod:`retention.transactions` for the definitions and the differences from lifetimes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _time
from .exceptions import ValidationError
from .transactions import calibration_and_holdout_data, summary_data_from_transaction_data

__all__ = ["summary_data_from_transaction_data", "calibration_and_holdout_data", "calculate_alive_path"]


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
