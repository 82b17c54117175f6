"""Conversion to and from other libraries: PyTorch (:func:`from_torch`, :func:`to_torch`).

``torch`` is imported on the first call, never by ``import lucidnet``.
"""

from .torch import ACTIVATION_MODULES, from_torch, to_torch

__all__ = ["ACTIVATION_MODULES", "from_torch", "to_torch"]
