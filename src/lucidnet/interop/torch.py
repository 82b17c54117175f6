"""Convert MLPs between lucidnet and PyTorch, with equal outputs.

- :func:`to_torch`: an ``ln.Sequential`` -> ``torch.nn.Sequential``;
- :func:`from_torch`: a ``torch.nn.Sequential``, a module whose ``forward`` is a
  chain of layers and activations (traced with ``torch.fx``), or a ``state_dict``
  plus the activations -> ``ln.Sequential``; checked on a probe input, and refused
  rather than returned when it would compute something else.

Layer correspondence (weights copied, never shared):

============================  ==========================================
lucidnet                      PyTorch
============================  ==========================================
``Dense(units, activation)``  ``nn.Linear`` then the activation module
``Activation(name)``          the activation module (``nn.ReLU``, ...)
``Dropout(rate)``             ``nn.Dropout(p=rate)``
``Flatten()``                 ``nn.Flatten()``
``BatchNorm``                 ``nn.BatchNorm1d``
``PReLU``                     ``nn.PReLU``
============================  ==========================================

A Dense weight is ``(in_features, units)`` and ``y = x @ W + b``; torch stores
``(out_features, in_features)`` and computes ``x @ W.T + b``, so weights are
transposed on the way.  The dtype (float32 or float64) and the train/eval mode
are kept.  ``from_torch`` merges an activation module that follows an
``nn.Linear`` into the Dense layer's ``activation``.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(4, activation="relu", input_shape=(3,)),
...                        ln.layers.Dense(2, activation="softmax")])
>>> to_torch(model)  # doctest: +SKIP
Sequential(
  (0): Linear(in_features=3, out_features=4, bias=True)
  (1): ReLU()
  (2): Linear(in_features=4, out_features=2, bias=True)
  (3): Softmax(dim=-1)
)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..blocks import activations as act
from ..blocks.layers import Activation, BatchNorm, Dense, Dropout, Flatten, Linear, PReLU
from ..blocks.module import Module
from ..training.trainable import Sequential

#: lucidnet activation name -> (torch.nn class name, {lucidnet option: torch argument}).
ACTIVATION_MODULES: dict[str, tuple[str, dict[str, str]]] = {
    "identity": ("Identity", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", {"alpha": "negative_slope"}),
    "elu": ("ELU", {"alpha": "alpha"}),
    "selu": ("SELU", {}),
    "gelu": ("GELU", {"approximate": "approximate"}),
    "silu": ("SiLU", {}),
    "softplus": ("Softplus", {"beta": "beta", "threshold": "threshold"}),
    "softsign": ("Softsign", {}),
    "hard_sigmoid": ("Hardsigmoid", {}),
    "hard_tanh": ("Hardtanh", {"min_val": "min_val", "max_val": "max_val"}),
    "relu6": ("ReLU6", {}),
    "mish": ("Mish", {}),
    "softmax": ("Softmax", {"axis": "dim"}),
    "log_softmax": ("LogSoftmax", {"axis": "dim"}),
}

_TORCH_DTYPES = ("float32", "float64")


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "ln.interop needs the 'torch' package: pip install torch "
            "(see https://pytorch.org for the CPU-only wheel)"
        ) from error
    return torch


# ----------------------------------------------------------------------------- lucidnet -> torch
def to_torch(model: Module) -> Any:
    """A ``torch.nn.Sequential`` computing the same function as the ``ln.Sequential`` ``model``.

    Each Dense becomes ``nn.Linear`` (weight transposed to torch's ``(out, in)``)
    followed by its activation module when it has one; a nested Sequential becomes
    a nested ``nn.Sequential``.  Parameters keep their dtype; the train/eval mode is
    copied.

    Raises:
        ImportError: torch is not installed.
        ValueError: ``model`` is not a built Sequential, or holds a layer (Maxout,
            Concatenate, a custom layer) or activation (a Python callable) that has
            no PyTorch module.

    >>> import lucidnet as ln
    >>> model = ln.Sequential([ln.layers.Dense(2, activation="tanh", input_shape=(3,))])
    >>> torch_model = to_torch(model)  # doctest: +SKIP
    """
    torch = _import_torch()
    if type(model) is not Sequential:
        raise ValueError(
            f"to_torch converts an ln.Sequential, got {type(model).__name__} {model.name!r}; a "
            "functional Model or subclassed Module has no torch.nn.Sequential equivalent"
        )
    if not model.built:
        raise ValueError(
            f"Sequential {model.name!r} is not built: give the first layer "
            "input_shape=... or call it on data before converting it"
        )
    modules: list[Any] = []
    for position, layer in enumerate(model.layers):
        modules.extend(_torch_modules(torch, layer, position))
    return torch.nn.Sequential(*modules).train(model.training)


def _torch_modules(torch: Any, layer: Module, position: int) -> list[Any]:
    """The torch modules for one lucidnet layer (a Dense with an activation gives two)."""
    nn = torch.nn
    if type(layer) is Sequential:
        return [to_torch(layer)]
    if type(layer) in (Dense, Linear):
        linear = nn.Linear(
            layer.in_features,
            layer.units,
            bias=layer.use_bias,
            dtype=_torch_dtype(torch, layer.weight.dtype),
        )
        _copy_into(torch, linear.weight, layer.weight.data.T)
        if layer.use_bias:
            _copy_into(torch, linear.bias, layer.bias.data)
        if isinstance(layer.activation, act.Identity):
            return [linear]
        return [linear, _activation_module(torch, layer.activation, layer, position)]
    if type(layer) is Activation:
        return [_activation_module(torch, layer.activation, layer, position)]
    if type(layer) is Dropout:
        return [nn.Dropout(p=layer.rate)]
    if type(layer) is Flatten:
        return [nn.Flatten()]
    if type(layer) is BatchNorm:
        norm = nn.BatchNorm1d(
            layer.num_features,
            eps=layer.eps,
            momentum=layer.momentum,
            dtype=_torch_dtype(torch, layer.weight.dtype),
        )
        for target, source in (
            (norm.weight, layer.weight.data),
            (norm.bias, layer.bias.data),
            (norm.running_mean, layer.running_mean),
            (norm.running_var, layer.running_var),
        ):
            _copy_into(torch, target, source)
        return [norm]
    if type(layer) is PReLU:
        prelu = nn.PReLU(layer.num_parameters, dtype=_torch_dtype(torch, layer.weight.dtype))
        _copy_into(torch, prelu.weight, layer.weight.data)
        return [prelu]
    raise ValueError(
        f"cannot convert layer {position} {layer.name!r} of type {type(layer).__name__} to "
        "PyTorch; convertible layers: Dense, Linear, Activation, Dropout, Flatten, BatchNorm, "
        "PReLU and nested Sequential"
    )


def _activation_module(torch: Any, activation: Any, layer: Module, position: int) -> Any:
    name = act.builtin_name(activation)  # a subclass may compute something else
    if name not in ACTIVATION_MODULES:
        raise ValueError(
            f"cannot convert the activation {activation!r} of layer {position} {layer.name!r} to "
            f"PyTorch: only lucidnet's named activations are convertible "
            f"({sorted(ACTIVATION_MODULES)}), not a Python callable or a custom Activation"
        )
    class_name, arguments = ACTIVATION_MODULES[name]
    config = activation.get_config()
    if name == "gelu":  # lucidnet keeps a bool, torch a string
        config = {"approximate": "tanh" if activation.approximate else "none"}
    return getattr(torch.nn, class_name)(**{arg: config[opt] for opt, arg in arguments.items()})


def _torch_dtype(torch: Any, dtype: np.dtype) -> Any:
    if dtype.name not in _TORCH_DTYPES:
        raise ValueError(f"cannot convert {dtype.name} parameters; use float32 or float64")
    return getattr(torch, dtype.name)


def _copy_into(torch: Any, target: Any, source: np.ndarray) -> None:
    with torch.no_grad():
        target.copy_(torch.from_numpy(np.ascontiguousarray(source)))


# ----------------------------------------------------------------------------- torch -> lucidnet
def from_torch(
    source: Any,
    *,
    activations: Sequence[Any] | None = None,
    assume_sequential: bool = False,
    name: str | None = None,
) -> Sequential:
    """An ``ln.Sequential`` computing the same function as a PyTorch MLP, or a ValueError.

    Args:
        source: a ``torch.nn.Sequential`` (nested ones are flattened) of ``nn.Linear``,
            activation modules (see :data:`ACTIVATION_MODULES`), ``nn.Dropout``,
            ``nn.Flatten``, ``nn.BatchNorm1d``, ``nn.PReLU`` and ``nn.Identity``; or any
            ``nn.Module`` whose ``forward`` is a chain of those modules and of activation
            functions (``torch.relu``, ``F.softmax(x, dim=-1)``, ``x.sigmoid()``, ...),
            read by tracing it with ``torch.fx``; or a ``state_dict`` of Linear layers
            (``"0.weight"``, ``"0.bias"``, ``"2.weight"``, ...), with ``activations``.
        activations: for a state_dict only: one activation per Linear layer, in
            order (a name, an activation, or None for none), e.g.
            ``["relu", "relu", None]``.
        assume_sequential: when ``forward`` cannot be traced, take the module's children
            in registration order instead; the result is then checked on a probe input
            and refused unless it reproduces ``forward``.
        name: the name of the returned model.

    An activation right after a Linear becomes that Dense layer's ``activation``;
    elsewhere it becomes an ``Activation`` layer.  Weights are copied (transposed to
    lucidnet's ``(in_features, units)``) in their dtype, float32 or float64; the
    train/eval mode is copied.  A converted module is run on a probe input, both in
    eval mode, and refused when the outputs differ: the result never computes
    something else than ``source``.

    Raises:
        ImportError: torch is not installed.
        ValueError: an unsupported module or operation (named with its position), a
            ``forward`` that is not a chain, outputs that differ on the probe input, or
            a state_dict without matching ``activations``.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    >>> [layer.activation.name for layer in from_torch(net).layers]
    ['relu', 'identity']
    >>> model = from_torch(net.state_dict(), activations=["relu", None])
    """
    torch = _import_torch()
    if isinstance(source, Mapping):
        return _from_state_dict(source, activations, name)
    if activations is not None:
        raise ValueError(
            "activations=... is for a state_dict; a torch module already holds its activations"
        )
    if not isinstance(source, torch.nn.Module):
        raise ValueError(
            f"from_torch takes a torch.nn.Module or a state_dict, got {type(source).__name__}"
        )
    assumed = False
    if _is_plain_chain(torch, source):
        layers = [_lucidnet_layer(torch, m, p) for p, m in _chain(torch, source, False, "model")]
    else:
        try:
            layers = _traced_layers(torch, source)
        except ValueError as error:
            if not assume_sequential:
                raise
            layers, assumed = _assumed_layers(torch, source, error), True
    model = _assemble([layer for layer in layers if layer is not None], source, name)
    _verify(torch, model, source, required=assumed)
    return model


def _is_plain_chain(torch: Any, module: Any) -> bool:
    """Whether ``module`` is an nn.Sequential whose nested children are nn.Sequentials or leaves."""
    return isinstance(module, torch.nn.Sequential) and all(
        isinstance(child, torch.nn.Sequential) or not list(child.children())
        for child in module.modules()
    )


def _assumed_layers(torch: Any, source: Any, reason: ValueError) -> list[Module | None]:
    """The children in registration order (``assume_sequential=True``), checked later."""
    try:
        chain = list(_chain(torch, source, True, "model"))
    except ValueError as error:
        raise ValueError(f"{error} (tracing forward() failed too: {reason})") from error
    return [_lucidnet_layer(torch, module, position) for position, module in chain]


def _assemble(layers: list[Module], source: Any, name: str | None) -> Sequential:
    """The Sequential of ``layers``, each activation layer merged into the Dense before it."""
    merged: list[Module] = []
    for layer in layers:
        previous = merged[-1] if merged else None
        if (
            type(layer) is Activation
            and type(previous) is Dense
            and isinstance(previous.activation, act.Identity)
        ):
            previous.activation = layer.activation
            continue
        merged.append(layer)
    if not merged:
        raise ValueError(f"{type(source).__name__} holds no convertible layer")
    model = Sequential(merged, name=name)
    features = _input_features(merged)
    if not model.built and features is not None:
        model.build((None, features))
    return model.train(source.training)


def _verify(torch: Any, model: Sequential, source: Any, required: bool) -> None:
    """Run both models on one probe input in eval mode; ValueError unless the outputs agree."""
    features = _input_features(model.layers)
    if features is None:
        if required:
            raise ValueError(
                f"cannot check that the children of {type(source).__name__} in registration "
                "order reproduce its forward() (the input width is unknown); refusing"
            )
        return
    dtype = model.dtype
    probe = np.random.default_rng(0).standard_normal((8, features)).astype(dtype)
    was_training = source.training
    source.eval()
    model.eval()
    try:
        with torch.no_grad():
            expected = source(torch.from_numpy(probe)).detach().cpu().numpy()
        actual = model.predict(probe)
    finally:
        source.train(was_training)
        model.train(was_training)
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    if actual.shape != expected.shape or not np.allclose(
        actual, expected, rtol=tolerance, atol=tolerance
    ):
        gap = (
            float(np.max(np.abs(actual - expected)))
            if actual.shape == expected.shape
            else f"shape {actual.shape} instead of {expected.shape}"
        )
        raise ValueError(
            f"the converted model does not reproduce {type(source).__name__}.forward() on a "
            f"probe input (largest difference {gap}): its forward() does more than apply its "
            "children in registration order (an activation function, a skip connection, ...); "
            "write it as an nn.Sequential of modules (nn.ReLU(), ...) to convert it"
        )


# --------------------------------------------------------------------------- tracing forward()
#: activation name -> [(lucidnet option, torch argument name, torch default)], in torch's order.
_FUNCTION_OPTIONS: dict[str, list[tuple[str, str, Any]]] = {
    "leaky_relu": [("alpha", "negative_slope", 0.01)],
    "elu": [("alpha", "alpha", 1.0)],
    "gelu": [("approximate", "approximate", "none")],
    "softplus": [("beta", "beta", 1.0), ("threshold", "threshold", 20.0)],
    "hard_tanh": [("min_val", "min_val", -1.0), ("max_val", "max_val", 1.0)],
    "softmax": [("axis", "dim", None)],
    "log_softmax": [("axis", "dim", None)],
}

#: Tensor methods that are activations (``x.relu()``), by method name.
_METHOD_ACTIVATIONS = {
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "log_softmax": "log_softmax",
}


def _function_activations(torch: Any) -> dict[Any, str]:
    """torch and torch.nn.functional activation functions -> lucidnet activation names."""
    F = torch.nn.functional
    pairs = [
        ("relu", [torch.relu, F.relu]),
        ("sigmoid", [torch.sigmoid, F.sigmoid]),
        ("tanh", [torch.tanh, F.tanh]),
        ("leaky_relu", [F.leaky_relu]),
        ("elu", [F.elu]),
        ("selu", [torch.selu, F.selu]),
        ("gelu", [F.gelu]),
        ("silu", [F.silu]),
        ("softplus", [F.softplus]),
        ("softsign", [F.softsign]),
        ("hard_sigmoid", [F.hardsigmoid]),
        ("hard_tanh", [F.hardtanh]),
        ("relu6", [F.relu6]),
        ("mish", [F.mish]),
        ("softmax", [torch.softmax, F.softmax]),
        ("log_softmax", [torch.log_softmax, F.log_softmax]),
    ]
    return {function: name for name, functions in pairs for function in functions}


def _traced_layers(torch: Any, source: Any) -> list[Module | None]:
    """The layers of ``source.forward`` read with ``torch.fx``: a chain from the input to
    the output through modules and activation functions, nothing else."""
    import torch.fx

    kind = type(source).__name__
    try:
        graph_module = torch.fx.symbolic_trace(source)
    except Exception as error:  # fx raises many types for Python it cannot trace
        raise ValueError(
            f"cannot trace {kind}.forward() with torch.fx ({type(error).__name__}: {error}); "
            "write the model as an nn.Sequential"
        ) from error
    functions = _function_activations(torch)
    layers: list[Module | None] = []
    current = None
    for node in graph_module.graph.nodes:
        if node.op == "placeholder":
            if current is not None:
                raise ValueError(f"{kind}.forward() takes several inputs; from_torch needs one")
            current = node
            continue
        if node.op == "get_attr":
            raise ValueError(
                f"{kind}.forward() reads the tensor {node.target!r} directly; only layers "
                "and activations can be converted"
            )
        if node.op == "output":
            if node.args[0] is not current:
                raise ValueError(f"{kind}.forward() does not return the end of one chain")
            break
        tensors = [a for a in (*node.args, *node.kwargs.values()) if isinstance(a, torch.fx.Node)]
        if not node.args or node.args[0] is not current or len(tensors) != 1:
            raise ValueError(
                f"{kind}.forward() is not a chain of layers: {node.format_node()} does not "
                "apply one layer to the previous result (skip connections, sums and "
                "concatenations cannot be converted to a Sequential)"
            )
        layers.append(_traced_layer(torch, graph_module, node, functions, kind))
        current = node
    return layers


def _traced_layer(
    torch: Any, graph_module: Any, node: Any, functions: dict[Any, str], kind: str
) -> Module | None:
    """The lucidnet layer for one traced call (a module, an activation function or method)."""
    if node.op == "call_module":
        return _lucidnet_layer(torch, graph_module.get_submodule(node.target), node.target)
    activation = None
    if node.op == "call_function":
        if node.target in (torch.flatten,):
            return _flatten_call(node, kind)
        if node.target is torch.nn.functional.dropout:  # identity in eval mode, as the layer
            return Dropout(node.args[1] if len(node.args) > 1 else node.kwargs.get("p", 0.5))
        activation = functions.get(node.target)
    elif node.op == "call_method":
        if node.target == "flatten":
            return _flatten_call(node, kind)
        activation = _METHOD_ACTIVATIONS.get(node.target)
    if activation is None:
        raise ValueError(
            f"{kind}.forward() calls {node.format_node()}, which is not a layer or an "
            f"activation lucidnet converts; supported modules: {_SUPPORTED_MODULES}"
        )
    options = {}
    for index, (option, argument, default) in enumerate(_FUNCTION_OPTIONS.get(activation, [])):
        value = node.args[index + 1] if len(node.args) > index + 1 else default
        options[option] = node.kwargs.get(argument, value)
    if "axis" in options and options["axis"] is None:  # torch's implicit dim: the last axis
        options["axis"] = -1
    return Activation(activation, **options)


def _flatten_call(node: Any, kind: str) -> Flatten:
    start = node.args[1] if len(node.args) > 1 else node.kwargs.get("start_dim", 0)
    end = node.args[2] if len(node.args) > 2 else node.kwargs.get("end_dim", -1)
    if (start, end) != (1, -1):
        raise ValueError(
            f"{kind}.forward() flattens with start_dim={start}, end_dim={end}; only "
            "flatten(x, 1) (all but the batch axis) converts"
        )
    return Flatten()


def _input_features(layers: list[Module]) -> int | None:
    """The input width, read from the first layer that knows it through shape-keeping layers."""
    for layer in layers:
        if type(layer) is Dense:
            return layer.in_features
        if type(layer) is BatchNorm:
            return layer.num_features
        if type(layer) is Flatten:
            return None
    return None


def _chain(
    torch: Any, module: Any, assume_sequential: bool, position: str
) -> Iterator[tuple[str, Any]]:
    """The leaf modules of ``module`` in order, with dotted positions (``"2"``, ``"1.0"``)."""
    children = list(module.named_children())
    if not children:
        yield position, module
        return
    if not isinstance(module, torch.nn.Sequential) and not assume_sequential:
        raise ValueError(
            f"{type(module).__name__} at position {position!r} is not an nn.Sequential: its "
            "forward() is Python code from_torch cannot read; use nn.Sequential, or pass "
            "assume_sequential=True if it applies its children in registration order"
        )
    for child_name, child in children:
        child_position = child_name if position == "model" else f"{position}.{child_name}"
        yield from _chain(torch, child, assume_sequential, child_position)


def _lucidnet_layer(torch: Any, module: Any, position: str) -> Module | None:
    """The lucidnet layer for one torch leaf module (None for nn.Identity)."""
    nn = torch.nn
    kind = type(module)
    if kind is nn.Identity:
        return None
    if kind is nn.Linear:
        return _dense(module.weight, module.bias, None, position)
    if kind is nn.Dropout:
        return Dropout(module.p)
    if kind is nn.Flatten:
        if (module.start_dim, module.end_dim) != (1, -1):
            raise ValueError(
                f"nn.Flatten at position {position!r} has start_dim="
                f"{module.start_dim}, end_dim={module.end_dim}; only the default "
                "(1, -1) is supported"
            )
        return Flatten()
    if kind is nn.BatchNorm1d:
        return _batch_norm(module, position)
    if kind is nn.PReLU:
        weight = _numpy(module.weight, f"{position}.weight")
        prelu = PReLU(module.num_parameters, dtype=weight.dtype)
        prelu.weight.data[...] = weight
        return prelu
    for activation_name, (class_name, arguments) in ACTIVATION_MODULES.items():
        if kind is getattr(nn, class_name):
            options = {opt: getattr(module, arg) for opt, arg in arguments.items()}
            if "axis" in options and options["axis"] is None:
                options["axis"] = -1  # torch's implicit dim for 1-D and 2-D inputs
            return Activation(activation_name, **options)
    raise ValueError(
        f"unsupported module {kind.__name__} at position {position!r}; supported "
        f"modules: {_SUPPORTED_MODULES}"
    )


def _batch_norm(module: Any, position: str) -> BatchNorm:
    if not module.track_running_stats or module.momentum is None:
        raise ValueError(
            f"nn.BatchNorm1d at position {position!r} needs track_running_stats=True "
            "and a numeric momentum (lucidnet keeps exponential running averages)"
        )
    running_mean = _numpy(module.running_mean, f"{position}.running_mean")
    layer = BatchNorm(
        module.num_features, eps=module.eps, momentum=module.momentum, dtype=running_mean.dtype
    )
    layer.running_mean[...] = running_mean
    layer.running_var[...] = _numpy(module.running_var, f"{position}.running_var")
    if module.affine:
        layer.weight.data[...] = _numpy(module.weight, f"{position}.weight")
        layer.bias.data[...] = _numpy(module.bias, f"{position}.bias")
    return layer


def _dense(weight: Any, bias: Any, activation: Any, position: str) -> Dense:
    """A built Dense from torch's ``(out, in)`` weight and optional bias."""
    kernel = _numpy(weight, f"{position}.weight")
    if kernel.ndim != 2:
        raise ValueError(
            f"{position}.weight must be a 2-D Linear weight (out, in), got shape {kernel.shape}"
        )
    out_features, in_features = kernel.shape
    layer = Dense(
        out_features,
        activation=activation,
        use_bias=bias is not None,
        input_shape=(in_features,),
        dtype=kernel.dtype,
    )
    layer.weight.data[...] = kernel.T
    if bias is not None:
        layer.bias.data[...] = _numpy(bias, f"{position}.bias")
    return layer


def _numpy(value: Any, key: str) -> np.ndarray:
    """A torch tensor (or array) as an ndarray, float32 or float64 only."""
    array = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
    if array.dtype.name not in _TORCH_DTYPES:
        raise ValueError(
            f"{key} has dtype {array.dtype.name}; only float32 and float64 weights are supported"
        )
    return array


def _from_state_dict(
    state_dict: Mapping[str, Any], activations: Any, name: str | None
) -> Sequential:
    """Dense layers from the ``<prefix>.weight`` / ``<prefix>.bias`` keys, in order."""
    groups: dict[str, dict[str, Any]] = {}
    for key, value in state_dict.items():
        prefix, _, field = key.rpartition(".")
        if field not in ("weight", "bias"):
            raise ValueError(
                f"state_dict key {key!r} is not a Linear weight or bias; from a "
                "state_dict only Linear layers can be rebuilt (pass the nn.Module "
                "itself for BatchNorm, PReLU, ...)"
            )
        groups.setdefault(prefix, {})[field] = value
    if activations is None or isinstance(activations, str) or len(activations) != len(groups):
        raise ValueError(
            f"a state_dict holds weights only: pass activations=[...] with one entry per Linear "
            f"layer ({len(groups)}: {list(groups)}), None for no activation; got {activations!r}"
        )
    layers: list[Module] = []
    for (prefix, fields), activation in zip(groups.items(), activations, strict=True):
        if "weight" not in fields:
            raise ValueError(f"state_dict has {prefix}.bias but no {prefix}.weight")
        layer = _dense(fields["weight"], fields.get("bias"), activation, prefix)
        if layers and layers[-1].units != layer.in_features:
            raise ValueError(
                f"{prefix}.weight takes {layer.in_features} inputs but the layer "
                f"before it gives {layers[-1].units}"
            )
        layers.append(layer)
    if not layers:
        raise ValueError("the state_dict is empty")
    return Sequential(layers, name=name)


_SUPPORTED_MODULES = ", ".join(
    [
        "Linear",
        "Dropout",
        "Flatten",
        "BatchNorm1d",
        "PReLU",
        "Identity",
        *(class_name for class_name, _ in ACTIVATION_MODULES.values() if class_name != "Identity"),
    ]
)
