"""The autograd engine: Tensor, dtype and random state."""
