"""The optimizer base class: parameter groups, per-parameter state, binding and saving.

An optimizer holds ``param_groups``, a list of dicts as in PyTorch: each has
``"params"`` (the parameters) and the group's options (``"lr"``, ...), so a
learning-rate scheduler changes ``group["lr"]`` and the next ``step()`` uses it.

``step()`` updates every parameter whose ``.grad`` is not None, **in place**:
``param.data`` keeps its identity and dtype (a float32 parameter stays float32;
hyperparameters enter as Python floats, which never upcast an array).  The
scratch arrays an update needs are allocated once per parameter and reused, so a
training step allocates nothing of the parameters' size after the first.

An optimizer created without parameters (``SGD(lr=0.1)``) is *unbound*:
``bind(params)`` (called by ``model.compile``) attaches them later.

>>> import numpy as np
>>> import lucidnet as ln
>>> from lucidnet.training.optim import SGD
>>> w = ln.Parameter(np.array([1.0, -2.0]))
>>> opt = SGD([w], lr=0.5)
>>> w.grad = np.array([1.0, 1.0])
>>> opt.step()
>>> w.data
array([ 0.5, -2.5])
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..._kernels import kernel_is_trusted
from ..._registry import Registry
from ...engine.tensor import Tensor
from ..flat import FLAT_UPDATE_LIMIT, group_of

ParamGroup = dict[str, Any]
Params = Iterable[Tensor] | Iterable[ParamGroup]


class Optimizer:
    """Base class: a subclass sets ``name``, passes its ``defaults``, and defines
    ``_check_options(options)`` (raise for bad values) and ``update(param, group, state)``
    (update one parameter in place from ``param.grad``).

    ``element_wise = True`` declares that ``update`` treats every entry on its own (as
    SGD, Adam, AdamW, RMSprop and Adagrad do), so that updating a whole group
    flattened into one array equals updating its parameters one by one: the training
    plan relies on it.  The claim holds only for the ``update`` it was made beside: a
    subclass that redefines ``update`` is not element-wise unless it says so again.
    """

    name = "optimizer"
    element_wise = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every optimizer also takes Keras's ``learning_rate=`` for ``lr=``."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def __init__(
            self: Optimizer, *args: Any, learning_rate: Any = None, **options: Any
        ) -> None:
            if learning_rate is not None:
                if "lr" in options or len(args) > 1:
                    raise TypeError(f"{cls.__name__}: give lr= or learning_rate=, not both")
                options["lr"] = learning_rate
            init(self, *args, **options)

        cls.__init__ = __init__

    def __init__(self, params: Params | None, defaults: dict[str, Any]) -> None:
        self._check_options(defaults)
        self.defaults = dict(defaults)
        self.state: dict[int, dict[str, Any]] = {}  # keyed by id(param)
        self._workspace: dict[tuple[int, str], np.ndarray] = {}
        # An unbound optimizer keeps one empty group, so its lr can be read and scheduled.
        self.param_groups: list[ParamGroup] = [{**self.defaults, "params": []}]
        self._bound = False
        self._applied: dict[int, np.ndarray] = {}  # id(param) -> the gradient the last step used
        self._flat_entries: dict[int, list[dict[str, Any]]] = {}  # see _update_flat
        if params is not None:
            self.bind(params)

    # ----------------------------------------------------------------- copying
    def __getstate__(self) -> dict[str, Any]:
        """For copy/pickle: the state by parameter position, since ``id()`` keys do not survive."""
        state = self.__dict__.copy()
        state["state"] = [self.state.get(id(p)) for p in self.parameters()]
        state["_workspace"] = {}  # scratch arrays, made again on the next step
        state["_applied"] = {}  # keyed by id() too
        state["_flat_entries"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        per_parameter = state.pop("state")
        state.setdefault("_applied", {})
        state.setdefault("_flat_entries", {})
        self.__dict__.update(state)
        self.state = {
            id(p): entry
            for p, entry in zip(self.parameters(), per_parameter, strict=True)
            if entry is not None
        }

    # ----------------------------------------------------------------- parameters
    @property
    def is_bound(self) -> bool:
        """True once the optimizer has parameters to update."""
        return self._bound

    def bind(self, params: Params) -> Optimizer:
        """Attach ``params`` (an iterable of parameters, or of group dicts) and return self.

        Binding again to the same parameters does nothing (compiling a model twice
        keeps the optimizer's state); binding to other parameters starts afresh.
        Groups made when binding an unbound optimizer inherit its current options.
        """
        groups = _as_groups(params)
        if self._bound:
            if _param_ids(groups) == _param_ids(self.param_groups):
                return self
            template = self.defaults
        else:
            template = _options(self.param_groups[0])
        self.state.clear()
        self._workspace.clear()
        self._flat_entries.clear()
        self.param_groups = []
        for group in groups:
            self._add_group(group, template)
        self._bound = True
        return self

    def add_param_group(self, param_group: ParamGroup) -> None:
        """Add a group (``{"params": [...], "lr": ...}``); missing options take the defaults."""
        if not self._bound:
            self.bind([param_group])
            return
        (group,) = _as_groups([param_group])
        self._add_group(group, self.defaults)

    def _add_group(self, group: ParamGroup, template: dict[str, Any]) -> None:
        seen = _param_ids(self.param_groups)
        if seen & _param_ids([group]) or len(_param_ids([group])) != len(group["params"]):
            raise ValueError(
                "some parameters appear in more than one parameter group (or twice "
                "in one); each parameter may be given once"
            )
        options = {**template, **group}
        self._check_options(options)
        self.param_groups.append(options)

    def parameters(self) -> list[Tensor]:
        """All parameters, group after group."""
        return [param for group in self.param_groups for param in group["params"]]

    # ----------------------------------------------------------------- stepping
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return ``closure()`` when given."""
        if not self._bound:
            raise RuntimeError(
                f"{type(self).__name__} has no parameters to update: create it with them "
                f"({type(self).__name__}(model.parameters(), ...)), call bind(params), or pass "
                "it to model.compile(optimizer=...)"
            )
        loss = closure() if closure is not None else None
        applied, reapplied = self._applied, False
        states, update = self.state, self.update
        for group in self.param_groups:
            params = group["params"]
            for param in params:
                grad = param.grad
                if grad is not None:
                    key = id(param)
                    if applied.get(key) is grad:  # the very array a step already used
                        reapplied = True  # with no zero_grad() since
                    applied[key] = grad
            if self._update_flat(group):
                continue
            for param in params:
                if param.grad is not None:
                    state = states.get(id(param))
                    if state is None:
                        state = states[id(param)] = {}
                    update(param, group, state)
        if reapplied:
            _warn_reapplied(self)
        return loss

    def _update_flat(self, group: ParamGroup) -> bool:
        """One ``update`` call for the whole group, when it can be; False when not done.

        It can when the optimizer is element-wise (:attr:`updates_flat_groups`) and keeps
        state (momentum, moments: several arrays per parameter to update; a stateless
        update such as plain SGD's costs no more per parameter than gathering), the group
        is small and its parameters are views into one flat buffer in order (a small
        ``Sequential`` keeps them so, as ``fit``'s plan does: see
        :mod:`lucidnet.training.flat`) and every one has a gradient of its shape.  The
        gradients are gathered into one flat array and updated at once: the same numbers
        as one ``update`` per parameter, with one call instead of one per parameter.
        Each parameter's entry in ``state`` holds views into the flat state (numbers are
        copied back after each step); entries replaced from outside (``load_state_dict``)
        are gathered again first.
        """
        params = group["params"]
        if len(params) < 2 or not self.state.get(id(params[0])) or not _updates_flat(type(self)):
            return False  # stateless (plain SGD): two operations per parameter, as cheap
        flat = group_of(params)
        if flat is None or flat.parameter.data.size > FLAT_UPDATE_LIMIT:
            return False
        entries, states = self._flat_entries.get(id(flat)), self.state
        grads = []
        for index, param in enumerate(params):
            grad = param.grad
            if grad is None or grad.shape != param.data.shape:
                return False
            grads.append(grad.reshape(-1))
            if entries is not None and states.get(id(param)) is not entries[index]:
                entries = None  # replaced from outside: gather again
        if entries is None and not flat.gather_state(self):
            return False
        gradient = np.concatenate(grads, out=self._scratch(flat.parameter, "flat_gradient"))
        keys = set(flat.state)
        held, flat.parameter.grad = flat.parameter.grad, gradient
        try:
            self.update(flat.parameter, group, flat.state)
        finally:
            flat.parameter.grad = held
        if (
            entries is None
            or keys != set(flat.state)
            or not all(isinstance(value, np.ndarray) for value in flat.state.values())
        ):
            flat.scatter_state(self)
            self._flat_entries[id(flat)] = [states[id(p)] for p in params]
        return True

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: set them to None (default) or fill them with zeros in place."""
        self._applied.clear()
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.fill(0)

    def update(self, param: Tensor, group: ParamGroup, state: dict[str, Any]) -> None:
        """One step for ``param`` in place, from ``param.grad``, with ``group``'s options.

        ``state`` is the parameter's entry in ``self.state`` (filled on the first call).
        ``step()`` calls it for every parameter that has a gradient; for an
        element-wise optimizer ``param`` may also be a whole group's parameters as one
        flat array, its gradient and state flattened alike (see :attr:`updates_flat_groups`).
        """
        raise NotImplementedError

    @property
    def updates_flat_groups(self) -> bool:
        """Whether ``update`` may be given a whole group flattened into one array: the
        class says ``element_wise`` beside the ``update`` it uses."""
        return _updates_flat(type(self))

    def _check_options(self, options: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------ in-place building blocks
    def _scratch(self, param: Tensor, slot: str) -> np.ndarray:
        """A work array shaped like ``param``, allocated once and reused every step."""
        key = (id(param), slot)
        buffer = self._workspace.get(key)
        if buffer is None or buffer.shape != param.data.shape or buffer.dtype != param.data.dtype:
            buffer = self._workspace[key] = np.empty_like(param.data)
        return buffer

    def _gradient(self, param: Tensor, weight_decay: float, maximize: bool) -> np.ndarray:
        """g = (-grad if maximize else grad) + weight_decay * theta; ``param.grad`` is kept."""
        if weight_decay == 0 and not maximize:
            return param.grad
        gradient = self._scratch(param, "gradient")
        if weight_decay == 0:
            return np.negative(param.grad, out=gradient)
        np.multiply(param.data, weight_decay, out=gradient)
        (np.subtract if maximize else np.add)(gradient, param.grad, out=gradient)
        return gradient

    def _descend(self, param: Tensor, direction: np.ndarray, lr: float) -> None:
        """theta <- theta - lr * direction, in place (``direction`` may be the update scratch)."""
        update = np.multiply(direction, -lr, out=self._scratch(param, "update"))
        np.add(param.data, update, out=param.data)

    # ----------------------------------------------------------------- saving
    def state_dict(self) -> dict[str, Any]:
        """The options and state as plain dicts of arrays and numbers (no pickle needed).

        ``{"state": {index: {name: array or number}}, "param_groups": [{..., "params": [index]}]}``;
        parameters are numbered in group order, as in PyTorch; arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            numbers_in_group = [
                index.setdefault(id(param), len(index)) for param in group["params"]
            ]
            groups.append({**_options(group), "params": numbers_in_group})
        state = {
            index[key]: {
                name: np.copy(value) if isinstance(value, np.ndarray) else value
                for name, value in entry.items()
            }
            for key, entry in self.state.items()
            if key in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by :meth:`state_dict` for the same parameter layout."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"state_dict has {len(saved_groups)} parameter groups, this optimizer "
                f"has {len(self.param_groups)} (bind the parameters first)"
            )
        by_index: dict[int, Tensor] = {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"parameter group {number} has {len(saved['params'])} parameters "
                    f"in state_dict but {len(group['params'])} here"
                )
            self._check_options({**group, **_options(saved)})
            by_index.update(zip((int(i) for i in saved["params"]), group["params"], strict=True))
        state = {}
        for key, entry in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(f"state_dict has state for parameter {key}, which no group lists")
            param = by_index[int(key)]
            state[id(param)] = {name: _restore(value, param, name) for name, value in entry.items()}
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            group.update(_options(saved))
        self.state = state

    def get_config(self) -> dict[str, Any]:
        """The constructor options: ``get(opt.name, **opt.get_config())`` rebuilds it unbound."""
        return dict(self.defaults)

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({options})"


@functools.cache
def _updates_flat(cls: type[Optimizer]) -> bool:
    """Whether ``cls.update`` may be given a whole group flattened into one array."""
    return bool(cls.element_wise) and kernel_is_trusted(cls, "element_wise", ("update",))


def _warn_reapplied(optimizer: Optimizer) -> None:
    """Warn once per optimizer: gradients accumulate across steps (zero_grad() forgotten)."""
    if getattr(optimizer, "_warned_reapplied", False):
        return
    optimizer._warned_reapplied = True
    from ...diagnostics.health import warn_grad_accumulation  # tools above; loaded when needed

    warn_grad_accumulation(type(optimizer).__name__)


def _as_groups(params: Params) -> list[ParamGroup]:
    """``params`` as group dicts, each with its parameters in a list."""
    if isinstance(params, Tensor):
        raise TypeError(
            "params must be an iterable of parameters or of group dicts, got one "
            "Tensor; wrap it in a list"
        )
    items = [params] if isinstance(params, dict) else list(params)
    if not items:
        raise ValueError("the optimizer got an empty parameter list")
    if not all(isinstance(item, dict) for item in items):
        items = [{"params": items}]
    groups = []
    for item in items:
        if "params" not in item:
            raise ValueError(f"a parameter group needs a 'params' entry, got keys {list(item)}")
        members = item["params"]
        members = [members] if isinstance(members, Tensor) else list(members)
        for member in members:
            if not isinstance(member, Tensor):
                raise TypeError(
                    f"the optimizer can only update lucidnet Tensors/Parameters, got "
                    f"{type(member).__name__}"
                )
        groups.append({**item, "params": members})
    return groups


def _param_ids(groups: list[ParamGroup]) -> set[int]:
    return {id(param) for group in groups for param in group["params"]}


def _options(group: ParamGroup) -> dict[str, Any]:
    return {key: value for key, value in group.items() if key != "params"}


def _restore(value: Any, param: Tensor, name: str) -> Any:
    """A saved state entry, arrays copied into the parameter's dtype after a shape check."""
    if not isinstance(value, np.ndarray):
        return value
    if value.shape != param.data.shape:
        raise ValueError(
            f"state {name!r} has shape {value.shape}, its parameter has shape {param.data.shape}"
        )
    return np.array(value, dtype=param.data.dtype, copy=True)


def check_range(
    name: str, value: Any, low: float = 0.0, high: float = math.inf, *, high_inclusive: bool = False
) -> None:
    """Raise unless ``value`` is a finite real number in [low, high) (or [low, high])."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    inside = low <= value <= high if high_inclusive else low <= value < high
    if not (inside and math.isfinite(value)):
        closing = "]" if high_inclusive else ")"
        raise ValueError(
            f"invalid {name}={value!r}: expected a value in [{low:g}, {high:g}{closing}"
        )


registry = Registry("optimizer", Optimizer)


def get(identifier: Any, **options: Any) -> Optimizer | Any:
    """Resolve an optimizer from a name (with options), config dict, instance or class.

    Names give an unbound optimizer (``model.compile`` binds it):

    >>> get("adam", lr=0.01)
    Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False, maximize=False)
    """
    return registry.get(identifier, **options)


def available() -> list[str]:
    """Names of all optimizers."""
    return registry.names()
