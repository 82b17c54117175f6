"""The playground's data: 2-D problems on the square ``[-6, 6]^2``, input features and the grid.

Classification sets come from :mod:`lucidnet.datasets` (circles, xor, blobs,
spirals, moons), rescaled to fill the plane as TensorFlow Playground draws them;
the two regression sets (``plane``, ``multi_gauss``) are TensorFlow Playground's,
with targets in ``[-1, 1]``.  ``noise`` is in percent (0-50, the slider's units):
the standard deviation added is ``noise / 100`` of the set's own scale.

Everything is a pure function of its arguments: the same ``seed`` gives
bit-identical points, split and features.

>>> points, labels = make_points("spiral", 200, noise=10, classes=3, seed=0)
>>> points.shape, sorted(set(labels.tolist()))
((200, 2), [0, 1, 2])
>>> features(points[:1], ["x1", "x1sq"]).shape
(1, 2)
"""

from __future__ import annotations

import numpy as np

from .. import datasets

DOMAIN = 6.0
"""The input plane is ``[-DOMAIN, DOMAIN]^2`` (TensorFlow Playground's)."""

GRID = 50
"""The output heatmap has ``GRID x GRID`` cells; cell ``(row, col)`` is evaluated at its centre."""

CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral", "moons", "blobs")
REGRESSION_SETS = ("plane", "multi_gauss")
MULTICLASS_SETS = ("spiral", "blobs")
"""Sets that take ``classes`` (2-5); the others have two classes."""

FEATURES = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1sq": lambda p: p[:, 0] ** 2,
    "x2sq": lambda p: p[:, 1] ** 2,
    "x1x2": lambda p: p[:, 0] * p[:, 1],
    "sinx1": lambda p: np.sin(p[:, 0]),
    "sinx2": lambda p: np.sin(p[:, 1]),
}
"""Input features computed from a point ``(x1, x2)``, in the page's order."""

FEATURE_LABELS = {
    "x1": "x₁",
    "x2": "x₂",
    "x1sq": "x₁²",
    "x2sq": "x₂²",
    "x1x2": "x₁x₂",
    "sinx1": "sin(x₁)",
    "sinx2": "sin(x₂)",
}


def n_classes(dataset: str, classes: int) -> int:
    """How many classes ``dataset`` has with the ``classes`` setting (0 for regression)."""
    if dataset in REGRESSION_SETS:
        return 0
    return classes if dataset in MULTICLASS_SETS else 2


