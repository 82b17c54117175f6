"""Weight initializers: constants, plain random draws and the variance-scaling family.

Weight layout, stated once: a lucidnet ``Dense`` weight has shape
``(in_features, units)`` and ``y = x @ W + b``, so for a 2-D shape
``fan_in = shape[0]`` and ``fan_out = shape[1]`` (PyTorch stores ``(out, in)``;
the formulas below are PyTorch's and Keras's, written in lucidnet's layout).

Every initializer is an :class:`Initializer` object, a callable
``init(shape, rng=None, dtype=None) -> ndarray``.  Draws are made in float64
and rounded to ``dtype`` (the default dtype when None), so float32 and
float64 weights from the same seed agree to float32 precision.

Xavier/Glorot, He/Kaiming, LeCun and "standard" are thin wrappers over one
core, :class:`VarianceScaling` (Keras's meaning): with ``n`` the fan chosen by
``mode`` the target variance is ``scale / n`` and

* ``"uniform"``: U(-limit, limit) with ``limit = sqrt(3 * scale / n)``;
* ``"untruncated_normal"``: N(0, std^2) with ``std = sqrt(scale / n)``;
* ``"truncated_normal"``: N(0, s^2) cut at +-2 s, ``s = sqrt(scale / n) / 0.87962566103423978``
  (the std of a standard normal cut at +-2), so the sample std is still ``sqrt(scale / n)``.

``get(name, **options)`` resolves a name, alias, config dict, instance or
callable; ``available()`` lists the names.  PyTorch-style helpers with a
trailing underscore (``xavier_normal_(layer.weight)``) fill a parameter in place.

>>> w = get("he_uniform")((4, 3), rng=0)  # ln.init.get once exported
>>> w.shape, w.dtype.name
((4, 3), 'float32')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._checks import check_bool, check_choice, check_real
from .._registry import Configurable, Registry
from ..engine.dtype import resolve_dtype
from ..engine.random import get_rng
from . import activations

Shape = int | Iterable[int]
Rng = np.random.Generator | int | None

# Standard deviation of N(0, 1) truncated to [-2, 2] (Keras's correction constant).
TRUNCATED_STD_RATIO = 0.87962566103423978

_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


# --- argument checks (errors raised where the value enters) -----------------


def _real(value: Any, argument: str) -> float:
    return check_real(value, argument)


def _positive(value: Any, argument: str) -> float:
    return check_real(value, argument, low=0, closed="neither")


def _bound(value: Any, argument: str) -> float:
    """A real number or +-inf (a truncation bound)."""
    return check_real(value, argument, finite=False)


def _ordered(low: float, high: float, names: tuple[str, str]) -> None:
    if not low < high:
        raise ValueError(f"{names[0]}={low!r} must be smaller than {names[1]}={high!r}")


def _choice(value: Any, choices: Iterable[str], argument: str) -> str:
    return check_choice(value, argument, choices)


def _flag(value: Any, argument: str) -> bool:
    return check_bool(value, argument)


def _as_shape(shape: Shape) -> tuple[int, ...]:
    """``shape`` as a tuple of positive ints (an int is a 1-D shape)."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        dims = None
    if dims is None or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0 for d in dims
    ):
        raise ValueError(f"shape={shape!r} must be a tuple of positive ints, e.g. (784, 128)")
    return tuple(int(d) for d in dims)


# --- fans, gains and the truncated normal -----------------------------------


