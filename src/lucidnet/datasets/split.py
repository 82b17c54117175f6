"""Splitting ``(x, y)`` into a training and a test part, optionally stratified by class."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .synthetic import RandomState, resolve_random_state


def _n_samples(data: Any) -> int:
    return len(data) if hasattr(data, "__len__") else len(np.asarray(data))


def _take(data: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of ``data``: pandas objects stay pandas, anything else becomes an array."""
    if hasattr(data, "iloc"):
        return data.iloc[index]
    return np.asarray(data)[index]


def _test_count(test_size: float | int, n_samples: int) -> int:
    """Number of test samples: ``ceil(test_size * n)`` for a fraction, ``test_size`` for an int."""
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
        if not 1 <= n_test <= n_samples - 1:
            raise ValueError(
                f"test_size={test_size!r} as a count must be in [1, {n_samples - 1}] "
                f"for {n_samples} samples"
            )
        return n_test
    if isinstance(test_size, (float, np.floating)) and 0.0 < test_size < 1.0:
        # Rounded first so that float dust (0.07 * 100 = 7.000000000000001) does not add a sample.
        n_test = math.ceil(round(float(test_size) * n_samples, 9))
        if n_test >= n_samples:
            raise ValueError(
                f"test_size={test_size!r} leaves no training sample out of {n_samples}"
            )
        return n_test
    raise ValueError(
        f"test_size must be a fraction in (0, 1) or an int count of test samples, got {test_size!r}"
    )


def _stratified_test_index(
    labels: np.ndarray, n_test: int, generator: np.random.Generator
) -> np.ndarray:
    """Test indices holding each class in proportion, counts rounded by largest remainder."""
    classes, class_of, counts = np.unique(labels, return_inverse=True, return_counts=True)
    n_train = len(labels) - n_test
    if counts.min() < 2:
        raise ValueError(
            f"stratify: class {classes[counts.argmin()]!r} has only 1 member; "
            "every class needs at least 2 to appear in both parts"
        )
    if min(n_test, n_train) < len(classes):
        raise ValueError(
            f"stratify: {n_test} test and {n_train} training samples cannot each hold "
            f"all {len(classes)} classes; change test_size"
        )
    exact = counts * n_test / len(labels)
    test_counts = np.floor(exact).astype(np.int64)
    # Hand the samples lost to flooring to the classes with the largest remainders,
    # ties broken at random so that no class is favoured.
    remainder_order = np.lexsort((generator.random(len(classes)), -(exact - test_counts)))
    test_counts[remainder_order[: n_test - test_counts.sum()]] += 1
    members = [generator.permutation(np.flatnonzero(class_of == k)) for k in range(len(classes))]
    return np.concatenate([m[:c] for m, c in zip(members, test_counts, strict=True)])


def train_test_split(
    x: Any,
    y: Any,
    test_size: float | int = 0.25,
    random_state: RandomState = None,
    stratify: Any = None,
    shuffle: bool = True,
) -> tuple[Any, Any, Any, Any]:
    """Split ``x`` and ``y`` into ``x_train, x_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction in (0, 1) (the test part gets ``ceil(test_size * n)``
    samples) or an int count.  With ``shuffle=True`` the samples are drawn at random
    (``random_state``: None for lucidnet's global generator, an int seed or a
    numpy Generator); with ``shuffle=False`` the last samples form the test part.
    ``stratify`` (labels of length n, or ``True`` for ``y``) keeps every class's
    share equal in both parts, up to rounding (largest remainder); it needs
    ``shuffle=True``.  NumPy arrays and lists come back as arrays, pandas objects
    as pandas objects.

    >>> import numpy as np
    >>> x, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    >>> x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)
    >>> x_train.shape, x_test.shape
    ((8, 2), (2, 2))
    """
    n_samples, n_labels = _n_samples(x), _n_samples(y)
    if n_samples != n_labels:
        raise ValueError(
            f"x has {n_samples} samples but y has {n_labels}; they must have the same length"
        )
    if n_samples < 2:
        raise ValueError(f"train_test_split needs at least 2 samples, got {n_samples}")
    n_test = _test_count(test_size, n_samples)
    if stratify is not None and stratify is not False:
        if not shuffle:
            raise ValueError("stratify needs shuffle=True; a stratified split is drawn at random")
        labels = np.asarray(y if stratify is True else stratify)
        if len(labels) != n_samples:
            raise ValueError(
                f"stratify has {len(labels)} labels but x has {n_samples} samples; "
                "they must have the same length"
            )
        if labels.ndim == 2:  # one-hot rows: stratify by their class
            labels = labels.argmax(axis=1)
        generator = resolve_random_state(random_state)
        test_index = generator.permutation(_stratified_test_index(labels, n_test, generator))
        is_test = np.zeros(n_samples, dtype=bool)
        is_test[test_index] = True
        train_index = generator.permutation(np.flatnonzero(~is_test))
    else:
        if shuffle:
            order = resolve_random_state(random_state).permutation(n_samples)
        else:
            order = np.arange(n_samples)
        train_index, test_index = order[: n_samples - n_test], order[n_samples - n_test :]
    return (
        _take(x, train_index),
        _take(x, test_index),
        _take(y, train_index),
        _take(y, test_index),
    )
