"""The plan asks activations, losses and optimizers for their kernels, never their names.

Custom activations and losses train through ``fit`` with the numbers of the manual
PyTorch-style loop; a subclass that redefines a formula never inherits its parent's
fast kernel; ``reduction="sum"`` is honoured; and the plan equals the tape on every
benchmark configuration and optimizer.
"""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.blocks.activations import Activation, ReLU, Sigmoid
from lucidnet.training.losses import Loss
from lucidnet.training.plan import TrainingPlan
from lucidnet.training.step import ClosedFormLoss, GroupUpdater, TrainingStep

from .loss_cases import CLOSED_FORM_CASES

RNG = np.random.default_rng(5)
X = RNG.standard_normal((40, 4))
LABELS = RNG.integers(0, 3, 40)
BATCH = 16


# ------------------------------------------------------------------ custom building blocks
class SquaredReLU(ReLU):
    """A ReLU subclass with its own formula (and ReLU's name): max(0, x)^2."""

    def forward(self, x):
        return np.maximum(x, 0) ** 2

    def derivative(self, x):
        return 2 * np.maximum(x, 0)


class Softclip(Activation):
    """A new activation from scratch, no kernels: x / sqrt(1 + x^2)."""

    name = "softclip"

    def forward(self, x):
        return x / np.sqrt(1 + x * x)

    def derivative(self, x):
        return (1 + x * x) ** -1.5


class HalfReLU(Activation):
    """A new activation with its own in-place kernels: max(0, x) / 2."""

    name = "half_relu"

    def forward(self, x):
        return np.maximum(x, 0) / 2

    def derivative(self, x):
        return (x > 0) / 2

    def forward_(self, x):
        np.maximum(x, 0, out=x)
        x *= 0.5
        return x

    def backward_(self, y, g, work):
        g *= (y > 0) * 0.5
        return g


class HalfSquaredError:
    """A custom loss with a closed form: 1/2 sum (p - y)^2, gradient p - y."""

    name = "half_squared_error"
    reduction = "sum"

    def __call__(self, y_pred, y_true):
        error = y_pred - ln.tensor(y_true)
        return (error * error).sum() * 0.5

    def value_and_grad(self, y_pred, y_true, reduction=None, *, scale=1.0, out=None, class_axis=-1):
        error = y_pred - y_true
        out = np.empty_like(error) if out is None else out
        np.multiply(error, scale, out=out)
        return 0.5 * float(np.vdot(error, error)), out


class DoubledMSE(Loss):
    """A Loss subclass with its own formula: it must not inherit mse's closed form."""

    def __call__(self, y_pred, y_true, reduction=None):
        return super().__call__(y_pred, y_true, reduction) * 2.0


def cube_loss(y_pred, y_true):
    """A plain-function loss on Tensors (no kernel at all)."""
    error = y_pred - ln.tensor(y_true)
    return (error * error * error).abs().mean()


# ------------------------------------------------------------------ helpers
def dense_stack(hidden=("relu", "tanh"), outputs=3, output_activation=None, sizes=(4, 6, 5)):
    ln.manual_seed(0)
    layers = [
        ln.layers.Dense(sizes[1], activation=hidden[0], input_shape=(sizes[0],), dtype="float64")
    ]
    layers += [
        ln.layers.Dense(units, activation=a, dtype="float64")
        for units, a in zip(sizes[2:], hidden[1:], strict=True)
    ]
    layers.append(ln.layers.Dense(outputs, activation=output_activation, dtype="float64"))
    return ln.Sequential(layers)


def fit(model, loss, targets, optimizer, *, plan=True, epochs=3, x=X, batch_size=BATCH):
    """``model.fit`` without shuffling; returns the loss history and whether a plan ran."""
    model.compile(optimizer=optimizer, loss=loss, lint=False)
    original = TrainingPlan.build
    TrainingPlan.build = original if plan else (lambda *args: None)
    try:
        history = model.fit(
            x, targets, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0
        )
    finally:
        TrainingPlan.build = original
    return history.history["loss"], model._training_setup.plan is not None


