"""The Keras face of a model: ``compile``, ``fit``, ``evaluate``, ``predict``, ``save``, ``summary``.

The building blocks (:class:`lucidnet.blocks.module.Module` and the layers) know
nothing about training, as Keras's ``Layer`` knows nothing of its ``Trainer``.
:class:`Trainable` adds the Keras methods, and the public classes users meet —
``ln.Module``, ``ln.Sequential`` and ``ln.Model`` — are the building-block classes
with this mixin in front.  Every layer is still an ``ln.Module`` for
``isinstance``, as every ``torch.nn.Linear`` is a ``torch.nn.Module``.

>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(1, input_shape=(2,))])
>>> isinstance(model, ln.Module), isinstance(ln.layers.Dense(3), ln.Module)
(True, True)
>>> model.compile(optimizer="sgd", loss="mse")
>>> history = model.fit([[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], epochs=2, verbose=0)
>>> len(history.history["loss"])
2
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..blocks.module import Module as BaseModule
from ..models.functional import Model as GraphModel
from ..models.sequential import Sequential as LayerStack
from ..models.summary import summary as summary_table
from . import trainer
from .flat import FLAT_UPDATE_LIMIT, FlatGroup, group_of


class Trainable:
    """``compile``/``fit``/``evaluate``/``predict``/``save``/``summary`` for a Module."""

    def compile(
        self,
        optimizer: Any = "adam",
        loss: Any = None,
        metrics: Any = None,
        lint: bool = True,
        jit_compile: bool = False,
    ) -> None:
        """Attach optimizer, loss and metrics; see :func:`lucidnet.training.trainer.compile`."""
        trainer.compile(
            self,
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            lint=lint,
            jit_compile=jit_compile,
        )

    def fit(
        self,
        x: Any,
        y: Any,
        epochs: int = 1,
        batch_size: int | None = 32,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        callbacks: Any = None,
        verbose: int = 1,
        initial_epoch: int = 0,
        preflight: bool = False,
    ) -> Any:
        """Train on ``(x, y)``; returns a History. See :func:`lucidnet.training.trainer.fit`."""
        return trainer.fit(
            self,
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            callbacks=callbacks,
            verbose=verbose,
            initial_epoch=initial_epoch,
            preflight=preflight,
        )

    def evaluate(
        self, x: Any, y: Any, batch_size: int | None = None, verbose: int = 0
    ) -> dict[str, float]:
        """Loss and metrics on ``(x, y)`` as a dict."""
        return trainer.evaluate(self, x, y, batch_size=batch_size, verbose=verbose)

    def predict(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        """Outputs for ``x`` as an ndarray (eval mode, no graph)."""
        return trainer.predict(self, x, batch_size=batch_size)

    def summary(
        self, input_shape: tuple[int, ...] | int | None = None, batch_size: int | None = None
    ) -> str:
        """Print and return a table of layers, output shapes and parameter counts (with bytes)."""
        return summary_table(self, input_shape=input_shape, batch_size=batch_size)

    # Saving lives in lucidnet.io, a tool above training; as Keras's Model.save does, the
    # methods reach it when called, so importing a model never loads the file formats.
    def save(self, path: Any, include_optimizer: bool = False) -> None:
        """One safetensors file with weights and the architecture (Sequential/functional)."""
        from ..io import save_model

        save_model(self, path, include_optimizer=include_optimizer)

    def save_weights(self, path: Any) -> None:
        """The state_dict as a safetensors file (any Module)."""
        from ..io import save_weights

        save_weights(self, path)

    def load_weights(self, path: Any, strict: bool = True) -> None:
        """Load weights written by ``save_weights`` (shapes and names must match)."""
        from ..io import load_weights

        load_weights(self, path, strict=strict)


class _EveryModule(type):
    """``isinstance(layer, ln.Module)`` holds for every building block, as in PyTorch."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Module:
            return isinstance(instance, BaseModule)
        return super().__instancecheck__(instance)

    def __subclasscheck__(cls, subclass: type) -> bool:
        if cls is Module:
            return issubclass(subclass, BaseModule)
        return super().__subclasscheck__(subclass)


class Module(Trainable, BaseModule, metaclass=_EveryModule):
    """Subclass it, create layers in ``__init__`` and compute in ``forward(x)``.

    See :mod:`lucidnet.blocks.module` for parameters, state and hooks; this class
    adds the Keras-style training and saving methods.
    """


class Sequential(LayerStack, Module):
    __doc__ = LayerStack.__doc__

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Build every layer; a small model keeps its parameters in one flat buffer.

        With at most ``FLAT_UPDATE_LIMIT`` weights of one float dtype, the parameters'
        arrays become views into one buffer (values unchanged; ``fit``'s plan keeps them
        so too and reuses it), so that an optimizer stepping them in a hand-written loop
        updates them with one call (:meth:`lucidnet.training.optim.Optimizer.step`).
        Rebinding a parameter's ``.data`` later is fine: the step then goes parameter by
        parameter.
        """
        super().build(input_shape)
        params = self.parameters()
        if (
            len(params) > 1
            and sum(p.data.size for p in params) <= FLAT_UPDATE_LIMIT
            and len({p.data.dtype for p in params}) == 1
            and params[0].data.dtype.kind == "f"
            and group_of(params) is None
        ):
            object.__setattr__(self, "_flat_groups", [FlatGroup(params)])


class Model(GraphModel, Module):
    __doc__ = GraphModel.__doc__
