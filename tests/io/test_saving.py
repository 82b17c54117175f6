"""save_model/load_model and save_weights/load_weights: safetensors files, no pickle, atomic."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file
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
from lucidnet.io import (
    NotSerializableError,
    load_model,
    load_weights,
    model_to_config,
    save_model,
    save_weights,
)

RNG = np.random.default_rng(11)


# ----------------------------------------------------------------------------- helpers
def randomize(model: ln.Module, seed: int = 0) -> ln.Module:
    """Give every parameter and buffer distinctive values (not their initial ones)."""
    rng = np.random.default_rng(seed)
    for _, parameter in model.named_parameters():
        parameter.data[...] = rng.standard_normal(parameter.shape)
    for name, buffer in model.named_buffers():
        buffer[...] = (
            rng.uniform(0.5, 2.0, buffer.shape)
            if "var" in name
            else rng.standard_normal(buffer.shape)
        )
    return model


def every_layer_sequential(dtype: str) -> ln.Sequential:
    return ln.Sequential(
        [
            Dense(6, activation="relu", input_shape=(4,), dtype=dtype, name="hidden"),
            BatchNorm(eps=1e-3, momentum=0.2, dtype=dtype, name="norm"),
            PReLU(num_parameters=6, dtype=dtype, name="prelu"),
            Dropout(0.3, name="dropout"),
            Activation("leaky_relu", alpha=0.2, name="leaky"),
            Maxout(5, pieces=3, dtype=dtype, name="maxout"),
            Linear(5, 4, dtype=dtype, name="linear"),
            Flatten(name="flatten"),
            Activation("gelu", approximate=True, name="gelu"),
            Dense(3, activation="softmax", dtype=dtype, name="probabilities"),
        ],
        name="every_layer",
    )


def two_in_two_out_model(dtype: str = "float32") -> ln.Model:
    left = ln.Input(shape=(3,), name="left", dtype=dtype)
    right = ln.Input(shape=(3,), name="right", dtype=dtype)
    shared = Dense(4, activation="tanh", name="shared", dtype=dtype)
    joined = Concatenate(name="join")([shared(left), shared(right)])
    summed = Add(name="sum")([shared(left), shared(right)])
    class_scores = Dense(2, activation="softmax", name="classes", dtype=dtype)(joined)
    value = Dense(1, name="value", dtype=dtype)(summed)
    return ln.Model(inputs=[left, right], outputs=[class_scores, value], name="two_heads")


def predict(model: ln.Module, *inputs: np.ndarray) -> list[np.ndarray]:
    model.eval()
    with ln.no_grad():
        out = model(*inputs)
    return [t.data for t in out] if isinstance(out, list) else [out.data]


def assert_bit_identical(expected: list[np.ndarray], actual: list[np.ndarray]) -> None:
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual, strict=True):
        assert a.dtype == e.dtype
        np.testing.assert_array_equal(a, e, strict=True)


def assert_same_state(expected: ln.Module, actual: ln.Module) -> None:
    before, after = expected.state_dict(), actual.state_dict()
    assert list(after) == list(before)
    for name in before:
        np.testing.assert_array_equal(after[name], before[name], strict=True)


def read_header(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + size]), raw[8 + size :]


def write_header(path: Path, header: dict, body: bytes) -> None:
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)  # safetensors pads its header to 8 bytes
    path.write_bytes(len(encoded).to_bytes(8, "little") + encoded + body)


def edit_architecture(path: Path, edit) -> None:
    header, body = read_header(path)
    header["__metadata__"]["lucidnet_architecture"] = edit(
        header["__metadata__"]["lucidnet_architecture"]
    )
    write_header(path, header, body)


class TwoLayer(ln.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = Dense(5, activation="relu", input_shape=(3,))
        self.layer2 = Dense(2)

    def forward(self, x):
        return self.layer2(self.layer1(x))


@pytest.fixture
def saved_model(tmp_path: Path) -> tuple[ln.Sequential, Path]:
    model = randomize(every_layer_sequential("float32"))
    path = tmp_path / "model.safetensors"
    save_model(model, path)
    return model, path


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sequential_with_every_layer_type_predicts_bit_identically_after_loading(tmp_path, dtype):
    model = randomize(every_layer_sequential(dtype))
    x = RNG.standard_normal((7, 4)).astype(dtype)
    path = tmp_path / "model.safetensors"
    save_model(model, path)
    loaded = load_model(path)
    assert type(loaded) is ln.Sequential and loaded.name == "every_layer"
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert_same_state(model, loaded)
    assert loaded.dtype == np.dtype(dtype)
    assert_bit_identical(predict(model, x), predict(loaded, x))


def test_loaded_layers_keep_their_options(saved_model):
    model, path = saved_model
    loaded = load_model(path)
    batch_norm, prelu, dropout, leaky = loaded.layers[1:5]
    assert (batch_norm.eps, batch_norm.momentum) == (1e-3, 0.2)
    assert prelu.num_parameters == 6
    assert dropout.rate == 0.3
    assert leaky.activation.name == "leaky_relu" and leaky.activation.alpha == 0.2
    assert (loaded.layers[5].units, loaded.layers[5].pieces) == (5, 3)
    assert loaded.layers[8].activation.approximate is True
    assert loaded.layers[-1].activation.name == "softmax"
    assert json.dumps(model_to_config(loaded)) == json.dumps(model_to_config(model))


def test_functional_model_with_two_inputs_two_outputs_and_shared_layer_round_trips(tmp_path):
    model = randomize(two_in_two_out_model())
    left, right = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    path = tmp_path / "functional.safetensors"
    save_model(model, path)
    loaded = load_model(path)
    assert type(loaded) is ln.Model and loaded.name == "two_heads"
    assert [t.name for t in loaded.inputs] == ["left", "right"]
    assert len(loaded.nodes) == len(model.nodes) == 8
    shared_calls = [node for node in loaded.nodes if node.layer.name == "shared"]
    assert len(shared_calls) == 4 and all(n.layer is shared_calls[0].layer for n in shared_calls)
    assert loaded.count_params() == model.count_params()
    assert_same_state(model, loaded)
    assert_bit_identical(predict(model, left, right), predict(loaded, left, right))
    assert_bit_identical(
        predict(model, {"left": left, "right": right}),
        predict(loaded, {"left": left, "right": right}),
    )


def test_float64_functional_model_round_trips_bit_identically(tmp_path):
    model = randomize(two_in_two_out_model("float64"))
    left, right = RNG.standard_normal((2, 5, 3))
    save_model(model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.dtype == np.float64 and loaded.inputs[0].dtype == np.float64
    assert_bit_identical(predict(model, left, right), predict(loaded, left, right))


def test_nested_models_round_trip(tmp_path):
    block = ln.Sequential([Dense(4, activation="elu", input_shape=(3,)), Dense(3)], name="block")
    inputs = ln.Input(shape=(3,), name="x")
    inner = ln.Model(inputs=inputs, outputs=Dense(2, name="head")(block(inputs)), name="inner")
    outer = randomize(ln.Sequential([inner, Activation("sigmoid")], name="outer"))
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    save_model(outer, tmp_path / "nested.safetensors")
    loaded = load_model(tmp_path / "nested.safetensors")
    assert type(loaded.layers[0]) is ln.Model
    assert type(loaded.layers[0].layers[0]) is ln.Sequential
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in outer.named_parameters()]
    assert_bit_identical(predict(outer, x), predict(loaded, x))


def test_sequential_built_on_first_call_round_trips(tmp_path):
    model = ln.Sequential([Dense(3, activation="relu"), Dense(1)])
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    model(x)
    save_model(model, tmp_path / "lazy.safetensors")
    loaded = load_model(tmp_path / "lazy.safetensors")
    assert loaded.input_shape == (5,)
    assert_bit_identical(predict(model, x), predict(loaded, x))


def test_float64_model_loads_as_float64_when_the_default_is_float32(tmp_path):
    ln.set_default_dtype("float64")
    try:
        model = randomize(ln.Sequential([Dense(3, input_shape=(2,)), BatchNorm(), PReLU()]))
    finally:
        ln.set_default_dtype("float32")
    save_model(model, tmp_path / "f64.safetensors")
    loaded = load_model(tmp_path / "f64.safetensors")
    assert {v.dtype for v in loaded.state_dict().values()} == {np.dtype(np.float64)}
    x = RNG.standard_normal((3, 2))
    assert_bit_identical(predict(model, x), predict(loaded, x))


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "model.safetensors"
    save_model(ln.Sequential([Dense(2, input_shape=(2,))]), path)
    second = randomize(ln.Sequential([Dense(7, input_shape=(3,))]), seed=3)
    save_model(second, path)
    assert_same_state(second, load_model(path))
    assert os.listdir(tmp_path) == ["model.safetensors"]


# ----------------------------------------------------------------------------- regularizers
def regularized_sequential() -> ln.Sequential:
    return ln.Sequential(
        [
            Dense(
                5,
                activation="tanh",
                kernel_regularizer="l2",
                bias_regularizer=ln.regularizers.L1(0.03),
                input_shape=(4,),
                name="hidden",
            ),
            Dense(2, kernel_regularizer=ln.regularizers.L1L2(0.02, 0.4), name="out"),
        ],
        name="regularized",
    )


def regularized_functional() -> ln.Model:
    inputs = ln.Input(shape=(4,), name="x")
    hidden = Dense(5, activation="relu", kernel_regularizer="l1", name="hidden")(inputs)
    outputs = Dense(
        2,
        kernel_regularizer=ln.regularizers.L1(0.05),
        bias_regularizer=ln.regularizers.L2(0.7),
        name="out",
    )(hidden)
    return ln.Model(inputs=inputs, outputs=outputs, name="regularized_graph")


def evaluate_mse(model: ln.Module, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    model.compile(optimizer=ln.optim.SGD(lr=0.1), loss="mse", lint=False)
    return model.evaluate(x, y)


L1, L2, L1L2 = ln.regularizers.L1, ln.regularizers.L2, ln.regularizers.L1L2


@pytest.mark.parametrize(
    ("build", "regularizers"),
    [
        (regularized_sequential, [(L2(0.01), L1(0.03)), (L1L2(0.02, 0.4), None)]),
        (regularized_functional, [(L1(0.01), None), (L1(0.05), L2(0.7))]),
    ],
    ids=["sequential", "functional"],
)
def test_regularizers_round_trip_and_the_evaluated_loss_keeps_its_penalty(
    tmp_path, build, regularizers
):
    model = randomize(build(), seed=5)
    x = RNG.standard_normal((9, 4)).astype(np.float32)
    y = RNG.standard_normal((9, 2)).astype(np.float32)
    before = evaluate_mse(model, x, y)
    path = tmp_path / "regularized.safetensors"
    save_model(model, path)
    loaded = load_model(path)
    # Configurable equality: the same class with the same factors
    assert [(layer.kernel_regularizer, layer.bias_regularizer) for layer in loaded.layers] == (
        regularizers
    )
    after = evaluate_mse(loaded, x, y)
    assert before["regularization"] > 0.1
    assert after == before


def test_saved_regularizers_are_name_and_config_entries_and_none_stays_null(tmp_path):
    path = tmp_path / "regularized.safetensors"
    save_model(regularized_sequential(), path)
    with safe_open(str(path), framework="numpy") as file:
        architecture = json.loads(file.metadata()["lucidnet_architecture"])
    hidden, out = (entry["config"] for entry in architecture["config"]["layers"])
    assert hidden["kernel_regularizer"] == {"name": "l2", "config": {"l2": 0.01}}
    assert hidden["bias_regularizer"] == {"name": "l1", "config": {"l1": 0.03}}
    assert out["kernel_regularizer"] == {"name": "l1_l2", "config": {"l1": 0.02, "l2": 0.4}}
    assert out["bias_regularizer"] is None
    assert hidden["activation"] == {"name": "tanh", "config": {}}


def test_regularizer_given_by_name_loads_as_the_regularizer_that_name_gives(tmp_path):
    path = tmp_path / "by_name.safetensors"
    save_model(ln.Sequential([Dense(2, input_shape=(3,), kernel_regularizer="L1L2")]), path)
    regularizer = load_model(path).layers[0].kernel_regularizer
    assert regularizer == ln.regularizers.get("l1_l2") == ln.regularizers.L1L2(0.0, 0.0)
    assert type(regularizer) is ln.regularizers.L1L2


def test_get_config_round_trip_keeps_regularizers():
    layer = Dense(3, kernel_regularizer=ln.regularizers.L2(0.25), bias_regularizer="l1")
    rebuilt = Dense(**json.loads(json.dumps(layer.get_config())))
    assert rebuilt.kernel_regularizer == ln.regularizers.L2(0.25)
    assert rebuilt.bias_regularizer == ln.regularizers.L1(0.01)
    assert rebuilt.get_config() == layer.get_config()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "l3", "config": {}}, r"unknown regularizer 'l3'; valid names: .*l1_l2"),
        ({"name": "l2", "config": {"l2": -1.0}}, r"l2 must be a finite real number >= 0, got -1"),
        ({"name": "l2", "config": {"decay": 0.1}}, r"bad options \{'decay': 0.1\}"),
        ({"config": {"l2": 0.1}}, r"a regularizer config dict needs a 'name' string"),
        ("os.system", r"unknown regularizer 'os.system'"),
        (7, r"a regularizer must be a name, a config dict"),
    ],
)
def test_bad_regularizer_entry_raises_value_error_naming_file_layer_and_argument(
    tmp_path, entry, message
):
    path = tmp_path / "regularized.safetensors"
    save_model(regularized_sequential(), path)

    def tamper(text: str) -> str:
        architecture = json.loads(text)
        architecture["config"]["layers"][1]["config"]["kernel_regularizer"] = entry
        return json.dumps(architecture)

    edit_architecture(path, tamper)
    with pytest.raises(
        ValueError,
        match=rf"regularized.safetensors.*bad kernel_regularizer .* for layer 'out': {message}",
    ):
        load_model(path)


def test_dense_rejects_an_unknown_regularizer_name_at_construction():
    with pytest.raises(ValueError, match=r"bias_regularizer 'l3' for layer 'dense_x'.*valid names"):
        Dense(2, bias_regularizer="l3", name="dense_x")


def test_regularizer_that_is_code_cannot_be_saved(tmp_path):
    class Scaled(ln.regularizers.L2):
        pass

    for regularizer in (Scaled(0.1), lambda weight: (weight * weight).sum()):
        model = ln.Sequential([Dense(2, input_shape=(3,), kernel_regularizer=regularizer)])
        with pytest.raises(ValueError, match="plain callable or custom kernel_regularizer"):
            save_model(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


# ----------------------------------------------------------------------------- file format
def test_file_is_a_plain_safetensors_file_with_the_architecture_as_json_metadata(saved_model):
    model, path = saved_model
    tensors = load_file(str(path))
    state = model.state_dict()
    assert sorted(tensors) == sorted(state)
    for name, value in state.items():
        np.testing.assert_array_equal(tensors[name], value, strict=True)
    with safe_open(str(path), framework="numpy") as file:
        metadata = file.metadata()
    assert metadata["lucidnet_format_version"] == "1"
    architecture = json.loads(metadata["lucidnet_architecture"])
    assert architecture["class_name"] == "Sequential"
    assert [entry["class_name"] for entry in architecture["config"]["layers"]] == [
        "Dense",
        "BatchNorm",
        "PReLU",
        "Dropout",
        "Activation",
        "Maxout",
        "Linear",
        "Flatten",
        "Activation",
        "Dense",
    ]
    assert architecture["config"]["layers"][0]["config"]["dtype"] == "float32"


def test_file_holds_no_pickle_and_loads_with_pickle_disabled(saved_model, monkeypatch):
    model, path = saved_model
    raw = path.read_bytes()
    for protocol in range(2, 6):
        assert bytes([0x80, protocol]) + b"\x95" not in raw  # protocol header + FRAME opcode
    assert b"\x80\x04" not in raw[:64] and b"numpy.core" not in raw and b"__reduce__" not in raw

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(np, "load", refuse)
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    assert_bit_identical(predict(model, x), predict(load_model(path), x))


def test_weights_file_has_the_state_dict_a_format_version_and_the_state_order(tmp_path):
    module = randomize(TwoLayer())
    path = tmp_path / "weights.safetensors"
    save_weights(module, path)
    assert sorted(load_file(str(path))) == sorted(module.state_dict())
    with safe_open(str(path), framework="numpy") as file:
        assert file.metadata() == {
            "lucidnet_format_version": "1",
            "lucidnet_state_order": '["layer1.weight", "layer1.bias"]',
        }


# ----------------------------------------------------------------------------- bad files
def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent.safetensors"):
        load_model(tmp_path / "absent.safetensors")
    with pytest.raises(FileNotFoundError, match=r"absent.safetensors"):
        load_weights(TwoLayer(), tmp_path / "absent.safetensors")


@pytest.mark.parametrize("keep", [0, 5, 12, 100, -1])
def test_truncated_file_raises_a_clear_value_error(saved_model, keep):
    _, path = saved_model
    raw = path.read_bytes()
    path.write_bytes(raw[:keep] if keep >= 0 else raw[:-1])
    with pytest.raises(ValueError, match=f"{path.name}.*not a valid safetensors file"):
        load_model(path)


def test_file_of_another_format_raises_a_clear_value_error(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"weight": np.ones(3)}))
    with pytest.raises(ValueError, match=r"model.pkl.*not a valid safetensors file"):
        load_model(path)
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        load_weights(TwoLayer(), path)


def test_a_changed_byte_in_the_header_raises_a_clear_value_error(saved_model):
    _, path = saved_model
    raw = bytearray(path.read_bytes())
    raw[8] = ord("[")  # the header's opening brace
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"model.safetensors"):
        load_model(path)


def test_invalid_architecture_json_raises_a_clear_value_error(saved_model):
    _, path = saved_model
    edit_architecture(path, lambda text: text.replace("{", "(", 1))
    with pytest.raises(ValueError, match=r"model.safetensors.*'lucidnet_architecture'.*JSON"):
        load_model(path)


def test_unknown_layer_class_name_is_rejected_without_running_anything(saved_model, monkeypatch):
    _, path = saved_model
    edit_architecture(path, lambda text: text.replace('"Dense"', '"os.system"', 1))

    def refuse(*args, **kwargs):
        raise AssertionError("code named in the file was run")

    monkeypatch.setattr(os, "system", refuse)
    with pytest.raises(ValueError, match=r"unknown layer class 'os.system'.*Dense"):
        load_model(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: json.dumps({"class_name": "Sequential"}),
        lambda text: json.dumps(["not", "a", "dict"]),
        lambda text: text.replace('"units": 6', '"units": "six"'),
        lambda text: text.replace('"rate": 0.3', '"rate": 0.3, "command": "rm -rf /"'),
        lambda text: text.replace('"dtype": "float32"', '"dtype": "float64"', 1),
    ],
)
def test_tampered_architecture_raises_value_error_naming_the_file(saved_model, edit):
    _, path = saved_model
    edit_architecture(path, edit)
    with pytest.raises(ValueError, match=r"model.safetensors"):
        load_model(path)


def test_tampered_functional_graph_raises_value_error(tmp_path):
    path = tmp_path / "functional.safetensors"
    save_model(two_in_two_out_model(), path)
    edit_architecture(path, lambda text: text.replace('["node", 0]', '["node", 99]', 1))
    with pytest.raises(ValueError, match=r"functional.safetensors.*\['node', 99\]"):
        load_model(path)


def test_unsupported_format_version_raises(saved_model):
    _, path = saved_model
    header, body = read_header(path)
    header["__metadata__"]["lucidnet_format_version"] = "99"
    write_header(path, header, body)
    with pytest.raises(ValueError, match="format version '99'"):
        load_model(path)


def test_load_model_on_a_weights_file_explains_what_to_do(tmp_path):
    save_weights(TwoLayer(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match=r"no architecture.*load_weights"):
        load_model(tmp_path / "weights.safetensors")


def test_missing_tensor_in_a_model_file_raises(saved_model):
    _, path = saved_model
    with safe_open(str(path), framework="numpy") as file:
        metadata = file.metadata()
    tensors = load_file(str(path))
    del tensors["hidden.bias"]
    write_safetensors(tensors, str(path), metadata=metadata)
    with pytest.raises(
        ValueError, match=r"model.safetensors.*'hidden.bias' \(6,\); the file is missing it"
    ):
        load_model(path)


# ----------------------------------------------------------------------------- weights
def test_subclassed_module_cannot_be_saved_as_a_model(tmp_path):
    path = tmp_path / "model.safetensors"
    with pytest.raises(NotSerializableError, match=r"TwoLayer.*save_weights"):
        save_model(TwoLayer(), path)
    assert issubclass(NotSerializableError, TypeError)
    assert issubclass(NotSerializableError, ValueError)
    assert not path.exists()


def test_custom_layer_class_cannot_be_saved_as_a_model(tmp_path):
    class ScaledDense(Dense):
        pass

    with pytest.raises(NotSerializableError, match="ScaledDense"):
        save_model(ln.Sequential([ScaledDense(2, input_shape=(3,))]), tmp_path / "m")


def test_dense_with_a_plain_callable_activation_cannot_be_saved(tmp_path):
    model = ln.Sequential([Dense(2, activation=lambda t: t * 2, input_shape=(3,))])
    with pytest.raises(ValueError, match="plain callable"):
        save_model(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_subclassed_module_weights_round_trip(tmp_path):
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    module = TwoLayer()
    module(x)  # builds the lazy layer2
    randomize(module, seed=4)
    path = tmp_path / "weights.safetensors"
    save_weights(module, path)
    fresh = TwoLayer()
    with pytest.raises(ValueError, match=r"unexpected keys.*not built yet"):
        load_weights(fresh, path)
    fresh(x)
    load_weights(fresh, path)
    assert_same_state(module, fresh)
    assert_bit_identical(predict(module, x), predict(fresh, x))


def test_weights_of_the_wrong_shape_raise_and_leave_the_module_untouched(tmp_path):
    path = tmp_path / "weights.safetensors"
    save_weights(
        randomize(ln.Sequential([Dense(4, input_shape=(3,), name="a"), Dense(2, name="b")])), path
    )
    target = ln.Sequential([Dense(4, input_shape=(3,), name="a"), Dense(5, name="b")])
    before = target.state_dict()
    with pytest.raises(ValueError, match=r"weights.safetensors.*'b.weight'.*\(4, 2\).*\(4, 5\)"):
        load_weights(target, path)
    assert_same_state_dicts(before, target.state_dict())


def assert_same_state_dicts(expected: dict, actual: dict) -> None:
    assert list(actual) == list(expected)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name], strict=True)


def test_dtype_mismatch_raises_instead_of_casting(tmp_path):
    path = tmp_path / "weights.safetensors"
    save_weights(ln.Sequential([Dense(2, input_shape=(3,), dtype="float64", name="d")]), path)
    target = ln.Sequential([Dense(2, input_shape=(3,), dtype="float32", name="d")])
    with pytest.raises(ValueError, match=r"'d.weight' is float64 in the file but float32"):
        load_weights(target, path)


def test_load_weights_strict_reports_missing_and_unexpected_names(tmp_path):
    path = tmp_path / "weights.safetensors"
    source = randomize(ln.Sequential([Dense(2, input_shape=(3,), name="a")]))
    save_weights(source, path)
    target = ln.Sequential([Dense(2, input_shape=(3,), name="a"), Dense(1, name="extra")])
    with pytest.raises(ValueError, match=r"missing keys \['extra.weight', 'extra.bias'\]"):
        load_weights(target, path)
    load_weights(target, path, strict=False)
    np.testing.assert_array_equal(target.layers[0].weight.data, source.layers[0].weight.data)


def test_load_weights_reads_a_whole_model_file(saved_model):
    model, path = saved_model
    fresh = every_layer_sequential("float32")
    load_weights(fresh, path)
    assert_same_state(model, fresh)


# ----------------------------------------------------------------------------- atomic writes
@pytest.mark.parametrize(
    ("failing", "save"),
    [
        ("replace", lambda path: save_model(ln.Sequential([Dense(2, input_shape=(2,))]), path)),
        ("fsync", lambda path: save_weights(TwoLayer(), path)),
    ],
    ids=["failed_rename", "failed_write"],
)
def test_failed_save_leaves_the_old_file_intact_and_no_temporary_file(
    failing, save, saved_model, monkeypatch
):
    _, path = saved_model
    old = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(f"{failing} failed")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError, match=f"{failing} failed"):
        save(path)
    assert path.read_bytes() == old
    assert os.listdir(path.parent) == [path.name]


def test_saving_into_a_missing_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_model(ln.Sequential([Dense(2, input_shape=(2,))]), tmp_path / "no" / "m")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- optimizer
def adam_steps(model: ln.Module, optimizer, x: np.ndarray, steps: int) -> None:
    for _ in range(steps):
        optimizer.zero_grad()
        out = model(x)
        (out * out).mean().backward()
        optimizer.step()


def test_optimizer_state_round_trips_and_training_resumes_identically(tmp_path):
    optim = pytest.importorskip("lucidnet.training.optim")
    model = ln.Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(2)])
    model.optimizer = optim.Adam(model.parameters(), lr=0.05, betas=(0.8, 0.95))
    x = RNG.standard_normal((8, 3)).astype(np.float32)
    adam_steps(model, model.optimizer, x, steps=3)
    path = tmp_path / "model.safetensors"
    save_model(model, path, include_optimizer=True)
    assert any(name.startswith("optimizer/") for name in load_file(str(path)))
    loaded = load_model(path)
    assert type(loaded.optimizer) is optim.Adam
    assert loaded.optimizer.param_groups[0]["lr"] == 0.05
    adam_steps(model, model.optimizer, x, steps=2)
    adam_steps(loaded, loaded.optimizer, x, steps=2)
    assert_same_state(model, loaded)


def test_optimizer_is_left_out_by_default(tmp_path):
    optim = pytest.importorskip("lucidnet.training.optim")
    model = ln.Sequential([Dense(2, input_shape=(3,))])
    model.optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    save_model(model, tmp_path / "m")
    assert not any(name.startswith("optimizer/") for name in load_file(str(tmp_path / "m")))
    assert getattr(load_model(tmp_path / "m"), "optimizer", None) is None