def manual_loop(model, loss, targets, optimizer, *, epochs=3, x=X, batch_size=BATCH):
    """The PyTorch-style loop over the same batches: zero_grad, backward, step."""
    optimizer.bind(model.parameters())
    targets = targets.reshape(len(x), -1) if targets.ndim == 1 and outputs(model) == 1 else targets
    epoch_losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch_x, batch_y = x[start : start + batch_size], targets[start : start + batch_size]
            value = loss(model(ln.tensor(batch_x)), batch_y)
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            total += float(value.data) * len(batch_x)
        epoch_losses.append(total / len(x))
    return epoch_losses


def outputs(model):
    return model.layers[-1].units


def assert_same_weights(a, b, rtol=1e-12, atol=1e-14):
    for (name, left), (_, right) in zip(
        a.state_dict().items(), b.state_dict().items(), strict=True
    ):
        np.testing.assert_allclose(left, right, rtol=rtol, atol=atol, err_msg=name)


# ------------------------------------------------------------------ activation kernels
POINTS = np.array([-1000.0, -30.0, -6.5, -1.0, -1e-8, 0.0, 1e-8, 0.5, 3.0, 30.0, 1000.0])
WITH_KERNELS = [
    n for n in ln.activations.available() if ln.activations.get(n).has_inplace_kernels()
]


def test_the_built_in_in_place_kernels_are_those_of_relu_sigmoid_tanh_and_identity():
    assert sorted(WITH_KERNELS) == ["identity", "relu", "sigmoid", "tanh"]


@pytest.mark.parametrize("name", WITH_KERNELS)
def test_in_place_kernels_equal_forward_and_vjp(name):
    activation = ln.activations.get(name)
    x = np.concatenate([POINTS, RNG.standard_normal(20)])
    g = RNG.standard_normal(x.shape)
    y = activation.forward(x)
    written = x.copy()
    result = activation.forward_(written)
    assert np.shares_memory(result, written)
    # equal up to rounding; sigmoid's in-place (1 + tanh(x/2)) / 2 is exact to 2^-53 in
    # absolute terms (its relative accuracy fades below 1e-10, where nothing trains)
    np.testing.assert_allclose(written, y, rtol=1e-15, atol=2**-53)
    grad = g.copy()
    result = activation.backward_(written, grad, np.empty_like(y))
    assert np.shares_memory(result, grad)
    np.testing.assert_allclose(grad, g * activation.derivative(x), rtol=1e-12, atol=2**-51)


def test_a_subclass_with_its_own_formula_drops_every_inherited_kernel():
    squared = SquaredReLU()
    assert not squared.has_inplace_kernels()
    assert type(squared).vjp is Activation.vjp  # g * its own derivative, not g * (y > 0)
    x, g = np.array([-1.0, 0.5, 2.0]), np.array([1.0, 1.0, 3.0])
    np.testing.assert_array_equal(squared.vjp(x, squared.forward(x), g), [0.0, 1.0, 12.0])
    # a subclass that keeps the formula keeps the kernels
    renamed = type("Logistic", (Sigmoid,), {"name": "my_sigmoid"})()
    assert renamed.has_inplace_kernels() and type(renamed).vjp is Sigmoid.vjp
    # kernels defined beside the new formula are the class's own
    assert HalfReLU().has_inplace_kernels()


def test_the_tape_differentiates_a_relu_subclass_with_its_own_derivative():
    x = ln.tensor(np.array([[-1.0, 0.5, 2.0]]), requires_grad=True)
    w = ln.tensor(np.eye(3), requires_grad=True)
    ln.functional.dense(x, w, None, SquaredReLU()).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 4.0]])


def test_kernel_trust_follows_the_class_that_defines_the_formula():
    assert ln.activations.ReLU6().has_inplace_kernels() is False  # hard_tanh offers none
    assert type(ln.activations.SELU()).vjp is Activation.vjp


# ------------------------------------------------------------------ what an activation is
FACTS = {  # family, saturation limit, recommended initializer, probability output
    "identity": ("linear", None, "glorot_uniform", False),
    "sigmoid": ("sigmoid", 6.0, "glorot_uniform", True),
    "tanh": ("tanh", 3.0, "glorot_uniform", False),
    "relu": ("relu", None, "he_uniform", False),
    "leaky_relu": ("relu", None, "he_uniform", False),
    "elu": ("relu", None, "he_uniform", False),
    "selu": ("selu", None, "lecun_normal", False),
    "gelu": ("relu", None, "he_uniform", False),
    "silu": ("relu", None, "he_uniform", False),
    "softplus": ("softplus", None, "glorot_uniform", False),
    "softsign": ("tanh", None, "glorot_uniform", False),
    "hard_sigmoid": ("sigmoid", None, "glorot_uniform", True),
    "hard_tanh": ("tanh", None, "glorot_uniform", False),
    "relu6": ("relu", None, "he_uniform", False),
    "mish": ("relu", None, "he_uniform", False),
    "softmax": ("softmax", None, "glorot_uniform", True),
    "log_softmax": ("softmax", None, "glorot_uniform", False),
}


