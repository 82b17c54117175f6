"""Every user mistake at the command line: exit code 2 and one line naming the file, key or
column (SPEC §10), never a traceback.  In-process (click's runner) for speed; one subprocess
check that a real run prints no traceback either."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import lucidnet as ln
from lucidnet.cli import main

GOOD = """
[data]
builtin = "xor"
options = { n_samples = 40 }
test_size = 0.25
seed = 0

[model]
layers = [{ units = 4, activation = "relu" }, { units = 2 }]

[training]
optimizer = "adam"
loss = "softmax_cross_entropy"
metrics = ["accuracy"]
epochs = 1
batch_size = 8
verbose = 0

[output]
model = "model.safetensors"
"""

CSV_CONFIG = """
[data]
csv = "table.csv"
target = "label"
[model]
layers = [{ units = 2 }]
[training]
epochs = 1
verbose = 0
"""

TABLE = "a,b,label\n0.1,0.2,0\n0.3,0.1,1\n0.5,0.9,0\n0.7,0.2,1\n0.2,0.4,0\n0.9,0.8,1\n"


def invoke(args: list[str], cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(old)


def assert_one_line_exit_2(result, *fragments: str) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


# (edit of the good config, fragments the one line must contain)
TRAIN_MISTAKES = {
    "units_0": (("units = 4", "units = 0"), ["[model] layers[0]", "units", "got 0"]),
    "unknown_activation": (('"relu"', '"rleu"'), ["[model] layers[0]", "'rleu'", "relu"]),
    "unknown_initializer": (
        ('activation = "relu"', 'activation = "relu", kernel_initializer = "glorot"'),
        ["[model] layers[0]", "'glorot'", "glorot_uniform"],
    ),
    "dropout_1_5": (
        ('activation = "relu"', 'activation = "relu", dropout = 1.5'),
        ["[model] layers[0]", "Dropout rate", "1.5"],
    ),
    "metrics_1": (('["accuracy"]', "[1]"), ["[training] metrics[0]", "got int 1"]),
    "unknown_metric": (('["accuracy"]', '["acuracy"]'), ["[training] metrics[0]", "'acuracy'"]),
    "unknown_data_option": (("n_samples = 40", "n_sample = 40"), ["[data]", "n_sample"]),
    "unknown_builtin": (('"xor"', '"xorr"'), ["[data]", "'xorr'", "spirals"]),
    "test_size_1_5": (("test_size = 0.25", "test_size = 1.5"), ["[data] test_size", "1.5"]),
    "seed_negative": (("seed = 0", "seed = -1"), ["[data] seed"]),
    "missing_model_folder": (
        ('model = "model.safetensors"', 'model = "nodir/model.safetensors"'),
        ["[output] model", "nodir", "does not exist"],
    ),
    "missing_history_folder": (
        ('model = "model.safetensors"', 'model = "m.safetensors"\nhistory = "nodir/h.csv"'),
        ["[output] history", "nodir", "does not exist"],
    ),
    "unknown_optimizer": (('"adam"', '"adamw2"'), ["[training] optimizer", "'adamw2'"]),
    "negative_lr": (
        ('optimizer = "adam"', 'optimizer = "adam"\nlr = -1'),
        ["[training] optimizer", "lr"],
    ),
    "unknown_loss": (('"softmax_cross_entropy"', '"msee"'), ["[training] loss", "'msee'"]),
    "epochs_0": (("epochs = 1", "epochs = 0"), ["[training]", "epochs", "got 0"]),
    "batch_size_0": (("batch_size = 8", "batch_size = 0"), ["[training]", "batch_size", "got 0"]),
    "validation_split_1_5": (
        ("verbose = 0", "verbose = 0\nvalidation_split = 1.5"),
        ["[training]", "validation_split", "1.5"],
    ),
    "verbose_7": (("verbose = 0", "verbose = 7"), ["[training]", "verbose", "7"]),
    "units_text": (("units = 4", 'units = "4"'), ["[model.layers[0]] units must be int", "'4'"]),
    "unknown_key": (("epochs = 1", "epoch = 1"), ["unknown key 'epoch' in [training]", "epochs"]),
    "unknown_table": (("[output]", "[outputs]"), ["unknown table [outputs]"]),
    "toml_syntax": (("epochs = 1", "epochs = = 1"), ["not valid TOML"]),
}


@pytest.mark.parametrize(("edit", "fragments"), TRAIN_MISTAKES.values(), ids=TRAIN_MISTAKES)
def test_train_answers_a_config_mistake_with_exit_2_and_one_line(tmp_path, edit, fragments):
    old, new = edit
    assert old in GOOD
    (tmp_path / "run.toml").write_text(GOOD.replace(old, new, 1))
    line = assert_one_line_exit_2(invoke(["train", "run.toml"], tmp_path), *fragments)
    assert "run.toml" in line
    assert not (tmp_path / "model.safetensors").exists()


CSV_MISTAKES = {
    "target_index_out_of_range": (
        ('target = "label"', "target = 7"),
        TABLE,
        ["table.csv", "target column index 7 is out of range", "3 columns"],
    ),
    "missing_target_column": (
        ('target = "label"', 'target = "species"'),
        TABLE,
        ["table.csv", "'species'", "['a', 'b', 'label']"],
    ),
    "text_in_a_numeric_column": (
        ("", ""),
        TABLE.replace("0.3,0.1,1", "0.3,high,1"),
        ["table.csv", "line 3, column 'b'", "'high' is not a finite number"],
    ),
    "nan_in_a_column": (
        ("", ""),
        TABLE.replace("0.5,0.9,0", "0.5,nan,0"),
        ["table.csv", "line 4, column 'b'", "'nan' is not a finite number"],
    ),
    "inf_without_header": (
        ('target = "label"', "target = 2"),
        TABLE.split("\n", 1)[1].replace("0.7,0.2,1", "inf,0.2,1"),
        ["table.csv", "line 4, column 0", "'inf' is not a finite number"],
    ),
    "ragged_row": (("", ""), TABLE.replace("0.3,0.1,1", "0.3,1"), ["table.csv", "line 3"]),
    "not_utf8": (("", ""), TABLE.replace("a,b", "\xe4,b"), ["table.csv", "not UTF-8"]),
    "missing_csv": (('"table.csv"', '"absent.csv"'), TABLE, ["absent.csv", "no such file"]),
}


@pytest.mark.parametrize(("edit", "table", "fragments"), CSV_MISTAKES.values(), ids=CSV_MISTAKES)
def test_train_from_csv_names_the_file_and_column_of_a_mistake(tmp_path, edit, table, fragments):
    (tmp_path / "run.toml").write_text(CSV_CONFIG.replace(*edit, 1))
    encoding = "latin-1" if "\xe4" in table else "utf-8"
    (tmp_path / "table.csv").write_bytes(table.encode(encoding))
    assert_one_line_exit_2(invoke(["train", "run.toml"], tmp_path), "run.toml", *fragments)


def test_a_config_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "run.toml").write_bytes(GOOD.replace("xor", "x\xf6r").encode("latin-1"))
    assert_one_line_exit_2(invoke(["train", "run.toml"], tmp_path), "run.toml", "not UTF-8")


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model")
    model = ln.Sequential([ln.layers.Dense(3, input_shape=(2,))])
    model.save(folder / "m.safetensors")
    return folder / "m.safetensors"


PREDICT_MISTAKES = {
    "out_in_a_missing_folder": (
        ["--out", "nodir/x.csv"],
        "1,2\n",
        ["--out", "nodir", "does not exist"],
    ),
    "wrong_column_count": ([], "1,2,3\n", ["data.csv", "3 columns but the model expects 2"]),
    "text_in_data": ([], "x1,x2\n1,two\n", ["data.csv", "line 2, column 'x2'", "'two'"]),
    "data_not_utf8": ([], "x\xe4,x2\n1,2\n", ["data.csv", "not UTF-8"]),
    "empty_data": ([], "", ["data.csv", "empty"]),
}


@pytest.mark.parametrize(
    ("options", "data", "fragments"), PREDICT_MISTAKES.values(), ids=PREDICT_MISTAKES
)
def test_predict_answers_a_mistake_with_exit_2_and_one_line(
    tmp_path, model_file, options, data, fragments
):
    (tmp_path / "data.csv").write_bytes(data.encode("latin-1"))
    result = invoke(["predict", str(model_file), "data.csv", *options], tmp_path)
    assert_one_line_exit_2(result, *fragments)


@pytest.mark.parametrize("command", ["summary", "predict"])
def test_an_unreadable_model_file_is_named(tmp_path, command):
    (tmp_path / "bad.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    (tmp_path / "data.csv").write_text("1,2\n")
    args = [command, "bad.safetensors"] + (["data.csv"] if command == "predict" else [])
    assert_one_line_exit_2(invoke(args, tmp_path), "cannot load model bad.safetensors")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["train", "nowhere.toml"], "nowhere.toml"),
        (["train"], "Missing argument"),
        (["summary", "nowhere.safetensors"], "nowhere.safetensors"),
        (["demo", "--epochs", "0"], "--epochs"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_clicks_own_usage_errors_are_one_line_with_exit_2(tmp_path, args, fragment):
    assert_one_line_exit_2(invoke(args, tmp_path), fragment, "--help")


def test_a_good_config_still_trains_and_saves(tmp_path):
    (tmp_path / "run.toml").write_text(GOOD)
    result = invoke(["train", "run.toml"], tmp_path)
    assert result.exit_code == 0, result.output
    assert ln.load_model(tmp_path / "model.safetensors").count_params() == 4 * 3 + 2 * 5


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    (tmp_path / "run.toml").write_text(GOOD.replace("units = 4", "units = 0"))
    result = subprocess.run(
        [sys.executable, "-m", "lucidnet.cli", "train", "run.toml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(ln.__file__).parents[1])},
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: run.toml: [model] layers[0]: Dense units must be")
    assert line.endswith("got 0") and result.stdout == ""


def test_lucidnet_without_a_command_still_shows_the_whole_help(tmp_path):
    result = invoke([], tmp_path)
    assert result.exit_code in (0, 2)  # click < 8.2 exits 0, later 2
    assert "Usage:" in result.output and "Commands:" in result.output
    assert len(result.output.splitlines()) > 5


@pytest.mark.parametrize("command", [["activations", "relu"], ["demo", "--epochs", "1"]])
def test_an_out_folder_that_is_a_file_is_one_line_exit_2(tmp_path, command):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = invoke([command[0], "--out", "taken", *command[1:]], tmp_path)
    assert_one_line_exit_2(result, "--out", "'taken' is a file")
