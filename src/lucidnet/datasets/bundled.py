"""scikit-learn's bundled data sets (digits, iris): shipped with scikit-learn, never downloaded.

scikit-learn is an optional dependency, imported only when one of these is called.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .._checks import check_positive_int
from ..engine.dtype import resolve_dtype

_DIGIT_MAX_PIXEL = 16.0  # the 8x8 digit images hold counts 0..16 of a 4x4 block of 32x32 pixels


def _sklearn_datasets() -> ModuleType:
    """``sklearn.datasets``, or an ImportError that says how to install it."""
    try:
        import sklearn.datasets
    except ImportError as error:
        raise ImportError(
            "lucidnet.datasets.digits and iris use scikit-learn's bundled data sets; "
            "install it with `pip install scikit-learn`"
        ) from error
    return sklearn.datasets


def _as_lucidnet(bunch: Any, x: np.ndarray, return_X_y: bool, dtype: object) -> Any:
    """``(x, y)`` with x in ``dtype`` and int64 labels, or the Bunch holding them."""
    x = np.asarray(x).astype(resolve_dtype(dtype))
    y = np.asarray(bunch.target).astype(np.int64)
    if return_X_y:
        return x, y
    bunch.data, bunch.target = x, y
    return bunch


def digits(
    *, n_class: int = 10, scale: bool = True, return_X_y: bool = True, dtype: object = None
) -> Any:
    """The UCI handwritten digits: 1797 images of 8x8 pixels, flattened to 64 features.

    Labels are the digits 0..9 (about 180 of each); ``n_class=k`` keeps only the
    digits ``0 .. k-1``.  Pixels are integers 0..16; ``scale=True`` (the default,
    since networks train best on inputs of order 1) divides them by 16 so that
    ``x`` lies in ``[0, 1]``.  Returns ``(x, y)``, or with ``return_X_y=False``
    scikit-learn's Bunch (``data``, ``target``, ``images``, ``target_names``,
    ``DESCR``) with ``data`` and ``target`` converted the same way.

    Needs scikit-learn (``pip install scikit-learn``); no download.

    >>> x, y = digits()
    >>> x.shape, x.dtype, float(x.max()), sorted(set(y.tolist())) == list(range(10))
    ((1797, 64), dtype('float32'), 1.0, True)
    """
    n_class = check_positive_int(n_class, "n_class")
    if n_class > 10:
        raise ValueError(f"n_class must be an int in [1, 10], got {n_class!r}")
    bunch = _sklearn_datasets().load_digits(n_class=n_class)
    x = bunch.data / _DIGIT_MAX_PIXEL if scale else bunch.data
    return _as_lucidnet(bunch, x, return_X_y, dtype)


def iris(*, return_X_y: bool = True, dtype: object = None) -> Any:
    """Fisher's iris: 150 flowers, 4 features (sepal and petal length and width, cm).

    Labels 0, 1, 2 (setosa, versicolor, virginica), 50 of each, in that order.
    Returns ``(x, y)``, or with ``return_X_y=False`` scikit-learn's Bunch
    (``data``, ``target``, ``feature_names``, ``target_names``, ``DESCR``) with
    ``data`` in ``dtype`` and ``target`` int64.

    Needs scikit-learn (``pip install scikit-learn``); no download.

    >>> x, y = iris()
    >>> x.shape, np.bincount(y).tolist()
    ((150, 4), [50, 50, 50])
    """
    bunch = _sklearn_datasets().load_iris()
    return _as_lucidnet(bunch, bunch.data, return_X_y, dtype)
