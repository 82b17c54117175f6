"""The interface of one training step, and of the kernels a faster step asks for.

The training loop owns everything around a step (batches, the NaN guard,
callbacks, history); *how* a step is computed is a :class:`TrainingStep`.  Two
implement it and give the same numbers: the autograd tape (any model, loss and
callback) and the static plan of :mod:`lucidnet.training.plan` (a Dense stack,
faster).  The plan takes no decision by name: it asks each building block for
its kernels and falls back to the tape when one is missing:

* an activation for ``forward_``/``backward_`` (in place; see
  :class:`lucidnet.blocks.activations.Activation`), else its ``forward``/``vjp``;
* the loss for a closed-form ``value_and_grad`` (:class:`ClosedFormLoss`);
* the optimizer for ``update(param, group, state)`` on a whole flattened group,
  offered when ``updates_flat_groups`` is true (:class:`GroupUpdater`).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TrainingStep(Protocol):
    """One training step, computed on the tape or by a plan: the loop calls, per batch,
    ``forward`` then (when the loss is finite) ``backup`` and ``backward``; ``restore``
    after a non-finite loss; ``finish`` once when training ends."""

    def forward(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Forward pass and loss of one batch: (data loss, penalty, prediction (batch, out))."""
        ...

    def backward(self, batch: int) -> None:
        """Gradients of the last ``forward`` and the optimizer's update."""
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