def make_points(
    dataset: str, n_samples: int, noise: float, classes: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` points (float64, shape (n, 2)) and their labels (int64) or targets (float32).

    ``seed`` seeds one generator used for everything, so the result is reproducible.
    """
    rng = np.random.default_rng([seed, 0])
    scale = noise / 100.0
    if dataset == "circle":
        points, labels = datasets.circles(
            n_samples, noise=scale * 0.5, factor=0.45, rng=rng, dtype="float64"
        )
        return points * 5.0, labels  # the inner disc is class 1 (blue), as in TF Playground
    if dataset == "xor":
        points = rng.uniform(-5.0, 5.0, size=(n_samples, 2))
        points += np.sign(points) * 0.3  # TF Playground's padding keeps the axes clear
        labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
        return points + rng.normal(scale=scale * 3.0, size=points.shape), labels
    if dataset == "gauss":
        points, labels = datasets.blobs(
            n_samples,
            centers=[[2.0, 2.0], [-2.0, -2.0]],
            cluster_std=0.8 + scale * 3.0,
            rng=rng,
            dtype="float64",
        )
        return points, labels
    if dataset == "spiral":
        points, labels = datasets.spirals(
            n_samples, n_classes=classes, noise=scale, rng=rng, dtype="float64"
        )
        return points * 5.0, labels
    if dataset == "moons":
        points, labels = datasets.moons(n_samples, noise=scale * 0.5, rng=rng, dtype="float64")
        return (points - (0.5, 0.25)) * 3.5, labels
    if dataset == "blobs":
        angles = 2.0 * np.pi * np.arange(classes) / classes + np.pi / 4.0
        centers = 3.5 * np.column_stack([np.cos(angles), np.sin(angles)])
        return datasets.blobs(
            n_samples, centers=centers, cluster_std=0.7 + scale * 3.0, rng=rng, dtype="float64"
        )
    if dataset in REGRESSION_SETS:
        points = rng.uniform(-DOMAIN, DOMAIN, size=(n_samples, 2))
        noisy = points + rng.normal(scale=scale * DOMAIN, size=points.shape)
        targets = regression_target(dataset, noisy)
        return points, targets.astype(np.float32)
    raise ValueError(
        f"dataset must be one of {', '.join(CLASSIFICATION_SETS + REGRESSION_SETS)}, "
        f"got {dataset!r}"
    )


def regression_target(dataset: str, points: np.ndarray) -> np.ndarray:
    """TF Playground's regression functions of a point, in ``[-1, 1]``.

    ``plane``: ``(x1 + x2) / 12``; ``multi_gauss``: a sum of five signed Gaussian
    bumps ``sign_k exp(-|x - c_k|^2 / 4)`` clipped to ``[-1, 1]``.
    """
    if dataset == "plane":
        return np.clip((points[:, 0] + points[:, 1]) / (2.0 * DOMAIN), -1.0, 1.0)
    centers = np.array([[-4.0, 2.5], [0.0, 2.5], [4.0, 2.5], [-4.0, -2.5], [0.0, -2.5]])
    signs = np.array([-1.0, 1.0, -1.0, 1.0, -1.0])
    distances = ((points[:, None, :] - centers[None]) ** 2).sum(axis=-1)
    return np.clip((signs * np.exp(-distances / 4.0)).sum(axis=1), -1.0, 1.0)


def split(n_samples: int, train_ratio: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and test points: a seeded permutation cut at ``train_ratio`` %."""
    order = np.random.default_rng([seed, 1]).permutation(n_samples)
    n_train = min(max(1, round(n_samples * train_ratio / 100)), n_samples - 1)
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def features(points: np.ndarray, names: list[str], dtype: object = np.float32) -> np.ndarray:
    """The network's inputs: one column per feature name (see :data:`FEATURES`)."""
    return np.column_stack([FEATURES[name](points) for name in names]).astype(dtype)


def grid_points(resolution: int = GRID) -> np.ndarray:
    """Cell centres of the heatmap, row-major from the top-left (x2 high) corner: (res^2, 2).

    Cell ``(row, col)`` sits at ``x1 = -D + (col + 0.5) 2D / res``,
    ``x2 = D - (row + 0.5) 2D / res`` with ``D = DOMAIN``.
    """
    centres = -DOMAIN + (np.arange(resolution) + 0.5) * (2.0 * DOMAIN / resolution)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def make_data(settings: dict) -> dict[str, np.ndarray]:
    """Points, labels and the train/test split for the playground ``settings``.

    Returns ``points_train``, ``y_train``, ``points_test``, ``y_test`` (points as
    float64 (n, 2); labels int64, regression targets float32 (n, 1)).
    """
    points, targets = make_points(
        settings["dataset"],
        settings["n_samples"],
        settings["noise"],
        settings["classes"],
        settings["seed"],
    )
    if targets.dtype.kind == "f":
        targets = targets.reshape(-1, 1)
    train, test = split(len(points), settings["train_ratio"], settings["seed"])
    return {
        "points_train": points[train],
        "y_train": targets[train],
        "points_test": points[test],
        "y_test": targets[test],
    }


__all__ = [
    "CLASSIFICATION_SETS",
    "DOMAIN",
    "FEATURES",
    "GRID",
    "MULTICLASS_SETS",
    "REGRESSION_SETS",
    "features",
    "grid_points",
    "make_data",
    "make_points",
    "n_classes",
    "regression_target",
    "split",
]
