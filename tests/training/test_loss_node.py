"""Softmax cross-entropy on the tape is one node built from its closed form (the kernel the
training plan runs): PyTorch's value and gradient, for labels, one-hot and probability
targets, "mean" and "sum", and the element-wise formula kept for ``reduction="none"``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import lucidnet as ln

TIGHT = {"rtol": 1e-12, "atol": 1e-14}
RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((6, 4)) * 3
LABELS = RNG.integers(0, 4, 6)
PROBABILITIES = RNG.dirichlet(np.ones(4), 6)


CASES = [
    ("softmax_cross_entropy", "labels"),
    ("softmax_cross_entropy", "one_hot"),
    ("softmax_cross_entropy", "probabilities"),
    ("sparse_categorical_crossentropy", "labels"),
    ("categorical_crossentropy", "one_hot"),
    ("categorical_crossentropy", "probabilities"),
]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize(("loss", "target"), CASES)
def test_closed_form_node_equals_pytorch(loss, target, reduction):
    targets = {
        "labels": LABELS,
        "one_hot": np.eye(4)[LABELS],
        "probabilities": PROBABILITIES,
    }[target]
    options = {} if loss == "softmax_cross_entropy" else {"from_logits": True}
    logits = ln.tensor(LOGITS, requires_grad=True)
    value = ln.losses.get(loss, reduction=reduction, **options)(logits, targets)
    upstream = 0.7
    value.backward(np.asarray(upstream))
    t_logits = torch.tensor(LOGITS, requires_grad=True)
    t_target = torch.tensor(targets)
    expected = torch.nn.functional.cross_entropy(t_logits, t_target, reduction=reduction)
    (expected * upstream).backward()
    assert value.dtype == np.float64 and value.shape == ()
    np.testing.assert_allclose(float(value), expected.item(), **TIGHT)
    np.testing.assert_allclose(logits.grad, t_logits.grad.numpy(), **TIGHT)


def test_mean_and_sum_equal_the_per_sample_values_reduced():
    logits = ln.tensor(LOGITS.astype(np.float32), requires_grad=True)
    per_sample = ln.losses.softmax_cross_entropy(logits, LABELS, reduction="none")
    per_sample.mean().backward()
    expected_grad = logits.grad.copy()
    logits.grad = None
    mean = ln.losses.softmax_cross_entropy(logits, LABELS)
    mean.backward()
    assert mean.dtype == np.float32
    np.testing.assert_allclose(float(mean), float(per_sample.data.mean()), rtol=1e-6)
    np.testing.assert_allclose(logits.grad, expected_grad, rtol=1e-5, atol=1e-7)
    total = ln.losses.softmax_cross_entropy(logits, LABELS, reduction="sum")
    np.testing.assert_allclose(float(total), float(per_sample.data.sum()), rtol=1e-6)


def test_soft_targets_that_require_grad_keep_the_element_wise_node():
    logits = ln.tensor(LOGITS, requires_grad=True)
    target = ln.tensor(PROBABILITIES, requires_grad=True)
    ln.losses.softmax_cross_entropy(logits, target).backward()
    t_logits = torch.tensor(LOGITS, requires_grad=True)
    t_target = torch.tensor(PROBABILITIES, requires_grad=True)
    torch.nn.functional.cross_entropy(t_logits, t_target).backward()
    np.testing.assert_allclose(target.grad, t_target.grad.numpy(), **TIGHT)
    np.testing.assert_allclose(logits.grad, t_logits.grad.numpy(), **TIGHT)


def test_huge_logits_give_a_finite_loss_without_warnings():
    logits = ln.tensor(np.array([[3e38, -3e38, 0.0]], dtype=np.float32), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's default: overflow warns, underflow does not
        value = ln.losses.softmax_cross_entropy(logits, [0])
        value.backward()
    assert float(value) == 0.0  # log(1 + e^-3e38 + e^-6e38)
    np.testing.assert_array_equal(logits.grad, [[0.0, 0.0, 0.0]])
