"""The picture of a sweep: mean test score against one parameter, with the spread over folds.

Numbers (and one-element lists of numbers, such as ``hidden=[16]``) go on a numeric axis,
logarithmic when they are positive and span a factor of 8 or more (widths 4 ... 64); any other
values (``[32, 16]``, ``"relu"``) are categories labelled ``32-16``, ``relu``. Each fold's score
is a dot, the mean a line and mean ± std a band; other varying parameters give one line each.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..viz._style import finish as save_figure
from ..viz._style import new_figure, styled
from .space import canonical

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .result import SweepResult


def axis_value(value: Any) -> Any:
    """A one-element list or tuple as its element (``[16]`` -> 16)."""
    return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value


def label(value: Any) -> str:
    """A readable tick label: ``[32, 16]`` -> ``32-16``."""
    value = axis_value(value)
    if isinstance(value, (list, tuple)):
        return "-".join(label(item) for item in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@styled
def plot_scores(result: SweepResult, param: str, path: str | Path | None) -> Figure:
    """Draw ``result``'s mean score against ``param``; see the module docstring."""
    values = [axis_value(params.get(param)) for params in result.candidates]
    numeric = all(_is_number(value) for value in values)
    if numeric:
        positions = np.array(values, dtype=float)
    else:
        names = list(dict.fromkeys(label(value) for value in values))
        positions = np.array([names.index(label(value)) for value in values], dtype=float)
    others = [name for name in result.varying() if name != param]
    groups: dict[str, list[int]] = {}
    for row, params in enumerate(result.candidates):
        rest = {name: params.get(name) for name in others}
        groups.setdefault(canonical(rest) if others else "", []).append(row)

    figure = new_figure(6.4, 4.2)
    axes = figure.add_subplot()
    for index, rows in enumerate(groups.values()):
        rows = sorted(rows, key=lambda row: positions[row])
        at = positions[rows]
        mean, std = result.mean_scores[rows], result.std_scores[rows]
        color = f"C{index % 10}"
        name = ", ".join(
            f"{k}={label(v)}" for k, v in result.candidates[rows[0]].items() if k in others
        )
        axes.plot(at, mean, "-o", color=color, label=name or "mean over folds")
        axes.fill_between(at, mean - std, mean + std, color=color, alpha=0.15, linewidth=0)
        for fold in range(result.n_splits):
            axes.plot(at, result.scores[rows, fold], ".", color=color, alpha=0.5, markersize=5)
    if numeric:
        positive = positions[positions > 0]
        if len(positive) == len(positions) and positive.max() / positive.min() >= 8:
            axes.set_xscale("log", base=2 if _all_powers_of_two(positions) else 10)
        axes.set_xticks(np.unique(positions), [label(v) for v in np.unique(positions)])
    else:
        axes.set_xticks(range(len(names)), names)
    if result.best_index is not None:
        best = result.best_index
        axes.plot(positions[best], result.mean_scores[best], "*", color="black", markersize=14,
                  label=f"best: {result.mean_scores[best]:.4g}", zorder=5)  # fmt: skip
    axes.set_xlabel(param + (" (units)" if param in ("hidden", "hidden_layer_sizes") else ""))
    axes.set_ylabel(f"test {result.scoring} ({result.n_splits}-fold)")
    axes.set_title(f"Sweep over {param}: mean ± std over folds, dots per fold")
    axes.legend(loc="best")
    return save_figure(figure, path)


def _all_powers_of_two(positions: np.ndarray) -> bool:
    return bool(np.all(np.log2(positions) == np.round(np.log2(positions))))
