"""compile(jit_compile=True): the compiled step equals the NumPy plan, keeps the NaN guard,
and hands back to the NumPy step for whatever it does not compile."""

from __future__ import annotations

import decimal
import subprocess
import sys
import warnings

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.training.trainer import NonFiniteLossWarning

numba = pytest.importorskip("numba")
from lucidnet.training import jit  # noqa: E402  (needs numba)


def stack(sizes, activations, output_activation=None):
    ln.manual_seed(0)
    layers = []
    for index, units in enumerate(sizes[1:]):
        hidden = index < len(sizes) - 2
        options = {"input_shape": (sizes[0],)} if index == 0 else {}
        activation = activations[index] if hidden else output_activation
        layers.append(ln.layers.Dense(units, activation=activation, dtype="float64", **options))
    return ln.Sequential(layers)


def train(sizes, activations, loss, x, y, jit_compile, optimizer=None, **fit_options):
    """Weights, losses and how many steps the compiled function took."""
    model = stack(sizes, activations, fit_options.pop("output_activation", None))
    model.compile(
        optimizer=optimizer or ln.optim.SGD(lr=0.1),
        loss=loss,
        lint=False,
        jit_compile=jit_compile,
    )
    compiled_steps = []
    original = jit.CompiledStep.run

    def counted(self, *args):
        result = original(self, *args)
        compiled_steps.append(result is not None)
        return result

    jit.CompiledStep.run = counted
    try:
        ln.manual_seed(1)
        options = {"epochs": 3, "batch_size": 5, "verbose": 0, **fit_options}
        history = model.fit(x, y, **options)
    finally:
        jit.CompiledStep.run = original
    weights = [p.data.copy() for p in model.parameters()]
    return weights, history, sum(compiled_steps)


