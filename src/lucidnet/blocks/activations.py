"""Activation functions, each with its derivative beside it.

Every activation is an :class:`Activation` object:

* ``act(tensor)`` -> Tensor, differentiable (one graph node);
* ``act.forward(x)`` -> ndarray, the function on a NumPy array;
* ``act.derivative(x)`` -> ndarray, element-wise d/dx at the pre-activation ``x``
  (softmax and log_softmax have ``jacobian(x)`` instead);
* ``act.vjp(x, y, g)`` -> ndarray, ``g * f'(x)`` given the output ``y = f(x)``;
  overridden where the output makes it cheaper (sigmoid: y(1 - y)), and used by
  the fused Dense node;
* ``act.name`` and ``act.formula`` (LaTeX for plots and docs).

What an activation *is* lives on its class, so that a new activation is one
class in this file and initializers, lint, health checks and export read it:
``family`` (``"linear"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"selu"``,
``"softplus"``, ``"softmax"``), ``saturation_limit`` (|x| beyond which the curve
is flat: 6 for sigmoid, 3 for tanh, else None), ``recommended_initializer``
(``he_uniform`` for the ReLU family, ``lecun_normal`` for selu, else
``glorot_uniform``: what ``Dense(kernel_initializer="auto")`` uses),
``outputs_probabilities`` (sigmoid, hard_sigmoid, softmax: pair them with a
loss on probabilities, not one ``from_logits``), ``can_die`` (zero gradient
wherever the unit is off: relu, relu6) and ``max_derivative`` (the largest
f'(x), the factor a gradient can keep per layer: 1/4 for sigmoid, 1/6 for
hard_sigmoid, 1 for the tanh family; None when not stated).

Kernels.  An activation may offer fast versions of its formula: ``forward_(x)``
writes f(x) into ``x`` itself, and ``backward_(y, g, work)`` multiplies ``g`` in
place by f'(x) using only the output ``y`` (identity, relu, sigmoid and tanh do).
The training plan uses them when offered and ``forward``/``vjp`` otherwise.
For a compiler (``compile(..., jit_compile=True)``, numba) an activation may also
offer its formula on one number: ``scalar_forward(x) -> f(x)`` and
``scalar_slope(y) -> f'(x)`` from the output ``y`` (staticmethods of plain
arithmetic and ``math``, which the compiled step inlines; identity, relu, sigmoid
and tanh do).  A kernel is trusted only where no class below the one that defines
it redefines ``forward`` or ``derivative`` (see :mod:`lucidnet._kernels`): a subclass of
``ReLU`` with its own formula gets ``vjp = g * derivative(x)`` and no in-place
kernels, instead of ReLU's.

``get(name, **options)`` resolves names and aliases; ``available()`` lists them.
Values and derivatives match PyTorch's functions and autograd, at 0 and at the
kinks included (the derivative of a piecewise function at a kink is the one
PyTorch's autograd gives), and stay finite for |x| = 1000.  Arrays keep their
dtype: float32 in, float32 out.

>>> import numpy as np
>>> get("relu").forward(np.array([-1.0, 0.0, 2.0]))
array([0., 0., 2.])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._checks import check_real
from .._kernels import defining_class, kernel_is_trusted
from .._registry import Configurable, Registry
from ..engine.dtype import get_default_dtype
from ..engine.tensor import Tensor, resolve_axis, tensor

FORMULA = ("forward", "derivative")
"""The methods that state an activation's maths; kernels must agree with them."""

KERNELS = ("vjp", "forward_", "backward_", "scalar_forward", "scalar_slope")
"""Faster methods computing the formula; dropped by a subclass that redefines the formula."""


