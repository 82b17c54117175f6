"""Shared fixtures: a seeded generator, a tiny-MLP factory, and a clean global state per test.

Every test starts with lucidnet's default dtype (float32) and a fixed global seed,
and whatever a test changes is put back, so tests never depend on their order
(the suite runs them in parallel with pytest-xdist).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import lucidnet as ln

matplotlib.use("Agg")  # pictures render off-screen in tests and doctests


@pytest.fixture(autouse=True)
def _fresh_global_state():
    """Default dtype float32 and seed 0 before each test; the dtype is restored after."""
    dtype = ln.get_default_dtype()
    ln.set_default_dtype("float32")
    ln.manual_seed(0)
    yield
    ln.set_default_dtype(dtype)


@pytest.fixture
def rng() -> np.random.Generator:
    """A NumPy generator with a fixed seed, for test data."""
    return np.random.default_rng(0)


@pytest.fixture
def tiny_mlp():
    """Factory for a small compiled Dense stack: ``tiny_mlp(widths=(2, 8, 3), ...)``.

    The last width is the number of outputs; hidden layers use ``activation``,
    the output ``output_activation``.  Compiled with ``loss`` and ``optimizer``
    (lint off, so tests see only what they ask for).
    """

    def build(
        widths=(2, 8, 3),
        activation="relu",
        output_activation=None,
        loss="softmax_cross_entropy",
        optimizer="adam",
        metrics=(),
        seed=0,
        dtype=None,
    ):
        ln.manual_seed(seed)
        units = widths[1:]
        model = ln.Sequential(
            [
                ln.layers.Dense(
                    width,
                    activation=output_activation if i == len(units) - 1 else activation,
                    input_shape=(widths[0],) if i == 0 else None,
                    dtype=dtype,
                )
                for i, width in enumerate(units)
            ]
        )
        model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics), lint=False)
        return model

    return build
