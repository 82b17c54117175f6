"""Callbacks for ``fit``: hooks called at the start and end of training, epochs and batches.

Keras's set: ``History`` (always on), ``EarlyStopping``, ``ModelCheckpoint``,
``LearningRateScheduler``, ``ReduceLROnPlateau``, ``CSVLogger``.  A PyTorch-style
scheduler (``ln.optim.StepLR(...)``) may also be passed in ``callbacks``: it is
stepped after every epoch.
"""

from __future__ import annotations

import csv
import math
import string
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .._checks import check_int


class Callback:
    """Base class: override the hooks you need. ``self.model`` is set by ``fit``."""

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None: ...

    def on_backward_end(self, batch: int) -> None:
        """After gradients are computed and before the optimizer step (for monitors)."""


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is the per-epoch list.

    ``stop_reason`` says why training stopped: "completed" (all epochs ran),
    "early_stopping" (a callback set ``model.stop_training``) or "non_finite" (the NaN
    guard; ``stop_message`` then says where, and the stopped epoch is logged too).
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}
        self.health: list[dict[str, Any]] = []
        self.stop_reason: str | None = None
        self.stop_message: str | None = None
        self.advice: list[Any] = []  # ln.Advice from preflight, HealthMonitor and the NaN guard

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class _SchedulerCallback(Callback):
    """Steps a PyTorch-style epoch scheduler after each epoch."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.scheduler.step()


class CallbackList:
    """Calls every callback's hook in order; owns the History."""

    def __init__(self, callbacks: Iterable[Any] | None, model: Any, history: History) -> None:
        if callbacks is None:
            items = []
        elif isinstance(callbacks, Callback) or _is_scheduler(callbacks):  # one, not in a list
            items = [callbacks]
        else:
            items = list(callbacks)
        self.callbacks: list[Callback] = []
        for item in items:
            if isinstance(item, Callback):
                self.callbacks.append(item)
            elif _is_scheduler(item):
                self.callbacks.append(_SchedulerCallback(item))
            else:
                raise TypeError(
                    f"callbacks must be ln.callbacks.Callback objects or schedulers, "
                    f"got {type(item).__name__} {item!r}"
                )
        self.callbacks.append(history)
        for callback in self.callbacks:
            callback.set_model(model)

    def __getattr__(self, hook: str) -> Callable[..., None]:
        if not hook.startswith("on_"):
            raise AttributeError(hook)
        # Only callbacks that override the hook are called: batch hooks run on every step.
        methods = [
            getattr(c, hook)
            for c in self.callbacks
            if getattr(type(c), hook, None) is not getattr(Callback, hook, None)
        ]

        def call(*args: Any) -> None:
            for method in methods:
                method(*args)

        setattr(self, hook, call)  # resolved once per fit
        return call

    @property
    def wants_backward_hook(self) -> bool:
        return any(type(c).on_backward_end is not Callback.on_backward_end for c in self.callbacks)


def _is_scheduler(item: Any) -> bool:
    return hasattr(item, "step") and hasattr(item, "optimizer")


def _check_epochs(value: Any, argument: str) -> int:
    """A number of epochs (``patience``, ``cooldown``): an int >= 0."""
    return check_int(value, argument, low=0)