class Activation(Configurable):
    """Base class: subclasses define ``forward`` and ``derivative`` (and maybe kernels).

    Class attributes say what the activation is (see the module docstring); the
    defaults describe an activation nothing is known about.

    The in-place kernels are optional (None here) and offered as a pair:
    ``forward_(x)`` overwrites ``x`` with f(x) and returns it; ``backward_(y, g, work)``
    overwrites ``g`` with g * f'(x) and returns it, knowing only the output ``y``
    (``x`` is gone) and a scratch array ``work`` of y's shape.  Both must give
    ``forward`` and ``vjp``'s numbers up to rounding.

    The scalar kernels are optional too (None here), also a pair, for the compiled
    step: ``scalar_forward(x)`` is f(x) for one number and ``scalar_slope(y)`` is
    f'(x) from the output ``y = f(x)``; staticmethods a compiler can inline (plain
    arithmetic and ``math`` only; NaN in, NaN out).
    """

    name = "activation"
    formula = ""
    element_wise = True
    family = "other"
    saturation_limit: float | None = None
    recommended_initializer = "glorot_uniform"
    outputs_probabilities = False
    can_die = False
    max_derivative: float | None = None
    forward_: Callable[[np.ndarray], np.ndarray] | None = None
    backward_: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    scalar_forward: Callable[[float], float] | None = None
    scalar_slope: Callable[[float], float] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Drop every inherited kernel that was written for a formula this class replaces."""
        super().__init_subclass__(**kwargs)
        for kernel in KERNELS:
            owner = defining_class(cls, kernel)
            if owner is not Activation and not kernel_is_trusted(cls, kernel, FORMULA):
                setattr(cls, kernel, vars(Activation)[kernel])

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Gradient with respect to the input ``x``, given output ``y`` and its gradient ``g``."""
        return g * self.derivative(x)

    def has_inplace_kernels(self) -> bool:
        """Whether ``forward_`` and ``backward_`` are offered (and trusted) for this activation."""
        return self.forward_ is not None and self.backward_ is not None

    def has_scalar_kernels(self) -> bool:
        """Whether ``scalar_forward`` and ``scalar_slope`` are offered (and trusted)."""
        return self.scalar_forward is not None and self.scalar_slope is not None

    def __call__(self, x: Tensor | Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = tensor(x)
        if x.dtype.kind != "f":  # integer data: activations are real functions, as in PyTorch
            x = Tensor(x.data.astype(get_default_dtype()))
        pre_activation = x.data
        out = self.forward(pre_activation)
        return Tensor._node(out, (x,), lambda g: (self.vjp(pre_activation, out, g),), self.name)


registry = Registry("activation", Activation)


# ---------------------------------------------------------------- shared pieces
def _real(value: Any, argument: str, activation: str) -> float:
    """``value`` as a finite float, or a ValueError naming the activation and argument."""
    return check_real(value, f"{activation}: {argument}")


def _inside(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """1 where low < x < high, else 0, in x's dtype: a clamp's gradient mask, kinks excluded."""
    return ((x > low) & (x < high)).astype(x.dtype)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) never overflows; pick the algebraically equal branch by sign.
    e = np.exp(-np.abs(x))
    positive_branch = 1 / (1 + e)
    return np.where(x >= 0, positive_branch, e * positive_branch)


def _log1p_exp(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow (softplus without PyTorch's threshold)."""
    return np.logaddexp(0, x)


def _polynomial(x: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Horner's rule, highest power first, in place; Python-float coefficients keep x's dtype."""
    result = np.full_like(x, coefficients[0])
    for c in coefficients[1:]:
        result *= x
        result += c
    return result


# Rational approximations of erf and erfc from the Cephes library (S. L. Moshier, ndtr.c):
# relative error below 4e-16 for erf on [0, 1] and 6e-14 for erfc on [1, 26.6].
_ERF_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_ERF_U = (
    1.0,
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
_ERFC_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_ERFC_Q = (
    1.0,
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)
_ERFC_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_ERFC_S = (
    1.0,
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)


def _erfc_scaled(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 1 <= a <= 30: exp(-a^2) times Cephes' rational form for [1, 8) or [8, 30]."""
    mid = a < 8
    if mid.all():  # the usual case: no pre-activation beyond 8 sqrt(2)
        ratio = _polynomial(a, _ERFC_P)
        ratio /= _polynomial(a, _ERFC_Q)
    else:
        ratio = np.empty_like(a)
        a_mid, a_far = a[mid], a[~mid]
        ratio[mid] = _polynomial(a_mid, _ERFC_P) / _polynomial(a_mid, _ERFC_Q)
        ratio[~mid] = _polynomial(a_far, _ERFC_R) / _polynomial(a_far, _ERFC_S)
    ratio *= np.exp(-a * a)
    return ratio


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, vectorised, accurate to ~1e-15 in float64.

    Near 0 it uses erf's rational form; in the tails erfc(|z|), so that Phi(-30)
    is a tiny positive number rather than a cancellation to 0 (Cephes ``ndtr``).
    """
    z = x * (1 / math.sqrt(2))
    # erfc(30) underflows to 0 even in float64; the cap keeps the polynomials finite
    a = np.minimum(np.abs(z), 30)
    cdf = np.empty_like(z)
    near = a < 1
    z_near = z[near]
    z2 = z_near * z_near
    erf_near = _polynomial(z2, _ERF_T)
    erf_near /= _polynomial(z2, _ERF_U)
    erf_near *= z_near
    cdf[near] = 0.5 + 0.5 * erf_near
    far = ~near
    half_erfc = 0.5 * _erfc_scaled(a[far])
    cdf[far] = np.where(z[far] > 0, 1 - half_erfc, half_erfc)
    return cdf


# ---------------------------------------------------------------- element-wise activations
@registry.register("identity", "linear")
class Identity(Activation):
    """Identity (linear) activation, the output of a regression network.

    .. math:: f(x) = x, \\quad f'(x) = 1
    """

    name = "identity"
    formula = r"f(x) = x"
    family = "linear"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.ones_like(x)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g

    def forward_(self, x: np.ndarray) -> np.ndarray:
        """Nothing to do: f(x) = x."""
        return x

    def backward_(self, y: np.ndarray, g: np.ndarray, work: np.ndarray) -> np.ndarray:
        """Nothing to do: f'(x) = 1."""
        return g

    @staticmethod
    def scalar_forward(x: float) -> float:
        return x

    @staticmethod
    def scalar_slope(y: float) -> float:
        return 1.0


@registry.register("sigmoid", "logistic")
class Sigmoid(Activation):
    """Logistic sigmoid, stable for large |x|.

    .. math:: \\sigma(x) = \\frac{1}{1 + e^{-x}}, \\quad \\sigma'(x) = \\sigma(x)(1 - \\sigma(x))

    Saturates (derivative below 0.25, near 0 for |x| > 6), which is why deep
    sigmoid stacks vanish; prefer it for binary outputs.
    """

    name = "sigmoid"
    formula = r"\sigma(x) = \frac{1}{1 + e^{-x}}"
    family = "sigmoid"
    saturation_limit = 6.0
    outputs_probabilities = True
    max_derivative = 0.25

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(x)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        y = _sigmoid(x)
        return y * (1 - y)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g * y * (1 - y)

    def forward_(self, x: np.ndarray) -> np.ndarray:
        """In place as (1 + tanh(x / 2)) / 2, which equals 1 / (1 + e^{-x}) and never overflows.

        Four passes and no temporary array; exact to 2^-53 in absolute terms (below
        about 1e-10 the relative accuracy of ``forward`` is lost, where no unit learns).
        """
        np.multiply(x, 0.5, out=x)
        np.tanh(x, out=x)
        np.multiply(x, 0.5, out=x)
        return np.add(x, 0.5, out=x)

    def backward_(self, y: np.ndarray, g: np.ndarray, work: np.ndarray) -> np.ndarray:
        """g * y (1 - y), the derivative from the output."""
        slope = np.subtract(1, y, out=work)
        slope *= y
        g *= slope
        return g

    @staticmethod
    def scalar_forward(x: float) -> float:
        """(1 + tanh(x / 2)) / 2, as ``forward_`` computes it."""
        return math.tanh(x * 0.5) * 0.5 + 0.5

    @staticmethod
    def scalar_slope(y: float) -> float:
        return (1 - y) * y


@registry.register("tanh")
class Tanh(Activation):
    """Hyperbolic tangent.

    .. math:: f(x) = \\tanh x = \\frac{e^x - e^{-x}}{e^x + e^{-x}}, \\quad f'(x) = 1 - \\tanh^2 x
    """

    name = "tanh"
    formula = r"f(x) = \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"
    family = "tanh"
    saturation_limit = 3.0
    max_derivative = 1.0

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        y = np.tanh(x)
        return 1 - y * y

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g * (1 - y * y)

    def forward_(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x, out=x)

    def backward_(self, y: np.ndarray, g: np.ndarray, work: np.ndarray) -> np.ndarray:
        """g * (1 - y^2), the derivative from the output."""
        slope = np.multiply(y, y, out=work)
        np.subtract(1, slope, out=slope)
        g *= slope
        return g

    @staticmethod
    def scalar_forward(x: float) -> float:
        return math.tanh(x)

    @staticmethod
    def scalar_slope(y: float) -> float:
        return 1 - y * y


@registry.register("relu")
class ReLU(Activation):
    """Rectified linear unit (Nair & Hinton, 2010); f'(0) = 0 as in PyTorch.

    .. math:: f(x) = \\max(0, x), \\quad f'(x) = [x > 0]
    """

    name = "relu"
    formula = r"f(x) = \max(0, x)"
    family = "relu"
    recommended_initializer = "he_uniform"
    can_die = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return (x > 0).astype(x.dtype)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g * (y > 0)

    def forward_(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0, out=x)

    def backward_(self, y: np.ndarray, g: np.ndarray, work: np.ndarray) -> np.ndarray:
        """g * [y > 0]: y > 0 exactly where x > 0, and f'(0) = 0."""
        return np.multiply(g, y > 0, out=g)

    @staticmethod
    def scalar_forward(x: float) -> float:
        """max(x, 0), written so that NaN stays NaN as in ``np.maximum``."""
        return 0.0 if x < 0 else x

    @staticmethod
    def scalar_slope(y: float) -> float:
        return 1.0 if y > 0 else 0.0


@registry.register("leaky_relu")
class LeakyReLU(Activation):
    """Leaky ReLU (Maas, Hannun & Ng, 2013); f'(0) = alpha as in PyTorch.

    .. math:: f(x) = \\begin{cases} x & x > 0 \\\\ \\alpha x & x \\le 0 \\end{cases}

    ``alpha`` is PyTorch's ``negative_slope`` (default 0.01).
    """

    name = "leaky_relu"
    formula = r"f(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}"
    family = "relu"
    recommended_initializer = "he_uniform"

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = _real(alpha, "alpha", self.name)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, x * self.alpha)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, np.ones_like(x), self.alpha)

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return np.where(x > 0, g, g * self.alpha)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


@registry.register("elu")
class ELU(Activation):
    """Exponential linear unit (Clevert, Unterthiner & Hochreiter, 2015, arXiv:1511.07289).

    .. math:: f(x) = \\begin{cases} x & x > 0 \\\\ \\alpha (e^x - 1) & x \\le 0 \\end{cases},
              \\quad f'(x) = \\begin{cases} 1 & x > 0 \\\\ \\alpha e^x & x \\le 0 \\end{cases}

    f'(0) = alpha, as PyTorch's autograd gives.
    """

    name = "elu"
    formula = r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}"
    family = "relu"
    recommended_initializer = "he_uniform"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _real(alpha, "alpha", self.name)

    def forward(self, x: np.ndarray) -> np.ndarray:
        # min(x, 0) keeps exp from overflowing on the branch np.where discards
        return np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, 1.0, self.alpha * np.exp(np.minimum(x, 0)))

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@registry.register("selu")
class SELU(ELU):
    """Scaled ELU (Klambauer, Unterthiner, Mayr & Hochreiter, 2017, "Self-Normalizing Neural
    Networks", arXiv:1706.02515).

    .. math:: f(x) = \\lambda \\begin{cases} x & x > 0 \\\\
              \\alpha (e^x - 1) & x \\le 0 \\end{cases}

    with the fixed constants alpha = 1.6732632423543772848170429916717 and
    lambda = 1.0507009873554804934193349852946, which keep activations at zero
    mean and unit variance (pair it with ``lecun_normal`` initialization).
    """

    name = "selu"
    family = "selu"
    recommended_initializer = "lecun_normal"
    formula = (
        r"f(x) = \lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}"
        r",\ \alpha \approx 1.6733,\ \lambda \approx 1.0507"
    )

    def __init__(self) -> None:
        super().__init__(alpha=_SELU_ALPHA)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return _SELU_SCALE * super().forward(x)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return _SELU_SCALE * super().derivative(x)

    def get_config(self) -> dict[str, Any]:
        return {}


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_KAPPA = 0.044715


