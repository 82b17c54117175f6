"""``ln.lint(model, loss)``: find the design mistakes that make a network train badly or not at all.

The knowledge base is the seeds' activation-choice guide: hidden layers prefer
ReLU (then Leaky ReLU), avoid sigmoid, try tanh ("a sigmoid network shows
vanishing gradients within about 5 layers"); outputs use sigmoid for binary,
softmax for multi-class and identity for regression; identical initial weights
make neurons symmetric, and they never differ.

=====  ========  ==============================================================
code   severity  finding
=====  ========  ==============================================================
L001   warning   5 or more hidden sigmoid/tanh layers: gradients vanish
L002   error     a hidden layer starts with identical units (zeros/ones/constant
                 init, or equal weights across units): they never differ
L003   warning   two affine layers with no non-linearity between: they collapse
                 to one linear map, W2 (W1 x + b1) + b2 = W' x + b'
L004   error     output activation does not fit the loss (softmax with binary
                 CE, probabilities into a ``from_logits`` loss, relu or identity
                 output for a probability loss, double softmax, ...); warning
                 for a sigmoid/softmax output with a regression loss
L005   info      initializer made for another activation (He for sigmoid/tanh,
                 Glorot for a deep ReLU network)
=====  ========  ==============================================================

The model is read as a :class:`~lucidnet.diagnostics.layer_graph.LayerGraph` of layer
calls.  A subclassed model whose input size is unknown (no layer has ``input_shape``)
cannot be run: its layers are linted one by one in definition order and the
order-dependent rules (L001, L003, L004) are skipped.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(8, activation="relu", input_shape=(2,), name="hidden"),
...                        ln.layers.Dense(3, activation="softmax", name="out")])
>>> advice = lint(model, loss="binary_crossentropy")  # doctest: +ELLIPSIS
lint: 1 error
error   L004 layer out: softmax output with binary_crossentropy: ... -> fix: ...
>>> advice[0].code, advice[0].severity, advice[0].where
('L004', 'error', 'out')
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..blocks import init as initializer_registry
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..training import losses as loss_registry
from .advice import Advice, by_severity, format_report
from .layer_graph import LayerGraph, Link, Step, layer_graph


class LintWarning(UserWarning):
    """An error or warning found by :func:`lint` when ``compile(..., lint=True)`` runs it."""


SATURATING = frozenset({"sigmoid", "tanh"})
PROBABILITIES = frozenset({"sigmoid", "softmax"})
DEEP_SATURATING_LAYERS = 5  # the seeds: sigmoid networks vanish within about 5 layers
DEEP_RELU_LAYERS = 4

_CONSTANT_INITIALIZERS = frozenset({"zeros", "ones", "constant"})
_PROBABILITY_LOSSES = frozenset(
    {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"}
)
_MULTICLASS_LOSSES = frozenset({"categorical_crossentropy", "sparse_categorical_crossentropy"})
_REGRESSION_LOSSES = frozenset({"mse", "mae", "huber"})
_HINGE_LOSSES = frozenset({"hinge", "squared_hinge", "multiclass_hinge"})


# --------------------------------------------------------------------------- lint
def lint(model: Module, loss: Any = None, warn: bool = False) -> list[Advice]:
    """Check ``model`` (and its ``loss``) against the rules L001-L005 of the module docstring.

    ``loss`` is a name, a loss from ``ln.losses.get`` or None (then the loss given to
    ``compile``, if any; without a loss L004 is skipped).  With ``warn=False`` the
    report is printed (``"lint: no problems found"`` when clean); with ``warn=True``
    (what ``compile(..., lint=True)`` uses) each error and warning is issued as a
    :class:`LintWarning` instead.  Returns the advice, errors first.
    """
    if not isinstance(model, Module):
        raise TypeError(f"lint needs a model (an ln.Module), got {type(model).__name__} {model!r}")
    graph = layer_graph(model)
    advice = [
        *_constant_initialization(model, graph),
        *_initializer_mismatch(graph),
    ]
    if graph.ordered:
        advice += [
            *_deep_saturating_stack(graph),
            *_linear_collapse(graph),
            *_output_loss_mismatch(graph, _resolve_loss(model, loss)),
        ]
    advice = by_severity(advice)
    if warn:
        for item in advice:
            if item.severity != "info":
                warnings.warn(str(item), LintWarning, stacklevel=2)
    else:
        print(format_report(advice))
    return advice


def _resolve_loss(model: Module, loss: Any) -> tuple[str, bool] | None:
    """``(name, from_logits)`` of the loss, or None when there is none or it is a plain callable."""
    if loss is None:
        setup = getattr(model, "_training", None)  # the TrainingState of compile
        loss = getattr(setup, "loss", None)
    if loss is None:
        return None
    loss = loss_registry.get(loss)
    name = getattr(loss, "name", None)
    if not isinstance(name, str):
        return None
    return name, bool(getattr(loss, "options", {}).get("from_logits", False))


def _hidden_affine(graph: LayerGraph) -> list[int]:
    outputs = graph.output_steps()
    return [i for i, step in enumerate(graph.steps) if step.kind == "affine" and i not in outputs]


def _deep_saturating_stack(graph: LayerGraph) -> list[Advice]:
    """L001: the seeds' "sigmoid networks vanish within about 5 layers" (tanh likewise)."""
    saturating = [
        graph.steps[i].name
        for i in _hidden_affine(graph)
        if graph.activation_after(i) in SATURATING and not graph.follows_batch_norm(i)
    ]
    if len(saturating) < DEEP_SATURATING_LAYERS:
        return []
    return [
        Advice(
            "L001",
            "warning",
            "model",
            f"{len(saturating)} hidden sigmoid/tanh layers ({', '.join(saturating)}): their "
            "derivatives are at most 0.25 (sigmoid) or 1 (tanh) and near 0 once saturated, so the "
            "gradient reaching the first layers vanishes (sigmoid networks within about 5 layers)",
            "use activation='relu' (or 'leaky_relu') with he init in the hidden layers, or put "
            "BatchNorm before each sigmoid/tanh layer",
        )
    ]


