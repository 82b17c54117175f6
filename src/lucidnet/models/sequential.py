"""Sequential: a plain stack of layers, each feeding the next (Keras's ``Sequential``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..blocks.activations import Identity
from ..blocks.functional import dense_stack_node
from ..blocks.module import Module, output_shape
from ..blocks.symbolic import SymbolicTensor
from ..engine.tensor import Tensor


class Sequential(Module):
    """A stack of layers; built on the first call, or at once when the first layer has ``input_shape``.

    >>> import lucidnet as ln
    >>> model = ln.Sequential([
    ...     ln.layers.Dense(3, activation="relu", input_shape=(3,)),
    ...     ln.layers.Dense(2, activation="relu"),
    ...     ln.layers.Dense(2, activation="sigmoid"),
    ... ])
    >>> model.count_params()
    26
    """

    def __init__(self, layers: Iterable[Module] | None = None, name: str | None = None) -> None:
        super().__init__(name=name)
        object.__setattr__(self, "layers", [])
        object.__setattr__(self, "input_shape", None)
        object.__setattr__(self, "built", False)
        if layers is not None:
            if isinstance(layers, Module):
                raise TypeError("Sequential takes a list of layers: Sequential([layer1, layer2])")
            for layer in layers:
                self.add(layer)

    def add(self, layer: Module | SymbolicTensor) -> Sequential:
        """Append a layer (or, first, an ``ln.Input`` giving the input shape)."""
        if isinstance(layer, SymbolicTensor):
            if self.layers or not layer.is_input:
                raise ValueError("an ln.Input can only be the first entry of a Sequential model")
            self._set_input_shape(tuple(layer.shape[1:]))
            return self
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.add needs a layer, got {type(layer).__name__} {layer!r}")
        if layer.name in self._modules:
            raise ValueError(
                f"Sequential {self.name!r} already has a layer named {layer.name!r}; "
                "layer names must be unique within a model"
            )
        self.layers.append(layer)
        self.add_module(layer.name, layer)
        if (
            len(self.layers) == 1
            and getattr(layer, "input_shape", None) is not None
            and self.input_shape is None
        ):
            self._set_input_shape(tuple(layer.input_shape))
        elif self.built:
            self.build((None, *self.input_shape))
        return self

    def _set_input_shape(self, shape: tuple[int, ...]) -> None:
        object.__setattr__(self, "input_shape", shape)
        self.build((None, *shape))

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Build every layer in turn from the shape the previous one produces."""
        if self.input_shape is None:
            object.__setattr__(self, "input_shape", tuple(input_shape[1:]))
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = output_shape(layer, shape)
        object.__setattr__(self, "built", True)

    def forward(self, x: Any) -> Any:
        """Each layer on the output of the one before.

        A model that is a plain stack of Dense layers (Activation layers after a Dense
        without activation included, as PyTorch's ``Linear, ReLU``) records ONE graph node
        for the whole stack instead of one or two per layer
        (:func:`~lucidnet.blocks.functional.dense_stack_node`: the same numbers and
        gradients from the same formulas, up to rounding), so a training step walks a
        shorter tape.  The stack is looked up on every call, so anything that changes what
        a layer computes takes effect at once: a forward hook, another activation or
        weight, an input of another dtype or width, an unbuilt layer, a layer of another
        kind (Dropout, BatchNorm, a subclass with its own ``forward``) all make the layers
        run one by one, each recording its own nodes.
        """
        if not self.layers:
            raise ValueError(f"Sequential {self.name!r} has no layers; add some first")
        stack = self._dense_stack(x)
        if stack is not None:
            return dense_stack_node(x, stack)
        for layer in self.layers:
            x = layer(x)
        return x

    def _dense_stack(self, x: Any) -> list[tuple[Any, Any, Any]] | None:
        """``(w, b, activation)`` per Dense layer for input ``x`` (its ``stack_entry``), an
        Activation layer after a Dense one without activation folded into it (its
        ``stack_activation``, PyTorch's ``Linear, ReLU``); None unless every layer is one
        of those and there are two or more layers."""
        layers = self.layers
        if len(layers) < 2 or not isinstance(x, Tensor) or x.data.ndim == 0:
            return None
        dtype, features = x.data.dtype, x.data.shape[-1]
        entries = []
        for layer in layers:
            stack_entry = getattr(layer, "stack_entry", None)
            if stack_entry is not None:
                entry = stack_entry(dtype, features)
                if entry is None:
                    return None
                entries.append(entry)
                features = entry[0].data.shape[1]
                continue
            stack_activation = getattr(layer, "stack_activation", None)
            if stack_activation is None or not entries or type(entries[-1][2]) is not Identity:
                return None
            activation = stack_activation(dtype)
            if activation is None:
                return None
            entries[-1] = (*entries[-1][:2], activation)
        return entries

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "input_shape": self.input_shape}
