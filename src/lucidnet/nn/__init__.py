"""PyTorch spellings: ``from lucidnet import nn`` gives ``nn.Module``, ``nn.Linear``, ``nn.ReLU``,
``nn.Sequential(*modules)``, ``nn.CrossEntropyLoss``, ``nn.init``, ``nn.functional``, ...

A PyTorch script of a fully-connected network runs with its imports changed
(``from lucidnet import nn``; ``from lucidnet.nn import functional as F``;
``torch.optim.SGD`` is ``ln.optim.SGD``).  Every name maps onto lucidnet's own
building blocks, models and losses; nothing here computes on its own.  One
difference to know: a Linear weight has lucidnet's layout ``(in_features,
out_features)``, the transpose of PyTorch's.

This package sits at the top of the layout; the building blocks themselves live
in :mod:`lucidnet.blocks`.

>>> import lucidnet as ln
>>> from lucidnet import nn
>>> from lucidnet.nn import functional as F
>>> class Net(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.fc1 = nn.Linear(3, 4)
...         self.fc2 = nn.Linear(4, 2)
...     def forward(self, x):
...         return self.fc2(F.relu(self.fc1(x)))
>>> net = Net()
>>> loss = nn.CrossEntropyLoss()(net(ln.randn(5, 3)), ln.tensor([0, 1, 1, 0, 1]))
>>> loss.backward()
>>> net.fc1.weight.grad.shape
(3, 4)
"""

from ..blocks import activations, layers
from ..blocks.layers import Linear, PReLU
from ..engine.tensor import Parameter
from ..training.trainable import Module
from . import functional, init
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .modules import (
    ELU,
    GELU,
    SELU,
    BatchNorm1d,
    Dropout,
    Flatten,
    Hardsigmoid,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSoftmax,
    Mish,
    ModuleList,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
)

__all__ = [
    "ELU",
    "GELU",
    "SELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Hardsigmoid",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Mish",
    "Module",
    "ModuleList",
    "NLLLoss",
    "PReLU",
    "Parameter",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "activations",
    "functional",
    "init",
    "layers",
]