def _constant_initialization(model: Module, graph: LayerGraph) -> list[Advice]:
    """L002: units with identical incoming weights get identical gradients and stay copies."""
    names = {id(step.layer): step.name for step in graph.steps}
    outputs = {id(graph.steps[i].layer) for i in graph.output_steps()}
    advice = []
    for module_name, layer in model.named_modules():
        if not isinstance(layer, Dense) or layer.units < 2 or id(layer) in outputs:
            continue  # an output unit has its own error signal, so output units do differ
        where = names.get(id(layer), module_name or layer.name)
        initializer = _initializer_name(layer.kernel_initializer)
        if initializer in _CONSTANT_INITIALIZERS:
            found = f"kernel_initializer={initializer!r} gives every unit the same weights"
        elif _identical_units(layer):
            found = "all units have identical weights and biases"
        else:
            continue
        advice.append(
            Advice(
                "L002",
                "error",
                where,
                f"{found}: symmetric neurons receive identical gradients and never differ, so "
                f"the layer acts as a single unit",
                "use a random initializer: kernel_initializer='auto' (he for relu, glorot "
                "otherwise)",
            )
        )
    return advice


def _identical_units(layer: Dense) -> bool:
    if layer.weight is None:
        return False
    weight = layer.weight.data
    same_bias = layer.bias is None or np.ptp(layer.bias.data) == 0
    return bool(same_bias and np.all(np.ptp(weight, axis=1) == 0))


def _initializer_name(initializer: Any) -> str | None:
    """Primary name of a kernel initializer ("auto" for the default, None for a plain callable)."""
    if isinstance(initializer, str) and initializer == "auto":
        return "auto"
    name = getattr(initializer_registry.get(initializer), "name", None)
    return name if isinstance(name, str) else None


def _linear_collapse(graph: LayerGraph) -> list[Advice]:
    """L003: W2 (W1 x + b1) + b2 = (W1 W2) x + (b1 W2 + b2), one affine map."""
    advice = []
    for index, step in enumerate(graph.steps):
        if step.kind != "affine":
            continue
        for source in graph.affine_sources(index):
            first = graph.steps[source].name
            advice.append(
                Advice(
                    "L003",
                    "warning",
                    first,
                    f"{first} feeds {step.name} with no non-linearity between: two affine maps "
                    f"collapse to one, W2(W1x+b1)+b2 = W'x+b', so the extra layer adds nothing",
                    f"add activation='relu' to {first}",
                )
            )
    return advice


