"""A small Sequential keeps its parameters in one flat buffer, and an optimizer that keeps
state updates such a group with one call: the same numbers as one update per parameter,
the same per-parameter state (views into the flat state), and the per-parameter path as
soon as anything is rebound, replaced or missing."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.training.flat import FLAT_UPDATE_LIMIT, group_of

TIGHT = {"rtol": 1e-12, "atol": 1e-14}
STATEFUL = {
    "sgd_momentum": (ln.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    "adam_amsgrad": (ln.optim.Adam, {"lr": 0.01, "amsgrad": True}),
    "adamw": (ln.optim.AdamW, {"lr": 0.01}),
    "rmsprop": (ln.optim.RMSprop, {"lr": 0.01, "momentum": 0.5}),
    "adagrad": (ln.optim.Adagrad, {"lr": 0.1}),
}
RNG = np.random.default_rng(3)
X, LABELS = RNG.standard_normal((9, 4)), RNG.integers(0, 3, 9)


def model(seed=0):
    ln.manual_seed(seed)
    return ln.Sequential(
        [
            ln.layers.Dense(5, activation="tanh", input_shape=(4,), dtype="float64"),
            ln.layers.Dense(3, dtype="float64"),
        ]
    )


def steps(net, optimizer, count, unflatten=False):
    """``count`` manual-loop steps; ``unflatten`` rebinds every parameter to a copy first,
    which sends the optimizer down the per-parameter path."""
    if unflatten:
        for param in net.parameters():
            param.data = param.data.copy()
    for _ in range(count):
        loss = ln.losses.softmax_cross_entropy(net(ln.tensor(X)), LABELS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_a_small_sequential_keeps_its_weights_in_one_buffer_with_their_values():
    ln.manual_seed(0)
    reference = [p.data.copy() for p in model().parameters()]
    net = model()
    group = group_of(net.parameters())
    assert group is not None
    for param, values in zip(net.parameters(), reference, strict=True):
        assert param.data.base is group.parameter.data.base
        np.testing.assert_array_equal(param.data, values)
    ln.manual_seed(0)
    big = ln.Sequential([ln.layers.Dense(FLAT_UPDATE_LIMIT, input_shape=(2,))])
    assert group_of(big.parameters()) is None


@pytest.mark.parametrize("name", list(STATEFUL))
def test_flat_update_equals_one_update_per_parameter(name):
    optimizer_class, options = STATEFUL[name]
    flat_net, plain_net = model(), model()
    flat_opt = optimizer_class(flat_net.parameters(), **options)
    plain_opt = optimizer_class(plain_net.parameters(), **options)
    steps(flat_net, flat_opt, 4)
    steps(plain_net, plain_opt, 4, unflatten=True)
    assert group_of(flat_net.parameters()) is not None
    assert group_of(plain_net.parameters()) is None
    for flat_param, plain_param in zip(flat_net.parameters(), plain_net.parameters(), strict=True):
        np.testing.assert_allclose(flat_param.data, plain_param.data, **TIGHT)
        flat_state, plain_state = flat_opt.state[id(flat_param)], plain_opt.state[id(plain_param)]
        assert flat_state.keys() == plain_state.keys()
        for key, value in plain_state.items():
            np.testing.assert_allclose(flat_state[key], value, **TIGHT)


def test_loaded_optimizer_state_is_gathered_again():
    trained, resumed = model(), model()
    trained_opt = ln.optim.Adam(trained.parameters(), lr=0.01)
    steps(trained, trained_opt, 3)
    resumed.set_weights(trained.get_weights())
    resumed_opt = ln.optim.Adam(resumed.parameters(), lr=0.01)
    steps(resumed, resumed_opt, 1)  # a flat state of its own, then replaced:
    resumed.set_weights(trained.get_weights())
    resumed_opt.load_state_dict(trained_opt.state_dict())
    steps(trained, trained_opt, 2)
    steps(resumed, resumed_opt, 2)
    for mine, expected in zip(resumed.parameters(), trained.parameters(), strict=True):
        np.testing.assert_allclose(mine.data, expected.data, **TIGHT)
    assert resumed_opt.state_dict()["state"][0]["step"] == 5


def test_a_missing_or_odd_gradient_and_a_rebound_weight_take_the_per_parameter_path():
    net, reference = model(), model()
    opt = ln.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    reference_opt = ln.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    steps(net, opt, 2)
    steps(reference, reference_opt, 2, unflatten=True)
    for current in (net, reference):
        loss = ln.losses.softmax_cross_entropy(current(ln.tensor(X)), LABELS)
        current.zero_grad()
        loss.backward()
        current.layers[1].bias.grad = None  # frozen for this step: not updated
    opt.step()
    reference_opt.step()
    for mine, expected in zip(net.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(mine.data, expected.data, **TIGHT)
    net.layers[0].weight.data = net.layers[0].weight.data.copy()  # rebound: per parameter
    reference.layers[0].weight.data = reference.layers[0].weight.data.copy()
    assert group_of(net.parameters()) is None
    steps(net, opt, 2)
    steps(reference, reference_opt, 2)
    for mine, expected in zip(net.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(mine.data, expected.data, **TIGHT)


def test_fit_reuses_the_models_flat_buffer():
    net = model()
    (group,) = net._flat_groups
    net.compile(optimizer=ln.optim.Adam(lr=0.01), loss="softmax_cross_entropy", lint=False)
    net.fit(X, LABELS, epochs=2, batch_size=3, verbose=0)
    assert net._flat_groups == [group] and group_of(net.parameters()) is group
