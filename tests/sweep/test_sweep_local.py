"""The ``local`` backend: worker processes give the serial scores bit for bit, and survive death."""

from __future__ import annotations

import numpy as np
import pytest
from sweep_helpers import GRID, KillingBuild, build, data, scores

import lucidnet as ln
from lucidnet.sweep.backends.local import workers

SETTINGS = {"cv": 2, "epochs": 2, "refit": False, "progress": False}


@pytest.fixture(scope="module")
def serial():
    x, y = data(60)
    return scores(ln.sweep(build, GRID, x, y, backend="serial", **SETTINGS))


def test_local_workers_give_exactly_the_serial_scores(serial):
    x, y = data(60)
    result = ln.sweep(build, GRID, x, y, backend="local", n_jobs=2, **SETTINGS)
    np.testing.assert_array_equal(scores(result), serial)


def test_a_killed_worker_loses_no_trial(serial, tmp_path):
    x, y = data(60)
    killer = KillingBuild(victim=4, marker=tmp_path / "killed")
    result = ln.sweep(killer, GRID, x, y, backend="local", n_jobs=2, **SETTINGS)
    assert (tmp_path / "killed").exists()  # a worker did die
    np.testing.assert_array_equal(scores(result), serial)


def test_a_trial_that_always_kills_its_worker_fails_alone(serial):
    x, y = data(60)
    with pytest.warns(RuntimeWarning, match="2 of 6 trials failed"):
        result = ln.sweep(KillingBuild(victim=8), GRID, x, y, backend="local", n_jobs=2, **SETTINGS)
    assert "worker process died each time" in result.errors[0]["error"]
    np.testing.assert_array_equal(scores(result)[:2], serial[:2])
    assert np.isnan(scores(result)[2]).all()


def test_n_jobs_follows_joblib_and_is_capped_by_the_trials(monkeypatch):
    monkeypatch.setattr("joblib.cpu_count", lambda: 8)
    assert [workers(n, 100) for n in (None, 3, -1, -2)] == [8, 3, 8, 7]
    assert workers(None, 2) == 2
    with pytest.raises(ValueError, match="n_jobs must be a nonzero int or None, got 0"):
        workers(0, 10)


def blas_threads(model, x, y):
    """A 'score' that reports how many threads BLAS may use while the trial runs."""
    from threadpoolctl import threadpool_info

    return float(
        max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
    )


def test_every_trial_runs_with_one_blas_thread():
    x, y = data(30)
    for backend in ("serial", "local"):
        result = ln.sweep(build, {"hidden": [2]}, x, y, backend=backend, n_jobs=None,
                          scoring=blas_threads, **{**SETTINGS, "epochs": 1})  # fmt: skip
        assert (result.scores == 1.0).all(), backend
