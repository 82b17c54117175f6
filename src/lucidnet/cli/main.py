"""``lucidnet`` commands (click). ``lucidnet demo`` is the main job."""

from __future__ import annotations

import csv
import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import numpy as np

BUILTIN_SETS = ("spirals", "moons", "circles", "xor", "blobs", "digits", "iris")


# ------------------------------------------------------------------------------ user mistakes
class UserMistake(click.ClickException):
    """A user mistake (bad config value, unknown name, missing column or folder, unreadable
    file): exit code 2 and one line naming the file, key or column."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))  # one line, whatever the library said


@contextmanager
def user_input(where: str) -> Iterator[None]:
    """Report the library's own ``ValueError``/``TypeError`` (and file errors) for a value the
    user gave as a :class:`UserMistake` prefixed with ``where`` (file and key)."""
    try:
        yield
    except click.ClickException:
        raise
    except (ValueError, TypeError, OSError) as error:  # UnicodeDecodeError is a ValueError
        raise UserMistake(f"{where}: {_describe(error)}") from None


def _describe(error: Exception) -> str:
    """The error's message without Python's ``[Errno N]`` prefix."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error)


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


class OneLineErrors(click.Group):
    """click's own usage errors (missing argument, no such file) in one line too, exit code 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except _NO_ARGS_IS_HELP as error:  # plain `lucidnet`: the help, as click shows it
            error.show()
            sys.exit(error.exit_code)
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "lucidnet"
            click.echo(
                f"Error: {command}: {UserMistake(error.format_message()).message} "
                f"(see {command} --help)",
                err=True,
            )
            sys.exit(2)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
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
    with user_input(f"--out {out}"):
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
        preflight=True,  # data, init and learning rate checked first (history.advice)
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
        click.echo(
            "\nAnimating training with 1, 2 and 3 hidden neurons (the classic dynamic display) ..."
        )
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
    click.echo("Watch it train live, and change it while it does: lucidnet playground")


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
    with user_input(f"--out {out}"):
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

    from .config import ConfigError, load_config

    try:
        config = load_config(config_path)
    except ConfigError as error:  # its message names the file and the key already
        raise UserMistake(str(error)) from None
    data, training = config["data"], config.get("training", {})
    model_path, history_path = _output_paths(config, config_path)
    seed = data.get("seed", 0)
    with user_input(f"{config_path}: [data] seed"):
        ln.manual_seed(seed)
    with user_input(f"{config_path}: [data]"):
        x, y = _load_data(data, config_path.parent)
    with user_input(f"{config_path}: [data] test_size"):
        x_train, x_test, y_train, y_test = ln.datasets.train_test_split(
            x, y, test_size=data.get("test_size", 0.2), random_state=seed
        )
    model = _build_model(config["model"]["layers"], x.shape[1], config_path)
    fit_options = _compile(model, training, config_path)
    with user_input(f"{config_path}: [training]"):
        model.summary()
        history = model.fit(x_train, y_train, **fit_options)
        scores = model.evaluate(x_test, y_test)
    click.echo("test " + "  ".join(f"{k}: {v:.4f}" for k, v in scores.items()))
    with user_input(f"{config_path}: [output] model"):
        model.save(model_path)
    click.echo(f"saved model to {model_path}")
    if history_path is not None:
        with user_input(f"{config_path}: [output] history"):
            _write_history(history.history, history_path)
        click.echo(f"saved history to {history_path}")


def _output_paths(config: dict[str, Any], config_path: Path) -> tuple[Path, Path | None]:
    """The model and history files, checked before training (no run lost to a missing folder)."""
    output = config.get("output", {})
    paths = {"model": output.get("model", "model.safetensors"), "history": output.get("history")}
    resolved: dict[str, Path | None] = {}
    for key, name in paths.items():
        path = None if name is None else config_path.parent / name
        if path is not None and not path.parent.is_dir():
            raise UserMistake(
                f"{config_path}: [output] {key} = {name!r}: the folder {path.parent} does not exist"
            )
        resolved[key] = path
    return resolved["model"], resolved["history"]


def _build_model(layer_specs: list[dict[str, Any]], n_features: int, config_path: Path) -> Any:
    """The Sequential the ``[model]`` table describes; each layer's values checked by the layer."""
    import lucidnet as ln

    layers = []
    for index, spec in enumerate(layer_specs):
        with user_input(f"{config_path}: [model] layers[{index}]"):
            options = {"input_shape": (n_features,)} if index == 0 else {}
            layers.append(
                ln.layers.Dense(
                    spec["units"],
                    activation=spec.get("activation"),
                    kernel_initializer=spec.get("kernel_initializer", "auto"),
                    use_bias=spec.get("use_bias", True),
                    **options,
                )
            )
            if spec.get("dropout"):
                layers.append(ln.layers.Dropout(spec["dropout"]))
    return ln.Sequential(layers)


