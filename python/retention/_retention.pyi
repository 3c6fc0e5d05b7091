# Stubs of the native extension; checked against it by `python -m mypy.stubtest retention`.
# Every exception raised here is a `retention.RetentionError` of its code's class, carrying the
# code as `.code` (int) and `.code_name` (str, e.g. "RTN_DECODE_BAD_TAG"): see retention/exceptions.py.
from datetime import date, datetime
from typing import Any, Callable, Iterable, Literal, Mapping, Optional, Sequence, Union, final

import numpy as np
import numpy.typing as npt

from .model import ChurnModel
from .rules import BacktestResult

#: What a blob argument may be: copied once.
_Blob = Union[bytes, bytearray, memoryview]

_F64 = npt.NDArray[np.float64]
_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_U8 = npt.NDArray[np.uint8]
_Cuts = tuple[tuple[float, float, float, float], tuple[float, float, float, float], tuple[float, float, float, float]]
_CutsIn = tuple[Sequence[float], Sequence[float], Sequence[float]]
_FitResult = tuple[list[float], Optional[list[float]], float, int, int, Optional[list[list[float]]]]
_Summary = tuple[_U64, _F64, _F64, _F64, _F64]

__all__ = [
    "ACCOUNT_MAX_EXPIRY_MONTHS",
    "ACCOUNT_MAX_LEN",
    "ACCOUNT_MAX_LOTS",
    "ACCOUNT_MAX_PENDING_DAYS",
    "ACCOUNT_MAX_POINTS",
    "ACCOUNT_MAX_RECENT_EVENTS",
    "ACCOUNT_MAX_TERMINALS",
    "ACCOUNT_MAX_TIER_WINDOW_MONTHS",
    "AccountSummary",
    "CARD_MAX_LEN",
    "CARD_MAX_TERMINALS",
    "CARD_MAX_WRITE_COUNTER",
    "CardSummary",
    "Customer",
    "CustomerChurn",
    "CUSTOMER_MAX_LEN",
    "Hint",
    "Line",
    "Outcome",
    "Refund",
    "RULE_SET_MAX_LEN",
    "RULES_MAX_COUPONS",
    "RULES_MAX_LINES",
    "RULES_MAX_RULES",
    "RuleSet",
    "Share",
    "TraceEntry",
    "PointsAccount",
    "PunchCard",
    "CONTEXT_MAX_LEN",
    "ENVELOPE_MAX_PAYLOAD_LEN",
    "ENVELOPE_OVERHEAD_LEN",
    "KEY_MIN_LEN",
    "__version__",
    "_backtest",
    "envelope_decode",
    "envelope_encode",
    "envelope_encoded_len",
    "envelope_kinds",
    "envelope_peek",
    "CHURN_FIT_CHUNK_ROWS",
    "CHURN_MAX_BG_BB_PERIODS",
    "CHURN_MAX_CLV_MONTHS",
    "CHURN_MAX_GRID_CELLS",
    "CHURN_MAX_LINE_SEARCH_STEPS",
    "CHURN_MAX_OBSERVATION",
    "CHURN_MAX_SERIES_TERMS",
    "CHURN_METRICS_PERIODS",
    "CHURN_MODELS",
    "CHURN_MODEL_BG_BB",
    "CHURN_MODEL_BG_NBD",
    "CHURN_MODEL_MAX_LEN",
    "CHURN_MODEL_TAGGED_MAX_LEN",
    "CHURN_MODEL_MBG_NBD",
    "CHURN_MODEL_PARETO_NBD",
    "CHURN_RISK_BANDS",
    "CHURN_TIME_UNITS",
    "WEEK_ORIGIN_DAY",
    "_ChurnModel",
    "churn_bg_bb_p_alive",
    "churn_bg_bb_purchase_probability",
    "churn_calibration_holdout",
    "churn_clv",
    "churn_cohort_retention",
    "churn_cohort_survival",
    "churn_conditional_count_probability",
    "churn_count_probability",
    "churn_evaluate",
    "churn_expected_spend",
    "churn_fit",
    "churn_fit_gamma_gamma",
    "churn_mixing",
    "churn_retention_rates",
    "churn_simulate",
    "churn_rfm_fit",
    "churn_rfm_score",
    "churn_rfm_segments",
    "churn_sbg_discounted",
    "churn_sbg_evaluate",
    "churn_sbg_fit",
    "churn_sbg_fit_cohorts",
    "churn_summary",
    "churn_target",
    "churn_unconditional",
    "FEEDBACK_CHANNELS",
    "FEEDBACK_GROUPS",
    "FEEDBACK_MAX_SCORE",
    "feedback_churn_by_group",
    "feedback_groups",
    "feedback_nps_by_cohort",
    "feedback_nps_table",
    "TARGETING_FEEDBACK",
    "TARGETING_REASONS",
    "targeting_plan",
]
__version__: str

