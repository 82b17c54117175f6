"""Saving and loading models and weights as safetensors files (never pickle).

One file holds everything, in the `safetensors <https://huggingface.co/docs/safetensors>`_
format: an 8-byte header length, a JSON header, then the raw tensor bytes.  Any
safetensors reader opens it (``safetensors.numpy.load_file(path)``).

- Tensors: every parameter and buffer under its ``state_dict`` name
  (``dense.weight``, ``batch_norm.running_mean``, ...); with
  ``include_optimizer=True``, the optimizer's array state under
  ``optimizer/<parameter name>/<slot>`` (e.g. ``optimizer/dense.weight/exp_avg``).
- Metadata (string values): ``lucidnet_format_version`` (``"1"``),
  ``lucidnet_architecture`` (the model as JSON, see :mod:`.architecture`; model
  files only), ``lucidnet_state_order`` (the tensor names in ``state_dict`` order,
  as JSON: ``load_weights`` matches by this order when names differ) and
  ``lucidnet_optimizer`` (the optimizer's name, options, parameter groups by
  parameter name and scalar state, as JSON; when saved).

Loading parses JSON and looks class names up in a fixed table: it never imports
a name from the file or executes anything in it.  A tampered file fails with a
``ValueError`` naming it before anything large is allocated: the JSON may nest at
most :data:`MAX_JSON_DEPTH` levels, its integers are bounded by :data:`MAX_JSON_INT`,
and every size in the architecture must agree with the stored tensors' shapes
(see :mod:`.shapes`) before a layer is built.  Writing is atomic: the file is
written beside its destination under a temporary name and renamed over it, so an
error leaves any earlier file intact and no partial file behind.

>>> import os, tempfile
>>> import lucidnet as ln
>>> model = ln.Sequential([ln.layers.Dense(2, activation="relu", input_shape=(3,))])
>>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
>>> save_model(model, path)
>>> load_model(path).count_params()
8
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError, safe_open

from ..blocks.module import Module
from ..training.optim import get as get_optimizer
from .architecture import NotSerializableError, model_from_config, model_to_config
from .files import write_bytes_atomic
from .shapes import state_shapes

FORMAT_VERSION = "1"
VERSION_KEY = "lucidnet_format_version"
ARCHITECTURE_KEY = "lucidnet_architecture"
OPTIMIZER_KEY = "lucidnet_optimizer"
ORDER_KEY = "lucidnet_state_order"
OPTIMIZER_PREFIX = "optimizer/"
#: Deepest JSON nesting a file may hold (a saved model needs ~5 levels per nested model).
MAX_JSON_DEPTH = 64
#: Largest integer magnitude a file's JSON may hold (2**53, exact in a float).
MAX_JSON_INT = 2**53
#: Feature shapes up to this many elements need no stored tensor to justify them.
MIN_ELEMENT_BUDGET = 1 << 16

PathLike = str | os.PathLike[str]


# ----------------------------------------------------------------------------- public API
def save_model(model: Module, path: PathLike, include_optimizer: bool = False) -> None:
    """Write ``model`` (architecture + weights, optionally its optimizer) to one safetensors file.

    Works for Sequential and functional models built from lucidnet's layers,
    nested ones included.  A subclassed Module's architecture is Python code:
    saving it raises :class:`~.architecture.NotSerializableError` (a ``TypeError``
    and a ``ValueError``) pointing to :func:`save_weights`.

    Args:
        model: the model to save.
        path: the destination file (replaced atomically if it exists).
        include_optimizer: also store ``model.optimizer`` (its options and state, so
            training resumes where it stopped), when the model has one.
    """
    architecture = model_to_config(model)
    tensors = _state_tensors(model)
    metadata = {
        VERSION_KEY: FORMAT_VERSION,
        ARCHITECTURE_KEY: _to_json(architecture, "model"),
        ORDER_KEY: _to_json(list(tensors), "tensor order"),
    }
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        optimizer_tensors, metadata[OPTIMIZER_KEY] = _optimizer_entries(model, optimizer)
        tensors.update(optimizer_tensors)
    _write_atomic(Path(path), tensors, metadata)


def load_model(path: PathLike) -> Module:
    """Rebuild the model saved by :func:`save_model`, with its weights (and optimizer, if saved).

    The loaded model gives bit-identical outputs.  A saved optimizer comes back
    bound to the model's parameters as ``model.optimizer``.  Raises
    ``FileNotFoundError`` for a missing file and ``ValueError`` naming the path for
    a truncated, corrupted or tampered file, or one that holds only weights.
    """
    path = Path(path)
    tensors, metadata = _read(path)
    _check_version(metadata, path, required=True)
    if ARCHITECTURE_KEY not in metadata:
        raise ValueError(
            f"{path} holds weights but no architecture ({ARCHITECTURE_KEY!r} is not "
            "in its metadata): build the model in code and call load_weights"
        )
    architecture = _from_json(metadata[ARCHITECTURE_KEY], ARCHITECTURE_KEY, path)
    stored = _model_tensors(tensors)
    try:
        _check_sizes(architecture, stored)  # before any layer allocates its weights
        model = model_from_config(architecture)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as error:
        # a tampered architecture can reach any constructor with any JSON value
        raise ValueError(f"cannot rebuild the model saved in {path}: {error}") from error
    _load_state(model, stored, path, strict=True)
    if OPTIMIZER_KEY in metadata:
        optimizer = _optimizer_from_entries(model, tensors, metadata[OPTIMIZER_KEY], path)
        model.optimizer = optimizer
    return model


def save_weights(module: Module, path: PathLike) -> None:
    """Write ``module.state_dict()`` (parameters and buffers) to a safetensors file, atomically.

    Works for any Module, subclassed ones included; load with :func:`load_weights`
    into a module of the same architecture.
    """
    tensors = _state_tensors(module)
    metadata = {VERSION_KEY: FORMAT_VERSION, ORDER_KEY: _to_json(list(tensors), "tensor order")}
    _write_atomic(Path(path), tensors, metadata)


def load_weights(module: Module, path: PathLike, strict: bool = True) -> None:
    """Copy the weights saved in ``path`` into ``module``'s parameters and buffers, in place.

    Reads files from :func:`save_weights` or :func:`save_model`, and plain safetensors
    state dicts.  Tensors are matched by name; when the names differ (the same
    architecture built again in one session gets automatic names ``dense_2``, ...
    instead of ``dense``), ``strict`` loading matches by structure instead, as
    Keras does: the tensors in saved order against the module's ``state_dict``
    order, each with the same shape and kind (weight, bias, ...), layer by layer.
    Every tensor is checked against the module before anything is copied: a
    shape or dtype that differs, or a different architecture, raises
    ``ValueError`` and leaves the module untouched (weights are never silently cast).

    Args:
        module: a built module with the saved architecture.
        path: the safetensors file.
        strict: require the file and the module to have exactly the same tensor
            names (as ``load_state_dict(strict=True)``); False loads the names they share.
    """
    path = Path(path)
    tensors, metadata = _read(path)
    _check_version(metadata, path, required=False)
    tensors = _model_tensors(tensors)
    if strict and set(tensors) != set(module.state_dict()):
        order = _from_json(metadata[ORDER_KEY], ORDER_KEY, path) if ORDER_KEY in metadata else None
        renamed, why = _match_by_structure(module, tensors, order)
        if renamed is None:
            _load_state(module, tensors, path, strict=strict, note=f"; by structure: {why}")
            return
        tensors = renamed
    _load_state(module, tensors, path, strict=strict)


# ----------------------------------------------------------------------------- file level
def _write_atomic(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Serialize (failing before the disk is touched), then write atomically."""
    write_bytes_atomic(path, safetensors.numpy.save(tensors, metadata=metadata))


