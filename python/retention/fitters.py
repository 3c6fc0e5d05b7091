"""lifetimes-compatible fitters: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma, fitted and
evaluated by the Rust core (the same code that scores customers at the till), and the sBG model
of contractual retention (:class:`ShiftedBetaGeoFitter`).

Existing lifetimes scripts switch by changing the import::

    from retention import BetaGeoFitter, GammaGammaFitter   # was: from lifetimes import ...

Names, parameters and results follow lifetimes 0.11.3. Differences, each also stated where it
applies:

- Inputs are checked, never coerced: a NaN or negative value, a fractional frequency or a
  recency above ``T`` raise :class:`~retention.ValidationError` naming the row (lifetimes
  truncates frequencies to integers and returns NaN for some of these). A frequency of 0 with a
  recency above 0 cannot come from a transaction history: :meth:`fit` refuses it, the other
  methods evaluate it as lifetimes does (the formulas as written; BG/NBD's ignore the recency). A fit that does not converge raises
  :class:`~retention.ConvergenceError`; no method returns NaN.
- The optimizer is L-BFGS on the log-parameters with exact analytic gradients (Pareto/NBD's
  through its hypergeometric series), on the rows deduplicated into weights; a fit has converged when the gradient of
  the mean log-likelihood is below 1e-6. ``tol``, ``fit_method`` and other scipy options are
  accepted for compatibility and not used; ``maxiter`` / ``max_iterations`` bound the iterations.
- ``initial_params`` are the natural parameters in the data's time unit (lifetimes: the
  logarithms of the time-scaled parameters).
- ``variance_matrix_`` is the inverse of the Hessian of ``−Σ wᵢ LLᵢ`` (the summed weighted
  log-likelihood, without the penalty) in the natural parameters at the optimum, computed and
  inverted (Cholesky) by the core; ``standard_errors_`` are the square roots of its diagonal and
  ``confidence_intervals_`` are ``params_ ± 1.96 · standard_errors_``, as lifetimes. lifetimes
  takes the Hessian of its penalized mean objective in the log-parameters and returns
  ``params_[j]² · H⁻¹[i, j] / Σ wᵢ``: for a fit without a penalizer its diagonal is the same
  (the gradient is zero at the optimum), its off-diagonal cells are ours times
  ``params_[j] / params_[i]`` (so lifetimes' matrix is not symmetric; ours is, and is the
  delta-method covariance); for a penalized fit lifetimes' also includes the penalty's
  curvature. Pareto/NBD has a ``variance_matrix_`` here (lifetimes sets none).
- ``penalizer_coef`` is lifetimes' (the time parameters penalized in its time scale; Pareto/NBD's
  relative to the summed likelihood, as lifetimes). Scored by lifetimes' own objective on CDNOW
  (``benches/python/lifetimes_differences.py``), BG/NBD, MBG/NBD and Gamma-Gamma fits equal
  lifetimes' to 3e-14 at penalizers 0.001, 0.01 and 0.1; Pareto/NBD's are lower than lifetimes'
  early stop by 4.5e-8, 4.4e-8 and 4.8e-7.
- ``log_likelihood_`` is the weighted log-likelihood at the optimum, without the penalty.

Times are in whatever unit the data uses (days or weeks); :meth:`to_bytes` records which, for the
till.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional, TypeVar

import numpy as np
import pandas as pd

from . import _retention
from ._counts import PurchaseCountsMixin, SaveLoadMixin
from ._columns import (
    FloatArray,
    float_argument,
    float_column,
    float_columns,
    index_of,
    int_argument,
    is_scalar,
    one_of,
    optional_weights,
)
from .exceptions import ValidationError
from .model import ChurnModel
from .transactions import periods

__all__ = [
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "BetaGeoBetaBinomFitter",
    "GammaGammaFitter",
    "ShiftedBetaGeoFitter",
]

#: z of the two-sided 95 % interval, as lifetimes.
_Z95 = 1.96

#: The largest frequency or recency of a P(alive) grid (a side of 10 000 cells at most).
_MAX_GRID_SIDE = 9_999

_Fitter = TypeVar("_Fitter", bound="_PurchaseFitter")


class _BaseFitter:
    """What every fitter has: parameters, their standard errors, the summary table."""

    _PARAM_NAMES: ClassVar[tuple[str, ...]] = ()

    penalizer_coef: float
    params_: pd.Series
    standard_errors_: pd.Series
    variance_matrix_: pd.DataFrame
    log_likelihood_: float
    iterations_: int
    distinct_rows_: int
    _subjects: int
    _data: Optional[pd.DataFrame]
    _data_columns: dict[str, FloatArray]
    _data_index: Any

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        """``penalizer_coef``: L2 penalty on the (time-scaled) parameters, as lifetimes' (≥ 0)."""
        self.penalizer_coef = penalizer_coef

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<retention.{name}>"
        subjects = f" fitted with {self._subjects} subjects,"
        params = ", ".join(f"{k}: {v:.2f}" for k, v in sorted(self.params_.items()))
        return f"<retention.{name}:{subjects} {params}>"

    def _store(
        self,
        result: tuple[list[float], Optional[list[float]], float, int, int, Optional[list[list[float]]]],
        verbose: bool,
    ) -> None:
        params, errors, log_likelihood, iterations, distinct_rows, covariance = result
        names = list(self._PARAM_NAMES)
        self.params_ = pd.Series(params, index=names, dtype=float)
        self.standard_errors_ = pd.Series(
            errors if errors is not None else [np.nan] * len(names), index=names, dtype=float
        )
        self.variance_matrix_ = pd.DataFrame(
            covariance if covariance is not None else np.full((len(names), len(names)), np.nan),
            index=names,
            columns=names,
            dtype=float,
        )
        self.log_likelihood_ = float(log_likelihood)
        self.iterations_ = int(iterations)
        self.distinct_rows_ = int(distinct_rows)
        if verbose:
            print(
                f"{type(self).__name__}: converged in {iterations} iterations on {distinct_rows} "
                f"distinct rows, log-likelihood {log_likelihood:.6f}",
                flush=True,
            )

    def _observer(self, verbose: bool, progress: Optional[Callable[..., object]]) -> Optional[Callable[..., None]]:
        """What the core calls after each fit iteration: prints a ``verbose`` line, calls
        ``progress(iteration, log_likelihood, gradient_norm, params)``; ``None`` when neither is
        asked for (Ctrl-C is checked between iterations either way)."""
        if not verbose and progress is None:
            return None
        name = type(self).__name__

        def observe(iteration: int, log_likelihood: float, gradient_norm: float, params: list[float]) -> None:
            if verbose:
                shown = ", ".join(f"{v:.6g}" for v in params)
                print(
                    f"{name}: iteration {iteration}, log-likelihood {log_likelihood:.6f}, "
                    f"gradient norm {gradient_norm:.3e}, params [{shown}]",
                    flush=True,
                )
            if progress is not None:
                progress(iteration, log_likelihood, gradient_norm, params)

        return observe

    def _keep_data(self, columns: dict[str, FloatArray], index: Any, keep: bool = True) -> None:
        """Keeps the fitted columns (unless ``keep`` is false: then only their row count);
        :attr:`data` makes the DataFrame when first asked."""
        if not isinstance(keep, (bool, np.bool_)):
            raise TypeError(f"keep_data must be a bool, not {type(keep).__name__}")
        self._subjects = len(next(iter(columns.values())))
        if not keep:
            columns, index = {}, None
        self._data, self._data_columns, self._data_index = None, columns, index

    def _penalizer(self) -> float:
        return float_argument(self.penalizer_coef, "penalizer_coef", 0.0)

    def __getstate__(self) -> dict[str, Any]:
        """Pickling: everything but the DataFrame :attr:`data` caches (it is rebuilt from the
        kept columns); a fitter fitted with ``keep_data=False`` pickles to about 2 KB, whatever
        its row count."""
        state = dict(self.__dict__)
        state["_data"] = None
        return state

    def _repr_html_(self) -> str:
        """The fit for notebooks: what was fitted, then :attr:`summary` as an HTML table."""
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<div><b>{name}</b> (not fitted)</div>"
        return (
            f"<div><b>{name}</b> fitted on {self._subjects:,} subjects ({self.distinct_rows_:,} "
            f"distinct rows), log-likelihood {self.log_likelihood_:.4f}, {self.iterations_} "
            f"iterations{self.summary.to_html(float_format=lambda v: f'{v:.4f}')}</div>"
        )

    @property
    def data(self) -> pd.DataFrame:
        """The data the model was fitted on, as lifetimes keeps it (with a ``weights``
        column, indexed by the ``index`` given to :meth:`fit`).

        Raises :class:`~retention.ValidationError` before a fit, or after one with
        ``keep_data=False``.
        """
        if not hasattr(self, "_data_columns"):
            raise ValidationError("Model has not been fit yet. Please call the .fit method first.")
        if not self._data_columns:
            raise ValidationError("the model was fitted with keep_data=False: it kept no data")
        if self._data is None:
            self._data = pd.DataFrame(self._data_columns, index=self._data_index)
        return self._data

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """``lower 95% bound`` and ``upper 95% bound`` per parameter: coef ∓ 1.96 se."""
        self._params()
        return pd.DataFrame(
            {
                "lower 95% bound": self.params_ - _Z95 * self.standard_errors_,
                "upper 95% bound": self.params_ + _Z95 * self.standard_errors_,
            },
            index=self.params_.index,
        )

    def _params(self) -> list[float]:
        if not hasattr(self, "params_"):
            raise ValidationError("Model has not been fit yet. Please call the .fit method first.")
        return [float(v) for v in self.params_.to_numpy()]

    @property
    def summary(self) -> pd.DataFrame:
        """The fit as lifetimes shows it: ``coef``, ``se(coef)``, ``lower 95% bound``,
        ``upper 95% bound`` per parameter. Standard errors are NaN only for a penalized fit
        whose likelihood is flat (no positive definite Hessian)."""
        self._params()
        frame = pd.DataFrame(index=self.params_.index)
        frame["coef"] = self.params_
        frame["se(coef)"] = self.standard_errors_
        frame["lower 95% bound"] = self.confidence_intervals_["lower 95% bound"]
        frame["upper 95% bound"] = self.confidence_intervals_["upper 95% bound"]
        return frame

    def print_summary(self) -> None:
        """Prints :attr:`summary` and the log-likelihood."""
        print(self)
        print(self.summary.to_string(float_format=lambda v: f"{v:.4f}"))
        print(f"log-likelihood {self.log_likelihood_:.4f}")


