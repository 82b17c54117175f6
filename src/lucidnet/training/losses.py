"""Loss functions: ``loss(y_pred, y_true, *, reduction="mean", **options) -> Tensor``.

Conventions, shared by every loss here:

* Argument order is PyTorch's: prediction first.  ``y_pred`` is a Tensor (or
  array-like, converted); ``y_true`` an array-like or Tensor.  A target that
  requires grad is differentiated where that means something (the regression
  losses, the cross-entropies with probability targets, ``kl_divergence``).
* Shapes are checked, never broadcast: element-wise losses need
  ``y_pred.shape == y_true.shape`` (so ``(n, 1)`` against ``(n,)`` raises);
  integer class labels have shape ``(batch,)`` (or ``(batch, 1)``) against
  scores ``(batch, classes)`` and must lie in ``[0, classes)``.
* ``reduction="none"`` returns PyTorch's unreduced shape: one value per element
  for mse, mae, huber and binary_crossentropy; one per sample (summed, for
  hinge losses averaged as in Keras, over the last axis) for the
  cross-entropies, hinge losses, kl_divergence and zero_one.  ``"mean"`` and
  ``"sum"`` reduce that.
* Every loss is one graph node with its analytic gradient, e.g.
  ``(softmax(x) - onehot(y)) / B`` for softmax_cross_entropy with mean
  reduction.  From logits, cross-entropies use log-sum-exp (never
  ``log(softmax(x))``), so logits of +-1000 give finite, exact values.
  From probabilities, ``y_pred`` is clipped to ``[EPSILON, 1 - EPSILON]``
  (``EPSILON = 1e-7``) as Keras does; the gradient is zero where clipping bites.
* The dtype of ``y_pred`` is kept (float32 stays float32).

``get(name, **options)`` returns a :class:`Loss` with the options bound;
``available()`` lists the names.  ``zero_one`` is for evaluation only: it has
``differentiable = False`` and ``backward()`` on its value raises
:class:`NotDifferentiableError`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import check_real
from .._kernels import kernel_is_trusted
from .._registry import Registry
from ..blocks.activations import _sigmoid
from ..engine.dtype import get_default_dtype
from ..engine.tensor import Tensor
from . import sample_losses
from .labels import (
    _as_float_target,
    _labels_from_either_form,
    _reject_label_gradient,
    _signed_labels,
    check_target,
    class_decisions,
    class_indices,
)

EPSILON = 1e-7
"""Clipping margin for probabilities (Keras's ``backend.epsilon()``)."""

REDUCTIONS = ("mean", "sum", "none")

# Maps the gradient of the unreduced loss values to the gradient of one input.
VJP = Callable[[np.ndarray], np.ndarray]


class NotDifferentiableError(ValueError, RuntimeError):
    """Raised when a loss without a gradient (``zero_one``) is asked to train a model."""


def _no_gradient_message(name: str) -> str:
    return (
        f"{name} has no gradient (it is piecewise constant); train on a differentiable loss "
        f"such as 'softmax_cross_entropy', 'sparse_categorical_crossentropy' or "
        f"'binary_crossentropy' and use {name} (or the 'accuracy' metric) for evaluation"
    )


def ensure_differentiable(loss: Any) -> None:
    """Raise :class:`NotDifferentiableError` when ``loss.differentiable`` is False."""
    if not getattr(loss, "differentiable", True):
        raise NotDifferentiableError(_no_gradient_message(getattr(loss, "name", repr(loss))))


class _EvaluationValue(Tensor):
    """Value of a loss without gradient: ``backward()`` explains why it cannot train."""

    __slots__ = ("_loss_name",)

    def backward(self, grad: Any = None) -> None:
        raise NotDifferentiableError(_no_gradient_message(self._loss_name))


# --------------------------------------------------------------------------- input checks
def _as_prediction(y_pred: Any, reduction: str) -> Tensor:
    """``y_pred`` as a floating Tensor (integers get the default dtype); checks ``reduction``
    first, so a bad one is reported whatever the data."""
    _check_reduction(reduction)
    prediction = y_pred if isinstance(y_pred, Tensor) else Tensor(y_pred)
    if prediction.dtype.kind != "f":
        prediction = Tensor(prediction.data.astype(get_default_dtype()))
    if prediction.size == 0:
        raise ValueError(
            f"y_pred is empty (shape {prediction.shape}); a loss needs at least one value"
        )
    return prediction


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"reduction={reduction!r} is not valid; use one of {', '.join(REDUCTIONS)}"
        )


def _check_from_logits(from_logits: bool) -> None:
    if not isinstance(from_logits, (bool, np.bool_)):
        raise TypeError(f"from_logits must be True or False, got {from_logits!r}")


def _check_delta(delta: float) -> None:
    check_real(delta, "delta", low=0, closed="right")


_OPTION_CHECKS: dict[str, Callable[[Any], None]] = {
    "reduction": _check_reduction,
    "from_logits": _check_from_logits,
    "delta": _check_delta,
}


