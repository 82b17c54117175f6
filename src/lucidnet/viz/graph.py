"""``plot_graph``: the autograd graph behind a tensor, with values and gradients (micrograd's picture)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.tensor import Tensor
from ._style import finish, new_figure, number_text, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_TENSORS = 60  # a bigger graph is unreadable as boxes; summarise it instead
_OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "@": "@", "neg": "−x", "**": "^"}
_BOX_WIDTH, _BOX_HEIGHT, _COLUMN_STEP, _ROW_STEP, _OP_RADIUS = 1.7, 0.95, 2.8, 1.25, 0.28


@styled
def plot_graph(tensor: Tensor, path: str | Path | None = None) -> Figure:
    """Draw the graph that computed ``tensor``: one box per tensor, one circle per operation.

    Inputs are on the left and ``tensor`` on the right; each tensor sits one
    column left of the first operation that reads it.  A box shows the
    tensor's name (``tensor.name`` when set, else its operation), its value
    (numbers up to 4 elements, else shape and mean) and its gradient ``.grad``
    (for the root after ``backward()``, df/df = 1).  For the seeds' chain rule:

    >>> import lucidnet as ln
    >>> x, y, z = (ln.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> x.name, y.name, z.name = "x", "y", "z"
    >>> q = x + y; q.name = "q"; q.retain_grad()
    >>> f = q * z; f.name = "f"; f.backward()
    >>> figure = plot_graph(f)  # doctest: +SKIP

    shows values -2, 5, -4, 3, -12 and gradients -4, -4, 3, -4, 1.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor must be a lucidnet Tensor, got {type(tensor).__name__}")
    tensors = _topological(tensor)
    if len(tensors) > MAX_TENSORS:
        raise ValueError(f"the graph of tensor has {len(tensors)} tensors; plot_graph draws at "
                         f"most {MAX_TENSORS} (use a smaller example or model.summary())")
    column = _columns(tensors)
    rows = _rows(tensors, column)
    n_columns = max(column.values()) + 1
    n_rows = max(rows.values()) + 1
    figure = new_figure(1.05 * _COLUMN_STEP * n_columns + 0.4, _ROW_STEP * n_rows + 0.9,
                        constrained=False)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(-_BOX_WIDTH / 2 - 0.3, _COLUMN_STEP * (n_columns - 1) + _BOX_WIDTH / 2 + 0.3)
    ax.set_ylim(-_ROW_STEP * (n_rows - 1) - 0.8, 0.9)
    center = {id(t): (column[id(t)] * _COLUMN_STEP, -rows[id(t)] * _ROW_STEP) for t in tensors}
    backward_done = any(t.grad is not None for t in tensors)
    for t in tensors:
        gradient = t.grad
        if gradient is None and t is tensor and backward_done and t.data.size == 1:
            gradient = np.ones_like(t.data)  # d tensor / d tensor
        _tensor_box(ax, center[id(t)], _label(t), t.data, gradient)
        if t._parents:
            _operation(ax, t, center)
    return finish(figure, path)


def _topological(root: Tensor) -> list[Tensor]:
    """Tensors of ``root``'s graph, every tensor after its parents (iterative DFS)."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node._parents))
    return order


def _columns(tensors: list[Tensor]) -> dict[int, int]:
    """Column per tensor: the root rightmost, a parent one column left of its leftmost consumer."""
    steps_from_root = {id(tensors[-1]): 0}
    for node in reversed(tensors):
        for parent in node._parents:
            steps = steps_from_root[id(node)] + 1
            steps_from_root[id(parent)] = max(steps_from_root.get(id(parent), 0), steps)
    deepest = max(steps_from_root.values())
    return {key: deepest - steps for key, steps in steps_from_root.items()}


def _rows(tensors: list[Tensor], column: dict[int, int]) -> dict[int, int]:
    """Row per tensor within its column, in graph order, columns centred on the tallest."""
    members: dict[int, list[Tensor]] = {}
    for t in tensors:
        members.setdefault(column[id(t)], []).append(t)
    tallest = max(len(group) for group in members.values())
    rows: dict[int, int] = {}
    for group in members.values():
        offset = (tallest - len(group)) / 2
        for index, t in enumerate(group):
            rows[id(t)] = offset + index
    return rows


def _label(t: Tensor) -> str:
    if t.name:
        return t.name
    return t._op if t._op else ("parameter" if t.requires_grad else "input")


def _array_text(values: np.ndarray) -> str:
    """Up to 4 numbers in full, else the shape and the mean."""
    if values.size == 1:
        return number_text(values.reshape(()))
    if values.size <= 4:
        return "[" + ", ".join(number_text(v) for v in values.ravel()) + "]"
    return f"{values.shape} mean {number_text(values.mean())}"


def _tensor_box(ax: Any, center: tuple[float, float], label: str, data: np.ndarray,
                gradient: np.ndarray | None) -> None:
    from matplotlib.patches import FancyBboxPatch

    x, y = center
    ax.add_patch(FancyBboxPatch((x - _BOX_WIDTH / 2, y - _BOX_HEIGHT / 2), _BOX_WIDTH, _BOX_HEIGHT,
                                boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor="#eef4fb", edgecolor="#1f4e79", linewidth=1.4))
    ax.plot([x - _BOX_WIDTH / 2, x + _BOX_WIDTH / 2], [y + 0.13, y + 0.13], color="#1f4e79",
            linewidth=0.8)
    ax.text(x, y + 0.28, label, ha="center", va="center", fontsize=11, fontweight="bold")
    ax.text(x, y - 0.02, f"data {_array_text(data)}", ha="center", va="center", fontsize=9.5)
    grad_text = "—" if gradient is None else _array_text(np.asarray(gradient))
    ax.text(x, y - 0.27, f"grad {grad_text}", ha="center", va="center", fontsize=9.5,
            color="#b22222" if gradient is not None else "0.5")


def _operation(ax: Any, t: Tensor, center: dict[int, tuple[float, float]]) -> None:
    """The op circle left of ``t``'s box, an arrow from each parent into it, and one into ``t``."""
    from matplotlib.patches import Circle, FancyArrowPatch

    x, y = center[id(t)]
    op_x = x - _COLUMN_STEP / 2
    ax.add_patch(Circle((op_x, y), _OP_RADIUS, facecolor="#fff4e0", edgecolor="#b8860b",
                        linewidth=1.4, zorder=3))
    symbol = _OP_SYMBOLS.get(t._op, t._op or "op")
    ax.text(op_x, y, symbol, ha="center", va="center", zorder=4,
            fontsize=14 if len(symbol) <= 2 else max(6.5, 11 - len(symbol)))
    arrow = {"arrowstyle": "-|>", "mutation_scale": 12, "color": "0.35", "linewidth": 1.1}
    ax.add_patch(FancyArrowPatch((op_x + _OP_RADIUS, y), (x - _BOX_WIDTH / 2, y), **arrow))
    for parent in dict.fromkeys(t._parents):  # x * x: one arrow per distinct parent
        px, py = center[id(parent)]
        ax.add_patch(FancyArrowPatch((px + _BOX_WIDTH / 2, py), (op_x, y), shrinkB=_OP_RADIUS * 72,
                                     connectionstyle="arc3,rad=0.0", **arrow))
