"""lucidnet: fully-connected neural networks on a readable NumPy autograd.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(3, activation="relu", input_shape=(3,)),
...                        ln.layers.Dense(2, activation="softmax")])

The package is laid out from the engine outwards: ``engine`` (Tensor and
autograd) -> ``nn`` (activations, initializers, functional ops, Module and
layers) -> ``models`` (Sequential, functional Model, summary) -> ``training``
(losses, regularizers, metrics, optimizers) -> tools (diagnostics, datasets).
The public modules are reachable under short names: ``ln.activations``,
``ln.init``, ``ln.functional``, ``ln.layers``, ``ln.losses``, ``ln.optim``, ...
"""

from __future__ import annotations

import sys

from . import datasets
from .blocks import activations, functional, init, layers
from .blocks.module import Module
from .diagnostics.gradcheck import gradcheck
from .diagnostics.health import HealthWarning
from .diagnostics.lint import LintWarning, lint
from .engine.dtype import get_default_dtype, set_default_dtype
from .engine.joining import concatenate, stack
from .engine.random import manual_seed
from .engine.tensor import Parameter, Tensor, is_grad_enabled, no_grad, tensor
from .models import Input, Model, Sequential
from .training import callbacks, losses, metrics, optim, regularizers
from .training.optim import lr_scheduler

__version__ = "0.1.0"


def load_model(path: str) -> Module:
    """Rebuild a Sequential or functional model saved with ``model.save(path)``."""
    from .io import load_model as load

    return load(path)


# Short public module paths (``import lucidnet.activations``) for modules that live in layers.
for _short, _module in {
    "activations": activations,
    "callbacks": callbacks,
    "functional": functional,
    "init": init,
    "layers": layers,
    "losses": losses,
    "metrics": metrics,
    "optim": optim,
    "optim.lr_scheduler": lr_scheduler,
    "regularizers": regularizers,
}.items():
    sys.modules[f"{__name__}.{_short}"] = _module
del _short, _module

_LAZY_MODULES = ("viz", "io", "export", "interop", "sklearn", "cli", "playground")


def __getattr__(name: str) -> object:
    """Heavy optional pieces (matplotlib, onnx, scikit-learn) load on first use."""
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "HealthWarning",
    "Input",
    "LintWarning",
    "Model",
    "Module",
    "Parameter",
    "Sequential",
    "Tensor",
    "activations",
    "callbacks",
    "concatenate",
    "datasets",
    "functional",
    "get_default_dtype",
    "gradcheck",
    "init",
    "is_grad_enabled",
    "layers",
    "lint",
    "load_model",
    "losses",
    "manual_seed",
    "metrics",
    "no_grad",
    "optim",
    "regularizers",
    "set_default_dtype",
    "stack",
    "tensor",
]
