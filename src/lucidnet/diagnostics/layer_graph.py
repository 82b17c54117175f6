"""The layer graph that :func:`~lucidnet.diagnostics.lint.lint` checks: a model as its layer
calls in execution order, each linked to what it reads and to the activations applied on the way.

A Sequential is read as its chain of layers, a functional Model from its nodes, and a
subclassed Module by running it once on a dummy input (zeros, eval mode) with hooks on
its layers, so activations applied as functions (``ln.functional.relu(self.fc(x))``) are
seen too.  A subclassed model whose input size is unknown (no layer has ``input_shape``)
cannot be run: its layers come in definition order, with ``ordered=False``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..blocks import activations as activation_registry
from ..blocks.layers.base import Layer
from ..blocks.layers.core import Activation as ActivationLayer
from ..blocks.layers.core import Dropout, Flatten
from ..blocks.layers.dense import Dense
from ..blocks.layers.merge import Add, Concatenate
from ..blocks.layers.normalization import BatchNorm
from ..blocks.layers.parametric import PReLU
from ..blocks.module import Module
from ..engine.tensor import Tensor
from ..models.walk import input_features, trace_calls
from ..training.trainable import Model, Sequential
from .kinds import is_identity

# Tensor ops that keep a map affine when they sit between two layers.
_LINEAR_OPS = frozenset(
    {"+", "-", "neg", "reshape", "transpose", "astype", "index", "identity", "concatenate", "stack"}
)
# Graph ops that apply a registered non-linearity (a functional call records its name).
_ACTIVATION_OPS = frozenset(n for n in activation_registry.available() if not is_identity(n))


@dataclass
class Link:
    """Where a layer's input comes from: the step that produced it (None: a model input),
    the activation applied to it by a function on the way (``F.relu``, by its name), and
    whether only affine tensor ops (or none) lie between."""

    source: int | None
    activation: str | None = None
    linear: bool = True


@dataclass
class Step:
    """One call of a layer, with the links to what it reads."""

    layer: Module
    name: str
    links: list[Link] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``affine`` (Dense/Linear), ``activation``, ``transparent`` (affine or identity
        maps without units: Dropout, Flatten, BatchNorm, Concatenate, Add) or ``other``."""
        if isinstance(self.layer, Dense):
            return "affine"
        if isinstance(self.layer, (ActivationLayer, PReLU)):
            return "activation"
        if isinstance(self.layer, (Dropout, Flatten, BatchNorm, Concatenate, Add)):
            return "transparent"
        return "other"

    @property
    def activation(self) -> Any:
        """The activation this layer applies: its Activation (Identity for none), the PReLU
        layer itself (it carries the same attributes), or None when unknown.  What it is
        is read from its attributes (:mod:`lucidnet.diagnostics.kinds`)."""
        if isinstance(self.layer, PReLU):
            return self.layer
        function = getattr(self.layer, "activation", None)
        return function if isinstance(function, activation_registry.Activation) else None


@dataclass
class LayerGraph:
    """A model as layer calls in execution order; ``ordered`` is False when the order is unknown."""

    steps: list[Step]
    outputs: list[Link]
    ordered: bool = True

    def consumers(self, index: int) -> Iterator[tuple[Step | None, int | None, Link]]:
        """``(step, step_index, link)`` for every reader of step ``index``; step None: the output."""
        for position, step in enumerate(self.steps):
            for link in step.links:
                if link.source == index:
                    yield step, position, link
        for link in self.outputs:
            if link.source == index:
                yield None, None, link

    def activation_after(self, index: int) -> Any:
        """The non-linearity applied to an affine step's pre-activation: its own, or the first
        one applied after it (Activation layer, functional call) through transparent layers;
        the step's own identity for none, None when unknown.  An Activation, another object with its
        attributes, or a name (see :mod:`lucidnet.diagnostics.kinds`).  In an unordered graph
        (no links) this is the step's own activation."""
        own = self.steps[index].activation
        if not is_identity(own):
            return own
        for step, position, link in self.consumers(index):
            if link.activation is not None:
                return link.activation
            if not link.linear or step is None:
                continue
            if step.kind == "activation":
                return step.activation
            if step.kind == "transparent":
                after = self.activation_after(position)
                if not is_identity(after):
                    return after
        return own

    def output_steps(self) -> set[int]:
        """Affine steps whose values reach a model output through activations and
        transparent layers only."""
        found: set[int] = set()
        pending = [link.source for link in self.outputs]
        while pending:
            index = pending.pop()
            if index is None or index in found:
                continue
            step = self.steps[index]
            if step.kind == "affine":
                found.add(index)
            elif step.kind in ("activation", "transparent"):
                pending.extend(link.source for link in step.links)
        return found

    def affine_sources(self, index: int) -> list[int]:
        """Affine steps without activation that feed step ``index`` with nothing non-linear between."""
        found = []
        for link in self.steps[index].links:
            if link.source is None or link.activation is not None or not link.linear:
                continue
            source = self.steps[link.source]
            if source.kind == "affine" and is_identity(source.activation):
                found.append(link.source)
            elif source.kind == "transparent":
                found.extend(self.affine_sources(link.source))
        return found

    def follows_batch_norm(self, index: int) -> bool:
        links = self.steps[index].links
        return bool(links) and all(
            link.source is not None and isinstance(self.steps[link.source].layer, BatchNorm)
            for link in links
        )