def _read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """All tensors and the metadata of the safetensors file at ``path``."""
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    try:
        with safe_open(str(path), framework="numpy") as file:
            metadata = file.metadata() or {}
            tensors = {name: file.get_tensor(name) for name in file.keys()}  # noqa: SIM118 (a safe_open handle, not a dict)
    except SafetensorError as error:
        raise ValueError(
            f"{path} is not a valid safetensors file (truncated, corrupted or of "
            f"another format): {error}"
        ) from error
    return tensors, metadata


def _check_version(metadata: dict[str, str], path: Path, required: bool) -> None:
    version = metadata.get(VERSION_KEY)
    if version is None and not required:
        return  # a plain safetensors state dict, e.g. written by another library
    if version is None:
        raise ValueError(
            f"{path} is a safetensors file but not a lucidnet model file: its metadata "
            f"has no {VERSION_KEY!r}"
        )
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path} has lucidnet format version {version!r}; this lucidnet reads "
            f"version {FORMAT_VERSION!r}"
        )


def _to_json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, default=_json_scalar)
    except (TypeError, ValueError) as error:
        raise NotSerializableError(f"cannot save the {what}: {error}") from error


def _json_scalar(value: Any) -> Any:
    """NumPy scalars and dtypes as JSON values; anything else is not data and cannot be saved."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON data")


def _from_json(text: str, key: str, path: Path) -> Any:
    """Parse a metadata entry with bounded nesting and integers (a tampered file cannot
    exhaust the stack or ask for a 10**400-unit layer)."""
    depth = _nesting_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(
            f"{path} has a corrupted {key!r} entry: its JSON nests {depth} levels deep, "
            f"more than the {MAX_JSON_DEPTH} a lucidnet file may hold"
        )
    try:
        return json.loads(text, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} has a corrupted {key!r} entry (invalid JSON: {error})") from error
    except ValueError as error:  # from _bounded_int
        raise ValueError(f"{path} has a corrupted {key!r} entry: {error}") from error


def _nesting_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting of JSON text, string contents skipped (vectorized scan)."""
    outside_strings = _JSON_STRING.sub("", text).encode("utf-8", "replace")
    codes = np.frombuffer(outside_strings, dtype=np.uint8)
    steps = np.isin(codes, _OPENERS).astype(np.int64) - np.isin(codes, _CLOSERS)
    return int(np.cumsum(steps).max(initial=0))


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_OPENERS = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSERS = np.frombuffer(b"]}", dtype=np.uint8)


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 16 or abs(value := int(digits)) > MAX_JSON_INT:
        shown = digits if len(digits) <= 24 else f"{digits[:12]}...({len(digits)} digits)"
        raise ValueError(f"the number {shown} is beyond the bound {MAX_JSON_INT} (2**53)")
    return value


