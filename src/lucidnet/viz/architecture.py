"""Architecture pictures: ``plot_model`` (layer boxes, as keras.utils.plot_model) and
``plot_network`` (neurons and weighted connections of a small MLP)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import check_positive_int
from ..blocks.layers.base import normalize_feature_shape
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..models.summary import functional_rows, sequential_rows, shape_text, traced_rows
from ..training.trainable import Model, Sequential
from ._style import finish, inch_canvas, new_figure, rounded_box, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_CHAR_WIDTH = 0.085  # inches per character at 10 pt
_TITLE_CHAR_WIDTH = 0.11  # inches per character at 12 pt bold
_ROW_STEP, _COLUMN_GAP = 1.5, 0.5  # inches


@dataclass
class _Block:
    """One box of the architecture diagram."""

    title: str  # "dense_1 (Dense, relu)"
    shapes: str  # "in (None, 3) -> out (None, 2)"
    params: str  # "8 params"
    called: bool = True


@styled
def plot_model(
    model: Module,
    path: str | Path | None = None,
    show_shapes: bool = True,
    input_shape: tuple[int, ...] | int | None = None,
) -> Figure:
    """The architecture as a top-down diagram of boxes "name (Type)", like keras.utils.plot_model.

    * Sequential: a chain from an input box, shapes propagated layer by layer;
    * functional ``ln.Model``: the layer DAG, one edge per ``node.inputs`` entry
      (several inputs and outputs, shared layers drawn once per call);
    * subclassed Module: traced by one call on a dummy input, its direct
      children chained in call order (children never called are drawn dashed).

    ``show_shapes`` adds each box's input and output shapes (batch axis None);
    every box also shows its parameter count.  ``input_shape`` (features only)
    is needed when neither the model nor its first layer knows it.

    >>> figure = plot_model(model, "model.png")  # doctest: +SKIP
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a lucidnet Module, got {type(model).__name__}")
    features = normalize_feature_shape(input_shape, "input_shape")
    blocks, edges = _architecture(model, features)
    rank = _ranks(len(blocks), edges)
    columns: dict[int, list[int]] = {}
    for index in range(len(blocks)):
        columns.setdefault(rank[index], []).append(index)
    lines = [[b.title, b.shapes if show_shapes else "", b.params] for b in blocks]
    width = max(2.4, _CHAR_WIDTH * max(len(text) for texts in lines for text in texts) + 0.4)
    widest = max(len(members) for members in columns.values())
    center: dict[int, tuple[float, float]] = {}
    for level, members in columns.items():
        for slot, index in enumerate(members):
            center[index] = (
                (slot - (len(members) - 1) / 2) * (width + _COLUMN_GAP),
                -level * _ROW_STEP,
            )
    traced = "" if isinstance(model, (Sequential, Model)) else ", traced"
    header = f'"{model.name}" ({type(model).__name__}{traced}), {model.count_params():,} params'
    half_span = (
        max(widest * (width + _COLUMN_GAP) - _COLUMN_GAP, _TITLE_CHAR_WIDTH * len(header)) / 2 + 0.2
    )
    height = 0.95 if show_shapes else 0.7
    x_limits = (-half_span, half_span)
    y_limits = (-max(rank.values()) * _ROW_STEP - height / 2 - 0.2, height / 2 + 0.75)
    figure, ax = inch_canvas(x_limits, y_limits)
    ax.text(0, y_limits[1] - 0.3, header, ha="center", va="center", fontsize=12, fontweight="bold")
    for source, target in edges:
        _edge(ax, center[source], center[target], height)
    for index, block in enumerate(blocks):
        _block(ax, center[index], width, height, block, show_shapes)
    return finish(figure, path)


