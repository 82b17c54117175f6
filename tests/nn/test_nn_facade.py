"""``from lucidnet import nn``: PyTorch scripts run with the import changed and give torch's numbers."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet import nn
from lucidnet.nn import functional as F

TOLERANCE = {"float32": 1e-6, "float64": 1e-12}


def assert_close(actual, expected, dtype: str) -> None:
    actual = np.asarray(actual)
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    assert actual.dtype == np.dtype(dtype)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def copy_linear(ours: nn.Linear, theirs: torch.nn.Linear) -> None:
    """lucidnet stores W as (in, out), torch as (out, in)."""
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.data.T.copy()))
        theirs.bias.copy_(torch.from_numpy(ours.bias.data.copy()))


# ----------------------------------------------------------------------- the seeds' PyTorch model
class SeedNet(nn.Module):
    """The seeds' model, written as in the seeds with only the import changed."""

    def __init__(self) -> None:
        super().__init__()
        self.linear1 = nn.Linear(3, 3)
        nn.init.xavier_normal_(self.linear1.weight)
        self.linear2 = nn.Linear(3, 2)
        nn.init.kaiming_normal_(self.linear2.weight)
        self.out = nn.Linear(2, 2)

    def forward(self, x):
        x = F.sigmoid(self.linear1(x))
        x = F.relu(self.linear2(x))
        return F.softmax(self.out(x), dim=-1)


class TorchSeedNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear1 = torch.nn.Linear(3, 3)
        self.linear2 = torch.nn.Linear(3, 2)
        self.out = torch.nn.Linear(2, 2)

    def forward(self, x):
        x = torch.sigmoid(self.linear1(x))
        x = torch.relu(self.linear2(x))
        return torch.softmax(self.out(x), dim=-1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_seed_pytorch_model_gives_torchs_outputs_and_gradients(dtype: str) -> None:
    ln.set_default_dtype(dtype)
    try:
        ln.manual_seed(0)
        ours = SeedNet()
        my_data = ln.randn(5, 3)
        output = ours(my_data)
    finally:
        ln.set_default_dtype("float32")
    theirs = TorchSeedNet().to(getattr(torch, dtype))
    for name in ("linear1", "linear2", "out"):
        copy_linear(getattr(ours, name), getattr(theirs, name))
    x = torch.from_numpy(np.asarray(my_data).copy())
    expected = theirs(x)
    assert output.shape == (5, 2)
    assert_close(output, expected, dtype)
    output[:, 0].sum().backward()
    expected[:, 0].sum().backward()
    assert_close(ours.linear1.weight.grad, theirs.linear1.weight.grad.T, dtype)
    assert [name for name, _ in ours.named_parameters()] == [
        name for name, _ in theirs.named_parameters()
    ]


class Classifier(nn.Module):
    def __init__(self, torch_module=nn) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class TorchClassifier(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.nn.functional.relu(self.fc1(x)))


def train(net, module, optim, x, y, steps: int) -> list[float]:
    """The PyTorch training loop, identical for both libraries."""
    criterion = module.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_pytorch_training_script_runs_with_the_import_changed_and_matches_torch() -> None:
    ln.set_default_dtype("float64")
    try:
        ln.manual_seed(1)
        ours = Classifier()
        x = ln.randn(16, 4)
        y = ln.tensor(np.arange(16) % 3)
    finally:
        ln.set_default_dtype("float32")
    theirs = TorchClassifier().double()
    copy_linear(ours.fc1, theirs.fc1)
    copy_linear(ours.fc2, theirs.fc2)
    our_losses = train(ours, nn, ln.optim, x, y, steps=5)
    their_losses = train(
        theirs,
        torch.nn,
        torch.optim,
        torch.from_numpy(x.numpy().copy()),
        torch.tensor(y.numpy()),
        5,
    )
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-12)
    assert_close(ours.fc2.weight.data, theirs.fc2.weight.T, "float64")
    assert our_losses[-1] < our_losses[0]


