"""Symbolic tensors: placeholders that record layer calls to build a functional model.

``ln.Input(shape=(3,))`` makes one; calling a layer on it returns another whose
``history`` names the layer and its symbolic inputs.  ``ln.Model`` walks these
records from the outputs back to the inputs to get the layer graph (a DAG).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .module import Module


class SymbolicTensor:
    """A placeholder with a shape ``(None, *features)``; no data."""

    __slots__ = ("dtype", "inputs", "layer", "list_call", "name", "shape")

    def __init__(
        self,
        shape: tuple[int | None, ...],
        dtype: np.dtype,
        layer: Module | None = None,
        inputs: tuple[SymbolicTensor, ...] = (),
        name: str | None = None,
        list_call: bool = False,
    ) -> None:
        self.shape = shape
        self.list_call = list_call  # the layer took its inputs as one list (Concatenate, Add)
        self.dtype = dtype
        self.layer = layer
        self.inputs = inputs
        self.name = name

    @property
    def is_input(self) -> bool:
        return self.layer is None

    def __repr__(self) -> str:
        made_by = "Input" if self.layer is None else self.layer.name
        return f"SymbolicTensor(shape={self.shape}, dtype={self.dtype}, from={made_by!r})"


def contains_symbolic(value: Any) -> bool:
    if isinstance(value, SymbolicTensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, SymbolicTensor) for v in value)
    return False
