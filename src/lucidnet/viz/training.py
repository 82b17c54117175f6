"""Training pictures: learning curves, decision boundaries, network health, and the animation.

``animate_training`` is the classic "dynamic display" (as in TensorFlow Playground): the decision boundary
and the loss evolving while a small network learns a 2-D problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import check_positive_int, check_real
from ..blocks.module import Module
from ..engine.tensor import Tensor, no_grad
from ._style import CLASS_COLORS, as_array, finish, new_figure, number_text, panel_grid, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Metric names where larger is better (the best validation epoch is their maximum).
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "r2")
_HEALTH_TITLES = {
    "dead_fraction": "dead ReLU fraction",
    "saturation_fraction": "saturation fraction",
    "grad_norm": "gradient norm",
    "update_ratio": "update / weight ratio",
    "first_last_grad_ratio": "first / last layer gradient ratio",
}
_LOG_SCALE = ("grad_norm", "update_ratio", "first_last_grad_ratio")


# ----------------------------------------------------------------- plot_history
@styled
def plot_history(history: Any, path: str | Path | None = None) -> Figure:
    """Learning curves: one panel per metric (loss first), train and validation against epoch.

    ``history`` is what ``fit`` returns (``history.history`` maps names such as
    "loss", "val_loss", "accuracy", "val_accuracy" to per-epoch lists) or that
    dict itself.  The best validation epoch (lowest loss, highest accuracy) is
    marked.

    >>> figure = plot_history({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]})  # doctest: +SKIP
    """
    logs = _series(getattr(history, "history", history), "history")
    bases = list(dict.fromkeys(key.removeprefix("val_") for key in logs))
    bases.sort(key=lambda base: base != "loss")  # loss first, the rest as recorded
    figure, axes = panel_grid(len(bases), 5.0, 3.7)
    from matplotlib.ticker import MaxNLocator

    for ax, base in zip(axes, bases, strict=True):
        for key, label, color in ((base, "train", "C0"), (f"val_{base}", "validation", "C1")):
            if key not in logs:
                continue
            values = logs[key]
            epochs = np.arange(1, len(values) + 1)
            ax.plot(
                epochs,
                values,
                color=color,
                linewidth=2,
                label=label,
                marker="o" if len(values) <= 30 else None,
                markersize=3.5,
            )
            if key.startswith("val_") and np.isfinite(values).any():
                best = np.nanargmax(values) if _higher_is_better(base) else np.nanargmin(values)
                ax.plot(
                    epochs[best],
                    values[best],
                    "o",
                    color=color,
                    markersize=9,
                    markerfacecolor="none",
                    markeredgewidth=2,
                    label=f"best {number_text(values[best])} (epoch {best + 1})",
                )
        ax.set_title(base)
        ax.set_xlabel("epoch")
        ax.set_ylabel(base)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best")
    return finish(figure, path)


def _series(logs: Any, argument: str) -> dict[str, np.ndarray]:
    """``name -> per-epoch values`` as float arrays (None -> NaN); non-numeric entries dropped."""
    if not isinstance(logs, Mapping):
        raise ValueError(
            f"{argument} must be a History (with .history) or a dict of "
            f"name -> per-epoch list, got {type(logs).__name__}"
        )
    series = {}
    for name, values in logs.items():
        try:
            array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if array.ndim == 1 and array.size:
            series[str(name)] = array
    if not series:
        raise ValueError(
            f"{argument} has no per-epoch numbers to plot (got keys {list(logs)}); "
            "train with fit(...) first"
        )
    return series


def _higher_is_better(name: str) -> bool:
    return any(part in name.lower() for part in _HIGHER_IS_BETTER)


# ----------------------------------------------------------------- plot_decision_boundary
@styled
def plot_decision_boundary(
    model: Any,
    x: Any,
    y: Any,
    path: str | Path | None = None,
    resolution: int = 200,
    ax: Any = None,
) -> Figure:
    """Classes the model predicts over the plane of 2-D inputs, with the data points on top.

    The model is evaluated on a ``resolution`` x ``resolution`` grid covering
    ``x`` with a margin (``model.predict(grid)`` when the model has ``predict``,
    else ``model(grid)`` under ``no_grad``).  Several output columns: the class
    is the argmax; one column: probabilities are cut at 0.5 (outputs outside
    [0, 1] are taken as logits, cut at 0).  ``y`` holds class labels (n,) or
    one-hot rows (n, k).  Draws into ``ax`` when given (its figure is returned).

    >>> figure = plot_decision_boundary(model, x, y, "boundary.png")  # doctest: +SKIP
    """
    points, labels = _checked_points(x, y)
    resolution = check_positive_int(resolution, "resolution", minimum=2)
    if ax is None:
        figure = new_figure(6.4, 5.4)
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    _draw_boundary(ax, model, points, labels, resolution)
    return finish(figure, path)


def _checked_points(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as finite float (n, 2) and ``y`` as int labels (n,), or a ValueError saying why."""
    points = as_array(x)
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
        raise ValueError(
            f"x must have shape (n_samples, 2) to draw a decision boundary in the "
            f"plane, got shape {points.shape}"
        )
    points = points.astype(np.float64)
    if not np.isfinite(points).all():
        raise ValueError("x contains NaN or infinite values")
    labels = as_array(y)
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)  # one-hot rows
    labels = labels.reshape(-1) if labels.ndim == 2 else labels
    if labels.ndim != 1 or labels.shape[0] != points.shape[0]:
        raise ValueError(
            f"y must hold one class label per row of x ({points.shape[0]}), "
            f"got shape {as_array(y).shape}"
        )
    if labels.dtype.kind not in "biuf" or not np.all(np.mod(labels, 1) == 0) or labels.min() < 0:
        raise ValueError("y must hold class labels 0, 1, 2, ... (or one-hot rows)")
    return points, labels.astype(np.int64)


