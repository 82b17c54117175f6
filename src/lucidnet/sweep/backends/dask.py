"""The ``dask`` backend: trials as tasks on a ``dask.distributed`` cluster.

The cluster is ``client=`` (used as is), or a new ``Client(address)`` of a running scheduler,
or, when neither is given, a ``LocalCluster`` of ``n_jobs`` single-threaded worker processes
bound to 127.0.0.1; what this backend creates it closes. The setup and the data are scattered
once (``broadcast=True``, ``hash=False`` so a later sweep never reuses keys being released),
and each trial is one task holding only its (key, fold, seed). When a worker dies, the scheduler
runs its tasks again elsewhere; a trial that has killed several workers comes back as
``KilledWorker`` and is recorded as failed. Should every copy of the data be lost, it is
scattered again and the unfinished trials resubmitted (up to ``RESCATTERS`` times).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import numpy as np

from ..trial import Setup, Trial, failed, run_trial
from .local import workers

RESCATTERS = 3


def run(
    setup: Setup,
    x: np.ndarray,
    y: np.ndarray,
    trials: list[Trial],
    *,
    n_jobs: int | None = None,
    address: str | None = None,
    client: Any = None,
) -> Iterator[dict[str, Any]]:
    """Yield each trial's record as the cluster finishes them."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install 'lucidnet[dask]'"
        ) from error
    with ExitStack() as owned:
        if client is None:
            if address is None:
                address = owned.enter_context(
                    LocalCluster(
                        n_workers=workers(n_jobs, len(trials)),
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=":0",
                    )
                )
            client = owned.enter_context(Client(address))
        yield from _run_on(client, setup, x, y, trials)


def _run_on(
    client: Any, setup: Setup, x: np.ndarray, y: np.ndarray, trials: list[Trial]
) -> Iterator[dict[str, Any]]:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    remaining = dict.fromkeys(trials)
    for _ in range(RESCATTERS + 1):
        shared = client.scatter([setup, x, y], hash=False, broadcast=True)
        futures = {
            client.submit(
                run_trial, *shared, trial, key=f"lucidnet-trial-{uuid.uuid4().hex}", pure=False
            ): trial
            for trial in remaining
        }
        try:
            for future in as_completed(futures):
                trial = futures[future]
                if future.status == "finished":
                    yield future.result()
                elif future.status == "error":
                    error = future.exception()
                    reason = (
                        f"it killed its worker each time it ran ({error})"
                        if isinstance(error, KilledWorker)
                        else f"{type(error).__name__}: {error}"
                    )
                    yield failed(trial, reason)
                else:  # cancelled or lost: its data died with the workers holding it
                    continue
                del remaining[trial]
        finally:
            client.cancel([*futures, *shared])
        if not remaining:
            return
    for trial in remaining:
        yield failed(trial, f"its data was lost {RESCATTERS + 1} times with dead workers")
