"""Activation functions, each with its derivative beside it.

Every activation is an :class:`Activation` object:

* ``act(tensor)`` -> Tensor, differentiable (one graph node);
* ``act.forward(x)`` -> ndarray, the function on a NumPy array;
* ``act.derivative(x)`` -> ndarray, element-wise d/dx at the pre-activation ``x``
  (softmax and log_softmax have ``jacobian(x)`` instead);
* ``act.vjp(x, y, g)`` -> ndarray, ``g * f'(x)`` given the output ``y = f(x)``;
  overridden where the output makes it cheaper (sigmoid: y(1 - y)), and used by
  the fused Dense node;
* ``act.name`` and ``act.formula`` (LaTeX for plots and docs).

``get(name, **options)`` resolves names and aliases; ``available()`` lists them.
Values and derivatives match PyTorch's functions and autograd, at 0 included.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import Registry
from ..engine.tensor import Tensor, tensor


class Activation:
    """Base class: subclasses define ``forward`` and ``derivative`` (and maybe ``vjp``)."""

    name = "activation"
    formula = ""
    element_wise = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Gradient with respect to the input, given input ``x``, output ``y`` and output grad ``g``."""
        return g * self.derivative(x)

    def __call__(self, x: Tensor | Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = tensor(x)
        pre_activation = x.data
        out = self.forward(pre_activation)
        return Tensor._node(out, (x,), lambda g: (self.vjp(pre_activation, out, g),), self.name)

    def get_config(self) -> dict[str, Any]:
        """Options that rebuild this activation through ``get(name, **config)``."""
        return {}

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({options})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(sorted(self.get_config().items()))))


registry = Registry("activation", Activation)


@registry.register("identity", "linear")
class Identity(Activation):
    """f(x) = x."""

    name = "identity"
    formula = r"f(x) = x"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.ones_like(x)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g


@registry.register("relu")
class ReLU(Activation):
    """f(x) = max(0, x); f'(0) = 0 as in PyTorch (Nair & Hinton, 2010)."""

    name = "relu"
    formula = r"f(x) = \max(0, x)"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return (x > 0).astype(x.dtype)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g * (y > 0)


@registry.register("sigmoid", "logistic")
class Sigmoid(Activation):
    """f(x) = 1 / (1 + e^{-x}); f'(x) = f(x)(1 - f(x)). Stable for |x| large."""

    name = "sigmoid"
    formula = r"\sigma(x) = \frac{1}{1 + e^{-x}}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        # exp(-|x|) never overflows; pick the algebraically equal branch by sign.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        y = self.forward(x)
        return y * (1 - y)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g * y * (1 - y)


def get(identifier: Any, **options: Any) -> Activation | Any:
    """Resolve an activation from a name/alias (with options), config dict, instance or callable.

    >>> get("leaky_relu", alpha=0.2)
    LeakyReLU(alpha=0.2)
    """
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Primary names of all activations."""
    return registry.names()
