"""Inputs for the native functions: tables, columns and scalar arguments.

- **Tables** (:func:`frame`): pandas or polars DataFrames, polars LazyFrames (collected once),
  pyarrow Tables and RecordBatches; the one helper every entry point that takes a DataFrame
  goes through.
- **Columns**: NumPy arrays, pandas or polars Series, pyarrow Arrays and ChunkedArrays, lists,
  scalars. Everything becomes a 1-D NumPy array of the dtype the native layer reads. A
  contiguous array of that dtype passes through without a copy (pandas and polars Series of
  float64 without nulls convert to a view, and so do pyarrow arrays of one chunk without nulls);
  anything else is converted once. Columns of one call have one length: a scalar repeats, a
  column of length 1 does not.
- **Scalar arguments** (:func:`int_argument`, :func:`float_argument`): range-checked in Python
  so that an out-of-range or wrong value is a :class:`~retention.ValidationError` (or a
  ``TypeError`` for a wrong type) naming the argument, never a bare ``OverflowError``.

Dates and times are :mod:`._time`'s.
"""

from __future__ import annotations

import html
import math
import operator
from collections.abc import Iterable
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from .exceptions import ValidationError

FloatArray = npt.NDArray[np.float64]


def _library(value: Any) -> str:
    """The top-level module of ``value``'s type: ``"pandas"``, ``"polars"``, ``"pyarrow"``..."""
    return type(value).__module__.split(".")[0]


def is_scalar(value: Any) -> bool:
    """True for a Python or NumPy number (not an array, Series or list)."""
    return np.ndim(value) == 0 and not hasattr(value, "__len__")


def _is_arrow_column(values: Any) -> bool:
    return _library(values) == "pyarrow" and hasattr(values, "type") and hasattr(values, "to_numpy")


def arrow_to_pandas(values: Any) -> Any:
    """A pyarrow Array or ChunkedArray of dates or timestamps as a pandas Series (which keeps a
    timestamp's zone, for :mod:`._time`); anything else as it is."""
    if _is_arrow_column(values):
        kind = str(values.type)
        if kind.startswith(("timestamp", "date")):
            return values.to_pandas()
    return values


def to_numpy(values: Any) -> np.ndarray[Any, Any]:
    """``values`` as a NumPy array: pandas and polars Series through ``to_numpy()``, pyarrow
    arrays through theirs (without a copy for one chunk of numbers without nulls)."""
    if isinstance(values, np.ndarray):
        return values
    if _is_arrow_column(values):
        return np.asarray(values.to_numpy(zero_copy_only=False))
    to_numpy_method = getattr(values, "to_numpy", None)
    if callable(to_numpy_method):
        return np.asarray(to_numpy_method())
    return np.asarray(values)


class ArrowFrame:
    """A pyarrow Table or RecordBatch seen as a data frame: ``columns``, ``len()`` and
    ``frame[name]`` (the pyarrow column, read through :func:`to_numpy`)."""

    __slots__ = ("table",)

    def __init__(self, table: Any) -> None:
        self.table = table

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def __getitem__(self, name: str) -> Any:
        if name not in self.table.column_names:
            raise KeyError(name)
        return self.table.column(name)


def frame(data: Any, name: str = "transactions") -> tuple[Any, str]:
    """A table argument as something with ``columns``, ``len()`` and ``[column]``, and the
    library its results are made in (``"pandas"`` or ``"polars"``): a pandas or polars
    DataFrame as it is, a polars LazyFrame collected, a pyarrow Table or RecordBatch wrapped
    (:class:`ArrowFrame`; results in pandas), a mapping of columns as it is (results in pandas).

    Raises ``TypeError`` naming ``name`` for anything else (None included).
    """
    library = _library(data)
    kind = type(data).__name__
    if library == "polars" and kind == "LazyFrame":
        return data.collect(), "polars"
    if library == "polars" and kind == "DataFrame":
        return data, "polars"
    if library == "pandas" and kind == "DataFrame":
        return data, "pandas"
    if library == "pyarrow" and kind in ("Table", "RecordBatch"):
        return ArrowFrame(data), "pandas"
    if isinstance(data, dict):
        return data, "pandas"
    raise TypeError(
        f"{name} must be a pandas or polars DataFrame, a polars LazyFrame or a pyarrow Table or "
        f"RecordBatch, not {type(data).__name__}"
    )


