"""The installed distribution: its name on the package index, its metadata and extras, and (when
the test command runs against the wheel it built, RETENTION_WHEEL=<path>) that the package
imported is that wheel, not the source tree."""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

import pytest

import retention

SOURCE = Path(__file__).resolve().parents[1] / "retention"


def test_the_distribution_is_retention_sdk_with_full_metadata() -> None:
    meta = metadata.metadata("retention-sdk")
    assert meta["Name"] == "retention-sdk"
    assert meta["Version"] == retention.__version__
    assert meta["Requires-Python"] == ">=3.9"
    assert set(meta.get_all("Provides-Extra") or []) >= {"polars", "plot", "spark", "dask"}
    assert meta["Description-Content-Type"].startswith("text/markdown")
    assert "pip install retention-sdk" in (meta.get_payload() or meta["Description"] or "")  # type: ignore[attr-defined]
    urls = meta.get_all("Project-URL") or []
    assert {url.split(",")[0] for url in urls} >= {"Homepage", "Documentation", "Repository", "Changelog"}
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.9" in classifiers and "Typing :: Typed" in classifiers


@pytest.mark.skipif("RETENTION_WHEEL" not in os.environ, reason="runs against the test command's wheel")
def test_the_package_is_the_installed_wheel() -> None:
    wheel = Path(os.environ["RETENTION_WHEEL"])
    assert wheel.name.startswith(f"retention_sdk-{retention.__version__}-cp39-abi3-")
    assert "manylinux2014_x86_64" in wheel.name
    package = Path(retention.__file__).resolve().parent
    assert package != SOURCE.resolve(), "the source tree was imported, not the wheel"
    assert any(part in ("site-packages", "dist-packages") for part in package.parts)
    assert next(package.glob("_retention*.so")).stat().st_size <= 8_000_000
    files = metadata.files("retention-sdk") or []
    assert any(str(f).endswith("py.typed") for f in files)
    assert not any(str(f).endswith(".pth") for f in files), "an editable install, not the wheel"
    assert sys.version_info >= (3, 9)
