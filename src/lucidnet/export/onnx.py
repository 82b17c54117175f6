"""Export a Sequential or functional model to an ONNX file that onnxruntime runs.

The graph uses ONNX opset :data:`OPSET` (18) and is built with ``onnx.helper``:

- the batch axis of every input and output is the symbolic dimension ``"batch"``;
- every parameter and buffer becomes one initializer under its ``state_dict`` name
  (``dense.weight``, ``batch_norm.running_mean``, ...), so a layer shared by several
  calls shares its initializers;
- the model is exported for inference: Dropout is left out and BatchNorm uses its
  running statistics, whatever ``model.training`` is.

Layers map to ONNX operators as follows: Dense/Linear -> MatMul, Add and the
activation; Activation -> the activation; BatchNorm -> BatchNormalization;
Flatten -> Flatten(axis=1); PReLU -> PRelu; Maxout -> MatMul, Add, Reshape to
``[batch, units, pieces]`` and ReduceMax over the pieces; Concatenate -> Concat;
Add -> Sum; a nested Sequential or Model -> its own layers inline.

Activations are written so that the exported model equals lucidnet's to the
precision of its dtype, float64 included: ONNX attributes are float32, so the
activations with a real-valued constant (leaky_relu, elu, selu, hard_sigmoid)
take it as a tensor of the model's dtype; softplus keeps PyTorch's ``threshold``;
onnxruntime has no float64 ``Erf``, so exact gelu in float64 evaluates the normal
CDF with the same Cephes rational forms as :mod:`lucidnet.blocks.activations`.

>>> import os, tempfile
>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(2, activation="relu", input_shape=(3,))])
>>> path = to_onnx(model, os.path.join(tempfile.mkdtemp(), "model.onnx"))  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..blocks import activations as act
from ..blocks.layers import (
    Activation,
    Add,
    BatchNorm,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Linear,
    Maxout,
    PReLU,
)
from ..blocks.module import Module, output_shape
from ..engine.tensor import Tensor
from ..io.files import write_bytes_atomic
from ..training.trainable import Model, Sequential

#: The ONNX opset of exported graphs (ReduceMax takes its axes as an input; Mish exists).
OPSET = 18


def to_onnx(model: Module, path: str | os.PathLike[str], *, return_model: bool = False) -> Any:
    """Write ``model`` (Sequential or functional) to ``path`` as an ONNX model for inference.

    The file is checked with ``onnx.checker.check_model`` and written atomically
    (a temporary file beside ``path``, then renamed over it).  In onnxruntime it
    gives the outputs of ``model.eval()`` for any batch size.

    Args:
        model: a built ``ln.Sequential`` or functional ``ln.Model`` of lucidnet's
            layers (subclassed Modules are Python code and cannot be exported).
        path: the destination file, e.g. ``"model.onnx"``.
        return_model: also return the ``onnx.ModelProto``.

    Returns:
        ``path`` as a string, or ``(path, model_proto)`` with ``return_model=True``.

    Raises:
        ImportError: the ``onnx`` package is not installed.
        ValueError: the model, one of its layers or activations cannot be exported.

    >>> import lucidnet as ln
    >>> model = ln.Sequential([ln.layers.Dense(2, activation="softmax", input_shape=(3,))])
    >>> to_onnx(model, "model.onnx")  # doctest: +SKIP
    'model.onnx'
    >>> import onnxruntime  # doctest: +SKIP
    >>> onnxruntime.InferenceSession("model.onnx").run(None, {"input": x})  # doctest: +SKIP
    """
    onnx = _import_onnx()
    proto = _build_model_proto(onnx, model)
    onnx.checker.check_model(proto)
    path = Path(path)
    write_bytes_atomic(path, proto.SerializeToString())
    return (str(path), proto) if return_model else str(path)


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError as error:
        raise ImportError(
            "ln.export.to_onnx needs the 'onnx' package: pip install onnx "
            "(and onnxruntime to run the exported model)"
        ) from error
    return onnx


# ----------------------------------------------------------------------------- the whole model
def _build_model_proto(onnx: Any, model: Module) -> Any:
    if type(model) not in (Sequential, Model):
        raise ValueError(
            f"cannot export {type(model).__name__} {model.name!r} to ONNX: only ln.Sequential and "
            "functional ln.Model are supported (a subclassed Module's architecture is Python code "
            "in forward()); rebuild it as ln.Sequential([...]) or ln.Model(inputs, outputs)"
        )
    dtypes = {p.dtype for p in model.parameters()}
    if len(dtypes) > 1:
        raise ValueError(
            f"cannot export {model.name!r} to ONNX: its parameters mix dtypes "
            f"{sorted(d.name for d in dtypes)}; use one dtype (float32 or float64) throughout"
        )
    graph = _Graph(onnx, model)
    if isinstance(model, Sequential):
        if not model.built or model.input_shape is None:
            raise ValueError(
                f"Sequential {model.name!r} is not built: give the first layer input_shape=... "
                "or call the model on data before exporting it"
            )
        inputs = [("input", (None, *model.input_shape), graph.dtype)]
    else:
        inputs = [(t.name, t.shape, t.dtype) for t in model.inputs]
    input_names = [graph.add_input(name, shape, dtype) for name, shape, dtype in inputs]
    output_names = _emit_model(graph, model, input_names)
    if isinstance(model, Sequential):
        producers = [model.layers[-1].name]
    else:
        producers = [t.name if t.is_input else t.layer.name for t in model.outputs]
    for internal, producer in zip(output_names, producers, strict=True):
        graph.add_output(internal, producer)
    return graph.model_proto(model.name)


def _emit_model(graph: _Graph, model: Module, inputs: list[str]) -> list[str]:
    """Emit the layers of a Sequential or functional model on ``inputs``; its output names."""
    expected = 1 if isinstance(model, Sequential) else len(model.inputs)
    if len(inputs) != expected:
        raise ValueError(f"model {model.name!r} takes {expected} input(s), got {len(inputs)}")
    if isinstance(model, Sequential):
        x, shape = inputs[0], (None, *model.input_shape)
        for layer in model.layers:
            x = _emit_layer(graph, layer, [x])
            shape = output_shape(layer, shape)
            graph.shapes[x] = shape
        return [x]
    values = {id(t): name for t, name in zip(model.inputs, inputs, strict=True)}
    for node in model.nodes:
        out = _emit_layer(graph, node.layer, [values[id(t)] for t in node.inputs])
        graph.shapes[out] = node.shape
        values[id(node)] = out
    return [values[id(t)] for t in model.outputs]


# ----------------------------------------------------------------------------- graph builder
class _Graph:
    """Nodes, initializers, inputs and outputs of the ONNX graph under construction."""

    def __init__(self, onnx: Any, model: Module) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.dtype = model.dtype
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.inputs: list[Any] = []
        self.outputs: list[Any] = []
        self.shapes: dict[str, tuple[int | None, ...]] = {}  # symbolic shapes, batch axis None
        self._taken: set[str] = set()
        self._constants: dict[tuple[str, bytes, tuple[int, ...]], str] = {}
        self._state_names = {id(p): name for name, p in model.named_parameters()}
        self._state_names.update({id(b): name for name, b in model.named_buffers()})
        self._state: dict[int, str] = {}

    def fresh(self, base: str) -> str:
        """``base``, or ``base_1``, ``base_2``, ... : a name no tensor or node has yet."""
        name, count = base, 0
        while name in self._taken:
            count += 1
            name = f"{base}_{count}"
        self._taken.add(name)
        return name

    def node(self, op: str, inputs: list[str | float], scope: str, **attributes: Any) -> str:
        """Append an ``op`` node reading ``inputs`` (tensor names, or numbers made constants).

        Returns the name of its output, ``<scope>/<op>`` made unique.
        """
        names = [v if isinstance(v, str) else self.constant(v) for v in inputs]
        output = self.fresh(f"{scope}/{op}")
        self.nodes.append(self.helper.make_node(op, names, [output], name=output, **attributes))
        return output

    def scope(self, scope: str) -> Callable[..., str]:
        """``op(op_type, *inputs, **attributes)``: :meth:`node` for the nodes of one layer."""
        return lambda op, *inputs, **attributes: self.node(op, list(inputs), scope, **attributes)

    def constant(self, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` in ``dtype`` (the model's by default), made once."""
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        key = (array.dtype.str, array.tobytes(), array.shape)
        if key not in self._constants:
            name = self.fresh(f"const_{len(self._constants)}")
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self._constants[key] = name
        return self._constants[key]

    def state(self, owner: Any) -> str:
        """The initializer of a parameter or buffer under its state_dict name, made once."""
        if id(owner) not in self._state:
            name = self.fresh(self._state_names.get(id(owner), "weight"))
            data = owner.data if isinstance(owner, Tensor) else owner
            array = np.ascontiguousarray(data, dtype=self.dtype)
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self._state[id(owner)] = name
        return self._state[id(owner)]

    def add_input(self, name: str, shape: tuple[int | None, ...], dtype: Any) -> str:
        """Declare a graph input; cast to the model's dtype inside when it has another float width."""
        if name in self._taken:
            raise ValueError(f"two model inputs are named {name!r}; give them distinct names")
        self._taken.add(name)
        self.inputs.append(self._value_info(name, shape, dtype))
        self.shapes[name] = tuple(shape)
        if np.dtype(dtype) == self.dtype:
            return name
        cast = self.node("Cast", [name], name, to=self._elem_type(self.dtype))
        self.shapes[cast] = tuple(shape)
        return cast

    def add_output(self, internal: str, base_name: str) -> None:
        """Expose tensor ``internal`` as a graph output named after the layer that makes it."""
        name = self.fresh(base_name)
        self.nodes.append(self.helper.make_node("Identity", [internal], [name], name=f"{name}/out"))
        self.outputs.append(self._value_info(name, self.shapes[internal], self.dtype))

    def model_proto(self, name: str) -> Any:
        graph = self.helper.make_graph(
            self.nodes, name, self.inputs, self.outputs, initializer=self.initializers
        )
        return self.helper.make_model(
            graph,
            producer_name="lucidnet",
            producer_version=__version__,
            opset_imports=[self.helper.make_opsetid("", OPSET)],
        )

    def _elem_type(self, dtype: Any) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def _value_info(self, name: str, shape: tuple[int | None, ...], dtype: Any) -> Any:
        dims = ["batch", *shape[1:]]
        return self.helper.make_tensor_value_info(name, self._elem_type(dtype), dims)


