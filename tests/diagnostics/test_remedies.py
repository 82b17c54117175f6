"""ln.apply_remedy returns a new compiled model with the fix; ln.lr_find restores the weights."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.training.state import training_state

Dense = ln.layers.Dense


def compiled(**options):
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            Dense(8, activation="sigmoid", input_shape=(2,), name="h0", **options),
            Dense(8, activation="sigmoid", name="h1"),
            Dense(3, activation="softmax", name="out"),
        ]
    )
    model.compile(
        ln.optim.SGD(lr=0.1, momentum=0.9),
        "softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    return model


def test_a_remedy_changes_a_copy_and_keeps_the_other_weights_and_the_setup():
    model = compiled()
    fixed = ln.apply_remedy(model, {"action": "set_output_activation", "name": "identity"})
    assert fixed is not model and model.layers[-1].activation_name == "softmax"
    assert fixed.layers[-1].activation_name == "identity"
    for mine, theirs in zip(fixed.parameters(), model.parameters(), strict=True):
        np.testing.assert_array_equal(mine.data, theirs.data)
    assert fixed.optimizer is not model.optimizer
    assert fixed.optimizer.get_config() == model.optimizer.get_config()
    assert training_state(fixed).metric_names == ["accuracy"]
    assert training_state(fixed).loss.name == "softmax_cross_entropy"


def test_set_activation_reinitializes_those_layers_with_auto_init():
    model = compiled()
    fixed = ln.apply_remedy(
        model, {"action": "set_activation", "layers": ["h0", "h1"], "name": "relu"}
    )
    assert [layer.activation_name for layer in fixed.layers] == ["relu", "relu", "softmax"]
    fan_in = fixed.layers[1].weight.shape[0]
    assert np.abs(fixed.layers[1].weight.data).max() <= np.sqrt(6 / fan_in)  # he_uniform bound
    np.testing.assert_array_equal(fixed.layers[2].weight.data, model.layers[2].weight.data)


def test_initializer_loss_lr_regularizer_and_reduction_remedies():
    model = compiled(
        bias_initializer=ln.init.get("constant", value=-3.0),
        kernel_regularizer=ln.regularizers.get("l2", l2=1.0),
    )
    zero = ln.apply_remedy(model, {"action": "set_initializer", "layers": ["h0"], "bias": "zeros"})
    assert not zero.layers[0].bias.data.any() and model.layers[0].bias.data[0] == -3.0
    lr = ln.apply_remedy(model, {"action": "set_lr", "value": 0.5})
    assert (
        lr.optimizer.param_groups[0]["lr"] == 0.5
        and lr.optimizer.param_groups[0]["momentum"] == 0.9
    )
    light = ln.apply_remedy(
        model, {"action": "set_regularizer", "layers": None, "l1": 0, "l2": 1e-4}
    )
    assert light.layers[0].kernel_regularizer.l2 == 1e-4
    loss = ln.apply_remedy(
        model, {"action": "set_loss", "name": "categorical_crossentropy", "options": {}}
    )
    assert training_state(loss).loss.name == "categorical_crossentropy"
    assert loss.layers[-1].activation_name == "softmax"
    model.compile("adam", ln.losses.get("softmax_cross_entropy", reduction="sum"), lint=False)
    mean = ln.apply_remedy(model, {"action": "set_reduction", "reduction": "mean"})
    assert training_state(mean).loss.reduction == "mean"


@pytest.mark.parametrize(
    ("loss", "output", "expected_loss", "expected_options"),
    [
        (
            ln.losses.get("binary_crossentropy"),
            "identity",
            "binary_crossentropy",
            {"from_logits": True},
        ),
        ("softmax_cross_entropy", "softmax", "sparse_categorical_crossentropy", {}),
        (
            ln.losses.get("categorical_crossentropy", from_logits=True),
            "softmax",
            "categorical_crossentropy",
            {},
        ),
        ("mse", "identity", "mse", {}),
    ],
)
def test_a_new_output_activation_brings_the_loss_that_fits_it(
    loss, output, expected_loss, expected_options
):
    model = compiled()
    model.compile("sgd", loss, lint=False)
    fixed = ln.apply_remedy(model, {"action": "set_output_activation", "name": output})
    bound = training_state(fixed).loss
    assert bound.name == expected_loss
    assert {k: v for k, v in bound.get_config().items() if v is True} == expected_options


@pytest.mark.parametrize(
    ("name", "options", "output"),
    [
        ("binary_crossentropy", {}, "sigmoid"),
        ("binary_crossentropy", {"from_logits": True}, "identity"),
        ("sparse_categorical_crossentropy", {}, "softmax"),
        ("softmax_cross_entropy", {}, "identity"),
        ("multiclass_hinge", {}, "softmax"),  # not a cross-entropy: the output stays
        ("mse", {}, "softmax"),
    ],
)
def test_a_new_loss_brings_the_output_activation_it_expects(name, options, output):
    fixed = ln.apply_remedy(compiled(), {"action": "set_loss", "name": name, "options": options})
    assert fixed.layers[-1].activation_name == output
    assert training_state(fixed).loss.name == name


def test_set_optimizer_and_reduce_depth():
    model = compiled()
    adam = ln.apply_remedy(model, {"action": "set_optimizer", "name": "adam", "lr": 0.003})
    assert adam.optimizer.name == "adam" and adam.optimizer.param_groups[0]["lr"] == 0.003
    same = ln.apply_remedy(model, {"action": "set_optimizer", "lr": 0.2})
    assert same.optimizer.name == "sgd" and same.optimizer.param_groups[0]["momentum"] == 0.9
    shallow = ln.apply_remedy(model, {"action": "reduce_depth", "layers": ["h1"]})
    assert [layer.name for layer in shallow.layers] == ["h0", "out"]
    np.testing.assert_array_equal(shallow.layers[0].weight.data, model.layers[0].weight.data)
    assert shallow.layers[1].weight.shape == (8, 3)  # the next layer starts afresh
    assert not np.array_equal(shallow.layers[1].weight.data, model.layers[2].weight.data)


def test_standardize_inputs_puts_a_batch_norm_with_the_data_statistics_in_front():
    model = compiled()
    x = np.random.default_rng(0).normal(500, 30, size=(200, 2)).astype(np.float32)
    fixed = ln.apply_remedy(model, {"action": "standardize_inputs", "lr": 0.01}, x)
    norm = fixed.layers[0]
    np.testing.assert_allclose(norm.running_mean, x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.running_var, x.var(0), rtol=1e-4)
    assert fixed.optimizer.param_groups[0]["lr"] == 0.01
    assert fixed.predict(x).shape == (200, 3)
    with pytest.raises(ValueError, match="needs x"):
        ln.apply_remedy(model, {"action": "standardize_inputs"})


def test_an_unknown_remedy_is_rejected():
    with pytest.raises(ValueError, match="action"):
        ln.apply_remedy(compiled(), {"action": "pray"})


def test_lr_find_returns_a_curve_and_a_suggestion_and_restores_the_weights():
    ln.manual_seed(0)
    x, y = ln.datasets.moons(256, noise=0.1, random_state=0)
    model = ln.Sequential([Dense(16, activation="relu", input_shape=(2,)), Dense(2)])
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    before = [p.data.copy() for p in model.parameters()]
    found = ln.lr_find(model, x, y, steps=60)
    assert all(np.array_equal(a, p.data) for a, p in zip(before, model.parameters(), strict=True))
    assert len(found.lrs) == len(found.losses) <= 60
    assert found.lrs[0] == pytest.approx(1e-6)
    ratios = np.array(found.lrs[1:]) / np.array(found.lrs[:-1])
    np.testing.assert_allclose(ratios, (10 / 1e-6) ** (1 / 59), rtol=1e-9)  # exponential
    assert found.lrs[0] < found.suggestion < found.lrs[-1]
    assert min(found.losses) < found.losses[0]
    with pytest.raises(ValueError, match="start"):
        ln.lr_find(model, x, y, start=1.0, end=0.1)
