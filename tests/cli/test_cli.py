"""The ``lucidnet`` command in a subprocess, from a temporary directory, as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lucidnet.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


@pytest.mark.parametrize(
    "command", [[], ["demo"], ["activations"], ["train"], ["summary"], ["predict"]]
)
def test_every_command_has_help(command, tmp_path):
    result = run(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


def test_demo_trains_explains_and_writes_pictures(tmp_path):
    result = run("demo", "--out", "pictures", "--epochs", "60", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert "Total params:" in out and "Test accuracy:" in out and "Lint" in out
    for name in (
        "history.png",
        "decision_boundary.png",
        "health.png",
        "network.png",
        "training_1_hidden.gif",
        "training_3_hidden.gif",
    ):
        path = tmp_path / "pictures" / name
        assert path.stat().st_size > 1000, name
        assert str(path.name) in out


def test_activations_writes_one_png_per_name(tmp_path):
    result = run("activations", "--out", "act", "relu", "sigmoid", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "act").iterdir()) == ["relu.png", "sigmoid.png"]


def test_activations_rejects_an_unknown_name(tmp_path):
    result = run("activations", "--out", "act", "rleu", cwd=tmp_path)
    assert result.returncode != 0
    assert "rleu" in result.stderr and "relu" in result.stderr


def test_train_summary_predict_round_trip(tmp_path):
    config = (EXAMPLES / "spirals.toml").read_text().replace("epochs = 60", "epochs = 5")
    (tmp_path / "spirals.toml").write_text(config)
    result = run("train", "spirals.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (tmp_path / "spirals.safetensors").is_file()
    assert (tmp_path / "spirals-history.csv").read_text().startswith("epoch,loss")

    summary = run("summary", "spirals.safetensors", cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert "Total params: 4,547" in summary.stdout

    np.savetxt(tmp_path / "points.csv", [[0.1, 0.2], [-0.5, 0.3], [0.0, -0.9]], delimiter=",")
    predicted = run("predict", "spirals.safetensors", "points.csv", cwd=tmp_path)
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.strip().splitlines()
    assert lines[0] == "output_0,output_1,output_2" and len(lines) == 4


def test_train_from_csv_example(tmp_path):
    for name in ("iris_csv.toml", "iris.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    result = run("train", "iris_csv.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "test loss" in result.stdout and (tmp_path / "iris.safetensors").is_file()


def test_train_names_a_bad_config_key_and_lists_valid_ones(tmp_path):
    (tmp_path / "bad.toml").write_text(
        '[data]\nbuiltin = "xor"\n[model]\nlayers = [{units=2}]\n[training]\nepoch = 3\n'
    )
    result = run("train", "bad.toml", cwd=tmp_path)
    assert result.returncode != 0
    assert "unknown key 'epoch' in [training]" in result.stderr
    assert "epochs" in result.stderr


def test_missing_files_give_clear_errors(tmp_path):
    result = run("train", "nowhere.toml", cwd=tmp_path)
    assert result.returncode != 0 and "nowhere.toml" in result.stderr
    result = run("summary", "nowhere.safetensors", cwd=tmp_path)
    assert result.returncode != 0 and "does not exist" in result.stderr


def test_predict_rejects_a_csv_with_the_wrong_number_of_columns(tmp_path):
    config = (EXAMPLES / "spirals.toml").read_text().replace("epochs = 60", "epochs = 1")
    (tmp_path / "spirals.toml").write_text(config)
    assert run("train", "spirals.toml", cwd=tmp_path).returncode == 0
    np.savetxt(tmp_path / "three.csv", [[0.1, 0.2, 0.3]], delimiter=",")
    result = run("predict", "spirals.safetensors", "three.csv", cwd=tmp_path)
    assert result.returncode != 0
    assert "3 columns but the model expects 2 features" in result.stderr
