"""One playground session: the data, the lucidnet model, training epoch by epoch, and what is shown.

A :class:`Session` is plain, synchronous Python (no server): the WebSocket
handler runs one in a worker thread (:mod:`.runner`), and the tests drive one
directly.  Training is lucidnet's own ``model.fit`` one epoch at a time, so the
NaN guard, regularization penalties and :class:`~lucidnet.callbacks.HealthMonitor`
are the library's.

>>> session = Session({"dataset": "xor", "seed": 3})
>>> session.train_epoch()["epoch"]
1
>>> session.state()["layers"][0]["units"]
4
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections import deque
from typing import Any

import numpy as np

# lucidnet's public names only (the playground is a user of the library, like a notebook)
from .. import Sequential, Tensor, activations, losses, no_grad, optim, regularizers
from .. import init as initializers
from .. import layers as layer_types
from . import data, doctor
from .protocol import DEFAULT_SETTINGS, DISPLAY_SETTINGS, LIVE_SETTINGS, check_settings, combine

COMPUTE_LOCK = threading.Lock()
"""Held around every lucidnet computation: ``no_grad`` is process-wide, so two
sessions (two tabs) must not run forward/backward passes at the same time."""

HISTORY_EPOCHS = 20000
"""Epochs of losses kept for the loss chart (a long run keeps its latest)."""

NEURON_CELLS = 65536
"""Budget of grid cells for all neuron canvases together (sets their resolution)."""


def output_layer(settings: dict[str, Any]) -> tuple[int, str]:
    """Units and activation of the output layer for the problem and loss.

    Regression: one identity unit.  By the loss's ``target_kind``: binary targets
    (``binary_crossentropy``) one sigmoid unit; ±1 signs (``hinge``) one score; class
    labels (``softmax_cross_entropy``, ``multiclass_hinge``) one logit (score) per class.
    """
    target_kind = losses.get(settings["loss"]).target_kind
    if settings["problem"] == "regression" or target_kind == "signs":
        return 1, "identity"
    if target_kind == "binary":
        return 1, "sigmoid"
    return data.n_classes(settings["dataset"], settings["classes"]), "identity"


def _outputs_probabilities(activation: str) -> bool:
    return activations.get(activation).outputs_probabilities


def display_values(settings: dict[str, Any], raw: np.ndarray) -> np.ndarray:
    """What the heatmap colours, from the model's raw outputs ``raw`` (n, units):

    * regression and two classes: one column ``t`` in ``[-1, 1]`` (orange -1 .. blue +1):
      ``clip(y, -1, 1)`` for regression, ``2 p - 1`` for a sigmoid unit,
      ``p_1 - p_0`` for two softmax logits, ``clip(s, -1, 1)`` for a hinge score;
    * more classes: the softmax of the logits/scores, one column per class.
    """
    raw = np.asarray(raw, dtype=np.float64)
    units, activation = output_layer(settings)
    if units == 1:
        values = 2.0 * raw - 1.0 if _outputs_probabilities(activation) else raw
        return np.clip(values, -1.0, 1.0).astype(np.float32)
    shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    if units == 2:
        return (probabilities[:, 1:] - probabilities[:, :1]).astype(np.float32)
    return probabilities.astype(np.float32)


def predicted_classes(settings: dict[str, Any], raw: np.ndarray) -> np.ndarray:
    """Class index of each row of raw outputs (threshold 0.5 for sigmoid, 0 for a score)."""
    units, activation = output_layer(settings)
    if units == 1:
        return (raw[:, 0] > (0.5 if _outputs_probabilities(activation) else 0.0)).astype(np.int64)
    return raw.argmax(axis=1)


class Session:
    """Data, model and training state for one page (see the module docstring).

    ``settings`` (a partial dict, checked like a client message) overrides
    :data:`~lucidnet.playground.protocol.DEFAULT_SETTINGS`.
    """

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.settings = combine(DEFAULT_SETTINGS, check_settings(settings or {}))
        self.init_draw = 0
        self.build(new_data=True)

    # ------------------------------------------------------------------ building
    def build(self, new_data: bool) -> None:
        """(Re)make the data when ``new_data``, then the model with fresh initial weights."""
        with self.lock:
            s = self.settings
            if new_data:
                self.data = data.make_data(s)
            self.x_train = data.features(self.data["points_train"], s["features"])
            self.x_test = data.features(self.data["points_test"], s["features"])
            self.grid_points = data.grid_points()
            self.x_grid = data.features(self.grid_points, s["features"])
            hidden = sum(layer["units"] for layer in s["layers"])
            self.neuron_resolution = int(np.clip(math.isqrt(NEURON_CELLS // max(hidden, 1)), 8, 25))
            self.x_neuron_grid = data.features(
                data.grid_points(self.neuron_resolution), s["features"]
            )
            self.model = self._make_model()
            self.initial_weights = self._draw_initial_weights()
            self._start()

    def _make_model(self) -> Sequential:
        s = self.settings
        units, activation = output_layer(s)
        specs = [*s["layers"], {"units": units, "activation": activation}]
        names = [f"hidden_{i}" for i in range(1, len(s["layers"]) + 1)] + ["output"]
        model_layers = []
        for index, (spec, name) in enumerate(zip(specs, names, strict=True)):
            first = {"input_shape": (len(s["features"]),)} if index == 0 else {}
            model_layers.append(
                layer_types.Dense(
                    spec["units"],
                    activation=spec["activation"],
                    kernel_initializer=s["initializer"],
                    kernel_regularizer=self._regularizer(),
                    name=name,
                    **first,
                )
            )
        return Sequential(model_layers, name="playground")

    def _regularizer(self) -> Any:
        s = self.settings
        if s["regularization"] == "none" or s["regularization_rate"] == 0:
            return None
        return regularizers.get(
            s["regularization"], **{s["regularization"]: s["regularization_rate"]}
        )

    def _draw_initial_weights(self) -> list[np.ndarray]:
        """Seeded initial weights: the same seed, settings and draw give the same weights."""
        generator = np.random.default_rng([self.settings["seed"], 2, self.init_draw])
        weights = []
        for layer in self.model.layers:
            kernel = layer.resolved_kernel_initializer()(
                layer.weight.shape, rng=generator, dtype=layer.weight.dtype
            )
            bias = initializers.get(layer.bias_initializer)(
                layer.bias.shape, rng=generator, dtype=layer.bias.dtype
            )
            weights += [
                np.asarray(kernel, dtype=layer.weight.dtype),
                np.asarray(bias, dtype=layer.bias.dtype),
            ]
        return weights

    def _start(self) -> None:
        """Load the initial weights, a fresh optimizer, and clear the training record."""
        self._load(self.initial_weights)
        self._compile()
        self.epoch = 0
        self.shuffle_rng = np.random.default_rng([self.settings["seed"], 3, self.init_draw])
        # (epoch, train loss, test loss, metric); the oldest go first in very long runs
        self.history: deque[tuple[int, float, float, float]] = deque(maxlen=HISTORY_EPOCHS)
        self.ms_per_epoch = 0.0
        self.health: dict[str, Any] | None = None
        self.neuron_health: list[list[str]] = [
            ["ok"] * layer["units"] for layer in self.settings["layers"]
        ]
        self.nan: dict[str, Any] | None = None
        self.loss_train, self.loss_test, self.metric_test = self._evaluate()
        self.lint = self._lint(preflight=True)
        self.version = getattr(self, "version", 0) + 1

    def _load(self, weights: list[np.ndarray]) -> None:
        for layer, kernel, bias in zip(self.model.layers, weights[::2], weights[1::2], strict=True):
            layer.weight.data[...] = kernel
            layer.bias.data[...] = bias

    def _compile(self) -> None:
        s = self.settings
        optimizer = optim.get(s["optimizer"], lr=s["learning_rate"])
        self.model.compile(optimizer=optimizer, loss=s["loss"], lint=False)

    def _lint(self, preflight: bool = False) -> list[dict[str, Any]]:
        with COMPUTE_LOCK:
            return doctor.advice(
                self.model, self.settings["loss"], self.x_train, self.data["y_train"], preflight
            )

    # ------------------------------------------------------------------ changes
    def update(self, values: dict[str, Any]) -> str:
        """Apply checked settings; returns what it took: ``"live"``, ``"display"``, ``"model"``
        or ``"data"`` (ValueError when the combination does not fit, nothing changed then)."""
        with self.lock:
            settings = combine(self.settings, values)
            changed = {key for key in settings if settings[key] != self.settings[key]}
            self.settings = settings
            if not changed or changed <= DISPLAY_SETTINGS:
                return "display"
            if changed <= LIVE_SETTINGS:
                self._apply_live(changed)
                return "live"
            data_keys = {
                "dataset",
                "problem",
                "classes",
                "noise",
                "train_ratio",
                "n_samples",
                "seed",
            }
            self.build(new_data=bool(changed & data_keys))
            return "data" if changed & data_keys else "model"

    def _apply_live(self, changed: set[str]) -> None:
        s = self.settings
        if "optimizer" in changed:
            self._compile()  # a new optimizer starts with empty state, the weights stay
        elif "learning_rate" in changed:
            for group in self.model.optimizer.param_groups:
                group["lr"] = s["learning_rate"]
        if changed & {"regularization", "regularization_rate"}:
            regularizer = self._regularizer()
            for layer in self.model.layers:
                layer.kernel_regularizer = regularizer
            self.lint = self._lint()
        self.nan = None

    def reset(self, keep_init: bool) -> None:
        """Back to epoch 0: the same initial weights with ``keep_init``, a new draw otherwise."""
        with self.lock:
            if not keep_init:
                self.init_draw += 1
                self.initial_weights = self._draw_initial_weights()
            self._start()

    def regenerate(self) -> None:
        """New data (the next seed) and a new network, as TF Playground's button."""
        with self.lock:
            self.settings = {**self.settings, "seed": (self.settings["seed"] + 1) % 2**31}
            self.init_draw = 0
            self.build(new_data=True)

    def set_weight(self, layer: int, unit: int, source: int, value: float) -> None:
        """Edit one weight (``source`` = -1 edits the bias) of Dense layer ``layer`` (0-based)."""
        with self.lock:
            if layer >= len(self.model.layers):
                raise ValueError(
                    f"layer {layer} does not exist (the model has {len(self.model.layers)})"
                )
            target = self.model.layers[layer]
            units = target.weight.shape[1]
            if unit >= units or source >= target.weight.shape[0]:
                raise ValueError(
                    f"weight ({source}, {unit}) is outside layer {layer} of shape {target.weight.shape}"
                )
            if source < 0:
                target.bias.data[unit] = value
            else:
                target.weight.data[source, unit] = value
            self.loss_train, self.loss_test, self.metric_test = self._evaluate()

    # ------------------------------------------------------------------ training
    def train_epoch(self) -> dict[str, Any]:
        """One epoch of ``fit`` (with HealthMonitor on every ``health_every``-th), then the figures.

        A non-finite loss leaves the last good weights (fit's NaN guard) and sets
        :attr:`nan` to the cause and the fix; the caller pauses.
        """
        with self.lock:
            s = self.settings
            health_now = (self.epoch + 1) % s["health_every"] == 0 or self.epoch == 0
            monitors = [doctor.quiet_monitor()] if health_now else None
            started = time.perf_counter()
            order = self.shuffle_rng.permutation(len(self.x_train))  # seeded: runs replay exactly
            with COMPUTE_LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                record = self.model.fit(
                    self.x_train[order],
                    self.data["y_train"][order],
                    epochs=1,
                    batch_size=min(s["batch_size"], len(self.x_train)),
                    shuffle=False,
                    callbacks=monitors,
                    verbose=0,
                )
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            losses = record.history.get("loss", [])
            stopped = record.stop_reason not in (None, "completed", "early_stopping")
            if stopped or not losses or not all(np.isfinite(w).all() for w in self.weights()):
                self.nan = doctor.explain_non_finite(record, s, self.epoch + 1)
                self.loss_train, self.loss_test, self.metric_test = self._evaluate()  # kept weights
                return {"epoch": self.epoch, "nan": self.nan}
            self.epoch += 1
            self.ms_per_epoch = (
                elapsed_ms if self.epoch == 1 else 0.9 * self.ms_per_epoch + 0.1 * elapsed_ms
            )
            self.loss_train, self.loss_test, self.metric_test = self._evaluate()
            self.history.append((self.epoch, self.loss_train, self.loss_test, self.metric_test))
            if health_now and record.health:
                self.health = {
                    "epoch": self.epoch,
                    "layers": doctor.layer_rows(self.model, record.health[-1], s),
                    # a network that learns well gets notes, not alarms
                    "learning_well": bool(self.metric_test >= 0.9),
                }
                with COMPUTE_LOCK:
                    self.neuron_health = doctor.neuron_verdicts(self.model, self.x_train)
            return {"epoch": self.epoch, "loss_train": self.loss_train, "loss_test": self.loss_test}

    def _evaluate(self) -> tuple[float, float, float]:
        """Loss on the training and test sets, and test accuracy (or R^2 for regression)."""
        with COMPUTE_LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            train = self.model.evaluate(self.x_train, self.data["y_train"])["loss"]
            test = self.model.evaluate(self.x_test, self.data["y_test"])["loss"]
            raw = self.model.predict(self.x_test)
        y_test = self.data["y_test"]
        if self.settings["problem"] == "regression":  # R^2 = 1 - SS_res / SS_tot
            with np.errstate(all="ignore"):
                residual = float(((raw.astype(np.float64) - y_test) ** 2).sum())
            total = float(((y_test - y_test.mean()) ** 2).sum())
            metric = 1.0 - residual / total if total > 0 else 0.0
        else:
            metric = float((predicted_classes(self.settings, raw) == y_test).mean())
        return float(train), float(test), metric

    # ------------------------------------------------------------------ what is shown
    def weights(self) -> list[np.ndarray]:
        """Kernels and biases in layer order: ``[W1, b1, W2, b2, ...]``."""
        return [
            array for layer in self.model.layers for array in (layer.weight.data, layer.bias.data)
        ]

    def predict_grid(self) -> np.ndarray:
        """The model's raw outputs on the heatmap grid (``GRID^2`` rows)."""
        with COMPUTE_LOCK, np.errstate(all="ignore"):
            return self.model.predict(self.x_grid)

    def neuron_grids(self) -> np.ndarray:
        """Every hidden unit's output on the small grid: (units, res, res), layer by layer."""
        grids = []
        res = self.neuron_resolution
        with COMPUTE_LOCK, no_grad(), np.errstate(all="ignore"):
            values = Tensor(self.x_neuron_grid)
            for layer in self.model.layers[:-1]:
                values = layer(values)
                grids.append(values.data.T.reshape(-1, res, res))
        if not grids:
            return np.zeros((0, res, res), dtype=np.float32)
        return np.concatenate(grids).astype(np.float32)

    def frame(self) -> tuple[dict[str, Any], list[tuple[str, np.ndarray]]]:
        """The live picture: a small header and the float32 arrays (see :mod:`.frames`)."""
        with self.lock:
            output = display_values(self.settings, self.predict_grid())
            arrays = [("output", output.reshape(data.GRID, data.GRID, -1))]
            arrays.append(("neurons", self.neuron_grids()))
            for index, layer in enumerate(self.model.layers, start=1):
                arrays += [(f"W{index}", layer.weight.data), (f"b{index}", layer.bias.data)]
            header = {
                "version": self.version,
                "epoch": self.epoch,
                "loss_train": _finite_or_none(self.loss_train),
                "loss_test": _finite_or_none(self.loss_test),
                "metric_test": _finite_or_none(self.metric_test),
                "metric": "r2" if self.settings["problem"] == "regression" else "accuracy",
                "ms_per_epoch": round(self.ms_per_epoch, 3),
                "health": self.health,
                "neuron_health": self.neuron_health,
                "nan": self.nan,
            }
            return header, arrays

    def describe(self) -> dict[str, Any]:
        """What the page needs after a (re)build: settings, data points, shapes, lint, histogram."""
        with self.lock:
            kernels = np.concatenate([w.ravel() for w in self.initial_weights[::2]])
            counts, edges = np.histogram(kernels, bins=30)
            units, activation = output_layer(self.settings)
            return {
                "type": "model",
                "version": self.version,
                "settings": self.settings,
                "classes": data.n_classes(self.settings["dataset"], self.settings["classes"]),
                "output": {"units": units, "activation": activation},
                "shapes": [list(layer.weight.shape) for layer in self.model.layers],
                "neuron_resolution": self.neuron_resolution,
                "grid": {"resolution": data.GRID, "domain": data.DOMAIN},
                "points": self._points(),
                "lint": self.lint,
                "init_histogram": {
                    "counts": counts.tolist(),
                    "edges": [float(e) for e in edges],
                    "initializer": self.settings["initializer"],
                    "std": float(kernels.std()),
                },
                "history": [list(entry) for entry in self.history],
            }

    def _points(self) -> dict[str, Any]:
        def as_lists(points: np.ndarray, targets: np.ndarray) -> dict[str, Any]:
            return {"x": np.round(points, 5).tolist(), "y": targets.ravel().tolist()}

        return {
            "train": as_lists(self.data["points_train"], self.data["y_train"]),
            "test": as_lists(self.data["points_test"], self.data["y_test"]),
        }

    def state(self) -> dict[str, Any]:
        """``GET /api/state``: settings, data points, epoch, weights and the grid predictions."""
        with self.lock:
            raw = self.predict_grid()
            return {
                "settings": self.settings,
                "epoch": self.epoch,
                "points": self._points(),
                "layers": [
                    {
                        "units": layer.units,
                        "activation": layer.activation_name,
                        "kernel": layer.weight.data.tolist(),
                        "bias": layer.bias.data.tolist(),
                    }
                    for layer in self.model.layers
                ],
                "grid": {"resolution": data.GRID, "domain": data.DOMAIN},
                "predictions": raw.tolist(),
                "loss_train": _finite_or_none(self.loss_train),
                "loss_test": _finite_or_none(self.loss_test),
                "metric_test": _finite_or_none(self.metric_test),
                "nan": self.nan,
            }

    def weights_file(self) -> bytes:
        """The model as a lucidnet ``.safetensors`` file (weights + architecture)."""
        import tempfile
        from pathlib import Path

        with self.lock, tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.safetensors"
            self.model.save(path)
            return path.read_bytes()

    def script(self) -> str:
        """A runnable lucidnet script that rebuilds this data and network (see :mod:`.export`)."""
        from .export import python_script

        with self.lock:
            return python_script(self.settings, self.model, self.epoch)


def _finite_or_none(value: float) -> float | None:
    return value if value is not None and math.isfinite(value) else None
