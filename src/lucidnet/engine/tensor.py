"""Tensor: a NumPy array that records how it was computed, and reverse-mode autograd.

Each operation creates one node holding its result, its parent tensors and a
``backward`` closure that maps the gradient of the result to one gradient per
parent (the vector-Jacobian product).  ``Tensor.backward()`` walks the graph in
reverse, as in micrograd, but on whole arrays.

Every node carries a creation number, larger than its parents' (a node is made
after its inputs), so the reverse walk needs no topological sort: a max-heap of
creation numbers hands out each node after every node that feeds it a gradient.
Leaves (number 0) collect their gradients last.  The walk visits only nodes a
gradient reaches, so a graph that repeats step after step costs the same small
work each time, whatever changed in shapes, dtypes or structure.

Gradients of leaf tensors with ``requires_grad=True`` accumulate in ``.grad``
across calls until zeroed, as in PyTorch.  Broadcasting in ``+ - * /`` and
``**`` is undone in the backward pass by summing over the broadcast axes.

Example (the chain rule on f = (x + y) z):

>>> import lucidnet as ln
>>> x = ln.tensor(-2.0, requires_grad=True)
>>> y = ln.tensor(5.0, requires_grad=True)
>>> z = ln.tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> f.backward()
>>> float(f.item()), float(x.grad), float(y.grad), float(z.grad)
(-12.0, -4.0, -4.0, 3.0)
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .dtype import get_default_dtype, resolve_dtype

# Maps the gradient of a node's output to one gradient (or None) per parent.
BackwardFn = Callable[[np.ndarray], Sequence[np.ndarray | None]]

_grad_enabled = True
_creation = itertools.count(1)  # numbers the recorded nodes; leaves keep 0


@contextmanager
def no_grad():
    """Context manager under which operations record no graph (inference, updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph."""
    return _grad_enabled


def _as_array(data: Any, dtype: object | None) -> np.ndarray:
    """Convert user data to an ndarray; Python floats get the default dtype, as in PyTorch."""
    if isinstance(data, Tensor):
        data = data.data
    wanted = None if dtype is None else resolve_dtype(dtype)
    if isinstance(data, np.ndarray) and wanted is None:
        array = data
    else:
        try:
            array = np.asarray(data, dtype=wanted)
        except (TypeError, ValueError) as error:
            raise TypeError(f"tensor data must be numeric, got {_describe(data)}") from error
        if wanted is None and array.dtype == np.float64 and not isinstance(data, np.floating):
            array = array.astype(get_default_dtype())
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tensor data must be numeric, got {_describe(data)} (dtype {array.dtype})")
    return array


def _describe(data: Any) -> str:
    text = repr(data)
    return f"{type(data).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched to reach it from ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


class Tensor:
    """An n-dimensional array with optional gradient tracking (see the module docstring)."""

    __slots__ = (
        "__weakref__",
        "_backward",
        "_fresh",
        "_op",
        "_parents",
        "_retains_grad",
        "_seq",
        "data",
        "grad",
        "name",
        "requires_grad",
    )
    __array_ufunc__ = (
        None  # make NumPy defer to our reflected operators: ndarray + Tensor -> Tensor
    )

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: object | None = None,
        name: str | None = None,
    ) -> None:
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._backward: BackwardFn | None = None
        self._op = ""
        self._retains_grad = False
        self._seq = 0
        self._fresh = False
        self.name = name

    @classmethod
    def _node(
        cls,
        data: np.ndarray,
        parents: tuple[Tensor, ...],
        backward: BackwardFn,
        op: str,
        fresh: bool = False,
    ) -> Tensor:
        """Result of an operation: records parents and backward only when a gradient can flow.

        ``fresh=True`` promises that ``backward`` returns new arrays, one per parent,
        that nothing else holds (no view of ``g`` or of saved data): a leaf may then
        keep one as its ``.grad`` without the defensive copy.
        """
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._op = op
        out._retains_grad = False
        out.name = None
        if _grad_enabled:
            for parent in parents:
                if parent.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    out._seq = next(_creation)
                    out._fresh = fresh
                    return out
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        out._seq = 0
        out._fresh = False
        return out

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def __len__(self) -> int:
        return len(self.data)

    def __bool__(self) -> bool:
        """Truth of a one-element tensor (``if loss < best:``); ambiguous for more, as NumPy's."""
        return bool(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        return f"tensor({body}, dtype={self.data.dtype}{grad})"

    def __float__(self) -> float:
        return float(self.item())

    def __array__(self, dtype: object | None = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)`` is ``t.data`` (NumPy 2 protocol: copy only when asked or needed)."""
        data = np.asarray(self.data)  # a reduction may hold a NumPy scalar
        if dtype is None or np.dtype(dtype) == data.dtype:
            return data.copy() if copy else data
        if copy is False:
            raise ValueError(
                f"np.asarray(tensor, dtype={dtype!r}, copy=False): the tensor holds "
                f"{self.data.dtype}, so converting needs a copy"
            )
        return data.astype(dtype)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float | int:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return self.data.item()

    def detach(self) -> Tensor:
        """A tensor sharing the data but cut from the graph."""
        return Tensor(self.data)

    def astype(self, dtype: object) -> Tensor:
        """A copy cast to ``dtype``; differentiable (the gradient is cast back)."""
        target, source = np.dtype(dtype), self.data.dtype
        if target == source:
            return self
        return Tensor._node(
            self.data.astype(target), (self,), lambda g: (g.astype(source),), "astype"
        )

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()`` (as PyTorch's)."""
        self._retains_grad = True
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # ----------------------------------------------------------------- autograd
    def backward(self, grad: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``grad`` is the gradient of some scalar with respect to ``self``; it may be
        omitted only when ``self`` holds one element (it is then 1).
        """
        if not self.requires_grad:
            raise ValueError(
                "backward() called on a tensor that does not require grad "
                "(no input had requires_grad=True, or it was made under no_grad())"
            )
        data = self.data
        if grad is None:
            if data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a one-element tensor; this one "
                    f"has shape {self.shape}: pass grad= of that shape"
                )
            seed = np.ones(data.shape, data.dtype)
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=data.dtype)
            if seed.shape != data.shape:
                raise ValueError(
                    f"backward(grad=...) has shape {seed.shape}, expected {self.shape}"
                )
        if self._backward is None:  # a leaf: its gradient is the seed
            self._accumulate(seed)
            return
        # Non-leaf nodes wait in a max-heap of creation numbers: every node that feeds
        # a gradient to another was created after it, so it is handed out first and
        # each node runs its backward once, with its complete gradient.  A leaf adds
        # each share to its .grad as it comes (keeping a fresh first one as it is).
        grads: dict[int, np.ndarray] = {id(self): seed}
        heap: list[tuple[int, Tensor]] = [(-self._seq, self)]
        pop, push = heapq.heappop, heapq.heappush
        while heap:
            node = pop(heap)[1]
            node_grad = grads.pop(id(node))
            if node._retains_grad:
                node._accumulate(node_grad)
            fresh = node._fresh
            for parent, parent_grad in zip(node._parents, node._backward(node_grad), strict=True):
                if parent_grad is None or not parent.requires_grad:
                    continue
                if parent._backward is None:  # a leaf
                    parent._accumulate(parent_grad, fresh)
                    continue
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + parent_grad
                else:
                    grads[key] = parent_grad
                    push(heap, (-parent._seq, parent))

    def _accumulate(self, grad: np.ndarray, owned: bool = False) -> None:
        """Add ``grad`` to ``.grad``; an ``owned`` array (nothing else holds it) is kept as is."""
        data = self.data
        if self.grad is not None:
            self.grad += grad  # broadcasts a broadcastable gradient
        elif grad.shape != data.shape:  # a backward returned a broadcastable gradient
            self.grad = np.array(np.broadcast_to(grad, data.shape), dtype=data.dtype)
        elif owned and grad.dtype == data.dtype:
            self.grad = grad
        else:  # the array may be shared: a copy
            self.grad = np.array(grad, dtype=data.dtype, copy=True)

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        a_shape, b_shape = self.shape, other.shape
        return Tensor._node(
            self.data + other.data,
            (self, other),
            lambda g: (unbroadcast(g, a_shape), unbroadcast(g, b_shape)),
            "+",
        )

    def __radd__(self, other: Any) -> Tensor:
        return _lift(other, self) + self

    def __sub__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        a_shape, b_shape = self.shape, other.shape
        return Tensor._node(
            self.data - other.data,
            (self, other),
            lambda g: (unbroadcast(g, a_shape), unbroadcast(-g, b_shape)),
            "-",
        )

    def __rsub__(self, other: Any) -> Tensor:
        return _lift(other, self) - self

    def __mul__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        a, b = self.data, other.data
        return Tensor._node(
            a * b,
            (self, other),
            lambda g: (unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)),
            "*",
        )

    def __rmul__(self, other: Any) -> Tensor:
        return _lift(other, self) * self

    def __truediv__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        a, b = self.data, other.data
        return Tensor._node(
            a / b,
            (self, other),
            lambda g: (unbroadcast(g / b, a.shape), unbroadcast(-g * a / (b * b), b.shape)),
            "/",
        )

    def __rtruediv__(self, other: Any) -> Tensor:
        return _lift(other, self) / self

    def __neg__(self) -> Tensor:
        return Tensor._node(-self.data, (self,), lambda g: (-g,), "neg")

    def __pow__(self, exponent: Any) -> Tensor:
        base = self.data
        if isinstance(exponent, np.generic):
            exponent = exponent.item()  # a Python number does not upcast float32 (NEP 50)
        if not isinstance(exponent, (int, float)):
            exponent = _lift(exponent, self)
            power = exponent.data
            out = base**power

            def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                # PyTorch's conventions: no gradient through exponent 0; d/dp 0**p = 0 for p >= 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    d_base = np.where(power == 0, 0, g * power * base ** (power - 1))
                    d_power = np.where((base == 0) & (power >= 0), 0, g * out * np.log(base))
                return (
                    unbroadcast(d_base, base.shape),
                    unbroadcast(d_power.astype(out.dtype), power.shape),
                )

            return Tensor._node(out, (self, exponent), backward, "**")
        p = exponent
        if p == 0:
            return Tensor._node(np.ones_like(base), (self,), lambda g: (np.zeros_like(g),), "**")
        if p == 2:
            return Tensor._node(base * base, (self,), lambda g: (g * 2 * base,), "**")
        return Tensor._node(base**p, (self,), lambda g: (g * p * base ** (p - 1),), "**")

    def __rpow__(self, other: Any) -> Tensor:
        return _lift(other, self) ** self

    def __matmul__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul needs tensors of at least 1 dimension, got {a.shape} @ {b.shape}"
            )

        def backward(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if a.ndim == 1 and b.ndim == 1:
                return g * b, g * a
            a2 = a[None, :] if a.ndim == 1 else a
            b2 = b[:, None] if b.ndim == 1 else b
            g2 = g
            if a.ndim == 1:
                g2 = np.expand_dims(g2, -2)
            if b.ndim == 1:
                g2 = np.expand_dims(g2, -1)
            grad_a = g2 @ np.swapaxes(b2, -1, -2)
            grad_b = np.swapaxes(a2, -1, -2) @ g2
            grad_a = unbroadcast(grad_a, a2.shape).reshape(a.shape)
            grad_b = unbroadcast(grad_b, b2.shape).reshape(b.shape)
            return grad_a, grad_b

        return Tensor._node(a @ b, (self, other), backward, "@")

    def __rmatmul__(self, other: Any) -> Tensor:
        return _lift(other, self) @ self

    # comparisons give plain boolean tensors (no gradient)
    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < _raw(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= _raw(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > _raw(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= _raw(other))

    # ----------------------------------------------------------------- reductions
    # ``dim``/``keepdim`` are PyTorch's names; ``dtype``/``out`` let ``np.sum(t)``,
    # ``np.mean(t)`` and ``np.max(t)`` call these methods (NumPy passes them through).
    def sum(
        self,
        axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False,
        *,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool | None = None,
        dtype: object | None = None,
        out: None = None,
    ) -> Tensor:
        axis, keepdims = _reduction_args("sum", axis, dim, keepdims, keepdim, out)
        shape = self.shape
        result = Tensor._node(
            self.data.sum(axis=axis, keepdims=keepdims),
            (self,),
            lambda g: (_expand_reduced(g, shape, axis, keepdims),),
            "sum",
        )
        return result if dtype is None else result.astype(dtype)

    def mean(
        self,
        axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False,
        *,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool | None = None,
        dtype: object | None = None,
        out: None = None,
    ) -> Tensor:
        axis, keepdims = _reduction_args("mean", axis, dim, keepdims, keepdim, out)
        shape = self.shape
        data = self.data.mean(axis=axis, keepdims=keepdims)
        count = self.data.size // max(data.size, 1) if self.data.size else 1
        result = Tensor._node(
            data, (self,), lambda g: (_expand_reduced(g / count, shape, axis, keepdims),), "mean"
        )
        return result if dtype is None else result.astype(dtype)

    def max(
        self,
        axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False,
        *,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool | None = None,
        out: None = None,
    ) -> Tensor:
        """Maximum; the gradient is shared equally among tied maxima (PyTorch's ``amax``).

        With ``dim=`` too the result is the values only (``torch.amax``), not torch's
        ``(values, indices)`` pair.
        """
        axis, keepdims = _reduction_args("max", axis, dim, keepdims, keepdim, out)
        x = self.data
        out_kept = x.max(axis=axis, keepdims=True)

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            is_max = x == out_kept
            share = is_max / is_max.sum(axis=axis, keepdims=True)
            return (_expand_reduced(g, x.shape, axis, keepdims) * share.astype(x.dtype),)

        result = out_kept if keepdims else np.squeeze(out_kept, axis=axis)  # axis=None: to 0-d
        return Tensor._node(result, (self,), backward, "max")

    def min(
        self,
        axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False,
        *,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool | None = None,
        out: None = None,
    ) -> Tensor:
        axis, keepdims = _reduction_args("min", axis, dim, keepdims, keepdim, out)
        return -((-self).max(axis=axis, keepdims=keepdims))

    def argmax(
        self,
        axis: int | None = None,
        keepdims: bool = False,
        *,
        dim: int | None = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Index of the maximum along ``axis`` (the flattened index when None): an int64
        tensor without gradient, e.g. the predicted classes ``logits.argmax(dim=1)``."""
        axis, keepdims = _reduction_args("argmax", axis, dim, keepdims, keepdim, None)
        return Tensor(np.argmax(self.data, axis=axis, keepdims=keepdims).astype(np.int64))

    # ----------------------------------------------------------------- element-wise
    def exp(self) -> Tensor:
        out = np.exp(self.data)
        return Tensor._node(out, (self,), lambda g: (g * out,), "exp")

    def log(self) -> Tensor:
        x = self.data
        return Tensor._node(np.log(x), (self,), lambda g: (g / x,), "log")

    def abs(self) -> Tensor:
        x = self.data
        return Tensor._node(np.abs(x), (self,), lambda g: (g * np.sign(x),), "abs")

    def sqrt(self) -> Tensor:
        out = np.sqrt(self.data)
        return Tensor._node(out, (self,), lambda g: (g / (2 * out),), "sqrt")

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Clamp to [min, max]; the gradient passes where min <= x <= max (PyTorch's clamp)."""
        x = self.data
        lower = -np.inf if min is None else min
        upper = np.inf if max is None else max
        inside = (x >= lower) & (x <= upper)
        return Tensor._node(np.clip(x, lower, upper), (self,), lambda g: (g * inside,), "clip")

    clamp = clip

    # ----------------------------------------------------------------- shape
    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = tuple(shape[0])
        original = self.shape
        return Tensor._node(
            self.data.reshape(shape), (self,), lambda g: (g.reshape(original),), "reshape"
        )

    def transpose(self, *axes: int) -> Tensor:
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = tuple(axes[0])
        order = axes or tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(order))
        return Tensor._node(
            self.data.transpose(order), (self,), lambda g: (g.transpose(inverse),), "transpose"
        )

    def __getitem__(self, index: Any) -> Tensor:
        index = _raw_index(index)
        x = self.data

        def backward(g: np.ndarray) -> tuple[np.ndarray]:
            grad = np.zeros_like(x)
            np.add.at(grad, index, g)  # repeated fancy indices accumulate
            return (grad,)

        return Tensor._node(x[index], (self,), backward, "index")


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _raw_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _lift(value: Any, like: Tensor) -> Tensor:
    """Wrap a non-Tensor operand as a constant of ``like``'s dtype (no silent upcast)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (int, float, np.number, bool)) and like.data.dtype.kind == "f":
        return Tensor(np.asarray(value, dtype=like.data.dtype))
    array = _as_array(value, None)
    if like.data.dtype.kind == "f" and array.dtype.kind in "biu":
        array = array.astype(like.data.dtype)
    return Tensor(array)


def resolve_axis(axis: Any, dim: Any, default: Any = None) -> Any:
    """``axis``, or PyTorch's name ``dim`` for it, else ``default``; both given is a TypeError."""
    if dim is None:
        return default if axis is None else axis
    if axis is not None:
        raise TypeError(
            f"give axis= or dim= (PyTorch's name for it), not both; got axis={axis!r}, dim={dim!r}"
        )
    return dim


def _reduction_args(
    name: str, axis: Any, dim: Any, keepdims: bool, keepdim: bool | None, out: Any
) -> tuple[Any, bool]:
    """The axis and keepdims of a reduction given Keras/NumPy or PyTorch names."""
    if out is not None:
        raise TypeError(f"Tensor.{name}: out= is not supported; use the returned tensor")
    if keepdim is not None:
        if keepdims:
            raise TypeError(f"Tensor.{name}: give keepdims= or keepdim=, not both")
        keepdims = keepdim
    return resolve_axis(axis, dim), bool(keepdims)


def _expand_reduced(g: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Broadcast the gradient of a reduction back to the input's shape."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def tensor(data: Any, requires_grad: bool = False, dtype: object | None = None) -> Tensor:
    """Create a Tensor from array-like ``data``.

    Python floats and float lists get the default dtype (float32 unless
    :func:`lucidnet.set_default_dtype` changed it); NumPy arrays keep theirs;
    ``dtype=`` converts.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


class Parameter(Tensor):
    """A trainable tensor owned by a layer (``requires_grad=True``), as ``torch.nn.Parameter``."""

    __slots__ = ()

    def __init__(
        self,
        data: Any,
        requires_grad: bool = True,
        dtype: object | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, name=name)
