"""The training plan's step as ONE compiled function (numba): ``compile(..., jit_compile=True)``.

A tiny network's NumPy step is some thirty array calls of under a microsecond each,
so what it costs is NumPy's per-call overhead; only a compiler removes it.  For a
plan that trains with plain SGD (one group, no regularizer), this module builds,
from what the building blocks offer, one numba function that does the whole step
on the plan's flat buffers:

* each activation's scalar kernels ``scalar_forward``/``scalar_slope`` (identity,
  relu, sigmoid, tanh; see :mod:`lucidnet.blocks.activations`), inlined into the
  layer loops;
* the loss's per-sample closed form (:meth:`lucidnet.training.losses.Loss.sample_form`:
  softmax / categorical / sparse cross-entropy on logits, binary cross-entropy on
  logits, mse), for integer labels or target rows;
* the layers' weights and biases where the plan's :class:`~.flat.FlatGroup` keeps them.

The function is a chain, one link per layer, written recursively as backprop is:
link ``i`` computes ``a_i = f_i(W_i^T a_{i-1} + b_i)`` (feature-major, (units,
batch), as the plan: the innermost loops run along the batch), calls link ``i + 1``
(the last link calls the loss), then turns dL/da_i into dL/dz_i with f_i'(from
a_i), hands dL/da_{i-1} = W_i dz_i back and applies SGD to W_i and b_i.  ``-lr`` is folded into the loss's gradient, as
in the plan, so dz is already the update's factor.  At the turning point the loss
is known: a non-finite loss returns before any weight changes, a finite one first
copies the weights into the group's other buffer (the NaN guard's backup), so the
plan's ``backup``/``restore``/``weights`` work on it unchanged.

Compiled chains are cached by structure (the activations' kernels, the loss's
kernel and its reduction), so models of one structure share them whatever their
sizes; numba compiles a chain once per process (``cache=False``: closures).
Where a layer is large the loops lose to BLAS; the plan then keeps its NumPy step
(:data:`MAX_WORK`).  Importing this module imports numba: the plan imports it
only when ``jit_compile=True``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from .flat import FlatGroup

MAX_WORK = 1 << 16
"""Largest batch * weights of one step that the compiled loops take; above it BLAS wins."""

_REORDER = {"reassoc", "contract"}  # sums may be vectorised; NaN and inf keep their meaning
_SCALAR: dict[Callable[..., Any], Any] = {}  # a Python kernel -> its numba dispatcher
_CHAINS: dict[tuple[Any, ...], Any] = {}  # a structure -> its compiled step
_DECLINED = object()  # a chain numba could not compile: the NumPy step, without retrying


def _compiled(function: Callable[..., Any]) -> Any:
    dispatcher = _SCALAR.get(function)
    if dispatcher is None:
        dispatcher = _SCALAR[function] = numba.njit(function)
    return dispatcher


def _turning_point(sample: Callable[..., Any], per_element: bool, mean: bool) -> Any:
    """The loss at the end of the chain: its value, scale * dL/d(output) into ``grad``, and
    the weights' backup into the other buffer when the loss is finite."""
    kernel = _compiled(sample)

    @numba.njit
    def loss(rows, current, output, targets, scale, layout, work, grad):  # pragma: no cover
        units, batch = output.shape
        count = batch * units if per_element else batch
        weight = scale / count if mean else scale
        total = 0.0
        for s in range(batch):
            total += kernel(output[:, s], targets[s], weight, grad[:, s])
        value = total / count if mean else total
        if math.isfinite(value):
            other = 1 - current
            for i in range(rows.shape[1]):
                rows[other, i] = rows[current, i]
        return value

    return loss