def _predicted_classes(model: Any, grid: np.ndarray) -> np.ndarray:
    """Class index per grid row from the model's outputs."""
    if isinstance(model, Module):
        grid = grid.astype(model.dtype)
    if callable(getattr(model, "predict", None)):
        outputs = model.predict(grid)
    else:
        with no_grad():
            outputs = model(Tensor(grid))
    if isinstance(outputs, (list, tuple)):
        raise ValueError(
            f"plot_decision_boundary needs a model with one output, got {len(outputs)} outputs"
        )
    outputs = np.asarray(as_array(outputs), dtype=np.float64)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    outputs = outputs.reshape(len(grid), -1)[:, 0]
    threshold = 0.5 if (outputs.min() >= 0 and outputs.max() <= 1) else 0.0
    return (outputs > threshold).astype(np.int64)


def _draw_boundary(
    ax: Any, model: Any, points: np.ndarray, labels: np.ndarray, resolution: int
) -> None:
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-3)
    first, second = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )
    grid = np.column_stack([first.ravel(), second.ravel()])
    classes = _predicted_classes(model, grid).reshape(first.shape)
    n_classes = int(max(labels.max(), classes.max())) + 1
    colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n_classes)]
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(first, second, classes, levels=levels, colors=colors, alpha=0.25)
    if n_classes > 1 and classes.min() != classes.max():
        ax.contour(first, second, classes, levels=levels[1:-1], colors="0.2", linewidths=1.2)
    size = 36 if len(points) <= 300 else 14
    for k in np.unique(labels):
        chosen = labels == k
        ax.scatter(
            points[chosen, 0],
            points[chosen, 1],
            s=size,
            color=colors[k],
            edgecolor="white",
            linewidth=0.6,
            label=f"class {k}",
            zorder=3,
        )
    ax.set_xlim(first[0, 0], first[0, -1])
    ax.set_ylim(second[0, 0], second[-1, 0])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("decision boundary")
    ax.grid(False)
    ax.legend(loc="best", framealpha=0.9)


# ----------------------------------------------------------------- plot_health
@styled
def plot_health(history: Any, path: str | Path | None = None) -> Figure:
    """Network health per epoch: one panel per figure kind, one line per layer.

    ``history.health`` (or the list itself) holds one dict per epoch mapping a
    layer name to its figures ("dead_fraction", "saturation_fraction",
    "grad_norm", "update_ratio", ...); a top-level number such as
    "first_last_grad_ratio" gets a panel of its own.  Gradient norms and
    ratios use a log scale.

    >>> figure = plot_health(history, "health.png")  # doctest: +SKIP
    """
    records = getattr(history, "health", history)
    if (
        not isinstance(records, (list, tuple))
        or not records
        or not all(isinstance(record, Mapping) for record in records)
    ):
        raise ValueError(
            "history.health must be a non-empty list of per-epoch dicts; train with "
            "callbacks=[ln.callbacks.HealthMonitor()]"
        )
    panels: dict[str, dict[str, list[float]]] = {}  # kind -> layer (or "") -> per epoch
    for epoch, record in enumerate(records):
        for name, figures in record.items():
            entries = figures.items() if isinstance(figures, Mapping) else [(name, figures)]
            for kind, value in entries:
                layer = str(name) if isinstance(figures, Mapping) else ""
                line = panels.setdefault(str(kind), {}).setdefault(layer, [math.nan] * len(records))
                line[epoch] = _as_float(value)
    order = [
        *(k for k in _HEALTH_TITLES if k in panels),
        *(k for k in panels if k not in _HEALTH_TITLES),
    ]
    kinds = [k for k in order if any(np.isfinite(v).any() for v in panels[k].values())]
    if not kinds:
        raise ValueError("history.health holds no numbers to plot")
    layers = list(dict.fromkeys(layer for kind in kinds for layer in panels[kind] if layer))
    color = {layer: f"C{i % 10}" for i, layer in enumerate(layers)}
    figure, axes = panel_grid(len(kinds), 5.0, 3.5, 0.5)
    epochs = np.arange(1, len(records) + 1)
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    for ax, kind in zip(axes, kinds, strict=True):
        for layer, values in panels[kind].items():
            ax.plot(
                epochs,
                values,
                color=color.get(layer, "0.2"),
                linewidth=2,
                marker="o" if len(epochs) <= 30 else None,
                markersize=3,
            )
        finite = np.concatenate([np.asarray(v) for v in panels[kind].values()])
        finite = finite[np.isfinite(finite)]
        if kind in _LOG_SCALE and finite.size and finite.min() > 0:
            ax.set_yscale("log")
        if kind.endswith("_fraction"):
            ax.set_ylim(-0.03, 1.03)
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(_HEALTH_TITLES.get(kind, kind.replace("_", " ")))
        ax.set_xlabel("epoch")
        ax.set_ylabel(kind)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if layers:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=color[layer], linewidth=2) for layer in layers]
        figure.legend(
            handles, layers, loc="outside lower center", ncols=min(len(layers), 6), title="layer"
        )
    return finish(figure, path)