def test_every_activation_says_what_it_is():
    assert sorted(FACTS) == sorted(ln.activations.available())
    for name, facts in FACTS.items():
        activation = ln.activations.get(name)
        found = (
            activation.family,
            activation.saturation_limit,
            activation.recommended_initializer,
            activation.outputs_probabilities,
        )
        assert found == facts, name
        assert activation.can_die == (name in ("relu", "relu6")), name


def test_dense_auto_initializer_reads_the_activation_class():
    class LecunActivation(Softclip):
        recommended_initializer = "lecun_normal"

    assert ln.init.auto_initializer(LecunActivation()) == "lecun_normal"
    assert ln.init.auto_initializer("swish") == "he_uniform"
    ln.manual_seed(0)
    layer = ln.layers.Dense(400, activation=LecunActivation(), input_shape=(300,))
    assert layer.weight.data.std() == pytest.approx(np.sqrt(1 / 300), rel=0.02)


# ------------------------------------------------------------------ custom blocks through fit
@pytest.mark.parametrize(
    "activation", [SquaredReLU(), Softclip(), HalfReLU()], ids=["relu_subclass", "new", "kernels"]
)
@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: ln.optim.SGD(lr=0.05), lambda: ln.optim.Adam(lr=0.01)],
    ids=["plain_sgd", "adam"],
)
def test_custom_activation_trains_through_fit_as_the_manual_loop(activation, make_optimizer):
    fast, slow = dense_stack(hidden=(activation, "tanh")), dense_stack(hidden=(activation, "tanh"))
    losses, planned = fit(fast, "softmax_cross_entropy", LABELS, make_optimizer())
    expected = manual_loop(slow, ln.losses.get("softmax_cross_entropy"), LABELS, make_optimizer())
    assert planned
    step = fast._training_setup.plan.steps[0]
    assert step.in_place == isinstance(activation, HalfReLU)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert_same_weights(fast, slow)


def test_relu_subclass_is_not_trained_with_relus_formula():
    relu, squared = dense_stack(hidden=("relu", "relu")), dense_stack(hidden=(SquaredReLU(),) * 2)
    fit(relu, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.1), epochs=1)
    fit(squared, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.1), epochs=1)
    assert not np.allclose(relu.layers[0].weight.data, squared.layers[0].weight.data)


@pytest.mark.parametrize(
    ("loss", "uses_plan"),
    [
        (HalfSquaredError(), True),
        (DoubledMSE(ln.losses.mse), False),
        (cube_loss, False),
    ],
    ids=["closed_form", "loss_subclass", "plain_function"],
)
def test_custom_loss_trains_through_fit_as_the_manual_loop(loss, uses_plan):
    targets = np.tanh(X[:, :2])
    fast, slow = dense_stack(outputs=2), dense_stack(outputs=2)
    losses, planned = fit(fast, loss, targets, ln.optim.SGD(lr=0.01, momentum=0.9))
    expected = manual_loop(slow, loss, targets, ln.optim.SGD(lr=0.01, momentum=0.9))
    assert planned == uses_plan
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert_same_weights(fast, slow)


def test_a_loss_subclass_with_its_own_formula_has_no_closed_form():
    assert ln.losses.get("mse").has_closed_form
    assert not DoubledMSE(ln.losses.mse).has_closed_form


# ------------------------------------------------------------------ reduction="sum"
SUM_CASES = {
    "mse": (ln.losses.get("mse", reduction="sum"), np.tanh(X[:, :2]), 2),
    "softmax_ce_labels": (ln.losses.get("softmax_cross_entropy", reduction="sum"), LABELS, 3),
    "softmax_ce_one_hot": (
        ln.losses.get("categorical_crossentropy", from_logits=True, reduction="sum"),
        np.eye(3)[LABELS],
        3,
    ),
    "binary_ce_logits": (
        ln.losses.get("binary_crossentropy", from_logits=True, reduction="sum"),
        (X[:, :1] > 0).astype(float),
        1,
    ),
}


