"""Targets (``y_true``) of the losses and metrics, checked and converted where they enter.

Float targets (regression values, one-hot or probability rows) must have y_pred's shape
exactly; integer class labels have shape ``(batch,)`` (or ``(batch, 1)``) and lie in
``[0, classes)``; binary labels are all in {0, 1} or all in {-1, 1}.
:func:`class_decisions` turns scores and labels of any of these forms into predicted and
true class indices (for ``zero_one`` and the accuracy metrics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.tensor import Tensor, is_grad_enabled


def _as_float_target(
    y_true: Any, prediction: Tensor, name: str
) -> tuple[np.ndarray, Tensor | None]:
    """``y_true`` in the prediction's dtype and shape (no broadcasting), and the Tensor to
    differentiate when it requires grad."""
    if isinstance(y_true, Tensor):
        target = y_true.data.astype(prediction.dtype, copy=False)
        differentiable = y_true if y_true.requires_grad and is_grad_enabled() else None
    else:
        try:
            target = np.asarray(y_true, dtype=prediction.dtype)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{name}: y_true must be numeric, got {type(y_true).__name__}"
            ) from error
        differentiable = None
    _check_same_shape(prediction.shape, target.shape, name)
    return target, differentiable


def _check_same_shape(pred_shape: tuple[int, ...], true_shape: tuple[int, ...], name: str) -> None:
    if pred_shape == true_shape:
        return
    if true_shape == pred_shape[:-1]:
        advice = (
            "; for integer class labels use 'sparse_categorical_crossentropy' or "
            "'softmax_cross_entropy'"
            if len(pred_shape) == 2 and pred_shape[1] > 1
            else f": reshape y_true to {pred_shape}"
        )
    elif np.prod(true_shape) == np.prod(pred_shape):
        advice = f": reshape y_true to {pred_shape}"
    else:
        advice = ""
    raise ValueError(
        f"{name}: y_pred has shape {pred_shape} but y_true has shape {true_shape}; "
        f"they must be equal (losses never broadcast){advice}"
    )


def _reject_label_gradient(y_true: Any, name: str) -> None:
    if isinstance(y_true, Tensor) and y_true.requires_grad and is_grad_enabled():
        raise ValueError(
            f"{name} is not differentiable with respect to the labels y_true; pass y_true.detach()"
        )


def _class_indices(y_true: Any, n_samples: int, n_classes: int, name: str) -> np.ndarray:
    """Integer labels of shape (n_samples,) or (n_samples, 1), checked in [0, n_classes)."""
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.shape == (n_samples, 1):
        labels = labels[:, 0]
    if labels.shape != (n_samples,):
        raise ValueError(
            f"{name}: integer labels y_true must have shape ({n_samples},) to match "
            f"y_pred of {n_samples} samples, got shape {labels.shape}"
        )
    if labels.dtype.kind == "f":
        if not np.all(labels == np.round(labels)):
            raise ValueError(
                f"{name}: y_true must hold integer class labels, got non-integer "
                f"values such as {labels[labels != np.round(labels)][0]!r}"
            )
    elif labels.dtype.kind not in "biu":
        raise TypeError(f"{name}: y_true must hold integer class labels, got dtype {labels.dtype}")
    labels = labels.astype(np.intp, copy=False)
    outside = (labels < 0) | (labels >= n_classes)
    if outside.any():
        raise ValueError(
            f"{name}: class labels must lie in [0, {n_classes}) for y_pred with "
            f"{n_classes} columns, got {labels[outside][0]}"
        )
    return labels


def _signed_labels(y_true: np.ndarray, name: str) -> np.ndarray:
    """Binary labels as -1/+1: {0, 1} is mapped to {-1, 1}; {-1, 1} is kept."""
    if y_true.dtype.kind in "bu":  # 2 y - 1 would wrap around for unsigned labels
        y_true = y_true.astype(np.intp)
    if np.all((y_true == 0) | (y_true == 1)):
        return 2 * y_true - 1
    if np.all((y_true == -1) | (y_true == 1)):
        return y_true
    raise ValueError(
        f"{name}: binary labels y_true must be all in {{0, 1}} or all in {{-1, 1}}, "
        f"got values {np.unique(y_true)[:5]}"
    )


def class_decisions(
    y_pred: Any, y_true: Any, name: str = "y_pred"
) -> tuple[np.ndarray, np.ndarray, int]:
    """Predicted and true class indices, and the number of classes.

    One column (or 1-D): binary, the predicted class is ``y_pred > 0.5`` and the
    labels are {0, 1} (or {-1, 1}) of shape (n,) or (n, 1).  Several columns: the
    predicted class is the argmax; labels are integers of shape (n,) (or (n, 1)),
    or one-hot (probability) rows of y_pred's shape, whose argmax is the class.
    """
    scores = np.asarray(y_pred.data if isinstance(y_pred, Tensor) else y_pred)
    labels = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):
        n_samples = scores.shape[0]
        if labels.shape not in ((n_samples,), (n_samples, 1)):
            raise ValueError(
                f"{name}: y_pred has shape {scores.shape} but y_true has shape "
                f"{labels.shape}; expected ({n_samples},) or ({n_samples}, 1)"
            )
        actual = (_signed_labels(labels.reshape(n_samples), name) > 0).astype(np.intp)
        return (scores.reshape(n_samples) > 0.5).astype(np.intp), actual, 2
    if scores.ndim != 2:
        raise ValueError(
            f"{name}: y_pred must have shape (batch,) or (batch, classes), got {scores.shape}"
        )
    n_samples, n_classes = scores.shape
    if labels.shape == scores.shape:
        actual = labels.argmax(axis=1)
    else:
        actual = _class_indices(labels, n_samples, n_classes, name)
    return scores.argmax(axis=1), actual, n_classes


def _labels_from_either_form(y_true: Any, prediction: Tensor, name: str) -> np.ndarray:
    """Integer labels, given as integers (batch,) or as one-hot rows of y_pred's shape."""
    true_shape = y_true.shape if isinstance(y_true, (Tensor, np.ndarray)) else np.shape(y_true)
    if tuple(true_shape) == prediction.shape and prediction.shape[1] > 1:
        return np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true).argmax(axis=1)
    return _class_indices(y_true, *prediction.shape, name)