# The core's names and constants the pure-Python modules use (retention/_time.py, fitters.py,
# model.py, metrics.py, plotting.py), built from the core's own lists.
#: The day number of the Monday week 0 starts on (1969-12-29): week w starts on 7·w + this.
WEEK_ORIGIN_DAY: int

ENVELOPE_OVERHEAD_LEN: int
ENVELOPE_MAX_PAYLOAD_LEN: int
KEY_MIN_LEN: int
CONTEXT_MAX_LEN: int

def envelope_encode(
    kind: int, payload: bytes, key: Optional[bytes] = None, context: Optional[bytes] = None
) -> bytes: ...
def envelope_decode(
    blob: bytes, kind: int, key: Optional[bytes] = None, context: Optional[bytes] = None
) -> bytes: ...
def envelope_peek(blob: bytes) -> tuple[int, int, int]: ...
def envelope_encoded_len(kind: int, payload_len: int) -> int: ...
def envelope_kinds() -> list[tuple[str, int, int, int]]: ...

CARD_MAX_LEN: int
CARD_MAX_TERMINALS: int
CARD_MAX_WRITE_COUNTER: int
ACCOUNT_MAX_LEN: int
ACCOUNT_MAX_LOTS: int
ACCOUNT_MAX_TERMINALS: int
ACCOUNT_MAX_RECENT_EVENTS: int
ACCOUNT_MAX_POINTS: int
ACCOUNT_MAX_EXPIRY_MONTHS: int
ACCOUNT_MAX_PENDING_DAYS: int
ACCOUNT_MAX_TIER_WINDOW_MONTHS: int

@final
class CardSummary:
    """A card at a glance (from ``PunchCard.summary()``)."""

    @property
    def program(self) -> int: ...
    @property
    def stamps(self) -> int: ...
    @property
    def stamps_to_next_reward(self) -> int: ...
    @property
    def rewards_available(self) -> int: ...
    @property
    def owed_stamps(self) -> int: ...
    @property
    def overdrawn_rewards(self) -> int: ...
    @property
    def stamps_on_last_day(self) -> int: ...
    @property
    def daily_excess(self) -> int: ...
    @property
    def last_stamp_day(self) -> Optional[date]: ...
    @property
    def lapses_after(self) -> Optional[date]: ...
    @property
    def expires_on(self) -> Optional[date]: ...
    @property
    def generation(self) -> int: ...
    @property
    def write_counter(self) -> int: ...
    @property
    def terminals(self) -> int: ...

@final
class PunchCard:
    """A punch card of one program; immutable, every operation returns a new card.

    Event ids are ``(terminal, sequence)`` tuples; ``today`` is the local calendar day.
    """

    def __new__(
        cls,
        program: int,
        stamps_per_reward: int,
        daily_limit: int,
        lapse_after_days: int = 0,
        expires_on: Optional[date] = None,
    ) -> PunchCard: ...
    def stamp(
        self, event: tuple[int, int], stamps: int, today: date, program: Optional[int] = None
    ) -> PunchCard: ...
    def redeem(
        self, event: tuple[int, int], today: date, program: Optional[int] = None
    ) -> PunchCard: ...
    def void(
        self,
        event: tuple[int, int],
        original: tuple[int, int],
        stamps: int,
        today: date,
        program: Optional[int] = None,
    ) -> PunchCard: ...
    def expire(self, today: date) -> PunchCard: ...
    def merge(self, other: PunchCard) -> PunchCard: ...
    def compact(self, office: tuple[int, int]) -> PunchCard: ...
    def has_applied(self, event: tuple[int, int]) -> bool: ...
    def summary(self) -> CardSummary: ...
    def to_bytes(self, key: bytes, uid: bytes) -> bytes: ...
    @staticmethod
    def from_bytes(data: _Blob, key: bytes, uid: bytes, min_write_counter: int = 0) -> PunchCard: ...
    @property
    def program(self) -> int: ...
    @property
    def stamps_per_reward(self) -> int: ...
    @property
    def daily_limit(self) -> int: ...
    @property
    def lapse_after_days(self) -> int: ...
    @property
    def expires_on(self) -> Optional[date]: ...
    @property
    def write_counter(self) -> int: ...
    @property
    def last_events(self) -> list[tuple[int, int]]: ...

