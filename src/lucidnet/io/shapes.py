"""The tensors a saved architecture will create, worked out from its JSON before anything is built.

A tampered file can ask in 1 KB of JSON for ``Dense(100000)`` on 100000 inputs
(a 40 GB weight).  :func:`state_shapes` walks the architecture the way
:func:`~.architecture.model_from_config` will build it and returns the shape of
every parameter and buffer each layer would allocate, by its ``state_dict`` name,
without allocating any of them.  ``load_model`` compares these shapes with the
tensors stored in the file (whose sizes the safetensors header already checked
against the file's length) and builds only an architecture that agrees.

Feature shapes (without the batch axis) flowing between layers are bounded by
``max_elements`` too: the dummy forward pass that builds a model allocates them.
So is the number of layers and layer calls (:data:`MAX_LAYERS`): each is a Python
object and a dummy forward pass, however few bytes its JSON entry takes.

>>> spec = {"class_name": "Sequential", "config": {"name": "m", "input_shape": [3],
...     "layers": [{"class_name": "Dense", "config": {"units": 2, "name": "d"}}]}}
>>> state_shapes(spec, max_elements=1000)
{'d.weight': (3, 2), 'd.bias': (2,)}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .._checks import check_int
from .architecture import LAYER_CLASSES, _lookup

Shape = tuple[int, ...]

#: Most layers plus layer calls an architecture may hold (a deep MLP has a few dozen).
MAX_LAYERS = 10_000


def state_shapes(spec: Any, max_elements: int) -> dict[str, Shape]:
    """``{state_dict name: shape}`` of every tensor the architecture ``spec`` would create.

    Raises ``ValueError`` for a size that is not a positive int, a feature shape with
    more than ``max_elements`` elements, or a layer entry without a name.
    """
    walk = _Walk(max_elements)
    walk.module(spec, "", None, called=False)
    return walk.shapes


class _Walk:
    """One pass over the architecture, collecting ``shapes`` as the builder would create them."""

    def __init__(self, max_elements: int) -> None:
        self.max_elements = max_elements
        self.shapes: dict[str, Shape] = {}
        self.layers = 0

    # --------------------------------------------------------------------------- values
    def count(self) -> None:
        self.layers += 1
        if self.layers > MAX_LAYERS:
            raise ValueError(f"the architecture has more than {MAX_LAYERS} layers and layer calls")

    def size(self, config: dict[str, Any], key: str, where: str, default: Any = None) -> int:
        value = config.get(key, default)
        return check_int(value, f"{where}: {key}", low=1)

    def feature_shape(self, value: Any, where: str) -> Shape | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value
        ):
            raise ValueError(f"{where}: a shape must be a list of positive ints, got {value!r}")
        return self.bounded(tuple(value), where)

    def bounded(self, shape: Shape | None, where: str) -> Shape | None:
        if shape is not None and math.prod(shape) > self.max_elements:
            raise ValueError(
                f"{where}: feature shape {shape} has {math.prod(shape)} elements, more than "
                f"the {self.max_elements} the file's tensors justify"
            )
        return shape

    # --------------------------------------------------------------------------- modules
    def module(self, spec: Any, prefix: str, inputs: list[Shape | None] | None, called: bool):
        """Record the tensors of the module ``spec`` (named ``prefix`` + its name) and return its
        output shape for ``inputs`` (None: unknown, or not called)."""
        if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
            raise ValueError(
                f"a layer entry must be a {{'class_name', 'config'}} dict, got {spec!r}"
            )
        class_name, config = spec.get("class_name"), spec["config"]
        name = config.get("name")
        self.count()
        if prefix or called:  # a layer inside a model: its tensors live under its name
            if not isinstance(name, str):
                raise ValueError(f"layer entry {class_name!r} has no name (a saved layer has one)")
            prefix = f"{prefix}{name}."
        where = f"layer {name!r} ({class_name})"
        if class_name == "Sequential":
            return self.sequential(config, prefix, inputs, where)
        if class_name == "Model":
            return self.functional(config, prefix, where)
        rule = _RULES.get(class_name)
        if rule is None:
            raise ValueError(
                f"unknown layer class {class_name!r} in the architecture; known classes: "
                f"{', '.join(sorted(LAYER_CLASSES))}"
            )
        tensors, output = rule(self, config, inputs or [None], where)
        for local, shape in tensors.items():
            self.shapes[prefix + local] = shape
        return self.bounded(output, where)

    def sequential(self, config: dict[str, Any], prefix: str, inputs: Any, where: str):
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ValueError(f"{where}: 'layers' must be a list")
        first = layers[0] if layers and isinstance(layers[0], dict) else {}
        first_config = first.get("config") if isinstance(first.get("config"), dict) else {}
        if first.get("class_name") == "Linear":  # Linear's input_shape is its in_features
            shape = (self.size(first_config, "in_features", where),)
        else:
            shape = self.feature_shape(first_config.get("input_shape"), where)
        shape = shape or self.feature_shape(config.get("input_shape"), where)
        shape = shape or (inputs[0] if inputs else None)
        for entry in layers:
            shape = self.module(entry, prefix, [shape], called=True)
        return shape

    def functional(self, config: dict[str, Any], prefix: str, where: str):
        entries = {}
        for entry in config.get("layers") or []:
            layer_config = entry.get("config") if isinstance(entry, dict) else None
            entries[layer_config.get("name") if isinstance(layer_config, dict) else None] = entry
        tensors: dict[str, list[Shape | None]] = {"input": [], "node": []}
        for entry in config.get("inputs") or []:
            shape = entry.get("shape") if isinstance(entry, dict) else None
            tensors["input"].append(self.feature_shape(shape, f"{where} input"))
        called: dict[str, Shape | None] = {}
        for node in config.get("nodes") or []:
            layer_name = node.get("layer") if isinstance(node, dict) else None
            if layer_name not in entries:
                raise ValueError(f"{where}: a node calls unknown layer {layer_name!r}")
            arguments = [_lookup(tensors, ref, where) for ref in node.get("inputs") or []]
            if layer_name in called:  # a shared layer: built at its first call only
                self.count()
                output = _rule_output(self, entries[layer_name], arguments)
            else:
                output = self.module(entries[layer_name], prefix, arguments, called=True)
                called[layer_name] = output
            tensors["node"].append(output)
        unused = sorted(str(name) for name in entries if name not in called)
        if unused:
            raise ValueError(f"{where} lists layers {unused} that no node calls")
        outputs = config.get("outputs") or []
        return _lookup(tensors, outputs[0], where) if len(outputs) == 1 else None


def _rule_output(walk: _Walk, entry: dict[str, Any], inputs: list[Shape | None]):
    """A shared layer's output for a later call (its tensors are already recorded)."""
    rule = _RULES.get(entry.get("class_name"))
    if rule is None:  # a nested model called twice: same output as its first call
        return None
    return rule(walk, entry["config"], inputs, "a shared layer")[1]


