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
  files only) and ``lucidnet_optimizer`` (the optimizer's name, options, parameter
  groups by parameter name and scalar state, as JSON; when saved).

Loading parses JSON and looks class names up in a fixed table: it never imports
a name from the file or executes anything in it.  Writing is atomic: the file is
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
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError, safe_open

from ..blocks.module import Module
from ..training.optim import get as get_optimizer
from .architecture import NotSerializableError, model_from_config, model_to_config
from .files import write_bytes_atomic

FORMAT_VERSION = "1"
VERSION_KEY = "lucidnet_format_version"
ARCHITECTURE_KEY = "lucidnet_architecture"
OPTIMIZER_KEY = "lucidnet_optimizer"
OPTIMIZER_PREFIX = "optimizer/"

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
    metadata = {VERSION_KEY: FORMAT_VERSION, ARCHITECTURE_KEY: _to_json(architecture, "model")}
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
    try:
        model = model_from_config(architecture)
    except (TypeError, ValueError) as error:
        raise ValueError(f"cannot rebuild the model saved in {path}: {error}") from error
    _load_state(model, _model_tensors(tensors), path, strict=True)
    if OPTIMIZER_KEY in metadata:
        optimizer = _optimizer_from_entries(model, tensors, metadata[OPTIMIZER_KEY], path)
        model.optimizer = optimizer
    return model


def save_weights(module: Module, path: PathLike) -> None:
    """Write ``module.state_dict()`` (parameters and buffers) to a safetensors file, atomically.

    Works for any Module, subclassed ones included; load with :func:`load_weights`
    into a module of the same architecture.
    """
    _write_atomic(Path(path), _state_tensors(module), {VERSION_KEY: FORMAT_VERSION})


def load_weights(module: Module, path: PathLike, strict: bool = True) -> None:
    """Copy the weights saved in ``path`` into ``module``'s parameters and buffers, in place.

    Reads files from :func:`save_weights` or :func:`save_model`, and plain safetensors
    state dicts.  Every tensor is checked against the module before anything is
    copied: a shape or dtype that differs raises ``ValueError`` and leaves the
    module untouched (weights are never silently cast).

    Args:
        module: a built module with the saved architecture.
        path: the safetensors file.
        strict: require the file and the module to have exactly the same tensor
            names (as ``load_state_dict(strict=True)``); False loads the names they share.
    """
    path = Path(path)
    tensors, metadata = _read(path)
    _check_version(metadata, path, required=False)
    _load_state(module, _model_tensors(tensors), path, strict=strict)


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
            tensors = {name: file.get_tensor(name) for name in file.keys()}
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
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} has a corrupted {key!r} entry (invalid JSON: {error})") from error


# ----------------------------------------------------------------------------- weights
def _state_tensors(module: Module) -> dict[str, np.ndarray]:
    return {name: np.ascontiguousarray(value) for name, value in module.state_dict().items()}


def _model_tensors(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: value for name, value in tensors.items() if not name.startswith(OPTIMIZER_PREFIX)}


def _load_state(module: Module, tensors: dict[str, np.ndarray], path: Path, strict: bool) -> None:
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
        raise ValueError(f"cannot load {path}: {error}{hint}") from error


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
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"cannot restore the optimizer saved in {path}: {error!r}") from error
    return optimizer
