"""PyTorch interop: models converted either way compute the same outputs."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import lucidnet as ln

nn = torch.nn

TOLERANCE = {"float32": 1e-6, "float64": 1e-12}


def torch_outputs(module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def assert_matches(actual: np.ndarray, expected: np.ndarray, dtype: str) -> None:
    assert actual.dtype == np.dtype(dtype)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def several_activations_mlp(dtype: str) -> ln.Sequential:
    ln.manual_seed(0)
    return ln.Sequential(
        [
            ln.layers.Dense(8, activation="relu", input_shape=(4,), dtype=dtype),
            ln.layers.Dense(8, activation=ln.activations.get("leaky_relu", alpha=0.2), dtype=dtype),
            ln.layers.Dense(8, activation="gelu", dtype=dtype),
            ln.layers.Activation("tanh"),
            ln.layers.Dense(6, activation="selu", dtype=dtype),
            ln.layers.Dense(3, activation="softmax", dtype=dtype),
        ]
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lucidnet_to_torch_and_back_keeps_outputs(dtype):
    model = several_activations_mlp(dtype)
    x = np.random.default_rng(0).normal(size=(10, 4)).astype(dtype) * 2
    expected = model(x).numpy()

    torch_model = ln.interop.to_torch(model)
    assert isinstance(torch_model, nn.Sequential)
    assert torch_model[0].weight.dtype == getattr(torch, dtype)
    assert_matches(torch_outputs(torch_model, x), expected, dtype)

    back = ln.interop.from_torch(torch_model)
    assert [type(layer).__name__ for layer in back.layers] == [
        "Dense",
        "Dense",
        "Dense",
        "Activation",
        "Dense",
        "Dense",
    ]
    assert back.dtype == np.dtype(dtype)
    assert_matches(back(x).numpy(), expected, dtype)


def test_to_torch_transposes_dense_weights_and_splits_activations():
    model = ln.Sequential(
        [
            ln.layers.Dense(2, activation="sigmoid", input_shape=(3,)),
            ln.layers.Dense(1, use_bias=False),
        ]
    )
    torch_model = ln.interop.to_torch(model)
    assert [type(m) for m in torch_model] == [nn.Linear, nn.Sigmoid, nn.Linear]
    np.testing.assert_array_equal(
        torch_model[0].weight.detach().numpy(), model.layers[0].weight.data.T
    )
    assert torch_model[2].bias is None


def test_from_torch_hand_built_mlp_equals_torch():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(5, 16),
        nn.ReLU(),
        nn.Linear(16, 8),
        nn.Tanh(),
        nn.Dropout(0.3),
        nn.Linear(8, 3),
        nn.LogSoftmax(dim=1),
    ).eval()
    model = ln.interop.from_torch(net)
    assert [layer.activation_name for layer in model.layers if hasattr(layer, "units")] == [
        "relu",
        "tanh",
        "log_softmax",
    ]
    assert model.input_shape == (5,)
    assert not model.training
    x = np.random.default_rng(1).normal(size=(6, 5)).astype(np.float32)
    assert_matches(model(x).numpy(), torch_outputs(net, x), "float32")


@pytest.mark.parametrize(
    "module",
    [
        nn.Identity(),
        nn.Sigmoid(),
        nn.Tanh(),
        nn.ReLU(),
        nn.LeakyReLU(0.3),
        nn.ELU(0.7),
        nn.SELU(),
        nn.GELU(),
        nn.GELU(approximate="tanh"),
        nn.SiLU(),
        nn.Softplus(beta=2.0, threshold=3.0),
        nn.Softsign(),
        nn.Hardsigmoid(),
        nn.Hardtanh(-0.5, 2.0),
        nn.ReLU6(),
        nn.Mish(),
        nn.Softmax(dim=-1),
        nn.LogSoftmax(dim=0),
    ],
    ids=lambda m: repr(m),
)
def test_every_activation_module_converts_both_ways(module):
    net = nn.Sequential(nn.Linear(4, 5).double(), module)
    x = np.linspace(-8, 8, 24).reshape(6, 4)
    expected = torch_outputs(net, x)
    model = ln.interop.from_torch(net)
    assert_matches(model(x).numpy(), expected, "float64")
    assert_matches(torch_outputs(ln.interop.to_torch(model), x), expected, "float64")


def test_batch_norm_prelu_flatten_and_dropout_convert_both_ways():
    torch.manual_seed(1)
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 5),
        nn.BatchNorm1d(5, eps=1e-3, momentum=0.2),
        nn.PReLU(5),
        nn.Dropout(0.2),
        nn.Linear(5, 2),
    )
    net.train()
    for _ in range(3):  # move the running statistics
        net(torch.randn(8, 2, 3) * 2 + 1)
    net.eval()
    x = np.random.default_rng(2).normal(size=(4, 2, 3)).astype(np.float32)
    model = ln.interop.from_torch(net)
    batch_norm = model.layers[2]
    assert (batch_norm.eps, batch_norm.momentum) == (1e-3, 0.2)
    np.testing.assert_allclose(batch_norm.running_var, net[2].running_var.numpy())
    assert_matches(model(x).numpy(), torch_outputs(net, x), "float32")
    again = ln.interop.to_torch(model)
    assert [type(m) for m in again] == [type(m) for m in net]
    assert_matches(torch_outputs(again, x), torch_outputs(net, x), "float32")


def test_first_batch_norm_gives_the_input_shape():
    net = nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 2)).eval()
    assert ln.interop.from_torch(net).input_shape == (3,)


def test_from_state_dict_with_activations():
    torch.manual_seed(2)
    net = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 2))
    model = ln.interop.from_torch(net.state_dict(), activations=["relu", "relu", None])
    assert [layer.activation_name for layer in model.layers] == ["relu", "relu", "identity"]
    x = np.random.default_rng(3).normal(size=(5, 3)).astype(np.float32)
    assert_matches(model(x).numpy(), torch_outputs(net, x), "float32")


def test_state_dict_needs_one_activation_per_linear_layer():
    state = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).state_dict()
    with pytest.raises(ValueError, match=r"one entry per Linear layer \(2"):
        ln.interop.from_torch(state)
    with pytest.raises(ValueError, match="one entry per Linear layer"):
        ln.interop.from_torch(state, activations=["relu"])


def test_state_dict_with_mismatched_widths_is_refused():
    state = {"0.weight": torch.zeros(4, 3), "1.weight": torch.zeros(2, 5)}
    with pytest.raises(ValueError, match=r"1.weight takes 5 inputs .* gives 4"):
        ln.interop.from_torch(state, activations=[None, None])


def test_unsupported_module_is_named_with_its_position():
    net = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), nn.Conv1d(1, 1, 1)))
    with pytest.raises(ValueError, match=r"Conv1d at position '1.1'"):
        ln.interop.from_torch(net)


class SeedNet(nn.Module):
    """The seeds' PyTorch model: Linear children, activations applied in forward()."""

    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(3, 3)
        self.linear2 = nn.Linear(3, 2)
        self.out = nn.Linear(2, 2)

    def forward(self, x):
        x = torch.sigmoid(self.linear1(x))
        x = torch.relu(self.linear2(x))
        return torch.softmax(self.out(x), dim=-1)


