"""The training state of a model, in one typed object: what ``compile`` resolved and what
``fit`` keeps between calls.

``compile`` stores a :class:`TrainingState` on the model (``training_state(model)`` reads
it).  The Keras attributes users read stay on the model as Keras has them:
``model.optimizer``, ``model.history`` (the last History) and ``model.stop_training``
(which a callback sets to end training after the current epoch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine.tensor import Parameter

_ATTRIBUTE = "_training_setup"  # the name diagnostics and tests know


@dataclass
class TrainingState:
    """Optimizer, loss, metrics (with their log names), regularization terms and the cached
    fast step of one compiled model."""

    optimizer: Any
    loss: Any
    metrics: list[Any]
    metric_names: list[str]
    penalties: list[tuple[Any, Parameter]] = field(default_factory=list)
    plan: Any = None  # the static plan of the last fit, reused while it still fits
    jit_compile: bool = False  # the plan's plain-SGD step as one numba function (training/jit.py)


def attach(model: Any, state: TrainingState) -> None:
    """Store ``state`` on ``model`` (replacing an earlier compile's) and show its optimizer."""
    object.__setattr__(model, _ATTRIBUTE, state)
    model.optimizer = state.optimizer


def training_state(model: Any) -> TrainingState | None:
    """The state ``compile`` attached to ``model``, or None."""
    return getattr(model, _ATTRIBUTE, None)


def compiled_state(model: Any) -> TrainingState:
    """The state of a compiled model; a clear ValueError for one that is not compiled."""
    state = training_state(model)
    if state is None:
        raise ValueError(
            f"model {model.name!r} is not compiled: call model.compile(optimizer=..., "
            "loss=...) before fit/evaluate"
        )
    return state