def probability_grid(model: Any, max_frequency: Optional[int], max_recency: Optional[int]) -> tuple[Any, Any, int]:
    """Frequency and recency grids of a fitted model's matrices and plots (rows recency
    0..max_recency, columns frequency 0..max_frequency; defaults: the largest frequency and age
    in its data), as lifetimes' (frequency 0 with a recency is evaluated as it does). Raises
    :class:`~retention.ValidationError` for a bound outside 0..9,999 or beyond
    ``_retention.CHURN_MAX_GRID_CELLS`` cells."""
    max_frequency = int_argument(
        max_frequency or int(model.data["frequency"].max()), "max_frequency", 0, _MAX_GRID_SIDE
    )
    max_recency = int_argument(max_recency or int(model.data["T"].max()), "max_recency", 0, _MAX_GRID_SIDE)
    cells = (max_frequency + 1) * (max_recency + 1)
    if cells > _retention.CHURN_MAX_GRID_CELLS:
        raise ValidationError(
            f"a grid of {max_frequency + 1} frequencies x {max_recency + 1} recencies = {cells} cells "
            f"exceeds the limit of {_retention.CHURN_MAX_GRID_CELLS}; pass smaller max_frequency / max_recency"
        )
    recency, frequency = np.meshgrid(
        np.arange(max_recency + 1, dtype=float), np.arange(max_frequency + 1, dtype=float), indexing="ij"
    )
    return frequency, recency, max_recency


