"""Activations against PyTorch (float64), finite differences and their edges (0, kinks, ±1000)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lucidnet as ln
from lucidnet.blocks import activations
from lucidnet.blocks.activations import Activation

# name, options, PyTorch reference
ELEMENT_WISE = [
    ("identity", {}, lambda t: t),
    ("sigmoid", {}, torch.sigmoid),
    ("tanh", {}, torch.tanh),
    ("relu", {}, F.relu),
    ("leaky_relu", {}, lambda t: F.leaky_relu(t, 0.01)),
    ("leaky_relu", {"alpha": 0.2}, lambda t: F.leaky_relu(t, 0.2)),
    ("elu", {}, F.elu),
    ("elu", {"alpha": 2.0}, lambda t: F.elu(t, alpha=2.0)),
    ("selu", {}, F.selu),
    ("gelu", {}, F.gelu),
    ("gelu", {"approximate": True}, lambda t: F.gelu(t, approximate="tanh")),
    ("gelu", {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh")),
    ("silu", {}, F.silu),
    ("softplus", {}, F.softplus),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, lambda t: F.softplus(t, beta=2.0, threshold=5.0)),
    ("softsign", {}, F.softsign),
    ("hard_sigmoid", {}, F.hardsigmoid),
    ("hard_tanh", {}, F.hardtanh),
    ("hard_tanh", {"min_val": -2.0, "max_val": 0.5}, lambda t: F.hardtanh(t, -2.0, 0.5)),
    ("relu6", {}, F.relu6),
    ("mish", {}, F.mish),
]
AXIS_WISE = [
    ("softmax", {}, lambda t: F.softmax(t, dim=-1)),
    ("softmax", {"axis": 0}, lambda t: F.softmax(t, dim=0)),
    ("log_softmax", {}, lambda t: F.log_softmax(t, dim=-1)),
    ("log_softmax", {"axis": 0}, lambda t: F.log_softmax(t, dim=0)),
]
ALL = ELEMENT_WISE + AXIS_WISE
REQUIRED = [
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "softplus",
    "softsign",
    "hard_sigmoid",
    "hard_tanh",
    "relu6",
    "mish",
    "softmax",
    "log_softmax",
]
# kinks of the piecewise activations (0, ±1, ±3, 6, 2 and 2.5 for softplus(beta=2,
# threshold=5), -2 and 0.5 for the custom hard_tanh), the task's edge points and random ones
KINKS = [0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 2.5, -2.0, 0.5, 20.0]
EDGES = [1e-3, -1e-3, 6.0, -6.0, 30.0, -30.0, 1000.0, -1000.0, 1e-300, -1e-300]
GRID = np.concatenate([KINKS, EDGES, np.random.default_rng(0).uniform(-10, 10, 40)])
RTOL, ATOL = 1e-12, 1e-14
# PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 (`1.0f / 6.0f`) even in
# float64; lucidnet uses the exact 1/6, so that gradient agrees to float32 precision only.
GRAD_RTOL = {"hard_sigmoid": 1e-7}


def ids(cases):
    return [f"{name}{options or ''}" for name, options, _ in cases]


def torch_value_and_grad(reference, x: np.ndarray, upstream: np.ndarray):
    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = reference(leaf)
    out.backward(torch.tensor(upstream))
    return out.detach().numpy(), leaf.grad.numpy()


def lucid_value_and_grad(act: Activation, x: np.ndarray, upstream: np.ndarray):
    leaf = ln.tensor(x, requires_grad=True)
    out = act(leaf)
    out.backward(upstream)
    return out.numpy(), leaf.grad


def batch_grid() -> np.ndarray:
    """A (4, len(GRID)) float64 batch: rows are the grid shuffled, so softmax sees mixed rows."""
    rng = np.random.default_rng(1)
    return np.stack([rng.permutation(GRID) for _ in range(4)]).astype(np.float64)


# ---------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize(("name", "options", "reference"), ALL, ids=ids(ALL))
def test_values_and_autograd_gradients_equal_torch_in_float64(name, options, reference):
    x = batch_grid()
    upstream = np.random.default_rng(2).normal(size=x.shape)
    act = activations.get(name, **options)
    value, grad = lucid_value_and_grad(act, x, upstream)
    torch_value, torch_grad = torch_value_and_grad(reference, x, upstream)
    assert value.dtype == grad.dtype == np.float64
    np.testing.assert_allclose(value, torch_value, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grad, torch_grad, rtol=GRAD_RTOL.get(name, RTOL), atol=ATOL)


@pytest.mark.parametrize(("name", "options", "reference"), ELEMENT_WISE, ids=ids(ELEMENT_WISE))
def test_derivative_equals_torch_autograd_at_every_grid_point(name, options, reference):
    act = activations.get(name, **options)
    _, torch_grad = torch_value_and_grad(reference, GRID, np.ones_like(GRID))
    derivative = act.derivative(GRID)
    assert derivative.shape == GRID.shape and derivative.dtype == np.float64
    np.testing.assert_allclose(derivative, torch_grad, rtol=GRAD_RTOL.get(name, RTOL), atol=ATOL)


@pytest.mark.parametrize(
    ("name", "options", "point", "expected"),
    [
        ("relu", {}, 0.0, 0.0),
        ("leaky_relu", {"alpha": 0.2}, 0.0, 0.2),
        ("elu", {"alpha": 2.0}, 0.0, 2.0),
        ("selu", {}, 0.0, 1.6732632423543772 * 1.0507009873554805),
        ("gelu", {}, 0.0, 0.5),
        ("silu", {}, 0.0, 0.5),
        ("mish", {}, 0.0, 0.6),
        ("softsign", {}, 0.0, 1.0),
        ("softplus", {}, 0.0, 0.5),
        ("hard_sigmoid", {}, -3.0, 0.0),
        ("hard_sigmoid", {}, 3.0, 0.0),
        ("hard_sigmoid", {}, 0.0, 1 / 6),
        ("hard_tanh", {}, -1.0, 0.0),
        ("hard_tanh", {}, 1.0, 0.0),
        ("relu6", {}, 0.0, 0.0),
        ("relu6", {}, 6.0, 0.0),
    ],
)
def test_derivative_at_zero_and_kinks_is_torch_autograd_value(name, options, point, expected):
    act = activations.get(name, **options)
    assert act.derivative(np.array([point]))[0] == pytest.approx(expected, rel=1e-15)
    _, grad = lucid_value_and_grad(act, np.array([point]), np.ones(1))
    assert grad[0] == pytest.approx(expected, rel=1e-15)


def test_gelu_exact_is_erf_based_to_1e_12_on_a_dense_grid():
    x = np.linspace(-40, 40, 8001)
    expected = F.gelu(torch.tensor(x)).numpy()
    np.testing.assert_allclose(activations.get("gelu").forward(x), expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(
        activations.get("gelu", approximate=True).forward(x), expected, rtol=1e-6, atol=0
    )


# ---------------------------------------------------------------- dtype and extremes
@pytest.mark.parametrize(("name", "options", "reference"), ALL, ids=ids(ALL))
def test_float32_in_gives_float32_values_and_gradients_close_to_torch(name, options, reference):
    x = batch_grid().astype(np.float32)
    upstream = np.random.default_rng(3).normal(size=x.shape).astype(np.float32)
    act = activations.get(name, **options)
    value, grad = lucid_value_and_grad(act, x, upstream)
    assert value.dtype == np.float32 and grad.dtype == np.float32
    assert act.vjp(x, value, upstream).dtype == np.float32
    if act.element_wise:
        assert act.derivative(x).dtype == np.float32
    leaf = torch.tensor(x, requires_grad=True)
    out = reference(leaf)
    out.backward(torch.tensor(upstream))
    np.testing.assert_allclose(value, out.detach().numpy(), rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(grad, leaf.grad.numpy(), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "options", "reference"), ALL, ids=ids(ALL))
def test_extreme_inputs_give_finite_values_and_gradients_without_warnings(
    name, options, reference, dtype
):
    x = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]], dtype=dtype)
    act = activations.get(name, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        y = act.forward(x)
        grad = act.vjp(x, y, np.ones_like(x))
        derivative = act.derivative(x) if act.element_wise else act.jacobian(x)
    assert np.isfinite(y).all() and np.isfinite(grad).all() and np.isfinite(derivative).all()
    torch_y, torch_grad = torch_value_and_grad(reference, x.astype(np.float64), np.ones(x.shape))
    np.testing.assert_allclose(y, torch_y, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-6, atol=1e-12)


def test_stable_at_the_specified_extremes():
    assert activations.get("sigmoid").forward(np.array([-1000.0]))[0] == 0.0
    assert activations.get("sigmoid").forward(np.array([1000.0]))[0] == 1.0
    np.testing.assert_array_equal(
        activations.get("softmax").forward(np.array([1000.0, 0.0])), [1.0, 0.0]
    )
    np.testing.assert_array_equal(
        activations.get("log_softmax").forward(np.array([1000.0, 0.0])), [0.0, -1000.0]
    )
    assert activations.get("softplus").forward(np.array([1000.0]))[0] == 1000.0
    assert activations.get("softplus").forward(np.array([-1000.0]))[0] == 0.0
    np.testing.assert_array_equal(
        activations.get("mish").forward(np.array([1000.0, -1000.0])), [1000.0, 0.0]
    )
    np.testing.assert_array_equal(
        activations.get("silu").forward(np.array([1000.0, -1000.0])), [1000.0, 0.0]
    )


def test_softplus_returns_x_exactly_above_torch_threshold_20():
    x = np.array([19.5, 20.0, 20.5])
    y = activations.get("softplus").forward(x)
    assert y[2] == 20.5
    assert y[1] == pytest.approx(20.0 + np.exp(-20.0), rel=1e-15)  # threshold is strict, as torch
    np.testing.assert_allclose(y, F.softplus(torch.tensor(x)).numpy(), rtol=1e-15)


def test_integer_input_is_computed_in_the_default_float_dtype():
    y = activations.get("sigmoid")([0, 1])
    assert y.dtype == ln.get_default_dtype()
    np.testing.assert_allclose(y.numpy(), [0.5, 1 / (1 + np.exp(-1))], rtol=1e-6)


# ---------------------------------------------------------------- softmax family
def test_softmax_seed_example():
    x = np.array([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
    expected = [
        0.0212338,
        0.01773596,
        0.02019821,
        0.02019821,
        0.06378984,
        0.02866262,
        0.01845977,
        0.0522267,
        0.0182761,
        0.73921883,
    ]
    np.testing.assert_allclose(activations.get("softmax").forward(x), expected, atol=1e-7)
    on_tensor = activations.get("softmax")(ln.tensor(x, dtype="float32")).numpy()
    np.testing.assert_allclose(on_tensor, expected, atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_jacobian_equals_torch_autograd_jacobian(name, axis):
    x = np.random.default_rng(4).normal(size=(3, 5)) * 3
    act = activations.get(name, axis=axis)
    torch_fn = {"softmax": F.softmax, "log_softmax": F.log_softmax}[name]
    full = torch.autograd.functional.jacobian(
        lambda t: torch_fn(t, dim=axis), torch.tensor(x)
    ).numpy()  # [3, 5, 3, 5]
    jacobian = act.jacobian(x)
    if axis == 0:  # slices are columns: [5, 3, 3]
        expected = np.stack([full[:, c, :, c] for c in range(5)])
    else:
        expected = np.stack([full[r, :, r, :] for r in range(3)])
    assert jacobian.shape == expected.shape
    np.testing.assert_allclose(jacobian, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_derivative_raises_and_points_to_jacobian(name):
    act = activations.get(name)
    assert act.element_wise is False
    with pytest.raises(TypeError, match="jacobian"):
        act.derivative(np.zeros(3))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_vjp_from_output_equals_upstream_times_jacobian(name):
    rng = np.random.default_rng(5)
    x, g = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    act = activations.get(name)
    expected = np.einsum("bi,bij->bj", g, act.jacobian(x))
    np.testing.assert_allclose(act.vjp(x, act.forward(x), g), expected, rtol=1e-12, atol=1e-15)


def test_softmax_rows_sum_to_one_and_log_softmax_is_its_log():
    x = np.random.default_rng(6).normal(size=(5, 7)) * 50
    p = activations.get("softmax").forward(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.exp(activations.get("log_softmax").forward(x)), p, rtol=1e-12)


# ---------------------------------------------------------------- vjp, finite differences
@pytest.mark.parametrize(("name", "options", "reference"), ELEMENT_WISE, ids=ids(ELEMENT_WISE))
def test_vjp_from_output_equals_upstream_times_derivative(name, options, reference):
    rng = np.random.default_rng(7)
    x, g = GRID, rng.normal(size=GRID.shape)
    act = activations.get(name, **options)
    np.testing.assert_allclose(
        act.vjp(x, act.forward(x), g), g * act.derivative(x), rtol=1e-13, atol=1e-15
    )


def central_difference_gradient(fn, x: np.ndarray, upstream: np.ndarray, eps: float = 1e-6):
    """d sum(upstream * fn(x)) / dx, one coordinate at a time, by (f(x+e) - f(x-e)) / 2e."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[index] += eps
        plus = np.sum(upstream * fn(shifted))
        shifted[index] -= 2 * eps
        minus = np.sum(upstream * fn(shifted))
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def points_away_from_kinks(shape, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-5, 5, size=shape)
    near_kink = np.min(np.abs(x[..., None] - np.array(KINKS)), axis=-1) < 1e-2
    return np.where(near_kink, x + 0.05, x)


