"""``ln.lint(model, loss)``: find the design mistakes that make a network train badly or not at all.

The knowledge base is the standard activation-choice guide: hidden layers prefer
ReLU (then Leaky ReLU), avoid sigmoid, try tanh ("a sigmoid network shows
vanishing gradients within about 5 layers"); outputs use sigmoid for binary,
softmax for multi-class and identity for regression; identical initial weights
make neurons symmetric, and they never differ.  Every finding is an
:class:`~lucidnet.diagnostics.advice.Advice` with a root ``cause`` and a structured
``remedy``; the severity follows the harm (a configuration that cannot learn is an
error, one predicted to train badly a warning, a better choice info).

=====  ========  ====================  ============================================
code   severity  cause                 finding
=====  ========  ====================  ============================================
L001   warning   depth_saturating      5 or more hidden sigmoid layers (the
                                       derivative is at most 1/4: the gradient
                                       shrinks ~4x per layer); tanh (derivative up
                                       to 1, fine with Glorot init) only as info
                                       from 10 layers
L002   error     init_symmetric        a hidden layer whose units start identical
                                       (same incoming AND same outgoing weights):
                                       they get identical gradients forever.  A
                                       constant layer followed by a random one is
                                       fine (the random weights break the tie)
L003   warning   no_nonlinearity       no non-linearity anywhere: the whole network
                                       is one affine map; info for one missing
                                       activation between two layers
L004   error     output_loss_mismatch  output activation does not fit the loss
                 / double_softmax      (softmax with binary CE, softmax on one unit,
                                       probabilities into a ``from_logits`` loss,
                                       relu output for classification, ...); info
                                       for sigmoid/softmax with a regression loss
                                       (binary CE is the better loss for 0/1 targets)
L005   info      init_scale            initializer made for another activation
L006   warning   loss_reduction        ``reduction="sum"``: loss and gradients grow
                                       with the batch size
=====  ========  ====================  ============================================

The model is read as a :class:`~lucidnet.diagnostics.layer_graph.LayerGraph` of layer
calls.  A subclassed model whose input size is unknown (no layer has ``input_shape``)
cannot be run: its layers are linted one by one in definition order and the
order-dependent rules (L001, L003, L004) are skipped.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(8, activation="relu", input_shape=(2,), name="hidden"),
...                        ln.layers.Dense(3, activation="softmax", name="out")])
>>> advice = lint(model, loss="binary_crossentropy")  # doctest: +ELLIPSIS
lint: 1 error
error   L004 [output_loss_mismatch] layer out: softmax output with binary_crossentropy: ...
>>> advice[0].cause, advice[0].remedy
('output_loss_mismatch', {'action': 'set_output_activation', 'name': 'sigmoid'})
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._report import ShownOnce
from .._report import show as show_once
from ..blocks import init as initializer_registry
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..training import losses as loss_registry
from ..training.state import training_state
from .advice import Advice, LintWarning, format_report, ordered, show
from .kinds import (
    can_die,
    is_identity,
    is_saturating,
    max_derivative,
    name_of,
    normalizes_units,
    outputs_probabilities,
)
from .layer_graph import LayerGraph, Link, Step, layer_graph

DEEP_SATURATING_LAYERS = 5  # sigmoid' <= 1/4, so the gradient shrinks >= 4x per layer: ~1000x after 5 (Glorot & Bengio 2010)
DEEP_TANH_LAYERS = 10  # slope 1 at 0: with Glorot init a tanh stack keeps its gradient longer
DEEP_RELU_LAYERS = 4

_CONSTANT_INITIALIZERS = frozenset({"zeros", "ones", "constant"})


# --------------------------------------------------------------------------- lint
def lint(model: Module, loss: Any = None, warn: bool = False, verbose: int = 1) -> list[Advice]:
    """Check ``model`` (and its ``loss``) against the rules L001-L006 of the module docstring.

    ``loss`` is a name, a loss from ``ln.losses.get`` or None (then the loss given to
    ``compile``, if any; without a loss L004 and L006 are skipped).  With ``warn=False``
    the report is printed (``"lint: no problems found"`` when clean); with ``warn=True``
    (what ``compile(..., lint=True)`` uses) each error and warning is issued once as a
    :class:`LintWarning` pointing at the caller's line, and info stays quiet.
    ``verbose=0`` shows nothing.  Returns the advice, most upstream cause first.
    """
    if not isinstance(model, Module):
        raise TypeError(f"lint needs a model (an ln.Module), got {type(model).__name__} {model!r}")
    graph = layer_graph(model)
    resolved = _resolve_loss(model, loss)
    advice = [
        *_constant_initialization(model, graph),
        *_initializer_mismatch(graph),
        *_loss_reduction(resolved),
    ]
    if graph.ordered:
        advice += [
            *_deep_saturating_stack(graph),
            *_linear_collapse(graph),
            *_output_loss_mismatch(graph, resolved),
        ]
    advice = Findings(ordered(advice))
    if warn:
        show([a for a in advice if a.severity != "info"], LintWarning, verbose)
    elif verbose:
        show_once(advice)  # a notebook shows it once, not again as the cell's echo
    return advice


class Findings(ShownOnce, list):
    """lint's list of Advice; printed as its report, and shown once in IPython/Jupyter."""

    def report_text(self) -> str:
        return format_report(self)