def _threads(threads: Any) -> Optional[int]:
    """``threads`` checked: ``None`` (every core) or a whole number ≥ 1."""
    if threads is None:
        return None
    return int_argument(threads, "threads", 1, 2**64 - 1)


def _initial(initial_params: Any) -> Optional[list[float]]:
    """Initial parameters as floats, each checked (``initial_params[i]`` in messages)."""
    if initial_params is None:
        return None
    return [float_argument(v, f"initial_params[{i}]") for i, v in enumerate(np.ravel(initial_params))]


def _result(values: FloatArray, scalar: bool) -> Any:
    return float(values[0]) if scalar else values


class _ExportableFitter(_BaseFitter):
    """A purchase model a till can score from (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB): ``_MODEL``
    is the core's name of the model, ``_PARAM_NAMES`` the core's names of its parameters."""

    _MODEL: ClassVar[str] = ""

    def to_model(
        self,
        freq: str = "D",
        freq_multiplier: int = 1,
        thresholds: tuple[int, int, int] = (250, 500, 750),
        horizon: Optional[float] = None,
        spend_model: Optional[GammaGammaFitter] = None,
        clv_months: int = 12,
        discount_rate: float = 0.01,
        money_unit: int = 100,
        rfm: Optional[Any] = None,
    ) -> ChurnModel:
        """The fitted model as a :class:`~retention.ChurnModel` for the till.

        ``freq`` and ``freq_multiplier`` say how the summary was made (as
        :func:`~retention.summary_data_from_transaction_data`): the till collapses purchases and
        measures time the same way. ``thresholds``: the churn risks (0..1000) where the bands
        medium, high and critical start, strictly increasing. ``horizon``: the time units of the
        expected purchases a score reports (default 52 weeks, 364 days). ``spend_model``: a
        fitted :class:`GammaGammaFitter` (its ``q`` must exceed 1) for CLV over ``clv_months``
        months (1..1200) at ``discount_rate`` a month ([0, 1]). ``money_unit``: minor units per
        unit of the amounts the spend model and RFM cuts were fitted on (100 for dollars or
        euros, 1 for cents). ``rfm``: :class:`~retention.rfm.RfmCuts`.

        BG/BB counts one purchase opportunity per period of ``freq`` (``"D"`` or ``"W"`` with
        ``freq_multiplier`` 1): its horizon must be whole (at most
        :data:`~retention._retention.CHURN_MAX_BG_BB_PERIODS`) and a spend model needs ``"D"``.

        Raises :class:`~retention.ValidationError` for any setting out of range.
        """
        grain, unit = periods(freq, freq_multiplier)
        spend = None
        if spend_model is not None:
            spend = (spend_model._params(), clv_months, discount_rate)
        cuts = None if rfm is None else (tuple(rfm.recency), tuple(rfm.frequency), tuple(rfm.monetary))
        return ChurnModel(
            self._MODEL,
            self._params(),
            grain=grain,
            unit=unit,
            thresholds=thresholds,
            horizon=horizon,
            money_unit=money_unit,
            spend=spend,
            rfm=cuts,
        )

    def to_bytes(self, **settings: Any) -> bytes:
        """The model blob (``Kind.MODEL``, at most :data:`~retention.CHURN_MODEL_MAX_LEN`
        bytes) for terminals: :meth:`to_model` with the same keyword ``settings``, then
        :meth:`ChurnModel.to_bytes <retention.ChurnModel.to_bytes>`. Load it back with
        :meth:`ChurnModel.from_bytes <retention.ChurnModel.from_bytes>`, or in C with
        ``rtn_churn_model_load``.
        """
        return self.to_model(**settings).to_bytes()


