"""Metrics against scikit-learn: accuracy (binary, categorical, sparse inferred from shapes),
precision/recall/F1 (binary and averaged), mse/mae, and the registry."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as sk

import lucidnet as ln
from lucidnet.training import metrics

_rng = np.random.default_rng(0)
N, CLASSES = 40, 4
SCORES = _rng.normal(size=(N, CLASSES))
LABELS = _rng.integers(0, CLASSES, N)
LABELS[:CLASSES] = np.arange(CLASSES)
PROBABILITY = _rng.uniform(size=N)
BINARY = _rng.integers(0, 2, N)


def test_binary_accuracy_thresholds_one_column_at_one_half():
    expected = sk.accuracy_score(BINARY, PROBABILITY > 0.5)
    assert metrics.accuracy(PROBABILITY, BINARY) == pytest.approx(expected)
    assert metrics.accuracy(PROBABILITY[:, None], BINARY) == pytest.approx(expected)
    assert metrics.accuracy(PROBABILITY[:, None], BINARY[:, None]) == pytest.approx(expected)
    assert metrics.accuracy([0.2, 0.5, 0.51, 0.9], [0, 1, 1, 0]) == pytest.approx(0.5)
    for labels in (BINARY.astype(np.uint8), BINARY.astype(bool), 2 * BINARY - 1):
        assert metrics.accuracy(PROBABILITY, labels) == pytest.approx(expected)


def test_categorical_and_sparse_accuracy_use_the_argmax():
    expected = sk.accuracy_score(LABELS, SCORES.argmax(axis=1))
    assert metrics.accuracy(SCORES, LABELS) == pytest.approx(expected)
    assert metrics.accuracy(SCORES, np.eye(CLASSES)[LABELS]) == pytest.approx(expected)
    assert metrics.accuracy(ln.tensor(SCORES), ln.tensor(LABELS)) == pytest.approx(expected)
    assert isinstance(metrics.accuracy(SCORES, LABELS), float)


def test_zero_one_metric_is_one_minus_accuracy():
    assert metrics.zero_one(SCORES, LABELS) == pytest.approx(1 - metrics.accuracy(SCORES, LABELS))
    assert metrics.get("zero_one")(PROBABILITY, BINARY) == pytest.approx(
        1 - sk.accuracy_score(BINARY, PROBABILITY > 0.5)
    )


def test_accuracy_rejects_labels_outside_the_classes_and_bad_shapes():
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        metrics.accuracy(SCORES, np.full(N, CLASSES))
    with pytest.raises(ValueError, match="shape"):
        metrics.accuracy(PROBABILITY, BINARY[:10])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (metrics.precision, sk.precision_score),
        (metrics.recall, sk.recall_score),
        (metrics.f1, sk.f1_score),
    ],
)
def test_binary_scores_match_scikit_learn(ours, theirs):
    expected = theirs(BINARY, PROBABILITY > 0.5, zero_division=0)
    assert ours(PROBABILITY, BINARY) == pytest.approx(expected)
    two_columns = np.stack([1 - PROBABILITY, PROBABILITY], axis=1)
    assert ours(two_columns, BINARY) == pytest.approx(expected)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (metrics.precision, sk.precision_score),
        (metrics.recall, sk.recall_score),
        (metrics.f1, sk.f1_score),
    ],
)
def test_multiclass_scores_match_scikit_learn(ours, theirs, average):
    predicted = SCORES.argmax(axis=1)
    expected = theirs(LABELS, predicted, average=average, zero_division=0)
    assert ours(SCORES, LABELS, average=average) == pytest.approx(expected)


def test_macro_average_skips_classes_absent_from_labels_and_predictions():
    scores = np.eye(5)[[0, 1, 1, 0]]  # classes 2-4 never occur
    labels = np.array([0, 1, 0, 0])
    expected = sk.f1_score(labels, scores.argmax(axis=1), average="macro", zero_division=0)
    assert metrics.f1(scores, labels, average="macro") == pytest.approx(expected)


def test_scores_with_no_predicted_positive_are_zero():
    assert metrics.precision([0.1, 0.2], [1, 0]) == 0.0
    assert metrics.f1([0.1, 0.2], [0, 0]) == 0.0


def test_binary_average_with_several_classes_raises_and_points_to_macro():
    with pytest.raises(ValueError, match="macro"):
        metrics.f1(SCORES, LABELS)
    with pytest.raises(ValueError, match="average"):
        metrics.recall(SCORES, LABELS, average="mean")


def test_mse_and_mae_match_scikit_learn():
    y_pred, y_true = _rng.normal(size=(N, 2)), _rng.normal(size=(N, 2))
    assert metrics.mse(y_pred, y_true) == pytest.approx(sk.mean_squared_error(y_true, y_pred))
    assert metrics.mae(y_pred, y_true) == pytest.approx(sk.mean_absolute_error(y_true, y_pred))
    with pytest.raises(ValueError, match="shape"):
        metrics.mse(y_pred[:, :1], y_true[:, 0])


def test_registry_resolves_names_aliases_and_options():
    assert set(metrics.available()) == {
        "accuracy",
        "precision",
        "recall",
        "f1",
        "mse",
        "mae",
        "zero_one",
    }
    assert metrics.get("acc").name == "accuracy"
    assert metrics.get("mean_squared_error").name == "mse"
    macro = metrics.get("f1", average="macro")
    assert macro.get_config() == {"average": "macro"}
    assert macro(SCORES, LABELS) == pytest.approx(metrics.f1(SCORES, LABELS, average="macro"))
    assert metrics.get(metrics.recall).name == "recall"
    assert ln.metrics is metrics


def test_registry_rejects_unknown_names_and_options():
    with pytest.raises(ValueError, match="accuracy"):
        metrics.get("accuracyy")
    with pytest.raises(TypeError):
        metrics.get("accuracy", average="macro")
    with pytest.raises(ValueError, match="average"):
        metrics.get("f1", average="median")


EMPTY_INPUTS = {
    "binary_1d": (np.zeros((0,)), np.zeros((0,))),
    "binary_column": (np.zeros((0, 1)), np.zeros((0, 1))),
    "categorical": (np.zeros((0, 3)), np.zeros((0, 3))),
    "sparse": (np.zeros((0, 3)), np.zeros((0,), dtype=np.int64)),
}


@pytest.mark.parametrize(
    "name", ["accuracy", "precision", "recall", "f1", "zero_one", "mse", "mae"]
)
@pytest.mark.parametrize(("y_pred", "y_true"), EMPTY_INPUTS.values(), ids=EMPTY_INPUTS)
def test_every_metric_on_empty_input_raises_a_clear_value_error_not_nan(name, y_pred, y_true):
    with pytest.raises(ValueError, match=r"empty \(shape \(0,?.*\)\).* at least one"):
        ln.metrics.get(name)(y_pred, y_true)
