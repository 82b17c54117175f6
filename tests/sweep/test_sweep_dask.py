"""The ``dask`` backend on a two-worker LocalCluster: serial's scores, worker and driver kills."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sweep_helpers import GRID, KillingBuild, WaitingBuild, build, data, scores

import lucidnet as ln

distributed = pytest.importorskip("distributed")

SRC = Path(__file__).resolve().parents[2] / "src"
HERE = Path(__file__).resolve().parent
SETTINGS = {"cv": 2, "epochs": 2, "refit": False, "progress": False}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def serial():
    x, y = data(60)
    return scores(ln.sweep(build, GRID, x, y, backend="serial", **SETTINGS))


def test_dask_gives_exactly_the_serial_scores(client, serial):
    x, y = data(60)
    result = ln.sweep(build, GRID, x, y, backend="dask", client=client, **SETTINGS)
    np.testing.assert_array_equal(scores(result), serial)


def test_a_killed_dask_worker_loses_no_trial(client, serial, tmp_path):
    x, y = data(60)
    killer = KillingBuild(victim=4, marker=tmp_path / "killed")
    result = ln.sweep(killer, GRID, x, y, backend="dask", client=client, **SETTINGS)
    assert (tmp_path / "killed").exists()  # a worker did die
    np.testing.assert_array_equal(scores(result), serial)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next test


def test_the_address_of_a_scheduler_is_enough(client, serial):
    x, y = data(60)
    result = ln.sweep(build, GRID, x, y, backend="dask", address=client.scheduler.address,
                      **SETTINGS)  # fmt: skip
    np.testing.assert_array_equal(scores(result), serial)


DRIVER = """
import sys
sys.path.insert(0, {here!r})
from pathlib import Path
from sweep_helpers import GRID, WaitingBuild, data
import lucidnet as ln

x, y = data(60)
build = WaitingBuild(waiter=8, release=Path({release!r}))
ln.sweep(build, GRID, x, y, cv=2, epochs=2, backend="dask", address={address!r}, refit=False,
         progress=False, results={results!r})
"""


def test_a_killed_dask_driver_resumes_to_the_uninterrupted_table(client, serial, tmp_path):
    results, release = tmp_path / "trials.jsonl", tmp_path / "release"
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(DRIVER).format(
            here=str(HERE),
            release=str(release),
            address=client.scheduler.address,
            results=str(results),
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    driver = subprocess.Popen([sys.executable, str(script)], env=env, stderr=subprocess.PIPE)
    try:
        for _ in range(3000):  # until hidden=2 and 4 are recorded (hidden=8 waits for release)
            if results.exists() and len(results.read_text().splitlines()) >= 4:
                break
            assert driver.poll() is None, driver.stderr.read().decode()
            time.sleep(0.02)
        driver.kill()
        assert driver.wait(timeout=60) == -9
    finally:
        release.touch()
        driver.kill()
    assert len(results.read_text().splitlines()) == 4
    x, y = data(60)
    resumed = ln.sweep(WaitingBuild(waiter=8, release=release), GRID, x, y, backend="dask",
                       client=client, results=results, **SETTINGS)  # fmt: skip
    np.testing.assert_array_equal(scores(resumed), serial)
    assert len(results.read_text().splitlines()) == 6


def test_a_local_cluster_is_made_and_closed_when_no_client_is_given(serial):
    x, y = data(60)
    result = ln.sweep(build, GRID, x, y, backend="dask", n_jobs=1, **SETTINGS)
    np.testing.assert_array_equal(scores(result), serial)


class _Future:
    def __init__(self, status, value=None, error=None):
        self.status, self._value, self._error = status, value, error

    def result(self):
        return self._value

    def exception(self):
        return self._error


class _LosingClient:
    """Runs tasks in-process; in the first round the fold-1 tasks lose their data, and the
    hidden=8 tasks always come back as KilledWorker."""

    def __init__(self):
        self.scatters, self.cancelled = 0, []

    def scatter(self, data, hash, broadcast):
        assert hash is False and broadcast is True
        self.scatters += 1
        return data

    def submit(self, function, setup, x, y, trial, key, pure):
        if trial.params["hidden"] == 8:
            worker = SimpleNamespace(address="tcp://127.0.0.1:1")
            return _Future("error", error=distributed.scheduler.KilledWorker(key, worker, 3))
        if self.scatters == 1 and trial.fold == 1:
            return _Future("lost")
        return _Future("finished", function(setup, x, y, trial))

    def cancel(self, futures):
        self.cancelled.append(len(futures))


def test_trials_whose_data_was_lost_are_resubmitted_after_a_new_scatter(monkeypatch, serial):
    monkeypatch.setattr(distributed, "as_completed", iter)
    client = _LosingClient()
    x, y = data(60)
    with pytest.warns(RuntimeWarning, match="2 of 6 trials failed"):
        result = ln.sweep(build, GRID, x, y, backend="dask", client=client, **SETTINGS)
    assert client.scatters == 2 and len(client.cancelled) == 2
    np.testing.assert_array_equal(scores(result)[:2], serial[:2])
    assert all("killed its worker each time" in e["error"] for e in result.errors)
