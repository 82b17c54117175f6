"""Short training probes on a model's own weights, put back afterwards.

``preflight`` and ``lr_find`` try a few optimizer steps to see how a network responds
(can it overfit a tiny batch? does a smaller learning rate do better?).  A probe
runs the PyTorch loop ``zero_grad(); loss.backward(); step()`` on the autograd
tape with a fresh optimizer of the model's kind, and :class:`Snapshot` restores the
weights and gradients exactly as they were, so the model is left untouched.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..blocks import regularizers as regularizer_registry
from ..blocks.module import Module
from ..engine.tensor import Tensor, no_grad
from ..training.optim import optimizer as optimizer_registry


class Snapshot:
    """The values of every parameter (and which gradient array it held), to put back later."""

    def __init__(self, model: Module) -> None:
        self.parameters = model.parameters()
        self.values = [p.data.copy() for p in self.parameters]
        self.grads = [p.grad for p in self.parameters]

    def restore(self) -> None:
        for parameter, value, grad in zip(self.parameters, self.values, self.grads, strict=True):
            np.copyto(parameter.data, value)  # in place: views into a plan's buffer stay valid
            parameter.grad = grad

    def __enter__(self) -> Snapshot:
        for parameter in self.parameters:
            parameter.grad = None  # a probe's backward must not add into the plan's gradients
        return self

    def __exit__(self, *exc: Any) -> None:
        self.restore()


def fresh_optimizer(optimizer: Any, model: Module, lr: float | None = None) -> Any:
    """A new optimizer of ``optimizer``'s kind and options (``lr`` replaced if given),
    bound to ``model``'s trainable parameters; Adam at 1e-3 when ``optimizer`` is None."""
    if optimizer is None or not hasattr(optimizer, "get_config"):
        name, options = "adam", {}
    else:
        name, options = optimizer.name, dict(optimizer.get_config())
    if lr is not None:
        options["lr"] = lr
    fresh = optimizer_registry.get(name, **options)
    return fresh.bind(model.trainable_parameters())


def total_loss(model: Module, loss: Any, x: np.ndarray, y: np.ndarray) -> tuple[Tensor, float]:
    """The data loss plus the regularization penalties as a Tensor, and the data part alone."""
    data = loss(model(Tensor(x)), y)
    value = float(data.data)
    terms = regularizer_registry.penalty_terms(model)
    for regularizer, parameter in terms:
        data = data + regularizer(parameter)
    return data, value


def train_steps(
    model: Module, loss: Any, optimizer: Any, x: np.ndarray, y: np.ndarray, steps: int
) -> list[float]:
    """``steps`` full-batch steps on ``(x, y)``: the data loss before each step and after the
    last (``steps + 1`` values); stops early at a non-finite loss."""
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        total, value = total_loss(model, loss, x, y)
        losses.append(value)
        if not math.isfinite(float(total.data)):
            return losses
        total.backward()
        optimizer.step()
    with no_grad():
        losses.append(total_loss(model, loss, x, y)[1])
    return losses


def predict(model: Module, x: np.ndarray) -> np.ndarray:
    """Eval-mode outputs without a graph."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return model(Tensor(x)).data
    finally:
        model.train(was_training)


__all__ = ["Snapshot", "fresh_optimizer", "predict", "total_loss", "train_steps"]
