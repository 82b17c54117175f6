"""``plot_activation``: each activation beside its derivative, as textbooks draw them."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..blocks import activations
from ._style import as_list, finish, new_figure, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# \begin{cases} a & c \\ b & d \end{cases}: mathtext has no cases environment.
_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}")


@styled
def plot_activation(
    names: str | Any | list[str | Any],
    derivative: bool = True,
    x_range: tuple[float, float] = (-6, 6),
    path: str | Path | None = None,
) -> Figure:
    r"""One row per activation: :math:`f(x)` on the left, :math:`f'(x)` on the right.

    ``names`` is a name (``"relu"``), an Activation, or a list of them; the
    formula (``activation.formula``, rendered with matplotlib's mathtext) is the
    title of the function panel.  softmax and log_softmax are not element-wise:
    they are drawn on the 2-class slice ``f((x, 0))_1`` with the diagonal Jacobian
    entry :math:`\partial f_1 / \partial x_1` as the derivative (softmax then
    equals the sigmoid).  Saved as PNG when ``path`` is given.

    >>> figure = plot_activation(["sigmoid", "relu"])  # doctest: +SKIP
    """
    resolved = [(name, activations.get(name)) for name in as_list(names, "names")]
    low, high = _checked_range(x_range)
    x = np.linspace(low, high, 601)
    columns = 2 if derivative else 1
    figure = new_figure(5.2 * columns, 3.1 * len(resolved))
    grid = figure.subplots(len(resolved), columns, squeeze=False)
    for row, (given, activation) in enumerate(resolved):
        label = given if isinstance(given, str) else activation.name
        values, slopes = _curves(activation, x)
        _draw(grid[row, 0], x, values, _title(activation.formula, label), f"{label}(x)", "C0")
        if not activation.element_wise:
            grid[row, 0].text(
                0.03,
                0.95,
                "2-class slice: inputs (x, 0)",
                va="top",
                fontsize=9,
                transform=grid[row, 0].transAxes,
                color="0.3",
                bbox={"facecolor": "white", "edgecolor": "0.8", "alpha": 0.9},
            )
        if derivative:
            title = (
                f"derivative of {label}"
                if activation.element_wise
                else r"derivative $\partial f_1 / \partial x_1$ (2-class slice)"
            )
            _draw(grid[row, 1], x, slopes, title, f"{label}'(x)", "C3")
    return finish(figure, path)


def _checked_range(x_range: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in x_range)
    except (TypeError, ValueError):
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"x_range must be two finite numbers (low, high), low < high, got {x_range!r}"
        )
    return low, high


def _curves(activation: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x); an axis activation (softmax) on the 2-class slice (x, 0)."""
    if activation.element_wise:
        return activation.forward(x), activation.derivative(x)
    pairs = np.stack([x, np.zeros_like(x)], axis=-1)
    return activation.forward(pairs)[:, 0], activation.jacobian(pairs)[:, 0, 0]


def _draw(ax: Any, x: np.ndarray, y: np.ndarray, title: str, ylabel: str, color: str) -> None:
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0, color="0.6", linewidth=0.8)
    ax.plot(x, y, color=color, linewidth=2)
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel(ylabel)
    ax.set_xlim(x[0], x[-1])


def _title(formula: str, name: str) -> str:
    """``formula`` as mathtext (cases turned into one line) if it renders, else ``name``."""
    if not formula:
        return name
    from matplotlib.mathtext import MathTextParser

    # A trailing ",\ constants" part (selu's alpha and lambda) goes on a second line.
    lines = [f"${part}$" for part in _one_line(formula).split(r",\ ", 1)]
    try:
        for line in lines:
            MathTextParser("path").parse(line)
    except ValueError:
        return name
    return "\n".join(lines)


def _one_line(formula: str) -> str:
    r"""LaTeX -> mathtext: ``cases`` becomes ``\left\{ a\ \mathrm{if}\ c;\ \ ... \right.``, ``\le`` ``\leq``."""

    def flatten(match: re.Match[str]) -> str:
        branches = []
        for branch in match.group(1).split(r"\\"):
            value, _, condition = branch.partition("&")
            condition = rf"\ \mathrm{{if}}\ {condition.strip()}" if condition.strip() else ""
            branches.append(value.strip() + condition)
        return r"\left\{ " + r";\ \ ".join(branches) + r" \right."

    formula = _CASES.sub(flatten, formula)
    return re.sub(r"\\(le|ge)(?![a-z])", r"\\\1q", formula)
