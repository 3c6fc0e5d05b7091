"""Whom to send a retention offer, and which: :func:`target` ranks customers for one offer;
:func:`plan` chooses among several offers under a money budget and a contact cap.

For a customer with probability ``p`` of being alive and value ``clv``, an offer costing ``cost``
that wins back a share ``uplift`` of the customers who would otherwise be lost is worth
``uplift · (1 − p) · clv − cost``. Only customers with a positive expected value are targeted (a
campaign that costs more than it saves is worse than none). Computed in the Rust core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from . import _retention, _time
from ._columns import (
    float_argument,
    float_column,
    float_columns,
    index_of,
    int_argument,
    integer_column,
    to_numpy,
)
from .exceptions import ValidationError
from .transactions import _customer_codes

__all__ = ["target", "plan", "Offer", "OfferPlan"]

#: The last-contact day number the core reads as "never contacted".
_NEVER = np.iinfo(np.int64).min


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

@dataclass(frozen=True)
class Offer:
    """A retention offer for :func:`plan`.

    Attributes:
        name: unique among the plan's offers; the contact list's ``offer``.
        cost: what one costs, in the unit of ``clv`` (finite, ≥ 0).
        uplift: the share of would-be-lost customers it wins back, in [0, 1]: one number for
            everyone, or a mapping by feedback group (``"detractor"``, ``"passive"``,
            ``"promoter"``, ``"no_feedback"``) or by risk band (``"low"``, ``"medium"``,
            ``"high"``, ``"critical"``); a name left out has uplift 0.
        eligible_groups: the feedback groups (and ``"no_feedback"``) it may go to; None: all.
        eligible_bands: the risk bands it may go to; None: all.
    """

    name: str
    cost: float
    uplift: Union[float, Mapping[str, float]]
    eligible_groups: Optional[Sequence[str]] = None
    eligible_bands: Optional[Sequence[str]] = None


@dataclass(frozen=True)
class OfferPlan:
    """An offer plan from :func:`plan`.

    Attributes:
        contacts: the contact list, most valuable first: the customer id column (named as in the
            input), ``offer`` (its name), ``expected_value`` (``uplift · (1 − p_alive) · clv −
            cost``, in the unit of ``clv``), ``cost``, ``p_alive``, ``clv``, ``feedback`` (the
            customer's group or ``"no_feedback"``), ``risk_band`` and ``reason`` (in words, e.g.
            ``"detractor, high churn risk: best offer"``; ``"cheaper offer (budget)"`` when the
            budget kept the customer from their most valuable offer).
        expected_value: the plan's expected net value, the sum of the contact list's.
        cost: what it spends (≤ ``budget``).
        budget: the budget given.
        lp_bound: the LP relaxation's optimum: no plan is worth more.
        gap: ``lp_bound − expected_value``, how far from the best plan this one can be (at most
            the largest single offer value).
        optimal: proven optimal (the budget bound nowhere, or the plan reaches the bound).
        eligible: customers with an offer worth sending, not stopped by the contact cap.
        capped: customers the contact cap stopped.
    """

    contacts: pd.DataFrame
    expected_value: float
    cost: float
    budget: float
    lp_bound: float
    gap: float
    optimal: bool
    eligible: int
    capped: int


def _offer_spec(offer: Offer) -> tuple[Any, ...]:
    uplift = offer.uplift
    if isinstance(uplift, Mapping):
        flat, table = None, [(str(k), float(v)) for k, v in uplift.items()]
    else:
        flat, table = float(uplift), []
    groups = None if offer.eligible_groups is None else [str(g) for g in offer.eligible_groups]
    bands = None if offer.eligible_bands is None else [str(b) for b in offer.eligible_bands]
    return (str(offer.name), float(offer.cost), flat, table, groups, bands)


def _column(table: Any, name: str) -> Any:
    try:
        return table[name]
    except Exception as error:  # pandas: KeyError; polars: ColumnNotFoundError
        if isinstance(error, KeyError) or type(error).__name__ == "ColumnNotFoundError":
            raise ValidationError(f"no such column: {name!r}") from None
        raise


def plan(
    customers: Any,
    offers: Sequence[Offer],
    budget: float,
    today: Any,
    customer_id_col: str = "customer_id",
    p_alive_col: str = "p_alive",
    clv_col: str = "clv",
    group_col: Optional[str] = None,
    last_contact_col: Optional[str] = None,
    contacts_col: Optional[str] = None,
    max_contacts: int = 1,
    contact_window_days: int = 30,
    thresholds: tuple[int, int, int] = (250, 500, 750),
    datetime_format: Optional[str] = None,
) -> OfferPlan:
    """Who gets which offer: at most one offer per customer, within ``budget`` (in the unit of
    ``clv``) and the contact cap, for the most expected net value. Computed in the Rust core
    (``docs/feedback.md``, *Offer planning*).

    The problem is a multiple-choice knapsack (one offer or none per customer, one budget). The
    core solves its LP relaxation exactly — the convex-hull greedy of Sinha & Zoltners (1979):
    each customer's offers reduced to their upper convex hull, the hull steps taken most
    efficient first while they fit — and rounds it to a plan: the steps before the first that
    does not fit, then every later one that fits, or the single most valuable offer if that is
    worth more. The LP optimum bounds every plan, so the plan reports ``lp_bound`` and the
    ``gap`` to it (at most the largest single offer value); when the budget binds nowhere every
    customer gets their most valuable offer and the plan is optimal.

    ``customers``: a pandas or polars DataFrame, one row per customer: ``customer_id_col``,
    ``p_alive_col`` (P(alive), [0, 1]), ``clv_col`` (≥ 0); optionally ``group_col`` (feedback
    group names, missing for customers who never answered, see
    :func:`retention.feedback.group_of`), ``last_contact_col`` (dates, missing for never
    contacted) and ``contacts_col`` (contacts in the window, the last one included; default: 1
    if the last contact is in the window, else 0). The risk band of each customer is read from
    P(alive) with ``thresholds`` (the churn model's, :attr:`retention.ChurnModel.thresholds`).

    The contact cap: at most ``max_contacts`` contacts per customer in the
    ``contact_window_days`` days up to ``today`` (a contact on day ``d`` is in the window when
    ``today − d < contact_window_days``), the planned one included.

    Raises :class:`~retention.ValidationError` naming the field: an offer with a negative or
    non-finite cost, an uplift outside [0, 1] or a repeated name (``RTN_TARGETING_INVALID_OFFER``);
    an unknown group or band name in an offer or the group column (``RTN_TARGETING_UNKNOWN_NAME``);
    a row with P(alive) outside [0, 1] or NaN, a negative or NaN CLV, or a customer listed twice
    (``RTN_TARGETING_INVALID_ROW``); a last contact after today, or a contact count that
    disagrees with it (``RTN_TARGETING_INVALID_CONTACT``); a negative or infinite budget or a
    window of 0 days (``RTN_TARGETING_INVALID_LIMITS``); invalid thresholds
    (``RTN_RISK_INVALID_THRESHOLDS``); a missing column or an unreadable date.
    """
    ids = to_numpy(_column(customers, customer_id_col))
    p_alive = float_column(_column(customers, p_alive_col), p_alive_col)
    clv = float_column(_column(customers, clv_col), clv_col)
    n = len(p_alive)
    codes_in, decode = _customer_codes(ids)
    group_codes: Optional[np.ndarray[Any, Any]] = None
    group_names: list[str] = []
    if group_col is not None:
        values = to_numpy(_column(customers, group_col))
        factorized, uniques = pd.factorize(values, use_na_sentinel=True)
        group_codes = np.ascontiguousarray(factorized, dtype=np.int64)
        group_names = [str(u) for u in uniques]
    last_contact: Optional[np.ndarray[Any, Any]] = None
    if last_contact_col is not None:
        values = to_numpy(_column(customers, last_contact_col))
        missing = np.asarray(pd.isna(values))
        last_contact = np.full(n, _NEVER, dtype=np.int64)
        if (~missing).any():
            last_contact[~missing] = _time.day_numbers(values[~missing], datetime_format)
    contacts: Optional[np.ndarray[Any, Any]] = None
    if contacts_col is not None:
        contacts = integer_column(to_numpy(_column(customers, contacts_col)), contacts_col, np.uint32)
    today_day = _time.day_number(today, datetime_format)
    rows, offer_index, values, reasons, slots, bands, summary = _retention.targeting_plan(
        np.ascontiguousarray(codes_in),
        p_alive,
        clv,
        group_codes,
        group_names,
        last_contact,
        contacts,
        [_offer_spec(o) for o in offers],
        float(budget),
        today_day,
        int(max_contacts),
        int(contact_window_days),
        (int(thresholds[0]), int(thresholds[1]), int(thresholds[2])),
    )
    rows = rows.astype(np.int64)
    names = [str(o.name) for o in offers]
    costs = np.array([float(o.cost) for o in offers], dtype=np.float64)
    offer_index = offer_index.astype(np.int64)
    contact_list = pd.DataFrame(
        {
            customer_id_col: decode(codes_in[rows]) if len(rows) else ids[:0],
            "offer": pd.Categorical.from_codes(offer_index, categories=names) if names else [],
            "expected_value": values,
            "cost": costs[offer_index],
            "p_alive": p_alive[rows],
            "clv": clv[rows],
            "feedback": pd.Categorical.from_codes(slots.astype(np.int64), categories=list(_retention.TARGETING_FEEDBACK)),
            "risk_band": pd.Categorical.from_codes(bands.astype(np.int64), categories=list(_retention.CHURN_RISK_BANDS)),
            "reason": pd.Categorical.from_codes(reasons.astype(np.int64), categories=list(_retention.TARGETING_REASONS)),
        }
    )
    expected_value, cost, lp_bound, gap, optimal, eligible, capped = summary
    return OfferPlan(
        contacts=contact_list,
        expected_value=float(expected_value),
        cost=float(cost),
        budget=float(budget),
        lp_bound=float(lp_bound),
        gap=float(gap),
        optimal=bool(optimal),
        eligible=int(eligible),
        capped=int(capped),
    )
