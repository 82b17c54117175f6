"""Layer: a Module that may be built lazily from its first input's shape."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..._kernels import kernel_is_trusted
from ...engine.dtype import resolve_dtype
from ...engine.tensor import Tensor
from ..module import Module


class Layer(Module):
    """A building block with an optional ``input_shape`` (features only, no batch axis).

    Subclasses that need the input's shape create their parameters in
    ``build(input_shape)``; ``input_shape=`` builds them at once.
    """

    def __init__(
        self,
        input_shape: tuple[int, ...] | int | None = None,
        name: str | None = None,
        dtype: object | None = None,
    ) -> None:
        super().__init__(name=name)
        self.dtype_policy = None if dtype is None else resolve_dtype(dtype)
        self.input_shape = normalize_feature_shape(input_shape, "input_shape")
        object.__setattr__(self, "built", False)

    def build_now_if_shape_known(self) -> None:
        """Build at construction when ``input_shape`` was given (Keras behaviour)."""
        if self.input_shape is not None:
            self.build((None, *self.input_shape))

    @property
    def param_dtype(self) -> np.dtype:
        return resolve_dtype(self.dtype_policy)

    def as_input(self, x: Any, dtype: np.dtype | None = None) -> Tensor:
        """``x`` as a float Tensor of ``dtype`` (default: the layer's ``dtype=``, else x's own).

        Floats of another width are cast (differentiably), as Keras does; integers
        become the default float dtype.
        """
        dtype = dtype or self.dtype_policy
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=dtype)
        if dtype is None:
            if x.dtype.kind == "f":
                return x
            dtype = resolve_dtype(None)
        return x.astype(dtype)

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments that rebuild this layer (used by save/load)."""
        return {"name": self.name}

    def extra_repr(self) -> str:
        """The constructor options that differ from nothing: ``rate=0.5``, ``axis=-1``, ..."""
        shown = {
            key: value
            for key, value in self.get_config().items()
            if key not in ("name", "dtype") and value is not None
        }
        return ", ".join(f"{key}={value!r}" for key, value in shown.items())

    def _config_dtype(self) -> str:
        """The ``dtype=`` given, else the parameters' dtype, by name (for ``get_config``)."""
        return (self.dtype if self.dtype_policy is None else self.dtype_policy).name


def normalize_feature_shape(shape: Any, argument: str) -> tuple[int, ...] | None:
    """``(3,)``, ``[3]`` or ``3`` -> ``(3,)``; checks every size is a positive int."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in shape
    ):
        raise ValueError(
            f"{argument} must be a tuple of positive ints without the batch axis, "
            f"e.g. (3,); got {shape!r}"
        )
    return tuple(int(n) for n in shape)


def check_features(layer: Module, x: Tensor, expected: int) -> None:
    """Raise a clear error when ``x`` is not ``[batch, expected]``-shaped."""
    if x.ndim < 1 or x.shape[-1] != expected:
        raise ValueError(
            f"layer {layer.name!r} expects inputs of shape [batch_size, {expected}], "
            f"got shape {x.shape}"
        )


@functools.cache
def calls_as_written(cls: type, method: str) -> bool:
    """Whether calling a ``cls`` layer runs the ``forward`` that its ``method`` (``stack_entry``,
    ``stack_activation``: what a model may run in its place) was written beside, i.e. no
    class below the method's redefines ``forward`` or ``__call__``."""
    return kernel_is_trusted(cls, method, ("forward", "__call__"))