# ----------------------------------------------------------------------- modules
ACTIVATION_MODULES = [
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.ReLU6(), torch.nn.ReLU6()),
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.LeakyReLU(negative_slope=0.2), torch.nn.LeakyReLU(negative_slope=0.2)),
    (nn.ELU(alpha=0.5), torch.nn.ELU(alpha=0.5)),
    (nn.SELU(), torch.nn.SELU()),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.Softplus(beta=2.0, threshold=5.0), torch.nn.Softplus(beta=2.0, threshold=5.0)),
    (nn.Softsign(), torch.nn.Softsign()),
    (nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
    (nn.Hardtanh(-2.0, 0.5), torch.nn.Hardtanh(-2.0, 0.5)),
    (nn.Mish(), torch.nn.Mish()),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.Softmax(dim=0), torch.nn.Softmax(dim=0)),
    (nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1)),
    (nn.Identity(54, unused="x"), torch.nn.Identity(54, unused="x")),
    (nn.Flatten(), torch.nn.Flatten()),
]


@pytest.mark.parametrize(("ours", "theirs"), ACTIVATION_MODULES, ids=lambda m: type(m).__name__)
def test_activation_modules_match_torch_values_and_gradients(ours, theirs) -> None:
    data = np.linspace(-4, 4, 24).reshape(4, 6)
    x = ln.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out, expected = ours(x), theirs(tx)
    assert_close(out, expected, "float64")
    weights = np.arange(24.0).reshape(4, 6)
    (out * ln.tensor(weights)).sum().backward()
    (expected * torch.from_numpy(weights)).sum().backward()
    if isinstance(theirs, torch.nn.Hardsigmoid):  # torch's backward uses a float32 1/6
        np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-7)
    else:
        assert_close(x.grad, tx.grad, "float64")


def test_sequential_of_modules_matches_torch_sequential() -> None:
    ln.manual_seed(0)
    ours = nn.Sequential(
        nn.Linear(3, 5), nn.BatchNorm1d(5), nn.PReLU(), nn.Dropout(0.5), nn.Linear(5, 2)
    )
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.BatchNorm1d(5),
        torch.nn.PReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(5, 2),
    ).double()
    copy_linear(ours[0], theirs[0])
    copy_linear(ours[4], theirs[4])
    ours.eval()
    theirs.eval()
    data = np.random.default_rng(0).normal(size=(6, 3))
    with ln.no_grad():
        out = ours(ln.tensor(data, dtype="float64").astype("float32"))
    expected = theirs(torch.from_numpy(data)).detach().numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert len(ours) == 5
    assert [type(m).__name__ for m in ours] == [
        "Linear",
        "BatchNorm1d",
        "PReLU",
        "Dropout",
        "Linear",
    ]


