"""The Keras-style training loop: fit against a PyTorch loop (float64), learning, targets,
regularization, non-finite losses, validation and verbosity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.training.callbacks import Callback
from lucidnet.training.trainer import NonFiniteLossWarning

RTOL = 1e-10
ATOL = 1e-12

_TORCH_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "identity": lambda t: t}


# ---------------------------------------------------------------- shared helpers
def dense_stack(sizes: list[int], activations: list[str], dtype: str = "float64") -> ln.Sequential:
    """Sequential of Dense layers sizes[0] -> sizes[1] -> ... with the given activations."""
    input_shapes = [(sizes[0],)] + [None] * (len(sizes) - 2)
    return ln.Sequential(
        [
            ln.layers.Dense(units, activation=activation, input_shape=shape, dtype=dtype)
            for units, activation, shape in zip(sizes[1:], activations, input_shapes, strict=True)
        ]
    )


def weight_arrays(model: ln.Module) -> list[np.ndarray]:
    """The state_dict's arrays in layer order (layer names differ between models)."""
    return list(model.state_dict().values())


def assert_same_arrays(first: list[np.ndarray], second: list[np.ndarray], **tolerance) -> None:
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_allclose(a, b, **tolerance)


def dense_layers(model: ln.Sequential) -> list[ln.layers.Dense]:
    return [m for m in model.modules() if isinstance(m, ln.layers.Dense)]


class TorchTwin(torch.nn.Module):
    """The same MLP in PyTorch: Linear weights are the lucidnet (in, out) kernels transposed."""

    def __init__(self, model: ln.Sequential) -> None:
        super().__init__()
        self.linears = torch.nn.ModuleList()
        self.activations = []
        for dense in dense_layers(model):
            fan_in, units = dense.weight.shape
            linear = torch.nn.Linear(fan_in, units, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(dense.weight.data.T.copy()))
                linear.bias.copy_(torch.from_numpy(dense.bias.data.copy()))
            self.linears.append(linear)
            self.activations.append(_TORCH_ACTIVATIONS[dense.activation.name])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for linear, activation in zip(self.linears, self.activations, strict=True):
            x = activation(linear(x))
        return x


def assert_same_weights(model: ln.Sequential, twin: TorchTwin) -> None:
    for dense, linear in zip(dense_layers(model), twin.linears, strict=True):
        np.testing.assert_allclose(
            dense.weight.data, linear.weight.detach().numpy().T, rtol=RTOL, atol=ATOL
        )
        np.testing.assert_allclose(
            dense.bias.data, linear.bias.detach().numpy(), rtol=RTOL, atol=ATOL
        )


