"""Fault injection: nothing a crash, a full disk or a read-only folder does loses a model.

- ``kill -9`` while ``save`` rewrites a file, and while ``fit`` writes ModelCheckpoints:
  the file always loads and holds the old or the new model;
- a write that fails half-way (full disk) or is interrupted: the old file is intact and
  no temporary file is left;
- a read-only folder: a clear ``PermissionError`` naming the file, the old file intact.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import lucidnet as ln
from lucidnet.io import files

SOURCE = str(Path(ln.__file__).parents[1])
KILL_DELAYS = (0.0, 0.05, 0.2)  # seconds after the child starts rewriting

SAVE_LOOP = """
    import sys
    import lucidnet as ln
    folder = sys.argv[1]
    models = []
    for seed in (1, 2):
        ln.manual_seed(seed)
        model = ln.Sequential([ln.layers.Dense(256, input_shape=(256,), name="a"),
                               ln.layers.Dense(256, name="b")])
        model.save(f"{folder}/reference_{seed}.safetensors")
        models.append(model)
    models[0].save(f"{folder}/model.safetensors")
    print("ready", flush=True)
    turn = 0
    while True:
        turn += 1
        models[turn % 2].save(f"{folder}/model.safetensors")
"""

FIT_LOOP = """
    import sys
    import numpy as np
    import lucidnet as ln
    folder = sys.argv[1]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.int64)
    model = ln.Sequential([ln.layers.Dense(64, activation="relu", input_shape=(8,)),
                           ln.layers.Dense(2)])
    model.compile(optimizer="adam", loss="softmax_cross_entropy", lint=False)
    print("ready", flush=True)
    model.fit(x, y, epochs=100000, batch_size=64, verbose=0,
              callbacks=[ln.callbacks.ModelCheckpoint(f"{folder}/checkpoint.safetensors")])
"""


def start(script: str, folder: Path) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SOURCE},
    )
    line = child.stdout.readline()
    assert line == "ready\n", child.stderr.read()
    return child


def kill_9(child: subprocess.Popen, delay: float) -> None:
    time.sleep(delay)
    assert child.poll() is None, child.stderr.read()  # still rewriting when killed
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    child.stdout.close()
    child.stderr.close()


def same_state(a: ln.Module, b: ln.Module) -> bool:
    first, second = a.state_dict(), b.state_dict()
    return list(first) == list(second) and all(np.array_equal(first[k], second[k]) for k in first)


@pytest.mark.parametrize("delay", KILL_DELAYS)
def test_kill_9_during_save_leaves_the_old_or_the_new_model(tmp_path, delay):
    child = start(SAVE_LOOP, tmp_path)
    kill_9(child, delay)
    loaded = ln.load_model(tmp_path / "model.safetensors")
    references = [ln.load_model(tmp_path / f"reference_{seed}.safetensors") for seed in (1, 2)]
    assert any(same_state(loaded, reference) for reference in references)


@pytest.mark.parametrize("delay", KILL_DELAYS)
def test_kill_9_during_fit_with_model_checkpoint_leaves_a_loadable_checkpoint(tmp_path, delay):
    child = start(FIT_LOOP, tmp_path)
    checkpoint = tmp_path / "checkpoint.safetensors"
    for _ in range(3000):  # wait (bounded) for the first checkpoint
        if checkpoint.exists():
            break
        time.sleep(0.01)
    kill_9(child, delay)
    model = ln.load_model(checkpoint)
    assert [v.shape for v in model.state_dict().values()] == [(8, 64), (64,), (64, 2), (2,)]
    assert all(np.isfinite(v).all() for v in model.state_dict().values())
    assert np.isfinite(model.predict(np.ones((2, 8), np.float32))).all()


# ----------------------------------------------------------------------------- failing writes
class FailingFile(io.FileIO):
    """A file whose ``write`` writes half the bytes, then raises ``error`` (a full disk, ...)."""

    error: BaseException = OSError(errno.ENOSPC, "No space left on device")

    def write(self, payload) -> int:
        super().write(bytes(payload)[: len(payload) // 2])
        raise self.error


def fail_writes(monkeypatch, error: BaseException) -> None:
    """Make the atomic writer's ``open`` hand out FailingFiles raising ``error``."""
    monkeypatch.setattr(FailingFile, "error", error)
    monkeypatch.setattr(files, "open", lambda name, mode: FailingFile(name, mode), raising=False)


def refuse_files(monkeypatch) -> None:
    """A read-only folder as root sees it too: creating the file raises EACCES."""

    def refuse(name, mode):
        raise PermissionError(errno.EACCES, "Permission denied", str(name))

    monkeypatch.setattr(files, "open", refuse, raising=False)


@pytest.fixture
def saved(tmp_path) -> tuple[ln.Sequential, Path, bytes]:
    model = ln.Sequential([ln.layers.Dense(3, input_shape=(2,))])
    path = tmp_path / "model.safetensors"
    model.save(path)
    return model, path, path.read_bytes()


FAULTS = {
    "disk_full_half_way": (
        lambda mp: fail_writes(mp, OSError(errno.ENOSPC, "No space left on device")),
        OSError,
        "cannot write .*model.safetensors: No space left",
    ),
    "interrupted_half_way": (
        lambda mp: fail_writes(mp, KeyboardInterrupt()),
        KeyboardInterrupt,
        None,
    ),
    "read_only_folder": (
        refuse_files,
        PermissionError,
        "cannot write .*model.safetensors: Permission denied",
    ),
}


@pytest.mark.parametrize(("inject", "kind", "message"), FAULTS.values(), ids=FAULTS)
@pytest.mark.parametrize("save", ["save", "save_weights"])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    saved, monkeypatch, inject, kind, message, save
):
    model, path, old = saved
    other = ln.Sequential([ln.layers.Dense(3, input_shape=(2,))])
    inject(monkeypatch)
    with pytest.raises(kind, match=message):
        getattr(other, save)(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert same_state(ln.load_model(path), model)


def test_model_checkpoint_into_a_read_only_folder_stops_fit_with_the_file_named(
    tmp_path, monkeypatch
):
    model = ln.Sequential([ln.layers.Dense(2, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse", lint=False)
    refuse_files(monkeypatch)
    checkpoint = ln.callbacks.ModelCheckpoint(tmp_path / "c.safetensors")
    with pytest.raises(PermissionError, match=r"cannot write .*c.safetensors"):
        model.fit(np.ones((4, 2)), np.ones((4, 2)), epochs=2, verbose=0, callbacks=[checkpoint])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root ignores folder permissions (chmod cannot make a folder read-only for root); "
    "the monkeypatched read_only_folder cases above cover the behaviour",
)
def test_a_really_read_only_folder_refuses_the_write_and_keeps_the_old_file(saved):
    _, path, old = saved
    path.parent.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match=r"cannot write .*model.safetensors"):
            ln.Sequential([ln.layers.Dense(3, input_shape=(2,))]).save(path)
    finally:
        path.parent.chmod(0o700)
    assert path.read_bytes() == old


def test_the_cli_reports_a_full_disk_at_save_as_one_line_exit_2(tmp_path, monkeypatch):
    from lucidnet.cli import main

    (tmp_path / "run.toml").write_text(
        '[data]\nbuiltin = "xor"\noptions = {n_samples = 20}\n[model]\nlayers = [{units = 2}]\n'
        "[training]\nepochs = 1\nverbose = 0\n"
    )
    monkeypatch.chdir(tmp_path)
    fail_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    result = CliRunner().invoke(main, ["train", "run.toml"])
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert "run.toml: [output] model: cannot write" in line and "No space left" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]
