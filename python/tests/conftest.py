"""Shared fixtures: the repository's shared test data (tests/vectors, scenarios)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def envelope_vectors() -> dict[str, Any]:
    """tests/vectors/envelope.json: bytes computed independently, shared with Rust and C."""
    with open(REPO / "tests" / "vectors" / "envelope.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def churn_vectors() -> dict[str, Any]:
    """tests/vectors/churn.json: model blobs packed independently, with the scores a till
    computes from them (mpmath), shared with the Rust and C tests."""
    with open(REPO / "tests" / "vectors" / "churn.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def cdnow_transactions() -> Any:
    """data/cdnow/CDNOW_sample.txt as a pandas DataFrame: id, date (datetime64), amount."""
    import pandas as pd

    frame = pd.read_csv(
        REPO / "data" / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["id", "date", "amount"]]


@pytest.fixture(scope="session")
def cdnow_published() -> Any:
    """data/cdnow/cdnow_customers_summary_with_transactions.csv: the published calibration
    summary (ID, x, t_x, T, zbar; weeks, dollars, two decimals)."""
    import pandas as pd

    return pd.read_csv(REPO / "data" / "cdnow" / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions: Any) -> Any:
    """The CDNOW calibration summary computed by the SDK (days, measured in weeks)."""
    import retention

    return retention.summary_data_from_transaction_data(
        cdnow_transactions,
        "id",
        "date",
        monetary_value_col="amount",
        observation_period_end="1997-09-30",
        freq="D",
        freq_multiplier=7,
    )
