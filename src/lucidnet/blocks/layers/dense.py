"""Dense (Keras-style, lazily built) and Linear (PyTorch-style, built at once).

Both compute ``y = activation(x @ W + b)`` with ``W`` of shape
``(in_features, units)`` as one fused graph node (see ``functional.dense``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._checks import check_positive_int
from ..._registry import Configurable
from ...engine.tensor import Parameter, Tensor
from .. import functional as F
from .. import init as initializers
from .. import regularizers
from ..activations import Activation, Identity
from ..activations import get as get_activation
from .base import Layer, calls_as_written, check_features


class Dense(Layer):
    """Fully-connected layer: ``y = activation(x @ W + b)``, ``W`` of shape ``(in_features, units)``.

    ``kernel_initializer="auto"`` takes the activation's ``recommended_initializer``:
    ``he_uniform`` for the ReLU family, ``lecun_normal`` for selu, ``glorot_uniform``
    otherwise.
    ``kernel_regularizer``/``bias_regularizer`` (None, a name such as ``"l2"``, a config
    dict or a :mod:`~lucidnet.blocks.regularizers` object) are resolved at once and
    added to the training loss by ``fit``.

    >>> import lucidnet as ln
    >>> layer = ln.layers.Dense(2, activation="relu", input_shape=(3,))
    >>> layer.weight.shape, layer.bias.shape
    ((3, 2), (2,))
    """

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "auto",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        input_shape: tuple[int, ...] | None = None,
        name: str | None = None,
        dtype: object | None = None,
        input_dim: int | None = None,
    ) -> None:
        if input_dim is not None:  # Keras's shorthand for input_shape=(input_dim,)
            if input_shape is not None:
                raise TypeError(
                    f"Dense: give input_shape= or input_dim=, not both; got "
                    f"input_shape={input_shape!r}, input_dim={input_dim!r}"
                )
            input_shape = (check_positive_int(input_dim, "Dense input_dim"),)
        super().__init__(input_shape=input_shape, name=name, dtype=dtype)
        self.units = check_positive_int(units, "Dense units")
        self.activation = get_activation("identity" if activation is None else activation)
        self.use_bias = bool(use_bias)
        if kernel_initializer != "auto":
            initializers.get(kernel_initializer)  # fail now on an unknown name, not at build
        initializers.get(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = self._resolve_regularizer(
            kernel_regularizer, "kernel_regularizer"
        )
        self.bias_regularizer = self._resolve_regularizer(bias_regularizer, "bias_regularizer")
        self.weight: Parameter | None = None
        self.bias: Parameter | None = None
        self.build_now_if_shape_known()

    def _resolve_regularizer(self, identifier: Any, argument: str) -> Any:
        """The regularizer ``identifier`` names; the error names the layer and the argument."""
        try:
            return _get_regularizer(identifier)
        except (TypeError, ValueError) as error:
            raise type(error)(
                f"bad {argument} {identifier!r} for layer {self.name!r}: {error}"
            ) from error

    @property
    def activation_name(self) -> str | None:
        return self.activation.name if isinstance(self.activation, Activation) else None

    @property
    def kernel(self) -> Parameter | None:
        """Keras's name for ``weight``."""
        return self.weight

    def resolved_kernel_initializer(self) -> Any:
        if self.kernel_initializer == "auto":
            return initializers.get(initializers.auto_initializer(self.activation))
        return initializers.get(self.kernel_initializer)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"layer {self.name!r} needs inputs of shape [batch_size, features], "
                f"got shape {input_shape}"
            )
        in_features = int(input_shape[-1])
        dtype = self.param_dtype
        kernel = self.resolved_kernel_initializer()((in_features, self.units), dtype=dtype)
        self.weight = Parameter(kernel)
        if self.use_bias:
            self.bias = Parameter(
                initializers.get(self.bias_initializer)((self.units,), dtype=dtype)
            )
        super().build(input_shape)

    @property
    def in_features(self) -> int | None:
        return None if self.weight is None else self.weight.shape[0]

    def forward(self, x: Any) -> Tensor:
        weight, activation = self.weight, self.activation
        if not (isinstance(x, Tensor) and x.data.dtype == weight.data.dtype):
            x = self.as_input(x, weight.data.dtype)
        check_features(self, x, weight.data.shape[0])
        if not isinstance(activation, Activation):  # a plain callable, applied after the node
            return activation(F.dense_node(x, weight, self.bias, None))
        return F.dense_node(x, weight, self.bias, activation)

    def stack_entry(
        self, dtype: np.dtype, features: int
    ) -> tuple[Parameter, Parameter | None, Activation] | None:
        """``(weight, bias, activation)`` when calling this layer on a tensor of ``dtype`` with
        ``features`` columns is exactly ``F.dense_node(x, weight, bias, activation)``, else None.

        It is, when the layer is built with a weight of that dtype and width, has no forward
        hook, an :class:`Activation` (not a plain callable), and its class does not
        redefine ``forward`` or ``__call__``: a model may then run it inside one
        :func:`~lucidnet.blocks.functional.dense_stack_node` with its neighbours.
        """
        weight = self.weight
        if (
            weight is None
            or self._call_hooks
            or weight.data.dtype != dtype
            or weight.data.shape[0] != features
            or not isinstance(self.activation, Activation)
            or not calls_as_written(type(self), "stack_entry")
        ):
            return None
        return weight, self.bias, self.activation

    def extra_repr(self) -> str:
        """``units=32, activation='relu', input=2`` (input: the in_features, once known)."""
        parts = [f"units={self.units}"]
        if not isinstance(self.activation, Identity):
            name = self.activation_name or getattr(self.activation, "__name__", "callable")
            parts.append(f"activation={name!r}")
        features = self.in_features or (self.input_shape[-1] if self.input_shape else None)
        if features is not None:
            parts.append(f"input={features}")
        if not self.use_bias:
            parts.append("use_bias=False")
        return ", ".join(parts)

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self._component_config("activation", get_activation),
            "use_bias": self.use_bias,
            "kernel_regularizer": self._component_config("kernel_regularizer", _get_regularizer),
            "bias_regularizer": self._component_config("bias_regularizer", _get_regularizer),
            "input_shape": self.input_shape,
            "name": self.name,
            "dtype": self._config_dtype(),
        }

    def _component_config(
        self, argument: str, resolve: Callable[[Any], Any]
    ) -> dict[str, Any] | None:
        """``{"name", "config"}`` that ``resolve`` (the registry's ``get``) turns back into it.

        None stays None.  A plain callable or an object of an unregistered class is
        code, not data: it raises ``ValueError`` instead of writing an unloadable file.
        """
        component = getattr(self, argument)
        if component is None:
            return None
        name = getattr(component, "name", None)
        if isinstance(component, Configurable) and isinstance(name, str):
            entry = {"name": name, "config": component.get_config()}
            try:
                if resolve(entry) == component:
                    return entry
            except (TypeError, ValueError):
                pass  # a custom subclass whose name the registry does not know
        raise ValueError(
            f"layer {self.name!r} has a plain callable or custom {argument} {component!r}; "
            f"it cannot be saved (use one of lucidnet's {argument.rpartition('_')[2]} names)"
        )


def _get_regularizer(identifier: Any) -> Any:
    return None if identifier is None else regularizers.get(identifier)


class Linear(Dense):
    """PyTorch-style affine layer ``y = x @ W + b``, built at once, ``W`` of shape (in, out).

    Weight and bias start as in ``torch.nn.Linear``: U(-1/sqrt(in_features), 1/sqrt(in_features))
    (the "standard initialization" of LeCun et al. 1998).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        name: str | None = None,
        dtype: object | None = None,
    ) -> None:
        in_features = check_positive_int(in_features, "Linear in_features")
        bound = 1.0 / math.sqrt(in_features)
        super().__init__(
            out_features,
            use_bias=bias,
            kernel_initializer="standard_uniform",
            bias_initializer=initializers.get("uniform", low=-bound, high=bound),
            input_shape=(in_features,),
            name=name,
            dtype=dtype,
        )

    @property
    def out_features(self) -> int:
        return self.units

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.units}, bias={self.use_bias}"

    def get_config(self) -> dict[str, Any]:
        return {
            "in_features": self.in_features,
            "out_features": self.units,
            "bias": self.use_bias,
            "name": self.name,
            "dtype": self.dtype.name,
        }