# ----------------------------------------------------------------------------- layers
def _emit_layer(graph: _Graph, layer: Module, inputs: list[str]) -> str:
    """Emit one layer call on ``inputs`` (one name, or several for Concatenate/Add)."""
    if type(layer) in (Sequential, Model):
        outputs = _emit_model(graph, layer, inputs)
        if len(outputs) != 1:
            raise ValueError(
                f"nested model {layer.name!r} has {len(outputs)} outputs; a nested "
                "model must have one"
            )
        return outputs[0]
    emitter = _LAYER_EMITTERS.get(type(layer))
    if emitter is None:
        supported = sorted(cls.__name__ for cls in (*_LAYER_EMITTERS, Sequential, Model))
        raise ValueError(
            f"cannot export layer {layer.name!r} of type {type(layer).__name__} to "
            f"ONNX; the exportable layers are {supported}"
        )
    return emitter(graph, layer, inputs)


def _dense(graph: _Graph, layer: Dense, inputs: list[str]) -> str:
    """y = activation(x @ W + b)."""
    op = graph.scope(layer.name)
    x = op("MatMul", inputs[0], graph.state(layer.weight))
    if layer.use_bias:
        x = op("Add", x, graph.state(layer.bias))
    return _emit_activation(graph, layer.activation, x, layer.name)


