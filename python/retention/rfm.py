"""RFM: recency, frequency and monetary scores 1..5 and the named segments retention teams use.

- **R** from the time since the last purchase, ``T − recency`` (the model's time unit): the most
  recent fifth of customers scores 5;
- **F** from ``frequency`` (repeat purchase periods): the most frequent fifth scores 5;
- **M** from ``monetary_value`` (mean spend of the repeat purchases): the highest fifth scores 5.

The cut points are the 20th, 40th, 60th and 80th percentiles of a customer base
(:func:`fit_cuts`, NumPy's linear interpolation); a value on a cut point takes the lower score.
Segments come from R and F (the usual 5×5 grid, ``docs/churn.md``): champions, loyal, potential
loyalists, new customers, promising, need attention, about to sleep, at risk, cannot lose them,
hibernating, lost. The same cut points go into the model blob (``to_model(rfm=cuts)``) so that
the till scores RFM too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

from . import _retention
from ._columns import float_columns, index_of
from .model import SEGMENTS

__all__ = ["RfmCuts", "fit_cuts", "score", "SEGMENTS"]


class RfmCuts(NamedTuple):
    """Four non-decreasing cut points for each of R (time since the last purchase), F
    (frequency) and M (mean spend)."""

    recency: tuple[float, float, float, float]
    frequency: tuple[float, float, float, float]
    monetary: tuple[float, float, float, float]


def fit_cuts(frequency: Any, recency: Any, T: Any, monetary_value: Any) -> RfmCuts:
    """The quintile cut points of a customer base, from lifetimes' summary columns.

    Raises :class:`~retention.ValidationError` for empty or unequal columns, or a value that is
    NaN, infinite or negative (also ``recency > T``).
    """
    x, t_x, age, m = float_columns(frequency=frequency, recency=recency, T=T, monetary_value=monetary_value)
    r_cuts, f_cuts, m_cuts = _retention.churn_rfm_fit(age - t_x, x, m)
    return RfmCuts(r_cuts, f_cuts, m_cuts)


def score(cuts: RfmCuts, frequency: Any, recency: Any, T: Any, monetary_value: Any) -> pd.DataFrame:
    """R, F and M scores (1..5), ``rfm`` (the three digits as a string, ``"545"``), the
    ``segment`` name, one row per customer (the index of a pandas input is kept).

    Raises :class:`~retention.ValidationError` for cut points that are not non-decreasing, or a
    value that is NaN, infinite or negative.
    """
    x, t_x, age, m = float_columns(frequency=frequency, recency=recency, T=T, monetary_value=monetary_value)
    r, f, mon, segment = _retention.churn_rfm_score(
        (tuple(cuts.recency), tuple(cuts.frequency), tuple(cuts.monetary)), age - t_x, x, m
    )
    frame = pd.DataFrame(
        {"R": r, "F": f, "M": mon},
        index=index_of(frequency, recency, T, monetary_value),
    )
    frame["rfm"] = [f"{a}{b}{c}" for a, b, c in zip(r, f, mon)]
    frame["segment"] = [SEGMENTS[int(s)] for s in segment]
    return frame
