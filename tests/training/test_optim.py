"""Optimizers against torch.optim (float64, 20 steps), in-place updates, state, registry."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.training import optim

RTOL = 1e-10
STEPS = 20

_rng = np.random.default_rng(0)
FEATURES = _rng.normal(size=(8, 3))
TARGETS = _rng.normal(size=(8, 4))
START_WEIGHT = _rng.normal(size=(3, 4))
START_BIAS = _rng.normal(size=(4,))


def least_squares_gradients(weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of mean_i 1/2 ||x_i W + b - y_i||^2 with respect to W and b."""
    residual = FEATURES @ weight + bias - TARGETS
    return FEATURES.T @ residual / len(FEATURES), residual.mean(axis=0)


def make_params(dtype: type = np.float64) -> list[ln.Parameter]:
    return [ln.Parameter(START_WEIGHT.astype(dtype)), ln.Parameter(START_BIAS.astype(dtype))]


def make_torch_params() -> list[torch.Tensor]:
    return [
        torch.tensor(START_WEIGHT, requires_grad=True),
        torch.tensor(START_BIAS, requires_grad=True),
    ]


def set_gradients(
    params: list[ln.Parameter], torch_params: list[torch.Tensor] | None = None
) -> None:
    """Give ``params`` (and the torch twins, if given) the least-squares gradients at ``params``."""
    gradients = least_squares_gradients(params[0].data, params[1].data)
    for param, gradient in zip(params, gradients, strict=True):
        param.grad = gradient.astype(param.data.dtype)
    for torch_param, gradient in zip(torch_params or [], gradients, strict=False):
        torch_param.grad = torch.tensor(gradient)


def assert_same_params(params: list[ln.Parameter], torch_params: list[torch.Tensor]) -> None:
    for param, torch_param in zip(params, torch_params, strict=True):
        np.testing.assert_allclose(param.data, torch_param.detach().numpy(), rtol=RTOL, atol=0)


CASES = [
    ("sgd", optim.SGD, torch.optim.SGD, {"lr": 0.1}),
    ("sgd", optim.SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("sgd", optim.SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd", optim.SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", optim.SGD, torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.05}),
    (
        "sgd",
        optim.SGD,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05, "nesterov": True},
    ),
    ("sgd", optim.SGD, torch.optim.SGD, {"lr": 0.1, "maximize": True}),
    (
        "sgd",
        optim.SGD,
        torch.optim.SGD,
        {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
    ),
    ("adam", optim.Adam, torch.optim.Adam, {}),
    ("adam", optim.Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.9)}),
    ("adam", optim.Adam, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.1}),
    ("adam", optim.Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.9, 0.5), "amsgrad": True}),
    (
        "adam",
        optim.Adam,
        torch.optim.Adam,
        {"lr": 0.05, "betas": (0.9, 0.5), "amsgrad": True, "weight_decay": 0.1, "eps": 1e-3},
    ),
    ("adam", optim.Adam, torch.optim.Adam, {"lr": 0.05, "maximize": True, "weight_decay": 0.1}),
    ("adamw", optim.AdamW, torch.optim.AdamW, {"lr": 0.05}),
    ("adamw", optim.AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    (
        "adamw",
        optim.AdamW,
        torch.optim.AdamW,
        {"lr": 0.05, "weight_decay": 0.1, "betas": (0.9, 0.5), "amsgrad": True},
    ),
    ("adamw", optim.AdamW, torch.optim.AdamW, {"lr": 0.05, "maximize": True}),
    ("rmsprop", optim.RMSprop, torch.optim.RMSprop, {}),
    ("rmsprop", optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01, "centered": True, "alpha": 0.9}),
    (
        "rmsprop",
        optim.RMSprop,
        torch.optim.RMSprop,
        {"lr": 0.01, "centered": True, "momentum": 0.5, "alpha": 0.9},
    ),
    ("rmsprop", optim.RMSprop, torch.optim.RMSprop, {"weight_decay": 0.1}),
    ("rmsprop", optim.RMSprop, torch.optim.RMSprop, {"maximize": True, "eps": 1e-3}),
    ("adagrad", optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1}),
    ("adagrad", optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1}),
    ("adagrad", optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1, "weight_decay": 0.1}),
    ("adagrad", optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1, "initial_accumulator_value": 0.5}),
    (
        "adagrad",
        optim.Adagrad,
        torch.optim.Adagrad,
        {
            "lr": 0.1,
            "lr_decay": 0.05,
            "weight_decay": 0.1,
            "initial_accumulator_value": 0.2,
            "maximize": True,
        },
    ),
]
CASE_IDS = [f"{name}-{options}" for name, _, _, options in CASES]