@registry.register("gelu")
class GELU(Activation):
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016, arXiv:1606.08415).

    .. math:: f(x) = x \\Phi(x) = \\frac{x}{2}\\left(1 + \\operatorname{erf}(x/\\sqrt{2})\\right),
              \\quad f'(x) = \\Phi(x) + x \\varphi(x)

    ``approximate=True`` (or ``"tanh"``) uses the paper's tanh approximation, as
    PyTorch's ``approximate='tanh'``:
    :math:`\\frac{x}{2}\\left(1 + \\tanh\\left(\\sqrt{2/\\pi}(x + 0.044715 x^3)\\right)\\right)`.
    """

    name = "gelu"
    family = "relu"
    recommended_initializer = "he_uniform"
    formula = r"f(x) = x \, \Phi(x) = \frac{x}{2}\left(1 + \mathrm{erf}(x / \sqrt{2})\right)"

    def __init__(self, approximate: bool | str = False) -> None:
        if approximate in (True, "tanh"):
            self.approximate = True
        elif approximate in (False, "none"):
            self.approximate = False
        else:
            raise ValueError(
                f"gelu: approximate must be False/'none' (exact, erf) or "
                f"True/'tanh', got {approximate!r}"
            )

    def _tanh_inner(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(_SQRT_2_OVER_PI * (x + _GELU_KAPPA * x * x * x))

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.approximate:
            return 0.5 * x * (1 + self._tanh_inner(x))
        return x * _normal_cdf(x)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        if self.approximate:
            t = self._tanh_inner(x)
            # past |x| = 10 the tanh is saturated (1 - t^2 == 0 in float64) and x^2 may
            # overflow: the second term is 0 there, not inf * 0 = NaN
            near = np.clip(x, -10, 10)
            slope = _SQRT_2_OVER_PI * (1 + 3 * _GELU_KAPPA * near * near)
            return 0.5 * (1 + t) + 0.5 * near * (1 - t * t) * slope
        return _normal_cdf(x) + x * (_INV_SQRT_2PI * np.exp(-0.5 * x * x))

    def get_config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


@registry.register("silu", "swish")
class SiLU(Activation):
    """Sigmoid linear unit, a.k.a. swish (Elfwing, Uchibe & Doya, 2017; Ramachandran et al., 2017).

    .. math:: f(x) = x \\sigma(x), \\quad f'(x) = \\sigma(x)\\left(1 + x(1 - \\sigma(x))\\right)
    """

    name = "silu"
    family = "relu"
    recommended_initializer = "he_uniform"
    formula = r"f(x) = x \, \sigma(x) = \frac{x}{1 + e^{-x}}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * _sigmoid(x)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        s = _sigmoid(x)
        return s * (1 + x * (1 - s))


@registry.register("softplus")
class Softplus(Activation):
    """Softplus, a smooth ReLU (Dugas et al., 2001), with PyTorch's ``beta`` and ``threshold``.

    .. math:: f(x) = \\frac{1}{\\beta} \\log(1 + e^{\\beta x}), \\quad f'(x) = \\sigma(\\beta x)

    Where :math:`\\beta x > \\text{threshold}` (default 20) it is exactly ``x``, as in
    PyTorch; elsewhere it is computed without overflow.
    """

    name = "softplus"
    family = "softplus"
    formula = r"f(x) = \frac{1}{\beta} \log\left(1 + e^{\beta x}\right)"

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        self.beta = _real(beta, "beta", self.name)
        if self.beta == 0:
            raise ValueError("softplus: beta must be non-zero, got 0")
        self.threshold = _real(threshold, "threshold", self.name)

    def _beta_x(self, x: np.ndarray) -> np.ndarray:
        return x if self.beta == 1 else x * self.beta

    def forward(self, x: np.ndarray) -> np.ndarray:
        bx = self._beta_x(x)
        smooth = _log1p_exp(bx) if self.beta == 1 else _log1p_exp(bx) / self.beta
        return np.where(bx > self.threshold, x, smooth)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        bx = self._beta_x(x)
        return np.where(bx > self.threshold, 1.0, _sigmoid(bx))

    def get_config(self) -> dict[str, Any]:
        return {"beta": self.beta, "threshold": self.threshold}


@registry.register("softsign")
class Softsign(Activation):
    """Softsign (Bergstra et al., 2009; Glorot & Bengio, 2010).

    .. math:: f(x) = \\frac{x}{1 + |x|}, \\quad f'(x) = \\frac{1}{(1 + |x|)^2}
    """

    name = "softsign"
    family = "tanh"
    max_derivative = 1.0
    formula = r"f(x) = \frac{x}{1 + |x|}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x / (1 + np.abs(x))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        d = 1 + np.abs(x)
        return 1 / (d * d)


@registry.register("hard_sigmoid")
class HardSigmoid(Activation):
    """Piecewise-linear sigmoid, PyTorch's ``hardsigmoid`` (Courbariaux et al., 2015; MobileNetV3).

    .. math:: f(x) = \\frac{\\operatorname{relu6}(x + 3)}{6}, \\quad f'(x) = \\frac{[-3 < x < 3]}{6}
    """

    name = "hard_sigmoid"
    family = "sigmoid"
    outputs_probabilities = True
    max_derivative = 1 / 6
    formula = r"f(x) = \frac{\min(\max(0, x + 3), 6)}{6}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x + 3, 0, 6) / 6

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return _inside(x, -3, 3) / 6


@registry.register("hard_tanh")
class HardTanh(Activation):
    """Hard tanh, a clamp to [min_val, max_val] (Collobert, 2004); PyTorch's ``hardtanh``.

    .. math:: f(x) = \\min(\\max(x, a), b), \\quad f'(x) = [a < x < b]

    The derivative at the kinks x = a and x = b is 0, as PyTorch's autograd gives.
    """

    name = "hard_tanh"
    family = "tanh"
    max_derivative = 1.0
    formula = r"f(x) = \max(-1, \min(1, x))"

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        self.min_val = _real(min_val, "min_val", self.name)
        self.max_val = _real(max_val, "max_val", self.name)
        if self.min_val >= self.max_val:
            raise ValueError(
                f"{self.name}: min_val must be below max_val, got "
                f"min_val={min_val!r}, max_val={max_val!r}"
            )

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.min_val, self.max_val)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return _inside(x, self.min_val, self.max_val)

    def get_config(self) -> dict[str, Any]:
        return {"min_val": self.min_val, "max_val": self.max_val}


@registry.register("relu6")
class ReLU6(HardTanh):
    """ReLU capped at 6 (Krizhevsky, 2010; used in MobileNets); f'(0) = f'(6) = 0 as in PyTorch.

    .. math:: f(x) = \\min(\\max(0, x), 6), \\quad f'(x) = [0 < x < 6]
    """

    name = "relu6"
    family = "relu"
    recommended_initializer = "he_uniform"
    can_die = True
    formula = r"f(x) = \min(\max(0, x), 6)"

    def __init__(self) -> None:
        super().__init__(0.0, 6.0)

    def get_config(self) -> dict[str, Any]:
        return {}


@registry.register("mish")
class Mish(Activation):
    """Mish (Misra, 2019, arXiv:1908.08681).

    .. math:: f(x) = x \\tanh(\\operatorname{softplus}(x)), \\quad
              f'(x) = \\tanh(\\mathrm{sp}(x)) + x \\sigma(x) (1 - \\tanh^2(\\mathrm{sp}(x)))
    """

    name = "mish"
    family = "relu"
    recommended_initializer = "he_uniform"
    formula = r"f(x) = x \tanh\left(\ln\left(1 + e^{x}\right)\right)"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * np.tanh(_log1p_exp(x))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        t = np.tanh(_log1p_exp(x))
        return t + x * _sigmoid(x) * (1 - t * t)


# ---------------------------------------------------------------- along-an-axis activations
class _AxisActivation(Activation):
    """An activation over one axis: each output depends on the whole slice (no element-wise f')."""

    element_wise = False

    def __init__(self, axis: int | None = None, *, dim: int | None = None) -> None:
        axis = resolve_axis(axis, dim, default=-1)  # dim: PyTorch's name
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"{self.name}: axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        raise TypeError(
            f"{self.name} is not element-wise: each output depends on every input along "
            f"axis {self.axis}, so it has no element-wise derivative; use jacobian(x) for the "
            f"[..., n, n] Jacobian, or vjp(x, y, g) for a gradient"
        )

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _shifted(self, x: np.ndarray) -> np.ndarray:
        """x minus its maximum along the axis, so that exp never overflows."""
        return x - np.max(x, axis=self.axis, keepdims=True)

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


