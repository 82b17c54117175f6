"""lucidnet.sklearn: MLPClassifier and MLPRegressor against scikit-learn's checks and its own MLP."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import lucidnet as ln
from lucidnet.sklearn import MLPClassifier, MLPRegressor

# Short trainings stop at max_iter on purpose; the warning itself is tested below.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _blobs(n_per_class: int = 30, n_classes: int = 3, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Well separated Gaussian blobs in 4-D (centers 5 * e_k, unit noise), labels 0..n_classes-1."""
    rng = np.random.default_rng(seed)
    centers = 5.0 * np.eye(4)[:n_classes]
    x = np.concatenate([c + rng.normal(size=(n_per_class, 4)) for c in centers])
    y = np.repeat(np.arange(n_classes), n_per_class)
    return x, y


@pytest.fixture(scope="module")
def digits_split() -> tuple[np.ndarray, ...]:
    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test


# ---------------------------------------------------------------- scikit-learn's own checks
@parametrize_with_checks([MLPClassifier(max_iter=50), MLPRegressor(max_iter=50)])
def test_passes_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_class_docstring_holds_the_description_parameters_and_notes(estimator):
    doc = estimator.__doc__
    assert doc.startswith("Multi-layer perceptron")
    assert "Parameters\n    ----------" in doc and "hidden_layer_sizes : " in doc
    assert "Notes\n    -----" in doc
    assert ("classes_ : ndarray" in doc) == (estimator is MLPClassifier)


# ---------------------------------------------------------------- same objective as scikit-learn
@pytest.mark.parametrize("task", ["regression", "multi_output_regression", "binary", "multiclass"])
def test_one_sgd_epoch_equals_scikit_learn_from_the_same_weights(task):
    # Same start weights, plain SGD, no shuffling, a short last batch (20 = 7 + 7 + 6) and a
    # strong L2 penalty: every update must equal scikit-learn's, so the loss, its per-batch
    # L2 scaling alpha / (2 |B|) and the gradients are scikit-learn's.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3))
    y = {
        "regression": rng.normal(size=20),
        "multi_output_regression": rng.normal(size=(20, 2)),
        "binary": rng.integers(0, 2, 20),
        "multiclass": rng.integers(0, 3, 20),
    }[task]
    ours_class, theirs_class = (
        (MLPRegressor, SklearnMLPRegressor)
        if "regression" in task
        else (MLPClassifier, SklearnMLPClassifier)
    )
    options = dict(
        hidden_layer_sizes=(5, 4),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=0.1,
        alpha=0.3,
        batch_size=7,
        shuffle=False,
        max_iter=1,
        random_state=0,
    )
    ours, theirs = ours_class(**options).fit(x, y), theirs_class(**options).fit(x, y)
    for mine, reference in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        mine[...] = reference
    ours.partial_fit(x, y)
    theirs.partial_fit(x, y)
    for mine, reference in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    if task != "multi_output_regression":  # scikit-learn reports 1/k of the data term there
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)


def test_digits_accuracy_is_within_one_point_of_scikit_learn(digits_split):
    x_train, x_test, y_train, y_test = digits_split
    ours, theirs = [], []
    for seed in range(3):
        options = dict(
            hidden_layer_sizes=(64,), solver="adam", max_iter=50, batch_size=200, random_state=seed
        )
        ours.append(MLPClassifier(**options).fit(x_train, y_train).score(x_test, y_test))
        theirs.append(SklearnMLPClassifier(**options).fit(x_train, y_train).score(x_test, y_test))
    print(
        f"\ndigits test accuracy, mean of 3 seeds: lucidnet {100 * np.mean(ours):.2f}% "
        f"{np.round(100 * np.array(ours), 2)}, scikit-learn {100 * np.mean(theirs):.2f}% "
        f"{np.round(100 * np.array(theirs), 2)}"
    )
    assert np.mean(ours) >= np.mean(theirs) - 0.01
    assert min(ours) > 0.93


