"""HealthMonitor: per-layer health figures in history.health, and warnings with a fix."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.diagnostics.health import HealthMonitor, HealthWarning

Dense = ln.layers.Dense
F = ln.functional


def uniform_data(n: int = 128, features: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs in [-1, 1] and a linearly separable two-class label."""
    x = np.random.default_rng(seed).uniform(-1, 1, (n, features)).astype(np.float32)
    return x, (x.sum(axis=1) > 0).astype(np.int64)


def fit_recording(model, x, y, monitor, **fit_options):
    """Fit with ``monitor``; returns (history, the HealthWarning messages)."""
    fit_options = {"epochs": 2, "verbose": 0, **fit_options}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, callbacks=[monitor], **fit_options)
    return history, [str(w.message) for w in caught if issubclass(w.category, HealthWarning)]


def test_dead_relu_layer_under_a_negative_bias_is_init_bias_warned_once(capsys):
    ln.manual_seed(0)
    x, y = uniform_data()
    model = ln.Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(2)])
    model.layers[0].bias.data[...] = -10  # |x @ W| < 10 for these inputs: never active
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    monitor = HealthMonitor(sample_every=1)
    history, messages = fit_recording(model, x, y, monitor, epochs=5)
    name = model.layers[0].name
    assert [entry[name]["dead_fraction"] for entry in history.health] == [1.0] * 5
    assert len(messages) == 1  # once per cause, not once per epoch
    assert "100% of ReLU units dead" in messages[0] and "[init_bias]" in messages[0]
    advice = [a for a in history.advice if a.cause == "init_bias"]
    assert advice[0].remedy == {"action": "set_initializer", "layers": [name], "bias": "zeros"}
    assert advice[0].evidence["dead_fraction"] == 1.0
    assert capsys.readouterr().out == ""  # warned, not also printed


def test_vanishing_gradients_in_a_ten_layer_sigmoid_network_are_depth_saturating():
    ln.manual_seed(0)
    x, y = uniform_data()
    model = ln.Sequential(
        [
            Dense(16, activation="sigmoid", input_shape=(4,)),
            *[Dense(16, activation="sigmoid") for _ in range(8)],
            Dense(2),
        ]
    )
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    history, messages = fit_recording(model, x, y, HealthMonitor(sample_every=1), epochs=5)
    first, last = model.layers[0].name, model.layers[-1].name
    for entry in history.health:
        expected = entry[first]["grad_norm"] / entry[last]["grad_norm"]
        assert entry["first_last_grad_ratio"] == pytest.approx(expected)
        assert entry["first_last_grad_ratio"] < 1e-3
    assert [m for m in messages if "[depth_saturating]" in m] == messages[:1]
    assert not any("lr_low" in m or "too small" in m for m in messages)  # never "raise the lr"
    assert history.advice[0].cause == "depth_saturating"


