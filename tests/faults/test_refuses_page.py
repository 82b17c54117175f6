"""docs/refuses.md quotes real messages: each case below raises its message, and the page
shows it (so a changed message fails here until the page says what users now see)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import lucidnet as ln
from lucidnet.cli import main

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "refuses.md").read_text(encoding="utf-8")


def small_model_file(folder: Path) -> Path:
    path = folder / "model.safetensors"
    ln.Sequential([ln.layers.Dense(2, input_shape=(3,), name="d")]).save(path)
    return path


def tampered(folder: Path, *edits: tuple[str, str]) -> Path:
    """The small model file with each ``(old, new)`` applied to its architecture JSON
    (``old == "*"`` replaces all of it)."""
    path = small_model_file(folder)
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    text = header["__metadata__"]["lucidnet_architecture"]
    for old, new in edits:
        text = new if old == "*" else text.replace(old, new)
    header["__metadata__"]["lucidnet_architecture"] = text
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(len(encoded).to_bytes(8, "little") + encoded + raw[8 + size :])
    return path


LIBRARY_CASES = {
    "json_depth": (
        [("*", "[" * 600 + "]" * 600)],
        "its JSON nests 600 levels deep, more than the 64 a lucidnet file may hold",
    ),
    "huge_number": (
        [('"units": 2', '"units": 1' + "0" * 400)],
        "the number 100000000000...(401 digits) is beyond the bound 9007199254740992 (2**53)",
    ),
    "huge_layer": (
        [('"units": 2', '"units": 100000'), ("[3]", "[100000]")],
        "feature shape (100000,) has 100000 elements, more than the 65536 the file's tensors "
        "justify",
    ),
    "size_against_tensors": (
        [('"units": 2', '"units": 60000'), ("[3]", "[60000]")],
        "the architecture gives 'd.weight' shape (60000, 60000), but the file stores (3, 2)",
    ),
}


@pytest.mark.parametrize(("edits", "message"), LIBRARY_CASES.values(), ids=LIBRARY_CASES)
def test_the_page_quotes_the_model_file_message(tmp_path, edits, message):
    path = tampered(tmp_path, *edits)
    with pytest.raises(ValueError, match=r"model.safetensors") as raised:
        ln.load_model(path)
    assert message in str(raised.value)
    assert message in PAGE


@pytest.mark.parametrize(
    ("cause", "message"),
    [
        (
            lambda: ln.metrics.accuracy(np.zeros(0), np.zeros(0)),
            "accuracy: y_pred is empty (shape (0,)); a metric needs at least one sample",
        ),
        (lambda: ln.layers.Dense(0), "Dense units must be an int >= 1, got 0"),
    ],
)
def test_the_page_quotes_the_argument_message(cause, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        cause()
    assert message in PAGE


CONFIG = """
[data]
builtin = "xor"
options = { n_samples = 40 }
test_size = 0.25
[model]
layers = [{ units = 4, activation = "relu" }, { units = 2 }]
[training]
epochs = 1
verbose = 0
[output]
model = "model.safetensors"
"""

CLI_CASES = {
    "units_0": (
        ("units = 4", "units = 0"),
        "[model] layers[0]: Dense units must be an int >= 1, got 0",
    ),
    "metrics_1": (
        ("epochs = 1", "epochs = 1\nmetrics = [1]"),
        "[training] metrics[0]: a metric must be a name, a config dict, an instance or a callable, got int 1",
    ),
    "test_size": (
        ("test_size = 0.25", "test_size = 1.5"),
        "[data] test_size: test_size must be a fraction in (0, 1) or an int count of test samples, got 1.5",
    ),
    "output_folder": (
        ('model = "model.safetensors"', 'model = "nodir/m.safetensors"'),
        "[output] model = 'nodir/m.safetensors': the folder nodir does not exist",
    ),
}


@pytest.mark.parametrize(("edit", "message"), CLI_CASES.values(), ids=CLI_CASES)
def test_the_page_quotes_the_command_line_message(tmp_path, edit, message):
    (tmp_path / "run.toml").write_text(CONFIG.replace(*edit))
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["train", "run.toml"])
    finally:
        os.chdir(old)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: run.toml: {message}"
    assert f"`Error: run.toml: {message}`" in PAGE
