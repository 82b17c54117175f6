"""Model builders and data for the sweep tests, pickled by value so any worker can run them.

A test process imports this file from tests/sweep; a worker process (loky, Dask) need not
have that folder on its path, so the functions travel as code, not as a module reference.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import cloudpickle
import numpy as np

import lucidnet as ln
from lucidnet.sweep import SweepResult

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # loky and Dask pickle with it

GRID = {"hidden": [2, 4, 8]}


def data(n_samples: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 4-D: tiny, quick to fit, not trivially separable."""
    return ln.datasets.blobs(
        n_samples=n_samples, centers=3, n_features=4, cluster_std=3.0, random_state=seed
    )


def build(hidden: int, lr: float = 0.05) -> ln.Sequential:
    """A compiled one-hidden-layer ReLU network for the 3-class blobs."""
    model = ln.Sequential(
        [ln.layers.Dense(hidden, activation="relu", input_shape=(4,)), ln.layers.Dense(3)]
    )
    model.compile(optimizer=ln.optim.Adam(lr=lr), loss="softmax_cross_entropy", lint=False)
    return model


def kill_once(marker: Path) -> None:
    """SIGKILL this process the first time it is called for ``marker`` (a file notes it)."""
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return
    os.kill(os.getpid(), signal.SIGKILL)


class KillingBuild:
    """``build`` that kills the process running it when ``hidden == victim``: once, or always."""

    def __init__(self, victim: int, marker: Path | None = None) -> None:
        self.victim, self.marker = victim, marker

    def __call__(self, hidden: int, lr: float = 0.05) -> ln.Sequential:
        if hidden == self.victim:
            if self.marker is None:
                os.kill(os.getpid(), signal.SIGKILL)
            kill_once(self.marker)
        return build(hidden, lr)


class WaitingBuild:
    """``build`` that, for ``hidden == waiter``, waits (at most 60 s) until ``release`` exists."""

    def __init__(self, waiter: int, release: Path) -> None:
        self.waiter, self.release = waiter, release

    def __call__(self, hidden: int, lr: float = 0.05) -> ln.Sequential:
        if hidden == self.waiter:
            for _ in range(6000):
                if self.release.exists():
                    break
                time.sleep(0.01)
        return build(hidden, lr)


def scores(result: SweepResult) -> np.ndarray:
    """The per-fold score matrix of a sweep (the numbers every backend must agree on)."""
    return result.table.filter(regex=r"^(split\d+|mean|std)_test_score$").to_numpy()
