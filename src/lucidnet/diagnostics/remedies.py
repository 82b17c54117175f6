"""``ln.apply_remedy(model, remedy, x=None)``: a structured fix applied to a new copy of a model.

A remedy is ``{"action": ..., **params}`` with an action from
:data:`~lucidnet.diagnostics.advice.REMEDIES` (the ``remedy`` of an
:class:`~lucidnet.diagnostics.advice.Advice`).  The model is rebuilt from its
architecture (``lucidnet.io.architecture``), the remedy is applied to that description,
the weights of every layer it leaves alone are copied over (layers it changes start
afresh from their initializers), and the copy is compiled with the same optimizer kind
and options, loss and metrics, changed where the remedy says.  The user's model is
never touched.

=======================  ==========================================================
action                   what changes
=======================  ==========================================================
set_initializer          ``layers`` (None: every Dense) get ``kernel``/``bias``
                         initializers and start afresh
set_activation           ``layers`` get activation ``name`` (and 'auto' init)
set_output_activation    the last Dense layer's activation; the loss follows
                         (identity with a logits loss)
set_loss                 loss ``name`` with ``options``; the output activation follows
                         (softmax for categorical CE, sigmoid for binary CE)
set_reduction            the loss's reduction (``"mean"``)
set_lr / set_optimizer   the optimizer's learning rate / kind
(any, with ``lr``)       also the learning rate that fits once the cause is fixed
set_regularizer          ``l1``/``l2`` kernel penalties of ``layers`` (None: all that
                         have one)
standardize_inputs       a BatchNorm in front, its running statistics set from ``x``
reduce_depth             ``layers`` removed (the next layer starts afresh)
use_class_weights,       nothing in the model: data and loop remedies (``ln.repair``
zero_grad_each_step,     oversamples the minority classes for use_class_weights)
check_data_pipeline,
set_output_bias_prior
=======================  ==========================================================

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(8, activation="relu", input_shape=(2,)),
...                        ln.layers.Dense(3, activation="softmax")])
>>> model.compile("adam", "softmax_cross_entropy", lint=False)
>>> fixed = apply_remedy(model, {"action": "set_output_activation", "name": "identity"})
>>> fixed.layers[-1].activation_name, model.layers[-1].activation_name
('identity', 'softmax')
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..blocks import init as initializer_registry
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..training import losses as loss_registry
from ..training.optim import optimizer as optimizer_registry
from ..training.state import training_state
from .advice import REMEDIES
from .kinds import is_identity, outputs_probabilities

_DATA_ACTIONS = {
    "use_class_weights",
    "zero_grad_each_step",
    "check_data_pipeline",
    "set_output_bias_prior",
}


def apply_remedy(model: Module, remedy: dict[str, Any] | None, x: Any = None) -> Module:
    """A new compiled model: ``model`` rebuilt with ``remedy`` applied (module docstring).

    ``remedy`` None (or a data/loop remedy) gives a plain copy.  ``x`` is needed by
    ``standardize_inputs`` (the statistics of the inputs).
    """
    from ..io.architecture import model_from_config, model_to_config

    if remedy is not None and (
        not isinstance(remedy, dict) or remedy.get("action") not in REMEDIES
    ):
        raise ValueError(
            f"remedy must be a dict {{'action': ...}} with an action from {sorted(REMEDIES)}, "
            f"got {remedy!r}"
        )
    setup = training_state(model)
    if setup is None:
        raise ValueError("apply_remedy needs a compiled model (model.compile(...) first)")
    config = copy.deepcopy(model_to_config(model))
    if config.get("class_name") != "Sequential":
        raise ValueError(
            f"apply_remedy rebuilds Sequential models; got {config.get('class_name')!r}"
        )
    rebuild = _Rebuild(
        config,
        setup.loss.name,
        dict(getattr(setup.loss, "get_config", dict)()),
        setup.optimizer.name,
        dict(setup.optimizer.get_config()),
    )
    action = None if remedy is None else remedy["action"]
    params = {} if remedy is None else {k: v for k, v in remedy.items() if k != "action"}
    if action in _ACTIONS:
        _ACTIONS[action](rebuild, params, x)
    if params.get("lr") is not None and action not in ("set_lr", "set_optimizer"):
        rebuild.optimizer_options["lr"] = float(params["lr"])  # the lr that fits once fixed
    rebuilt = _build(model_from_config, config, rebuild.statistics)
    _copy_weights(model, rebuilt, rebuild.fresh, rebuild.initializers)
    optimizer = optimizer_registry.get(rebuild.optimizer_name, **rebuild.optimizer_options)
    rebuilt.compile(
        optimizer,
        loss_registry.get(rebuild.loss, **rebuild.loss_options),
        metrics=list(setup.metric_names),
        lint=False,
        jit_compile=setup.jit_compile,
    )
    return rebuilt


@dataclass
class _Rebuild:
    """The model's architecture config and training setup, as the remedy changes them."""

    config: dict[str, Any]
    loss: str
    loss_options: dict[str, Any]
    optimizer_name: str
    optimizer_options: dict[str, Any]
    fresh: set[str] = field(default_factory=set)  # layers that start afresh
    initializers: dict[str, dict[str, Any]] = field(default_factory=dict)
    statistics: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def layers(self) -> list[dict[str, Any]]:
        return self.config["config"]["layers"]

    @property
    def dense(self) -> list[dict[str, Any]]:
        return [entry for entry in self.layers if entry["class_name"] in ("Dense", "Linear")]

    def named(self, names: Any) -> list[dict[str, Any]]:
        """The Dense entries called ``names`` (None: every one)."""
        if names is None:
            return self.dense
        return [entry for entry in self.dense if entry["config"]["name"] in set(names)]


