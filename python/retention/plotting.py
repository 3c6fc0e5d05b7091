"""Plots of fitted churn models, like lifetimes' ``lifetimes.plotting`` (needs matplotlib, which
is imported only when a plot is drawn; ``import retention`` never imports it).

Every function of lifetimes' ``lifetimes.plotting`` with its signature:

- :func:`plot_frequency_recency_matrix`: expected purchases in the next ``T`` time units by
  frequency and recency;
- :func:`plot_probability_alive_matrix`: P(alive) by frequency and recency;
- :func:`plot_period_transactions`: customers by number of repeat purchases, actual and in as
  many customers simulated from the model (:meth:`~retention.BetaGeoFitter.generate_new_data`);
- :func:`plot_calibration_purchases_vs_holdout_purchases`: mean holdout purchases, actual and
  predicted, by a calibration column;
- :func:`plot_expected_repeat_purchases`: a new customer's expected repeat purchases over time;
- :func:`plot_history_alive`: one customer's P(alive) day by day, and their purchases;
- :func:`plot_cumulative_transactions`, :func:`plot_incremental_transactions`: actual and
  predicted repeat purchases over calendar periods, cumulative or per period
  (:func:`retention.utils.expected_cumulative_transactions`);
- :func:`plot_transaction_rate_heterogeneity`, :func:`plot_dropout_rate_heterogeneity`: the
  densities of the purchase rates and dropout probabilities (rates) across customers;
- :func:`plot_retention_by_feedback`: the share of each feedback group still buying, by days
  since their answer (:func:`retention.feedback.churn_by_group`).

And one of ours: :func:`plot_calendar_transactions`, repeat transactions per calendar period,
actual and as the model expects them.

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

__all__ = [
    "plot_frequency_recency_matrix",
    "plot_probability_alive_matrix",
    "plot_period_transactions",
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_expected_repeat_purchases",
    "plot_history_alive",
    "plot_cumulative_transactions",
    "plot_incremental_transactions",
    "plot_transaction_rate_heterogeneity",
    "plot_dropout_rate_heterogeneity",
    "plot_calendar_transactions",
    "plot_retention_by_feedback",
]


def _matplotlib() -> None:
    """Raises a clear ImportError without matplotlib."""
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("retention.plotting needs matplotlib: pip install matplotlib") from None


def _axes(ax: Optional[Axes]) -> Axes:
    _matplotlib()
    import matplotlib.pyplot as plt

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


def plot_calendar_transactions(
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

    Unlike lifetimes' :func:`plot_period_transactions` (a histogram of simulated frequencies),
    this compares over calendar time, like lifetimes' ``plot_incremental_transactions``.

    Raises :class:`~retention.ValidationError` for bad columns, dates or periods.
    """
    if period not in _PERIODS:
        raise ValidationError(f'period must be "D", "W" or "M", not {period!r}')
    grain, unit = periods(freq, freq_multiplier)
    if grain == "M":
        raise ValidationError('plot_calendar_transactions supports freq "D" and "W", not "M"')
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


def plot_period_transactions(
    model: Any,
    max_frequency: int = 7,
    title: str = "Frequency of Repeat Transactions",
    xlabel: str = "Number of Calibration Period Transactions",
    ylabel: str = "Customers",
    **kwargs: Any,
) -> Axes:
    """lifetimes' ``plot_period_transactions``: bars of the number of customers by repeat
    purchases (0..``max_frequency`` - 1), ``Actual`` (the fitted data) and ``Model`` (as many
    customers of the same ages simulated from the model, :meth:`generate_new_data`; draws
    follow NumPy's global seed, as lifetimes'). ``label`` (two names) renames the bars;
    ``kwargs`` go to :meth:`pandas.DataFrame.plot` (``ax`` among them)."""
    _matplotlib()
    import matplotlib.pyplot as plt

    labels = kwargs.pop("label", ["Actual", "Model"])
    n = model.data.shape[0]
    simulated = model.generate_new_data(size=n)
    actual = model.data["frequency"].value_counts().sort_index().iloc[:max_frequency]
    simulated_counts = simulated["frequency"].value_counts().sort_index().iloc[:max_frequency]
    combined = pd.concat([actual, simulated_counts], axis=1).fillna(0)
    combined.columns = labels
    ax: Axes = combined.plot(kind="bar", **kwargs)
    plt.legend()
    plt.title(title)
    plt.ylabel(ylabel)
    plt.xlabel(xlabel)
    return ax


_HOLDOUT_LABELS = {
    "frequency_cal": "Purchases in calibration period",
    "recency_cal": "Age of customer at last purchase",
    "T_cal": "Age of customer at the end of calibration period",
    "time_since_last_purchase": "Time since user made last purchase",
}


