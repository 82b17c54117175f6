"""The one training loop: one target check before the first step (fit, evaluate and the
losses agree), a NaN guard that covers every step, stop reasons, and the eval-mode context."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.training.callbacks import Callback
from lucidnet.training.loop import NonFiniteLossWarning
from lucidnet.training.step import TapeStep, TrainingStep

RNG = np.random.default_rng(3)
X = RNG.normal(size=(24, 4))
LABELS = np.arange(24) % 3


def mlp(outputs=3, loss="softmax_cross_entropy", dtype="float64", optimizer=None, activation=None):
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(5, activation="tanh", input_shape=(4,), dtype=dtype),
            ln.layers.Dense(outputs, activation=activation, dtype=dtype),
        ]
    )
    model.compile(optimizer=optimizer or ln.optim.SGD(lr=0.1), loss=loss, lint=False)
    return model


class ReadsGradients(Callback):
    """A callback that reads gradients, so fit runs on the autograd tape (not the plan)."""

    def on_backward_end(self, batch):
        pass


PATHS = {"plan": [], "tape": [ReadsGradients()]}


def fit(model, x, y, path="plan", **options):
    options = {"epochs": 1, "batch_size": 8, "verbose": 0, **options}
    callbacks = options.pop("callbacks", []) + PATHS[path]
    return model.fit(x, y, callbacks=callbacks, **options)


# ---------------------------------------------------------------- one target check
@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(
    "loss", ["mse", ln.losses.get("binary_crossentropy", from_logits=True), "mae", "huber"]
)
def test_flat_targets_on_a_two_output_model_raise_in_fit_and_evaluate(loss, path):
    y = (LABELS == 1).astype(float)  # shape (24,): not (24, 2)
    model = mlp(outputs=2, loss=loss)
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"y has shape \(24,\) but the model outputs 2"):
        fit(model, X, y, path)
    with pytest.raises(ValueError, match=r"y has shape \(24,\) but the model outputs 2"):
        model.evaluate(X, y)
    for value, old in zip(model.parameters(), before, strict=True):  # no step was taken
        np.testing.assert_array_equal(value.data, old)


def test_flat_targets_on_a_one_output_model_are_a_column():
    y = (LABELS == 1).astype(float)
    flat, column = mlp(outputs=1, loss="mse"), mlp(outputs=1, loss="mse")
    fit(flat, X, y, shuffle=False)
    fit(column, X, y[:, None], shuffle=False)
    for a, b in zip(flat.parameters(), column.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize(
    ("bad", "message"),
    [(-1, "label -1 at row 5"), (3, "label 3 at row 5"), (1.5, r"row 5 has \[1.5\]")],
)
@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "sparse_categorical_crossentropy"])
def test_bad_integer_labels_raise_in_fit_evaluate_and_the_loss(loss, bad, message, path):
    labels = LABELS.astype(float)
    labels[5] = bad
    loss_object = ln.losses.get(loss, from_logits=True) if "sparse" in loss else loss
    model = mlp(loss=loss_object)
    with pytest.raises(ValueError, match=message):
        fit(model, X, labels, path)
    with pytest.raises(ValueError, match=message):
        model.evaluate(X, labels)
    with pytest.raises(ValueError, match=message):
        ln.losses.get(loss_object)(ln.tensor(np.zeros((24, 3))), labels)


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("labels", [[-1, 0, 1, 2] * 6, [1.5, 0, 1, 2] * 6, [3, 0, 1, 2] * 6])
def test_categorical_crossentropy_takes_one_hot_rows_not_labels(labels, path):
    # it used to train on labels through the plan (-1 became the last class, 1.5 became 1)
    model = mlp(loss=ln.losses.get("categorical_crossentropy", from_logits=True))
    with pytest.raises(ValueError, match=r"categorical_crossentropy: y has shape \(24,\)"):
        fit(model, X, np.array(labels, dtype=float), path)
    with pytest.raises(ValueError, match=r"categorical_crossentropy: y has shape \(24,\)"):
        model.evaluate(X, np.array(labels, dtype=float))


@pytest.mark.parametrize("path", list(PATHS))
def test_one_hot_rows_of_the_wrong_width_raise(path):
    with pytest.raises(
        ValueError, match=r"y has 4 columns \(shape \(24, 4\)\) but the model outputs 3"
    ):
        fit(
            mlp(loss=ln.losses.get("categorical_crossentropy", from_logits=True)),
            X,
            np.eye(4)[LABELS],
            path,
        )


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("bad", [2.0, -1.0, 1.5])
def test_binary_crossentropy_refuses_targets_outside_0_1(bad, path):
    y = (LABELS == 1).astype(float)
    y[7] = bad
    message = rf"binary_crossentropy: y must hold targets in \[0, 1\].*got {bad} at row 7"
    for loss in ("binary_crossentropy", ln.losses.get("binary_crossentropy", from_logits=True)):
        model = mlp(
            outputs=1, loss=loss, activation="sigmoid" if loss == "binary_crossentropy" else None
        )
        with pytest.raises(ValueError, match=message):
            fit(model, X, y, path)
        with pytest.raises(ValueError, match=message):
            model.evaluate(X, y)
    with pytest.raises(ValueError, match=r"y_true must hold targets in \[0, 1\]"):
        ln.losses.binary_crossentropy(ln.tensor(np.full((24, 1), 0.5)), y[:, None])


def test_soft_binary_targets_in_0_1_train():
    y = np.linspace(0, 1, 24)
    history = fit(mlp(outputs=1, loss=ln.losses.get("bce", from_logits=True)), X, y)
    assert np.isfinite(history.history["loss"][0])


def test_loss_check_target_is_the_check_fit_runs():
    loss = ln.losses.get("sparse_categorical_crossentropy")
    loss.check_target((3, 4), [0, 3, 1])
    with pytest.raises(ValueError, match=r"label 4 at row 2"):
        loss.check_target((3, 4), [0, 3, 4], argument="y")
    assert (loss.target_kind, loss.family, loss.expects_logits) == (
        "labels",
        "cross_entropy",
        False,
    )
    assert ln.losses.get("softmax_cross_entropy").expects_logits
    assert ln.losses.get("mse").target_kind == "real"


# ---------------------------------------------------------------- the NaN guard
def exploding_last_step(path):
    """One batch, one step: the loss before the update is finite, the update overflows."""
    model = mlp(outputs=1, loss="mse", dtype="float32", optimizer=ln.optim.SGD(lr=1e37))
    y = np.full(24, 1e3)
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.warns(NonFiniteLossWarning, match="weights became non-finite at epoch 1"),
    ):
        history = fit(model, X, y, path, batch_size=24, verbose=2)
    return model, history


@pytest.mark.parametrize("verbose", [1, 2])
def test_the_guard_shows_its_finding_once_as_a_warning_never_also_printed(verbose, capsys):
    model = mlp(outputs=1, loss="mse", dtype="float32", optimizer=ln.optim.SGD(lr=1e37))
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        history = fit(model, X, np.full(24, 1e3), batch_size=24, verbose=verbose)
    shown = [w for w in seen if w.category is NonFiniteLossWarning]
    assert len(shown) == 1 and str(shown[0].message) == history.stop_message
    assert shown[0].filename == __file__  # it points at the line that called fit
    output = capsys.readouterr()
    assert history.stop_message not in output.out + output.err


def test_verbose_0_silences_the_guard_but_history_keeps_why(capsys):
    model = mlp(outputs=1, loss="mse", dtype="float32", optimizer=ln.optim.SGD(lr=1e37))
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning would fail the test
        history = fit(model, X, np.full(24, 1e3), batch_size=24, verbose=0)
    assert capsys.readouterr().err == ""
    assert history.stop_reason == "non_finite"
    assert "weights became non-finite at epoch 1" in history.stop_message
    assert [a.cause for a in history.advice] == ["non_finite"]


@pytest.mark.parametrize("path", list(PATHS))
def test_a_divergence_on_the_last_step_leaves_finite_weights(path):
    start = mlp(outputs=1, loss="mse", dtype="float32")
    model, history = exploding_last_step(path)
    assert history.stop_reason == "non_finite"
    for value, initial in zip(model.parameters(), start.parameters(), strict=True):
        np.testing.assert_array_equal(value.data, initial.data)  # the last good weights


@pytest.mark.parametrize("path", list(PATHS))
def test_a_guard_trip_in_the_first_batch_still_logs_the_epoch(path):
    model = mlp(outputs=1, loss="mse", optimizer=ln.optim.SGD(lr=1e300))
    y = np.full(24, 1e200)  # the first loss is already inf
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.warns(NonFiniteLossWarning, match="loss became inf at epoch 1, batch 1"),
    ):
        history = fit(model, X, y, path, epochs=3, verbose=2)
    assert history.stop_reason == "non_finite"
    assert history.epoch == [0] and history.history["loss"] == [np.inf]
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_stop_reason_names_completed_and_early_stopping():
    assert fit(mlp(), X, LABELS, epochs=2).stop_reason == "completed"
    stop = ln.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    history = fit(mlp(), X, LABELS, epochs=5, callbacks=[stop])
    assert history.stop_reason == "early_stopping" and history.epoch == [0, 1]


def test_non_finite_weights_before_training_are_refused():
    model = mlp()
    model.layers[0].weight.data[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite weights before training"):
        fit(model, X, LABELS)


# ---------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_never_writes_non_finite_weights(tmp_path):
    model = mlp()
    checkpoint = ln.callbacks.ModelCheckpoint(tmp_path / "w-{epoch}.st", save_weights_only=True)
    checkpoint.set_model(model)
    checkpoint.on_epoch_end(0, {"loss": 1.0})
    model.layers[1].bias.data[0] = np.inf
    with pytest.warns(RuntimeWarning, match="not finite"):
        checkpoint.on_epoch_end(1, {"loss": 1.0})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w-1.st"]


def test_model_checkpoint_after_a_divergence_holds_finite_weights(tmp_path):
    model = mlp(outputs=1, loss="mse", dtype="float32", optimizer=ln.optim.SGD(lr=1e37))
    checkpoint = ln.callbacks.ModelCheckpoint(tmp_path / "last.st", save_weights_only=True)
    with np.errstate(over="ignore", invalid="ignore"), pytest.warns(NonFiniteLossWarning):
        fit(model, X, np.full(24, 1e3), batch_size=24, callbacks=[checkpoint], verbose=2)
    from safetensors.numpy import load_file

    saved = load_file(tmp_path / "last.st")
    assert saved and all(np.isfinite(value).all() for value in saved.values())


@pytest.mark.parametrize(
    ("template", "field"),
    [("c{best}.st", "best"), ("c-{epoch}-{val_los:.2f}.st", "val_los"), ("c{0}.st", "0")],
)
def test_model_checkpoint_refuses_a_template_field_that_is_never_logged(template, field):
    with pytest.raises(ValueError, match=rf"names the field \{{{field}"):
        ln.callbacks.ModelCheckpoint(template)


@pytest.mark.parametrize(
    "template", ["c{epoch:02d}-{val_loss:.3f}.st", "{loss}-{accuracy}-{val_acc}.st", "{score}.st"]
)
def test_model_checkpoint_accepts_logged_fields(template):
    ln.callbacks.ModelCheckpoint(template, monitor="score")


# ---------------------------------------------------------------- reduction and the plan
@pytest.mark.parametrize("path", list(PATHS))
def test_a_sum_reduction_is_honoured_by_fit(path):
    sums = mlp(loss=ln.losses.get("softmax_cross_entropy", reduction="sum"))
    fit(sums, X, LABELS, path, shuffle=False)
    assert (sums._training_setup.plan is not None) == (path == "plan")  # the sum's closed form
    manual = mlp()
    optimizer = ln.optim.SGD(manual.parameters(), lr=0.1)
    for start in range(0, 24, 8):
        optimizer.zero_grad()
        ln.losses.softmax_cross_entropy(
            manual(ln.tensor(X[start : start + 8])), LABELS[start : start + 8], reduction="sum"
        ).backward()
        optimizer.step()
    for a, b in zip(sums.parameters(), manual.parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


# ---------------------------------------------------------------- modes
def test_evaluate_and_predict_keep_eval_mode_and_fit_restores_it():
    model = mlp()
    model.eval()
    model.evaluate(X, LABELS)
    assert model.training is False
    model.predict(X)
    assert model.training is False
    fit(model, X, LABELS)
    assert model.training is False
    model.train()
    model.evaluate(X, LABELS)
    assert model.training is True


def test_dropout_is_on_during_fit_after_eval():
    ln.manual_seed(0)
    model = ln.Sequential(
        [ln.layers.Dense(4, input_shape=(4,)), ln.layers.Dropout(0.5), ln.layers.Dense(3)]
    )
    model.compile(optimizer="sgd", loss="softmax_cross_entropy", lint=False)
    seen = []

    class Mode(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(self.model.training)

    model.eval()
    model.fit(X, LABELS, epochs=1, batch_size=12, verbose=0, callbacks=[Mode()])
    assert seen == [True, True] and model.training is False


def test_both_steps_implement_the_step_protocol():
    members = ("forward", "backward", "backup", "restore", "finish")
    from lucidnet.training.plan import TrainingPlan

    for implementation in (TapeStep, TrainingPlan):
        assert all(callable(getattr(implementation, name)) for name in members)
    assert set(members) <= set(dir(TrainingStep))


def test_batch_begin_logs_give_the_batch_size():
    sizes = []

    class Sizes(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            sizes.append(logs["size"])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(mlp(), X[:20], LABELS[:20], callbacks=[Sizes()])
    assert sizes == [8, 8, 4]


def dead_unit_model():
    """A relu layer whose second unit is dead for the inputs returned with it: a weight
    into that unit can be -inf while the loss stays finite (relu(-inf) = 0)."""
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(2, activation="relu", input_shape=(4,), dtype="float64"),
            ln.layers.Dense(1, dtype="float64"),
        ]
    )
    model.compile(optimizer=ln.optim.SGD(lr=0.01), loss="mse", lint=False)
    model.layers[0].bias.data[1] = -1e3
    return model, np.abs(X) + 0.1


@pytest.mark.parametrize("path", list(PATHS))
def test_weights_that_go_non_finite_under_a_finite_loss_fall_back_to_the_epoch_start(path):
    # A dead ReLU unit hides a -inf weight from the loss (relu(-inf) = 0): the guard finds
    # it at the epoch end, and as the last step's backup holds it too, it goes back to the
    # weights of the epoch start.
    model, x = dead_unit_model()
    start = [p.data.copy() for p in model.parameters()]

    class HideInfinity(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                self.model.layers[0].weight.data[0, 1] = -np.inf

    with pytest.warns(NonFiniteLossWarning, match="weights became non-finite at epoch 1"):
        history = fit(model, x, np.ones(24), path, callbacks=[HideInfinity()], epochs=3, verbose=2)
    assert history.stop_reason == "non_finite" and np.isfinite(history.history["loss"][0])
    for value, initial in zip(model.parameters(), start, strict=True):
        np.testing.assert_array_equal(value.data, initial)


@pytest.mark.parametrize("path", list(PATHS))
def test_one_batch_epochs_fall_back_to_the_epoch_start_without_a_copy(path):
    # One batch per epoch: the guard takes no epoch-start copy, because the step's backup
    # (taken before that batch's update) is the epoch start.  Epoch 2's weights go -inf
    # under a finite loss; they go back to the weights that ended epoch 1.
    model, x = dead_unit_model()
    after_first = []

    class HideInfinityInEpoch2(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                after_first.extend(p.data.copy() for p in self.model.parameters())

        def on_train_batch_end(self, batch, logs=None):
            if after_first:
                self.model.layers[0].weight.data[0, 1] = -np.inf

    with pytest.warns(NonFiniteLossWarning, match="weights became non-finite at epoch 2"):
        history = fit(
            model,
            x,
            np.ones(24),
            path,
            callbacks=[HideInfinityInEpoch2()],
            epochs=3,
            batch_size=24,
            verbose=2,
        )
    assert history.stop_reason == "non_finite" and len(history.history["loss"]) == 2
    for value, expected in zip(model.parameters(), after_first, strict=True):
        np.testing.assert_array_equal(value.data, expected)


# ---------------------------------------------------------------- the check is the loss's check
def _random_targets(rng: np.random.Generator, n: int, classes: int) -> np.ndarray:
    """Targets of a random form: labels (some out of range or fractional), one-hot rows of the
    right or a wrong width, values in or out of [0, 1], signs, or an extra axis."""
    form = rng.integers(7)
    if form == 0:
        return rng.integers(-1, classes + 1, n)
    if form == 1:
        return rng.integers(0, classes, n) + rng.choice([0.0, 0.5], n, p=[0.8, 0.2])
    if form == 2:
        return np.eye(classes + rng.integers(2))[rng.integers(0, classes, n)]
    if form == 3:
        return rng.uniform(-0.3, 1.3, (n, classes))
    if form == 4:
        return rng.choice([-1.0, 1.0], (n, classes))
    if form == 5:
        return rng.uniform(0, 1, (n, classes, 1))
    return rng.integers(0, 2, (n, 1)).astype(float)


LOSS_NAMES = [name for name in ln.losses.available() if name != "zero_one"]


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_check_target_raises_exactly_when_the_loss_itself_raises(name):
    # fit and evaluate run check_target once on the whole array and the static plan never
    # calls the loss: the two must accept the same targets, or the plan could train on one
    # the loss refuses.
    rng = np.random.default_rng(sum(map(ord, name)))
    loss = ln.losses.get(name)
    for _ in range(60):
        classes = int(rng.choice([1, 3])) if loss.target_kind in ("real", "binary", "signs") else 3
        y_true = _random_targets(rng, 5, classes)
        y_pred = ln.tensor(rng.uniform(0.05, 0.95, (5, classes)))
        try:
            loss(y_pred, y_true)
            refused_by_loss = None
        except (ValueError, TypeError) as error:
            refused_by_loss = type(error)
        try:
            loss.check_target((5, classes), y_true)
            refused_by_check = None
        except (ValueError, TypeError) as error:
            refused_by_check = type(error)
        assert refused_by_check == refused_by_loss, (y_true, y_pred.shape)


def test_evaluating_restores_the_mode_after_an_error_and_can_keep_the_graph():
    from lucidnet.blocks.modes import evaluating

    model = mlp()
    modes_inside = []

    def fail_while_evaluating() -> None:
        with evaluating(model):
            modes_inside.append((model.training, model.layers[0].training))
            raise RuntimeError("failed inside")

    with pytest.raises(RuntimeError, match="failed inside"):
        fail_while_evaluating()
    assert modes_inside == [(False, False)]
    assert model.training is True and model.layers[0].training is True
    with evaluating(model):
        assert not model(ln.tensor(X[:2])).requires_grad
    with evaluating(model, record_graph=True):
        assert model(ln.tensor(X[:2])).requires_grad and model.training is False
