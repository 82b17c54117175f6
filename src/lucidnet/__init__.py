"""lucidnet: fully-connected neural networks on a readable NumPy autograd.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(3, activation="relu", input_shape=(3,)),
...                        ln.layers.Dense(2, activation="softmax")])

The package is laid out from the engine outwards: ``engine`` (Tensor and
autograd) -> ``blocks`` (activations, initializers, regularizers, functional
ops, Module and layers) -> ``models`` (Sequential, functional Model, summary)
-> ``training`` (losses, metrics, optimizers, the fit loop) -> tools
(diagnostics, io, datasets, viz, ...) -> ``nn`` (PyTorch's spellings of it all).
The public modules are attributes under short names: ``ln.activations``,
``ln.init``, ``ln.functional``, ``ln.layers``, ``ln.losses``, ``ln.optim``, ...
"""

from . import datasets, diagnostics
from .blocks import activations, functional, init, layers, regularizers
from .blocks.functional import log_softmax, relu, sigmoid, softmax, tanh
from .diagnostics.advice import Advice
from .diagnostics.gradcheck import gradcheck
from .diagnostics.health import HealthWarning
from .diagnostics.lint import LintWarning, lint
from .engine.dtype import get_default_dtype, set_default_dtype
from .engine.factories import (
    arange,
    eye,
    from_numpy,
    full,
    linspace,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from .engine.joining import concatenate, stack
from .engine.random import manual_seed
from .engine.tensor import Parameter, Tensor, is_grad_enabled, no_grad, tensor
from .models import Input
from .training import callbacks, losses, metrics, optim
from .training.trainable import Model, Module, Sequential

__version__ = "0.1.0"


def load_model(path: str) -> Module:
    """Rebuild a Sequential or functional model saved with ``model.save(path)``."""
    from .io import load_model as load

    return load(path)


_LAZY_MODULES = ("nn", "viz", "io", "export", "interop", "sklearn", "cli", "playground")


# The doctor's tools (ln.preflight, ...) live in diagnostics and load on first use.
_LAZY_DOCTOR = ("preflight", "lr_find", "apply_remedy", "repair")


def __getattr__(name: str) -> object:
    """Heavy optional pieces (matplotlib, onnx, scikit-learn) load on first use."""
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "sweep":  # the function ln.sweep (the package lucidnet.sweep is callable too)
        from .sweep import sweep

        globals()["sweep"] = sweep
        return sweep
    if name in _LAZY_DOCTOR:
        return getattr(diagnostics, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API only (what ``__all__`` and the lazily loaded tools name)."""
    return sorted({*__all__, *_LAZY_MODULES, *_LAZY_DOCTOR})


__all__ = [
    # the rest
    "Advice",
    "HealthWarning",
    "Input",
    "LintWarning",
    "Model",
    "Module",
    "Parameter",
    "Sequential",
    "Tensor",
    "activations",
    # tensor factories (PyTorch's names)
    "arange",
    "callbacks",
    "concatenate",
    "datasets",
    "eye",
    "from_numpy",
    "full",
    "functional",
    "get_default_dtype",
    "gradcheck",
    "init",
    "is_grad_enabled",
    "layers",
    "linspace",
    "lint",
    "load_model",
    # PyTorch's top-level functions (torch.sigmoid, torch.softmax(x, dim=...), ...)
    "log_softmax",
    "losses",
    "manual_seed",
    "metrics",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randn",
    "regularizers",
    "relu",
    "set_default_dtype",
    "sigmoid",
    "softmax",
    "stack",
    "sweep",
    "tanh",
    "tensor",
    "zeros",
    "zeros_like",
]
