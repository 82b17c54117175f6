"""``torch.nn.init``'s in-place initializers (``nn.init.xavier_normal_(layer.weight)``, ...).

They are :mod:`lucidnet.blocks.init`'s own functions; fan_in and fan_out follow
lucidnet's weight layout ``(in_features, out_features)``, so a lucidnet weight
gets the distribution PyTorch gives the same layer.
"""

from ..blocks.init import (
    calculate_gain,
    constant_,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    ones_,
    orthogonal_,
    trunc_normal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