def _set_initializer(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    for entry in rebuild.named(params.get("layers")):
        name = entry["config"]["name"]
        rebuild.initializers[name] = {
            key: params[key] for key in ("kernel", "bias") if params.get(key) is not None
        }
        rebuild.fresh.add(name)


def _set_activation(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    for entry in rebuild.named(params.get("layers")):
        entry["config"]["activation"] = {"name": params["name"], "config": {}}
        rebuild.initializers[entry["config"]["name"]] = {"kernel": "auto", "bias": "zeros"}
        rebuild.fresh.add(entry["config"]["name"])


def _set_output_activation(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    rebuild.dense[-1]["config"]["activation"] = {"name": params["name"], "config": {}}
    rebuild.loss, rebuild.loss_options = _loss_for_output(
        params["name"], rebuild.loss, rebuild.loss_options
    )


def _set_loss(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    rebuild.loss, rebuild.loss_options = params["name"], dict(params.get("options") or {})
    last = rebuild.dense[-1]["config"]
    output = _output_for_loss(rebuild.loss, rebuild.loss_options, last["units"])
    if output is not None:
        last["activation"] = {"name": output, "config": {}}
        rebuild.fresh.add(last["name"])


def _set_reduction(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    reduction = params.get("reduction", "mean")
    rebuild.loss_options["reduction"] = reduction
    if reduction == "mean":
        del rebuild.loss_options["reduction"]


def _set_lr(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    if params.get("value") is not None:
        rebuild.optimizer_options["lr"] = float(params["value"])


def _set_optimizer(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    if params.get("name"):
        rebuild.optimizer_name, rebuild.optimizer_options = params["name"], {}
    if params.get("lr") is not None:
        rebuild.optimizer_options["lr"] = float(params["lr"])


def _set_regularizer(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    for entry in rebuild.named(params.get("layers")):
        if params.get("layers") is None and entry["config"].get("kernel_regularizer") is None:
            continue
        entry["config"]["kernel_regularizer"] = _regularizer(params.get("l1"), params.get("l2"))


def _standardize_inputs(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    if x is None:
        raise ValueError("standardize_inputs needs x, the training inputs")
    features = np.asarray(x, dtype=np.float64)
    rebuild.statistics = (features.mean(axis=0), features.var(axis=0))
    first = rebuild.layers[0]["config"]
    rebuild.layers.insert(
        0,
        {
            "class_name": "BatchNorm",
            "config": {"num_features": int(features.shape[1]), "name": "standardize"},
        },
    )
    if first.get("input_shape") is not None:
        rebuild.config["config"]["input_shape"] = first["input_shape"]
        first["input_shape"] = None


def _reduce_depth(rebuild: _Rebuild, params: dict[str, Any], x: Any) -> None:
    layers = rebuild.layers
    drop = set(params.get("layers") or [])
    kept = [entry for entry in layers if entry["config"].get("name") not in drop]
    for index, entry in enumerate(kept):
        if entry is not layers[index] and entry["class_name"] in ("Dense", "Linear"):
            rebuild.fresh.add(entry["config"]["name"])
            break
    if kept and layers[0] not in kept:
        kept[0]["config"]["input_shape"] = layers[0]["config"].get("input_shape")
    rebuild.config["config"]["layers"] = kept


# The model remedies, one function per action; the data and loop remedies change nothing here.
_ACTIONS = {
    "set_initializer": _set_initializer,
    "set_activation": _set_activation,
    "set_output_activation": _set_output_activation,
    "set_loss": _set_loss,
    "set_reduction": _set_reduction,
    "set_lr": _set_lr,
    "set_optimizer": _set_optimizer,
    "set_regularizer": _set_regularizer,
    "standardize_inputs": _standardize_inputs,
    "reduce_depth": _reduce_depth,
}


def _build(model_from_config: Any, config: dict[str, Any], statistics: Any) -> Module:
    rebuilt = model_from_config(config)
    if statistics is not None:
        norm = rebuilt.layers[0]
        mean, variance = statistics
        norm.running_mean[...] = mean
        norm.running_var[...] = np.where(variance > 0, variance, 1.0)
    return rebuilt


def _copy_weights(
    source: Module, target: Module, fresh: set[str], initializers: dict[str, dict[str, Any]]
) -> None:
    """Same-named layers: initializers and, unless the layer starts afresh, the weights."""
    originals = {layer.name: layer for layer in source.modules() if isinstance(layer, Dense)}
    for layer in target.modules():
        if not isinstance(layer, Dense):
            continue
        original = originals.get(layer.name)
        if original is not None:
            layer.kernel_initializer = original.kernel_initializer
            layer.bias_initializer = original.bias_initializer
        chosen = initializers.get(layer.name, {})
        if "kernel" in chosen:
            layer.kernel_initializer = chosen["kernel"]
        if "bias" in chosen:
            layer.bias_initializer = chosen["bias"]
        if layer.name in fresh or original is None or original.weight is None:
            _reinitialize(layer)
            continue
        for mine, theirs in ((layer.weight, original.weight), (layer.bias, original.bias)):
            if mine is not None and theirs is not None and mine.data.shape == theirs.data.shape:
                mine.data[...] = theirs.data
            elif mine is not None:
                _reinitialize(layer)
                break


def _reinitialize(layer: Dense) -> None:
    fan_in, units = layer.weight.data.shape
    kernel = layer.kernel_initializer
    if kernel == "auto":
        kernel = initializer_registry.auto_initializer(layer.activation)
    layer.weight.data[...] = initializer_registry.get(kernel)((fan_in, units))
    if layer.bias is not None:
        layer.bias.data[...] = initializer_registry.get(layer.bias_initializer)((units,))


def _loss_for_output(
    activation: str, loss: str, options: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The loss that fits a new output activation (only the logits option changes), judged by
    the activation's and the loss's attributes."""
    options = dict(options)
    bound = loss_registry.get(loss, **options)
    has_option = "from_logits" in getattr(bound, "options", {})
    if is_identity(activation):
        if has_option and getattr(bound, "family", None) == "cross_entropy":
            options["from_logits"] = True
    elif outputs_probabilities(activation):
        if getattr(bound, "family", None) == "cross_entropy" and not has_option:
            loss = "sparse_categorical_crossentropy"  # a logits-only cross-entropy
        options.pop("from_logits", None)
    return loss, options


def _output_for_loss(loss: str, options: dict[str, Any], units: int) -> str | None:
    """The output activation a cross-entropy needs: identity for logits, sigmoid for binary
    targets (or one unit), softmax otherwise; None for other losses."""
    bound = loss_registry.get(loss, **options)
    if getattr(bound, "family", None) != "cross_entropy":
        return None
    if getattr(bound, "expects_logits", False):
        return "identity"
    if getattr(bound, "target_kind", None) == "binary":
        return "sigmoid"
    return "softmax" if units > 1 else "sigmoid"


def _regularizer(l1: Any, l2: Any) -> dict[str, Any] | None:
    l1, l2 = float(l1 or 0.0), float(l2 or 0.0)
    if l1 and l2:
        return {"name": "l1_l2", "config": {"l1": l1, "l2": l2}}
    if l1:
        return {"name": "l1", "config": {"l1": l1}}
    if l2:
        return {"name": "l2", "config": {"l2": l2}}
    return None


def is_model_remedy(remedy: dict[str, Any] | None) -> bool:
    """Whether the remedy changes the model (rather than the data or the loop)."""
    return remedy is not None and remedy.get("action") not in _DATA_ACTIONS


__all__ = ["apply_remedy", "is_model_remedy"]
