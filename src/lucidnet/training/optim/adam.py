"""Adam and AdamW: adaptive moment estimation, with coupled or decoupled weight decay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...engine.tensor import Tensor
from .optimizer import Optimizer, ParamGroup, Params, check_range, registry


@registry.register("adam")
class Adam(Optimizer):
    r"""Adam, the update of ``torch.optim.Adam`` exactly.

    Kingma & Ba, "Adam: A Method for Stochastic Optimization", arXiv 2014 (ICLR
    2015).

    With learning rate :math:`\gamma`, betas :math:`(\beta_1, \beta_2)`, eps
    :math:`\epsilon` and weight decay :math:`\lambda`, starting from
    :math:`m_0 = v_0 = 0`, at step :math:`t`:

    .. math::
        g_t &= \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
              \quad(\text{minus when maximize})\\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\,g_t\\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2\\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \ \text{(amsgrad)} \quad\text{or}\quad v_t\\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
                    \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    ``amsgrad`` is the variant of Reddi, Kale & Kumar, "On the Convergence of Adam
    and Beyond", ICLR 2018.  With ``decoupled_weight_decay=True`` the decay is
    applied to the parameter instead of the gradient (see :class:`AdamW`).

    Args:
        params: parameters or parameter groups; None leaves the optimizer unbound.
        lr: learning rate.
        betas: decay rates (beta1, beta2), each in [0, 1), of the moment averages.
        eps: term added to the denominator for numerical stability.
        weight_decay: L2 penalty lambda >= 0 added to the gradient.
        amsgrad: normalize by the running maximum of v_t.
        maximize: ascend the objective instead of descending.
        decoupled_weight_decay: decay the parameter directly, as AdamW.
    """

    name = "adam"
    element_wise = True

    def __init__(
        self,
        params: Params | None = None,
        lr: float = 0.001,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": _pair(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": bool(amsgrad),
            "maximize": bool(maximize),
            "decoupled_weight_decay": bool(decoupled_weight_decay),
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("lr", options["lr"])
        betas = _pair(options["betas"])
        check_range("betas[0]", betas[0], 0.0, 1.0)
        check_range("betas[1]", betas[1], 0.0, 1.0)
        check_range("eps", options["eps"])
        check_range("weight_decay", options["weight_decay"])

    def update(self, param: Tensor, group: ParamGroup, state: dict[str, Any]) -> None:
        lr, eps, weight_decay = (
            float(group["lr"]),
            float(group["eps"]),
            float(group["weight_decay"]),
        )
        beta1, beta2 = (float(beta) for beta in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param.data)
            state["exp_avg_sq"] = np.zeros_like(param.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param.data)
        state["step"] += 1
        step = state["step"]

        if group["decoupled_weight_decay"]:
            np.multiply(param.data, 1 - lr * weight_decay, out=param.data)
            weight_decay = 0.0
        gradient = self._gradient(param, weight_decay, group["maximize"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        work = self._scratch(param, "update")

        # m += (1 - beta1) (g - m), the interpolation PyTorch uses (lerp).
        np.subtract(gradient, exp_avg, out=work)
        np.multiply(work, 1 - beta1, out=work)
        np.add(exp_avg, work, out=exp_avg)
        # v = beta2 v + (1 - beta2) g^2
        np.multiply(gradient, 1 - beta2, out=work)
        np.multiply(work, gradient, out=work)
        np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
        np.add(exp_avg_sq, work, out=exp_avg_sq)

        second_moment = exp_avg_sq
        if group["amsgrad"]:
            second_moment = np.maximum(
                state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"]
            )
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        denominator = np.sqrt(second_moment, out=work)
        np.divide(denominator, bias_correction2_sqrt, out=denominator)
        np.add(denominator, eps, out=denominator)
        direction = np.divide(exp_avg, denominator, out=work)
        self._descend(param, direction, step_size)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if not config["decoupled_weight_decay"]:
            del config["decoupled_weight_decay"]
        return config


@registry.register("adamw")
class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (arXiv 2017,
    ICLR 2019).  The decay shrinks the parameter before the Adam step instead of
    entering the gradient, so it is not rescaled by the adaptive denominator:

    .. math::
        \theta_{t-1} &\leftarrow \theta_{t-1} - \gamma\lambda\,\theta_{t-1}\\
        m_t, v_t, \hat v_t &\ \text{as in Adam with } g_t = \pm\nabla_\theta f(\theta_{t-1})\\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
                    \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args are those of :class:`Adam`; ``weight_decay`` defaults to 0.01.
    """

    name = "adamw"

    def __init__(
        self,
        params: Params | None = None,
        lr: float = 0.001,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("decoupled_weight_decay", None)
        return config


def _pair(betas: Sequence[float]) -> tuple[float, float]:
    """``betas`` as a tuple of two numbers (a list from a JSON config is accepted)."""
    if isinstance(betas, str) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise ValueError(f"invalid betas={betas!r}: expected a pair (beta1, beta2)")
    return (betas[0], betas[1])
