"""ln.lint: each rule fires on a model built to break it and stays silent on sane models."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.diagnostics.advice import Advice, format_report
from lucidnet.diagnostics.kinds import name_of
from lucidnet.diagnostics.lint import LintWarning, layer_graph, lint

Dense = ln.layers.Dense
F = ln.functional


def mlp(
    *hidden: str, out_units: int = 3, out: str | None = None, features: int = 2, **hidden_options
) -> ln.Sequential:
    """Dense(8, a) for each hidden activation a, then Dense(out_units, out); named h0.., out."""
    layers = [
        Dense(
            8,
            activation=a,
            name=f"h{i}",
            input_shape=(features,) if i == 0 else None,
            **hidden_options,
        )
        for i, a in enumerate(hidden)
    ]
    return ln.Sequential([*layers, Dense(out_units, activation=out, name="out")])


def codes(advice: list[Advice]) -> list[tuple[str, str, str]]:
    return [(a.code, a.severity, a.where) for a in advice]


# --------------------------------------------------------------------------- silence
@pytest.mark.parametrize(
    ("out", "loss"),
    [
        ("softmax", "categorical_crossentropy"),
        ("softmax", "sparse_categorical_crossentropy"),
        (None, "softmax_cross_entropy"),
        (None, ln.losses.get("sparse_categorical_crossentropy", from_logits=True)),
        (None, ln.losses.get("categorical_crossentropy", from_logits=True)),
    ],
)
def test_sane_classifiers_get_no_advice_and_print_no_problems(out, loss, capsys):
    model = mlp("relu", "relu", out=out)
    assert lint(model, loss=loss) == []
    assert capsys.readouterr().out.strip() == "lint: no problems found"


@pytest.mark.parametrize(
    ("units", "out", "loss"),
    [
        (1, "sigmoid", "binary_crossentropy"),
        (1, None, "mse"),
        (1, "relu", "mae"),
        (1, None, ln.losses.get("binary_crossentropy", from_logits=True)),
        (3, None, "hinge"),
    ],
)
def test_binary_and_regression_outputs_that_fit_their_loss_are_silent(units, out, loss):
    assert lint(mlp("relu", "relu", out_units=units, out=out), loss=loss) == []


def test_the_seed_models_have_only_the_advice_they_deserve():
    seed = ln.Sequential(
        [
            Dense(
                3, activation="relu", kernel_initializer="he_normal", input_shape=(3,), name="l1"
            ),
            Dense(2, activation="relu", kernel_initializer="he_normal", name="l2"),
            Dense(2, activation="sigmoid", kernel_initializer="he_normal", name="l3"),
        ]
    )
    # He init is derived for ReLU: on the sigmoid layer it is an (info) mismatch, nothing else
    assert codes(lint(seed)) == [("L005", "info", "l3")]


# --------------------------------------------------------------------------- L001
def test_five_hidden_sigmoid_layers_warn_of_vanishing_gradients():
    advice = lint(mlp(*["sigmoid"] * 5))
    assert codes(advice) == [("L001", "warning", "model")]
    assert "vanish" in advice[0].message and "relu" in advice[0].fix
    assert advice[0].cause == "depth_saturating"
    assert advice[0].remedy == {
        "action": "set_activation",
        "layers": ["h0", "h1", "h2", "h3", "h4"],
        "name": "relu",
    }
    assert advice[0].evidence["max_gradient_factor"] == pytest.approx(0.25**5)


def test_the_depth_rule_is_activation_aware_for_tanh():
    # tanh has slope 1 at 0: an 8-layer Glorot tanh net trains well, so no advice;
    # from 10 layers an info, never a warning
    assert lint(mlp(*["tanh"] * 8)) == []
    assert codes(lint(mlp(*["tanh"] * 10))) == [("L001", "info", "model")]


def test_four_hidden_sigmoid_layers_are_not_yet_deep():
    assert lint(mlp(*["sigmoid"] * 4)) == []


def test_batch_norm_before_each_sigmoid_layer_silences_the_deep_stack_rule():
    layers = [Dense(8, activation="sigmoid", input_shape=(2,))]
    for _ in range(5):
        layers += [ln.layers.BatchNorm(), Dense(8, activation="sigmoid")]
    assert [a.code for a in lint(ln.Sequential([*layers, Dense(3)]))] == []


# --------------------------------------------------------------------------- L002
@pytest.mark.parametrize("initializer", ["zeros", "ones", ln.init.get("constant", value=0.5)])
def test_constant_kernel_initializer_of_a_hidden_layer_is_an_error(initializer):
    # h0 is read by the constant h1: its units stay copies. h1 is read by the random output
    # layer, whose different weights give its units different gradients: that is fine.
    advice = lint(mlp("relu", "relu", kernel_initializer=initializer))
    assert codes(advice) == [("L002", "error", "h0")]
    assert "symmetric" in advice[0].message and advice[0].cause == "init_symmetric"
    assert advice[0].remedy["action"] == "set_initializer"


def test_a_zero_layer_followed_by_a_random_layer_is_not_an_error():
    ln.manual_seed(0)
    x, y = ln.datasets.moons(200, noise=0.1, random_state=0)
    model = ln.Sequential(
        [
            Dense(16, activation="tanh", kernel_initializer="zeros", input_shape=(2,)),
            Dense(16, activation="tanh"),
            Dense(2),
        ]
    )
    assert lint(model, loss="softmax_cross_entropy") == []
    model.compile(ln.optim.Adam(lr=0.05), "softmax_cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=100, verbose=0)
    assert history.history["accuracy"][-1] > 0.95  # it learns: lint was right to stay quiet


def test_identical_weights_set_by_hand_are_found_from_the_values():
    model = mlp("relu", "relu", out="softmax")
    model.layers[1].weight.data[...] = np.arange(8, dtype=np.float32)[:, None]  # rows constant
    assert lint(model) == []  # the random output layer reads its units differently
    model.layers[2].weight.data[...] = 0.5  # now they are read alike too: copies forever
    assert codes(lint(model)) == [("L002", "error", "h1")]
    model.layers[1].bias.data[...] = np.arange(8)  # different biases break the symmetry
    assert lint(model) == []


def test_constant_output_layer_and_single_unit_layers_are_fine():
    # each output unit has its own error signal; a single unit has no twin
    model = ln.Sequential(
        [
            Dense(8, activation="relu", input_shape=(2,)),
            Dense(1, activation="relu", kernel_initializer="zeros"),
            Dense(3, kernel_initializer="zeros"),
        ]
    )
    assert lint(model) == []


# --------------------------------------------------------------------------- L003
def test_affine_layers_without_activation_between_collapse_to_one():
    model = ln.Sequential(
        [
            Dense(8, input_shape=(2,), name="a"),
            ln.layers.Dropout(0.5),
            Dense(8, activation="relu", name="b"),
            Dense(3, name="c"),
        ]
    )
    advice = lint(model)  # b has relu: the network is not linear, one layer is wasted
    assert codes(advice) == [("L003", "info", "a")]
    assert "W2(W1x+b1)+b2" in advice[0].message and "activation='relu'" in advice[0].fix


def test_an_activation_layer_between_affine_layers_is_a_non_linearity():
    model = ln.Sequential([Dense(8, input_shape=(2,)), ln.layers.Activation("tanh"), Dense(3)])
    assert lint(model) == []


# --------------------------------------------------------------------------- L004
@pytest.mark.parametrize(
    ("units", "out", "loss", "severity", "phrase"),
    [
        (3, "softmax", "binary_crossentropy", "error", "compete"),
        (3, "sigmoid", "categorical_crossentropy", "error", "do not sum to 1"),
        (3, "sigmoid", "sparse_categorical_crossentropy", "error", "do not sum to 1"),
        (3, "relu", "categorical_crossentropy", "error", "classification"),
        (3, "relu", "softmax_cross_entropy", "error", "classification"),
        (
            1,
            "relu",
            ln.losses.get("binary_crossentropy", from_logits=True),
            "error",
            "classification",
        ),
        (3, None, "categorical_crossentropy", "error", "expects probabilities"),
        (1, None, "binary_crossentropy", "error", "expects probabilities"),
        (1, "sigmoid", ln.losses.get("binary_crossentropy", from_logits=True), "error", "logits"),
        (
            3,
            "softmax",
            ln.losses.get("sparse_categorical_crossentropy", from_logits=True),
            "error",
            "double softmax",
        ),
        (3, "softmax", "softmax_cross_entropy", "error", "double softmax"),
        (1, "sigmoid", "mse", "info", "binary cross-entropy"),
        (3, "softmax", "huber", "info", "binary cross-entropy"),
    ],
)
def test_output_activation_that_does_not_fit_the_loss(units, out, loss, severity, phrase):
    advice = lint(mlp("relu", "relu", out_units=units, out=out), loss=loss)
    assert codes(advice) == [("L004", severity, "out")]
    assert phrase in advice[0].message


def test_the_loss_given_to_compile_is_used_when_none_is_passed():
    model = mlp("relu", out="softmax")
    assert lint(model) == []  # no loss known: the output rule cannot apply
    model.compile("sgd", "binary_crossentropy", lint=False)
    assert codes(lint(model)) == [("L004", "error", "out")]


def test_an_unknown_loss_name_is_rejected():
    with pytest.raises(ValueError, match="unknown loss"):
        lint(mlp("relu"), loss="cross_entropy_typo")


# --------------------------------------------------------------------------- L005
def test_he_initializer_on_a_tanh_layer_is_an_info():
    model = mlp("tanh", "relu", kernel_initializer="he_normal")
    assert codes(lint(model)) == [("L005", "info", "h0")]


def test_glorot_in_a_deep_relu_network_is_an_info():
    advice = lint(mlp(*["relu"] * 4, kernel_initializer="glorot_uniform"))
    assert codes(advice) == [("L005", "info", "model")]
    assert "he_uniform" in advice[0].fix
    assert lint(mlp(*["relu"] * 3, kernel_initializer="glorot_uniform")) == []


# --------------------------------------------------------------------------- the three styles
def test_functional_models_are_linted_through_their_graph():
    inputs = ln.Input(shape=(2,))
    hidden = Dense(8, name="f_hidden")(inputs)  # no activation, then straight into Dense
    outputs = Dense(3, activation="softmax", name="f_out")(
        Dense(8, activation="relu", name="f_mid")(hidden)
    )
    model = ln.Model(inputs, outputs)
    assert codes(lint(model, loss="binary_crossentropy")) == [
        ("L004", "error", "f_out"),
        ("L003", "info", "f_hidden"),
    ]


class FunctionalActivations(ln.Module):
    """Linear layers whose activations are applied as functions in forward."""

    def __init__(self, final=F.softmax):
        super().__init__()
        self.fc1 = ln.layers.Linear(2, 8)
        self.fc2 = ln.layers.Linear(8, 8)
        self.head = ln.layers.Linear(8, 3)
        self.final = final

    def forward(self, x):
        return self.final(self.head(F.relu(self.fc2(F.relu(self.fc1(x))))))


def test_subclassed_models_see_activations_applied_as_functions():
    model = FunctionalActivations()
    assert lint(model, loss="categorical_crossentropy") == []  # relu between, softmax output
    assert codes(lint(model, loss="softmax_cross_entropy")) == [("L004", "error", "head")]
    graph = layer_graph(model)
    assert [name_of(graph.activation_after(i)) for i in range(3)] == ["relu", "relu", "softmax"]


class Between(ln.Module):
    """Two Linear layers with ``between`` applied to the hidden values."""

    def __init__(self, between):
        super().__init__()
        self.first = ln.layers.Linear(2, 8)
        self.second = ln.layers.Linear(8, 3)
        self.between = between

    def forward(self, x):
        return self.second(self.between(self.first(x)))


@pytest.mark.parametrize("between", [lambda h: h, lambda h: -h, lambda h: h.reshape(-1, 8)])
def test_subclassed_model_with_only_affine_ops_between_layers_collapses(between):
    assert codes(lint(Between(between), loss="softmax_cross_entropy")) == [
        ("L003", "warning", "first")
    ]


@pytest.mark.parametrize("between", [lambda h: h.abs(), lambda h: h * h, F.leaky_relu])
def test_subclassed_model_with_a_non_linear_op_between_layers_is_silent(between):
    assert lint(Between(between), loss="softmax_cross_entropy") == []


def test_subclassed_model_of_unknown_input_size_skips_order_rules_only():
    class Unknown(ln.Module):
        def __init__(self):
            super().__init__()
            self.first = Dense(8, kernel_initializer="zeros")
            self.second = Dense(3)

        def forward(self, x):
            return self.second(self.first(x))

    graph = layer_graph(Unknown())
    assert not graph.ordered
    # L003 (no activation between) needs the call order and is skipped; L002 is not
    assert lint(Unknown()) == []  # "second" is random: first's units are read differently


def test_unordered_graph_gives_each_layer_its_own_activation():
    class Unknown(ln.Module):
        def __init__(self):
            super().__init__()
            self.first = Dense(8, activation="tanh")
            self.second = Dense(3)

        def forward(self, x):
            return F.sigmoid(self.second(self.first(x)))  # not seen: the model is not run

    graph = layer_graph(Unknown())
    assert not graph.ordered
    assert [name_of(graph.activation_after(i)) for i in range(2)] == ["tanh", "identity"]
    assert [graph.activation_after(i) for i in range(2)] == [s.activation for s in graph.steps]


# --------------------------------------------------------------------------- reporting
def test_report_lists_errors_first_with_counts(capsys):
    model = ln.Sequential(
        [Dense(8, input_shape=(2,), name="lin"), Dense(3, activation="softmax", name="probs")]
    )
    advice = lint(model, loss="binary_crossentropy")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "lint: 1 error, 1 warning"
    assert printed[1].startswith(
        "error   L004 [output_loss_mismatch] layer probs: softmax output with binary_crossentropy"
    )
    assert " -> fix: " in printed[1]
    assert printed[2].startswith("warning L003 [no_nonlinearity] layer lin: ")
    assert [str(a) for a in advice] == printed[1:]


def test_advice_text_and_validation():
    item = Advice("L001", "warning", "depth_saturating", "model", "too deep", "use relu")
    assert str(item) == "warning L001 [depth_saturating] model: too deep -> fix: use relu"
    assert format_report([]) == "lint: no problems found"
    with pytest.raises(ValueError, match="severity"):
        Advice("L001", "fatal", "depth_saturating", "model", "x")
    with pytest.raises(ValueError, match="cause"):
        Advice("L001", "error", "too_deep", "model", "x")
    with pytest.raises(ValueError, match="remedy"):
        Advice("L001", "error", "lr_low", "model", "x", remedy={"action": "pray"})


def test_warn_mode_issues_lint_warnings_and_prints_nothing(capsys):
    model = mlp("relu", out="softmax", kernel_initializer="he_normal")
    with pytest.warns(LintWarning, match="L004"):
        advice = lint(model, loss="binary_crossentropy", warn=True)
    assert codes(advice) == [("L004", "error", "out")]
    assert capsys.readouterr().out == ""


def test_compile_lints_a_broken_model_with_lint_warnings():
    model = mlp(*["sigmoid"] * 5, out="softmax")
    with pytest.warns(LintWarning) as caught:
        model.compile("adam", "binary_crossentropy")
    messages = [str(w.message) for w in caught if issubclass(w.category, LintWarning)]
    assert any("L001" in m for m in messages) and any("L004" in m for m in messages)


def test_compile_is_silent_on_a_sane_model_and_with_lint_false():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mlp("relu", "relu").compile("adam", "softmax_cross_entropy")
        mlp("relu", out="softmax").compile("adam", "binary_crossentropy", lint=False)
    assert not [w for w in caught if issubclass(w.category, LintWarning)]


def test_lint_returns_its_report_for_notebooks_to_show_once():
    model = ln.Sequential([ln.layers.Dense(3, input_shape=(2,)), ln.layers.Dense(2)])
    findings = ln.lint(model, loss="mse", verbose=0)
    assert [a.cause for a in findings] == ["no_nonlinearity"]
    shown = []

    class Printer:
        def text(self, value):
            shown.append(value)

    findings._repr_pretty_(Printer(), cycle=False)  # what IPython shows instead of a list repr
    assert shown == [findings.report_text()] and "no_nonlinearity" in shown[0]
