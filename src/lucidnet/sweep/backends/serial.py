"""The ``serial`` backend: every trial in this process, in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..trial import Setup, Trial, run_trial


def run(
    setup: Setup, x: np.ndarray, y: np.ndarray, trials: list[Trial], **_: Any
) -> Iterator[dict[str, Any]]:
    """Yield ``run_trial`` of each trial, one after another."""
    for trial in trials:
        yield run_trial(setup, x, y, trial)
