"""The ``[sweep]`` table of a ``lucidnet sweep`` config: the grid and how to search it.

The rest of the config is ``lucidnet train``'s (:mod:`lucidnet.cli.config`); the grid varies
it. Grid keys (each a non-empty list of candidate values)::

    hidden = [[4], [8], [16], [32], [64]]   # units of the hidden layers ([model] layers but
                                            # the last; a bare 16 means [16])
    activation = ["relu", "tanh"]           # of the hidden layers
    kernel_initializer = ["he_normal"]      # of the hidden layers
    dropout = [0.0, 0.2]                    # after each hidden layer
    lr = [0.01, 0.001]                      # [training] lr
    optimizer = ["adam", "sgd"]             # [training] optimizer

Settings: ``cv`` (3), ``scoring`` (accuracy / neg_mse), ``search`` ("grid" or "random"),
``n_iter`` (10), ``random_state`` (the [data] seed), ``backend`` ("local"), ``n_jobs``,
``address``. New hidden layers copy the first hidden layer's activation, initializer and
dropout (relu when [model] has no hidden layer).
"""

from __future__ import annotations

import copy
import numbers
from pathlib import Path
from typing import Any

GRID_KEYS = ("hidden", "activation", "kernel_initializer", "dropout", "lr", "optimizer")
LAYER_KEYS = ("activation", "kernel_initializer", "dropout")


def sweep_settings(
    config: dict[str, Any], path: Path
) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    """(grid, ln.sweep options) of a config checked by ``load_config``; ValueError naming the
    key when the table is missing or a value has the wrong form."""
    table = config.get("sweep")
    if not table:
        raise ValueError(
            f"{path}: no [sweep] table; add one naming the grid, e.g. "
            "[sweep] hidden = [[4], [8], [16], [32]]"
        )
    grid = {key: table[key] for key in GRID_KEYS if key in table}
    if not grid:
        raise ValueError(f"{path}: [sweep] names no grid; give one of {', '.join(GRID_KEYS)}")
    for key, values in grid.items():
        if not values:
            raise ValueError(f"{path}: [sweep] {key} must list at least one value")
    grid = {key: values if key != "hidden" else [_widths(v, path) for v in values]
            for key, values in grid.items()}  # fmt: skip
    options = {key: value for key, value in table.items() if key not in GRID_KEYS}
    options.setdefault("random_state", config["data"].get("seed", 0))
    return grid, options


def _widths(value: Any, path: Path) -> list[int]:
    widths = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not (
        isinstance(widths, list)
        and all(
            isinstance(w, numbers.Integral) and not isinstance(w, bool) and w > 0 for w in widths
        )
    ):
        raise ValueError(
            f"{path}: [sweep] hidden values must be lists of positive layer widths such as "
            f"[16] or [32, 16], got {value!r}"
        )
    return list(widths)


def apply(config: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` with one grid point's values put in its [model] and [training]."""
    varied = copy.deepcopy(config)
    layers = varied["model"]["layers"]
    hidden, output = layers[:-1], layers[-1]
    if "hidden" in params:
        template = {key: hidden[0][key] for key in LAYER_KEYS if hidden and key in hidden[0]}
        template = template or {"activation": "relu"}
        hidden = [
            {**(hidden[i] if i < len(hidden) else template), "units": units}
            for i, units in enumerate(params["hidden"])
        ]
    for key in LAYER_KEYS:
        if key in params:
            hidden = [{**layer, key: params[key]} for layer in hidden]
    varied["model"]["layers"] = [*hidden, output]
    training = varied.setdefault("training", {})
    training.update({key: params[key] for key in ("lr", "optimizer") if key in params})
    return varied
