"""``model.predict`` on any input: random shapes, dtypes and NaN/inf/huge values give either
the correct result or a clear ``ValueError``/``TypeError`` — never another exception."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import lucidnet as ln

FEATURES = 3

DTYPES = st.sampled_from(
    ["float16", "float32", "float64", "int8", "int64", "uint64", "bool", "complex64", "<U3", "O"]
)


def any_input():
    """Arrays of any of those dtypes, 0-3 axes, values including NaN, inf and huge numbers."""
    return DTYPES.flatmap(
        lambda dtype: arrays(
            dtype,
            array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
            elements=_elements(dtype),
        )
    )


def _elements(dtype: str):
    if dtype == "O":
        return st.one_of(st.floats(allow_nan=True), st.none(), st.text(max_size=2), st.integers())
    if dtype == "<U3":
        return st.text(alphabet="0123456789.-ex", max_size=3)
    return None  # hypothesis's own: every value of the dtype, NaN and inf included


@pytest.fixture(scope="module")
def model():
    ln.manual_seed(0)
    model = ln.Sequential(
        [ln.layers.Dense(4, activation="tanh", input_shape=(FEATURES,)), ln.layers.Dense(2)]
    )
    model.compile(optimizer="sgd", loss="mse", lint=False)
    return model


def reference(model, x: np.ndarray) -> np.ndarray:
    """The forward pass in plain NumPy, in the model's float32."""
    first, second = model.layers
    hidden = np.tanh(x.astype(np.float32) @ first.weight.data + first.bias.data)
    return hidden @ second.weight.data + second.bias.data


@given(x=any_input())
def test_predict_gives_the_right_answer_or_a_clear_error(model, x):
    refusal = None
    try:
        out = model.predict(x)
    except (ValueError, TypeError) as error:
        refusal = str(error)
    if refusal is not None:
        assert refusal, "an error without a message"
        return
    # accepted: a real [..., 3] input (Dense maps the last axis, as in Keras) whose values
    # float32 can hold, and the result is right
    assert x.ndim >= 2 and x.shape[-1] == FEATURES and x.dtype.kind in "biuf", (x.dtype, x.shape)
    wide = x.astype(np.float64)
    assert np.all(np.abs(wide) <= np.finfo(np.float32).max), f"non-finite input accepted: {x}"
    assert out.shape == (*x.shape[:-1], 2)
    np.testing.assert_allclose(out, reference(model, x), rtol=1e-5, atol=1e-5)


@given(
    x=arrays(
        "float64",
        st.tuples(st.integers(1, 4), st.just(FEATURES)),
        elements=st.floats(-1e6, 1e6),
    )
)
def test_predict_on_well_formed_input_matches_numpy(model, x):
    np.testing.assert_allclose(model.predict(x), reference(model, x), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (np.nan, "(?i:nan)"),
        (np.inf, "inf"),
        (-np.inf, "inf"),
        (1e39, "float32"),
    ],
)
def test_predict_names_a_non_finite_or_float32_overflowing_value(model, value, message):
    x = np.zeros((2, FEATURES))
    x[1, 2] = value
    with pytest.raises(ValueError, match=f"x .*{message}.*row 1, column 2"):
        model.predict(x)
