"""Plots of fitted churn models, like lifetimes' ``lifetimes.plotting`` (needs matplotlib, which
is imported only when a plot is drawn; ``import retention`` never imports it).

- :func:`plot_frequency_recency_matrix`: expected purchases in the next ``T`` time units by
  frequency and recency;
- :func:`plot_probability_alive_matrix`: P(alive) by frequency and recency;
- :func:`plot_period_transactions`: repeat transactions per calendar period, actual and as the
  model expects them.

Each returns the matplotlib ``Axes`` it drew on (a new figure's unless ``ax`` is given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np
import pandas as pd

from . import _retention, _time
from .exceptions import ValidationError
from .fitters import probability_grid
from .transactions import _columns, periods

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_frequency_recency_matrix", "plot_probability_alive_matrix", "plot_period_transactions"]


def _axes(ax: Optional[Axes]) -> Axes:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("retention.plotting needs matplotlib: pip install matplotlib") from None
    if ax is None:
        _, ax = plt.subplots()
    return ax


_grid = probability_grid


def _heatmap(ax: Axes, values: Any, title: str, xlabel: str, ylabel: str, **kwargs: Any) -> Axes:
    image = ax.imshow(values, aspect="auto", origin="upper", interpolation="none", **kwargs)
    ax.figure.colorbar(image, ax=ax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_frequency_recency_matrix(
    model: Any,
    T: float = 1,
    max_frequency: Optional[int] = None,
    max_recency: Optional[int] = None,
    title: Optional[str] = None,
    xlabel: str = "Customer's Historical Frequency",
    ylabel: str = "Customer's Recency",
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """Heat map of the expected purchases in the next ``T`` time units of customers of age
    ``max_recency``, by frequency (columns 0..``max_frequency``) and recency (rows
    0..``max_recency``); defaults from the fitted data. ``kwargs`` go to ``imshow``."""
    frequency, recency, age = _grid(model, max_frequency, max_recency)
    values = model.conditional_expected_number_of_purchases_up_to_time(
        float(T), frequency.ravel(), recency.ravel(), np.full(frequency.size, float(age))
    ).reshape(frequency.shape)
    title = title or f"Expected Number of Future Purchases for {T} Unit{'s' if T != 1 else ''} of Time,\nby Frequency and Recency of a Customer"
    return _heatmap(_axes(ax), values, title, xlabel, ylabel, **kwargs)


def plot_probability_alive_matrix(
    model: Any,
    max_frequency: Optional[int] = None,
    max_recency: Optional[int] = None,
    title: str = "Probability Customer is Alive,\nby Frequency and Recency of a Customer",
    xlabel: str = "Customer's Historical Frequency",
    ylabel: str = "Customer's Recency",
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """Heat map of P(alive) of customers of age ``max_recency`` by frequency and recency (see
    :meth:`~retention.BetaGeoFitter.conditional_probability_alive_matrix`)."""
    values = model.conditional_probability_alive_matrix(max_frequency, max_recency)
    return _heatmap(_axes(ax), values, title, xlabel, ylabel, **kwargs)


_PERIODS = {"D": "D", "W": "W-SUN", "M": "M"}


def plot_period_transactions(
    model: Any,
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    freq: str = "D",
    freq_multiplier: int = 1,
    period: str = "W",
    datetime_format: Optional[str] = None,
    title: str = "Repeat transactions per period",
    xlabel: str = "Period",
    ylabel: str = "Repeat transactions",
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """Repeat purchases per calendar ``period`` (``"D"``, ``"W"`` or ``"M"``): ``actual`` from
    ``transactions`` (purchases collapsed by ``freq`` as in the summary, each customer's first
    left out) and ``model``, the fitted model's expectation for the same customers: each
    customer contributes the model's expected repeat purchases of a new customer between their
    first purchase and each period's bounds. ``freq`` and ``freq_multiplier`` must be those of
    the summary the model was fitted on. ``kwargs`` go to ``plot``.

    Unlike lifetimes' ``plot_period_transactions`` (a histogram of simulated frequencies), this
    compares over calendar time, like lifetimes' ``plot_incremental_transactions``.

    Raises :class:`~retention.ValidationError` for bad columns, dates or periods.
    """
    if period not in _PERIODS:
        raise ValidationError(f'period must be "D", "W" or "M", not {period!r}')
    grain, unit = periods(freq, freq_multiplier)
    columns = _columns(transactions, customer_id_col, datetime_col, None, datetime_format)
    if len(columns.days) == 0:
        raise ValidationError("no transactions")
    # Purchase periods of the summary's grain, by their first day.
    start_day = _time.period_start_days(columns.days, grain)
    purchases = pd.DataFrame({"customer": columns.customers, "day": start_day}).drop_duplicates()
    first = purchases.groupby("customer")["day"].transform("min")
    repeats = purchases.loc[purchases["day"] > first, "day"].to_numpy()
    births, born = np.unique(purchases.groupby("customer")["day"].min().to_numpy(), return_counts=True)
    labels = pd.period_range(
        _time.day_timestamp(int(columns.days.min())),
        _time.day_timestamp(int(columns.days.max())),
        freq=_PERIODS[period],
    )
    edges = np.array(
        [_time.day_number_of(p.start_time) for p in labels] + [_time.day_number_of(labels[-1].end_time) + 1]
    )
    actual = np.histogram(repeats, bins=edges)[0]
    unit_days = _retention.CHURN_TIME_UNITS[unit]
    horizons = np.clip(edges[None, :] - births[:, None], 0, None) / unit_days
    cumulative = np.asarray(model.expected_number_of_purchases_up_to_time(horizons.ravel())).reshape(horizons.shape)
    expected = (born[:, None] * np.diff(cumulative, axis=1)).sum(axis=0)
    ax = _axes(ax)
    x = [str(p) for p in labels]
    ax.plot(x, actual, label="actual", **kwargs)
    ax.plot(x, expected, label="model", linestyle="--", **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.tick_params(axis="x", labelrotation=90)
    return ax