def _check_sizes(architecture: Any, stored: dict[str, np.ndarray]) -> None:
    """Every tensor the architecture would create must be stored with that shape, and back."""
    budget = max(MIN_ELEMENT_BUDGET, sum(value.size for value in stored.values()))
    expected = state_shapes(architecture, max_elements=budget)
    for name, shape in expected.items():
        if name not in stored:
            raise ValueError(
                f"the architecture has tensor {name!r} {shape}; the file is missing it"
            )
        if tuple(stored[name].shape) != shape:
            raise ValueError(
                f"the architecture gives {name!r} shape {shape}, but the file stores "
                f"{tuple(stored[name].shape)}"
            )
    extra = sorted(set(stored) - set(expected))
    if extra:
        raise ValueError(f"the file stores tensors {extra} that the architecture has no place for")


# ----------------------------------------------------------------------------- weights
def _state_tensors(module: Module) -> dict[str, np.ndarray]:
    return {name: np.ascontiguousarray(value) for name, value in module.state_dict().items()}


def _model_tensors(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: value for name, value in tensors.items() if not name.startswith(OPTIMIZER_PREFIX)}


def _load_state(
    module: Module, tensors: dict[str, np.ndarray], path: Path, strict: bool, note: str = ""
) -> None:
    """Check shapes and dtypes of all tensors first, then ``load_state_dict`` (no half-load)."""
    targets = {name: p.data for name, p in module.named_parameters()}
    targets.update(module.named_buffers())
    for name, target in targets.items():
        value = tensors.get(name)
        if value is None:
            continue  # a missing name: load_state_dict reports it when strict
        if value.shape != target.shape:
            raise ValueError(
                f"cannot load {path}: {name!r} has shape {value.shape} in the file "
                f"but {target.shape} in the model"
            )
        if value.dtype != target.dtype:
            raise ValueError(
                f"cannot load {path}: {name!r} is {value.dtype} in the file but "
                f"{target.dtype} in the model (weights are never cast silently; "
                "build the model with the saved dtype)"
            )
    try:
        module.load_state_dict(tensors, strict=strict)
    except ValueError as error:
        unbuilt = [name or module.name for name, m in module.named_modules() if not m.built]
        hint = (
            f" (layers {unbuilt} are not built yet: call the model on data first)"
            if unbuilt
            else ""
        )
        raise ValueError(f"cannot load {path}: {error}{hint}{note}") from error