def _activation_layer(graph: _Graph, layer: Activation, inputs: list[str]) -> str:
    return _emit_activation(graph, layer.activation, inputs[0], layer.name)


def _dropout(graph: _Graph, layer: Dropout, inputs: list[str]) -> str:
    return inputs[0]  # identity at inference


def _flatten(graph: _Graph, layer: Flatten, inputs: list[str]) -> str:
    return graph.node("Flatten", inputs, layer.name, axis=1)


def _batch_norm(graph: _Graph, layer: BatchNorm, inputs: list[str]) -> str:
    """Inference: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta."""
    shape = graph.shapes.get(inputs[0])
    if shape is not None and len(shape) != 2:
        # ONNX normalizes axis 1, lucidnet the last axis: the same only for [batch, features]
        raise ValueError(
            f"cannot export BatchNorm {layer.name!r} on inputs of shape {shape}: "
            "only [batch_size, features] inputs are supported (add a Flatten)"
        )
    operands = [layer.weight, layer.bias, layer.running_mean, layer.running_var]
    return graph.node(
        "BatchNormalization",
        [inputs[0], *map(graph.state, operands)],
        layer.name,
        epsilon=layer.eps,
    )


def _prelu(graph: _Graph, layer: PReLU, inputs: list[str]) -> str:
    return graph.node("PRelu", [inputs[0], graph.state(layer.weight)], layer.name)


