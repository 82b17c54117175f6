"""A static training plan: the fit step of a Dense stack, replayed without building a graph.

For a ``Sequential`` of ``Dense`` layers with element-wise activations and a loss
that offers a closed-form ``value_and_grad`` (:class:`~.step.ClosedFormLoss`:
softmax cross-entropy on logits, binary cross-entropy on logits, mse, with
"mean" or "sum" reduction), one training step is a fixed list of array
operations: a :class:`~.step.TrainingStep` like the tape's, faster.  It takes
no decision by name; it asks the building blocks, once, when it is built:

* each activation for its in-place kernels ``forward_``/``backward_`` (relu,
  sigmoid, tanh, identity offer them), else uses its ``forward`` and ``vjp``;
* the loss for ``value_and_grad`` (else no plan: the tape);
* the optimizer for ``update`` on a whole flattened group (``updates_flat_groups``).

The plan

* keeps every parameter of an optimizer group as a view into ONE flat buffer
  (and its gradient into another), so the optimizer updates a whole group with
  one call; a second buffer of the same size holds the NaN guard's backup;
* keeps a layer's bias right after its weight, so [W; b] is one (in + 1, out)
  matrix: activations carry an extra row of ones and ``[W; b]^T [h^T; 1]`` is
  the affine map in one matrix product, ``[h^T; 1] dz`` both gradients in one (the
  batch itself is copied under a row of ones when the first layer is at least as wide
  as its input: the copy then costs less than the bias addition and sum it saves);
* stores activations and gradients feature-major, (units, batch), so each is
  contiguous and per-sample reductions run along axis 0;
* writes forward activations and backward gradients into buffers reused across
  steps (``out=``), applies activations and their derivatives in place and
  computes no gradient for the input;
* computes the loss and its gradient together (the loss's closed form): softmax
  cross-entropy gives dL/dz = (softmax(z) - onehot(y)) / B directly;
* for plain SGD, folds -lr into that gradient, so the matrix products of the
  backward pass give the updates themselves and one addition applies them
  (large groups write the result into the other buffer and flip to it, which
  makes the NaN guard's backup free).

With ``compile(..., jit_compile=True)`` a plain-SGD step runs instead as ONE numba
function over the same flat buffers (:mod:`.jit`; activations offer scalar kernels and
the loss a per-sample closed form for it), where the layers are small enough for loops;
the NaN guard's ``backup``/``restore``/``weights`` are the same.

It computes the same numbers as the generic autograd tape up to rounding
(tests compare the weights after several steps to 1e-12 in float64); ``fit``
falls back to the tape for anything else (other layers, hooks, callbacks that
read gradients, other losses).  After a plain-SGD fit ``param.grad`` is None:
the gradient never exists on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .._kernels import kernel_is_trusted
from ..blocks import regularizers as regularizer_registry
from ..blocks.activations import Activation
from ..blocks.layers.dense import Dense, Linear
from ..blocks.module import Module
from ..engine.tensor import Parameter
from .flat import FlatGroup, group_of

_FLIP_SIZE = 1 << 16  # weights in a group from which SGD flips buffers instead of copying


class _DenseStep:
    """One Dense layer in the plan: weights, bias, activation, and [W; b] as one matrix if it can.

    When the bias follows the weight in the flat buffer, ``joined`` is the (in + 1, out)
    matrix [W; b] (in the buffer the parameters look at now, one view per buffer in
    ``joined_views``): an input with an extra row of ones gives ``W^T h^T + b`` as
    ``[W; b]^T [h^T; 1]`` in one matrix product, and ``[h^T; 1] dz^T`` both gradients.
    ``in_place`` says whether the activation's in-place kernels (``forward_``,
    ``backward_``) are used, which keeps no pre-activation; else ``forward``/``vjp`` are.
    """

    __slots__ = (
        "activation",
        "backward_",
        "bias",
        "bias_grad",
        "forward_",
        "group",
        "in_place",
        "joined",
        "joined_grad",
        "joined_views",
        "layer",
        "weight",
        "weight_grad",
    )

    def __init__(self, layer: Dense, groups: list[FlatGroup]) -> None:
        self.layer = layer
        self.weight = layer.weight
        self.bias = layer.bias
        self.joined = self.joined_views = self.joined_grad = self.group = None
        if layer.bias is not None:
            for group in groups:
                views = group.joined(layer.weight, layer.bias)
                if views is not None:
                    self.joined_views, self.joined_grad = views
                    self.group = group
                    self.follow()
        self.activation = activation = layer.activation
        self.in_place = activation.has_inplace_kernels()
        self.forward_ = activation.forward_ if self.in_place else None
        self.backward_ = activation.backward_ if self.in_place else None
        # views into the flat gradient (kept here: fused SGD leaves ``param.grad`` empty)
        self.weight_grad = _grad_view(groups, layer.weight)
        self.bias_grad = None if layer.bias is None else _grad_view(groups, layer.bias)

    def follow(self) -> None:
        """Look at [W; b] in the buffer the parameters now use."""
        if self.joined_views is not None:
            self.joined = self.joined_views[self.group.current]


class _Buffers:
    """The arrays of one layer for one batch size, reused every step, stored feature-major.

    Every array is (units, batch), the transpose of the usual layout, so that a row of a
    layer is contiguous: per-sample reductions (softmax over classes) run along axis 0,
    and the ones that [W; b] needs are one extra row.  ``out`` is the layer's output;
    when the next layer multiplies by [W; b] it has that extra last row of ones (``a``
    is then the view without it, ``joined`` all of it).  ``z`` keeps the pre-activation
    for activations without in-place kernels and is scratch otherwise (``target`` is where the matrix
    product goes); ``grad`` holds dL/da and then, in place, dL/dz.  ``source`` and
    ``source_joined`` are the previous layer's ``a`` and ``joined`` (None for the first
    layer, whose input is the batch).  For in-place activations ``z`` is the scratch
    array their ``backward_`` gets.
    """

    __slots__ = (
        "a",
        "grad",
        "grad_flat",
        "joined",
        "out",
        "source",
        "source_joined",
        "target",
        "z",
    )

    def __init__(
        self, batch: int, step: _DenseStep, ones_row: bool, previous: _Buffers | None
    ) -> None:
        units, dtype = step.weight.shape[1], step.weight.dtype
        self.out = np.empty((units + ones_row, batch), dtype)
        if ones_row:
            self.out[units] = 1
        self.a = self.out[:units]
        self.joined = self.out if ones_row else None
        self.z = np.empty((units, batch), dtype)
        self.target = self.a if step.in_place else self.z
        self.grad = np.empty((units, batch), dtype)
        self.grad_flat = self.grad.reshape(-1)
        self.source = None if previous is None else previous.a
        self.source_joined = None if previous is None else previous.joined


class TrainingPlan:
    """The compiled fit step of one model/loss/optimizer; see the module docstring."""

    def __init__(
        self,
        model: Module,
        steps: list[_DenseStep],
        loss: Any,
        optimizer: Any,
        groups: list[FlatGroup],
        penalties: list[tuple[Any, Parameter]] | None = None,
    ) -> None:
        self.model = model
        self.steps = steps
        self.loss = loss
        self.loss_kernel = loss_kernel(loss)  # the kernels, looked up once
        self.loss_settings = _settings(loss)  # what the kernel was bound with
        self.optimizer = optimizer
        self.update = optimizer.update
        self.groups = groups
        self.dtype = groups[0].parameter.dtype
        self._buffers: dict[int, list[_Buffers]] = {}
        self._ones: dict[int, np.ndarray] = {}  # batch-long ones, to sum over the batch
        self._x: np.ndarray | None = None  # the batch of the last forward
        self._batch: list[_Buffers] = []  # and its buffers
        self._flipped = False  # the last step flipped the buffers: restore flips back
        self.compiled: Any = None  # the whole step as one numba function (jit_compile=True)
        self._stepped = False  # the compiled step did this batch's backup and update
        self._prepare_update(penalties)

    def _prepare_update(self, penalties: list[tuple[Any, Parameter]] | None = None) -> None:
        """Penalty terms, and whether SGD can update the weights inside the backward pass."""
        if penalties is None:
            penalties = regularizer_registry.penalty_terms(self.model)
        groups = self.optimizer.param_groups
        self._flipped = False
        self.fused = not penalties and len(groups) == 1 and _is_plain_sgd(self.optimizer, groups[0])
        # below ~64k weights a copy costs less than re-pointing every parameter
        self._flips = self.fused and self.groups[0].parameter.data.size >= _FLIP_SIZE
        for group in self.groups:
            if self.fused:  # the flat gradient will hold -lr * grad: keep it out of sight
                for parameter in group.params:
                    parameter.grad = None
            else:
                group.attach_gradients()
        self.penalties = [(r, p, p.grad) for r, p in penalties]

    # ----------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        model: Module,
        loss: Any,
        optimizer: Any,
        penalties: list[tuple[Any, Parameter]] | None = None,
    ) -> TrainingPlan | None:
        """A plan for ``model`` if it is a plain Dense stack of element-wise activations, the
        loss offers a closed form and the optimizer updates flat groups; else None.

        ``penalties`` are the model's regularization terms if the caller has them.
        """
        from .trainable import Sequential  # the public class; a subclass may compute otherwise

        if type(model) is not Sequential or not model.layers or not model.built:
            return None
        if any(type(layer) not in (Dense, Linear) for layer in model.layers):
            return None
        if _has_hooks(model):
            return None
        if not all(
            isinstance(layer.activation, Activation) and layer.activation.element_wise
            for layer in model.layers
        ):
            return None
        if loss_kernel(loss) is None or not getattr(optimizer, "updates_flat_groups", False):
            return None
        params = model.parameters()
        if (
            not params
            or any(not p.requires_grad for p in params)
            or len({p.data.dtype for p in params}) != 1
            or params[0].data.dtype.kind != "f"
        ):
            return None
        if sorted(map(id, optimizer.parameters())) != sorted(map(id, params)):
            return None
        groups = cls._flat_groups(optimizer, model)
        if groups is None:
            return None
        steps = [_DenseStep(layer, groups) for layer in model.layers]
        return cls(model, steps, loss, optimizer, groups, penalties)

    @staticmethod
    def _flat_groups(optimizer: Any, model: Module) -> list[FlatGroup] | None:
        """One FlatGroup per optimizer group: the one its parameters already are views into
        (a small Sequential's own, or an earlier plan's), else a new one; the model keeps
        them (the registry of :mod:`.flat` only holds them weakly)."""
        groups = [
            group_of(g["params"]) or FlatGroup(list(g["params"])) for g in optimizer.param_groups
        ]
        object.__setattr__(model, "_flat_groups", groups)
        if not all(group.gather_state(optimizer) for group in groups):
            return None
        return groups

    def still_fits(
        self, loss: Any, optimizer: Any, penalties: list[tuple[Any, Parameter]] | None = None
    ) -> bool:
        """Whether this plan still describes the model (reused by the next ``fit``)."""
        model = self.model
        return (
            loss is self.loss
            and _settings(loss) == self.loss_settings  # e.g. a reduction changed in place
            and optimizer is self.optimizer
            and [step.layer for step in self.steps] == list(model.layers)
            and all(
                s.activation is s.layer.activation
                and s.weight is s.layer.weight
                and s.bias is s.layer.bias
                for s in self.steps
            )
            and not _has_hooks(model)
            and _groups_serve(self.groups, optimizer)
            and self._reattach(penalties)
        )

    def _reattach(self, penalties: list[tuple[Any, Parameter]] | None) -> bool:
        if not all(group.gather_state(self.optimizer) for group in self.groups):
            return False
        self._prepare_update(penalties)  # regularizers and optimizer options may have changed
        return True

    def use_jit(self, enabled: bool) -> None:
        """Run plain-SGD steps as one compiled function (:mod:`.jit`, numba) when ``enabled``
        and every block offers its scalar kernels; else, and for what the compiled step
        declines batch by batch, the NumPy step below."""
        if not enabled:
            self.compiled = None
        elif self.compiled is None:
            from .jit import CompiledStep  # numba, only when asked for

            self.compiled = CompiledStep.build(self)

    # ----------------------------------------------------------------- one step
    def _buffers_for(self, batch: int) -> list[_Buffers]:
        buffers = self._buffers.get(batch)
        if buffers is None:
            buffers, previous = [], None
            for index, step in enumerate(self.steps):
                joins = index + 1 < len(self.steps) and self.steps[index + 1].joined is not None
                previous = _Buffers(batch, step, joins, previous)
                buffers.append(previous)
            first = self.steps[0]
            if first.joined is not None and first.weight.shape[0] <= first.weight.shape[1]:
                # a narrow input: copying it under a row of ones costs less than the bias
                # addition and the bias sum that [W; b] then saves
                inputs = np.empty((first.weight.shape[0] + 1, batch), self.dtype)
                inputs[-1] = 1
                buffers[0].source_joined = inputs
            self._buffers[batch] = buffers
            self._ones[batch] = np.ones(batch, self.dtype)
        return buffers

    def forward(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Forward pass, loss and dL/d(output) for one batch; the gradients wait for ``backward``.

        Returns the data loss, the regularization penalty and the output (a reused buffer).
        With a compiled step (``use_jit``) the whole plain-SGD step happens here, in one
        call, and ``backup``/``backward`` have nothing left to do for this batch.
        """
        scale = 1.0
        if self.fused:  # dL/d(out) * -lr: every gradient below becomes SGD's update
            group = self.optimizer.param_groups[0]
            scale = group["lr"] if group["maximize"] else -group["lr"]
            if self.compiled is not None and not self._flips:
                stepped = self.compiled.run(x, y, scale)
                if stepped is not None:
                    self._stepped = True
                    return stepped[0], 0.0, stepped[1]
        self._x = x
        buffers = self._batch
        if not buffers or buffers[0].out.shape[1] != x.shape[0]:
            self._batch = buffers = self._buffers_for(x.shape[0])
        inputs = buffers[0].source_joined
        if inputs is not None:  # the batch under a row of ones (see _buffers_for)
            np.copyto(inputs[:-1], x.T)
        for step, buffer in zip(self.steps, buffers, strict=True):
            # feature-major: z^T = W^T h^T + b, or [W; b]^T [h^T; 1] in one product
            if buffer.source_joined is not None:
                np.matmul(step.joined.T, buffer.source_joined, out=buffer.target)
            else:
                h = x.T if buffer.source is None else buffer.source
                np.matmul(step.weight.data.T, h, out=buffer.target)
                if step.bias is not None:
                    buffer.target += step.bias.data[:, None]
            if step.in_place:
                step.forward_(buffer.a)
            else:
                np.copyto(buffer.a, step.activation.forward(buffer.z))
        output = buffers[-1]
        loss_value = self.loss_kernel(output.a, y.T, scale, output.grad)
        penalty = 0.0
        for regularizer, parameter, _ in self.penalties:
            penalty += float(regularizer.penalty(parameter.data))
        return loss_value, penalty, buffers[-1].a.T

    def backward(self, batch: int = 0) -> None:
        """Gradients of the last ``forward`` and the optimizer step.

        For plain SGD (one group, no momentum or weight decay) ``forward`` scaled dL/d(out)
        by -lr, so the matrix products give the updates -lr * grad themselves (no pass over
        a weight-sized array for the scaling) and one addition applies them.  For a large
        group that addition writes theta + update into the group's other buffer, which the
        parameters then look at: the old weights stay there as the NaN guard's backup,
        without a copy.  Other optimizers get the flat gradient and update each group in
        place in one call.
        """
        if self._stepped:  # the compiled step has updated the weights already
            self._stepped = False
            return
        buffers = self._batch
        for index in range(len(self.steps) - 1, -1, -1):
            step, buffer = self.steps[index], buffers[index]
            if step.in_place:  # dL/dz from dL/da, in place: (units, batch)
                grad_z = step.backward_(buffer.a, buffer.grad, buffer.z)
            else:
                np.copyto(buffer.grad, step.activation.vjp(buffer.z, buffer.a, buffer.grad))
                grad_z = buffer.grad
            if index:
                np.matmul(step.weight.data, grad_z, out=buffers[index - 1].grad)
            if buffer.source_joined is not None:
                np.matmul(buffer.source_joined, grad_z.T, out=step.joined_grad)
            else:
                h = self._x.T if buffer.source is None else buffer.source
                np.matmul(h, grad_z.T, out=step.weight_grad)
                if step.bias_grad is not None:  # dz 1: the sum over the batch, on BLAS
                    np.matmul(grad_z, self._ones[grad_z.shape[1]], out=step.bias_grad)
        if self.fused:
            flat = self.groups[0]
            if self._flips:  # theta + update into the other buffer; theta stays for restore
                flat.add_into_other()
                self._flipped = False
                self._flip()
            else:
                np.add(flat.parameter.data, flat.parameter.grad, out=flat.parameter.data)
            return
        for regularizer, parameter, gradient in self.penalties:
            gradient += regularizer.gradient(parameter.data)
        for group, flat in zip(self.optimizer.param_groups, self.groups, strict=True):
            self.update(flat.parameter, group, flat.state)

    def weights(self) -> list[np.ndarray]:
        """The flat weight buffer of each group, as the parameters look at it now."""
        return [group.parameter.data for group in self.groups]

    def backup(self) -> None:
        """Keep the weights of this step for ``restore`` (flipping SGD keeps them anyway,
        the compiled step took the backup itself)."""
        if not self._flips and not self._stepped:
            for group in self.groups:
                np.copyto(group.other, group.parameter.data)

    def restore(self) -> None:
        """Back to the weights before the last step."""
        self._stepped = False
        if not self._flips:
            for group in self.groups:
                np.copyto(group.parameter.data, group.other)
        elif self._flipped:
            self._flip()

    def _flip(self) -> None:
        for group in self.groups:
            group.flip()
        for step in self.steps:
            step.follow()
        self._flipped = not self._flipped

    def finish(self) -> None:
        """Hand the optimizer its per-parameter state back (views into the flat state)."""
        self._stepped = False
        for group in self.groups:
            group.scatter_state(self.optimizer)


