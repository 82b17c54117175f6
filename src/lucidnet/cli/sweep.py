"""``lucidnet sweep CONFIG.toml``: the ``train`` config plus a ``[sweep]`` grid, cross-validated.

Holds out [data] ``test_size`` as ``train`` does, sweeps the rest with ``ln.sweep``, refits the
best parameter set on it and scores that model on the held-out rows. Writes ``table.csv``,
``sweep_{param}.png`` and ``best_model.safetensors`` to ``--out`` (default: a folder
``<config name>-sweep`` beside the config) and keeps ``trials.jsonl`` there, so running the
same command again resumes instead of starting over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

BACKENDS = ("serial", "local", "dask", "ray")


class ConfigBuild:
    """``build(**params)`` for ``ln.sweep``: the config's compiled model at one grid point,
    built by ``lucidnet train``'s own model and compile steps (picklable, for workers)."""

    def __init__(self, config: dict[str, Any], n_features: int, config_path: Path) -> None:
        self.config, self.n_features, self.config_path = config, n_features, config_path

    def __call__(self, **params: Any) -> Any:
        from ..sweep.config import apply
        from .main import _build_model, _compile

        config = apply(self.config, params)
        model = _build_model(config["model"]["layers"], self.n_features, self.config_path)
        _compile(model, config.get("training", {}), self.config_path)
        return model


def check_grid(build: ConfigBuild, grid: dict[str, list[Any]]) -> None:
    """Build the model once per grid value, so that a bad value (an unknown activation, a
    negative lr) is a config mistake reported before any trial runs."""
    from .main import UserMistake

    for key, values in grid.items():
        for value in values:
            try:
                build(**{key: value})
            except click.ClickException as error:
                raise UserMistake(f"{error.message} (from [sweep] {key} = {value!r})") from None


@click.command()
@click.argument(
    "config_path",
    metavar="CONFIG.toml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default=None,
    help="Where trials run (default: [sweep] backend, else local worker processes).",
)
@click.option("--address", default=None, help="Scheduler address for dask (or ray).")
@click.option("--n-jobs", type=int, default=None, help="Worker processes (default: every core).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for table, plot, best model and trials.jsonl (resumed from).",
)
def sweep(
    config_path: Path,
    backend: str | None,
    address: str | None,
    n_jobs: int | None,
    out: Path | None,
) -> None:
    """Cross-validate the grid of CONFIG.toml's [sweep] table and keep the best model."""
    import lucidnet as ln

    from ..sweep.config import sweep_settings
    from .config import ConfigError, load_config
    from .main import UserMistake, _load_data, user_input

    try:
        config = load_config(config_path)
        grid, options = sweep_settings(config, config_path)
    except (ConfigError, ValueError) as error:
        raise UserMistake(str(error)) from None
    with user_input(f"{config_path}: [data]"):
        x, y = _load_data(config["data"], config_path.parent)
    build = ConfigBuild(config, x.shape[1], config_path)
    check_grid(build, grid)
    for name, value in (("backend", backend), ("address", address), ("n_jobs", n_jobs)):
        if value is not None:
            options[name] = value
    data, training = config["data"], config.get("training", {})
    with user_input(f"{config_path}: [data] test_size"):
        x_train, x_test, y_train, y_test = ln.datasets.train_test_split(
            x, y, test_size=data.get("test_size", 0.2), random_state=data.get("seed", 0)
        )
    out = out if out is not None else config_path.parent / f"{config_path.stem}-sweep"
    with user_input(str(config_path)):
        result = ln.sweep(
            build,
            grid,
            x_train,
            y_train,
            epochs=training.get("epochs", 50),
            batch_size=training.get("batch_size", 32),
            results=out / "trials.jsonl",
            **options,
        )
    shown = ["params", "mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"]
    click.echo(result.table[shown].to_string(index=False))
    if result.best_model is None:
        raise click.ClickException(f"every trial failed; their errors are in {out}/trials.jsonl")
    scores = result.best_model.evaluate(x_test, y_test)
    held_out = "  ".join(f"{name} {value:.4f}" for name, value in scores.items())
    click.secho(
        f"best {result.best_params}: {result.scoring} {result.best_score:.4f} (cv mean); "
        f"held-out test {held_out}",
        bold=True,
    )
    for role, path in result.save(out).items():
        click.echo(f"wrote {role}: {path}")