def classification_data(n: int = 40, features: int = 4, classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    y = np.argmax(x @ rng.normal(size=(features, classes)), axis=1)
    return x, y


def regression_data(n: int = 40, features: int = 4, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    y = np.sin(x @ rng.normal(size=(features, 1))) + 0.1 * rng.normal(size=(n, 1))
    return x, y


def torch_train(twin, x, y, loss_fn, optimizer, batch_size: int, epochs: int) -> None:
    features, targets = torch.from_numpy(x), torch.from_numpy(y)
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            batch = slice(start, start + batch_size)
            optimizer.zero_grad()
            loss_fn(twin(features[batch]), targets[batch]).backward()
            optimizer.step()


class EpochSnapshots(Callback):
    """Records the model's weights at the end of every epoch."""

    def __init__(self) -> None:
        self.weights: list[dict[str, np.ndarray]] = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.state_dict())


class BatchSnapshots(Callback):
    """Records the weights at the start of every batch, as (epoch, batch, weights)."""

    def __init__(self) -> None:
        self.epoch = 0
        self.weights: list[tuple[int, int, dict[str, np.ndarray]]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.weights.append((self.epoch, batch, self.model.state_dict()))


# ---------------------------------------------------------------- equal to PyTorch
BATCH = 8
EPOCHS = 10  # 40 samples / 8 per batch * 10 epochs = 50 optimizer steps


@pytest.mark.parametrize(
    ("activations", "sgd_options"),
    [
        (["tanh", "tanh", "identity"], {"lr": 0.1, "momentum": 0.9}),
        (
            ["relu", "relu", "identity"],
            {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
        ),
    ],
)
def test_fit_classifier_matches_torch_sgd_loop_for_50_steps(activations, sgd_options):
    ln.manual_seed(0)
    x, y = classification_data()
    model = dense_stack([4, 16, 16, 3], activations)
    twin = TorchTwin(model)
    model.compile(optimizer=ln.optim.SGD(**sgd_options), loss="softmax_cross_entropy", lint=False)
    history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)

    torch_optimizer = torch.optim.SGD(twin.parameters(), **sgd_options)
    torch_train(twin, x, y, torch.nn.functional.cross_entropy, torch_optimizer, BATCH, EPOCHS)

    assert history.params["steps"] * EPOCHS == 50
    assert_same_weights(model, twin)
    with torch.no_grad():
        torch_loss = torch.nn.functional.cross_entropy(
            twin(torch.from_numpy(x)), torch.from_numpy(y)
        )
    assert model.evaluate(x, y)["loss"] == pytest.approx(torch_loss.item(), rel=RTOL)


def test_fit_regression_mse_matches_torch_sgd_momentum_for_50_steps():
    ln.manual_seed(1)
    x, y = regression_data()
    model = dense_stack([4, 16, 1], ["tanh", "identity"])
    twin = TorchTwin(model)
    model.compile(optimizer=ln.optim.SGD(lr=0.05, momentum=0.9), loss="mse", lint=False)
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)

    torch_optimizer = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    torch_train(twin, x, y, torch.nn.functional.mse_loss, torch_optimizer, BATCH, EPOCHS)
    assert_same_weights(model, twin)


def test_fit_equals_manual_pytorch_style_loop_in_lucidnet():
    ln.manual_seed(2)
    x, y = classification_data()
    fitted = dense_stack([4, 16, 16, 3], ["relu", "tanh", "identity"])
    manual = dense_stack([4, 16, 16, 3], ["relu", "tanh", "identity"])
    for target, source in zip(manual.parameters(), fitted.parameters(), strict=True):
        target.data[...] = source.data

    fitted.compile(
        optimizer=ln.optim.SGD(lr=0.1, momentum=0.9), loss="softmax_cross_entropy", lint=False
    )
    fitted.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)

    optimizer = ln.optim.SGD(manual.parameters(), lr=0.1, momentum=0.9)
    for _ in range(EPOCHS):
        for start in range(0, len(x), BATCH):
            logits = manual(ln.tensor(x[start : start + BATCH]))
            loss = ln.losses.softmax_cross_entropy(logits, y[start : start + BATCH])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    assert_same_arrays(weight_arrays(fitted), weight_arrays(manual), rtol=1e-13, atol=1e-15)


def test_fit_under_float64_default_dtype_trains_in_float64():
    previous = ln.get_default_dtype()
    ln.set_default_dtype("float64")
    try:
        ln.manual_seed(0)
        x, y = classification_data()
        model = ln.Sequential(
            [ln.layers.Dense(8, activation="tanh", input_shape=(4,)), ln.layers.Dense(3)]
        )
        model.compile(optimizer="sgd", loss="softmax_cross_entropy", lint=False)
        model.fit(x.astype(np.float32), y, epochs=1, verbose=0)
        assert all(p.dtype == np.float64 for p in model.parameters())
    finally:
        ln.set_default_dtype(previous)


def test_fit_keeps_float32_model_float32_with_float64_data():
    ln.manual_seed(0)
    x, y = classification_data()
    model = ln.Sequential(
        [ln.layers.Dense(8, activation="tanh", input_shape=(4,)), ln.layers.Dense(3)]
    )
    model.compile(optimizer="adam", loss="softmax_cross_entropy", lint=False)
    model.fit(x, y, epochs=2, verbose=0)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.predict(x).dtype == np.float32


