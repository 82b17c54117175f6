"""What the page says about the network: health rows, neuron verdicts, advice and the NaN banner.

The figures come from lucidnet's own diagnostics (``HealthMonitor``, ``ln.lint``,
``ln.preflight`` where this lucidnet has it, the NaN guard of ``fit``); this module
turns them into the panels' rows and sentences, with HealthMonitor's own thresholds.

>>> round_lr(0.03 / 10)
0.003
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from typing import Any

import numpy as np

import lucidnet

from .. import Tensor, callbacks, no_grad
from .. import lint as run_lint

LIMITS = callbacks.HealthMonitor()
"""HealthMonitor's default thresholds: what the health panel calls a problem."""

HE_INITIALIZERS = ("auto", "kaiming_uniform", "kaiming_normal")


def quiet_monitor() -> callbacks.HealthMonitor:
    """A HealthMonitor that records but never prints or warns (the page shows the figures)."""
    return callbacks.HealthMonitor(
        dead_threshold=1.0,
        saturation_threshold=1.0,
        vanishing_ratio=0.0,
        exploding_grad_norm=math.inf,
        max_update_ratio=math.inf,
        min_update_ratio=0.0,
    )


def advice_dict(item: Any) -> dict[str, Any]:
    """An ``ln.Advice`` as JSON (the fields this version has: cause and remedy when present)."""
    fields = ("code", "severity", "cause", "where", "message", "fix", "remedy")
    return {name: getattr(item, name) for name in fields if getattr(item, name, None) is not None}


def advice(model: Any, loss: str, x: np.ndarray, y: np.ndarray, preflight: bool) -> list[dict]:
    """``ln.lint`` of ``model`` and ``loss``; with ``preflight``, ``ln.preflight`` on ``(x, y)``
    instead when this lucidnet has it (it runs lint too).  The weights are left as found."""
    check = getattr(lucidnet, "preflight", None) if preflight else None
    found = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if check is not None:
            saved = [p.data.copy() for p in model.parameters()]
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    found = check(model, x, y, loss=loss, time_budget=0.5)
            except Exception:  # preflight is advice, never a reason for the page to fail
                found = None
            for parameter, values in zip(model.parameters(), saved, strict=True):
                parameter.data[...] = values
        if found is None:
            found = run_lint(model, loss=loss, warn=True)
    return [advice_dict(item) for item in found]


def round_lr(value: float) -> float:
    """``value`` to one significant digit (what a person would type)."""
    return float(f"{value:.0e}")


def explain_non_finite(record: Any, settings: dict[str, Any], epoch: int) -> dict[str, Any]:
    """The NaN banner for a ``fit`` that hit a non-finite loss in ``epoch``: cause and fix.

    The NaN guard's own advice when it gives one (``history.advice``), else the
    usual cause: a learning rate too large for the optimizer, with a tenth of it
    as the remedy.
    """
    for item in getattr(record, "advice", None) or []:
        if "non_finite" in (getattr(item, "cause", None), getattr(item, "code", None)):
            return {**advice_dict(item), "epoch": epoch}
    lower = round_lr(settings["learning_rate"] / 10)
    return {
        "epoch": epoch,
        "cause": "lr_high",
        "message": (
            f"The loss became NaN/inf in epoch {epoch}: with learning rate "
            f"{settings['learning_rate']:g} ({settings['optimizer']}) each step overshoots, the "
            "weights grow until the numbers overflow. Training paused; the weights of the last "
            "good step are kept."
        ),
        "fix": f"Lower the learning rate to {lower:g} (or use adam, or add L2 regularization).",
        "remedy": {"action": "set_lr", "value": lower},
    }


def layer_rows(model: Any, figures: dict[str, Any], settings: dict[str, Any]) -> list[dict]:
    """One row per Dense layer from one epoch of ``history.health``, with notes saying the fix."""
    ratio = figures.get("first_last_grad_ratio")
    vanishing = (
        ratio is not None
        and math.isfinite(ratio)
        and len(model.layers) > 1
        and ratio < LIMITS.vanishing_ratio
    )
    rows = []
    for layer in model.layers:
        entry = dict(figures.get(layer.name, {}))
        # one problem, one cause: tiny updates under a vanishing gradient are its symptom
        notes = _notes(entry, layer.activation_name, settings, small_updates=not vanishing)
        rows.append(
            {
                "layer": layer.name,
                "activation": layer.activation_name,
                **{key: float(value) for key, value in entry.items()},
                "status": "problem" if notes else "ok",
                "notes": notes,
            }
        )
    if vanishing:
        rows[0]["notes"].append(
            f"the gradient vanishes on its way down ({ratio:.1e} of the last layer's): fewer "
            "sigmoid/tanh layers, relu with he init"
        )
        rows[0]["status"] = "problem"
    return rows


def _notes(
    entry: dict[str, float], activation: str | None, settings: dict[str, Any], small_updates: bool
) -> list[str]:
    notes = []
    if entry.get("dead_fraction", 0.0) > LIMITS.dead_threshold:
        notes.append(
            f"{entry['dead_fraction']:.0%} of the units are dead (never active on a training "
            "sample, so they get no gradient and never come back): lower the learning rate "
            f"(now {settings['learning_rate']:g}), use leaky_relu"
            + ("" if settings["initializer"] in HE_INITIALIZERS else ", or he (kaiming) init")
        )
    if entry.get("saturation_fraction", 0.0) > LIMITS.saturation_threshold:
        notes.append(
            f"{entry['saturation_fraction']:.0%} of the {activation} outputs are saturated "
            "(flat, derivative near 0): scale the inputs, use glorot init, or relu"
        )
    if entry.get("grad_norm", 0.0) > LIMITS.exploding_grad_norm:
        notes.append("the gradient explodes: lower the learning rate")
    update = entry.get("update_ratio")
    if update is not None and update > LIMITS.max_update_ratio:
        notes.append(
            f"each step changes the weights by {update:.1e} of their size: lower the learning rate"
        )
    elif small_updates and update is not None and 0 < update < LIMITS.min_update_ratio:
        notes.append(f"the weights barely move ({update:.1e} per step): raise the learning rate")
    return notes


def neuron_verdicts(model: Any, x: np.ndarray) -> list[list[str]]:
    """Per hidden unit on the inputs ``x``: ``"dead"`` (a ReLU never active), ``"saturated"``
    (a sigmoid/tanh in its flat tails on most samples) or ``"ok"``."""
    verdicts = []
    with no_grad(), np.errstate(all="ignore"):
        values = Tensor(x)
        for layer in model.layers[:-1]:
            values = layer(values)
            out = values.data
            function = layer.activation  # what it is: its class attributes
            verdict = np.full(out.shape[1], "ok", dtype=object)
            if getattr(function, "can_die", False):
                verdict[~(out > 0).any(axis=0)] = "dead"
            limit = getattr(function, "saturation_limit", None)
            if limit is not None:
                low, high = function.forward(np.array([-limit, limit]))
                share = ((out < low) | (out > high)).mean(axis=0)
                verdict[share > LIMITS.saturation_threshold] = "saturated"
            verdicts.append(verdict.tolist())
    return verdicts
