"""Keras-style training: ``compile``, ``fit``, ``evaluate`` and ``predict`` for any Module.

One training step is: forward on a batch, loss (+ regularization penalties),
``backward()``, optimizer step, gradients cleared — the PyTorch loop, run for
you with batching, seeded shuffling, validation, callbacks and a progress bar.
The pieces: :mod:`.targets` checks the data, :mod:`.loop` runs the one training
loop (with its NaN guard), :mod:`.step` computes a step (static plan or tape),
:mod:`.state` holds what ``compile`` resolved.

A non-finite loss stops training with a message naming the epoch and batch,
and the weights of the last good step are put back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .._checks import check_bool, check_int, check_verbose
from ..blocks.module import Module
from ..engine.random import get_rng
from . import losses as loss_registry
from . import metrics as metric_registry
from .callbacks import History
from .data import split_validation
from .loop import (
    NonFiniteLossWarning,
    check_batch_size,
    evaluate_arrays,
    predict_arrays,
    run_training,
)
from .optim import optimizer as optimizer_registry
from .state import TrainingState, attach, compiled_state
from .targets import prepare, prepare_inputs, sample_count, take


def compile(
    model: Module,
    optimizer: Any = "adam",
    loss: Any = None,
    metrics: Iterable[Any] | None = None,
    lint: bool = True,
    jit_compile: bool = False,
) -> None:
    """Attach an optimizer, a loss and metrics to ``model`` for ``fit``/``evaluate``.

    Names, instances and callables are accepted for each.  ``lint=True`` runs
    :func:`lucidnet.lint` once and shows its warnings.

    ``jit_compile=True`` (Keras's name; needs numba: ``pip install 'lucidnet[jit]'``)
    makes ``fit`` run each step of a Dense stack trained with plain SGD as one
    compiled function: forward, closed-form loss, backward and update, the same
    numbers as the default NumPy step up to rounding (:mod:`lucidnet.training.jit`).
    It applies to identity, relu, sigmoid and tanh activations, softmax / categorical /
    sparse / binary cross-entropy on logits and mse, and layers small enough that
    loops beat BLAS; anything else (other activations, losses or optimizers,
    regularizers, hooks, callbacks reading gradients, large layers) trains on the
    NumPy step as without it, silently (one RuntimeWarning only when numba cannot
    compile a scalar kernel that a user's activation offers).  The first ``fit`` of
    a new structure (activations, loss, dtype) spends a few seconds compiling;
    later ones reuse it.

    >>> import lucidnet as ln
    >>> model = ln.Sequential([ln.layers.Dense(8, activation="relu", input_shape=(2,)),
    ...                        ln.layers.Dense(2)])
    >>> model.compile(ln.optim.SGD(lr=0.1), "softmax_cross_entropy",
    ...               jit_compile=True)  # doctest: +SKIP
    """
    check_bool(jit_compile, "jit_compile")
    if jit_compile:
        _require_numba()
    if loss is None:
        raise ValueError("compile needs a loss, e.g. loss='softmax_cross_entropy' or 'mse'")
    resolved_loss = loss_registry.get(loss)
    loss_registry.ensure_differentiable(resolved_loss)
    resolved_optimizer = optimizer_registry.get(optimizer)
    if not hasattr(resolved_optimizer, "step"):
        raise TypeError(f"optimizer must be a name or an ln.optim optimizer, got {optimizer!r}")
    metric_objects = [metric_registry.get(m) for m in (metrics or [])]
    names = [_metric_name(m, given) for m, given in zip(metric_objects, metrics or [], strict=True)]
    state = TrainingState(
        resolved_optimizer, resolved_loss, metric_objects, names, jit_compile=jit_compile
    )
    attach(model, state)
    if lint:
        _run_lint(model, resolved_loss)


def _require_numba() -> None:
    """An ImportError naming the extra when numba is missing (checked at compile, not fit)."""
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        raise ImportError(
            "compile(jit_compile=True) needs numba, which is not installed; "
            "install the extra with: pip install 'lucidnet[jit]'",
            name="numba",
        )


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


def _check_fit_options(epochs: Any, initial_epoch: Any, verbose: Any) -> None:
    check_int(epochs, "epochs", low=0)
    check_int(initial_epoch, "initial_epoch", low=0)
    check_verbose(verbose)


def _validation(
    model: Module,
    state: TrainingState,
    features: Any,
    targets: np.ndarray,
    validation_split: float,
    validation_data: tuple[Any, Any] | None,
) -> tuple[Any, np.ndarray, tuple[Any, np.ndarray] | None]:
    """Training arrays and the validation pair: ``validation_data`` checked like the training
    data, or the last ``validation_split`` of it (Keras: before shuffling)."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (x_val, y_val)")
        return features, targets, prepare(model, state.loss, *validation_data, "validation ")
    if not validation_split:
        return features, targets, None
    n = sample_count(features)
    (kept,), (_held,) = split_validation([np.arange(n)], validation_split)
    training = (take(features, slice(0, len(kept))), targets[: len(kept)])
    held_out = (take(features, slice(len(kept), n)), targets[len(kept) :])
    return *training, held_out


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
    """Train ``model`` on ``(x, y)``; returns a History whose ``.history`` maps names to lists
    and whose ``stop_reason`` is "completed", "early_stopping" or "non_finite".

    ``preflight=True`` first runs :func:`lucidnet.preflight` on the data and keeps its
    advice in ``history.advice`` (shown unless ``verbose=0``).
    """
    state = compiled_state(model)
    _check_fit_options(epochs, initial_epoch, verbose)
    features, targets = prepare(model, state.loss, x, y)
    features, targets, validation = _validation(
        model, state, features, targets, validation_split, validation_data
    )
    batch_size = check_batch_size(batch_size, sample_count(features))
    advice = []
    if preflight:  # tools above training: loaded only when asked for
        from ..diagnostics.preflight import preflight as run_preflight

        advice = run_preflight(model, features, targets, verbose=min(verbose, 1))
    return run_training(
        model,
        state,
        features,
        targets,
        epochs=epochs,
        batch_size=batch_size,
        shuffle_rng=get_rng() if shuffle else None,
        callbacks=callbacks,
        verbose=verbose,
        initial_epoch=initial_epoch,
        validation=validation,
        validation_batch_size=batch_size,
        advice=advice,
    )


def evaluate(
    model: Module, x: Any, y: Any, batch_size: int | None = None, verbose: int = 0
) -> dict[str, float]:
    """Loss (with regularization penalties) and metrics over ``(x, y)``, as a dict."""
    state = compiled_state(model)
    features, targets = prepare(model, state.loss, x, y)
    logs = evaluate_arrays(model, state, features, targets, batch_size)
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
    return logs


def predict(model: Module, x: Any, batch_size: int | None = None) -> np.ndarray:
    """Model outputs for ``x`` as an ndarray (eval mode, no graph)."""
    return predict_arrays(model, prepare_inputs(model, x), batch_size)


__all__ = ["NonFiniteLossWarning", "compile", "evaluate", "fit", "predict"]
