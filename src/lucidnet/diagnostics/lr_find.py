"""``ln.lr_find(model, x, y)``: the learning-rate range test (Smith 2017; fast.ai's ``lr_find``).

One optimizer step per mini-batch while the learning rate grows exponentially from
``start`` to ``end`` over ``steps`` steps, ``lr_i = start * (end / start)^(i / (steps - 1))``;
the loss of each batch is smoothed with an exponential moving average (β = 0.98, with
bias correction) and the test stops early once it exceeds 4x the best.  The suggestion
is the learning rate where the smoothed loss falls fastest (steepest negative slope
against log lr, after the first tenth of the test), as fast.ai's ``steep`` suggestion
does.  The weights are
restored afterwards.

>>> import lucidnet as ln
>>> _ = ln.manual_seed(0)
>>> x, y = ln.datasets.moons(256, noise=0.1, random_state=0)
>>> model = ln.Sequential([ln.layers.Dense(16, activation="relu", input_shape=(2,)),
...                        ln.layers.Dense(2)])
>>> model.compile("sgd", "softmax_cross_entropy", lint=False)
>>> found = lr_find(model, x, y, steps=60)
>>> 1e-4 < found.suggestion < 10
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import check_int
from ..blocks.module import Module
from ..engine.random import get_rng
from ..training import losses as loss_registry
from ..training.labels import takes_labels
from ..training.state import training_state
from .probe import Snapshot, fresh_optimizer, total_loss

SMOOTHING = 0.98
DIVERGENCE = 4.0


@dataclass
class LRFind:
    """The range test: ``lrs`` tried, smoothed ``losses``, and the ``suggestion``."""

    lrs: list[float]
    losses: list[float]
    suggestion: float

    def plot(self, path: str | Path | None = None) -> Any:
        """Loss against learning rate (log scale) with the suggestion marked; a Figure."""
        import matplotlib.pyplot as plt

        figure, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot(self.lrs, self.losses, linewidth=2)
        ax.axvline(
            self.suggestion, color="C3", linestyle="--", label=f"suggestion {self.suggestion:.2g}"
        )
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss (smoothed)")
        ax.set_title("learning-rate range test")
        ax.legend(loc="best")
        figure.tight_layout()
        if path is not None:
            figure.savefig(path, dpi=120)
        return figure


def lr_find(
    model: Module,
    x: Any,
    y: Any,
    *,
    start: float = 1e-6,
    end: float = 10.0,
    steps: int = 100,
    batch_size: int = 32,
    loss: Any = None,
) -> LRFind:
    """Run the range test on ``model`` (module docstring) and put its weights back.

    Uses a fresh optimizer of the compiled kind and options (Adam when not compiled) and
    the compiled loss unless ``loss`` is given.
    """
    if not (isinstance(start, (int, float)) and isinstance(end, (int, float)) and 0 < start < end):
        raise ValueError(f"need 0 < start < end, got start={start!r}, end={end!r}")
    check_int(steps, "steps", low=2)
    setup = training_state(model)
    loss = loss_registry.get(loss if loss is not None else getattr(setup, "loss", None))
    if loss is None:
        raise ValueError("lr_find needs a loss: compile the model or pass loss=...")
    features = np.asarray(x, dtype=model.dtype)
    targets = np.asarray(y)
    if targets.dtype.kind == "f":
        targets = targets.astype(model.dtype, copy=False)
    if targets.ndim == 1 and not takes_labels(loss):  # (n,) is one output column
        targets = targets[:, None]
    rates = start * (end / start) ** (np.arange(steps) / (steps - 1))
    rng = get_rng()
    order = rng.permutation(len(features))
    lrs, smoothed = [], []
    average, best = 0.0, math.inf
    with Snapshot(model):
        optimizer = fresh_optimizer(getattr(setup, "optimizer", None), model, float(rates[0]))
        position = 0
        for i, rate in enumerate(rates):
            if position + batch_size > len(order):
                order, position = rng.permutation(len(features)), 0
            rows = order[position : position + batch_size]
            position += batch_size
            for group in optimizer.param_groups:
                group["lr"] = float(rate)
            optimizer.zero_grad()
            total, _ = total_loss(model, loss, features[rows], targets[rows])
            value = float(total.data)
            if not math.isfinite(value):
                break
            total.backward()
            optimizer.step()
            average = SMOOTHING * average + (1 - SMOOTHING) * value
            current = average / (1 - SMOOTHING ** (i + 1))
            lrs.append(float(rate))
            smoothed.append(current)
            best = min(best, current)
            if current > DIVERGENCE * best:
                break
    return LRFind(lrs, smoothed, _suggestion(lrs, smoothed))


def _suggestion(lrs: list[float], losses: list[float]) -> float:
    """Where the smoothed loss falls fastest against log lr, between the first tenth of
    the test (the moving average is still settling) and the loss minimum; the lr of the
    minimum over 10 when that stretch is too short."""
    if len(lrs) < 3:
        return lrs[0] if lrs else math.nan
    stop = int(np.argmin(losses)) + 1
    skip = max(2, len(lrs) // 10)
    if stop - skip < 3:
        return lrs[stop - 1] / 10
    slope = np.gradient(np.asarray(losses[skip:stop]), np.log(np.asarray(lrs[skip:stop])))
    return float(lrs[skip + int(np.argmin(slope))])


__all__ = ["LRFind", "lr_find"]
