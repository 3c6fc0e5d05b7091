"""Retention SDK: customer retention at the point of sale.

Loyalty rules, punch cards and points accounts, churn scoring and customer value, from the same
``no_std`` Rust core that runs on the till. Errors are subclasses of :class:`RetentionError`.
"""

from __future__ import annotations

from . import envelope, exceptions
from ._retention import __version__
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
]
