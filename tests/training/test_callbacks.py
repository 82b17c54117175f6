"""Callbacks in fit: EarlyStopping, ModelCheckpoint, CSVLogger, LearningRateScheduler,
ReduceLROnPlateau (Keras's rules), PyTorch-style schedulers and the hook protocol."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.training.callbacks import Callback


# ---------------------------------------------------------------- shared helpers
class ScriptedMetric(Callback):
    """Writes a prescribed value into the epoch logs under ``key`` (put it first in the list)."""

    def __init__(self, values: list[float], key: str = "score") -> None:
        self.values = values
        self.key = key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class EpochSnapshots(Callback):
    """The model's parameters (in layer order) at the end of every epoch."""

    def __init__(self) -> None:
        self.weights: list[list[np.ndarray]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([p.data.copy() for p in self.model.parameters()])


class LrRecorder(Callback):
    """The optimizer's learning rate at the start of every epoch (put it last in the list)."""

    def __init__(self) -> None:
        self.lrs: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.lrs.append(self.model.optimizer.param_groups[0]["lr"])


def small_problem(n: int = 16, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x.sum(axis=1) > 0).astype(np.int64)
    return x, y


def small_model(optimizer=None) -> ln.Sequential:
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(4, activation="tanh", input_shape=(3,), dtype="float64", name="hidden"),
            ln.layers.Dense(2, dtype="float64", name="logits"),
        ]
    )
    model.compile(
        optimizer=optimizer or ln.optim.SGD(lr=0.1),
        loss="softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    return model


def run(callbacks, epochs: int, optimizer=None, model=None, **options):
    model = model or small_model(optimizer)
    x, y = small_problem()
    history = model.fit(
        x, y, epochs=epochs, batch_size=8, verbose=0, callbacks=callbacks, **options
    )
    return model, history


# ---------------------------------------------------------------- EarlyStopping
SCORES = [5.0, 4.0, 4.5, 4.2, 4.1, 3.0, 2.0, 1.0]


@pytest.mark.parametrize(("patience", "epochs_run"), [(0, 3), (1, 3), (2, 4), (3, 5), (4, 8)])
def test_early_stopping_stops_after_patience_epochs_without_improvement(patience, epochs_run):
    stopper = ln.callbacks.EarlyStopping(monitor="score", patience=patience)
    _, history = run([ScriptedMetric(SCORES), stopper], epochs=len(SCORES))
    assert len(history.epoch) == epochs_run
    assert stopper.best_epoch == (1 if epochs_run < len(SCORES) else len(SCORES) - 1)
    assert stopper.stopped_epoch == (epochs_run - 1 if epochs_run < len(SCORES) else None)


def test_early_stopping_min_delta_and_equal_values_are_not_improvements():
    stopper = ln.callbacks.EarlyStopping(monitor="score", patience=2, min_delta=0.5)
    _, history = run([ScriptedMetric([5.0, 4.8, 4.6, 4.0, 3.0]), stopper], epochs=5)
    assert len(history.epoch) == 3  # 4.8 and 4.6 beat 5.0 by less than 0.5
    stopper = ln.callbacks.EarlyStopping(monitor="score", patience=1)
    _, history = run([ScriptedMetric([2.0, 2.0, 1.0]), stopper], epochs=3)
    assert len(history.epoch) == 2


def test_early_stopping_auto_mode_maximizes_accuracy_like_metrics():
    stopper = ln.callbacks.EarlyStopping(monitor="val_accuracy", patience=2)
    scores = [0.5, 0.6, 0.55, 0.58, 0.9]
    _, history = run([ScriptedMetric(scores, key="val_accuracy"), stopper], epochs=5)
    assert len(history.epoch) == 4
    assert stopper.best_epoch == 1


def test_early_stopping_restores_the_weights_of_the_best_val_loss_epoch():
    # Training pulls the slope towards 2, validation wants 0.5: val_loss falls, then rises.
    x = np.linspace(-1, 1, 20).reshape(-1, 1)
    model = ln.Sequential(
        [ln.layers.Dense(1, input_shape=(1,), kernel_initializer="zeros", dtype="float64")]
    )
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False)
    snapshots = EpochSnapshots()
    stopper = ln.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    history = model.fit(
        x,
        2 * x,
        epochs=100,
        batch_size=20,
        validation_data=(x, 0.5 * x),
        callbacks=[snapshots, stopper],
        verbose=0,
    )

    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert 0 < best < len(val_loss) - 1  # it got worse after the best epoch
    assert len(val_loss) == best + 1 + 3  # stopped after patience=3 worse epochs
    assert stopper.best_epoch == best
    for value, saved in zip(model.parameters(), snapshots.weights[best], strict=True):
        np.testing.assert_array_equal(value.data, saved)
    assert not np.array_equal(snapshots.weights[-1][0], snapshots.weights[best][0])
    assert model.evaluate(x, 0.5 * x)["loss"] == pytest.approx(val_loss[best], rel=1e-12)