def int_argument(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an int in ``low..=high``.

    Raises ``TypeError`` for a value that is not an integer (a bool, a float, None, a string),
    :class:`~retention.ValidationError` for one out of range; both name ``name``.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None
    if not low <= number <= high:
        raise ValidationError(f"{name} must be in {low}..={high}, got {number}")
    return number


def float_argument(
    value: Any, name: str, low: Optional[float] = None, high: Optional[float] = None
) -> float:
    """``value`` as a finite float, within ``[low, high]`` when given.

    Raises ``TypeError`` for a value that is not a real number (None, a string, a bool),
    :class:`~retention.ValidationError` for NaN, an infinity or a value out of range; both
    name ``name``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(f"{name} must be finite, got {number}")
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise ValidationError(f"{name} must be in {bounds}, got {number}")
    return number


def float_column(values: Any, name: str) -> FloatArray:
    """A 1-D float64 array; scalars become length-1 arrays.

    Raises :class:`~retention.ValidationError` for None, a value that is not numeric or not
    1-D (NaN and negative values are checked by the core, with the row that holds them).
    """
    if values is None:
        raise ValidationError(f"{name} is missing (None)")
    array = to_numpy(values)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValidationError(f"{name} must be one-dimensional, not of shape {array.shape}")
    if array.dtype == np.float64:
        return array
    if array.dtype.kind not in "biuf":
        raise ValidationError(f"{name} must be numeric, not {array.dtype}")
    return array.astype(np.float64)


def float_columns(**columns: Any) -> list[FloatArray]:
    """Several columns of one length; a scalar (a Python or NumPy number) repeats to it, a
    column of length 1 (a list, an array, a Series) does not.

    Raises :class:`~retention.ValidationError` when the lengths differ.
    """
    arrays = [float_column(values, name) for name, values in columns.items()]
    scalar = [is_scalar(values) for values in columns.values()]
    lengths = {len(a) for a, s in zip(arrays, scalar) if not s}
    if len(lengths) > 1:
        described = ", ".join(f"{name} {len(a)}" for name, a in zip(columns, arrays))
        raise ValidationError(f"columns differ in length: {described}")
    n = lengths.pop() if lengths else 1
    return [a if len(a) == n else np.full(n, a[0]) for a in arrays]


def optional_weights(weights: Any, n: int) -> Optional[FloatArray]:
    """The weights column, or None."""
    if weights is None:
        return None
    (column,) = float_columns(weights=weights)
    if len(column) != n:
        raise ValidationError(f"weights has {len(column)} rows, the data {n}")
    return column


def index_of(*values: Any) -> Any:
    """The pandas index of the first pandas Series among ``values``, or None."""
    for value in values:
        index = getattr(value, "index", None)
        if index is not None and not callable(index):
            return index
    return None


def integer_column(values: npt.NDArray[Any], column: str, dtype: Any, missing: Optional[int] = None) -> Any:
    """`values` as contiguous integers of `dtype`, range-checked; NaN/None -> `missing`.

    Raises :class:`~retention.ValidationError` for missing values (without `missing`), fractions,
    values that are not numbers, or values out of the dtype's range, naming `column`.
    """
    info = np.iinfo(dtype)
    if values.dtype == object:
        values = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if np.issubdtype(values.dtype, np.floating):
        nan = np.isnan(values)
        if nan.any():
            if missing is None:
                raise ValidationError(f"column `{column}` has missing values")
            values = np.where(nan, missing, values)
        if not np.all(np.mod(values, 1) == 0):
            raise ValidationError(
                f"column `{column}` must hold integers (amounts in minor units: multiply "
                "decimals by 100 and round)"
            )
    elif not (np.issubdtype(values.dtype, np.integer) or values.dtype == np.bool_):
        raise ValidationError(f"column `{column}` must hold integers, not {values.dtype}")
    if values.size and (values.min() < info.min or values.max() > info.max):
        raise ValidationError(f"column `{column}` has values outside {info.min}..={info.max}")
    return np.ascontiguousarray(values, dtype=dtype)


def one_of(names: Iterable[str]) -> str:
    """The allowed values for a message, double-quoted: ``"D", "W" or "M"``."""
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def html_table(title: str, rows: Iterable[tuple[str, Any]]) -> str:
    """A titled two-column HTML table (for the ``_repr_html_`` of notebooks), escaped."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<div><b>{html.escape(title)}</b><table>{body}</table></div>"
