"""Layers: Dense, Linear, Activation, Dropout, Flatten, BatchNorm, PReLU, Maxout, Concatenate, Add."""

from .base import Layer
from .core import Activation, Dropout, Flatten
from .dense import Dense, Linear
from .merge import Add, Concatenate
from .normalization import BatchNorm
from .parametric import Maxout, PReLU

BatchNormalization = BatchNorm

__all__ = [
    "Activation",
    "Add",
    "BatchNorm",
    "BatchNormalization",
    "Concatenate",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "Linear",
    "Maxout",
    "PReLU",
]
