"""The one training loop: ``fit``, ``evaluate``, ``predict`` and the scikit-learn estimators
all run here.

An epoch is: shuffle (from the given generator), then for each batch a step —
forward and loss, the NaN guard, backward and the optimizer update — computed by a
:class:`~lucidnet.training.step.TrainingStep` (the static plan or the autograd tape), with
callbacks around batches and epochs, a progress bar, and validation at the epoch end.

The NaN guard covers every step, the last one included:

* a non-finite loss stops training at once and puts back the weights of the last good
  step (the step whose loss was finite);
* at every epoch end the weights are checked (a step can make them non-finite while its
  loss, computed before the update, was finite); if they are not finite, the weights
  before the last update are put back, or those of the epoch start.

So after training the weights are always finite, and ``history.stop_reason`` says why
training stopped: ``"completed"``, ``"early_stopping"`` (a callback set
``model.stop_training``) or ``"non_finite"`` (then ``history.stop_message`` says where).
The stopped epoch is still logged, with the loss of its batches including the non-finite
one, so ``history.history["loss"]`` always has an entry for it.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._checks import check_int
from ..blocks import regularizers as regularizer_registry
from ..blocks.modes import evaluating, training_mode
from .callbacks import CallbackList, History
from .state import TrainingState
from .step import TrainingStep, choose_step
from .targets import Inputs, as_tensors, sample_count, take

STOP_REASONS = ("completed", "early_stopping", "non_finite")


class NonFiniteLossWarning(RuntimeWarning):
    """Training stopped because the loss (or the weights) became NaN or infinite."""


class _Running:
    """Sample-weighted running means of the loss and metrics over an epoch."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def add(self, values: dict[str, float], n: int) -> None:
        for key, value in values.items():
            self.totals[key] = self.totals.get(key, 0.0) + value * n
            self.counts[key] = self.counts.get(key, 0) + n

    def means(self) -> dict[str, float]:
        return {k: v / self.counts[k] for k, v in self.totals.items()}


def _batch_metrics(
    state: TrainingState, prediction: np.ndarray, targets: np.ndarray
) -> dict[str, float]:
    return {
        name: float(metric(prediction, targets))
        for name, metric in zip(state.metric_names, state.metrics, strict=True)
    }


def check_batch_size(batch_size: int | None, n: int, default: int = 32) -> int:
    """``batch_size`` clipped to ``n``; None means ``default``."""
    if batch_size is None:
        return min(default, n)
    return min(check_int(batch_size, "batch_size", low=1), n)


# ---------------------------------------------------------------- the NaN guard
class _Guard:
    """Keeps the weights finite: the step's backup for the last good step, and a copy taken
    at each epoch start for the rare step that made the weights non-finite with a finite
    loss before it.

    It looks at the arrays the step updates (``step.weights()``): the plan's one flat
    buffer per optimizer group, so the epoch-start copy and the finite check are one call
    each however many layers the model has.  An epoch of one batch needs no copy: the
    step's backup, taken before that batch's update, holds the epoch start.
    """

    def __init__(self, model: Any, step: TrainingStep, batches_per_epoch: int) -> None:
        self.step = step
        self.copies = batches_per_epoch > 1
        if not self.finite():
            name = next(n for n, p in model.named_parameters() if not np.isfinite(p.data).all())
            raise ValueError(
                f"model {model.name!r} has non-finite weights before training ({name!r}); "
                "re-initialize it or load finite weights"
            )
        self.epoch_start = [w.copy() for w in step.weights()]  # the last resort: these

    def finite(self) -> bool:
        # NaN and inf survive a sum, so a finite sum proves every weight finite in one
        # pass per array; only a sum that overflowed needs the element-wise look.
        weights = self.step.weights()
        total = 0.0
        for array in weights:
            total += np.add.reduce(array, axis=None)
        return math.isfinite(total) or all(np.isfinite(array).all() for array in weights)

    def mark_epoch_start(self) -> None:
        if not self.copies:
            return
        for saved, weights in zip(self.epoch_start, self.step.weights(), strict=True):
            np.copyto(saved, weights)

    def restore_finite(self) -> None:
        """Weights of the last good step, or of the epoch start if those are not finite."""
        self.step.restore()
        if not self.finite():
            for saved, weights in zip(self.epoch_start, self.step.weights(), strict=True):
                np.copyto(weights, saved)