@registry.register("softmax")
class Softmax(_AxisActivation):
    """Softmax along ``axis`` (Bridle, 1990), computed on x - max(x) so it never overflows.

    .. math:: f(x)_i = \\frac{e^{x_i}}{\\sum_j e^{x_j}}, \\quad
              \\frac{\\partial f_i}{\\partial x_j} = f_i(\\delta_{ij} - f_j)

    The gradient is taken from the output: :math:`g_x = y \\odot (g - \\sum_j g_j y_j)`.

    >>> import numpy as np
    >>> Softmax().forward(np.array([1000.0, 0.0]))
    array([1., 0.])
    """

    name = "softmax"
    family = "softmax"
    outputs_probabilities = True
    formula = r"f(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(self._shifted(x))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """J[..., i, j] = dy_i / dx_j = y_i (delta_ij - y_j); the axis moved last: [..., n, n]."""
        y = np.moveaxis(self.forward(x), self.axis, -1)
        jac = -y[..., :, None] * y[..., None, :]
        diagonal = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
        diagonal += y
        return jac


@registry.register("log_softmax")
class LogSoftmax(_AxisActivation):
    """Log of the softmax along ``axis``, via log-sum-exp (never log(softmax(x))).

    .. math:: f(x)_i = x_i - \\log \\sum_j e^{x_j}, \\quad
              \\frac{\\partial f_i}{\\partial x_j} = \\delta_{ij} - \\operatorname{softmax}(x)_j

    The gradient is taken from the output: :math:`g_x = g - e^{y} \\sum_j g_j`.
    """

    name = "log_softmax"
    family = "softmax"
    formula = r"f(x)_i = x_i - \log \sum_j e^{x_j}"

    def forward(self, x: np.ndarray) -> np.ndarray:
        shifted = self._shifted(x)
        return shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))

    def vjp(self, x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
        return g - np.exp(y) * g.sum(axis=self.axis, keepdims=True)

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """J[..., i, j] = delta_ij - softmax(x)_j, the axis moved last: shape [..., n, n]."""
        p = np.exp(np.moveaxis(self.forward(x), self.axis, -1))
        n = p.shape[-1]
        return np.eye(n, dtype=p.dtype) - p[..., None, :]


def get(identifier: Any, **options: Any) -> Activation | Any:
    """Resolve an activation from a name/alias (with options), config dict, instance or callable.

    >>> get("leaky_relu", alpha=0.2)
    LeakyReLU(alpha=0.2)
    """
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Primary names of all activations."""
    return registry.names()


def builtin_name(activation: Any) -> str | None:
    """The registered name of ``activation`` when it is an instance of exactly the class
    registered under that name, else None: a subclass (or a custom class borrowing a
    built-in ``name``) may compute something else, so exporters must not map it by name.

    >>> builtin_name(ReLU()), builtin_name(type("Mine", (ReLU,), {})())
    ('relu', None)
    """
    name = getattr(activation, "name", None)
    if not isinstance(activation, Activation) or not isinstance(name, str):
        return None
    try:
        reference = registry.get(name)
    except (TypeError, ValueError):
        return None
    return reference.name if type(activation) is type(reference) else None