@pytest.mark.parametrize("assume_sequential", [False, True])
def test_from_torch_traces_activations_applied_in_forward(assume_sequential):
    torch.manual_seed(0)
    net = SeedNet()
    model = ln.interop.from_torch(net, assume_sequential=assume_sequential)
    assert [layer.activation.name for layer in model.layers] == ["sigmoid", "relu", "softmax"]
    x = np.random.default_rng(4).normal(size=(5, 3)).astype(np.float32) * 5
    assert_matches(model(x).numpy(), torch_outputs(net, x), "float32")


def test_from_torch_traces_functions_with_their_options_and_methods():
    class Options(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(4, 5)
            self.second = nn.Linear(5, 3)

        def forward(self, x):
            x = torch.flatten(x, 1)
            x = nn.functional.leaky_relu(self.first(x), 0.2)
            x = nn.functional.gelu(x, approximate="tanh").tanh()
            x = nn.functional.dropout(x, p=0.3, training=self.training)
            return nn.functional.log_softmax(self.second(x), dim=1)

    net = Options().double().eval()  # dropout off on both sides
    model = ln.interop.from_torch(net)
    assert repr(model.layers[1].activation) == "LeakyReLU(alpha=0.2)"
    assert [type(layer).__name__ for layer in model.layers] == [
        "Flatten",
        "Dense",
        "Activation",
        "Activation",
        "Dropout",
        "Dense",
    ]
    assert model.layers[4].rate == 0.3
    x = np.random.default_rng(5).normal(size=(6, 4)) * 3
    assert_matches(model(x).numpy(), torch_outputs(net, x), "float64")


def test_from_torch_refuses_a_forward_that_is_not_a_chain():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(3, 3)

        def forward(self, x):
            return x + torch.relu(self.inner(x))

    with pytest.raises(ValueError, match="not a chain of layers"):
        ln.interop.from_torch(Residual())

    class Exponential(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(3, 3)

        def forward(self, x):
            return torch.exp(self.inner(x))

    with pytest.raises(ValueError, match=r"calls .*exp.* not a layer or an activation"):
        ln.interop.from_torch(Exponential())


class Untraceable(nn.Module):
    """A forward() torch.fx cannot trace (control flow on values)."""

    def __init__(self, activate: bool):
        super().__init__()
        self.activate = activate
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        x = self.hidden(x)
        if x.sum() > -1e9 and self.activate:
            x = torch.relu(x)
        return self.out(x)


def test_untraceable_forward_is_refused_unless_the_children_chain_reproduces_it():
    with pytest.raises(ValueError, match=r"cannot trace Untraceable.forward"):
        ln.interop.from_torch(Untraceable(activate=False))
    plain = Untraceable(activate=False)
    model = ln.interop.from_torch(plain, assume_sequential=True)  # checked on a probe: equal
    x = np.random.default_rng(6).normal(size=(4, 3)).astype(np.float32)
    assert_matches(model(x).numpy(), torch_outputs(plain, x), "float32")
    with pytest.raises(ValueError, match=r"does not reproduce Untraceable.forward"):
        ln.interop.from_torch(Untraceable(activate=True), assume_sequential=True)


def test_to_torch_refuses_layers_without_a_torch_module():
    maxout = ln.Sequential([ln.layers.Maxout(2, input_shape=(3,), name="mx")])
    with pytest.raises(ValueError, match=r"'mx' of type Maxout"):
        ln.interop.to_torch(maxout)
    callable_activation = ln.Sequential(
        [ln.layers.Dense(2, activation=lambda t: t, input_shape=(3,), name="custom")]
    )
    with pytest.raises(ValueError, match="custom"):
        ln.interop.to_torch(callable_activation)
    inputs = ln.Input(shape=(3,))
    functional = ln.Model(inputs, ln.layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match="Sequential"):
        ln.interop.to_torch(functional)


def test_missing_torch_package_gives_install_advice(monkeypatch):
    model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,))])
    monkeypatch.setitem(sys.modules, "torch", None)  # makes "import torch" raise ImportError
    with pytest.raises(ImportError, match="pip install torch"):
        ln.interop.to_torch(model)