def test_healthy_he_relu_network_on_spirals_raises_no_health_warning():
    ln.manual_seed(0)
    x, y = ln.datasets.spirals(300, random_state=0)
    model = ln.Sequential(
        [
            Dense(64, activation="relu", kernel_initializer="he_uniform", input_shape=(2,)),
            Dense(64, activation="relu", kernel_initializer="he_uniform"),
            Dense(3),
        ]
    )
    model.compile("adam", "softmax_cross_entropy")
    history, messages = fit_recording(model, x, y, HealthMonitor(sample_every=1), epochs=10)
    assert messages == []
    assert all(a.severity == "info" for a in history.advice)
    assert len(history.health) == 10 == len(history.history["loss"])
    hidden, out = model.layers[0].name, model.layers[2].name
    for entry in history.health:
        assert set(entry) == {hidden, model.layers[1].name, out, "first_last_grad_ratio"}
        assert set(entry[hidden]) == {"grad_norm", "update_ratio", "dead_fraction"}
        assert set(entry[out]) == {"grad_norm", "update_ratio"}  # identity: no dead/saturation
        assert 0 <= entry[hidden]["dead_fraction"] < 0.5
        assert 1e-5 < entry[out]["update_ratio"] < 1e-1
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_default_schedule_samples_the_first_and_last_epoch_and_leaves_others_empty():
    ln.manual_seed(0)
    x, y = uniform_data()
    model = ln.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile("adam", "softmax_cross_entropy", lint=False)
    history, _ = fit_recording(model, x, y, HealthMonitor(budget=0.0), epochs=4)
    assert [bool(entry) for entry in history.health] == [True, False, False, True]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_grad_norm_and_update_ratio_equal_their_definitions_on_the_last_batch(optimizer):
    ln.manual_seed(1)
    x, y = uniform_data(64)
    model = ln.Sequential([Dense(8, activation="tanh", input_shape=(4,)), Dense(2)])
    twin = ln.Sequential([Dense(8, activation="tanh", input_shape=(4,)), Dense(2)])
    for mine, theirs in zip(twin.parameters(), model.parameters(), strict=True):
        mine.data[...] = theirs.data
    layer = model.layers[0]
    # the reference: the PyTorch loop on the twin, first batch then the second (sampled)
    make = {"sgd": lambda p: ln.optim.SGD(p, lr=0.1), "adam": lambda p: ln.optim.Adam(p, lr=0.01)}
    reference = make[optimizer](twin.parameters())
    for batch in (slice(0, 32), slice(32, 64)):
        reference.zero_grad()
        weight = twin.layers[0].weight.data.copy()
        z = x[batch] @ weight + twin.layers[0].bias.data
        ln.losses.softmax_cross_entropy(twin(ln.tensor(x[batch])), y[batch]).backward()
        reference.step()
    grad = twin.layers[0].weight.grad
    update = np.linalg.norm(twin.layers[0].weight.data - weight) / np.linalg.norm(weight)
    model.compile(make[optimizer](None), "softmax_cross_entropy", lint=False)
    history, _ = fit_recording(model, x, y, HealthMonitor(), epochs=1, batch_size=32, shuffle=False)
    figures = history.health[0][layer.name]
    assert figures["grad_norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-4)
    assert figures["update_ratio"] == pytest.approx(update, rel=1e-4)
    assert figures["saturation_fraction"] == np.mean(np.abs(z) > 3)


def test_saturated_tanh_layer_is_measured_from_its_outputs_and_named_init_scale():
    ln.manual_seed(2)
    x, y = uniform_data(64)
    model = ln.Sequential([Dense(16, activation="tanh", input_shape=(4,)), Dense(2)])
    model.layers[0].weight.data *= 40
    z = x @ model.layers[0].weight.data  # bias is zero
    model.compile(ln.optim.SGD(lr=0.0), "softmax_cross_entropy", lint=False)
    history, messages = fit_recording(model, x, y, HealthMonitor(), epochs=3, batch_size=64)
    fraction = history.health[0][model.layers[0].name]["saturation_fraction"]
    assert fraction == np.mean(np.abs(z) > 3) > 0.5
    assert any(
        "tanh activations saturated (|z| > 3)" in m and "[init_scale]" in m for m in messages
    )


class SigmoidByFunction(ln.Module):
    def __init__(self):
        super().__init__()
        self.hidden = ln.layers.Linear(4, 16)
        self.head = ln.layers.Linear(16, 2)

    def forward(self, x):
        return self.head(F.sigmoid(self.hidden(x)))


def test_functional_sigmoid_after_a_linear_layer_is_judged_on_the_pre_activation():
    ln.manual_seed(3)
    x, y = uniform_data(64)
    model = SigmoidByFunction()
    model.hidden.weight.data *= 30
    z = x @ model.hidden.weight.data + model.hidden.bias.data
    model.compile(ln.optim.SGD(lr=0.0), "softmax_cross_entropy", lint=False)
    history, _ = fit_recording(model, x, y, HealthMonitor(), epochs=1, batch_size=64)
    assert history.health[0]["hidden"]["saturation_fraction"] == np.mean(np.abs(z) > 6)
    assert "dead_fraction" not in history.health[0]["hidden"]


def test_a_network_that_learns_well_gets_at_most_info():
    ln.manual_seed(4)
    x, y = uniform_data(64)
    model = ln.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile(ln.optim.SGD(lr=0.5), "softmax_cross_entropy", lint=False)
    # thresholds so low that every figure crosses them: still only info while the loss falls
    monitor = HealthMonitor(exploding_grad_norm=1e-9, max_update_ratio=1e-8, min_update_ratio=1e-9)
    history, messages = fit_recording(model, x, y, monitor, epochs=6)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    assert messages == []
    assert [(a.cause, a.severity) for a in monitor.advice] == [("lr_high", "info")]


def test_tiny_updates_in_every_layer_are_one_lr_low_warning():
    ln.manual_seed(4)
    x, y = uniform_data(64)
    model = ln.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile(ln.optim.SGD(lr=1e-9), "softmax_cross_entropy", lint=False)
    monitor = HealthMonitor(min_update_ratio=1e-4)
    _, messages = fit_recording(model, x, y, monitor, epochs=5)
    assert len(messages) == 1 and "[lr_low]" in messages[0]
    assert monitor.advice[0].remedy["action"] == "set_lr"


def test_verbose_zero_records_without_warning():
    ln.manual_seed(0)
    x, y = uniform_data()
    model = ln.Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(2)])
    model.layers[0].bias.data[...] = -10
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    history, messages = fit_recording(model, x, y, HealthMonitor(verbose=0), epochs=4)
    assert messages == [] and history.advice[0].cause == "init_bias"


def test_warnings_point_at_the_callers_line():
    ln.manual_seed(0)
    x, y = uniform_data()
    model = ln.Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(2)])
    model.layers[0].bias.data[...] = -10
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=4, verbose=0, callbacks=[HealthMonitor()])
    health = [w for w in caught if issubclass(w.category, HealthWarning)]
    assert health and all(w.filename == __file__ for w in health)


def test_hooks_exist_only_during_fit():
    ln.manual_seed(5)
    x, y = uniform_data(32)
    model = ln.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(2)])
    model.compile("adam", "softmax_cross_entropy", lint=False)
    fit_recording(model, x, y, HealthMonitor(), epochs=1)
    assert all(layer._call_hooks == [] for layer in model.modules())


def test_single_layer_ratio_is_one_and_grad_free_network_ratio_is_nan():
    ln.manual_seed(6)
    x, y = uniform_data(32)
    model = ln.Sequential([Dense(2, input_shape=(4,))])
    model.compile("adam", "softmax_cross_entropy", lint=False)
    history, _ = fit_recording(model, x, y, HealthMonitor(), epochs=1)
    assert history.health[0]["first_last_grad_ratio"] == 1.0
    dead = ln.Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(2)])
    dead.layers[0].bias.data[...] = -10
    dead.compile("adam", "softmax_cross_entropy", lint=False)
    history, _ = fit_recording(dead, x, y, HealthMonitor(verbose=0), epochs=1)
    assert math.isnan(history.health[0]["first_last_grad_ratio"])  # 0 / 0


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"dead_threshold": 1.5}, "dead_threshold"),
        ({"sample_every": 0}, "sample_every"),
        ({"vanishing_ratio": -1}, "vanishing_ratio"),
        ({"min_update_ratio": 0.5, "max_update_ratio": 0.1}, "min_update_ratio"),
    ],
)
def test_bad_thresholds_are_rejected(options, argument):
    with pytest.raises(ValueError, match=argument):
        HealthMonitor(**options)
