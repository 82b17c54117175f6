"""A static training plan: the fit step of a Dense stack, replayed without building a graph.

For a ``Sequential`` of ``Dense`` layers with element-wise activations and a loss
whose gradient has a closed form on the output (softmax cross-entropy on logits,
binary cross-entropy on logits, mse), one training step is a fixed list of
array operations.  The plan

* keeps every parameter of an optimizer group as a view into ONE flat buffer
  (and its gradient into another), so the optimizer updates a whole group with
  one call and the NaN guard backs up the weights with one copy;
* writes forward activations and backward gradients into buffers reused across
  steps (``out=``), computing no gradient for the input;
* computes the loss and its gradient together: softmax cross-entropy gives
  dL/dz = (softmax(z) - onehot(y)) / B directly.

It computes the same numbers as the generic autograd tape (tests compare the
weights after several steps); ``fit`` falls back to the tape for anything else
(other layers, hooks, callbacks that read gradients, other losses).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine.tensor import Parameter
from ..nn import activations as activation_functions
from ..nn.layers.dense import Dense
from ..nn.module import Module
from . import regularizers as regularizer_registry

# Losses with a closed-form gradient on the last layer's output, by name and required options.
_FUSED_LOSSES = {
    "softmax_cross_entropy": {},
    "sparse_categorical_crossentropy": {"from_logits": True},
    "categorical_crossentropy": {"from_logits": True},
    "binary_crossentropy": {"from_logits": True},
    "mse": {},
}
_LOGIT_LOSSES = {
    "softmax_cross_entropy",
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
}


class FlatGroup:
    """The parameters of one optimizer group as views into one flat array (gradients likewise).

    ``parameter`` is a 1-D Parameter over the whole buffer: element-wise optimizers
    update it exactly as they would update each parameter in turn.
    """

    def __init__(self, params: list[Parameter]) -> None:
        dtype = params[0].data.dtype
        total = sum(p.data.size for p in params)
        self.params = params
        self.parameter = Parameter(np.empty(total, dtype=dtype))
        self.parameter.grad = np.zeros(total, dtype=dtype)
        self.slices: list[slice] = []
        offset = 0
        for p in params:
            part = slice(offset, offset + p.data.size)
            self.parameter.data[part] = p.data.ravel()
            p.data = self.parameter.data[part].reshape(p.data.shape)
            self.slices.append(part)
            offset += p.data.size
        self.state: dict[str, Any] = {}

    def attach_gradients(self) -> None:
        """(Re)point every ``param.grad`` at its view of the flat gradient."""
        for p, part in zip(self.params, self.slices, strict=True):
            p.grad = self.parameter.grad[part].reshape(p.data.shape)

    def is_intact(self) -> bool:
        """False when someone rebound a parameter's ``.data`` since the plan was made."""
        return all(p.data.base is self.parameter.data for p in self.params)

    def gather_state(self, optimizer: Any) -> bool:
        """Move per-parameter optimizer state into flat arrays; False if it is not uniform."""
        states = [optimizer.state.get(id(p), {}) for p in self.params]
        keys = set(states[0])
        if any(set(s) != keys for s in states):
            return False
        flat: dict[str, Any] = {}
        for key in keys:
            values = [s[key] for s in states]
            if all(
                isinstance(v, np.ndarray) and v.shape == p.data.shape
                for v, p in zip(values, self.params, strict=True)
            ):
                flat[key] = np.concatenate([v.ravel() for v in values]).astype(
                    self.parameter.dtype, copy=False
                )
            elif all(not isinstance(v, np.ndarray) and v == values[0] for v in values):
                flat[key] = values[0]
            else:
                return False
        self.state = flat
        return True

    def scatter_state(self, optimizer: Any) -> None:
        """Give every parameter its state back: array entries as views into the flat arrays."""
        for p, part in zip(self.params, self.slices, strict=True):
            optimizer.state[id(p)] = {
                key: value[part].reshape(p.data.shape)
                if isinstance(value, np.ndarray) and value.shape == self.parameter.data.shape
                else value
                for key, value in self.state.items()
            }


class _DenseStep:
    """One Dense layer in the plan: weights, bias, activation and its in-place forms."""

    __slots__ = (
        "layer",
        "weight",
        "bias",
        "weight_grad",
        "bias_grad",
        "activation",
        "kind",
    )

    def __init__(self, layer: Dense) -> None:
        self.layer = layer
        self.weight = layer.weight
        self.bias = layer.bias
        self.weight_grad: np.ndarray = layer.weight.grad  # views into the flat gradient
        self.bias_grad: np.ndarray | None = None if layer.bias is None else layer.bias.grad
        self.activation = layer.activation
        name = self.activation.name
        self.kind = name if name in ("identity", "relu", "sigmoid", "tanh") else "generic"


