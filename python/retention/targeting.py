"""Whom to send a retention offer: rank customers by the offer's expected value and keep those
for whom it pays.

For a customer with probability ``p`` of being alive and value ``clv``, an offer costing ``cost``
that wins back a share ``uplift`` of the customers who would otherwise be lost is worth
``uplift · (1 − p) · clv − cost``. Only customers with a positive expected value are targeted (a
campaign that costs more than it saves is worse than none), best first, ties by row. Computed in
the Rust core.
"""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd

from . import _retention
from ._columns import float_argument, float_columns, index_of, int_argument

__all__ = ["target"]


def target(
    p_alive: Any,
    clv: Any,
    cost: float,
    uplift: float,
    budget: Optional[int] = None,
) -> pd.DataFrame:
    """The customers worth the offer, best first: columns ``p_alive``, ``clv`` and
    ``expected_value`` (in the unit of ``clv``), indexed by the customers' labels (the index of
    a pandas input) or row numbers; at most ``budget`` rows when given.

    ``p_alive`` in [0, 1] and ``clv`` ≥ 0 per customer (arrays or Series); ``cost`` ≥ 0 in the
    unit of ``clv``; ``uplift`` in [0, 1].

    Raises :class:`~retention.ValidationError` for unequal columns, an invalid offer, or a row
    with P(alive) outside [0, 1] or a CLV that is negative or not finite (named in the message).
    """
    p, value = float_columns(p_alive=p_alive, clv=clv)
    rows, expected = _retention.churn_target(
        p,
        value,
        float_argument(cost, "cost"),
        float_argument(uplift, "uplift"),
        None if budget is None else int_argument(budget, "budget", 0, 2**63 - 1),
    )
    index = index_of(p_alive, clv)
    labels = rows if index is None else index[rows.astype("int64")]
    return pd.DataFrame(
        {"p_alive": p[rows.astype("int64")], "clv": value[rows.astype("int64")], "expected_value": expected},
        index=labels,
    )
