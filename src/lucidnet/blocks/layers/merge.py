"""Layers that join several inputs in a functional model: Concatenate and Add."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...engine.joining import concatenate
from ...engine.tensor import Tensor, resolve_axis
from .base import Layer


class Concatenate(Layer):
    """Join a list of tensors along ``axis`` (default: the feature axis)."""

    def __init__(
        self, axis: int | None = None, name: str | None = None, *, dim: int | None = None
    ) -> None:
        super().__init__(name=name)
        self.axis = resolve_axis(axis, dim, default=-1)  # dim: PyTorch's name
        object.__setattr__(self, "built", True)

    def forward(self, inputs: Sequence[Any]) -> Tensor:
        return concatenate([self.as_input(x) for x in _as_list(self, inputs)], axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis, "name": self.name}


class Add(Layer):
    """Element-wise sum of a list of same-shaped tensors."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=name)
        object.__setattr__(self, "built", True)

    def forward(self, inputs: Sequence[Any]) -> Tensor:
        tensors = [self.as_input(x) for x in _as_list(self, inputs)]
        shapes = {t.shape for t in tensors}
        if len(shapes) != 1:
            raise ValueError(f"layer {self.name!r} adds tensors of one shape, got {sorted(shapes)}")
        total = tensors[0]
        for t in tensors[1:]:
            total = total + t
        return total


def _as_list(layer: Layer, inputs: Any) -> list[Any]:
    if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
        raise ValueError(f"layer {layer.name!r} takes a list of at least two inputs")
    return list(inputs)
