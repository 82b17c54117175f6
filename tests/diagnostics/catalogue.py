"""A catalogue of broken small-MLP trainings and healthy controls, for the doctor's tests.

Each scenario builds, for a seed, a compiled model, its data and fit options, the set
of causes a right diagnosis may name first (empty for a healthy control), and its
healthy twin (the same training without the fault).  ``manual`` scenarios train with
the PyTorch loop instead of ``fit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import lucidnet as ln

Dense = ln.layers.Dense


@dataclass
class Case:
    name: str
    model: Any
    x: np.ndarray
    y: np.ndarray
    fit: dict[str, Any]
    causes: set[str]
    manual: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def standardize(x: np.ndarray) -> np.ndarray:
    return ((x - x.mean(axis=0)) / x.std(axis=0)).astype(np.float32)


def moons(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    x, y = ln.datasets.moons(n, noise=0.1, random_state=seed)
    return standardize(x), y


def blobs(seed: int, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    x, y = ln.datasets.blobs(n, centers=3, n_features=4, cluster_std=2.0, random_state=seed)
    return standardize(x), y


def mlp(
    hidden: list[int],
    activation: Any = "relu",
    out: int = 2,
    out_activation: Any = None,
    features: int = 2,
    **options: Any,
) -> ln.Sequential:
    layers = [
        Dense(units, activation=activation, input_shape=(features,) if i == 0 else None, **options)
        for i, units in enumerate(hidden)
    ]
    return ln.Sequential([*layers, Dense(out, activation=out_activation)])


def compiled(
    model: Any,
    optimizer: Any = None,
    loss: Any = "softmax_cross_entropy",
    metrics: Any = ("accuracy",),
) -> Any:
    model.compile(optimizer or ln.optim.Adam(lr=0.01), loss, metrics=list(metrics), lint=False)
    return model


FIT = {"epochs": 40, "batch_size": 32}


# ----------------------------------------------------------------- healthy twins / controls
def healthy_relu(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    return Case("healthy_relu", compiled(mlp([32, 32])), x, y, dict(FIT), set())


def healthy_deep_tanh(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp([16] * 8, "tanh", kernel_initializer="xavier_uniform")
    return Case(
        "healthy_deep_tanh", compiled(model, ln.optim.Adam(lr=0.005)), x, y, dict(FIT), set()
    )


def healthy_sigmoid_bce(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp([32, 32], out=1, out_activation="sigmoid")
    return Case(
        "healthy_sigmoid_bce",
        compiled(model, loss="binary_crossentropy"),
        x,
        y.astype(np.float32),
        dict(FIT),
        set(),
    )


def healthy_sigmoid_mse(seed: int) -> Case:
    """The seeds' own setup: sigmoid output and MSE on 0/1 targets."""
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp([32, 32], out=1, out_activation="sigmoid")
    return Case(
        "healthy_sigmoid_mse",
        compiled(model, loss="mse"),
        x,
        y.astype(np.float32),
        dict(FIT),
        set(),
    )


