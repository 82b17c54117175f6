"""Matrix products of the training hot path: NumPy's ``matmul``, or MKL's gemm when chosen.

Every large product of a training step (the static plan's and the Dense node's)
goes through :func:`matmul`.  By default it *is* ``np.matmul`` (OpenBLAS in the
NumPy wheels).  With the ``mkl`` extra installed (``pip install "lucidnet[mkl]"``),
the environment variable ``LUCIDNET_BLAS=mkl`` (read when lucidnet is imported) or
``use("mkl")`` sends 2-D float32/float64 products above a size threshold to Intel
MKL's ``cblas_sgemm``/``cblas_dgemm`` through ctypes, the library PyTorch's CPU
build multiplies with:

.. math:: C = \\mathrm{op}(A)\\,\\mathrm{op}(B), \\quad \\mathrm{op}(X) \\in \\{X, X^T\\}

A transposed operand (``w.T``) is passed as MKL's transpose flag, so no copy is
made; anything gemm cannot take as it is (other dtypes, strided views, N-D
arrays, products under 2^18 multiply-adds, where ctypes' call costs more than it saves) stays on
``np.matmul``, which remains the reference.

>>> import numpy as np
>>> a, b = np.ones((2, 3)), np.ones((3, 4))
>>> matmul(a, b).tolist() == (a @ b).tolist()
True
"""

from __future__ import annotations

import ctypes
import os
import warnings
from typing import Any

import numpy as np

# m * n * k from which MKL gets a product.  A call through ctypes costs ~5 µs (three
# pointers, fourteen arguments), which MKL's kernel alone wins back from ~2 M
# multiply-adds (one thread: 128x128x128 31 µs on either, 256x256x128 101 vs 112 µs);
# the lower bound also sends the step's memory-bound products (the update addition,
# bias sums) to MKL, so that NumPy's OpenBLAS threads stay asleep beside MKL's.
MIN_WORK = 1 << 18

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_MATRIX = (ctypes.c_void_p, ctypes.c_int)  # pointer, leading dimension (MKL's LP64 int)
_gemm: dict[np.dtype, Any] = {}  # dtype -> cblas_?gemm of the library in use; empty: NumPy


matmul = np.matmul
"""``a @ b`` (``out=`` as ``np.matmul``) on the backend chosen by :func:`use`: ``np.matmul``
itself by default, :func:`gemm_matmul` while MKL is chosen.  Call it as ``_blas.matmul``
(an attribute looked up at each call), so that the choice reaches every call site."""


def available() -> bool:
    """Whether MKL's runtime library (the ``mkl`` package) can be loaded."""
    return _load_mkl() is not None


def use(name: str) -> None:
    """Choose the backend of :func:`matmul`: ``"numpy"`` (the default) or ``"mkl"``."""
    global matmul
    if name == "numpy":
        _gemm.clear()
        matmul = np.matmul
        return
    if name != "mkl":
        raise ValueError(f"use: name must be 'numpy' or 'mkl', got {name!r}")
    library = _load_mkl()
    if library is None:
        raise ValueError(
            "use('mkl'): Intel MKL is not installed; pip install 'lucidnet[mkl]' "
            "(the PyPI package 'mkl')"
        )
    _gemm[np.dtype(np.float32)] = library.cblas_sgemm
    _gemm[np.dtype(np.float64)] = library.cblas_dgemm
    matmul = gemm_matmul


def backend() -> str:
    """The backend :func:`matmul` uses now: ``"numpy"`` or ``"mkl"``."""
    return "mkl" if _gemm else "numpy"


