"""The backward walk (creation-ordered heap, gradients kept without copies) against the walk it
replaced: a topological sort, gradients summed in a dict, every leaf gradient copied; and the
manual training loop against PyTorch in float64.

The reference below is that earlier ``Tensor.backward`` verbatim; each test runs the same
steps once with it (monkeypatched in) and once with the engine's walk, in float64, and
needs the losses, gradients and weights to agree to 1e-12.  The scenarios are the ones a
cached or shortcut walk could get wrong: shapes, dtypes, ``requires_grad`` or the graph
changing between steps, hooks, accumulation over several ``backward()`` calls, a second
``backward()`` through the same graph, ``no_grad`` and a parameter used twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lucidnet as ln
from lucidnet.blocks import functional as F
from lucidnet.engine.graph import topological_order
from lucidnet.engine.tensor import Tensor

TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def reference_backward(self: Tensor, grad: Any = None) -> None:
    """``Tensor.backward`` as it was before the heap walk (its shape checks left out)."""
    if not self.requires_grad:
        raise ValueError("backward() called on a tensor that does not require grad")
    seed = np.ones_like(self.data) if grad is None else np.asarray(grad, dtype=self.dtype)
    order = topological_order([self], lambda n: [p for p in n._parents if p.requires_grad])
    grads = {id(self): seed}
    for node in reversed(order):
        node_grad = grads.pop(id(node), None)
        if node_grad is None:
            continue
        if node._backward is None:
            _copy_accumulate(node, node_grad)
            continue
        if node._retains_grad:
            _copy_accumulate(node, node_grad)
        for parent, parent_grad in zip(node._parents, node._backward(node_grad), strict=True):
            if parent_grad is None or not parent.requires_grad:
                continue
            key = id(parent)
            grads[key] = grads[key] + parent_grad if key in grads else parent_grad


def _copy_accumulate(node: Tensor, grad: np.ndarray) -> None:
    if grad.shape != node.data.shape:
        grad = np.broadcast_to(grad, node.data.shape)
    if node.grad is None:
        node.grad = np.array(grad, dtype=node.data.dtype, copy=True)
    else:
        node.grad += grad


def both_walks(
    monkeypatch: pytest.MonkeyPatch, run: Callable[[], list[np.ndarray]]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``run()`` with the engine's walk, then with the reference walk (same seed for both)."""
    ln.manual_seed(0)
    fast = run()
    with monkeypatch.context() as patch:
        patch.setattr(Tensor, "backward", reference_backward)
        ln.manual_seed(0)
        reference = run()
    return fast, reference


def assert_same(fast: list[np.ndarray], reference: list[np.ndarray]) -> None:
    assert len(fast) == len(reference) > 0
    for index, (mine, expected) in enumerate(zip(fast, reference, strict=True)):
        if expected is None:
            assert mine is None, f"value {index}"
            continue
        assert mine is not None, f"value {index}"
        assert np.shape(mine) == np.shape(expected), f"value {index}"
        np.testing.assert_allclose(mine, expected, err_msg=f"value {index}", **TIGHT)


# ----------------------------------------------------------------------------- training loops
CONFIGS = {  # the benchmark networks (benchmarks/peers.py), float64; steps scaled to their cost
    "tiny": ((3, 3, 2, 2), ("sigmoid", "relu"), 5, 60),
    "small": ((2, 16, 16, 2), ("relu", "relu"), 32, 60),
    "mnist": ((784, 256, 128, 10), ("relu", "relu"), 128, 4),
    "wide": ((1024, 1024, 1024, 10), ("relu", "relu"), 64, 3),  # batch 256 in the benchmark
}
OPTIMIZERS = {
    "sgd": {"lr": 0.05},
    "sgd_momentum": {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3},
    "adam": {"lr": 0.01},
    "adamw": {"lr": 0.01},
    "rmsprop": {"lr": 0.01},
    "adagrad": {"lr": 0.05},
}


def mlp(sizes: tuple[int, ...], activations: tuple[str, ...]) -> ln.Sequential:
    layers = []
    for index, units in enumerate(sizes[1:]):
        activation = activations[index] if index < len(activations) else None
        shape = {"input_shape": (sizes[0],)} if index == 0 else {}
        layers.append(ln.layers.Dense(units, activation=activation, dtype="float64", **shape))
    return ln.Sequential(layers)


def manual_loop(config: str, optimizer: str, steps: int | None = None) -> list[np.ndarray]:
    """``opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()``."""
    sizes, activations, batch, default_steps = CONFIGS[config]
    model = mlp(sizes, activations)
    name = optimizer.removesuffix("_momentum")
    opt = ln.optim.get(name, **OPTIMIZERS[optimizer]).bind(model.parameters())
    rng = np.random.default_rng(1)
    x = ln.tensor(rng.standard_normal((batch, sizes[0])))
    y = rng.integers(0, sizes[-1], size=batch)
    losses = []
    for _ in range(steps or default_steps):
        opt.zero_grad()
        loss = ln.losses.softmax_cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return [np.array(losses)] + [p.data.copy() for p in model.parameters()]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("config", ["tiny", "small"])
