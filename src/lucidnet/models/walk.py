"""The one model walker: a model's input width, and its layers' calls in order.

Summary, lint's layer graph, ``plot_model``, ONNX export and ``fit``'s input
check all need to know what a model takes and which layer runs after which.
They ask here instead of each guessing its own way:

- :func:`input_features` — the feature shape a model takes (batch axis dropped):
  a Sequential's or functional model's own, else the first layer inside that
  was given ``input_shape=`` (``Linear(3, 4)`` counts: it is built at once).
- :func:`trace_calls` — run the model once on zeros, in eval mode, and record
  each watched module's call (module, inputs, output) in call order; a
  subclassed model is read this way, since its order lives in ``forward``.

>>> import lucidnet as ln
>>> class Net(ln.Module):
...     def __init__(self):
...         super().__init__()
...         self.first = ln.layers.Linear(3, 4)
...         self.second = ln.layers.Dense(2)
...     def forward(self, x):
...         return self.second(ln.functional.relu(self.first(x)))
>>> net = Net()
>>> input_features(net)
(3,)
>>> [(type(call.module).__name__, call.output.shape) for call in trace_calls(net, (3,)).calls]
[('Linear', (2, 4)), ('Dense', (2, 2))]
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..blocks.modes import evaluating
from ..blocks.module import Module
from ..engine.tensor import Tensor


@dataclass
class Trace:
    """What one run of a model on zeros showed: the calls in order, its input and output."""

    calls: list[Call]
    input: Tensor
    output: Any


@dataclass
class Call:
    """One forward call of a watched module during a trace."""

    module: Module
    inputs: tuple[Any, ...]
    output: Any


def input_features(model: Module) -> tuple[int, ...] | None:
    """The feature shape ``model`` takes, or None when nothing in it says."""
    own = getattr(model, "input_shape", None)
    if isinstance(own, tuple):
        return own
    inputs = getattr(model, "inputs", None)
    if isinstance(inputs, list) and len(inputs) == 1 and hasattr(inputs[0], "shape"):
        return tuple(inputs[0].shape[1:])
    for module in model.modules():
        shape = getattr(module, "input_shape", None)
        if module is not model and isinstance(shape, tuple):
            return shape
    return None


def trace_calls(
    model: Module,
    features: tuple[int, ...],
    watch: Iterable[Module] | None = None,
    *,
    batch_size: int = 2,
    record_graph: bool = False,
) -> Trace:
    """Calls of ``watch`` (default: ``model``'s children) while ``model`` runs once on zeros.

    The model runs in eval mode (restored afterwards), so Dropout and BatchNorm
    change nothing.  ``record_graph=True`` keeps autograd on, for callers that
    follow tensors from one call to the next through functional operations.
    Returns a :class:`Trace`: the calls in order, the zeros fed in, the output.
    """
    calls: list[Call] = []

    def record(module: Module, inputs: tuple[Any, ...], output: Any) -> None:
        calls.append(Call(module, inputs, output))

    dummy = Tensor(np.zeros((batch_size, *features), dtype=model.dtype))
    with evaluating(model, record_graph=record_graph), ExitStack() as stack:
        for module in model.children() if watch is None else watch:
            stack.enter_context(module.register_forward_hook(record))
        output = model(dummy)
    return Trace(calls, dummy, output)
