"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine.tensor import Tensor
from .optimizer import Optimizer, ParamGroup, Params, check_range, registry


@registry.register("rmsprop")
class RMSprop(Optimizer):
    r"""RMSprop, the update of ``torch.optim.RMSprop`` exactly.

    Tieleman & Hinton, Coursera "Neural Networks for Machine Learning", lecture
    6.5, 2012.

    With learning rate :math:`\gamma`, smoothing constant :math:`\alpha`, eps
    :math:`\epsilon`, weight decay :math:`\lambda` and momentum :math:`\mu`,
    starting from :math:`v_0 = 0,\ \bar g_0 = 0,\ b_0 = 0`, at step :math:`t`:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
              \quad(\text{minus when maximize})\\
        v_t &= \alpha v_{t-1} + (1-\alpha)\,g_t^2\\
        \tilde v_t &= v_t - \bar g_t^2,\quad \bar g_t = \alpha\bar g_{t-1} + (1-\alpha)\,g_t
              \ \text{(centered)} \quad\text{or}\quad \tilde v_t = v_t\\
        b_t &= \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon),\quad
              \theta_t = \theta_{t-1} - \gamma b_t \quad(\mu > 0)\\
        \theta_t &= \theta_{t-1} - \gamma\,g_t / (\sqrt{\tilde v_t} + \epsilon) \quad(\mu = 0)

    The centered form, which normalizes by an estimate of the variance, is the
    one of Graves, "Generating Sequences With Recurrent Neural Networks", 2013.

    Args:
        params: parameters or parameter groups; None leaves the optimizer unbound.
        lr: learning rate.
        alpha: smoothing constant in [0, 1] of the squared-gradient average.
        eps: term added to the denominator for numerical stability.
        weight_decay: L2 penalty lambda >= 0 added to the gradient.
        momentum: momentum factor mu >= 0.
        centered: normalize by the estimated variance instead of the second moment.
        maximize: ascend the objective instead of descending.
    """

    name = "rmsprop"
    element_wise = True

    def __init__(
        self,
        params: Params | None = None,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": bool(centered),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("lr", options["lr"])
        check_range("alpha", options["alpha"], 0.0, 1.0, high_inclusive=True)
        check_range("eps", options["eps"])
        check_range("weight_decay", options["weight_decay"])
        check_range("momentum", options["momentum"])

    def update(self, param: Tensor, group: ParamGroup, state: dict[str, Any]) -> None:
        alpha, eps, momentum = float(group["alpha"]), float(group["eps"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param.data)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param.data)
        state["step"] += 1

        gradient = self._gradient(param, float(group["weight_decay"]), group["maximize"])
        square_avg = state["square_avg"]
        work = self._scratch(param, "update")
        np.multiply(gradient, 1 - alpha, out=work)
        np.multiply(work, gradient, out=work)
        np.multiply(square_avg, alpha, out=square_avg)
        np.add(square_avg, work, out=square_avg)

        if group["centered"]:
            grad_avg = state["grad_avg"]
            # grad_avg += (1 - alpha) (g - grad_avg), PyTorch's lerp.
            np.subtract(gradient, grad_avg, out=work)
            np.multiply(work, 1 - alpha, out=work)
            np.add(grad_avg, work, out=grad_avg)
            np.multiply(grad_avg, grad_avg, out=work)
            np.subtract(square_avg, work, out=work)
            root_mean_square = np.sqrt(work, out=work)
        else:
            root_mean_square = np.sqrt(square_avg, out=work)
        np.add(root_mean_square, eps, out=root_mean_square)
        direction = np.divide(gradient, root_mean_square, out=work)

        if momentum > 0:
            buffer = state["momentum_buffer"]
            np.multiply(buffer, momentum, out=buffer)
            direction = np.add(buffer, direction, out=buffer)
        self._descend(param, direction, float(group["lr"]))