class TrainingPlan:
    """The compiled fit step of one model/loss/optimizer; see the module docstring."""

    def __init__(
        self,
        model: Module,
        steps: list[_DenseStep],
        loss: Any,
        optimizer: Any,
        groups: list[FlatGroup],
    ) -> None:
        self.model = model
        self.steps = steps
        self.loss_name = loss.name
        self.loss = loss
        self.optimizer = optimizer
        self.groups = groups
        self._buffers: dict[int, list[tuple[np.ndarray, ...]]] = {}
        self._rows: dict[int, np.ndarray] = {}  # np.arange(batch), for picking label columns
        self.dtype = groups[0].parameter.dtype
        self._backup = [np.empty_like(g.parameter.data) for g in groups]
        self.penalties = self._penalty_terms()

    def _penalty_terms(self) -> list[tuple[Any, Parameter, np.ndarray]]:
        """``(regularizer, parameter, its flat-gradient view)`` for each regularized weight."""
        return [(r, p, p.grad) for r, p in regularizer_registry.penalty_terms(self.model)]

    # ----------------------------------------------------------------- building
    @classmethod
    def build(cls, model: Module, loss: Any, optimizer: Any) -> TrainingPlan | None:
        """A plan for ``model`` if it is a plain Dense stack with a fused loss, else None."""
        from ..models.sequential import Sequential

        if type(model) is not Sequential or not model.layers or not model.built:
            return None
        if any(type(layer) not in (Dense,) and not _is_linear(layer) for layer in model.layers):
            return None
        if any(module._call_hooks for module in model.modules()):
            return None
        activations = [layer.activation for layer in model.layers]
        if not all(
            isinstance(a, activation_functions.Activation) and a.element_wise for a in activations
        ):
            return None
        if not _loss_is_fused(loss) or (
            loss.name in _LOGIT_LOSSES and activations[-1].name != "identity"
        ):
            return None
        params = model.parameters()
        if (
            not params
            or any(not p.requires_grad for p in params)
            or len({p.data.dtype for p in params}) != 1
        ):
            return None
        if sorted(map(id, optimizer.parameters())) != sorted(map(id, params)):
            return None
        groups = cls._flat_groups(optimizer, model)
        if groups is None:
            return None
        steps = [_DenseStep(layer) for layer in model.layers]
        return cls(model, steps, loss, optimizer, groups)

    @staticmethod
    def _flat_groups(optimizer: Any, model: Module) -> list[FlatGroup] | None:
        cached = getattr(model, "_flat_groups", None)
        if (
            cached is not None
            and len(cached) == len(optimizer.param_groups)
            and all(
                group.is_intact()
                and [id(p) for p in group.params] == [id(p) for p in param_group["params"]]
                for group, param_group in zip(cached, optimizer.param_groups, strict=True)
            )
        ):
            groups = cached
        else:
            groups = [FlatGroup(list(g["params"])) for g in optimizer.param_groups]
            object.__setattr__(model, "_flat_groups", groups)
        for group in groups:
            group.attach_gradients()
            if not group.gather_state(optimizer):
                return None
        return groups

    def still_fits(self, loss: Any, optimizer: Any) -> bool:
        """Whether this plan still describes the model (reused by the next ``fit``)."""
        model = self.model
        return (
            loss is self.loss
            and optimizer is self.optimizer
            and [step.layer for step in self.steps] == list(model.layers)
            and all(
                s.activation is s.layer.activation
                and s.weight is s.layer.weight
                and s.bias is s.layer.bias
                for s in self.steps
            )
            and not any(module._call_hooks for module in model.modules())
            and len(optimizer.param_groups) == len(self.groups)
            and all(
                group.is_intact() and group.params == list(param_group["params"])
                for group, param_group in zip(self.groups, optimizer.param_groups, strict=True)
            )
            and self._reattach()
        )

    def _reattach(self) -> bool:
        for group in self.groups:
            group.attach_gradients()
            if not group.gather_state(self.optimizer):
                return False
        self.penalties = self._penalty_terms()  # regularizers may have changed between fits
        return True

    # ----------------------------------------------------------------- one step
    def _buffers_for(self, batch: int) -> list[tuple[np.ndarray, ...]]:
        """Per layer: pre-activation z, output a, dL/da and dL/dz, allocated once per batch size."""
        buffers = self._buffers.get(batch)
        if buffers is None:
            buffers = [
                tuple(np.empty((batch, step.weight.shape[1]), self.dtype) for _ in range(4))
                for step in self.steps
            ]
            self._buffers[batch] = buffers
        return buffers

    def forward_backward(
        self, x: np.ndarray, y: np.ndarray, batch: int = 0
    ) -> tuple[float, float, np.ndarray]:
        """Forward, loss and backward on one batch into the flat gradient.

        Returns the data loss, the regularization penalty and the output (a reused buffer).
        """
        buffers = self._buffers_for(x.shape[0])
        inputs = [x]
        h = x
        for step, (z, a, _, _) in zip(self.steps, buffers, strict=True):
            np.matmul(h, step.weight.data, out=z)
            if step.bias is not None:
                z += step.bias.data
            h = _forward(step, z, a)
            inputs.append(h)
        loss_value, g = self._loss_and_gradient(h, y, buffers[-1][2])
        if not math.isfinite(loss_value):  # fit stops here; no gradient needed
            return loss_value, 0.0, h
        for index in range(len(self.steps) - 1, -1, -1):
            step = self.steps[index]
            z, _, _, grad_z = buffers[index]
            grad_z = _backward(step, z, inputs[index + 1], g, grad_z)
            np.matmul(inputs[index].T, grad_z, out=step.weight_grad)
            if step.bias_grad is not None:
                np.add.reduce(grad_z, axis=0, out=step.bias_grad)
            if index:
                g = np.matmul(grad_z, step.weight.data.T, out=buffers[index - 1][2])
        penalty = 0.0
        for regularizer, parameter, gradient in self.penalties:
            penalty += float(regularizer.penalty(parameter.data))
            gradient += regularizer.gradient(parameter.data)
        return loss_value, penalty, inputs[-1]

    def _loss_and_gradient(
        self, out: np.ndarray, y: np.ndarray, grad_buffer: np.ndarray
    ) -> tuple[float, np.ndarray]:
        batch = out.shape[0]
        name = self.loss_name
        if name == "mse":
            np.subtract(out, y, out=grad_buffer)
            value = float(np.vdot(grad_buffer, grad_buffer)) / grad_buffer.size
            grad_buffer *= 2 / grad_buffer.size
            return value, grad_buffer
        if name == "binary_crossentropy":
            e = np.exp(-np.abs(out))
            value = float(np.mean(np.maximum(out, 0) - out * y + np.log1p(e)))
            np.divide(np.where(out >= 0, 1, e), 1 + e, out=grad_buffer)
            grad_buffer -= y
            grad_buffer /= grad_buffer.size
            return value, grad_buffer
        # softmax cross-entropy on logits, integer or one-hot/probability targets
        shifted = out - np.maximum.reduce(out, axis=1, keepdims=True)
        np.exp(shifted, out=grad_buffer)
        total = np.add.reduce(grad_buffer, axis=1, keepdims=True)
        log_total = np.log(total)
        grad_buffer /= total
        if y.ndim == 1 or y.shape[1] == 1:
            rows = self._rows.get(batch)
            if rows is None:
                rows = self._rows[batch] = np.arange(batch)
            labels = y.reshape(-1)
            if labels.dtype.kind != "i":  # integral float labels, as the loss accepts
                labels = labels.astype(np.intp)
            value = (
                float(np.add.reduce(log_total, axis=None) - np.add.reduce(shifted[rows, labels]))
                / batch
            )
            grad_buffer[rows, labels] -= 1
        else:
            value = float(np.add.reduce(y * (log_total - shifted), axis=None)) / batch
            grad_buffer -= y
        grad_buffer /= batch
        return value, grad_buffer

    def update(self) -> None:
        """One optimizer step per flat group (element-wise optimizers: same as per parameter)."""
        for group, flat in zip(self.optimizer.param_groups, self.groups, strict=True):
            self.optimizer._update(flat.parameter, group, flat.state)

    def backup(self) -> None:
        for saved, group in zip(self._backup, self.groups, strict=True):
            np.copyto(saved, group.parameter.data)

    def restore(self) -> None:
        for saved, group in zip(self._backup, self.groups, strict=True):
            np.copyto(group.parameter.data, saved)

    def finish(self) -> None:
        """Hand the optimizer its per-parameter state back (views into the flat state)."""
        for group in self.groups:
            group.scatter_state(self.optimizer)


def _is_linear(layer: Module) -> bool:
    from ..nn.layers.dense import Linear

    return type(layer) is Linear


def _loss_is_fused(loss: Any) -> bool:
    name = getattr(loss, "name", None)
    if name not in _FUSED_LOSSES:
        return False
    options = dict(getattr(loss, "options", {}))
    return options.pop("reduction", "mean") == "mean" and options == _FUSED_LOSSES[name]


def _forward(step: _DenseStep, z: np.ndarray, out: np.ndarray) -> np.ndarray:
    kind = step.kind
    if kind == "identity":
        return z
    if kind == "relu":
        return np.maximum(z, 0, out=out)
    if kind == "tanh":
        return np.tanh(z, out=out)
    return step.activation.forward(z)


def _backward(
    step: _DenseStep, z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray
) -> np.ndarray:
    kind = step.kind
    if kind == "identity":
        return g
    if kind == "relu":
        return np.multiply(g, a > 0, out=out)
    if kind == "sigmoid":
        np.subtract(1, a, out=out)
        out *= a
        out *= g
        return out
    if kind == "tanh":
        np.multiply(a, a, out=out)
        np.subtract(1, out, out=out)
        out *= g
        return out
    return step.activation.vjp(z, a, g)
