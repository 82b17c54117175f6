"""Tampered model files fail with a ValueError naming the file, before any large allocation;
load_weights matches the same architecture built again by structure (SPEC §7)."""

from __future__ import annotations

import json
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file as write_safetensors

import lucidnet as ln
from lucidnet.blocks.layers import (
    Activation,
    Add,
    BatchNorm,
    Concatenate,
    Dense,
    Dropout,
    Flatten,
    Linear,
    Maxout,
    PReLU,
)
from lucidnet.io import LAYER_CLASSES, load_model, load_weights, save_model, save_weights
from lucidnet.io.architecture import model_to_config
from lucidnet.io.saving import MAX_JSON_DEPTH
from lucidnet.io.shapes import _RULES, state_shapes

#: A tampered 1 KB file may make the loader allocate at most this much (bytes, Python-traced),
#: plus PER_FILE_BYTE for each byte of the file (its JSON parsed into Python objects).
ALLOCATION_LIMIT = 2 * 2**20
PER_FILE_BYTE = 64


def read_header(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def write_header(path: Path, header: dict, body: bytes) -> None:
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(len(encoded).to_bytes(8, "little") + encoded + body)


def edit_metadata(path: Path, key: str, edit) -> None:
    header, body = read_header(path)
    header["__metadata__"][key] = edit(header["__metadata__"][key])
    write_header(path, header, body)


def load_peak(load) -> tuple[Exception | None, int]:
    """The exception ``load()`` raised (None if it returned) and the peak traced allocation."""
    tracemalloc.start()
    try:
        load()
        error = None
    except Exception as raised:  # the test inspects the kind
        error = raised
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, peak


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """A ~1 KB model file: Dense(2) on 3 inputs, then Dense(1)."""
    model = ln.Sequential(
        [Dense(2, input_shape=(3,), name="d"), Dense(1, name="out")], name="small"
    )
    path = tmp_path / "small.safetensors"
    save_model(model, path)
    assert path.stat().st_size < 2048
    return path


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# Each row: (what the attacker edits in the architecture JSON, what the error must say).
TAMPERED_ARCHITECTURES = {
    "nested_600_deep": (lambda t: deep(600), "nests 600 levels deep"),
    "nested_inside_a_layer": (
        lambda t: t.replace('"use_bias": true', '"use_bias": ' + deep(5000), 1),
        "nests 50",
    ),
    "units_10_pow_400": (lambda t: t.replace('"units": 2', '"units": 1' + "0" * 400), "2\\*\\*53"),
    "units_negative_huge": (
        lambda t: t.replace('"units": 2', '"units": -' + "9" * 30),
        "2\\*\\*53",
    ),
    "units_float_overflow": (lambda t: t.replace('"units": 2', '"units": 1e400'), "units must be"),
    "units_nan": (lambda t: t.replace('"units": 2', '"units": NaN'), "units must be"),
    "dense_100000_by_100000": (
        lambda t: t.replace('"units": 2', '"units": 100000').replace("[3]", "[100000]"),
        "100000 elements",
    ),
    "units_60000_under_the_shape_budget": (
        lambda t: t.replace('"units": 2', '"units": 60000').replace("[3]", "[60000]"),
        r"'d.weight' shape \(60000, 60000\).*stores \(3, 2\)",
    ),
    "wider_second_layer": (
        lambda t: t.replace('"units": 1', '"units": 50000'),
        r"'out.weight' shape \(2, 50000\)",
    ),
    "linear_in_place_of_dense": (
        lambda t: t.replace(
            '"class_name": "Dense", "config": {"units": 2',
            '"class_name": "Linear", "config": {"in_features": 50000, "out_features": 50000, "units": 2',
        ),
        r"50000",
    ),
    "input_shape_zero": (lambda t: t.replace("[3]", "[0]"), "positive ints"),
    "input_shape_text": (lambda t: t.replace("[3]", '"3"'), "positive ints"),
    "unknown_class": (lambda t: t.replace('"Dense"', '"eval"', 1), "unknown layer class 'eval'"),
    "layer_without_name": (lambda t: t.replace('"name": "d", ', "", 1), "has no name"),
    "not_an_object": (lambda t: "42", "layer entry"),
    "ten_thousand_layers": (
        lambda t: t.replace(
            '"layers": [',
            '"layers": [' + '{"class_name": "Flatten", "config": {"name": "f"}}, ' * 10**4,
            1,
        ),
        "more than 10000 layers",
    ),
}


@pytest.mark.parametrize(
    ("edit", "message"), TAMPERED_ARCHITECTURES.values(), ids=TAMPERED_ARCHITECTURES
)
def test_tampered_architecture_raises_a_value_error_naming_the_file_before_allocating(
    small_file, edit, message
):
    edit_metadata(small_file, "lucidnet_architecture", edit)
    error, peak = load_peak(lambda: load_model(small_file))
    assert isinstance(error, ValueError), repr(error)
    assert "small.safetensors" in str(error)
    assert re.search(message, str(error)), str(error)
    assert peak < ALLOCATION_LIMIT + PER_FILE_BYTE * small_file.stat().st_size


@pytest.mark.parametrize("key", ["lucidnet_state_order", "lucidnet_format_version"])
def test_deep_or_huge_json_in_other_metadata_entries_is_refused_too(small_file, key):
    if key == "lucidnet_format_version":
        edit_metadata(small_file, key, lambda _: "9" * 5000)
        with pytest.raises(ValueError, match=r"small.safetensors.*format version"):
            load_model(small_file)
        return
    edit_metadata(small_file, key, lambda _: deep(10_000))
    target = ln.Sequential([Dense(2, input_shape=(3,)), Dense(1)])  # other names: order is read
    with pytest.raises(
        ValueError, match=r"small.safetensors.*'lucidnet_state_order'.*10000 levels"
    ):
        load_weights(target, small_file)


def test_json_depth_bound_counts_brackets_outside_strings_only(small_file):
    edit_metadata(
        small_file,
        "lucidnet_architecture",
        lambda t: t.replace('"name": "small"', '"name": "' + "[{" * 500 + '"', 1),
    )
    model = load_model(small_file)  # 1000 brackets inside a name are text, not nesting
    assert model.name.startswith("[{[{")
    assert MAX_JSON_DEPTH < 500


def test_a_tensor_the_architecture_has_no_place_for_is_refused(tmp_path, small_file):
    header, _body = read_header(small_file)
    from safetensors.numpy import load_file

    tensors = load_file(str(small_file))
    tensors["stowaway"] = np.zeros(3, np.float32)
    write_safetensors(tensors, str(small_file), metadata=header["__metadata__"])
    with pytest.raises(ValueError, match=r"small.safetensors.*\['stowaway'\].*no place"):
        load_model(small_file)


# ----------------------------------------------------------------------------- the shape walk
def every_layer_models() -> dict[str, ln.Module]:
    left = ln.Input(shape=(3,), name="left")
    right = ln.Input(shape=(3,), name="right")
    shared = Dense(4, activation="tanh", name="shared")
    joined = Concatenate(name="join")([shared(left), shared(right)])
    summed = Add(name="sum")([shared(left), shared(right)])
    heads = [Dense(2, name="classes")(joined), Dense(1, name="value")(summed)]
    block = ln.Sequential([Dense(4, input_shape=(3,)), BatchNorm(), Dense(3)], name="block")
    inputs = ln.Input(shape=(3,), name="x")
    inner = ln.Model(inputs=inputs, outputs=Dense(2, name="head")(block(inputs)), name="inner")
    lazy = ln.Sequential([Dense(3), Maxout(2, pieces=3)])
    lazy(np.zeros((2, 5), np.float32))
    return {
        "every_layer": ln.Sequential(
            [
                Dense(6, activation="relu", input_shape=(4,), name="hidden"),
                BatchNorm(name="norm"),
                PReLU(num_parameters=6, name="prelu"),
                Dropout(0.3, name="dropout"),
                Activation("leaky_relu", alpha=0.2, name="leaky"),
                Maxout(5, pieces=3, name="maxout"),
                Linear(5, 4, bias=False, name="linear"),
                Flatten(name="flatten"),
                Dense(3, use_bias=False, name="probabilities"),
            ]
        ),
        "functional_shared_concat_add": ln.Model(inputs=[left, right], outputs=heads),
        "nested": ln.Sequential([inner, Activation("sigmoid")], name="outer"),
        "linear_first": ln.Sequential([Linear(3, 2), BatchNorm(num_features=2), PReLU()]),
        "lazy_built_on_call": lazy,
        "unbuilt": ln.Sequential([Dense(3), Dense(1)]),
        "multi_axis_flatten": ln.Model(
            inputs=(image := ln.Input(shape=(2, 3))),
            outputs=Dense(2)(Flatten()(Concatenate(axis=1)([image, image]))),
        ),
    }


@pytest.mark.parametrize("name", list(every_layer_models()))
def test_shape_walk_predicts_exactly_the_tensors_the_builder_creates(name):
    model = every_layer_models()[name]
    predicted = state_shapes(model_to_config(model), max_elements=10_000)
    assert predicted == {key: value.shape for key, value in model.state_dict().items()}


def test_every_savable_layer_class_has_a_shape_rule():
    assert set(LAYER_CLASSES) == set(_RULES) | {"Sequential", "Model"}


# ----------------------------------------------------------------------------- by structure
def build_sequential() -> ln.Sequential:
    return ln.Sequential([Dense(4, activation="relu", input_shape=(3,)), BatchNorm(), Dense(2)])


def build_functional() -> ln.Model:
    inputs = ln.Input(shape=(3,))
    hidden = Dense(4, activation="relu")(inputs)
    return ln.Model(inputs=inputs, outputs=Dense(2)(Concatenate()([hidden, inputs])))


@pytest.mark.parametrize("build", [build_sequential, build_functional])
@pytest.mark.parametrize("save", [save_weights, save_model])
def test_load_weights_into_the_same_architecture_built_again_matches_by_structure(
    tmp_path, build, save
):
    rng = np.random.default_rng(0)
    first = build()
    for parameter in first.parameters():
        parameter.data[...] = rng.standard_normal(parameter.shape)
    path = tmp_path / "w.safetensors"
    save(first, path)
    second = build()  # automatic names differ: dense_7 instead of dense_5, ...
    assert list(second.state_dict()) != list(first.state_dict())
    load_weights(second, path)
    for before, after in zip(
        first.state_dict().values(), second.state_dict().values(), strict=True
    ):
        np.testing.assert_array_equal(after, before, strict=True)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(second.predict(x), first.predict(x))


DIFFERENT_ARCHITECTURES = {
    "other_width": (
        lambda: ln.Sequential([Dense(4, input_shape=(3,)), BatchNorm(), Dense(3)]),
        r"by structure: tensor 5 is '.*weight' \(4, 2\) in the file but '.*weight' \(4, 3\)",
    ),
    "one_layer_more": (
        lambda: ln.Sequential([Dense(4, input_shape=(3,)), BatchNorm(), Dense(2), Dense(2)]),
        "by structure: the file holds 8 tensors, the model 10",
    ),
    "layers_in_another_order": (
        lambda: ln.Sequential([Dense(4, input_shape=(3,)), Dense(4), BatchNorm(), Dense(2)]),
        "by structure: the file holds 8 tensors, the model 10",
    ),
    "a_weight_where_a_bias_was_saved": (
        lambda: ln.Sequential(
            [Dense(4, input_shape=(3,), use_bias=False), PReLU(4), BatchNorm(), Dense(2)]
        ),
        r"by structure: tensor 2 is '.*bias' \(4,\) in the file but '.*weight' \(4,\)",
    ),
}


@pytest.mark.parametrize(
    ("build", "message"), DIFFERENT_ARCHITECTURES.values(), ids=DIFFERENT_ARCHITECTURES
)
def test_load_weights_still_refuses_a_different_architecture_and_leaves_it_untouched(
    tmp_path, build, message
):
    path = tmp_path / "w.safetensors"
    save_weights(build_sequential(), path)
    target = build()
    before = target.state_dict()
    with pytest.raises(ValueError, match=f"w.safetensors.*missing keys.*{message}"):
        load_weights(target, path)
    for name, value in before.items():
        np.testing.assert_array_equal(target.state_dict()[name], value)


def test_plain_safetensors_file_without_a_saved_order_matches_by_name_only(tmp_path):
    path = tmp_path / "plain.safetensors"
    write_safetensors(
        {k: np.ascontiguousarray(v) for k, v in build_sequential().state_dict().items()}, str(path)
    )
    with pytest.raises(ValueError, match=r"plain.safetensors.*records no tensor order"):
        load_weights(build_sequential(), path)


def test_non_strict_loading_still_matches_by_name(tmp_path):
    path = tmp_path / "w.safetensors"
    source = ln.Sequential([Dense(2, input_shape=(3,), name="a")])
    save_weights(source, path)
    target = ln.Sequential([Dense(2, input_shape=(3,), name="b")])
    before = target.layers[0].weight.data.copy()
    load_weights(target, path, strict=False)  # nothing shared: nothing copied
    np.testing.assert_array_equal(target.layers[0].weight.data, before)