def _architecture(
    model: Module, features: tuple[int, ...] | None
) -> tuple[list[_Block], list[tuple[int, int]]]:
    """Blocks and edges (index pairs) for the three ways of building a model."""
    if isinstance(model, Model) and model.nodes is not None:  # not a subclassed Model
        symbols = [*model.inputs, *model.nodes]
        position = {id(s): i for i, s in enumerate(symbols)}
        blocks = []
        for symbol, (name, kind, out_text, count) in zip(
            symbols, functional_rows(model, None), strict=True
        ):
            in_text = ", ".join(shape_text(s.shape) for s in symbol.inputs)
            blocks.append(_make_block(name, kind, symbol.layer, in_text, out_text, count))
        edges = [
            (position[id(parent)], position[id(s)]) for s in model.nodes for parent in s.inputs
        ]
        return blocks, edges
    features = (
        features
        or getattr(model, "input_shape", None)
        or next((c.input_shape for c in model.children() if getattr(c, "input_shape", None)), None)
    )
    if features is None:
        raise ValueError(
            f"plot_model needs the input shape of model {model.name!r}: give "
            "plot_model(model, input_shape=(n_features,)) or input_shape= to its "
            "first layer"
        )
    if isinstance(model, Sequential):
        rows = sequential_rows(model, features, None)
        layers = list(model.layers)
    else:
        rows = traced_rows(model, features, None)
        layers = [model._modules[name] for name, *_ in rows]
    previous = shape_text((None, *features))
    blocks = [_make_block("input", "InputLayer", None, "", previous, 0)]
    edges = []
    for layer, (name, kind, out_text, count) in zip(layers, rows, strict=True):
        called = out_text != "(not called)"
        blocks.append(
            _make_block(name, kind, layer, previous if called else "", out_text, count, called)
        )
        if called:
            edges.append((_last_called(blocks[:-1]), len(blocks) - 1))
            previous = out_text
    return blocks, edges


def _last_called(blocks: list[_Block]) -> int:
    return max(i for i, block in enumerate(blocks) if block.called)


def _make_block(
    name: str,
    kind: str,
    layer: Module | None,
    in_text: str,
    out_text: str,
    count: int,
    called: bool = True,
) -> _Block:
    function = getattr(layer, "activation", None)
    activation = getattr(function, "name", None)
    shown = activation is not None and getattr(function, "family", None) != "linear"
    title = f"{name} ({kind}, {activation})" if shown else f"{name} ({kind})"
    if not called:
        shapes = "not called in forward"
    elif in_text:
        shapes = f"in {in_text}  →  out {out_text}"
    else:
        shapes = f"out {out_text}"
    return _Block(title, shapes, f"{count:,} params", called)


def _ranks(count: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    """Longest-path depth from the sources; blocks without edges keep their list order."""
    rank = dict.fromkeys(range(count), 0)
    for target in range(count):  # blocks are listed after the blocks they read
        sources = [s for s, t in edges if t == target]
        if sources:
            rank[target] = max(rank[s] for s in sources) + 1
        elif target and not any(s == target for s, _ in edges):
            rank[target] = max(rank[i] for i in range(target)) + 1  # an isolated block: below
    return rank


def _block(
    ax: Any,
    center: tuple[float, float],
    width: float,
    height: float,
    block: _Block,
    show_shapes: bool,
) -> None:
    x, y = center
    face = "#e8f5e9" if block.title.endswith("(InputLayer)") else "#eef4fb"
    rounded_box(ax, center, width, height, face, "-" if block.called else "--")
    title_y = y + (0.25 if show_shapes else 0.15)
    ax.text(
        x, title_y, block.title, ha="center", va="center", fontsize=11, fontweight="bold", zorder=3
    )
    if show_shapes:
        ax.text(x, y - 0.03, block.shapes, ha="center", va="center", fontsize=10, zorder=3)
    ax.text(
        x,
        y - (0.3 if show_shapes else 0.17),
        block.params,
        ha="center",
        va="center",
        fontsize=9,
        color="0.4",
        zorder=3,
    )


def _edge(ax: Any, source: tuple[float, float], target: tuple[float, float], height: float) -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            (source[0], source[1] - height / 2),
            (target[0], target[1] + height / 2),
            arrowstyle="-|>",
            mutation_scale=14,
            color="0.3",
            linewidth=1.3,
            zorder=1,
        )
    )


