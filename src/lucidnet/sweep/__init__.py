"""Sweeps: choose the width (and anything else) by trying — ``ln.sweep`` and ``lucidnet sweep``.

``ln.sweep(build, grid, x, y, ...)`` cross-validates every parameter set of a grid on a
backend (``serial``, ``local`` worker processes, a ``dask`` cluster, or ``ray``) and returns
a :class:`SweepResult`. Pieces, one concept each: :mod:`.space` (grid and random search),
:mod:`.seeds` (trial seeds), :mod:`.scoring` (task kind, folds, score), :mod:`.trial` (what a
worker runs), :mod:`.backends`, :mod:`.journal` (the results file), :mod:`.result`
(``SweepResult``), :mod:`.plot`, :mod:`.config` (the ``[sweep]`` table of a CLI config).
Importing this package imports neither pandas, scikit-learn, joblib nor dask.

This package is callable, ``lucidnet.sweep(...)`` being :func:`sweep`, because importing it
binds ``lucidnet.sweep`` to the package, shadowing the function of the same name.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .api import sweep
from .result import SweepResult


class _CallablePackage(types.ModuleType):
    """``lucidnet.sweep`` is both this package and the function :func:`sweep`."""

    def __call__(self, *args: Any, **kwargs: Any) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

__all__ = ["SweepResult", "sweep"]