def test_early_stopping_without_restore_keeps_the_last_weights():
    snapshots = EpochSnapshots()
    stopper = ln.callbacks.EarlyStopping(monitor="score", patience=1)
    model, history = run([ScriptedMetric([3.0, 1.0, 2.0, 0.5]), snapshots, stopper], epochs=4)
    assert len(history.epoch) == 3
    for value, saved in zip(model.parameters(), snapshots.weights[-1], strict=True):
        np.testing.assert_array_equal(value.data, saved)


def test_early_stopping_starts_afresh_in_each_fit():
    stopper = ln.callbacks.EarlyStopping(monitor="score", patience=1, restore_best_weights=True)
    model, first = run([ScriptedMetric([1.0, 0.5, 0.7]), stopper], epochs=3)
    assert len(first.epoch) == 3
    # Scores far above the first fit's best must not count as "no improvement" from the start.
    _, second = run([ScriptedMetric([9.0, 8.0, 7.0]), stopper], epochs=3, model=model)
    assert len(second.epoch) == 3
    assert stopper.best_epoch == 2


@pytest.mark.parametrize("patience", [-1, 1.5, True, "2"])
def test_early_stopping_rejects_bad_patience(patience):
    with pytest.raises(ValueError, match="patience"):
        ln.callbacks.EarlyStopping(patience=patience)


def test_monitoring_a_missing_metric_warns_once_and_does_not_stop():
    stopper = ln.callbacks.EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(RuntimeWarning, match="val_loss") as caught:
        _, history = run([stopper], epochs=3)
    assert len(history.epoch) == 3
    assert len([w for w in caught if "val_loss" in str(w.message)]) == 1


# ---------------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_save_best_only_saves_only_on_improvement(monkeypatch):
    model = small_model()
    saved: list[str] = []
    monkeypatch.setattr(model, "save", lambda path: saved.append(path))
    checkpoint = ln.callbacks.ModelCheckpoint(
        "ckpt-{epoch:02d}-{score:.1f}.lnx", monitor="score", save_best_only=True
    )
    run([ScriptedMetric([3.0, 2.0, 2.5, 1.0, 1.5]), checkpoint], epochs=5, model=model)
    assert saved == ["ckpt-01-3.0.lnx", "ckpt-02-2.0.lnx", "ckpt-04-1.0.lnx"]


def test_model_checkpoint_saves_every_epoch_and_weights_only_when_asked(monkeypatch):
    model = small_model()
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(model, "save", lambda path: calls.append(("save", path)))
    monkeypatch.setattr(model, "save_weights", lambda path: calls.append(("weights", path)))
    every = ln.callbacks.ModelCheckpoint("all-{epoch}.lnx")
    weights = ln.callbacks.ModelCheckpoint("w-{epoch}.lnx", save_weights_only=True)
    run([every, weights], epochs=2, model=model)
    assert calls == [
        ("save", "all-1.lnx"),
        ("weights", "w-1.lnx"),
        ("save", "all-2.lnx"),
        ("weights", "w-2.lnx"),
    ]


def test_model_checkpoint_files_hold_the_best_weights(tmp_path):
    import lucidnet.io as io

    if not hasattr(io, "save_weights") or not hasattr(io, "load_weights"):
        pytest.skip("lucidnet.io has no save_weights/load_weights yet")
    snapshots = EpochSnapshots()
    checkpoint = ln.callbacks.ModelCheckpoint(
        tmp_path / "best-{epoch}.safetensors",
        monitor="score",
        save_best_only=True,
        save_weights_only=True,
    )
    run([ScriptedMetric([3.0, 2.0, 2.5, 1.0, 1.5]), snapshots, checkpoint], epochs=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best-1.safetensors",
        "best-2.safetensors",
        "best-4.safetensors",
    ]
    restored = small_model()
    restored.load_weights(tmp_path / "best-4.safetensors")
    for value, saved in zip(restored.parameters(), snapshots.weights[3], strict=True):
        np.testing.assert_array_equal(value.data, saved)


