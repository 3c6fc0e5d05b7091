"""Customer feedback in the back office: the Net Promoter Score over time and by cohort, segment
and store, with confidence intervals, and retention by feedback group (do detractors leave
sooner, and by how much). Computed in the Rust core (``retention_core::feedback``); the groups
are the core's, the same the till's rules read.

Scores are answers to the NPS question, whole numbers 0..=10: detractors 0–6, passives 7–8,
promoters 9–10 (:data:`GROUPS`). The NPS of a set of answers is ``100 · (promoters −
detractors) / answers``, from −100 to 100.

**Intervals: adjusted Wald** (Rocks 2016, "Interval Estimation for the 'Net Promoter Score'",
*The American Statistician* 70(4), 365–372). With ``n`` answers, ``n_P`` promoters and ``n_D``
detractors, add 3/4 of a detractor, 3/2 of a passive and 3/4 of a promoter (``n' = n + 3``),
``p̃_P = (n_P + 3/4)/n'``, ``p̃_D = (n_D + 3/4)/n'``, ``Ñ = p̃_P − p̃_D``; the interval is
``100 · (Ñ ± z · √((p̃_P + p̃_D − Ñ²)/n'))`` clamped to [−100, 100], ``z`` the two-sided normal
critical value of ``confidence``. The variance is that of a difference of two shares of one
trinomial sample; the pseudo-answers keep the interval's coverage near its level for small
samples and give an interval when every answer is in one group (where Wald's collapses). The
point estimate stays the plain NPS.

**Retention by group** (:func:`churn_by_group`): each customer who answered enters the group of
their first answer, on its day; they have churned when ``churn_after_days`` pass after their
last purchase (on or after the answer) without another, and are censored at that last purchase
otherwise. Kaplan–Meier curves per group (Greenwood variance, log-log intervals), the log-rank
test of equal curves, and each group's hazard ratio against a reference group (Peto's log-rank
estimate). See ``docs/feedback.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _retention, _time
from ._columns import float_column, one_of, to_numpy
from .exceptions import ValidationError
from .transactions import _customer_codes

__all__ = [
    "GROUPS",
    "CHANNELS",
    "group_of",
    "nps",
    "nps_by_cohort",
    "churn_by_group",
    "FeedbackChurn",
]

#: The feedback groups by code: ``("detractor", "passive", "promoter")``.
GROUPS: tuple[str, ...] = _retention.FEEDBACK_GROUPS
#: The feedback channels by code: ``("till", "web", "app", "email", "sms", "phone", "other")``.
CHANNELS: tuple[str, ...] = _retention.FEEDBACK_CHANNELS

_ESTIMATE_COLUMNS = ["responses", "detractors", "passives", "promoters", "nps", "std_error", "lower", "upper"]


def _column(table: Any, name: str) -> Any:
    try:
        return table[name]
    except Exception as error:  # pandas: KeyError; polars: ColumnNotFoundError
        if isinstance(error, KeyError) or type(error).__name__ == "ColumnNotFoundError":
            raise ValidationError(f"no such column: {name!r}") from None
        raise


def _check_period(period: str) -> None:
    if period not in _retention.CHURN_METRICS_PERIODS:
        raise ValidationError(f"period must be {one_of(_retention.CHURN_METRICS_PERIODS)}, not {period!r}")


def group_of(scores: Any) -> np.ndarray[Any, Any]:
    """The group name of each score (an array of ``str``): ``"detractor"`` for 0–6,
    ``"passive"`` for 7–8, ``"promoter"`` for 9–10.

    Raises :class:`~retention.ValidationError` (``RTN_FEEDBACK_SCORE_OUT_OF_RANGE``) for a score
    that is not a whole number in 0..=10, naming its row.
    """
    codes = _retention.feedback_groups(float_column(scores, "scores"))
    return np.asarray(GROUPS, dtype=object)[codes]


def _estimates(columns: tuple[Any, ...]) -> dict[str, Any]:
    detractors, passives, promoters, nps_values, std_error, lower, upper = columns
    return {
        "responses": detractors + passives + promoters,
        "detractors": detractors,
        "passives": passives,
        "promoters": promoters,
        "nps": nps_values,
        "std_error": std_error,
        "lower": lower,
        "upper": upper,
    }


def nps(
    feedback: Any,
    score_col: str,
    by: Union[str, Sequence[str], None] = None,
    datetime_col: Optional[str] = None,
    period: Optional[str] = None,
    confidence: float = 0.95,
    datetime_format: Optional[str] = None,
) -> pd.DataFrame:
    """The NPS of a feedback table, overall or by the columns ``by`` (a segment, a store, any
    column or columns) and, with ``period``, by calendar period of ``datetime_col``: ``"D"``
    days, ``"W"`` ISO weeks, ``"M"`` months, ``"Y"`` years.

    One row per group with answers, sorted, indexed by the ``by`` columns and ``period`` (pandas
    ``Period``\\ s); without either, one row indexed ``"all"``. Columns: ``responses``,
    ``detractors``, ``passives``, ``promoters`` (counts), ``nps`` (−100..100), ``std_error`` (the
    adjusted standard error, NPS points), ``lower`` and ``upper`` (the adjusted-Wald interval at
    ``confidence``, see the module docs).

    ``feedback``: a pandas or polars DataFrame. Rows whose ``by`` value is missing are left out
    (as pandas' ``groupby``).

    Raises :class:`~retention.ValidationError`: a missing column; a score that is not a whole
    number in 0..=10 (``RTN_FEEDBACK_SCORE_OUT_OF_RANGE``, naming the row); ``period`` without
    ``datetime_col`` or unknown; a date that cannot be read; ``confidence`` outside (0, 1).
    """
    if period is not None:
        _check_period(period)
        if datetime_col is None:
            raise ValidationError("period needs datetime_col")
    by_columns = [] if by is None else [by] if isinstance(by, str) else list(by)
    scores = float_column(_column(feedback, score_col), score_col)
    labels: Any = None
    if by_columns:
        grouper = pd.DataFrame({name: to_numpy(_column(feedback, name)) for name in by_columns})
        grouped = grouper.groupby(by_columns, sort=True, dropna=True)
        numbered = grouped.ngroup().to_numpy(dtype=np.float64, na_value=np.nan)
        labels = grouped.size().index
        present = ~np.isnan(numbered)
        keys = numbered[present].astype(np.int64)
    else:
        present = np.ones(len(scores), dtype=bool)
        keys = np.zeros(len(scores), dtype=np.int64)
    keys = np.ascontiguousarray(keys)
    scores = np.ascontiguousarray(scores[present])
    days = None
    if period is not None and datetime_col is not None:
        days = _time.day_numbers(to_numpy(_column(feedback, datetime_col))[present], datetime_format)
    table = _retention.feedback_nps_table(keys, scores, days, period, float(confidence))
    out_keys, out_periods, *estimates = table
    columns = _estimates(tuple(estimates))
    if by_columns:
        chosen = [labels[k] for k in out_keys]
        if len(by_columns) == 1:
            index_columns: dict[str, Any] = {by_columns[0]: chosen}
        else:
            index_columns = {name: [label[i] for label in chosen] for i, name in enumerate(by_columns)}
    else:
        index_columns = {}
    if period is not None:
        index_columns["period"] = [_time.period_label(period, int(p)) for p in out_periods]
    if not index_columns:
        return pd.DataFrame(columns, index=pd.Index(["all"] * len(out_keys)))
    index = pd.MultiIndex.from_arrays(list(index_columns.values()), names=list(index_columns))
    if index.nlevels == 1:
        index = index.get_level_values(0)
    return pd.DataFrame(columns, index=index)


def nps_by_cohort(
    feedback: Any,
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    score_col: str,
    period: str = "M",
    confidence: float = 0.95,
    datetime_format: Optional[str] = None,
) -> pd.DataFrame:
    """The NPS by first-purchase cohort: each answer counts in the cohort of the customer who
    gave it (the ``period`` of their first purchase in ``transactions``, as
    :func:`retention.metrics.cohort_retention`). Both tables name the customer
    ``customer_id_col``; ``datetime_col`` is the purchase date in ``transactions``.

    Indexed by cohort (pandas ``Period``\\ s; answers of customers without a purchase come last,
    with the cohort ``NaT``); columns as :func:`nps`. Errors as :func:`nps`, and for a missing
    customer id.
    """
    _check_period(period)
    ids = to_numpy(_column(feedback, customer_id_col))
    purchase_ids = to_numpy(_column(transactions, customer_id_col))
    # One numbering of the customers of both tables.
    codes, _ = _customer_codes(np.concatenate([purchase_ids, ids]))
    purchase_codes = np.ascontiguousarray(codes[: len(purchase_ids)])
    feedback_codes = np.ascontiguousarray(codes[len(purchase_ids) :])
    days = _time.day_numbers(_column(transactions, datetime_col), datetime_format)
    scores = float_column(_column(feedback, score_col), score_col)
    cohorts, known, *estimates = _retention.feedback_nps_by_cohort(
        feedback_codes, scores, purchase_codes, days, period, float(confidence)
    )
    labels = [_time.period_label(period, int(c)) if k else pd.NaT for c, k in zip(cohorts, known)]
    return pd.DataFrame(_estimates(tuple(estimates)), index=pd.Index(labels, name="cohort"))


@dataclass(frozen=True)
class FeedbackChurn:
    """Retention by feedback group, from :func:`churn_by_group`.

    Attributes:
        table: one row per group with customers (index ``group``, in the order of
            :data:`GROUPS`): ``customers``, ``churned``, ``censored``, ``median_days`` (days from
            the answer until half the group has churned; NaN if it never does), ``survival`` with
            ``survival_lower``/``survival_upper`` (the share still buying ``horizon_days`` after
            the answer; NaN past the group's longest observation), ``churn_rate`` with
            ``churn_rate_lower``/``churn_rate_upper`` (``1 −`` those), ``hazard_ratio`` with
            ``hazard_ratio_lower``/``hazard_ratio_upper`` (the group's hazard of churning as a
            multiple of the reference group's; NaN for the reference group).
        curves: the Kaplan–Meier curves, one row per group and time with an event or a
            censoring: ``group``, ``days``, ``at_risk``, ``churned``, ``censored``, ``survival``,
            ``std_error`` (Greenwood; NaN once the survival is 0), ``lower``, ``upper``.
        customers: one row per customer who answered (indexed by customer id): ``group``,
            ``feedback_date``, ``days`` (to churn or censoring) and ``churned``.
        logrank_statistic, logrank_df, logrank_p_value: the log-rank test that every group has
            the same curve (NaN with fewer than two groups or no churn).
        churn_after_days, horizon_days, reference, confidence: the settings.
    """

    table: pd.DataFrame
    curves: pd.DataFrame
    customers: pd.DataFrame
    logrank_statistic: float
    logrank_df: int
    logrank_p_value: float
    churn_after_days: int
    horizon_days: int
    reference: str
    confidence: float


def churn_by_group(
    transactions: Any,
    feedback: Any,
    customer_id_col: str,
    datetime_col: str,
    score_col: str,
    feedback_datetime_col: Optional[str] = None,
    observation_period_end: Any = None,
    churn_after_days: int = 90,
    horizon_days: int = 180,
    reference: str = "promoter",
    confidence: float = 0.95,
    datetime_format: Optional[str] = None,
) -> FeedbackChurn:
    """Retention curves, churn rates and hazard ratios by feedback group (module docs;
    ``docs/feedback.md``, *Retention by feedback group*).

    ``transactions`` (purchases) and ``feedback`` (answers) are pandas or polars DataFrames
    naming the customer ``customer_id_col``; purchase dates are ``datetime_col``, answer dates
    ``feedback_datetime_col`` (default ``datetime_col``), scores ``score_col``.
    ``observation_period_end`` (default the last purchase or answer) ends the history; later rows
    are ignored. A customer has churned when ``churn_after_days`` pass after their last purchase
    without another; ``horizon_days`` is where each group's survival and churn rate are read;
    ``reference`` (a group name) is the group the hazard ratios compare against.

    Raises :class:`~retention.ValidationError`: a missing column, an unreadable date, a score that
    is not a whole number in 0..=10 (``RTN_FEEDBACK_SCORE_OUT_OF_RANGE``), an unknown
    ``reference``, ``churn_after_days`` < 1, ``horizon_days`` < 0 or ``confidence`` outside (0, 1).
    """
    if reference not in GROUPS:
        raise ValidationError(f"reference must be {one_of(GROUPS)}, not {reference!r}")
    if int(horizon_days) < 0:
        raise ValidationError(f"horizon_days must be ≥ 0, not {horizon_days}")
    answer_col = datetime_col if feedback_datetime_col is None else feedback_datetime_col
    purchase_ids = to_numpy(_column(transactions, customer_id_col))
    answer_ids = to_numpy(_column(feedback, customer_id_col))
    codes, decode = _customer_codes(np.concatenate([purchase_ids, answer_ids]))
    purchase_codes = np.ascontiguousarray(codes[: len(purchase_ids)])
    answer_codes = np.ascontiguousarray(codes[len(purchase_ids) :])
    purchase_days = _time.day_numbers(_column(transactions, datetime_col), datetime_format)
    answer_days = _time.day_numbers(_column(feedback, answer_col), datetime_format)
    scores = float_column(_column(feedback, score_col), score_col)
    if observation_period_end is None:
        known = np.concatenate([purchase_days, answer_days])
        if len(known) == 0:
            raise ValidationError("no purchases and no feedback")
        end = int(known.max())
    else:
        end = _time.day_number(observation_period_end, datetime_format)
    result = _retention.feedback_churn_by_group(
        purchase_codes,
        purchase_days,
        answer_codes,
        answer_days,
        scores,
        end,
        int(churn_after_days),
        int(horizon_days),
        reference,
        float(confidence),
    )
    groups, table_columns, curve_group, curve_columns, subjects, logrank = result
    table = pd.DataFrame(table_columns, index=pd.Index([GROUPS[g] for g in groups], name="group"))
    curves = pd.DataFrame(curve_columns)
    curves.insert(0, "group", pd.Categorical([GROUPS[g] for g in curve_group], categories=list(GROUPS)))
    subject_codes, subject_groups, subject_days, subject_durations, subject_churned = subjects
    customers = pd.DataFrame(
        {
            "group": pd.Categorical([GROUPS[g] for g in subject_groups], categories=list(GROUPS)),
            "feedback_date": [_time.day_timestamp(int(d)) for d in subject_days],
            "days": subject_durations,
            "churned": subject_churned,
        },
        index=pd.Index(decode(subject_codes), name=customer_id_col),
    )
    statistic, df, p_value = logrank
    return FeedbackChurn(
        table=table,
        curves=curves,
        customers=customers,
        logrank_statistic=float(statistic),
        logrank_df=int(df),
        logrank_p_value=float(p_value),
        churn_after_days=int(churn_after_days),
        horizon_days=int(horizon_days),
        reference=reference,
        confidence=float(confidence),
    )
