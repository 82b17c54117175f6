"""Activations with learned parameters: PReLU and Maxout."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import check_positive_int
from ...engine.tensor import Parameter, Tensor, unbroadcast
from .base import Layer, check_features
from .dense import Dense


class PReLU(Layer):
    """Parametric ReLU: f(x) = x for x > 0, a * x otherwise, with learned ``a`` (He et al., 2015).

    As ``torch.nn.PReLU(num_parameters=1, init=0.25)``: one shared slope, or one per
    feature when ``num_parameters`` equals the number of features.  f'(0) = a, as torch.
    """

    family = "relu"  # what it is, as on an Activation class
    recommended_initializer = "he_uniform"

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        name: str | None = None,
        dtype: object | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.num_parameters = check_positive_int(num_parameters, "PReLU num_parameters")
        self.init = float(init)
        self.weight = Parameter(np.full((num_parameters,), self.init, dtype=self.param_dtype))
        object.__setattr__(self, "built", True)

    def forward(self, x: Any) -> Tensor:
        x = self.as_input(x, self.weight.dtype)
        if self.num_parameters != 1:
            check_features(self, x, self.num_parameters)
        z, slope = x.data, self.weight.data
        positive = z > 0
        out = np.where(positive, z, slope * z)

        def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            grad_x = np.where(positive, g, slope * g)
            return grad_x, unbroadcast(np.where(positive, 0, g * z), slope.shape)

        return Tensor._node(out.astype(z.dtype, copy=False), (x, self.weight), backward, "prelu")

    def get_config(self) -> dict[str, Any]:
        return {
            "num_parameters": self.num_parameters,
            "init": self.init,
            "name": self.name,
            "dtype": self.dtype.name,
        }


class Maxout(Layer):
    """Maxout: y_j = max_k (x @ W_k + b_k)_j over ``pieces`` affine maps (Goodfellow et al., 2013).

    ReLU is the special case max(x @ W + b, 0); the price is ``pieces`` times the weights.
    Its weight, ``maxout.affine.weight`` (a Dense without activation), has shape
    ``(in_features, units * pieces)``; piece k of unit j is column
    ``j * pieces + k``.
    """

    def __init__(
        self,
        units: int,
        pieces: int = 2,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
        dtype: object | None = None,
    ) -> None:
        super().__init__(input_shape=input_shape, name=name, dtype=dtype)
        self.units = units = check_positive_int(units, "Maxout units")
        self.pieces = pieces = check_positive_int(pieces, "Maxout pieces")
        self.affine = Dense(
            units * pieces,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            name=f"{self.name}_affine",
            dtype=dtype,
        )
        self.build_now_if_shape_known()

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.affine.build(input_shape)
        super().build(input_shape)

    def forward(self, x: Any) -> Tensor:
        z = self.affine(self.as_input(x))
        return z.reshape(z.shape[0], self.units, self.pieces).max(axis=-1)

    def extra_repr(self) -> str:
        features = self.affine.in_features or (self.input_shape[-1] if self.input_shape else None)
        known = "" if features is None else f", input={features}"
        return f"units={self.units}, pieces={self.pieces}{known}"

    def __repr__(self) -> str:
        return f"Maxout({self.extra_repr()})"  # its affine map is an inner detail

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "pieces": self.pieces,
            "input_shape": self.input_shape,
            "name": self.name,
            "dtype": self._config_dtype(),
        }
