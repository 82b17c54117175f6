"""ln.preflight: what each check measures, in numbers; it leaves the model as it was."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.diagnostics.advice import HealthWarning

Dense = ln.layers.Dense


def data(n: int = 400, seed: int = 0):
    x, y = ln.datasets.moons(n, noise=0.1, random_state=seed)
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32), y


def model(*hidden_options, optimizer=None, loss="softmax_cross_entropy", **options):
    ln.manual_seed(0)
    net = ln.Sequential(
        [
            Dense(16, activation="relu", input_shape=(2,), **options),
            Dense(16, activation="relu"),
            Dense(2),
        ]
    )
    net.compile(optimizer or ln.optim.Adam(lr=0.01), loss, lint=False)
    return net


def test_a_sane_setup_gets_no_advice_and_keeps_its_weights():
    x, y = data()
    net = model()
    before = [p.data.copy() for p in net.parameters()]
    assert ln.preflight(net, x, y, verbose=0) == []
    assert all(np.array_equal(a, p.data) for a, p in zip(before, net.parameters(), strict=True))


def test_initial_loss_excess_is_explained_by_the_init_scale():
    x, y = data()
    net = model(kernel_initializer=ln.init.get("normal", std=8.0))
    net.layers[1].weight.data *= 20
    advice = ln.preflight(net, x, y, verbose=0)
    assert advice[0].cause == "init_scale"
    excess = advice[0].evidence.get("loss_excess") or advice[0].evidence.get(
        "weight_std_over_recommended"
    )
    assert excess > 3


def test_dead_units_under_a_negative_bias_are_init_bias_with_the_dead_fraction():
    x, y = data()
    net = model(bias_initializer=ln.init.get("constant", value=-10.0))
    advice = ln.preflight(net, x, y, verbose=0)
    assert (advice[0].cause, advice[0].severity) == ("init_bias", "error")
    assert advice[0].evidence["dead_fraction"] == 1.0
    assert advice[0].remedy == {
        "action": "set_initializer",
        "layers": [net.layers[0].name],
        "bias": "zeros",
    }


def test_penalty_share_of_the_initial_loss_is_over_regularized():
    x, y = data()
    net = model(kernel_regularizer=ln.regularizers.get("l2", l2=5.0))
    advice = ln.preflight(net, x, y, verbose=0)
    found = next(a for a in advice if a.cause == "over_regularized")
    penalty = 0.5 * 5.0 * float(np.sum(net.layers[0].weight.data.astype(np.float64) ** 2))
    assert found.evidence["penalty"] == pytest.approx(penalty, rel=1e-4)
    assert found.evidence["penalty_share"] > 0.7


def test_shuffled_labels_are_misaligned_and_class_imbalance_counts_the_classes():
    x, y = data()
    advice = ln.preflight(model(), x, np.random.default_rng(0).permutation(y), verbose=0)
    assert advice[0].cause == "labels_misaligned"
    assert advice[0].evidence["neighbour_balanced_accuracy"] < 0.6
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:10]]
    advice = ln.preflight(model(), x[keep], y[keep], verbose=0)
    imbalance = next(a for a in advice if a.cause == "class_imbalance")
    assert imbalance.evidence["class_counts"] == [200, 10]
    assert imbalance.evidence["imbalance_ratio"] == 20


def test_learning_rates_far_off_are_found_by_the_probe():
    x, y = data()
    high = ln.preflight(model(optimizer=ln.optim.SGD(lr=30.0)), x, y, verbose=0)
    assert high[0].cause == "lr_high" and high[0].remedy["value"] < 30.0
    low = ln.preflight(model(optimizer=ln.optim.SGD(lr=1e-6)), x, y, verbose=0)
    assert low[0].cause == "lr_low" and low[0].remedy["value"] > 1e-6


def test_verbose_warns_once_at_the_callers_line_and_zero_is_silent(capsys):
    x, y = data()
    net = model(bias_initializer=ln.init.get("constant", value=-10.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ln.preflight(net, x, y)
        ln.preflight(net, x, y, verbose=0)
    health = [w for w in caught if issubclass(w.category, HealthWarning)]
    assert len(health) == 1 and health[0].filename == __file__
    assert capsys.readouterr().out == ""


def test_fit_with_preflight_records_history_advice():
    x, y = data()
    net = model(bias_initializer=ln.init.get("constant", value=-10.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = net.fit(x, y, epochs=1, verbose=0, preflight=True)
    assert history.advice[0].cause == "init_bias"
    assert model().fit(x, y, epochs=1, verbose=0, preflight=True).advice == []


def test_the_nan_guard_finding_is_non_finite_advice():
    x, y = data()
    net = model(optimizer=ln.optim.SGD(lr=1e6), loss="mse")
    target = np.eye(2, dtype=np.float32)[y] * 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = net.fit(x, target, epochs=3, verbose=0)
    found = [a for a in history.advice if a.cause == "non_finite"]
    assert found and found[0].severity == "error"
    assert not math.isfinite(found[0].evidence["value"])


def test_bad_arguments_are_rejected():
    x, y = data()
    with pytest.raises(ValueError, match="loss"):
        ln.preflight(ln.Sequential([Dense(2, input_shape=(2,))]), x, y)
    with pytest.raises(ValueError, match="rows"):
        ln.preflight(model(), x, y[:10], verbose=0)
