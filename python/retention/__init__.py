"""Retention SDK: customer retention at the point of sale.

Loyalty rules, punch cards and points accounts, churn scoring and customer value, from the same
``no_std`` Rust core that runs on the till. Errors are subclasses of :class:`RetentionError`.
"""

from __future__ import annotations

from . import envelope, exceptions
from ._retention import (
    ACCOUNT_MAX_EXPIRY_MONTHS,
    ACCOUNT_MAX_LEN,
    ACCOUNT_MAX_LOTS,
    ACCOUNT_MAX_PENDING_DAYS,
    ACCOUNT_MAX_POINTS,
    ACCOUNT_MAX_RECENT_EVENTS,
    ACCOUNT_MAX_TERMINALS,
    ACCOUNT_MAX_TIER_WINDOW_MONTHS,
    CARD_MAX_LEN,
    CARD_MAX_TERMINALS,
    CARD_MAX_WRITE_COUNTER,
    AccountSummary,
    CardSummary,
    PointsAccount,
    PunchCard,
    __version__,
)
from .exceptions import (
    AmountOverflowError,
    AuthenticationError,
    CapacityError,
    ConvergenceError,
    DecodeError,
    InternalError,
    RetentionError,
    StateError,
    ValidationError,
)

__all__ = [
    "__version__",
    "envelope",
    "exceptions",
    "RetentionError",
    "DecodeError",
    "AuthenticationError",
    "CapacityError",
    "ValidationError",
    "StateError",
    "ConvergenceError",
    "AmountOverflowError",
    "InternalError",
    "PunchCard",
    "CardSummary",
    "PointsAccount",
    "AccountSummary",
    "CARD_MAX_LEN",
    "CARD_MAX_TERMINALS",
    "CARD_MAX_WRITE_COUNTER",
    "ACCOUNT_MAX_LEN",
    "ACCOUNT_MAX_LOTS",
    "ACCOUNT_MAX_TERMINALS",
    "ACCOUNT_MAX_RECENT_EVENTS",
    "ACCOUNT_MAX_POINTS",
    "ACCOUNT_MAX_EXPIRY_MONTHS",
    "ACCOUNT_MAX_PENDING_DAYS",
    "ACCOUNT_MAX_TIER_WINDOW_MONTHS",
]
