"""``lucidnet sweep CONFIG.toml``: the ``train`` config plus a ``[sweep]`` grid, cross-validated.

Holds out [data] ``test_size`` as ``train`` does, sweeps the rest with ``ln.sweep``, refits the
best parameter set on it and scores that model on the held-out rows. Writes ``table.csv``,
``sweep_{param}.png`` and ``best_model.safetensors`` to ``--out`` (default: a folder
``<config name>-sweep`` beside the config) and keeps ``trials.jsonl`` there, so running the
same command again resumes instead of starting over.
"""

from __future__ import annotations

from pathlib import Path

import click


class ConfigProblem(click.ClickException):
    """A user mistake in the config or the options: one line, exit code 2."""

    exit_code = 2


@click.command()
@click.argument(
    "config_path",
    metavar="CONFIG.toml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--backend",
    type=click.Choice(["serial", "local", "dask", "ray"]),
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

    from ..sweep.config import ConfigBuild, check_grid, sweep_settings
    from .config import ConfigError, load_config
    from .main import _load_data

    try:
        config = load_config(config_path)
        grid, options = sweep_settings(config, config_path)
        x, y = _load_data(config["data"], config_path.parent)
        build = ConfigBuild(config, x.shape[1])
        check_grid(build, grid, config_path)
    except (ConfigError, ValueError) as error:
        raise ConfigProblem(str(error)) from None
    for name, value in (("backend", backend), ("address", address), ("n_jobs", n_jobs)):
        if value is not None:
            options[name] = value
    data, training = config["data"], config.get("training", {})
    x_train, x_test, y_train, y_test = ln.datasets.train_test_split(
        x, y, test_size=data.get("test_size", 0.2), random_state=data.get("seed", 0)
    )
    out = out if out is not None else config_path.parent / f"{config_path.stem}-sweep"
    try:
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
    except (TypeError, ValueError) as error:
        raise ConfigProblem(f"{config_path}: {error}") from None
    shown = ["params", "mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"]
    click.echo(result.table[shown].to_string(index=False))
    if result.best_model is None:
        raise click.ClickException("every trial failed; see the errors in trials.jsonl")
    scores = result.best_model.evaluate(x_test, y_test)
    click.secho(
        f"best {result.best_params}: {result.scoring} {result.best_score:.4f} "
        f"(cv mean); held-out test "
        + "  ".join(f"{name} {value:.4f}" for name, value in scores.items()),
        bold=True,
    )
    for role, path in result.save(out).items():
        click.echo(f"wrote {role}: {path}")
