"""What an activation is, read from its class (``family``, ``saturation_limit``, ``can_die``,
``outputs_probabilities``; see :mod:`lucidnet.blocks.activations`), by registry name."""

from __future__ import annotations

from typing import Any

from ..blocks import activations as activation_registry


def _activation_class(name: str | None) -> Any:
    """The activation's class, whose attributes say what it is (None when unknown)."""
    if name is None or name not in activation_registry.available():
        return None
    return type(activation_registry.get(name))


def can_die(name: str | None) -> bool:
    """Zero gradient wherever the unit is off (relu, relu6): ``Activation.can_die``."""
    return bool(getattr(_activation_class(name), "can_die", False))


def saturation_limit(name: str | None) -> float | None:
    """|z| beyond which the curve is flat (6 for sigmoid, 3 for tanh): ``saturation_limit``."""
    return getattr(_activation_class(name), "saturation_limit", None)


def is_saturating(name: str | None) -> bool:
    """Of the sigmoid or tanh family (bounded, flat tails)."""
    return getattr(_activation_class(name), "family", None) in ("sigmoid", "tanh")


def family(name: str | None) -> str | None:
    """The activation family ("relu", "sigmoid", "tanh", ...): ``Activation.family``."""
    return getattr(_activation_class(name), "family", None)


def outputs_probabilities(name: str | None) -> bool:
    """sigmoid, hard_sigmoid, softmax: ``Activation.outputs_probabilities``."""
    return bool(getattr(_activation_class(name), "outputs_probabilities", False))


__all__ = ["can_die", "family", "is_saturating", "outputs_probabilities", "saturation_limit"]