@pytest.mark.parametrize(("name", "lucid_class", "torch_class", "options"), CASES, ids=CASE_IDS)
def test_update_matches_torch_for_20_steps(name, lucid_class, torch_class, options):
    params, torch_params = make_params(), make_torch_params()
    opt = lucid_class(params, **options)
    torch_opt = torch_class(torch_params, foreach=False, **options)
    for _ in range(STEPS):
        set_gradients(params, torch_params)
        opt.step()
        torch_opt.step()
        assert_same_params(params, torch_params)
    assert not np.allclose(params[0].data, START_WEIGHT)


def test_amsgrad_case_really_uses_the_running_maximum():
    params = make_params()
    opt = optim.Adam(params, lr=0.05, betas=(0.9, 0.5), amsgrad=True)
    for _ in range(STEPS):
        set_gradients(params)
        opt.step()
    state = opt.state[id(params[0])]
    assert np.any(state["max_exp_avg_sq"] > state["exp_avg_sq"])


def test_param_groups_with_their_own_options_match_torch():
    params, torch_params = make_params(), make_torch_params()
    opt = optim.SGD(
        [{"params": [params[0]], "lr": 0.2}, {"params": [params[1]], "momentum": 0.5}],
        lr=0.05,
        momentum=0.9,
    )
    torch_opt = torch.optim.SGD(
        [{"params": [torch_params[0]], "lr": 0.2}, {"params": [torch_params[1]], "momentum": 0.5}],
        lr=0.05,
        momentum=0.9,
        foreach=False,
    )
    assert [group["lr"] for group in opt.param_groups] == [0.2, 0.05]
    assert [group["momentum"] for group in opt.param_groups] == [0.9, 0.5]
    for _ in range(STEPS):
        set_gradients(params, torch_params)
        opt.step()
        torch_opt.step()
    assert_same_params(params, torch_params)


def test_changing_group_lr_between_steps_matches_torch():
    params, torch_params = make_params(), make_torch_params()
    opt = optim.Adam(params, lr=0.05)
    torch_opt = torch.optim.Adam(torch_params, lr=0.05, foreach=False)
    for step in range(STEPS):
        for group, torch_group in zip(opt.param_groups, torch_opt.param_groups, strict=True):
            group["lr"] = torch_group["lr"] = 0.05 / (1 + step)
        set_gradients(params, torch_params)
        opt.step()
        torch_opt.step()
    assert_same_params(params, torch_params)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_params_whose_grad_is_none_are_skipped(name):
    params = make_params()
    opt = optim.get(name, lr=0.1)
    opt.bind(params)
    for _ in range(3):
        set_gradients(params)
        params[1].grad = None
        opt.step()
    np.testing.assert_array_equal(params[1].data, START_BIAS)
    assert id(params[1]) not in opt.state
    assert not np.allclose(params[0].data, START_WEIGHT)


def _float32_reference(lucid_class, options):
    params = make_params(np.float64)
    opt = lucid_class(params, **options)
    for _ in range(5):
        set_gradients(params)
        opt.step()
    return params


