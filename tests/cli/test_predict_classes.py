"""``lucidnet predict`` adds a predicted_class column for classifiers."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import lucidnet as ln
from lucidnet.cli.main import main

X = np.array([[0.1, 0.2], [-0.5, 0.3], [0.0, -0.9], [2.0, 1.0]])


def predict(tmp_path, model, *options: str) -> list[list[str]]:
    model.save(tmp_path / "model.safetensors")
    np.savetxt(tmp_path / "points.csv", X, delimiter=",")
    result = CliRunner().invoke(
        main,
        ["predict", str(tmp_path / "model.safetensors"), str(tmp_path / "points.csv"), *options],
    )
    assert result.exit_code == 0, result.output
    return [line.split(",") for line in result.output.strip().splitlines()]


def dense_model(units: int, activation: str | None) -> ln.Sequential:
    return ln.Sequential([ln.layers.Dense(units, activation=activation, input_shape=(2,))])


def test_softmax_classifier_gets_the_argmax_class(tmp_path) -> None:
    model = dense_model(3, "softmax")
    header, *rows = predict(tmp_path, model)
    assert header == ["output_0", "output_1", "output_2", "predicted_class"]
    expected = model.predict(X).argmax(axis=1)
    assert [int(row[-1]) for row in rows] == expected.tolist()


def test_one_sigmoid_output_is_cut_at_one_half(tmp_path) -> None:
    model = dense_model(1, "sigmoid")
    model.layers[0].weight.data[...] = [[4.0], [0.0]]
    header, *rows = predict(tmp_path, model)
    assert header == ["output_0", "predicted_class"]
    assert [int(row[-1]) for row in rows] == [1, 0, 0, 1]


@pytest.mark.parametrize(
    ("activation", "options", "column"),
    [
        (None, (), False),
        (None, ("--classes",), True),
        ("softmax", ("--no-classes",), False),
    ],
)
def test_logits_or_regression_get_the_column_only_when_asked(
    tmp_path, activation, options, column
) -> None:
    model = dense_model(2, activation)
    header, *rows = predict(tmp_path, model, *options)
    assert ("predicted_class" in header) is column
    if column:
        assert [int(row[-1]) for row in rows] == model.predict(X).argmax(axis=1).tolist()
