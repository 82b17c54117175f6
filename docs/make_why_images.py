"""Draw the health pictures of docs/why-not-learning.md (run: PYTHONPATH=src python docs/make_why_images.py).

One small network on the two-moons data per cause, trained with a HealthMonitor that
samples every epoch; ``ln.viz.plot_health`` draws what it recorded.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

import lucidnet as ln

OUT = Path(__file__).resolve().parent / "images" / "why"
Dense = ln.layers.Dense


def moons() -> tuple[np.ndarray, np.ndarray]:
    x, y = ln.datasets.moons(300, noise=0.1, random_state=0)
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32), y


def net(activation: str = "relu", depth: int = 2, **options) -> ln.Sequential:
    layers = [
        Dense(32, activation=activation, input_shape=(2,) if i == 0 else None, **options)
        for i in range(depth)
    ]
    return ln.Sequential([*layers, Dense(2)])


SCENES = {
    "healthy": lambda: (net(), ln.optim.Adam(lr=0.01), moons()),
    "init_bias": lambda: (
        net(bias_initializer=ln.init.get("constant", value=-10.0)),
        ln.optim.Adam(lr=0.01),
        moons(),
    ),
    "depth_saturating": lambda: (net("sigmoid", depth=8), ln.optim.SGD(lr=0.1), moons()),
    "lr_high": lambda: (net(), ln.optim.SGD(lr=20.0), moons()),
    "lr_low": lambda: (net(), ln.optim.SGD(lr=1e-5), moons()),
    "init_scale": lambda: (
        net("tanh", kernel_initializer=ln.init.get("normal", std=4.0)),
        ln.optim.SGD(lr=0.05),
        moons(),
    ),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, scene in SCENES.items():
        ln.manual_seed(0)
        model, optimizer, (x, y) = scene()
        model.compile(optimizer, "softmax_cross_entropy", metrics=["accuracy"], lint=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(
                x, y, epochs=40, verbose=0, callbacks=[ln.callbacks.HealthMonitor(sample_every=1)]
            )
        ln.viz.plot_health(history, path=OUT / f"{name}.png")
        causes = [f"{a.cause} ({a.severity})" for a in history.advice]
        print(f"{name}: accuracy {history.history['accuracy'][-1]:.2f}, advice {causes}")


if __name__ == "__main__":
    main()
