"""What an activation is, read from its class (``family``, ``saturation_limit``, ``can_die``,
``outputs_probabilities``, ``max_derivative``; see :mod:`lucidnet.blocks.activations`).

Every function takes the activation as a registered name, an
:class:`~lucidnet.blocks.activations.Activation` (a user's own subclass included: its
class attributes are read, so a new activation needs no entry here), or another object
that carries the same attributes (the PReLU layer).  An unknown name, or None, is an
activation nothing is known about.

>>> can_die("relu"), family("tanh"), name_of(activation_registry.ReLU()), is_identity("linear")
(True, 'tanh', 'relu', True)

A new activation is one class; what it states is all the diagnostics need:

>>> import numpy as np
>>> class Clamp(activation_registry.Activation):
...     name, family, can_die, recommended_initializer = "clamp", "relu", True, "he_uniform"
...     def forward(self, x):
...         return np.clip(x, 0, 1)
...     def derivative(self, x):
...         return ((x > 0) & (x < 1)).astype(x.dtype)
>>> can_die(Clamp()), is_saturating(Clamp()), name_of(Clamp())
(True, False, 'clamp')
"""

from __future__ import annotations

from typing import Any

from ..blocks import activations as activation_registry


def describe(activation: Any) -> Any:
    """The object whose attributes say what ``activation`` is: the registered class for a
    name (None when unknown), else ``activation`` itself."""
    if activation is None or not isinstance(activation, str):
        return activation
    try:
        return type(activation_registry.get(activation))
    except (TypeError, ValueError):
        return None


def name_of(activation: Any) -> str | None:
    """The activation's name, for messages: its ``name`` (an Activation), the string itself,
    or the lower-cased class name of another object (``"prelu"`` for the PReLU layer)."""
    if activation is None or isinstance(activation, str):
        return activation
    if isinstance(activation, activation_registry.Activation):
        return activation.name
    return type(activation).__name__.lower()


def can_die(activation: Any) -> bool:
    """Zero gradient wherever the unit is off (relu, relu6): ``Activation.can_die``."""
    return bool(getattr(describe(activation), "can_die", False))


def saturation_limit(activation: Any) -> float | None:
    """|z| beyond which the curve is flat (6 for sigmoid, 3 for tanh): ``saturation_limit``."""
    return getattr(describe(activation), "saturation_limit", None)


def max_derivative(activation: Any) -> float:
    """The largest f'(x) (1/4 for sigmoid): ``Activation.max_derivative``, 1 when not stated."""
    value = getattr(describe(activation), "max_derivative", None)
    return 1.0 if value is None else float(value)


def family(activation: Any) -> str | None:
    """The activation family ("relu", "sigmoid", "tanh", ...): ``Activation.family``."""
    return getattr(describe(activation), "family", None)


def is_saturating(activation: Any) -> bool:
    """Of the sigmoid or tanh family (bounded, flat tails)."""
    return family(activation) in ("sigmoid", "tanh")


def is_identity(activation: Any) -> bool:
    """The linear family (identity): no non-linearity at all."""
    return family(activation) == "linear"


def outputs_probabilities(activation: Any) -> bool:
    """sigmoid, hard_sigmoid, softmax: ``Activation.outputs_probabilities``."""
    return bool(getattr(describe(activation), "outputs_probabilities", False))


def normalizes_units(activation: Any) -> bool:
    """Computed across the units of a sample (softmax, log_softmax: ``element_wise`` False),
    so over one unit the output is a constant."""
    known = describe(activation)
    return known is not None and not getattr(known, "element_wise", True)


__all__ = [
    "can_die",
    "describe",
    "family",
    "is_identity",
    "is_saturating",
    "max_derivative",
    "name_of",
    "normalizes_units",
    "outputs_probabilities",
    "saturation_limit",
]
