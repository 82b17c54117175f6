"""Where trials run. Each backend yields one record per trial as trials finish (any order).

* ``serial``: one after another in this process.
* ``local``: ``n_jobs`` worker processes on this machine (joblib's loky), data sent once per
  worker; a trial lost with a dead worker runs again.
* ``dask``: a ``dask.distributed`` cluster (``client=``, ``address=`` of a scheduler, or a
  local cluster); data scattered once; the scheduler reruns a trial whose worker died.
* ``ray``: plain Ray tasks (``pip install 'lucidnet[ray]'``).

Whatever the backend, a record is ``run_trial(setup, x, y, trial)`` (:mod:`..trial`), so scores
are the same bits everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..trial import Setup, Trial

BACKENDS = ("serial", "local", "dask", "ray")


def run_trials(
    backend: str,
    setup: Setup,
    x: np.ndarray,
    y: np.ndarray,
    trials: list[Trial],
    *,
    n_jobs: int | None = None,
    address: str | None = None,
    client: Any = None,
) -> Iterator[dict[str, Any]]:
    """Run ``trials`` on ``backend``, yielding each result record as it arrives."""
    if not trials:
        return iter(())
    if backend == "serial":
        from .serial import run
    elif backend == "local":
        from .local import run
    elif backend == "dask":
        from .dask import run
    elif backend == "ray":
        from .ray import run
    else:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    return run(setup, x, y, trials, n_jobs=n_jobs, address=address, client=client)
