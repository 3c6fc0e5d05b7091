"""lifetimes' example data sets, shipped with the package: ``retention.datasets`` is
``lifetimes.datasets`` (same functions, same files, same DataFrames).

The files are lifetimes' (Copyright (c) 2015 Cameron Davidson-Pilon, MIT licence, reproduced in
``LICENSE-lifetimes.txt`` beside them):

- ``cdnow_customers_summary.csv``: the CDNOW calibration summary (2,357 customers; ``ID``,
  ``frequency``, ``recency``, ``T`` in weeks);
- ``cdnow_customers_summary_with_transactions.csv``: the same with the mean repeat spend;
- ``donations.csv``: a donation history for the BG/BB model, one row per pattern with weights;
- ``example_transactions.csv``: 4,200 customers' simulated purchase dates in 2014;
- ``CDNOW_sample.txt``: the 6,919 CDNOW sample transactions (whitespace-separated).

lifetimes' ``CDNOW_master.txt`` (1.9 MB, the full 23,570-customer CDNOW file) is not shipped:
``load_dataset("CDNOW_master.txt")`` raises :class:`FileNotFoundError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "load_dataset",
    "load_cdnow_summary",
    "load_transaction_data",
    "load_cdnow_summary_data_with_monetary_value",
    "load_donations",
]

_HERE = Path(__file__).resolve().parent


def load_dataset(filename: str, **kwargs: Any) -> pd.DataFrame:
    """The shipped data file ``filename`` (for example ``"donations.csv"``) read by
    :func:`pandas.read_csv` with ``kwargs`` (``usecols``, ``index_col``, ``sep``, ...).

    Raises :class:`FileNotFoundError` for a file that is not shipped (the message lists those
    that are).
    """
    path = _HERE / filename
    if path.parent != _HERE or not path.is_file() or path.suffix not in (".csv", ".txt"):
        shipped = sorted(p.name for p in _HERE.iterdir() if p.suffix in (".csv", ".txt") and "LICENSE" not in p.name)
        raise FileNotFoundError(f"no data set {filename!r}; the shipped ones are {', '.join(shipped)}")
    return pd.read_csv(path, **kwargs)


def load_donations(**kwargs: Any) -> pd.DataFrame:
    """The donations data set (``frequency``, ``recency``, ``periods``, ``weights``), for the
    BG/BB model."""
    return load_dataset("donations.csv", **kwargs)


def load_cdnow_summary(**kwargs: Any) -> pd.DataFrame:
    """The CDNOW customers' calibration summary (``ID``, ``frequency``, ``recency``, ``T``; times
    in weeks). lifetimes' Quickstart reads it with ``index_col=[0]``."""
    return load_dataset("cdnow_customers_summary.csv", **kwargs)


def load_transaction_data(**kwargs: Any) -> pd.DataFrame:
    """Simulated transactions (``date`` as a string ``YYYY-MM-DD HH:MM:SS``, ``id``) of 2014,
    made by lifetimes' data generation routines."""
    return load_dataset("example_transactions.csv", **kwargs)


def load_cdnow_summary_data_with_monetary_value(**kwargs: Any) -> pd.DataFrame:
    """The CDNOW calibration summary with the mean repeat spend: columns ``frequency``,
    ``recency``, ``T``, ``monetary_value``, indexed by ``customer_id``."""
    df = load_dataset("cdnow_customers_summary_with_transactions.csv", **kwargs)
    df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return df.set_index("customer_id")
