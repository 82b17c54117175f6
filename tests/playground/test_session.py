"""The session logic without a server: data, initial weights, live changes, health, lint, NaN."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.playground import data, frames
from lucidnet.playground.session import Session, display_values

TANH_NET = [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}]


def initial_kernels(session: Session) -> list[np.ndarray]:
    return [w.copy() for w in session.weights()]


def forward(state: dict, inputs: np.ndarray) -> np.ndarray:
    """The served network recomputed from /api/state's weights with NumPy alone."""
    values = inputs.astype(np.float64)
    for layer in state["layers"]:
        z = values @ np.array(layer["kernel"]) + np.array(layer["bias"])
        values = ln.activations.get(layer["activation"]).forward(z)
    return values


@pytest.mark.parametrize("dataset", data.CLASSIFICATION_SETS + data.REGRESSION_SETS)
def test_same_seed_and_settings_give_the_same_data_and_initial_weights(dataset: str) -> None:
    settings = {"dataset": dataset, "seed": 11, "noise": 20, "classes": 3}
    first, second = Session(settings), Session(settings)
    for key in ("points_train", "y_train", "points_test", "y_test"):
        np.testing.assert_array_equal(first.data[key], second.data[key])
    for a, b in zip(first.weights(), second.weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    other = Session({**settings, "seed": 12})
    assert not np.array_equal(first.data["points_train"], other.data["points_train"])


def test_classes_give_one_logit_per_class_and_the_split_follows_the_ratio() -> None:
    session = Session({"dataset": "spiral", "classes": 5, "n_samples": 400, "train_ratio": 30})
    assert session.model.layers[-1].units == 5
    assert sorted(set(session.data["y_train"].tolist())) == [0, 1, 2, 3, 4]
    assert (len(session.x_train), len(session.x_test)) == (120, 280)


def test_the_seven_features_are_the_formulas_of_the_point() -> None:
    point = np.array([[2.0, -0.5]])
    values = data.features(point, list(data.FEATURES), dtype=np.float64)[0]
    np.testing.assert_allclose(values, [2.0, -0.5, 4.0, 0.25, -1.0, np.sin(2.0), np.sin(-0.5)])


def test_the_grid_predictions_equal_the_network_recomputed_from_the_state() -> None:
    session = Session({"dataset": "xor", "features": ["x1", "x2", "x1x2"], "seed": 2})
    for _ in range(3):
        session.train_epoch()
    state = session.state()
    grid = data.features(data.grid_points(), state["settings"]["features"])
    np.testing.assert_allclose(state["predictions"], forward(state, grid), rtol=1e-5, atol=1e-5)
    assert state["epoch"] == 3 and len(state["layers"]) == 3


def test_reset_with_keep_init_restores_the_initial_weights_and_without_it_draws_new_ones() -> None:
    session = Session({"layers": TANH_NET, "seed": 4})
    start = initial_kernels(session)
    for _ in range(2):
        session.train_epoch()
    assert not np.array_equal(session.weights()[0], start[0])
    session.reset(keep_init=True)
    assert session.epoch == 0
    for a, b in zip(session.weights(), start, strict=True):
        np.testing.assert_array_equal(a, b)
    session.reset(keep_init=False)
    assert not np.array_equal(session.weights()[0], start[0])


def test_learning_rate_regularization_and_batch_size_change_without_a_reset() -> None:
    session = Session({"seed": 5})
    session.train_epoch()
    trained = initial_kernels(session)
    assert (
        session.update(
            {
                "learning_rate": 0.3,
                "batch_size": 25,
                "regularization": "l2",
                "regularization_rate": 0.01,
            }
        )
        == "live"
    )
    assert session.epoch == 1
    for a, b in zip(session.weights(), trained, strict=True):
        np.testing.assert_array_equal(a, b)
    assert session.model.optimizer.param_groups[0]["lr"] == 0.3
    assert all(
        isinstance(layer.kernel_regularizer, ln.regularizers.L2) for layer in session.model.layers
    )
    session.train_epoch()
    assert session.epoch == 2


def test_changing_the_network_rebuilds_it() -> None:
    session = Session({"seed": 5})
    session.train_epoch()
    assert session.update({"layers": [{"units": 6, "activation": "relu"}]}) == "model"
    assert session.epoch == 0 and session.model.layers[0].units == 6


def test_a_diverging_learning_rate_pauses_with_the_cause_and_keeps_finite_weights() -> None:
    session = Session(
        {
            "dataset": "plane",
            "layers": [{"units": 8, "activation": "identity"}] * 2,
            "optimizer": "sgd",
            "learning_rate": 10.0,
            "seed": 1,
        }
    )
    results = [session.train_epoch() for _ in range(5)]
    assert any("nan" in result for result in results)
    assert session.nan["cause"] in ("non_finite", "lr_high")  # the guard's Advice, or ours
    assert session.nan["remedy"] == {"action": "set_lr", "value": 1.0}
    assert "learning rate" in session.nan["fix"]
    assert all(np.isfinite(w).all() for w in session.weights())


def test_the_health_panel_names_dead_relu_layers_and_marks_their_neurons() -> None:
    session = Session(
        {
            "dataset": "spiral",
            "layers": [{"units": 8, "activation": "relu"}] * 3,
            "initializer": "auto",
            "seed": 1,
            "health_every": 1,
        }
    )
    session.update({"learning_rate": 10.0})
    for _ in range(5):
        if "nan" in session.train_epoch():
            break
    rows = {row["layer"]: row for row in session.health["layers"]}
    dead_layers = [name for name, row in rows.items() if row.get("dead_fraction", 0) > 0.5]
    assert dead_layers, rows
    assert "dead" in " ".join(rows[dead_layers[0]]["notes"])
    index = int(dead_layers[0].split("_")[1]) - 1
    assert "dead" in session.neuron_health[index]


def test_lint_flags_a_network_without_non_linearity_and_a_constant_init() -> None:
    linear = Session({"layers": [{"units": 4, "activation": "identity"}] * 2})
    assert linear.lint and any("linear" in item["message"] for item in linear.lint)
    constant = Session({"initializer": "zeros"})
    assert any(item["severity"] in ("warning", "error") for item in constant.lint)
    assert Session({"layers": [{"units": 8, "activation": "relu"}]}).lint == []


def test_display_values_are_p1_minus_p0_for_two_logits_and_probabilities_for_more() -> None:
    two = display_values(
        {
            "problem": "classification",
            "loss": "softmax_cross_entropy",
            "dataset": "circle",
            "classes": 2,
        },
        np.array([[0.0, np.log(3.0)]]),
    )
    np.testing.assert_allclose(two, [[0.5]], rtol=1e-6)
    three = display_values(
        {
            "problem": "classification",
            "loss": "softmax_cross_entropy",
            "dataset": "spiral",
            "classes": 3,
        },
        np.zeros((1, 3)),
    )
    np.testing.assert_allclose(three, [[1 / 3] * 3], rtol=1e-6)


def test_a_frame_carries_the_output_grid_the_neurons_and_the_weights() -> None:
    session = Session({"layers": TANH_NET})
    header, arrays = frames.decode(frames.encode(*session.frame()))
    assert arrays["output"].shape == (data.GRID, data.GRID, 1)
    res = session.neuron_resolution
    assert arrays["neurons"].shape == (6, res, res)
    np.testing.assert_array_equal(arrays["W1"], session.weights()[0])
    assert header["epoch"] == 0 and header["metric"] == "accuracy"


def test_preflight_advice_is_shown_when_lucidnet_has_it_and_the_weights_are_untouched(
    monkeypatch,
) -> None:
    from dataclasses import dataclass

    @dataclass
    class Advice:
        code: str
        severity: str
        cause: str
        where: str
        message: str
        fix: str
        remedy: dict
        evidence: dict

    def preflight(model, x, y, loss=None, *, time_budget=1.0):
        for layer in model.layers:
            layer.weight.data[...] = 0.0  # a preflight that trains a copy badly must not leak
        return [
            Advice(
                "P001",
                "warning",
                "input_scale",
                "data",
                "x1sq is 36x larger",
                "standardize",
                {"action": "standardize_inputs"},
                {},
            )
        ]

    plain = Session({"seed": 8})
    monkeypatch.setattr(ln, "preflight", preflight, raising=False)
    session = Session({"seed": 8})
    assert session.lint == [
        {
            "code": "P001",
            "severity": "warning",
            "cause": "input_scale",
            "where": "data",
            "message": "x1sq is 36x larger",
            "fix": "standardize",
            "remedy": {"action": "standardize_inputs"},
        }
    ]
    for a, b in zip(session.weights(), plain.weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_tiny_updates_under_a_vanishing_gradient_are_reported_as_that_one_cause() -> None:
    from lucidnet.playground import doctor

    session = Session({"layers": [{"units": 4, "activation": "sigmoid"}] * 3})
    figures = {
        "hidden_1": {"grad_norm": 1e-7, "update_ratio": 1e-8, "saturation_fraction": 0.0},
        "hidden_2": {"grad_norm": 1e-4, "update_ratio": 1e-5, "saturation_fraction": 0.0},
        "hidden_3": {"grad_norm": 1e-3, "update_ratio": 1e-4, "saturation_fraction": 0.0},
        "output": {"grad_norm": 1e-1, "update_ratio": 1e-3},
        "first_last_grad_ratio": 1e-6,
    }
    rows = doctor.layer_rows(session.model, figures, session.settings)
    notes = [note for row in rows for note in row["notes"]]
    assert len(notes) == 1 and "vanishes" in notes[0] and rows[0]["status"] == "problem"
    healthy_ratio = {**figures, "first_last_grad_ratio": 0.5}
    notes = [
        n
        for row in doctor.layer_rows(session.model, healthy_ratio, session.settings)
        for n in row["notes"]
    ]
    assert notes == ["the weights barely move (1.0e-08 per step): raise the learning rate"]


@pytest.mark.parametrize(
    "settings",
    [
        *(
            {"initializer": name}
            for name in ("auto", "zeros", "orthogonal", "variance_scaling", "uniform")
        ),
        *(
            {"layers": [{"units": 3, "activation": name}]}
            for name in ("gelu", "selu", "mish", "hard_sigmoid")
        ),
        *({"loss": name} for name in ("binary_crossentropy", "hinge", "multiclass_hinge")),
        *({"dataset": "multi_gauss", "loss": name} for name in ("mae", "huber")),
        *({"optimizer": name} for name in ("adagrad", "rmsprop", "adamw")),
        {"layers": [], "n_samples": 20, "train_ratio": 10, "batch_size": 5000},
    ],
)
def test_every_choice_of_the_page_builds_trains_and_draws(settings: dict) -> None:
    session = Session(settings)
    assert session.train_epoch()["epoch"] == 1
    header, arrays = session.frame()
    assert np.isfinite(arrays[0][1]).all() and header["epoch"] == 1


def test_an_unexpected_error_pauses_and_is_reported_without_killing_the_worker() -> None:
    import threading

    from lucidnet.playground.runner import Runner

    news = threading.Event()
    runner = Runner(Session({"seed": 1}), news.set)

    def broken() -> dict:
        raise RuntimeError("boom")

    runner.session.train_epoch = broken
    runner.start()
    try:
        runner.submit({"type": "step"})
        messages: list[dict] = []
        for _ in range(100):
            news.wait(1)
            news.clear()
            messages += runner.take()[0]
            if any(m["type"] == "error" for m in messages):
                break
        assert {"type": "error", "message": "RuntimeError: boom"} in messages
        assert runner.thread.is_alive() and not runner.playing
    finally:
        runner.stop()
    assert not runner.thread.is_alive()
