"""Built-in data sets: generated 2-D problems and scikit-learn's bundled digits and iris.

Each returns ``(x, y)``: ``x`` float (the default dtype, float32 unless changed, or
``dtype=``) of shape ``(n_samples, n_features)``, ``y`` int64 class labels.

=========  ==========================================================  ===============
name       what                                                        default shape
=========  ==========================================================  ===============
xor        the XOR truth table (noise and repeats optional)            (4, 2)
moons      two interleaving half circles                               (200, 2)
circles    a circle inside a circle                                    (200, 2)
spirals    ``n_classes`` spiral arms (CS231n)                          (300, 2)
blobs      isotropic Gaussian blobs                                    (300, 2)
digits     8x8 handwritten digits, pixels scaled to [0, 1]             (1797, 64)
iris       Fisher's iris flowers                                       (150, 4)
=========  ==========================================================  ===============

``load(name, **options)`` calls one by name; ``available()`` lists the names;
``train_test_split`` splits the result.

>>> import lucidnet as ln
>>> x, y = ln.datasets.load("moons", n_samples=100, noise=0.1, random_state=0)
>>> x_train, x_test, y_train, y_test = ln.datasets.train_test_split(x, y, random_state=0)
>>> x_train.shape, x_test.shape
((75, 2), (25, 2))
"""

from __future__ import annotations

from typing import Any

from .._registry import Registry
from .bundled import digits, iris
from .split import train_test_split
from .synthetic import blobs, circles, moons, spirals, xor

registry = Registry("data set")
registry.add("xor", xor)
registry.add("moons", moons, "two_moons")
registry.add("circles", circles)
registry.add("spirals", spirals, "spiral")
registry.add("blobs", blobs, "gaussian_blobs")
registry.add("digits", digits)
registry.add("iris", iris)


def load(name: str, **options: Any) -> Any:
    """The data set called ``name`` (or an alias), generated or loaded with ``options``.

    >>> x, y = load("spirals", n_samples=30, n_classes=3, random_state=0)
    >>> x.shape
    (30, 2)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a data set name such as 'moons', got {name!r}")
    return registry.get(name, **options)


def available() -> list[str]:
    """Names of the built-in data sets."""
    return registry.names()


__all__ = [
    "available",
    "blobs",
    "circles",
    "digits",
    "iris",
    "load",
    "moons",
    "spirals",
    "train_test_split",
    "xor",
]
