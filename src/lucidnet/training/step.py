"""How one training step is computed: the :class:`Step` protocol and its two implementations.

The training loop (:mod:`.loop`) owns everything around a step — batching, the NaN guard,
callbacks, history — and asks a step object for the arithmetic only.  Two objects do it:

* :class:`TapeStep`, the generic one: forward on the autograd tape, ``backward()``,
  ``optimizer.step()``; any Module, loss, regularizer and callback.
* :class:`~lucidnet.training.plan.TrainingPlan`, the fast one for plain Dense stacks with a
  loss it can compute in closed form; same numbers as the tape (to rounding).

:func:`choose_step` picks the plan when it can compute this loss and nothing needs the
tape (a callback reading gradients), else the tape.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..engine.tensor import Tensor
from .plan import TrainingPlan
from .state import TrainingState
from .targets import Inputs, as_tensors


class Step(Protocol):
    """One training step on a batch, split where the loop's NaN guard looks at the loss."""

    def forward(self, x: Inputs, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Forward pass and loss of a batch: (data loss, regularization penalty, prediction).

        Changes no weight.  The prediction may be a buffer reused by the next step.
        """
        ...

    def backward(self, batch: int) -> None:
        """Gradients of the last ``forward`` and the optimizer step (the weights change)."""
        ...

    def backup(self) -> None:
        """Remember the current weights: the state ``restore`` goes back to."""
        ...

    def restore(self) -> None:
        """Put back the weights of the last ``backup``."""
        ...

    def finish(self) -> None:
        """End of training: hand anything held apart (optimizer state) back to its owner."""
        ...


def plan_can_compute(loss: Any) -> bool:
    """Whether the static plan may compute ``loss``: the loss says so (``has_closed_form``),
    or, for a loss that does not say, its ``reduction`` is the plan's "mean" (a loss bound
    to "sum" is then trained on the tape, which honours it).  The plan's own build still
    declines what it cannot replay."""
    offered = getattr(loss, "has_closed_form", None)
    if offered is not None:
        return bool(offered)
    return getattr(loss, "reduction", "mean") == "mean"


def choose_step(model: Any, state: TrainingState, callbacks: Any) -> Step:
    """The static plan when the model and loss allow it (same numbers, faster), else the tape.

    The plan is kept in ``state.plan`` and reused by the next fit while it still fits.
    """
    if not callbacks.wants_backward_hook and plan_can_compute(state.loss):
        cached = state.plan
        if cached is not None and cached.still_fits(state.loss, state.optimizer, state.penalties):
            return cached
        # positional arguments: tests replace TrainingPlan.build to compare both paths
        state.plan = TrainingPlan.build(model, state.loss, state.optimizer, state.penalties)
        if state.plan is not None:
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

    def backup(self) -> None:
        for parameter, saved in zip(self.parameters, self.saved, strict=True):
            np.copyto(saved, parameter.data)

    def restore(self) -> None:
        for parameter, saved in zip(self.parameters, self.saved, strict=True):
            parameter.data[...] = saved
            parameter.grad = None

    def finish(self) -> None:
        """Nothing to hand back: the tape works on the parameters directly."""