@pytest.mark.parametrize(("name", "options", "reference"), ALL, ids=ids(ALL))
def test_autograd_gradient_agrees_with_central_differences(name, options, reference):
    act = activations.get(name, **options)
    x = points_away_from_kinks((3, 6), seed=8)
    upstream = np.random.default_rng(9).normal(size=x.shape)
    _, grad = lucid_value_and_grad(act, x, upstream)
    numeric = central_difference_gradient(act.forward, x, upstream)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- get, aliases, config
@pytest.mark.parametrize(
    ("alias", "cls"),
    [
        ("linear", activations.Identity),
        ("logistic", activations.Sigmoid),
        ("swish", activations.SiLU),
        ("ReLU", activations.ReLU),
        (" Leaky_ReLU ", activations.LeakyReLU),
    ],
)
def test_aliases_and_case_resolve_to_the_primary_activation(alias, cls):
    assert type(activations.get(alias)) is cls


def test_get_passes_options_to_the_constructor():
    act = activations.get("leaky_relu", alpha=0.2)
    assert act.alpha == 0.2 and act.get_config() == {"alpha": 0.2}
    np.testing.assert_allclose(act.forward(np.array([-1.0, 2.0])), [-0.2, 2.0])
    assert activations.get("softmax", axis=0).axis == 0
    assert activations.get("gelu", approximate="tanh").get_config() == {"approximate": True}