class _Monitor:
    """Shared "is this value better than the best so far" logic (Keras's mode/min_delta)."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = (
                "max" if any(k in monitor for k in ("acc", "precision", "recall", "f1")) else "min"
            )
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best = math.inf if mode == "min" else -math.inf
        self._warned = False

    def value(self, logs: dict[str, Any] | None) -> float | None:
        if logs is None or self.monitor not in logs:
            if not self._warned:
                warnings.warn(
                    f"monitored metric {self.monitor!r} is not available; available: "
                    f"{sorted(logs or {})}",
                    RuntimeWarning,
                    stacklevel=3,
                )
                self._warned = True
            return None
        return float(logs[self.monitor])

    def improved(self, current: float) -> bool:
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    ``restore_best_weights=True`` puts back the weights of the best epoch at the end.
    ``verbose=1`` says when and why it stopped (and which weights it restored).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
        baseline: float | None = None,
        verbose: int = 0,
    ) -> None:
        self.verbose = verbose
        self.tracker = _Monitor(monitor, mode, min_delta)
        self.patience = _check_epochs(patience, "patience")
        self.restore_best_weights = restore_best_weights
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        # Reset everything, so that one callback can serve several fits (as in Keras).
        self.wait = 0
        self.stopped_epoch = None
        self.best_epoch = None
        self.best_weights = None
        if self.baseline is not None:
            self.tracker.best = self.baseline
        else:
            self.tracker.best = math.inf if self.tracker.mode == "min" else -math.inf

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = self.tracker.value(logs)
        if current is None:
            return
        if self.tracker.improved(current):
            self.tracker.best = current
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.verbose:
                since = "" if self.best_epoch is None else f" since epoch {self.best_epoch + 1}"
                print(
                    f"Epoch {epoch + 1}: early stopping: {self.tracker.monitor} has not improved "
                    f"on {self.tracker.best:.6g}{since} (patience {self.patience})."
                )

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)
            if self.verbose:
                print(f"Restoring the weights of the best epoch, {self.best_epoch + 1}.")


class ModelCheckpoint(Callback):
    """Save the model (``model.save``) after each epoch, or only when ``monitor`` improves.

    ``filepath`` may contain ``{epoch}`` and log keys, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.lnx"``: ``epoch``, ``lr``, ``loss``,
    ``regularization`` and the names of ``ln.metrics``, each also with a ``val_`` prefix,
    and the ``monitor`` key.  Any other field is refused when the callback is created.

    Weights that are not finite are never written (a warning says so): after a
    divergence the file keeps the last good model.
    """

    def __init__(
        self,
        filepath: str | Path,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        save_weights_only: bool = False,
    ) -> None:
        self.filepath = str(filepath)
        _check_path_template(self.filepath, monitor)
        self.tracker = _Monitor(monitor, mode, 0.0)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_best_only:
            current = self.tracker.value(logs)
            if current is None or not math.isfinite(current) or not self.tracker.improved(current):
                return
            self.tracker.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **(logs or {}))
        except KeyError as error:
            raise ValueError(
                f"ModelCheckpoint filepath {self.filepath!r} names {{{error.args[0]}}}, which "
                f"epoch {epoch + 1} did not log; logged: {sorted(logs or {})}"
            ) from None
        if not all(np.isfinite(p.data).all() for p in self.model.parameters()):
            warnings.warn(
                f"ModelCheckpoint: the weights after epoch {epoch + 1} are not finite; "
                f"{path!r} was not written",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


def _template_fields(monitor: str) -> set[str]:
    """The fields a checkpoint path may name: the epoch and every key fit can log."""
    from . import metrics

    logged = {
        "loss",
        "regularization",
        monitor.removeprefix("val_"),
        *metrics.registry.names(),
        *metrics.registry.aliases(),
    }
    return {"epoch", "lr"} | logged | {f"val_{key}" for key in logged}


def _check_path_template(filepath: str, monitor: str) -> None:
    """Raise ValueError for a ``filepath`` template that could not be filled after an epoch."""
    try:
        fields = [
            field for _, field, _, _ in string.Formatter().parse(filepath) if field is not None
        ]
    except ValueError as error:
        raise ValueError(
            f"ModelCheckpoint filepath {filepath!r} is not a valid template: {error}"
        ) from None
    known = _template_fields(monitor)
    for field in fields:
        name = field.split("[")[0].split(".")[0]
        if name not in known:
            raise ValueError(
                f"ModelCheckpoint filepath {filepath!r} names the field {{{field}}}, which is "
                "not logged; use {epoch}, {loss}, {val_loss}, {lr}, the monitored key or a "
                "metric name such as {val_accuracy} (double a brace to write it literally)"
            )


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)`` (Keras)."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        if not callable(schedule):
            raise TypeError(f"schedule must be a callable (epoch, lr) -> lr, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        lr = float(self.schedule(epoch, float(optimizer.param_groups[0]["lr"])))
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"schedule returned an invalid learning rate {lr!r} at epoch {epoch}")
        for group in optimizer.param_groups:
            group["lr"] = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["lr"] = float(self.model.optimizer.param_groups[0]["lr"])


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs.

    Keras's meaning of ``patience`` and ``cooldown``: the lr is reduced at the end of
    the ``patience``-th epoch in a row without improvement (by more than ``min_delta``),
    and ``cooldown`` counts the epochs after a reduction until bad epochs count again.
    A callback around :class:`lucidnet.optim.ReduceLROnPlateau`, whose PyTorch rule
    reduces one epoch later (after *more than* ``patience`` bad epochs), so it is
    given ``patience - 1`` and ``cooldown - 1``.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        verbose: int = 0,
    ) -> None:
        self.tracker = _Monitor(monitor, mode, min_delta)
        self.patience = _check_epochs(patience, "patience")
        self.cooldown = _check_epochs(cooldown, "cooldown")
        self.options = {
            "factor": factor,
            "patience": max(self.patience - 1, 0),
            "threshold": min_delta,
            "cooldown": max(self.cooldown - 1, 0),
            "min_lr": min_lr,
        }
        self.verbose = verbose
        self.scheduler: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        from .optim import ReduceLROnPlateau as PlateauScheduler

        self.scheduler = PlateauScheduler(
            self.model.optimizer, mode=self.tracker.mode, threshold_mode="abs", **self.options
        )

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        current = self.tracker.value(logs)
        if current is None:
            return
        before = float(self.model.optimizer.param_groups[0]["lr"])
        self.scheduler.step(current)
        after = float(self.model.optimizer.param_groups[0]["lr"])
        if self.verbose and after != before:
            print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {after}.")
        if logs is not None:
            logs["lr"] = after


class CSVLogger(Callback):
    """Write one CSV row of logs per epoch (``epoch`` first)."""

    def __init__(self, filename: str | Path, separator: str = ",", append: bool = False) -> None:
        self.filename = Path(filename)
        self.separator = separator
        self.append = append
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._keys = None
        if not self.append and self.filename.exists():
            self.filename.unlink()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        new_file = not self.filename.exists() or self.filename.stat().st_size == 0
        if self._keys is None:
            self._keys = sorted(logs)
        with self.filename.open("a", newline="") as handle:
            writer = csv.writer(handle, delimiter=self.separator)
            if new_file:
                writer.writerow(["epoch", *self._keys])
            writer.writerow([epoch, *(logs.get(k, "") for k in self._keys)])


def __getattr__(name: str) -> Any:
    """``callbacks.HealthMonitor`` lives with the diagnostics (a level above); load it on use."""
    if name == "HealthMonitor":
        from ..diagnostics.health import HealthMonitor

        return HealthMonitor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
