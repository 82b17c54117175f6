"""The search space: which parameter sets a sweep tries, and the canonical key of each.

A grid is scikit-learn's ``ParameterGrid`` input: a dict mapping each parameter name
to a list of values (every combination is tried) or a list of such dicts (the union).
``search="random"`` samples ``n_iter`` of them with ``ParameterSampler`` (without
repeats when every value is a list). A parameter set's key is its canonical JSON,
``json.dumps(params, sort_keys=True)`` with tuples as lists and NumPy scalars as
numbers, so ``{"hidden": (16,)}`` and ``{"hidden": [16]}`` are the same trial.

>>> [canonical(p) for p in candidates({"hidden": [[4], [8]], "lr": [0.01]}, "grid", 10, 0)]
['{"hidden":[4],"lr":0.01}', '{"hidden":[8],"lr":0.01}']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import check_choice

SEARCHES = ("grid", "random")


def candidates(grid: Any, search: str, n_iter: int, random_state: int) -> list[dict[str, Any]]:
    """The parameter sets to try, in scikit-learn's order, each once (by canonical key)."""
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    search = check_choice(search, "search", SEARCHES)
    _check_grid(grid)
    try:
        if search == "grid":
            found = list(ParameterGrid(grid))
        else:
            found = list(ParameterSampler(grid, n_iter=n_iter, random_state=random_state))
    except (TypeError, ValueError) as error:
        raise ValueError(f"grid: {error}") from None
    unique: dict[str, dict[str, Any]] = {}
    for params in found:
        unique.setdefault(canonical(params), params)
    return list(unique.values())


def _check_grid(grid: Any) -> None:
    dicts = [grid] if isinstance(grid, Mapping) else grid
    if isinstance(grid, (str, bytes)) or not isinstance(dicts, Sequence) or not dicts:
        raise TypeError(
            f"grid must be a dict of lists, e.g. {{'hidden': [[16], [32]]}}, or a non-empty "
            f"list of such dicts; got {grid!r}"
        )
    for entry in dicts:
        if not isinstance(entry, Mapping):
            raise TypeError(f"grid: each entry must be a dict of lists, got {entry!r}")
        for name in entry:
            if not isinstance(name, str):
                raise TypeError(f"grid: parameter names must be strings, got {name!r}")


def canonical(params: Mapping[str, Any]) -> str:
    """Canonical JSON of a parameter set: sorted keys, no spaces, tuples as lists."""
    return json.dumps(
        {name: _plain(name, value) for name, value in params.items()},
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    )


def _plain(name: str, value: Any) -> Any:
    """``value`` as JSON data; functions and classes by their import path."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(name, item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(name, item) for key, item in value.items()}
    if callable(value) and hasattr(value, "__qualname__") and "<" not in value.__qualname__:
        return f"{value.__module__}.{value.__qualname__}"
    raise TypeError(
        f"grid: parameter {name!r} has the value {value!r}, which has no stable name; use "
        "numbers, strings, booleans, None, lists of them, or module-level functions/classes"
    )
