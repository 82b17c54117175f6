"""The shared fixtures do what tests rely on."""

import numpy as np

import lucidnet as ln


def test_each_test_starts_in_float32_with_seed_zero(rng):
    assert ln.get_default_dtype() == np.float32
    first = ln.init.get("normal")((3,))
    ln.manual_seed(0)
    np.testing.assert_array_equal(first, ln.init.get("normal")((3,)))
    ln.set_default_dtype("float64")  # put back by the fixture for the next test


def test_tiny_mlp_builds_the_widths_asked_for(tiny_mlp):
    model = tiny_mlp(widths=(4, 5, 2), activation="tanh", dtype="float64")
    assert [layer.units for layer in model.layers] == [5, 2]
    assert [layer.activation.name for layer in model.layers] == ["tanh", "identity"]
    assert model.count_params() == 4 * 5 + 5 + 5 * 2 + 2
    assert model.predict(np.zeros((3, 4))).dtype == np.float64