# ---------------------------------------------------------------- it learns
def test_fit_learns_xor_to_full_accuracy():
    ln.manual_seed(0)
    x, y = ln.datasets.xor()
    model = ln.Sequential(
        [
            ln.layers.Dense(8, activation="tanh", input_shape=(2,)),
            ln.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=ln.optim.Adam(lr=0.05),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        lint=False,
    )
    history = model.fit(x, y, epochs=300, batch_size=4, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    np.testing.assert_array_equal((model.predict(x)[:, 0] > 0.5).astype(int), y)


def test_fit_learns_three_class_spirals_with_small_relu_mlp():
    ln.manual_seed(0)
    x, y = ln.datasets.spirals(n_samples=300, n_classes=3, random_state=0)
    model = ln.Sequential(
        [
            ln.layers.Dense(64, activation="relu", input_shape=(2,)),
            ln.layers.Dense(64, activation="relu"),
            ln.layers.Dense(3),
        ]
    )
    model.compile(
        optimizer=ln.optim.Adam(lr=0.01),
        loss="softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    model.fit(x, y, epochs=150, batch_size=32, verbose=0)
    assert model.evaluate(x, y)["accuracy"] >= 0.95


def test_fit_learns_digits_to_95_percent_held_out_accuracy():
    ln.manual_seed(0)
    x, y = ln.datasets.digits()
    x_train, x_test, y_train, y_test = ln.datasets.train_test_split(
        x, y, test_size=0.25, random_state=0
    )
    model = ln.Sequential(
        [ln.layers.Dense(64, activation="relu", input_shape=(64,)), ln.layers.Dense(10)]
    )
    model.compile(
        optimizer=ln.optim.Adam(lr=0.005),
        loss="softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    model.fit(x_train, y_train, epochs=20, batch_size=32, verbose=0)
    held_out = np.mean(np.argmax(model.predict(x_test), axis=1) == y_test)
    assert held_out >= 0.95
    assert model.evaluate(x_test, y_test)["accuracy"] == pytest.approx(held_out)


# ---------------------------------------------------------------- target shapes
@pytest.mark.parametrize(
    ("loss", "activation"), [("binary_crossentropy", "sigmoid"), ("mse", None)]
)
def test_one_output_model_accepts_flat_targets_as_a_column(loss, activation):
    x, y = ln.datasets.xor(dtype="float64")
    results = []
    for targets in (y, y.reshape(-1, 1)):
        ln.manual_seed(3)
        model = ln.Sequential(
            [
                ln.layers.Dense(4, activation="tanh", input_shape=(2,)),
                ln.layers.Dense(1, activation=activation),
            ]
        )
        model.compile(optimizer=ln.optim.SGD(lr=0.5), loss=loss, lint=False)
        history = model.fit(x, targets, epochs=5, batch_size=2, verbose=0)
        results.append(
            (history.history["loss"], model.evaluate(x, targets)["loss"], weight_arrays(model))
        )
    (flat_history, flat_eval, flat_weights), (col_history, col_eval, col_weights) = results
    assert flat_history == col_history
    assert flat_eval == col_eval
    assert_same_arrays(flat_weights, col_weights, rtol=0, atol=0)


def test_sparse_labels_and_one_hot_targets_train_the_same_with_softmax_cross_entropy():
    x, y = classification_data()
    weights = []
    for targets in (y, np.eye(3)[y]):
        ln.manual_seed(4)
        model = dense_stack([4, 8, 3], ["relu", "identity"])
        model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="softmax_cross_entropy", lint=False)
        model.fit(x, targets, epochs=3, batch_size=8, shuffle=False, verbose=0)
        weights.append(weight_arrays(model))
    assert_same_arrays(weights[0], weights[1], rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- regularization
def test_l2_kernel_regularizer_is_added_to_the_reported_loss_and_equals_torch_weight_decay():
    ln.manual_seed(5)
    x, y = regression_data(n=16)
    model = ln.Sequential(
        [
            ln.layers.Dense(
                1, input_shape=(4,), kernel_regularizer=ln.regularizers.L2(0.1), dtype="float64"
            )
        ]
    )
    twin = TorchTwin(model)
    initial_kernel = dense_layers(model)[0].weight.data.copy()
    data_loss = float(np.mean((model.predict(x) - y) ** 2))

    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False)
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)

    penalty = 0.5 * 0.1 * np.sum(initial_kernel**2)
    assert history.history["regularization"][0] == pytest.approx(penalty, rel=1e-12)
    assert history.history["loss"][0] == pytest.approx(data_loss + penalty, rel=1e-12)
    assert len(history.history["regularization"]) == 3

    linear = twin.linears[0]
    torch_optimizer = torch.optim.SGD(
        [
            {"params": [linear.weight], "weight_decay": 0.1},
            {"params": [linear.bias], "weight_decay": 0.0},
        ],
        lr=0.1,
    )
    torch_train(twin, x, y, torch.nn.functional.mse_loss, torch_optimizer, 16, 3)
    assert_same_weights(model, twin)

    final_kernel = dense_layers(model)[0].weight.data
    report = model.evaluate(x, y)
    assert report["regularization"] == pytest.approx(0.05 * np.sum(final_kernel**2), rel=1e-12)
    assert report["loss"] == pytest.approx(
        np.mean((model.predict(x) - y) ** 2) + report["regularization"], rel=1e-12
    )


# ---------------------------------------------------------------- non-finite loss
def test_exploding_run_stops_with_message_and_keeps_last_good_finite_weights():
    ln.manual_seed(6)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(64, 3)) * 100  # unscaled inputs
    y = x @ np.array([1.0, 2.0, 3.0]) + 5
    model = ln.Sequential([ln.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=ln.optim.SGD(lr=1e6), loss="mse", lint=False)
    snapshots = BatchSnapshots()
    overflow = np.errstate(over="ignore", invalid="ignore")  # NumPy's own overflow warnings
    with overflow, pytest.warns(NonFiniteLossWarning, match=r"epoch 1, batch \d+") as caught:
        history = model.fit(
            x, y, epochs=5, batch_size=16, shuffle=False, verbose=2, callbacks=[snapshots]
        )

    assert issubclass(NonFiniteLossWarning, RuntimeWarning)
    (message,) = [str(w.message) for w in caught if w.category is NonFiniteLossWarning]
    failing_batch = len(snapshots.weights)  # 1-based number of the batch whose loss was bad
    assert f"batch {failing_batch}" in message
    assert failing_batch >= 2
    assert history.stop_reason == "non_finite" and "epoch 1" in history.stop_message
    # the stopped epoch is logged, with the non-finite loss of its last batch in the mean
    assert history.epoch == [0] and len(history.history["loss"]) == 1
    assert not np.isfinite(history.history["loss"][0])
    # Weights before the step that made the loss non-finite (the last batch that trained).
    last_good = snapshots.weights[-2][2]
    for name, value in model.state_dict().items():
        assert np.all(np.isfinite(value))
        np.testing.assert_array_equal(value, last_good[name])
    assert model.stop_training


# ---------------------------------------------------------------- validation
def test_validation_split_holds_out_the_last_fraction_before_shuffling():
    ln.manual_seed(7)
    x, y = classification_data(n=20)
    model = dense_stack([4, 8, 3], ["relu", "identity"])
    model.compile(
        optimizer=ln.optim.SGD(lr=0.0),
        loss="softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    history = model.fit(x, y, epochs=2, batch_size=4, validation_split=0.25, verbose=0)
    assert history.params["samples"] == 15
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    held_out = model.evaluate(x[15:], y[15:])
    training = model.evaluate(x[:15], y[:15])
    assert history.history["val_loss"] == pytest.approx([held_out["loss"]] * 2, rel=1e-12)
    assert history.history["val_accuracy"] == pytest.approx([held_out["accuracy"]] * 2)
    assert history.history["loss"] == pytest.approx([training["loss"]] * 2, rel=1e-12)


def test_validation_data_is_evaluated_after_every_epoch():
    ln.manual_seed(8)
    x, y = classification_data(n=32)
    x_val, y_val = classification_data(n=12, seed=9)
    model = dense_stack([4, 8, 3], ["relu", "identity"])
    model.compile(
        optimizer=ln.optim.Adam(lr=0.01),
        loss="softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    snapshots = EpochSnapshots()
    history = model.fit(
        x,
        y,
        epochs=3,
        batch_size=8,
        validation_data=(x_val, y_val),
        callbacks=[snapshots],
        verbose=0,
    )
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    for epoch, weights in enumerate(snapshots.weights):
        model.load_state_dict(weights)
        assert history.history["val_loss"][epoch] == pytest.approx(
            model.evaluate(x_val, y_val)["loss"], rel=1e-12
        )


def test_history_has_one_entry_per_epoch_for_every_key():
    ln.manual_seed(9)
    x, y = classification_data(n=30)
    model = dense_stack([4, 8, 3], ["relu", "identity"], dtype="float32")
    model.compile(optimizer="adam", loss="softmax_cross_entropy", metrics=["accuracy"], lint=False)
    history = model.fit(x, y, epochs=4, batch_size=8, validation_split=0.2, verbose=0)
    assert model.history is history
    assert history.epoch == [0, 1, 2, 3]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 4 for values in history.history.values())
    assert history.params == {"epochs": 4, "steps": 3, "samples": 24, "batch_size": 8, "verbose": 0}
    assert history.stop_reason == "completed" and history.stop_message is None


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    ln.manual_seed(10)
    x, y = classification_data(n=10)
    model = dense_stack([4, 3], ["identity"])
    model.compile(optimizer=ln.optim.SGD(lr=0.0), loss="softmax_cross_entropy", lint=False)
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)  # batches of 4, 4 and 2
    assert history.history["loss"][0] == pytest.approx(model.evaluate(x, y)["loss"], rel=1e-12)


# ---------------------------------------------------------------- verbosity
def _small_fit(verbose: int) -> None:
    ln.manual_seed(11)
    x, y = classification_data(n=16)
    model = dense_stack([4, 3], ["identity"], dtype="float32")
    model.compile(optimizer="sgd", loss="softmax_cross_entropy", lint=False)
    model.fit(x, y, epochs=2, batch_size=8, verbose=verbose)


def test_verbose_0_prints_nothing(capsys):
    _small_fit(0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_1_prints_a_progress_bar_per_epoch(capsys):
    _small_fit(1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "sample" in out
    assert "loss" in out


def test_verbose_2_prints_one_line_per_epoch(capsys):
    _small_fit(2)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2") and lines[1].startswith("Epoch 2/2")
    assert all("loss: " in line for line in lines)