def report_non_finite(
    model: Any,
    history: History,
    value: float,
    epoch: int,
    batch: int | None,
    verbose: int,
) -> None:
    """Stop training with ``stop_reason = "non_finite"``: the message in
    ``history.stop_message`` and the doctor's diagnosis in ``history.advice``, always;
    shown once, as a :class:`NonFiniteLossWarning` pointing at the caller's line, unless
    ``verbose=0`` (a finding is printed or warned, never both, and ``verbose=0``
    silences it).  ``batch`` is None when the loss was finite but the weights were not
    (found at the epoch end)."""
    what = "the weights became non-finite" if batch is None else f"loss became {value}"
    where = f"epoch {epoch + 1}" + ("" if batch is None else f", batch {batch + 1}")
    message = (
        f"{what} at {where}; training stopped and the weights of the last good step were "
        "restored. Lower the learning rate, scale the inputs, or clip gradients."
    )
    history.stop_reason = "non_finite"
    history.stop_message = message
    history.advice = [*history.advice, _non_finite_advice(model, value, epoch, batch)]
    model.stop_training = True
    if verbose:
        warnings.warn(message, NonFiniteLossWarning, stacklevel=5)


def _non_finite_advice(model: Any, value: float, epoch: int, batch: int | None) -> Any:
    """The NaN guard's finding as an ``ln.Advice`` (cause ``non_finite``)."""
    from ..diagnostics.health import diagnose_non_finite  # tools above training

    return diagnose_non_finite(model, value, epoch, batch)


# ---------------------------------------------------------------- one epoch
def _order(rng: np.random.Generator | None, n: int) -> np.ndarray | None:
    return None if rng is None else rng.permutation(n)


def _run_epoch(
    state: TrainingState,
    step: TrainingStep,
    callbacks: CallbackList,
    data: tuple[Inputs, np.ndarray],
    batch_size: int,
    order: np.ndarray | None,
    progress: Any,
) -> tuple[dict[str, float], tuple[float, int] | None]:
    """The steps of one epoch: the epoch's running logs, and (loss, batch) of a non-finite
    loss if one stopped it."""
    features, targets = data
    running = _Running()
    for batch, start in enumerate(range(0, len(targets), batch_size)):
        stop = start + batch_size
        index = slice(start, stop) if order is None else order[start:stop]
        batch_x, batch_y = take(features, index), targets[index]  # slices are views
        size = len(batch_y)
        callbacks.on_train_batch_begin(batch, {"batch": batch, "size": size})
        data_loss, penalty, prediction = step.forward(batch_x, batch_y)
        figures = {"loss": data_loss + penalty}
        if state.penalties:
            figures["regularization"] = penalty
        if not math.isfinite(figures["loss"]):
            running.add(figures, size)
            return running.means(), (figures["loss"], batch)
        step.backup()
        step.backward(batch)
        if state.metrics:
            figures.update(_batch_metrics(state, prediction, batch_y))
        running.add(figures, size)
        callbacks.on_train_batch_end(batch, figures)
        if progress is not None:
            progress.update(size)
            progress.set_postfix({k: f"{v:.4f}" for k, v in running.means().items()}, refresh=False)
    return running.means(), None


def run_training(
    model: Any,
    state: TrainingState,
    features: Inputs,
    targets: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    shuffle_rng: np.random.Generator | None,
    callbacks: Iterable[Any] | None = None,
    verbose: int = 0,
    initial_epoch: int = 0,
    validation: tuple[Inputs, np.ndarray] | None = None,
    validation_batch_size: int | None = None,
    advice: list[Any] | None = None,
) -> History:
    """Train ``model`` on checked arrays (see :mod:`.targets`) for epochs
    ``initial_epoch .. epochs - 1``; ``shuffle_rng`` shuffles every epoch (None: in order).

    Returns the History (also ``model.history``).
    """
    n = sample_count(features)
    history = History()
    history.params = {
        "epochs": epochs,
        "steps": math.ceil(n / batch_size),
        "samples": n,
        "batch_size": batch_size,
        "verbose": verbose,
    }
    history.advice = list(advice or [])  # e.g. preflight's findings
    model.history = history
    callback_list = CallbackList(callbacks, model, history)
    model.stop_training = False
    state.penalties = regularizer_registry.penalty_terms(model)
    if not state.optimizer.is_bound:
        state.optimizer.bind(model.trainable_parameters())
    with training_mode(model):
        step = choose_step(model, state, callback_list)
        try:
            guard = _Guard(model, step, history.params["steps"])
            step.backup()
            callback_list.on_train_begin({})
            for epoch in range(initial_epoch, epochs):
                callback_list.on_epoch_begin(epoch, {})
                guard.mark_epoch_start()
                progress = _progress_bar(verbose, epoch, epochs, n, batch_size)
                started = time.perf_counter()
                logs, tripped = _run_epoch(
                    state,
                    step,
                    callback_list,
                    (features, targets),
                    batch_size,
                    _order(shuffle_rng, n),
                    progress,
                )
                if tripped is not None:
                    guard.restore_finite()
                    report_non_finite(model, history, tripped[0], epoch, tripped[1], verbose)
                elif not guard.finite():
                    guard.restore_finite()
                    report_non_finite(model, history, math.nan, epoch, None, verbose)
                _end_epoch(
                    model,
                    state,
                    callback_list,
                    logs,
                    validation,
                    validation_batch_size,
                    progress,
                    verbose,
                    epoch,
                    epochs,
                    started,
                )
                if model.stop_training:
                    if history.stop_reason is None:
                        history.stop_reason = "early_stopping"
                    break
        finally:
            step.finish()
    if history.stop_reason is None:
        history.stop_reason = "completed"
    callback_list.on_train_end({})
    return history