def _resolve_loss(model: Module, loss: Any) -> Any:
    """The loss (a named ``Loss``, whose attributes say what it is), or None when unknown."""
    if loss is None:
        setup = training_state(model)
        loss = getattr(setup, "loss", None)
    if loss is None:
        return None
    loss = loss_registry.get(loss)
    return loss if isinstance(getattr(loss, "name", None), str) else None


def _from_logits(loss: Any) -> bool:
    return bool(getattr(loss, "options", {}).get("from_logits", False))


def _is_distribution(activation: Any) -> bool:
    """Probabilities computed across the units, summing to 1 (softmax)."""
    return outputs_probabilities(activation) and normalizes_units(activation)


def _hidden_affine(graph: LayerGraph) -> list[int]:
    outputs = graph.output_steps()
    return [i for i, step in enumerate(graph.steps) if step.kind == "affine" and i not in outputs]


def _deep_saturating_stack(graph: LayerGraph) -> list[Advice]:
    """L001: sigmoid networks vanish within about 5 layers (sigmoid' <= 1/4; Glorot & Bengio 2010); activation-aware:
    a tanh stack (slope 1 at 0) with Glorot init keeps its gradient far longer."""
    saturating = [
        (graph.steps[i].name, graph.activation_after(i))
        for i in _hidden_affine(graph)
        if is_saturating(graph.activation_after(i)) and not graph.follows_batch_norm(i)
    ]
    squashing = [name for name, activation in saturating if max_derivative(activation) < 1]
    names = [name for name, _ in saturating]
    if len(squashing) >= DEEP_SATURATING_LAYERS:
        severity = "warning"
        bound = float(np.prod([max_derivative(a) for _, a in saturating]))
    elif len(saturating) >= DEEP_TANH_LAYERS:
        severity, bound = "info", 1.0
    else:
        return []
    return [
        Advice(
            "L001",
            severity,
            "depth_saturating",
            "model",
            f"{len(saturating)} hidden saturating layers ({', '.join(names)}): on the way back "
            f"their derivatives alone scale the gradient by at most {bound:.2g} (sigmoid's is at "
            "most 1/4, and near 0 once saturated), so it vanishes before the first layers, "
            "which barely learn; a higher learning rate does not fix this",
            "use activation='relu' (or 'leaky_relu') with he init in the hidden layers, or put "
            "BatchNorm before each saturating layer",
            {"action": "set_activation", "layers": names, "name": "relu"},
            {"saturating_layers": len(saturating), "max_gradient_factor": bound},
        )
    ]


