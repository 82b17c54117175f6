"""PyTorch's ``torch.nn.functional`` names on lucidnet's functions (``import ... as F``).

Each function is a thin call of lucidnet's own: activations of
:mod:`lucidnet.blocks.functional`, losses of :mod:`lucidnet.training.losses`,
with PyTorch's argument names and defaults (``dim=``, ``negative_slope=``,
``reduction=``).  Losses take ``(input, target)``, prediction first, as in
PyTorch.  ``linear(input, weight, bias)`` takes PyTorch's weight layout
``(out_features, in_features)``; lucidnet's own ``ln.functional.linear`` and
layers store ``(in_features, out_features)``.

>>> import lucidnet as ln
>>> from lucidnet.nn import functional as F
>>> F.softmax(ln.tensor([0.0, 0.0]), dim=0).numpy()
array([0.5, 0.5], dtype=float32)
>>> float(F.cross_entropy(ln.tensor([[2.0, 0.0]]), ln.tensor([0])))  # doctest: +ELLIPSIS
0.1269...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_real
from ..blocks import functional as _blocks
from ..blocks.functional import sigmoid, softsign, tanh
from ..blocks.layers.core import Dropout as _Dropout
from ..engine.tensor import Tensor, tensor
from ..training import losses as _losses
from ..training.labels import class_indices

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "hardsigmoid",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "mse_loss",
    "nll_loss",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
]


def _inplace_accepted(function: Any) -> Any:
    """PyTorch's activation with its ``inplace=`` flag accepted (lucidnet never writes in place)."""

    def with_inplace(input: Any, inplace: bool = False) -> Tensor:
        return function(input)

    with_inplace.__name__ = with_inplace.__qualname__ = function.__name__
    with_inplace.__doc__ = function.__doc__
    return with_inplace


relu = _inplace_accepted(_blocks.relu)
relu6 = _inplace_accepted(_blocks.relu6)
selu = _inplace_accepted(_blocks.selu)
silu = _inplace_accepted(_blocks.silu)
mish = _inplace_accepted(_blocks.mish)
hardsigmoid = _inplace_accepted(_blocks.hard_sigmoid)


def _unsupported(function: str, **arguments: tuple[Any, Any]) -> None:
    """ValueError for a PyTorch option lucidnet does not implement, given other than its default."""
    for name, (value, default) in arguments.items():
        if (value is not None) if default is None else bool(value != default):
            raise ValueError(
                f"{function}: {name}={value!r} is not supported by lucidnet "
                f"(only the default {name}={default!r})"
            )


# ---------------------------------------------------------------- activations
def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``torch.nn.functional.elu``: x for x > 0, alpha (e^x - 1) otherwise (never in place)."""
    return _blocks.elu(input, alpha)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``torch.nn.functional.leaky_relu``: x for x > 0, negative_slope * x otherwise."""
    return _blocks.leaky_relu(input, alpha=negative_slope)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """``torch.nn.functional.gelu``: x Phi(x); ``approximate="tanh"`` for the tanh form."""
    return _blocks.gelu(input, approximate=approximate)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``torch.nn.functional.softplus``: log(1 + e^{beta x}) / beta, x above the threshold."""
    return _blocks.softplus(input, beta=beta, threshold=threshold)


def hardtanh(
    input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``torch.nn.functional.hardtanh``: clamp(x, min_val, max_val)."""
    return _blocks.hard_tanh(input, min_val=min_val, max_val=max_val)


def _softmax_dim(dim: int | None) -> int:
    """PyTorch's ``dim=None`` (deprecated there) is taken as the last axis."""
    return -1 if dim is None else dim


def softmax(input: Any, dim: int | None = None, dtype: object | None = None) -> Tensor:
    """``torch.nn.functional.softmax`` along ``dim`` (default: the last axis)."""
    return _blocks.softmax(_cast(input, dtype), dim=_softmax_dim(dim))


def log_softmax(input: Any, dim: int | None = None, dtype: object | None = None) -> Tensor:
    """``torch.nn.functional.log_softmax`` along ``dim`` (default: the last axis)."""
    return _blocks.log_softmax(_cast(input, dtype), dim=_softmax_dim(dim))


def _cast(input: Any, dtype: object | None) -> Any:
    if dtype is None:
        return input
    return (input if isinstance(input, Tensor) else tensor(input)).astype(dtype)


