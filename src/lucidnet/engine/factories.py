"""Tensor factories with PyTorch's names: ``zeros``, ``ones``, ``full``, ``arange``, ``linspace``,
``eye``, ``rand``, ``randn``, ``zeros_like``, ``ones_like`` and ``from_numpy``.

Sizes are given as PyTorch takes them, ``zeros(2, 3)`` or ``zeros((2, 3))``.
Floating results get the default dtype (float32 unless
:func:`lucidnet.set_default_dtype` changed it) unless ``dtype=`` says otherwise;
``requires_grad=True`` makes a leaf that collects gradients.  ``rand`` and
``randn`` draw from lucidnet's global generator, so :func:`lucidnet.manual_seed`
makes them repeat (``rng=`` takes a seed or a Generator instead).

>>> import lucidnet as ln
>>> ln.linspace(-1, 1, 5).numpy()
array([-1. , -0.5,  0. ,  0.5,  1. ], dtype=float32)
>>> ln.zeros(2, 3).shape
(2, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtype import get_default_dtype
from .random import get_rng
from .tensor import Tensor

Size = tuple[int, ...]


def _size(size: tuple[Any, ...], function: str) -> Size:
    """``(2, 3)`` from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``; sizes are ints >= 0."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0 for n in size
    ):
        raise ValueError(
            f"{function}: the size must be ints >= 0, as {function}(2, 3) or "
            f"{function}((2, 3)); got {size!r}"
        )
    return tuple(int(n) for n in size)


def _dtype(dtype: object | None, fallback: object | None = None) -> np.dtype:
    """``dtype`` parsed (any numeric dtype), else ``fallback``, else the default float dtype."""
    if dtype is None:
        return np.dtype(fallback) if fallback is not None else get_default_dtype()
    try:
        parsed = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype={dtype!r} is not a dtype; use e.g. 'float32'") from error
    if parsed.kind not in "biuf":
        raise TypeError(f"dtype={dtype!r} is not numeric; use e.g. 'float32' or 'int64'")
    return parsed


def _leaf(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad)


def zeros(*size: Any, dtype: object | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (``torch.zeros``)."""
    return _leaf(np.zeros(_size(size, "zeros"), dtype=_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: object | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size (``torch.ones``)."""
    return _leaf(np.ones(_size(size, "ones"), dtype=_dtype(dtype)), requires_grad)


def full(
    size: Any, fill_value: float, *, dtype: object | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with ``fill_value`` (``torch.full``): an int value gives int64, a float
    the default float dtype, a bool bool, unless ``dtype=`` is given."""
    if isinstance(fill_value, (bool, np.bool_)):
        fallback: object | None = np.bool_
    elif isinstance(fill_value, (int, np.integer)):
        fallback = np.int64
    else:
        fallback = None
    shape = _size(size if isinstance(size, (tuple, list)) else (size,), "full")
    return _leaf(np.full(shape, fill_value, dtype=_dtype(dtype, fallback)), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: object | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values ``start, start + step, ...`` below ``end`` (``torch.arange``); ``arange(n)`` is
    ``0 .. n-1``.  All-int arguments give int64, otherwise the default float dtype."""
    if end is None:
        start, end = 0, start
    integral = all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, end, step)
    )
    if step == 0:
        raise ValueError("arange: step must not be 0")
    values = np.arange(start, end, step, dtype=np.int64 if integral else np.float64)
    return _leaf(values.astype(_dtype(dtype, np.int64 if integral else None)), requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: object | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (``torch.linspace``)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"linspace: steps must be an int >= 0, got {steps!r}")
    return _leaf(np.linspace(start, end, int(steps)).astype(_dtype(dtype)), requires_grad)


def eye(
    n: int, m: int | None = None, *, dtype: object | None = None, requires_grad: bool = False
) -> Tensor:
    """The ``n x m`` identity matrix (``m`` defaults to ``n``) (``torch.eye``)."""
    rows, columns = _size((n, n if m is None else m), "eye")
    return _leaf(np.eye(rows, columns, dtype=_dtype(dtype)), requires_grad)


def rand(
    *size: Any, dtype: object | None = None, requires_grad: bool = False, rng: Any = None
) -> Tensor:
    """Uniform samples from [0, 1) (``torch.rand``), from lucidnet's seeded generator."""
    draws = get_rng(rng).random(_size(size, "rand"))
    return _leaf(draws.astype(_dtype(dtype)), requires_grad)


def randn(
    *size: Any, dtype: object | None = None, requires_grad: bool = False, rng: Any = None
) -> Tensor:
    """Standard normal samples (``torch.randn``), from lucidnet's seeded generator."""
    draws = get_rng(rng).standard_normal(_size(size, "randn"))
    return _leaf(draws.astype(_dtype(dtype)), requires_grad)


def _like_shape(like: Any) -> tuple[Size, np.dtype]:
    array = like.data if isinstance(like, Tensor) else np.asarray(like)
    return array.shape, array.dtype


def zeros_like(input: Any, *, dtype: object | None = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and, unless ``dtype=`` is given, the dtype) of ``input``."""
    shape, own = _like_shape(input)
    return _leaf(np.zeros(shape, dtype=_dtype(dtype, own)), requires_grad)


def ones_like(input: Any, *, dtype: object | None = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and, unless ``dtype=`` is given, the dtype) of ``input``."""
    shape, own = _like_shape(input)
    return _leaf(np.ones(shape, dtype=_dtype(dtype, own)), requires_grad)


def from_numpy(array: np.ndarray, *, requires_grad: bool = False) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype (``torch.from_numpy``): writing to one
    changes the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"from_numpy needs a numpy ndarray, got {type(array).__name__}; "
            "use ln.tensor(data) for other data"
        )
    return _leaf(array, requires_grad)
