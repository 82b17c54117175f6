"""Client messages are checked against their own schema: exact keys, JSON types, ranges, enums."""

from __future__ import annotations

import json

import pytest

from lucidnet.playground.protocol import (
    DEFAULT_SETTINGS,
    HIDDEN_ACTIVATIONS,
    INITIALIZERS,
    ProtocolError,
    combine,
    parse_message,
)


def message(**fields: object) -> str:
    return json.dumps(fields)


def test_every_activation_but_softmax_and_every_initializer_is_offered() -> None:
    assert "softmax" not in HIDDEN_ACTIVATIONS and "log_softmax" not in HIDDEN_ACTIVATIONS
    assert {"relu", "tanh", "sigmoid", "gelu", "mish", "selu", "hard_tanh"} <= set(
        HIDDEN_ACTIVATIONS
    )
    assert {"auto", "zeros", "xavier_uniform", "kaiming_normal", "orthogonal"} <= set(INITIALIZERS)


def test_a_valid_settings_message_comes_back_checked() -> None:
    parsed = parse_message(
        message(
            type="settings", settings={"layers": [{"units": 3, "activation": "relu"}], "noise": 5}
        )
    )
    assert parsed == {
        "type": "settings",
        "settings": {"layers": [{"units": 3, "activation": "relu"}], "noise": 5.0},
    }


def test_features_come_back_in_the_pages_order() -> None:
    parsed = parse_message(message(type="settings", settings={"features": ["sinx1", "x1"]}))
    assert parsed["settings"]["features"] == ["x1", "sinx1"]


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("not json", "JSON"),
        ("[1, 2]", "object"),
        (message(kind="play"), "type"),
        (message(type="launch"), "type"),
        (message(type="play", extra=1), "unknown keys"),
        (message(type="reset"), "lacks"),
        (message(type="reset", keep_init=1), "true or false"),
        (message(type="settings", settings={"batch_size": True}), "integer"),
        (message(type="settings", settings={"batch_size": 2.5}), "integer"),
        (message(type="settings", settings={"learning_rate": 0}), "learning_rate"),
        (message(type="settings", settings={"learning_rate": "0.1"}), "learning_rate"),
        (message(type="settings", settings={"n_samples": 5001}), "n_samples"),
        (
            message(type="settings", settings={"layers": [{"units": 4, "activation": "tanh"}] * 9}),
            "at most 8",
        ),
        (
            message(type="settings", settings={"layers": [{"units": 65, "activation": "tanh"}]}),
            "units",
        ),
        (
            message(type="settings", settings={"layers": [{"units": 4, "activation": "softmax"}]}),
            "activation",
        ),
        (message(type="settings", settings={"layers": [{"units": 4}]}), "exactly"),
        (message(type="settings", settings={"features": []}), "features"),
        (message(type="settings", settings={"features": ["x1", "x1"]}), "distinct"),
        (message(type="settings", settings={"dataset": "mnist"}), "dataset"),
        (message(type="settings", settings={"volume": 3}), "unknown settings"),
        (message(type="set_weight", layer=0, unit=0, source=-2, value=1.0), "source"),
    ],
)
def test_a_message_that_breaks_its_schema_is_refused_with_the_reason(
    text: str, complaint: str
) -> None:
    with pytest.raises(ProtocolError, match=complaint):
        parse_message(text)


def test_the_problem_follows_the_dataset_and_the_loss_follows_the_problem() -> None:
    settings = combine(DEFAULT_SETTINGS, {"dataset": "plane"})
    assert (settings["problem"], settings["loss"]) == ("regression", "mse")
    back = combine(settings, {"dataset": "spiral"})
    assert (back["problem"], back["loss"]) == ("classification", "softmax_cross_entropy")


def test_a_binary_loss_with_three_classes_is_an_error_that_names_the_fix() -> None:
    with pytest.raises(ValueError, match="softmax_cross_entropy"):
        combine(
            DEFAULT_SETTINGS, {"dataset": "spiral", "classes": 3, "loss": "binary_crossentropy"}
        )
