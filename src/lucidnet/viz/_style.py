"""Shared figure pieces for ``ln.viz``: headless figures, one house style, saving.

matplotlib is imported here, inside functions, so that ``import lucidnet`` (and
``import lucidnet.viz``) never loads it.  Figures are made with
``matplotlib.figure.Figure`` and an Agg canvas, not with pyplot: they need no
display and leave pyplot's global state (and the user's backend) alone.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

F = TypeVar("F", bound=Callable[..., Any])

# Readable defaults: larger fonts than matplotlib's, light grids, no top/right spines.
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9.5,
    "legend.framealpha": 0.85,
    "figure.titlesize": 13,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 120,
}

# Class colours (matplotlib's tab10): regions get a light version, points the full one.
CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def matplotlib_module() -> Any:
    """The ``matplotlib`` module, or an ImportError saying how to install it."""
    try:
        import matplotlib
    except ImportError as error:  # pragma: no cover - matplotlib is a test dependency
        raise ImportError(
            "lucidnet.viz needs matplotlib (and Pillow for GIFs): pip install 'lucidnet[viz]'"
        ) from error
    return matplotlib


def styled(function: F) -> F:
    """Run a plotting function under :data:`STYLE` (artists read rcParams when created)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib_module().rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(width: float, height: float, constrained: bool = True) -> Figure:
    """A pyplot-free Figure of ``width`` x ``height`` inches on an Agg canvas."""
    matplotlib_module()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained" if constrained else None)
    FigureCanvasAgg(figure)
    return figure


def panel_grid(count: int, width: float, height: float, extra: float = 0.0) -> tuple[Figure, Any]:
    """A figure of ``count`` panels, up to 3 per row, each ``width`` x ``height`` inches.

    ``extra`` inches are added to the height (a suptitle or legend); panels of the
    last row beyond ``count`` are hidden.  Returns the figure and the ``count`` axes.
    """
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure = new_figure(width * columns, height * rows + extra)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[count:]:
        ax.set_visible(False)
    return figure, axes[:count]


def inch_canvas(x_limits: tuple[float, float], y_limits: tuple[float, float]) -> tuple[Figure, Any]:
    """A figure with one borderless axes over the limits, one data unit per inch (diagrams)."""
    figure = new_figure(x_limits[1] - x_limits[0], y_limits[1] - y_limits[0], constrained=False)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(*x_limits)
    ax.set_ylim(*y_limits)
    return figure, ax


def rounded_box(
    ax: Any,
    center: tuple[float, float],
    width: float,
    height: float,
    facecolor: str = "#eef4fb",
    linestyle: str = "-",
) -> None:
    """The house box of the diagrams (a tensor, a layer): rounded, dark blue edge."""
    from matplotlib.patches import FancyBboxPatch

    x, y = center
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            zorder=2,
            facecolor=facecolor,
            edgecolor="#1f4e79",
            linewidth=1.4,
            linestyle=linestyle,
        )
    )


def finish(figure: Figure, path: str | Path | None) -> Figure:
    """Save ``figure`` to ``path`` (PNG unless the suffix says otherwise) when given; return it."""
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(target, format=target.suffix.lstrip(".").lower() or "png")
    return figure


def as_list(value: Any, argument: str) -> list[Any]:
    """One item or a non-empty list/tuple of them, as a list (ValueError when empty)."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"{argument} must name at least one item, got {value!r}")
    return items


def as_array(value: Any) -> np.ndarray:
    """A Tensor's data, or anything NumPy can read (lists, pandas objects), as an ndarray."""
    from ..engine.tensor import Tensor

    return value.data if isinstance(value, Tensor) else np.asarray(value)


def number_text(value: Any) -> str:
    """A short number: 4 significant digits, ASCII minus (``-12``, ``0.5``, ``1.235e-05``)."""
    return f"{float(value):.4g}"
