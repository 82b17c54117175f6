"""``ln.sweep`` on the serial backend: scores, folds, table, best model, failures, pictures."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.model_selection import KFold, StratifiedKFold
from sweep_helpers import GRID, build, data

import lucidnet as ln
from lucidnet.sklearn import MLPClassifier, MLPRegressor
from lucidnet.sweep.seeds import trial_seed
from lucidnet.sweep.space import canonical

SRC = Path(__file__).resolve().parents[2] / "src"
COLUMNS = [
    "params",
    "param_hidden",
    "split0_test_score",
    "split1_test_score",
    "split2_test_score",
    "mean_test_score",
    "std_test_score",
    "rank_test_score",
    "mean_fit_time",
]


@pytest.fixture(scope="module")
def swept():
    x, y = data()
    return x, y, ln.sweep(build, GRID, x, y, epochs=3, backend="serial", progress=False)


def test_table_has_scikit_learns_cv_results_columns(swept):
    _, _, result = swept
    assert list(result.table.columns) == COLUMNS
    assert list(result.table["param_hidden"]) == [2, 4, 8]
    assert list(result.table["params"]) == [{"hidden": 2}, {"hidden": 4}, {"hidden": 8}]


def test_each_split_score_is_the_trial_trained_by_hand_with_its_seed(swept):
    x, y, result = swept
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(x, y))
    for row, hidden in enumerate(GRID["hidden"]):
        for fold, (train, test) in enumerate(splits):
            ln.manual_seed(trial_seed(0, canonical({"hidden": hidden}), fold))
            model = build(hidden)
            model.fit(x[train], y[train], epochs=3, batch_size=32, verbose=0)
            expected = ln.metrics.accuracy(model.predict(x[test]), y[test])
            assert result.table[f"split{fold}_test_score"][row] == expected


def test_mean_std_and_rank_follow_scikit_learn(swept):
    _, _, result = swept
    table = result.table
    folds = table.filter(regex=r"split\d_test_score").to_numpy()
    np.testing.assert_array_equal(table["mean_test_score"], folds.mean(axis=1))
    np.testing.assert_array_equal(table["std_test_score"], folds.std(axis=1))
    order = np.argsort(-table["mean_test_score"].to_numpy(), kind="stable")
    assert list(table["rank_test_score"].to_numpy()[order]) == sorted(table["rank_test_score"])
    assert result.best_params == table["params"][int(np.argmin(table["rank_test_score"]))]
    assert result.best_score == table["mean_test_score"].max()
    assert (table["mean_fit_time"] > 0).all()


def test_best_model_is_refit_on_all_data_with_the_refit_seed(swept):
    x, y, result = swept
    ln.manual_seed(trial_seed(0, canonical(result.best_params), "all"))
    model = build(**result.best_params)
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    np.testing.assert_array_equal(result.best_model.predict(x), model.predict(x))


def test_regression_uses_kfold_and_negative_mse_by_default():
    x, _ = data(60)
    y = (x @ np.array([0.5, -1.0, 0.25, 2.0])).astype(np.float32)

    def regressor(hidden):
        model = ln.Sequential(
            [ln.layers.Dense(hidden, activation="tanh", input_shape=(4,)), ln.layers.Dense(1)]
        )
        model.compile(optimizer="adam", loss="mse", lint=False)
        return model

    result = ln.sweep(regressor, {"hidden": [3]}, x, y, cv=2, epochs=2, backend="serial",
                      refit=False, progress=False)  # fmt: skip
    train, test = next(KFold(2, shuffle=True, random_state=0).split(x))
    ln.manual_seed(trial_seed(0, '{"hidden":3}', 0))
    model = regressor(3)
    model.fit(x[train], y[train], epochs=2, batch_size=32, verbose=0)
    expected = -float(np.mean((model.predict(x[test])[:, 0] - y[test]) ** 2))
    assert result.table["split0_test_score"][0] == pytest.approx(expected, rel=1e-6)
    assert result.best_model is None


def test_scoring_by_name_negates_errors_and_accepts_callables_and_splitters():
    x, y = data(60)
    zero_one = ln.sweep(build, {"hidden": [4]}, x, y, cv=2, epochs=2, scoring="zero_one",
                        backend="serial", refit=False, progress=False)  # fmt: skip
    accuracy = ln.sweep(build, {"hidden": [4]}, x, y, cv=2, epochs=2, scoring="accuracy",
                        backend="serial", refit=False, progress=False)  # fmt: skip
    np.testing.assert_allclose(zero_one.scores, accuracy.scores - 1, atol=1e-12)

    def constant(model, x_test, y_test):
        return float(len(x_test))

    result = ln.sweep(build, {"hidden": [4]}, x, y, cv=KFold(4), epochs=1, scoring=constant,
                      backend="serial", refit=False, progress=False)  # fmt: skip
    assert list(result.scores[0]) == [15.0, 15.0, 15.0, 15.0]


def test_a_failing_trial_scores_nan_records_its_error_and_the_sweep_goes_on():
    x, y = data(60)

    def fragile(hidden):
        if hidden == 4:
            raise RuntimeError("no four")
        return build(hidden)

    with pytest.warns(RuntimeWarning, match="2 of 4 trials failed"):
        result = ln.sweep(fragile, {"hidden": [4, 2]}, x, y, cv=2, epochs=1, backend="serial",
                          progress=False)  # fmt: skip
    table = result.table
    assert np.isnan(table["split0_test_score"][0]) and np.isnan(table["mean_test_score"][0])
    assert list(table["rank_test_score"]) == [2, 1]
    assert result.best_params == {"hidden": 2}
    first = result.errors[0]
    assert (first["params"], first["fold"], first["error"]) == (
        {"hidden": 4},
        0,
        "RuntimeError: no four",
    )
    assert 'raise RuntimeError("no four")' in first["traceback"]
    assert result.trials["error"].notna().tolist() == [True, True, False, False]


def test_every_trial_failing_leaves_no_best():
    x, y = data(30)
    with pytest.warns(RuntimeWarning):
        result = ln.sweep(lambda hidden: None, {"hidden": [4]}, x, y, cv=2, backend="serial",
                          progress=False)  # fmt: skip
    assert result.best_params is None and np.isnan(result.best_score)
    assert result.best_model is None and "compiled model" in result.errors[0]["error"]


def test_a_lucidnet_sklearn_estimator_is_cloned_with_the_grids_parameters():
    x, y = data(60)
    estimator = MLPClassifier(max_iter=3, learning_rate_init=0.05)
    grid = {"hidden_layer_sizes": [(4,), (8,)]}
    result = ln.sweep(estimator, grid, x, y, cv=2, backend="serial", progress=False)
    train, test = next(StratifiedKFold(2, shuffle=True, random_state=0).split(x, y))
    seed = trial_seed(0, canonical({"hidden_layer_sizes": (4,)}), 0)
    by_hand = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, learning_rate_init=0.05,
                            random_state=seed).fit(x[train], y[train])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert result.table["split0_test_score"][0] == by_hand.score(x[test], y[test])
    assert result.best_model.hidden_layer_sizes in [(4,), (8,)]
    assert estimator.random_state is None  # the user's estimator is left alone


def test_a_regressor_estimator_scores_negative_mse():
    x, _ = data(40)
    y = x[:, 0] - x[:, 1]
    result = ln.sweep(MLPRegressor(max_iter=2), {"alpha": [0.1]}, x, y, cv=2, backend="serial",
                      refit=False, progress=False)  # fmt: skip
    assert (result.scores < 0).all()


def test_grid_names_an_estimator_does_not_have():
    x, y = data(30)
    with pytest.raises(ValueError, match=r"grid names \['hidden'\] that MLPClassifier does not"):
        ln.sweep(MLPClassifier(), {"hidden": [4]}, x, y, backend="serial", progress=False)


def test_random_search_runs_n_iter_parameter_sets():
    x, y = data(30)
    grid = {"hidden": [2, 3, 4, 5], "lr": [0.1, 0.01]}
    result = ln.sweep(build, grid, x, y, cv=2, epochs=1, search="random", n_iter=3,
                      backend="serial", refit=False, progress=False)  # fmt: skip
    assert len(result.table) == 3 and list(result.table.columns[:3]) == [
        "params",
        "param_hidden",
        "param_lr",
    ]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (
            {"backend": "threads"},
            ValueError,
            "backend must be one of 'serial', 'local', 'dask', 'ray', got 'threads'",
        ),
        ({"cv": 1}, ValueError, "cv must be at least 2"),
        ({"cv": "five"}, TypeError, "cv must be a number of folds"),
        ({"fit_kwargs": {"epochs": 3}}, ValueError, "fit_kwargs must not set epochs"),
        ({"scoring": "r2"}, ValueError, "scoring='r2'"),
        ({"scoring": "neg_accuracy"}, ValueError, "only the error metrics"),
        ({"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
        ({"random_state": None}, TypeError, "random_state must be an int, got NoneType None"),
        ({"refit": "yes"}, TypeError, "refit must be True or False"),
        ({"client": object()}, ValueError, "client= is a dask.distributed Client"),
        ({"backend": "local", "address": "tcp://x:1"}, ValueError, "address= is a scheduler"),
    ],
)
def test_bad_arguments_are_refused_naming_them(options, error, message):
    x, y = data(30)
    with pytest.raises(error, match=message):
        ln.sweep(build, GRID, x, y, **{"backend": "serial", **options})


def test_mismatched_data_and_bad_build_are_refused():
    x, y = data(30)
    with pytest.raises(ValueError, match="x has 30 samples but y has 29"):
        ln.sweep(build, GRID, x, y[:-1], backend="serial")
    with pytest.raises(TypeError, match="build must be a function"):
        ln.sweep(42, GRID, x, y, backend="serial")
    with pytest.raises(TypeError, match=r"not the model 'sequential.*' itself"):
        ln.sweep(build(4), GRID, x, y, backend="serial")


def test_plot_draws_score_against_the_parameter_with_fold_dots(swept):
    _, _, result = swept
    figure = result.plot("hidden")
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["2", "4", "8"]
    mean_line = axes.get_lines()[0]
    np.testing.assert_array_equal(mean_line.get_ydata(), result.table["mean_test_score"])
    assert len(axes.get_lines()) == 1 + 3 + 1  # mean, one dot series per fold, best star
    with pytest.raises(ValueError, match="param='width' is not in the sweep"):
        result.plot("width")


def test_plot_labels_list_valued_parameters_readably():
    x, y = data(30)

    def deep(hidden):
        layers = [ln.layers.Dense(hidden[0], activation="relu", input_shape=(4,))]
        layers += [ln.layers.Dense(units, activation="relu") for units in hidden[1:]]
        model = ln.Sequential([*layers, ln.layers.Dense(3)])
        model.compile(optimizer="adam", loss="softmax_cross_entropy", lint=False)
        return model

    result = ln.sweep(deep, {"hidden": [[4], [8, 4]]}, x, y, cv=2, epochs=1, backend="serial",
                      refit=False, progress=False)  # fmt: skip
    labels = [t.get_text() for t in result.plot().axes[0].get_xticklabels()]
    assert labels == ["4", "8-4"]


def test_save_writes_the_table_the_plot_and_a_loadable_best_model(swept, tmp_path):
    x, _, result = swept
    written = result.save(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "best_model.safetensors",
        "sweep_hidden.png",
        "table.csv",
    ]
    import pandas as pd

    table = pd.read_csv(written["table"])
    np.testing.assert_array_equal(table["mean_test_score"], result.table["mean_test_score"])
    restored = ln.load_model(written["best_model"])
    np.testing.assert_array_equal(restored.predict(x), result.best_model.predict(x))


def test_save_pickles_a_best_estimator(tmp_path):
    x, y = data(30)
    result = ln.sweep(MLPClassifier(max_iter=2), {"alpha": [0.1]}, x, y, cv=2, backend="serial",
                      progress=False)  # fmt: skip
    import pickle

    written = result.save(tmp_path)
    assert written["best_model"].name == "best_model.pkl"
    restored = pickle.loads(written["best_model"].read_bytes())
    np.testing.assert_array_equal(restored.predict(x), result.best_model.predict(x))


def test_progress_bar_shows_trials_and_best_score_and_is_silent_when_off(capsys):
    x, y = data(30)
    ln.sweep(build, {"hidden": [2]}, x, y, cv=2, epochs=1, backend="serial", refit=False)
    assert "2/2" in capsys.readouterr().err
    ln.sweep(build, {"hidden": [2]}, x, y, cv=2, epochs=1, backend="serial", refit=False,
             progress=False)  # fmt: skip
    assert capsys.readouterr() == ("", "")


def test_import_lucidnet_stays_light_and_ln_sweep_is_callable_either_way():
    code = (
        "import sys, lucidnet as ln\n"
        "heavy = {'pandas', 'dask', 'joblib', 'sklearn', 'distributed', 'matplotlib'}\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
        "assert callable(ln.sweep) and ln.sweep.__name__ == 'sweep'\n"
        "assert not heavy & set(sys.modules), heavy & set(sys.modules)\n"
        "import lucidnet.sweep.space\n"
        "assert callable(ln.sweep) and callable(lucidnet.sweep)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_plot_draws_one_line_per_setting_of_the_other_parameters():
    x, y = data(30)
    grid = {"hidden": [2, 4], "lr": [0.1, 0.01]}
    result = ln.sweep(build, grid, x, y, cv=2, epochs=1, backend="serial", refit=False,
                      progress=False)  # fmt: skip
    axes = result.plot("hidden").axes[0]
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend[:2] == ["lr=0.1", "lr=0.01"]  # in grid order
    means = result.table["mean_test_score"].to_numpy()
    first = axes.get_lines()[0]  # lr=0.1: rows 0 (hidden 2) and 2 (hidden 4)
    np.testing.assert_array_equal(first.get_ydata(), means[[0, 2]])
    with pytest.raises(ValueError, match="plot\\(param\\) needs the parameter to draw"):
        result.plot()
