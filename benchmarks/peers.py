"""The benchmark configurations and one training-step implementation per peer.

Every peer trains the same multi-layer perceptron on the same fixed batch:
``logits = Dense stack(x)``, ``L = mean_i [logsumexp(logits_i) - logits_i[y_i]]``
(softmax cross-entropy on integer labels), then the plain SGD update
``W <- W - lr * dL/dW``.  Each peer is built from the *same* initial weights,
given in lucidnet's layout ``(in_features, out_features)``, so that
:meth:`Peer.initial_loss` must agree across peers before anything is timed.

A peer exposes ``run()`` (one timed call), ``steps_per_run`` (training steps
that call performs) and ``initial_loss()`` (the loss at the initial weights,
weights restored afterwards).  Heavy imports (torch, jax, scikit-learn) happen
inside the peer that needs them, so a missing optional peer only skips itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

LEARNING_RATE = 0.01


@dataclass(frozen=True)
class Config:
    """A network ``sizes[0] -> ... -> sizes[-1]``; ``activations`` for the hidden layers."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    batch_size: int

    @property
    def classes(self) -> int:
        return self.sizes[-1]


CONFIGS = {
    "tiny": Config("tiny", (3, 3, 2, 2), ("sigmoid", "relu"), 5),
    "small": Config("small", (2, 16, 16, 2), ("relu", "relu"), 32),
    "mnist": Config("mnist", (784, 256, 128, 10), ("relu", "relu"), 128),
    "wide": Config("wide", (1024, 1024, 1024, 10), ("relu", "relu"), 256),
}

Weights = list[tuple[np.ndarray, np.ndarray]]  # (W of shape (in, out), b of shape (out,)) per layer


