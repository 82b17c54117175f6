"""Models: Sequential, the functional Input/Model graph, and summary()."""

from .functional import Input, Model
from .sequential import Sequential

__all__ = ["Input", "Model", "Sequential"]
