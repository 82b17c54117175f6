"""PyTorch's loss modules: ``criterion = nn.CrossEntropyLoss(); loss = criterion(logits, labels)``.

Each is a module whose ``forward(input, target)`` calls the function of the same
meaning in :mod:`lucidnet.nn.functional` (itself a thin call of
:mod:`lucidnet.training.losses`) with the bound ``reduction`` and options.

>>> import lucidnet as ln
>>> from lucidnet import nn
>>> float(nn.MSELoss()(ln.tensor([1.0, 3.0]), ln.tensor([1.0, 1.0])))
2.0
"""

from __future__ import annotations

from typing import Any

from ..blocks.module import Module
from ..engine.tensor import Tensor
from ..training.losses import REDUCTIONS
from . import functional as F


class _Loss(Module):
    """A loss module: ``forward(input, target)`` is ``function(input, target, reduction, **options)``."""

    reductions = REDUCTIONS

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        if reduction not in self.reductions:
            raise ValueError(
                f"{type(self).__name__}: reduction={reduction!r} is not valid; use one of "
                f"{', '.join(self.reductions)}"
            )
        self.reduction = reduction
        self.options = options

    @staticmethod
    def function(input: Any, target: Any, **options: Any) -> Tensor:
        raise NotImplementedError

    def forward(self, input: Any, target: Any) -> Tensor:
        return type(self).function(input, target, reduction=self.reduction, **self.options)

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"{type(self).__name__}(reduction={self.reduction!r}{options})"


class MSELoss(_Loss):
    """``torch.nn.MSELoss(reduction='mean')``: (input - target)^2, reduced."""

    function = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """``torch.nn.L1Loss(reduction='mean')``: |input - target|, reduced."""

    function = staticmethod(F.l1_loss)


class HuberLoss(_Loss):
    """``torch.nn.HuberLoss(reduction='mean', delta=1.0)``."""

    function = staticmethod(F.huber_loss)

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction, delta=delta)


class CrossEntropyLoss(_Loss):
    """``torch.nn.CrossEntropyLoss()`` on logits ``(batch, classes)`` and integer labels
    ``(batch,)`` or probability rows; ``label_smoothing`` as PyTorch's."""

    function = staticmethod(F.cross_entropy)

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        F._unsupported("CrossEntropyLoss", weight=(weight, None), ignore_index=(ignore_index, -100))
        options = {"label_smoothing": label_smoothing} if label_smoothing else {}
        super().__init__(reduction, **options)


class NLLLoss(_Loss):
    """``torch.nn.NLLLoss()``: -input[i, target_i] for log-probabilities ``input``."""

    function = staticmethod(F.nll_loss)

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        F._unsupported("NLLLoss", weight=(weight, None), ignore_index=(ignore_index, -100))
        super().__init__(reduction)


class BCELoss(_Loss):
    """``torch.nn.BCELoss()`` on probabilities (clipped to [1e-7, 1 - 1e-7], as Keras)."""

    function = staticmethod(F.binary_cross_entropy)

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        F._unsupported("BCELoss", weight=(weight, None))
        super().__init__(reduction)


class BCEWithLogitsLoss(_Loss):
    """``torch.nn.BCEWithLogitsLoss()``: sigmoid and binary cross-entropy fused, stable."""

    function = staticmethod(F.binary_cross_entropy_with_logits)

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        F._unsupported("BCEWithLogitsLoss", weight=(weight, None), pos_weight=(pos_weight, None))
        super().__init__(reduction)


class KLDivLoss(_Loss):
    """``torch.nn.KLDivLoss(reduction='mean', log_target=False)``; ``input`` is log-probabilities."""

    function = staticmethod(F.kl_div)
    reductions = (*REDUCTIONS, "batchmean")

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(reduction, **({"log_target": True} if log_target else {}))
