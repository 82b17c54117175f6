"""Functional forms of the activations and the fused affine layer, on Tensors.

One function per activation name and alias (``relu(t)``, ``leaky_relu(t, alpha=0.01)``,
``softmax(t, axis=-1)``, ``swish(t)``, ...), each a thin call of the activation
object in :mod:`lucidnet.blocks.activations` (the math lives there only).  Inputs may
be Tensors or array-likes.

``dense(x, w, b, activation)`` is the hot path of training: one graph node for
``activation(x @ w + b)`` with an analytic backward pass.  ``linear(x, w, b)`` is
``dense`` without activation; ``linear(x)`` without a weight is the identity
activation (the alias ``linear`` of ``identity``).

>>> import lucidnet as ln
>>> from lucidnet.blocks import functional as F
>>> F.relu(ln.tensor([-1.0, 2.0])).numpy()
array([0., 2.], dtype=float32)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.dtype import get_default_dtype
from ..engine.tensor import Tensor, tensor
from . import activations as act
from .activations import Activation

TensorLike = Tensor | Any

_IDENTITY = act.Identity()
_SIGMOID = act.Sigmoid()
_TANH = act.Tanh()
_RELU = act.ReLU()
_SELU = act.SELU()
_SILU = act.SiLU()
_SOFTSIGN = act.Softsign()
_HARD_SIGMOID = act.HardSigmoid()
_RELU6 = act.ReLU6()
_MISH = act.Mish()


# ---------------------------------------------------------------- activations
def identity(x: TensorLike) -> Tensor:
    """f(x) = x (see :class:`~lucidnet.blocks.activations.Identity`)."""
    return _IDENTITY(x)


def sigmoid(x: TensorLike) -> Tensor:
    """sigma(x) = 1 / (1 + e^{-x}) (see :class:`~lucidnet.blocks.activations.Sigmoid`)."""
    return _SIGMOID(x)


logistic = sigmoid


def tanh(x: TensorLike) -> Tensor:
    """tanh(x) (see :class:`~lucidnet.blocks.activations.Tanh`)."""
    return _TANH(x)


def relu(x: TensorLike) -> Tensor:
    """max(0, x) (see :class:`~lucidnet.blocks.activations.ReLU`)."""
    return _RELU(x)


def leaky_relu(x: TensorLike, alpha: float = 0.01) -> Tensor:
    """x for x > 0, alpha * x otherwise (see :class:`~lucidnet.blocks.activations.LeakyReLU`)."""
    return act.LeakyReLU(alpha)(x)


def elu(x: TensorLike, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise (see :class:`~lucidnet.blocks.activations.ELU`)."""
    return act.ELU(alpha)(x)


def selu(x: TensorLike) -> Tensor:
    """Scaled ELU with fixed constants (see :class:`~lucidnet.blocks.activations.SELU`)."""
    return _SELU(x)


def gelu(x: TensorLike, approximate: bool | str = False) -> Tensor:
    """x Phi(x); ``approximate=True`` or ``"tanh"``: tanh form (see :class:`~.activations.GELU`)."""
    return act.GELU(approximate)(x)


def silu(x: TensorLike) -> Tensor:
    """x sigma(x) (see :class:`~lucidnet.blocks.activations.SiLU`)."""
    return _SILU(x)


swish = silu