def _compile(model: Any, training: dict[str, Any], config_path: Path) -> dict[str, Any]:
    """Compile ``model`` with the ``[training]`` table's optimizer, loss and metrics, each
    resolved by the library's own ``get`` first (errors name the key); ``fit``'s options."""
    import lucidnet as ln

    from .._checks import check_int

    where = f"{config_path}: [training]"
    with user_input(f"{where} optimizer"):
        optimizer = ln.optim.get(
            training.get("optimizer", "adam"),
            **({"lr": training["lr"]} if "lr" in training else {}),
        )
    loss = training.get("loss", "softmax_cross_entropy")
    with user_input(f"{where} loss"):
        ln.losses.get(loss)
    metrics = training.get("metrics", ["accuracy"])
    for index, metric in enumerate(metrics):
        with user_input(f"{where} metrics[{index}]"):
            ln.metrics.get(metric)
    with user_input(where):
        check_int(training.get("epochs", 50), "epochs", low=1)
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return {
        "epochs": training.get("epochs", 50),
        "batch_size": training.get("batch_size", 32),
        "validation_split": training.get("validation_split", 0.0),
        "verbose": training.get("verbose", 1),
        "preflight": training.get("preflight", True),
    }


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
    try:
        header, rows = _read_csv(path)
        column = _target_column(header, rows.shape[1], data["target"])
    except ValueError as error:
        raise ValueError(f"csv {path}: {error}") from None
    x = np.delete(rows, column, axis=1)
    y = rows[:, column]
    return x, (y.astype(np.int64) if np.all(y == np.round(y)) else y)


def _target_column(header: list[str] | None, width: int, target: str | int) -> int:
    """The index of the label column ``target`` (a header name or a 0-based index)."""
    if isinstance(target, int):
        if not 0 <= target < width:
            raise ValueError(
                f"target column index {target} is out of range: the file has {width} "
                f"columns (0 to {width - 1})"
            )
        return target
    if header is None or target not in header:
        raise ValueError(f"target: no column named {target!r}; columns: {header}")
    return header.index(target)


def _read_csv(path: Path) -> tuple[list[str] | None, np.ndarray]:
    """Numeric CSV with an optional header row; a ``ValueError`` names the line and column of a
    ragged or non-numeric row (the caller names the file)."""
    if not path.is_file():
        raise ValueError("no such file")
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row]
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8 text (byte {error.object[error.start]:#04x} at offset {error.start}); "
            "save it as UTF-8"
        ) from None
    if not rows:
        raise ValueError("the file is empty")
    header = None
    try:
        [float(v) for v in rows[0]]
    except ValueError:
        header, rows = [h.strip() for h in rows[0]], rows[1:]
    width = len(header) if header else len(rows[0])
    values = []
    for line, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise ValueError(f"line {line} has {len(row)} columns, expected {width}")
        bad = next((j for j, v in enumerate(row) if not _is_finite_number(v)), None)
        if bad is not None:
            name = repr(header[bad]) if header else str(bad)
            raise ValueError(f"line {line}, column {name}: {row[bad]!r} is not a finite number")
        values.append([float(v) for v in row])
    if not values:
        raise ValueError("no data rows")
    return header, np.array(values)


def _is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


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

    with user_input(f"cannot load model {path}"):
        return ln.load_model(path)


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
@click.option(
    "--classes/--no-classes",
    default=None,
    help="Add a predicted_class column (argmax; one column: > 0.5). Default: when the "
    "model ends in softmax or one sigmoid; give --classes for a logits output.",
)
def predict(model_path: Path, data_path: Path, out: Path | None, classes: bool | None) -> None:
    """Predict for every row of DATA.csv (features only); writes CSV."""
    if out is not None and not out.parent.is_dir():
        raise UserMistake(f"--out {out}: the folder {out.parent} does not exist")
    model = _load_model(model_path)
    with user_input(str(data_path)):
        _, x = _read_csv(data_path)
        expected = model.input_shape[0] if isinstance(model.input_shape, tuple) else None
        if expected is not None and x.shape[1] != expected:
            raise ValueError(f"{x.shape[1]} columns but the model expects {expected} features")
        outputs = model.predict(x)
    last = getattr(getattr(model, "layers", [None])[-1], "activation", None)
    if classes is None:  # a classifier's probabilities: softmax, or one sigmoid column
        family, width = getattr(last, "family", None), outputs.shape[1]
        classes = (family == "softmax" and width > 1) or (family == "sigmoid" and width == 1)
    with user_input(f"--out {out}"):
        handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        writer = csv.writer(handle)
        header = [f"output_{j}" for j in range(outputs.shape[1])]
        rows = [[f"{v:.8g}" for v in row] for row in outputs]
        if classes:
            threshold = 0.5 if getattr(last, "outputs_probabilities", False) else 0.0
            labels = outputs.argmax(axis=1) if outputs.shape[1] > 1 else outputs[:, 0] > threshold
            header.append("predicted_class")
            rows = [[*row, int(label)] for row, label in zip(rows, labels, strict=True)]
        writer.writerow(header)
        writer.writerows(rows)
    finally:
        if out:
            handle.close()
    if out:
        click.echo(f"wrote {len(outputs)} predictions to {out}", err=True)


from .playground import playground  # noqa: E402
from .sweep import sweep  # noqa: E402

main.add_command(playground)
main.add_command(sweep)

if __name__ == "__main__":
    main()
