"""Exceptions raised by :mod:`retention`.

Every error the SDK raises is a :class:`RetentionError`; catch that to catch them all. The message
is the core library's own. Every exception the SDK raises also carries the error's stable code:
``code`` (an ``int``) and ``code_name`` (``"RTN_DECODE_BAD_TAG"``). Codes below 600 are the C API's
status values of the same number and name (``rtn_status_str`` names them); codes from 600 up belong
to the host tools (fitting, back-testing, rule authoring, transaction tables) and have no C status.
The exception's class is the code's class: one list of codes in the core decides both, and
``CHANGELOG.md`` records every code. Argument checks made in Python by the package itself raise
:class:`ValidationError` with ``RTN_INVALID_ARGUMENT``.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
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


class RetentionError(Exception):
    """Base class of every error raised by the Retention SDK.

    Attributes:
        code: the error's stable code, an ``int`` (``107``); never renumbered.
        code_name: the code's name, ``"RTN_DECODE_BAD_TAG"``: the C constant's for codes below
            600.
    """

    code: int
    code_name: str


class DecodeError(RetentionError):
    """A blob was refused: truncated, not a Retention blob, wrong kind, unsupported version,
    corrupt (checksum), or a payload that does not decode."""


class AuthenticationError(DecodeError):
    """A blob's authentication tag did not verify: wrong key, wrong context, or forged."""


class CapacityError(RetentionError):
    """A fixed capacity (rules per set, terminals per card, lots per account, ...) would be
    exceeded. Capacities are documented constants; nothing is silently dropped."""


class ValidationError(RetentionError, ValueError):
    """An argument or an authored document is invalid. Also a :class:`ValueError`."""


class StateError(RetentionError):
    """The operation is not allowed in the current state: redeeming with no reward available,
    refunding a transaction the state does not know, an older copy refused by its write counter.
    The state is unchanged."""


class ConvergenceError(RetentionError):
    """A model fit did not converge; the message says how far it got and why it stopped.

    When a fit's optimizer ran out of iterations or line-search steps, the error also carries
    (otherwise these are ``None``):

    Attributes:
        best_params: the best parameters reached, lifetimes' order, the data's time unit.
        log_likelihood: the log-likelihood there.
        gradient_norm: the norm of the objective's gradient there (converged below 1e-8).
        iterations: the iterations used.
    """

    best_params: Optional[list[float]] = None
    log_likelihood: Optional[float] = None
    gradient_norm: Optional[float] = None
    iterations: Optional[int] = None


class AmountOverflowError(RetentionError, ArithmeticError):
    """An amount, count or balance would overflow its integer type. Nothing was changed.
    Also an :class:`ArithmeticError`."""


class InternalError(RetentionError):
    """A state the SDK believes impossible: a bug, please report it."""
