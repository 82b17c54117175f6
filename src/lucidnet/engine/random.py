"""One global random generator, seeded by :func:`manual_seed`, behind every ``rng=None``."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed lucidnet's global generator: same seed, bit-identical weights, shuffles and dropout.

    >>> import lucidnet as ln
    >>> _ = ln.manual_seed(0)
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def get_rng(rng: np.random.Generator | int | None = None) -> np.random.Generator:
    """``rng`` as a Generator: None gives the global one, an int seeds a new one."""
    if rng is None:
        return _generator
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")
