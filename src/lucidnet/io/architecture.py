"""A model's architecture as plain JSON-able data, and the model rebuilt from it.

A Sequential or functional model, with every layer in it, becomes nested
dicts of strings, numbers, lists and booleans (Keras's ``{"class_name", "config"}``
form), so it can be stored as JSON beside the weights:

- a layer: ``{"class_name": "Dense", "config": layer.get_config()}``; an activation
  or regularizer in it is ``{"name": ..., "config": {...}}``, its registry name and
  options (``"kernel_regularizer": {"name": "l2", "config": {"l2": 0.01}}``), or null;
- a Sequential: ``{"class_name": "Sequential", "config": {"name", "input_shape",
  "layers": [...]}}``;
- a functional Model: ``{"class_name": "Model", "config": {"name", "layers": [...],
  "inputs": [{"name", "shape", "dtype"}], "nodes": [{"layer", "inputs", "list_call"}],
  "outputs": [...], "single_input", "single_output"}}``.  Each layer appears once
  (a shared layer is called by several nodes); a tensor is referred to as
  ``["input", i]`` (the i-th model input) or ``["node", j]`` (the output of node j).

Models nest: a Sequential or Model is itself a layer of another.

Rebuilding looks class names up in a fixed table of lucidnet's own classes
(:data:`LAYER_CLASSES`); nothing is imported by name and nothing in the data is
executed, so a tampered architecture can only fail with a ``ValueError``.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(2, activation="relu", input_shape=(3,))])
>>> config = model_to_config(model)
>>> config["class_name"], config["config"]["layers"][0]["class_name"]
('Sequential', 'Dense')
>>> model_from_config(config).count_params()
8
"""

from __future__ import annotations

from typing import Any

from ..blocks.layers import (
    Activation,
    Add,
    BatchNorm,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Linear,
    Maxout,
    PReLU,
)
from ..blocks.module import Module
from ..blocks.symbolic import SymbolicTensor
from ..models.functional import Input
from ..training.trainable import Model, Sequential

#: The only classes a saved architecture may name (a whitelist: loading never imports by name).
LAYER_CLASSES: dict[str, type[Module]] = {
    cls.__name__: cls
    for cls in (
        Activation,
        Add,
        BatchNorm,
        Concatenate,
        Dense,
        Dropout,
        Flatten,
        Linear,
        Maxout,
        PReLU,
        Sequential,
        Model,
    )
}


class NotSerializableError(TypeError, ValueError):
    """The model's architecture is Python code (a subclassed Module, a custom layer), not data."""