@pytest.mark.parametrize("case", list(SUM_CASES))
@pytest.mark.parametrize(
    "make_optimizer",
    [lambda: ln.optim.SGD(lr=0.003), lambda: ln.optim.RMSprop(lr=0.003)],
    ids=["plain_sgd", "rmsprop"],
)
def test_sum_reduction_through_fit_equals_the_tape_and_the_manual_loop(case, make_optimizer):
    loss, targets, width = SUM_CASES[case]
    planned_model, tape_model, manual = (dense_stack(outputs=width) for _ in range(3))
    planned_losses, planned = fit(planned_model, loss, targets, make_optimizer())
    tape_losses, _ = fit(tape_model, loss, targets, make_optimizer(), plan=False)
    expected = manual_loop(manual, loss, targets, make_optimizer())
    assert planned
    np.testing.assert_allclose(planned_losses, tape_losses, rtol=1e-12)
    np.testing.assert_allclose(planned_losses, expected, rtol=1e-12)
    assert_same_weights(planned_model, tape_model)
    assert_same_weights(planned_model, manual)
    mean_model = dense_stack(outputs=width)  # and it is not the mean in disguise
    mean_loss = ln.losses.get(loss.name, **{**loss.options, "reduction": "mean"})
    mean_losses, _ = fit(mean_model, mean_loss, targets, make_optimizer())
    assert not np.allclose(mean_losses, planned_losses)


# ------------------------------------------------------------------ loss closed forms


@pytest.mark.parametrize("case", list(CLOSED_FORM_CASES))
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("class_axis", [-1, 0])
def test_value_and_grad_equals_the_loss_and_its_backward(case, reduction, class_axis):
    loss, make_target = CLOSED_FORM_CASES[case]
    logits = RNG.standard_normal((6, 3)) * 5
    logits[0] = [1000.0, -1000.0, 0.0]
    target = make_target(RNG)
    prediction = ln.tensor(logits, requires_grad=True)
    expected = loss(prediction, target, reduction=reduction)
    expected.backward()
    assert isinstance(loss, ClosedFormLoss) and loss.has_closed_form
    if class_axis == 0:  # (classes, batch) arrays, as the plan hands them over
        out = np.empty((3, 6))
        value, grad = loss.value_and_grad(
            np.ascontiguousarray(logits.T), target.T, reduction, scale=-0.5, out=out, class_axis=0
        )
        assert grad is out
        grad = grad.T
    else:
        value, grad = loss.value_and_grad(logits, target, reduction, scale=-0.5)
    assert value == pytest.approx(float(expected.data), rel=1e-13)
    np.testing.assert_allclose(grad, -0.5 * prediction.grad, rtol=1e-12, atol=1e-15)


def test_value_and_grad_is_offered_only_where_there_is_a_closed_form():
    assert not ln.losses.get("mae").has_closed_form
    assert not ln.losses.get("binary_crossentropy").has_closed_form  # on probabilities
    assert not ln.losses.get("mse", reduction="none").has_closed_form
    assert ln.losses.get("mse").closed_form() is not None
    assert ln.losses.get("huber").closed_form() is None
    with pytest.raises(NotImplementedError, match="no closed-form"):
        ln.losses.get("hinge").value_and_grad(np.zeros((2, 1)), np.ones((2, 1)))
    with pytest.raises(NotImplementedError, match="reduction='none'"):
        ln.losses.get("mse").value_and_grad(np.zeros((2, 1)), np.ones((2, 1)), "none")
    with pytest.raises(ValueError, match="C-contiguous"):
        ln.losses.get("mse").value_and_grad(
            np.zeros((2, 3)), np.ones((2, 3)), out=np.zeros((3, 2)).T, class_axis=0
        )
    with pytest.raises(ValueError, match="class_axis"):
        ln.losses.get("mse").value_and_grad(np.zeros((2, 3, 4)), np.ones((2, 3, 4)), class_axis=1)
    out = np.zeros((3, 2)).T  # batch-major: any writable out of the right shape
    value, grad = ln.losses.get("mse").value_and_grad(np.ones((2, 3)), np.zeros((2, 3)), out=out)
    assert grad is out and value == 1.0 and np.all(out == 2 / 6)
    with pytest.raises(ValueError, match="shape"):  # element-wise: never a silent broadcast
        ln.losses.get("mse").value_and_grad(np.zeros((2, 3)), np.ones(3))