def compute_fans(shape: Shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of ``shape`` in lucidnet's ``(in, out)`` layout.

    * 2-D ``(in_features, units)``: ``fan_in = shape[0]``, ``fan_out = shape[1]``;
    * 1-D ``(n,)`` (a bias): ``fan_in = fan_out = n``; 0-D: both 1;
    * more dimensions (Keras's convention, last two axes are in and out):
      ``fan_in = shape[-2] * r``, ``fan_out = shape[-1] * r`` with the receptive
      field ``r = prod(shape[:-2])``.

    >>> compute_fans((400, 300))
    (400, 300)
    """
    shape = _as_shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


# nonlinearity -> gain(negative_slope); aliases map onto PyTorch's names.
_GAINS: dict[str, Callable[[float], float]] = {
    **dict.fromkeys(
        (
            "linear",
            "conv1d",
            "conv2d",
            "conv3d",
            "conv_transpose1d",
            "conv_transpose2d",
            "conv_transpose3d",
            "sigmoid",
        ),
        lambda slope: 1.0,
    ),
    "tanh": lambda slope: 5.0 / 3,
    "relu": lambda slope: math.sqrt(2.0),
    "leaky_relu": lambda slope: math.sqrt(2.0 / (1 + slope**2)),
    "selu": lambda slope: 3.0 / 4,
}
_GAIN_ALIASES = {"identity": "linear", "logistic": "sigmoid"}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The recommended gain for ``nonlinearity``, with exactly PyTorch's values.

    ================================  ==========================================
    nonlinearity                      gain
    ================================  ==========================================
    linear (identity), conv*, sigmoid 1
    tanh                              5/3
    relu                              sqrt(2)
    leaky_relu                        sqrt(2 / (1 + negative_slope^2)),
                                      ``param`` = negative_slope, default 0.01
    selu                              3/4
    ================================  ==========================================

    The gain multiplies the std (and uniform limit) of the Xavier and Kaiming
    initializers so that the activation keeps the signal's variance (He et al.,
    2015, "Delving Deep into Rectifiers"); ``param`` is ignored except for leaky_relu.

    >>> round(calculate_gain("leaky_relu", 0.2), 6)
    1.38675
    """
    if not isinstance(nonlinearity, str):
        raise ValueError(f"nonlinearity={nonlinearity!r} must be a string")
    key = _GAIN_ALIASES.get(nonlinearity.lower(), nonlinearity.lower())
    if key not in _GAINS:
        valid = ", ".join(sorted([*_GAINS, *_GAIN_ALIASES]))
        raise ValueError(f"unknown nonlinearity={nonlinearity!r}; valid: {valid}")
    slope = 0.01 if param is None else param
    if key == "leaky_relu":
        slope = _real(slope, "param (negative_slope)")
    return _GAINS[key](slope)


def _normal_mass(lower: float, upper: float) -> float:
    """P(lower <= Z <= upper) for Z ~ N(0, 1)."""
    return 0.5 * (math.erfc(lower / math.sqrt(2)) - math.erfc(upper / math.sqrt(2)))


def _truncated_standard_normal(
    lower: float, upper: float, size: int, rng: np.random.Generator
) -> np.ndarray:
    """``size`` exact draws from N(0, 1) restricted to [lower, upper], by rejection.

    Proposals (Robert, 1995, "Simulation of truncated normal variables"): plain
    normal draws when the interval holds at least 30% of the mass; uniform draws
    on a narrow interval around 0; a shifted exponential in a tail.  Every case
    accepts at least about half its proposals, even far in the tail.
    """
    if upper <= 0:  # mirror a left-side interval onto the right
        return -_truncated_standard_normal(-upper, -lower, size, rng)
    mass = _normal_mass(lower, upper)

    def propose(count: int) -> np.ndarray:
        if mass >= 0.3:
            z = rng.standard_normal(count)
            return z[(z >= lower) & (z <= upper)]
        if lower <= 0:  # narrow interval around 0: density ratio is exp(-z^2/2)
            z = rng.uniform(lower, upper, count)
            return z[rng.random(count) < np.exp(-0.5 * z**2)]
        # Tail [lower, upper], lower > 0: exponential of the optimal rate, cut at upper.
        rate = 0.5 * (lower + math.sqrt(lower**2 + 4))
        kept_mass = -math.expm1(-rate * (upper - lower))
        z = lower - np.log1p(-rng.random(count) * kept_mass) / rate
        return z[rng.random(count) < np.exp(-0.5 * (z - rate) ** 2)]

    acceptance = mass if mass >= 0.3 else 0.5
    draws: list[np.ndarray] = []
    missing = size
    while missing > 0:
        accepted = propose(int(missing / acceptance * 1.1) + 16)
        draws.append(accepted)
        missing -= accepted.size
    return np.concatenate(draws)[:size]


# --- the initializer objects ------------------------------------------------


class Initializer(Configurable):
    """Base class: subclasses define ``sample(shape, rng) -> float64 ndarray``.

    ``init(shape, rng=None, dtype=None)``: ``rng`` None uses lucidnet's global
    generator (``ln.manual_seed``), an int seeds a fresh one, a Generator is
    used as is; ``dtype`` None gives the default dtype (float32 unless changed).
    """

    name = "initializer"

    def __call__(self, shape: Shape, rng: Rng = None, dtype: object | None = None) -> np.ndarray:
        shape = _as_shape(shape)
        dtype = resolve_dtype(dtype)
        return np.asarray(self.sample(shape, get_rng(rng)), dtype=dtype)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


registry = Registry("initializer", Initializer)


@registry.register("constant")
class Constant(Initializer):
    """W = value everywhere.  (Constant weights make neurons symmetric: use for biases.)

    >>> get("constant", value=0.5)((2,), dtype="float64")
    array([0.5, 0.5])
    """

    name = "constant"

    def __init__(self, value: float = 0.0) -> None:
        self.value = _real(value, "value")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.full(shape, self.value)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


@registry.register("zeros", "zero")
class Zeros(Constant):
    """W = 0 (the default bias).

    >>> get("zeros")(3).tolist()
    [0.0, 0.0, 0.0]
    """

    name = "zeros"

    def __init__(self) -> None:
        super().__init__(0.0)

    def get_config(self) -> dict[str, Any]:
        return {}


@registry.register("ones", "one")
class Ones(Constant):
    """W = 1.

    >>> get("ones")((2, 2)).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    name = "ones"

    def __init__(self) -> None:
        super().__init__(1.0)

    def get_config(self) -> dict[str, Any]:
        return {}


@registry.register("uniform", "random_uniform")
class RandomUniform(Initializer):
    """W ~ U(low, high).

    >>> w = get("uniform", low=-0.1, high=0.1)((3, 2), rng=0)
    >>> bool(abs(w).max() <= 0.1)
    True
    """

    name = "uniform"

    def __init__(self, low: float = 0.0, high: float = 1.0) -> None:
        self.low, self.high = _real(low, "low"), _real(high, "high")
        _ordered(self.low, self.high, ("low", "high"))

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, shape)

    def get_config(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high}


@registry.register("normal", "random_normal")
class RandomNormal(Initializer):
    """W ~ N(mean, std^2).

    >>> get("normal", std=0.01)((3, 2), rng=0).shape
    (3, 2)
    """

    name = "normal"

    def __init__(self, mean: float = 0.0, std: float = 1.0) -> None:
        self.mean = _real(mean, "mean")
        self.std = _real(std, "std")
        if self.std < 0:
            raise ValueError(f"std={std!r} must be >= 0")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.normal(self.mean, self.std, shape)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "std": self.std}


@registry.register("truncated_normal")
class TruncatedNormal(Initializer):
    """W ~ N(mean, std^2) conditioned on a <= W <= b, absolute bounds as torch's ``trunc_normal_``.

    Sampled exactly by rejection, far tails included (PyTorch's inverse-CDF
    method loses accuracy there).

    >>> w = get("truncated_normal", mean=1.0, std=2.0, a=0.0, b=3.0)((100,), rng=0)
    >>> bool(w.min() >= 0 and w.max() <= 3)
    True
    """

    name = "truncated_normal"

    def __init__(
        self, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
    ) -> None:
        self.mean = _real(mean, "mean")
        self.std = _positive(std, "std")
        self.a, self.b = _bound(a, "a"), _bound(b, "b")
        _ordered(self.a, self.b, ("a", "b"))

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        lower, upper = (self.a - self.mean) / self.std, (self.b - self.mean) / self.std
        z = _truncated_standard_normal(lower, upper, math.prod(shape), rng)
        # Rounding in mean + std * z can step a hair outside [a, b].
        return np.clip(self.mean + self.std * z, self.a, self.b).reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "std": self.std, "a": self.a, "b": self.b}


@registry.register("variance_scaling")
class VarianceScaling(Initializer):
    """Keras's variance scaling, the core of Xavier, He, LeCun and standard init.

    With ``n`` = fan_in, fan_out or (fan_in + fan_out) / 2 as ``mode`` says (see
    :func:`compute_fans`), the weights get variance ``scale / n``:

    * ``distribution="uniform"``: U(-limit, limit), ``limit = sqrt(3 * scale / n)``;
    * ``"untruncated_normal"``: N(0, scale / n);
    * ``"truncated_normal"``: N(0, s^2) cut at +-2 s with
      ``s = sqrt(scale / n) / 0.87962566103423978``, so the std is still sqrt(scale / n).

    >>> w = get("variance_scaling", scale=2.0, mode="fan_in", distribution="uniform")
    >>> bool(abs(w((50, 10), rng=0)).max() <= math.sqrt(6 / 50))
    True
    """

    name = "variance_scaling"

    def __init__(
        self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal"
    ) -> None:
        self.scale = _positive(scale, "scale")
        self.mode = _choice(mode, _MODES, "mode")
        self.distribution = _choice(distribution, _DISTRIBUTIONS, "distribution")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        std = math.sqrt(self.scale / fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0) * std
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "untruncated_normal":
            return std * rng.standard_normal(shape)
        z = _truncated_standard_normal(-2.0, 2.0, math.prod(shape), rng)
        return (std / TRUNCATED_STD_RATIO * z).reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution}


def _normal_kind(truncated: Any) -> str:
    """The VarianceScaling distribution for a normal-family initializer."""
    return "truncated_normal" if _flag(truncated, "truncated") else "untruncated_normal"


@registry.register("standard_uniform", "standard")
class StandardUniform(VarianceScaling):
    """W ~ U(-1/sqrt(d), 1/sqrt(d)), d = fan_in: the "standard initialization" (LeCun et al. 1998, "Efficient BackProp"; PyTorch's nn.Linear default).

    PyTorch's ``nn.Linear`` default (``kaiming_uniform_(a=sqrt(5))``, whose
    gain sqrt(1/3) gives exactly this limit); variance scaling with scale 1/3.

    >>> w = get("standard_uniform")((100, 5), rng=0)
    >>> bool(abs(w).max() <= 0.1)
    True
    """

    name = "standard_uniform"

    def __init__(self) -> None:
        super().__init__(scale=1 / 3, mode="fan_in", distribution="uniform")

    def get_config(self) -> dict[str, Any]:
        return {}


@registry.register("lecun_uniform")
class LecunUniform(VarianceScaling):
    """W ~ U(-sqrt(3/d), sqrt(3/d)), d = fan_in: variance 1/d.

    LeCun, Bottou, Orr & Mueller, 1998, "Efficient BackProp".

    >>> get("lecun_uniform")((30, 20), rng=0).shape
    (30, 20)
    """

    name = "lecun_uniform"

    def __init__(self) -> None:
        super().__init__(scale=1.0, mode="fan_in", distribution="uniform")

    def get_config(self) -> dict[str, Any]:
        return {}


@registry.register("lecun_normal")
class LecunNormal(VarianceScaling):
    """W ~ N(0, 1/d), d = fan_in (``truncated=True``: Keras's truncated variant, same std).

    LeCun et al., 1998, "Efficient BackProp"; the init SELU networks need
    (Klambauer et al., 2017).

    >>> get("lecun_normal", truncated=True)((30, 20), rng=0).shape
    (30, 20)
    """

    name = "lecun_normal"

    def __init__(self, truncated: bool = False) -> None:
        super().__init__(scale=1.0, mode="fan_in", distribution=_normal_kind(truncated))
        self.truncated = bool(truncated)

    def get_config(self) -> dict[str, Any]:
        return {"truncated": self.truncated}


@registry.register("xavier_uniform", "glorot_uniform")
class XavierUniform(VarianceScaling):
    """W ~ U(-limit, limit), limit = gain * sqrt(6 / (fan_in + fan_out)).

    Glorot & Bengio, 2010, "Understanding the difficulty of training deep
    feedforward neural networks": variance gain^2 * 2 / (fan_in + fan_out)
    keeps both forward activations and backward gradients in scale.

    >>> get("glorot_uniform")((30, 20), rng=0).shape
    (30, 20)
    """

    name = "xavier_uniform"

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _positive(gain, "gain")
        super().__init__(scale=self.gain**2, mode="fan_avg", distribution="uniform")

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


@registry.register("xavier_normal", "glorot_normal")
class XavierNormal(VarianceScaling):
    """W ~ N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    ``truncated=True`` gives Keras's truncated variant with the same std.

    >>> get("xavier_normal", gain=calculate_gain("tanh"))((30, 20), rng=0).shape
    (30, 20)
    """

    name = "xavier_normal"

    def __init__(self, gain: float = 1.0, truncated: bool = False) -> None:
        self.gain = _positive(gain, "gain")
        super().__init__(scale=self.gain**2, mode="fan_avg", distribution=_normal_kind(truncated))
        self.truncated = bool(truncated)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, "truncated": self.truncated}


class _Kaiming(VarianceScaling):
    """He et al., 2015: variance gain^2 / fan with gain = calculate_gain(nonlinearity, a)."""

    def __init__(self, a: float, mode: str, nonlinearity: str, distribution: str) -> None:
        self.a = _real(a, "a")
        self.nonlinearity = nonlinearity
        gain = calculate_gain(nonlinearity, self.a)
        super().__init__(gain**2, _choice(mode, ("fan_in", "fan_out"), "mode"), distribution)

    def get_config(self) -> dict[str, Any]:
        return {"a": self.a, "mode": self.mode, "nonlinearity": self.nonlinearity}


@registry.register("kaiming_uniform", "he_uniform")
class KaimingUniform(_Kaiming):
    """W ~ U(-limit, limit), limit = gain * sqrt(3 / fan); relu: sqrt(6 / fan_in).

    He, Zhang, Ren & Sun, 2015, "Delving Deep into Rectifiers".  PyTorch's
    arguments and defaults: ``a`` is the leaky_relu negative slope, ``mode``
    "fan_in" (keeps forward variance) or "fan_out" (backward), and
    ``nonlinearity="leaky_relu"`` with ``a=0`` has relu's gain sqrt(2).

    >>> get("he_uniform")((30, 20), rng=0).shape
    (30, 20)
    """

    name = "kaiming_uniform"

    def __init__(
        self, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
    ) -> None:
        super().__init__(a, mode, nonlinearity, "uniform")


@registry.register("kaiming_normal", "he_normal")
class KaimingNormal(_Kaiming):
    """W ~ N(0, std^2), std = gain / sqrt(fan); relu: sqrt(2 / fan_in) (He et al., 2015).

    Arguments as :class:`KaimingUniform`; ``truncated=True`` gives Keras's
    truncated variant with the same std.

    >>> get("kaiming_normal", mode="fan_out")((30, 20), rng=0).shape
    (30, 20)
    """

    name = "kaiming_normal"

    def __init__(
        self,
        a: float = 0.0,
        mode: str = "fan_in",
        nonlinearity: str = "leaky_relu",
        truncated: bool = False,
    ) -> None:
        super().__init__(a, mode, nonlinearity, _normal_kind(truncated))
        self.truncated = bool(truncated)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "truncated": self.truncated}


@registry.register("orthogonal")
class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain``: W^T W = gain^2 I (tall) or W W^T (wide).

    Saxe, McClelland & Ganguli, 2013, "Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks".  As PyTorch: the QR
    factorisation of a standard normal matrix, with Q's columns multiplied by
    the signs of R's diagonal so that Q is uniform (Haar) on the orthogonal
    group.  Shapes with more than 2 axes are flattened to
    ``(prod(shape[:-1]), shape[-1])`` (Keras's convention: last axis = units).

    >>> w = get("orthogonal")((5, 3), rng=0, dtype="float64")
    >>> bool(np.allclose(w.T @ w, np.eye(3)))
    True
    """

    name = "orthogonal"

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _positive(gain, "gain")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if len(shape) < 2:
            raise ValueError(f"shape={shape!r}: orthogonal init needs 2 or more dimensions")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        gaussian = rng.standard_normal((rows, cols))
        if rows < cols:
            gaussian = gaussian.T
        q, r = np.linalg.qr(gaussian)
        q *= np.where(np.diag(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


def get(identifier: Any, **options: Any) -> Initializer | Any:
    """Resolve an initializer from a name/alias (with options), config dict, instance or callable.

    >>> get("xavier_uniform", gain=2.0)
    XavierUniform(gain=2.0)
    """
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Primary names of all initializers."""
    return registry.names()


# --- Dense(kernel_initializer="auto") ---------------------------------------


def auto_initializer(activation: Any) -> str:
    """The initializer name ``Dense(kernel_initializer="auto")`` uses for ``activation``.

    The activation's class says it (``recommended_initializer``, see
    :mod:`lucidnet.blocks.activations`), which gives:

    ======================================================  ==================
    activation                                              initializer
    ======================================================  ==================
    relu, leaky_relu, elu, gelu, silu (swish), mish,        ``he_uniform``
    relu6, prelu
    selu                                                    ``lecun_normal``
    anything else (None, identity, sigmoid, tanh, softmax)  ``glorot_uniform``
    ======================================================  ==================

    ``activation`` is a name or alias (any case), None, an object with a
    ``recommended_initializer`` (an Activation, a PReLU layer), or one with a ``name``.

    >>> auto_initializer("relu"), auto_initializer("selu"), auto_initializer(None)
    ('he_uniform', 'lecun_normal', 'glorot_uniform')
    """
    recommended = getattr(activation, "recommended_initializer", None)
    if isinstance(recommended, str):
        return recommended
    name = activation if isinstance(activation, str) else getattr(activation, "name", None)
    if not isinstance(name, str):
        return "glorot_uniform"
    if name.lower().strip() == "prelu":  # a layer with a learned slope, not an activation
        from .layers.parametric import PReLU

        return PReLU.recommended_initializer
    try:
        return activations.get(name).recommended_initializer
    except (TypeError, ValueError):  # an unknown name: nothing is known about it
        return "glorot_uniform"


# --- PyTorch-style in-place helpers -----------------------------------------


def _fill_(param: Any, initializer: Initializer, rng: Rng) -> Any:
    """Write ``initializer``'s draw into ``param.data`` (or an ndarray) in place, in its dtype."""
    data = param if isinstance(param, np.ndarray) else getattr(param, "data", None)
    if not isinstance(data, np.ndarray):
        raise TypeError(
            f"param must be a Parameter/Tensor or an ndarray, got {type(param).__name__}"
        )
    data[...] = initializer(data.shape, rng=rng, dtype=data.dtype)
    return param


def zeros_(param: Any, *, rng: Rng = None) -> Any:
    """Fill ``param`` with 0 in place; returns it (``zeros_(layer.bias)``)."""
    return _fill_(param, Zeros(), rng)


def ones_(param: Any, *, rng: Rng = None) -> Any:
    """Fill ``param`` with 1 in place; returns it."""
    return _fill_(param, Ones(), rng)


def constant_(param: Any, value: float, *, rng: Rng = None) -> Any:
    """Fill ``param`` with ``value`` in place; returns it."""
    return _fill_(param, Constant(value), rng)


def uniform_(param: Any, a: float = 0.0, b: float = 1.0, *, rng: Rng = None) -> Any:
    """Fill ``param`` from U(a, b) in place; returns it."""
    return _fill_(param, RandomUniform(a, b), rng)


def normal_(param: Any, mean: float = 0.0, std: float = 1.0, *, rng: Rng = None) -> Any:
    """Fill ``param`` from N(mean, std^2) in place; returns it."""
    return _fill_(param, RandomNormal(mean, std), rng)


def trunc_normal_(
    param: Any,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    *,
    rng: Rng = None,
) -> Any:
    """Fill ``param`` from N(mean, std^2) truncated to the absolute bounds [a, b]; returns it."""
    return _fill_(param, TruncatedNormal(mean, std, a, b), rng)


def standard_uniform_(param: Any, *, rng: Rng = None) -> Any:
    """Fill ``param`` from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (nn.Linear's default); returns it."""
    return _fill_(param, StandardUniform(), rng)


def lecun_uniform_(param: Any, *, rng: Rng = None) -> Any:
    """Fill ``param`` from U(-sqrt(3/fan_in), sqrt(3/fan_in)) in place; returns it."""
    return _fill_(param, LecunUniform(), rng)


def lecun_normal_(param: Any, *, truncated: bool = False, rng: Rng = None) -> Any:
    """Fill ``param`` from N(0, 1/fan_in) in place; returns it."""
    return _fill_(param, LecunNormal(truncated), rng)


def xavier_uniform_(param: Any, gain: float = 1.0, *, rng: Rng = None) -> Any:
    """Fill ``param`` from U(-l, l), l = gain * sqrt(6 / (fan_in + fan_out)); returns it.

    >>> import lucidnet as ln
    >>> w = ln.Parameter(np.empty((4, 3), dtype=np.float32))
    >>> xavier_uniform_(w, rng=0) is w
    True
    """
    return _fill_(param, XavierUniform(gain), rng)


def xavier_normal_(
    param: Any, gain: float = 1.0, *, truncated: bool = False, rng: Rng = None
) -> Any:
    """Fill ``param`` from N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)); returns it."""
    return _fill_(param, XavierNormal(gain, truncated), rng)


def kaiming_uniform_(
    param: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    rng: Rng = None,
) -> Any:
    """Fill ``param`` from U(-l, l), l = gain * sqrt(3 / fan), PyTorch's defaults; returns it."""
    return _fill_(param, KaimingUniform(a, mode, nonlinearity), rng)


def kaiming_normal_(
    param: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    *,
    truncated: bool = False,
    rng: Rng = None,
) -> Any:
    """Fill ``param`` from N(0, std^2), std = gain / sqrt(fan), PyTorch's defaults; returns it."""
    return _fill_(param, KaimingNormal(a, mode, nonlinearity, truncated), rng)


def orthogonal_(param: Any, gain: float = 1.0, *, rng: Rng = None) -> Any:
    """Fill ``param`` with a (semi-)orthogonal matrix times ``gain``; returns it."""
    return _fill_(param, Orthogonal(gain), rng)
