"""``ln.repair(model, x, y)``: diagnose, apply the remedies to copies, keep the first that learns.

AUTOTRAINER's loop (Zhang et al., ICSE'21), on lucidnet's causes: the advice (given,
or from :func:`~lucidnet.diagnostics.preflight.preflight` and a monitored training of a
copy) is taken most important first; attempt k applies the remedies of the first k
pieces of advice, one on top of the other (a pair of faults needs both fixes), to a
fresh copy of the model (:func:`~lucidnet.diagnostics.remedies.apply_remedy`), and
trains it with the same ``fit`` options and the same seed.  The first copy that
learns is returned; if none does, the best one.

A copy *learns* when its data loss falls at least 25% below its first epoch's (the
monitor's own criterion), it ends better than the unrepaired training (a higher first
metric, e.g. accuracy, when there is one, else a lower loss), and preflight finds no
further fault in it that a remedy not yet tried would fix.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import check_int
from ..blocks.module import Module
from ..engine.random import manual_seed
from .advice import Advice, merge
from .health import FAILING_DROP, HealthMonitor
from .preflight import preflight
from .remedies import apply_remedy, is_model_remedy


@dataclass
class Repair:
    """What :func:`repair` did: the repaired ``model`` (when nothing helped, a copy of the
    original trained the same way: ``fit`` itself may fix a loop fault such as a forgotten
    ``zero_grad()``),
    the ``applied`` remedies, the metrics ``before`` and ``after`` (``evaluate`` on the
    training data), and every ``attempts`` entry ``{"remedies", "metrics", "learns"}``."""

    model: Module
    applied: list[dict[str, Any]]
    before: dict[str, float]
    after: dict[str, float]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)

    @property
    def repaired(self) -> bool:
        """Whether a remedy made the network learn."""
        return any(attempt["learns"] for attempt in self.attempts)


def repair(
    model: Module,
    x: Any,
    y: Any,
    *,
    advice: list[Advice] | None = None,
    max_attempts: int = 3,
    seed: int = 0,
    **fit_kwargs: Any,
) -> Repair:
    """Diagnose ``model`` on ``(x, y)`` (or take ``advice``), retrain copies with the remedies
    applied, and return the first copy that learns (module docstring).

    ``fit_kwargs`` go to every ``fit`` (default ``epochs=20``, ``verbose=0``); the user's
    model is never trained or changed.

    >>> import lucidnet as ln
    >>> x, y = ln.datasets.moons(200, noise=0.1, random_state=0)
    >>> _ = ln.manual_seed(0)
    >>> dead = ln.init.get("constant", value=-10.0)
    >>> model = ln.Sequential([ln.layers.Dense(16, activation="relu", input_shape=(2,),
    ...                                        bias_initializer=dead, name="hidden"),
    ...                        ln.layers.Dense(2)])
    >>> model.compile(ln.optim.Adam(lr=0.02), "softmax_cross_entropy", metrics=["accuracy"],
    ...               lint=False)
    >>> result = repair(model, x, y, epochs=30)
    >>> result.applied
    [{'action': 'set_initializer', 'layers': ['hidden'], 'bias': 'zeros'}]
    >>> result.before["accuracy"] < 0.6 < 0.95 < result.after["accuracy"]
    True
    """
    check_int(max_attempts, "max_attempts", low=1)
    fit_kwargs = {"epochs": 20, "verbose": 0, **fit_kwargs}
    features = np.asarray(x)
    targets = np.asarray(y)
    baseline, before, history = _train(model, None, features, targets, seed, fit_kwargs, [])
    if advice is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = preflight(model, features, targets, verbose=0)
        advice = merge(found, history.advice)
    remedies = [a.remedy for a in advice if a.remedy is not None and a.severity != "info"] or [
        a.remedy for a in advice if a.remedy is not None
    ]
    attempts: list[dict[str, Any]] = []
    best = None
    for count in range(1, min(max_attempts, len(remedies)) + 1):
        chosen = remedies[:count]
        candidate, metrics, trained = _train(model, chosen, features, targets, seed, fit_kwargs, [])
        learns = _learns(trained, metrics, before) and not _still_broken(
            model, chosen, features, targets, seed
        )
        attempts.append({"remedies": chosen, "metrics": metrics, "learns": learns})
        if best is None or _better(metrics, best[1]):
            best = (candidate, metrics, chosen)
        if learns:
            return Repair(candidate, chosen, before, metrics, attempts, list(advice))
    if best is not None and _better(best[1], before):
        return Repair(best[0], best[2], before, best[1], attempts, list(advice))
    return Repair(baseline, [], before, before, attempts, list(advice))


def _train(
    model: Module,
    remedies: list[dict[str, Any]] | None,
    x: np.ndarray,
    y: np.ndarray,
    seed: int,
    fit_kwargs: dict[str, Any],
    callbacks: list[Any],
) -> tuple[Module, dict[str, float], Any]:
    """A copy with ``remedies`` applied in turn, trained with the same seed and options."""
    manual_seed(seed)
    candidate = apply_remedy(model, None)
    for remedy in remedies or []:
        candidate = apply_remedy(candidate, remedy, x)
    train_x, train_y = x, y
    if any(r.get("action") == "use_class_weights" for r in remedies or []):
        train_x, train_y = _oversampled(x, y, seed)
    manual_seed(seed)
    options = dict(fit_kwargs)
    options["callbacks"] = [*(options.get("callbacks") or []), *callbacks, HealthMonitor(verbose=0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = candidate.fit(train_x, train_y, **options)
        metrics = candidate.evaluate(x, y)
    return candidate, metrics, history


def _still_broken(
    model: Module, remedies: list[dict[str, Any]], x: np.ndarray, y: np.ndarray, seed: int
) -> bool:
    """Whether preflight still finds a fault with a model remedy not tried yet in a fresh
    copy with ``remedies`` applied (a pair of faults needs both fixes)."""
    manual_seed(seed)
    candidate = apply_remedy(model, None)
    for remedy in remedies:
        candidate = apply_remedy(candidate, remedy, x)
    tried = {r.get("action") for r in remedies}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        remaining = preflight(candidate, x, y, verbose=0)
    return any(
        a.severity != "info" and is_model_remedy(a.remedy) and a.remedy["action"] not in tried
        for a in remaining
    )


def _oversampled(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every class repeated up to the size of the largest (the class-weight remedy)."""
    labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    rng = np.random.default_rng(seed)
    counts = np.bincount(labels)
    rows = np.concatenate(
        [
            rng.choice(np.flatnonzero(labels == c), counts.max(), replace=True)
            for c in np.flatnonzero(counts)
        ]
    )
    rows = rng.permutation(rows)
    return x[rows], y[rows]


def _learns(history: Any, metrics: dict[str, float], before: dict[str, float]) -> bool:
    losses = [
        loss - reg
        for loss, reg in zip(
            history.history.get("loss", []),
            history.history.get("regularization", [0.0] * len(history.history.get("loss", []))),
            strict=False,
        )
        if math.isfinite(loss)
    ]
    if len(losses) < 2 or (history.stop_reason is not None and "non" in str(history.stop_reason)):
        return False
    fell = (losses[0] - losses[-1]) / abs(losses[0]) >= FAILING_DROP if losses[0] else False
    return fell and _better(metrics, before)


def _better(metrics: dict[str, float], than: dict[str, float]) -> bool:
    """A higher first metric (accuracy) when there is one, else a lower loss."""
    names = [k for k in metrics if k not in ("loss", "regularization")]
    if names and names[0] in than:
        return metrics[names[0]] > than[names[0]] + 1e-9
    mine, theirs = metrics.get("loss", math.inf), than.get("loss", math.inf)
    return math.isfinite(mine) and (not math.isfinite(theirs) or mine < theirs)


__all__ = ["Repair", "repair"]
