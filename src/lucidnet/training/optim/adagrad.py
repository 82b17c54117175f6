"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine.tensor import Tensor
from .optimizer import Optimizer, ParamGroup, Params, check_range, registry


@registry.register("adagrad")
class Adagrad(Optimizer):
    r"""Adagrad, the update of ``torch.optim.Adagrad`` exactly.

    Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", JMLR 2011.

    With learning rate :math:`\gamma`, learning-rate decay :math:`\eta`, weight
    decay :math:`\lambda`, initial accumulator value :math:`\tau` and eps
    :math:`\epsilon`, starting from :math:`s_0 = \tau`, at step :math:`t`:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
              \quad(\text{minus when maximize})\\
        \tilde\gamma &= \gamma / (1 + (t-1)\,\eta)\\
        s_t &= s_{t-1} + g_t^2\\
        \theta_t &= \theta_{t-1} - \tilde\gamma\, g_t / (\sqrt{s_t} + \epsilon)

    Args:
        params: parameters or parameter groups; None leaves the optimizer unbound.
        lr: learning rate.
        lr_decay: learning-rate decay eta >= 0 per step.
        weight_decay: L2 penalty lambda >= 0 added to the gradient.
        initial_accumulator_value: starting value tau >= 0 of the squared-gradient sum.
        eps: term added to the denominator for numerical stability.
        maximize: ascend the objective instead of descending.
    """

    name = "adagrad"
    element_wise = True

    def __init__(
        self,
        params: Params | None = None,
        lr: float = 0.01,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_range(name, options[name])

    def update(self, param: Tensor, group: ParamGroup, state: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param.data, float(group["initial_accumulator_value"]))
        state["step"] += 1
        decayed_lr = float(group["lr"]) / (1 + (state["step"] - 1) * float(group["lr_decay"]))

        gradient = self._gradient(param, float(group["weight_decay"]), group["maximize"])
        square_sum = state["sum"]
        work = self._scratch(param, "update")
        np.multiply(gradient, gradient, out=work)
        np.add(square_sum, work, out=square_sum)
        root = np.sqrt(square_sum, out=work)
        np.add(root, float(group["eps"]), out=root)
        direction = np.divide(gradient, root, out=work)
        self._descend(param, direction, decayed_lr)