def healthy_zero_then_random(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = ln.Sequential(
        [
            Dense(16, activation="tanh", kernel_initializer="zeros", input_shape=(2,)),
            Dense(16, activation="tanh"),
            Dense(2),
        ]
    )
    return Case(
        "healthy_zero_then_random", compiled(model, ln.optim.Adam(lr=0.05)), x, y, dict(FIT), set()
    )


def healthy_sgd_momentum(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = compiled(mlp([32, 32]), ln.optim.SGD(lr=0.1, momentum=0.9))
    return Case("healthy_sgd_momentum", model, x, y, dict(FIT), set())


def healthy_softmax_onehot(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = blobs(seed)
    model = mlp([32], out=3, out_activation="softmax", features=4)
    onehot = np.eye(3, dtype=np.float32)[y]
    return Case(
        "healthy_softmax_onehot",
        compiled(model, loss="categorical_crossentropy"),
        x,
        onehot,
        dict(FIT),
        set(),
    )


def healthy_regression(seed: int) -> Case:
    ln.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (300, 1)).astype(np.float32)
    y = np.sin(2 * x).astype(np.float32)
    model = compiled(mlp([32, 32], "tanh", out=1, features=1), loss="mse", metrics=())
    return Case("healthy_regression", model, x, y, dict(FIT), set())


# ----------------------------------------------------------------- faults
def dead_bias(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp([32, 32], bias_initializer=ln.init.get("constant", value=-10.0))
    return Case("dead_bias", compiled(model), x, y, dict(FIT), {"init_bias"})


def deep_sigmoid(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = compiled(mlp([32] * 8, "sigmoid"), ln.optim.SGD(lr=0.1))
    return Case("deep_sigmoid", model, x, y, dict(FIT), {"depth_saturating"})


def symmetric(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp([32, 32], "tanh", kernel_initializer=ln.init.get("constant", value=0.1))
    model.layers[-1].weight.data[...] = 0.1
    return Case("symmetric", compiled(model), x, y, dict(FIT), {"init_symmetric"})


def linear(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    return Case("linear", compiled(mlp([32, 32], None)), x, y, dict(FIT), {"no_nonlinearity"})


def double_softmax(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = compiled(mlp([32, 32], out_activation="softmax"))
    return Case("double_softmax", model, x, y, dict(FIT), {"double_softmax"})


def softmax_one_unit(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = compiled(mlp([32, 32], out=1, out_activation="softmax"), loss="binary_crossentropy")
    return Case(
        "softmax_one_unit", model, x, y.astype(np.float32), dict(FIT), {"output_loss_mismatch"}
    )


def relu_mse_onehot(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = blobs(seed)
    model = compiled(mlp([32], out=3, out_activation="relu", features=4), loss="mse")
    onehot = np.eye(3, dtype=np.float32)[y]
    return Case("relu_mse_onehot", model, x, onehot, dict(FIT), {"output_loss_mismatch"})


def lr_high(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    return Case(
        "lr_high", compiled(mlp([32, 32]), ln.optim.SGD(lr=20.0)), x, y, dict(FIT), {"lr_high"}
    )


def lr_low(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    return Case(
        "lr_low", compiled(mlp([32, 32]), ln.optim.SGD(lr=1e-5)), x, y, dict(FIT), {"lr_low"}
    )


def unscaled(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    x = (x * 300 + 1000).astype(np.float32)
    return Case("unscaled", compiled(mlp([32, 32])), x, y, dict(FIT), {"input_scale"})


def init_too_large(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp([32, 32], "tanh", kernel_initializer=ln.init.get("normal", std=4.0))
    return Case(
        "init_too_large", compiled(model, ln.optim.SGD(lr=0.05)), x, y, dict(FIT), {"init_scale"}
    )


def sum_reduction(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    loss = ln.losses.get("softmax_cross_entropy", reduction="sum")
    model = compiled(mlp([32, 32]), ln.optim.SGD(lr=2.0), loss=loss)
    return Case("sum_reduction", model, x, y, dict(FIT), {"loss_reduction"})


def over_regularized(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = compiled(mlp([32, 32], kernel_regularizer=ln.regularizers.get("l2", l2=1.0)))
    return Case("over_regularized", model, x, y, dict(FIT), {"over_regularized"})


def shuffled_labels(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    y = np.random.default_rng(seed).permutation(y)
    return Case("shuffled_labels", compiled(mlp([32, 32])), x, y, dict(FIT), {"labels_misaligned"})


def imbalanced(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed, 600)
    keep = np.flatnonzero(y == 0).tolist() + np.flatnonzero(y == 1)[:15].tolist()
    keep = np.random.default_rng(seed).permutation(keep)
    return Case(
        "imbalanced", compiled(mlp([32, 32])), x[keep], y[keep], dict(FIT), {"class_imbalance"}
    )


def no_zero_grad(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = compiled(mlp([32, 32]), ln.optim.SGD(lr=0.05))
    return Case("no_zero_grad", model, x, y, dict(FIT), {"grad_accumulation"}, manual=True)


def unscaled_and_lr_low(seed: int) -> Case:
    case = unscaled(seed)
    case.model.compile(
        ln.optim.SGD(lr=1e-6), "softmax_cross_entropy", metrics=["accuracy"], lint=False
    )
    return Case("unscaled+lr_low", case.model, case.x, case.y, case.fit, {"input_scale", "lr_low"})


def double_softmax_and_lr_high(seed: int) -> Case:
    case = double_softmax(seed)
    case.model.compile(
        ln.optim.SGD(lr=50.0), "softmax_cross_entropy", metrics=["accuracy"], lint=False
    )
    return Case(
        "double_softmax+lr_high",
        case.model,
        case.x,
        case.y,
        case.fit,
        {"double_softmax", "lr_high"},
    )


def dead_bias_and_over_regularized(seed: int) -> Case:
    ln.manual_seed(seed)
    x, y = moons(seed)
    model = mlp(
        [32, 32],
        bias_initializer=ln.init.get("constant", value=-10.0),
        kernel_regularizer=ln.regularizers.get("l2", l2=1.0),
    )
    return Case(
        "dead_bias+over_regularized",
        compiled(model),
        x,
        y,
        dict(FIT),
        {"init_bias", "over_regularized"},
    )


HEALTHY: list[Callable[[int], Case]] = [
    healthy_relu,
    healthy_deep_tanh,
    healthy_sigmoid_bce,
    healthy_sigmoid_mse,
    healthy_zero_then_random,
    healthy_sgd_momentum,
    healthy_softmax_onehot,
    healthy_regression,
]
FAULTY: list[Callable[[int], Case]] = [
    dead_bias,
    deep_sigmoid,
    symmetric,
    linear,
    double_softmax,
    softmax_one_unit,
    relu_mse_onehot,
    lr_high,
    lr_low,
    unscaled,
    init_too_large,
    sum_reduction,
    over_regularized,
    shuffled_labels,
    imbalanced,
    no_zero_grad,
    unscaled_and_lr_low,
    double_softmax_and_lr_high,
    dead_bias_and_over_regularized,
]


# ----------------------------------------------------------------- the doctor's diagnosis
def manual_loop(case: Case) -> Any:
    """The PyTorch loop that forgets zero_grad(): gradients pile up across steps."""
    model, optimizer = case.model, case.model.optimizer
    loss = model._training_setup.loss
    if not optimizer.is_bound:
        optimizer.bind(model.trainable_parameters())
    rng = np.random.default_rng(0)
    batch = case.fit.get("batch_size", 32)
    for _ in range(case.fit.get("epochs", 1)):
        order = rng.permutation(len(case.x))
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            loss(model(ln.tensor(case.x[rows])), case.y[rows]).backward()
            optimizer.step()  # no zero_grad()
    return model


def diagnose(case: Case) -> tuple[list[Any], list[Any], Any]:
    """preflight, then the training with a HealthMonitor (or the manual loop): the merged
    advice, the warnings raised, and the history (None for a manual loop)."""
    import warnings

    from lucidnet.diagnostics.advice import DiagnosticWarning, merge

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        advice = ln.preflight(case.model, case.x, case.y, verbose=0)
        history = None
        if case.manual:
            manual_loop(case)
        else:
            history = case.model.fit(
                case.x, case.y, callbacks=[ln.callbacks.HealthMonitor()], verbose=0, **case.fit
            )
    raised = [w.message for w in caught if isinstance(w.message, DiagnosticWarning)]
    found = [w.advice for w in raised if w.advice is not None]
    combined = merge(advice, history.advice if history is not None else [], found)
    return combined, raised, history
