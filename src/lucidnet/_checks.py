"""Argument checks shared across the package (no heavy imports: any module may use them)."""

from __future__ import annotations

import numpy as np


def check_positive_int(value: object, argument: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (bools refused); ValueError naming ``argument``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        wanted = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{argument} must be {wanted}, got {value!r}")
    return int(value)
