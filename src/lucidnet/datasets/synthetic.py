"""Generated 2-D (and n-D) classification problems: xor, moons, circles, spirals, blobs.

Every generator returns ``(x, y)``: ``x`` of shape ``(n_samples, n_features)`` in the
default float dtype (``dtype=`` overrides it) and ``y`` of shape ``(n_samples,)``
holding int64 class labels ``0 .. n_classes - 1``.

Randomness comes from ``random_state`` (scikit-learn's name) or its aliases
``seed`` / ``rng`` (lucidnet's names): None draws from lucidnet's global generator
(seeded by ``ln.manual_seed``), an int seeds a fresh generator, a
``numpy.random.Generator`` is used as is.  The same seed gives bit-identical data.

The geometry of ``moons``, ``circles`` and ``blobs`` is scikit-learn's
``make_moons``, ``make_circles`` and ``make_blobs``, written here with NumPy
alone so that the core has no scikit-learn dependency; ``spirals`` is the
CS231n spiral (https://cs231n.github.io/neural-networks-case-study/).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._checks import check_positive_int, check_real
from ..engine.dtype import resolve_dtype
from ..engine.random import get_rng

RandomState = np.random.Generator | int | None

_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


def resolve_random_state(
    random_state: RandomState, seed: RandomState = None, rng: RandomState = None
) -> np.random.Generator:
    """The generator named by ``random_state`` or one of its aliases ``seed`` / ``rng``."""
    given = {
        name: value
        for name, value in (("random_state", random_state), ("seed", seed), ("rng", rng))
        if value is not None
    }
    if len(given) > 1:
        raise ValueError(
            f"give at most one of random_state, seed and rng (aliases), got {sorted(given)}"
        )
    return get_rng(next(iter(given.values()), None))


def _finish(
    x: np.ndarray,
    y: np.ndarray,
    noise: float,
    generator: np.random.Generator,
    shuffle: bool,
    dtype: object,
) -> tuple[np.ndarray, np.ndarray]:
    """Add N(0, noise^2) to every coordinate, optionally shuffle, cast x to ``dtype``."""
    if noise > 0:
        x = x + generator.normal(scale=noise, size=x.shape)
    if shuffle:
        order = generator.permutation(len(x))
        x, y = x[order], y[order]
    return x.astype(resolve_dtype(dtype)), y.astype(np.int64)


def _split_evenly(n_samples: int, n_groups: int) -> np.ndarray:
    """Group sizes as equal as possible, the first ``n_samples % n_groups`` one larger."""
    sizes = np.full(n_groups, n_samples // n_groups, dtype=np.int64)
    sizes[: n_samples % n_groups] += 1
    return sizes


def _two_unit_arcs(n_samples: int, stop: float, endpoint: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(cos t, sin t)``, t evenly in ``[0, stop]``: ``n // 2`` points of class 0, then class 1."""
    sizes = [n_samples // 2, n_samples - n_samples // 2]
    angles = np.concatenate([np.linspace(0.0, stop, size, endpoint=endpoint) for size in sizes])
    return np.column_stack([np.cos(angles), np.sin(angles)]), np.repeat([0, 1], sizes)


def xor(
    n_samples: int = 4,
    noise: float = 0.0,
    *,
    centered: bool = False,
    random_state: RandomState = None,
    seed: RandomState = None,
    rng: RandomState = None,
    dtype: object = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: the four corners of the unit square, label ``x1 XOR x2``.

    Point ``i`` sits at corner ``i % 4`` in truth-table order
    ``(0,0), (0,1), (1,0), (1,1)`` with labels ``0, 1, 1, 0``, plus Gaussian noise of
    standard deviation ``noise`` on each coordinate.  So the defaults
    (``n_samples=4, noise=0``) give exactly the truth table, and a larger
    ``n_samples`` repeats the corners (every block of four is balanced); there is
    no shuffling.  The label is the corner's, whatever the noise does to the point.
    ``centered=True`` moves the corners to ±1 (0 -> -1), so the label is 1 exactly
    when the two coordinates of the corner have different signs.

    >>> x, y = xor()
    >>> x.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    >>> x, y = xor(200, noise=0.1, centered=True, random_state=0)
    >>> x.shape, y.shape
    ((200, 2), (200,))
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_real(noise, "noise", low=0)
    generator = resolve_random_state(random_state, seed, rng)
    corner = np.arange(n_samples) % 4
    x = _XOR_CORNERS[corner]
    if centered:
        x = 2.0 * x - 1.0
    return _finish(x, _XOR_LABELS[corner], noise, generator, False, dtype)


def moons(
    n_samples: int = 200,
    noise: float = 0.1,
    *,
    shuffle: bool = True,
    random_state: RandomState = None,
    seed: RandomState = None,
    rng: RandomState = None,
    dtype: object = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``).

    Class 0 (``n_samples // 2`` points): ``(cos t, sin t)``, the upper half of the
    unit circle; class 1 (the rest): ``(1 - cos t, 0.5 - sin t)``, the lower half
    circle shifted right by 1 and down by 0.5; ``t`` evenly spaced in ``[0, pi]``.
    Gaussian noise of standard deviation ``noise`` is added to each coordinate.

    >>> x, y = moons(200, noise=0.1, random_state=0)
    >>> x.shape, x.dtype, sorted(set(y.tolist()))
    ((200, 2), dtype('float32'), [0, 1])
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_real(noise, "noise", low=0)
    generator = resolve_random_state(random_state, seed, rng)
    x, y = _two_unit_arcs(n_samples, np.pi, endpoint=True)
    x[y == 1] = (1.0, 0.5) - x[y == 1]
    return _finish(x, y, noise, generator, shuffle, dtype)


def circles(
    n_samples: int = 200,
    noise: float = 0.05,
    factor: float = 0.5,
    *,
    shuffle: bool = True,
    random_state: RandomState = None,
    seed: RandomState = None,
    rng: RandomState = None,
    dtype: object = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one (scikit-learn's ``make_circles``).

    Class 0 (``n_samples // 2`` points): the unit circle ``(cos t, sin t)``; class 1
    (the rest): the circle of radius ``factor`` (``0 <= factor < 1``); ``t`` evenly
    spaced in ``[0, 2 pi)``.  Gaussian noise of standard deviation ``noise`` is
    added to each coordinate.  Not linearly separable; ``x1^2 + x2^2`` separates it.

    >>> x, y = circles(200, noise=0.0, factor=0.5, random_state=0)
    >>> bool(abs(np.hypot(*x[y == 1].T).max() - 0.5) < 1e-6)
    True
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = check_real(noise, "noise", low=0)
    if not check_real(factor, "factor", low=0) < 1:
        raise ValueError(f"factor must be in [0, 1) (inner radius / outer radius), got {factor!r}")
    generator = resolve_random_state(random_state, seed, rng)
    x, y = _two_unit_arcs(n_samples, 2.0 * np.pi, endpoint=False)
    x[y == 1] *= factor
    return _finish(x, y, noise, generator, shuffle, dtype)


def spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    *,
    shuffle: bool = True,
    random_state: RandomState = None,
    seed: RandomState = None,
    rng: RandomState = None,
    dtype: object = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms (the CS231n spiral data set).

    The ``n_samples`` points are split evenly over the arms (the first
    ``n_samples % n_classes`` arms get one more).  Along arm ``k`` the radius ``r``
    runs evenly from 0 to 1 and the angle is ``t = 4 (k + r) + N(0, noise^2)``
    (radians), giving the point ``(r sin t, r cos t)``.  The noise is on the
    angle only, so every radius stays in ``[0, 1]``.

    Reference: Karpathy, CS231n "Putting it together: minimal neural network case
    study", https://cs231n.github.io/neural-networks-case-study/

    >>> x, y = spirals(300, n_classes=3, noise=0.2, random_state=0)
    >>> x.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    noise = check_real(noise, "noise", low=0)
    generator = resolve_random_state(random_state, seed, rng)
    sizes = _split_evenly(n_samples, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    radius = np.concatenate([np.linspace(0.0, 1.0, size) for size in sizes])
    angle = 4.0 * (y + radius)
    if noise > 0:
        angle = angle + generator.normal(scale=noise, size=n_samples)
    x = radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    return _finish(x, y, 0.0, generator, shuffle, dtype)


def _blob_centers(
    centers: int | Sequence[Sequence[float]] | np.ndarray,
    n_features: int,
    center_box: tuple[float, float],
    generator: np.random.Generator,
) -> np.ndarray:
    """The ``(n_centers, n_features)`` centers: given, or drawn uniformly in ``center_box``."""
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        n_centers = check_positive_int(centers, "centers")
        n_features = check_positive_int(n_features, "n_features")
        box = np.asarray(center_box, dtype=np.float64)
        if box.shape != (2,) or not (np.all(np.isfinite(box)) and box[0] < box[1]):
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box!r}")
        return generator.uniform(box[0], box[1], size=(n_centers, n_features))
    given = np.asarray(centers, dtype=np.float64)
    if given.ndim != 2 or given.shape[0] < 1 or not np.all(np.isfinite(given)):
        raise ValueError(
            "centers must be an int >= 1 or a finite (n_centers, n_features) array, "
            f"got {centers!r}"
        )
    return given


def blobs(
    n_samples: int = 300,
    centers: int | Sequence[Sequence[float]] | np.ndarray = 3,
    n_features: int = 2,
    cluster_std: float | Sequence[float] = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    *,
    shuffle: bool = True,
    return_centers: bool = False,
    random_state: RandomState = None,
    seed: RandomState = None,
    rng: RandomState = None,
    dtype: object = None,
) -> tuple[np.ndarray, np.ndarray] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one class per blob (scikit-learn's ``make_blobs``).

    ``centers`` is a number of centers, drawn uniformly in ``center_box`` on every
    axis, or the ``(n_centers, n_features)`` centers themselves (then
    ``n_features`` is ignored).  Class ``k`` holds ``n_samples / n_centers`` points
    (the first ``n_samples % n_centers`` classes one more) drawn from
    ``N(center_k, cluster_std_k^2 I)``; ``cluster_std`` is one number or one per
    center.  ``return_centers=True`` also returns the centers (float64).

    >>> x, y, c = blobs(300, centers=3, random_state=0, return_centers=True)
    >>> x.shape, c.shape, np.bincount(y).tolist()
    ((300, 2), (3, 2), [100, 100, 100])
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    generator = resolve_random_state(random_state, seed, rng)
    center_points = _blob_centers(centers, n_features, center_box, generator)
    n_centers = len(center_points)
    if np.ndim(cluster_std) == 0:
        stds = np.full(n_centers, check_real(cluster_std, "cluster_std", low=0))
    else:
        stds = np.array([check_real(s, "cluster_std", low=0) for s in cluster_std])
        if len(stds) != n_centers:
            raise ValueError(
                f"cluster_std has {len(stds)} values but there are {n_centers} centers; "
                "give one number or one per center"
            )
    y = np.repeat(np.arange(n_centers), _split_evenly(n_samples, n_centers))
    x = center_points[y] + stds[y, None] * generator.standard_normal(
        (n_samples, center_points.shape[1])
    )
    x, y = _finish(x, y, 0.0, generator, shuffle, dtype)
    return (x, y, center_points) if return_centers else (x, y)
