"""One trial: build with the trial's seed, fit on the fold's training rows, score its test rows.

This is the code every backend runs, in the driver or in a worker process, so a trial's score
is a function of (``Setup``, data, ``Trial``) only. BLAS is held to one thread during a
trial: a worker gets its core to itself, and a product computed with one thread gives the same
bits everywhere.
"""

from __future__ import annotations

import copy
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.random import manual_seed

MAX_WARNINGS = 5
"""Distinct warnings kept per trial record."""


@dataclass(frozen=True)
class Trial:
    """One (parameter set, fold): ``key`` is the parameter set's canonical JSON."""

    key: str
    params: dict[str, Any] = field(compare=False)  # ``key`` already says what they are
    fold: int
    seed: int


@dataclass
class Setup:
    """What every trial of a sweep shares (sent to each worker once where the backend can)."""

    build: Any
    splits: list[tuple[np.ndarray, np.ndarray]]
    scorer: Any
    epochs: int
    batch_size: int
    fit_kwargs: dict[str, Any] = field(default_factory=dict)


def is_estimator(build: Any) -> bool:
    """A scikit-learn estimator (``get_params`` + ``fit``) rather than a ``build`` function."""
    return hasattr(build, "get_params") and hasattr(build, "set_params") and hasattr(build, "fit")


def make_model(setup: Setup, params: dict[str, Any], seed: int) -> Any:
    """The untrained model of ``params``: ``build(**params)`` after ``manual_seed(seed)``, or a
    clone of the estimator with ``params`` (and ``random_state=seed`` where it had None)."""
    manual_seed(seed)
    if is_estimator(setup.build):
        from sklearn.base import clone

        model = clone(setup.build).set_params(**params)
        if "random_state" in model.get_params() and model.get_params()["random_state"] is None:
            model.set_params(random_state=seed)
        return model
    return setup.build(**params)


def fit(setup: Setup, model: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """Train ``model`` on (x, y): ``model.fit(x, y)`` for an estimator, else with the sweep's
    epochs, batch size and fit keyword arguments (copied, so stateful callbacks start fresh)."""
    if is_estimator(model):
        return model.fit(x, y)
    if not hasattr(model, "fit"):
        raise TypeError(f"build(**params) must return a compiled model, got {model!r}")
    kwargs = copy.deepcopy(setup.fit_kwargs)
    model.fit(x, y, epochs=setup.epochs, batch_size=setup.batch_size, verbose=0, **kwargs)
    return model


def run_trial(setup: Setup, x: np.ndarray, y: np.ndarray, trial: Trial) -> dict[str, Any]:
    """The result record of ``trial``: score (NaN with ``error`` when it raised), times in s."""
    train, test = setup.splits[trial.fold]
    record: dict[str, Any] = {"key": trial.key, "fold": trial.fold, "seed": trial.seed}
    fit_time = score_time = 0.0
    with _one_blas_thread(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        try:
            model = fit(setup, make_model(setup, trial.params, trial.seed), x[train], y[train])
            fit_time = time.perf_counter() - started
            started = time.perf_counter()
            score = float(setup.scorer(model, x[test], y[test]))
            score_time = time.perf_counter() - started
            error = None
        except Exception as exception:  # a failing trial scores NaN; the sweep goes on
            score = float("nan")
            error = f"{type(exception).__name__}: {exception}"
            record["traceback"] = traceback.format_exc(limit=-3)
    record.update(score=score, fit_time=fit_time, score_time=score_time, error=error)
    if caught:  # kept with the record rather than printed, whichever process ran the trial
        messages = dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught)
        record["warnings"] = list(messages)[:MAX_WARNINGS]
    return record


_controller: Any = None


def _one_blas_thread() -> Any:
    global _controller
    from threadpoolctl import ThreadpoolController

    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def failed(trial: Trial, error: str) -> dict[str, Any]:
    """The record of a trial that could not finish for a reason outside it (say a dead worker)."""
    return {
        "key": trial.key,
        "fold": trial.fold,
        "seed": trial.seed,
        "score": float("nan"),
        "fit_time": 0.0,
        "score_time": 0.0,
        "error": error,
    }