@final
class AccountSummary:
    """An account at a glance as of a day (from ``PointsAccount.summary(today)``)."""

    @property
    def available(self) -> int: ...
    @property
    def pending(self) -> int: ...
    @property
    def debt(self) -> int: ...
    @property
    def overdrawn(self) -> int: ...
    @property
    def next_expiry(self) -> Optional[date]: ...
    @property
    def next_expiry_points(self) -> int: ...
    @property
    def write_counter(self) -> int: ...
    @property
    def terminals(self) -> int: ...
    @property
    def lots(self) -> int: ...
    @property
    def recent_events(self) -> int: ...

@final
class PointsAccount:
    """A customer's points by monthly lot, kept as a checkpoint and up to 8 recent events;
    copies updated offline merge. Immutable, every operation returns a new account."""

    def __new__(cls, expiry_months: int = 0, pending_days: int = 0) -> PointsAccount: ...
    def earn(self, event: tuple[int, int], points: int, today: date) -> PointsAccount: ...
    def redeem(self, event: tuple[int, int], points: int, today: date) -> PointsAccount: ...
    def clawback(
        self, event: tuple[int, int], original: tuple[int, int], points: int, today: date
    ) -> PointsAccount: ...
    def expire(self, today: date) -> PointsAccount: ...
    def merge(self, other: PointsAccount) -> PointsAccount: ...
    def has_applied(self, event: tuple[int, int]) -> bool: ...
    def summary(self, today: date) -> AccountSummary: ...
    def expiring_within(self, today: date, days: int) -> int: ...
    def qualifying_points(self, today: date, window_months: int = 12) -> int: ...
    def to_bytes(self, key: bytes, customer_id: bytes) -> bytes: ...
    @staticmethod
    def from_bytes(
        data: _Blob, key: bytes, customer_id: bytes, min_write_counter: int = 0
    ) -> PointsAccount: ...
    @property
    def expiry_months(self) -> int: ...
    @property
    def pending_days(self) -> int: ...
    @property
    def write_counter(self) -> int: ...
    @property
    def last_events(self) -> list[tuple[int, int]]: ...
    @property
    def as_of(self) -> Optional[date]: ...

RULE_SET_MAX_LEN: int
CUSTOMER_MAX_LEN: int
RULES_MAX_RULES: int
RULES_MAX_LINES: int
RULES_MAX_COUPONS: int

@final
class Line:
    """One basket line; prices in minor units."""

    def __new__(cls, sku: int, category: int, quantity: int, unit_price: int) -> Line: ...
    @property
    def sku(self) -> int: ...
    @property
    def category(self) -> int: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price(self) -> int: ...

_BasketLine = Union[Line, tuple[int, int, int, int], Mapping[str, int]]

