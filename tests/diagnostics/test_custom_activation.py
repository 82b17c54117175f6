"""A new activation is one class: lint, preflight, HealthMonitor, the scikit-learn estimators
and ``kinds`` read what it is from its class attributes, never from a list of names."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.blocks.activations import Activation
from lucidnet.diagnostics import kinds


class ClampedReLU(Activation):
    """min(max(0, x), 6) under a name lucidnet does not know: relu6 in all but name."""

    name = "clamped_relu"
    formula = r"f(x) = \min(\max(0, x), 6)"
    family = "relu"
    recommended_initializer = "he_uniform"
    can_die = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, 0, 6)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return ((x > 0) & (x < 6)).astype(x.dtype)


class Squash(Activation):
    """A sigmoid under another name, with its facts stated."""

    name = "squash"
    formula = r"f(x) = 1 / (1 + e^{-x})"
    family = "sigmoid"
    saturation_limit = 6.0
    outputs_probabilities = True
    max_derivative = 0.25

    def forward(self, x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    def derivative(self, x: np.ndarray) -> np.ndarray:
        y = self.forward(x)
        return y * (1 - y)


class Unknown(Activation):
    """An activation that states nothing about itself."""

    name = "unknown_curve"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * x

    def derivative(self, x: np.ndarray) -> np.ndarray:
        return 2 * x


def chain(activation, widths=(8, 3), features=2, **dense):
    ln.manual_seed(0)
    layers = [
        ln.layers.Dense(
            width,
            activation=activation,
            name=f"layer{index}",
            input_shape=(features,) if index == 0 else None,
            **dense,
        )
        for index, width in enumerate(widths)
    ]
    return ln.Sequential(layers)


def test_kinds_read_the_class_attributes_of_an_unregistered_activation():
    relu_like, squash = ClampedReLU(), Squash()
    assert kinds.can_die(relu_like) and kinds.family(relu_like) == "relu"
    assert kinds.name_of(relu_like) == "clamped_relu" and not kinds.is_saturating(relu_like)
    assert kinds.saturation_limit(squash) == 6.0 and kinds.is_saturating(squash)
    assert kinds.outputs_probabilities(squash) and kinds.max_derivative(squash) == 0.25
    # by name nothing is known: it is not registered
    assert not kinds.can_die("clamped_relu") and kinds.family("clamped_relu") is None
    unknown = Unknown()
    assert (kinds.can_die(unknown), kinds.saturation_limit(unknown), kinds.family(unknown)) == (
        False,
        None,
        "other",
    )
    assert kinds.max_derivative(unknown) == 1.0 and not kinds.is_identity(unknown)


def test_lint_flags_a_dying_output_for_classification_as_it_does_relu():
    advice = ln.lint(chain(ClampedReLU()), loss="softmax_cross_entropy", verbose=0)
    (finding,) = advice
    assert (finding.code, finding.severity, finding.cause) == (
        "L004",
        "error",
        "output_loss_mismatch",
    )
    assert finding.message.startswith("clamped_relu output for classification")
    assert finding.remedy == {"action": "set_output_activation", "name": "identity"}
    assert finding.evidence["activation"] == "clamped_relu"
    assert ln.lint(chain(Unknown()), loss="softmax_cross_entropy", verbose=0) == []


def test_lint_bounds_a_deep_stack_by_the_classes_max_derivative():
    model = chain(Squash(), widths=(8, 8, 8, 8, 8, 1))
    (finding,) = [a for a in ln.lint(model, verbose=0) if a.code == "L001"]
    assert finding.severity == "warning" and finding.cause == "depth_saturating"
    assert finding.evidence == {"saturating_layers": 5, "max_gradient_factor": 0.25**5}


def test_lint_calls_a_softmax_like_output_with_a_logits_loss_a_double_softmax():
    class Normalize(ln.activations.Softmax):
        name = "normalize"

    (finding,) = ln.lint(chain(Normalize()), loss="softmax_cross_entropy", verbose=0)
    assert (finding.code, finding.cause) == ("L004", "double_softmax")
    assert finding.message.startswith("normalize output fed to softmax_cross_entropy")


def preflight_findings(activation):
    model = chain(activation, widths=(16, 3), bias_initializer=ln.init.get("constant", value=-5.0))
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    x = np.random.default_rng(0).normal(size=(60, 2))
    y = np.arange(60) % 3
    return ln.preflight(model, x, y, verbose=0)


def test_preflight_gives_a_dying_custom_activation_relu6s_dead_unit_diagnosis():
    custom, builtin = preflight_findings(ClampedReLU()), preflight_findings("relu6")
    summary = [(a.code, a.cause, a.where, a.severity) for a in custom]
    assert summary == [(a.code, a.cause, a.where, a.severity) for a in builtin]
    dead = [a for a in custom if a.cause == "init_bias"]
    assert dead and dead[0].evidence["dead_fraction"] == 1.0  # bias -5: no unit ever fires
    assert "ReLU units are dead" in dead[0].message


@pytest.mark.parametrize(("activation", "watched"), [(ClampedReLU(), True), (Unknown(), False)])
def test_health_monitor_counts_dead_units_exactly_for_classes_that_can_die(activation, watched):
    model = chain(activation, widths=(16, 3), bias_initializer=ln.init.get("constant", value=-5.0))
    model.compile("sgd", "softmax_cross_entropy", lint=False)
    x = np.random.default_rng(0).normal(size=(40, 2))
    history = model.fit(
        x, np.arange(40) % 3, epochs=1, verbose=0, callbacks=[ln.callbacks.HealthMonitor(verbose=0)]
    )
    figures = history.health[0][model.layers[0].name]
    assert ("dead_fraction" in figures) is watched
    if watched:
        assert figures["dead_fraction"] == 1.0


@pytest.mark.parametrize("recommended", ["he_uniform", "lecun_normal"])
def test_sklearn_auto_init_follows_the_classes_recommended_initializer(recommended):
    from lucidnet.sklearn import MLPClassifier

    activation = type("Custom", (ClampedReLU,), {"recommended_initializer": recommended})()
    estimator = MLPClassifier(hidden_layer_sizes=(32,), activation=activation)
    model = estimator._build_model(5, 3, np.dtype(np.float64), np.random.default_rng(7))
    expected = ln.init.get(recommended)((5, 32), rng=np.random.default_rng(7), dtype=np.float64)
    np.testing.assert_array_equal(model.layers[0].weight.data, expected)


def test_lint_reads_a_custom_losss_family_and_target_kind():
    def focal(y_pred, y_true, *, reduction="mean", from_logits=False):
        return ln.losses.binary_crossentropy(
            y_pred, y_true, reduction=reduction, from_logits=from_logits
        )

    focal.family, focal.target_kind = "cross_entropy", "binary"

    def model(output):
        return ln.Sequential(
            [
                ln.layers.Dense(8, activation="relu", input_shape=(2,), name="hidden"),
                ln.layers.Dense(3, activation=output, name="out"),
            ]
        )

    (finding,) = ln.lint(model("softmax"), loss=ln.losses.Loss(focal), verbose=0)
    assert (finding.code, finding.cause, finding.where) == ("L004", "output_loss_mismatch", "out")
    assert finding.message.startswith("softmax output with focal: softmax makes the 3 outputs")
    (logits,) = ln.lint(model("softmax"), loss=ln.losses.Loss(focal, from_logits=True), verbose=0)
    assert logits.message.startswith("softmax output with focal")  # compete, before logits
    assert ln.lint(model(None), loss=ln.losses.Loss(focal, from_logits=True), verbose=0) == []