def _as_float(value: Any) -> float:
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


# ----------------------------------------------------------------- animate_training
@styled
def animate_training(
    model: Any,
    x: Any,
    y: Any,
    path: str | Path | None = "training.gif",
    epochs: int = 100,
    frames: int = 20,
    fit_kwargs: dict[str, Any] | None = None,
    fps: float = 5,
) -> Figure:
    """Train ``model`` in ``frames`` chunks and write a GIF of the boundary and loss after each.

    The model must be compiled: each chunk calls
    ``model.fit(x, y, epochs=chunk, verbose=0, **fit_kwargs)`` and the chunks
    add up to ``epochs``.  Each frame has two panels: the decision boundary
    (as :func:`plot_decision_boundary`) and the loss curve so far.  The GIF
    (written with Pillow, looping, ``fps`` frames per second, the last frame
    held longer) goes to ``path``; the Figure showing the last frame is
    returned.  The seeds show this for 1, 2 and 3 hidden neurons on a 2-D set.

    >>> model.compile(optimizer="adam", loss="binary_crossentropy")  # doctest: +SKIP
    >>> animate_training(model, x, y, "training.gif", epochs=200)  # doctest: +SKIP
    """
    points, labels = _checked_points(x, y)
    epochs = check_positive_int(epochs, "epochs")
    frames = check_positive_int(frames, "frames")
    if frames > epochs:
        raise ValueError(
            f"frames={frames} must not exceed epochs={epochs} (one chunk of at "
            "least one epoch per frame)"
        )
    check_real(fps, "fps", low=0, high=100, closed="right")
    options = dict(fit_kwargs or {})
    if "epochs" in options:
        raise ValueError("fit_kwargs must not contain 'epochs': give animate_training(epochs=...)")
    if not callable(getattr(model, "fit", None)):
        raise TypeError(f"animate_training needs a model with fit(), got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError(
            "animate_training trains the model with fit(): call "
            "model.compile(optimizer=..., loss=...) first"
        )
    from PIL import Image

    chunks = np.diff(np.round(np.linspace(0, epochs, frames + 1)).astype(int))
    figure = new_figure(11.5, 4.8, constrained=False)
    losses: dict[str, list[float]] = {"loss": [], "val_loss": []}
    images = []
    done = 0
    for chunk in chunks:
        history = model.fit(x, y, epochs=int(chunk), **{"verbose": 0, **options})
        logs = getattr(history, "history", history) or {}
        for key, values in losses.items():
            values.extend(float(v) for v in logs.get(key, []))
        done += int(chunk)
        _draw_frame(figure, model, points, labels, losses, (done, epochs))
        figure.canvas.draw()
        images.append(Image.fromarray(np.asarray(figure.canvas.buffer_rgba())).convert("RGB"))
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        frame_ms = round(1000 / fps)
        images[0].save(
            target,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            loop=0,
            duration=[frame_ms] * (len(images) - 1) + [max(frame_ms, 2000)],
        )
    return figure


def _draw_frame(
    figure: Any,
    model: Any,
    points: np.ndarray,
    labels: np.ndarray,
    losses: dict[str, list[float]],
    progress: tuple[int, int],
) -> None:
    """Decision boundary on the left, loss so far on the right (fixed layout: no jitter)."""
    done, epochs = progress
    figure.clear()
    boundary, curve = figure.subplots(
        1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.12, "top": 0.86, "wspace": 0.22}
    )
    _draw_boundary(boundary, model, points, labels, resolution=120)
    for key, label, color in (("loss", "train", "C0"), ("val_loss", "validation", "C1")):
        if losses[key]:
            curve.plot(
                np.arange(1, len(losses[key]) + 1),
                losses[key],
                color=color,
                linewidth=2,
                label=label,
            )
    curve.set_xlim(0, epochs)
    curve.set_xlabel("epoch")
    curve.set_ylabel("loss")
    curve.set_title("loss")
    seen = [v for values in losses.values() for v in values if math.isfinite(v)]
    if seen and min(seen) >= 0:
        curve.set_ylim(0, 1.05 * max(seen) or 1)
    if losses["loss"] or losses["val_loss"]:
        curve.legend(loc="upper right")
    latest = f", loss {number_text(losses['loss'][-1])}" if losses["loss"] else ""
    figure.suptitle(f"training: epoch {done} / {epochs}{latest}")
