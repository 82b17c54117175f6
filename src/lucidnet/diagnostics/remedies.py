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
from typing import Any

import numpy as np

from ..blocks import init as initializer_registry
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..training import losses as loss_registry
from ..training.optim import optimizer as optimizer_registry
from ..training.state import training_state
from .advice import REMEDIES

_LOGIT_LOSSES = {"softmax_cross_entropy"}
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
    layers = config["config"]["layers"]
    dense = [entry for entry in layers if entry["class_name"] in ("Dense", "Linear")]
    loss, loss_options = setup.loss.name, dict(getattr(setup.loss, "get_config", dict)())
    optimizer_name = setup.optimizer.name
    optimizer_options = dict(setup.optimizer.get_config())
    fresh: set[str] = set()  # layers that start afresh
    initializers: dict[str, dict[str, Any]] = {}
    statistics = None
    action = None if remedy is None else remedy["action"]
    params = {} if remedy is None else {k: v for k, v in remedy.items() if k != "action"}

    def named(names: Any) -> list[dict[str, Any]]:
        if names is None:
            return dense
        return [entry for entry in dense if entry["config"]["name"] in set(names)]

    if action == "set_initializer":
        for entry in named(params.get("layers")):
            name = entry["config"]["name"]
            initializers[name] = {
                key: params[key] for key in ("kernel", "bias") if params.get(key) is not None
            }
            fresh.add(name)
    elif action == "set_activation":
        for entry in named(params.get("layers")):
            entry["config"]["activation"] = {"name": params["name"], "config": {}}
            initializers[entry["config"]["name"]] = {"kernel": "auto", "bias": "zeros"}
            fresh.add(entry["config"]["name"])
    elif action == "set_output_activation":
        dense[-1]["config"]["activation"] = {"name": params["name"], "config": {}}
        loss, loss_options = _loss_for_output(params["name"], loss, loss_options)
    elif action == "set_loss":
        loss, loss_options = params["name"], dict(params.get("options") or {})
        output = _output_for_loss(loss, loss_options, dense[-1]["config"]["units"])
        if output is not None:
            dense[-1]["config"]["activation"] = {"name": output, "config": {}}
            fresh.add(dense[-1]["config"]["name"])
    elif action == "set_reduction":
        loss_options["reduction"] = params.get("reduction", "mean")
        if loss_options["reduction"] == "mean":
            del loss_options["reduction"]
    elif action == "set_lr":
        if params.get("value") is not None:
            optimizer_options["lr"] = float(params["value"])
    elif action == "set_optimizer":
        optimizer_name = params.get("name", optimizer_name)
        optimizer_options = {} if params.get("name") else optimizer_options
        if params.get("lr") is not None:
            optimizer_options["lr"] = float(params["lr"])
    elif action == "set_regularizer":
        for entry in named(params.get("layers")):
            if params.get("layers") is None and entry["config"].get("kernel_regularizer") is None:
                continue
            entry["config"]["kernel_regularizer"] = _regularizer(params.get("l1"), params.get("l2"))
    elif action == "standardize_inputs":
        if x is None:
            raise ValueError("standardize_inputs needs x, the training inputs")
        features = np.asarray(x, dtype=np.float64)
        statistics = (features.mean(axis=0), features.var(axis=0))
        first = layers[0]["config"]
        layers.insert(
            0,
            {
                "class_name": "BatchNorm",
                "config": {"num_features": int(features.shape[1]), "name": "standardize"},
            },
        )
        if first.get("input_shape") is not None:
            config["config"]["input_shape"] = first["input_shape"]
            first["input_shape"] = None
    elif action == "reduce_depth":
        drop = set(params.get("layers") or [])
        kept = [entry for entry in layers if entry["config"].get("name") not in drop]
        for index, entry in enumerate(kept):
            if entry is not layers[index] and entry["class_name"] in ("Dense", "Linear"):
                fresh.add(entry["config"]["name"])
                break
        if kept and layers[0] not in kept:
            kept[0]["config"]["input_shape"] = layers[0]["config"].get("input_shape")
        config["config"]["layers"] = layers = kept
    if params.get("lr") is not None and action not in ("set_lr", "set_optimizer"):
        optimizer_options["lr"] = float(params["lr"])  # the lr that fits once the cause is fixed
    rebuilt = _build(model_from_config, config, statistics)
    _copy_weights(model, rebuilt, fresh, initializers)
    optimizer = optimizer_registry.get(optimizer_name, **optimizer_options)
    rebuilt.compile(
        optimizer,
        loss_registry.get(loss, **loss_options),
        metrics=list(setup.metric_names),
        lint=False,
    )
    return rebuilt


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
        kernel = initializer_registry.auto_initializer(layer.activation_name)
    layer.weight.data[...] = initializer_registry.get(kernel)((fan_in, units))
    if layer.bias is not None:
        layer.bias.data[...] = initializer_registry.get(layer.bias_initializer)((units,))


def _loss_for_output(
    activation: str, loss: str, options: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The loss that fits a new output activation (only the logits option changes)."""
    options = dict(options)
    if activation == "identity":
        if loss in (
            "binary_crossentropy",
            "categorical_crossentropy",
            "sparse_categorical_crossentropy",
        ):
            options["from_logits"] = True
    elif activation in ("sigmoid", "softmax"):
        if loss in _LOGIT_LOSSES:
            loss = "sparse_categorical_crossentropy"
        options.pop("from_logits", None)
    return loss, options


def _output_for_loss(loss: str, options: dict[str, Any], units: int) -> str | None:
    if options.get("from_logits") or loss in _LOGIT_LOSSES:
        return "identity"
    if loss == "binary_crossentropy":
        return "sigmoid"
    if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return "softmax" if units > 1 else "sigmoid"
    return None


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
