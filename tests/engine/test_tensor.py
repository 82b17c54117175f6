"""The autograd engine against PyTorch in float64: values, gradients, graph rules, dtypes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.engine.random import get_rng

TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def assert_matches_torch(
    ln_fn: Callable[..., Any],
    torch_fn: Callable[..., Any] | None,
    *arrays: np.ndarray,
    seed: int = 0,
) -> None:
    """Evaluate both functions on float64 copies of ``arrays``; compare values and grads.

    The gradient is taken of ``sum(out * v)`` with a random ``v``, so every output
    element is checked; NaN must appear at the same places in both.
    """
    torch_fn = torch_fn or ln_fn
    ln_inputs = [ln.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    torch_inputs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    ln_out = ln_fn(*ln_inputs)
    torch_out = torch_fn(*torch_inputs)
    assert isinstance(ln_out, ln.Tensor)
    assert ln_out.dtype == np.float64
    assert ln_out.shape == tuple(torch_out.shape)
    np.testing.assert_allclose(ln_out.data, torch_out.detach().numpy(), **TIGHT)

    projection = np.random.default_rng(seed).standard_normal(ln_out.shape)
    ln_out.backward(projection)
    torch_out.backward(torch.tensor(projection))
    for position, (mine, reference) in enumerate(zip(ln_inputs, torch_inputs, strict=True)):
        expected = np.zeros(mine.shape) if reference.grad is None else reference.grad.numpy()
        got = np.zeros(mine.shape) if mine.grad is None else mine.grad
        assert got.shape == mine.shape, f"gradient of input {position} has the wrong shape"
        np.testing.assert_allclose(got, expected, err_msg=f"input {position}", **TIGHT)


def random(*shape: int, low: float = -2.0, high: float = 2.0, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def positive(*shape: int, seed: int = 2) -> np.ndarray:
    return random(*shape, low=0.5, high=3.0, seed=seed)


# ----------------------------------------------------------------------------- binary arithmetic
BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 3, 4)),
    ((2, 1, 4), (3, 1)),
    ((), (3, 4)),
    ((3, 4), ()),
]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize(
    "op",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
    ],
    ids=["add", "sub", "mul", "div"],
)
def test_binary_op_values_and_broadcast_gradients_match_torch(op, shapes):
    a = random(*shapes[0], seed=3)
    b = positive(*shapes[1], seed=4)  # keeps divisors away from zero
    assert_matches_torch(op, None, a, b)


@pytest.mark.parametrize(
    "op",
    [
        lambda x: 2.5 * x,
        lambda x: x * 2.5,
        lambda x: x + 1,
        lambda x: 1 + x,
        lambda x: x - 0.5,
        lambda x: 3 - x,
        lambda x: x / 4,
        lambda x: 2 / x,
        lambda x: -x,
    ],
    ids=["rmul", "mul", "add", "radd", "sub", "rsub", "div", "rdiv", "neg"],
)
def test_python_scalar_operands_match_torch(op):
    assert_matches_torch(op, None, positive(3, 4))


@pytest.mark.parametrize(
    ("shapes", "op"),
    [
        (((3, 4), (3, 4)), lambda arr, t: arr + t),
        (((3, 1), (1, 4)), lambda arr, t: arr - t),
        (((2, 3, 4), (4,)), lambda arr, t: arr * t),
        (((3, 4), (4,)), lambda arr, t: arr / t),
        (((3, 4), (4, 5)), lambda arr, t: arr @ t),
        (((3, 4), (3, 4)), lambda arr, t: arr**t),
    ],
    ids=["add", "sub", "mul", "div", "matmul", "pow"],
)
def test_ndarray_on_the_left_gives_a_tensor_with_correct_gradient(shapes, op):
    array = positive(*shapes[0], seed=5)
    values = positive(*shapes[1], seed=6)
    t = ln.tensor(values, requires_grad=True)
    out = op(array, t)
    assert isinstance(out, ln.Tensor)
    reference = torch.tensor(values, requires_grad=True)
    torch_out = op(torch.tensor(array), reference)
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), **TIGHT)
    out.sum().backward()
    torch_out.sum().backward()
    np.testing.assert_allclose(t.grad, reference.grad.numpy(), **TIGHT)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((3, 4), (4, 5)),
        ((4,), (4, 5)),
        ((3, 4), (4,)),
        ((4,), (4,)),
        ((2, 3, 4), (4, 5)),
        ((2, 3, 4), (2, 4, 5)),
        ((3, 4), (2, 4, 5)),
        ((4,), (2, 4, 5)),
        ((2, 3, 4), (4,)),
        ((2, 1, 3, 4), (5, 4, 2)),
    ],
    ids=str,
)
def test_matmul_values_and_gradients_match_torch(left, right):
    assert_matches_torch(lambda a, b: a @ b, None, random(*left, seed=7), random(*right, seed=8))


def test_matmul_of_a_scalar_raises_value_error():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        ln.tensor(2.0) @ ln.tensor([1.0, 2.0])


# ----------------------------------------------------------------------------- powers
@pytest.mark.parametrize(
    "exponent", [2, 3, 0.5, -1.5, 1, 2.0, np.float64(1.7), np.int64(3)], ids=str
)
def test_scalar_power_matches_torch(exponent):
    assert_matches_torch(lambda x: x**exponent, None, positive(3, 4))


def test_power_zero_has_zero_gradient_even_at_zero_like_torch():
    assert_matches_torch(lambda x: x**0, None, np.array([0.0, -1.0, 2.0]))


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 1))], ids=str)
def test_tensor_exponent_gradients_match_torch(shapes):
    assert_matches_torch(lambda x, p: x**p, None, positive(*shapes[0]), random(*shapes[1], seed=9))


def test_tensor_exponent_follows_torch_conventions_at_zero_and_negative_bases():
    base = np.array([0.0, 0.0, 0.0, -2.0, -2.0, 3.0])
    power = np.array([0.0, 2.0, 1.0, 2.0, 3.0, 0.0])
    ln_base, ln_power = (ln.tensor(a, requires_grad=True) for a in (base, power))
    t_base, t_power = (torch.tensor(a, requires_grad=True) for a in (base, power))
    (ln_base**ln_power).sum().backward()
    (t_base**t_power).sum().backward()
    np.testing.assert_allclose(ln_base.grad, t_base.grad.numpy(), **TIGHT)
    np.testing.assert_allclose(ln_power.grad, t_power.grad.numpy(), equal_nan=True, **TIGHT)


def test_number_to_the_power_of_a_tensor_matches_torch():
    assert_matches_torch(lambda x: 2**x, lambda x: 2**x, random(3, 4))


def test_power_with_ndarray_exponent_is_lifted_to_a_constant():
    exponent = positive(3, 4, seed=11)
    assert_matches_torch(
        lambda x: x**exponent, lambda x: x ** torch.tensor(exponent), positive(3, 4)
    )


def test_power_with_a_string_exponent_raises_type_error():
    with pytest.raises(TypeError):
        ln.tensor([1.0, 2.0]) ** "2"


# ----------------------------------------------------------------------------- reductions
AXES = [None, 0, 1, -1, (0, 2), (-1, -3)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_reduction_with_axis_and_keepdims_matches_torch(name, axis, keepdims):
    def ln_fn(x):
        return getattr(x, name)(axis=axis, keepdims=keepdims)

    def torch_fn(x):
        dim = tuple(range(x.ndim)) if axis is None else axis
        if name == "max":
            return torch.amax(x, dim=dim, keepdim=keepdims)
        return getattr(torch, name)(x, dim=dim, keepdim=keepdims)

    assert_matches_torch(ln_fn, torch_fn, random(2, 3, 4))


@pytest.mark.parametrize("axis", [None, 0, 1], ids=str)
def test_max_splits_the_gradient_equally_among_ties_like_torch_amax(axis):
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, -1.0, 5.0]])

    def torch_fn(x):
        return torch.amax(x, dim=(0, 1) if axis is None else axis)

    assert_matches_torch(lambda x: x.max(axis=axis), torch_fn, data)
    x = ln.tensor(data, requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0], [0, 0, 0], [0.5, 0, 0.5]])


def test_min_matches_torch_amin():
    assert_matches_torch(lambda x: x.min(axis=1), lambda x: torch.amin(x, dim=1), random(3, 4))


# ----------------------------------------------------------------------------- element-wise
@pytest.mark.parametrize(
    ("ln_fn", "torch_fn", "data"),
    [
        (lambda x: x.exp(), None, random(3, 4)),
        (lambda x: x.log(), None, positive(3, 4)),
        (lambda x: x.abs(), None, np.array([-2.0, -0.5, 0.0, 0.5, 3.0])),
        (lambda x: x.sqrt(), None, positive(3, 4)),
        (lambda x: x.clip(-1.0, 0.5), lambda x: x.clamp(-1.0, 0.5), random(3, 4)),
        (lambda x: x.clip(min=0.0), lambda x: x.clamp(min=0.0), random(3, 4)),
        (lambda x: x.clip(max=0.0), lambda x: x.clamp(max=0.0), random(3, 4)),
        (
            lambda x: x.clip(-1.0, 1.0),
            lambda x: x.clamp(-1.0, 1.0),
            np.array([-2.0, -1.0, 0.0, 1.0, 2.0]),
        ),
    ],
    ids=["exp", "log", "abs_with_zero", "sqrt", "clip", "clip_min", "clip_max", "clip_at_bounds"],
)
def test_elementwise_function_matches_torch(ln_fn, torch_fn, data):
    assert_matches_torch(ln_fn, torch_fn, data)


def test_clamp_is_an_alias_of_clip():
    x = ln.tensor([-3.0, 0.0, 3.0])
    np.testing.assert_array_equal(x.clamp(-1, 1).data, x.clip(-1, 1).data)


# ----------------------------------------------------------------------------- shape
@pytest.mark.parametrize(
    ("ln_fn", "torch_fn", "shape"),
    [
        (lambda x: x.reshape(6, 4), None, (2, 3, 4)),
        (lambda x: x.reshape((4, 6)), None, (2, 3, 4)),
        (lambda x: x.reshape(-1), None, (2, 3, 4)),
        (lambda x: x.T, None, (3, 4)),
        (lambda x: x.transpose(), lambda x: x.permute(2, 1, 0), (2, 3, 4)),
        (lambda x: x.transpose(1, 0, 2), lambda x: x.permute(1, 0, 2), (2, 3, 4)),
        (lambda x: x.transpose((2, 0, 1)), lambda x: x.permute(2, 0, 1), (2, 3, 4)),
    ],
    ids=[
        "reshape_args",
        "reshape_tuple",
        "reshape_minus_one",
        "T",
        "transpose_all",
        "axes",
        "tuple",
    ],
)
def test_shape_operation_matches_torch(ln_fn, torch_fn, shape):
    assert_matches_torch(ln_fn, torch_fn, random(*shape))


@pytest.mark.parametrize(
    "index",
    [
        1,
        -1,
        (slice(None), slice(1, 3)),
        (Ellipsis, slice(None, None, 2)),
        [0, 0, 2],
        ([0, 1, 0, 0], [2, 2, 2, 1]),
        (slice(None), [3, 3, 0]),
        (slice(None), None),
    ],
    ids=[
        "int",
        "negative",
        "slices",
        "ellipsis_step",
        "repeated_rows",
        "repeated_pairs",
        "repeated_columns",
        "new_axis",
    ],
)
def test_indexing_including_repeated_fancy_indices_matches_torch(index):
    assert_matches_torch(lambda x: x[index], None, random(3, 4))


def test_repeated_fancy_index_accumulates_gradient():
    x = ln.tensor(np.zeros(3), requires_grad=True)
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_boolean_mask_from_a_comparison_indexes_like_torch():
    assert_matches_torch(lambda x: x[x > 0], None, random(3, 4))


@pytest.mark.parametrize(
    "compare",
    [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b],
    ids=["lt", "le", "gt", "ge"],
)
@pytest.mark.parametrize("other_kind", ["tensor", "ndarray", "scalar"])
def test_comparisons_give_boolean_tensors_without_gradient(compare, other_kind):
    data = np.array([[-1.0, 0.0, 1.0], [2.0, 0.5, -0.5]])
    other_data = np.array([0.0, 0.0, 1.0])
    other = {"tensor": ln.tensor(other_data), "ndarray": other_data, "scalar": 0.0}[other_kind]
    expected = compare(data, other_data if other_kind != "scalar" else 0.0)
    result = compare(ln.tensor(data, requires_grad=True), other)
    assert isinstance(result, ln.Tensor)
    assert result.dtype == np.bool_
    assert not result.requires_grad
    np.testing.assert_array_equal(result.data, expected)


def test_ndarray_compared_with_tensor_gives_a_tensor():
    result = np.array([0.0, 2.0]) < ln.tensor([1.0, 1.0])
    assert isinstance(result, ln.Tensor)
    np.testing.assert_array_equal(result.data, [True, False])


def test_one_element_tensor_has_the_truth_value_of_its_element():
    assert not ln.tensor(0.0) > 1
    assert ln.tensor([2.0]) > 1
    assert not ln.tensor([False])
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ln.tensor([1.0, 2.0]))


# ----------------------------------------------------------------------------- random expressions
LN_REDUCE = {
    "sum": lambda x, axis: x.sum(axis=axis, keepdims=True),
    "mean": lambda x, axis: x.mean(axis=axis, keepdims=True),
    "max": lambda x, axis: x.max(axis=axis, keepdims=True),
}
TORCH_REDUCE = {
    "sum": lambda x, axis: x.sum(dim=axis, keepdim=True),
    "mean": lambda x, axis: x.mean(dim=axis, keepdim=True),
    "max": lambda x, axis: torch.amax(x, dim=axis, keepdim=True),
}
# name -> (arity, f(reduce, *operands)); every op keeps values and gradients finite
EXPRESSION_OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "add": (2, lambda r, a, b: a + b),
    "sub": (2, lambda r, a, b: a - b),
    "mul": (2, lambda r, a, b: a * b),
    "div": (2, lambda r, a, b: a / (b * b + 1.0)),
    "pow_tensor": (2, lambda r, a, b: (a * a + 0.5) ** b.clip(-2.0, 2.0)),
    "pow_scalar": (1, lambda r, a: (a * a + 0.25) ** 1.5),
    "neg": (1, lambda r, a: -a),
    "scale": (1, lambda r, a: 0.5 * a - 1.0),
    "exp": (1, lambda r, a: a.clip(-3.0, 3.0).exp()),
    "log": (1, lambda r, a: (a * a + 1.0).log()),
    "abs": (1, lambda r, a: a.abs()),
    "sqrt": (1, lambda r, a: (a * a + 0.1).sqrt()),
    "sum": (1, lambda r, a: r["sum"](a, -1)),
    "mean": (1, lambda r, a: r["mean"](a, 0)),
    "max": (1, lambda r, a: r["max"](a, -1)),
    "rdiv": (1, lambda r, a: 1.0 / (a * a + 1.0)),
}
WEIGHT = 3  # pool position of the (4, 4) matrix the MATRIX_OPS take as second operand
MATRIX_OPS = {  # only for operands whose last axis has 4 elements
    "matmul": lambda a, w: a @ w,
    "fancy_index": lambda a, w: a[..., [0, 0, 3, 1]],
    "transpose_round_trip": lambda a, w: (a.T * 2.0).T,
}


def random_program(seed: int, steps: int = 8) -> list[tuple[str, tuple[int, ...]]]:
    """A list of (op name, operand positions) over a pool that starts with the inputs."""
    rng = np.random.default_rng(seed)
    shapes: list[tuple[int, ...]] = [(3, 4), (4,), (3, 1), (4, 4)]
    program = []
    names = sorted(EXPRESSION_OPS) + sorted(MATRIX_OPS)
    while len(program) < steps:
        name = names[rng.integers(len(names))]
        if name in MATRIX_OPS:
            ndims = (2,) if name == "transpose_round_trip" else (1, 2)
            candidates = [
                i
                for i, s in enumerate(shapes)
                if i != WEIGHT and s[-1:] == (4,) and len(s) in ndims
            ]
            operand = candidates[rng.integers(len(candidates))]
            program.append((name, (operand, WEIGHT)))
            shapes.append(shapes[operand])
            continue
        arity = EXPRESSION_OPS[name][0]
        vectors = [i for i in range(len(shapes)) if i != WEIGHT]  # all broadcast to (3, 4)
        operands = tuple(int(i) for i in rng.choice(vectors, size=arity))
        if name in ("sum", "mean", "max"):
            shape = list(shapes[operands[0]])
            shape[-1 if name != "mean" else 0] = 1
            shapes.append(tuple(shape))
        else:
            shapes.append(np.broadcast_shapes(*(shapes[i] for i in operands)))
        program.append((name, operands))
    return program


def run_program(program: list[tuple[str, tuple[int, ...]]], reduce: dict, inputs: list) -> Any:
    pool = list(inputs)
    for name, operands in program:
        if name in MATRIX_OPS:
            pool.append(MATRIX_OPS[name](*(pool[i] for i in operands)))
        else:
            pool.append(EXPRESSION_OPS[name][1](reduce, *(pool[i] for i in operands)))
    # every intermediate takes part, so unused inputs and dead ends are exercised too
    total = pool[4].sum()
    for value in pool[5:]:
        total = total + value.sum()
    return total * pool[-1].mean()


@pytest.mark.parametrize("seed", range(20))
def test_random_composite_expression_matches_torch(seed):
    program = random_program(seed)
    arrays = [
        random(3, 4, seed=seed),
        random(4, seed=seed + 100),
        random(3, 1, seed=seed + 200),
        random(4, 4, seed=seed + 300),
    ]
    assert_matches_torch(
        lambda *xs: run_program(program, LN_REDUCE, list(xs)),
        lambda *xs: run_program(program, TORCH_REDUCE, list(xs)),
        *arrays,
    )


# ----------------------------------------------------------------------------- graph rules
def test_chain_rule_example_of_the_seeds():
    x = ln.tensor(-2.0, requires_grad=True)
    y = ln.tensor(5.0, requires_grad=True)
    z = ln.tensor(-4.0, requires_grad=True)
    f = (x + y) * z
    f.backward()
    assert f.item() == -12.0
    assert x.grad == -4.0 and y.grad == -4.0 and z.grad == 3.0


def test_gradients_accumulate_across_backward_calls_like_torch():
    data = random(3, 4)
    x = ln.tensor(data, requires_grad=True)
    reference = torch.tensor(data, requires_grad=True)
    for _ in range(2):
        (x * x).sum().backward()
        (reference * reference).sum().backward()
    np.testing.assert_allclose(x.grad, 4 * data, **TIGHT)
    np.testing.assert_allclose(x.grad, reference.grad.numpy(), **TIGHT)


def test_backward_twice_through_the_same_graph_doubles_the_gradient():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * 3.0).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_allclose(x.grad, 6.0 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_zero_grad_clears_and_the_next_backward_starts_fresh():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_shared_input_used_twice_receives_both_contributions():
    assert_matches_torch(lambda x: (x * x + x.exp() * x).sum(), None, random(3))


def test_no_grad_records_no_graph():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    with ln.no_grad():
        assert not ln.is_grad_enabled()
        y = (x * 2.0).exp().sum()
    assert ln.is_grad_enabled()
    assert not y.requires_grad
    assert y.is_leaf
    with pytest.raises(ValueError, match="does not require grad"):
        y.backward()
    assert x.grad is None
    assert (x * 2.0).requires_grad  # recording resumes after the block


def test_no_grad_restores_the_previous_state_after_an_exception():
    with pytest.raises(RuntimeError), ln.no_grad():
        raise RuntimeError("boom")
    assert ln.is_grad_enabled()


def test_detach_shares_data_and_stops_the_gradient():
    x = ln.tensor([1.0, 2.0, 3.0], requires_grad=True)
    detached = x.detach()
    assert not detached.requires_grad
    assert np.shares_memory(detached.data, x.data)
    (x.detach() * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])  # not 2x


def test_retain_grad_keeps_the_gradient_of_an_intermediate_like_torch():
    data = random(3)
    x = ln.tensor(data, requires_grad=True)
    hidden = (x * 2.0).retain_grad()
    other = x * 3.0
    (hidden * hidden + other).sum().backward()
    reference = torch.tensor(data, requires_grad=True)
    torch_hidden = reference * 2.0
    torch_hidden.retain_grad()
    (torch_hidden * torch_hidden + reference * 3.0).sum().backward()
    np.testing.assert_allclose(hidden.grad, torch_hidden.grad.numpy(), **TIGHT)
    assert other.grad is None
    np.testing.assert_allclose(x.grad, reference.grad.numpy(), **TIGHT)


def test_backward_on_a_non_scalar_without_grad_raises_value_error():
    y = ln.tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match="one-element"):
        y.backward()


def test_backward_with_explicit_grad_matches_torch():
    assert_matches_torch(lambda x: x * x, None, random(2, 3))


def test_backward_with_grad_of_the_wrong_shape_raises_value_error():
    y = ln.tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"\(3,\)"):
        y.backward(np.ones(3))


def test_constant_operand_gets_no_gradient():
    x = ln.tensor([1.0, 2.0], requires_grad=True)
    constant = ln.tensor([3.0, 4.0])
    (x * constant).sum().backward()
    assert constant.grad is None
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ----------------------------------------------------------------------------- construction
@pytest.mark.parametrize("data", [3, [1, 2], np.arange(3), True, np.array([True])], ids=repr)
def test_requires_grad_on_integer_or_boolean_data_raises_type_error(data):
    with pytest.raises(TypeError, match="floating"):
        ln.tensor(data, requires_grad=True)


@pytest.mark.parametrize(
    "data",
    ["abc", ["a", "b"], np.array([object(), 1]), {"a": 1}, None, [[1.0], [1.0, 2.0]], 1 + 2j],
    ids=["str", "str_list", "object_array", "dict", "none", "ragged", "complex"],
)
def test_non_numeric_data_raises_type_error_naming_the_problem(data):
    with pytest.raises(TypeError, match="numeric"):
        ln.tensor(data)


def test_non_numeric_data_with_a_dtype_raises_type_error():
    with pytest.raises(TypeError, match="numeric"):
        ln.tensor("abc", dtype="float64")


def test_tensor_accessors():
    t = ln.tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.numpy() is t.data
    assert ln.tensor([[4.5]]).item() == 4.5
    assert "tensor(" in repr(t)
    with pytest.raises(ValueError, match="one element"):
        t.item()


# ----------------------------------------------------------------------------- dtypes
@pytest.fixture
def restore_default_dtype():
    previous = ln.get_default_dtype()
    yield
    ln.set_default_dtype(previous)


def test_python_floats_get_the_float32_default():
    assert ln.get_default_dtype() == np.float32
    assert ln.tensor(1.5).dtype == np.float32
    assert ln.tensor([1.0, 2.0]).dtype == np.float32
    assert ln.tensor([1, 2]).dtype.kind == "i"


def test_numpy_arrays_keep_their_dtype():
    assert ln.tensor(np.zeros(3)).dtype == np.float64
    assert ln.tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert ln.tensor(np.float64(2.0)).dtype == np.float64


def test_dtype_argument_converts():
    assert ln.tensor([1, 2], dtype="float64").dtype == np.float64
    assert ln.tensor(np.zeros(2), dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x * 2.5,
        lambda x: 2.5 * x,
        lambda x: x + 1,
        lambda x: 1.0 - x,
        lambda x: x / 3.0,
        lambda x: 3.0 / x,
        lambda x: x**2,
        lambda x: x**1.5,
        lambda x: 2.0**x,
        lambda x: x * np.float64(2.0),
        lambda x: np.float64(2.0) * x,
        lambda x: x ** np.float64(1.5),
        lambda x: x * np.array([1, 2, 3]),
        lambda x: (x.exp() + x.sqrt().log()).sum(),
    ],
)
def test_float32_with_a_scalar_stays_float32(op):
    x = ln.tensor(np.array([1.0, 2.0, 3.0], dtype=np.float32), requires_grad=True)
    out = op(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_tensor_times_a_float_is_not_truncated():
    np.testing.assert_allclose((ln.tensor([1, 3]) * 0.5).data, [0.5, 1.5])
    np.testing.assert_array_equal((ln.tensor([1, 3]) + 1).data, [2, 4])


@pytest.mark.parametrize("spelling", ["float64", np.float64, np.dtype("float64")], ids=str)
def test_set_default_dtype_accepts_a_string_or_numpy_dtype(spelling, restore_default_dtype):
    ln.set_default_dtype(spelling)
    assert ln.get_default_dtype() == np.float64
    assert ln.tensor(1.5).dtype == np.float64
    assert ln.tensor([1.0, 2.0], requires_grad=True).dtype == np.float64


def test_set_default_dtype_rejects_non_float_dtypes(restore_default_dtype):
    with pytest.raises(TypeError, match="float"):
        ln.set_default_dtype("int32")
    with pytest.raises(TypeError):
        ln.set_default_dtype("not a dtype")
    assert ln.get_default_dtype() == np.float32


def test_manual_seed_gives_reproducible_streams():
    first = ln.manual_seed(123)
    assert isinstance(first, np.random.Generator)
    draws = get_rng().standard_normal(5)
    ln.manual_seed(123)
    np.testing.assert_array_equal(get_rng().standard_normal(5), draws)
    ln.manual_seed(124)
    assert not np.array_equal(get_rng().standard_normal(5), draws)
    with pytest.raises(TypeError, match="int"):
        ln.manual_seed(1.5)