def layer_graph(model: Module) -> LayerGraph:
    """Read ``model`` as a :class:`LayerGraph` (see the module docstring for how)."""
    names = {id(module): name for name, module in reversed(list(model.named_modules()))}
    if isinstance(model, Sequential):
        steps = [
            Step(layer, names[id(layer)], [Link(index - 1 if index else None)])
            for index, layer in enumerate(model.layers)
        ]
        outputs = [Link(len(steps) - 1)] if steps else []
        return LayerGraph(steps, outputs)
    if isinstance(model, Model) and model.nodes is not None:  # not a subclassed Model
        position = {id(node): index for index, node in enumerate(model.nodes)}
        steps = [
            Step(
                node.layer, names[id(node.layer)], [Link(position.get(id(t))) for t in node.inputs]
            )
            for node in model.nodes
        ]
        return LayerGraph(steps, [Link(position.get(id(t))) for t in model.outputs])
    layers = list(_leaf_layers(model))
    features = input_features(model)
    unordered = LayerGraph([Step(layer, names[id(layer)]) for layer in layers], [], ordered=False)
    if features is None:
        return unordered
    try:
        return _traced_graph(model, layers, names, features)
    except Exception:  # a forward that needs other inputs, or fails on zeros: lint unordered
        return unordered


def _leaf_layers(module: Module) -> Iterator[Module]:
    """The outermost Layers inside ``module`` (containers such as Sequential are opened)."""
    for child in module.children():
        if isinstance(child, Layer):
            yield child
        else:
            yield from _leaf_layers(child)


def _traced_graph(
    model: Module, layers: list[Module], names: dict[int, str], features: tuple[int, ...]
) -> LayerGraph:
    """Run ``model`` once on zeros with hooks on its layers, linking each call to its producers."""
    # gradient recording on, so functional activations between layers are linked
    trace = trace_calls(model, features, layers, record_graph=True)
    inputs, calls, result = trace.input, trace.calls, trace.output
    steps: list[Step] = []
    producers: dict[int, int] = {}
    for call in calls:  # the calls keep every output alive, so their ids stay unique
        links = [
            link for tensor in _tensors(call.inputs) for link in _links(tensor, producers, inputs)
        ]
        steps.append(Step(call.module, names[id(call.module)], links))
        for tensor in _tensors(call.output):
            producers[id(tensor)] = len(steps) - 1
    outputs = [link for tensor in _tensors(result) for link in _links(tensor, producers, inputs)]
    return LayerGraph(steps, outputs)


def _tensors(value: Any) -> list[Tensor]:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    return []


def _links(tensor: Tensor, producers: dict[int, int], inputs: Tensor) -> list[Link]:
    """Walk the autograd graph back from ``tensor`` to the layer outputs (or model input) it
    was computed from, noting the ops on the way."""
    sources: list[int | None] = []
    ops: list[str] = []
    pending, seen = [tensor], set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in producers:
            sources.append(producers[id(node)])
        elif node is inputs:
            sources.append(None)
        else:
            if node._op:
                ops.append(node._op)
            pending.extend(node._parents)
    applied = [op for op in ops if op in _ACTIVATION_OPS]
    activation = applied[0] if len(applied) == 1 else None
    linear = all(op in _LINEAR_OPS for op in ops)
    return [Link(source, activation, linear) for source in sources]


__all__ = ["LayerGraph", "Link", "Step", "layer_graph"]
