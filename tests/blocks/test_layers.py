"""Layers against PyTorch, finite differences and the SPEC's rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lucidnet as ln

RNG = np.random.default_rng(1234)


def torch_linear_from(layer: ln.layers.Dense) -> torch.nn.Linear:
    """A torch Linear with ``layer``'s weights: lucidnet stores W as (in, out), torch as (out, in)."""
    in_features, out_features = layer.weight.shape
    linear = torch.nn.Linear(in_features, out_features, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
        linear.bias.copy_(torch.from_numpy(layer.bias.data.copy()))
    return linear


def test_dense_and_linear_stack_equals_torch_outputs_and_gradients():
    ln.manual_seed(0)
    ours = [
        ln.layers.Dense(5, activation="tanh", input_shape=(4,), dtype="float64"),
        ln.layers.Linear(5, 3, dtype="float64"),
        ln.layers.Dense(2, activation="sigmoid", input_shape=(3,), dtype="float64"),
    ]
    theirs = [torch_linear_from(layer) for layer in ours]
    x = RNG.standard_normal((6, 4))
    upstream = RNG.standard_normal((6, 2))

    h = ln.tensor(x, requires_grad=True)
    out = ours[2](ours[1](ours[0](h)))
    out.backward(upstream)

    xt = torch.tensor(x, requires_grad=True)
    ref = torch.sigmoid(theirs[2](theirs[1](torch.tanh(theirs[0](xt)))))
    ref.backward(torch.from_numpy(upstream))

    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.grad, xt.grad.numpy(), rtol=1e-11, atol=1e-13)
    for layer, linear in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(
            layer.weight.grad, linear.weight.grad.numpy().T, rtol=1e-11, atol=1e-13
        )
        np.testing.assert_allclose(
            layer.bias.grad, linear.bias.grad.numpy(), rtol=1e-11, atol=1e-13
        )


def test_linear_initializes_like_torch_linear():
    layer = ln.layers.Linear(300, 200)
    bound = 1 / np.sqrt(300)
    assert layer.weight.shape == (300, 200)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.99 * bound
    assert np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.bias.data).max() > 0.9 * bound
    np.testing.assert_allclose(layer.weight.data.std(), bound / np.sqrt(3), rtol=0.02)


@pytest.mark.parametrize(
    ("activation", "limit"),
    [
        ("relu", lambda fi, fo: np.sqrt(6 / fi)),
        ("leaky_relu", lambda fi, fo: np.sqrt(6 / fi)),
        ("sigmoid", lambda fi, fo: np.sqrt(6 / (fi + fo))),
        (None, lambda fi, fo: np.sqrt(6 / (fi + fo))),
        ("tanh", lambda fi, fo: np.sqrt(6 / (fi + fo))),
    ],
)
def test_dense_auto_initializer_depends_on_activation(activation, limit):
    layer = ln.layers.Dense(300, activation=activation, input_shape=(400,))
    bound = limit(400, 300)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.99 * bound
    assert not layer.bias.data.any()


def test_dense_auto_initializer_for_selu_is_lecun_normal():
    layer = ln.layers.Dense(300, activation="selu", input_shape=(400,))
    np.testing.assert_allclose(layer.weight.data.std(), np.sqrt(1 / 400), rtol=0.02)


def test_dense_rejects_wrong_input_width_naming_the_layer():
    layer = ln.layers.Dense(2, input_shape=(3,), name="hidden")
    with pytest.raises(ValueError, match=r"'hidden'.*\[batch_size, 3\].*\(5, 4\)"):
        layer(np.zeros((5, 4)))


def test_dense_rejects_non_numeric_data():
    with pytest.raises(TypeError, match="numeric"):
        ln.layers.Dense(2, input_shape=(3,))([["a", "b", "c"]])


def test_unknown_activation_and_initializer_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="relu"):
        ln.layers.Dense(2, activation="rleu")
    with pytest.raises(ValueError, match="he_uniform"):
        ln.layers.Dense(2, kernel_initializer="he_uniformm")


@pytest.mark.parametrize("units", [0, -1, 2.5, "3", True])
def test_dense_units_must_be_positive_int(units):
    with pytest.raises(ValueError, match="units"):
        ln.layers.Dense(units)


def test_dense_is_built_lazily_from_the_first_input():
    layer = ln.layers.Dense(4)
    assert not layer.built and layer.weight is None
    layer(np.ones((2, 7), dtype=np.float32))
    assert layer.built and layer.weight.shape == (7, 4)


def test_dense_float64_layer_keeps_float64():
    layer = ln.layers.Dense(2, input_shape=(3,), dtype="float64")
    assert layer.weight.dtype == np.float64
    assert layer(np.ones((1, 3), dtype=np.float32)).dtype == np.float64


def test_manual_seed_gives_identical_weights():
    ln.manual_seed(7)
    first = ln.layers.Dense(5, input_shape=(3,)).weight.data.copy()
    ln.manual_seed(7)
    second = ln.layers.Dense(5, input_shape=(3,)).weight.data
    np.testing.assert_array_equal(first, second)


def test_dropout_zeroes_and_rescales_in_training_and_is_identity_in_eval():
    ln.manual_seed(0)
    layer = ln.layers.Dropout(0.25)
    x = np.ones((200, 50), dtype=np.float32)
    out = layer(x).data
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, x)


