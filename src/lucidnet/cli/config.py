"""``lucidnet train CONFIG.toml``: the config schema, checked key by key.

A config has four tables (see ``examples/*.toml``)::

    [data]      builtin = "spirals" | "moons" | "circles" | "xor" | "blobs" | "digits" | "iris"
                (with options = {...}) or csv = "file.csv" with target = "column name"
                test_size = 0.2, seed = 0
    [model]     layers = [{units = 32, activation = "relu"}, ...]   (Dense layers, in order)
    [training]  optimizer = "adam", lr = 0.001, loss = "softmax_cross_entropy",
                metrics = ["accuracy"], epochs = 50, batch_size = 32, validation_split = 0.0
    [output]    model = "model.safetensors", history = "history.csv"
    [sweep]     (``lucidnet sweep`` only) the grid and how to search it: see
                :mod:`lucidnet.sweep.config`
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "data": {
        "builtin": str,
        "options": dict,
        "csv": str,
        "target": (str, int),
        "test_size": (int, float),
        "seed": int,
    },
    "model": {"layers": list},
    "training": {
        "optimizer": str,
        "lr": (int, float),
        "loss": str,
        "metrics": list,
        "epochs": int,
        "batch_size": int,
        "validation_split": (int, float),
        "verbose": int,
    },
    "output": {"model": str, "history": str},
    "sweep": {
        **dict.fromkeys(("hidden", "activation", "kernel_initializer", "dropout"), list),
        **dict.fromkeys(("lr", "optimizer"), list),
        **{"cv": int, "scoring": str, "search": str, "n_iter": int, "random_state": int},
        **{"backend": str, "n_jobs": int, "address": str},
    },
}
LAYER_KEYS = {
    "units": int,
    "activation": str,
    "kernel_initializer": str,
    "use_bias": bool,
    "dropout": (int, float),
}


class ConfigError(ValueError):
    """A config file that does not follow the schema (says which key and what is valid)."""


def load_config(path: Path) -> dict[str, Any]:
    """Read and check a TOML config; unknown tables or keys name the valid ones."""
    config = _read_toml(path)
    _check_tables(path, config)
    _check_data(path, config["data"])
    _check_layers(path, config["model"].get("layers"))
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {error.object[error.start]:#04x} at offset "
            f"{error.start}); save it as UTF-8"
        ) from None


def _check_tables(path: Path, config: dict[str, Any]) -> None:
    for table, values in config.items():
        if table not in SCHEMA:
            raise ConfigError(
                f"{path}: unknown table [{table}]; valid tables: "
                f"{', '.join(f'[{t}]' for t in SCHEMA)}"
            )
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: [{table}] must be a table")
        _check_keys(path, table, values, SCHEMA[table])
    for required in ("data", "model"):
        if required not in config:
            raise ConfigError(f"{path}: missing table [{required}]")


def _check_data(path: Path, data: dict[str, Any]) -> None:
    if ("builtin" in data) == ("csv" in data):
        raise ConfigError(f"{path}: [data] needs exactly one of 'builtin' or 'csv'")
    if "csv" in data and "target" not in data:
        raise ConfigError(f"{path}: [data] csv needs 'target', the label column's name")


def _check_layers(path: Path, layers: list[Any] | None) -> None:
    if not layers:
        raise ConfigError(
            f"{path}: [model] needs layers = [{{units = 32, activation = 'relu'}}, ...]"
        )
    for index, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ConfigError(
                f"{path}: [model] layers[{index}] must be a table like "
                "{units = 32, activation = 'relu'}"
            )
        _check_keys(path, f"model.layers[{index}]", layer, LAYER_KEYS)
        if "units" not in layer:
            raise ConfigError(f"{path}: [model] layers[{index}] needs 'units'")


def _check_keys(
    path: Path, table: str, values: dict[str, Any], schema: dict[str, type | tuple[type, ...]]
) -> None:
    for key, value in values.items():
        if key not in schema:
            raise ConfigError(
                f"{path}: unknown key '{key}' in [{table}]; valid keys: {', '.join(schema)}"
            )
        expected = schema[key]
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = " or ".join(
                t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,))
            )
            raise ConfigError(f"{path}: [{table}] {key} must be {names}, got {value!r}")
