"""The losses' closed forms on one sample, written as loops a compiler can inline.

These are the same formulas as the array closed forms in :mod:`.losses`
(``value_and_grad``), for the compiled training step (``compile(...,
jit_compile=True)``, numba): plain Python over one sample's row of outputs, with
``math`` and no NumPy calls, so numba turns each into a few machine loops.

Each kernel is ``kernel(output, target, weight, grad) -> value``: ``output`` is one
sample's row of outputs (logits for the cross-entropies), ``target`` its label (an
integer, or an integral float) or its row of targets, ``weight`` is ``scale *
dL/d(value)`` of the reduction (``scale / count`` for "mean", ``scale`` for "sum"),
and ``grad`` receives ``weight * d(value)/d(output)``; it returns the sample's
unreduced value (summed over its outputs).  A :class:`SampleForm` bundles a loss's
kernels and says what "mean" counts.

>>> import numpy as np
>>> grad = np.empty(2)
>>> value = softmax_cross_entropy_label(np.array([0.0, 0.0]), 1, 1.0, grad)
>>> round(float(value), 6), grad.tolist()  # log 2; softmax - onehot
(0.693147, [0.5, -0.5])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

SampleKernel = Callable[[Any, Any, float, Any], float]


class SampleForm(NamedTuple):
    """A loss's per-sample closed form: ``labels`` for integer-label targets (None if the
    loss takes none), ``rows`` for targets of the outputs' shape, and ``per_element``:
    "mean" divides by batch * outputs (element-wise losses) instead of the batch."""

    labels: SampleKernel | None
    rows: SampleKernel | None
    per_element: bool


def softmax_cross_entropy_label(output: Any, label: Any, weight: float, grad: Any) -> float:
    """lse(x) - x_label;  grad = weight (softmax(x) - onehot(label)), via x - max(x)."""
    classes = output.shape[0]
    peak = output[0]
    for c in range(1, classes):
        peak = max(peak, output[c])
    total = 0.0
    for c in range(classes):
        exp = math.exp(output[c] - peak)
        grad[c] = exp
        total += exp
    share = weight / total
    for c in range(classes):
        grad[c] *= share
    picked = int(label)
    grad[picked] -= weight
    return math.log(total) - (output[picked] - peak)


def softmax_cross_entropy_rows(output: Any, target: Any, weight: float, grad: Any) -> float:
    """m lse(x) - sum_c y_c x_c with m = sum_c y_c;  grad = weight (m softmax(x) - y).

    A class with y_c = 0 adds nothing, even where x_c - max(x) is -inf.
    """
    classes = output.shape[0]
    peak = output[0]
    for c in range(1, classes):
        peak = max(peak, output[c])
    total, mass, picked = 0.0, 0.0, 0.0
    for c in range(classes):
        shifted = output[c] - peak
        exp = math.exp(shifted)
        grad[c] = exp
        total += exp
        mass += target[c]
        if target[c] != 0:
            picked += target[c] * shifted
    share = weight * mass / total
    for c in range(classes):
        grad[c] = grad[c] * share - weight * target[c]
    return mass * math.log(total) - picked


def mse_rows(output: Any, target: Any, weight: float, grad: Any) -> float:
    """sum_j (p_j - y_j)^2;  grad = 2 weight (p - y)."""
    total = 0.0
    for j in range(output.shape[0]):
        difference = output[j] - target[j]
        total += difference * difference
        grad[j] = 2 * weight * difference
    return total


def binary_crossentropy_logits_rows(output: Any, target: Any, weight: float, grad: Any) -> float:
    """sum_j max(x, 0) - x y + log(1 + e^{-|x|});  grad = weight (sigmoid(x) - y)."""
    total = 0.0
    for j in range(output.shape[0]):
        x, y = output[j], target[j]
        decay = math.exp(-abs(x))
        total += max(x, 0.0) - x * y + math.log1p(decay)
        positive = 1 / (1 + decay)  # the stable sigmoid, branch by sign
        sigmoid = positive if x >= 0 else decay * positive
        grad[j] = weight * (sigmoid - y)
    return total


SOFTMAX_CROSS_ENTROPY = SampleForm(
    softmax_cross_entropy_label, softmax_cross_entropy_rows, per_element=False
)
MSE = SampleForm(None, mse_rows, per_element=True)
BINARY_CROSSENTROPY_LOGITS = SampleForm(None, binary_crossentropy_logits_rows, per_element=True)