def _maxout(graph: _Graph, layer: Maxout, inputs: list[str]) -> str:
    """y_j = max_k z[:, j * pieces + k] with z = x @ W + b."""
    op = graph.scope(layer.name)
    z = _dense(graph, layer.affine, inputs)
    shape = graph.constant([0, layer.units, layer.pieces], np.int64)  # 0 keeps the batch size
    return op("ReduceMax", op("Reshape", z, shape), graph.constant([-1], np.int64), keepdims=0)


def _concatenate(graph: _Graph, layer: Concatenate, inputs: list[str]) -> str:
    return graph.node("Concat", inputs, layer.name, axis=layer.axis)


def _add(graph: _Graph, layer: Add, inputs: list[str]) -> str:
    return graph.node("Sum", inputs, layer.name)


_LAYER_EMITTERS: dict[type[Module], Callable[[_Graph, Any, list[str]], str]] = {
    Dense: _dense,
    Linear: _dense,
    Activation: _activation_layer,
    Dropout: _dropout,
    Flatten: _flatten,
    BatchNorm: _batch_norm,
    PReLU: _prelu,
    Maxout: _maxout,
    Concatenate: _concatenate,
    Add: _add,
}


# ----------------------------------------------------------------------------- activations
# Each emitter takes (graph, activation, x, scope) and returns the output's name.
_ActivationEmitter = Callable[[_Graph, Any, str, str], str]


def _emit_activation(graph: _Graph, activation: Any, x: str, scope: str) -> str:
    """Emit ``activation`` applied to ``x`` (ValueError when it has no ONNX form)."""
    name = act.builtin_name(activation)  # a subclass may compute something else
    emitter = _ACTIVATION_EMITTERS.get(name)
    if emitter is None:
        raise ValueError(
            f"cannot export the activation {activation!r} of layer {scope!r} to ONNX: only "
            f"lucidnet's named activations are exportable ({sorted(_ACTIVATION_EMITTERS)}), "
            "not a Python callable or a custom Activation"
        )
    return emitter(graph, activation, x, scope)


def _unary(op_type: str) -> _ActivationEmitter:
    """An activation that is one attribute-free ONNX operator."""
    return lambda graph, activation, x, scope: graph.node(op_type, [x], scope)


def _along_axis(op_type: str) -> _ActivationEmitter:
    """Softmax or LogSoftmax over the activation's axis."""
    return lambda graph, activation, x, scope: graph.node(op_type, [x], scope, axis=activation.axis)


def _leaky_relu(graph: _Graph, activation: act.LeakyReLU, x: str, scope: str) -> str:
    # PRelu with a constant slope keeps alpha in the model's dtype (LeakyRelu's is float32)
    return graph.node("PRelu", [x, activation.alpha], scope)


def _elu(graph: _Graph, activation: act.ELU, x: str, scope: str) -> str:
    """x if x > 0 else alpha (e^x - 1); exp of min(x, 0) so that it cannot overflow."""
    op = graph.scope(scope)
    negative = op("Mul", op("Sub", op("Exp", op("Min", x, 0)), 1), activation.alpha)
    return op("Where", op("Greater", x, 0), x, negative)


def _selu(graph: _Graph, activation: act.SELU, x: str, scope: str) -> str:
    """lambda * elu(x) with SELU's alpha, both in the model's dtype (Selu's are float32)."""
    return graph.node("Mul", [_elu(graph, activation, x, scope), act._SELU_SCALE], scope)