def assert_same_training(sizes, activations, loss, x, y, **options):
    numpy_weights, numpy_history, _ = train(sizes, activations, loss, x, y, False, **options)
    jit_weights, jit_history, compiled = train(sizes, activations, loss, x, y, True, **options)
    batches = -(-len(x) // options.get("batch_size", 5))
    assert compiled == options.get("epochs", 3) * batches  # every step was the compiled one
    np.testing.assert_allclose(
        jit_history.history["loss"], numpy_history.history["loss"], rtol=1e-12, atol=1e-12
    )
    for ours, theirs in zip(jit_weights, numpy_weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    return jit_history


def data(samples, features, seed=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((samples, features))


# the benchmark networks (mnist and wide scaled down below the loops' size limit)
BENCHMARK_SHAPES = {
    "tiny": ((3, 3, 2, 2), ("sigmoid", "relu")),
    "small": ((2, 16, 16, 2), ("relu", "relu")),
    "mnist_scaled": ((49, 16, 8, 10), ("relu", "relu")),
    "wide_scaled": ((32, 32, 32, 10), ("relu", "relu")),
}


@pytest.mark.parametrize("name", list(BENCHMARK_SHAPES))
def test_compiled_step_equals_numpy_plan_on_the_benchmark_shapes(name):
    sizes, activations = BENCHMARK_SHAPES[name]
    x = data(23, sizes[0])  # 23 = 4 batches of 5 and one of 3, shuffled every epoch
    labels = np.random.default_rng(4).integers(0, sizes[-1], 23)
    assert_same_training(sizes, activations, "softmax_cross_entropy", x, labels)


def test_a_second_fit_with_validation_and_metrics_reuses_the_compiled_step():
    sizes, activations = BENCHMARK_SHAPES["small"]
    x, labels = data(20, 2), np.random.default_rng(4).integers(0, 2, 20)
    runs = []
    for jit_compile in (False, True):
        model = stack(sizes, activations)
        model.compile(
            optimizer=ln.optim.SGD(lr=0.1),
            loss="softmax_cross_entropy",
            metrics=["accuracy"],
            lint=False,
            jit_compile=jit_compile,
        )
        histories = [
            model.fit(x, labels, epochs=2, batch_size=4, validation_split=0.25, verbose=0)
            for _ in range(2)
        ]
        runs.append((histories, [p.data.copy() for p in model.parameters()]))
        plan = model._training_setup.plan
        assert (plan.compiled is not None) == jit_compile
    for numpy_history, jit_history in zip(runs[0][0], runs[1][0], strict=True):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(
                jit_history.history[key], numpy_history.history[key], rtol=1e-12
            )
    for ours, theirs in zip(runs[1][1], runs[0][1], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_compiled_step_in_order_and_float32_matches_the_numpy_plan():
    """Slices of the data (views, no shuffle) and float32 weights, to float32 rounding."""
    x = data(12, 3).astype(np.float32)
    labels = np.random.default_rng(4).integers(0, 2, 12)
    results = []
    for jit_compile in (False, True):
        ln.manual_seed(0)
        model = ln.Sequential(
            [
                ln.layers.Dense(3, activation="sigmoid", input_shape=(3,)),
                ln.layers.Dense(2, activation="relu"),
                ln.layers.Dense(2),
            ]
        )
        model.compile(
            optimizer=ln.optim.SGD(lr=0.1),
            loss="softmax_cross_entropy",
            lint=False,
            jit_compile=jit_compile,
        )
        history = model.fit(x, labels, epochs=4, batch_size=5, shuffle=False, verbose=0)
        results.append((history.history["loss"], [p.data.copy() for p in model.parameters()]))
        assert model.layers[0].weight.data.dtype == np.float32
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5)
    for ours, theirs in zip(results[1][1], results[0][1], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


# each loss the compiled step offers, with tanh / identity / sigmoid layers (2 layers: a
# chain compiles in about a second per loss)
LOSS_CASES = {
    "mse_tanh": (lambda: "mse", lambda y: y, ("tanh",), None),
    "mse_sum_sigmoid_output": (
        lambda: ln.losses.get("mse", reduction="sum"),
        lambda y: y,
        ("tanh",),
        "sigmoid",
    ),
    "binary_crossentropy_logits": (
        lambda: ln.losses.get("binary_crossentropy", from_logits=True),
        lambda y: (y > 0).astype(np.float64),
        ("tanh",),
        None,
    ),
    "softmax_cross_entropy_one_hot": (
        lambda: "softmax_cross_entropy",
        lambda y: np.eye(3)[np.argmax(y, axis=1)],
        ("tanh",),
        None,
    ),
    "categorical_crossentropy_logits_soft": (
        lambda: ln.losses.get("categorical_crossentropy", from_logits=True),
        lambda y: np.exp(y) / np.exp(y).sum(axis=1, keepdims=True),
        ("tanh",),
        None,
    ),
    "sparse_categorical_crossentropy_logits": (
        lambda: ln.losses.get("sparse_categorical_crossentropy", from_logits=True),
        lambda y: np.argmax(y, axis=1),
        ("tanh",),
        None,
    ),
}


@pytest.mark.parametrize("name", list(LOSS_CASES))
def test_compiled_step_equals_numpy_plan_for_each_loss(name):
    make_loss, make_targets, activations, output_activation = LOSS_CASES[name]
    x = data(17, 4)
    targets = make_targets(data(17, 3, seed=5))
    assert_same_training(
        (4, 5, 3), activations, make_loss(), x, targets, output_activation=output_activation
    )


def test_compiled_step_with_maximize_and_no_bias_matches_numpy_plan():
    x, labels = data(10, 4), np.random.default_rng(2).integers(0, 3, 10)
    model_options = {"use_bias": False, "input_shape": (4,), "dtype": "float64"}
    results = []
    for jit_compile in (False, True):
        ln.manual_seed(0)
        model = ln.Sequential(
            [
                ln.layers.Dense(5, activation="tanh", **model_options),
                ln.layers.Dense(3, dtype="float64"),
            ]
        )
        model.compile(
            optimizer=ln.optim.SGD(lr=0.05, maximize=True),
            loss=ln.losses.get("sparse_categorical_crossentropy", from_logits=True),
            lint=False,
            jit_compile=jit_compile,
        )
        model.fit(x, labels, epochs=2, batch_size=5, verbose=0)
        results.append([p.data.copy() for p in model.parameters()])
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------- the NaN guard
def test_non_finite_loss_restores_the_last_good_weights_on_the_compiled_step():
    """A batch whose loss is inf: weights before the last update are back (the backup the
    compiled step took), as on the NumPy plan."""
    sizes, activations = (4, 5, 3), ("tanh",)  # the chain of the mse test above
    x, targets = data(10, 4), data(10, 3, seed=5)
    bad_targets = targets.copy()
    bad_targets[7, 0] = 1e200  # the second batch's loss overflows to inf
    results = []
    for jit_compile in (False, True):
        model = stack(sizes, activations)
        model.compile(
            optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False, jit_compile=jit_compile
        )
        model.fit(x, targets, epochs=1, batch_size=5, shuffle=False, verbose=0)
        good = [p.data.copy() for p in model.parameters()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (NonFiniteLossWarning, RuntimeWarning))
            history = model.fit(x, bad_targets, epochs=3, batch_size=5, shuffle=False, verbose=0)
        assert history.stop_reason == "non_finite"
        assert "epoch 1, batch 2" in history.stop_message
        weights = [p.data.copy() for p in model.parameters()]
        for ours, theirs in zip(weights, good, strict=True):
            np.testing.assert_array_equal(ours, theirs)
        results.append(weights)
    assert model._training_setup.plan.compiled is not None
    for ours, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_weights_made_non_finite_by_the_last_step_are_restored():
    """The step's loss is finite but its update overflows: the epoch end puts back the
    weights before that step (the compiled step's own backup)."""
    x, targets = data(5, 4), np.full((5, 3), 1e150)  # loss ~1e300, update ~1e349
    model = stack((4, 5, 3), ("tanh",))
    model.compile(optimizer=ln.optim.SGD(lr=1e200), loss="mse", lint=False, jit_compile=True)
    before = [p.data.copy() for p in model.parameters()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (NonFiniteLossWarning, RuntimeWarning))
        history = model.fit(x, targets, epochs=2, batch_size=5, verbose=0)
    assert model._training_setup.plan.compiled is not None
    assert history.stop_reason == "non_finite"
    assert "weights became non-finite" in history.stop_message
    assert np.isfinite(history.history["loss"][0])
    for parameter, weights in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(parameter.data, weights)


# ------------------------------------------------------------------- fallbacks
def fit_and_plan(model, loss="softmax_cross_entropy", optimizer=None, targets=None, **fit):
    model.compile(
        optimizer=optimizer or ln.optim.SGD(lr=0.1), loss=loss, lint=False, jit_compile=True
    )
    x = data(10, model.layers[0].weight.shape[0])
    y = np.random.default_rng(4).integers(0, 2, 10) if targets is None else targets
    model.fit(x, y, epochs=1, batch_size=5, verbose=0, **fit)
    return model._training_setup.plan


def test_an_activation_without_scalar_kernels_keeps_the_numpy_plan():
    plan = fit_and_plan(stack((3, 4, 2), ("elu",)))
    assert plan is not None and plan.compiled is None


def test_a_subclass_redefining_the_formula_loses_the_scalar_kernels():
    class Shifted(ln.activations.ReLU):
        def forward(self, x):
            return np.maximum(x, 0) + 0.0

    assert not Shifted().has_scalar_kernels()
    assert ln.activations.get("relu").has_scalar_kernels()


class Wobbly(ln.activations.Activation):
    """A user's activation whose scalar kernel numba cannot compile (it builds a Decimal)."""

    name = "wobbly"

    def forward(self, x):
        return np.tanh(x)

    def derivative(self, x):
        return 1 - np.tanh(x) ** 2

    @staticmethod
    def scalar_forward(x):
        return float(decimal.Decimal(x))

    @staticmethod
    def scalar_slope(y):
        return 1 - y * y


def test_a_kernel_numba_cannot_compile_warns_once_and_trains_on_the_numpy_step():
    ln.manual_seed(0)
    model = ln.Sequential(
        [ln.layers.Dense(3, activation=Wobbly(), input_shape=(4,)), ln.layers.Dense(2)]
    )
    before = [p.data.copy() for p in model.parameters()]
    with pytest.warns(RuntimeWarning, match="numba could not compile") as caught:
        plan = fit_and_plan(model, targets=np.random.default_rng(4).integers(0, 2, 10))
    assert len([w for w in caught if "numba" in str(w.message)]) == 1
    assert plan.compiled is not None
    assert not all(
        np.array_equal(p.data, b) for p, b in zip(model.parameters(), before, strict=True)
    )


def test_other_optimizers_and_regularizers_take_the_numpy_step():
    plan = fit_and_plan(stack((3, 4, 2), ("relu",)), optimizer=ln.optim.Adam(lr=0.01))
    assert plan.compiled is not None and not plan.fused  # built, but never run
    ln.manual_seed(0)
    model = ln.Sequential(
        [ln.layers.Dense(4, input_shape=(3,), kernel_regularizer="l2"), ln.layers.Dense(2)]
    )
    plan = fit_and_plan(model)
    assert plan.compiled is not None and not plan.fused


def test_a_loss_without_a_closed_form_uses_the_tape_and_numpy_plan_is_default():
    model = stack((3, 4, 2), ("relu",))
    assert fit_and_plan(model, loss="hinge", targets=np.where(data(10, 2) > 0, 1.0, -1.0)) is None
    model = stack((3, 4, 2), ("relu",))
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False)
    model.fit(data(10, 3), data(10, 2), epochs=1, verbose=0)
    assert model._training_setup.jit_compile is False
    assert model._training_setup.plan.compiled is None


def test_layers_too_large_for_loops_take_the_numpy_step(monkeypatch):
    monkeypatch.setattr(jit, "MAX_WORK", 10)
    _, _, compiled = train((3, 3, 2, 2), ("sigmoid", "relu"), "mse", data(10, 3), data(10, 2), True)
    assert compiled == 0


def test_the_core_import_does_not_import_numba():
    code = "import lucidnet, sys; print('numba' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


# ------------------------------------------------------------------- the argument
@pytest.mark.parametrize("value", [1, "yes", None])
def test_jit_compile_takes_bools_only(value):
    model = stack((3, 4, 2), ("relu",))
    with pytest.raises(TypeError, match="jit_compile must be True or False"):
        model.compile(optimizer="sgd", loss="mse", jit_compile=value)


def test_jit_compile_without_numba_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a)
    )
    model = stack((3, 4, 2), ("relu",))
    with pytest.raises(ImportError, match=r"pip install 'lucidnet\[jit\]'"):
        model.compile(optimizer="sgd", loss="mse", jit_compile=True)


def test_jit_compile_is_kept_in_the_training_state():
    model = stack((3, 4, 2), ("relu",))
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False, jit_compile=True)
    state = model._training_setup
    assert state.jit_compile is True
    assert not hasattr(model, "jit_compile")
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False)
    assert model._training_setup.jit_compile is False
