"""Keras-style training: ``compile``, ``fit``, ``evaluate`` and ``predict`` for any Module.

One training step is: forward on a batch, loss (+ regularization penalties),
``backward()``, optimizer step, gradients cleared — the PyTorch loop, run for
you with batching, seeded shuffling, validation, callbacks and a progress bar.

A non-finite loss stops training with a message naming the epoch and batch,
and the weights of the last good step are put back.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..blocks import regularizers as regularizer_registry
from ..blocks.layers import Dense, Linear, Maxout
from ..blocks.module import Module
from ..engine.random import get_rng
from ..engine.tensor import Parameter, Tensor, no_grad
from . import losses as loss_registry
from . import metrics as metric_registry
from .callbacks import CallbackList, History
from .data import (
    check_class_labels,
    prepare_features,
    prepare_targets,
    split_validation,
)
from .optim import optimizer as optimizer_registry
from .plan import TrainingPlan

# Layers whose output width is their ``units``.
_KNOWN_WIDTH = (Dense, Linear, Maxout)

# Losses whose targets are integer class indices (checked against the output width).
_LABEL_LOSSES = {"sparse_categorical_crossentropy", "softmax_cross_entropy", "multiclass_hinge"}


class NonFiniteLossWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite."""


@dataclass
class TrainingSetup:
    """What ``compile`` resolved: optimizer, loss, metrics and regularization terms."""

    optimizer: Any
    loss: Any
    metrics: list[Any]
    metric_names: list[str]
    penalties: list[tuple[Any, Parameter]] = field(default_factory=list)


def compile(
    model: Module,
    optimizer: Any = "adam",
    loss: Any = None,
    metrics: Iterable[Any] | None = None,
    lint: bool = True,
) -> None:
    """Attach an optimizer, a loss and metrics to ``model`` for ``fit``/``evaluate``.

    Names, instances and callables are accepted for each.  ``lint=True`` runs
    :func:`lucidnet.lint` once and shows its warnings.
    """
    if loss is None:
        raise ValueError("compile needs a loss, e.g. loss='softmax_cross_entropy' or 'mse'")
    resolved_loss = loss_registry.get(loss)
    loss_registry.ensure_differentiable(resolved_loss)
    resolved_optimizer = optimizer_registry.get(optimizer)
    if not hasattr(resolved_optimizer, "step"):
        raise TypeError(f"optimizer must be a name or an ln.optim optimizer, got {optimizer!r}")
    metric_objects = [metric_registry.get(m) for m in (metrics or [])]
    names = [_metric_name(m, given) for m, given in zip(metric_objects, metrics or [], strict=True)]
    model.optimizer = resolved_optimizer
    model._training_setup = TrainingSetup(resolved_optimizer, resolved_loss, metric_objects, names)
    if lint:
        _run_lint(model, resolved_loss)


def _run_lint(model: Module, loss: Any) -> None:
    try:
        from ..diagnostics.lint import lint as run_lint
    except ImportError:  # lint not available in this build
        return
    run_lint(model, loss=loss, warn=True)


def _metric_name(metric: Any, given: Any) -> str:
    if isinstance(given, str):
        return given
    return getattr(metric, "name", getattr(metric, "__name__", type(metric).__name__))


def _setup(model: Module) -> TrainingSetup:
    setup = getattr(model, "_training_setup", None)
    if setup is None:
        raise ValueError(
            f"model {model.name!r} is not compiled: call model.compile(optimizer=..., "
            "loss=...) before fit/evaluate"
        )
    return setup


# ---------------------------------------------------------------- data preparation
def _expected_features(model: Module) -> int | None:
    shape = getattr(model, "input_shape", None)
    if isinstance(shape, tuple) and len(shape) == 1:
        return shape[0]
    first = next(
        (m for m in model.modules() if getattr(m, "weight", None) is not None and m is not model),
        None,
    )
    if first is not None and getattr(first, "input_shape", None) is not None:
        return first.input_shape[-1]
    return None


