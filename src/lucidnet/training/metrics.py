"""Evaluation metrics: ``metric(y_pred, y_true) -> float`` on arrays or Tensors.

The kind of classification is inferred from the shapes (as Keras's "accuracy"):

* one column, or 1-D ``y_pred``: binary, the predicted class is ``y_pred > 0.5``;
  labels {0, 1} (or {-1, 1}) of shape (n,) or (n, 1);
* several columns and ``y_true`` of the same shape: categorical, both argmaxed;
* several columns and integer ``y_true`` of shape (n,): sparse, ``y_pred`` argmaxed.

With TP, FP, FN counted per class c:
precision_c = TP / (TP + FP), recall_c = TP / (TP + FN),
F1_c = 2 precision_c recall_c / (precision_c + recall_c) = 2 TP / (2 TP + FP + FN);
a ratio with a zero denominator counts as 0 (scikit-learn's ``zero_division=0``).
``average="binary"`` (default) reports class 1; ``"macro"`` the unweighted mean
over the classes present in y_true or y_pred; ``"weighted"`` the mean weighted
by each class's support; ``"micro"`` the ratio of the summed counts.

``zero_one`` (the error rate, 1 - accuracy) is also available as a metric.
``get(name, **options)`` returns a :class:`Metric` with its options bound;
``available()`` lists the names.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._registry import Registry
from ..engine.tensor import no_grad
from . import losses
from .losses import class_decisions

AVERAGES = ("binary", "macro", "micro", "weighted")


def accuracy(y_pred: Any, y_true: Any) -> float:
    """Fraction of samples whose predicted class equals the label: mean(ŷ_i == y_i).

    Binary, categorical or sparse, inferred from the shapes (see the module docstring).
    """
    predicted, actual = _decisions(y_pred, y_true, "accuracy")
    return float(np.mean(predicted == actual))


def _decisions(y_pred: Any, y_true: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and true classes (see ``class_decisions``); at least one sample."""
    predicted, actual, _ = class_decisions(y_pred, y_true, name)
    if predicted.size == 0:
        raise ValueError(
            f"{name}: y_pred is empty (shape {np.shape(getattr(y_pred, 'data', y_pred))}); "
            "a metric needs at least one sample"
        )
    return predicted, actual


def _check_average(average: str) -> None:
    if average not in AVERAGES:
        raise ValueError(f"average={average!r} is not valid; use one of {', '.join(AVERAGES)}")


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0."""
    safe = np.where(denominator > 0, denominator, 1)
    return np.where(denominator > 0, numerator / safe, 0.0)


def _score(
    y_pred: Any,
    y_true: Any,
    average: str,
    name: str,
    formula: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
) -> float:
    """Apply ``formula(tp, fp, fn)`` per class (or to the summed counts) and average."""
    _check_average(average)
    predicted, actual = _decisions(y_pred, y_true, name)
    n_classes = int(max(predicted.max(), actual.max())) + 1
    if average == "binary" and n_classes > 2:
        raise ValueError(
            f"{name}: average='binary' needs labels in {{0, 1}}, but class "
            f"{n_classes - 1} occurs; use average='macro' (or 'micro', 'weighted')"
        )
    hits = predicted == actual
    tp = np.bincount(actual[hits], minlength=n_classes)
    fp = np.bincount(predicted, minlength=n_classes) - tp
    support = np.bincount(actual, minlength=n_classes)
    fn = support - tp
    if average == "binary":
        return float(formula(tp[1:2], fp[1:2], fn[1:2])[0]) if n_classes > 1 else 0.0
    if average == "micro":
        return float(
            formula(tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True))[0]
        )
    per_class = formula(tp, fp, fn)
    present = (support + np.bincount(predicted, minlength=n_classes)) > 0
    if average == "weighted":
        return float(np.sum(per_class * support) / support.sum())
    return float(per_class[present].mean())


def precision(y_pred: Any, y_true: Any, average: str = "binary") -> float:
    """Precision TP / (TP + FP): of the samples predicted positive, the fraction that are."""
    return _score(y_pred, y_true, average, "precision", lambda tp, fp, fn: _ratio(tp, tp + fp))


def recall(y_pred: Any, y_true: Any, average: str = "binary") -> float:
    """Recall TP / (TP + FN): of the positive samples, the fraction predicted positive."""
    return _score(y_pred, y_true, average, "recall", lambda tp, fp, fn: _ratio(tp, tp + fn))


def f1(y_pred: Any, y_true: Any, average: str = "binary") -> float:
    """F1 score, the harmonic mean of precision and recall: 2 TP / (2 TP + FP + FN)."""
    return _score(
        y_pred, y_true, average, "f1", lambda tp, fp, fn: _ratio(2 * tp, 2 * tp + fp + fn)
    )


def mse(y_pred: Any, y_true: Any) -> float:
    """Mean squared error mean((p_i - y_i)^2); shapes must match, as for the loss."""
    with no_grad():
        return float(losses.mse(y_pred, y_true).item())


def mae(y_pred: Any, y_true: Any) -> float:
    """Mean absolute error mean(|p_i - y_i|); shapes must match, as for the loss."""
    with no_grad():
        return float(losses.mae(y_pred, y_true).item())


def zero_one(y_pred: Any, y_true: Any) -> float:
    """Error rate mean(ŷ_i != y_i) = 1 - accuracy (the 0-1 loss, for evaluation)."""
    return float(losses.zero_one(y_pred, y_true).item())


class Metric:
    """A metric function with its options bound: ``metric(y_pred, y_true) -> float``."""

    def __init__(self, function: Callable[..., float], **options: Any) -> None:
        inspect.signature(function).bind(None, None, **options)  # TypeError on an unknown option
        if "average" in options:
            _check_average(options["average"])
        self.function = function
        self.name: str = function.__name__
        self.options = options

    def __call__(self, y_pred: Any, y_true: Any) -> float:
        return self.function(y_pred, y_true, **self.options)

    def get_config(self) -> dict[str, Any]:
        """Options that rebuild this metric through ``get(name, **config)``."""
        return dict(self.options)

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"Metric({self.name!r}{options})"


registry = Registry("metric", Metric)
_FUNCTIONS = {accuracy, precision, recall, f1, mse, mae, zero_one}

for _function, _aliases in (
    (accuracy, ("acc",)),
    (precision, ()),
    (recall, ()),
    (f1, ("f1_score",)),
    (mse, ("mean_squared_error",)),
    (mae, ("mean_absolute_error",)),
    (zero_one, ("error_rate",)),
):
    registry.add(_function.__name__, functools.partial(Metric, _function), *_aliases)
del _function, _aliases


def get(identifier: Any, **options: Any) -> Metric | Any:
    """Resolve a metric from a name/alias (with options), config dict, :class:`Metric`, one of
    the metric functions of this module, or any callable.

    >>> get("f1", average="macro")
    Metric('f1', average='macro')
    """
    if inspect.isfunction(identifier) and identifier in _FUNCTIONS:
        return Metric(identifier, **options)
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Primary names of all metrics."""
    return registry.names()