# ------------------------------------------------------------------ optimizers
def test_optimizers_offer_a_public_update_on_flat_groups():
    for name in ln.optim.available():
        optimizer = ln.optim.get(name)
        assert isinstance(optimizer, GroupUpdater) and optimizer.updates_flat_groups, name

    class LayerNormalizedSGD(ln.optim.SGD):
        """Not element-wise: the step is scaled by the norm of the whole array it gets."""

        def update(self, param, group, state):
            param.grad = param.grad / np.linalg.norm(param.grad)
            super().update(param, group, state)

    optimizer = LayerNormalizedSGD(lr=0.1)
    assert not optimizer.updates_flat_groups
    fast, slow = dense_stack(), dense_stack()
    losses, planned = fit(fast, "softmax_cross_entropy", LABELS, optimizer)
    expected = manual_loop(
        slow, ln.losses.get("softmax_cross_entropy"), LABELS, LayerNormalizedSGD(lr=0.1)
    )
    assert not planned  # a flat group would be normalized as one: the tape instead
    np.testing.assert_allclose(losses, expected, rtol=1e-12)


def test_update_on_a_flat_group_equals_update_per_parameter():
    params = [ln.Parameter(RNG.standard_normal(s)) for s in ((3, 2), (2,))]
    flat = ln.Parameter(np.concatenate([p.data.ravel() for p in params]))
    grads = [RNG.standard_normal(p.data.shape) for p in params]
    flat.grad = np.concatenate([g.ravel() for g in grads])
    per_parameter, whole = ln.optim.Adam(params, lr=0.1), ln.optim.Adam([flat], lr=0.1)
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    for _ in range(3):
        per_parameter.step()
        whole.update(flat, whole.param_groups[0], whole.state.setdefault(id(flat), {}))
    np.testing.assert_allclose(flat.data, np.concatenate([p.data.ravel() for p in params]))


# ------------------------------------------------------------------ the step interface
def test_plan_and_tape_are_training_steps():
    from lucidnet.training.step import TapeStep

    model = dense_stack()
    fit(model, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.1), epochs=1)
    assert isinstance(model._training_setup.plan, TrainingStep)
    for method in ("forward", "backward", "backup", "restore", "finish"):
        assert callable(getattr(TapeStep, method))


# ------------------------------------------------------------------ every config x optimizer
OPTIMIZERS = {
    "sgd": lambda: ln.optim.SGD(lr=0.01),
    "sgd_momentum": lambda: ln.optim.SGD(lr=0.01, momentum=0.9),
    "sgd_nesterov": lambda: ln.optim.SGD(lr=0.01, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda: ln.optim.SGD(lr=0.01, weight_decay=0.01),
    "adam": lambda: ln.optim.Adam(lr=0.001),
    "adamw": lambda: ln.optim.AdamW(lr=0.001),
    "rmsprop": lambda: ln.optim.RMSprop(lr=0.001),
    "adagrad": lambda: ln.optim.Adagrad(lr=0.01),
}
CONFIGS = {  # benchmarks/peers.py (wide made smaller): sizes, hidden activations, batch
    "tiny": ((3, 3, 2, 2), ("sigmoid", "relu"), 5),
    "small": ((2, 16, 16, 2), ("relu", "relu"), 32),
    "mnist": ((784, 256, 128, 10), ("relu", "relu"), 128),
    "wide": ((256, 320, 320, 10), ("relu", "relu"), 64),  # > 2^16 weights: SGD flips buffers
}


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("config", list(CONFIGS))
def test_plan_equals_the_tape_on_every_benchmark_config_and_optimizer(config, optimizer):
    sizes, hidden, batch = CONFIGS[config]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2 * batch, sizes[0]))  # two steps: the optimizers' state counts
    y = rng.integers(0, sizes[-1], 2 * batch)
    models, histories = [], []
    for plan in (True, False):
        model = dense_stack(hidden=hidden, outputs=sizes[-1], sizes=sizes[:-1])
        loss_history, planned = fit(
            model,
            "softmax_cross_entropy",
            y,
            OPTIMIZERS[optimizer](),
            plan=plan,
            epochs=1,
            x=x,
            batch_size=batch,
        )
        assert planned == plan
        models.append(model)
        histories.append(loss_history)
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-12)
    # 1e-12 absolute on weights of order 0.1: RMSprop and Adagrad divide each gradient
    # entry by its own size, so an entry that is a near-cancelling sum (summed in another
    # order by the plan's matrix products) moves by lr * its relative rounding error
    assert_same_weights(*models, atol=1e-12)


