"""lucidnet.blocks.functional: the activation functions on Tensors and the fused dense node."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lucidnet as ln
from lucidnet.blocks import activations
from lucidnet.blocks import functional as lf


def random(shape, seed: int, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape) * scale


# ---------------------------------------------------------------- activation functions
@pytest.mark.parametrize("name", activations.registry.aliases())
def test_every_activation_name_and_alias_has_a_function_equal_to_the_object(name):
    x = random((3, 5), seed=0, scale=4)
    function = getattr(lf, name)
    act = activations.get(name)
    leaf_f = ln.tensor(x, requires_grad=True)
    leaf_o = ln.tensor(x, requires_grad=True)
    out_f, out_o = function(leaf_f), act(leaf_o)
    np.testing.assert_array_equal(out_f.numpy(), out_o.numpy())
    upstream = random((3, 5), seed=1)
    out_f.backward(upstream)
    out_o.backward(upstream)
    np.testing.assert_array_equal(leaf_f.grad, leaf_o.grad)


@pytest.mark.parametrize(
    ("call", "act"),
    [
        (lambda t: lf.leaky_relu(t, alpha=0.2), activations.LeakyReLU(0.2)),
        (lambda t: lf.elu(t, alpha=0.5), activations.ELU(0.5)),
        (lambda t: lf.gelu(t, approximate="tanh"), activations.GELU(True)),
        (lambda t: lf.softplus(t, beta=3.0, threshold=4.0), activations.Softplus(3.0, 4.0)),
        (lambda t: lf.hard_tanh(t, min_val=-0.5, max_val=2.0), activations.HardTanh(-0.5, 2.0)),
        (lambda t: lf.softmax(t, axis=0), activations.Softmax(0)),
        (lambda t: lf.log_softmax(t, axis=0), activations.LogSoftmax(0)),
    ],
)
def test_function_options_reach_the_activation(call, act):
    x = random((4, 3), seed=2, scale=3)
    np.testing.assert_array_equal(call(ln.tensor(x)).numpy(), act.forward(x))


def test_functions_accept_array_likes_and_return_tensors():
    y = lf.relu([-1.0, 0.0, 2.5])
    assert isinstance(y, ln.Tensor)
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, 2.5])
    assert y.dtype == ln.get_default_dtype()
    assert lf.logistic is lf.sigmoid and lf.swish is lf.silu


def test_softmax_function_matches_torch():
    x = random((4, 6), seed=3, scale=5)
    np.testing.assert_allclose(
        lf.softmax(x).numpy(), F.softmax(torch.tensor(x), -1).numpy(), rtol=1e-14
    )
    np.testing.assert_allclose(
        lf.log_softmax(x, axis=0).numpy(), F.log_softmax(torch.tensor(x), 0).numpy(), rtol=1e-14
    )


def test_linear_without_weight_is_the_identity_activation():
    x = ln.tensor([[1.0, -2.0]], requires_grad=True)
    y = lf.linear(x)
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    y.backward(np.array([[3.0, 4.0]]))
    np.testing.assert_array_equal(x.grad, [[3.0, 4.0]])
    with pytest.raises(ValueError, match="bias needs a weight"):
        lf.linear(x, b=[1.0])


# ---------------------------------------------------------------- dense / linear
TORCH_ACTIVATIONS = {
    None: lambda t: t,
    "identity": lambda t: t,
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda t: F.softmax(t, dim=-1),
    "gelu": F.gelu,
    "log_softmax": lambda t: F.log_softmax(t, dim=-1),
}


def dense_case(seed: int, batch: int = 6, fan_in: int = 4, fan_out: int = 3):
    return (
        random((batch, fan_in), seed),
        random((fan_in, fan_out), seed + 1),
        random((fan_out,), seed + 2),
        random((batch, fan_out), seed + 3),
    )


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("activation", list(TORCH_ACTIVATIONS), ids=str)
def test_dense_values_and_gradients_equal_torch_linear_in_float64(activation, with_bias):
    x, w, b, upstream = dense_case(seed=10)
    leaves = [ln.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = lf.dense(leaves[0], leaves[1], leaves[2] if with_bias else None, activation)
    out.backward(upstream)

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    t_out = TORCH_ACTIVATIONS[activation](F.linear(tx, tw.T, tb if with_bias else None))
    t_out.backward(torch.tensor(upstream))

    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for leaf, t_leaf in zip(leaves[:2], (tx, tw), strict=True):
        np.testing.assert_allclose(leaf.grad, t_leaf.grad.numpy(), rtol=1e-12, atol=1e-14)
    if with_bias:
        np.testing.assert_allclose(leaves[2].grad, tb.grad.numpy(), rtol=1e-12, atol=1e-14)
    else:
        assert leaves[2].grad is None


def test_dense_is_one_graph_node_and_linear_is_dense():
    x, w, b, _ = dense_case(seed=11)
    tx, tw, tb = ln.tensor(x), ln.tensor(w, requires_grad=True), ln.tensor(b, requires_grad=True)
    out = lf.dense(tx, tw, tb, "relu")
    assert out._op == "dense" and out._parents == (tx, tw, tb)
    affine = lf.linear(tx, tw, tb)
    assert affine._op == "dense"
    np.testing.assert_allclose(affine.numpy(), x @ w + b, rtol=1e-14)


def test_dense_computes_no_gradient_for_inputs_that_do_not_require_it():
    x, w, b, upstream = dense_case(seed=12)
    tx, tw = ln.tensor(x), ln.tensor(w, requires_grad=True)
    tb = ln.tensor(b)
    out = lf.dense(tx, tw, tb, "tanh")
    grads = out._backward(upstream)
    assert grads[0] is None and grads[2] is None
    np.testing.assert_allclose(
        grads[1], x.T @ (upstream * (1 - np.tanh(x @ w + b) ** 2)), rtol=1e-12
    )


def test_dense_keeps_float32_and_casts_plain_float64_data_to_the_weight_dtype():
    x, w, b, upstream = dense_case(seed=13)
    tw = ln.tensor(w.astype(np.float32), requires_grad=True)
    tb = ln.tensor(b.astype(np.float32), requires_grad=True)
    out = lf.dense(x, tw, tb, "sigmoid")  # x is float64 data
    assert out.dtype == np.float32
    out.backward(upstream.astype(np.float32))
    assert tw.grad.dtype == np.float32 and tb.grad.dtype == np.float32
    expected = 1 / (1 + np.exp(-(x @ w + b)))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5)


def test_dense_accepts_a_single_sample_and_extra_batch_dimensions():
    w, b = random((4, 2), 20), random((2,), 21)
    for x in (random((4,), 22), random((2, 3, 4), 23)):
        leaf = ln.tensor(x, requires_grad=True)
        tw = ln.tensor(w, requires_grad=True)
        tb = ln.tensor(b, requires_grad=True)
        lf.dense(leaf, tw, tb, "tanh").sum().backward()
        t_x, t_w, t_b = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        torch.tanh(t_x @ t_w + t_b).sum().backward()
        for ours, theirs in ((leaf, t_x), (tw, t_w), (tb, t_b)):
            np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


def test_dense_with_a_plain_callable_activation_applies_it_after_the_affine_map():
    x, w, b, _ = dense_case(seed=14)
    tw = ln.tensor(w, requires_grad=True)
    out = lf.dense(x, tw, b, lambda t: t * t)
    np.testing.assert_allclose(out.numpy(), (x @ w + b) ** 2, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(tw.grad, x.T @ (2 * (x @ w + b)), rtol=1e-12)


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "fragment"),
    [
        ((5, 3), (4, 2), None, "(5, 3)"),
        ((5, 3), (4, 2), None, "(4, 2)"),
        ((5, 3), (3,), None, "(3,)"),
        ((5, 3), (3, 2), (3,), "(3,)"),
        ((5, 3), (3, 2), (2, 2), "(2, 2)"),
        ((), (3, 2), None, "()"),
    ],
)
def test_bad_shapes_raise_value_error_naming_them(x_shape, w_shape, b_shape, fragment):
    b = None if b_shape is None else np.zeros(b_shape)
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        lf.dense(np.zeros(x_shape), np.zeros(w_shape), b)
    with pytest.raises(ValueError, match="shape"):
        lf.linear(np.zeros(x_shape), np.zeros(w_shape), b)


def test_mixed_dtypes_that_would_upcast_a_gradient_raise():
    w = ln.tensor(np.zeros((3, 2), np.float32), requires_grad=True)
    x = ln.tensor(np.zeros((1, 3)), requires_grad=True)  # float64 leaf that wants a gradient
    with pytest.raises(ValueError, match="dtype"):
        lf.dense(x, w)
    with pytest.raises(ValueError, match="dtype"):
        lf.dense(np.zeros((1, 3), np.float32), w, ln.tensor(np.zeros(2)))