def _constant_initialization(model: Module, graph: LayerGraph) -> list[Advice]:
    """L002: units with identical incoming weights AND identical outgoing weights get
    identical gradients and stay copies; different outgoing weights break the tie."""
    names = {id(step.layer): step.name for step in graph.steps}
    outputs = {id(graph.steps[i].layer) for i in graph.output_steps()}
    dense = [layer for _, layer in model.named_modules() if isinstance(layer, Dense)]
    following = {
        id(layer): dense[index + 1] if index + 1 < len(dense) else None
        for index, layer in enumerate(dense)
    }
    if graph.ordered:  # the next affine layer in call order reads this one
        steps = graph.steps
        following = {
            id(step.layer): next((s.layer for s in steps[index + 1 :] if s.kind == "affine"), None)
            for index, step in enumerate(steps)
        }
    advice = []
    for module_name, layer in model.named_modules():
        if not isinstance(layer, Dense) or layer.units < 2 or id(layer) in outputs:
            continue  # an output unit has its own error signal, so output units do differ
        where = names.get(id(layer), module_name or layer.name)
        incoming = _identical_incoming(layer)
        if incoming is None:
            continue
        outgoing = _identical_outgoing(following.get(id(layer)), layer.units)
        if not outgoing:
            continue
        advice.append(
            Advice(
                "L002",
                "error",
                "init_symmetric",
                where,
                f"{incoming}, and the next layer reads them with equal weights: symmetric "
                "neurons receive identical gradients and never differ, so the layer acts as a "
                "single unit",
                "use a random initializer: kernel_initializer='auto' (he for relu, glorot "
                "otherwise)",
                {"action": "set_initializer", "layers": [where], "kernel": "auto", "bias": "zeros"},
                {"units": layer.units},
            )
        )
    return advice


def _identical_incoming(layer: Dense) -> str | None:
    """What makes ``layer``'s units identical at the start, or None if they differ."""
    if layer.weight is not None:
        weight = layer.weight.data
        same_bias = layer.bias is None or np.ptp(layer.bias.data) == 0
        if same_bias and np.all(np.ptp(weight, axis=1) == 0):
            return "all units have identical weights and biases"
        return None
    initializer = _initializer_name(layer.kernel_initializer)
    if initializer in _CONSTANT_INITIALIZERS:
        return f"kernel_initializer={initializer!r} gives every unit the same weights"
    return None


def _identical_outgoing(reader: Dense | None, units: int) -> bool:
    """Whether ``reader`` (the next affine layer) weighs the ``units`` inputs alike."""
    if reader is None:
        return True  # read by something unknown: assume alike
    if reader.weight is not None:
        weight = reader.weight.data
        return weight.shape[0] == units and bool(np.all(np.ptp(weight, axis=0) == 0))
    return _initializer_name(reader.kernel_initializer) in _CONSTANT_INITIALIZERS


def _initializer_name(initializer: Any) -> str | None:
    """Primary name of a kernel initializer ("auto" for the default, None for a plain callable)."""
    if isinstance(initializer, str) and initializer == "auto":
        return "auto"
    name = getattr(initializer_registry.get(initializer), "name", None)
    return name if isinstance(name, str) else None


def _linear_collapse(graph: LayerGraph) -> list[Advice]:
    """L003: W2 (W1 x + b1) + b2 = (W1 W2) x + (b1 W2 + b2), one affine map."""
    pairs = [
        (source, index)
        for index, step in enumerate(graph.steps)
        if step.kind == "affine"
        for source in graph.affine_sources(index)
    ]
    if not pairs:
        return []
    affine = [i for i, step in enumerate(graph.steps) if step.kind == "affine"]
    whole = all(is_identity(graph.activation_after(i)) for i in affine[:-1])
    severity = "warning" if whole else "info"
    scope = (
        "no layer has a non-linearity, so the whole network is one affine map and can only "
        "draw straight decision boundaries"
        if whole
        else "the extra layer adds nothing"
    )
    return [
        Advice(
            "L003",
            severity,
            "no_nonlinearity",
            graph.steps[source].name,
            f"{graph.steps[source].name} feeds {graph.steps[index].name} with no non-linearity "
            f"between: two affine maps collapse to one, W2(W1x+b1)+b2 = W'x+b'; {scope}",
            f"add activation='relu' to {graph.steps[source].name}",
            {"action": "set_activation", "layers": [graph.steps[source].name], "name": "relu"},
            {"linear_layers": len(affine)},
        )
        for source, index in pairs
    ]


