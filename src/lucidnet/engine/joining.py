"""Joining tensors: ``concatenate`` and ``stack``, each one graph node."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .tensor import Tensor, resolve_axis, tensor


def concatenate(
    tensors: Sequence[Tensor], axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """Join tensors along an existing axis (default the last; ``dim=`` is PyTorch's name).

    The gradient is split back by the same sizes.
    """
    axis = resolve_axis(axis, dim, default=-1)
    parts = tuple(t if isinstance(t, Tensor) else tensor(t) for t in tensors)
    if not parts:
        raise ValueError("concatenate needs at least one tensor")
    sizes = [p.shape[axis] for p in parts]
    boundaries = np.cumsum(sizes)[:-1]
    return Tensor._node(
        np.concatenate([p.data for p in parts], axis=axis),
        parts,
        lambda g: tuple(np.split(g, boundaries, axis=axis)),
        "concatenate",
    )


def stack(tensors: Sequence[Tensor], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join tensors along a new axis (default the first; ``dim=`` is PyTorch's name)."""
    axis = resolve_axis(axis, dim, default=0)
    parts = tuple(t if isinstance(t, Tensor) else tensor(t) for t in tensors)
    if not parts:
        raise ValueError("stack needs at least one tensor")
    return Tensor._node(
        np.stack([p.data for p in parts], axis=axis),
        parts,
        lambda g: tuple(np.moveaxis(g, axis, 0)),
        "stack",
    )
