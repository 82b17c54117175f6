"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...engine.tensor import Tensor
from .optimizer import Optimizer, ParamGroup, Params, check_range, registry


@registry.register("sgd")
class SGD(Optimizer):
    r"""Stochastic gradient descent, PyTorch's ``torch.optim.SGD`` update exactly.

    With learning rate :math:`\gamma`, weight decay :math:`\lambda`, momentum
    :math:`\mu` and dampening :math:`\tau`, at step :math:`t`:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
              \quad(\text{minus when maximize})\\
        b_t &= \begin{cases} g_t & t = 1\\ \mu\,b_{t-1} + (1-\tau)\,g_t & t > 1\end{cases}
              \quad(\text{only if } \mu \ne 0)\\
        g_t &\leftarrow g_t + \mu\,b_t \ \text{(nesterov)} \quad\text{or}\quad
              g_t \leftarrow b_t \ \text{(momentum)}\\
        \theta_t &= \theta_{t-1} - \gamma\,g_t

    Momentum is the heavy-ball method of Polyak (1964); the Nesterov form is the
    one of Sutskever, Martens, Dahl & Hinton, "On the importance of
    initialization and momentum in deep learning", ICML 2013.  ``weight_decay``
    is the gradient of the L2 penalty ``weight_decay / 2 * ||theta||^2``.

    Args:
        params: parameters or parameter groups; None leaves the optimizer unbound.
        lr: learning rate (lucidnet's default 0.01; PyTorch's is 0.001).
        momentum: momentum factor mu >= 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        weight_decay: L2 penalty lambda >= 0.
        dampening: dampening tau in [0, 1] of the momentum (keyword only).
        maximize: ascend the objective instead of descending (keyword only).

    The positional order is lucidnet's (``params, lr, momentum, nesterov,
    weight_decay``); PyTorch puts ``dampening`` fourth, so pass it by name.

    >>> opt = SGD(lr=0.1, momentum=0.9, nesterov=True)
    >>> opt.is_bound
    False
    """

    name = "sgd"
    element_wise = True

    def __init__(
        self,
        params: Params | None = None,
        lr: float = 0.01,
        momentum: float = 0,
        nesterov: bool = False,
        weight_decay: float = 0,
        *,
        dampening: float = 0,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": bool(nesterov),
            "maximize": bool(maximize),
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("lr", options["lr"])
        check_range("momentum", options["momentum"])
        check_range("dampening", options["dampening"], 0.0, 1.0, high_inclusive=True)
        check_range("weight_decay", options["weight_decay"])
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening=0, got "
                f"momentum={options['momentum']!r}, dampening={options['dampening']!r}"
            )

    def update(self, param: Tensor, group: ParamGroup, state: dict[str, Any]) -> None:
        momentum = float(group["momentum"])
        if momentum == 0 and group["weight_decay"] == 0 and not group["maximize"]:
            self._descend(param, param.grad, float(group["lr"]))  # plain: theta - lr * grad
            return
        gradient = self._gradient(param, float(group["weight_decay"]), group["maximize"])
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = gradient.astype(param.data.dtype, copy=True)
            else:
                np.multiply(buffer, momentum, out=buffer)
                dampening = float(group["dampening"])
                if dampening == 0:
                    np.add(buffer, gradient, out=buffer)
                else:
                    damped = np.multiply(
                        gradient, 1 - dampening, out=self._scratch(param, "update")
                    )
                    np.add(buffer, damped, out=buffer)
            if group["nesterov"]:
                look_ahead = np.multiply(buffer, momentum, out=self._scratch(param, "update"))
                gradient = np.add(gradient, look_ahead, out=look_ahead)
            else:
                gradient = buffer
        self._descend(param, gradient, float(group["lr"]))