def _loss_reduction(loss: Any) -> list[Advice]:
    """L006: a summed loss grows with the batch, and so does every gradient step."""
    if loss is None or getattr(loss, "reduction", "mean") != "sum":
        return []
    return [
        Advice(
            "L006",
            "warning",
            "loss_reduction",
            "loss",
            f"{loss.name} with reduction='sum': the loss and its gradient are batch_size times "
            "the mean's, so the effective learning rate grows with the batch",
            "use reduction='mean' (the default)",
            {"action": "set_reduction", "reduction": "mean"},
            {"reduction": "sum"},
        )
    ]


def _output_loss_mismatch(graph: LayerGraph, loss: Any) -> list[Advice]:
    """L004: the output activation must produce what the loss expects (the standard guide:
    sigmoid for binary, softmax for multi-class, identity for regression)."""
    outputs = graph.output_steps()
    if len(graph.outputs) != 1 or len(outputs) != 1:
        return []
    index = outputs.pop()
    activation = graph.activation_after(index)
    if activation is None:
        return []
    where, units = graph.steps[index].name, graph.steps[index].layer.units
    if _is_distribution(activation) and units == 1:
        return [
            Advice(
                "L004",
                "error",
                "output_loss_mismatch",
                where,
                f"{name_of(activation)} over one unit is always exactly 1: the output never "
                "changes and its gradient is 0",
                "use activation='sigmoid' for one binary output (or 2 units with softmax)",
                {"action": "set_output_activation", "name": "sigmoid"},
                {"units": 1, "activation": name_of(activation)},
            )
        ]
    if loss is None:
        return []
    found = _mismatch(activation, units, loss)
    if found is None:
        return []
    severity, cause, message, fix, remedy = found
    return [
        Advice(
            "L004",
            severity,
            cause,
            where,
            message,
            fix,
            remedy,
            {
                "activation": name_of(activation),
                "units": units,
                "loss": loss.name,
                "from_logits": _from_logits(loss),
            },
        )
    ]


def _mismatch(
    activation: Any, units: int, loss: Any
) -> tuple[str, str, str, str, dict[str, Any]] | None:
    """``(severity, cause, message, fix, remedy)`` when an output ``activation`` of ``units``
    units does not fit ``loss``, else None.  Both are judged by their attributes: the
    activation's (:mod:`.kinds`), and the loss's ``family``, ``target_kind`` and
    ``expects_logits``."""
    name, kind = loss.name, getattr(loss, "family", None)
    from_logits = _from_logits(loss)
    logits = bool(getattr(loss, "expects_logits", from_logits))
    binary = getattr(loss, "target_kind", None) == "binary"
    output = f"{name_of(activation)} output"
    identity = {"action": "set_output_activation", "name": "identity"}
    logits_fix = f"use an identity output (activation=None) with {name}" + (
        "(from_logits=True)" if "from_logits" in getattr(loss, "options", {}) else ""
    )
    probability = "sigmoid" if binary or units == 1 else "softmax"
    if kind == "cross_entropy" and binary and _is_distribution(activation):
        return (
            "error",
            "output_loss_mismatch",
            f"{output} with {name}: {name_of(activation)} makes the {units} "
            f"outputs compete (one unit is always 1) while binary CE treats each as an "
            f"independent probability",
            "use activation='sigmoid' for binary (or multi-label) targets, or softmax with "
            "categorical_crossentropy for one class out of several",
            {"action": "set_output_activation", "name": "sigmoid"},
        )
    independent = outputs_probabilities(activation) and not normalizes_units(activation)
    if kind == "cross_entropy" and not binary and not logits and independent and units > 1:
        return (
            "error",
            "output_loss_mismatch",
            f"{output} with {name} over {units} classes: {name_of(activation)} outputs do "
            f"not sum to 1, so they are not a distribution over the classes",
            "use activation='softmax' for one class out of several",
            {"action": "set_output_activation", "name": "softmax"},
        )
    if can_die(activation) and kind in ("cross_entropy", "hinge"):
        return (
            "error",
            "output_loss_mismatch",
            f"{output} for classification with {name}: negative scores are cut "
            f"to 0, so a class cannot be pushed down and the gradient there is 0",
            f"use activation='sigmoid' (binary) or 'softmax' (multi-class), or {logits_fix}",
            identity if logits else {"action": "set_output_activation", "name": probability},
        )
    if outputs_probabilities(activation) and kind == "cross_entropy" and logits:
        double = _is_distribution(activation)
        given = f"{name}(from_logits=True)" if from_logits else name
        return (
            "error",
            "double_softmax" if double else "output_loss_mismatch",
            f"{output} fed to {given}, which expects logits{' (a double softmax)' if double else ''}"
            ": the probabilities are squashed a second time and the gradients shrink",
            logits_fix,
            identity,
        )
    if kind == "cross_entropy" and not logits and not outputs_probabilities(activation):
        return (
            "error",
            "output_loss_mismatch",
            f"{output} with {name}(from_logits=False): the loss expects "
            f"probabilities in [0, 1] but the outputs are unbounded scores",
            f"use activation='{probability}', or keep the identity output and pass "
            "from_logits=True",
            {"action": "set_output_activation", "name": probability},
        )
    if kind == "regression" and outputs_probabilities(activation):
        return (
            "info",
            "output_loss_mismatch",
            f"{output} with the regression loss {name}: fine for targets in [0, 1]; for 0/1 "
            "labels binary cross-entropy gives larger gradients where the output is wrong "
            "and saturated, and targets outside (0, 1) can never be reached",
            "for 0/1 labels use loss='binary_crossentropy'; for real-valued targets outside "
            "(0, 1) use an identity output",
            {"action": "set_loss", "name": "binary_crossentropy", "options": {}}
            if not normalizes_units(activation)
            else {"action": "set_loss", "name": "categorical_crossentropy", "options": {}},
        )
    if kind == "hinge" and outputs_probabilities(activation):
        return (
            "warning",
            "output_loss_mismatch",
            f"{output} with {name}: margins need raw scores; probabilities "
            f"in (0, 1) never reach the margin of 1",
            logits_fix,
            identity,
        )
    return None


