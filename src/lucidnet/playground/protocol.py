"""What the page may send: the settings and the client messages, each checked against its schema.

Every message is a JSON object with a ``type`` and exactly the keys its type
allows (no more, no fewer); every value has its JSON type (``true`` is not a
number), its range or its enum.  :func:`parse_message` returns the checked
message or raises :class:`ProtocolError`, on which the server closes the socket
with code 1008.  Settings are the page's controls; a ``settings`` message
carries any subset of them.

>>> parse_message('{"type": "settings", "settings": {"learning_rate": 0.1}}')
{'type': 'settings', 'settings': {'learning_rate': 0.1}}
>>> parse_message('{"type": "play", "speed": 1}')
Traceback (most recent call last):
...
lucidnet.playground.protocol.ProtocolError: message 'play' has unknown keys ['speed']; allowed: ['type']
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from .. import activations, init, losses, optim
from .data import CLASSIFICATION_SETS, FEATURES, MULTICLASS_SETS, REGRESSION_SETS

MAX_MESSAGE_BYTES = 4096
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 64
MAX_SAMPLES = 5000
MIN_SAMPLES = 20

# element-wise ones: softmax and log_softmax act across a layer's units
HIDDEN_ACTIVATIONS = tuple(
    name for name in activations.available() if activations.get(name).element_wise
)
INITIALIZERS = ("auto", *init.available())
CLASSIFICATION_LOSSES = (
    "softmax_cross_entropy",
    "binary_crossentropy",
    "multiclass_hinge",
    "hinge",
)
# two-class only: the losses whose targets are one column of 0/1 or ±1 (their target_kind)
BINARY_ONLY_LOSSES = tuple(
    name for name in CLASSIFICATION_LOSSES if losses.get(name).target_kind in ("binary", "signs")
)
REGRESSION_LOSSES = ("mse", "mae", "huber")
OPTIMIZERS = tuple(optim.available())
REGULARIZATIONS = ("none", "l1", "l2")
SPEEDS = ("slow", "normal", "fast")
EPOCHS_PER_SECOND = {"slow": 5.0, "normal": 30.0, "fast": math.inf}

assert set(CLASSIFICATION_LOSSES + REGRESSION_LOSSES) <= set(losses.available())

DEFAULT_SETTINGS: dict[str, Any] = {
    "problem": "classification",
    "dataset": "circle",
    "classes": 2,
    "noise": 0,
    "train_ratio": 50,
    "n_samples": 500,
    "batch_size": 10,
    "features": ["x1", "x2"],
    "layers": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}],
    "initializer": "auto",
    "loss": "softmax_cross_entropy",
    "optimizer": "sgd",
    "learning_rate": 0.03,
    "regularization": "none",
    "regularization_rate": 0.0,
    "seed": 0,
    "show_test_data": False,
    "discretize": False,
    "health_every": 5,
    "speed": "normal",
    "stop_epoch": 0,
}
"""The page's defaults (TensorFlow Playground's: circle, 4-2 tanh, SGD at 0.03, batch 10)."""

LIVE_SETTINGS = frozenset(
    {"learning_rate", "regularization", "regularization_rate", "batch_size", "optimizer"}
)
"""Settings applied to the running session without a reset."""

DISPLAY_SETTINGS = frozenset(
    {"show_test_data", "discretize", "health_every", "speed", "stop_epoch"}
)
"""Settings that change what is shown or how often, never the data or the network."""


class ProtocolError(ValueError):
    """A client message that breaks its schema (the server closes with code 1008)."""


# ------------------------------------------------------------------ value checks
def _integer(low: int, high: int) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ProtocolError(f"{key} must be an integer in [{low}, {high}], got {value!r}")
        return value

    check.spec = {"kind": "int", "range": [low, high]}  # what the page checks the URL hash by
    return check


def _number(low: float, high: float, open_low: bool = False) -> Callable[[str, Any], float]:
    def check(key: str, value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not low <= value <= high
            or (open_low and value == low)
        ):
            bracket = "(" if open_low else "["
            raise ProtocolError(
                f"{key} must be a number in {bracket}{low:g}, {high:g}], got {value!r}"
            )
        return float(value)

    check.spec = {"kind": "number", "range": [low, high], "open_low": open_low}
    return check


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise ProtocolError(f"{key} must be one of {', '.join(options)}, got {value!r}")
        return value

    check.spec = {"kind": "enum", "values": list(options)}
    return check


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{key} must be true or false, got {value!r}")
    return value


_boolean.spec = {"kind": "bool"}


def _features(key: str, value: Any) -> list[str]:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= len(FEATURES)
        or any(not isinstance(name, str) or name not in FEATURES for name in value)
        or len(set(value)) != len(value)
    ):
        raise ProtocolError(
            f"{key} must be a non-empty list of distinct names from {', '.join(FEATURES)}, "
            f"got {value!r}"
        )
    return [name for name in FEATURES if name in value]  # the page's order, whatever was sent


_features.spec = {"kind": "features", "values": list(FEATURES)}


_UNITS = _integer(1, MAX_UNITS)
_ACTIVATION = _choice(HIDDEN_ACTIVATIONS)


def _layers(key: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_HIDDEN_LAYERS:
        raise ProtocolError(
            f"{key} must be a list of at most {MAX_HIDDEN_LAYERS} hidden layers, got {value!r}"
        )
    checked = []
    for index, layer in enumerate(value, start=1):
        if not isinstance(layer, dict) or set(layer) != {"units", "activation"}:
            raise ProtocolError(
                f"{key}[{index}] must be an object with exactly 'units' and 'activation', "
                f"got {layer!r}"
            )
        checked.append(
            {
                "units": _UNITS(f"{key}[{index}].units", layer["units"]),
                "activation": _ACTIVATION(f"{key}[{index}].activation", layer["activation"]),
            }
        )
    return checked


SETTINGS_SCHEMA: dict[str, Callable[[str, Any], Any]] = {
    "problem": _choice(("classification", "regression")),
    "dataset": _choice(CLASSIFICATION_SETS + REGRESSION_SETS),
    "classes": _integer(2, 5),
    "noise": _number(0, 50),
    "train_ratio": _integer(10, 90),
    "n_samples": _integer(MIN_SAMPLES, MAX_SAMPLES),
    "batch_size": _integer(1, MAX_SAMPLES),
    "features": _features,
    "layers": _layers,
    "initializer": _choice(INITIALIZERS),
    "loss": _choice(CLASSIFICATION_LOSSES + REGRESSION_LOSSES),
    "optimizer": _choice(OPTIMIZERS),
    "learning_rate": _number(0, 10, open_low=True),
    "regularization": _choice(REGULARIZATIONS),
    "regularization_rate": _number(0, 10),
    "seed": _integer(0, 2**31 - 1),
    "show_test_data": _boolean,
    "discretize": _boolean,
    "health_every": _integer(1, 100),
    "speed": _choice(SPEEDS),
    "stop_epoch": _integer(0, 1_000_000),  # pause when the epoch reaches it; 0: never
}
assert set(SETTINGS_SCHEMA) == set(DEFAULT_SETTINGS)
_layers.spec = {
    "kind": "layers",
    "max_layers": MAX_HIDDEN_LAYERS,
    "units": _UNITS.spec["range"],
    "activations": list(HIDDEN_ACTIVATIONS),
}


def check_settings(values: Any) -> dict[str, Any]:
    """A (partial) settings object with every key known and every value valid."""
    if not isinstance(values, dict):
        raise ProtocolError(f"settings must be an object, got {values!r}")
    unknown = sorted(set(values) - set(SETTINGS_SCHEMA))
    if unknown:
        raise ProtocolError(f"unknown settings {unknown}; known: {sorted(SETTINGS_SCHEMA)}")
    return {key: SETTINGS_SCHEMA[key](key, value) for key, value in values.items()}


def combine(current: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """``current`` with ``update`` applied, made consistent, or ValueError saying what clashes.

    The problem follows the data set; a loss that does not fit the problem (or a
    binary loss with more than two classes) is an error the page shows.
    """
    settings = {**current, **update}
    if "dataset" in update and "problem" not in update:
        settings["problem"] = (
            "regression" if settings["dataset"] in REGRESSION_SETS else "classification"
        )
    regression = settings["problem"] == "regression"
    if regression != (settings["dataset"] in REGRESSION_SETS):
        wanted = "plane, multi_gauss" if regression else ", ".join(CLASSIFICATION_SETS)
        raise ValueError(f"a {settings['problem']} problem needs one of these data sets: {wanted}")
    if regression and settings["loss"] not in REGRESSION_LOSSES:
        if "loss" in update:
            raise ValueError(f"regression needs one of the losses {', '.join(REGRESSION_LOSSES)}")
        settings["loss"] = "mse"
    if not regression and settings["loss"] not in CLASSIFICATION_LOSSES:
        if "loss" in update:
            raise ValueError(
                f"classification needs one of the losses {', '.join(CLASSIFICATION_LOSSES)}"
            )
        settings["loss"] = "softmax_cross_entropy"
    if (
        not regression
        and settings["loss"] in BINARY_ONLY_LOSSES
        and settings["dataset"] in MULTICLASS_SETS
        and settings["classes"] > 2
    ):
        raise ValueError(
            f"{settings['loss']} separates two classes; with {settings['classes']} classes use "
            "softmax_cross_entropy or multiclass_hinge (or set classes to 2)"
        )
    return settings


# ------------------------------------------------------------------ messages
def _weight_value(key: str, value: Any) -> float:
    return _number(-100, 100)(key, value)


MESSAGE_SCHEMAS: dict[str, dict[str, Callable[[str, Any], Any]]] = {
    "settings": {"settings": lambda key, value: check_settings(value)},
    "play": {},
    "pause": {},
    "step": {},
    "regenerate": {},
    "ping": {},
    "reset": {"keep_init": _boolean},
    "set_weight": {
        "layer": _integer(0, MAX_HIDDEN_LAYERS),
        "unit": _integer(0, MAX_UNITS - 1),
        "source": _integer(-1, MAX_UNITS - 1),  # -1 is the bias
        "value": _weight_value,
    },
}


def parse_message(text: str | bytes) -> dict[str, Any]:
    """The checked message in ``text`` (JSON), or :class:`ProtocolError` saying what is wrong."""
    try:
        message = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"a message must be JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"a message must be a JSON object, got {type(message).__name__}")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_SCHEMAS:
        raise ProtocolError(f"message type must be one of {sorted(MESSAGE_SCHEMAS)}, got {kind!r}")
    schema = MESSAGE_SCHEMAS[kind]
    allowed = {"type", *schema}
    unknown = sorted(set(message) - allowed)
    if unknown:
        raise ProtocolError(
            f"message {kind!r} has unknown keys {unknown}; allowed: {sorted(allowed)}"
        )
    missing = sorted(allowed - set(message))
    if missing:
        raise ProtocolError(f"message {kind!r} lacks the keys {missing}")
    return {"type": kind, **{key: check(key, message[key]) for key, check in schema.items()}}


def options() -> dict[str, Any]:
    """The choices the page offers (sent once, so page and server share one list)."""
    return {
        "activations": list(HIDDEN_ACTIVATIONS),
        "initializers": list(INITIALIZERS),
        "classification_losses": list(CLASSIFICATION_LOSSES),
        "binary_only_losses": list(BINARY_ONLY_LOSSES),
        "regression_losses": list(REGRESSION_LOSSES),
        "optimizers": list(OPTIMIZERS),
        "classification_sets": list(CLASSIFICATION_SETS),
        "regression_sets": list(REGRESSION_SETS),
        "multiclass_sets": list(MULTICLASS_SETS),
        "features": list(FEATURES),
        "max_hidden_layers": MAX_HIDDEN_LAYERS,
        "max_units": MAX_UNITS,
        "max_samples": MAX_SAMPLES,
        "min_samples": MIN_SAMPLES,
        "settings": {key: check.spec for key, check in SETTINGS_SCHEMA.items()},
    }