def _check_options(**options: Any) -> None:
    for option, value in options.items():
        _OPTION_CHECKS[option](value)


def _check_probabilities(probabilities: np.ndarray, name: str) -> None:
    lowest, highest = probabilities.min(), probabilities.max()
    if lowest < 0 or highest > 1:
        raise ValueError(
            f"{name}: y_pred must be probabilities in [0, 1], got values in "
            f"[{lowest:g}, {highest:g}]; if y_pred are logits (no sigmoid/softmax "
            f"output layer), pass from_logits=True"
        )


def _check_scores(prediction: Tensor, name: str) -> None:
    if prediction.ndim != 2:
        raise ValueError(f"{name}: y_pred must have shape (batch, classes), got {prediction.shape}")


# --------------------------------------------------------------------------- the graph node
def _loss_node(
    values: np.ndarray,
    prediction: Tensor,
    pred_vjp: VJP,
    reduction: str,
    name: str,
    target: Tensor | None = None,
    target_vjp: VJP | None = None,
) -> Tensor:
    """One node holding the reduced ``values``; its backward spreads the gradient over the
    unreduced values and applies ``pred_vjp`` (and ``target_vjp`` for a target with grad)."""
    parents = (prediction,) if target is None or target_vjp is None else (prediction, target)
    if reduction == "none":
        out = values
    elif reduction == "sum":
        out = np.asarray(values.sum())
    else:
        out = np.asarray(values.mean())
    count = values.size

    def backward(g: np.ndarray) -> list[np.ndarray]:
        if reduction == "mean":
            g = g / count
        per_value = np.broadcast_to(g, values.shape)
        grads = [pred_vjp(per_value)]
        if len(parents) == 2:
            grads.append(target_vjp(per_value))
        return grads

    return Tensor._node(out, parents, backward, name)


def _closed_form_node(
    kernel: ClosedForm, prediction: Tensor, target: np.ndarray, reduction: str, name: str
) -> Tensor:
    """One node from the loss's closed form (``reduction`` "mean" or "sum"): the kernel
    gives the value and dL/dy_pred together, in one pass over the scores, and the
    backward only scales that gradient by the upstream one.  ``target`` is in the
    kernel's class-major layout (integer labels stay (batch,)); the kernels are those
    the training plan runs, so a manual loop and ``fit`` share one formula."""
    scores = prediction.data
    class_major = np.empty(scores.shape[::-1], scores.dtype)  # the kernels' layout
    with np.errstate(over="ignore"):  # a score 1e38 below the max: exp(-inf) = 0, exactly
        value = kernel(reduction, scores.T, target, 1.0, class_major)
    gradient = class_major.T
    return Tensor._node(
        np.asarray(value, scores.dtype),
        (prediction,),
        lambda g: (gradient * g,),
        name,
        fresh=True,
    )