def _output_width(model: Module, x: np.ndarray) -> int:
    last = getattr(model, "layers", None)
    if last and type(last[-1]) in _KNOWN_WIDTH and last[-1].built:  # no forward pass needed
        return last[-1].units
    with no_grad():
        was_training = model.training
        model.eval()
        try:
            out = model(Tensor(x[:2]))
        finally:
            model.train(was_training)
    if not isinstance(out, Tensor):
        raise ValueError(
            f"fit/evaluate support models with one output tensor; model "
            f"{model.name!r} returned {type(out).__name__}"
        )
    return out.shape[-1]


def _prepare(
    model: Module, setup: TrainingSetup | None, x: Any, y: Any, argument: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    features = prepare_features(x, model.dtype, _expected_features(model), f"{argument}x")
    width = _output_width(model, features)
    targets = prepare_targets(y, features.shape[0], width, f"{argument}y", f"{argument}x")
    loss_name = getattr(setup.loss, "name", None) if setup is not None else None
    if loss_name in _LABEL_LOSSES and (targets.ndim == 1 or targets.shape[1:] == (1,)):
        check_class_labels(targets, width, f"{argument}y")
    elif targets.ndim == 2 and targets.shape[1] != width:
        raise ValueError(
            f"{argument}y has {targets.shape[1]} columns (shape {targets.shape}) but "
            f"the model outputs {width}"
        )
    if targets.dtype.kind == "f":
        targets = targets.astype(model.dtype, copy=False)
    return features, targets


# ---------------------------------------------------------------- the loops
class _Running:
    """Sample-weighted running means of loss and metrics over an epoch."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.count = 0

    def add(self, values: dict[str, float], n: int) -> None:
        for key, value in values.items():
            self.totals[key] = self.totals.get(key, 0.0) + value * n
        self.count += n

    def means(self) -> dict[str, float]:
        return {k: v / self.count for k, v in self.totals.items()}


def _batch_figures(
    setup: TrainingSetup, prediction: np.ndarray, targets: np.ndarray
) -> dict[str, float]:
    return {
        name: float(metric(prediction, targets))
        for name, metric in zip(setup.metric_names, setup.metrics, strict=True)
    }


def fit(
    model: Module,
    x: Any,
    y: Any,
    epochs: int = 1,
    batch_size: int | None = 32,
    validation_split: float = 0.0,
    validation_data: tuple[Any, Any] | None = None,
    shuffle: bool = True,
    callbacks: Iterable[Any] | None = None,
    verbose: int = 1,
    initial_epoch: int = 0,
    preflight: bool = False,
) -> History:
    """Train ``model`` on ``(x, y)``; returns a History whose ``.history`` maps names to lists.

    ``preflight=True`` first runs :func:`lucidnet.preflight` on the data and keeps its
    advice in ``history.advice`` (shown unless ``verbose=0``).
    """
    setup = _setup(model)
    for argument, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{argument} must be a non-negative int, got {value!r}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")
    features, targets = _prepare(model, setup, x, y)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (x_val, y_val)")
        val_x, val_y = _prepare(model, setup, *validation_data, argument="validation ")
    elif validation_split:
        (features, targets), (val_x, val_y) = split_validation(
            [features, targets], validation_split
        )
    else:
        val_x = val_y = None
    n = features.shape[0]
    batch_size = _check_batch_size(batch_size, n)

    setup.penalties = regularizer_registry.penalty_terms(model)
    optimizer = setup.optimizer
    if not optimizer.is_bound:
        optimizer.bind(model.trainable_parameters())
    history = History()
    history.params = {
        "epochs": epochs,
        "steps": math.ceil(n / batch_size),
        "samples": n,
        "batch_size": batch_size,
        "verbose": verbose,
    }
    model.history = history
    if preflight:  # tools above training: loaded only when asked for
        from ..diagnostics.preflight import preflight as run_preflight

        history.advice = run_preflight(model, features, targets, verbose=min(verbose, 1))
    callback_list = CallbackList(callbacks, model, history)
    model.stop_training = False
    rng = get_rng()
    model.train()
    stepper = _stepper(model, setup, callback_list)
    stepper.backup()
    callback_list.on_train_begin({})
    try:
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch, {})
            order = rng.permutation(n) if shuffle else None
            running = _Running()
            progress = _progress_bar(verbose, epoch, epochs, n)
            started = time.perf_counter()
            for batch, start in enumerate(range(0, n, batch_size)):
                callback_list.on_train_batch_begin(batch, {})
                if order is None:  # slices are views: no copy of the batch
                    batch_x = features[start : start + batch_size]
                    batch_y = targets[start : start + batch_size]
                else:
                    index = order[start : start + batch_size]
                    batch_x, batch_y = features[index], targets[index]
                data_loss, penalty, prediction = stepper.forward(batch_x, batch_y)
                figures = {"loss": data_loss + penalty}
                if setup.penalties:
                    figures["regularization"] = penalty
                if not math.isfinite(figures["loss"]):
                    stepper.restore()
                    _stop_on_non_finite(model, history, epoch, batch, figures["loss"], verbose)
                    break
                stepper.backup()
                stepper.backward(batch)
                if setup.metrics:
                    figures.update(_batch_figures(setup, prediction, batch_y))
                running.add(figures, len(batch_x))
                callback_list.on_train_batch_end(batch, figures)
                if progress is not None:
                    progress.update(len(batch_x))
                    progress.set_postfix(
                        {k: f"{v:.4f}" for k, v in running.means().items()}, refresh=False
                    )
            if history.stop_reason is not None:
                if progress is not None:
                    progress.close()
                break
            logs = running.means()
            if val_x is not None:
                validation = _evaluate_arrays(model, setup, val_x, val_y, batch_size)
                logs.update({f"val_{k}": v for k, v in validation.items()})
            if progress is not None:
                progress.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
                progress.close()
            elif verbose == 2:
                seconds = time.perf_counter() - started
                print(
                    f"Epoch {epoch + 1}/{epochs} - {seconds:.2f}s - "
                    + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
                )
            callback_list.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    finally:
        stepper.finish()
    callback_list.on_train_end({})
    return history


def _stepper(model: Module, setup: TrainingSetup, callback_list: CallbackList) -> Any:
    """The static plan when the model and loss allow it (same numbers, faster), else the tape."""
    if not callback_list.wants_backward_hook:
        cached = getattr(model, "_training_plan", None)
        if cached is not None and cached.still_fits(setup.loss, setup.optimizer, setup.penalties):
            return cached
        plan = TrainingPlan.build(model, setup.loss, setup.optimizer, setup.penalties)
        object.__setattr__(model, "_training_plan", plan)
        if plan is not None:
            return plan
    return _TapeStep(model, setup, callback_list)


class _TapeStep:
    """The generic training step on the autograd tape: any Module, loss and callbacks."""

    def __init__(self, model: Module, setup: TrainingSetup, callback_list: CallbackList) -> None:
        self.model = model
        self.setup = setup
        self.callback_list = callback_list
        self.backward_hook = callback_list.wants_backward_hook
        self.parameters = model.trainable_parameters()
        self.saved = [p.data.copy() for p in self.parameters]
        self.loss: Tensor | None = None

    def forward(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Forward pass and loss: its data part, the penalty and the prediction."""
        prediction = self.model(Tensor(x))
        loss = self.setup.loss(prediction, y)
        data_loss, penalty_value = float(loss.data), 0.0
        if self.setup.penalties:
            penalty = sum(
                (r(p) for r, p in self.setup.penalties[1:]),
                self.setup.penalties[0][0](self.setup.penalties[0][1]),
            )
            penalty_value = float(penalty.data)
            loss = loss + penalty
        self.loss = loss
        return data_loss, penalty_value, prediction.data

    def backward(self, batch: int) -> None:
        """Gradients of the last ``forward`` (then the backward hook) and the optimizer step."""
        self.setup.optimizer.zero_grad()
        self.loss.backward()
        self.loss = None
        if self.backward_hook:
            self.callback_list.on_backward_end(batch)
        self.setup.optimizer.step()

    def backup(self) -> None:
        for parameter, saved in zip(self.parameters, self.saved, strict=True):
            np.copyto(saved, parameter.data)

    def restore(self) -> None:
        for parameter, saved in zip(self.parameters, self.saved, strict=True):
            parameter.data[...] = saved
            parameter.grad = None

    def finish(self) -> None:
        """Nothing to hand back: the tape works on the parameters directly."""


def _check_batch_size(batch_size: int | None, n: int) -> int:
    if batch_size is None:
        return min(32, n)
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size <= 0
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    return int(min(batch_size, n))


def _stop_on_non_finite(
    model: Module, history: History, epoch: int, batch: int, value: float, verbose: int
) -> None:
    message = (
        f"loss became {value} at epoch {epoch + 1}, batch {batch + 1}; training stopped and "
        "the weights of the last good step were restored. Lower the learning rate, scale "
        "the inputs, or clip gradients."
    )
    history.stop_reason = message
    history.advice = [*history.advice, _non_finite_advice(model, value, epoch, batch)]
    model.stop_training = True
    warnings.warn(message, NonFiniteLossWarning, stacklevel=4)
    if verbose:
        print(message, file=sys.stderr)


def _non_finite_advice(model: Module, value: float, epoch: int, batch: int) -> Any:
    """The NaN guard's finding as an ``ln.Advice`` (cause ``non_finite``)."""
    from ..diagnostics.health import diagnose_non_finite  # tools above training

    return diagnose_non_finite(model, value, epoch, batch)


def _progress_bar(verbose: int, epoch: int, epochs: int, n: int) -> Any:
    if verbose != 1:
        return None
    from tqdm.auto import tqdm

    return tqdm(
        total=n,
        desc=f"Epoch {epoch + 1}/{epochs}",
        unit="sample",
        leave=True,
        dynamic_ncols=True,
        file=sys.stdout,
    )


def _evaluate_arrays(
    model: Module, setup: TrainingSetup, x: np.ndarray, y: np.ndarray, batch_size: int | None
) -> dict[str, float]:
    batch_size = _check_batch_size(batch_size if batch_size is not None else 1024, len(x))
    running = _Running()
    model.eval()
    try:
        with no_grad():
            for start in range(0, len(x), batch_size):
                batch_x, batch_y = x[start : start + batch_size], y[start : start + batch_size]
                prediction = model(Tensor(batch_x))
                figures = {"loss": float(setup.loss(prediction, batch_y).data)}
                figures.update(_batch_figures(setup, prediction.data, batch_y))
                running.add(figures, len(batch_x))
            penalty = sum(float(r(p).data) for r, p in regularizer_registry.penalty_terms(model))
    finally:
        model.train()
    logs = running.means()
    if penalty:
        logs["loss"] += penalty
        logs["regularization"] = penalty
    return logs


def evaluate(
    model: Module, x: Any, y: Any, batch_size: int | None = None, verbose: int = 0
) -> dict[str, float]:
    """Loss (with regularization penalties) and metrics over ``(x, y)``, as a dict."""
    setup = _setup(model)
    features, targets = _prepare(model, setup, x, y)
    logs = _evaluate_arrays(model, setup, features, targets, batch_size)
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
    return logs


def predict(model: Module, x: Any, batch_size: int | None = None) -> np.ndarray:
    """Model outputs for ``x`` as an ndarray (eval mode, no graph)."""
    features = prepare_features(x, model.dtype, _expected_features(model))
    batch_size = _check_batch_size(batch_size if batch_size is not None else 1024, len(features))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outputs = [
                model(Tensor(features[s : s + batch_size])).data
                for s in range(0, len(features), batch_size)
            ]
    finally:
        model.train(was_training)
    return np.concatenate(outputs, axis=0)


__all__ = ["NonFiniteLossWarning", "compile", "evaluate", "fit", "predict"]
