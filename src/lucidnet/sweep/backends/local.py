"""The ``local`` backend: worker processes on this machine (joblib's loky executor).

Each worker gets the data and the sweep's setup once, when it starts, and BLAS is held to one
thread in it (two BLAS threads per worker on a busy machine cost more than they give). At most
two trials per worker are in flight, so a worker that dies loses only those: the driver sees
``TerminatedWorkerError``, starts fresh workers and runs the lost trials again. A trial lost
twice is then run alone; if its worker dies again it is the cause and is recorded as failed
(NaN), so one trial that kills its process (a segfault, the OOM killer) cannot stop the sweep.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

import numpy as np

from ..trial import Setup, Trial, failed, run_trial

ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
}
SUSPECT = 2
"""A trial lost with this many dead workers is next run alone."""

_shared: tuple[Setup, np.ndarray, np.ndarray] | None = None


def _install(setup: Setup, x: np.ndarray, y: np.ndarray) -> None:
    """Worker initializer: keep the sweep's setup and data for every trial this worker runs."""
    global _shared
    _shared = (setup, x, y)


def _run(trial: Trial) -> dict[str, Any]:
    assert _shared is not None, "worker started without _install"
    return run_trial(*_shared, trial)


def workers(n_jobs: int | None, n_trials: int) -> int:
    """joblib's meaning of ``n_jobs`` (None: every core; -1 every core, -2 all but one, ...),
    capped at the number of trials."""
    from joblib import cpu_count

    cores = cpu_count()
    if n_jobs is None:
        wanted = cores
    elif isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a nonzero int or None, got {n_jobs!r}")
    else:
        wanted = int(n_jobs) if n_jobs > 0 else max(1, cores + 1 + int(n_jobs))
    return max(1, min(wanted, n_trials))


def run(
    setup: Setup,
    x: np.ndarray,
    y: np.ndarray,
    trials: list[Trial],
    *,
    n_jobs: int | None = None,
    **_: Any,
) -> Iterator[dict[str, Any]]:
    """Yield each trial's record as workers finish them; rerun trials lost with a dead worker."""
    n_workers = workers(n_jobs, len(trials))
    queue = deque(trials)
    losses: Counter[Trial] = Counter()
    while queue:
        suspect = next((trial for trial in queue if losses[trial] >= SUSPECT), None)
        if suspect is None:
            batch, size = list(queue), n_workers
            queue.clear()
        else:
            queue.remove(suspect)
            batch, size = [suspect], 1
        lost = yield from _run_batch(setup, x, y, batch, size)
        for trial in lost:
            losses[trial] += 1
            if trial == suspect:
                yield failed(
                    trial, "its worker process died each time it ran (TerminatedWorkerError)"
                )
            else:
                queue.append(trial)


def _run_batch(
    setup: Setup, x: np.ndarray, y: np.ndarray, batch: list[Trial], n_workers: int
) -> Iterator[dict[str, Any]]:
    """Run ``batch`` on fresh workers; yield records; return the trials lost if a worker died."""
    from joblib.externals.loky import ProcessPoolExecutor
    from joblib.externals.loky.process_executor import BrokenProcessPool

    executor = ProcessPoolExecutor(
        max_workers=n_workers, initializer=_install, initargs=(setup, x, y), env=ONE_THREAD
    )
    pending = deque(batch)
    running: dict[Any, Trial] = {}
    try:
        while pending or running:
            while pending and len(running) < 2 * n_workers:
                trial = pending.popleft()
                running[executor.submit(_run, trial)] = trial
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            finished = [f for f in done if not isinstance(f.exception(), BrokenProcessPool)]
            for future in finished:
                del running[future]
                yield future.result()
            if len(finished) < len(done):  # a worker died (TerminatedWorkerError)
                return [*running.values(), *pending]
    finally:
        executor.shutdown(wait=False, kill_workers=True)
    return []
