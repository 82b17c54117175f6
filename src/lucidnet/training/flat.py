"""Parameters as views into one flat buffer, for the training plan and the manual loop.

``fit``'s plan keeps each optimizer group this way; a small ``Sequential`` keeps its
parameters this way from the start (see :mod:`.trainable`), so that ``optimizer.step()``
in a hand-written loop updates the whole group with one call when it finds them in one
(:func:`group_of`).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.tensor import Parameter, Tensor

FLAT_UPDATE_LIMIT = 1 << 16
"""Weights up to which a loop's optimizer gathers a flat group's gradients to update it in
one call, and a ``Sequential`` keeps its parameters flat: beyond, the per-parameter calls
cost less than the gathering copy."""

_GROUPS: weakref.WeakValueDictionary[int, FlatGroup] = weakref.WeakValueDictionary()
"""Every live FlatGroup by the id of its buffer (the ``.base`` of its parameters' arrays)."""


class FlatGroup:
    """The parameters of one optimizer group as views into one flat array (gradients likewise).

    ``parameter`` is a 1-D Parameter over the whole buffer: element-wise optimizers
    update it exactly as they would update each parameter in turn.  A second buffer of
    the same size holds the weights before the last step (the NaN guard's backup): plain
    SGD writes its result there and the parameters flip over to it, other optimizers
    copy into it before they update in place.  The two buffers and the gradient are the
    rows of one (3, n) array, so ``[theta; update]`` is a (2, n) view and
    ``[1, 1] @ [theta; update]`` adds them with BLAS's threads (``add_into_other``).
    """

    def __init__(self, params: list[Parameter]) -> None:
        dtype = params[0].data.dtype
        total = sum(p.data.size for p in params)
        self.params = params
        self._rows = rows = np.zeros((3, total), dtype=dtype)  # buffer 0, buffer 1, gradient
        self.buffers = (rows[0], rows[1])
        self.parameter = Parameter(self.buffers[0])
        self.parameter.data, self.parameter.grad = self.buffers[0], rows[2]  # these very views
        self.slices: list[slice] = []
        offset = 0
        for p in params:
            part = slice(offset, offset + p.data.size)
            self.parameter.data[part] = p.data.ravel()
            p.data = self.parameter.data[part].reshape(p.data.shape)
            self.slices.append(part)
            offset += p.data.size
        self.state: dict[str, Any] = {}
        self._ones = np.ones((1, 2), dtype=dtype)
        self.views = tuple(self.views_into(buffer) for buffer in self.buffers)
        for p, view in zip(params, self.views[0], strict=True):
            p.data = view  # these very views: ``holds`` compares identities
        self.grads = self.views_into(self.parameter.grad)
        self.current = 0  # which buffer the parameters look at
        _GROUPS[id(rows)] = self

    def views_into(self, buffer: np.ndarray) -> list[np.ndarray]:
        """Every parameter's array as a view into ``buffer``."""
        return [
            buffer[part].reshape(p.data.shape)
            for p, part in zip(self.params, self.slices, strict=True)
        ]

    def holds(self, params: Sequence[Tensor]) -> bool:
        """Whether ``params`` are this group's parameters, in order, each still looking at its
        view of the current buffer (identities only: cheap enough for every step)."""
        views = self.views[self.current]
        if len(params) != len(views):
            return False
        for p, q, view in zip(params, self.params, views, strict=True):
            if p is not q or p.data is not view:
                return False
        return True

    def flip(self) -> None:
        """Point the parameters at the other buffer."""
        self.current = current = 1 - self.current
        self.parameter.data = self.buffers[current]
        for p, view in zip(self.params, self.views[current], strict=True):
            p.data = view

    def add_into_other(self) -> None:
        """other buffer = theta + gradient (SGD's update), as [1, 1] @ [theta; update]."""
        rows, current = self._rows, self.current
        pair = rows[0::2] if current == 0 else rows[1:]
        np.matmul(self._ones, pair, out=rows[1 - current : 2 - current])

    @property
    def rows(self) -> np.ndarray:
        """The (3, n) array whose rows are buffer 0, buffer 1 and the gradient."""
        return self._rows

    @property
    def other(self) -> np.ndarray:
        """The buffer the parameters do not look at."""
        return self.buffers[1 - self.current]

    def attach_gradients(self) -> None:
        """(Re)point every ``param.grad`` at its view of the flat gradient."""
        for p, view in zip(self.params, self.grads, strict=True):
            p.grad = view

    def slice_of(self, param: Parameter) -> slice | None:
        """Where ``param`` lies in the flat buffers, or None if it is not in this group."""
        return next(
            (part for p, part in zip(self.params, self.slices, strict=True) if p is param), None
        )

    def grad_of(self, param: Parameter) -> np.ndarray | None:
        """``param``'s view of the flat gradient, or None if it is not in this group."""
        part = self.slice_of(param)
        return None if part is None else self.grads[self.slices.index(part)]

    def joined(
        self, weight: Parameter, bias: Parameter
    ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray] | None:
        """[W; b] as one (in + 1, out) matrix in each buffer and in the gradient, if adjacent."""
        part, bias_part = self.slice_of(weight), self.slice_of(bias)
        if part is None or bias_part is None:
            return None
        if bias_part.start != part.stop or weight.data.ndim != 2:
            return None
        rows, columns = weight.data.shape
        if bias.data.shape != (columns,):
            return None
        whole = slice(part.start, part.stop + columns)
        shape = (rows + 1, columns)
        data = tuple(buffer[whole].reshape(shape) for buffer in self.buffers)
        return (data[0], data[1]), self.parameter.grad[whole].reshape(shape)

    def serves(self, param_group: dict[str, Any]) -> bool:
        """Whether this group still holds exactly ``param_group``'s parameters, as views."""
        params = param_group["params"]
        return (
            len(params) == len(self.params)
            and all(p is q for p, q in zip(params, self.params, strict=True))
            and self.is_intact()
        )

    def is_intact(self) -> bool:
        """False when someone rebound a parameter's ``.data`` since the plan was made."""
        data = self.buffers[self.current]
        return self.parameter.data is data and all(
            p.data.base is self._rows and np.shares_memory(p.data, data) for p in self.params
        )

    def gather_state(self, optimizer: Any) -> bool:
        """Move per-parameter optimizer state into flat arrays; False if it is not uniform."""
        states = [optimizer.state.get(id(p), {}) for p in self.params]
        keys = set(states[0])
        if any(set(s) != keys for s in states):
            return False
        flat: dict[str, Any] = {}
        for key in keys:
            values = [s[key] for s in states]
            if all(
                isinstance(v, np.ndarray) and v.shape == p.data.shape
                for v, p in zip(values, self.params, strict=True)
            ):
                flat[key] = np.concatenate([v.ravel() for v in values]).astype(
                    self.parameter.dtype, copy=False
                )
            elif all(not isinstance(v, np.ndarray) and v == values[0] for v in values):
                flat[key] = values[0]
            else:
                return False
        self.state = flat
        return True

    def scatter_state(self, optimizer: Any) -> None:
        """Give every parameter its state back: array entries as views into the flat arrays."""
        for p, part in zip(self.params, self.slices, strict=True):
            optimizer.state[id(p)] = {
                key: value[part].reshape(p.data.shape)
                if isinstance(value, np.ndarray) and value.shape == self.parameter.data.shape
                else value
                for key, value in self.state.items()
            }


def group_of(params: Sequence[Tensor]) -> FlatGroup | None:
    """The FlatGroup whose parameters ``params`` are (same order, still its views), or None."""
    if not params:
        return None
    group = _GROUPS.get(id(params[0].data.base))
    return group if group is not None and group.holds(params) else None