# ------------------------------------------------------------------------------- layer rules
# Each rule: (walk, config, input shapes, where) -> ({local tensor name: shape}, output shape),
# mirroring what the layer's constructor and build() allocate (tests compare with real builds).
Rule = Callable[[_Walk, dict[str, Any], list[Shape | None], str], tuple[dict[str, Shape], Any]]


def _affine(walk: _Walk, config: dict, shape: Shape | None, units: int, where: str):
    shape = walk.feature_shape(config.get("input_shape"), where) or shape
    if shape is None:
        return {}, None  # lazy: built on the first call, with no tensors in the file
    tensors = {"weight": (shape[-1], units)}
    if bool(config.get("use_bias", config.get("bias", True))):
        tensors["bias"] = (units,)
    return tensors, (*shape[:-1], units)


def _dense(walk: _Walk, config: dict, inputs: list, where: str):
    return _affine(walk, config, inputs[0], walk.size(config, "units", where), where)


def _linear(walk: _Walk, config: dict, inputs: list, where: str):
    in_features = walk.size(config, "in_features", where)
    out_features = walk.size(config, "out_features", where)
    return _affine(walk, {"input_shape": [in_features], **config}, None, out_features, where)


def _maxout(walk: _Walk, config: dict, inputs: list, where: str):
    units = walk.size(config, "units", where)
    pieces = walk.size(config, "pieces", where, default=2)
    tensors, output = _affine(walk, {**config, "use_bias": True}, inputs[0], units * pieces, where)
    tensors = {f"affine.{local}": shape for local, shape in tensors.items()}
    return tensors, None if output is None else (*output[:-1], units)


def _batch_norm(walk: _Walk, config: dict, inputs: list, where: str):
    shape = inputs[0]
    if config.get("num_features") is not None:
        features = walk.size(config, "num_features", where)
    elif shape is not None:
        features = shape[-1]
    else:
        return {}, None
    names = ("weight", "bias", "running_mean", "running_var")
    return {name: (features,) for name in names}, shape or (features,)


def _prelu(walk: _Walk, config: dict, inputs: list, where: str):
    return {"weight": (walk.size(config, "num_parameters", where, default=1),)}, inputs[0]


def _same(walk: _Walk, config: dict, inputs: list, where: str):
    return {}, inputs[0]


def _flatten(walk: _Walk, config: dict, inputs: list, where: str):
    return {}, None if inputs[0] is None else (math.prod(inputs[0]),)


def _concatenate(walk: _Walk, config: dict, inputs: list, where: str):
    axis = config.get("axis", -1)
    if any(s is None for s in inputs) or not isinstance(axis, int) or not inputs:
        return {}, None
    rank = len(inputs[0])
    feature_axis = axis if axis < 0 else axis - 1  # axis counts the batch axis
    if not -rank <= feature_axis < rank or any(len(s) != rank for s in inputs):
        return {}, None
    out = list(inputs[0])
    out[feature_axis] = sum(s[feature_axis] for s in inputs)
    return {}, tuple(out)


_RULES: dict[str, Rule] = {
    "Dense": _dense,
    "Linear": _linear,
    "Maxout": _maxout,
    "BatchNorm": _batch_norm,
    "PReLU": _prelu,
    "Activation": _same,
    "Dropout": _same,
    "Add": _same,
    "Flatten": _flatten,
    "Concatenate": _concatenate,
}
