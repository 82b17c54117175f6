"""PyTorch's module classes with its names and arguments, each a thin lucidnet layer.

``nn.ReLU()`` is an ``ln.layers.Activation("relu")``, ``nn.Dropout(p)`` an
``ln.layers.Dropout(rate=p)``, ``nn.BatchNorm1d`` an ``ln.layers.BatchNorm``,
``nn.Sequential(*modules)`` an ``ln.Sequential``: the math and the training
machinery are lucidnet's, only the spelling is PyTorch's.  ``inplace=`` is
accepted and has no effect (lucidnet never overwrites an input).

>>> import lucidnet as ln
>>> from lucidnet import nn
>>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Softmax(dim=-1))
>>> net(ln.zeros(5, 3)).shape
(5, 2)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from ..blocks.layers import BatchNorm
from ..blocks.layers import Dropout as _Dropout
from ..blocks.layers import Flatten as _Flatten
from ..blocks.layers.core import Activation
from ..blocks.module import Module, unique_name
from ..training.trainable import Sequential as _Sequential


class _ActivationModule(Activation):
    """A PyTorch activation module: ``ln.layers.Activation(activation, **options)``."""

    _activation_name = "identity"

    def __init__(self, **options: Any) -> None:
        name = type(self)._activation_name
        super().__init__(name, name=unique_name(name), **options)

    def extra_repr(self) -> str:
        """The options PyTorch shows in the module's repr (none for most activations)."""
        return ""


def _activation(class_name: str, activation: str, doc: str) -> type[_ActivationModule]:
    """An option-free activation module class (``inplace`` accepted and ignored)."""

    def __init__(self: _ActivationModule, inplace: bool = False) -> None:
        _ActivationModule.__init__(self)

    return type(
        class_name,
        (_ActivationModule,),
        {
            "_activation_name": activation,
            "__init__": __init__,
            "__doc__": doc,
            "__module__": __name__,
        },
    )


ReLU = _activation("ReLU", "relu", "``torch.nn.ReLU``: max(0, x).")
ReLU6 = _activation("ReLU6", "relu6", "``torch.nn.ReLU6``: min(max(0, x), 6).")
Sigmoid = _activation("Sigmoid", "sigmoid", "``torch.nn.Sigmoid``: 1 / (1 + e^{-x}).")
Tanh = _activation("Tanh", "tanh", "``torch.nn.Tanh``: tanh(x).")
SELU = _activation("SELU", "selu", "``torch.nn.SELU``: scaled ELU with fixed constants.")
SiLU = _activation("SiLU", "silu", "``torch.nn.SiLU``: x sigmoid(x).")
Mish = _activation("Mish", "mish", "``torch.nn.Mish``: x tanh(softplus(x)).")
Softsign = _activation("Softsign", "softsign", "``torch.nn.Softsign``: x / (1 + |x|).")
Hardsigmoid = _activation(
    "Hardsigmoid", "hard_sigmoid", "``torch.nn.Hardsigmoid``: relu6(x + 3) / 6."
)


class Identity(_ActivationModule):
    """``torch.nn.Identity``: returns its input; any arguments are ignored, as in PyTorch."""

    _activation_name = "identity"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()


class LeakyReLU(_ActivationModule):
    """``torch.nn.LeakyReLU(negative_slope=0.01)``: x for x > 0, negative_slope * x otherwise."""

    _activation_name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(alpha=negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.activation.alpha}"


class ELU(_ActivationModule):
    """``torch.nn.ELU(alpha=1.0)``: x for x > 0, alpha (e^x - 1) otherwise."""

    _activation_name = "elu"

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha=alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.activation.alpha}"


class GELU(_ActivationModule):
    """``torch.nn.GELU(approximate='none')``: x Phi(x); ``approximate='tanh'`` for the tanh form."""

    _activation_name = "gelu"

    def __init__(self, approximate: str = "none") -> None:
        super().__init__(approximate=approximate)

    def extra_repr(self) -> str:
        return f"approximate={'tanh' if self.activation.approximate else 'none'!r}"


