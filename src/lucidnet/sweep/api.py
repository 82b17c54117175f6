"""``ln.sweep``: train every candidate on every fold, keep the best — on one machine or a cluster.

The seeds' advice for the number of hidden neurons ("set several candidate values, train each,
compare, keep the best") as one call. A trial is one (parameter set, fold); its seed comes from
``random_state``, the parameter set and the fold (:mod:`.seeds`), so a score is the same bits
whichever backend, worker count or order ran it, and a rerun with the same ``results`` file
runs only what is missing.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._checks import check_bool, check_choice, check_int
from .backends import BACKENDS, run_trials
from .journal import Journal
from .result import SweepResult
from .scoring import folds, is_classification, name_of, scorer
from .seeds import trial_seed
from .space import candidates, canonical
from .trial import Setup, Trial, fit, is_estimator, make_model

RESERVED_FIT_KWARGS = ("x", "y", "epochs", "batch_size", "verbose")


def sweep(
    build: Callable[..., Any] | Any,
    grid: dict[str, list[Any]] | list[dict[str, list[Any]]],
    x: Any,
    y: Any,
    *,
    cv: int | Any = 3,
    scoring: str | Callable[[Any, np.ndarray, np.ndarray], float] | None = None,
    epochs: int = 20,
    batch_size: int = 32,
    fit_kwargs: dict[str, Any] | None = None,
    search: str = "grid",
    n_iter: int = 10,
    backend: str = "local",
    n_jobs: int | None = None,
    address: str | None = None,
    client: Any = None,
    results: str | Any = None,
    refit: bool = True,
    random_state: int = 0,
    progress: bool = True,
) -> SweepResult:
    """Cross-validate every parameter set of ``grid`` and return the scores and the best model.

    For each parameter set p and fold k (train rows T_k, test rows V_k): seed the generator
    with seed(random_state, p, k), build the model, fit it on T_k, and score it on V_k;
    mean_test_score(p) = (1/K) sum_k score(p, k), and the best p has the largest mean.

    Args:
        build: ``build(**params)`` returning a compiled model (trained with
            ``model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, **fit_kwargs)``),
            or a ``lucidnet.sklearn`` estimator whose parameters the grid names (cloned and
            ``set_params`` per trial; ``random_state=None`` becomes the trial's seed).
        grid: dict of lists (every combination) or a list of such dicts, as
            ``sklearn.model_selection.ParameterGrid``.
        x: the inputs [samples, features] (array, list or pandas object).
        y: the targets, one per sample.
        cv: number of folds (stratified for classification, shuffled with ``random_state``),
            or a scikit-learn splitter.
        scoring: a metric name of ``ln.metrics`` (errors such as ``"mse"`` are negated so that
            larger is better) or a callable ``(model, x, y) -> float``. Default: accuracy for
            classification, negative MSE for regression.
        epochs: epochs of each ``model.fit``.
        batch_size: batch size of each ``model.fit``.
        fit_kwargs: further ``model.fit`` arguments (copied per trial).
        search: ``"grid"`` (every parameter set) or ``"random"`` (``n_iter`` of them).
        n_iter: how many parameter sets a random search tries.
        backend: ``"serial"``, ``"local"`` (worker processes), ``"dask"`` or ``"ray"``.
        n_jobs: local worker processes (None: every core; -1 too, -2 all but one), or the
            workers of the local Dask cluster made when neither ``client`` nor ``address``
            is given.
        address: the scheduler of a running Dask (or Ray) cluster, e.g. ``tcp://host:8786``.
        client: a ``dask.distributed.Client`` to run on (used as is, not closed).
        results: a ``.jsonl`` path: each finished trial is appended; a rerun runs only the
            trials it lacks.
        refit: train the best parameter set on all of ``x, y`` (``best_model``).
        random_state: the int behind the folds, the random search and every trial's seed.
        progress: a progress bar over trials with its ETA and the best mean score so far.

    Returns:
        A :class:`~lucidnet.sweep.SweepResult` (``.table``, ``.best_params``, ...).

    A trial that raises scores NaN, with its error in ``result.errors``; the sweep goes on.

    >>> import lucidnet as ln
    >>> x, y = ln.datasets.blobs(n_samples=60, centers=2, random_state=0)
    >>> def build(hidden):
    ...     model = ln.Sequential([ln.layers.Dense(hidden, activation="relu", input_shape=(2,)),
    ...                            ln.layers.Dense(2)])
    ...     model.compile(optimizer="adam", loss="softmax_cross_entropy")
    ...     return model
    >>> result = ln.sweep(build, {"hidden": [2, 8]}, x, y, epochs=3, backend="serial",
    ...                   progress=False)
    >>> list(result.table["param_hidden"])
    [2, 8]
    """
    x, y = _arrays(x, y)
    random_state = check_int(random_state, "random_state")
    epochs = check_int(epochs, "epochs", low=1)
    batch_size = check_int(batch_size, "batch_size", low=1)
    n_iter = check_int(n_iter, "n_iter", low=1)
    refit, progress = check_bool(refit, "refit"), check_bool(progress, "progress")
    fit_kwargs = _check_fit_kwargs(fit_kwargs)
    backend = _check_backend(backend, address, client)
    if n_jobs is not None and check_int(n_jobs, "n_jobs") == 0:
        raise ValueError(
            "n_jobs must be a nonzero int (negative: all cores but |n_jobs|-1) or None"
        )
    estimator = is_estimator(build)
    if not estimator and not callable(build):
        raise TypeError(
            f"build must be a function build(**params) returning a compiled model, or a "
            f"lucidnet.sklearn estimator; got {build!r}"
        )
    if estimator:
        from sklearn.base import is_classifier

        classification = is_classifier(build)
    else:
        classification = is_classification(y)
    splits = folds(cv, x, y, classification, random_state)
    score = scorer(scoring, classification)
    parameter_sets = candidates(grid, search, n_iter, random_state)
    if estimator:
        _check_estimator_params(build, parameter_sets)
    setup = Setup(build, splits, score, epochs, batch_size, fit_kwargs)
    trials = [
        Trial(key, params, fold, trial_seed(random_state, key, fold))
        for params in parameter_sets
        for key in [canonical(params)]
        for fold in range(len(splits))
    ]
    journal = None
    records: dict[tuple[str, int], dict[str, Any]] = {}
    if results is not None:
        fingerprint = _fingerprint(
            x, y, splits, score, epochs, batch_size, fit_kwargs, random_state
        )
        journal = Journal(results, fingerprint)
        records = journal.read()
    todo = [trial for trial in trials if (trial.key, trial.fold) not in records]
    finished = run_trials(backend, setup, x, y, todo, n_jobs=n_jobs, address=address, client=client)
    _collect(finished, records, journal, trials, len(splits), progress)

    result = SweepResult(parameter_sets, records, len(splits), name_of(score))
    _warn_failures(result, len(trials))
    if refit and result.best_params is not None:
        best_key = canonical(result.best_params)
        model = make_model(setup, result.best_params, trial_seed(random_state, best_key, "all"))
        result.best_model = fit(setup, model, x, y)
    return result


def _collect(
    finished: Iterable[dict[str, Any]],
    records: dict[tuple[str, int], dict[str, Any]],
    journal: Journal | None,
    trials: list[Trial],
    n_splits: int,
    progress: bool,
) -> None:
    """Record each finished trial (in the results file first), with a progress bar."""
    from tqdm.auto import tqdm

    wanted = {(trial.key, trial.fold) for trial in trials}
    scores: dict[str, list[float]] = {}
    for (key, fold), record in records.items():
        if (key, fold) in wanted:
            scores.setdefault(key, []).append(record["score"])
    best = _best_mean(scores, n_splits)
    bar = tqdm(
        total=len(trials),
        initial=sum(len(found) for found in scores.values()),
        desc="sweep",
        unit="trial",
        disable=not progress,
        dynamic_ncols=True,
    )
    try:
        for record in finished:
            if journal is not None:
                journal.append(record)
            records[record["key"], record["fold"]] = record
            found = scores.setdefault(record["key"], [])
            found.append(record["score"])
            if len(found) == n_splits and not math.isnan(mean := float(np.mean(found))):
                best = mean if best is None else max(best, mean)
            bar.update(1)
            if best is not None:
                bar.set_postfix(best=f"{best:.4g}", refresh=False)
    finally:
        bar.close()
        if journal is not None:
            journal.close()
        close = getattr(finished, "close", None)
        if close is not None:
            close()  # stop the backend's workers now, also after Ctrl-C


def _best_mean(scores: dict[str, list[float]], n_splits: int) -> float | None:
    means = [float(np.mean(found)) for found in scores.values() if len(found) == n_splits]
    means = [mean for mean in means if not math.isnan(mean)]
    return max(means) if means else None


def _arrays(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D [samples, features], got shape {x.shape}")
    if len(y) != len(x):
        raise ValueError(f"x has {len(x)} samples but y has {len(y)}; they must match")
    if len(x) == 0:
        raise ValueError("x and y are empty; a sweep needs data")
    return x, y


def _check_fit_kwargs(fit_kwargs: Any) -> dict[str, Any]:
    if fit_kwargs is None:
        return {}
    if not isinstance(fit_kwargs, dict):
        raise TypeError(f"fit_kwargs must be a dict of model.fit arguments, got {fit_kwargs!r}")
    clash = [name for name in RESERVED_FIT_KWARGS if name in fit_kwargs]
    if clash:
        raise ValueError(
            f"fit_kwargs must not set {', '.join(clash)}: the sweep passes them "
            "(use its epochs= and batch_size= arguments)"
        )
    return dict(fit_kwargs)


def _check_backend(backend: Any, address: Any, client: Any) -> str:
    backend = check_choice(backend, "backend", BACKENDS)
    if client is not None and backend != "dask":
        raise ValueError(
            f"client= is a dask.distributed Client for backend='dask', not {backend!r}"
        )
    if address is not None and backend not in ("dask", "ray"):
        raise ValueError(f"address= is a scheduler for backend='dask' or 'ray', not {backend!r}")
    if address is not None and client is not None:
        raise ValueError("give client= or address=, not both")
    return backend


def _check_estimator_params(estimator: Any, parameter_sets: list[dict[str, Any]]) -> None:
    valid = estimator.get_params()
    for params in parameter_sets:
        unknown = [name for name in params if name not in valid]
        if unknown:
            raise ValueError(
                f"grid names {unknown} that {type(estimator).__name__} does not have; "
                f"its parameters: {', '.join(sorted(valid))}"
            )


def _fingerprint(
    x: np.ndarray,
    y: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    score: Any,
    epochs: int,
    batch_size: int,
    fit_kwargs: dict[str, Any],
    random_state: int,
) -> str:
    """What makes two sweeps' trials interchangeable: data, folds, scoring and training."""
    digest = hashlib.sha256()
    for array in (x, y, *(test for _, test in splits)):
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    settings = [name_of(score), epochs, batch_size, random_state, fit_kwargs]
    digest.update(json.dumps(settings, sort_keys=True, default=lambda o: type(o).__name__).encode())
    return digest.hexdigest()[:16]


def _warn_failures(result: SweepResult, n_trials: int) -> None:
    errors = result.errors
    if errors:
        first = errors[0]
        warnings.warn(
            f"{len(errors)} of {n_trials} trials failed and score NaN (see result.errors); "
            f"the first, {first['params']} fold {first['fold']}: {first['error']}",
            RuntimeWarning,
            stacklevel=3,
        )
