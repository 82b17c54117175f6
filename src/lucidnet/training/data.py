"""Checks at the door of fit/evaluate/predict: data become float arrays, or a clear ValueError.

NumPy arrays, nested lists and pandas objects are accepted.  Mismatched
lengths, NaN/inf (with the first bad row and column), a wrong feature count
(expected vs got), empty data and non-numeric data are refused with what and
where.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def to_array(data: Any, argument: str) -> np.ndarray:
    """``data`` (array, list, pandas) as an ndarray; non-numeric or empty data raise ValueError."""
    if data is None:
        raise ValueError(f"{argument} is None; give an array of shape [n_samples, ...]")
    if hasattr(data, "to_numpy") and callable(data.to_numpy):  # pandas DataFrame / Series
        from pandas.api.types import is_numeric_dtype

        # A DataFrame's dtypes is a Series (whose .values is not callable): use a plain dict.
        dtypes = (
            dict(data.dtypes.items())
            if hasattr(data.dtypes, "items")
            else {getattr(data, "name", 0): data.dtypes}
        )
        for column, dtype in dtypes.items():
            if not is_numeric_dtype(dtype):
                raise ValueError(
                    f"{argument} column {column!r} has non-numeric dtype {dtype}; "
                    "encode it as numbers first"
                )
        # Nullable extension dtypes (Int64, Float64) hold pd.NA: make it NaN, reported below.
        data = (
            data.to_numpy(dtype=float, na_value=np.nan)
            if any(not isinstance(d, np.dtype) for d in dtypes.values())
            else data.to_numpy()
        )
    try:
        array = np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise ValueError(
            f"{argument} is ragged: its rows have different lengths ({error})"
        ) from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise ValueError(
            f"{argument} must be numeric, got dtype {array.dtype}"
            + _first_non_numeric(array, argument)
        )
    if array.ndim == 0:
        raise ValueError(f"{argument} must have a sample axis, got a scalar {array!r}")
    if array.shape[0] == 0:
        raise ValueError(f"{argument} is empty (shape {array.shape}); give at least one sample")
    return array


def _first_non_numeric(array: np.ndarray, argument: str) -> str:
    if array.dtype != object and array.dtype.kind not in "USO":
        return ""
    flat = array.reshape(array.shape[0], -1) if array.ndim > 1 else array.reshape(-1, 1)
    for row, values in enumerate(flat):
        for column, value in enumerate(values):
            try:
                float(value)
            except (TypeError, ValueError):
                shown = value.item() if isinstance(value, np.generic) else value
                return f" (first non-numeric value {shown!r} at row {row}, column {column})"
    return ""


def check_finite(array: np.ndarray, argument: str) -> None:
    """Raise naming the first row and column that hold NaN or inf."""
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return
    bad = np.argwhere(~np.isfinite(array))[0]
    row = int(bad[0])
    where = f"row {row}" + (f", column {int(bad[1])}" if len(bad) > 1 else "")
    value = array[tuple(bad)]
    raise ValueError(f"{argument} contains {value} at {where}; remove or impute non-finite values")


def prepare_features(
    x: Any, dtype: np.dtype, expected_features: int | None, argument: str = "x"
) -> np.ndarray:
    """Validated 2-D-or-more float array of ``dtype`` for a single-input model."""
    array = to_array(x, argument)
    if array.ndim == 1:
        raise ValueError(
            f"{argument} must be 2-D [n_samples, n_features], got shape "
            f"{array.shape}; use {argument}.reshape(-1, 1) for a single feature"
        )
    array = np.ascontiguousarray(array, dtype=dtype)  # row-major: one layout, one BLAS path
    check_finite(array, argument)
    if expected_features is not None and array.shape[-1] != expected_features:
        raise ValueError(
            f"{argument} has {array.shape[-1]} features (shape {array.shape}) but the "
            f"model expects {expected_features}"
        )
    return array


def prepare_targets(
    y: Any, n_samples: int, output_width: int | None, argument: str = "y", x_argument: str = "x"
) -> np.ndarray:
    """Validated targets: same length as x; shape (n,) becomes (n, 1) for a one-column model."""
    array = to_array(y, argument)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    check_finite(array, argument)
    if array.shape[0] != n_samples:
        raise ValueError(
            f"{x_argument} has {n_samples} samples but {argument} has {array.shape[0]}; they "
            "must have the same length"
        )
    if array.ndim == 1 and output_width == 1:
        array = array.reshape(-1, 1)
    return array


def check_class_labels(y: np.ndarray, n_classes: int, argument: str = "y") -> None:
    """Integer labels must lie in [0, n_classes)."""
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            row = int(np.argwhere(y != np.round(y))[0][0])
            raise ValueError(
                f"{argument} must hold integer class labels for this loss; row {row} "
                f"has {y.reshape(len(y), -1)[row].tolist()}"
            )
    outside = (y < 0) | (y >= n_classes)
    if outside.any():
        row = int(np.argwhere(outside)[0][0])
        label = y.reshape(len(y), -1)[row][0].item()
        raise ValueError(
            f"{argument} has label {label!r} at row {row}, "
            f"outside the model's {n_classes} classes [0, {n_classes - 1}]"
        )


def split_validation(
    arrays: list[np.ndarray], fraction: float
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Keras's ``validation_split``: the last ``fraction`` of the samples, before shuffling."""
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, (int, float))
        or not 0 <= fraction < 1
    ):
        raise ValueError(f"validation_split must be a number in [0, 1), got {fraction!r}")
    n = arrays[0].shape[0]
    n_val = int(n * fraction)
    if fraction > 0 and (n_val == 0 or n_val == n):
        raise ValueError(
            f"validation_split={fraction} leaves {n_val} of {n} samples for "
            "validation; use more data or another fraction"
        )
    cut = n - n_val
    return [a[:cut] for a in arrays], [a[cut:] for a in arrays]
