"""A Sequential of Dense layers records one ``dense`` node for the whole stack (the manual
loop's fast path), and the loop trains exactly as before: PyTorch's numbers to 1e-12 in
float64, the per-layer tape's numbers, and a clean fall back to one node per layer
whenever a layer would compute anything else (hooks, other layers, casts, subclasses).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet import nn
from lucidnet.blocks import functional as F

TIGHT = {"rtol": 1e-12, "atol": 1e-13}
# The benchmark configurations (benchmarks/peers.py), scaled down: sizes, hidden activations.
CONFIGS = {
    "tiny": ((3, 3, 2, 2), ("sigmoid", "relu")),
    "small": ((2, 16, 16, 2), ("relu", "relu")),
    "mnist": ((24, 16, 8, 10), ("relu", "relu")),
    "wide": ((32, 32, 32, 10), ("relu", "relu")),
}
OPTIMIZERS = {
    "sgd": (ln.optim.SGD, torch.optim.SGD, {"lr": 0.1}),
    "sgd_nesterov_decay": (
        ln.optim.SGD,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ),
    "adam": (ln.optim.Adam, torch.optim.Adam, {"lr": 0.01}),
    "adamw": (ln.optim.AdamW, torch.optim.AdamW, {"lr": 0.01}),
    "rmsprop": (ln.optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01}),
}
TORCH_ACTIVATIONS = {"sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh}


def dense_stack(sizes, activations, dtype="float64", seed=0):
    ln.manual_seed(seed)
    layers = []
    for index, units in enumerate(sizes[1:]):
        activation = activations[index] if index < len(activations) else None
        first = {"input_shape": (sizes[0],)} if index == 0 else {}
        layers.append(ln.layers.Dense(units, activation=activation, dtype=dtype, **first))
    return ln.Sequential(layers)


def batch(sizes, rows=7, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((rows, sizes[0])), rng.integers(0, sizes[-1], rows)


def is_one_stack_node(out, model):
    """The output is the single node of the whole stack: its parents are x and every weight."""
    return out._op == "dense" and len(out._parents) == 1 + len(model.parameters())


def per_layer(model, x):
    """The layers called one by one: one node per layer, the tape before the stack node."""
    for layer in model.layers:
        x = layer(x)
    return x


def torch_step_losses(model, activations, x, labels, torch_class, options, steps):
    """The same loop in PyTorch from the model's initial weights: losses and final weights."""
    params = [torch.tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    optimizer = torch_class(params, **options)
    inputs, targets = torch.tensor(x), torch.tensor(labels)
    losses = []
    for _ in range(steps):
        h = inputs
        for index in range(0, len(params), 2):
            h = h @ params[index] + params[index + 1]
            if index // 2 < len(activations):
                h = TORCH_ACTIVATIONS[activations[index // 2]](h)
        loss = torch.nn.functional.cross_entropy(h, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy() for p in params]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("config", list(CONFIGS))
def test_manual_loop_equals_pytorch_to_1e12_in_float64(config, optimizer):
    sizes, activations = CONFIGS[config]
    lucid_class, torch_class, options = OPTIMIZERS[optimizer]
    model = dense_stack(sizes, activations)
    x, labels = batch(sizes)
    expected_losses, expected_weights = torch_step_losses(
        model, activations, x, labels, torch_class, options, steps=5
    )
    opt = lucid_class(model.parameters(), **options)
    inputs = ln.tensor(x)
    losses = []
    for _ in range(5):
        out = model(inputs)
        assert is_one_stack_node(out, model)
        loss = ln.losses.softmax_cross_entropy(out, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    np.testing.assert_allclose(losses, expected_losses, **TIGHT)
    for param, expected in zip(model.parameters(), expected_weights, strict=True):
        np.testing.assert_allclose(param.data, expected, **TIGHT)


@pytest.mark.parametrize("config", list(CONFIGS))
def test_stack_node_equals_the_layers_called_one_by_one(config):
    sizes, activations = CONFIGS[config]
    model = dense_stack(sizes, activations)
    x, _ = batch(sizes)
    upstream = np.random.default_rng(2).standard_normal((7, sizes[-1]))
    results = []
    for forward in (model, lambda t: per_layer(model, t)):
        inputs = ln.tensor(x, requires_grad=True)
        out = forward(inputs)
        out.backward(upstream)
        results.append([out.data, inputs.grad, *(p.grad for p in model.parameters())])
        model.zero_grad()
    for stacked, layered in zip(*results, strict=True):
        np.testing.assert_allclose(stacked, layered, **TIGHT)


def test_pytorch_style_linear_relu_stack_is_one_node_and_matches_torch():
    ln.manual_seed(3)
    net = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3))
    for param in net.parameters():
        param.data = param.data.astype(np.float64)
    x, labels = batch((4, 6, 5, 3))
    out = net(ln.tensor(x))
    assert is_one_stack_node(out, net)
    loss = nn.CrossEntropyLoss()(out, labels)
    loss.backward()
    params = [torch.tensor(p.data, requires_grad=True) for p in net.parameters()]
    h = torch.relu(torch.tensor(x) @ params[0] + params[1])
    h = torch.tanh(h @ params[2] + params[3])
    expected = torch.nn.functional.cross_entropy(h @ params[4] + params[5], torch.tensor(labels))
    expected.backward()
    np.testing.assert_allclose(float(loss), expected.item(), **TIGHT)
    for param, reference in zip(net.parameters(), params, strict=True):
        np.testing.assert_allclose(param.grad, reference.grad.numpy(), **TIGHT)


def test_gradients_accumulate_across_backward_calls_and_graphs_stay_valid():
    sizes, activations = CONFIGS["tiny"]
    model = dense_stack(sizes, activations)
    x, labels = batch(sizes)
    first = ln.losses.softmax_cross_entropy(model(ln.tensor(x)), labels)
    first.backward()
    once = [p.grad.copy() for p in model.parameters()]
    held = [p.grad for p in model.parameters()]
    # another forward pass before the first graph's second backward: nothing is shared
    second = ln.losses.softmax_cross_entropy(model(ln.tensor(x[::-1].copy())), labels[::-1])
    first.backward()
    for param, grad in zip(model.parameters(), once, strict=True):
        np.testing.assert_allclose(param.grad, 2 * grad, **TIGHT)
    second.backward()
    model.zero_grad()
    ln.losses.softmax_cross_entropy(model(ln.tensor(x)), labels).backward()
    for param, grad, old in zip(model.parameters(), once, held, strict=True):
        np.testing.assert_allclose(param.grad, grad, **TIGHT)
        assert param.grad is not old  # after zero_grad() a new array, as in PyTorch


def test_frozen_weight_gets_no_gradient_and_the_rest_are_exact():
    sizes, activations = CONFIGS["small"]
    model = dense_stack(sizes, activations)
    model.layers[1].weight.requires_grad = False
    x, labels = batch(sizes)
    out = model(ln.tensor(x))
    assert is_one_stack_node(out, model)
    ln.losses.softmax_cross_entropy(out, labels).backward()
    stacked = [p.grad for p in model.parameters()]
    model.zero_grad()
    ln.losses.softmax_cross_entropy(per_layer(model, ln.tensor(x)), labels).backward()
    assert model.layers[1].weight.grad is None and stacked[2] is None
    for mine, expected in zip(stacked, [p.grad for p in model.parameters()], strict=True):
        if expected is not None:
            np.testing.assert_allclose(mine, expected, **TIGHT)


def test_no_grad_and_eval_give_the_same_values_without_a_graph():
    sizes, activations = CONFIGS["tiny"]
    model = dense_stack(sizes, activations)
    x, _ = batch(sizes)
    expected = per_layer(model, ln.tensor(x)).data
    with ln.no_grad():
        out = model(ln.tensor(x))
    assert not out.requires_grad and out._parents == ()
    np.testing.assert_allclose(out.data, expected, **TIGHT)
    model.eval()
    np.testing.assert_allclose(model(ln.tensor(x)).data, expected, **TIGHT)


def test_intermediate_outputs_through_a_hook_fall_back_to_one_node_per_layer():
    sizes, activations = CONFIGS["tiny"]
    model = dense_stack(sizes, activations)
    x, _ = batch(sizes)
    seen = []
    with model.layers[1].register_forward_hook(lambda m, i, o: seen.append(o.retain_grad())):
        out = model(ln.tensor(x))
        assert not is_one_stack_node(out, model)
        out.sum().backward()
    (hidden,) = seen
    assert hidden.grad is not None and hidden.grad.shape == hidden.shape
    assert is_one_stack_node(model(ln.tensor(x)), model)  # hook removed: one node again


def test_other_layers_casts_and_subclasses_fall_back_to_one_node_per_layer():
    sizes, activations = CONFIGS["tiny"]
    x, _ = batch(sizes)

    class Doubled(ln.layers.Dense):
        def forward(self, inputs):
            return super().forward(inputs) * 2

    with_dropout = dense_stack(sizes, activations)
    with_dropout.add(ln.layers.Dropout(0.5))
    assert not is_one_stack_node(with_dropout(ln.tensor(x)), with_dropout)
    float32 = dense_stack(sizes, activations, dtype="float32")
    out = float32(ln.tensor(x))  # float64 input: each layer casts it, as before
    assert out.dtype == np.float32 and not is_one_stack_node(out, float32)
    ln.manual_seed(0)
    custom = ln.Sequential(
        [Doubled(3, input_shape=(3,), dtype="float64"), ln.layers.Dense(2, dtype="float64")]
    )
    out = custom(ln.tensor(x))
    expected = (x @ custom.layers[0].weight.data + custom.layers[0].bias.data) * 2
    expected = expected @ custom.layers[1].weight.data + custom.layers[1].bias.data
    np.testing.assert_allclose(out.data, expected, **TIGHT)
    callable_activation = ln.Sequential(
        [
            ln.layers.Dense(3, activation=lambda t: t * t, input_shape=(3,), dtype="float64"),
            ln.layers.Dense(2, dtype="float64"),
        ]
    )
    assert not is_one_stack_node(callable_activation(ln.tensor(x)), callable_activation)
    with pytest.raises(ValueError, match=r"expects inputs of shape \[batch_size, 3\]"):
        dense_stack(sizes, activations)(ln.tensor(np.ones((2, 4))))


def test_a_rebound_weight_or_activation_is_used_at_the_next_call():
    sizes, activations = CONFIGS["tiny"]
    model = dense_stack(sizes, activations)
    x, _ = batch(sizes)
    model(ln.tensor(x))
    model.layers[0].weight = ln.Parameter(np.zeros((3, 3)))
    model.layers[1].activation = ln.activations.get("tanh")
    out = model(ln.tensor(x))
    assert is_one_stack_node(out, model)
    _, second, third = model.layers
    hidden = np.full((7, 3), 0.5)  # sigmoid(x @ 0 + 0)
    hidden = np.tanh(hidden @ second.weight.data + second.bias.data)
    np.testing.assert_allclose(out.data, hidden @ third.weight.data + third.bias.data, **TIGHT)
    np.testing.assert_allclose(out.data, per_layer(model, ln.tensor(x)).data, **TIGHT)


def test_batched_three_dimensional_input_matches_per_layer():
    sizes, activations = CONFIGS["small"]
    model = dense_stack(sizes, activations)
    x = ln.tensor(np.random.default_rng(4).standard_normal((3, 5, 2)), requires_grad=True)
    out = model(x)
    assert is_one_stack_node(out, model) and out.shape == (3, 5, 2)
    (out * out).sum().backward()
    stacked = [x.grad, *(p.grad for p in model.parameters())]
    x.grad = None
    model.zero_grad()
    reference = per_layer(model, x)
    (reference * reference).sum().backward()
    np.testing.assert_allclose(out.data, reference.data, **TIGHT)
    for mine, expected in zip(
        stacked, [x.grad, *(p.grad for p in model.parameters())], strict=True
    ):
        np.testing.assert_allclose(mine, expected, **TIGHT)


def test_dense_stack_node_is_dense_node_layer_by_layer():
    rng = np.random.default_rng(5)
    w1, b1, w2 = (
        ln.tensor(rng.standard_normal(s), requires_grad=True) for s in ((4, 3), (3,), (3, 2))
    )
    x = ln.tensor(rng.standard_normal((6, 4)), requires_grad=True)
    stacked = F.dense_stack_node(x, [(w1, b1, ln.activations.get("softplus")), (w2, None, None)])
    stacked.sum().backward()
    grads = [t.grad.copy() for t in (x, w1, b1, w2)]
    for t in (x, w1, b1, w2):
        t.grad = None
    chained = F.dense(F.dense(x, w1, b1, "softplus"), w2)
    chained.sum().backward()
    np.testing.assert_allclose(stacked.data, chained.data, **TIGHT)
    for mine, t in zip(grads, (x, w1, b1, w2), strict=True):
        np.testing.assert_allclose(mine, t.grad, **TIGHT)