# ----------------------------------------------------------------------------- to config
def model_to_config(module: Module) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}`` for a Sequential, a functional Model or a layer.

    Raises :class:`NotSerializableError` (a ``TypeError`` and a ``ValueError``) for a
    subclassed Module or a layer class lucidnet does not know, naming ``save_weights``.
    """
    cls = type(module).__dict__.get("saved_as", type(module))  # lucidnet.nn's spellings
    if LAYER_CLASSES.get(cls.__name__) is not cls:
        raise NotSerializableError(
            f"cannot save the architecture of {cls.__name__} {module.name!r}: it is defined by "
            f"Python code (a subclassed Module or custom layer), not by lucidnet's layers "
            f"{sorted(LAYER_CLASSES)}; save its weights with save_weights(model, path) and "
            "rebuild it in code before load_weights(model, path)"
        )
    if cls is Sequential:
        config = {
            **module.get_config(),
            "layers": [model_to_config(layer) for layer in module.layers],
        }
    elif cls is Model:
        config = _functional_config(module)
    else:
        config = module.get_config()
    return {"class_name": cls.__name__, "config": config}


def _functional_config(model: Model) -> dict[str, Any]:
    """The layer graph of a functional model: its inputs, layer-call nodes and outputs."""
    refs = {id(tensor): ["input", i] for i, tensor in enumerate(model.inputs)}
    refs.update({id(node): ["node", j] for j, node in enumerate(model.nodes)})
    return {
        "name": model.name,
        "layers": [model_to_config(layer) for layer in model.layers],
        "inputs": [
            {"name": t.name, "shape": list(t.shape[1:]), "dtype": t.dtype.name}
            for t in model.inputs
        ],
        "nodes": [
            {
                "layer": node.layer.name,
                "inputs": [refs[id(t)] for t in node.inputs],
                "list_call": node.list_call,
            }
            for node in model.nodes
        ],
        "outputs": [refs[id(t)] for t in model.outputs],
        "single_input": model.single_input,
        "single_output": model.single_output,
    }


# ----------------------------------------------------------------------------- from config
def model_from_config(spec: Any) -> Module:
    """Rebuild (and build) the model or layer described by ``spec`` from :func:`model_to_config`.

    The result has freshly initialized weights; load the saved ones into it.
    Raises ``ValueError`` (or ``TypeError`` for bad constructor options) on malformed data.
    """
    spec = _expect(spec, dict, "a layer entry")
    class_name = _field(spec, "class_name", str, "a layer entry")
    config = _field(spec, "config", dict, f"layer entry {class_name!r}")
    cls = LAYER_CLASSES.get(class_name)
    if cls is None:
        raise ValueError(
            f"unknown layer class {class_name!r} in the architecture; known classes: "
            f"{', '.join(sorted(LAYER_CLASSES))}"
        )
    if cls is Sequential:
        return _sequential_from_config(config)
    if cls is Model:
        return _functional_from_config(config)
    if "layers" in config:
        raise ValueError(f"layer {class_name!r} does not take 'layers'")
    return cls(**config)


def _sequential_from_config(config: dict[str, Any]) -> Sequential:
    layers = [model_from_config(entry) for entry in _field(config, "layers", list, "Sequential")]
    model = Sequential(layers, name=config.get("name"))
    input_shape = config.get("input_shape")
    if input_shape is not None and not model.built:
        model.build((None, *_expect(input_shape, list, "Sequential input_shape")))
    return model


def _functional_from_config(config: dict[str, Any]) -> Model:
    where = f"functional model {config.get('name')!r}"
    layers: dict[str, Module] = {}
    for entry in _field(config, "layers", list, where):
        layer = model_from_config(entry)
        if layer.name in layers:
            raise ValueError(f"{where} lists two layers named {layer.name!r}")
        layers[layer.name] = layer
    tensors: dict[str, list[SymbolicTensor]] = {"input": [], "node": []}
    for entry in _field(config, "inputs", list, where):
        entry = _expect(entry, dict, f"an input of {where}")
        tensors["input"].append(
            Input(
                shape=_field(entry, "shape", list, f"{where} input"),
                name=entry.get("name"),
                dtype=entry.get("dtype"),
            )
        )
    for entry in _field(config, "nodes", list, where):
        entry = _expect(entry, dict, f"a node of {where}")
        layer_name = _field(entry, "layer", str, f"a node of {where}")
        if layer_name not in layers:
            raise ValueError(
                f"a node of {where} calls layer {layer_name!r}, which is not among "
                f"its layers {sorted(layers)}"
            )
        arguments = [_lookup(tensors, ref, where) for ref in _field(entry, "inputs", list, where)]
        layer = layers[layer_name]
        tensors["node"].append(layer(arguments) if entry.get("list_call") else layer(*arguments))
    inputs = tensors["input"]
    outputs = [_lookup(tensors, ref, where) for ref in _field(config, "outputs", list, where)]
    return Model(
        inputs=inputs[0] if config.get("single_input") and len(inputs) == 1 else inputs,
        outputs=outputs[0] if config.get("single_output") and len(outputs) == 1 else outputs,
        name=config.get("name"),
    )


def _lookup(tensors: dict[str, list[SymbolicTensor]], ref: Any, where: str) -> SymbolicTensor:
    """The tensor a ``["input", i]`` or ``["node", j]`` reference points to (earlier ones only)."""
    if not (
        isinstance(ref, list)
        and len(ref) == 2
        and ref[0] in tensors
        and isinstance(ref[1], int)
        and not isinstance(ref[1], bool)
        and 0 <= ref[1] < len(tensors[ref[0]])
    ):
        raise ValueError(
            f"{where} refers to tensor {ref!r}; expected ['input', i] or "
            "['node', j] naming an input or an earlier node"
        )
    return tensors[ref[0]][ref[1]]


def _field(config: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in config:
        raise ValueError(f"{where} has no {key!r} entry")
    return _expect(config[key], kind, f"{key!r} of {where}")


def _expect(value: Any, kind: type, what: str) -> Any:
    """``value`` if it is a ``kind`` (a tuple passes for a list: in-memory configs hold tuples)."""
    if not isinstance(value, (list, tuple) if kind is list else kind):
        raise ValueError(f"{what} must be a {kind.__name__}, got {type(value).__name__} {value!r}")
    return value