# ---------------------------------------------------------------- ecosystem
def test_grid_search_with_two_processes_picks_a_model(digits_split):
    x_train, x_test, y_train, y_test = digits_split
    search = GridSearchCV(
        MLPClassifier(learning_rate_init=0.01, max_iter=20, random_state=0),
        {"hidden_layer_sizes": [(16,), (32,)]},
        cv=3,
        n_jobs=2,
    )
    search.fit(x_train[:600], y_train[:600])
    assert search.best_params_["hidden_layer_sizes"] in [(16,), (32,)]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.coefs_[0].shape == (
        64,
        search.best_params_["hidden_layer_sizes"][0],
    )
    assert search.score(x_test, y_test) > 0.85


def test_pipeline_with_standard_scaler_fits_and_scores():
    x, y = load_digits(return_X_y=True)
    pipeline = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=30, random_state=0
        ),
    )
    pipeline.fit(x[:1200], y[:1200])
    assert pipeline.score(x[1200:], y[1200:]) > 0.88


# ---------------------------------------------------------------- fitted attributes and outputs
def test_coefs_have_scikit_learn_layout_and_are_the_model_weights():
    x, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=5, random_state=0)
    clf.fit(x, y)
    assert [w.shape for w in clf.coefs_] == [(4, 7), (7, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (5,), (3,)]
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (4, 3, "softmax")
    assert clf.n_features_in_ == 4 and clf.n_iter_ == 5 and len(clf.loss_curve_) == 5
    assert isinstance(clf.model_, ln.Sequential)
    # coefs_ are the model's arrays: a forward pass by hand gives the model's logits.
    hidden = np.maximum(x @ clf.coefs_[0] + clf.intercepts_[0], 0)
    hidden = np.maximum(hidden @ clf.coefs_[1] + clf.intercepts_[1], 0)
    logits = hidden @ clf.coefs_[2] + clf.intercepts_[2]
    np.testing.assert_allclose(clf.model_.predict(x), logits, rtol=1e-10)


def test_predict_proba_is_softmax_of_logits_and_rows_sum_to_one():
    x, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(x, y)
    probabilities = clf.predict_proba(x)
    logits = clf.model_.predict(x)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(x), np.log(probabilities), rtol=1e-8)
    np.testing.assert_array_equal(clf.predict(x), clf.classes_[probabilities.argmax(axis=1)])
    assert clf.score(x, y) > 0.95


def test_binary_classifier_has_one_logit_and_sigmoid_probabilities():
    x, y = _blobs(n_classes=2)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=200, random_state=0).fit(x, y)
    logit = clf.model_.predict(x)[:, 0]
    assert clf.coefs_[-1].shape == (8, 1) and clf.out_activation_ == "logistic"
    np.testing.assert_allclose(clf.predict_proba(x)[:, 1], 1 / (1 + np.exp(-logit)), rtol=1e-10)
    np.testing.assert_array_equal(clf.predict(x), (logit > 0).astype(int))


def test_string_labels_are_learned_and_predicted():
    x, y = _blobs()
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(x, names)
    np.testing.assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    assert clf.predict(x).dtype.kind == "U"
    assert np.mean(clf.predict(x) == names) > 0.95


def test_multilabel_targets_are_rejected():
    x, _ = _blobs()
    y = np.random.default_rng(0).integers(0, 2, size=(len(x), 3))
    with pytest.raises(ValueError, match="1d array"):  # scikit-learn's validation refuses 2-D y
        MLPClassifier(max_iter=2).fit(x, y)


def test_regressor_fits_a_smooth_function_with_one_and_several_outputs():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(300, 2))
    y = np.column_stack([np.sin(x[:, 0]) + x[:, 1], x[:, 0] * x[:, 1]])
    single = MLPRegressor(
        hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0
    ).fit(x, y[:, 0])
    assert single.predict(x).shape == (300,) and single.out_activation_ == "identity"
    assert single.score(x, y[:, 0]) > 0.95
    double = MLPRegressor(
        hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0
    ).fit(x, y)
    assert double.predict(x).shape == (300, 2) and double.n_outputs_ == 2
    assert double.score(x, y) > 0.9


