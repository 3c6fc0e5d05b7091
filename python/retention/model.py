"""The churn model a till scores with, and its blob.

A :class:`ChurnModel` holds a fitted purchase model (BG/NBD, MBG/NBD or Pareto/NBD), how purchase
dates become model time, the churn-risk thresholds, the horizon of the expected purchases, and
optionally a Gamma-Gamma spend model with its CLV settings and RFM cut points. It is what a fitter's
:meth:`~retention.BetaGeoFitter.to_model` returns and what :meth:`ChurnModel.to_bytes` writes as
the model blob (``Kind.MODEL``, at most :data:`MODEL_MAX_LEN` bytes) that ``rtn_churn_model_load``
reads in C. :meth:`ChurnModel.score` computes exactly what the till computes from the same bytes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional, Union

import pandas as pd

from . import _retention
from .exceptions import ValidationError
from ._columns import float_argument, float_columns, html_table, index_of, int_argument

__all__ = ["ChurnModel", "MODEL_MAX_LEN", "MODEL_TAGGED_MAX_LEN", "BANDS", "SEGMENTS"]


def _sequence(values: Any, name: str, length: int) -> list[Any]:
    """``values`` as a list of ``length`` items; ``TypeError``/``ValidationError`` naming it."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of {length}, not {type(values).__name__}")
    items = list(values)
    if len(items) != length:
        raise ValidationError(f"{name} must have {length} items, got {len(items)}")
    return items


def _ints(values: Any, name: str, length: int, low: int, high: int) -> list[int]:
    return [int_argument(v, f"{name}[{i}]", low, high) for i, v in enumerate(_sequence(values, name, length))]