@pytest.mark.parametrize(("name", "lucid_class", "torch_class", "options"), CASES, ids=CASE_IDS)
def test_update_is_in_place_and_keeps_float32(name, lucid_class, torch_class, options):
    params = make_params(np.float32)
    arrays = [param.data for param in params]
    opt = lucid_class(params, **options)
    for _ in range(5):
        set_gradients(params)
        opt.step()
    for param, array in zip(params, arrays, strict=True):
        assert param.data is array
        assert param.data.dtype == np.float32
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
    for param, reference in zip(params, _float32_reference(lucid_class, options), strict=True):
        np.testing.assert_allclose(param.data, reference.data, rtol=1e-4, atol=1e-5)


def test_step_leaves_the_gradient_untouched():
    params = make_params()
    opt = optim.SGD(params, lr=0.1, weight_decay=0.5, maximize=True)
    set_gradients(params)
    gradients = [param.grad.copy() for param in params]
    opt.step()
    for param, gradient in zip(params, gradients, strict=True):
        np.testing.assert_array_equal(param.grad, gradient)


def test_pytorch_style_loop_on_lucidnet_autograd_matches_torch():
    features, targets = ln.tensor(FEATURES), ln.tensor(TARGETS)
    params, torch_params = make_params(), make_torch_params()
    opt = optim.Adam(params, lr=0.05)
    torch_opt = torch.optim.Adam(torch_params, lr=0.05, foreach=False)
    torch_features, torch_targets = torch.tensor(FEATURES), torch.tensor(TARGETS)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = ((features @ params[0] + params[1] - targets) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        torch_opt.zero_grad()
        torch_loss = (
            (torch_features @ torch_params[0] + torch_params[1] - torch_targets) ** 2
        ).mean()
        torch_loss.backward()
        torch_opt.step()
    assert_same_params(params, torch_params)
    assert losses[-1] < losses[0]


def test_zero_grad_sets_none_or_zeros_in_place():
    params = make_params()
    opt = optim.SGD(params)
    set_gradients(params)
    gradient = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is gradient
    assert not np.any(gradient)
    opt.zero_grad()
    assert params[0].grad is None and params[1].grad is None


# ----------------------------------------------------------------- state_dict

STATEFUL = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    (optim.Adam, {"lr": 0.05, "betas": (0.9, 0.5), "amsgrad": True}),
    (optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    (optim.RMSprop, {"centered": True, "momentum": 0.5}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.1}),
]


@pytest.mark.parametrize(
    ("lucid_class", "options"), STATEFUL, ids=[cls.__name__ for cls, _ in STATEFUL]
)
def test_state_dict_round_trip_continues_identically(lucid_class, options):
    params = make_params()
    opt = lucid_class(params, **options)
    for _ in range(10):
        set_gradients(params)
        opt.step()
    saved = opt.state_dict()
    saved_copy = {
        key: {name: np.copy(value) for name, value in entry.items()}
        for key, entry in saved["state"].items()
    }

    clones = [ln.Parameter(param.data.copy()) for param in params]
    resumed = lucid_class(clones, **{**options, "lr": 0.5})
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == options.get("lr", opt.defaults["lr"])
    for _ in range(10):
        set_gradients(params)
        set_gradients(clones)
        opt.step()
        resumed.step()
    for param, clone in zip(params, clones, strict=True):
        np.testing.assert_array_equal(param.data, clone.data)
    for key, entry in saved["state"].items():  # the saved arrays were copies
        for name, value in entry.items():
            np.testing.assert_array_equal(value, saved_copy[key][name])


def test_state_dict_holds_only_plain_numbers_and_arrays():
    params = make_params()
    opt = optim.Adam(params, amsgrad=True)
    set_gradients(params)
    opt.step()
    saved = opt.state_dict()
    assert sorted(saved) == ["param_groups", "state"]
    assert saved["param_groups"][0]["params"] == [0, 1]
    assert sorted(saved["state"]) == [0, 1]
    assert saved["state"][0]["step"] == 1
    for entry in saved["state"].values():
        for value in entry.values():
            assert isinstance(value, (np.ndarray, int, float))