def test_manual_loop_small_configs_match_the_reference_walk(monkeypatch, config, optimizer):
    fast, reference = both_walks(monkeypatch, lambda: manual_loop(config, optimizer))
    assert_same(fast, reference)
    assert fast[0][-1] != fast[0][0]  # it trained


@pytest.mark.parametrize("config", ["mnist", "wide"])
def test_manual_loop_large_configs_match_the_reference_walk(monkeypatch, config):
    for optimizer in ("sgd", "adam") if config == "mnist" else ("sgd",):
        fast, reference = both_walks(monkeypatch, lambda o=optimizer: manual_loop(config, o))
        assert_same(fast, reference)


def test_every_optimizer_is_covered():
    assert {name.removesuffix("_momentum") for name in OPTIMIZERS} == set(ln.optim.available())


# ----------------------------------------------------------------------------- changing steps
def gradients(*tensors: Tensor) -> list[np.ndarray | None]:
    return [None if t.grad is None else t.grad.copy() for t in tensors]


def test_shapes_and_dtypes_change_between_steps(monkeypatch):
    def run() -> list[np.ndarray]:
        model32 = mlp((3, 4, 2), ("tanh",))
        out = []
        for step, batch in enumerate([5, 7, 1, 5, 7]):
            x = np.random.default_rng(step).standard_normal((batch, 3))
            dtype = "float32" if step == 3 else "float64"  # float32 data, cast by the layer
            model32.zero_grad()
            loss = (model32(ln.tensor(x, dtype=dtype)) ** 2).mean()
            loss.backward()
            out += [loss.data.copy(), *gradients(*model32.parameters())]
        return out

    assert_same(*both_walks(monkeypatch, run))


def test_requires_grad_and_graph_change_between_steps(monkeypatch):
    def run() -> list[np.ndarray]:
        layer1 = ln.layers.Dense(4, activation="relu", input_shape=(3,), dtype="float64")
        layer2 = ln.layers.Dense(3, input_shape=(4,), dtype="float64")
        params = [*layer1.parameters(), *layer2.parameters()]
        out = []
        for step in range(6):
            x = ln.tensor(np.random.default_rng(step).standard_normal((5, 3)))
            x.requires_grad = step % 2 == 1  # the input's gradient is wanted every other step
            layer1.weight.requires_grad = step != 2  # frozen for one step
            for p in params:
                p.grad = None
            h = layer1(x)
            logits = layer2(h)
            if step % 3 == 1:  # another graph: a skip branch and a different head
                logits = (
                    logits + (x * 2.0).sum(axis=1, keepdims=True) - h.max(axis=1, keepdims=True)
                )
            loss = ln.losses.softmax_cross_entropy(logits, np.arange(5) % 3)
            loss.backward()
            out += [loss.data.copy(), *gradients(x, *params)]
        return out

    fast, reference = both_walks(monkeypatch, run)
    assert_same(fast, reference)
    assert fast[2 * 6 + 1] is None  # step 2: the frozen weight got no gradient


def test_hooks_retained_gradients_and_accumulation(monkeypatch):
    def run() -> list[np.ndarray]:
        model = mlp((3, 5, 4, 2), ("sigmoid", "relu"))
        seen: list[Tensor] = []
        handle = model.layers[1].register_forward_hook(lambda m, i, o: seen.append(o.retain_grad()))
        x = ln.tensor(np.random.default_rng(3).standard_normal((6, 3)))
        out = []
        for step in range(3):
            if step == 2:
                handle.remove()
            # no zero_grad: gradients accumulate over every backward() call
            for labels in (np.array([0, 1, 0, 1, 1, 0]), np.array([1, 1, 0, 0, 1, 0])):
                loss = ln.losses.softmax_cross_entropy(model(x), labels)
                loss.backward()
                out += [loss.data.copy(), *gradients(*model.parameters())]
        out += [t.grad.copy() for t in seen]
        assert len(seen) == 4
        return out

    assert_same(*both_walks(monkeypatch, run))


def test_second_backward_through_the_same_graph_and_no_grad(monkeypatch):
    def run() -> list[np.ndarray]:
        model = mlp((2, 3, 2), ("relu",))
        x = ln.tensor(np.random.default_rng(4).standard_normal((4, 2)))
        loss = (model(x) ** 2).sum()
        loss.backward()
        first = gradients(*model.parameters())
        loss.backward()  # the graph is kept, as with retain_graph=True: gradients double
        second = gradients(*model.parameters())
        with ln.no_grad():
            frozen = (model(x) ** 2).sum()
        assert not frozen.requires_grad
        with pytest.raises(ValueError, match="does not require grad"):
            frozen.backward()
        model.zero_grad()
        loss = (model(x) ** 2).sum()
        loss.backward()
        return [*first, *second, *gradients(*model.parameters())]

    fast, reference = both_walks(monkeypatch, run)
    assert_same(fast, reference)
    np.testing.assert_allclose(fast[4], 2 * fast[0], **TIGHT)