# ---------------------------------------------------------------- CSVLogger
def test_csv_logger_writes_a_header_and_one_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    x, y = small_problem()
    _, history = run([ln.callbacks.CSVLogger(path)], epochs=3, validation_data=(x, y))
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert header == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [row[0] for row in body] == ["0", "1", "2"]
    for column, key in enumerate(header[1:], start=1):
        assert [float(row[column]) for row in body] == pytest.approx(
            history.history[key], rel=1e-12
        )


def test_csv_logger_append_adds_rows_without_a_second_header(tmp_path):
    path = tmp_path / "log.csv"
    model, _ = run([ln.callbacks.CSVLogger(path)], epochs=2)
    run([ln.callbacks.CSVLogger(path, append=True)], epochs=1, model=model)
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch,")
    assert sum(line.startswith("epoch") for line in lines) == 1
    run([ln.callbacks.CSVLogger(path)], epochs=1, model=model)  # overwrites
    assert len(path.read_text().splitlines()) == 2


# ---------------------------------------------------------------- learning-rate callbacks
def test_learning_rate_scheduler_sets_lr_each_epoch_and_logs_it():
    scheduler = ln.callbacks.LearningRateScheduler(lambda epoch, lr: 0.2 * 0.5**epoch)
    recorder = LrRecorder()
    model, history = run([scheduler, recorder], epochs=4)
    expected = [0.2, 0.1, 0.05, 0.025]
    assert recorder.lrs == expected
    assert history.history["lr"] == expected
    assert model.optimizer.param_groups[0]["lr"] == 0.025


def test_learning_rate_scheduler_rates_are_the_ones_used_by_the_steps():
    x, y = small_problem()
    schedule = [0.3, 0.0, 0.1]
    scheduled = small_model()
    scheduled.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        shuffle=False,
        verbose=0,
        callbacks=[ln.callbacks.LearningRateScheduler(lambda epoch, lr: schedule[epoch])],
    )
    manual = small_model()
    optimizer = ln.optim.SGD(manual.parameters(), lr=0.0)
    for lr in schedule:
        optimizer.param_groups[0]["lr"] = lr
        optimizer.zero_grad()
        ln.losses.softmax_cross_entropy(manual(ln.tensor(x)), y).backward()
        optimizer.step()
    for a, b in zip(scheduled.parameters(), manual.parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-13, atol=1e-15)


def test_learning_rate_scheduler_refuses_bad_schedules():
    with pytest.raises(TypeError, match="callable"):
        ln.callbacks.LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="learning rate"):
        run([ln.callbacks.LearningRateScheduler(lambda epoch, lr: -1.0)], epochs=1)


def keras_plateau_lrs(values, lr, factor, patience, cooldown, min_delta):
    """Keras's ReduceLROnPlateau.on_epoch_end rule (mode min, min_lr 0), transcribed."""
    best, wait, cooldown_counter, lrs = math.inf, 0, 0, []
    for current in values:
        if cooldown_counter > 0:
            cooldown_counter -= 1
            wait = 0
        if current < best - min_delta:
            best, wait = current, 0
        elif not cooldown_counter > 0:
            wait += 1
            if wait >= patience:
                lr *= factor
                cooldown_counter, wait = cooldown, 0
        lrs.append(lr)
    return lrs


PLATEAU = [5.0, 4.0, 4.0, 4.0, 3.99, 4.0, 4.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.5, 1.5, 1.5, 1.5]


@pytest.mark.parametrize(
    ("patience", "cooldown"), [(0, 0), (1, 0), (2, 0), (3, 0), (2, 1), (2, 2), (1, 3)]
)
def test_reduce_lr_on_plateau_follows_keras_patience_and_cooldown(patience, cooldown):
    plateau = ln.callbacks.ReduceLROnPlateau(
        monitor="score", factor=0.5, patience=patience, cooldown=cooldown, min_delta=0.05
    )
    _, history = run(
        [ScriptedMetric(PLATEAU), plateau], epochs=len(PLATEAU), optimizer=ln.optim.SGD(lr=0.8)
    )
    expected = keras_plateau_lrs(PLATEAU, 0.8, 0.5, patience, cooldown, 0.05)
    assert history.history["lr"] == pytest.approx(expected, rel=1e-15)