class _PurchaseFitter(_ExportableFitter, PurchaseCountsMixin):
    """A purchase-and-dropout model in continuous time (BG/NBD, MBG/NBD, Pareto/NBD)."""

    def fit(
        self: _Fitter,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        max_iterations: int = 1000,
        keep_data: bool = True,
        progress: Optional[Callable[[int, float, float, list[float]], object]] = None,
        threads: Optional[int] = None,
        **kwargs: Any,
    ) -> _Fitter:
        """Fits the model by maximum likelihood to customers' ``frequency`` (x, repeat purchase
        periods, whole numbers ≥ 0), ``recency`` (t_x, first to last purchase) and ``T`` (age:
        first purchase to the end of observation), times in one unit (days or weeks). NumPy
        arrays, pandas or polars Series, lists.

        ``weights``: how many customers each row stands for (> 0; identical rows are merged
        anyway). ``initial_params``: starting natural parameters in the data's time unit.
        ``verbose`` prints a line per iteration during the fit (iteration, log-likelihood,
        gradient norm, parameters) and one at the end. ``progress(iteration, log_likelihood,
        gradient_norm, params)`` is called after each iteration (an exception it raises stops the
        fit and is raised as it is). Ctrl-C stops a fit between iterations (each well under a
        second on a million distinct rows) with :class:`KeyboardInterrupt`. ``threads``: threads
        to sum the likelihood on (≥ 1, default every core); the parameters are the same bits
        with any number. ``index`` labels :attr:`data`. ``tol`` and ``kwargs`` (scipy options in
        lifetimes) are accepted and not used; at most ``max_iterations`` BFGS iterations, each
        with a line search of at most ``_retention.CHURN_MAX_LINE_SEARCH_STEPS`` trial points.
        ``keep_data=False`` keeps only the fit, not the columns (:attr:`data` then raises; a
        pickled fitter stays small): methods that default to the fitted data need them given.
        Returns ``self``.

        Raises :class:`~retention.ValidationError` for empty, unequal or invalid columns (the
        message names the first bad row: NaN, negative, fractional frequency, recency > T,
        frequency 0 with recency > 0), a negative penalizer or bad initial parameters;
        :class:`~retention.ConvergenceError` when the fit does not converge or the data cannot
        identify the parameters (for example nobody made a repeat purchase; a penalizer helps).
        """
        x, t_x, age = float_columns(frequency=frequency, recency=recency, T=T)
        w = optional_weights(weights, len(x))
        max_iterations = int_argument(max_iterations, "max_iterations", 0, 2**64 - 1)
        self._store(
            _retention.churn_fit(
                self._MODEL,
                x,
                t_x,
                age,
                w,
                self._penalizer(),
                max_iterations,
                _initial(initial_params),
                _threads(threads),
                self._observer(verbose, progress),
            ),
            verbose,
        )
        self._keep_data(
            {"frequency": x, "recency": t_x, "T": age, "weights": np.ones(len(x)) if w is None else w},
            index,
            keep_data,
        )
        return self

    def _evaluate(self, quantity: str, t: float, frequency: Any, recency: Any, T: Any) -> FloatArray:
        x, t_x, age = float_columns(frequency=frequency, recency=recency, T=T)
        values: FloatArray = _retention.churn_evaluate(
            self._MODEL, self._params(), quantity, t, x, t_x, age
        )
        return values

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> FloatArray:
        """P(alive): the probability that each customer with history (``frequency``,
        ``recency``, ``T``) is still active, in [0, 1]. A 1-D NumPy array (also for scalar
        inputs, as lifetimes).

        Raises :class:`~retention.ValidationError` for an invalid row (see :meth:`fit`).
        """
        return self._evaluate("p_alive", 0.0, frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: Any, frequency: Any, recency: Any, T: Any
    ) -> Any:
        """Expected purchases in the next ``t`` time units of each customer with history
        (``frequency``, ``recency``, ``T``). ``t`` is a scalar or one value per customer. A pandas
        Series indexed like the input when a column is a Series (as lifetimes), a float when
        every input is a scalar, else a 1-D NumPy array.

        Raises :class:`~retention.ValidationError` for an invalid row or a negative or NaN
        ``t``; :class:`~retention.ConvergenceError` if a series does not converge.
        """
        scalar = all(is_scalar(v) for v in (t, frequency, recency, T))
        index = index_of(frequency, recency, T)
        if is_scalar(t):
            values = self._evaluate("expected_purchases", float(t), frequency, recency, T)
            return _result(values, scalar) if index is None else pd.Series(values, index=index)
        horizons, x, t_x, age = float_columns(t=t, frequency=frequency, recency=recency, T=T)
        if np.isnan(horizons).any():
            raise ValidationError("t must not be NaN")
        out = np.empty(len(x))
        for horizon in np.unique(horizons):
            rows = horizons == horizon
            out[rows] = self._evaluate("expected_purchases", float(horizon), x[rows], t_x[rows], age[rows])
        return out if index is None else pd.Series(out, index=index)

    predict = conditional_expected_number_of_purchases_up_to_time

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Any:
        """Expected repeat purchases of a new customer in their first ``t`` time units (scalar
        or array; a float for a scalar).

        Raises :class:`~retention.ValidationError` for a negative or NaN ``t``.
        """
        horizons = float_column(t, "t")
        values = _retention.churn_unconditional(self._MODEL, self._params(), horizons)
        return _result(values, is_scalar(t))

    def conditional_probability_alive_matrix(
        self, max_frequency: Optional[int] = None, max_recency: Optional[int] = None
    ) -> FloatArray:
        """P(alive) on a grid: rows recency 0..``max_recency``, columns frequency
        0..``max_frequency``, for customers of age ``T = max_recency`` (defaults: the largest
        frequency and age in :attr:`data`). As lifetimes' matrix, the frequency-0 column included
        (evaluated with the formulas as written, see the module notes)."""
        frequency, recency, max_recency = probability_grid(self, max_frequency, max_recency)
        values = self.conditional_probability_alive(
            frequency.ravel(), recency.ravel(), np.full(frequency.size, float(max_recency))
        )
        return values.reshape(frequency.shape)