def _initializer_mismatch(graph: LayerGraph) -> list[Advice]:
    """L005: He scaling (gain sqrt 2) is derived for ReLU, Glorot's for sigmoid/tanh."""
    affine = [i for i, step in enumerate(graph.steps) if step.kind == "affine"]
    activation = {i: graph.activation_after(i) for i in affine}
    initializer = {
        i: _initializer_name(graph.steps[i].layer.kernel_initializer) or "" for i in affine
    }
    advice = [
        Advice(
            "L005",
            "info",
            "init_scale",
            graph.steps[i].name,
            f"{initializer[i]} is scaled for ReLU (variance 2/fan_in) but the layer uses "
            f"{name_of(activation[i])}: its pre-activations start larger and saturate sooner",
            "use kernel_initializer='auto' (glorot for sigmoid/tanh)",
            {"action": "set_initializer", "layers": [graph.steps[i].name], "kernel": "auto"},
            {"initializer": initializer[i], "activation": name_of(activation[i])},
        )
        for i in affine
        if initializer[i].startswith("kaiming") and is_saturating(activation[i])
    ]
    hidden = _hidden_affine(graph) if graph.ordered else affine
    # the ReLU family is what Dense(kernel_initializer="auto") gives He init
    relu_layers = [
        i for i in hidden if initializer_registry.auto_initializer(activation[i]) == "he_uniform"
    ]
    glorot = [graph.steps[i].name for i in relu_layers if initializer[i].startswith("xavier")]
    if len(relu_layers) >= DEEP_RELU_LAYERS and glorot:
        advice.append(
            Advice(
                "L005",
                "info",
                "init_scale",
                "model",
                f"glorot/xavier init in a {len(relu_layers)}-layer ReLU network ({', '.join(glorot)}): "
                "ReLU zeroes half the signal, so with variance 1/fan_avg it shrinks layer by layer",
                "use kernel_initializer='auto' or 'he_uniform' (variance 2/fan_in) for ReLU layers",
                {"action": "set_initializer", "layers": glorot, "kernel": "auto"},
                {"layers": len(relu_layers)},
            )
        )
    return advice


__all__ = ["LayerGraph", "Link", "LintWarning", "Step", "layer_graph", "lint"]