def test_reduce_lr_on_plateau_reduces_after_patience_epochs_without_improvement():
    plateau = ln.callbacks.ReduceLROnPlateau(monitor="score", factor=0.1, patience=2)
    recorder = LrRecorder()
    _, history = run(
        [ScriptedMetric([1.0] * 6), plateau, recorder], epochs=6, optimizer=ln.optim.SGD(lr=1.0)
    )
    # epoch 0 improves on inf; epochs 1 and 2 do not -> reduced at the end of epoch 2.
    assert recorder.lrs == pytest.approx([1.0, 1.0, 1.0, 0.1, 0.1, 0.01])
    assert history.history["lr"] == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


@pytest.mark.parametrize("unbound", [False, True])
def test_torch_style_scheduler_in_callbacks_is_stepped_every_epoch(unbound):
    model = small_model()
    optimizer = ln.optim.SGD(lr=0.1) if unbound else ln.optim.SGD(model.parameters(), lr=0.1)
    scheduler = ln.optim.StepLR(optimizer, step_size=2)
    model.compile(optimizer=optimizer, loss="softmax_cross_entropy", lint=False)
    recorder = LrRecorder()
    run([scheduler, recorder], epochs=5, model=model)
    assert recorder.lrs == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001])
    assert scheduler.last_epoch == 5


def test_a_single_callback_need_not_be_wrapped_in_a_list():
    recorder = LrRecorder()
    run(recorder, epochs=2)
    assert recorder.lrs == [0.1, 0.1]


@pytest.mark.parametrize("item", [3, "early_stopping", lambda epoch, logs: None, None])
def test_callbacks_that_are_not_callbacks_raise_type_error(item):
    with pytest.raises(TypeError, match="callbacks"):
        run([item], epochs=1)


# ---------------------------------------------------------------- the hook protocol
class HookLog(Callback):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))


def test_hooks_are_called_in_keras_order_with_logs():
    hooks = HookLog()
    model, _ = run([hooks], epochs=2)  # 16 samples, batches of 8
    assert hooks.model is model
    batch = [
        ("batch_begin", 0),
        ("batch_end", 0, ["accuracy", "loss"]),
        ("batch_begin", 1),
        ("batch_end", 1, ["accuracy", "loss"]),
    ]
    assert hooks.calls == [
        ("train_begin",),
        ("epoch_begin", 0),
        *batch,
        ("epoch_end", 0, ["accuracy", "loss"]),
        ("epoch_begin", 1),
        *batch,
        ("epoch_end", 1, ["accuracy", "loss"]),
        ("train_end",),
    ]


def test_a_callback_can_stop_training_through_the_model():
    class StopAfterFirst(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    _, history = run([StopAfterFirst()], epochs=5)
    assert history.epoch == [0]


def test_initial_epoch_resumes_the_epoch_count():
    hooks = HookLog()
    _, history = run([hooks], epochs=3, initial_epoch=1)
    assert history.epoch == [1, 2]
    assert [c[1] for c in hooks.calls if c[0] == "epoch_begin"] == [1, 2]


def test_model_checkpoint_whole_model_file_reloads_the_best_epoch(tmp_path):
    import lucidnet.io as io

    if not hasattr(io, "save_model") or not hasattr(io, "load_model"):
        pytest.skip("lucidnet.io has no save_model/load_model yet")
    snapshots = EpochSnapshots()
    path = tmp_path / "best.safetensors"
    checkpoint = ln.callbacks.ModelCheckpoint(path, monitor="score", save_best_only=True)
    model, _ = run([ScriptedMetric([3.0, 1.0, 2.5, 2.0]), snapshots, checkpoint], epochs=4)
    restored = ln.load_model(path)
    for value, saved in zip(restored.parameters(), snapshots.weights[1], strict=True):
        np.testing.assert_array_equal(value.data, saved)
    x, _ = small_problem()
    model.load_state_dict(restored.state_dict())
    np.testing.assert_array_equal(restored.predict(x), model.predict(x))