def plot_calibration_purchases_vs_holdout_purchases(
    model: Any, calibration_holdout_matrix: pd.DataFrame, kind: str = "frequency_cal", n: int = 7, **kwargs: Any
) -> Axes:
    """lifetimes' plot: the mean ``frequency_holdout`` and the mean of the model's predictions
    over ``duration_holdout`` (from the calibration columns), grouped by ``kind``
    (``"frequency_cal"``, ``"recency_cal"``, ``"T_cal"`` or ``"time_since_last_purchase"``),
    the first ``n`` groups. ``calibration_holdout_matrix`` is
    :func:`~retention.utils.calibration_and_holdout_data`'s. ``kwargs`` go to
    :meth:`pandas.DataFrame.plot`.

    Raises :class:`~retention.ValidationError` for an unknown ``kind``.
    """
    if kind not in _HOLDOUT_LABELS:
        raise ValidationError(f"kind must be one of {', '.join(_HOLDOUT_LABELS)}, not {kind!r}")
    _matplotlib()
    import matplotlib.pyplot as plt

    summary = calibration_holdout_matrix.copy()
    duration_holdout = summary.iloc[0]["duration_holdout"]
    summary["model_predictions"] = np.asarray(
        model.conditional_expected_number_of_purchases_up_to_time(
            duration_holdout, summary["frequency_cal"], summary["recency_cal"], summary["T_cal"]
        )
    )
    if kind == "time_since_last_purchase":
        summary["time_since_last_purchase"] = summary["T_cal"] - summary["recency_cal"]
    ax: Axes = summary.groupby(kind)[["frequency_holdout", "model_predictions"]].mean().iloc[:n].plot(**kwargs)
    plt.title("Actual Purchases in Holdout Period vs Predicted Purchases")
    plt.xlabel(_HOLDOUT_LABELS[kind])
    plt.ylabel("Average of Purchases in Holdout Period")
    plt.legend()
    return ax