@final
class Customer:
    """The per-customer state the rules read and update; immutable."""

    def __new__(
        cls,
        tier: int = 0,
        segments: int = 0,
        visits: int = 0,
        last_visit: Optional[date] = None,
        birthday: Optional[tuple[int, int]] = None,
        usage: list[tuple[int, str, int, int]] = ...,
        churn: Optional[CustomerChurn] = None,
        churn_event: Optional[tuple[int, int]] = None,
        first_visit: Optional[date] = None,
        feedback: Optional[tuple[int, date, str, tuple[int, int]]] = None,
    ) -> Customer: ...
    @property
    def tier(self) -> int: ...
    @property
    def segments(self) -> int: ...
    @property
    def visits(self) -> int: ...
    @property
    def last_visit(self) -> Optional[date]: ...
    @property
    def birthday(self) -> Optional[tuple[int, int]]: ...
    @property
    def usage(self) -> list[tuple[int, str, int, int]]: ...
    @property
    def churn(self) -> CustomerChurn: ...
    @property
    def churn_event(self) -> Optional[tuple[int, int]]: ...
    @property
    def first_visit(self) -> Optional[date]: ...
    @property
    def feedback(self) -> Optional[tuple[int, date, str, tuple[int, int]]]: ...
    @property
    def feedback_group(self) -> Optional[str]: ...
    def record_feedback(
        self,
        event: tuple[int, int],
        score: int,
        day: date,
        today: date,
        channel: str = "till",
    ) -> tuple[Customer, str]: ...
    def to_bytes(self, key: bytes, customer_id: bytes) -> bytes: ...
    @staticmethod
    def from_bytes(data: _Blob, key: bytes, customer_id: bytes) -> Customer: ...

@final
class CustomerChurn:
    """A customer's churn summary (purchase periods, repeat count and spend); immutable."""

    def __new__(
        cls,
        grain: str = "D",
        first: Optional[date] = None,
        last: Optional[date] = None,
        frequency: int = 0,
        repeat_spend: int = 0,
    ) -> CustomerChurn: ...
    @property
    def grain(self) -> str: ...
    @property
    def first(self) -> Optional[date]: ...
    @property
    def last(self) -> Optional[date]: ...
    @property
    def frequency(self) -> int: ...
    @property
    def repeat_spend(self) -> int: ...
    @property
    def monetary_value(self) -> float: ...
    @property
    def has_purchases(self) -> bool: ...
    def observe(self, at: date, unit: str = "D") -> tuple[float, float, float]: ...