class Softplus(_ActivationModule):
    """``torch.nn.Softplus(beta=1.0, threshold=20.0)``: log(1 + e^{beta x}) / beta."""

    _activation_name = "softplus"

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__(beta=beta, threshold=threshold)

    def extra_repr(self) -> str:
        return f"beta={self.activation.beta}, threshold={self.activation.threshold}"


class Hardtanh(_ActivationModule):
    """``torch.nn.Hardtanh(min_val=-1.0, max_val=1.0)``: clamp(x, min_val, max_val)."""

    _activation_name = "hard_tanh"

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__(min_val=min_val, max_val=max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.activation.min_val}, max_val={self.activation.max_val}"


class Softmax(_ActivationModule):
    """``torch.nn.Softmax(dim=None)`` along ``dim``; None (deprecated in PyTorch) is the last axis."""

    _activation_name = "softmax"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(axis=-1 if dim is None else dim)

    def extra_repr(self) -> str:
        return f"dim={self.activation.axis}"


class LogSoftmax(Softmax):
    """``torch.nn.LogSoftmax(dim=None)`` along ``dim``; None is the last axis."""

    _activation_name = "log_softmax"


class Dropout(_Dropout):
    """``torch.nn.Dropout(p=0.5)``: ``ln.layers.Dropout(rate=p)`` (inverted dropout)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__(p)

    def extra_repr(self) -> str:
        return f"p={self.rate}"


class Flatten(_Flatten):
    """``torch.nn.Flatten()``: ``[batch, d1, d2, ...]`` to ``[batch, d1 * d2 * ...]``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        if (start_dim, end_dim) != (1, -1):
            raise ValueError(
                f"nn.Flatten: only start_dim=1, end_dim=-1 (flatten all but the batch axis) "
                f"are supported, got start_dim={start_dim!r}, end_dim={end_dim!r}"
            )
        super().__init__()


class BatchNorm1d(BatchNorm):
    """``torch.nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1)``: ``ln.layers.BatchNorm``.

    ``affine`` and ``track_running_stats`` must keep their defaults (True).
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        if not (affine and track_running_stats) or momentum is None:
            raise ValueError(
                "nn.BatchNorm1d: lucidnet's BatchNorm always learns weight and bias and tracks "
                "running statistics with a momentum; affine=False, track_running_stats=False "
                "and momentum=None are not supported"
            )
        super().__init__(num_features, eps=eps, momentum=momentum)


class Sequential(_Sequential):
    """``torch.nn.Sequential(*modules)``: ``ln.Sequential`` taking the modules as arguments.

    Also accepts one list of modules, or one ``OrderedDict`` of named modules (each
    module then takes its key as its name).  ``net[i]``, ``len(net)``, iteration and
    ``append`` work as in PyTorch.
    """

    def __init__(self, *modules: Any) -> None:
        if len(modules) == 1 and isinstance(modules[0], (OrderedDict, dict)):
            named = modules[0]
            for key, module in named.items():
                if not isinstance(module, Module):
                    raise TypeError(
                        f"nn.Sequential: entry {key!r} must be a module, got "
                        f"{type(module).__name__}"
                    )
                module.name = str(key)
            modules = tuple(named.values())
        elif len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        super().__init__(list(modules))

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (``ln.Sequential.add``)."""
        self.add(module)
        return self


# model.save() writes each of these classes as the lucidnet layer it spells (and loading
# gives that layer back); set on the class itself, so a user's subclass is not covered.
for _spelling in (ReLU, ReLU6, Sigmoid, Tanh, SELU, SiLU, Mish, Softsign, Hardsigmoid, Identity,
                  LeakyReLU, ELU, GELU, Softplus, Hardtanh, Softmax, LogSoftmax):  # fmt: skip
    _spelling.saved_as = Activation
Dropout.saved_as = _Dropout
Flatten.saved_as = _Flatten
BatchNorm1d.saved_as = BatchNorm
Sequential.saved_as = _Sequential


class ModuleList(Module):
    """``torch.nn.ModuleList``: modules in a list, registered as ``0``, ``1``, ... so that
    their parameters are the owner's (``layers.0.weight``); it is not called itself."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        for module in modules or []:
            self.append(module)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end."""
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Any) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def extra_repr(self) -> str:
        return ""
