"""Input validation at the door of fit/evaluate/predict: accepted forms and clear ValueErrors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lucidnet as ln

N, FEATURES, CLASSES = 12, 4, 3


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, FEATURES)), np.arange(N) % CLASSES


def classifier(compiled: bool = True, loss: str = "softmax_cross_entropy") -> ln.Sequential:
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(5, activation="relu", input_shape=(FEATURES,), dtype="float64"),
            ln.layers.Dense(CLASSES, dtype="float64"),
        ]
    )
    if compiled:
        model.compile(optimizer=ln.optim.SGD(lr=0.1), loss=loss, metrics=["accuracy"], lint=False)
    return model


def regressor() -> ln.Sequential:
    ln.manual_seed(0)
    model = ln.Sequential([ln.layers.Dense(1, input_shape=(FEATURES,), dtype="float64")])
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False)
    return model


def fit(model, x, y, **options):
    return model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0, **options)


# ---------------------------------------------------------------- accepted forms
def test_lists_and_pandas_objects_train_exactly_like_numpy_arrays():
    x, y = data()
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    runs = {
        "numpy": (x, y),
        "lists": (x.tolist(), y.tolist()),
        "pandas": (frame, pd.Series(y, name="label")),
    }
    results = {}
    for name, (features, targets) in runs.items():
        model = classifier()
        history = fit(model, features, targets)
        results[name] = (
            history.history,
            model.evaluate(features, targets),
            model.predict(features),
        )
    for name in ("lists", "pandas"):
        assert results[name][0] == results["numpy"][0]
        assert results[name][1] == results["numpy"][1]
        np.testing.assert_array_equal(results[name][2], results["numpy"][2])


def test_pandas_frames_with_mixed_and_nullable_numeric_columns_are_accepted():
    x, _y = data()
    frame = pd.DataFrame(
        {
            "count": np.arange(N),  # int64
            "flag": np.arange(N) % 2 == 0,  # bool
            "ratio": x[:, 2],  # float64
            "nullable": pd.array(np.arange(N), dtype="Int64"),  # extension dtype
        }
    )
    expected = np.column_stack([np.arange(N), np.arange(N) % 2 == 0, x[:, 2], np.arange(N)])
    model = classifier(compiled=False)
    np.testing.assert_array_equal(model.predict(frame), model.predict(expected))


def test_pandas_missing_value_is_reported_with_its_row_and_column():
    x, _ = data()
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["d"] = pd.array([1, 2, None, 4] * 3, dtype="Int64")
    with pytest.raises(ValueError, match=r"x contains nan at row 2, column 3"):
        classifier().predict(frame)


def test_pandas_series_as_targets_of_a_one_output_model():
    x, _ = data()
    target = pd.Series(x @ np.arange(1.0, FEATURES + 1))
    model = regressor()
    history = fit(model, pd.DataFrame(x), target)
    reference = regressor()
    reference_history = fit(reference, x, target.to_numpy().reshape(-1, 1))
    assert history.history == reference_history.history


# ---------------------------------------------------------------- lengths, shapes, counts
def test_mismatched_lengths_name_both_counts():
    x, y = data()
    with pytest.raises(ValueError, match=r"x has 12 samples but y has 11"):
        fit(classifier(), x, y[:-1])
    with pytest.raises(ValueError, match=r"12 samples but y has 13"):
        classifier().evaluate(x, np.append(y, 0))
    with pytest.raises(ValueError, match=r"validation y has 5"):
        fit(classifier(), x, y, validation_data=(x[:6], y[:5]))


def test_wrong_feature_count_says_expected_and_got():
    x, y = data()
    message = r"x has 3 features \(shape \(12, 3\)\) but the model expects 4"
    with pytest.raises(ValueError, match=message):
        fit(classifier(), x[:, :3], y)
    with pytest.raises(ValueError, match=message):
        classifier().evaluate(x[:, :3], y)
    with pytest.raises(ValueError, match=message):
        classifier(compiled=False).predict(x[:, :3])
    with pytest.raises(ValueError, match=r"validation x has 5 features"):
        fit(classifier(), x, y, validation_data=(np.ones((3, 5)), y[:3]))


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_one_dimensional_x_is_refused_with_the_reshape_hint(call):
    x, y = data()
    model = classifier()
    arguments = (x[:, 0],) if call == "predict" else (x[:, 0], y)
    with pytest.raises(ValueError, match=r"x must be 2-D.*got shape \(12,\).*reshape\(-1, 1\)"):
        getattr(model, call)(*arguments)


def test_one_hot_targets_of_the_wrong_width_are_refused():
    x, y = data()
    with pytest.raises(ValueError, match=r"y has 4 columns .* the model outputs 3"):
        fit(classifier(), x, np.eye(4)[y])


@pytest.mark.parametrize(
    ("x", "y", "argument"),
    [
        (np.empty((0, FEATURES)), np.empty((0,)), "x"),
        (np.ones((N, FEATURES)), np.empty((0,)), "y"),
        ([], [], "x"),
    ],
)
def test_empty_data_is_refused(x, y, argument):
    with pytest.raises(ValueError, match=rf"{argument} is empty"):
        fit(classifier(), x, y)


def test_empty_data_is_refused_by_predict():
    with pytest.raises(ValueError, match=r"x is empty \(shape \(0, 4\)\)"):
        classifier(compiled=False).predict(np.empty((0, FEATURES)))


def test_none_and_scalars_are_refused():
    x, _y = data()
    with pytest.raises(ValueError, match=r"y is None"):
        fit(classifier(), x, None)
    with pytest.raises(ValueError, match=r"x must have a sample axis"):
        classifier(compiled=False).predict(3.0)


def test_ragged_lists_are_refused():
    with pytest.raises(ValueError, match=r"x is ragged"):
        classifier(compiled=False).predict([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]])


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_features_name_the_first_bad_row_and_column(bad):
    x, y = data()
    x[7, 2] = bad
    x[9, 0] = bad
    message = rf"x contains {bad} at row 7, column 2"
    with pytest.raises(ValueError, match=message):
        fit(classifier(), x, y)
    with pytest.raises(ValueError, match=message):
        classifier().evaluate(x, y)
    with pytest.raises(ValueError, match=message):
        classifier(compiled=False).predict(x)


def test_non_finite_targets_and_validation_data_are_named():
    x, _ = data()
    target = x.sum(axis=1)
    target[4] = np.nan
    with pytest.raises(ValueError, match=r"y contains nan at row 4"):
        fit(regressor(), x, target)
    x_val = x.copy()
    x_val[1, 3] = np.inf
    with pytest.raises(ValueError, match=r"validation x contains inf at row 1, column 3"):
        fit(regressor(), x, x.sum(axis=1), validation_data=(x_val, x.sum(axis=1)))


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "sparse_categorical_crossentropy"])
@pytest.mark.parametrize(("label", "row"), [(3, 5), (-1, 5), (17, 0)])
def test_labels_outside_the_class_range_are_refused(loss, label, row):
    x, y = data()
    y[row] = label
    message = rf"y has label {label} at row {row}, outside the model's 3 classes \[0, 2\]"
    with pytest.raises(ValueError, match=message):
        fit(classifier(loss=loss), x, y)
    with pytest.raises(ValueError, match=message):
        fit(classifier(loss=loss), x, y.reshape(-1, 1))
    with pytest.raises(ValueError, match=message):
        classifier(loss=loss).evaluate(x, y)


def test_labels_outside_the_class_range_in_validation_data_are_named():
    x, y = data()
    with pytest.raises(ValueError, match=r"validation y has label 3 at row 0"):
        fit(classifier(), x, y, validation_data=(x[:2], [3, 0]))


def test_fractional_class_labels_are_refused():
    x, y = data()
    labels = y.astype(float)
    labels[3] = 1.5
    with pytest.raises(ValueError, match=r"integer class labels.*row 3 has \[1.5\]"):
        fit(classifier(), x, labels)


# ---------------------------------------------------------------- non-numeric data
def test_string_features_are_refused_with_the_first_bad_value():
    x, y = data()
    rows = x.astype(str).tolist()
    rows[2][1] = "seven"
    with pytest.raises(ValueError, match=r"x must be numeric.*'seven' at row 2, column 1"):
        fit(classifier(), rows, y)


def test_object_arrays_are_refused():
    x, y = data()
    mixed = x.astype(object)
    mixed[4, 0] = "n/a"
    with pytest.raises(ValueError, match=r"x must be numeric, got dtype object.*row 4, column 0"):
        fit(classifier(), mixed, y)


@pytest.mark.parametrize("column", [["red", "green", "blue"] * 4, pd.Categorical([1, 2, 3] * 4)])
def test_pandas_non_numeric_columns_are_named(column):
    x, y = data()
    frame = pd.DataFrame(x[:, :3], columns=["a", "b", "c"])
    frame["colour"] = column
    with pytest.raises(ValueError, match=r"x column 'colour' has non-numeric dtype"):
        fit(classifier(), frame, y)


def test_pandas_non_numeric_target_series_is_named():
    x, _ = data()
    labels = pd.Series(["cat", "dog", "cow"] * 4, name="animal")
    with pytest.raises(ValueError, match=r"y column 'animal' has non-numeric dtype"):
        fit(classifier(), x, labels)


# ---------------------------------------------------------------- compile and arguments
@pytest.mark.parametrize("call", ["fit", "evaluate"])
def test_an_uncompiled_model_cannot_fit_or_evaluate(call):
    x, y = data()
    model = classifier(compiled=False)
    with pytest.raises(ValueError, match=r"is not compiled: call model.compile"):
        getattr(model, call)(x, y)
    assert model.predict(x).shape == (N, CLASSES)  # predict needs no compile


def test_compile_refuses_the_zero_one_loss_and_a_missing_loss():
    model = classifier(compiled=False)
    with pytest.raises(ValueError, match=r"zero_one has no gradient"):
        model.compile(optimizer="sgd", loss="zero_one", lint=False)
    with pytest.raises(ValueError, match=r"compile needs a loss"):
        model.compile(optimizer="sgd", lint=False)
    with pytest.raises(ValueError, match=r"softmax_cross_entropy"):
        model.compile(optimizer="sgd", loss="cross_entropy_typo", lint=False)


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"epochs": -1}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": "3"}, "epochs"),
        ({"initial_epoch": -1}, "initial_epoch"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": -4}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"verbose": 3}, "verbose"),
        ({"verbose": "loud"}, "verbose"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"validation_split": -0.1}, "validation_split"),
        ({"validation_split": "0.2"}, "validation_split"),
        ({"validation_split": 0.01}, "validation_split"),  # no sample left for validation
        ({"validation_data": ([[1.0] * FEATURES],)}, "validation_data"),
    ],
)
def test_bad_fit_arguments_raise_value_error_naming_the_argument(options, argument):
    x, y = data()
    defaults = {"epochs": 1, "verbose": 0}
    with pytest.raises(ValueError, match=argument):
        classifier().fit(x, y, **{**defaults, **options})


@pytest.mark.parametrize("batch_size", [0, -1, 1.5])
def test_bad_batch_size_is_refused_by_evaluate_and_predict(batch_size):
    x, y = data()
    with pytest.raises(ValueError, match="batch_size"):
        classifier().evaluate(x, y, batch_size=batch_size)
    with pytest.raises(ValueError, match="batch_size"):
        classifier().predict(x, batch_size=batch_size)


def test_validation_errors_leave_the_model_untouched():
    x, y = data()
    model = classifier()
    before = [p.data.copy() for p in model.parameters()]
    y[0] = 5
    with pytest.raises(ValueError, match=r"y has label 5 at row 0, outside the model's 3 classes"):
        fit(model, x, y)
    for parameter, saved in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(parameter.data, saved)
