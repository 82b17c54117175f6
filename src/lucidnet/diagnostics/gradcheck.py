"""Gradient check: autograd against central finite differences, in float64.

For a function ``f`` of the inputs ``x_1, ..., x_n`` the check reduces the output
to a scalar with a fixed random projection ``v`` (standard normal, seeded, the
shape of the output), so that every output element takes part:

    L(x) = sum_j v_j f_j(x)

and compares, for every element ``k`` of every input, the autograd gradient
``a_k = dL/dx_k`` with the central difference (truncation error O(eps^2))

    n_k = (L(x + eps e_k) - L(x - eps e_k)) / (2 eps).

An element agrees when ``|a_k - n_k| <= atol + rtol |n_k|`` (the test of
``numpy.isclose`` and ``torch.autograd.gradcheck``).  This is the gradient check
of scikit-learn's ``test_mlp.py::test_gradient`` and of CS231n's notes on
neural networks, made to work on any lucidnet function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.tensor import Tensor, no_grad

_PROJECTION_SEED = 0  # fixed, so that a check gives the same verdict every time


@dataclass(frozen=True)
class GradcheckElement:
    """One checked gradient element: which input, where in it, and both values."""

    input_index: int
    index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    def __str__(self) -> str:
        return (
            f"input {self.input_index} at index {self.index}: "
            f"analytic {self.analytic:.8g}, numeric {self.numeric:.8g}"
        )


@dataclass(frozen=True)
class GradcheckResult:
    """Outcome of :func:`gradcheck`; truthy when every gradient element agrees.

    ``worst`` is the element that exceeds its tolerance ``atol + rtol |numeric|``
    by the most (or comes closest to it when all agree); None when the inputs
    have no elements.  ``max_rel_error`` is the largest
    ``|analytic - numeric| / max(|analytic|, |numeric|)`` (0 where both are 0).
    """

    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst: GradcheckElement | None
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        text = (
            f"gradcheck {verdict}: max abs error {self.max_abs_error:.3g}, "
            f"max rel error {self.max_rel_error:.3g} (atol={self.atol:g}, rtol={self.rtol:g})"
        )
        if self.worst is not None:
            text += f"; worst element: {self.worst}"
        return text


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> GradcheckResult:
    """Compare autograd gradients of ``fn`` with central differences, in float64.

    ``inputs`` is a Tensor, an ndarray, or a sequence of them (numbers and lists
    are accepted as inputs too); each is copied to a float64 Tensor with
    ``requires_grad=True`` (the caller's arrays and tensors are never changed)
    and ``fn(*inputs)`` must return a Tensor.  With the output projected on a
    fixed random ``v``, ``L = sum(fn(*x) * v)``, every element ``k`` is checked:

        dL/dx_k (autograd)  vs  (L(x + eps e_k) - L(x - eps e_k)) / (2 eps)

    and agrees when ``|analytic - numeric| <= atol + rtol * |numeric|``.

    Example:

    >>> import numpy as np
    >>> import lucidnet as ln
    >>> from lucidnet.diagnostics.gradcheck import gradcheck
    >>> x = np.array([[0.5, -1.0], [2.0, 0.3]])
    >>> w = np.array([[1.0], [-2.0]])
    >>> result = gradcheck(lambda x, w: (x @ w).exp().sum(), [x, w])
    >>> bool(result), result.max_abs_error < 1e-6
    (True, True)
    """
    if not eps > 0:
        raise ValueError(f"gradcheck eps must be a positive step, got eps={eps!r}")
    tensors = _as_float64_inputs(inputs)
    output = _call(fn, tensors)
    projection = np.random.default_rng(_PROJECTION_SEED).standard_normal(output.shape)
    analytic = _autograd_gradients(output, tensors, projection)
    numeric = _central_differences(fn, tensors, projection, eps)
    if not any(t.size for t in tensors):
        return GradcheckResult(True, 0.0, 0.0, None, atol, rtol)

    a = np.concatenate([g.ravel() for g in analytic])
    n = np.concatenate([g.ravel() for g in numeric])
    abs_error = np.abs(a - n)
    scale = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel_error = np.where(abs_error == 0, 0.0, abs_error / scale)
    # a NaN gradient never agrees: rank it with the infinite errors, above every finite one
    excess = np.nan_to_num(abs_error - (atol + rtol * np.abs(n)), nan=np.inf)
    worst = int(np.argmax(excess))
    return GradcheckResult(
        ok=bool(np.all(excess <= 0)),
        max_abs_error=float(np.max(np.nan_to_num(abs_error, nan=np.inf))),
        max_rel_error=float(np.max(np.nan_to_num(rel_error, nan=np.inf))),
        worst=_locate(worst, analytic, numeric),
        atol=atol,
        rtol=rtol,
    )


def _locate(
    flat_position: int, analytic: list[np.ndarray], numeric: list[np.ndarray]
) -> GradcheckElement:
    """The element at ``flat_position`` of all inputs' gradients laid end to end."""
    for input_index, (a_grad, n_grad) in enumerate(zip(analytic, numeric, strict=True)):
        if flat_position < a_grad.size:
            index = tuple(int(i) for i in np.unravel_index(flat_position, a_grad.shape))
            return GradcheckElement(input_index, index, float(a_grad[index]), float(n_grad[index]))
        flat_position -= a_grad.size
    raise IndexError(flat_position)


def _as_float64_inputs(inputs: Any) -> list[Tensor]:
    """Copy each input to a float64 leaf tensor that requires grad."""
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    tensors = []
    for position, item in enumerate(items):
        data = item.data if isinstance(item, Tensor) else item
        try:
            array = np.asarray(data)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"gradcheck inputs[{position}] must be numeric, got {type(item).__name__}"
            ) from error
        if array.dtype.kind not in "iuf":
            raise ValueError(
                f"gradcheck inputs[{position}] must hold floats (or ints), got dtype "
                f"{array.dtype} from {type(item).__name__}"
            )
        tensors.append(Tensor(np.array(array, dtype=np.float64, copy=True), requires_grad=True))
    return tensors


