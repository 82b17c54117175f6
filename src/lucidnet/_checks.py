"""One vocabulary of argument checks, used wherever a value enters the package.

scikit-learn's ``Interval``/``StrOptions`` idea: a check states the expected form
once, and every message reads the same way — the argument's name, the value
received and the form expected::

    units must be an int >= 1, got 0
    momentum must be a real number in [0, 1], got 1.5
    reduction must be one of 'mean', 'sum', 'none', got ''
    from_logits must be True or False, got 1

A value of the wrong *kind* (a string for a number, ``True`` for an int — a bool
is not a number here) raises :class:`ArgumentTypeError`, which is both a
``TypeError`` and a ``ValueError``, so callers that expect either catch it; a
value of the right kind outside its range raises ``ValueError``.  No heavy
imports: every module may use these.

>>> check_int(3, "units", low=1)
3
>>> check_real(0.5, "rate", low=0, high=1, closed="left")
0.5
>>> check_choice("Mean", "reduction", ("mean", "sum", "none"))
'mean'
>>> check_int(True, "units", low=1)
Traceback (most recent call last):
...
lucidnet._checks.ArgumentTypeError: units must be an int >= 1, got True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Literal

import numpy as np

Closed = Literal["both", "left", "right", "neither"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (both a TypeError and a ValueError)."""


def _range_text(low: float | None, high: float | None, closed: Closed) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>=' if closed in ('both', 'left') else '>'} {low:g}"
    if low is None:
        return f" {'<=' if closed in ('both', 'right') else '<'} {high:g}"
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") else ")"
    return f" in {left}{low:g}, {high:g}{right}"


def _inside(value: float, low: float | None, high: float | None, closed: Closed) -> bool:
    if low is not None and (value < low or (value == low and closed in ("right", "neither"))):
        return False
    return not (
        high is not None and (value > high or (value == high and closed in ("left", "neither")))
    )


def _received(value: object) -> str:
    return (
        repr(value)
        if isinstance(value, (bool, int, float, str, np.generic))
        else (f"{type(value).__name__} {value!r}")
    )


def check_int(
    value: object,
    argument: str,
    low: int | None = None,
    high: int | None = None,
    *,
    closed: Closed = "both",
) -> int:
    """``value`` as an int within the interval (bools refused)."""
    if type(value) is int and _inside(value, low, high, closed):  # the common case, at once
        return value
    expected = f"an int{_range_text(low, high, closed)}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{argument} must be {expected}, got {_received(value)}")
    if not _inside(int(value), low, high, closed):
        raise ValueError(f"{argument} must be {expected}, got {_received(value)}")
    return int(value)


def check_real(
    value: object,
    argument: str,
    low: float | None = None,
    high: float | None = None,
    *,
    closed: Closed = "both",
    finite: bool = True,
) -> float:
    """``value`` as a float within the interval; NaN always refused, inf unless ``finite=False``."""
    kind = "a finite real number" if finite else "a real number"
    expected = f"{kind}{_range_text(low, high, closed)}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{argument} must be {expected}, got {_received(value)}")
    number = float(value)
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{argument} must be {expected}, got {_received(value)}")
    if not _inside(number, low, high, closed):
        raise ValueError(f"{argument} must be {expected}, got {_received(value)}")
    return number


def check_bool(value: object, argument: str) -> bool:
    """``value`` as a bool; 0/1 and strings are not accepted in its place."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{argument} must be True or False, got {_received(value)}")
    return bool(value)


def check_choice(value: object, argument: str, choices: Iterable[str]) -> str:
    """``value`` as one of ``choices`` (compared lower-case; the canonical spelling returned)."""
    options = tuple(choices)
    listed = ", ".join(repr(c) for c in options)
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{argument} must be one of {listed}, got {_received(value)}")
    lowered = {c.lower(): c for c in options}
    if value.lower() not in lowered:
        raise ValueError(f"{argument} must be one of {listed}, got {value!r}")
    return lowered[value.lower()]


def check_verbose(value: object, argument: str = "verbose") -> int:
    """A Keras verbosity, 0, 1 or 2 (False and True read as 0 and 1, as Keras reads them)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return check_int(value, argument, low=0, high=2)


def check_positive_int(value: object, argument: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (bools refused); the common case of :func:`check_int`."""
    return check_int(value, argument, low=minimum)
