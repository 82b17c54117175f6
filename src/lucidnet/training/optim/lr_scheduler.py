"""Learning-rate schedules with PyTorch's semantics (``torch.optim.lr_scheduler``).

A scheduler changes ``group["lr"]`` of its optimizer's parameter groups.  It is
epoch-based: create it (epoch 0 keeps the optimizer's lr), then call
``scheduler.step()`` once after each epoch's optimizer steps;
:class:`ReduceLROnPlateau` takes the monitored value: ``scheduler.step(val_loss)``.
``get_last_lr()`` gives the current rates and ``last_epoch`` the epoch count.

>>> import numpy as np
>>> import lucidnet as ln
>>> from lucidnet.training.optim import SGD, StepLR
>>> opt = SGD([ln.Parameter(np.zeros(2))], lr=0.1)
>>> scheduler = StepLR(opt, step_size=2, gamma=0.5)
>>> rates = []
>>> for epoch in range(5):
...     rates.append(scheduler.get_last_lr()[0])
...     scheduler.step()
>>> rates
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Literal

from .optimizer import Optimizer, check_range


class LRScheduler:
    """Base class: a subclass defines ``get_lr()``, the rates for epoch ``last_epoch``.

    On creation each group's starting lr is kept as ``group["initial_lr"]``
    (``base_lrs``) and one step is taken to epoch 0, as in PyTorch.
    ``last_epoch`` other than -1 resumes a schedule (the groups must then hold
    ``initial_lr``).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = _check_optimizer(optimizer)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in group for group in optimizer.param_groups):
            raise ValueError(
                f"last_epoch={last_epoch!r} resumes a schedule, but the optimizer's "
                "groups have no 'initial_lr'; load the optimizer's state first or "
                "use last_epoch=-1"
            )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and write the new rates into the optimizer's groups."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group after the latest step."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer (numbers, strings and lists of numbers)."""
        return {
            key: list(value) if isinstance(value, list) else value
            for key, value in self.__dict__.items()
            if key != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class StepLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every ``step_size`` epochs.

    .. math:: \eta_t = \eta_0\,\gamma^{\lfloor t / \text{step\_size} \rfloor}

    (applied recursively: at every non-zero multiple of ``step_size`` the current
    lr is multiplied by gamma, so changes made from outside compose).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = _check_epochs("step_size", step_size)
        check_range("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    r"""Multiply the lr by ``gamma`` every epoch: :math:`\eta_t = \eta_0\,\gamma^t`."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        check_range("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial lr down to ``eta_min`` over ``T_max`` epochs.

    Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
    ICLR 2017 (here without restarts).  The closed form is

    .. math::
        \eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\,(1 + \cos(\pi t / T_{\max})),

    computed, as PyTorch does, by the recursion

    .. math::
        \eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})\,
                 \frac{1 + \cos(\pi t / T_{\max})}{1 + \cos(\pi (t-1) / T_{\max})}

    so that changes made to the lr from outside compose.  Where the denominator
    vanishes (:math:`t - 1 = T_{\max}, 3T_{\max}, \dots`) the lr rises by the
    closed form's increment instead.  Past ``T_max`` the lr climbs back along
    the cosine, as in PyTorch.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = _check_epochs("T_max", T_max)
        check_range("eta_min", eta_min)
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        epoch, period, floor = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and epoch > 0:  # resuming: start from the closed form
            return [
                floor + (base_lr - floor) * (1 + math.cos(epoch * math.pi / period)) / 2
                for base_lr in self.base_lrs
            ]
        if (epoch - 1 - period) % (2 * period) == 0:
            return [
                lr + (base_lr - floor) * (1 - math.cos(math.pi / period)) / 2
                for lr, base_lr in zip(self._current_lrs(), self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (
            1 + math.cos(math.pi * (epoch - 1) / period)
        )
        return [ratio * (lr - floor) + floor for lr in self._current_lrs()]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a monitored value stops improving.

    ``step(metrics)`` after each epoch.  A value is an improvement when it beats
    the best so far by the threshold: in ``"min"`` mode ``value < best * (1 -
    threshold)`` (``threshold_mode="rel"``) or ``value < best - threshold``
    (``"abs"``); in ``"max"`` mode ``value > best * (1 + threshold)`` or ``value >
    best + threshold``.  After more than ``patience`` epochs without improvement
    each group's lr becomes ``max(lr * factor, min_lr)`` (skipped when that
    changes it by less than ``eps``), then ``cooldown`` epochs pass in which bad
    epochs are not counted.  As ``torch.optim.lr_scheduler.ReduceLROnPlateau``.

    Args:
        optimizer: the optimizer whose groups' lr is reduced.
        mode: ``"min"`` (a loss) or ``"max"`` (an accuracy).
        factor: multiplier in [0, 1) of the lr.
        patience: epochs without improvement tolerated before reducing.
        threshold: minimal improvement that counts.
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: epochs to wait after a reduction before counting bad epochs again.
        min_lr: lower bound on the lr, one number or one per group.
        eps: smallest change of the lr that is applied.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        self.optimizer = _check_optimizer(optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"invalid mode={mode!r}: expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"invalid threshold_mode={threshold_mode!r}: expected 'rel' or 'abs'")
        check_range("factor", factor, 0.0, 1.0)
        check_range("threshold", threshold)
        check_range("eps", eps)
        groups = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        if len(min_lrs) != groups:
            raise ValueError(
                f"min_lr has {len(min_lrs)} values, the optimizer has {groups} parameter groups"
            )
        for value in min_lrs:
            check_range("min_lr", value)
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor, self.threshold, self.eps = factor, threshold, eps
        self.patience = _check_epochs("patience", patience, minimum=0)
        self.cooldown = _check_epochs("cooldown", cooldown, minimum=0)
        self.min_lrs = min_lrs
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, value: float, best: float) -> bool:
        """Whether ``value`` improves on ``best`` by more than the threshold."""
        if self.threshold_mode == "rel":
            scale = 1 - self.threshold if self.mode == "min" else 1 + self.threshold
            target = best * scale
        else:
            target = best - self.threshold if self.mode == "min" else best + self.threshold
        return value < target if self.mode == "min" else value > target

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record this epoch's monitored value and reduce the lr if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr


def _check_optimizer(optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"a scheduler needs a lucidnet optimizer, got {type(optimizer).__name__}")
    return optimizer


def _check_epochs(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as a whole number of epochs >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"invalid {name}={value!r}: expected an int >= {minimum}")
    return int(value)
