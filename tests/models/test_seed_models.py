"""The seeds' worked model examples: 12 + 8 + 6 = 26 parameters, output [5, 2], summary text."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln

from .seed_models import TorchStyleSeedModel, functional_seed_model, sequential_seed_model


@pytest.mark.parametrize(
    "build", [sequential_seed_model, functional_seed_model, TorchStyleSeedModel]
)
def test_seed_model_has_26_parameters_and_maps_5x3_to_5x2(build):
    model = build()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out = model(x)
    assert out.shape == (5, 2)
    assert out.dtype == np.float32
    assert model.count_params() == 26
    assert [p.data.size for p in model.parameters()] == [9, 3, 6, 2, 4, 2]


def test_torch_style_seed_model_rows_sum_to_one():
    out = TorchStyleSeedModel()(ln.tensor(np.random.default_rng(1).standard_normal((5, 3))))
    np.testing.assert_allclose(out.data.sum(axis=1), np.ones(5), rtol=1e-6)


def test_sequential_summary_matches_the_seed_table():
    text = sequential_seed_model().summary()
    assert 'Model: "my_Sequential"' in text
    for row in ("layer1 (Dense)", "layer2 (Dense)", "layer3 (Dense)"):
        assert row in text
    rows = [line.split() for line in text.splitlines() if "(Dense)" in line]
    assert [r[-1] for r in rows] == ["12", "8", "6"]
    assert [" ".join(r[2:-1]) for r in rows] == ["(None, 3)", "(None, 2)", "(None, 2)"]
    assert "Total params: 26 (104.00 B)" in text
    assert "Trainable params: 26 (104.00 B)" in text
    assert "Non-trainable params: 0 (0.00 B)" in text


@pytest.mark.parametrize("build", [sequential_seed_model, functional_seed_model])
def test_summary_with_batch_size_5_shows_batch_axis(build):
    text = build().summary(batch_size=5)
    rows = [line for line in text.splitlines() if "(Dense)" in line]
    assert ["(5, 3)" in rows[0], "(5, 2)" in rows[1], "(5, 2)" in rows[2]] == [True] * 3


def test_functional_summary_lists_the_input_layer():
    text = functional_seed_model().summary()
    assert "input (InputLayer)" in text
    assert "Total params: 26" in text


def test_subclassed_summary_is_traced_with_a_dummy_input():
    text = TorchStyleSeedModel().summary(input_shape=(3,), batch_size=5)
    rows = [line for line in text.splitlines() if "(Linear)" in line]
    assert [r.split()[0] for r in rows] == ["linear1", "linear2", "out"]
    assert "(5, 3)" in rows[0] and "(5, 2)" in rows[1] and "(5, 2)" in rows[2]
    assert [r.split()[-1] for r in rows] == ["12", "8", "6"]
    assert "Total params: 26 (104.00 B)" in text


def test_subclassed_summary_uses_the_first_layers_input_shape():
    text = TorchStyleSeedModel().summary()
    assert "(None, 3)" in text and "Total params: 26" in text


def test_subclassed_summary_without_any_input_shape_says_what_to_give():
    class Lazy(ln.Module):
        def __init__(self):
            super().__init__()
            self.hidden = ln.layers.Dense(3)

        def forward(self, x):
            return self.hidden(x)

    with pytest.raises(ValueError, match="input_shape"):
        Lazy().summary()
    assert "hidden (Dense)" in Lazy().summary(input_shape=(4,))


def test_summary_counts_batchnorm_statistics_as_non_trainable():
    model = ln.Sequential([ln.layers.Dense(4, input_shape=(3,)), ln.layers.BatchNorm()])
    text = model.summary()
    assert "Trainable params: 24 (96.00 B)" in text
    assert "Non-trainable params: 8 (32.00 B)" in text
    assert "Total params: 32 (128.00 B)" in text


def test_named_parameters_use_attribute_names():
    names = [name for name, _ in TorchStyleSeedModel().named_parameters()]
    assert names == [
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
        "out.weight",
        "out.bias",
    ]