# ----------------------------------------------------------------- plot_network
@styled
def plot_network(model: Module, path: str | Path | None = None, max_neurons: int = 12) -> Figure:
    """Neurons as circles, one column per layer, joined by lines coloured and sized by weight.

    For a chain of Dense layers (a plain MLP): the first column is
    the input features, then each Dense's units.  A line from neuron i to
    neuron j shows ``W[i, j]``: blue positive, red negative (a diverging
    colormap symmetric about 0), width and opacity growing with ``|W[i, j]|``;
    biases are not drawn.  A layer with more than
    ``max_neurons`` units shows its first ``max_neurons - 1`` and an ellipsis.

    >>> figure = plot_network(model)  # doctest: +SKIP
    """
    max_neurons = check_positive_int(max_neurons, "max_neurons", minimum=2)
    layers = _dense_chain(model)
    sizes = [layers[0].weight.shape[0], *(layer.units for layer in layers)]
    shown = [min(n, max_neurons - 1) if n > max_neurons else n for n in sizes]
    weights = [np.asarray(layer.weight.data, dtype=np.float64) for layer in layers]
    largest = max(float(np.abs(w[: shown[i], : shown[i + 1]]).max()) for i, w in enumerate(weights))
    largest = largest if largest > 0 else 1.0
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, Normalize

    # RdBu without its near-white middle, so that small weights stay visibly red or blue.
    red_blue = colormaps["RdBu"]
    cmap = ListedColormap(
        np.vstack([red_blue(np.linspace(0, 0.36, 128)), red_blue(np.linspace(0.64, 1, 128))])
    )
    norm = Normalize(-largest, largest)
    step_x, step_y = 2.6, 0.6
    slots = [n + (n < size) for n, size in zip(shown, sizes, strict=True)]  # + the ellipsis
    position = [
        [(column * step_x, ((count - 1) / 2 - i) * step_y) for i in range(n)]
        for column, (n, count) in enumerate(zip(shown, slots, strict=True))
    ]
    top = (max(slots) - 1) / 2 * step_y
    figure = new_figure(step_x * (len(sizes) - 1) + 4.2, step_y * max(slots) + 2.2)
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    for column, w in enumerate(weights):
        for i, start in enumerate(position[column]):
            for j, end in enumerate(position[column + 1]):
                strength = abs(w[i, j]) / largest
                ax.plot(
                    [start[0], end[0]],
                    [start[1], end[1]],
                    color=cmap(norm(w[i, j])),
                    linewidth=0.5 + 3.5 * strength,
                    alpha=0.45 + 0.5 * strength,
                    zorder=1,
                )
    for column, (points, size) in enumerate(zip(position, sizes, strict=True)):
        _neuron_column(ax, column, points, size, step_y)
        ax.text(
            column * step_x,
            top + 0.45,
            _layer_label(column, layers, size),
            ha="center",
            va="bottom",
            fontsize=10,
        )
    ax.set_xlim(-0.9, step_x * (len(sizes) - 1) + 0.9)
    ax.set_ylim(-top - (0.3 if max(slots) == max(shown) else 0.9), top + 1.2)
    figure.colorbar(ScalarMappable(norm, cmap), ax=ax, shrink=0.7, label="weight W[i, j]")
    figure.suptitle(f'"{model.name}": ' + " → ".join(str(n) for n in sizes) + " neurons")
    return finish(figure, path)


def _dense_chain(model: Module) -> list[Dense]:
    """The model's Dense layers in order; each must feed the next."""
    layers = list(model.layers) if isinstance(model, (Sequential, Model)) else list(model.modules())
    dense = [layer for layer in layers if isinstance(layer, Dense)]
    if not dense:
        raise ValueError(f"plot_network draws Dense layers; model {model.name!r} has none")
    unbuilt = [layer.name for layer in dense if layer.weight is None]
    if unbuilt:
        raise ValueError(
            f"layers {unbuilt} of model {model.name!r} are not built: give "
            "input_shape= to the first layer or call the model on data first"
        )
    for before, after in itertools.pairwise(dense):
        if after.weight.shape[0] != before.units:
            raise ValueError(
                f"plot_network draws a chain of Dense layers, but {before.name!r} "
                f"has {before.units} units and the next, {after.name!r}, takes "
                f"{after.weight.shape[0]} inputs"
            )
    return dense


def _layer_label(column: int, layers: list[Dense], size: int) -> str:
    if column == 0:
        return f"input\n{size} features"
    layer = layers[column - 1]
    activation = getattr(layer.activation, "name", "custom")
    return f"{layer.name}\n{size} unit{'s' if size > 1 else ''}, {activation}"


def _neuron_column(
    ax: Any, column: int, points: list[tuple[float, float]], size: int, step_y: float
) -> None:
    """Circles for one layer (input features grey), then an ellipsis for the units not shown."""
    from matplotlib.patches import Circle

    for i, (x, y) in enumerate(points):
        ax.add_patch(
            Circle(
                (x, y),
                0.2,
                facecolor="0.85" if column == 0 else "white",
                edgecolor="0.15",
                linewidth=1.2,
                zorder=3,
            )
        )
        if column == 0:
            ax.text(x - 0.3, y, f"$x_{{{i + 1}}}$", ha="right", va="center", fontsize=10)
    if len(points) < size:
        x, y = points[-1]
        ax.text(
            x,
            y - 0.45 * step_y,
            f"⋮\n+{size - len(points)} more",
            ha="center",
            va="top",
            fontsize=9,
        )