# ------------------------------------------------------------------ exporters map exact classes
def test_builtin_name_is_only_given_to_the_registered_class():
    assert ln.activations.builtin_name(ln.activations.get("swish")) == "silu"
    assert ln.activations.builtin_name(ln.activations.ReLU6()) == "relu6"
    assert ln.activations.builtin_name(SquaredReLU()) is None
    assert ln.activations.builtin_name(Softclip()) is None
    assert ln.activations.builtin_name(np.tanh) is None


def test_exporters_refuse_a_relu_subclass_instead_of_writing_relu(tmp_path):
    pytest.importorskip("onnx")
    model = ln.Sequential([ln.layers.Dense(2, activation=SquaredReLU(), input_shape=(3,))])
    with pytest.raises(ValueError, match="cannot export the activation SquaredReLU"):
        ln.export.to_onnx(model, tmp_path / "model.onnx")
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="cannot convert the activation SquaredReLU"):
        ln.interop.to_torch(model)


def test_an_element_wise_output_under_a_logits_loss_is_planned_as_the_tape_computes_it():
    loss = ln.losses.get("binary_crossentropy", from_logits=True)
    targets = (X[:, :1] > 0).astype(float)
    fast = dense_stack(outputs=1, output_activation="tanh")
    slow = dense_stack(outputs=1, output_activation="tanh")
    losses, planned = fit(fast, loss, targets, ln.optim.Adam(lr=0.01))
    expected = manual_loop(slow, loss, targets, ln.optim.Adam(lr=0.01))
    assert planned
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert_same_weights(fast, slow)


@pytest.mark.parametrize("plan", [True, False], ids=["plan", "tape"])
def test_a_one_column_target_for_two_outputs_is_never_broadcast(plan):
    model = dense_stack(outputs=2)
    with pytest.raises(ValueError, match="shape"):
        fit(model, "mse", X[:, 0], ln.optim.SGD(lr=0.1), plan=plan)


def test_an_identity_subclass_with_its_own_formula_is_applied_on_the_tape():
    class Doubling(ln.activations.Identity):
        def forward(self, x):
            return 2 * x

        def derivative(self, x):
            return np.full_like(x, 2.0)

    x = ln.tensor(np.array([[1.0, -2.0]]), requires_grad=True)
    y = ln.functional.dense(x, ln.tensor(np.eye(2)), None, Doubling())
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [[2.0, -4.0]])
    np.testing.assert_array_equal(x.grad, [[2.0, 2.0]])


def test_a_plain_callable_activation_falls_back_to_the_tape():
    def scaled_tanh(t):
        return ln.functional.tanh(t) * 1.5

    fast, slow = (
        dense_stack(hidden=(scaled_tanh, "relu")),
        dense_stack(hidden=(scaled_tanh, "relu")),
    )
    losses, planned = fit(fast, "softmax_cross_entropy", LABELS, ln.optim.SGD(lr=0.1))
    expected = manual_loop(
        slow, ln.losses.get("softmax_cross_entropy"), LABELS, ln.optim.SGD(lr=0.1)
    )
    assert not planned
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    assert_same_weights(fast, slow)


def test_a_reduction_changed_in_place_rebuilds_the_plan():
    model = dense_stack()
    loss = ln.losses.get("softmax_cross_entropy")
    fit(model, loss, LABELS, ln.optim.SGD(lr=0.1), epochs=1)
    first = model._training_setup.plan
    loss.reduction = "sum"
    model.fit(X, LABELS, epochs=1, batch_size=BATCH, shuffle=False, verbose=0)
    assert model._training_setup.plan is not first
    tape = dense_stack()
    fit(tape, ln.losses.get("softmax_cross_entropy"), LABELS, ln.optim.SGD(lr=0.1), epochs=1)
    tape_loss = ln.losses.get("softmax_cross_entropy", reduction="sum")
    fit(tape, tape_loss, LABELS, ln.optim.SGD(lr=0.1), epochs=1, plan=False)
    assert_same_weights(model, tape)
