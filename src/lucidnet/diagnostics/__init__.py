"""Diagnostics: gradcheck, lint, preflight, health monitoring, and the doctor's repairs.

Every finding is an :class:`Advice` with a root cause from :data:`CAUSES` and a
structured remedy from :data:`REMEDIES`.  ``preflight``, ``lr_find``, ``apply_remedy``
and ``repair`` load on first use.
"""

from .advice import CAUSES, REMEDIES, SEVERITIES, Advice, HealthWarning, LintWarning

_LAZY = {
    "preflight": ("preflight", "preflight"),
    "lr_find": ("lr_find", "lr_find"),
    "LRFind": ("lr_find", "LRFind"),
    "apply_remedy": ("remedies", "apply_remedy"),
    "repair": ("repair", "repair"),
    "Repair": ("repair", "Repair"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CAUSES",
    "REMEDIES",
    "SEVERITIES",
    "Advice",
    "HealthWarning",
    "LintWarning",
    *_LAZY,
]
