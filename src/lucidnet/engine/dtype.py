"""The default floating dtype (float32 unless changed) and dtype parsing."""

from __future__ import annotations

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)


def as_float_dtype(dtype: object, argument: str = "dtype") -> np.dtype:
    """Parse ``dtype`` (a string such as ``"float64"`` or a NumPy dtype) into a float dtype."""
    try:
        parsed = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(
            f"{argument}={dtype!r} is not a dtype; use 'float32' or 'float64'"
        ) from error
    if parsed not in _FLOAT_DTYPES:
        raise TypeError(f"{argument}={dtype!r} is not a floating dtype; use 'float32' or 'float64'")
    return parsed


def set_default_dtype(dtype: object) -> None:
    """Set the dtype new tensors, parameters and data get (``"float32"`` or ``"float64"``)."""
    global _default_dtype
    _default_dtype = as_float_dtype(dtype)


def get_default_dtype() -> np.dtype:
    """Return the current default floating dtype (float32 unless changed)."""
    return _default_dtype


def resolve_dtype(dtype: object | None) -> np.dtype:
    """``dtype`` parsed, or the default when it is None."""
    return _default_dtype if dtype is None else as_float_dtype(dtype)
