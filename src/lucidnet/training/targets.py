"""The one input check of ``fit``, ``evaluate`` and ``predict`` (and so of the scikit-learn
estimators): inputs of the shape the model takes, targets that fit the loss.

Targets are checked on the whole array before the first step by the loss's own
:meth:`~lucidnet.training.losses.Loss.check_target` (shapes, binary targets in [0, 1],
integer labels in [0, C), one-hot width), so a fast path that computes a step without
calling the loss never sees a target the loss would refuse.  For a model with one output
column, ``y`` of shape (n,) is taken as (n, 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..blocks.layers import Dense, Linear, Maxout
from ..blocks.modes import evaluating
from ..engine.tensor import Tensor
from .data import prepare_features, prepare_targets
from .labels import check_target

# Layers whose output width is their ``units``.
_KNOWN_WIDTH = (Dense, Linear, Maxout)

Inputs = np.ndarray | list[np.ndarray]
"""One array, or one array per input of a multi-input functional model."""


def input_count(model: Any) -> int:
    """How many input arrays ``model`` takes (a functional model may take several)."""
    inputs = getattr(model, "inputs", None)
    if isinstance(inputs, list) and not getattr(model, "single_input", True):
        return len(inputs)
    return 1


def _expected_features(model: Any) -> tuple[tuple[int, ...] | None, int | None]:
    """The shape of one sample if the model states it, else the feature count of its first
    weighted layer if known."""
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, tuple) and shape and all(isinstance(d, int) for d in shape):
        return shape, None
    first = next(
        (m for m in model.modules() if getattr(m, "weight", None) is not None and m is not model),
        None,
    )
    if first is not None and getattr(first, "input_shape", None) is not None:
        return None, first.input_shape[-1]
    return None, None


def prepare_inputs(model: Any, x: Any, argument: str = "x") -> Inputs:
    """``x`` checked and converted to the model's dtype: one array [n_samples, ...], or for
    a model with several inputs a list of such arrays, one per input, of equal length."""
    count = input_count(model)
    if count == 1:
        sample_shape, features = _expected_features(model)
        return prepare_features(x, model.dtype, features, argument, sample_shape)
    if isinstance(x, dict):
        names = [t.name for t in model.inputs]
        missing = [n for n in names if n not in x]
        if missing:
            raise ValueError(f"{argument} needs the inputs {names}; missing {missing}")
        x = [x[n] for n in names]
    if not isinstance(x, (list, tuple)) or len(x) != count:
        given = f"a list of {len(x)}" if isinstance(x, (list, tuple)) else type(x).__name__
        raise ValueError(
            f"model {model.name!r} takes {count} inputs {[t.name for t in model.inputs]}: "
            f"give {argument} as a list of {count} arrays [x1, x2, ...], got {given}"
        )
    arrays = [
        prepare_features(part, model.dtype, None, f"{argument}[{index}]", tuple(shape))
        for index, (part, shape) in enumerate(zip(x, model.input_shape, strict=True))
    ]
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(
            f"the inputs in {argument} have different numbers of samples "
            f"{[len(a) for a in arrays]}; they must have the same length"
        )
    return arrays


def sample_count(inputs: Inputs) -> int:
    return len(inputs[0]) if isinstance(inputs, list) else len(inputs)


def take(inputs: Inputs, index: Any) -> Inputs:
    """Rows ``index`` (a slice keeps views, an index array copies) of every input array."""
    if isinstance(inputs, list):
        return [part[index] for part in inputs]
    return inputs[index]


def as_tensors(inputs: Inputs) -> Tensor | list[Tensor]:
    return [Tensor(part) for part in inputs] if isinstance(inputs, list) else Tensor(inputs)


def output_width(model: Any, inputs: Inputs) -> int:
    """Columns of the model's output: read from the last layer, or from a forward pass on two
    samples (in eval mode, without a graph)."""
    last = getattr(model, "layers", None)
    if last and type(last[-1]) in _KNOWN_WIDTH and last[-1].built:  # no forward pass needed
        return last[-1].units
    with evaluating(model):
        out = model(as_tensors(take(inputs, slice(0, 2))))
    if not isinstance(out, Tensor):
        raise ValueError(
            f"fit/evaluate support models with one output tensor; model "
            f"{model.name!r} returned {type(out).__name__}"
        )
    return out.shape[-1]


def check_loss_targets(loss: Any, targets: np.ndarray, width: int, argument: str = "y") -> None:
    """The loss's own target check on the whole array (outputs of shape (n, width)); a plain
    callable gets the shape check only."""
    shape = (len(targets), width)
    checker = getattr(loss, "check_target", None)
    if checker is not None:
        checker(shape, targets, argument)
    else:
        check_target(None, shape, targets, getattr(loss, "__name__", "loss"), argument)


def prepare(model: Any, loss: Any, x: Any, y: Any, argument: str = "") -> tuple[Inputs, np.ndarray]:
    """Inputs and targets of ``fit``/``evaluate``, checked against the model and the loss.

    ``argument`` prefixes the names in messages ("validation " for validation data).
    """
    features = prepare_inputs(model, x, f"{argument}x")
    width = output_width(model, features)
    targets = prepare_targets(
        y, sample_count(features), width, f"{argument}y", f"{argument}x", model.dtype
    )
    check_loss_targets(loss, targets, width, f"{argument}y")
    return features, targets
