"""lifetimes' purchase-count methods for the purchase-and-dropout fitters (a mixin of
:class:`retention.fitters._PurchaseFitter`): the distribution of the number of purchases, new
customers' and given a history, computed by the core (``retention_core::churn::counts``), and
lifetimes' ``save_model`` / ``load_model``.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar, Optional

import numpy as np
import pandas as pd

from . import _retention
from ._columns import FloatArray, float_column, float_columns, index_of, is_scalar
from .exceptions import ValidationError


def _count(n: Any) -> int:
    """``n`` as a purchase count (a whole number ≥ 0 and below 2³²)."""
    try:
        value = float(n)
    except (TypeError, ValueError):
        raise ValidationError(f"n must be a whole number of purchases, not {n!r}") from None
    if not (value >= 0 and value == int(value) and value < 2**32):
        raise ValidationError(f"n must be a whole number of purchases, 0..2**32-1, not {n!r}")
    return int(value)


class SaveLoadMixin:
    """lifetimes' ``save_model`` and ``load_model``, for every fitter."""

    def save_model(
        self,
        path: str,
        save_data: bool = True,
        save_generate_data_method: bool = True,
        values_to_save: Any = None,
    ) -> None:
        """Pickles the fitter to ``path`` (lifetimes' ``save_model``; lifetimes uses dill, a plain
        pickle suffices here). ``save_data=False`` leaves out the fitted data.
        ``save_generate_data_method`` is accepted for compatibility (there is no per-instance
        generator to drop). ``values_to_save``: a list of values to store instead of the
        attributes of the same position in lifetimes' order, not supported here (raises
        :class:`~retention.ValidationError` unless None).
        """
        if values_to_save is not None:
            raise ValidationError("values_to_save is not supported: save the whole fitter")
        state = dict(self.__dict__)
        if not save_data:
            for key in ("_data", "_data_columns", "_data_index"):
                state.pop(key, None)
        with open(path, "wb") as out:
            pickle.dump((type(self).__name__, state), out)

    def load_model(self, path: str) -> None:
        """Loads a fitter saved by :meth:`save_model` into ``self`` (lifetimes' ``load_model``).
        Only load files you trust: this is :mod:`pickle`.

        Raises :class:`~retention.ValidationError` when the file holds another kind of fitter.
        """
        with open(path, "rb") as source:
            kind, state = pickle.load(source)
        if kind != type(self).__name__:
            raise ValidationError(f"{path} holds a {kind}, not a {type(self).__name__}")
        self.__dict__.clear()
        self.__dict__.update(state)


class PurchaseCountsMixin(SaveLoadMixin):
    """``probability_of_n_purchases_up_to_time`` and its conditional form."""

    _MODEL: ClassVar[str]

    def _fitted(self) -> Any:
        """``self`` as the fitter it is mixed into (``_params()``, ``data``)."""
        return self

    def generate_new_data(self, size: int = 1, seed: Optional[int] = None, T: Any = None) -> pd.DataFrame:
        """``size`` simulated customers of the fitted model (lifetimes' ``generate_new_data``):
        each draws a purchase rate λ and a dropout parameter (BG/NBD, MBG/NBD: p; Pareto/NBD: μ)
        from the fitted mixing distributions and buys at random until their age or dropout.
        Ages are the fitted data's ``T`` (the first ``size`` rows), or ``T`` (a number or one
        per customer). Columns ``frequency`` (distinct whole time units with a repeat purchase,
        as lifetimes counts), ``recency``, ``T``, ``lambda``, ``p`` (Pareto/NBD: ``mu``),
        ``alive``; indexed by ``customer_id`` 0..size-1. ``seed`` makes the draw reproducible
        (default: drawn from NumPy's global generator, so ``np.random.seed`` works as with
        lifetimes; the numbers differ from lifetimes', the distributions are the same).

        Raises :class:`~retention.ValidationError` for a ``size`` above the number of fitted
        rows (without ``T``) or a negative age; :class:`~retention.ConvergenceError` for a
        customer with more than a million simulated purchases.
        """
        size = int(size)
        if size < 0:
            raise ValidationError(f"size must be at least 0, not {size}")
        if T is None:
            ages = self._fitted().data["T"].to_numpy(dtype=float)
            if size > len(ages):
                raise ValidationError(f"size {size} is more than the {len(ages)} fitted customers (pass T)")
            ages = ages[:size]
        else:
            ages = float_column(T, "T")
            ages = np.full(size, ages[0]) if len(ages) == 1 else ages
            if len(ages) != size:
                raise ValidationError(f"T has {len(ages)} values, size is {size}")
        if seed is None:
            seed = int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
        if not 0 <= int(seed) < 2**64:
            raise ValidationError(f"seed must be 0..2**64-1, not {seed}")
        frequency, recency, age, rate, dropout, alive = _retention.churn_simulate(
            self._MODEL, self._fitted()._params(), np.ascontiguousarray(ages, dtype=np.float64), int(seed)
        )
        dropout_name = "mu" if self._MODEL == _retention.CHURN_MODEL_PARETO_NBD else "p"
        return pd.DataFrame(
            {"frequency": frequency, "recency": recency, "T": age, "lambda": rate, dropout_name: dropout, "alive": alive},
            index=pd.RangeIndex(size, name="customer_id"),
        )

    def probability_of_n_purchases_up_to_time(self, t: Any, n: Any) -> Any:
        """P(N(t) = n): the probability that a new customer makes ``n`` repeat purchases in
        their first ``t`` time units (lifetimes' method of BG/NBD and MBG/NBD, here for
        Pareto/NBD too). ``t``: a scalar (a float is returned) or an array of horizons (an
        array). Fader, Hardie & Lee (2005) eq. 8 for BG/NBD; see ``docs/churn.md``.

        Raises :class:`~retention.ValidationError` for a negative or NaN ``t`` or an ``n``
        that is not a whole number ≥ 0; :class:`~retention.ConvergenceError` if a series does
        not converge.
        """
        horizons = float_column(t, "t")
        values: FloatArray = _retention.churn_count_probability(self._MODEL, self._fitted()._params(), _count(n), horizons)
        if index_of(t) is not None:
            return pd.Series(values, index=index_of(t))
        return float(values[0]) if is_scalar(t) else values

    def conditional_probability_of_n_purchases_up_to_time(
        self, n: Any, t: Any, frequency: Any, recency: Any, T: Any
    ) -> Any:
        """P(N(T, T + t] = n | frequency, recency, T): the probability that each customer with
        this history makes ``n`` purchases in the next ``t`` time units (lifetimes' method of
        Pareto/NBD, here for every model). A float for scalar histories, a pandas Series
        indexed like the input when a column is a Series, else a NumPy array. A frequency of 0
        with a recency above 0 is evaluated as lifetimes does (the formulas as written).

        Raises :class:`~retention.ValidationError` for an invalid row (named), a negative or
        NaN ``t`` or a bad ``n``; :class:`~retention.ConvergenceError` if a series does not
        converge.
        """
        if not is_scalar(t):
            raise ValidationError("t must be one horizon (a number)")
        x, t_x, age = float_columns(frequency=frequency, recency=recency, T=T)
        values: FloatArray = _retention.churn_conditional_count_probability(
            self._MODEL, self._fitted()._params(), _count(n), float(t), x, t_x, age
        )
        index = index_of(frequency, recency, T)
        if index is not None:
            return pd.Series(values, index=index)
        return float(values[0]) if all(is_scalar(v) for v in (frequency, recency, T)) else values