# ---------------------------------------------------------------- incremental and warm training
def test_partial_fit_needs_classes_first_and_runs_one_epoch_each_call():
    x, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(x, y)
    for _ in range(30):
        clf.partial_fit(x, y, classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and clf.t_ == 30 * len(x) and len(clf.loss_curve_) == 30
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(x, y) > 0.9
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(x, np.full(len(x), 7))
    with pytest.raises(ValueError, match="differs"):
        clf.partial_fit(x, y, classes=[0, 1, 2, 3])


def test_partial_fit_after_pickling_continues_the_optimizer_state():
    x, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        clf.partial_fit(x, y, classes=[0, 1, 2])
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(x), clf.predict_proba(x))
    clf.partial_fit(x, y)
    copy.partial_fit(x, y)
    for mine, reference in zip(copy.coefs_, clf.coefs_, strict=True):
        np.testing.assert_array_equal(mine, reference)


def test_warm_start_continues_from_the_fitted_weights():
    x, y = _blobs()
    options = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    warm = MLPClassifier(warm_start=True, **options).fit(x, y)
    first_weights = warm.coefs_[0].copy()
    first_curve = list(warm.loss_curve_)
    warm.fit(x, y)
    cold = MLPClassifier(**options).fit(x, y)
    cold.fit(x, y)
    assert len(warm.loss_curve_) == 10 and warm.loss_curve_[:5] == first_curve
    assert warm.loss_curve_[5] < first_curve[0]
    assert not np.array_equal(warm.coefs_[0], first_weights)
    # Without warm_start the second fit starts again from the same seeded weights.
    assert cold.loss_curve_ == first_curve
    with pytest.raises(ValueError, match="classes"):
        warm.fit(x[y < 2], y[y < 2])


# ---------------------------------------------------------------- stopping rules
def test_training_stops_after_n_iter_no_change_epochs_without_improvement():
    x, y = _blobs()
    options = dict(hidden_layer_sizes=(8,), tol=1e9, n_iter_no_change=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = MLPClassifier(**options).fit(x, y)
        theirs = SklearnMLPClassifier(**options).fit(x, y)
    # Epoch 1 sets best_loss_; epochs 2..5 count 1..4 > 3 misses.
    assert ours.n_iter_ == theirs.n_iter_ == 5
    assert ours.best_loss_ == min(ours.loss_curve_)


def test_reaching_max_iter_warns_convergence_warning():
    x, y = _blobs()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(x, y)


def test_early_stopping_records_validation_scores_and_keeps_the_best():
    x, y = _blobs(n_per_class=40)
    clf = MLPClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        max_iter=400,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(x, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ < 400
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_validation_score_ > 0.9
    with pytest.raises(ValueError, match="early_stopping"):
        clf.partial_fit(x, y)


# ---------------------------------------------------------------- data handling and seeding
def test_dataframe_feature_names_are_recorded_and_checked():
    pd = pytest.importorskip("pandas")
    x, y = _blobs()
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0)
    clf.fit(frame, pd.Series(y))
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match="feature names"):
        from_array = clf.predict(x)
    np.testing.assert_array_equal(clf.predict(frame), from_array)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"a": "z"}))


@pytest.mark.parametrize(
    ("given", "model_dtype"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float32)],
)
def test_model_dtype_follows_float_inputs_and_defaults_to_float32(given, model_dtype):
    x, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, random_state=0)
    clf.fit(np.round(x).astype(given), y)
    assert clf.coefs_[0].dtype == model_dtype
    assert clf.predict_proba(x).dtype == model_dtype


def test_random_state_makes_fits_identical_and_leaves_the_global_generator_alone():
    x, y = _blobs()
    ln.manual_seed(123)
    expected_draw = ln.engine.random.get_rng().random()
    ln.manual_seed(123)
    first = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=7).fit(x, y)
    assert ln.engine.random.get_rng().random() == expected_draw
    second = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=7).fit(x, y)
    other = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=8).fit(x, y)
    np.testing.assert_array_equal(first.coefs_[0], second.coefs_[0])
    assert not np.array_equal(first.coefs_[0], other.coefs_[0])