@pytest.mark.parametrize(("name", "options", "reference"), ALL, ids=ids(ALL))
def test_config_rebuilds_an_equal_activation(name, options, reference):
    act = activations.get(name, **options)
    assert act.name == name and act.formula
    rebuilt = activations.get({"name": act.name, "config": act.get_config()})
    assert rebuilt == act and hash(rebuilt) == hash(act)
    assert activations.get(act.name, **act.get_config()) == act


def test_get_accepts_none_instance_class_and_callable():
    instance = activations.ELU(alpha=0.5)
    assert activations.get(None) is None
    assert activations.get(instance) is instance
    assert activations.get(activations.ELU, alpha=0.3) == activations.ELU(alpha=0.3)

    def cube(t):
        return t * t * t

    assert activations.get(cube) is cube


def test_unknown_name_raises_value_error_listing_valid_names():
    with pytest.raises(ValueError, match="relux") as error:
        activations.get("relux")
    for name in ("relu", "sigmoid", "softmax", "swish", "leaky_relu"):
        assert name in str(error.value)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("leaky_relu", {"alpha": "big"}),
        ("elu", {"alpha": float("nan")}),
        ("gelu", {"approximate": "erf"}),
        ("softmax", {"axis": 1.5}),
        ("softplus", {"beta": 0}),
        ("hard_tanh", {"min_val": 1.0, "max_val": -1.0}),
    ],
)
def test_bad_options_raise_value_error_naming_the_argument(name, options):
    with pytest.raises(ValueError, match=next(iter(options))):
        activations.get(name, **options)


def test_unknown_option_raises_type_error():
    with pytest.raises(TypeError, match="beta"):
        activations.get("relu", beta=2)


def test_available_lists_every_required_primary_name():
    assert set(REQUIRED) <= set(activations.available())
    assert "linear" not in activations.available()  # aliases are not primary names


def test_call_builds_one_graph_node_with_the_activation_name():
    x = ln.tensor([1.0, -2.0], requires_grad=True)
    y = activations.get("tanh")(x)
    assert y._op == "tanh" and y._parents == (x,)
    with ln.no_grad():
        assert not activations.get("tanh")(x).requires_grad