def _end_epoch(
    model: Any,
    state: TrainingState,
    callbacks: CallbackList,
    logs: dict[str, float],
    validation: tuple[Inputs, np.ndarray] | None,
    validation_batch_size: int | None,
    progress: Any,
    verbose: int,
    epoch: int,
    epochs: int,
    started: float,
) -> None:
    """Validation, the epoch's line or bar, and the epoch-end callbacks (History records last)."""
    if validation is not None:
        scores = evaluate_arrays(model, state, *validation, validation_batch_size)
        logs.update({f"val_{k}": v for k, v in scores.items()})
    if progress is not None:
        progress.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
        progress.close()
    elif verbose == 2:
        seconds = time.perf_counter() - started
        print(
            f"Epoch {epoch + 1}/{epochs} - {seconds:.2f}s - "
            + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
        )
    callbacks.on_epoch_end(epoch, logs)


_MANY_EPOCHS, _FEW_BATCHES = 10, 2


class _EpochTick:
    """An epoch's view of the bar over all epochs: samples are not counted, close() ticks."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def update(self, samples: int) -> None:
        pass

    def set_postfix(self, values: dict[str, str], refresh: bool = True) -> None:
        self.bar.set_postfix(values, refresh=refresh)

    def close(self) -> None:
        self.bar.update(1)
        self.bar.close()


def _progress_bar(
    verbose: int, epoch: int, epochs: int, n: int, batch_size: int | None = None
) -> Any:
    """Keras's bar per epoch; for many tiny epochs (150 epochs of 1-2 batches) one bar over
    the epochs instead, drawn again in place each epoch and kept after the last."""
    if verbose != 1:
        return None
    from tqdm.auto import tqdm

    if batch_size and epochs >= _MANY_EPOCHS and -(-n // batch_size) <= _FEW_BATCHES:
        bar = tqdm(
            total=epochs,
            initial=epoch,
            desc="Epochs",
            unit="epoch",
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}",  # no per-bar timing
            leave=epoch == epochs - 1,
            dynamic_ncols=True,
            file=sys.stdout,
        )
        return _EpochTick(bar)
    return tqdm(
        total=n,
        desc=f"Epoch {epoch + 1}/{epochs}",
        unit="sample",
        leave=True,
        dynamic_ncols=True,
        file=sys.stdout,
    )


# ---------------------------------------------------------------- inference
def evaluate_arrays(
    model: Any, state: TrainingState, x: Inputs, y: np.ndarray, batch_size: int | None
) -> dict[str, float]:
    """Loss (with the regularization penalty) and metrics over checked arrays."""
    n = sample_count(x)
    batch_size = check_batch_size(batch_size, n, default=1024)
    running = _Running()
    with evaluating(model):
        for start in range(0, n, batch_size):
            index = slice(start, start + batch_size)
            batch_x, batch_y = take(x, index), y[index]
            prediction = model(as_tensors(batch_x))
            figures = {"loss": float(state.loss(prediction, batch_y).data)}
            figures.update(_batch_metrics(state, prediction.data, batch_y))
            running.add(figures, len(batch_y))
        penalty = sum(float(r(p).data) for r, p in regularizer_registry.penalty_terms(model))
    logs = running.means()
    if penalty:
        logs["loss"] += penalty
        logs["regularization"] = penalty
    return logs


def predict_arrays(model: Any, x: Inputs, batch_size: int | None) -> np.ndarray:
    """Model outputs for checked inputs, in batches (eval mode, no graph)."""
    n = sample_count(x)
    batch_size = check_batch_size(batch_size, n, default=1024)
    with evaluating(model):
        outputs = [
            model(as_tensors(take(x, slice(s, s + batch_size)))).data
            for s in range(0, n, batch_size)
        ]
    return np.concatenate(outputs, axis=0)