@numba.njit(fastmath=_REORDER)
def _forward(h, weights, theta, bias, a, forward):  # pragma: no cover - compiled
    """a = f(W^T h + b), feature-major, b at ``theta[bias:]`` (none when ``bias`` < 0)."""
    inputs, batch = h.shape
    for j in range(a.shape[0]):
        for s in range(batch):
            a[j, s] = theta[bias + j] if bias >= 0 else 0.0
        for k in range(inputs):
            w = weights[k, j]
            for s in range(batch):
                a[j, s] += w * h[k, s]
        for s in range(batch):
            a[j, s] = forward(a[j, s])


@numba.njit(fastmath=_REORDER)
def _backward(a, g, weights, grad_in, slope, first):  # pragma: no cover - compiled
    """dz = dL/da * f'(z) in place from the output a; then dL/dh = W dz (not for ``first``)."""
    units, batch = a.shape
    for j in range(units):
        for s in range(batch):
            g[j, s] *= slope(a[j, s])
    if not first:
        for k in range(weights.shape[0]):
            for s in range(batch):
                grad_in[k, s] = 0.0
            for j in range(units):
                w = weights[k, j]
                for s in range(batch):
                    grad_in[k, s] += w * g[j, s]


@numba.njit(fastmath=_REORDER)
def _sgd(h, g, weights, theta, bias):  # pragma: no cover - compiled
    """W += h dz^T and b += sum_s dz (dz holds -lr * dL/dz): each entry's sum over the batch
    first, then added, as the plan does."""
    inputs, batch = h.shape
    for k in range(inputs):
        for j in range(weights.shape[1]):
            total = 0.0
            for s in range(batch):
                total += h[k, s] * g[j, s]
            weights[k, j] += total
    if bias >= 0:
        for j in range(weights.shape[1]):
            total = 0.0
            for s in range(batch):
                total += g[j, s]
            theta[bias + j] += total


def _link(index: int, forward: Any, slope: Any, inner: Any) -> Any:
    """Layer ``index`` of the chain; ``inner`` is the rest of it (the next link or the loss).

    Feature-major, as the plan: ``h`` is the layer's input (inputs, batch) and
    ``grad_in`` receives dL/dh (unused by the first layer), so the innermost loops run
    along the batch.  ``layout[index]`` = (weight offset, inputs, units, bias offset or
    -1, work offset / batch): W is (inputs, units) row-major in ``rows[current]``; a and
    then dL/da are (units, batch) blocks of ``work``.  Plain loops, no array
    expressions: they compile fast and allocate nothing.
    """
    first = index == 0

    @numba.njit
    def link(rows, current, h, targets, scale, layout, work, grad_in):  # pragma: no cover
        batch = h.shape[1]
        start, inputs, units = layout[index, 0], layout[index, 1], layout[index, 2]
        bias, place = layout[index, 3], layout[index, 4] * batch
        theta = rows[current]
        weights = theta[start : start + inputs * units].reshape((inputs, units))
        a = work[place : place + batch * units].reshape((units, batch))
        g = work[place + batch * units : place + 2 * batch * units].reshape((units, batch))
        _forward(h, weights, theta, bias, a, forward)
        value = inner(rows, current, a, targets, scale, layout, work, g)
        if math.isfinite(value):  # else no weight changes: the NaN guard restores
            _backward(a, g, weights, grad_in, slope, first)
            _sgd(h, g, weights, theta, bias)
        return value

    return link


def _chain(activations: tuple[tuple[Any, Any], ...], loss: Any) -> Any:
    """The compiled step of a stack with these (scalar_forward, scalar_slope) pairs:
    ``step(rows, current, x, targets, scale, layout, work) -> loss`` on the flat group's
    rows (weights in ``rows[current]``, the backup goes to the other buffer)."""
    link = loss
    for index in range(len(activations) - 1, -1, -1):
        link = _link(index, *map(_compiled, activations[index]), link)
    first = link

    @numba.njit
    def step(rows, current, x, targets, scale, layout, work):  # pragma: no cover
        inputs = np.ascontiguousarray(x.T)  # (features, batch): loops run along the batch
        return first(rows, current, inputs, targets, scale, layout, work, inputs)  # no dL/dx

    return step