def test_sequential_takes_a_list_or_named_modules() -> None:
    from_list = nn.Sequential([nn.Linear(2, 3), nn.ReLU()])
    assert len(from_list) == 2
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert [name for name, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    named.append(nn.Linear(3, 1))
    assert named(ln.zeros(4, 2)).shape == (4, 1)


def test_dropout_uses_p_as_drop_probability() -> None:
    ln.manual_seed(0)
    layer = nn.Dropout(p=0.25)
    out = layer(ln.ones(200, 50)).numpy()
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    layer.eval()
    np.testing.assert_array_equal(layer(ln.ones(3, 2)).numpy(), np.ones((3, 2)))


def test_unsupported_torch_options_raise_naming_them() -> None:
    with pytest.raises(ValueError, match="start_dim"):
        nn.Flatten(start_dim=0)
    with pytest.raises(ValueError, match="affine"):
        nn.BatchNorm1d(3, affine=False)
    with pytest.raises(ValueError, match="weight"):
        nn.CrossEntropyLoss(weight=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="pos_weight"):
        nn.BCEWithLogitsLoss(pos_weight=2.0)
    with pytest.raises(ValueError, match="reduction='avg'"):
        nn.MSELoss(reduction="avg")


def test_nn_exposes_module_parameter_and_init() -> None:
    import lucidnet.nn.init as init

    assert nn.Module is ln.Module
    assert nn.Parameter is ln.Parameter
    assert init is nn.init and nn.init.xavier_normal_ is ln.init.xavier_normal_
    assert ln.nn is nn
    w = nn.Parameter(np.zeros((5, 3)))
    nn.init.constant_(w, 5)
    np.testing.assert_array_equal(w.data, np.full((5, 3), 5.0))


# ----------------------------------------------------------------------- functional
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: F.softmax(x, dim=0), lambda x: torch.nn.functional.softmax(x, dim=0)),
        (lambda x: F.log_softmax(x, dim=1), lambda x: torch.nn.functional.log_softmax(x, dim=1)),
        (
            lambda x: F.leaky_relu(x, negative_slope=0.3),
            lambda x: torch.nn.functional.leaky_relu(x, negative_slope=0.3),
        ),
        (
            lambda x: F.gelu(x, approximate="tanh"),
            lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
        ),
        (lambda x: F.elu(x, alpha=2.0), lambda x: torch.nn.functional.elu(x, alpha=2.0)),
        (lambda x: F.hardtanh(x, -0.5, 0.5), lambda x: torch.nn.functional.hardtanh(x, -0.5, 0.5)),
        (lambda x: F.relu(x, inplace=False), lambda x: torch.nn.functional.relu(x)),
        (F.hardsigmoid, torch.nn.functional.hardsigmoid),
        (F.silu, torch.nn.functional.silu),
        (F.softplus, torch.nn.functional.softplus),
        (lambda x: F.dropout(x, 0.5, training=False), lambda x: x),
    ],
)
def test_functional_matches_torch(ours, theirs) -> None:
    data = np.linspace(-5, 5, 12).reshape(3, 4)
    assert_close(ours(ln.tensor(data)), theirs(torch.from_numpy(data)), "float64")


def test_functional_linear_takes_torchs_weight_layout() -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    expected = torch.nn.functional.linear(*(torch.from_numpy(a) for a in (x, w, b)))
    assert_close(F.linear(ln.tensor(x), ln.tensor(w), ln.tensor(b)), expected, "float64")


def test_module_list_registers_its_modules_under_torchs_names() -> None:
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 4)])
            self.hidden.append(nn.Linear(4, 2))

        def forward(self, x):
            for layer in self.hidden:
                x = F.relu(layer(x))
            return x

    class TorchStack(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = torch.nn.ModuleList(
                [torch.nn.Linear(3, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)]
            )

    ours, theirs = Stack(), TorchStack()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert len(ours.hidden) == 3 and ours(ln.ones(2, 3)).shape == (2, 2)
    assert ours.count_params() == 16 + 20 + 10


def test_a_torch_spelled_sequential_saves_and_loads_as_lucidnet_layers(tmp_path) -> None:
    net = nn.Sequential(
        nn.Linear(3, 4), nn.BatchNorm1d(4), nn.LeakyReLU(0.2), nn.Dropout(0.1), nn.Linear(4, 2)
    )
    net.add(nn.Softmax(dim=1))
    net.save(tmp_path / "net.safetensors")
    loaded = ln.load_model(tmp_path / "net.safetensors")
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Linear",
        "BatchNorm",
        "Activation",
        "Dropout",
        "Linear",
        "Activation",
    ]

    class Doubled(nn.ReLU):  # a user's subclass is code: not saved as a plain ReLU
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(TypeError, match="cannot save the architecture of Doubled"):
        nn.Sequential(nn.Linear(3, 2), Doubled()).save(tmp_path / "doubled.safetensors")


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_the_seeds_activation_gradient_plots_run_with_the_import_changed(name) -> None:
    x = ln.linspace(-20, 20, 1000, requires_grad=True)
    getattr(F, name)(x).sum().backward()
    points = np.asarray(x.detach()), x.grad  # what plt.plot(x.detach(), x.grad) receives
    np.testing.assert_allclose(points[0], torch.linspace(-20, 20, 1000), rtol=1e-6, atol=1e-5)
    tx = torch.tensor(points[0], requires_grad=True)
    getattr(torch, name)(tx).sum().backward()
    assert points[1].dtype == np.float32
    np.testing.assert_allclose(points[1], tx.grad.numpy(), rtol=1e-6, atol=1e-6)