def gemm_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (into ``out`` when given) through MKL's gemm where it can take the operands.

    ``a`` and ``b`` are 1-D or 2-D, as for ``np.matmul`` (a vector is a row on the left,
    a column on the right); anything else, and every product while NumPy is the
    backend, goes to ``np.matmul``.
    """
    if a.size * b.shape[-1] < MIN_WORK:  # small: NumPy at once (bounds m * n * k from above)
        return np.matmul(a, b, out=out)
    gemm = _gemm.get(a.dtype)
    if gemm is None or b.dtype != a.dtype or not (0 < a.ndim < 3 and 0 < b.ndim < 3):
        return np.matmul(a, b, out=out)
    a_2d = a if a.ndim == 2 else a.reshape(1, -1)
    b_2d = b if b.ndim == 2 else b.reshape(-1, 1)
    (m, k), n = a_2d.shape, b_2d.shape[1]
    shape = (m, n)[2 - a.ndim : b.ndim]  # numpy drops the dimension a vector was given
    if k != b_2d.shape[0] or m * n * k < MIN_WORK:
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty(shape, a.dtype)
    elif (
        out.shape != shape
        or out.dtype != a.dtype
        or not out.flags.writeable
        or (out.ndim < 2 and not out.flags.c_contiguous)
        or _overlaps(out, a)
        or _overlaps(out, b)
    ):
        return np.matmul(a, b, out=out)  # NumPy copies an operand that out overlaps
    out_2d = out if out.ndim == 2 else out.reshape(m, n)
    a_op, b_op, out_op = _operand(a_2d), _operand(b_2d), _operand(out_2d)
    if a_op is None or b_op is None or out_op is None or out_op[0] != _NO_TRANS:
        return np.matmul(a, b, out=out)
    gemm(
        _ROW_MAJOR,
        a_op[0],
        b_op[0],
        m,
        n,
        k,
        1.0,
        a.ctypes.data,
        a_op[1],
        b.ctypes.data,
        b_op[1],
        0.0,
        out.ctypes.data,
        out_op[1],
    )
    return out


def _overlaps(out: np.ndarray, operand: np.ndarray) -> bool:
    """Whether ``out`` shares memory with ``operand`` (True when that is too hard to tell)."""
    try:
        return bool(np.shares_memory(out, operand, max_work=1000))
    except np.exceptions.TooHardError:
        return True


def _operand(x: np.ndarray) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) of a 2-D array with one unit stride, else None."""
    item = x.itemsize
    rows, columns = x.shape
    row_stride, column_stride = x.strides
    if column_stride == item and row_stride % item == 0 and row_stride >= columns * item:
        return _NO_TRANS, max(row_stride // item, 1)
    if row_stride == item and column_stride % item == 0 and column_stride >= rows * item:
        return _TRANS, max(column_stride // item, 1)
    return None


_library: list[Any] = []  # the loaded MKL (one entry), or None when it is missing


def _load_mkl() -> Any:
    if not _library:
        _library.append(_find_mkl())
    return _library[0]


def _find_mkl() -> Any:
    """MKL's single dynamic library ``libmkl_rt`` from the ``mkl`` distribution, or None."""
    from importlib import metadata

    try:
        files = metadata.files("mkl") or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name.startswith("libmkl_rt.so") or file.name == "mkl_rt.2.dll":
            try:
                library = ctypes.CDLL(str(file.locate()))
            except OSError:
                continue
            for name, scalar in (("cblas_sgemm", ctypes.c_float), ("cblas_dgemm", ctypes.c_double)):
                function = getattr(library, name)
                function.restype = None
                function.argtypes = [ctypes.c_int] * 6 + [
                    scalar,
                    *_MATRIX,
                    *_MATRIX,
                    scalar,
                    *_MATRIX,
                ]
            return library
    return None


def _use_environment() -> None:
    """Honour ``LUCIDNET_BLAS`` (``numpy`` or ``mkl``); a bad value or a missing MKL warns."""
    name = os.environ.get("LUCIDNET_BLAS", "").strip().lower()
    if name and name != backend():
        try:
            use(name)
        except ValueError as error:
            warnings.warn(
                f"LUCIDNET_BLAS={name!r} ignored, products stay on NumPy: {error}",
                RuntimeWarning,
                stacklevel=2,
            )


_use_environment()