def _output_loss_mismatch(graph: LayerGraph, loss: tuple[str, bool] | None) -> list[Advice]:
    """L004: the output activation must produce what the loss expects (the seeds' guide:
    sigmoid for binary, softmax for multi-class, identity for regression)."""
    outputs = graph.output_steps()
    if loss is None or len(graph.outputs) != 1 or len(outputs) != 1:
        return []
    index = outputs.pop()
    activation = graph.activation_after(index)
    if activation is None:
        return []
    where, units = graph.steps[index].name, graph.steps[index].layer.units
    found = _mismatch(activation, units, *loss)
    if found is None:
        return []
    severity, message, fix = found
    return [Advice("L004", severity, where, message, fix)]


def _mismatch(
    activation: str, units: int, loss: str, from_logits: bool
) -> tuple[str, str, str] | None:
    """``(severity, message, fix)`` when an output ``activation`` of ``units`` units does not
    fit ``loss``, else None."""
    output = f"{activation} output"
    logits_fix = f"use an identity output (activation=None) with {loss}" + (
        "" if loss in ("softmax_cross_entropy", *_HINGE_LOSSES) else "(from_logits=True)"
    )
    if loss == "binary_crossentropy" and activation == "softmax":
        return (
            "error",
            f"softmax output with binary_crossentropy: softmax makes the {units} "
            f"outputs compete (one unit is always 1) while binary CE treats each as an "
            f"independent probability",
            "use activation='sigmoid' for binary (or multi-label) targets, or softmax with "
            "categorical_crossentropy for one class out of several",
        )
    if loss in _MULTICLASS_LOSSES and activation == "sigmoid" and units > 1 and not from_logits:
        return (
            "error",
            f"sigmoid output with {loss} over {units} classes: sigmoid outputs do "
            f"not sum to 1, so they are not a distribution over the classes",
            "use activation='softmax' for one class out of several",
        )
    if activation in ("relu", "relu6") and (
        loss in _PROBABILITY_LOSSES or loss in _HINGE_LOSSES or loss == "softmax_cross_entropy"
    ):
        return (
            "error",
            f"{output} for classification with {loss}: negative scores are cut "
            f"to 0, so a class cannot be pushed down and the gradient there is 0",
            f"use activation='sigmoid' (binary) or 'softmax' (multi-class), or {logits_fix}",
        )
    if activation in PROBABILITIES and (from_logits or loss == "softmax_cross_entropy"):
        double = " (a double softmax)" if activation == "softmax" else ""
        given = f"{loss}(from_logits=True)" if from_logits else loss
        return (
            "error",
            f"{output} fed to {given}, which expects logits{double}: the "
            f"probabilities are squashed a second time and the gradients shrink",
            logits_fix,
        )
    if loss in _PROBABILITY_LOSSES and not from_logits and activation not in PROBABILITIES:
        return (
            "error",
            f"{output} with {loss}(from_logits=False): the loss expects "
            f"probabilities in [0, 1] but the outputs are unbounded scores",
            f"use activation='{'sigmoid' if loss == 'binary_crossentropy' else 'softmax'}',"
            f" or keep the identity output and pass from_logits=True",
        )
    if loss in _REGRESSION_LOSSES and activation in PROBABILITIES:
        return (
            "warning",
            f"{output} with the regression loss {loss}: predictions are "
            f"squashed into (0, 1) and targets outside it are never reached",
            "use an identity output (activation=None) for regression",
        )
    if loss in _HINGE_LOSSES and activation in PROBABILITIES:
        return (
            "warning",
            f"{output} with {loss}: margins need raw scores; probabilities "
            f"in (0, 1) never reach the margin of 1",
            logits_fix,
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
            graph.steps[i].name,
            f"{initializer[i]} is scaled for ReLU (variance 2/fan_in) but the layer uses "
            f"{activation[i]}: its pre-activations start large and saturate",
            "use kernel_initializer='auto' (glorot for sigmoid/tanh)",
        )
        for i in affine
        if initializer[i].startswith("kaiming") and activation[i] in SATURATING
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
                "model",
                f"glorot/xavier init in a {len(relu_layers)}-layer ReLU network ({', '.join(glorot)}): "
                "ReLU zeroes half the signal, so with variance 1/fan_avg it shrinks layer by layer",
                "use kernel_initializer='auto' or 'he_uniform' (variance 2/fan_in) for ReLU layers",
            )
        )
    return advice


__all__ = ["LayerGraph", "Link", "LintWarning", "Step", "layer_graph", "lint"]
