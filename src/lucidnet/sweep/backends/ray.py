"""The ``ray`` backend (optional, ``pip install 'lucidnet[ray]'``): trials as plain Ray tasks.

Ray is started with ``ray.init(address)`` unless it already runs (``address=None`` starts a
local instance); the setup and data go to the object store once; a task whose worker dies is
retried by Ray (``max_retries=3``) and recorded as failed after that. Ray Tune is not used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..trial import Setup, Trial, failed, run_trial
from .local import ONE_THREAD


def run(
    setup: Setup,
    x: np.ndarray,
    y: np.ndarray,
    trials: list[Trial],
    *,
    address: str | None = None,
    **_: Any,
) -> Iterator[dict[str, Any]]:
    """Yield each trial's record as Ray finishes them."""
    try:
        import ray
    except ImportError as error:
        raise ImportError("backend='ray' needs Ray: pip install 'lucidnet[ray]'") from error
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1, max_retries=3, runtime_env={"env_vars": ONE_THREAD})
        task = remote(run_trial)
        shared = [ray.put(setup), ray.put(x), ray.put(y)]
        pending = {task.remote(*shared, trial): trial for trial in trials}
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            trial = pending.pop(ref)
            try:
                yield ray.get(ref)
            except ray.exceptions.RayError as error:
                yield failed(trial, f"{type(error).__name__}: {error}")
    finally:
        if started:
            ray.shutdown()