@pytest.mark.parametrize("rate", [-0.1, 1.0, "0.5"])
def test_dropout_rate_is_validated(rate):
    with pytest.raises(ValueError, match="rate"):
        ln.layers.Dropout(rate)


def test_flatten_keeps_the_batch_axis():
    out = ln.layers.Flatten()(np.zeros((4, 2, 3, 5)))
    assert out.shape == (4, 30)


def test_batchnorm_matches_torch_in_training_and_eval():
    x = RNG.standard_normal((8, 3)) * 3 + 1
    upstream = RNG.standard_normal((8, 3))
    ours = ln.layers.BatchNorm(3, momentum=0.2, dtype="float64")
    theirs = torch.nn.BatchNorm1d(3, momentum=0.2, dtype=torch.float64)
    for _ in range(2):
        xo = ln.tensor(x, requires_grad=True)
        out = ours(xo)
        out.backward(upstream)
        xt = torch.tensor(x, requires_grad=True)
        ref = theirs(xt)
        ref.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(
        ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-10
    )


@pytest.mark.parametrize("num_parameters", [1, 4])
def test_prelu_matches_torch(num_parameters):
    x = RNG.standard_normal((5, 4))
    x[0, 0] = 0.0
    upstream = RNG.standard_normal((5, 4))
    ours = ln.layers.PReLU(num_parameters, init=0.3, dtype="float64")
    theirs = torch.nn.PReLU(num_parameters, init=0.3, dtype=torch.float64)
    xo = ln.tensor(x, requires_grad=True)
    ours(xo).backward(upstream)
    xt = torch.tensor(x, requires_grad=True)
    theirs(xt).backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy())
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)


def test_maxout_is_the_max_of_its_affine_pieces():
    layer = ln.layers.Maxout(3, pieces=2, input_shape=(4,), dtype="float64")
    x = RNG.standard_normal((6, 4))
    w, b = layer.affine.weight.data, layer.affine.bias.data
    pieces = (x @ w + b).reshape(6, 3, 2)
    np.testing.assert_allclose(layer(x).data, pieces.max(axis=-1))
    assert layer.count_params() == 4 * 6 + 6


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda: ln.layers.Dense(3, activation="tanh", input_shape=(4,)),
        lambda: ln.layers.Dense(3, activation="softmax", input_shape=(4,)),
        lambda: ln.layers.Linear(4, 3),
        lambda: ln.layers.BatchNorm(4),
        lambda: ln.layers.PReLU(4),
        lambda: ln.layers.Maxout(3, pieces=3, input_shape=(4,)),
    ],
    ids=["dense_tanh", "dense_softmax", "linear", "batchnorm", "prelu", "maxout"],
)
def test_layer_gradients_pass_central_difference_check(make_layer):
    ln.set_default_dtype("float64")
    try:
        layer = make_layer()
    finally:
        ln.set_default_dtype("float32")
    params = layer.parameters()
    x = RNG.standard_normal((5, 4)) + 0.05

    result = ln.gradcheck(
        lambda inputs, *weights: _with_params(layer, params, inputs, weights),
        [x, *[p.data.copy() for p in params]],
    )
    assert result, str(result)


def _with_params(layer, params, inputs, weights):
    """Call ``layer`` with its parameters replaced by the gradcheck's tensors (to get their grads)."""
    saved = [
        (module, name, value)
        for module in layer.modules()
        for name, value in module._parameters.items()
    ]
    by_id = {id(p): w for p, w in zip(params, weights, strict=True)}
    try:
        for module, name, value in saved:
            object.__setattr__(module, name, by_id[id(value)])
        return layer(inputs)
    finally:
        for module, name, value in saved:
            object.__setattr__(module, name, value)


def test_whole_mlp_passes_central_difference_check():
    ln.manual_seed(3)
    model = ln.Sequential(
        [
            ln.layers.Dense(5, activation="tanh", input_shape=(3,), dtype="float64"),
            ln.layers.Dense(4, activation="softplus", dtype="float64"),
            ln.layers.Dense(2, activation="softmax", dtype="float64"),
        ]
    )
    params = model.parameters()
    x = RNG.standard_normal((4, 3))
    result = ln.gradcheck(
        lambda inputs, *weights: _with_params(model, params, inputs, weights),
        [x, *[p.data.copy() for p in params]],
    )
    assert result, str(result)


def test_modules_walks_in_named_modules_order_each_module_once():
    shared = ln.layers.Dense(3, activation="tanh")

    class Net(ln.Module):
        def __init__(self):
            super().__init__()
            self.first = ln.Sequential([ln.layers.Dense(3, activation="relu"), shared])
            self.again = shared  # the same module under a second name
            self.head = ln.layers.Dense(2)

        def forward(self, x):
            return self.head(self.again(self.first(x)))

    net = Net()
    named = [module for _, module in net.named_modules()]
    walked = list(net.modules())
    assert len(walked) == len(named) == len({id(m) for m in named})
    assert all(a is b for a, b in zip(walked, named, strict=True))
    assert walked[0] is net and sum(m is shared for m in walked) == 1
