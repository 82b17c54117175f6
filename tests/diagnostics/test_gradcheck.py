"""gradcheck: passes correct gradients, catches a wrong backward and says where."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.diagnostics.gradcheck import GradcheckElement, GradcheckResult, gradcheck


def random(*shape: int, low: float = -2.0, high: float = 2.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def positive(*shape: int, seed: int = 1) -> np.ndarray:
    return random(*shape, low=0.5, high=3.0, seed=seed)


def scaled_backward(x: ln.Tensor, factor: np.ndarray) -> ln.Tensor:
    """Identity whose backward multiplies the gradient by ``factor`` (wrong unless all ones)."""
    return ln.Tensor._node(x.data.copy(), (x,), lambda g: (g * factor,), "bad")


# ----------------------------------------------------------------------------- correct functions
@pytest.mark.parametrize(
    ("fn", "inputs"),
    [
        (lambda a, b: a + b, [random(3, 1), random(1, 4, seed=2)]),
        (lambda a, b: a - b, [random(2, 3, 4), random(4, seed=2)]),
        (lambda a, b: a * b, [random(2, 3, 4), random(4, seed=2)]),
        (lambda a, b: a / b, [random(3, 4), positive(3, 1)]),
        (lambda a, b: a @ b, [random(3, 4), random(4, 2, seed=2)]),
        (lambda a, b: a @ b, [random(4), random(2, 4, 3, seed=2)]),
        (lambda a: a**3, [random(3, 4)]),
        (lambda a: a**0.5, [positive(3, 4)]),
        (lambda a, p: a**p, [positive(3, 4), random(4, seed=2)]),
        (lambda a: 2.0**a, [random(3, 4)]),
        (lambda a: -a, [random(3, 4)]),
        (lambda a: a.sum(axis=1, keepdims=True), [random(3, 4)]),
        (lambda a: a.mean(axis=(0, 2)), [random(2, 3, 4)]),
        (lambda a: a.max(axis=-1), [random(3, 4)]),
        (lambda a: a.max(), [random(3, 4)]),
        (lambda a: a.exp(), [random(3, 4)]),
        (lambda a: a.log(), [positive(3, 4)]),
        (lambda a: a.abs(), [positive(3, 4) * np.array([1, -1, 1, -1])]),
        (lambda a: a.sqrt(), [positive(3, 4)]),
        (lambda a: a.clip(-1.0, 1.0), [np.array([-1.7, -0.4, 0.3, 0.9, 1.6])]),
        (lambda a: a.reshape(4, 3), [random(3, 4)]),
        (lambda a: a.T, [random(3, 4)]),
        (lambda a: a.transpose(1, 2, 0), [random(2, 3, 4)]),
        (lambda a: a[[0, 0, 2], 1:], [random(3, 4)]),
        (lambda a: a[a > 0], [random(3, 4)]),
    ],
    ids=[
        "add",
        "sub",
        "mul",
        "div",
        "matmul",
        "matmul_batched",
        "pow_int",
        "pow_half",
        "pow_tensor",
        "rpow",
        "neg",
        "sum",
        "mean",
        "max_axis",
        "max",
        "exp",
        "log",
        "abs",
        "sqrt",
        "clip",
        "reshape",
        "T",
        "transpose",
        "repeated_index",
        "mask",
    ],
)
def test_gradcheck_passes_every_tensor_op(fn, inputs):
    result = gradcheck(fn, inputs)
    assert result.ok, str(result)
    assert result.max_abs_error < 1e-6


def test_gradcheck_passes_a_two_layer_network_with_several_inputs():
    def network(x, w1, b1, w2, b2):
        hidden = (x @ w1 + b1).clip(min=0.0)
        logits = hidden @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probabilities = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -log_probabilities[np.arange(5), [0, 2, 1, 1, 0]].mean()

    inputs = [
        random(5, 3),
        random(3, 4, seed=2),
        random(4, seed=3),
        random(4, 3, seed=4),
        random(3, seed=5),
    ]
    result = gradcheck(network, inputs)
    assert result, str(result)
    assert result.max_rel_error < 1e-6


def test_gradcheck_passes_a_composite_expression_with_broadcasting():
    result = gradcheck(
        lambda a, b: ((a * b).exp() / (1.0 + b * b)).sqrt() - a.abs().mean(),
        [positive(3, 1), random(4)],
    )
    assert result, str(result)


def test_gradcheck_passes_when_the_output_ignores_an_input():
    result = gradcheck(lambda a, b: a * 2.0, [random(3), random(2, seed=2)])
    assert result.ok
    assert result.max_abs_error < 1e-8


def test_gradcheck_of_a_constant_output_finds_zero_gradients():
    result = gradcheck(lambda a: ln.tensor(np.ones(3)), [random(3)])
    assert result.ok and result.max_abs_error == 0.0


# ----------------------------------------------------------------------------- wrong gradients
def test_gradcheck_catches_a_wrong_backward_and_reports_the_worst_element():
    factor = np.ones((3, 4))
    factor[1, 2] = 3.0
    result = gradcheck(lambda x: scaled_backward(x, factor).sum() * 2.0, random(3, 4))
    assert not result.ok
    assert not result
    worst = result.worst
    assert isinstance(worst, GradcheckElement)
    assert (worst.input_index, worst.index) == (0, (1, 2))
    # L = v * 2 * sum(x) for a scalar projection v: the true gradient is the same everywhere
    assert worst.analytic == pytest.approx(3.0 * worst.numeric, rel=1e-8)
    assert result.max_abs_error == pytest.approx(abs(worst.analytic - worst.numeric))
    assert result.max_rel_error == pytest.approx(2.0 / 3.0, rel=1e-8)


def test_gradcheck_names_the_input_that_holds_the_wrong_gradient():
    factor = np.ones(5)
    factor[3] = -1.0
    result = gradcheck(
        lambda a, b: (a * a).sum() + scaled_backward(b, factor).exp().sum(),
        [random(2, 2), random(5, seed=2)],
    )
    assert not result
    assert result.worst.input_index == 1
    assert result.worst.index == (3,)
    assert result.worst.analytic == pytest.approx(-result.worst.numeric, rel=1e-6)


def test_gradcheck_catches_a_small_relative_error_above_rtol():
    factor = np.full(4, 1.0 + 1e-2)
    result = gradcheck(lambda x: scaled_backward(x, factor) * 10.0, random(4))
    assert not result
    assert result.max_rel_error == pytest.approx(1e-2 / (1.0 + 1e-2), rel=1e-5)


def test_gradcheck_tolerances_decide_the_verdict():
    factor = np.full(4, 1.0 + 1e-4)
    fn = lambda x: scaled_backward(x, factor) * 10.0  # noqa: E731
    assert gradcheck(fn, random(4))  # 1e-4 relative error is within rtol=1e-3
    assert not gradcheck(fn, random(4), rtol=1e-6, atol=1e-9)


def test_gradcheck_never_passes_a_nan_gradient():
    factor = np.array([1.0, np.nan, 1.0])
    result = gradcheck(lambda x: scaled_backward(x, factor), random(3))
    assert not result
    assert result.worst.index == (1,)
    assert np.isnan(result.worst.analytic)


def test_gradcheck_catches_a_wrong_gradient_in_a_library_op():
    # the derivative of |x| taken as +1 everywhere is wrong for negative x
    def bad_abs(x):
        return ln.Tensor._node(np.abs(x.data), (x,), lambda g: (g,), "bad_abs")

    data = np.array([1.5, -0.5, 2.0])
    result = gradcheck(lambda x: bad_abs(x).sum(), data)
    assert not result
    assert result.worst.index == (1,)
    assert result.worst.analytic == pytest.approx(-result.worst.numeric, rel=1e-6)


# ----------------------------------------------------------------------------- the result object
def test_result_is_truthy_exactly_when_ok():
    passed = gradcheck(lambda x: x * x, random(3))
    failed = gradcheck(lambda x: scaled_backward(x, np.full(3, 2.0)), random(3))
    assert isinstance(passed, GradcheckResult)
    assert bool(passed) is True and passed.ok is True
    assert bool(failed) is False and failed.ok is False


def test_result_text_gives_the_verdict_errors_and_worst_element():
    factor = np.ones((2, 2))
    factor[0, 1] = 5.0
    failed = gradcheck(lambda x: scaled_backward(x, factor), random(2, 2))
    text = str(failed)
    assert "FAILED" in text
    assert "input 0 at index (0, 1)" in text
    assert f"{failed.max_abs_error:.3g}" in text
    assert "passed" in str(gradcheck(lambda x: x * x, random(3)))
    assert "GradcheckResult(ok=False" in repr(failed)


def test_gradcheck_of_empty_inputs_passes_with_no_worst_element():
    result = gradcheck(lambda x: x * 2.0, np.zeros((0, 3)))
    assert result.ok and result.worst is None and result.max_abs_error == 0.0


# ----------------------------------------------------------------------------- inputs
def test_float32_inputs_are_checked_in_float64():
    seen_dtypes = []

    def fn(a, b):
        seen_dtypes.extend([a.dtype, b.dtype])
        return (a * b).exp().sum()

    data = random(3, 4).astype(np.float32)
    result = gradcheck(fn, [data, ln.tensor(data[0])])
    assert set(seen_dtypes) == {np.dtype(np.float64)}
    assert result.ok
    assert result.max_abs_error < 1e-7  # float32 differences would be off by about 1e-2


def test_integer_inputs_are_converted_to_float64():
    result = gradcheck(lambda x: x * x, np.array([1, 2, 3]))
    assert result.ok
    assert result.worst.numeric != 0.0


def test_gradcheck_does_not_change_the_callers_arrays_or_tensors():
    array = random(3, 4)
    array_copy = array.copy()
    user_tensor = ln.tensor(random(4, seed=2), requires_grad=True)
    tensor_copy = user_tensor.data.copy()
    gradcheck(lambda a, b: (a * b).sum(), [array, user_tensor])
    np.testing.assert_array_equal(array, array_copy)
    np.testing.assert_array_equal(user_tensor.data, tensor_copy)
    assert user_tensor.grad is None


def test_callers_array_is_untouched_even_when_fn_fails_during_the_differences():
    array = random(3)
    array_copy = array.copy()
    calls = []

    def fails_on_a_perturbed_input(x):
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("fn failed")
        return x * x

    with pytest.raises(RuntimeError, match="fn failed"):
        gradcheck(fails_on_a_perturbed_input, array)
    np.testing.assert_array_equal(array, array_copy)


def test_gradcheck_accepts_a_single_tensor_or_a_tuple():
    assert gradcheck(lambda x: x.exp(), ln.tensor(random(3)))
    assert gradcheck(lambda a, b: a * b, (random(3), random(3, seed=2)))


@pytest.mark.parametrize("returned", [np.ones(3), 1.0, None], ids=["ndarray", "float", "none"])
def test_fn_that_does_not_return_a_tensor_raises_type_error(returned):
    with pytest.raises(TypeError, match="return a Tensor"):
        gradcheck(lambda x: returned, random(3))


@pytest.mark.parametrize(
    "bad_input",
    [np.array(["a", "b"]), np.array([1 + 2j]), np.array([True, False]), {"x": 1}, "abc"],
    ids=["strings", "complex", "bool", "dict", "str"],
)
def test_non_float_inputs_raise_value_error_naming_the_input(bad_input):
    with pytest.raises(ValueError, match=r"inputs\[1\]"):
        gradcheck(lambda a, b: a * b, [random(2), bad_input])


def test_non_positive_eps_raises_value_error():
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda x: x * x, random(3), eps=0.0)


def test_gradcheck_is_exported_at_the_top_level():
    assert ln.gradcheck is gradcheck
