"""The scalar kernels the compiled step inlines, checked as plain Python (no numba needed):
activations' ``scalar_forward``/``scalar_slope`` and the losses' per-sample closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.blocks.activations import ReLU

from .loss_cases import CLOSED_FORM_CASES

RNG = np.random.default_rng(7)
POINTS = [-1000.0, -30.0, -6.5, -1.0, -1e-8, 0.0, 1e-8, 0.5, 3.0, 30.0, 1000.0]
WITH_SCALAR_KERNELS = [
    n for n in ln.activations.available() if ln.activations.get(n).has_scalar_kernels()
]


def test_the_scalar_kernels_are_those_of_relu_sigmoid_tanh_and_identity():
    assert sorted(WITH_SCALAR_KERNELS) == ["identity", "relu", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", WITH_SCALAR_KERNELS)
def test_scalar_kernels_equal_forward_and_derivative(name):
    activation = ln.activations.get(name)
    x = np.array(POINTS + list(RNG.standard_normal(10)))
    y = np.array([activation.scalar_forward(float(v)) for v in x])
    # sigmoid as (1 + tanh(x/2)) / 2: exact to 2^-53 in absolute terms, as forward_
    np.testing.assert_allclose(y, activation.forward(x), rtol=1e-15, atol=2**-53)
    slopes = np.array([activation.scalar_slope(float(v)) for v in y])
    np.testing.assert_allclose(slopes, activation.derivative(x), rtol=1e-12, atol=2**-51)


@pytest.mark.parametrize("name", WITH_SCALAR_KERNELS)
def test_scalar_forward_keeps_nan(name):
    assert math.isnan(ln.activations.get(name).scalar_forward(math.nan))


def test_a_subclass_with_its_own_formula_drops_the_scalar_kernels():
    class Shifted(ReLU):
        def forward(self, x):
            return np.maximum(x, 0) + 1.0

        def derivative(self, x):
            return (x > 0).astype(x.dtype)

    assert not Shifted().has_scalar_kernels()
    renamed = type("Rectifier", (ReLU,), {"name": "rectifier"})()
    assert renamed.has_scalar_kernels()


# ------------------------------------------------------------------ per-sample losses


@pytest.mark.parametrize("case", list(CLOSED_FORM_CASES))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sample_forms_equal_the_loss_and_its_backward(case, reduction):
    loss, make_target = CLOSED_FORM_CASES[case]
    logits = RNG.standard_normal((6, 3)) * 5
    logits[0] = [1000.0, -1000.0, 0.0]  # a class far below the max: exp underflows to 0
    target = make_target(RNG)
    prediction = ln.tensor(logits, requires_grad=True)
    expected = loss(prediction, target, reduction=reduction)
    expected.backward()
    form = loss.sample_form()
    kernel = form.labels if target.ndim == 1 else form.rows
    count = logits.size if form.per_element else len(logits)
    weight = -0.5 / count if reduction == "mean" else -0.5
    grad = np.empty_like(logits)
    total = sum(kernel(logits[s], target[s], weight, grad[s]) for s in range(len(logits)))
    value = total / count if reduction == "mean" else total
    assert value == pytest.approx(float(expected.data), rel=1e-13)
    np.testing.assert_allclose(grad, -0.5 * prediction.grad, rtol=1e-12, atol=1e-15)


def test_sample_forms_are_offered_with_the_closed_forms_only():
    assert ln.losses.get("mse").sample_form().labels is None
    assert ln.losses.get("softmax_cross_entropy").sample_form().labels is not None
    assert ln.losses.get("mae").sample_form() is None
    assert ln.losses.get("binary_crossentropy").sample_form() is None  # on probabilities
    assert ln.losses.get("mse", reduction="none").sample_form() is None
