"""Every activation stays finite for |x| <= 1e30 in float32 and float64: its forward
values, its derivative (softmax/log_softmax: their Jacobian-vector product) and the
gradient autograd computes through it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import lucidnet as ln

BOUND = 1e30
ELEMENT_WISE = [
    *((n, {}) for n in ln.activations.available() if n not in ("softmax", "log_softmax")),
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 2.0}),
    ("gelu", {"approximate": True}),
]
CASES = [
    pytest.param(
        name,
        options,
        dtype,
        id=f"{name}{'-' if options else ''}{'-'.join(map(str, options.values()))}-{dtype}",
    )
    for name, options in ELEMENT_WISE
    for dtype in ("float32", "float64")
]


def values(dtype: str):
    """Arrays of up to 3x4 values in [-1e30, 1e30] (1e30 rounded to ``dtype``), exactly 0 and
    the bounds included."""
    bound = float(np.dtype(dtype).type(BOUND))
    elements = st.one_of(
        st.floats(-bound, bound, width=32 if dtype == "float32" else 64),
        st.sampled_from([0.0, -0.0, bound, -bound, 1e-30, -1e-30]),
    )
    return arrays(dtype, st.tuples(st.integers(1, 3), st.integers(1, 4)), elements=elements)


@pytest.mark.parametrize(("name", "options", "dtype"), CASES)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # finite is the property; see the report
@given(data=st.data())
def test_element_wise_activation_forward_derivative_and_gradient_are_finite(
    name, options, dtype, data
):
    x = data.draw(values(dtype))
    activation = ln.activations.get(name, **options)
    forward = activation.forward(x)
    derivative = activation.derivative(x)
    assert forward.shape == x.shape and derivative.shape == x.shape
    assert np.all(np.isfinite(forward)), (x, forward)
    assert np.all(np.isfinite(derivative)), (x, derivative)
    t = ln.tensor(x, requires_grad=True)
    activation(t).sum().backward()
    assert t.grad.dtype == x.dtype
    assert np.all(np.isfinite(t.grad)), (x, t.grad)
    np.testing.assert_array_equal(t.grad, derivative.astype(x.dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_family_forward_and_gradient_are_finite(name, dtype, data):
    x = data.draw(values(dtype))
    upstream = data.draw(arrays(dtype, x.shape, elements=st.floats(-1, 1, width=32)))
    activation = ln.activations.get(name)
    forward = activation.forward(x)
    assert np.all(np.isfinite(forward)), (x, forward)
    if name == "softmax":
        np.testing.assert_allclose(forward.sum(axis=-1), 1, rtol=1e-5)
    t = ln.tensor(x, requires_grad=True)
    (activation(t) * ln.tensor(upstream)).sum().backward()
    assert np.all(np.isfinite(t.grad)), (x, t.grad)
