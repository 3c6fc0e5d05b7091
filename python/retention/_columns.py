"""Input columns for the native functions: NumPy arrays, pandas or polars Series, lists, scalars.

Everything becomes a 1-D NumPy array of the dtype the native layer reads. A contiguous array of
that dtype passes through without a copy (pandas and polars Series of float64 without nulls
convert to a view); anything else is converted once. Dates and times are :mod:`._time`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

from .exceptions import ValidationError

FloatArray = npt.NDArray[np.float64]


def is_scalar(value: Any) -> bool:
    """True for a Python or NumPy number (not an array, Series or list)."""
    return np.ndim(value) == 0 and not hasattr(value, "__len__")


def to_numpy(values: Any) -> np.ndarray[Any, Any]:
    """``values`` as a NumPy array: pandas and polars Series through ``to_numpy()``."""
    if isinstance(values, np.ndarray):
        return values
    to_numpy_method = getattr(values, "to_numpy", None)
    if callable(to_numpy_method):
        return np.asarray(to_numpy_method())
    return np.asarray(values)


def float_column(values: Any, name: str) -> FloatArray:
    """A 1-D float64 array; scalars become length-1 arrays.

    Raises :class:`~retention.ValidationError` for a value that is not numeric or not 1-D
    (NaN and negative values are checked by the core, with the row that holds them).
    """
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
    """Several columns broadcast to one length (scalars repeat, like NumPy's broadcasting).

    Raises :class:`~retention.ValidationError` when the lengths differ.
    """
    arrays = [float_column(values, name) for name, values in columns.items()]
    lengths = {len(a) for a in arrays if len(a) != 1}
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