class CompiledStep:
    """The plan's plain-SGD step as one compiled call; see the module docstring.

    ``run(x, y, scale)`` does forward, loss, backward and update for one batch and
    returns ``(loss, prediction)``, or None when this batch is not for it (targets of
    another shape, a batch too large for loops): the plan then takes its NumPy step.
    """

    def __init__(
        self,
        group: FlatGroup,
        activations: tuple[tuple[Any, Any], ...],
        form: Any,
        mean: bool,
        layout: np.ndarray,
        units: list[int],
    ) -> None:
        self.group = group
        self.activations = activations
        self.form = form
        self.mean = mean
        self.layout = layout
        self.units = units
        self.weights = group.parameter.data.size
        self._chains: dict[bool, Any] = {}  # labels or rows -> compiled chain
        self._work: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # batch -> (work, prediction)

    @classmethod
    def build(cls, plan: Any) -> CompiledStep | None:
        """The compiled step of ``plan`` if every block offers its kernels, else None."""
        activations = []
        for step in plan.steps:
            activation = step.activation
            if not activation.has_scalar_kernels():
                return None
            activations.append((activation.scalar_forward, activation.scalar_slope))
        sample_form = getattr(plan.loss, "sample_form", None)
        form = sample_form() if callable(sample_form) else None
        if form is None or len(plan.groups) != 1:
            return None
        group = plan.groups[0]
        layout, units, offset = [], [], 0
        for step in plan.steps:
            weight_slice = group.slice_of(step.weight)
            inputs, outputs = step.weight.shape
            bias = -1 if step.bias is None else group.slice_of(step.bias).start
            layout.append((weight_slice.start, inputs, outputs, bias, offset))
            units.append(outputs)
            offset += 2 * outputs
        mean = plan.loss_settings[0] == "mean"
        return cls(group, tuple(activations), form, mean, np.array(layout, np.int64), units)

    def _chain_for(self, labels: bool) -> Any:
        chain = self._chains.get(labels)
        if chain is _DECLINED:
            return None
        if chain is None:
            sample = self.form.labels if labels else self.form.rows
            if sample is None:
                return None
            key = (self.activations, sample, self.form.per_element, self.mean)
            chain = _CHAINS.get(key)
            if chain is None:
                loss = _turning_point(sample, self.form.per_element, self.mean)
                chain = _CHAINS[key] = _chain(self.activations, loss)
            self._chains[labels] = chain
        return chain

    def _work_for(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        buffers = self._work.get(batch)
        if buffers is None:
            dtype = self.group.parameter.dtype
            work = np.zeros(2 * batch * sum(self.units), dtype)
            place = self.layout[-1, 4] * batch
            prediction = work[place : place + batch * self.units[-1]].reshape(-1, batch).T
            self._work[batch] = buffers = (work, prediction)
        return buffers

    def run(self, x: Any, y: np.ndarray, scale: float) -> tuple[float, np.ndarray] | None:
        """One whole step on ``(x, y)``, or None when this batch is not for the compiled step."""
        if type(x) is not np.ndarray or x.ndim != 2 or x.shape[0] * self.weights > MAX_WORK:
            return None
        batch = x.shape[0]
        work, prediction = self._work_for(batch)
        if y.ndim == 1:
            chain = self._chain_for(True)
        elif y.shape == prediction.shape:
            chain = self._chain_for(False)
        else:
            return None
        if chain is None:
            return None
        group = self.group
        try:
            value = chain(group.rows, group.current, x, y, scale, self.layout, work)
        except numba.core.errors.NumbaError as error:  # compiling: no weight changed yet
            self._chains[y.ndim == 1] = _DECLINED  # e.g. a user's kernel numba cannot type
            message = str(error).strip().splitlines()[0]
            warnings.warn(
                f"jit_compile: numba could not compile this model's step ({message}); "
                "training on the NumPy step instead",
                RuntimeWarning,
                stacklevel=5,
            )
            return None
        return value, prediction
