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
        fit_options = {"verbose": 0, **fit_options}
        history = model.fit(X, targets, epochs=epochs, batch_size=16, **fit_options)
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
    # plain SGD: the update happens inside the backward pass (lr folded into dL/dz)
    "plain_sgd_softmax_ce": ({}, "softmax_cross_entropy", LABELS, lambda: ln.optim.SGD(lr=0.1)),
    "plain_sgd_maximize_one_hot": (
        {},
        "softmax_cross_entropy",
        np.eye(3)[LABELS],
        lambda: ln.optim.SGD(lr=0.01, maximize=True),
    ),
    "plain_sgd_no_bias_tanh": (
        {"activations": ("tanh", "sigmoid"), "use_bias": False},
        "softmax_cross_entropy",
        LABELS,
        lambda: ln.optim.SGD(lr=0.1),
    ),
    "plain_sgd_mse_sigmoid_output": (
        {"outputs": 2, "output_activation": "sigmoid", "activations": ("elu", "relu")},
        "mse",
        (X[:, :2] > 0).astype(float),
        lambda: ln.optim.SGD(lr=0.5),
    ),
    "plain_sgd_binary_ce_logits": (
        {"outputs": 1},
        ln.losses.get("binary_crossentropy", from_logits=True),
        (LABELS == 1).astype(float),
        lambda: ln.optim.SGD(lr=0.2),
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
    assert any(group.parameter.data is buffer for buffer in group.buffers)
    assert all(np.shares_memory(p.data, group.parameter.data) for p in model.parameters())
    weight = model.layers[0].weight
    before = weight.data.copy()
    train(model, "softmax_cross_entropy", LABELS, optimizer, use_plan=True)
    assert model._flat_groups[0] is group  # reused, not rebuilt
    assert np.shares_memory(weight.data, group.parameter.data)
    assert not np.array_equal(weight.data, before)


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


def test_health_monitor_keeps_the_plan():
    model = build(activations=("relu", "relu"))
    model.compile(optimizer="sgd", loss="softmax_cross_entropy", lint=False)
    history = model.fit(X, LABELS, epochs=1, verbose=0, callbacks=[ln.callbacks.HealthMonitor()])
    assert model._training_setup.plan is not None  # it reads the plan's buffers
    assert len(history.health) == 1 and history.health[0][model.layers[0].name]["grad_norm"] > 0


def test_exploding_run_on_the_plan_stops_with_finite_weights():
    model = build(activations=("relu", "relu"), outputs=1)
    model.compile(optimizer=ln.optim.SGD(lr=1e6), loss="mse", lint=False)
    targets = X[:, :1] * 1e6
    with pytest.warns(NonFiniteLossWarning, match="epoch"):
        history = model.fit(X, targets, epochs=50, batch_size=8, verbose=2)
    assert history.stop_reason is not None
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X)


def test_plan_is_reused_by_the_next_fit_and_rebuilt_when_the_setup_changes():
    model = build()
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="softmax_cross_entropy", lint=False)
    model.fit(X, LABELS, epochs=1, verbose=0)
    first = model._training_setup.plan
    model.fit(X, LABELS, epochs=1, verbose=0)
    assert model._training_setup.plan is first
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="softmax_cross_entropy", lint=False)
    model.fit(X, LABELS, epochs=1, verbose=0)
    assert model._training_setup.plan is not first


def test_plan_notices_a_weight_replaced_between_fits():
    model = build()
    model.compile(optimizer=ln.optim.SGD(lr=0.0), loss="softmax_cross_entropy", lint=False)
    model.fit(X, LABELS, epochs=1, verbose=0)
    replacement = np.zeros_like(model.layers[0].weight.data)
    model.layers[0].weight.data = replacement
    model.fit(X, LABELS, epochs=1, verbose=0)  # lr 0: the weights must stay what we set
    np.testing.assert_array_equal(model.layers[0].weight.data, 0)


def _compare(fast, slow, rtol=1e-12, atol=1e-14):
    for (name, a), (_, b) in zip(fast.state_dict().items(), slow.state_dict().items(), strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)


def test_plain_sgd_updates_inside_the_backward_pass_and_keeps_no_gradient():
    model = build()
    train(model, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.1), use_plan=True)
    plan = model._training_setup.plan
    assert plan.fused and not plan._flips  # 79 weights: backed up by a copy
    assert all(p.grad is None for p in model.parameters())
    assert all(step.joined is not None for step in plan.steps)  # [W; b] in one matrix
    momentum = build()
    train(momentum, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.1, momentum=0.5), True)
    assert not momentum._training_setup.plan.fused
    assert all(p.grad is not None for p in momentum.parameters())


