"""Diagnostics: gradcheck, lint, preflight, health monitoring, and the doctor's repairs.

Every finding is an :class:`Advice` with a root cause from :data:`CAUSES` and a
structured remedy from :data:`REMEDIES`.  (The functions are bound here after their
modules load, so ``diagnostics.preflight`` is the function, not its module.)
"""

from .advice import CAUSES, REMEDIES, SEVERITIES, Advice, HealthWarning, LintWarning
from .lr_find import LRFind, lr_find
from .preflight import preflight
from .remedies import apply_remedy
from .repair import Repair, repair

__all__ = [
    "CAUSES",
    "REMEDIES",
    "SEVERITIES",
    "Advice",
    "HealthWarning",
    "LRFind",
    "LintWarning",
    "Repair",
    "apply_remedy",
    "lr_find",
    "preflight",
    "repair",
]
