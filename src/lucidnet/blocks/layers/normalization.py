"""Batch normalization (Ioffe & Szegedy, 2015) with PyTorch's momentum and train/eval behaviour."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._checks import check_int, check_real
from ...engine.tensor import Parameter, Tensor
from .base import Layer, check_features


class BatchNorm(Layer):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta, per feature.

    Training uses the batch's mean and biased variance and updates the running
    statistics as PyTorch does: ``running = (1 - momentum) * running + momentum * batch``
    (with the unbiased batch variance).  Eval mode uses the running statistics.
    ``num_features=None`` builds from the first input.
    """

    def __init__(
        self,
        num_features: int | None = None,
        eps: float = 1e-5,
        momentum: float = 0.1,
        name: str | None = None,
        dtype: object | None = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.eps = check_real(eps, "BatchNorm eps", low=0, closed="neither")
        self.momentum = check_real(momentum, "BatchNorm momentum", low=0, high=1)
        if num_features is not None:
            num_features = check_int(num_features, "BatchNorm num_features", low=1)
        self.num_features = num_features
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        if num_features is not None:
            self.build((None, num_features))

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = int(input_shape[-1])
        dtype = self.param_dtype
        self.num_features = features
        self.weight = Parameter(np.ones(features, dtype=dtype))
        self.bias = Parameter(np.zeros(features, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(features, dtype=dtype))
        self.register_buffer("running_var", np.ones(features, dtype=dtype))
        super().build(input_shape)

    def forward(self, x: Any) -> Tensor:
        x = self.as_input(x, self.weight.dtype)
        check_features(self, x, self.num_features)
        if self.training:
            if x.shape[0] < 2:
                raise ValueError(
                    f"BatchNorm {self.name!r} needs more than one sample per batch in "
                    f"training mode, got input shape {x.shape}"
                )
            mean = x.mean(axis=0)
            centered = x - mean
            variance = (centered * centered).mean(axis=0)
            n = x.shape[0]
            m = self.momentum
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean.data
            self.running_var[...] = (1 - m) * self.running_var + m * variance.data * (n / (n - 1))
            normalized = centered / (variance + self.eps).sqrt()
        else:
            scale = 1 / np.sqrt(self.running_var + self.eps)
            normalized = (x - self.running_mean) * scale.astype(x.dtype)
        return normalized * self.weight + self.bias

    def get_config(self) -> dict[str, Any]:
        return {
            "num_features": self.num_features,
            "eps": self.eps,
            "momentum": self.momentum,
            "name": self.name,
            "dtype": self._config_dtype(),
        }
