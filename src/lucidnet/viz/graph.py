"""``plot_graph``: the autograd graph behind a tensor, with values and gradients (micrograd's picture)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..engine.graph import topological_order
from ..engine.tensor import Tensor
from ._style import finish, inch_canvas, number_text, rounded_box, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_TENSORS = 60  # a bigger graph is unreadable as boxes; summarise it instead
# Operation -> symbol in its circle, and word naming an unnamed result.
_OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "@": "@", "neg": "−x", "**": "^"}
_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul", "**": "pow"}
_BOX_HEIGHT, _ROW_STEP, _OP_RADIUS, _GAP = 0.95, 1.25, 0.28, 1.1  # inches
_NO_GRAD = "grad —"
_CHAR_WIDTH = 0.075  # inches per character at the 9.5 pt of the value lines


@styled
def plot_graph(tensor: Tensor, path: str | Path | None = None) -> Figure:
    """Draw the graph that computed ``tensor``: one box per tensor, one circle per operation.

    Inputs are on the left and ``tensor`` on the right; each tensor sits one
    column left of the first operation that reads it.  A box shows the
    tensor's name (``tensor.name`` when set, else its operation), its value
    (numbers up to 4 elements, else shape and mean) and its gradient ``.grad``
    (for the root after ``backward()``, df/df = 1).  For the chain rule on f = (x + y) z:

    >>> import lucidnet as ln
    >>> x, y, z = (ln.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> x.name, y.name, z.name = "x", "y", "z"
    >>> q = x + y; q.name = "q"; _ = q.retain_grad()
    >>> f = q * z; f.name = "f"; f.backward()
    >>> figure = plot_graph(f)

    shows values -2, 5, -4, 3, -12 and gradients -4, -4, 3, -4, 1.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor must be a lucidnet Tensor, got {type(tensor).__name__}")
    tensors = topological_order([tensor], lambda node: node._parents)
    if len(tensors) > MAX_TENSORS:
        raise ValueError(
            f"the graph of tensor has {len(tensors)} tensors; plot_graph draws at "
            f"most {MAX_TENSORS} (use a smaller example or model.summary())"
        )
    backward_done = any(t.grad is not None for t in tensors)
    texts = {}
    for t in tensors:
        gradient = t.grad
        if gradient is None and t is tensor and backward_done and t.data.size == 1:
            gradient = np.ones_like(t.data)  # d tensor / d tensor
        grad_text = _NO_GRAD if gradient is None else f"grad {_array_text(np.asarray(gradient))}"
        texts[id(t)] = (_label(t), f"data {_array_text(t.data)}", grad_text)
    box_width = max(
        1.7, _CHAR_WIDTH * max(len(line) for lines in texts.values() for line in lines[1:]) + 0.35
    )
    column_step = box_width + _GAP
    column = _columns(tensors)
    rows = _rows(tensors, column)
    # One data unit is one inch, so circles stay round and fonts fit the boxes at any size.
    x_limits = (-box_width / 2 - 0.25, column_step * max(column.values()) + box_width / 2 + 0.25)
    y_limits = (-_ROW_STEP * max(rows.values()) - _BOX_HEIGHT / 2 - 0.25, _BOX_HEIGHT / 2 + 0.45)
    figure, ax = inch_canvas(x_limits, y_limits)
    center = {id(t): (column[id(t)] * column_step, -rows[id(t)] * _ROW_STEP) for t in tensors}
    for t in tensors:
        _tensor_box(ax, center[id(t)], box_width, texts[id(t)])
        if t._parents:
            _operation(ax, t, center, box_width, column_step)
    return finish(figure, path)


def _columns(tensors: list[Tensor]) -> dict[int, int]:
    """Column per tensor: the root rightmost, a parent one column left of its leftmost consumer."""
    steps_from_root = {id(tensors[-1]): 0}
    for node in reversed(tensors):
        for parent in node._parents:
            steps = steps_from_root[id(node)] + 1
            steps_from_root[id(parent)] = max(steps_from_root.get(id(parent), 0), steps)
    deepest = max(steps_from_root.values())
    return {key: deepest - steps for key, steps in steps_from_root.items()}


def _rows(tensors: list[Tensor], column: dict[int, int]) -> dict[int, float]:
    """Row per tensor within its column, in graph order, columns centred on the tallest."""
    members: dict[int, list[Tensor]] = {}
    for t in tensors:
        members.setdefault(column[id(t)], []).append(t)
    tallest = max(len(group) for group in members.values())
    rows: dict[int, float] = {}
    for group in members.values():
        offset = (tallest - len(group)) / 2
        for index, t in enumerate(group):
            rows[id(t)] = offset + index
    return rows


def _label(t: Tensor) -> str:
    """``t.name``, else the word for its operation, else what kind of leaf it is."""
    if t.name:
        return t.name
    if t._op:
        return _OP_WORDS.get(t._op, t._op)
    return type(t).__name__.lower() if t.requires_grad else "constant"


def _array_text(values: np.ndarray) -> str:
    """Up to 4 numbers in full, else the shape and the mean."""
    if values.size == 1:
        return number_text(values.reshape(()))
    if values.size <= 4:
        return "[" + ", ".join(number_text(v) for v in values.ravel()) + "]"
    return f"{values.shape} mean {number_text(values.mean())}"


def _tensor_box(
    ax: Any, center: tuple[float, float], width: float, texts: tuple[str, str, str]
) -> None:
    x, y = center
    label, data_text, grad_text = texts
    rounded_box(ax, center, width, _BOX_HEIGHT)
    ax.plot(
        [x - width / 2, x + width / 2],
        [y + 0.13, y + 0.13],
        color="#1f4e79",
        linewidth=0.8,
        zorder=3,
    )
    ax.text(x, y + 0.28, label, ha="center", va="center", fontsize=11, fontweight="bold", zorder=3)
    ax.text(x, y - 0.02, data_text, ha="center", va="center", fontsize=9.5, zorder=3)
    ax.text(
        x,
        y - 0.27,
        grad_text,
        ha="center",
        va="center",
        fontsize=9.5,
        zorder=3,
        color="0.5" if grad_text == _NO_GRAD else "#b22222",
    )


def _operation(
    ax: Any, t: Tensor, center: dict[int, tuple[float, float]], box_width: float, column_step: float
) -> None:
    """The op circle left of ``t``'s box, an arrow from each parent into it, and one into ``t``.

    Arrows pass behind the boxes; one that skips columns bends upwards.
    """
    from matplotlib.patches import Circle, FancyArrowPatch

    x, y = center[id(t)]
    op_center = np.array((x - column_step / 2, y))
    ax.add_patch(
        Circle(
            tuple(op_center),
            _OP_RADIUS,
            facecolor="#fff4e0",
            edgecolor="#b8860b",
            linewidth=1.4,
            zorder=3,
        )
    )
    symbol = _OP_SYMBOLS.get(t._op, t._op or "op")
    ax.text(
        *op_center,
        symbol,
        ha="center",
        va="center",
        zorder=4,
        fontsize=14 if len(symbol) <= 2 else max(6.5, 11 - len(symbol)),
    )
    arrow = {
        "arrowstyle": "-|>",
        "mutation_scale": 12,
        "color": "0.35",
        "linewidth": 1.1,
        "zorder": 1,
    }
    ax.add_patch(FancyArrowPatch((op_center[0] + _OP_RADIUS, y), (x - box_width / 2, y), **arrow))
    parents = {id(parent): parent for parent in t._parents}  # x * x: one arrow per parent
    for key in parents:
        start = np.add(center[key], (box_width / 2, 0))
        direction = op_center - start
        end = op_center - _OP_RADIUS * direction / np.linalg.norm(direction)
        bend = -0.25 if direction[0] > column_step else 0.0
        ax.add_patch(
            FancyArrowPatch(tuple(start), tuple(end), **arrow, connectionstyle=f"arc3,rad={bend}")
        )