def softplus(x: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^{beta x}) / beta; x above the threshold (see :class:`~.activations.Softplus`)."""
    return act.Softplus(beta, threshold)(x)


def softsign(x: TensorLike) -> Tensor:
    """x / (1 + |x|) (see :class:`~lucidnet.blocks.activations.Softsign`)."""
    return _SOFTSIGN(x)


def hard_sigmoid(x: TensorLike) -> Tensor:
    """relu6(x + 3) / 6 (see :class:`~lucidnet.blocks.activations.HardSigmoid`)."""
    return _HARD_SIGMOID(x)


def hard_tanh(x: TensorLike, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """clamp(x, min_val, max_val) (see :class:`~lucidnet.blocks.activations.HardTanh`)."""
    return act.HardTanh(min_val, max_val)(x)


def relu6(x: TensorLike) -> Tensor:
    """min(max(0, x), 6) (see :class:`~lucidnet.blocks.activations.ReLU6`)."""
    return _RELU6(x)


def mish(x: TensorLike) -> Tensor:
    """x tanh(softplus(x)) (see :class:`~lucidnet.blocks.activations.Mish`)."""
    return _MISH(x)


def softmax(x: TensorLike, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """e^{x_i} / sum_j e^{x_j} along ``axis`` (default the last; ``dim=`` is PyTorch's name).

    See :class:`~lucidnet.blocks.activations.Softmax`.
    """
    return act.Softmax(axis, dim=dim)(x)


def log_softmax(x: TensorLike, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """x_i - log sum_j e^{x_j} along ``axis`` (default the last; ``dim=`` is PyTorch's name).

    See :class:`~lucidnet.blocks.activations.LogSoftmax`.
    """
    return act.LogSoftmax(axis, dim=dim)(x)


# ---------------------------------------------------------------- affine layer
def dense(
    x: TensorLike, w: TensorLike, b: TensorLike | None = None, activation: Any = None
) -> Tensor:
    """Fully-connected layer ``activation(x @ w + b)`` as one graph node.

    .. math:: z = x W + b, \\quad y = f(z)

    ``x`` has shape ``[..., in_features]``, ``w`` ``(in_features, out_features)``
    (the Keras/lucidnet layout; PyTorch's ``linear`` takes ``w.T``), ``b``
    ``(out_features,)``.  ``activation`` is anything
    :func:`lucidnet.blocks.activations.get` accepts.  Backward, with upstream
    gradient g:

    .. math:: g_z = f.\\mathrm{vjp}(z, y, g), \\quad g_x = g_z W^T, \\quad
              g_W = x^T g_z, \\quad g_b = \\mathbf{1}^T g_z = \\textstyle\\sum_{\\text{batch}} g_z

    Gradients are computed only for the inputs that require them.  A plain
    callable activation (not an :class:`Activation`) is applied after the node.

    >>> import lucidnet as ln
    >>> y = dense(ln.tensor([[1.0, 2.0]]), ln.tensor([[1.0], [-1.0]]), ln.tensor([0.5]), "relu")
    >>> y.numpy()
    array([[0.]], dtype=float32)
    """
    x = x if isinstance(x, Tensor) else tensor(x)
    if not isinstance(w, Tensor):
        w = tensor(w, dtype=x.dtype if x.dtype.kind == "f" else get_default_dtype())
    if w.dtype.kind != "f":
        raise ValueError(f"dense: w must be a floating tensor, got dtype {w.dtype}")
    if b is not None and not isinstance(b, Tensor):
        b = tensor(b, dtype=w.dtype)
    _check_operands(x, w, b)
    if x.dtype != w.dtype:
        if x.requires_grad:
            raise ValueError(
                f"dense: x has dtype {x.dtype} but w has dtype {w.dtype}; "
                f"convert one of them so that they match"
            )
        # plain input data is computed in the weight's dtype (as Keras casts inputs),
        # so float64 data never silently upcasts a float32 layer
        x = Tensor(x.data.astype(w.dtype))
    f = act.get(activation)
    if f is not None and not isinstance(f, Activation):
        return f(dense(x, w, b))
    return dense_node(x, w, b, f)


def dense_node(x: Tensor, w: Tensor, b: Tensor | None, f: Activation | None) -> Tensor:
    """The graph node of :func:`dense` for operands it has already checked.

    ``x`` ``[..., in]`` and ``w`` ``(in, out)`` of one floating dtype, ``b`` ``(out,)`` or
    None, ``f`` an :class:`Activation` or None; nothing is checked again (the layer's
    hot path).  The backward's gradients are new arrays (``fresh``): a parameter keeps
    its gradient without a copy.  It is :func:`dense_stack_node` of one layer.
    """
    return dense_stack_node(x, ((w, b, f),))


def dense_stack_node(
    x: Tensor, layers: Sequence[tuple[Tensor, Tensor | None, Activation | None]]
) -> Tensor:
    """Several dense layers applied in turn, ``h_i = f_i(h_{i-1} W_i + b_i)``, as ONE graph node.

    ``layers`` holds ``(w, b, f)`` per layer, operands as :func:`dense_node` takes them
    (checked by the caller: ``x`` ``[..., in]``, each ``w`` ``(in_i, out_i)`` with
    ``in_i = out_{i-1}``, one floating dtype).  The result and every gradient equal
    the chain of one :func:`dense` node per layer; only the tape is shorter (one node,
    one backward call), which is what a model calling a stack of Dense layers step
    after step gains (see :meth:`lucidnet.models.sequential.Sequential.forward`).

    Forward, per layer: ``z = h W + b`` in a new array, then the activation in place
    (``forward_``) when it offers in-place kernels, else ``y = f.forward(z)``.  Backward,
    from the top, with g = dL/dh_i:

    .. math:: g_z = f.\\mathrm{vjp}(z, y, g), \\quad g_W = h_{i-1}^T g_z, \\quad
              g_b = \\mathbf{1}^T g_z, \\quad g \\leftarrow g_z W^T

    (``backward_`` computes g_z from y in place on a copy of the incoming gradient).
    A gradient is computed only where some tensor at or below it requires one; all of
    them are new arrays (``fresh``), so a parameter keeps its gradient without a copy.

    >>> import lucidnet as ln
    >>> w1, w2 = ln.tensor([[1.0], [-1.0]], requires_grad=True), ln.tensor([[2.0]])
    >>> y = dense_stack_node(ln.tensor([[3.0, 1.0]]), [(w1, None, act.ReLU()), (w2, None, None)])
    >>> y.backward()
    >>> y.numpy(), w1.grad.tolist()
    (array([[4.]], dtype=float32), [[6.0], [2.0]])
    """
    h = x.data
    flat = h.ndim == 2  # the usual [batch, in]: no reshapes for the weight gradients
    parents: list[Tensor] = [x]
    saved = []  # per layer: (input, w, w's data, b, activation, pre-activation or None, output)
    for w, b, f in layers:
        parents += (w,) if b is None else (w, b)
        z = h @ w.data
        if b is not None:
            z += b.data
        if f is None or type(f) is act.Identity:  # exactly: a subclass may compute otherwise
            f, y = None, z
        elif f.forward_ is not None and f.backward_ is not None:
            y, z = f.forward_(z), None  # the output overwrites z; backward_ needs y only
        else:
            y = f.forward(z)
        saved.append((h, w, w.data, b, f, z, y))
        h = y
    # below[i]: whether layer i's input needs a gradient (x, or a parameter further down)
    below = [x.requires_grad]
    for w, b, _ in layers[:-1]:
        below.append(below[-1] or w.requires_grad or (b is not None and b.requires_grad))

    def backward(g: np.ndarray) -> list[np.ndarray | None]:
        grads: list[np.ndarray | None] = []
        own = False  # whether g is an array this backward made (may be overwritten)
        for index in range(len(saved) - 1, -1, -1):
            grad_z = _dense_layer_backward(saved[index], g, own, flat, grads)
            if not below[index]:  # nothing further down wants a gradient
                grads.extend([None] * (len(parents) - len(grads)))
                break
            g, own = grad_z @ saved[index][2].T, True
        else:
            grads.append(g)  # d/dx
        grads.reverse()
        return grads

    return Tensor._node(h, tuple(parents), backward, "dense", fresh=True)


def _dense_layer_backward(
    saved: tuple[Any, ...], g: np.ndarray, own: bool, flat: bool, grads: list[np.ndarray | None]
) -> np.ndarray:
    """One layer of :func:`dense_stack_node`'s backward: appends dL/db (if a bias) and dL/dW
    to ``grads`` (None where not required) and returns g_z = dL/dz."""
    h, w, _, b, f, z, y = saved
    if f is None:
        grad_z = g
    elif z is None:  # in place from the output, on a copy unless g is this backward's own
        grad_z = f.backward_(y, g if own else g.copy(), np.empty_like(y))
    else:
        grad_z = f.vjp(z, y, g)
    grad_z_2d = grad_z if flat else grad_z.reshape(-1, grad_z.shape[-1])
    if b is not None:
        grad_b = None
        if b.requires_grad:  # the batch sum as a product: BLAS is 2-8x faster than np.sum
            ones = _ones(grad_z_2d.shape[0], grad_z_2d.dtype)
            grad_b = (ones @ grad_z_2d).reshape(b.data.shape)
        grads.append(grad_b)
    grad_w = None
    if w.requires_grad:
        h_2d = h if flat else h.reshape(-1, h.shape[-1])
        grad_w = h_2d.T @ grad_z_2d
    grads.append(grad_w)
    return grad_z


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of ``n`` ones: ``ones @ g`` sums the rows of ``g``."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def linear(x: TensorLike, w: TensorLike | None = None, b: TensorLike | None = None) -> Tensor:
    """Affine map ``x @ w + b`` (:func:`dense` without activation); with no ``w``, the identity.

    The name serves twice, as in Keras: ``linear`` is the alias of the identity
    activation (``linear(x)``) and PyTorch's affine function (``linear(x, w, b)``,
    here with ``w`` of shape ``(in_features, out_features)``).
    """
    if w is None:
        if b is not None:
            raise ValueError(
                "linear(x, w=None, b=...): a bias needs a weight w of shape "
                "(in_features, out_features)"
            )
        return identity(x)
    return dense(x, w, b)


def _check_operands(x: Tensor, w: Tensor, b: Tensor | None) -> None:
    """ValueError naming shapes/dtypes unless x [..., in], w (in, out) and b (out,) fit together."""
    x_shape, w_shape = x.data.shape, w.data.shape
    if len(w_shape) == 2 and x_shape and x_shape[-1] == w_shape[0]:
        if b is None:
            return
        b_data = b.data
        if b_data.dtype == w.data.dtype and b_data.shape == (w_shape[1],):
            return  # the usual case; below, the precise message for everything else
    if w.ndim != 2:
        raise ValueError(
            f"dense: w must have shape (in_features, out_features), got shape {w.shape}"
        )
    if x.ndim == 0 or x.shape[-1] != w.shape[0]:
        raise ValueError(
            f"dense: x has shape {x.shape} and w has shape {w.shape}; the last "
            f"dimension of x must equal w.shape[0] (in_features={w.shape[0]})"
        )
    if b is not None and b.dtype != w.dtype:
        raise ValueError(f"dense: b has dtype {b.dtype} but w has dtype {w.dtype}; they must match")
    if b is not None and (b.size != w.shape[1] or b.ndim == 0 or b.shape[-1] != w.shape[1]):
        raise ValueError(
            f"dense: b has shape {b.shape} but w has shape {w.shape}; b must have "
            f"shape ({w.shape[1]},) (out_features)"
        )
