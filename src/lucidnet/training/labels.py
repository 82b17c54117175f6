"""Targets (``y_true``) of the losses and metrics, checked and converted where they enter.

One check serves ``fit``, ``evaluate``, the scikit-learn estimators and the losses
themselves: :func:`check_target` for a whole target array against the model's
output shape (before the first step), and the same pieces inside every loss call.
A loss says what it takes with its ``target_kind``:

=====================  ===========================================================
``"real"``             floats of y_pred's shape exactly (no broadcasting)
``"binary"``           floats of y_pred's shape, each in [0, 1] (0/1 labels or
                       probabilities), for binary cross-entropy
``"probabilities"``    one-hot or probability rows of y_pred's shape (C columns)
``"labels"``           integer class labels of shape (batch,) or (batch, 1), in [0, C)
``"labels_or_one_hot"`` either of the two forms above
``"signs"``            y_pred's shape, all in {0, 1} or all in {-1, 1} (hinge losses)
``"classes"``          anything :func:`class_decisions` reads (``zero_one``)
=====================  ===========================================================

``None`` is refused with a TypeError, as are complex numbers (the imaginary part
would be dropped) and text (it would be parsed as numbers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.tensor import Tensor, is_grad_enabled
from .data import as_ndarray

TARGET_KINDS = (
    "real",
    "binary",
    "probabilities",
    "labels",
    "labels_or_one_hot",
    "signs",
    "classes",
)


LABEL_KINDS = ("labels", "labels_or_one_hot")
"""Target kinds whose ``y`` of shape (n,) holds class labels, not one output column."""


def takes_labels(loss: Any) -> bool:
    """Whether ``loss`` reads ``y`` of shape (n,) as integer class labels (its
    ``target_kind`` is one of :data:`LABEL_KINDS`) rather than as one output column.

    >>> from lucidnet.training import losses
    >>> takes_labels(losses.get("softmax_cross_entropy")), takes_labels(losses.get("mse"))
    (True, False)
    """
    return getattr(loss, "target_kind", None) in LABEL_KINDS


def target_array(y_true: Any, name: str, argument: str = "y_true") -> np.ndarray:
    """``y_true`` (array-like or Tensor) as a real numeric ndarray, or a TypeError saying why."""
    if y_true is None:
        raise TypeError(
            f"{name}: {argument} is None; give the targets as an array of numbers "
            "(labels, one-hot rows or values)"
        )
    data = y_true.data if isinstance(y_true, Tensor) else y_true
    array = as_ndarray(data, f"{name}: {argument}")
    if array.dtype.kind == "c":
        raise TypeError(
            f"{name}: {argument} must hold real numbers, got complex dtype {array.dtype}; "
            "pass y_true.real (or abs(y_true)) if that is what you mean"
        )
    if array.dtype.kind not in "biuf":
        example = array.reshape(-1)[0] if array.size else None
        shown = example.item() if isinstance(example, np.generic) else example
        raise TypeError(
            f"{name}: {argument} must be numeric (ints or floats), got dtype {array.dtype}"
            + ("" if shown is None else f" with values such as {shown!r}")
            + "; convert text to numbers first"
        )
    return array


def _as_float_target(
    y_true: Any, prediction: Tensor, name: str, kind: str = "real"
) -> tuple[np.ndarray, Tensor | None]:
    """``y_true`` in the prediction's dtype and shape (no broadcasting), checked for ``kind``
    ("real", "binary", "probabilities" or "signs"), and the Tensor to differentiate when it
    requires grad."""
    array = target_array(y_true, name)
    differentiable = (
        y_true
        if isinstance(y_true, Tensor) and y_true.requires_grad and is_grad_enabled()
        else None
    )
    _check_same_shape(prediction.shape, array.shape, name)
    if kind == "binary":
        _check_unit_interval(array, name)
    target = array.astype(prediction.dtype, copy=False)
    return target, differentiable


def _check_unit_interval(target: np.ndarray, name: str, argument: str = "y_true") -> None:
    """Binary cross-entropy's targets lie in [0, 1]; anything else gives a wrong (even negative)
    loss."""
    outside = (target < 0) | (target > 1)
    if outside.any():
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        value = target[where].item()
        position = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
        raise ValueError(
            f"{name}: {argument} must hold targets in [0, 1] (0/1 labels or probabilities), "
            f"got {value!r} at {position}"
        )


def _check_same_shape(
    pred_shape: tuple[int, ...], true_shape: tuple[int, ...], name: str, argument: str = "y_true"
) -> None:
    if tuple(pred_shape) == tuple(true_shape):
        return
    pred_shape, true_shape = tuple(pred_shape), tuple(true_shape)
    several_columns = len(pred_shape) == 2 and pred_shape[1] > 1
    if true_shape == pred_shape[:-1]:
        advice = (
            "; for integer class labels use 'sparse_categorical_crossentropy' or "
            "'softmax_cross_entropy'"
            if several_columns
            else f": reshape {argument} to {pred_shape}"
        )
    elif np.prod(true_shape) == np.prod(pred_shape):
        advice = f": reshape {argument} to {pred_shape}"
    else:
        advice = ""
    if argument == "y_true":  # a direct loss call
        raise ValueError(
            f"{name}: y_pred has shape {pred_shape} but y_true has shape {true_shape}; "
            f"they must be equal (losses never broadcast){advice}"
        )
    if len(true_shape) == 2 and len(pred_shape) == 2:
        what = f"{true_shape[1]} columns (shape {true_shape})"
    else:
        what = f"shape {true_shape}"
    raise ValueError(
        f"{name}: {argument} has {what} but the model outputs {pred_shape[-1]} "
        f"(outputs of shape {pred_shape}); targets must match the outputs{advice}"
    )


def _reject_label_gradient(y_true: Any, name: str) -> None:
    if isinstance(y_true, Tensor) and y_true.requires_grad and is_grad_enabled():
        raise ValueError(
            f"{name} is not differentiable with respect to the labels y_true; pass y_true.detach()"
        )


def class_indices(
    y_true: Any, n_samples: int, n_classes: int, name: str, argument: str = "y_true"
) -> np.ndarray:
    """Integer labels of shape (n_samples,) or (n_samples, 1), checked integral and in
    [0, n_classes), as an intp array of shape (n_samples,)."""
    labels = target_array(y_true, name, argument)
    if labels.shape == (n_samples, 1):
        labels = labels[:, 0]
    if labels.shape != (n_samples,):
        raise ValueError(
            f"{name}: integer labels {argument} must have shape ({n_samples},) (or "
            f"({n_samples}, 1)) to match {n_samples} samples with {n_classes} output columns, "
            f"got shape {labels.shape}"
        )
    if labels.dtype.kind == "f":
        fractional = ~np.isfinite(labels) | (labels != np.round(labels))
        if fractional.any():
            row = int(np.argwhere(fractional)[0][0])
            raise ValueError(
                f"{name}: {argument} must hold integer class labels; row {row} has "
                f"[{labels[row].item()!r}]"
            )
    outside = (labels < 0) | (labels >= n_classes)  # compared in the labels' own dtype
    if outside.any():
        row = int(np.argwhere(outside)[0][0])
        label = labels[row].item()
        label = int(label) if isinstance(label, float) else label
        raise ValueError(
            f"{name}: {argument} has label {label} at row {row}, outside the model's "
            f"{n_classes} classes [0, {n_classes - 1}]; class labels are integers in "
            f"[0, {n_classes}), got {label}"
        )
    return labels.astype(np.intp, copy=False)


def _signed_labels(y_true: np.ndarray, name: str, argument: str = "y_true") -> np.ndarray:
    """Binary labels as -1/+1: {0, 1} is mapped to {-1, 1}; {-1, 1} is kept."""
    if y_true.dtype.kind in "bu":  # 2 y - 1 would wrap around for unsigned labels
        y_true = y_true.astype(np.intp)
    if np.all((y_true == 0) | (y_true == 1)):
        return 2 * y_true - 1
    if np.all((y_true == -1) | (y_true == 1)):
        return y_true
    raise ValueError(
        f"{name}: binary labels {argument} must be all in {{0, 1}} or all in {{-1, 1}}, "
        f"got values {np.unique(y_true)[:5]}"
    )


def check_target(
    kind: str | None,
    y_pred_shape: tuple[int, ...],
    y_true: Any,
    name: str,
    argument: str = "y_true",
) -> None:
    """Raise unless ``y_true`` fits a loss of ``target_kind`` ``kind`` for outputs of shape
    ``y_pred_shape`` (see the module docstring); ``None`` checks only the shape (a custom loss).

    ``fit`` and ``evaluate`` run it on the whole target array before the first step, so a
    fast path that skips the per-call checks of the loss never sees a bad target.

    >>> check_target("binary", (2, 1), [[0.0], [2.0]], "binary_crossentropy")
    Traceback (most recent call last):
    ...
    ValueError: binary_crossentropy: y_true must hold targets in [0, 1] (0/1 labels or probabilities), got 2.0 at row 1, column 0
    """
    array = target_array(y_true, name, argument)
    y_pred_shape = tuple(y_pred_shape)
    if kind == "classes":
        class_decisions(np.zeros(y_pred_shape), array, name)
        return
    one_hot = array.shape == y_pred_shape and len(y_pred_shape) == 2 and y_pred_shape[1] > 1
    if kind == "labels" or (kind == "labels_or_one_hot" and not one_hot):
        if array.ndim == 2 and array.shape[1] > 1 and len(y_pred_shape) == 2:
            _check_same_shape(y_pred_shape, array.shape, name, argument)  # one-hot, wrong width
        class_indices(array, y_pred_shape[0], y_pred_shape[-1], name, argument)
        return
    if kind is None and (array.ndim == 1 or array.shape == y_pred_shape):
        return  # a custom loss may take labels
    _check_same_shape(y_pred_shape, array.shape, name, argument)
    if kind == "binary":
        _check_unit_interval(array, name, argument)
    elif kind == "signs":
        _signed_labels(array, name, argument)


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
    labels = target_array(y_true, name)
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
        actual = class_indices(labels, n_samples, n_classes, name)
    return scores.argmax(axis=1), actual, n_classes


def _labels_from_either_form(y_true: Any, prediction: Tensor, name: str) -> np.ndarray:
    """Integer labels, given as integers (batch,) or as one-hot rows of y_pred's shape."""
    true_shape = y_true.shape if isinstance(y_true, (Tensor, np.ndarray)) else np.shape(y_true)
    if tuple(true_shape) == prediction.shape and prediction.shape[1] > 1:
        return np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true).argmax(axis=1)
    return class_indices(y_true, *prediction.shape, name)
