"""Module: the base of every layer and model (PyTorch's ``nn.Module`` with Keras's lazy build).

Subclass it, create layers in ``__init__`` and compute in ``forward(x)``;
``model(x)`` calls ``forward``.  Attributes that are :class:`Parameter`,
:class:`Module` (or lists of modules) are registered automatically, so
``named_parameters()`` yields names like ``layer1.weight``.

Layers whose shapes depend on their input (``Dense(3)``) are *built* on the
first call, from the input's shape, as in Keras.

>>> import lucidnet as ln
>>> class TwoLayer(ln.Module):
...     def __init__(self):
...         super().__init__()
...         self.layer1 = ln.layers.Dense(4, activation="relu")
...         self.layer2 = ln.layers.Dense(2)
...     def forward(self, x):
...         return self.layer2(self.layer1(x))
>>> model = TwoLayer()
>>> model(ln.tensor([[1.0, 2.0, 3.0]])).shape
(1, 2)
>>> [name for name, _ in model.named_parameters()]
['layer1.weight', 'layer1.bias', 'layer2.weight', 'layer2.bias']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..engine.dtype import get_default_dtype
from ..engine.tensor import Parameter, Tensor
from .modes import evaluating
from .symbolic import SymbolicTensor, contains_symbolic

_name_counts: defaultdict[str, int] = defaultdict(int)

ForwardHook = Callable[["Module", tuple[Any, ...], Any], None]


class HookHandle:
    """Detaches one forward hook: ``handle.remove()``, or leave a ``with`` block."""

    def __init__(self, hooks: list[ForwardHook], hook: ForwardHook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


def unique_name(base: str) -> str:
    """Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``, ..."""
    count = _name_counts[base]
    _name_counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def snake_case(class_name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()


class Module:
    """Base class for layers and models; see the module docstring."""

    def __init__(self, name: str | None = None) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "built", True)
        object.__setattr__(self, "_call_hooks", [])
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {type(name).__name__} {name!r}")
        object.__setattr__(self, "name", name or unique_name(snake_case(type(self).__name__)))

    # ----------------------------------------------------------------- registration
    def __setattr__(self, key: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() "
                "before assigning attributes"
            )
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(key, None)
        if isinstance(value, Parameter):
            self._parameters[key] = value
        elif isinstance(value, Module):
            self._modules[key] = value
        elif (
            isinstance(value, (list, tuple)) and value and all(isinstance(v, Module) for v in value)
        ):
            for index, module in enumerate(value):
                self._modules[f"{key}.{index}"] = module
        object.__setattr__(self, key, value)

    def __delattr__(self, key: str) -> None:
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(key, None)
        object.__delattr__(self, key)

    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Keep a non-trainable array (e.g. BatchNorm's running mean) in ``state_dict``."""
        self._buffers[name] = value
        object.__setattr__(self, name, value)

    def add_module(self, name: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(
                f"add_module({name!r}, ...) needs a Module, got {type(module).__name__}"
            )
        self._modules[name] = module

    # ----------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; a Keras-style subclass may define ``call(x)`` instead."""
        call = getattr(self, "call", None)
        if call is None:
            raise NotImplementedError(
                f"{type(self).__name__} must define forward(x) (or Keras's name, call(x))"
            )
        return call(*args, **kwargs)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create the parameters from the input shape (lazy layers override this)."""
        object.__setattr__(self, "built", True)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for arg in args:  # a loop, not any(...): this runs for every layer call
            if contains_symbolic(arg):
                return self._call_symbolic(*args, **kwargs)
        if not self.built:
            first = args[0] if args else None
            self.build(_shape_of(first))
        out = self.forward(*args, **kwargs)
        for hook in self._call_hooks:
            hook(self, args, out)
        return out

    def register_forward_hook(self, hook: ForwardHook) -> HookHandle:
        """Call ``hook(module, inputs, output)`` after every forward call, as PyTorch does.

        Returns a handle whose ``remove()`` detaches the hook; the handle is also a
        context manager, so ``with layer.register_forward_hook(record): ...`` watches
        the calls inside the block only.

        >>> import lucidnet as ln
        >>> layer = ln.layers.Linear(2, 1)
        >>> seen = []
        >>> with layer.register_forward_hook(lambda m, i, o: seen.append(o.shape)):
        ...     _ = layer(ln.tensor([[1.0, 2.0]]))
        >>> _ = layer(ln.tensor([[1.0, 2.0]]))
        >>> seen
        [(1, 1)]
        """
        if not callable(hook):
            raise TypeError(f"hook must be callable as hook(module, inputs, output), got {hook!r}")
        self._call_hooks.append(hook)
        return HookHandle(self._call_hooks, hook)

    @property
    def has_forward_hooks(self) -> bool:
        """Whether any forward hook is attached (fast paths that skip forward calls check it)."""
        return bool(self._call_hooks)

    def _call_symbolic(self, *args: Any, **kwargs: Any) -> SymbolicTensor:
        """Record a call on symbolic inputs; the output shape comes from a dummy forward pass."""
        list_call = isinstance(args[0], (list, tuple))
        inputs = tuple(args[0]) if list_call else tuple(args)
        if not all(isinstance(s, SymbolicTensor) for s in inputs):
            raise TypeError(f"layer {self.name!r} was called on a mix of symbolic and real tensors")
        out = dummy_forward(self, [(s.shape, s.dtype) for s in inputs], list_call, **kwargs)
        return SymbolicTensor(
            (None, *out.shape[1:]), out.dtype, layer=self, inputs=inputs, list_call=list_call
        )

    # ----------------------------------------------------------------- traversal
    def children(self) -> Iterator[Module]:
        seen: set[int] = set()
        for module in self._modules.values():
            if id(module) not in seen:
                seen.add(id(module))
                yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all below it, each once, with dotted names."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop(0)
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            for child_name, child in module._modules.items():
                stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator[Module]:
        """This module and all below it, each once, in :meth:`named_modules`' order (breadth
        first), without building the names (``train()`` and ``fit`` walk it every call)."""
        seen: set[int] = set()
        queue = [self]
        for module in queue:  # the list grows while it is read: breadth first
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield module
            queue.extend(module._modules.values())

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(name, parameter)`` pairs, each parameter once even if shared."""
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, parameter in module._parameters.items():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield (f"{module_name}.{name}" if module_name else name), parameter

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def trainable_parameters(self) -> list[Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        for module_name, module in self.named_modules():
            for name, buffer in module._buffers.items():
                yield (f"{module_name}.{name}" if module_name else name), buffer

    # ----------------------------------------------------------------- state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: np.array(b, copy=True) for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters and buffers in place (shapes must match)."""
        targets: dict[str, np.ndarray] = {n: p.data for n, p in self.named_parameters()}
        targets.update(dict(self.named_buffers()))
        if not targets and state_dict:
            raise ValueError(
                f"model {self.name!r} has no parameters yet: build it (call it on "
                "data or give input_shape) before load_state_dict"
            )
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        if strict and (missing or unexpected):
            raise ValueError(
                f"load_state_dict for {self.name!r}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        values = {}
        for name, target in targets.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != target.shape:
                raise ValueError(
                    f"load_state_dict: {name!r} has shape {value.shape} in the state "
                    f"dict but {target.shape} in the model"
                )
            values[name] = value
        for name, value in values.items():  # copy only once every shape is known to fit
            targets[name][...] = value

    def train(self, mode: bool = True) -> Module:
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        for parameter in self.parameters():
            parameter.grad = None

    def count_params(self) -> int:
        """Number of scalars in all parameters and buffers (Keras's count: non-trainable too).

        Raises ``ValueError`` while a layer has not seen its input shape (a partial count
        would mislead); call the model on a batch or give ``input_shape=`` first.
        """
        self.require_built("count_params()")
        return sum(p.data.size for p in self.parameters()) + sum(
            np.size(b) for _, b in self.named_buffers()
        )

    def require_built(self, what: str) -> None:
        """ValueError saying how to build, when a layer below has no weights yet."""
        unbuilt = [name or self.name for name, module in self.named_modules() if not module.built]
        if unbuilt:
            raise ValueError(
                f"{what} of {self.name!r}: {', '.join(repr(n) for n in unbuilt)} "
                f"{'has' if len(unbuilt) == 1 else 'have'} no weights yet (their sizes come from "
                "the input); call the model on a batch first, model(x), or give input_shape= "
                "(e.g. input_shape=(3,)) to the first layer"
            )

    def weight_arrays(self) -> list[tuple[str, np.ndarray]]:
        """``(name, array)`` of every parameter and buffer, layer by layer in the order the
        layers were added (depth first), each layer's parameters before its buffers."""
        self.require_built("get_weights()")
        seen: set[int] = set()
        arrays: list[tuple[str, np.ndarray]] = []

        def visit(prefix: str, module: Module) -> None:
            owned = [(n, p.data) for n, p in module._parameters.items()]
            owned += list(module._buffers.items())
            for name, array in owned:
                if id(array) not in seen:
                    seen.add(id(array))
                    arrays.append((f"{prefix}{name}", array))
            for child_name, child in module._modules.items():
                if id(child) not in seen:
                    seen.add(id(child))
                    visit(f"{prefix}{child_name}.", child)

        visit("", self)
        return arrays

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as a list of arrays in layer order (Keras's ``get_weights``):
        for ``Dense`` the kernel ``(in, units)`` then the bias; BatchNorm's running
        statistics follow its weight and bias."""
        return [np.array(array, copy=True) for _, array in self.weight_arrays()]

    def set_weights(self, weights: Any) -> None:
        """Copy a list of arrays (as :meth:`get_weights` returns) into the weights, in place.

        Checks the count and every shape before copying anything.
        """
        targets = self.weight_arrays()
        values = list(weights)
        if len(values) != len(targets):
            raise ValueError(
                f"set_weights: model {self.name!r} has {len(targets)} weight arrays "
                f"({', '.join(name for name, _ in targets)}), got a list of {len(values)}"
            )
        arrays = []
        for index, ((name, target), value) in enumerate(zip(targets, values, strict=True)):
            array = np.asarray(value)
            if array.shape != np.shape(target):
                raise ValueError(
                    f"set_weights: entry {index} ({name!r}) must have shape "
                    f"{np.shape(target)}, got shape {array.shape}"
                )
            arrays.append(array)
        for (_, target), array in zip(targets, arrays, strict=True):
            target[...] = array

    @property
    def dtype(self) -> np.dtype:
        for _, parameter in self.named_parameters():  # the first one: no full walk
            return parameter.dtype
        return get_default_dtype()

    def extra_repr(self) -> str:
        """What this module's repr shows inside its parentheses (PyTorch's hook; layers show
        their sizes and activation, models their name)."""
        return f"name={self.name!r}"

    def __repr__(self) -> str:
        """``Dense(units=2, activation='relu', input=3)``; a model lists its layers below its
        own line, one ``(name): layer`` per line, as PyTorch does."""
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        children = [
            f"  ({name}): {child!r}".replace("\n", "\n  ") for name, child in self._modules.items()
        ]
        return "\n".join([head, *children, ")"])


def dummy_forward(
    module: Module,
    inputs: list[tuple[tuple[int | None, ...], Any]],
    list_call: bool = False,
    batch_size: int | None = None,
    **kwargs: Any,
) -> Any:
    """Run ``module`` on zeros of the given (shape, dtype) pairs: eval mode, no graph, no updates."""
    batch = 2 if batch_size is None else batch_size
    dummy = [Tensor(np.zeros((batch, *shape[1:]), dtype=dtype)) for shape, dtype in inputs]
    with evaluating(module):
        return module(dummy, **kwargs) if list_call else module(*dummy, **kwargs)


def output_shape(
    module: Module, input_shape: tuple[int | None, ...], batch_size: int | None = None
) -> tuple[int | None, ...]:
    """Shape of ``module``'s output for one input of ``input_shape`` (batch axis first)."""
    out = dummy_forward(module, [(input_shape, module.dtype)], batch_size=batch_size)
    return (batch_size, *out.shape[1:])


def _shape_of(value: Any) -> tuple[int | None, ...]:
    if isinstance(value, (Tensor, np.ndarray)):
        return value.shape
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (Tensor, np.ndarray)):
        return value[0].shape
    return np.shape(value)
