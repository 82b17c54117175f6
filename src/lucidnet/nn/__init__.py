"""PyTorch spellings: ``from lucidnet import nn`` gives ``nn.Module``, ``nn.Linear``, ``nn.init``, ...

This package sits at the top of the layout (it maps torch's names onto lucidnet's
building blocks, models and losses); the building blocks themselves live in
:mod:`lucidnet.blocks`.
"""

from __future__ import annotations

from ..blocks import activations, functional, init, layers
from ..blocks.layers import Linear
from ..training.trainable import Module

__all__ = ["Linear", "Module", "activations", "functional", "init", "layers"]
