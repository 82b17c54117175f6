"""Optimizer.step() warns (cause grad_accumulation) when a gradient is applied twice."""

from __future__ import annotations

import warnings

import numpy as np

import lucidnet as ln
from lucidnet.diagnostics.advice import HealthWarning


def loop(
    zero_grad: bool, backwards_per_step: int = 1, steps: int = 3
) -> list[warnings.WarningMessage]:
    ln.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = ln.Sequential(
        [ln.layers.Dense(4, activation="relu", input_shape=(3,)), ln.layers.Dense(2)]
    )
    optimizer = ln.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(steps):
            if zero_grad:
                optimizer.zero_grad()
            for _ in range(backwards_per_step):
                ln.losses.softmax_cross_entropy(model(ln.tensor(x)), y).backward()
            optimizer.step()
    return [w for w in caught if issubclass(w.category, HealthWarning)]


def test_a_forgotten_zero_grad_warns_once_with_its_cause_at_the_callers_line():
    caught = loop(zero_grad=False)
    assert len(caught) == 1
    assert caught[0].message.cause == "grad_accumulation"
    assert caught[0].message.advice.remedy == {"action": "zero_grad_each_step"}
    assert caught[0].filename == __file__


def test_the_pytorch_loop_and_accumulating_several_backwards_before_one_step_are_silent():
    assert loop(zero_grad=True) == []
    assert loop(zero_grad=True, backwards_per_step=3) == []


def test_model_zero_grad_also_counts_as_clearing():
    ln.manual_seed(0)
    model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,))])
    optimizer = ln.optim.Adam(model.parameters())
    x = np.ones((4, 3), dtype=np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            model.zero_grad()
            model(ln.tensor(x)).sum().backward()
            optimizer.step()
    assert not [w for w in caught if issubclass(w.category, HealthWarning)]
