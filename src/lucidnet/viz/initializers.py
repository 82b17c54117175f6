"""``plot_initializers``: a histogram of each initializer's draw with its theoretical density."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._checks import check_positive_int
from ..blocks import init
from ._style import as_list, finish, number_text, panel_grid, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@styled
def plot_initializers(
    names: str | Any | list[str | Any],
    shape: tuple[int, ...] = (256, 256),
    path: str | Path | None = None,
    bins: int = 60,
) -> Figure:
    r"""One panel per initializer: a density histogram of a ``shape`` draw and the law it follows.

    The theoretical curve is computed from the formulas, with
    ``fan_in, fan_out = init.compute_fans(shape)`` and the initializer's options:
    variance scaling (Xavier, He, LeCun, standard) with ``n`` the chosen fan has
    :math:`\sigma = \sqrt{\mathrm{scale}/n}` and is drawn as the box
    :math:`U(-\sqrt{3}\sigma, \sqrt{3}\sigma)`, the normal :math:`N(0, \sigma^2)`,
    or the normal of std :math:`\sigma / 0.8796` cut at :math:`\pm 2` of its std;
    ``uniform``, ``normal`` and ``truncated_normal`` use their own parameters;
    ``orthogonal`` is compared with :math:`N(0, \mathrm{gain}^2 / \max(\mathrm{rows}, \mathrm{cols}))`
    (the law of one entry of a large random orthogonal matrix); a constant is a vertical line.
    Draws use a fixed seed (0), so the picture is reproducible.

    >>> figure = plot_initializers(["xavier_uniform", "he_normal"], shape=(784, 128))  # doctest: +SKIP
    """
    items = as_list(names, "names")
    bins = check_positive_int(bins, "bins")
    fan_in, fan_out = init.compute_fans(shape)
    figure, axes = panel_grid(len(items), 4.6, 3.5, 0.4)
    from matplotlib.ticker import MaxNLocator

    for ax, name in zip(axes, items, strict=True):
        initializer = init.get(name)
        if isinstance(initializer, init.Initializer):
            sample = np.asarray(initializer(shape, rng=0, dtype="float64")).ravel()
        else:  # a user's callable(shape): its own randomness
            sample = np.asarray(initializer(shape), dtype=np.float64).ravel()
        label = (
            name
            if isinstance(name, str)
            else getattr(
                initializer, "name", getattr(initializer, "__name__", type(initializer).__name__)
            )
        )
        ax.hist(
            sample,
            bins=bins,
            density=True,
            color="C0",
            alpha=0.55,
            label=f"sample: std {number_text(sample.std())}",
        )
        _overlay(ax, _law(initializer, shape))
        ax.set_title(label)
        ax.set_xlabel("weight value")
        ax.xaxis.set_major_locator(MaxNLocator(6))  # long tick labels must not collide
        ax.set_ylabel("density")
        ax.set_ylim(0, 1.45 * ax.get_ylim()[1])  # headroom: the legend sits above the bars
        ax.legend(loc="upper right")
    dims = tuple(int(d) for d in np.atleast_1d(shape))
    figure.suptitle(f"weights of shape {dims}: fan_in = {fan_in}, fan_out = {fan_out}")
    return finish(figure, path)


def _law(initializer: Any, shape: Any) -> tuple[str, float, float, float, float] | None:
    """``(kind, location, scale, low, high)`` of one weight's law; None when unknown.

    kind "uniform": U(low, high); "normal": N(location, scale^2) restricted to
    [low, high]; "point": all mass at ``location``.
    """
    inf = math.inf
    if isinstance(initializer, init.Constant):
        return "point", initializer.value, 0.0, -inf, inf
    if isinstance(initializer, init.RandomUniform):
        return "uniform", 0.0, 0.0, initializer.low, initializer.high
    if isinstance(initializer, init.TruncatedNormal):
        return "normal", initializer.mean, initializer.std, initializer.a, initializer.b
    if isinstance(initializer, init.RandomNormal):
        if initializer.std == 0:
            return "point", initializer.mean, 0.0, -inf, inf
        return "normal", initializer.mean, initializer.std, -inf, inf
    if isinstance(initializer, init.VarianceScaling):
        fan_in, fan_out = init.compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        std = math.sqrt(initializer.scale / fan[initializer.mode])
        if initializer.distribution == "uniform":
            return "uniform", 0.0, 0.0, -math.sqrt(3) * std, math.sqrt(3) * std
        if initializer.distribution == "untruncated_normal":
            return "normal", 0.0, std, -inf, inf
        cut_std = std / init.TRUNCATED_STD_RATIO
        return "normal", 0.0, cut_std, -2 * cut_std, 2 * cut_std
    if isinstance(initializer, init.Orthogonal):
        dims = tuple(np.atleast_1d(shape))
        rows, cols = math.prod(dims[:-1]), dims[-1]
        return "normal", 0.0, initializer.gain / math.sqrt(max(rows, cols)), -inf, inf
    return None


def _overlay(ax: Any, law: tuple[str, float, float, float, float] | None) -> None:
    """Draw ``law``'s density over the histogram, labelled with its parameters."""
    if law is None:
        ax.plot([], [], " ", label="theory: unknown initializer")
        return
    kind, location, scale, low, high = law
    if kind == "point":
        ax.axvline(location, color="C3", linewidth=2, label=f"theory: all {number_text(location)}")
        return
    if kind == "uniform":
        height = 1 / (high - low)
        margin = 0.08 * (high - low)
        ax.plot(
            [low - margin, low, low, high, high, high + margin],
            [0, 0, height, height, 0, 0],
            color="C3",
            linewidth=2,
            label=f"theory: U({number_text(low)}, {number_text(high)})\n"
            f"std {number_text((high - low) / math.sqrt(12))}",
        )
        return
    start, stop = max(low, location - 4.5 * scale), min(high, location + 4.5 * scale)
    grid = np.linspace(start, stop, 400)
    mass = 0.5 * (
        math.erf((high - location) / (scale * math.sqrt(2)))
        - math.erf((low - location) / (scale * math.sqrt(2)))
    )
    density = np.exp(-0.5 * ((grid - location) / scale) ** 2) / (
        scale * math.sqrt(2 * math.pi) * mass
    )
    label = f"theory: N({number_text(location)}, {number_text(scale)}$^2$)"
    if math.isfinite(low) or math.isfinite(high):  # a cut: the density drops to 0 at the bounds
        label += f"\ncut to [{number_text(low)}, {number_text(high)}]"
        grid, density = np.r_[start, grid, stop], np.r_[0.0, density, 0.0]
    ax.plot(grid, density, color="C3", linewidth=2, label=label)
