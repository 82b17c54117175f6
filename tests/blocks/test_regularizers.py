"""Regularizers: the seeds' example, formulas, gradients (finite differences, PyTorch SGD
weight_decay), dtype and the registry."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.blocks import regularizers
from lucidnet.blocks.regularizers import L1, L1L2, L2

WEIGHT = np.random.default_rng(0).normal(size=(4, 3))


def test_seed_example_l2_prefers_spread_out_weights_and_l1_does_not():
    x = np.ones(4)
    w1, w2 = np.array([1.0, 0.0, 0.0, 0.0]), np.full(4, 0.25)
    assert x @ w1 == x @ w2 == 1.0
    assert L2(1.0)(w1).item() == pytest.approx(0.5)
    assert L2(1.0)(w2).item() == pytest.approx(0.125)
    assert L1(1.0)(w1).item() == pytest.approx(1.0)
    assert L1(1.0)(w2).item() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("regularizer", "penalty", "gradient"),
    [
        (L1(0.3), 0.3 * np.abs(WEIGHT).sum(), 0.3 * np.sign(WEIGHT)),
        (L2(0.3), 0.3 * 0.5 * (WEIGHT**2).sum(), 0.3 * WEIGHT),
        (
            L1L2(0.2, 0.7),
            0.2 * np.abs(WEIGHT).sum() + 0.35 * (WEIGHT**2).sum(),
            0.2 * np.sign(WEIGHT) + 0.7 * WEIGHT,
        ),
    ],
)
def test_penalty_and_gradient_follow_the_formula(regularizer, penalty, gradient):
    weight = ln.tensor(WEIGHT, requires_grad=True, dtype="float64")
    value = regularizer(weight)
    assert value.shape == ()
    value.backward()
    np.testing.assert_allclose(value.item(), penalty, rtol=1e-12)
    np.testing.assert_allclose(weight.grad, gradient, rtol=1e-12)


@pytest.mark.parametrize("regularizer", [L1(0.3), L2(0.3), L1L2(0.2, 0.7)], ids=repr)
def test_gradient_matches_central_differences(regularizer):
    weight = ln.tensor(WEIGHT, requires_grad=True, dtype="float64")
    regularizer(weight).backward()
    h = 1e-6
    numeric = np.zeros_like(WEIGHT)
    for index in np.ndindex(WEIGHT.shape):
        step = np.zeros_like(WEIGHT)
        step[index] = h
        numeric[index] = (regularizer(WEIGHT + step).item() - regularizer(WEIGHT - step).item()) / (
            2 * h
        )
    np.testing.assert_allclose(weight.grad, numeric, rtol=1e-6, atol=1e-9)


def test_l1_gradient_at_zero_is_zero():
    weight = ln.tensor([0.0, 2.0, -3.0], requires_grad=True)
    L1(0.5)(weight).backward()
    np.testing.assert_array_equal(weight.grad, [0.0, 0.5, -0.5])


def test_sgd_step_with_l2_equals_pytorch_sgd_weight_decay():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    lr, decay = 0.1, 0.05

    weight = ln.tensor(WEIGHT, requires_grad=True, dtype="float64")
    data_loss = ((ln.tensor(x) @ weight - ln.tensor(y)) ** 2).mean()
    (data_loss + L2(decay)(weight)).backward()
    ours = WEIGHT - lr * weight.grad

    torch_weight = torch.tensor(WEIGHT, requires_grad=True)
    optimizer = torch.optim.SGD([torch_weight], lr=lr, weight_decay=decay)
    ((torch.tensor(x) @ torch_weight - torch.tensor(y)) ** 2).mean().backward()
    optimizer.step()
    np.testing.assert_allclose(ours, torch_weight.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("regularizer", [L1(0.3), L2(0.3), L1L2(0.2, 0.7)], ids=repr)
def test_float32_weight_gives_float32_penalty_and_gradient(regularizer):
    weight = ln.tensor(WEIGHT.astype(np.float32), requires_grad=True)
    value = regularizer(weight)
    value.backward()
    assert value.dtype == np.float32 and weight.grad.dtype == np.float32


def test_numpy_float64_coefficient_does_not_upcast_float32():
    assert L2(np.float64(0.1))(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_defaults_match_keras():
    assert L1().l1 == 0.01 and L2().l2 == 0.01
    assert (L1L2().l1, L1L2().l2) == (0.0, 0.0)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "0.1", True])
def test_bad_coefficients_raise(bad):
    with pytest.raises(ValueError, match="l2"):
        L2(bad)


def test_registry_names_aliases_and_options():
    assert regularizers.available() == ["l1", "l2", "l1_l2"]
    assert regularizers.get("l2", l2=0.5) == L2(0.5)
    assert regularizers.get("L1") == L1()
    assert regularizers.get("l1l2", l1=0.1, l2=0.2) == L1L2(0.1, 0.2)
    assert regularizers.get({"name": "l1_l2", "config": {"l1": 0.1}}) == L1L2(l1=0.1)
    instance = L1(0.2)
    assert regularizers.get(instance) is instance
    assert regularizers.get(None) is None
    assert ln.regularizers is regularizers


def test_get_config_rebuilds_the_regularizer():
    regularizer = L1L2(0.1, 0.2)
    assert regularizer.get_config() == {"l1": 0.1, "l2": 0.2}
    assert regularizers.get("l1_l2", **regularizer.get_config()) == regularizer


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="l1_l2"):
        regularizers.get("l3")