def _call(fn: Callable[..., Tensor], tensors: list[Tensor]) -> Tensor:
    output = fn(*tensors)
    if not isinstance(output, Tensor):
        raise TypeError(
            f"gradcheck needs fn to return a Tensor, it returned {type(output).__name__}"
        )
    if output.dtype.kind != "f":
        raise TypeError(f"gradcheck needs fn to return a floating Tensor, got dtype {output.dtype}")
    return output


def _autograd_gradients(
    output: Tensor, tensors: list[Tensor], projection: np.ndarray
) -> list[np.ndarray]:
    """dL/dx for every input, L = sum(output * projection); zeros where no gradient flows."""
    if output.requires_grad:
        output.backward(projection)
    return [
        np.zeros(t.shape) if t.grad is None else np.asarray(t.grad, np.float64) for t in tensors
    ]


def _central_differences(
    fn: Callable[..., Tensor], tensors: list[Tensor], projection: np.ndarray, eps: float
) -> list[np.ndarray]:
    """(L(x + eps e_k) - L(x - eps e_k)) / (2 eps) for every element k of every input."""
    gradients = []
    with no_grad():
        for t in tensors:
            values = t.data  # our own float64 copy, perturbed in place and restored
            gradient = np.zeros(values.shape)
            for index in np.ndindex(*values.shape):
                center = values[index]
                values[index] = center + eps
                upper = _projected(fn, tensors, projection)
                values[index] = center - eps
                lower = _projected(fn, tensors, projection)
                values[index] = center
                gradient[index] = (upper - lower) / (2 * eps)
            gradients.append(gradient)
    return gradients


def _projected(fn: Callable[..., Tensor], tensors: list[Tensor], projection: np.ndarray) -> float:
    """L = sum(fn(*tensors) * projection), in float64."""
    return float(np.sum(_call(fn, tensors).data * projection))


__all__ = ["GradcheckElement", "GradcheckResult", "gradcheck"]
