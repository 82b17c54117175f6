"""The functional API: ``ln.Input`` placeholders, layer calls on them, and ``ln.Model``.

>>> import lucidnet as ln
>>> inputs = ln.Input(shape=(3,), name="input")
>>> x = ln.layers.Dense(3, activation="relu")(inputs)
>>> x = ln.layers.Dense(2, activation="relu")(x)
>>> outputs = ln.layers.Dense(2, activation="sigmoid")(x)
>>> model = ln.Model(inputs=inputs, outputs=outputs, name="seed_model")
>>> model.count_params()
26

The layer graph is a DAG: several inputs and outputs, and layers shared by
several calls (their weights are shared), are allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..blocks.layers.base import normalize_feature_shape
from ..blocks.module import Module, unique_name
from ..blocks.symbolic import SymbolicTensor
from ..engine.dtype import resolve_dtype
from ..engine.graph import topological_order
from ..engine.tensor import Tensor


def Input(
    shape: tuple[int, ...] | int,
    name: str | None = None,
    dtype: object | None = None,
) -> SymbolicTensor:
    """A placeholder for model inputs of shape ``[batch_size, *shape]``."""
    features = normalize_feature_shape(shape, "Input shape")
    return SymbolicTensor(
        (None, *features), resolve_dtype(dtype), name=name or unique_name("input")
    )


class Model(Module):
    """A model defined by the graph between symbolic ``inputs`` and ``outputs``.

    Subclassed without them (Keras's model subclassing), it is a model whose
    computation is its own ``call(x)`` (or ``forward(x)``); ``nodes`` is then None.

    >>> import lucidnet as ln
    >>> class TwoLayer(ln.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = ln.layers.Dense(4, activation="relu")
    ...         self.out = ln.layers.Dense(1)
    ...     def call(self, x):
    ...         return self.out(self.hidden(x))
    >>> TwoLayer()(ln.zeros(5, 3)).shape
    (5, 1)
    """

    def __init__(
        self,
        inputs: SymbolicTensor | Sequence[SymbolicTensor] | None = None,
        outputs: SymbolicTensor | Sequence[SymbolicTensor] | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if inputs is None and outputs is None and _defines_its_computation(type(self)):
            object.__setattr__(self, "nodes", None)  # subclassed: no layer graph
            return
        if inputs is None or outputs is None:
            raise TypeError(
                "Model(inputs=..., outputs=...) needs the ln.Input placeholders and the "
                "outputs of the layer calls on them; or subclass ln.Model and define "
                "call(self, x) (Keras) or forward(self, x)"
            )
        input_list = _as_symbolic_list(inputs, "inputs")
        output_list = _as_symbolic_list(outputs, "outputs")
        for tensor in input_list:
            if not tensor.is_input:
                raise ValueError(f"Model inputs must come from ln.Input(...), got {tensor!r}")
        object.__setattr__(self, "inputs", input_list)
        object.__setattr__(self, "outputs", output_list)
        object.__setattr__(self, "single_input", isinstance(inputs, SymbolicTensor))
        object.__setattr__(self, "single_output", isinstance(outputs, SymbolicTensor))
        object.__setattr__(self, "nodes", _topological_nodes(output_list, input_list))
        layers: list[Module] = []
        for node in self.nodes:
            if any(node.layer is layer for layer in layers):
                continue  # a shared layer is registered once
            if node.layer.name in self._modules:
                raise ValueError(
                    f"two different layers are named {node.layer.name!r}; layer names "
                    "must be unique within a model"
                )
            layers.append(node.layer)
            self.add_module(node.layer.name, node.layer)
        object.__setattr__(self, "layers", layers)

    @property
    def input_shape(self) -> tuple[int, ...] | list[tuple[int, ...]] | None:
        if self.nodes is None:
            return None
        shapes = [tuple(t.shape[1:]) for t in self.inputs]
        return shapes[0] if self.single_input else shapes

    def forward(self, *args: Any, **kwargs: Any) -> Tensor | list[Tensor]:
        if self.nodes is None:
            return super().forward(*args, **kwargs)
        values: dict[int, Any] = {
            id(t): v for t, v in zip(self.inputs, self._bind_inputs(args), strict=True)
        }
        for node in self.nodes:
            arguments = [values[id(t)] for t in node.inputs]
            values[id(node)] = node.layer(arguments) if node.list_call else node.layer(*arguments)
        results = [values[id(t)] for t in self.outputs]
        return results[0] if self.single_output else results

    def _bind_inputs(self, args: tuple[Any, ...]) -> list[Any]:
        """Accept ``model(x)``, ``model([x1, x2])``, ``model(x1, x2)`` or ``model({"name": x})``."""
        expected = len(self.inputs)
        if len(args) == 1 and isinstance(args[0], dict):
            given = args[0]
            names = [t.name for t in self.inputs]
            missing = [n for n in names if n not in given]
            if missing:
                raise ValueError(f"model {self.name!r} needs inputs {names}; missing {missing}")
            return [given[n] for n in names]
        if expected == 1:
            if len(args) != 1:
                raise ValueError(f"model {self.name!r} takes one input, got {len(args)}")
            return [args[0]]
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        if len(args) != expected:
            raise ValueError(
                f"model {self.name!r} takes {expected} inputs "
                f"{[t.name for t in self.inputs]}, got {len(args)}"
            )
        return list(args)


def _defines_its_computation(cls: type) -> bool:
    """Whether a subclass of Model defines ``call`` or its own ``forward``."""
    return getattr(cls, "call", None) is not None or cls.forward is not Model.forward


def _as_symbolic_list(value: Any, argument: str) -> list[SymbolicTensor]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items or not all(isinstance(v, SymbolicTensor) for v in items):
        raise TypeError(
            f"Model {argument} must be symbolic tensors from ln.Input and layer calls, "
            f"got {value!r}"
        )
    return items


def _topological_nodes(
    outputs: list[SymbolicTensor], inputs: list[SymbolicTensor]
) -> list[SymbolicTensor]:
    """Layer-call nodes between inputs and outputs, each after the nodes it reads."""
    known_inputs = {id(t) for t in inputs}
    nodes = topological_order(outputs, lambda node: node.inputs)
    for node in nodes:
        if node.is_input and id(node) not in known_inputs:
            raise ValueError(
                f"the outputs depend on input {node.name!r}, which is not among the Model's inputs"
            )
    return [node for node in nodes if not node.is_input]