def _gelu(graph: _Graph, activation: act.GELU, x: str, scope: str) -> str:
    """x Phi(x); approximate: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    op = graph.scope(scope)
    if not activation.approximate:
        return op("Mul", x, _normal_cdf(graph, x, scope))
    cube = op("Mul", op("Mul", x, x), x)
    inner = op("Mul", op("Add", x, op("Mul", cube, act._GELU_KAPPA)), act._SQRT_2_OVER_PI)
    return op("Mul", op("Mul", x, 0.5), op("Add", op("Tanh", inner), 1))


def _normal_cdf(graph: _Graph, x: str, scope: str) -> str:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2: the Erf operator in float32; Cephes forms in float64."""
    op = graph.scope(scope)
    z = op("Mul", x, 1 / math.sqrt(2))
    if graph.dtype != np.float64:
        return op("Mul", op("Add", op("Erf", z), 1), 0.5)
    # onnxruntime has no float64 Erf kernel: mirror activations._normal_cdf step by step
    a = op("Min", op("Abs", z), 30)
    erf_near = op("Mul", z, _ratio(op, op("Mul", z, z), act._ERF_T, act._ERF_U))
    cdf_near = op("Add", 0.5, op("Mul", 0.5, erf_near))
    erfc_ratio = op(
        "Where",
        op("Less", a, 8),
        _ratio(op, a, act._ERFC_P, act._ERFC_Q),
        _ratio(op, a, act._ERFC_R, act._ERFC_S),
    )
    half_erfc = op("Mul", op("Mul", erfc_ratio, op("Exp", op("Neg", op("Mul", a, a)))), 0.5)
    tail = op("Where", op("Greater", z, 0), op("Sub", 1, half_erfc), half_erfc)
    return op("Where", op("Less", a, 1), cdf_near, tail)


def _ratio(
    op: Callable[..., str], x: str, numerator: tuple[float, ...], denominator: tuple[float, ...]
) -> str:
    """P(x) / Q(x), each polynomial by Horner's rule from its highest-power coefficient."""

    def polynomial(coefficients: tuple[float, ...]) -> str | float:
        result: str | float = coefficients[0]
        for c in coefficients[1:]:
            result = op("Add", op("Mul", result, x), c)
        return result

    return op("Div", polynomial(numerator), polynomial(denominator))


def _silu(graph: _Graph, activation: act.SiLU, x: str, scope: str) -> str:
    """x sigmoid(x)."""
    op = graph.scope(scope)
    return op("Mul", x, op("Sigmoid", x))


def _softplus(graph: _Graph, activation: act.Softplus, x: str, scope: str) -> str:
    """log(1 + e^(beta x)) / beta, and exactly x where beta x > threshold (as PyTorch)."""
    op = graph.scope(scope)
    beta_x = x if activation.beta == 1 else op("Mul", x, activation.beta)
    smooth = op("Softplus", beta_x)
    if activation.beta != 1:
        smooth = op("Div", smooth, activation.beta)
    return op("Where", op("Greater", beta_x, activation.threshold), x, smooth)


def _hard_sigmoid(graph: _Graph, activation: act.HardSigmoid, x: str, scope: str) -> str:
    """relu6(x + 3) / 6, with constants in the model's dtype (HardSigmoid's alpha is float32)."""
    op = graph.scope(scope)
    return op("Div", op("Clip", op("Add", x, 3), 0, 6), 6)


def _hard_tanh(graph: _Graph, activation: act.HardTanh, x: str, scope: str) -> str:
    """clamp(x, min_val, max_val); relu6 is the case [0, 6]."""
    return graph.node("Clip", [x, activation.min_val, activation.max_val], scope)


_ACTIVATION_EMITTERS: dict[str | None, _ActivationEmitter] = {
    "identity": lambda graph, activation, x, scope: x,
    "sigmoid": _unary("Sigmoid"),
    "tanh": _unary("Tanh"),
    "relu": _unary("Relu"),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "selu": _selu,
    "gelu": _gelu,
    "silu": _silu,
    "softplus": _softplus,
    "softsign": _unary("Softsign"),
    "hard_sigmoid": _hard_sigmoid,
    "hard_tanh": _hard_tanh,
    "relu6": _hard_tanh,
    "mish": _unary("Mish"),
    "softmax": _along_axis("Softmax"),
    "log_softmax": _along_axis("LogSoftmax"),
}