def plot_expected_repeat_purchases(
    model: Any,
    title: str = "Expected Number of Repeat Purchases per Customer",
    xlabel: str = "Time Since First Purchase",
    ax: Optional[Axes] = None,
    label: Optional[str] = None,
    **kwargs: Any,
) -> Axes:
    """lifetimes' plot: a new customer's expected repeat purchases from 0 to the largest fitted
    ``T`` (solid) and on to 1.5 times it (dashed)."""
    ax = _axes(ax)
    color = kwargs.pop("c", None) or kwargs.pop("color", None)
    max_t = float(model.data["T"].max())
    times = np.linspace(0, max_t, 100)
    (line,) = ax.plot(times, model.expected_number_of_purchases_up_to_time(times), color=color, label=label, **kwargs)
    times = np.linspace(max_t, 1.5 * max_t, 100)
    ax.plot(times, model.expected_number_of_purchases_up_to_time(times), color=line.get_color(), ls="--", **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower right")
    return ax


def plot_history_alive(
    model: Any,
    t: int,
    transactions: Any,
    datetime_col: str,
    freq: str = "D",
    start_date: Any = None,
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """lifetimes' plot: one customer's P(alive) over the ``t`` periods (``freq``) from their
    first purchase (:func:`~retention.utils.calculate_alive_path`), with their purchase days
    as dashed vertical lines. ``transactions``: that customer's rows."""
    from .utils import calculate_alive_path

    ax = _axes(ax)
    dates = pd.to_datetime(pd.Series(np.asarray(transactions[datetime_col])))
    path = calculate_alive_path(model, transactions, datetime_col, t, freq)
    first = dates.min()
    start_date = first if start_date is None else pd.Timestamp(start_date)
    pandas_freq = {"D": "D", "W": "W-SUN", "M": "MS"}[freq]
    path_dates = pd.date_range(start=first.normalize(), periods=len(path), freq=pandas_freq)
    ax.plot(path_dates, np.asarray(path), "-", label="P_alive", **kwargs)
    purchase_days = np.unique(dates.dt.normalize().to_numpy())
    ax.vlines(purchase_days, ymin=0, ymax=1, colors="r", linestyles="dashed", label="purchases")
    ax.set_ylim(0, 1.0)
    ax.set_yticks(np.arange(0, 1.1, 0.1))
    ax.set_xlim(start_date, path_dates[-1])
    ax.legend(loc=3)
    ax.set_ylabel("P_alive")
    ax.set_title("History of P_alive")
    return ax


def _tracking(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: Optional[str],
    freq: str,
    set_index_date: bool,
    incremental: bool,
    title: str,
    xlabel: str,
    ylabel: str,
    ax: Optional[Axes],
    **kwargs: Any,
) -> Axes:
    from .utils import expected_cumulative_transactions

    ax = _axes(ax)
    frame = expected_cumulative_transactions(
        model,
        transactions,
        datetime_col,
        customer_id_col,
        t,
        datetime_format=datetime_format,
        freq=freq,
        set_index_date=set_index_date,
    )
    if incremental:
        frame = frame - frame.shift(1)
    ax = frame.plot(ax=ax, title=title, **kwargs)
    if set_index_date:
        x_vline: Any = frame.index[int(t_cal)]
        xlabel = "date"
    else:
        x_vline = t_cal
    ax.axvline(x=x_vline, color="r", linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_cumulative_transactions(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: Optional[str] = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str = "Tracking Cumulative Transactions",
    xlabel: str = "day",
    ylabel: str = "Cumulative Transactions",
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """lifetimes' plot: the ``actual`` and ``predicted`` columns of
    :func:`~retention.utils.expected_cumulative_transactions` (``t`` periods of ``freq``) as two
    lines (pandas' ``DataFrame.plot``, ``kwargs`` go to it), and a red dashed vertical line at
    the end of calibration ``t_cal`` (with ``set_index_date``, at the ``t_cal``-th period and
    the x label ``"date"``)."""
    return _tracking(
        model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
        set_index_date, False, title, xlabel, ylabel, ax, **kwargs,
    )


def plot_incremental_transactions(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: Optional[str] = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str = "Tracking Daily Transactions",
    xlabel: str = "day",
    ylabel: str = "Transactions",
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """lifetimes' plot: as :func:`plot_cumulative_transactions`, per period: each row of
    :func:`~retention.utils.expected_cumulative_transactions` minus the one before (the first is
    NaN, not drawn)."""
    return _tracking(
        model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
        set_index_date, True, title, xlabel, ylabel, ax, **kwargs,
    )


def _heterogeneity(
    distribution: str,
    first: float,
    second: float,
    mean: float,
    variance: float,
    suptitle: str,
    xlabel: str,
    ylabel: str,
    suptitle_fontsize: int,
    **kwargs: Any,
) -> Axes:
    _matplotlib()
    import matplotlib.pyplot as plt

    _, upper = _retention.churn_mixing(distribution, first, second, np.zeros(1), 0.99)
    x = np.linspace(0, upper, 100)
    density, _ = _retention.churn_mixing(distribution, first, second, x, 0.99)
    fig, ax = plt.subplots(1)
    fig.suptitle(suptitle, fontsize=suptitle_fontsize, fontweight="bold")
    ax.set_title(f"mean: {mean:.3f}, var: {variance:.3f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    ax.plot(x, density, **kwargs)
    return ax


def plot_transaction_rate_heterogeneity(
    model: Any,
    suptitle: str = "Heterogeneity in Transaction Rate",
    xlabel: str = "Transaction Rate",
    ylabel: str = "Density",
    suptitle_fontsize: int = 14,
    **kwargs: Any,
) -> Axes:
    """lifetimes' plot: the density of the customers' purchase rates λ ~ Gamma(r, α) up to its
    99th percentile, titled with its mean r/α and variance r/α²."""
    r, alpha = (float(v) for v in model.params_[["r", "alpha"]])
    return _heterogeneity("gamma", r, alpha, r / alpha, r / alpha**2, suptitle, xlabel, ylabel, suptitle_fontsize, **kwargs)


def plot_dropout_rate_heterogeneity(
    model: Any,
    suptitle: str = "Heterogeneity in Dropout Probability",
    xlabel: str = "Dropout Probability p",
    ylabel: str = "Density",
    suptitle_fontsize: int = 14,
    **kwargs: Any,
) -> Axes:
    """lifetimes' plot: the density of the dropout probabilities p ~ Beta(a, b) (BG/NBD,
    MBG/NBD) up to its 99th percentile, titled with its mean and variance. For Pareto/NBD (not
    in lifetimes) the dropout rates μ ~ Gamma(s, β)."""
    params = model.params_
    if "a" in params.index:
        a, b = float(params["a"]), float(params["b"])
        mean, variance = a / (a + b), a * b / ((a + b) ** 2) / (a + b + 1)
        return _heterogeneity("beta", a, b, mean, variance, suptitle, xlabel, ylabel, suptitle_fontsize, **kwargs)
    s, beta = float(params["s"]), float(params["beta"])
    return _heterogeneity("gamma", s, beta, s / beta, s / beta**2, suptitle, "Dropout Rate", ylabel, suptitle_fontsize, **kwargs)


def plot_retention_by_feedback(
    result: Any,
    intervals: bool = True,
    title: str = "Retention by feedback group",
    xlabel: str = "Days since the answer",
    ylabel: str = "Share still buying",
    ax: Optional[Axes] = None,
    **kwargs: Any,
) -> Axes:
    """The Kaplan–Meier curves of a :class:`retention.feedback.FeedbackChurn`, one step line per
    group from (0, 1), labelled by group, with their intervals shaded when ``intervals``; the
    horizon of the result's churn rates as a dotted vertical line. ``kwargs`` go to ``step``.
    """
    ax = _axes(ax)
    curves = result.curves
    for group in result.table.index:
        steps = curves[curves["group"] == group]
        days = np.concatenate([[0.0], steps["days"].to_numpy(dtype=float)])
        survival = np.concatenate([[1.0], steps["survival"].to_numpy(dtype=float)])
        (line,) = ax.step(days, survival, where="post", label=str(group), **kwargs)
        if intervals:
            lower = np.concatenate([[1.0], steps["lower"].to_numpy(dtype=float)])
            upper = np.concatenate([[1.0], steps["upper"].to_numpy(dtype=float)])
            ax.fill_between(days, lower, upper, step="post", alpha=0.2, color=line.get_color())
    ax.axvline(result.horizon_days, linestyle=":", color="grey")
    ax.set_ylim(0.0, 1.05)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax
