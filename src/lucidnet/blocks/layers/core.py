"""Shape-preserving and reshaping layers without weights: Activation, Dropout, Flatten."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import check_real
from ...engine.random import get_rng
from ...engine.tensor import Tensor
from ..activations import Activation as ActivationFunction
from ..activations import get as get_activation
from .base import Layer, calls_as_written


class Activation(Layer):
    """Applies an activation by name, e.g. ``Activation("softmax")``."""

    def __init__(self, activation: Any, name: str | None = None, **options: Any) -> None:
        super().__init__(name=name)
        self.activation = get_activation(activation, **options)
        object.__setattr__(self, "built", True)

    def forward(self, x: Any) -> Tensor:
        return self.activation(self.as_input(x))

    def stack_activation(self, dtype: np.dtype) -> ActivationFunction | None:
        """The activation, when calling this layer on a float tensor of ``dtype`` is exactly
        applying it (no forward hook, no cast, an activation object, a class that does not
        redefine ``forward`` or ``__call__``): a model may then fold it into the Dense layer
        before it, as ``Dense(units, activation=...)``; else None."""
        activation = self.activation
        if (
            self._call_hooks
            or not isinstance(activation, ActivationFunction)
            or (self.dtype_policy is not None and self.dtype_policy != dtype)
            or not calls_as_written(type(self), "stack_activation")
        ):
            return None
        return activation

    def get_config(self) -> dict[str, Any]:
        activation = self.activation
        if not isinstance(activation, ActivationFunction):
            raise ValueError(f"layer {self.name!r} wraps a plain callable; it cannot be saved")
        return {"activation": activation.name, **activation.get_config(), "name": self.name}


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate`` and scale by 1/(1-rate).

    Identity in eval mode (Srivastava et al., 2014).
    """

    def __init__(self, rate: float, name: str | None = None, rng: Any = None) -> None:
        super().__init__(name=name)
        self.rate = check_real(rate, "Dropout rate", low=0, high=1, closed="left")
        self._rng = rng
        object.__setattr__(self, "built", True)

    def forward(self, x: Any) -> Tensor:
        x = self.as_input(x)
        if not self.training or self.rate == 0:
            return x
        keep = 1.0 - self.rate
        mask = (get_rng(self._rng).random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * Tensor(mask)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "name": self.name}


class Flatten(Layer):
    """Reshape ``[batch, d1, d2, ...]`` to ``[batch, d1 * d2 * ...]``."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        object.__setattr__(self, "built", True)

    def forward(self, x: Any) -> Tensor:
        x = self.as_input(x)
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64)))
