"""``lucidnet sweep CONFIG.toml``: writes table, plot and best model, resumes, refuses bad configs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from lucidnet.cli.config import load_config
from lucidnet.cli.main import main
from lucidnet.sweep.config import apply, sweep_settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CONFIG = """
[data]
builtin = "blobs"
options = {{ n_samples = 90, centers = 3, n_features = 4, cluster_std = 3.0 }}
seed = 0

[model]
layers = [{{ units = 8, activation = "tanh" }}, {{ units = 3 }}]

[training]
lr = 0.05
epochs = 2

[sweep]
{sweep}
"""


def write(tmp_path: Path, sweep: str = "hidden = [[2], [4]]\ncv = 2", **replace: str) -> Path:
    text = CONFIG.format(sweep=sweep)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def sweep(*args: str):
    return CliRunner().invoke(main, ["sweep", *args])


def test_sweep_writes_table_plot_best_model_and_resumes(tmp_path):
    config = write(tmp_path)
    first = sweep(str(config), "--backend", "serial", "--out", str(tmp_path / "out"))
    assert first.exit_code == 0, first.output
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        "best_model.safetensors",
        "sweep_hidden.png",
        "table.csv",
        "trials.jsonl",
    ]
    assert "held-out test" in first.output and "{'hidden': [4]}" in first.output
    journal = (out / "trials.jsonl").read_text()
    assert len(journal.splitlines()) == 4
    again = sweep(str(config), "--backend", "serial", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert (out / "trials.jsonl").read_text() == journal  # nothing rerun
    assert _table_lines(again.output) == _table_lines(first.output)
    assert len(_table_lines(first.output)) == 3  # two rows and the best


def _table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "{'hidden'" in line and "trial/s" not in line]


def test_default_out_folder_sits_beside_the_config(tmp_path):
    config = write(tmp_path, "hidden = [2]\ncv = 2\nbackend = 'serial'")
    assert sweep(str(config)).exit_code == 0
    assert (tmp_path / "config-sweep" / "table.csv").exists()


def test_the_digits_example_reads_as_a_sweep_over_six_widths():
    path = EXAMPLES / "digits_sweep.toml"
    grid, options = sweep_settings(load_config(path), path)
    assert grid == {"hidden": [[4], [8], [16], [32], [64], [128]]}
    assert options == {"cv": 3, "random_state": 0}


def test_grid_values_are_put_into_the_model_and_training_tables():
    config = tomllib.loads(CONFIG.format(sweep=""))
    varied = apply(config, {"hidden": [16, 4], "lr": 0.001, "activation": "relu"})
    assert varied["model"]["layers"] == [
        {"units": 16, "activation": "relu"},
        {"units": 4, "activation": "relu"},
        {"units": 3},
    ]
    assert varied["training"]["lr"] == 0.001
    assert config["model"]["layers"][0] == {"units": 8, "activation": "tanh"}  # copied


@pytest.mark.parametrize(
    ("sweep_table", "option", "message"),
    [
        (None, (), "no [sweep] table"),
        ("cv = 2", (), "[sweep] names no grid"),
        ("hidden = [[2]]\nwidth = [3]", (), "unknown key 'width' in [sweep]; valid keys: hidden"),
        ("hidden = [0]", (), "hidden values must be lists of positive layer widths"),
        ("hidden = []", (), "[sweep] hidden must list at least one value"),
        ("lr = 0.1", (), "[sweep] lr must be list, got 0.1"),
        ("hidden = [[2]]\ncv = 1", (), "cv must be at least 2"),
        ("hidden = [[2]]\nscoring = 'r2'", (), "scoring='r2'"),
        ("hidden = [[2]]\nsearch = 'bayes'", (), "search must be one of"),
        ("activation = ['swish2']", (), "unknown activation 'swish2'; valid names: elu,"),
        ("lr = [0.1, -1.0]", (), "invalid lr=-1.0: expected a value in [0, inf) (from [sweep] lr"),
        ("hidden = [[2]]", ("--backend", "threads"), "Invalid value for '--backend'"),
        ("hidden = [[2]]", ("--n-jobs", "0"), "n_jobs must be a nonzero int"),
        ("hidden = [[2]]\naddress = 'tcp://127.0.0.1:1'", (), "address= is a scheduler for"),
    ],
)
def test_bad_configs_exit_2_with_one_line(tmp_path, sweep_table, option, message):
    text = CONFIG.format(sweep=sweep_table or "")
    if sweep_table is None:
        text = text.replace("[sweep]", "")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["sweep", str(path), *option, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert option or str(path) in result.output  # a config mistake names the file
