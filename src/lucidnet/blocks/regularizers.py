"""Weight penalties added to the loss: ``regularizer(weight) -> Tensor`` (a differentiable scalar).

* ``L1(l1)``:  R(w) = l1 * sum |w|,          dR/dw = l1 * sign(w)
* ``L2(l2)``:  R(w) = l2 * 1/2 * sum w^2,    dR/dw = l2 * w
* ``L1L2(l1, l2)``: the sum of both.

L2 uses the textbook definition with the factor 1/2 (Goodfellow et al., Deep Learning, 7.1.1), so its gradient ``l2 * w`` is
exactly PyTorch's ``SGD(weight_decay=l2)`` term.  (Keras's ``L2`` has no 1/2: Keras
``L2(x)`` is lucidnet ``L2(2 * x)``.)  Seed example: with x = [1, 1, 1, 1], the
weights w1 = [1, 0, 0, 0] and w2 = [0.25] * 4 give the same output x . w = 1, but
``L2(1.0)`` prefers the spread-out w2 (penalty 0.125 against 0.5), while ``L1(1.0)``
charges both 1.

``get(name, **options)`` resolves "l1", "l2" and "l1_l2" (alias "l1l2"), and a
config dict ``{"name": r.name, "config": r.get_config()}``; ``available()`` lists them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_real
from .._registry import Configurable, Registry
from ..engine.tensor import Tensor


def _coefficient(value: Any, argument: str) -> float:
    """A penalty factor as a Python float (so float32 weights stay float32), checked >= 0."""
    return check_real(value, argument, low=0)


class Regularizer(Configurable):
    """Base: ``penalty(w)`` and ``gradient(w)`` on arrays; ``__call__`` makes one graph node.

    ``name`` is the registry name, so ``get({"name": r.name, "config": r.get_config()})``
    rebuilds an equal regularizer (the form saved in a model's architecture).
    """

    name = "regularizer"

    def penalty(self, weight: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradient(self, weight: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, weight: Tensor | Any) -> Tensor:
        if not isinstance(weight, Tensor):
            weight = Tensor(weight)
        w = weight.data
        return Tensor._node(
            np.asarray(self.penalty(w), dtype=w.dtype),
            (weight,),
            lambda g: (g * self.gradient(w),),
            type(self).__name__,
        )


registry = Registry("regularizer", Regularizer)


@registry.register("l1")
class L1(Regularizer):
    """R(w) = l1 * sum |w| (lasso; Tibshirani, 1996); dR/dw = l1 * sign(w), 0 at w = 0."""

    name = "l1"

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _coefficient(l1, "l1")

    def penalty(self, weight: np.ndarray) -> np.ndarray:
        return self.l1 * np.abs(weight).sum()

    def gradient(self, weight: np.ndarray) -> np.ndarray:
        return self.l1 * np.sign(weight)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


@registry.register("l2")
class L2(Regularizer):
    """R(w) = l2 * 1/2 * sum w^2 (weight decay); dR/dw = l2 * w, PyTorch's SGD ``weight_decay``."""

    name = "l2"

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _coefficient(l2, "l2")

    def penalty(self, weight: np.ndarray) -> np.ndarray:
        return 0.5 * self.l2 * np.vdot(weight, weight)

    def gradient(self, weight: np.ndarray) -> np.ndarray:
        return self.l2 * weight

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


@registry.register("l1_l2", "l1l2", "elastic_net")
class L1L2(Regularizer):
    """R(w) = l1 * sum |w| + l2 * 1/2 * sum w^2 (elastic net; Zou & Hastie, 2005)."""

    name = "l1_l2"

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self._l1, self._l2 = L1(l1), L2(l2)

    @property
    def l1(self) -> float:
        return self._l1.l1

    @property
    def l2(self) -> float:
        return self._l2.l2

    def penalty(self, weight: np.ndarray) -> np.ndarray:
        return self._l1.penalty(weight) + self._l2.penalty(weight)

    def gradient(self, weight: np.ndarray) -> np.ndarray:
        return self._l1.gradient(weight) + self._l2.gradient(weight)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


# Keras's lower-case spellings.
l1 = L1
l2 = L2
l1_l2 = L1L2


def get(identifier: Any, **options: Any) -> Regularizer | Any:
    """Resolve a regularizer from a name (with options), config dict, instance or callable.

    >>> get("l2", l2=0.001)
    L2(l2=0.001)
    """
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Primary names of all regularizers."""
    return registry.names()


def penalty_terms(model: Any) -> list[tuple[Regularizer | Any, Tensor]]:
    """``(regularizer, parameter)`` for every layer's ``kernel_regularizer``/``bias_regularizer``.

    The training loss adds ``regularizer(parameter)`` for each term.
    """
    terms = []
    for module in model.modules():
        for attribute, parameter_name in (
            ("kernel_regularizer", "weight"),
            ("bias_regularizer", "bias"),
        ):
            regularizer = getattr(module, attribute, None)
            parameter = getattr(module, parameter_name, None)
            if regularizer is not None and parameter is not None:
                terms.append((get(regularizer), parameter))
    return terms
