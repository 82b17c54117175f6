"""What a trial is judged on: the kind of task, the folds and the score.

* Classification when ``y`` holds integer, boolean or string labels, 0/1 floats, or one-hot
  rows (a ``lucidnet.sklearn`` classifier always is); regression otherwise.
* ``cv=k`` gives ``StratifiedKFold(k, shuffle=True, random_state)`` for classification
  (stratified on the class index) and ``KFold(k, shuffle=True, random_state)`` for
  regression; any scikit-learn splitter (an object with ``split``) is used as given.
* ``scoring`` is a metric name of ``ln.metrics`` (scored as ``metric(model.predict(x), y)``)
  or a bound ``ln.metrics.get("f1", average="macro")``, or a callable
  ``(model, x, y) -> float``; the default is ``"accuracy"`` for classification
  and ``"neg_mse"`` (-MSE) for regression. Larger scores are better: error metrics
  (``mse``, ``mae``, ``zero_one``) are negated, as scikit-learn's ``neg_mean_squared_error``,
  and may be spelled ``neg_mse``, ``neg_mae``, ``neg_zero_one``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..training import metrics

ERRORS = ("mse", "mae", "zero_one")
"""Metrics where smaller is better: their score is the negated metric."""


def is_classification(y: np.ndarray) -> bool:
    """Labels (ints, bools, strings, 0/1 floats) or one-hot rows; anything else is regression."""
    if y.ndim == 2 and y.shape[1] > 1:
        return bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1))
    if y.dtype.kind in "biuUSO":
        return True
    return bool(np.all((y == 0) | (y == 1)))


def class_index(y: np.ndarray) -> np.ndarray:
    """What stratification groups on: the label, or the class of a one-hot row."""
    return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))


def folds(
    cv: Any, x: np.ndarray, y: np.ndarray, classification: bool, random_state: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train indices, test indices) of each fold."""
    from sklearn.model_selection import KFold, StratifiedKFold

    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        if not 2 <= cv <= len(x):
            raise ValueError(f"cv must be at least 2 and at most the {len(x)} samples, got {cv}")
        kind = StratifiedKFold if classification else KFold
        cv = kind(int(cv), shuffle=True, random_state=random_state)
    elif isinstance(cv, str) or not hasattr(cv, "split"):
        raise TypeError(
            f"cv must be a number of folds (int >= 2) or a scikit-learn splitter such as "
            f"KFold(5), got {cv!r}"
        )
    labels = class_index(y) if classification else y
    try:
        return [(np.asarray(train), np.asarray(test)) for train, test in cv.split(x, labels)]
    except ValueError as error:
        raise ValueError(f"cv={cv!r} cannot split this data: {error}") from None


class MetricScore:
    """``score(model, x, y)`` = sign * metric(prediction, y), the metric picked by name.

    A ``lucidnet.sklearn`` classifier's predicted labels are compared one-hot with the
    label index, so every ``ln.metrics`` classification metric reads them correctly.
    """

    def __init__(self, metric: str | metrics.Metric) -> None:
        self.metric = metrics.get(
            metric.removeprefix("neg_") if isinstance(metric, str) else metric
        )
        self.sign = -1.0 if self.metric.name in ERRORS else 1.0
        self.name = metric if isinstance(metric, str) else repr(self.metric)
        if self.name.startswith("neg_") and self.sign > 0:
            raise ValueError(f"only the error metrics {', '.join(ERRORS)} take the prefix neg_")

    def __call__(self, model: Any, x: np.ndarray, y: np.ndarray) -> float:
        classes = getattr(model, "classes_", None)
        if classes is not None and hasattr(model, "get_params"):
            predicted = np.searchsorted(classes, model.predict(x))
            prediction = np.eye(max(len(classes), 2), dtype=np.float32)[predicted]
            y = np.searchsorted(classes, y)
        else:
            prediction = np.asarray(model.predict(x))
            if prediction.ndim == 2 and prediction.shape[1] == 1 and y.ndim == 1:
                y = y.reshape(-1, 1)  # one output column: y of shape (n,) is read as (n, 1)
        return self.sign * float(self.metric(prediction, y))

    def __repr__(self) -> str:
        return self.name


def scorer(scoring: Any, classification: bool) -> Callable[[Any, np.ndarray, np.ndarray], float]:
    """``scoring`` as a callable ``(model, x, y) -> float``, larger is better."""
    if scoring is None:
        scoring = "accuracy" if classification else "neg_mse"
    if isinstance(scoring, (str, metrics.Metric)):
        try:
            return MetricScore(scoring)
        except ValueError as error:
            raise ValueError(f"scoring={scoring!r}: {error}") from None
    if callable(scoring):
        return scoring
    raise TypeError(
        f"scoring must be a metric name ({', '.join(metrics.available())}) or a callable "
        f"(model, x, y) -> float, got {scoring!r}"
    )


def name_of(scoring: Any) -> str:
    """A stable name for a scoring (for the results file's fingerprint)."""
    if isinstance(scoring, MetricScore):
        return scoring.name
    return f"{getattr(scoring, '__module__', '')}.{getattr(scoring, '__qualname__', repr(scoring))}"