def make_batch(config: Config, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed float32 batch and integer labels in ``[0, classes)``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((config.batch_size, config.sizes[0]), dtype=np.float32)
    y = rng.integers(0, config.classes, size=config.batch_size)
    return x, y


# ------------------------------------------------------------------ lucidnet
def build_lucidnet(config: Config, seed: int = 0):
    """lucidnet's Sequential of Dense layers with the config's activations, identity logits."""
    import lucidnet as ln

    ln.manual_seed(seed)
    layers = []
    for index, units in enumerate(config.sizes[1:]):
        activation = config.activations[index] if index < len(config.activations) else None
        kwargs = {"input_shape": (config.sizes[0],)} if index == 0 else {}
        layers.append(ln.layers.Dense(units, activation=activation, **kwargs))
    return ln.Sequential(layers)


def lucidnet_weights(model) -> Weights:
    """Copies of a lucidnet model's (W, b) pairs, in layer order."""
    params = [p.data.copy() for p in model.parameters()]
    return list(zip(params[0::2], params[1::2], strict=True))


class Peer:
    """One way of running a training step.

    Subclasses fill ``_step`` (one timed step, returning the loss before it) and
    ``_load`` (back to the initial weights).
    """

    name = "peer"
    steps_per_run = 1

    def _step(self) -> Any:
        raise NotImplementedError

    def _load(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        self._step()

    def initial_loss(self) -> float:
        """The loss of the first step from the initial weights, which are then restored."""
        loss = float(self._step())
        self._load()
        return loss


class _LucidnetModel(Peer):
    def __init__(self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray) -> None:
        self.model = build_lucidnet(config)
        self.parameters = list(self.model.parameters())
        self.weights = weights
        self._load()

    def _load(self) -> None:
        flat = [array for pair in self.weights for array in pair]
        for parameter, array in zip(self.parameters, flat, strict=True):
            parameter.data[...] = array
            parameter.grad = None


class LucidnetManual(_LucidnetModel):
    """PyTorch-style loop: forward, loss, ``zero_grad``, ``backward``, ``step``."""

    name = "lucidnet (loop)"

    def __init__(self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray) -> None:
        import lucidnet as ln

        super().__init__(config, weights, x, y)
        self.ln = ln
        self.x, self.y = ln.tensor(x), y
        self.optimizer = ln.optim.SGD(self.parameters, lr=LEARNING_RATE)

    def _step(self) -> float:
        loss = self.ln.losses.softmax_cross_entropy(self.model(self.x), self.y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss


class LucidnetFit(_LucidnetModel):
    """``model.fit`` on the fixed batch for ``steps`` epochs of one step each (``shuffle=False``).

    The same batch as the other peers, so the data stays in cache as it does for them;
    fit's per-epoch bookkeeping (callbacks, history, running means) is part of each step.
    """

    name = "lucidnet (fit)"
    jit_compile = False

    def __init__(
        self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray, steps: int = 50
    ) -> None:
        import lucidnet as ln

        super().__init__(config, weights, x, y)
        self.batch_size = config.batch_size
        self.x, self.y = x, y
        self.steps_per_run = steps
        self.model.compile(
            optimizer=ln.optim.SGD(lr=LEARNING_RATE),
            loss="softmax_cross_entropy",
            lint=False,
            jit_compile=self.jit_compile,
        )

    def run(self) -> None:
        self.model.fit(
            self.x,
            self.y,
            epochs=self.steps_per_run,
            batch_size=self.batch_size,
            shuffle=False,
            verbose=0,
        )

    def initial_loss(self) -> float:
        history = self.model.fit(
            self.x, self.y, epochs=1, batch_size=self.batch_size, shuffle=False, verbose=0
        )
        self._load()
        return float(history.history["loss"][0])


class LucidnetFitJit(LucidnetFit):
    """``model.fit`` with ``compile(..., jit_compile=True)``: each step one numba function
    where the layers are small enough for loops (tiny, small), the NumPy plan elsewhere.
    Needs numba (``pip install 'lucidnet[jit]'``); compiled during the loss check."""

    name = "lucidnet (fit, jit)"
    jit_compile = True


# ------------------------------------------------------------------ PyTorch
def torch_mlp(config: Config, weights: Weights):
    """nn.Sequential of nn.Linear (weight transposed to torch's (out, in)) and activations."""
    import torch
    from torch import nn

    modules: list[nn.Module] = []
    for index, (w, b) in enumerate(weights):
        linear = nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if index < len(config.activations):
            modules.append({"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[config.activations[index]]())
    return nn.Sequential(*modules)


class TorchEager(Peer):
    """``torch.nn`` stack + ``F.cross_entropy`` + ``torch.optim.SGD``, 2 threads."""

    name = "torch eager"

    def __init__(self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray) -> None:
        import torch
        import torch.nn.functional as F  # noqa: N812 (PyTorch's own spelling)

        torch.set_num_threads(2)
        self.torch, self.F = torch, F
        self.model = self._model(config, weights)
        self.initial_state = {k: v.clone() for k, v in self.model.state_dict().items()}
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def _model(self, config: Config, weights: Weights):
        return torch_mlp(config, weights)

    def _step(self):
        loss = self.F.cross_entropy(self.model(self.x), self.y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def initial_loss(self) -> float:
        loss = float(self._step().detach())  # float() of a tensor that requires grad warns
        self._load()
        return loss

    def _load(self) -> None:
        self.model.load_state_dict(self.initial_state)


class TorchCompiled(TorchEager):
    """The same loop with the model wrapped in ``torch.compile`` (forward and backward graphs)."""

    name = "torch.compile"

    def _model(self, config: Config, weights: Weights):
        import torch

        self.eager_model = torch_mlp(config, weights)
        return torch.compile(self.eager_model)


# ------------------------------------------------------------------ JAX
class JaxJit(Peer):
    """``value_and_grad`` and the SGD update fused in one ``jax.jit`` function."""

    name = "jax jit"

    def __init__(self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray) -> None:
        import jax
        import jax.numpy as jnp

        activations = [
            {"sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu}[name] for name in config.activations
        ]

        def loss_fn(params, inputs, labels):
            hidden = inputs
            for index, (w, b) in enumerate(params):
                hidden = hidden @ w + b
                if index < len(activations):
                    hidden = activations[index](hidden)
            picked = jnp.take_along_axis(hidden, labels[:, None], axis=1)[:, 0]
            return jnp.mean(jax.nn.logsumexp(hidden, axis=1) - picked)

        def step(params, inputs, labels):
            loss, grads = jax.value_and_grad(loss_fn)(params, inputs, labels)
            updated = jax.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)
            return loss, updated

        self.step = jax.jit(step, donate_argnums=0)
        self.jnp = jnp
        self.weights = weights
        self.x, self.y = jnp.asarray(x), jnp.asarray(y.astype(np.int32))
        self._load()

    def _load(self) -> None:
        self.params = [(self.jnp.array(w), self.jnp.array(b)) for w, b in self.weights]

    def _step(self) -> Any:
        loss, self.params = self.step(self.params, self.x, self.y)
        return loss.block_until_ready()


# ------------------------------------------------------------------ scikit-learn
class SklearnPartialFit(Peer):
    """``MLPClassifier.partial_fit`` with plain SGD (momentum 0, alpha 0, constant rate).

    scikit-learn applies one activation to every hidden layer (relu here) and, for
    two classes, uses one logistic output unit; softmax over two logits equals
    sigmoid(z1 - z0), so the output layer is given ``W[:, 1] - W[:, 0]``.
    """

    name = "sklearn partial_fit"

    def __init__(self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        uniform = len(set(config.activations)) == 1
        self.comparable = uniform
        self.mlp = MLPClassifier(
            hidden_layer_sizes=config.sizes[1:-1],
            activation="relu"
            if not uniform
            else {"sigmoid": "logistic"}.get(config.activations[0], config.activations[0]),
            solver="sgd",
            momentum=0.0,
            nesterovs_momentum=False,
            learning_rate_init=LEARNING_RATE,
            learning_rate="constant",
            alpha=0.0,
            batch_size=config.batch_size,
            random_state=0,
        )
        self.x, self.y = x, y
        self.mlp.partial_fit(x, y, classes=np.arange(config.classes))
        self.weights = self._sklearn_weights(weights, config.classes)
        self._load()

    @staticmethod
    def _sklearn_weights(weights: Weights, classes: int) -> Weights:
        if classes != 2:
            return weights
        *hidden, (w, b) = weights
        return [*hidden, ((w[:, 1] - w[:, 0])[:, None], b[1:] - b[:1])]

    def _load(self) -> None:
        # In place: the optimizer holds references to these very arrays.
        for coef, intercept, (w, b) in zip(
            self.mlp.coefs_, self.mlp.intercepts_, self.weights, strict=True
        ):
            coef[...] = w
            intercept[...] = b

    def _step(self) -> float:
        self.mlp.partial_fit(self.x, self.y)
        return self.mlp.loss_


# ------------------------------------------------------------------ NumPy by hand
class NumpyReference(Peer):
    """Forward, backward and update written out in NumPy: the floor a NumPy engine can reach.

    Softmax cross-entropy backward: dL/dlogits = (softmax(logits) - onehot(y)) / B;
    Dense backward: dW = a_prev^T dz, db = sum_rows dz, da_prev = dz W^T.
    """

    name = "numpy by hand"

    def __init__(self, config: Config, weights: Weights, x: np.ndarray, y: np.ndarray) -> None:
        self.weights = weights
        self.activations = config.activations
        self.x, self.y = x, y
        self.rows = np.arange(len(y))
        self._load()

    def _load(self) -> None:
        self.params = [(w.copy(), b.copy()) for w, b in self.weights]

    def _step(self) -> float:
        inputs, outputs = [], []
        hidden = self.x
        for index, (w, b) in enumerate(self.params):
            inputs.append(hidden)
            hidden = hidden @ w + b
            if index < len(self.activations):
                if self.activations[index] == "sigmoid":
                    hidden = 0.5 * (1 + np.tanh(0.5 * hidden))  # overflow-free logistic
                else:
                    hidden = np.maximum(hidden, 0)
            outputs.append(hidden)
        logits = hidden
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[self.rows, self.y]))
        grad = exp / total
        grad[self.rows, self.y] -= 1
        grad /= len(self.y)
        for index in range(len(self.params) - 1, -1, -1):
            w, b = self.params[index]
            if index < len(self.activations):
                out = outputs[index]
                grad = grad * (out * (1 - out) if self.activations[index] == "sigmoid" else out > 0)
            grad_w, grad_b = inputs[index].T @ grad, grad.sum(axis=0)
            if index:
                grad = grad @ w.T
            w -= LEARNING_RATE * grad_w
            b -= LEARNING_RATE * grad_b
        return loss


PEERS: dict[str, type[Peer]] = {
    "lucidnet (loop)": LucidnetManual,
    "lucidnet (fit)": LucidnetFit,
    "lucidnet (fit, jit)": LucidnetFitJit,
    "torch eager": TorchEager,
    "torch.compile": TorchCompiled,
    "jax jit": JaxJit,
    "sklearn partial_fit": SklearnPartialFit,
    "numpy by hand": NumpyReference,
}