@pytest.mark.parametrize(
    "activation", ["identity", "logistic", "tanh", "relu", "leaky_relu", "gelu", "selu"]
)
@pytest.mark.parametrize("solver", ["adam", "sgd", "adamw", "rmsprop", "adagrad"])
def test_every_activation_and_solver_trains(activation, solver):
    x, y = _blobs()
    clf = MLPClassifier(
        hidden_layer_sizes=(8,),
        activation=activation,
        solver=solver,
        learning_rate_init=0.05,
        max_iter=60,
        random_state=0,
    )
    clf.fit(x, y)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(x, y) > 0.8


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        ("activation", "sigmoidal", "sigmoidal"),
        ("solver", "lbfgs", "solver"),
        ("hidden_layer_sizes", (8, 0), "hidden_layer_sizes"),
        ("alpha", -1.0, "alpha"),
        ("batch_size", 0, "batch_size"),
        ("validation_fraction", 1.0, "validation_fraction"),
        ("kernel_initializer", "heh", "heh"),
    ],
)
def test_bad_hyperparameters_raise_at_fit_naming_the_value(parameter, value, message):
    x, y = _blobs()
    clf = MLPClassifier(max_iter=1).set_params(**{parameter: value})  # accepted until fit
    with pytest.raises(ValueError, match=message):
        clf.fit(x, y)


def test_kernel_initializer_is_used_for_the_weights():
    x, y = _blobs()
    clf = MLPClassifier(
        hidden_layer_sizes=(6,),
        kernel_initializer="zeros",
        solver="sgd",
        learning_rate_init=1e-12,
        momentum=0.0,
        alpha=0.0,
        max_iter=1,
    )
    clf.fit(x, y)
    assert np.abs(clf.coefs_[0]).max() < 1e-9


# ---------------------------------------------------------------- the one training loop
def test_classifier_trains_on_the_fast_step_of_the_one_loop():
    x, y = _blobs()
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(x, y)
    assert clf.model_._training.plan is not None  # the static plan computed the steps
    assert clf.model_.history.stop_reason == "completed"
    assert clf.loss_curve_ == pytest.approx(clf.model_.history.history["loss"], rel=1e-12)
    assert all(layer.kernel_regularizer is None for layer in clf.model_.layers)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_a_diverging_fit_keeps_finite_weights_and_counts_only_good_epochs(estimator):
    x, y = _blobs()
    model = estimator(
        hidden_layer_sizes=(8,),
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e30,
        max_iter=20,
        random_state=0,
    )
    from lucidnet.training.loop import NonFiniteLossWarning

    with np.errstate(all="ignore"), pytest.warns(NonFiniteLossWarning):
        model.fit(x * 1e3, y)
    assert model.model_.history.stop_reason == "non_finite"
    assert all(np.isfinite(w).all() for w in model.coefs_ + model.intercepts_)
    assert model.n_iter_ == len(model.loss_curve_) < 20
    assert all(np.isfinite(model.loss_curve_))


def test_the_sklearn_input_check_is_fit_s_input_check():
    x, y = _blobs()
    with pytest.raises(ValueError, match="overflows float32"):
        MLPRegressor(max_iter=1).fit(x.astype(np.float32), np.where(y == 1, 1e39, 0.0))


def test_regressor_trains_on_the_fast_step_with_the_same_numbers_as_the_tape():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    options = dict(hidden_layer_sizes=(6,), solver="sgd", learning_rate_init=0.05, alpha=0.1,
                   batch_size=16, max_iter=4, random_state=0)  # fmt: skip
    fast = MLPRegressor(**options).fit(x, y)
    assert fast.model_._training.plan is not None

    from lucidnet.training.plan import TrainingPlan

    original, TrainingPlan.build = TrainingPlan.build, lambda *args: None
    try:
        slow = MLPRegressor(**options).fit(x, y)
    finally:
        TrainingPlan.build = original
    assert slow.model_._training.plan is None
    for mine, tape in zip(
        fast.coefs_ + fast.intercepts_, slow.coefs_ + slow.intercepts_, strict=True
    ):
        np.testing.assert_allclose(mine, tape, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-10)
