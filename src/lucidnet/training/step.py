"""How one training step is computed: the :class:`TrainingStep` protocol, its two
implementations, and the kernels a faster step asks for.

The training loop (:mod:`.loop`) owns everything around a step — batches, the NaN guard,
callbacks, history — and asks a step object for the arithmetic only.  Two implement it
and give the same numbers:

* :class:`TapeStep`, the generic one: forward on the autograd tape, ``backward()``,
  ``optimizer.step()``; any Module, loss, regularizer and callback.
* :class:`~lucidnet.training.plan.TrainingPlan`, the static plan of a Dense stack, faster.
  It takes no decision by name: it asks each building block for its kernels and the
  loop falls back to the tape when one is missing:

  * an activation for ``forward_``/``backward_`` (in place; see
    :class:`lucidnet.blocks.activations.Activation`), else its ``forward``/``vjp``;
  * the loss for a closed-form ``value_and_grad`` (:class:`ClosedFormLoss`);
  * the optimizer for ``update(param, group, state)`` on a whole flattened group,
    offered when ``updates_flat_groups`` is true (:class:`GroupUpdater`).

:func:`choose_step` picks the plan when it can compute this model and loss and nothing
needs the tape (a callback reading gradients), else the tape.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..engine.tensor import Tensor
from .plan import TrainingPlan
from .state import TrainingState
from .targets import Inputs, as_tensors


@runtime_checkable
class TrainingStep(Protocol):
    """One training step on a batch, split where the loop's NaN guard looks at the loss: the
    loop calls, per batch, ``forward`` then (when the loss is finite) ``backup`` and
    ``backward``; ``restore`` after a non-finite loss or weights; ``finish`` once at the end."""

    def forward(self, x: Inputs, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Forward pass and loss of a batch: (data loss, regularization penalty, prediction
        (batch, out)); the prediction may be a buffer reused later.  Changes no weight when
        the loss is not finite.  A step that computes everything in one call (the plan's
        compiled step) may finish the batch here when the loss is finite, keeping the
        backup first; its ``backup`` and ``backward`` then do nothing for that batch."""
        ...

    def backward(self, batch: int) -> None:
        """Gradients of the last ``forward`` and the optimizer's update (the weights change)."""
        ...

    def weights(self) -> list[np.ndarray]:
        """The arrays that together hold every trainable weight, as the step updates them
        (the NaN guard checks and copies these; the plan has one flat array per group)."""
        ...

    def backup(self) -> None:
        """Keep the current weights for ``restore``."""
        ...

    def restore(self) -> None:
        """Put back the weights kept by the last ``backup``."""
        ...

    def finish(self) -> None:
        """Hand everything back (optimizer state, gradients) as the tape would leave it."""
        ...


@runtime_checkable
class ClosedFormLoss(Protocol):
    """A loss that can give its value and gradient without a graph (``ln.losses.Loss`` does
    for mse, binary/categorical cross-entropy on logits and softmax cross-entropy).

    ``value_and_grad`` must equal calling the loss and ``backward()``: the reduced value,
    and ``scale * dL/dy_pred`` written into ``out``, for the bound reduction ("mean" or
    "sum"); ``class_axis`` is 0 when the plan hands over (classes, batch) arrays (soft
    targets then come transposed alike, integer labels stay (batch,)).  An object that
    has ``has_closed_form = False`` does not offer it.
    """

    reduction: str

    def __call__(self, y_pred: Any, y_true: Any) -> Any: ...

    def value_and_grad(
        self,
        y_pred: np.ndarray,
        y_true: np.ndarray,
        reduction: str | None = None,
        *,
        scale: float = 1.0,
        out: np.ndarray | None = None,
        class_axis: int = -1,
    ) -> tuple[float, np.ndarray]: ...


@runtime_checkable
class GroupUpdater(Protocol):
    """An optimizer whose ``update`` can take a whole parameter group as one flat array."""

    updates_flat_groups: bool
    param_groups: list[dict[str, Any]]

    def update(self, param: Any, group: dict[str, Any], state: dict[str, Any]) -> None: ...


def choose_step(model: Any, state: TrainingState, callbacks: Any) -> TrainingStep:
    """The static plan when the model and loss allow it (same numbers, faster), else the tape.

    The plan's build asks the loss for its closed form (with its own reduction) and the
    optimizer and activations for their kernels, and declines what it cannot replay.
    The plan is kept in ``state.plan`` and reused by the next fit while it still fits;
    with ``state.jit_compile`` it runs plain-SGD steps as one compiled function.
    """
    if not callbacks.wants_backward_hook:
        cached = state.plan
        if cached is None or not cached.still_fits(state.loss, state.optimizer, state.penalties):
            # positional arguments: tests replace TrainingPlan.build to compare both paths
            state.plan = TrainingPlan.build(model, state.loss, state.optimizer, state.penalties)
        if state.plan is not None:
            state.plan.use_jit(state.jit_compile)
            return state.plan
    return TapeStep(model, state, callbacks)


class TapeStep:
    """The generic training step on the autograd tape: any Module, loss and callbacks."""

    def __init__(self, model: Any, state: TrainingState, callbacks: Any) -> None:
        self.model = model
        self.state = state
        self.callbacks = callbacks
        self.backward_hook = callbacks.wants_backward_hook
        self.parameters = model.trainable_parameters()
        self.saved = [p.data.copy() for p in self.parameters]
        self.loss: Tensor | None = None

    def forward(self, x: Inputs, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        prediction = self.model(as_tensors(x))
        loss = self.state.loss(prediction, y)
        data_loss, penalty_value = float(loss.data), 0.0
        penalties = self.state.penalties
        if penalties:
            penalty = sum((r(p) for r, p in penalties[1:]), penalties[0][0](penalties[0][1]))
            penalty_value = float(penalty.data)
            loss = loss + penalty
        self.loss = loss
        return data_loss, penalty_value, prediction.data

    def backward(self, batch: int) -> None:
        optimizer = self.state.optimizer
        optimizer.zero_grad()
        self.loss.backward()
        self.loss = None
        if self.backward_hook:
            self.callbacks.on_backward_end(batch)
        optimizer.step()

    def weights(self) -> list[np.ndarray]:
        return [parameter.data for parameter in self.parameters]

    def backup(self) -> None:
        for parameter, saved in zip(self.parameters, self.saved, strict=True):
            np.copyto(saved, parameter.data)

    def restore(self) -> None:
        for parameter, saved in zip(self.parameters, self.saved, strict=True):
            parameter.data[...] = saved
            parameter.grad = None

    def finish(self) -> None:
        """Nothing to hand back: the tape works on the parameters directly."""