def loss_kernel(loss: Any) -> Callable[[np.ndarray, np.ndarray, float, np.ndarray], float] | None:
    """``kernel(y_pred, y_true, scale, out) -> value`` on (classes, batch) arrays, or None.

    Asks the loss (see :class:`~.step.ClosedFormLoss`): its ``closed_form`` accessor when
    it has one, else its ``value_and_grad``.  None when it offers neither, says
    ``has_closed_form = False``, or redefines ``__call__`` below the class that wrote the
    closed form (a subclass's own formula does not inherit its parent's gradient).
    """
    if (
        not callable(getattr(loss, "value_and_grad", None))
        or not getattr(loss, "has_closed_form", True)
        or not kernel_is_trusted(type(loss), "value_and_grad", ("__call__",))
    ):
        return None
    closed_form = getattr(loss, "closed_form", None)
    if callable(closed_form):
        return closed_form()
    return functools.partial(_through_value_and_grad, loss.value_and_grad)


def _through_value_and_grad(
    value_and_grad: Callable[..., tuple[float, np.ndarray]],
    y_pred: np.ndarray,
    y_true: np.ndarray,
    scale: float,
    out: np.ndarray,
) -> float:
    return value_and_grad(y_pred, y_true, scale=scale, out=out, class_axis=0)[0]


def _settings(loss: Any) -> tuple[Any, dict[str, Any]]:
    """The loss's reduction and options (None and {} for a loss without them)."""
    return getattr(loss, "reduction", None), dict(getattr(loss, "options", None) or {})


def _has_hooks(model: Module) -> bool:
    return any(module.has_forward_hooks for module in model.modules())


def _groups_serve(groups: list[FlatGroup], optimizer: Any) -> bool:
    """Whether ``groups`` are still the optimizer's parameter groups, one for one."""
    return len(groups) == len(optimizer.param_groups) and all(
        group.serves(param_group)
        for group, param_group in zip(groups, optimizer.param_groups, strict=True)
    )


def _grad_view(groups: list[FlatGroup], param: Parameter) -> np.ndarray:
    """``param``'s view of the flat gradient of the group that holds it."""
    return next(view for view in (g.grad_of(param) for g in groups) if view is not None)


def _is_plain_sgd(optimizer: Any, group: dict[str, Any]) -> bool:
    """SGD without momentum or weight decay: theta <- theta -/+ lr * grad, nothing else."""
    from .optim.sgd import SGD

    return type(optimizer) is SGD and group["momentum"] == 0 and group["weight_decay"] == 0