# --------------------------------------------------------------------------- the losses
def mse(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Mean squared error: L_i = (p_i - y_i)^2, dL_i/dp_i = 2(p_i - y_i) (``F.mse_loss``)."""
    prediction = _as_prediction(y_pred, reduction)
    target, target_tensor = _as_float_target(y_true, prediction, "mse")
    error = prediction.data - target
    return _loss_node(
        error * error,
        prediction,
        lambda g: 2 * error * g,
        reduction,
        "mse",
        target_tensor,
        lambda g: -2 * error * g,
    )


def mae(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error: L_i = |p_i - y_i|, dL_i/dp_i = sign(p_i - y_i) (``F.l1_loss``)."""
    prediction = _as_prediction(y_pred, reduction)
    target, target_tensor = _as_float_target(y_true, prediction, "mae")
    error = prediction.data - target
    return _loss_node(
        np.abs(error),
        prediction,
        lambda g: np.sign(error) * g,
        reduction,
        "mae",
        target_tensor,
        lambda g: -np.sign(error) * g,
    )


def huber(y_pred: Any, y_true: Any, *, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss (Huber, 1964), as ``F.huber_loss``; with d = p - y:

    L = d^2 / 2 if |d| <= delta, else delta (|d| - delta / 2);  dL/dp = clip(d, -delta, delta).
    """
    _check_delta(delta)
    prediction = _as_prediction(y_pred, reduction)
    target, target_tensor = _as_float_target(y_true, prediction, "huber")
    error = prediction.data - target
    size = np.abs(error)
    values = np.where(size <= delta, 0.5 * error * error, delta * (size - 0.5 * delta))
    slope = np.clip(error, -delta, delta)
    return _loss_node(
        values,
        prediction,
        lambda g: slope * g,
        reduction,
        "huber",
        target_tensor,
        lambda g: -slope * g,
    )


def binary_crossentropy(
    y_pred: Any, y_true: Any, *, reduction: str = "mean", from_logits: bool = False
) -> Tensor:
    """Binary cross-entropy, per element: L = -(y log p + (1 - y) log(1 - p)).

    From logits x (``F.binary_cross_entropy_with_logits``), stably:
    L = max(x, 0) - x y + log(1 + e^{-|x|}),  dL/dx = sigmoid(x) - y.
    From probabilities (``F.binary_cross_entropy``), p is clipped to [1e-7, 1 - 1e-7]
    as in Keras: dL/dp = (p - y) / (p (1 - p)).
    """
    _check_from_logits(from_logits)
    prediction = _as_prediction(y_pred, reduction)
    target, target_tensor = _as_float_target(
        y_true, prediction, "binary_crossentropy", kind="binary"
    )
    x = prediction.data
    if from_logits:
        return _loss_node(
            binary_crossentropy_with_logits(x, target),
            prediction,
            lambda g: (_sigmoid(x) - target) * g,
            reduction,
            "binary_crossentropy",
            target_tensor,
            lambda g: -x * g,
        )
    _check_probabilities(x, "binary_crossentropy")
    p = np.clip(x, EPSILON, 1 - EPSILON)
    log_p, log_not_p = np.log(p), np.log1p(-p)
    values = -(target * log_p + (1 - target) * log_not_p)
    inside = (x >= EPSILON) & (x <= 1 - EPSILON)
    return _loss_node(
        values,
        prediction,
        lambda g: (p - target) / (p * (1 - p)) * inside * g,
        reduction,
        "binary_crossentropy",
        target_tensor,
        lambda g: (log_not_p - log_p) * g,
    )


def binary_crossentropy_with_logits(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per element max(x, 0) - x y + log(1 + e^{-|x|}): no overflow for any x.

    Its gradient is sigmoid(x) - y; the training plan uses both on its own buffers.
    """
    return np.maximum(x, 0) - x * target + np.log1p(np.exp(-np.abs(x)))


def _log_sum_exp_parts(
    logits: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``shifted = x - max(x)``, ``exp(shifted)``, its sum and the log of that, on the last axis."""
    with np.errstate(over="ignore"):  # a class 1e38 below the max is -inf: p = 0, exactly
        shifted = logits - logits.max(axis=-1, keepdims=True)
    exp_shifted = np.exp(shifted)
    total = exp_shifted.sum(axis=-1, keepdims=True)
    return shifted, exp_shifted, total, np.log(total)


def _cross_entropy_soft_targets(
    prediction: Tensor,
    target: np.ndarray,
    from_logits: bool,
    reduction: str,
    name: str,
    target_tensor: Tensor | None,
) -> Tensor:
    """-sum_c y_c log p_c per sample, for one-hot or probability rows ``target``."""
    x = prediction.data
    if from_logits and reduction != "none" and target_tensor is None:
        return _closed_form_node(
            _softmax_cross_entropy_closed_form, prediction, target.T, reduction, name
        )
    if from_logits:
        # log p = shifted - lse, so L = lse * sum(y) - sum(y * shifted).
        shifted, exp_shifted, total, log_total = _log_sum_exp_parts(x)
        mass = target.sum(axis=-1, keepdims=True)
        # y_c x_c only where y_c != 0: a class far below the max has shifted = -inf in
        # float32 (e.g. logits [2e38, -2e38, 0]), and 0 * -inf would make the loss NaN.
        picked = np.multiply(target, shifted, out=np.zeros_like(shifted), where=target != 0)
        values = (log_total * mass)[..., 0] - picked.sum(axis=-1)

        def pred_vjp(g: np.ndarray) -> np.ndarray:
            g = g[..., None]
            return exp_shifted * (mass * g / total) - target * g

        return _loss_node(
            values,
            prediction,
            pred_vjp,
            reduction,
            name,
            target_tensor,
            lambda g: (log_total - shifted) * g[..., None],
        )
    _check_probabilities(x, name)
    p = np.clip(x, EPSILON, 1 - EPSILON)
    log_p = np.log(p)
    inside = (x >= EPSILON) & (x <= 1 - EPSILON)
    return _loss_node(
        -(target * log_p).sum(axis=-1),
        prediction,
        lambda g: -target / p * inside * g[..., None],
        reduction,
        name,
        target_tensor,
        lambda g: -log_p * g[..., None],
    )


def _cross_entropy_labels(
    prediction: Tensor, labels: np.ndarray, from_logits: bool, reduction: str, name: str
) -> Tensor:
    """-log p_y per sample for integer ``labels``."""
    if from_logits and reduction != "none":
        return _closed_form_node(
            _softmax_cross_entropy_closed_form, prediction, labels, reduction, name
        )
    x = prediction.data
    rows = np.arange(x.shape[0])
    if from_logits:
        shifted, exp_shifted, total, log_total = _log_sum_exp_parts(x)
        values = log_total[:, 0] - shifted[rows, labels]

        def pred_vjp(g: np.ndarray) -> np.ndarray:
            grad = exp_shifted * (g[:, None] / total)  # softmax(x) g, in one pass
            grad[rows, labels] -= g
            return grad

        return _loss_node(values, prediction, pred_vjp, reduction, name)
    _check_probabilities(x, name)
    picked = x[rows, labels]
    p = np.clip(picked, EPSILON, 1 - EPSILON)
    inside = (picked >= EPSILON) & (picked <= 1 - EPSILON)

    def pred_vjp_probabilities(g: np.ndarray) -> np.ndarray:
        grad = np.zeros_like(x)
        grad[rows, labels] = -g * inside / p
        return grad

    return _loss_node(-np.log(p), prediction, pred_vjp_probabilities, reduction, name)


def categorical_crossentropy(
    y_pred: Any, y_true: Any, *, reduction: str = "mean", from_logits: bool = False
) -> Tensor:
    """Cross-entropy with one-hot or probability targets y (same shape as y_pred):
    L = -sum_c y_c log p_c per sample.

    From logits (``F.cross_entropy`` with probability targets), via log-sum-exp:
    L = sum(y) lse(x) - sum_c y_c x_c,  dL/dx = sum(y) softmax(x) - y.
    From probabilities (``F.nll_loss`` of ``log p``), p is clipped to [1e-7, 1 - 1e-7]
    but not renormalised: dL/dp_c = -y_c / p_c.
    """
    _check_from_logits(from_logits)
    prediction = _as_prediction(y_pred, reduction)
    target, target_tensor = _as_float_target(y_true, prediction, "categorical_crossentropy")
    return _cross_entropy_soft_targets(
        prediction, target, from_logits, reduction, "categorical_crossentropy", target_tensor
    )


def sparse_categorical_crossentropy(
    y_pred: Any, y_true: Any, *, reduction: str = "mean", from_logits: bool = False
) -> Tensor:
    """Cross-entropy with integer labels y of shape (batch,): L = -log p_y per sample.

    From logits (``F.cross_entropy``): L = lse(x) - x_y, dL/dx = softmax(x) - onehot(y).
    From probabilities (``F.nll_loss`` of ``log p``): p_y clipped to [1e-7, 1 - 1e-7].
    """
    _check_from_logits(from_logits)
    prediction = _as_prediction(y_pred, reduction)
    _check_scores(prediction, "sparse_categorical_crossentropy")
    _reject_label_gradient(y_true, "sparse_categorical_crossentropy")
    labels = class_indices(y_true, *prediction.shape, "sparse_categorical_crossentropy")
    return _cross_entropy_labels(
        prediction, labels, from_logits, reduction, "sparse_categorical_crossentropy"
    )


def softmax_cross_entropy(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Softmax and cross-entropy fused on logits (``F.cross_entropy``), log-sum-exp stable.

    ``y_true`` holds integer labels of shape (batch,) or one-hot/probability rows of
    y_pred's shape.  L = lse(x) - x_y;  dL/dx = softmax(x) - onehot(y), divided by the
    batch size for mean reduction.
    """
    prediction = _as_prediction(y_pred, reduction)
    _check_scores(prediction, "softmax_cross_entropy")
    true_shape = y_true.shape if isinstance(y_true, (Tensor, np.ndarray)) else np.shape(y_true)
    if tuple(true_shape) == prediction.shape:
        target, target_tensor = _as_float_target(y_true, prediction, "softmax_cross_entropy")
        return _cross_entropy_soft_targets(
            prediction, target, True, reduction, "softmax_cross_entropy", target_tensor
        )
    _reject_label_gradient(y_true, "softmax_cross_entropy")
    labels = class_indices(y_true, *prediction.shape, "softmax_cross_entropy")
    return _cross_entropy_labels(prediction, labels, True, reduction, "softmax_cross_entropy")


def _hinge_margins(
    y_pred: Any, y_true: Any, reduction: str, name: str
) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """The prediction, its ±1 labels and the margins ``1 - y s``."""
    prediction = _as_prediction(y_pred, reduction)
    _reject_label_gradient(y_true, name)
    target, _ = _as_float_target(y_true, prediction, name)
    signs = _signed_labels(target, name)
    return prediction, signs, 1 - signs * prediction.data


def _per_sample_mean(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Mean over the last axis (Keras's hinge convention); 1-D input is one value per sample."""
    if values.ndim < 2:
        return values, 1
    return values.mean(axis=-1), values.shape[-1]


def _spread_to_last_axis(g: np.ndarray, columns: int, ndim: int) -> np.ndarray:
    return g if ndim < 2 else g[..., None] / columns


def hinge(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Hinge loss for scores s and labels y in {-1, 1} ({0, 1} is mapped to {-1, 1}):
    L = mean over the last axis of max(0, 1 - y s) (Keras's ``hinge``); one value per sample.
    """
    prediction, signs, margins = _hinge_margins(y_pred, y_true, reduction, "hinge")
    values, columns = _per_sample_mean(np.maximum(margins, 0))
    active = margins > 0
    return _loss_node(
        values,
        prediction,
        lambda g: -signs * active * _spread_to_last_axis(g, columns, margins.ndim),
        reduction,
        "hinge",
    )


def squared_hinge(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Squared hinge: L = mean over the last axis of max(0, 1 - y s)^2; labels as for hinge."""
    prediction, signs, margins = _hinge_margins(y_pred, y_true, reduction, "squared_hinge")
    violation = np.maximum(margins, 0)
    values, columns = _per_sample_mean(violation * violation)
    return _loss_node(
        values,
        prediction,
        lambda g: -2 * signs * violation * _spread_to_last_axis(g, columns, margins.ndim),
        reduction,
        "squared_hinge",
    )


def multiclass_hinge(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Multi-class hinge (Weston & Watkins, 1999; the cs231n SVM loss), per sample:
    L = sum_{j != y} max(0, s_j - s_y + 1).

    Labels are integers or one-hot rows.  Equals ``F.multi_margin_loss`` times the
    number of classes (PyTorch divides by it).
    """
    prediction = _as_prediction(y_pred, reduction)
    _check_scores(prediction, "multiclass_hinge")
    _reject_label_gradient(y_true, "multiclass_hinge")
    labels = _labels_from_either_form(y_true, prediction, "multiclass_hinge")
    scores = prediction.data
    rows = np.arange(scores.shape[0])
    margins = scores - scores[rows, labels][:, None] + 1
    margins[rows, labels] = 0
    active = margins > 0

    def pred_vjp(g: np.ndarray) -> np.ndarray:
        grad = active.astype(scores.dtype)
        grad[rows, labels] = -active.sum(axis=1)
        return grad * g[:, None]

    return _loss_node(
        (margins * active).sum(axis=1), prediction, pred_vjp, reduction, "multiclass_hinge"
    )


def kl_divergence(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """Kullback-Leibler divergence KL(y || p) per sample, as Keras's ``kl_divergence``:
    L = sum_c y_c log(y_c / p_c), with y and p clipped to [1e-7, 1].

    Equals ``F.kl_div(log(p), y, reduction="none").sum(-1)`` away from the clipping.
    dL/dp_c = -y_c / p_c; dL/dy_c = log(y_c / p_c) + 1.
    """
    prediction = _as_prediction(y_pred, reduction)
    target, target_tensor = _as_float_target(y_true, prediction, "kl_divergence")
    x = prediction.data
    _check_probabilities(x, "kl_divergence")
    p, y = np.clip(x, EPSILON, 1), np.clip(target, EPSILON, 1)
    log_ratio = np.log(y) - np.log(p)
    p_inside, y_inside = x >= EPSILON, (target >= EPSILON) & (target <= 1)
    return _loss_node(
        (y * log_ratio).sum(axis=-1),
        prediction,
        lambda g: -y / p * p_inside * g[..., None],
        reduction,
        "kl_divergence",
        target_tensor,
        lambda g: (log_ratio + 1) * y_inside * g[..., None],
    )


def zero_one(y_pred: Any, y_true: Any, *, reduction: str = "mean") -> Tensor:
    """0-1 loss, per sample: 1 where the predicted class differs from the label, else 0.

    Several columns: the class is the argmax of the scores or probabilities; one
    column (or 1-D): ``y_pred > 0.5``.  Labels are integers or one-hot rows ({0, 1}
    or {-1, 1} for one column).  The mean is the error rate, 1 - accuracy.

    For evaluation only: the result has no gradient and ``backward()`` on it raises
    :class:`NotDifferentiableError`.
    """
    prediction = _as_prediction(y_pred, reduction)
    predicted, actual, _ = class_decisions(prediction, y_true, "zero_one")
    values = (predicted != actual).astype(prediction.dtype)
    out = values if reduction == "none" else values.sum() if reduction == "sum" else values.mean()
    result = _EvaluationValue(np.asarray(out))
    result._loss_name = "zero_one"
    return result


# --------------------------------------------------------------------------- closed forms
# value_and_grad kernels: kernel(reduction, y_pred, y_true, scale, grad) gives the reduced
# loss and writes scale * dL/dy_pred into grad, straight from arrays (the training plan's
# fast path; no graph, no input checks: the caller checks the targets once).  Arrays are
# class-major, (classes, batch), as the plan keeps them (soft targets likewise; integer
# labels stay (batch,)), and ``grad`` is C-contiguous.  Each must equal its loss above.
ClosedForm = Callable[[str, np.ndarray, np.ndarray, float, np.ndarray], float]


def _check_same_shape(y_pred: np.ndarray, y_true: np.ndarray, name: str) -> None:
    if y_true.shape != y_pred.shape:  # an element-wise loss never broadcasts
        raise ValueError(
            f"{name}: y_pred has shape {y_pred.shape} but y_true has shape {y_true.shape}; "
            "they must be equal"
        )


@functools.lru_cache(maxsize=16)
def _sample_numbers(batch: int) -> np.ndarray:
    """0, 1, ..., batch - 1 (read-only: shared between calls)."""
    numbers = np.arange(batch)
    numbers.flags.writeable = False
    return numbers


def _weight(count: int, reduction: str, scale: float) -> float:
    """dL/d(value_i) times ``scale``: 1/count for "mean", 1 for "sum"."""
    return scale / count if reduction == "mean" else scale


def _mse_closed_form(
    reduction: str, y_pred: np.ndarray, y_true: np.ndarray, scale: float, grad: np.ndarray
) -> float:
    """sum or mean of (p - y)^2; gradient 2 (p - y) per element."""
    _check_same_shape(y_pred, y_true, "mse")
    np.subtract(y_pred, y_true, out=grad)
    total = float(np.vdot(grad, grad))
    grad *= 2 * _weight(grad.size, reduction, scale)
    return total / grad.size if reduction == "mean" else total


def _binary_crossentropy_logits_closed_form(
    reduction: str, y_pred: np.ndarray, y_true: np.ndarray, scale: float, grad: np.ndarray
) -> float:
    """max(x, 0) - x y + log(1 + e^{-|x|}) per element; gradient sigmoid(x) - y."""
    _check_same_shape(y_pred, y_true, "binary_crossentropy")
    total = float(np.add.reduce(binary_crossentropy_with_logits(y_pred, y_true), axis=None))
    np.subtract(_sigmoid(y_pred), y_true, out=grad)
    grad *= _weight(grad.size, reduction, scale)
    return total / grad.size if reduction == "mean" else total


def _softmax_cross_entropy_closed_form(
    reduction: str, y_pred: np.ndarray, y_true: np.ndarray, scale: float, grad: np.ndarray
) -> float:
    """Cross-entropy on logits per sample, via log-sum-exp: integer labels when ``y_true``
    does not have the logits' shape, else one-hot/probability columns (mass m = sum_c y_c).

    L = m lse(x) - sum_c y_c x_c,  dL/dx = m softmax(x) - y  (labels: m = 1, y = onehot).
    ``grad`` holds x - max(x), then exp of it, then the gradient; labels pick their
    entries by flat position (label * batch + sample), cheaper than a pair of index arrays.
    """
    batch = y_pred.shape[1]
    weight = scale / batch if reduction == "mean" else scale
    shifted = np.subtract(y_pred, np.maximum.reduce(y_pred, axis=0), out=grad)
    soft = y_true.shape == y_pred.shape
    if soft:
        mass = np.add.reduce(y_true, axis=0)
        picked_total = float(np.vdot(y_true, shifted))
        if not np.isfinite(picked_total):  # 0 * -inf for a class far below the max
            with np.errstate(invalid="ignore"):
                picked_total = float(np.where(y_true != 0, y_true * shifted, 0).sum())
    else:
        labels = y_true.reshape(-1)
        if labels.dtype.kind != "i":  # integral float labels, as the loss accepts
            labels = labels.astype(np.intp)
        picked = np.multiply(labels, batch)
        picked += _sample_numbers(batch)
        picked_shifted = shifted.take(picked)
    np.exp(shifted, out=grad)
    total = np.add.reduce(grad, axis=0)
    log_total = np.log(total)
    if soft:
        value = float(np.vdot(log_total, mass)) - picked_total
        grad *= np.divide(mass, total, out=total)
        grad -= y_true
        grad *= weight
    else:
        value = float(np.add.reduce(log_total - picked_shifted))
        grad *= np.divide(weight, total, out=total)
        grad.reshape(-1)[picked] -= weight  # a view: grad is contiguous
    return value / batch if reduction == "mean" else value


# the same closed forms on one sample, as loops for the compiled step (jit_compile=True)
_mse_closed_form.sample_form = sample_losses.MSE  # type: ignore[attr-defined]
_binary_crossentropy_logits_closed_form.sample_form = sample_losses.BINARY_CROSSENTROPY_LOGITS  # type: ignore[attr-defined]
_softmax_cross_entropy_closed_form.sample_form = sample_losses.SOFTMAX_CROSS_ENTROPY  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- registry
class Loss:
    """A loss function with its options bound: ``loss(y_pred, y_true, reduction=None)``.

    ``reduction`` given at the call overrides the bound one.  ``name``, ``options``
    (every option, defaults included), ``differentiable`` and ``get_config()``
    describe it; ``get(loss.name, **loss.get_config())`` rebuilds it.

    What the loss is, for the code that trains with it: ``target_kind`` (the form of
    ``y_true``, one of :data:`lucidnet.training.labels.TARGET_KINDS`), ``family``
    ("regression", "cross_entropy", "hinge", "divergence" or "evaluation") and
    ``expects_logits`` (scores before any sigmoid/softmax); :meth:`check_target` is the
    one target check that ``fit`` and ``evaluate`` run before the first step.

    >>> loss = get("binary_crossentropy", from_logits=True)
    >>> loss.target_kind, loss.family, loss.expects_logits
    ('binary', 'cross_entropy', True)
    """

    def __init__(
        self, function: Callable[..., Tensor], reduction: str = "mean", **options: Any
    ) -> None:
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(function).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "reduction"
        }
        unknown = sorted(set(options) - set(defaults))
        if unknown:
            raise TypeError(
                f"{function.__name__} has no option {', '.join(unknown)}; "
                f"its options are: {', '.join(defaults) or 'none'} (and reduction)"
            )
        _check_options(reduction=reduction, **options)
        self.function = function
        self.name: str = function.__name__
        self.reduction = reduction
        self.options: dict[str, Any] = {**defaults, **options}
        self.differentiable: bool = getattr(function, "differentiable", True)
        self.target_kind: str | None = getattr(function, "target_kind", None)
        self.family: str | None = getattr(function, "family", None)

    @property
    def expects_logits(self) -> bool:
        """Whether y_pred are logits: fixed by the loss, or its ``from_logits`` option."""
        fixed = getattr(self.function, "takes_logits", None)
        return bool(self.options.get("from_logits", False) if fixed is None else fixed)

    def check_target(
        self, y_pred_shape: tuple[int, ...], y_true: Any, argument: str = "y_true"
    ) -> None:
        """Raise unless ``y_true`` fits this loss for outputs of ``y_pred_shape`` (shape,
        [0, 1] range, integer labels in [0, C), one-hot width); see
        :func:`lucidnet.training.labels.check_target`."""
        check_target(self.target_kind, y_pred_shape, y_true, self.name, argument)

    def __call__(self, y_pred: Any, y_true: Any, reduction: str | None = None) -> Tensor:
        # ``None`` means "the bound one"; any other value ("" and 0 included) is checked.
        chosen = self.reduction if reduction is None else reduction
        return self.function(y_pred, y_true, reduction=chosen, **self.options)

    @property
    def has_closed_form(self) -> bool:
        """Whether :meth:`value_and_grad` is offered: a closed form for these options, a
        "mean" or "sum" reduction, and no subclass redefining ``__call__`` below it."""
        return (
            self.reduction in ("mean", "sum")
            and self._closed_form() is not None
            and kernel_is_trusted(type(self), "value_and_grad", ("__call__",))
        )

    def _closed_form(self) -> ClosedForm | None:
        entry = getattr(self.function, "closed_form", None)
        if entry is None:
            return None
        kernel, required = entry
        return kernel if all(self.options[k] == v for k, v in required.items()) else None

    def value_and_grad(
        self,
        y_pred: np.ndarray,
        y_true: np.ndarray,
        reduction: str | None = None,
        *,
        scale: float = 1.0,
        out: np.ndarray | None = None,
        class_axis: int = -1,
    ) -> tuple[float, np.ndarray]:
        """The loss and ``scale * dL/dy_pred`` in closed form on arrays, without a graph.

        The same numbers as ``loss(y_pred, y_true)`` and its backward pass, for
        ``reduction`` "mean" or "sum" (default: the bound one); offered where
        :attr:`has_closed_form` (mse, binary and categorical cross-entropies on logits,
        softmax cross-entropy).  The gradient is written into ``out`` when given;
        ``class_axis`` says where the classes run: -1 for (batch, classes) arrays, 0 for
        class-major (classes, batch) ones (soft targets alike, ``out`` C-contiguous), the
        training plan's layout.  Inputs are not checked.

        >>> import numpy as np
        >>> value, grad = get("mse", reduction="sum").value_and_grad(
        ...     np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]))
        >>> value, grad.ravel()
        (5.0, array([2., 4.]))
        """
        reduction = self.reduction if reduction is None else reduction
        kernel = self._closed_form()
        if kernel is None or reduction not in ("mean", "sum"):
            raise NotImplementedError(
                f"{self!r} has no closed-form value_and_grad for reduction={reduction!r}; "
                "compute the loss on Tensors and call backward()"
            )
        if class_axis == 0:
            if out is None:
                out = np.empty(y_pred.shape, y_pred.dtype)
            elif not out.flags.c_contiguous or out.shape != y_pred.shape:
                raise ValueError(
                    f"out must be a C-contiguous array of y_pred's shape {y_pred.shape}, "
                    f"got shape {out.shape}"
                )
            return kernel(reduction, y_pred, y_true, scale, out), out
        if class_axis not in (-1, y_pred.ndim - 1):
            raise ValueError(f"class_axis must be -1 or 0, got {class_axis!r}")
        class_major = np.empty(y_pred.shape[::-1], y_pred.dtype)  # the kernels' layout
        value = kernel(reduction, y_pred.T, y_true.T, scale, class_major)
        if out is None:
            return value, class_major.T
        np.copyto(out, class_major.T)
        return value, out

    def closed_form(self) -> Callable[[np.ndarray, np.ndarray, float, np.ndarray], float] | None:
        """The closed form with this loss's options and reduction bound, looked up once:
        ``kernel(y_pred, y_true, scale, out) -> value`` on class-major (classes, batch)
        arrays writes ``scale * dL/dy_pred`` into the C-contiguous ``out`` (see
        :meth:`value_and_grad`); None when not offered."""
        if not self.has_closed_form:
            return None
        return functools.partial(self._closed_form(), self.reduction)

    def sample_form(self) -> sample_losses.SampleForm | None:
        """The closed form on one sample, as loops a compiler inlines (see
        :mod:`.sample_losses`; the compiled step of ``jit_compile=True``), or None when
        no closed form is offered."""
        if not self.has_closed_form:
            return None
        return getattr(self._closed_form(), "sample_form", None)

    def get_config(self) -> dict[str, Any]:
        """The options (and ``reduction`` when not "mean") that rebuild this loss."""
        extra = {} if self.reduction == "mean" else {"reduction": self.reduction}
        return {**self.options, **extra}

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.get_config().items())
        return f"Loss({self.name!r}{options})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loss) and (self.function, self.get_config()) == (
            other.function,
            other.get_config(),
        )

    def __hash__(self) -> int:
        return hash((self.function, tuple(sorted(self.get_config().items()))))


registry = Registry("loss", Loss)
_FUNCTIONS: dict[Callable[..., Tensor], str] = {}


def _register(
    function: Callable[..., Tensor],
    *aliases: str,
    target_kind: str,
    family: str,
    logits: bool | None = None,
    differentiable: bool = True,
    closed_form: tuple[ClosedForm, dict[str, Any]] | None = None,
) -> None:
    """Register ``function`` with what it is: ``target_kind`` (see :mod:`.labels`), ``family``,
    whether it takes logits (None: its ``from_logits`` option says), and ``closed_form``, its
    value_and_grad kernel and the options it holds for (e.g. ``{"from_logits": True}``)."""
    function.differentiable = differentiable  # type: ignore[attr-defined]
    function.target_kind = target_kind  # type: ignore[attr-defined]
    function.family = family  # type: ignore[attr-defined]
    function.takes_logits = logits  # type: ignore[attr-defined]
    function.closed_form = closed_form  # type: ignore[attr-defined]
    registry.add(function.__name__, functools.partial(Loss, function), *aliases)
    _FUNCTIONS[function] = function.__name__


_register(
    mse,
    "mean_squared_error",
    "l2_loss",
    target_kind="real",
    family="regression",
    logits=False,
    closed_form=(_mse_closed_form, {}),
)
_register(
    mae, "mean_absolute_error", "l1_loss", target_kind="real", family="regression", logits=False
)
_register(huber, "huber_loss", target_kind="real", family="regression", logits=False)
_register(
    binary_crossentropy,
    "bce",
    "binary_cross_entropy",
    target_kind="binary",
    family="cross_entropy",
    closed_form=(_binary_crossentropy_logits_closed_form, {"from_logits": True}),
)
_register(
    categorical_crossentropy,
    "cce",
    "categorical_cross_entropy",
    target_kind="probabilities",
    family="cross_entropy",
    closed_form=(_softmax_cross_entropy_closed_form, {"from_logits": True}),
)
_register(
    sparse_categorical_crossentropy,
    "scce",
    "sparse_categorical_cross_entropy",
    target_kind="labels",
    family="cross_entropy",
    closed_form=(_softmax_cross_entropy_closed_form, {"from_logits": True}),
)
_register(
    softmax_cross_entropy,
    "cross_entropy",
    "softmax_crossentropy",
    target_kind="labels_or_one_hot",
    family="cross_entropy",
    logits=True,
    closed_form=(_softmax_cross_entropy_closed_form, {}),
)
_register(hinge, target_kind="signs", family="hinge", logits=True)
_register(squared_hinge, target_kind="signs", family="hinge", logits=True)
_register(
    multiclass_hinge,
    "multiclass_svm",
    "svm",
    target_kind="labels_or_one_hot",
    family="hinge",
    logits=True,
)
_register(
    kl_divergence,
    "kld",
    "kl_div",
    "kullback_leibler_divergence",
    target_kind="probabilities",
    family="divergence",
    logits=False,
)
_register(
    zero_one,
    "zero_one_loss",
    "0-1",
    target_kind="classes",
    family="evaluation",
    logits=False,
    differentiable=False,
)


def get(identifier: Any, **options: Any) -> Loss | Any:
    """Resolve a loss from a name/alias (with options), config dict, :class:`Loss`, one of the
    loss functions of this module (bound with ``options``) or any callable.

    >>> get("huber", delta=2.0)
    Loss('huber', delta=2.0)
    """
    if inspect.isfunction(identifier) and identifier in _FUNCTIONS:
        return Loss(identifier, **options)
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Primary names of all losses."""
    return registry.names()
