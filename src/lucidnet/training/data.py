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
    array = as_ndarray(data, argument)
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


def as_ndarray(data: Any, described: str) -> np.ndarray:
    """``np.asarray(data)``; nested lists of unequal lengths raise a ValueError that names
    ``described`` (the argument, with its owner's name where there is one)."""
    try:
        return np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise ValueError(
            f"{described} is ragged: its rows have different lengths ({error})"
        ) from None


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
    raise ValueError(
        f"{argument} contains {array[tuple(bad)]} at {_position(bad)}; remove or impute "
        "non-finite values"
    )


def _position(index: np.ndarray) -> str:
    return f"row {int(index[0])}" + (f", column {int(index[1])}" if len(index) > 1 else "")


def as_dtype(array: np.ndarray, dtype: np.dtype, argument: str) -> np.ndarray:
    """``array`` as a C-contiguous array of ``dtype``, after checking it is finite; a value
    too large for ``dtype`` (1e39 into float32) is reported as an overflow, not as inf."""
    check_finite(array, argument)
    with np.errstate(over="ignore"):  # an overflow is reported below, with its value
        converted = np.ascontiguousarray(array, dtype=dtype)  # row-major: one BLAS path
    if converted.dtype.kind == "f" and array.dtype != converted.dtype:
        finite = np.isfinite(converted)
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            limit = np.finfo(converted.dtype).max
            raise ValueError(
                f"{argument} overflows {converted.dtype}: {array[tuple(bad)].item()!r} at "
                f"{_position(bad)} is larger than its largest value {limit:.3g}; scale the "
                "data or use a float64 model"
            )
    return converted


def prepare_features(
    x: Any,
    dtype: np.dtype,
    expected_features: int | None,
    argument: str = "x",
    sample_shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """Validated float array of ``dtype`` for one model input: [n_samples, features], or
    [n_samples, *sample_shape] when the model states the shape of a sample."""
    array = to_array(x, argument)
    if array.ndim == 1:
        raise ValueError(
            f"{argument} must be 2-D [n_samples, n_features], got shape "
            f"{array.shape}; use {argument}.reshape(-1, 1) for a single feature"
        )
    if sample_shape is not None and len(sample_shape) == 1 and array.ndim == 2:
        expected_features, sample_shape = sample_shape[0], None  # the feature-count message
    if sample_shape is not None and array.shape[1:] != tuple(sample_shape):
        wanted = ", ".join(["n_samples", *map(str, sample_shape)])
        raise ValueError(
            f"{argument} has shape {array.shape} but the model takes samples of shape "
            f"{tuple(sample_shape)}: give {argument} as an array [{wanted}]"
        )
    array = as_dtype(array, dtype, argument)
    if expected_features is not None and array.shape[-1] != expected_features:
        raise ValueError(
            f"{argument} has {array.shape[-1]} features (shape {array.shape}) but the "
            f"model expects {expected_features}"
        )
    return array


def prepare_targets(
    y: Any,
    n_samples: int,
    output_width: int | None,
    argument: str = "y",
    x_argument: str = "x",
    dtype: np.dtype | None = None,
) -> np.ndarray:
    """Validated targets: same length as x; shape (n,) becomes (n, 1) for a one-column model;
    float targets in ``dtype`` (integer labels stay integers)."""
    array = to_array(y, argument)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    if array.shape[0] != n_samples:
        raise ValueError(
            f"{x_argument} has {n_samples} samples but {argument} has {array.shape[0]}; they "
            "must have the same length"
        )
    if array.ndim == 1 and output_width == 1:
        array = array.reshape(-1, 1)
    if array.dtype.kind == "f" and dtype is not None:
        return as_dtype(array, dtype, argument)
    check_finite(array, argument)
    return array


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
