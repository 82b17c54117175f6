"""``GET /export/model.py``: the session as a short, runnable lucidnet script.

The script rebuilds the same data (the playground's seeded generators), the
same network in plain ``ln.Sequential`` code, loads ``model.safetensors``
saved beside it, and reports the test figures; ``--grid FILE.npy`` writes the
predictions on the heatmap grid (equal to the page's to float32 precision),
``--epochs N`` trains on from there.
"""

from __future__ import annotations

import pprint
from typing import Any

_TEMPLATE = '''\
"""lucidnet playground export: {title}.

Put model.safetensors (the page's "export model" button) beside this file, then:

    python {filename}                    # rebuild data and network, load the weights, evaluate
    python {filename} --epochs 100       # ... and train 100 more epochs
    python {filename} --grid grid.npy    # ... and save the predictions on the page's heatmap grid
"""

import argparse
from pathlib import Path

import numpy as np

import lucidnet as ln
from lucidnet.playground import data

SETTINGS = {settings}


def build_model():
    """The network drawn on the page ({epoch} epochs trained when exported)."""
    return ln.Sequential(
        [
{layers}
        ],
        name="playground",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=Path(__file__).with_name("model.safetensors"))
    parser.add_argument("--epochs", type=int, default=0, help="train this many more epochs")
    parser.add_argument("--grid", type=Path, help="save the heatmap-grid predictions (.npy)")
    args = parser.parse_args(argv)

    split = data.make_data(SETTINGS)  # the same seed gives the same points and split
    x_train = data.features(split["points_train"], SETTINGS["features"])
    x_test = data.features(split["points_test"], SETTINGS["features"])
    y_train, y_test = split["y_train"], split["y_test"]

    model = build_model()
    model.load_weights(args.weights)
    model.compile(
        optimizer=ln.optim.get({optimizer!r}, lr={learning_rate!r}),
        loss={loss!r},
        lint=False,
    )
    if args.epochs:
        model.fit(x_train, y_train, epochs=args.epochs, batch_size={batch_size!r}, verbose=1)
    print("train", model.evaluate(x_train, y_train))
    print("test ", model.evaluate(x_test, y_test))
    if args.grid:
        grid = data.features(data.grid_points(), SETTINGS["features"])
        np.save(args.grid, model.predict(grid))
        print(f"saved the predictions on the {{data.GRID}}x{{data.GRID}} grid to {{args.grid}}")
    return model


if __name__ == "__main__":
    main()
'''


def python_script(
    settings: dict[str, Any], model: Any, epoch: int, filename: str = "model.py"
) -> str:
    """The script text for ``settings`` and the (built) ``model``."""
    layers = []
    for index, layer in enumerate(model.layers):
        options = [f"{layer.units}", f"activation={layer.activation_name!r}"]
        if index == 0:
            options.append(f"input_shape=({layer.weight.shape[0]},)")
        if layer.kernel_regularizer is not None:
            config = layer.kernel_regularizer.get_config()
            name = type(layer.kernel_regularizer).__name__
            arguments = ", ".join(f"{key}={value!r}" for key, value in config.items())
            options.append(f"kernel_regularizer=ln.regularizers.{name}({arguments})")
        options.append(f"name={layer.name!r}")
        layers.append(f"            ln.layers.Dense({', '.join(options)}),")
    title = (
        f"{settings['dataset']} ({settings['problem']}), hidden layers "
        f"{[layer['units'] for layer in settings['layers']] or 'none'}, seed {settings['seed']}"
    )
    return _TEMPLATE.format(
        title=title,
        filename=filename,
        settings=pprint.pformat(settings, indent=4, sort_dicts=False),
        epoch=epoch,
        layers="\n".join(layers),
        optimizer=settings["optimizer"],
        learning_rate=settings["learning_rate"],
        loss=settings["loss"],
        batch_size=settings["batch_size"],
    )
