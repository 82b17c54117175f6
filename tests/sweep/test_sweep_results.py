"""The results file: one line per trial, resume runs only what is missing, crashes lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sweep_helpers import GRID, build, data, scores

import lucidnet as ln

SRC = Path(__file__).resolve().parents[2] / "src"
HERE = Path(__file__).resolve().parent


class CountingBuild:
    """``build`` that counts its calls (serial backend: they happen in this process)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, hidden: int) -> ln.Sequential:
        self.calls.append(hidden)
        return build(hidden)


def run(build_function, path, **options):
    x, y = data(60)
    settings = {"cv": 2, "epochs": 2, "backend": "serial", "refit": False, "progress": False}
    return ln.sweep(build_function, GRID, x, y, results=path, **{**settings, **options})


def test_one_json_line_per_finished_trial(tmp_path):
    path = tmp_path / "trials.jsonl"
    result = run(build, path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 6
    assert {(line["key"], line["fold"]) for line in lines} == {
        (f'{{"hidden":{h}}}', fold) for h in GRID["hidden"] for fold in (0, 1)
    }
    first = lines[0]
    assert set(first) >= {"sweep", "key", "fold", "seed", "score", "fit_time", "error"}
    assert first["score"] == result.scores[0, 0]


def test_rerun_with_a_complete_file_trains_nothing_and_gives_the_same_table(tmp_path):
    path = tmp_path / "trials.jsonl"
    first = run(build, path)
    counting = CountingBuild()
    again = run(counting, path)
    assert counting.calls == []
    np.testing.assert_array_equal(scores(again), scores(first))
    np.testing.assert_array_equal(again.table["mean_fit_time"], first.table["mean_fit_time"])


def test_rerun_runs_only_the_missing_trials(tmp_path):
    path = tmp_path / "trials.jsonl"
    full = run(build, path)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:4]))  # lose hidden=8's two folds
    counting = CountingBuild()
    resumed = run(counting, path)
    assert counting.calls == [8, 8]
    np.testing.assert_array_equal(scores(resumed), scores(full))
    assert len(path.read_text().splitlines()) == 6


def test_a_torn_last_line_is_ignored_and_cut_off_before_appending(tmp_path):
    path = tmp_path / "trials.jsonl"
    full = run(build, path)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:5]) + lines[5][: len(lines[5]) // 2])
    counting = CountingBuild()
    resumed = run(counting, path)
    assert len(counting.calls) == 1
    np.testing.assert_array_equal(scores(resumed), scores(full))
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_a_grown_grid_reuses_the_trials_already_run(tmp_path):
    path = tmp_path / "trials.jsonl"
    run(build, path)
    counting = CountingBuild()
    x, y = data(60)
    grown = ln.sweep(counting, {"hidden": [*GRID["hidden"], 16]}, x, y, cv=2, epochs=2,
                     backend="serial", refit=False, progress=False, results=path)  # fmt: skip
    assert counting.calls == [16, 16] and len(grown.table) == 4


def test_a_file_from_another_sweep_is_refused(tmp_path):
    path = tmp_path / "trials.jsonl"
    run(build, path)
    with pytest.raises(ValueError, match="written by a different sweep"):
        run(build, path, epochs=3)
    path.write_text("not json\n")
    with pytest.raises(ValueError, match="line 1 is not a trial record"):
        run(build, path)


def test_a_failed_trial_is_stored_with_null_score_and_its_error(tmp_path):
    path = tmp_path / "trials.jsonl"

    def fragile(hidden):
        if hidden == 2:
            raise ValueError("too narrow")
        return build(hidden)

    with pytest.warns(RuntimeWarning):
        run(fragile, path)
    line = json.loads(path.read_text().splitlines()[0])
    assert line["score"] is None and line["error"] == "ValueError: too narrow"
    with pytest.warns(RuntimeWarning):
        again = run(CountingBuild(), path)  # failures are results too: not run again
    assert np.isnan(again.scores[0]).all()


DRIVER = """
import sys
sys.path.insert(0, {here!r})
from sweep_helpers import GRID, KillingBuild, data
import lucidnet as ln
from pathlib import Path

x, y = data(60)
build = KillingBuild(victim=8, marker=Path({marker!r}))
ln.sweep(build, GRID, x, y, cv=2, epochs=2, backend="serial", refit=False, progress=False,
         results={results!r})
"""


def test_a_driver_killed_with_sigkill_resumes_to_the_uninterrupted_table(tmp_path):
    results = tmp_path / "trials.jsonl"
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(DRIVER).format(
            here=str(HERE), marker=str(tmp_path / "killed"), results=str(results)
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }

    def drive() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True
        )

    killed = drive()
    assert killed.returncode == -9, killed.stderr
    assert len(results.read_text().splitlines()) == 4  # hidden=2 and 4 done, 8 killed it
    counting = CountingBuild()
    resumed = run(counting, results)  # the rerun, here: the same sweep, the same file
    assert counting.calls == [8, 8]
    uninterrupted = run(build, tmp_path / "fresh.jsonl")
    np.testing.assert_array_equal(scores(resumed), scores(uninterrupted))