def _match_by_structure(
    module: Module, tensors: dict[str, np.ndarray], order: Any
) -> tuple[dict[str, np.ndarray] | None, str]:
    """``(tensors renamed to module's names, "")`` for the same structure, else ``(None, why)``.

    Same structure: the saved order (``order``) and the module's ``state_dict`` order
    pair tensors of the same shape and kind (the part after the last dot: ``weight``,
    ``bias``, ``running_mean``), and each saved layer maps to one layer of the module.
    """
    targets = {name: p.data for name, p in module.named_parameters()}
    targets.update(module.named_buffers())
    if not (
        isinstance(order, list)
        and all(isinstance(name, str) for name in order)
        and sorted(order) == sorted(tensors)
    ):
        return None, "the file records no tensor order, so only names can match"
    if len(order) != len(targets):
        return None, f"the file holds {len(order)} tensors, the model {len(targets)}"
    layers: dict[str, str] = {}
    for number, (saved, target) in enumerate(zip(order, targets, strict=True), start=1):
        saved_layer, _, saved_kind = saved.rpartition(".")
        target_layer, _, target_kind = target.rpartition(".")
        if (
            saved_kind != target_kind
            or tensors[saved].shape != targets[target].shape
            or layers.setdefault(saved_layer, target_layer) != target_layer
        ):
            return None, (
                f"tensor {number} is {saved!r} {tensors[saved].shape} in the file but "
                f"{target!r} {targets[target].shape} in the model"
            )
    if len(set(layers.values())) != len(layers):
        return None, "the file's layers do not map one to one onto the model's"
    return {target: tensors[saved] for saved, target in zip(order, targets, strict=True)}, ""


# ----------------------------------------------------------------------------- optimizer
def _optimizer_entries(model: Module, optimizer: Any) -> tuple[dict[str, np.ndarray], str]:
    """The optimizer's array state as tensors, and the rest (name, options, groups) as JSON.

    Parameters are referred to by their name in the model, so the state finds its
    parameter again however the optimizer's groups were formed.
    """
    names = {id(param): name for name, param in model.named_parameters()}
    saved = optimizer.state_dict()
    index_to_name: dict[int, str] = {}
    groups = []
    for saved_group, group in zip(saved["param_groups"], optimizer.param_groups, strict=True):
        for index, param in zip(saved_group["params"], group["params"], strict=True):
            if id(param) not in names:
                raise NotSerializableError(
                    "cannot save the optimizer: it updates a parameter that is not in the model"
                )
            index_to_name[index] = names[id(param)]
        groups.append({**saved_group, "params": [index_to_name[i] for i in saved_group["params"]]})
    tensors: dict[str, np.ndarray] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entry in saved["state"].items():
        name = index_to_name[index]
        for slot, value in entry.items():
            if isinstance(value, np.ndarray):
                tensors[f"{OPTIMIZER_PREFIX}{name}/{slot}"] = np.ascontiguousarray(value)
            else:
                scalars.setdefault(name, {})[slot] = value
    spec = {
        "name": optimizer.name,
        "config": optimizer.get_config(),
        "param_groups": groups,
        "state": scalars,
    }
    return tensors, _to_json(spec, "optimizer")


def _optimizer_from_entries(
    model: Module, tensors: dict[str, np.ndarray], text: str, path: Path
) -> Any:
    """Rebuild the optimizer from :func:`_optimizer_entries`' output, bound to ``model``."""
    spec = _from_json(text, OPTIMIZER_KEY, path)
    try:
        optimizer = get_optimizer(spec["name"], **spec["config"])
        parameters = dict(model.named_parameters())
        order = [name for group in spec["param_groups"] for name in group["params"]]
        index = {name: number for number, name in enumerate(order)}
        optimizer.bind(
            [
                {**group, "params": [parameters[name] for name in group["params"]]}
                for group in spec["param_groups"]
            ]
        )
        state: dict[int, dict[str, Any]] = {
            index[name]: dict(entry) for name, entry in spec["state"].items()
        }
        for key, value in tensors.items():
            if key.startswith(OPTIMIZER_PREFIX):
                name, _, slot = key[len(OPTIMIZER_PREFIX) :].rpartition("/")
                state.setdefault(index[name], {})[slot] = value
        optimizer.load_state_dict(
            {
                "state": state,
                "param_groups": [
                    {**group, "params": [index[name] for name in group["params"]]}
                    for group in spec["param_groups"]
                ],
            }
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as error:
        raise ValueError(f"cannot restore the optimizer saved in {path}: {error!r}") from error
    return optimizer