@final
class TraceEntry:
    """Why a rule did or did not apply."""

    @property
    def rule(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def effect(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def condition(self) -> Optional[int]: ...
    @property
    def condition_kind(self) -> Optional[str]: ...
    @property
    def by_rule(self) -> Optional[int]: ...
    @property
    def period(self) -> Optional[str]: ...
    @property
    def applied(self) -> bool: ...

@final
class Share:
    """Attribution: what one rule gave one basket line."""

    @property
    def rule(self) -> int: ...
    @property
    def line(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def program(self) -> int: ...
    @property
    def amount(self) -> int: ...

@final
class Hint:
    """A nearest miss: spend or add this much more for the rule to fire."""

    @property
    def rule(self) -> int: ...
    @property
    def condition(self) -> int: ...
    @property
    def spend(self) -> Optional[int]: ...
    @property
    def units(self) -> Optional[int]: ...
    @property
    def effect(self) -> str: ...
    @property
    def amount(self) -> int: ...

@final
class Refund:
    """What a return claws back."""

    @property
    def points(self) -> int: ...
    @property
    def points_by_rule(self) -> list[tuple[int, int]]: ...
    @property
    def stamps(self) -> list[tuple[int, int]]: ...
    @property
    def discount(self) -> int: ...
    @property
    def returned(self) -> list[int]: ...
    def apply(
        self,
        refund: tuple[int, int],
        card: Optional[PunchCard] = None,
        account: Optional[PointsAccount] = None,
        *,
        today: date,
    ) -> tuple[Optional[PunchCard], Optional[PointsAccount]]:
        """Claws this return back from the card (its program's stamps) and the account (the
        points), as event ``refund``; both or neither. Raises StateError, ValidationError,
        CapacityError, AmountOverflowError."""

@final
class Outcome:
    """Everything an evaluation decided; immutable."""

    @property
    def points(self) -> int: ...
    @property
    def discount(self) -> int: ...
    @property
    def stamps(self) -> dict[int, int]: ...
    @property
    def rewards(self) -> list[tuple[int, int]]: ...
    @property
    def free_items(self) -> list[tuple[int, int, int]]: ...
    @property
    def lines(self) -> list[tuple[int, int]]: ...
    @property
    def trace(self) -> list[TraceEntry]: ...
    @property
    def attribution(self) -> list[Share]: ...
    @property
    def hints(self) -> list[Hint]: ...
    @property
    def customer(self) -> Customer: ...
    @property
    def rule_set_hash(self) -> bytes: ...
    @property
    def event(self) -> tuple[int, int]: ...
    def explain(self) -> str: ...
    def refund(self, returned: list[int], before: Optional[list[int]] = None) -> Refund: ...
    def apply(
        self,
        card: Optional[PunchCard] = None,
        account: Optional[PointsAccount] = None,
        *,
        today: date,
    ) -> tuple[Optional[PunchCard], Optional[PointsAccount]]:
        """Puts this sale's points on the account and its stamps for the card's own program on
        the card; both or neither. Raises StateError, ValidationError, CapacityError,
        AmountOverflowError."""
    def apply_within_daily_limit(
        self,
        card: Optional[PunchCard] = None,
        account: Optional[PointsAccount] = None,
        *,
        today: date,
    ) -> tuple[Optional[PunchCard], Optional[PointsAccount], int]:
        """As ``apply``, but a card over its daily stamp limit gets the stamps that fit and the
        account every point; returns ``(card, account, refused_stamps)``. Raises as ``apply``,
        never for the daily limit."""

@final
class RuleSet:
    """A compiled, validated loyalty rule set; immutable."""

    @staticmethod
    def from_json(text: str) -> RuleSet: ...
    @staticmethod
    def from_toml(text: str) -> RuleSet: ...
    @staticmethod
    def from_bytes(data: _Blob, public_key: Optional[bytes] = None, min_serial: int = 0) -> RuleSet: ...
    def __reduce__(self) -> tuple[Callable[[bytes], RuleSet], tuple[bytes]]: ...
    def to_bytes(self, signing_key: Optional[bytes] = None) -> bytes: ...
    @staticmethod
    def public_key_of(signing_key: bytes) -> bytes: ...
    @property
    def hash(self) -> bytes: ...
    @property
    def model_pin(self) -> Optional[bytes]: ...
    @property
    def serial(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def rules(self) -> list[tuple[int, str]]: ...
    def evaluate(
        self,
        basket: Iterable[_BasketLine],
        customer: Optional[Customer] = None,
        at: Union[datetime, int, None] = None,
        *,
        utc_offset_minutes: Optional[int] = None,
        store: int = 0,
        channel: int = 0,
        coupons: list[int] = ...,
        event: tuple[int, int],
        churn_risk: Optional[int] = None,
        churn_model: Any = None,
    ) -> Outcome: ...
    def backtest(
        self,
        transactions: Any,
        customers: Any = None,
        *,
        utc_offset_minutes: int = 0,
        timestamp_unit: Literal["s", "ms", "us", "ns"] = "s",
        skip_invalid: bool = False,
        progress: Union[bool, Callable[[int, int], object], None] = None,
        churn_model: Optional[ChurnModel] = None,
        feedback: Any = None,
    ) -> BacktestResult:
        """Back-tests the rule set over a history of sales (``retention.rules.backtest``).

        ``transactions`` and ``customers``: pandas or polars DataFrames, polars LazyFrames,
        pyarrow Tables or RecordBatches (columns in ``retention.rules``). Times follow the time
        rule (``docs/time.md``): naive datetimes are local wall-clock time, aware ones count in
        their own zone; integer timestamps are Unix time in ``timestamp_unit``, local time being
        UTC + ``utc_offset_minutes``. ``skip_invalid`` counts refused baskets in ``skipped``;
        ``progress``: True, False, a callable ``(done, total)`` or None (a bar from 200 000
        rows on); ``churn_model`` scores each basket's churn risk as the till does;
        ``feedback``: a table of NPS answers (``customer_id``, ``timestamp``, ``score``, optional
        ``channel``) folded into the records in time order, before the baskets at or after them.

        Returns a :class:`retention.rules.BacktestResult` (attributes, not a mapping).
        Raises ``ValidationError`` (a missing or malformed column, a missing time, mixed time
        zones, an unknown customer, a refused basket without ``skip_invalid``, an option out
        of range, a refused feedback answer with its row: ``RTN_FEEDBACK_SCORE_OUT_OF_RANGE``,
        ``RTN_FEEDBACK_INVALID_CHANNEL``, ``RTN_FEEDBACK_BEFORE_FIRST_VISIT``),
        ``CapacityError``, ``AmountOverflowError``, ``TypeError``.
        """

def _backtest(
    rule_set: RuleSet,
    customer: npt.NDArray[np.uint32],
    basket: npt.NDArray[np.uint64],
    time: npt.NDArray[np.int64],
    sku: npt.NDArray[np.uint32],
    category: npt.NDArray[np.uint32],
    quantity: npt.NDArray[np.uint32],
    unit_price: npt.NDArray[np.int64],
    store: npt.NDArray[np.uint32],
    channel: npt.NDArray[np.uint8],
    coupon: npt.NDArray[np.uint32],
    churn_risk: npt.NDArray[np.int32],
    utc_offset_minutes: int,
    tier: npt.NDArray[np.uint8],
    segments: npt.NDArray[np.uint32],
    birthday_month: npt.NDArray[np.uint8],
    birthday_day: npt.NDArray[np.uint8],
    segment: npt.NDArray[np.uint32],
    segment_count: int,
    skip_invalid: bool,
    progress: Optional[Callable[[int, int], object]] = None,
    churn_model: Optional[_ChurnModel] = None,
    feedback_customer: Optional[npt.NDArray[np.uint32]] = None,
    feedback_time: Optional[npt.NDArray[np.int64]] = None,
    feedback_score: Optional[npt.NDArray[np.uint8]] = None,
    feedback_channel: Optional[npt.NDArray[np.uint8]] = None,
) -> dict[str, Any]: ...
CHURN_MODEL_MAX_LEN: int
CHURN_MODEL_TAGGED_MAX_LEN: int
CHURN_MAX_CLV_MONTHS: int
CHURN_MAX_SERIES_TERMS: int
#: The largest frequency, recency or age a customer row may have (1e7 periods).
CHURN_MAX_OBSERVATION: float
#: The most cells of a frequency x recency grid (P(alive) matrix, its plots).
CHURN_MAX_GRID_CELLS: int
#: The most trial points of one line search of a fit.
CHURN_MAX_LINE_SEARCH_STEPS: int
#: Rows per chunk of a fit's likelihood sum (chunks are added in order: thread-independent bits).
CHURN_FIT_CHUNK_ROWS: int
#: The most purchase opportunities (n, and a horizon) BG/BB takes (100,000).
CHURN_MAX_BG_BB_PERIODS: float
#: Purchase model name -> its parameter names in lifetimes' order.
CHURN_MODELS: dict[str, tuple[str, ...]]
#: Each purchase model's name (``"bg_nbd"``, ``"mbg_nbd"``, ``"pareto_nbd"``, ``"bg_bb"``).
CHURN_MODEL_BG_BB: str
CHURN_MODEL_BG_NBD: str
CHURN_MODEL_MBG_NBD: str
CHURN_MODEL_PARETO_NBD: str
#: Risk band names by code (0 low .. 3 critical).
CHURN_RISK_BANDS: tuple[str, ...]
#: Time unit alias (``"D"``, ``"W"``, ``"M"``) -> its length in days (a month: 30.436875).
CHURN_TIME_UNITS: dict[str, float]
#: The calendar periods of the retention metrics, by alias (``"D"``, ``"W"``, ``"M"``, ``"Y"``).
CHURN_METRICS_PERIODS: tuple[str, ...]

def churn_fit(
    model: str,
    frequency: _F64,
    recency: _F64,
    age: _F64,
    weights: Optional[_F64],
    penalizer: float,
    max_iterations: int,
    initial: Optional[list[float]],
    threads: Optional[int] = None,
    observe: Optional[Callable[[int, float, float, list[float]], object]] = None,
) -> _FitResult: ...
def churn_fit_gamma_gamma(
    frequency: _F64,
    monetary_value: _F64,
    weights: Optional[_F64],
    penalizer: float,
    max_iterations: int,
    initial: Optional[list[float]],
    threads: Optional[int] = None,
    observe: Optional[Callable[[int, float, float, list[float]], object]] = None,
) -> _FitResult: ...
def churn_evaluate(
    model: str, params: list[float], quantity: str, t: float, frequency: _F64, recency: _F64, age: _F64
) -> _F64: ...
def churn_unconditional(model: str, params: list[float], t: _F64) -> _F64: ...
def churn_count_probability(model: str, params: list[float], n: int, t: _F64) -> _F64: ...
def churn_conditional_count_probability(
    model: str, params: list[float], n: int, t: float, frequency: _F64, recency: _F64, age: _F64
) -> _F64: ...
def churn_simulate(
    model: str, params: list[float], age: _F64, seed: int
) -> tuple[_F64, _F64, _F64, _F64, _F64, npt.NDArray[np.bool_]]: ...
def churn_mixing(distribution: str, first: float, second: float, x: _F64, q: float) -> tuple[_F64, float]: ...
def churn_expected_spend(params: list[float], frequency: _F64, monetary_value: _F64) -> _F64: ...
def churn_clv(
    model: str,
    params: list[float],
    spend_params: list[float],
    frequency: _F64,
    recency: _F64,
    age: _F64,
    monetary_value: _F64,
    months: int,
    discount_rate: float,
    unit: str,
) -> _F64: ...
def churn_summary(
    customers: _U64,
    day_numbers: _I64,
    amounts: Optional[_F64],
    observation_period_end: int,
    grain: str,
    unit: str,
    include_first_transaction: bool = False,
) -> _Summary: ...
def churn_calibration_holdout(
    customers: _U64,
    day_numbers: _I64,
    amounts: Optional[_F64],
    calibration_period_end: int,
    observation_period_end: int,
    grain: str,
    unit: str,
    include_first_transaction: bool = False,
) -> tuple[_Summary, _F64, _F64, float]: ...
def churn_rfm_fit(since_last_purchase: _F64, frequency: _F64, monetary_value: _F64) -> _Cuts: ...
def churn_rfm_score(
    cuts: _CutsIn, since_last_purchase: _F64, frequency: _F64, monetary_value: _F64
) -> tuple[_U8, _U8, _U8, _U8]: ...
def churn_rfm_segments() -> list[tuple[int, str]]: ...
def churn_cohort_retention(
    customers: _U64, day_numbers: _I64, period_name: str, max_periods_after: int
) -> list[tuple[int, int, list[float]]]: ...
def churn_cohort_survival(
    customers: _U64,
    day_numbers: _I64,
    cancelled: Optional[npt.NDArray[np.bool_]],
    period_name: str,
    lapse_after: int,
    max_periods_after: int,
) -> list[tuple[int, list[int]]]: ...
def churn_bg_bb_p_alive(params: list[float], m: _F64, frequency: _F64, recency: _F64, n_periods: _F64) -> _F64: ...
def churn_bg_bb_purchase_probability(params: list[float], n: float, frequency: _F64) -> _F64: ...
def churn_sbg_fit(
    survivors: _F64, penalizer: float, max_iterations: int, initial: Optional[list[float]]
) -> _FitResult: ...
def churn_sbg_fit_cohorts(
    cohorts: list[list[float]], labels: list[str], min_periods: int, penalizer: float, max_iterations: int
) -> list[Optional[_FitResult]]: ...
def churn_sbg_evaluate(params: list[float], quantity: str, t: _F64) -> _F64: ...
def churn_sbg_discounted(params: list[float], discount: float, renewals: Optional[_F64]) -> _F64: ...
def churn_retention_rates(
    customers: _U64, day_numbers: _I64, period_name: str, churn: bool
) -> list[tuple[int, float]]: ...
def churn_target(
    p_alive: _F64, clv: _F64, cost: float, uplift: float, budget: Optional[int] = None
) -> tuple[_U64, _F64]: ...

# Offer planning (retention.targeting.plan). Raises ValidationError: RTN_TARGETING_INVALID_OFFER,
# RTN_TARGETING_INVALID_ROW, RTN_TARGETING_UNKNOWN_NAME, RTN_TARGETING_INVALID_CONTACT,
# RTN_TARGETING_INVALID_LIMITS, RTN_RISK_INVALID_THRESHOLDS, RTN_COLUMNS_LENGTH_MISMATCH.
#: The contact list's reasons by code (0..32), in words.
TARGETING_REASONS: tuple[str, ...]
#: Feedback names by slot: the groups in code order, then "no_feedback".
TARGETING_FEEDBACK: tuple[str, ...]

def targeting_plan(
    ids: Optional[_U64],
    p_alive: _F64,
    clv: _F64,
    group_codes: Optional[_I64],
    group_names: list[str],
    last_contact: Optional[_I64],
    contacts: Optional[npt.NDArray[np.uint32]],
    offers: list[
        tuple[str, float, Optional[float], list[tuple[str, float]], Optional[list[str]], Optional[list[str]]]
    ],
    budget: float,
    today: int,
    max_contacts: int,
    window_days: int,
    thresholds: tuple[int, int, int],
) -> tuple[_U64, _U64, _F64, _U8, _U8, _U8, tuple[float, float, float, float, bool, int, int]]: ...

# Feedback (retention.feedback). Raises ValidationError: RTN_FEEDBACK_SCORE_OUT_OF_RANGE,
# RTN_COLUMNS_LENGTH_MISMATCH, RTN_INVALID_ARGUMENT.
#: Feedback group names by code: ("detractor", "passive", "promoter").
FEEDBACK_GROUPS: tuple[str, ...]
#: Feedback channel names by code.
FEEDBACK_CHANNELS: tuple[str, ...]
#: The highest NPS score, 10.
FEEDBACK_MAX_SCORE: int

def feedback_groups(scores: _F64) -> _U8: ...
def feedback_nps_table(
    keys: _I64, scores: _F64, day_numbers: Optional[_I64], period_name: Optional[str], confidence: float
) -> tuple[_I64, _I64, _U64, _U64, _U64, _F64, _F64, _F64, _F64]: ...
def feedback_nps_by_cohort(
    feedback_customers: _U64,
    scores: _F64,
    customers: _U64,
    day_numbers: _I64,
    period_name: str,
    confidence: float,
) -> tuple[_I64, npt.NDArray[np.bool_], _U64, _U64, _U64, _F64, _F64, _F64, _F64]: ...
def feedback_churn_by_group(
    customers: _U64,
    purchase_days: _I64,
    feedback_customers: _U64,
    feedback_days: _I64,
    scores: _F64,
    observation_end: int,
    churn_after_days: int,
    horizon_days: int,
    reference: str,
    confidence: float,
) -> tuple[
    _U8,
    dict[str, npt.NDArray[Any]],
    _U8,
    dict[str, npt.NDArray[Any]],
    tuple[_U64, _U8, _I64, npt.NDArray[np.uint32], npt.NDArray[np.bool_]],
    tuple[float, int, float],
]: ...

@final
class _ChurnModel:
    def __new__(
        cls,
        model: str,
        params: list[float],
        *,
        grain: str = "D",
        unit: str = "D",
        thresholds: tuple[int, int, int] = ...,
        horizon: Optional[float] = None,
        money_unit: int = 1,
        spend: Optional[tuple[list[float], int, float]] = None,
        rfm: Optional[_CutsIn] = None,
    ) -> _ChurnModel: ...
    @staticmethod
    def from_bytes(blob: bytes, key: Optional[bytes] = None) -> _ChurnModel: ...
    def to_bytes(self, key: Optional[bytes] = None) -> bytes: ...
    @property
    def hash(self) -> bytes: ...
    @property
    def model(self) -> str: ...
    @property
    def params(self) -> list[float]: ...
    @property
    def grain(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def thresholds(self) -> tuple[int, int, int]: ...
    @property
    def horizon(self) -> float: ...
    @property
    def money_unit(self) -> int: ...
    @property
    def spend(self) -> Optional[tuple[list[float], int, float]]: ...
    @property
    def rfm(self) -> Optional[_Cuts]: ...
    def risk_of(
        self, customer: Customer, at: Union[date, datetime, int], utc_offset_minutes: Optional[int] = None
    ) -> Optional[int]: ...
    def score(
        self, frequency: _F64, recency: _F64, age: _F64, mean_spend_minor: _F64
    ) -> list[tuple[str, npt.NDArray[Any]]]: ...
    def __eq__(self, value: object, /) -> bool: ...
