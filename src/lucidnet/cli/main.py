"""``lucidnet`` commands (click). ``lucidnet demo`` is the main job."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

BUILTIN_SETS = ("spirals", "moons", "circles", "xor", "blobs", "digits", "iris")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lucidnet")
def main() -> None:
    """lucidnet: fully-connected networks that explain why they are (not) learning."""


# ------------------------------------------------------------------------------ demo
@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("lucidnet-demo"),
    show_default=True,
    help="Folder for the pictures and the animation.",
)
@click.option(
    "--epochs",
    type=click.IntRange(1, 10_000),
    default=150,
    show_default=True,
    help="Training epochs.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--animation/--no-animation",
    default=True,
    show_default=True,
    help="Also write the training animation (GIF).",
)
def demo(out: Path, epochs: int, seed: int, animation: bool) -> None:
    """Train a small ReLU network on 3-class spirals and explain it.

    Prints the summary and lint advice, trains with a progress bar and a
    HealthMonitor, reports the accuracy, and writes the history,
    decision-boundary, health and network pictures and a training animation.
    """
    import lucidnet as ln
    from lucidnet import viz

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    ln.manual_seed(seed)
    x, y = ln.datasets.spirals(n_samples=300, n_classes=3, noise=0.2, random_state=seed)
    x_train, x_test, y_train, y_test = ln.datasets.train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y
    )

    model = _demo_model(ln)
    click.secho("The model", bold=True)
    model.summary()
    click.secho("\nLint: what lucidnet checks before training", bold=True)
    ln.lint(model, loss="softmax_cross_entropy")
    model.compile(
        optimizer=ln.optim.Adam(lr=0.01),
        loss="softmax_cross_entropy",
        metrics=["accuracy"],
        lint=False,
    )
    click.secho(f"\nTraining on spirals ({len(x_train)} samples, {epochs} epochs)", bold=True)
    health = ln.callbacks.HealthMonitor()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=32,
        validation_data=(x_test, y_test),
        callbacks=[health],
        verbose=1,
    )
    scores = model.evaluate(x_test, y_test)
    click.secho(
        f"\nTest accuracy: {scores['accuracy']:.1%}  (loss {scores['loss']:.4f})", bold=True
    )

    pictures = {
        "history.png": lambda path: viz.plot_history(history, path=path),
        "decision_boundary.png": lambda path: viz.plot_decision_boundary(model, x, y, path=path),
        "health.png": lambda path: viz.plot_health(history, path=path),
        "network.png": lambda path: viz.plot_network(model, path=path),
    }
    for name, draw in pictures.items():
        draw(out / name)
    files = list(pictures)
    if animation:
        click.echo("\nAnimating training with 1, 2 and 3 hidden neurons (the seeds' display) ...")
        for hidden in (1, 2, 3):
            ln.manual_seed(seed)
            small = ln.Sequential(
                [ln.layers.Dense(hidden, activation="tanh", input_shape=(2,)), ln.layers.Dense(3)]
            )
            small.compile(
                optimizer=ln.optim.Adam(lr=0.05),
                loss="softmax_cross_entropy",
                metrics=["accuracy"],
                lint=False,
            )
            name = f"training_{hidden}_hidden.gif"
            viz.animate_training(small, x, y, path=out / name, epochs=120, frames=12)
            files.append(name)
    click.secho(f"\nWrote to {out.resolve()}:", bold=True)
    for name in files:
        click.echo(f"  {out / name}")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")


def _demo_model(ln: Any) -> Any:
    return ln.Sequential(
        [
            ln.layers.Dense(32, activation="relu", input_shape=(2,), name="hidden_1"),
            ln.layers.Dense(32, activation="relu", name="hidden_2"),
            ln.layers.Dense(3, name="logits"),
        ],
        name="spirals_mlp",
    )


# ------------------------------------------------------------------------------ activations
@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for one PNG per activation.",
)
@click.argument("names", nargs=-1)
def activations(out: Path, names: tuple[str, ...]) -> None:
    """Plot each activation and its derivative (all of them, or NAMES)."""
    import lucidnet as ln
    from lucidnet import viz

    chosen = list(names) or ln.activations.available()
    for name in chosen:
        try:
            ln.activations.get(name)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="NAMES") from None
    out.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        path = out / f"{name}.png"
        viz.plot_activation(name, path=path)
        click.echo(str(path))


# ------------------------------------------------------------------------------ train
@main.command()
@click.argument(
    "config_path",
    metavar="CONFIG.toml",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
def train(config_path: Path) -> None:
    """Train the model a TOML config describes and save it (see examples/*.toml)."""
    import lucidnet as ln

    from .config import ConfigError, build_model, load_config

    try:
        config = load_config(config_path)
        x, y = _load_data(config["data"], config_path.parent)
    except (ConfigError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    data, training = config["data"], config.get("training", {})
    output = config.get("output", {})
    seed = data.get("seed", 0)
    ln.manual_seed(seed)
    x_train, x_test, y_train, y_test = ln.datasets.train_test_split(
        x, y, test_size=data.get("test_size", 0.2), random_state=seed
    )
    try:
        model = build_model(config, x.shape[1])
        model.summary()
        history = model.fit(
            x_train,
            y_train,
            epochs=training.get("epochs", 50),
            batch_size=training.get("batch_size", 32),
            validation_split=training.get("validation_split", 0.0),
            verbose=training.get("verbose", 1),
        )
        scores = model.evaluate(x_test, y_test)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo("test " + "  ".join(f"{k}: {v:.4f}" for k, v in scores.items()))
    model_path = config_path.parent / output.get("model", "model.safetensors")
    model.save(model_path)
    click.echo(f"saved model to {model_path}")
    if "history" in output:
        history_path = config_path.parent / output["history"]
        _write_history(history.history, history_path)
        click.echo(f"saved history to {history_path}")


def _load_data(data: dict[str, Any], base: Path) -> tuple[np.ndarray, np.ndarray]:
    import lucidnet as ln

    if "builtin" in data:
        name = data["builtin"]
        if name not in BUILTIN_SETS:
            raise ValueError(f"unknown builtin data set {name!r}; valid: {', '.join(BUILTIN_SETS)}")
        options = dict(data.get("options", {}))
        if name not in ("digits", "iris"):
            options.setdefault("random_state", data.get("seed", 0))
        return ln.datasets.load(name, **options)
    path = base / data["csv"]
    header, rows = _read_csv(path)
    target = data["target"]
    column = target if isinstance(target, int) else _column_index(header, target, path)
    x = np.delete(rows, column, axis=1)
    y = rows[:, column]
    return x, (y.astype(np.int64) if np.all(y == np.round(y)) else y)


def _column_index(header: list[str] | None, name: str, path: Path) -> int:
    if header is None or name not in header:
        raise ValueError(f"{path}: no column named {name!r}; columns: {header}")
    return header.index(name)


def _read_csv(path: Path) -> tuple[list[str] | None, np.ndarray]:
    """Numeric CSV with an optional header row; clear errors for ragged or non-numeric rows."""
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if not rows:
        raise ValueError(f"{path}: the file is empty")
    header = None
    try:
        [float(v) for v in rows[0]]
    except ValueError:
        header, rows = [h.strip() for h in rows[0]], rows[1:]
    width = len(header) if header else len(rows[0])
    values = []
    for line, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise ValueError(f"{path}: line {line} has {len(row)} columns, expected {width}")
        try:
            values.append([float(v) for v in row])
        except ValueError:
            raise ValueError(f"{path}: line {line} has a non-numeric value: {row}") from None
    if not values:
        raise ValueError(f"{path}: no data rows")
    return header, np.array(values)


def _write_history(history: dict[str, list[float]], path: Path) -> None:
    keys = list(history)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *keys])
        for epoch in range(len(history[keys[0]]) if keys else 0):
            writer.writerow([epoch + 1, *(history[k][epoch] for k in keys)])


# ------------------------------------------------------------------------------ summary / predict
def _load_model(path: Path) -> Any:
    import lucidnet as ln

    try:
        return ln.load_model(path)
    except (ValueError, OSError) as error:
        raise click.ClickException(f"cannot load model {path}: {error}") from None


@main.command()
@click.argument(
    "model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def summary(model_path: Path) -> None:
    """Print the summary of a saved model."""
    _load_model(model_path).summary()


@main.command()
@click.argument(
    "model_path", metavar="MODEL", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.argument(
    "data_path", metavar="DATA.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write predictions here instead of standard output.",
)
def predict(model_path: Path, data_path: Path, out: Path | None) -> None:
    """Predict for every row of DATA.csv (features only); writes CSV."""
    model = _load_model(model_path)
    try:
        _, x = _read_csv(data_path)
        expected = model.input_shape[0] if isinstance(model.input_shape, tuple) else None
        if expected is not None and x.shape[1] != expected:
            raise ValueError(
                f"{data_path}: {x.shape[1]} columns but the model expects {expected} features"
            )
        outputs = model.predict(x)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow([f"output_{j}" for j in range(outputs.shape[1])])
        writer.writerows([[f"{v:.8g}" for v in row] for row in outputs])
    finally:
        if out:
            handle.close()
    if out:
        click.echo(f"wrote {len(outputs)} predictions to {out}", err=True)


from .sweep import sweep  # noqa: E402  (its own module; registered here)

main.add_command(sweep)

if __name__ == "__main__":
    main()