def test_load_state_dict_rejects_a_different_layout():
    params = make_params()
    opt = optim.SGD(params, momentum=0.9)
    set_gradients(params)
    opt.step()
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="parameters"):
        optim.SGD([params[0]], momentum=0.9).load_state_dict(saved)
    saved["state"][0]["momentum_buffer"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match="shape"):
        optim.SGD(make_params(), momentum=0.9).load_state_dict(saved)


# ----------------------------------------------------------------- binding


def test_unbound_optimizer_step_raises_a_clear_error():
    opt = optim.Adam(lr=0.01)
    assert not opt.is_bound
    assert opt.param_groups[0]["lr"] == 0.01
    with pytest.raises(RuntimeError, match="bind"):
        opt.step()


def test_bind_later_gives_the_same_trajectory_as_torch():
    params, torch_params = make_params(), make_torch_params()
    opt = optim.get("rmsprop", lr=0.01, momentum=0.9)
    assert opt.bind(params) is opt and opt.is_bound
    torch_opt = torch.optim.RMSprop(torch_params, lr=0.01, momentum=0.9, foreach=False)
    for _ in range(STEPS):
        set_gradients(params, torch_params)
        opt.step()
        torch_opt.step()
    assert_same_params(params, torch_params)


def test_binding_the_same_params_again_keeps_state_and_other_params_reset_it():
    params = make_params()
    opt = optim.SGD(params, momentum=0.9)
    set_gradients(params)
    opt.step()
    opt.bind(iter(params))
    assert len(opt.state) == 2
    opt.bind(make_params())
    assert opt.state == {}


def test_bind_keeps_an_lr_set_before_binding():
    opt = optim.SGD(lr=0.1)
    opt.param_groups[0]["lr"] = 0.3
    opt.bind(make_params())
    assert opt.param_groups[0]["lr"] == 0.3


def test_bad_params_are_rejected():
    weight = ln.Parameter(START_WEIGHT)
    with pytest.raises(TypeError, match="list"):
        optim.SGD(weight)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([])
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [weight]}, {"params": [weight]}])
    with pytest.raises(TypeError, match="ndarray"):
        optim.SGD([START_WEIGHT])


# ----------------------------------------------------------------- hyperparameters

