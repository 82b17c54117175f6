"""The Dense layer's direct path to its fused node (``functional.dense_node``), against PyTorch.

``Dense.forward`` skips ``F.dense``'s operand checks for its own weights; these tests pin
what it must still do: cast foreign inputs, reject a wrong feature count by the layer's
name, apply a plain callable activation after the node, and give the same values and
gradients as ``F.dense`` and PyTorch for batched (3-D) inputs and a (1, out) bias.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.blocks import functional as F

TIGHT = {"rtol": 1e-12, "atol": 1e-14}


def test_three_dimensional_input_and_row_bias_match_torch():
    rng = np.random.default_rng(0)
    x, w, b = (
        rng.standard_normal((2, 5, 4)),
        rng.standard_normal((4, 3)),
        rng.standard_normal((1, 3)),
    )
    upstream = rng.standard_normal((2, 5, 3))
    leaves = [ln.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = F.dense(*leaves, "tanh")
    out.backward(upstream)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    t_out = torch.tanh(tx @ tw + tb)
    t_out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), **TIGHT)
    for leaf, t_leaf in zip(leaves, (tx, tw, tb), strict=True):
        assert leaf.grad.shape == leaf.shape
        np.testing.assert_allclose(leaf.grad, t_leaf.grad.numpy(), **TIGHT)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", None, "softmax"])
def test_dense_layer_equals_functional_dense(activation):
    layer = ln.layers.Dense(3, activation=activation, input_shape=(4,), dtype="float64")
    x = ln.tensor(np.random.default_rng(1).standard_normal((6, 4)), requires_grad=True)
    out = layer(x)
    (out * out).sum().backward()
    grads = [x.grad.copy(), layer.weight.grad.copy(), layer.bias.grad.copy()]
    x.grad = layer.weight.grad = layer.bias.grad = None
    reference = F.dense(x, layer.weight, layer.bias, activation)
    (reference * reference).sum().backward()
    np.testing.assert_array_equal(out.data, reference.data)
    for mine, expected in zip(grads, [x.grad, layer.weight.grad, layer.bias.grad], strict=True):
        np.testing.assert_array_equal(mine, expected)


def test_dense_layer_casts_foreign_inputs_and_names_itself_on_a_bad_shape():
    layer = ln.layers.Dense(2, activation="relu", input_shape=(3,), name="hidden")
    assert layer.weight.dtype == np.float32
    out = layer(np.ones((4, 3)))  # float64 data: computed in the layer's float32
    assert out.dtype == np.float32
    assert layer(ln.tensor(np.ones((4, 3), dtype=np.int64))).dtype == np.float32
    with pytest.raises(
        ValueError, match=r"layer 'hidden' expects inputs of shape \[batch_size, 3\]"
    ):
        layer(np.ones((4, 5)))


def test_dense_layer_with_a_plain_callable_activation_and_a_frozen_weight():
    layer = ln.layers.Dense(2, activation=lambda t: t * t, input_shape=(3,), dtype="float64")
    layer.weight.requires_grad = False
    x = ln.tensor(np.arange(6.0).reshape(2, 3))
    out = layer(x)
    z = x.data @ layer.weight.data + layer.bias.data
    np.testing.assert_allclose(out.data, z * z, **TIGHT)
    out.sum().backward()
    assert layer.weight.grad is None
    np.testing.assert_allclose(layer.bias.grad, (2 * z).sum(axis=0), **TIGHT)