class BetaGeoFitter(_PurchaseFitter):
    """BG/NBD (Fader, Hardie & Lee 2005), parameters ``r, alpha, a, b``: lifetimes'
    ``BetaGeoFitter``. A customer can drop out only right after a repeat purchase, so a one-time
    buyer always has P(alive) = 1: for churn risk prefer :class:`ParetoNBDFitter` or
    :class:`ModifiedBetaGeoFitter`."""

    _MODEL = _retention.CHURN_MODEL_BG_NBD
    _PARAM_NAMES = _retention.CHURN_MODELS[_MODEL]


class ModifiedBetaGeoFitter(_PurchaseFitter):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007), parameters ``r, alpha, a, b``: lifetimes'
    ``ModifiedBetaGeoFitter``. Like BG/NBD with a dropout chance at time zero too, so one-time
    buyers can lapse."""

    _MODEL = _retention.CHURN_MODEL_MBG_NBD
    _PARAM_NAMES = _retention.CHURN_MODELS[_MODEL]


class ParetoNBDFitter(_PurchaseFitter):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987), parameters ``r, alpha, s, beta``:
    lifetimes' ``ParetoNBDFitter``. The default scoring model at the till: dropout in continuous
    time, so a one-time buyer who lapsed long ago has a high churn risk."""

    _MODEL = _retention.CHURN_MODEL_PARETO_NBD
    _PARAM_NAMES = _retention.CHURN_MODELS[_MODEL]

    def fit(  # type: ignore[override]
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        iterative_fitting: int = 1,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-4,
        index: Any = None,
        fit_method: str = "Nelder-Mead",
        maxiter: int = 2000,
        progress: Optional[Callable[[int, float, float, list[float]], object]] = None,
        threads: Optional[int] = None,
        keep_data: bool = True,
        **kwargs: Any,
    ) -> ParetoNBDFitter:
        """As :meth:`BetaGeoFitter.fit`, with lifetimes' Pareto/NBD signature: ``maxiter``
        bounds the L-BFGS iterations; ``iterative_fitting``, ``tol`` and ``fit_method`` are
        accepted and not used (one gradient-based fit converges)."""
        super().fit(
            frequency,
            recency,
            T,
            weights=weights,
            initial_params=initial_params,
            verbose=verbose,
            index=index,
            max_iterations=int_argument(maxiter, "maxiter", 0, 2**64 - 1),
            progress=progress,
            threads=threads,
            keep_data=keep_data,
        )
        return self


