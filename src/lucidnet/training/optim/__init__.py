"""Optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) and learning-rate schedules.

Each optimizer has PyTorch's argument names, defaults and update equations;
``get(name, **options)`` gives an unbound one for ``model.compile``, and
``available()`` lists the names.  Schedules live in :mod:`.lr_scheduler` and are
re-exported here.
"""

from __future__ import annotations

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, ReduceLROnPlateau, StepLR
from .optimizer import Optimizer, available, get, registry
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
    "StepLR",
    "available",
    "get",
    "lr_scheduler",
    "registry",
]
