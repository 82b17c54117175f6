"""A mutated model file — flipped bytes anywhere, or any JSON value put anywhere in the
architecture — loads, or fails with a ValueError naming the file.  Nothing in it is run, and
the loader allocates nothing beyond the file's own tensor sizes."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lucidnet as ln

#: Peak Python-traced allocation a ~2 KB file may cause while loading (bytes).
ALLOCATION_LIMIT = 2 * 2**20
WATCHED_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn")
WATCHED_EVENTS += ("pickle.find_class", "exec", "compile", "ctypes.dlopen")


class _Watch:
    """A sys.audit hook (it cannot be removed, so it only records while ``active``)."""

    active = False
    events: ClassVar[list[str]] = []

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.active and event.startswith(WATCHED_EVENTS):
            cls.events.append(event)


sys.addaudithook(_Watch.hook)


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[bytes, Path]:
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.layers.Dense(4, activation="relu", input_shape=(3,), name="hidden"),
            ln.layers.BatchNorm(name="norm"),
            ln.layers.Dense(2, activation="softmax", name="out"),
        ]
    )
    path = tmp_path_factory.mktemp("mutation") / "model.safetensors"
    model.save(path)
    ln.load_model(path)  # warm up lazy imports, so that 'exec' events below come from the file
    return path.read_bytes(), path


def load_mutated(path: Path, raw: bytes) -> None:
    """Write ``raw`` to ``path`` and load it: success, or a ValueError naming the file; no
    code run, allocation bounded."""
    path.write_bytes(raw)
    _Watch.events = []
    tracemalloc.start()
    _Watch.active = True
    refusal = ""
    try:
        ln.load_model(path)
    except ValueError as error:
        refusal = str(error)
    finally:
        _Watch.active = False
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert not refusal or path.name in refusal, refusal
    assert _Watch.events == []
    assert peak < ALLOCATION_LIMIT, peak


@given(
    flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=4)
)
def test_flipped_bytes_load_or_raise_a_value_error_naming_the_file(original, flips):
    raw, path = original
    mutated = bytearray(raw)
    for position, mask in flips:
        mutated[position % len(raw)] ^= mask
    load_mutated(path, bytes(mutated))


@given(cut=st.integers(0, 10**9))
def test_truncated_files_raise_a_value_error_naming_the_file(original, cut):
    raw, path = original
    path.write_bytes(raw[: cut % len(raw)])
    with pytest.raises(ValueError, match=path.name):
        ln.load_model(path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["Dense", "Sequential", "Model", "os.system", "__import__", "float64"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _slots(value, path=()):
    """Every place in a JSON value: dict entries and list items, by their key path."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _slots(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _slots(item, (*path, index))


def _replace(value, path, new):
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


def _header(raw: bytes) -> tuple[dict, bytes]:
    size = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def _with_header(header: dict, body: bytes) -> bytes:
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    return len(encoded).to_bytes(8, "little") + encoded + body


@given(data=st.data())
def test_any_json_value_anywhere_in_the_architecture_loads_or_raises_a_value_error(original, data):
    raw, path = original
    header, body = _header(raw)
    architecture = json.loads(header["__metadata__"]["lucidnet_architecture"])
    slot = data.draw(st.sampled_from(list(_slots(architecture))))
    edited = _replace(architecture, slot, data.draw(json_values))
    header["__metadata__"]["lucidnet_architecture"] = json.dumps(edited)
    load_mutated(path, _with_header(header, body))


@pytest.fixture(scope="module")
def with_optimizer(tmp_path_factory) -> tuple[bytes, Path]:
    model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,), name="d")])
    model.compile(optimizer=ln.optim.Adam(lr=0.01), loss="mse", lint=False)
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    path = tmp_path_factory.mktemp("optimizer") / "model.safetensors"
    model.save(path, include_optimizer=True)
    assert ln.load_model(path).optimizer is not None
    return path.read_bytes(), path


@given(data=st.data())
def test_any_json_value_anywhere_in_the_saved_optimizer_loads_or_raises_a_value_error(
    with_optimizer, data
):
    raw, path = with_optimizer
    header, body = _header(raw)
    spec = json.loads(header["__metadata__"]["lucidnet_optimizer"])
    slot = data.draw(st.sampled_from(list(_slots(spec))))
    header["__metadata__"]["lucidnet_optimizer"] = json.dumps(
        _replace(spec, slot, data.draw(json_values))
    )
    load_mutated(path, _with_header(header, body))


@given(data=st.data())
def test_edited_tensor_shapes_in_the_header_raise_a_value_error(original, data):
    raw, path = original
    header, body = _header(raw)
    name = data.draw(st.sampled_from(sorted(k for k in header if k != "__metadata__")))
    shape = data.draw(st.lists(st.integers(0, 10**6), min_size=0, max_size=3))
    header[name]["shape"] = shape
    load_mutated(path, _with_header(header, body))


def test_an_unmutated_file_loads_under_the_same_watch(original):
    raw, path = original
    load_mutated(path, raw)
    assert np.isfinite(ln.load_model(path).predict(np.ones((1, 3)))).all()


def test_the_watch_sees_code_being_run():
    _Watch.events = []
    _Watch.active = True
    try:
        eval("1 + 1")
    finally:
        _Watch.active = False
    assert _Watch.events  # so an empty list above means nothing was compiled or run
