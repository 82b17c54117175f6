"""lucidnet: fully-connected neural networks on a readable NumPy autograd.

>>> import lucidnet as ln
"""

from __future__ import annotations

from .engine.dtype import get_default_dtype, set_default_dtype
from .engine.random import manual_seed
from .engine.tensor import Parameter, Tensor, is_grad_enabled, no_grad, tensor

__version__ = "0.1.0"

__all__ = [
    "Parameter",
    "Tensor",
    "get_default_dtype",
    "is_grad_enabled",
    "manual_seed",
    "no_grad",
    "set_default_dtype",
    "tensor",
]