def linear(input: Any, weight: Any, bias: Any = None) -> Tensor:
    """``torch.nn.functional.linear``: ``input @ weight.T + bias``, ``weight`` of PyTorch's shape
    ``(out_features, in_features)`` (lucidnet's ``ln.functional.linear`` takes ``weight.T``)."""
    weight = weight if isinstance(weight, Tensor) else tensor(weight)
    return _blocks.dense(input, weight.T, bias)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """``torch.nn.functional.dropout``: inverted dropout with drop probability ``p`` when
    ``training`` (the mechanism of ``ln.layers.Dropout``)."""
    layer = _Dropout(p, name="dropout")
    layer.train(training)
    return layer(input)


# ---------------------------------------------------------------- losses
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """``torch.nn.functional.mse_loss``: (input - target)^2, reduced (``ln.losses.mse``)."""
    return _losses.mse(input, target, reduction=reduction)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """``torch.nn.functional.l1_loss``: |input - target|, reduced (``ln.losses.mae``)."""
    return _losses.mae(input, target, reduction=reduction)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """``torch.nn.functional.huber_loss`` (``ln.losses.huber``)."""
    return _losses.huber(input, target, reduction=reduction, delta=delta)


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``torch.nn.functional.cross_entropy`` on logits ``(batch, classes)``
    (``ln.losses.softmax_cross_entropy``).

    ``target`` holds integer labels ``(batch,)`` or probability rows of the logits'
    shape.  ``label_smoothing=e`` trains on ``(1 - e) * onehot + e / classes``.
    """
    _unsupported("cross_entropy", weight=(weight, None), ignore_index=(ignore_index, -100))
    if check_real(label_smoothing, "cross_entropy: label_smoothing", low=0, high=1):
        logits = input if isinstance(input, Tensor) else tensor(input)
        classes = logits.shape[-1]
        if np.shape(target) != logits.shape:
            labels = class_indices(target, logits.shape[0], classes, "cross_entropy")
            target = np.eye(classes, dtype=logits.dtype)[labels]
        target = (1 - label_smoothing) * np.asarray(
            target, dtype=logits.dtype
        ) + label_smoothing / classes
        input = logits
    return _losses.softmax_cross_entropy(input, target, reduction=reduction)


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """``torch.nn.functional.nll_loss``: -input[i, target_i] for log-probabilities ``input``."""
    _unsupported("nll_loss", weight=(weight, None), ignore_index=(ignore_index, -100))
    _losses._check_reduction(reduction)
    log_probabilities = input if isinstance(input, Tensor) else tensor(input)
    if log_probabilities.ndim != 2:
        raise ValueError(
            f"nll_loss: input must have shape (batch, classes), got {log_probabilities.shape}"
        )
    labels = class_indices(target, *log_probabilities.shape, "nll_loss")
    picked = -log_probabilities[np.arange(labels.shape[0]), labels]
    return _reduce(picked, reduction)


def _reduce(values: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def binary_cross_entropy(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """``torch.nn.functional.binary_cross_entropy`` on probabilities
    (``ln.losses.binary_crossentropy``; probabilities are clipped to [1e-7, 1 - 1e-7])."""
    _unsupported("binary_cross_entropy", weight=(weight, None))
    return _losses.binary_crossentropy(input, target, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """``torch.nn.functional.binary_cross_entropy_with_logits``
    (``ln.losses.binary_crossentropy(..., from_logits=True)``)."""
    _unsupported(
        "binary_cross_entropy_with_logits", weight=(weight, None), pos_weight=(pos_weight, None)
    )
    return _losses.binary_crossentropy(input, target, reduction=reduction, from_logits=True)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """``torch.nn.functional.kl_div``: element-wise target (log target - input), ``input`` being
    log-probabilities; ``reduction="batchmean"`` divides the sum by the batch size (the true KL),
    ``"mean"`` by the number of elements, as PyTorch."""
    if reduction not in (*_losses.REDUCTIONS, "batchmean"):
        raise ValueError(
            f"kl_div: reduction={reduction!r} is not valid; use one of mean, sum, none, batchmean"
        )
    log_q = input if isinstance(input, Tensor) else tensor(input)
    p = target if isinstance(target, Tensor) else tensor(target, dtype=log_q.dtype)
    if p.shape != log_q.shape:
        raise ValueError(f"kl_div: input has shape {log_q.shape} but target has shape {p.shape}")
    if log_target:
        pointwise = p.exp() * (p - log_q)
    elif p.requires_grad:
        pointwise = p * (p.log() - log_q)
    else:  # p log p is 0 where p is 0, as PyTorch's xlogy
        positive = p.data > 0
        p_log_p = np.where(positive, p.data * np.log(np.where(positive, p.data, 1)), 0)
        pointwise = Tensor(p_log_p.astype(log_q.dtype)) - p * log_q
    if reduction == "batchmean":
        return pointwise.sum() / log_q.shape[0]
    return _reduce(pointwise, reduction)