def test_a_parameter_used_twice_in_one_graph(monkeypatch):
    def run() -> list[np.ndarray]:
        rng = np.random.default_rng(5)
        w = ln.Parameter(rng.standard_normal((3, 3)))
        b = ln.Parameter(rng.standard_normal(3))
        x = ln.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        h = F.dense(x, w, b, "tanh")
        y = F.dense(h, w, b) * x + w.sum() * x  # w three times, b twice, x three times
        (y**2).mean().backward()
        return gradients(w, b, x)

    assert_same(*both_walks(monkeypatch, run))


def test_a_leaf_gradient_is_never_shared():
    """Gradients kept without a copy belong to one leaf: writing one changes no other."""
    rng = np.random.default_rng(6)
    w = ln.Parameter(rng.standard_normal((3, 2)))
    b = ln.Parameter(rng.standard_normal(2))
    c = ln.Parameter(rng.standard_normal((4, 2)))
    d = ln.Parameter(rng.standard_normal((4, 2)))
    e = ln.Parameter(rng.standard_normal((4, 2)))
    x = ln.tensor(rng.standard_normal((4, 3)))
    z = F.dense(x, w, b, "relu")
    z.retain_grad()
    # ``+`` hands the same array g to both of its inputs: each must get a copy
    loss = ((z + c) * 3.0).sum() + ((d + e) * 2.0).sum() + (c * 1.0).sum()
    loss.backward()
    arrays = [w.grad, b.grad, c.grad, d.grad, e.grad, z.grad]
    for i, first in enumerate(arrays):
        for second in arrays[i + 1 :]:
            assert not np.shares_memory(first, second)
    assert not np.shares_memory(z.grad, z.data)
    np.testing.assert_array_equal(c.grad, np.full((4, 2), 4.0))
    d.grad[...] = 0.0
    np.testing.assert_array_equal(e.grad, np.full((4, 2), 2.0))
    np.testing.assert_array_equal(z.grad, np.full((4, 2), 3.0))


def test_backward_on_a_leaf_and_with_a_given_gradient():
    w = ln.Parameter(np.array([1.0, 2.0]))
    w.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])
    x = ln.tensor(np.array([[1.0, 2.0]]))
    out = F.dense(x, ln.Parameter(np.eye(2)), None, "relu")
    seed = np.array([[5.0, 6.0]])
    out.backward(seed)
    seed[...] = 0.0  # the caller's array is not kept
    np.testing.assert_array_equal(out._parents[1].grad, [[5.0, 6.0], [10.0, 12.0]])


# ----------------------------------------------------------------------------- against PyTorch
def torch_loop(config: str, optimizer: str, weights: list[np.ndarray]) -> list[np.ndarray]:
    """The same manual loop in PyTorch float64 from the same weights (``(in, out)`` layout)."""
    torch = pytest.importorskip("torch")
    sizes, activations, batch, steps = CONFIGS[config]
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    options = dict(OPTIMIZERS[optimizer])
    kind = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
    opt = kind[optimizer.removesuffix("_momentum")](params, **options)
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((batch, sizes[0])))
    y = torch.tensor(rng.integers(0, sizes[-1], size=batch))
    functions = {"relu": torch.relu, "sigmoid": torch.sigmoid}
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        h = x
        for index in range(len(sizes) - 1):
            h = h @ params[2 * index] + params[2 * index + 1]
            if index < len(activations):
                h = functions[activations[index]](h)
        loss = torch.nn.functional.cross_entropy(h, y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return [np.array(losses)] + [p.detach().numpy() for p in params]


@pytest.mark.parametrize(
    ("config", "optimizer"),
    [(c, o) for c in ("tiny", "small") for o in ("sgd", "sgd_momentum", "adamw")]
    + [("mnist", "sgd")],
)
def test_manual_loop_matches_pytorch_in_float64(config, optimizer):
    """Independent of the engine's history: the loop equals PyTorch's to 1e-12."""
    ln.manual_seed(0)
    sizes, activations, _, _ = CONFIGS[config]
    initial = [p.data.copy() for p in mlp(sizes, activations).parameters()]
    ln.manual_seed(0)
    mine = manual_loop(config, optimizer)
    reference = torch_loop(config, optimizer, initial)
    for index, (got, expected) in enumerate(zip(mine, reference, strict=True)):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=f"value {index}")
