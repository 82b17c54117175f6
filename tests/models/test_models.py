"""Module, Sequential and the functional Model: building, calling, state and errors."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln

RNG = np.random.default_rng(5)


def test_sequential_without_input_shape_builds_on_first_call():
    model = ln.Sequential([ln.layers.Dense(4, activation="relu"), ln.layers.Dense(1)])
    assert model.parameters() == []
    out = model(RNG.standard_normal((3, 6)).astype(np.float32))
    assert out.shape == (3, 1)
    assert [p.shape for p in model.parameters()] == [(6, 4), (4,), (4, 1), (1,)]


def test_sequential_add_builds_at_once_after_an_input():
    model = ln.Sequential()
    model.add(ln.Input(shape=(5,)))
    model.add(ln.layers.Dense(2))
    assert model.count_params() == 12


def test_sequential_rejects_duplicate_layer_names():
    with pytest.raises(ValueError, match="unique"):
        ln.Sequential([ln.layers.Dense(2, name="a"), ln.layers.Dense(2, name="a")])


def test_sequential_rejects_non_layers():
    with pytest.raises(TypeError, match="layer"):
        ln.Sequential(["relu"])


def test_functional_model_with_two_inputs_two_outputs_and_a_shared_layer():
    left = ln.Input(shape=(3,), name="left")
    right = ln.Input(shape=(3,), name="right")
    shared = ln.layers.Dense(4, activation="tanh", name="shared")
    joined = ln.layers.Concatenate()([shared(left), shared(right)])
    score = ln.layers.Dense(1, name="score")(joined)
    probs = ln.layers.Dense(3, activation="softmax", name="probs")(joined)
    model = ln.Model(inputs=[left, right], outputs=[score, probs], name="siamese")

    assert [type(layer).__name__ for layer in model.layers] == [
        "Dense",
        "Concatenate",
        "Dense",
        "Dense",
    ]
    assert model.count_params() == (3 * 4 + 4) + (8 * 1 + 1) + (8 * 3 + 3)
    a = RNG.standard_normal((2, 3))
    b = RNG.standard_normal((2, 3))
    out_score, out_probs = model([a, b])
    assert out_score.shape == (2, 1) and out_probs.shape == (2, 3)
    w, bias = shared.weight.data, shared.bias.data
    hidden = np.concatenate([np.tanh(a @ w + bias), np.tanh(b @ w + bias)], axis=1)
    score_layer = model._modules["score"]
    np.testing.assert_allclose(
        out_score.data, hidden @ score_layer.weight.data + score_layer.bias.data, rtol=1e-5
    )
    by_name, _ = model({"left": a, "right": b})
    np.testing.assert_allclose(by_name.data, out_score.data)


def test_shared_layer_accumulates_gradient_from_both_uses():
    x = ln.Input(shape=(2,))
    shared = ln.layers.Dense(2, use_bias=False, dtype="float64")
    model = ln.Model(x, ln.layers.Add()([shared(x), shared(x)]))
    data = np.array([[1.0, 2.0]])
    model(data).sum().backward()
    np.testing.assert_allclose(shared.weight.grad, 2 * np.array([[1.0, 1.0], [2.0, 2.0]]))


def test_functional_model_rejects_outputs_from_a_foreign_input():
    a = ln.Input(shape=(2,))
    b = ln.Input(shape=(2,))
    with pytest.raises(ValueError, match="not among"):
        ln.Model(inputs=a, outputs=ln.layers.Dense(1)(b))


def test_functional_model_wrong_number_of_inputs_raises():
    a, b = ln.Input(shape=(2,)), ln.Input(shape=(2,))
    model = ln.Model([a, b], ln.layers.Concatenate()([a, b]))
    with pytest.raises(ValueError, match="takes 2 inputs"):
        model([np.zeros((1, 2))])


def test_functional_model_nests_inside_another_model():
    inner_in = ln.Input(shape=(3,))
    inner = ln.Model(inner_in, ln.layers.Dense(2)(inner_in), name="inner")
    outer_in = ln.Input(shape=(3,))
    outer = ln.Model(outer_in, ln.layers.Dense(1)(inner(outer_in)))
    assert outer(np.ones((4, 3))).shape == (4, 1)
    assert outer.count_params() == 8 + 3


class Net(ln.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = ln.layers.Dense(3, activation="relu", input_shape=(2,))
        self.norm = ln.layers.BatchNorm(3)
        self.layer2 = ln.layers.Dense(1)

    def forward(self, x):
        return self.layer2(self.norm(self.layer1(x)))


def test_state_dict_round_trip_restores_outputs_exactly():
    first, second = Net(), Net()
    x = RNG.standard_normal((4, 2)).astype(np.float32)
    first(x)
    second(x)
    first.eval()
    second.eval()
    second.load_state_dict(first.state_dict())
    np.testing.assert_array_equal(first(x).data, second(x).data)
    assert set(first.state_dict()) == {
        "layer1.weight",
        "layer1.bias",
        "norm.weight",
        "norm.bias",
        "norm.running_mean",
        "norm.running_var",
        "layer2.weight",
        "layer2.bias",
    }


def test_state_dict_returns_copies():
    net = Net()
    net(np.ones((2, 2)))
    state = net.state_dict()
    state["layer1.weight"][...] = 99
    assert not (net.layer1.weight.data == 99).any()


def test_load_state_dict_strict_reports_missing_and_unexpected_keys():
    net = Net()
    net(np.ones((2, 2)))
    state = {name: np.zeros_like(value) for name, value in net.state_dict().items()}
    del state["layer1.bias"]
    state["extra"] = np.zeros(1)
    bias = net.layer1.bias.data.copy()
    with pytest.raises(
        ValueError, match=r"missing keys \['layer1.bias'\].*unexpected keys \['extra'\]"
    ):
        net.load_state_dict(state)
    assert net.layer1.weight.data.any()  # a strict failure copies nothing
    net.load_state_dict(state, strict=False)  # loads the keys both sides have
    assert not net.layer1.weight.data.any()
    np.testing.assert_array_equal(net.layer1.bias.data, bias)


def test_load_state_dict_rejects_wrong_shapes():
    net = Net()
    net(np.ones((2, 2)))
    state = net.state_dict()
    state["layer1.weight"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"layer1.weight.*\(3, 3\).*\(2, 3\)"):
        net.load_state_dict(state)


def test_load_state_dict_copies_in_place():
    net = Net()
    net(np.ones((2, 2)))
    weight = net.layer1.weight.data
    net.load_state_dict({k: np.zeros_like(v) for k, v in net.state_dict().items()})
    assert net.layer1.weight.data is weight and not weight.any()


def test_train_eval_flags_propagate_and_zero_grad_clears():
    net = Net()
    net(np.ones((2, 2)))
    assert net.eval() is net and not net.norm.training
    net.train()
    assert net.layer2.training
    net(np.ones((3, 2))).sum().backward()
    assert net.layer1.weight.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_count_params_includes_batchnorm_statistics():
    net = Net()
    with pytest.raises(ValueError, match=r"'layer2' has no weights yet.*call the model"):
        net.count_params()  # layer2 is not built yet: no partial count
    net(np.ones((2, 2)))
    assert net.count_params() == 9 + 12 + 4


def test_module_subclass_must_call_super_init():
    class Broken(ln.Module):
        def __init__(self):
            self.layer = ln.layers.Dense(2)

    with pytest.raises(AttributeError, match="super"):
        Broken()


def test_list_of_modules_is_registered():
    class Stack(ln.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [ln.layers.Dense(2, input_shape=(2,)) for _ in range(3)]

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    assert len(Stack().parameters()) == 6