def _floats(values: Any, name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of numbers, not {type(values).__name__}")
    return [float_argument(v, f"{name}[{i}]") for i, v in enumerate(values)]

#: The longest model blob, in bytes (``RTN_CHURN_MODEL_MAX_LEN`` in C).
MODEL_MAX_LEN: int = _retention.CHURN_MODEL_MAX_LEN
#: The longest tagged model blob (``to_bytes(key=...)``), in bytes: 16 more
#: (``RTN_CHURN_MODEL_TAGGED_MAX_LEN`` in C).
MODEL_TAGGED_MAX_LEN: int = _retention.CHURN_MODEL_TAGGED_MAX_LEN

#: Risk band names by code (``RTN_CHURN_BAND_*`` in C).
BANDS: tuple[str, ...] = _retention.CHURN_RISK_BANDS

#: RFM segment names by code (1..11, ``rfm_segment`` in C; 0 is "no RFM").
SEGMENTS: dict[int, str] = dict(_retention.churn_rfm_segments())


class ChurnModel:
    """A churn model for the till (see the module docs). Usually made by a fitter's
    ``to_model()``, or read from a blob with :meth:`from_bytes`.

    ``model``: ``"bg_nbd"``, ``"mbg_nbd"`` or ``"pareto_nbd"``; ``params``: its four parameters
    (lifetimes' order); ``grain``: ``"D"`` or ``"W"``, the period purchases collapse into;
    ``unit``: ``"D"`` or ``"W"``, the unit of recency, age and horizon; ``thresholds``: risks
    (1..1000, strictly increasing) where the bands medium, high and critical start; ``horizon``:
    time units of :meth:`score`'s expected purchases (default 52 weeks / 364 days);
    ``money_unit``: minor units per unit of the spend model's amounts (≥ 1); ``spend``:
    ``(gamma_gamma_params, clv_months, monthly_discount_rate)`` with ``q > 1``, months
    1..1200, rate in [0, 1]; ``rfm``: ``(recency_cuts, frequency_cuts, monetary_cuts)``, four
    non-decreasing values each.

    Raises :class:`~retention.ValidationError` for any value out of its range.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        model: str,
        params: Any,
        *,
        grain: str = "D",
        unit: str = "D",
        thresholds: tuple[int, int, int] = (250, 500, 750),
        horizon: Optional[float] = None,
        money_unit: int = 1,
        spend: Optional[tuple[Any, int, float]] = None,
        rfm: Optional[tuple[Any, Any, Any]] = None,
    ) -> None:
        for name, value in (("model", model), ("grain", grain), ("unit", unit)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        medium, high, critical = _ints(thresholds, "thresholds", 3, 0, 2**16 - 1)
        cuts = None
        if rfm is not None:
            r_cuts, f_cuts, m_cuts = _sequence(rfm, "rfm", 3)
            cuts = (_floats(r_cuts, "rfm[0]"), _floats(f_cuts, "rfm[1]"), _floats(m_cuts, "rfm[2]"))
        spending = None
        if spend is not None:
            spend_params, clv_months, monthly_rate = _sequence(spend, "spend", 3)
            spending = (
                _floats(spend_params, "spend[0]"),
                int_argument(clv_months, "spend[1] (clv_months)", 0, 2**16 - 1),
                float_argument(monthly_rate, "spend[2] (monthly discount rate)"),
            )
        self._native = _retention._ChurnModel(
            model,
            _floats(params, "params"),
            grain=grain,
            unit=unit,
            thresholds=(medium, high, critical),
            horizon=None if horizon is None else float_argument(horizon, "horizon"),
            money_unit=int_argument(money_unit, "money_unit", 0, 2**32 - 1),
            spend=spending,
            rfm=cuts,
        )

    @classmethod
    def from_bytes(
        cls, blob: Union[bytes, bytearray, memoryview], key: Optional[bytes] = None
    ) -> ChurnModel:
        """Reads a model blob (``bytes``, ``bytearray`` or ``memoryview``), checking the
        envelope and every value. With ``key`` (the operator's key, at least 16 bytes), the blob
        must be tagged with it (:meth:`to_bytes` with ``key``), as ``rtn_churn_model_load_tagged``
        reads it on a till.

        Without a key, the CRC-32 guards against accidents only (a torn write, a bad read):
        anyone can edit a parameter and recompute it. Tag models in production.

        Raises :class:`~retention.DecodeError` for a blob that is truncated, not a model blob,
        of an unsupported version, corrupt (checksum), holds a value out of range, or is tagged
        while no key was given or untagged while one was (``RTN_DECODE_WRONG_KIND``);
        :class:`~retention.AuthenticationError` for a tag that does not verify (another key, an
        edited blob); :class:`~retention.ValidationError` for a key shorter than 16 bytes
        (``RTN_KEY_TOO_SHORT``);
        ``TypeError`` for anything but bytes, bytearray or memoryview.
        """
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise TypeError(f"blob must be bytes, bytearray or memoryview, not {type(blob).__name__}")
        model = cls.__new__(cls)
        model._native = _retention._ChurnModel.from_bytes(
            bytes(blob), None if key is None else bytes(key)
        )
        return model

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        """Pickling: a model travels as its blob (:meth:`to_bytes`), so it goes to worker
        processes (``multiprocessing``, ``concurrent.futures``, Spark, Dask) and back unchanged."""
        return (ChurnModel.from_bytes, (self.to_bytes(),))

    def _repr_html_(self) -> str:
        """A small table for notebooks: the model, its parameters and settings."""
        rows = [("model", self.model)]
        rows += [(name, f"{value:.6g}") for name, value in self.params.items()]
        rows += [
            ("grain / unit", f"{self.grain} / {self.unit}"),
            ("thresholds", ", ".join(map(str, self.thresholds))),
            ("horizon", f"{self.horizon:g}"),
            ("spend model", "yes" if self.spend is not None else "no"),
            ("RFM", "yes" if self.rfm is not None else "no"),
        ]
        return html_table("ChurnModel", rows)

    def to_bytes(self, key: Optional[bytes] = None) -> bytes:
        """The model blob: at most :data:`MODEL_MAX_LEN` bytes, format in ``docs/formats.md``.

        With ``key`` (the operator's key, at least 16 bytes; 32 random bytes recommended), the
        blob is tagged (kind 0x31, at most :data:`MODEL_TAGGED_MAX_LEN` bytes) with
        HMAC-SHA256, as cards and accounts are: a till reads it with
        ``rtn_churn_model_load_tagged`` and the same key, and refuses any edit of it. Raises
        :class:`~retention.ValidationError` for a key shorter than 16 bytes.
        """
        return self._native.to_bytes(None if key is None else bytes(key))

    @property
    def hash(self) -> str:
        """The model's identity, as 64 hexadecimal digits: the SHA-256 of its payload (the bytes
        between the blob's 6-byte header and its CRC; the same tagged or not). Put it in a rule
        document's ``churn_model`` field to pin the rule set to this model: a till then refuses
        a churn risk from any other model (``RTN_RULES_CHURN_MODEL_NOT_PINNED``)."""
        return bytes(self._native.hash).hex()

    @property
    def model(self) -> str:
        """``"bg_nbd"``, ``"mbg_nbd"`` or ``"pareto_nbd"``."""
        return self._native.model

    @property
    def params(self) -> pd.Series:
        """The purchase model's parameters, indexed by name."""
        names = list(_retention.CHURN_MODELS[self.model])
        return pd.Series(self._native.params, index=names, dtype=float)

    @property
    def grain(self) -> str:
        """``"D"`` or ``"W"``: the period purchases collapse into."""
        return self._native.grain

    @property
    def unit(self) -> str:
        """``"D"`` or ``"W"``: the unit of recency, age and horizon."""
        return self._native.unit

    @property
    def thresholds(self) -> tuple[int, int, int]:
        """The risks where the bands medium, high and critical start."""
        return self._native.thresholds

    @property
    def horizon(self) -> float:
        """The horizon of :meth:`score`'s expected purchases, in time units."""
        return self._native.horizon

    @property
    def money_unit(self) -> int:
        """Minor units per unit of the spend model's amounts."""
        return self._native.money_unit

    @property
    def spend(self) -> Optional[tuple[list[float], int, float]]:
        """``(gamma_gamma_params, clv_months, monthly_discount_rate)``, or None."""
        return self._native.spend

    @property
    def rfm(self) -> Optional[tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]]:
        """The RFM cut points ``(recency, frequency, monetary)``, or None."""
        return self._native.rfm

    def risk_of(
        self,
        customer: _retention.Customer,
        at: Union[date, datetime, int],
        *,
        utc_offset_minutes: Optional[int] = None,
    ) -> Optional[int]:
        """The churn risk (0..1000) of ``customer`` from the churn summary its record carries,
        on the local day of ``at`` (a ``datetime.date``, an aware ``datetime``, or Unix seconds
        with ``utc_offset_minutes``): exactly the value a till computes with
        ``rtn_churn_risk_of_customer`` and feeds to the rules' churn-risk condition. ``None``
        (unknown, not 0) for a customer without purchases: the condition then fails.

        Raises :class:`~retention.ValidationError` (a summary of another grain than the
        model's, ``at`` before the customer's last purchase, a naive datetime),
        :class:`~retention.ConvergenceError`.
        """
        return self._native.risk_of(customer, at, utc_offset_minutes)

    def score(self, frequency: Any, recency: Any, T: Any, mean_spend_minor: Any = 0.0) -> pd.DataFrame:
        """Scores customers as the till does: one row per customer with ``p_alive`` (0..1),
        ``risk`` (round(1000 · (1 − p_alive)), 0..1000), ``band`` (code 0..3) and ``band_name``
        (:data:`BANDS`), ``expected_purchases`` (over :attr:`horizon`), and with a spend model
        ``clv_minor`` (CLV in minor units, rounded), with RFM cut points ``rfm_recency``,
        ``rfm_frequency``, ``rfm_monetary`` (1..5), ``rfm_segment`` (code) and
        ``rfm_segment_name`` (:data:`SEGMENTS`).

        ``frequency``, ``recency``, ``T`` in the model's :attr:`unit`; ``mean_spend_minor``: the
        mean spend of the repeat purchases in minor units (cents). Arrays, Series or scalars;
        the index of a pandas input is kept.

        Raises :class:`~retention.ValidationError` for an invalid row (named in the message),
        :class:`~retention.AmountOverflowError` for a CLV beyond 64-bit minor units.
        """
        x, t_x, age, spend = float_columns(
            frequency=frequency, recency=recency, T=T, mean_spend_minor=mean_spend_minor
        )
        columns = dict(self._native.score(x, t_x, age, spend))
        frame = pd.DataFrame(columns, index=index_of(frequency, recency, T, mean_spend_minor))
        frame.insert(frame.columns.get_loc("band") + 1, "band_name", [BANDS[b] for b in columns["band"]])
        if "rfm_segment" in frame:
            frame["rfm_segment_name"] = [SEGMENTS.get(int(s), "") for s in columns["rfm_segment"]]
        return frame

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChurnModel) and self._native == other._native

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._native)