class BetaGeoBetaBinomFitter(_ExportableFitter):
    """BG/BB (Fader, Hardie & Shang 2010), parameters ``alpha, beta, gamma, delta``: lifetimes'
    ``BetaGeoBetaBinomFitter``, for discrete purchase opportunities (a yearly donation, a weekly
    market day, one period of the summary's grain). While alive a customer buys at each
    opportunity with probability p ~ Beta(alpha, beta) and, before each opportunity, drops out
    for good with probability θ ~ Beta(gamma, delta).

    Customers are described by ``frequency`` x (opportunities with a purchase, after the first),
    ``recency`` t_x (the opportunity of the last purchase, 0 if none) and ``n_periods`` n
    (opportunities observed), all whole with ``0 ≤ x ≤ t_x ≤ n ≤``
    :data:`~retention._retention.CHURN_MAX_BG_BB_PERIODS` (100,000) and t_x = 0 when x = 0.
    Horizons (``m_periods_in_future``, ``n``) are whole numbers of opportunities too. Rows
    breaking these raise :class:`~retention.ValidationError` naming the row (lifetimes computes
    something for them).
    """

    _MODEL = _retention.CHURN_MODEL_BG_BB
    _PARAM_NAMES = _retention.CHURN_MODELS[_MODEL]

    def fit(
        self,
        frequency: Any,
        recency: Any,
        n_periods: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        max_iterations: int = 1000,
        keep_data: bool = True,
        progress: Optional[Callable[[int, float, float, list[float]], object]] = None,
        threads: Optional[int] = None,
        **kwargs: Any,
    ) -> BetaGeoBetaBinomFitter:
        """Fits the model by maximum likelihood to ``frequency``, ``recency`` and ``n_periods``
        (see the class), with ``weights``: customers per row (> 0), as in lifetimes'
        ``donations`` data of 22 patterns. ``initial_params``: starting ``alpha, beta, gamma,
        delta``. ``verbose``, ``tol``, ``index``, ``max_iterations``, ``keep_data``,
        ``progress``, ``threads`` and ``kwargs`` as :meth:`BetaGeoFitter.fit`. :attr:`data` has the columns ``frequency``, ``recency``,
        ``n_periods`` and ``weights``, as lifetimes'. Returns ``self``.

        Raises :class:`~retention.ValidationError` for empty, unequal or invalid columns (the
        message names the first bad row: NaN, negative or fractional values, frequency above
        recency, recency above n_periods, n_periods above 100,000), a bad weight or penalizer;
        :class:`~retention.ConvergenceError` when the fit does not converge or the data cannot
        identify the parameters.
        """
        x, t_x, n = float_columns(frequency=frequency, recency=recency, n_periods=n_periods)
        w = optional_weights(weights, len(x))
        max_iterations = int_argument(max_iterations, "max_iterations", 0, 2**64 - 1)
        self._store(
            _retention.churn_fit(
                self._MODEL,
                x,
                t_x,
                n,
                w,
                self._penalizer(),
                max_iterations,
                _initial(initial_params),
                _threads(threads),
                self._observer(verbose, progress),
            ),
            verbose,
        )
        self._keep_data(
            {"frequency": x, "recency": t_x, "n_periods": n, "weights": np.ones(len(x)) if w is None else w},
            index,
            keep_data,
        )
        return self

    def conditional_probability_alive(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> Any:
        """P(alive at opportunity n + ``m_periods_in_future``) of each customer with history
        (``frequency``, ``recency``, ``n_periods``): the paper's eq. 11 for m = 1 (its Table 6,
        "P(alive in 2002)"); m = 0 is P(alive at the last opportunity observed). A 1-D NumPy
        array, or a float when every input is a scalar. Any input may be a scalar or one value
        per customer.

        Raises :class:`~retention.ValidationError` for an invalid row or a negative, NaN or
        fractional ``m_periods_in_future``.
        """
        scalar = all(is_scalar(v) for v in (m_periods_in_future, frequency, recency, n_periods))
        m, x, t_x, n = float_columns(
            m_periods_in_future=m_periods_in_future, frequency=frequency, recency=recency, n_periods=n_periods
        )
        return _result(_retention.churn_bg_bb_p_alive(self._params(), m, x, t_x, n), scalar)

    def conditional_expected_number_of_purchases_up_to_time(
        self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> Any:
        """Expected purchases at the next ``m_periods_in_future`` opportunities (n + 1 .. n + m)
        of each customer with history (``frequency``, ``recency``, ``n_periods``): the paper's
        eq. 13. A 1-D NumPy array, or a float when every input is a scalar.

        Raises :class:`~retention.ValidationError` for an invalid row or a negative, NaN,
        fractional or too large (above 100,000) horizon.
        """
        scalar = all(is_scalar(v) for v in (m_periods_in_future, frequency, recency, n_periods))
        horizons, x, t_x, n = float_columns(
            m_periods_in_future=m_periods_in_future, frequency=frequency, recency=recency, n_periods=n_periods
        )
        if np.isnan(horizons).any():
            raise ValidationError("m_periods_in_future must not be NaN")
        out = np.empty(len(x))
        for horizon in np.unique(horizons):
            rows = horizons == horizon
            out[rows] = _retention.churn_evaluate(
                self._MODEL, self._params(), "expected_purchases", float(horizon), x[rows], t_x[rows], n[rows]
            )
        return _result(out, scalar)

    def expected_number_of_transactions_in_first_n_periods(self, n: int) -> pd.DataFrame:
        """Expected customers with each number of purchases in their first ``n`` opportunities:
        P(X(n) = x) (the paper's eq. 7) times the customers in :attr:`data` (the weights' sum),
        for every frequency x in :attr:`data`. A DataFrame with column ``model`` indexed by
        ``frequency``, as lifetimes' (Fader and Hardie's "in-sample fit").

        lifetimes sums eq. 7's second term from the frequency's *position* among the distinct
        frequencies; this is the paper's formula, and the two agree when the frequencies present
        are 0, 1, ..., k (as in the donation data).

        Raises :class:`~retention.ValidationError` for an ``n`` that is negative, fractional,
        above 100,000 or below a frequency in the data.
        """
        counts = self.data.groupby("frequency")["weights"].sum()
        x = counts.index.to_numpy(dtype=float)
        probabilities = _retention.churn_bg_bb_purchase_probability(self._params(), float(n), x)
        return pd.DataFrame(
            {"model": probabilities * float(counts.sum())}, index=pd.Index(counts.index, name="frequency")
        )

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Any:
        """Expected purchases of a new customer at their first ``t`` opportunities (the paper's
        eq. 6; not in lifetimes). Scalar or array; a float for a scalar.

        Raises :class:`~retention.ValidationError` for a negative, NaN, fractional or too large
        ``t``.
        """
        values = _retention.churn_unconditional(self._MODEL, self._params(), float_column(t, "t"))
        return _result(values, is_scalar(t))


class GammaGammaFitter(_BaseFitter, SaveLoadMixin):
    """The Gamma-Gamma spend model (Fader, Hardie & Lee 2005), parameters ``p, q, v``:
    lifetimes' ``GammaGammaFitter``. Fitted on repeat buyers' frequency and mean spend; amounts
    stay in the unit they were given in."""

    _PARAM_NAMES = ("p", "q", "v")

    def fit(
        self,
        frequency: Any,
        monetary_value: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        q_constraint: bool = False,
        max_iterations: int = 1000,
        progress: Optional[Callable[[int, float, float, list[float]], object]] = None,
        threads: Optional[int] = None,
        keep_data: bool = True,
        **kwargs: Any,
    ) -> GammaGammaFitter:
        """Fits the model to repeat buyers' ``frequency`` (whole, ≥ 1) and ``monetary_value``
        (mean spend of the repeat purchases, > 0). Pass only repeat buyers, as with lifetimes.

        ``q_constraint=True`` raises :class:`~retention.ValidationError` when the fitted ``q``
        is not above 1 (lifetimes bounds the optimizer instead): the population mean spend, and
        so CLV for new customers, needs ``q > 1``. Other arguments as
        :meth:`BetaGeoFitter.fit`. Returns ``self``.

        Raises :class:`~retention.ValidationError` for empty, unequal or invalid columns
        (frequency 0, spend ≤ 0, NaN); :class:`~retention.ConvergenceError` when the fit does not
        converge.
        """
        x, m = float_columns(frequency=frequency, monetary_value=monetary_value)
        w = optional_weights(weights, len(x))
        max_iterations = int_argument(max_iterations, "max_iterations", 0, 2**64 - 1)
        result = _retention.churn_fit_gamma_gamma(
            x,
            m,
            w,
            self._penalizer(),
            max_iterations,
            _initial(initial_params),
            _threads(threads),
            self._observer(verbose, progress),
        )
        if q_constraint and result[0][1] <= 1.0:
            raise ValidationError(f"the fitted q = {result[0][1]:.4f} is not above 1")
        self._store(result, verbose)
        self._keep_data(
            {"monetary_value": m, "frequency": x, "weights": np.ones(len(x)) if w is None else w},
            index,
            keep_data,
        )
        return self

    def conditional_expected_average_profit(
        self, frequency: Any = None, monetary_value: Any = None
    ) -> Any:
        """The expected mean spend per purchase of each customer: ``p (v + x z̄) / (p x + q − 1)``
        (the population mean ``p v / (q − 1)`` for x = 0), in the unit of ``monetary_value``.
        Defaults to the fitted data. A pandas Series when an input is one (its index kept), a
        float for scalars, else a NumPy array.

        Raises :class:`~retention.ValidationError` for NaN or negative inputs, a fractional
        frequency, or ``p x + q ≤ 1`` (no finite mean).
        """
        if frequency is None:
            frequency = self.data["frequency"]
        if monetary_value is None:
            monetary_value = self.data["monetary_value"]
        x, m = float_columns(frequency=frequency, monetary_value=monetary_value)
        values = _retention.churn_expected_spend(self._params(), x, m)
        index = index_of(frequency, monetary_value)
        if index is not None:
            return pd.Series(values, index=index)
        return _result(values, is_scalar(frequency) and is_scalar(monetary_value))

    def customer_lifetime_value(
        self,
        transaction_prediction_model: _PurchaseFitter,
        frequency: Any,
        recency: Any,
        T: Any,
        monetary_value: Any,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "D",
    ) -> pd.Series:
        """The discounted value of each customer's purchases over the next ``time`` months
        (lifetimes' discrete monthly formula): Σₖ spend · [E(k·f) − E((k−1)·f)] / (1 + d)ᵏ for
        k = 1..``time``, with E the transaction model's conditional expected purchases, spend
        :meth:`conditional_expected_average_profit`, f the time units per month (30 days for
        ``freq="D"``, 4.345 weeks for ``"W"``) and d = ``discount_rate`` a month. In the unit of
        ``monetary_value``. A pandas Series named ``clv``, indexed like ``frequency`` when it is
        a Series (lifetimes' return type).

        ``freq`` is the unit of ``recency`` and ``T``: ``"D"`` or ``"W"`` (lifetimes' ``"H"``
        and ``"M"`` raise :class:`~retention.ValidationError`). ``time``: 1..1200 months.

        Raises :class:`~retention.ValidationError` for invalid rows or arguments.
        """
        if not isinstance(transaction_prediction_model, _PurchaseFitter):
            raise ValidationError("transaction_prediction_model must be a fitted retention fitter")
        if freq not in _retention.CHURN_TIME_UNITS:
            raise ValidationError(f"freq must be {one_of(_retention.CHURN_TIME_UNITS)}, not {freq!r}")
        time = int_argument(time, "time (months)", 0, _retention.CHURN_MAX_CLV_MONTHS)
        discount_rate = float_argument(discount_rate, "discount_rate")
        x, t_x, age, m = float_columns(frequency=frequency, recency=recency, T=T, monetary_value=monetary_value)
        values = _retention.churn_clv(
            transaction_prediction_model._MODEL,
            transaction_prediction_model._params(),
            self._params(),
            x,
            t_x,
            age,
            m,
            time,
            discount_rate,
            freq,
        )
        index = index_of(frequency, recency, T, monetary_value)
        return pd.Series(values, index=index, name="clv")


class ShiftedBetaGeoFitter(_BaseFitter):
    """The shifted-beta-geometric model (sBG; Fader & Hardie 2007, "How to project customer
    retention"), parameters ``alpha, beta``, for **contractual** retention: subscriptions,
    memberships, paid loyalty plans, where the firm sees each customer leave. At each renewal
    opportunity t = 1, 2, ... a customer still on board cancels with probability
    θ ~ Beta(alpha, beta); the cohort's retention rate rises with tenure as the riskiest leave
    first.

    Fit it on one cohort's survivor counts (:meth:`fit`), or on every cohort of a purchase
    history at once (:meth:`fit_cohorts` on :func:`retention.metrics.cohort_survival`), then
    project :meth:`survival_function`, :meth:`retention_rate` and
    :meth:`discounted_expected_residual_lifetime` (DERL). Not in lifetimes.
    """

    _PARAM_NAMES = ("alpha", "beta")

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return "<retention.ShiftedBetaGeoFitter>"
        start = int(self._data_columns["survivors"][0])
        params = ", ".join(f"{k}: {v:.2f}" for k, v in self.params_.items())
        return f"<retention.ShiftedBetaGeoFitter: fitted on a cohort of {start}, {params}>"

    def fit(
        self,
        survivors: Any,
        initial_params: Any = None,
        verbose: bool = False,
        max_iterations: int = 1000,
    ) -> ShiftedBetaGeoFitter:
        """Fits the model by maximum likelihood to one cohort's survivor counts:
        ``survivors[0]`` customers at the start (above 0), ``survivors[t]`` of them still on
        board after t renewal opportunities (whole, never increasing, at least two values; for
        example Fader and Hardie's 1000, 869, 743, 653, 593, 551, 517, 491). Customers still on
        board at the end are censored, not lost. ``initial_params``: starting ``alpha, beta``.
        ``verbose`` prints the iterations and log-likelihood; at most ``max_iterations`` L-BFGS
        iterations. :attr:`data` has the columns ``survivors`` by ``period``. Returns ``self``.

        Raises :class:`~retention.ValidationError` for a count that is NaN, negative,
        fractional or above the one before (naming the period), fewer than two counts or a
        first count of 0; :class:`~retention.ConvergenceError` when the fit does not converge or
        the counts cannot identify two parameters (nobody left, or everybody at once).
        """
        counts = float_column(survivors, "survivors")
        max_iterations = int_argument(max_iterations, "max_iterations", 0, 2**64 - 1)
        self._store(
            _retention.churn_sbg_fit(counts, self._penalizer(), max_iterations, _initial(initial_params)),
            verbose,
        )
        self._keep_data({"survivors": counts}, pd.RangeIndex(len(counts), name="period"))
        return self

    @classmethod
    def fit_cohorts(
        cls,
        survival: pd.DataFrame,
        min_periods: int = 3,
        penalizer_coef: float = 0.0,
        max_iterations: int = 1000,
    ) -> dict[Any, ShiftedBetaGeoFitter]:
        """One fit per cohort of a survivor table: each row of ``survival`` (as
        :func:`retention.metrics.cohort_survival` returns it: cohorts by row, columns ``0``,
        ``1``, ... of survivor counts, NaN where the data ends) is one cohort's counts. Cohorts
        with fewer than ``min_periods`` periods after the start are skipped (two parameters need
        a few periods of churn). A dict from the cohort's label to its fitted model, in the
        table's order.

        Raises the first failing cohort's error, its message starting with ``cohort <label>``:
        :class:`~retention.ValidationError` (for example counts that increase, naming the
        period) or :class:`~retention.ConvergenceError`.
        """
        columns = [c for c in survival.columns if isinstance(c, (int, np.integer))]
        table = survival[columns].to_numpy(dtype=float)
        cohorts = [[float(v) for v in row[~np.isnan(row)]] for row in table]
        labels = [str(label) for label in survival.index]
        results = _retention.churn_sbg_fit_cohorts(
            cohorts,
            labels,
            int_argument(min_periods, "min_periods", 0, 2**63 - 1),
            float_argument(penalizer_coef, "penalizer_coef", 0.0),
            int_argument(max_iterations, "max_iterations", 0, 2**64 - 1),
        )
        fitted: dict[Any, ShiftedBetaGeoFitter] = {}
        for label, counts, result in zip(survival.index, cohorts, results):
            if result is None:
                continue
            model = cls(penalizer_coef)
            model._store(result, verbose=False)
            model._keep_data({"survivors": np.asarray(counts)}, pd.RangeIndex(len(counts), name="period"))
            fitted[label] = model
        return fitted

    def _curve(self, quantity: str, t: Any) -> Any:
        values = _retention.churn_sbg_evaluate(self._params(), quantity, float_column(t, "t"))
        return _result(values, is_scalar(t))

    def survival_function(self, t: Any) -> Any:
        """S(t) = B(alpha, beta + t) / B(alpha, beta): the share of a cohort still on board
        after ``t`` renewal opportunities (``t`` ≥ 0; S(0) = 1). Scalar or array; a float for a
        scalar. Raises :class:`~retention.ValidationError` for a negative or NaN ``t``."""
        return self._curve("survival", t)

    def retention_rate(self, t: Any) -> Any:
        """r_t = S(t) / S(t − 1) = (beta + t − 1) / (alpha + beta + t − 1): the share of those
        on board after period t − 1 who renew at t (``t`` ≥ 1), the rate retention managers
        track. Raises :class:`~retention.ValidationError` for ``t`` below 1 or NaN."""
        return self._curve("retention_rate", t)

    def churn_probability(self, t: Any) -> Any:
        """P(T = t) = B(alpha + 1, beta + t − 1) / B(alpha, beta): the probability that a new
        customer cancels at renewal opportunity ``t`` (≥ 1). Raises
        :class:`~retention.ValidationError` for ``t`` below 1 or NaN."""
        return self._curve("churn_probability", t)

    def discounted_expected_lifetime(self, discount_rate: float) -> float:
        """DEL: the discounted expected lifetime of a new customer, in payments (one now and
        one at each renewal), at ``discount_rate`` d per period (≥ 0):
        Σ_{t≥0} S(t) / (1 + d)^t. Times the margin per period, a new customer's value.

        Raises :class:`~retention.ValidationError` for a negative or NaN rate;
        :class:`~retention.AmountOverflowError` (``RTN_CHURN_NOT_FINITE``) for a rate of 0 with
        alpha ≤ 1 (an infinite expectation); :class:`~retention.ConvergenceError` when the
        series needs more than :data:`~retention._retention.CHURN_MAX_SERIES_TERMS` terms (a
        rate extremely close to 0).
        """
        (value,) = _retention.churn_sbg_discounted(
            self._params(), float_argument(discount_rate, "discount_rate"), None
        )
        return float(value)

    def discounted_expected_residual_lifetime(self, discount_rate: float, renewals: Any) -> Any:
        """DERL (Fader & Hardie 2010): the discounted expected residual lifetime, in payments,
        of a customer who has made ``renewals`` renewals (whole, ≥ 0; scalar or array), just
        before the next renewal decision, at ``discount_rate`` per period. A float for a
        scalar, else an array. Errors as :meth:`discounted_expected_lifetime`, and
        :class:`~retention.ValidationError` for negative or fractional ``renewals``."""
        values = _retention.churn_sbg_discounted(
            self._params(), float_argument(discount_rate, "discount_rate"), float_column(renewals, "renewals")
        )
        return _result(values, is_scalar(renewals))