BAD_HYPERPARAMETERS = [
    (optim.SGD, {"lr": -0.1}, "lr"),
    (optim.SGD, {"momentum": -0.9}, "momentum"),
    (optim.SGD, {"dampening": 1.5}, "dampening"),
    (optim.SGD, {"weight_decay": -1e-4}, "weight_decay"),
    (optim.SGD, {"nesterov": True}, "nesterov"),
    (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),
    (optim.SGD, {"lr": float("nan")}, "lr"),
    (optim.Adam, {"lr": -1e-3}, "lr"),
    (optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\]"),
    (optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\]"),
    (optim.Adam, {"betas": (0.9,)}, "betas"),
    (optim.Adam, {"eps": -1e-8}, "eps"),
    (optim.Adam, {"weight_decay": -0.1}, "weight_decay"),
    (optim.AdamW, {"weight_decay": -0.01}, "weight_decay"),
    (optim.AdamW, {"betas": (0.9, 1.5)}, r"betas\[1\]"),
    (optim.RMSprop, {"alpha": 1.5}, "alpha"),
    (optim.RMSprop, {"momentum": -0.1}, "momentum"),
    (optim.RMSprop, {"eps": -1.0}, "eps"),
    (optim.Adagrad, {"lr_decay": -0.1}, "lr_decay"),
    (optim.Adagrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
    (optim.Adagrad, {"eps": -1e-10}, "eps"),
]


@pytest.mark.parametrize(
    ("lucid_class", "options", "argument"),
    BAD_HYPERPARAMETERS,
    ids=[f"{cls.__name__}-{opts}" for cls, opts, _ in BAD_HYPERPARAMETERS],
)
def test_bad_hyperparameter_raises_value_error_naming_it(lucid_class, options, argument):
    with pytest.raises(ValueError, match=argument):
        lucid_class(**options)


def test_bad_option_in_a_param_group_raises():
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([{"params": make_params(), "lr": -1.0}])


def test_non_numeric_hyperparameter_raises_type_error():
    with pytest.raises(TypeError, match="lr"):
        optim.SGD(lr="fast")


@pytest.mark.parametrize(
    ("lucid_class", "torch_class"),
    [
        (optim.SGD, torch.optim.SGD),
        (optim.Adam, torch.optim.Adam),
        (optim.AdamW, torch.optim.AdamW),
        (optim.RMSprop, torch.optim.RMSprop),
        (optim.Adagrad, torch.optim.Adagrad),
    ],
)
def test_argument_names_and_defaults_are_pytorchs(lucid_class, torch_class):
    ours = inspect.signature(lucid_class).parameters
    theirs = inspect.signature(torch_class).parameters
    for name, parameter in ours.items():
        if name == "params":
            assert parameter.default is None
        elif lucid_class is optim.SGD and name == "lr":
            assert parameter.default == 0.01  # SPEC: lucidnet's SGD default lr
        else:
            assert parameter.default == theirs[name].default, name


# ----------------------------------------------------------------- registry


def test_registry_names_and_unbound_instances():
    assert sorted(optim.available()) == ["adagrad", "adam", "adamw", "rmsprop", "sgd"]
    opt = optim.get("SGD", momentum=0.9)
    assert isinstance(opt, optim.SGD) and not opt.is_bound
    assert opt.defaults["lr"] == 0.01 and opt.defaults["momentum"] == 0.9
    assert isinstance(optim.get("adamw"), optim.AdamW)
    assert optim.get("adamw").defaults["weight_decay"] == 0.01
    with pytest.raises(ValueError, match="adagrad"):
        optim.get("lbfgs")


def test_get_config_rebuilds_an_equal_optimizer():
    for opt in (
        optim.SGD(lr=0.3, momentum=0.5, nesterov=True),
        optim.Adam(betas=(0.8, 0.9)),
        optim.AdamW(weight_decay=0.1),
        optim.RMSprop(centered=True),
        optim.Adagrad(lr_decay=1),
    ):
        rebuilt = optim.get({"name": opt.name, "config": opt.get_config()})
        assert type(rebuilt) is type(opt)
        assert rebuilt.get_config() == opt.get_config()
    assert "decoupled_weight_decay" not in optim.AdamW().get_config()


def test_get_returns_an_existing_instance_unchanged():
    opt = optim.Adam()
    assert optim.get(opt) is opt


def test_sgd_positional_arguments_follow_the_spec_order():
    param = ln.Parameter(np.zeros(2))
    opt = optim.SGD([param], 0.1, 0.9, True, 0.01)
    (group,) = opt.param_groups
    assert (group["lr"], group["momentum"], group["nesterov"], group["weight_decay"]) == (
        0.1,
        0.9,
        True,
        0.01,
    )
    assert group["dampening"] == 0
    with pytest.raises(TypeError):
        optim.SGD([param], 0.1, 0.9, True, 0.01, 0.5)  # dampening is keyword-only


@pytest.mark.parametrize("copy_with", ["deepcopy", "pickle"])
def test_optimizer_state_survives_copying_a_compiled_model(copy_with):
    import copy
    import pickle

    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((32, 3)), rng.integers(0, 2, 32)
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(4, activation="tanh", input_shape=(3,), dtype="float64"),
            ln.layers.Dense(2, dtype="float64"),
        ]
    )
    model.compile(optimizer=optim.Adam(lr=0.01), loss="softmax_cross_entropy", lint=False)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    twin = copy.deepcopy(model) if copy_with == "deepcopy" else pickle.loads(pickle.dumps(model))
    moments = [model.optimizer.state[id(p)]["exp_avg"] for p in model.parameters()]
    copied = [twin.optimizer.state[id(p)]["exp_avg"] for p in twin.parameters()]
    for a, b in zip(moments, copied, strict=True):
        np.testing.assert_array_equal(a, b)
    for m in (model, twin):
        m.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
