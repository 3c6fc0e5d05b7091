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
