"""The static training plan gives the same numbers as the autograd tape, and falls back cleanly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.training.plan import TrainingPlan
from lucidnet.training.trainer import NonFiniteLossWarning

RNG = np.random.default_rng(11)
X = RNG.standard_normal((40, 4))
LABELS = RNG.integers(0, 3, 40)


def build(activations=("sigmoid", "relu"), outputs=3, output_activation=None, **dense_options):
    ln.manual_seed(0)
    layers = [
        ln.layers.Dense(
            6, activation=activations[0], input_shape=(4,), dtype="float64", **dense_options
        )
    ]
    layers += [
        ln.layers.Dense(5, activation=a, dtype="float64", **dense_options) for a in activations[1:]
    ]
    layers.append(ln.layers.Dense(outputs, activation=output_activation, dtype="float64"))
    return ln.Sequential(layers)


def train(model, loss, targets, optimizer, use_plan, epochs=3, **fit_options):
    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=["accuracy"] if outputs_of(model) > 1 else [],
        lint=False,
    )
    original = TrainingPlan.build
    used = []

    def build_or_not(*args):
        plan = original(*args) if use_plan else None
        used.append(plan is not None)
        return plan

    TrainingPlan.build = build_or_not
    try:
        ln.manual_seed(1)
        history = model.fit(X, targets, epochs=epochs, batch_size=16, verbose=0, **fit_options)
    finally:
        TrainingPlan.build = original
    return history, used


def outputs_of(model):
    return model.layers[-1].units


CASES = {
    "softmax_ce_int_labels_sgd_momentum": (
        {},
        "softmax_cross_entropy",
        LABELS,
        lambda: ln.optim.SGD(lr=0.1, momentum=0.9),
    ),
    "softmax_ce_one_hot_adam": (
        {},
        "softmax_cross_entropy",
        np.eye(3)[LABELS],
        lambda: ln.optim.Adam(lr=0.01),
    ),
    "sparse_ce_logits_rmsprop": (
        {"activations": ("tanh", "tanh")},
        ln.losses.get("sparse_categorical_crossentropy", from_logits=True),
        LABELS,
        lambda: ln.optim.RMSprop(lr=0.01, momentum=0.5, centered=True),
    ),
    "categorical_ce_logits_adagrad": (
        {"activations": ("elu", "gelu")},
        ln.losses.get("categorical_crossentropy", from_logits=True),
        np.eye(3)[LABELS],
        lambda: ln.optim.Adagrad(lr=0.1),
    ),
    "binary_ce_logits_adamw": (
        {"outputs": 1},
        ln.losses.get("binary_crossentropy", from_logits=True),
        (LABELS == 1).astype(float),
        lambda: ln.optim.AdamW(lr=0.01, weight_decay=0.1),
    ),
    "mse_tanh_output_nesterov": (
        {"outputs": 2, "output_activation": "tanh"},
        "mse",
        np.tanh(X[:, :2]),
        lambda: ln.optim.SGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    ),
    "l2_regularized_sgd": (
        {
            "kernel_regularizer": ln.regularizers.L2(0.1),
            "bias_regularizer": ln.regularizers.L1(0.01),
        },
        "softmax_cross_entropy",
        LABELS,
        lambda: ln.optim.SGD(lr=0.1),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_plan_gives_the_same_weights_and_losses_as_the_tape(case):
    options, loss, targets, make_optimizer = CASES[case]
    fast, slow = build(**options), build(**options)
    fast_history, fast_used = train(fast, loss, targets, make_optimizer(), use_plan=True)
    slow_history, slow_used = train(slow, loss, targets, make_optimizer(), use_plan=False)
    assert fast_used == [True] and slow_used == [False]
    for (name, a), (_, b) in zip(fast.state_dict().items(), slow.state_dict().items(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=name)
    for key in slow_history.history:
        np.testing.assert_allclose(
            fast_history.history[key], slow_history.history[key], rtol=1e-12, err_msg=key
        )


def test_plan_hands_back_the_same_optimizer_state():
    fast, slow = build(), build()
    fast_opt, slow_opt = ln.optim.Adam(lr=0.01), ln.optim.Adam(lr=0.01)
    train(fast, "softmax_cross_entropy", LABELS, fast_opt, use_plan=True)
    train(slow, "softmax_cross_entropy", LABELS, slow_opt, use_plan=False)
    fast_state, slow_state = fast_opt.state_dict()["state"], slow_opt.state_dict()["state"]
    assert fast_state.keys() == slow_state.keys()
    for index in slow_state:
        for key, value in slow_state[index].items():
            np.testing.assert_allclose(fast_state[index][key], value, rtol=1e-12)


def test_training_continues_identically_after_switching_between_plan_and_tape():
    fast, slow = build(), build()
    fast_opt = ln.optim.SGD(lr=0.1, momentum=0.9)
    slow_opt = ln.optim.SGD(lr=0.1, momentum=0.9)
    train(fast, "softmax_cross_entropy", LABELS, fast_opt, use_plan=True)
    train(slow, "softmax_cross_entropy", LABELS, slow_opt, use_plan=False)
    for model, optimizer in ((fast, fast_opt), (slow, slow_opt)):  # a manual tape step on both
        optimizer.zero_grad()
        ln.losses.softmax_cross_entropy(model(X), LABELS).backward()
        optimizer.step()
    train(fast, "softmax_cross_entropy", LABELS, fast_opt, use_plan=True)
    train(slow, "softmax_cross_entropy", LABELS, slow_opt, use_plan=False)
    for a, b in zip(fast.parameters(), slow.parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def test_plan_keeps_parameters_as_views_of_one_of_two_flat_buffers():
    model = build()
    optimizer = ln.optim.SGD(lr=0.1)
    train(model, "softmax_cross_entropy", LABELS, optimizer, use_plan=True)
    (group,) = model._flat_groups
    assert {id(p.data.base) for p in model.parameters()} == {id(group.parameter.data)}
    assert any(group.parameter.data is buffer for buffer in group.buffers)
    weight = model.layers[0].weight
    before = weight.data.copy()
    train(model, "softmax_cross_entropy", LABELS, optimizer, use_plan=True)
    assert model._flat_groups[0] is group  # reused, not rebuilt
    assert weight.data.base is group.parameter.data and not np.array_equal(weight.data, before)


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: ln.Sequential(
            [ln.layers.Dense(3, input_shape=(4,)), ln.layers.BatchNorm(), ln.layers.Dense(3)]
        ),
        lambda: ln.Sequential(
            [ln.layers.Dense(3, input_shape=(4,)), ln.layers.Dense(3, activation="softmax")]
        ),
    ],
    ids=["batchnorm", "softmax_output_with_logits_loss"],
)
def test_plan_declines_what_it_cannot_replay(make_model):
    model = make_model()
    model.compile(optimizer="sgd", loss="softmax_cross_entropy", lint=False)
    model.optimizer.bind(model.parameters())
    assert TrainingPlan.build(model, model._training_setup.loss, model.optimizer) is None


def test_health_monitor_uses_the_tape():
    model = build(activations=("relu", "relu"))
    model.compile(optimizer="sgd", loss="softmax_cross_entropy", lint=False)
    history = model.fit(X, LABELS, epochs=1, verbose=0, callbacks=[ln.callbacks.HealthMonitor()])
    assert getattr(model, "_training_plan", None) is None  # the monitor reads gradients on the tape
    assert len(history.health) == 1 and history.health[0][model.layers[0].name]["grad_norm"] > 0


def test_exploding_run_on_the_plan_stops_with_finite_weights():
    model = build(activations=("relu", "relu"), outputs=1)
    model.compile(optimizer=ln.optim.SGD(lr=1e6), loss="mse", lint=False)
    targets = X[:, :1] * 1e6
    with pytest.warns(NonFiniteLossWarning, match="epoch"):
        history = model.fit(X, targets, epochs=50, batch_size=8, verbose=0)
    assert history.stop_reason is not None
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X)


def test_plan_is_reused_by_the_next_fit_and_rebuilt_when_the_setup_changes():
    model = build()
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="softmax_cross_entropy", lint=False)
    model.fit(X, LABELS, epochs=1, verbose=0)
    first = model._training_plan
    model.fit(X, LABELS, epochs=1, verbose=0)
    assert model._training_plan is first
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="softmax_cross_entropy", lint=False)
    model.fit(X, LABELS, epochs=1, verbose=0)
    assert model._training_plan is not first


def test_plan_notices_a_weight_replaced_between_fits():
    model = build()
    model.compile(optimizer=ln.optim.SGD(lr=0.0), loss="softmax_cross_entropy", lint=False)
    model.fit(X, LABELS, epochs=1, verbose=0)
    replacement = np.zeros_like(model.layers[0].weight.data)
    model.layers[0].weight.data = replacement
    model.fit(X, LABELS, epochs=1, verbose=0)  # lr 0: the weights must stay what we set
    np.testing.assert_array_equal(model.layers[0].weight.data, 0)
