"""``evaluating(module)``: run a module for inference, then put its mode back.

Inference means eval mode (dropout off, batch norm on its running statistics) and
no autograd graph.  The context restores the mode the module had before, so
``model.eval(); model.evaluate(x, y)`` leaves the model in eval mode, and a model
in training keeps training after a validation pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..engine.tensor import no_grad


@contextmanager
def evaluating(module: Any) -> Iterator[Any]:
    """Eval mode and ``no_grad`` inside the block; the previous mode after it, even on error.

    >>> import lucidnet as ln
    >>> model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,))])
    >>> with evaluating(model):
    ...     model.training
    False
    >>> model.training
    True
    """
    was_training = module.training
    module.eval()
    try:
        with no_grad():
            yield module
    finally:
        module.train(was_training)


@contextmanager
def training_mode(module: Any) -> Iterator[Any]:
    """Train mode inside the block (dropout on); the previous mode after it, even on error."""
    was_training = module.training
    module.train()
    try:
        yield module
    finally:
        module.train(was_training)