def test_parameter_groups_with_their_own_learning_rates_match_the_tape():
    def optimizer(model):
        weights = [layer.weight for layer in model.layers]
        biases = [layer.bias for layer in model.layers]
        return ln.optim.SGD([{"params": weights}, {"params": biases, "lr": 0.01}], lr=0.2)

    fast, slow = build(), build()
    train(fast, "softmax_cross_entropy", LABELS, optimizer(fast), use_plan=True)
    train(slow, "softmax_cross_entropy", LABELS, optimizer(slow), use_plan=False)
    plan = fast._training_setup.plan
    assert not plan.fused and all(step.joined is None for step in plan.steps)
    _compare(fast, slow)


def wide_model(dtype="float64"):
    ln.manual_seed(3)
    return ln.Sequential(
        [
            ln.layers.Dense(300, activation="relu", input_shape=(4,), dtype=dtype),
            ln.layers.Dense(300, activation="relu", dtype=dtype),
            ln.layers.Dense(3, dtype=dtype),
        ]
    )


def test_large_plain_sgd_flips_between_two_buffers_and_matches_the_tape():
    fast, slow = wide_model(), wide_model()
    train(fast, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.05), use_plan=True)
    train(slow, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.05), use_plan=False)
    assert fast._training_setup.plan._flips  # 92k weights: the update writes into the other buffer
    _compare(fast, slow)


def test_float32_plan_matches_the_tape_to_float32_precision():
    fast, slow = wide_model("float32"), wide_model("float32")
    fast_history, _ = train(fast, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.05), True)
    slow_history, _ = train(slow, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.05), False)
    assert fast.layers[0].weight.data.dtype == np.float32
    _compare(fast, slow, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(fast_history.history["loss"], slow_history.history["loss"], 1e-5)


def test_learning_rate_schedule_reaches_the_fused_update():
    histories = []
    models = wide_model(), wide_model()
    for model, use_plan in zip(models, (True, False), strict=True):
        optimizer = ln.optim.SGD(lr=0.1)
        schedule = ln.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.1)
        history, _ = train(
            model, "softmax_cross_entropy", LABELS, optimizer, use_plan, callbacks=[schedule]
        )
        histories.append(history.history["loss"])
    _compare(*models)
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-12)


@pytest.mark.parametrize(
    ("make_model", "outputs", "lr"),
    [(lambda: build(activations=("relu", "relu"), outputs=1), 1, 1e6), (wide_model, 3, 50.0)],
    ids=["copy_backup", "flip_backup"],
)
def test_exploding_plain_sgd_restores_the_same_weights_as_the_tape(make_model, outputs, lr):
    targets = np.tile(X[:, :1] * 1e3, (1, outputs))
    results = []
    for use_plan in (True, False):
        model = make_model()
        with pytest.warns(NonFiniteLossWarning):
            history, _ = train(
                model, "mse", targets, ln.optim.SGD(lr=lr), use_plan, epochs=30, verbose=2
            )
        assert history.stop_reason is not None
        results.append((model, len(history.history.get("loss", []))))
    (fast, fast_epochs), (slow, slow_epochs) = results
    assert fast_epochs == slow_epochs
    assert all(np.isfinite(p.data).all() for p in fast.parameters())
    _compare(fast, slow, rtol=1e-9)  # the same step; rounding grows with the weights


BENCHMARK_CONFIGS = {  # benchmarks/peers.py: sizes, hidden activations, batch
    "tiny": ((3, 3, 2, 2), ("sigmoid", "relu"), 5),
    "small": ((2, 16, 16, 2), ("relu", "relu"), 32),
    "mnist": ((784, 256, 128, 10), ("relu", "relu"), 128),
    "wide": ((1024, 1024, 1024, 10), ("relu", "relu"), 256),
}


@pytest.mark.parametrize("config", list(BENCHMARK_CONFIGS))
def test_plan_matches_the_tape_on_every_benchmark_config(config):
    sizes, activations, batch = BENCHMARK_CONFIGS[config]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3 * batch, sizes[0]))
    y = rng.integers(0, sizes[-1], 3 * batch)
    models = []
    for use_plan in (True, False):
        ln.manual_seed(0)
        layers = [
            ln.layers.Dense(
                units,
                activation=activations[i] if i < len(activations) else None,
                dtype="float64",
                **({"input_shape": (sizes[0],)} if i == 0 else {}),
            )
            for i, units in enumerate(sizes[1:])
        ]
        model = ln.Sequential(layers)
        model.compile(optimizer=ln.optim.SGD(lr=0.01), loss="softmax_cross_entropy", lint=False)
        original = TrainingPlan.build
        TrainingPlan.build = original if use_plan else (lambda *args: None)
        try:
            history = model.fit(x, y, epochs=2, batch_size=batch, shuffle=False, verbose=0)
        finally:
            TrainingPlan.build = original
        assert (model._training_setup.plan is not None) == use_plan
        models.append((model, history.history["loss"]))
    (fast, fast_loss), (slow, slow_loss) = models
    np.testing.assert_allclose(fast_loss, slow_loss, rtol=1e-12)
    _compare(fast, slow)
