"""ONNX export: every layer and activation gives lucidnet's outputs in onnxruntime."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import lucidnet as ln

TOLERANCE = {"float32": 1e-5, "float64": 1e-10}


def export_and_run(model, tmp_path, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Export ``model``, check the file and run it in onnxruntime on ``inputs``."""
    path = ln.export.to_onnx(model, tmp_path / "model.onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


def assert_matches(actual: np.ndarray, expected: np.ndarray, dtype: str) -> None:
    assert actual.dtype == np.dtype(dtype)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def spread_inputs(rows: int, features: int, dtype: str) -> np.ndarray:
    """Values from -30 to 30, 0 included: both sides of every kink and softplus' threshold."""
    x = np.linspace(-30, 30, rows * features).reshape(rows, features)
    x[0, 0] = 0.0
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ln.activations.available())
def test_every_activation_exports_with_equal_outputs(name, dtype, tmp_path):
    ln.manual_seed(0)
    model = ln.Sequential(
        [
            ln.Input(shape=(6,)),
            ln.layers.Activation(name),
            ln.layers.Dense(4, activation=name, dtype=dtype),
        ]
    )
    x = spread_inputs(9, 6, dtype)
    (y,) = export_and_run(model, tmp_path, {"input": x})
    assert_matches(y, model(x).numpy(), dtype)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("leaky_relu", {"alpha": 0.2}),
        ("elu", {"alpha": 0.7}),
        ("softplus", {"beta": 2.0, "threshold": 5.0}),
        ("hard_tanh", {"min_val": -2.0, "max_val": 0.5}),
        ("gelu", {"approximate": True}),
        ("softmax", {"axis": 0}),
        ("log_softmax", {"axis": 0}),
    ],
)
def test_activation_options_are_exported(name, options, tmp_path):
    model = ln.Sequential([ln.Input(shape=(5,)), ln.layers.Activation(name, **options)])
    x = spread_inputs(4, 5, "float64") / 5
    (y,) = export_and_run(model, tmp_path, {"input": x.astype(np.float32)})
    expected = ln.activations.get(name, **options).forward(x.astype(np.float32))
    assert_matches(y, expected, "float32")


def test_float64_mlp_matches_to_1e_10(tmp_path):
    ln.manual_seed(1)
    model = ln.Sequential(
        [
            ln.layers.Dense(8, activation="selu", input_shape=(3,), dtype="float64"),
            ln.layers.Dense(8, activation="gelu", dtype="float64"),
            ln.layers.Dense(3, activation="softmax", dtype="float64"),
        ]
    )
    x = np.random.default_rng(0).normal(size=(10, 3)) * 3
    (y,) = export_and_run(model, tmp_path, {"input": x})
    assert_matches(y, model(x).numpy(), "float64")


def test_batch_axis_is_dynamic(tmp_path):
    ln.manual_seed(2)
    model = ln.Sequential(
        [ln.layers.Dense(4, activation="tanh", input_shape=(3,)), ln.layers.Dense(2)]
    )
    path, proto = ln.export.to_onnx(model, tmp_path / "model.onnx", return_model=True)
    assert path == str(tmp_path / "model.onnx")
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim[1:]] == [2]
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for batch in (1, 7):
        x = np.random.default_rng(batch).normal(size=(batch, 3)).astype(np.float32)
        (y,) = session.run(None, {"input": x})
        assert y.shape == (batch, 2)
        assert_matches(y, model(x).numpy(), "float32")


def test_parameters_become_named_initializers(tmp_path):
    model = ln.Sequential(
        [
            ln.layers.Dense(4, input_shape=(3,), name="hidden"),
            ln.layers.Dense(2, use_bias=False, name="out"),
        ]
    )
    _, proto = ln.export.to_onnx(model, tmp_path / "m.onnx", return_model=True)
    initializers = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    assert set(initializers) == {"hidden.weight", "hidden.bias", "out.weight"}
    np.testing.assert_array_equal(initializers["hidden.weight"], model.layers[0].weight.data)
    assert [o.name for o in proto.graph.output] == ["out"]
    assert {n.domain for n in proto.graph.node} == {""}
    assert proto.opset_import[0].version == ln.export.OPSET


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_exports_its_running_statistics(dtype, tmp_path):
    ln.manual_seed(3)
    model = ln.Sequential(
        [
            ln.layers.Dense(5, input_shape=(3,), dtype=dtype),
            ln.layers.BatchNorm(eps=1e-3, dtype=dtype),
            ln.layers.Activation("relu"),
        ]
    )
    rng = np.random.default_rng(3)
    for _ in range(3):  # training steps move the running statistics away from 0 and 1
        model(rng.normal(2.0, 3.0, size=(16, 3)).astype(dtype))
    batch_norm = model.layers[1]
    assert not np.allclose(batch_norm.running_var, 1)
    batch_norm.weight.data[...] = rng.uniform(0.5, 2.0, size=5)
    batch_norm.bias.data[...] = rng.normal(size=5)
    x = rng.normal(size=(6, 3)).astype(dtype)
    (y,) = export_and_run(model, tmp_path, {"input": x})  # exported from training mode
    assert_matches(y, model.eval()(x).numpy(), dtype)


def test_batch_norm_on_more_than_two_axes_is_refused(tmp_path):
    model = ln.Sequential([ln.Input(shape=(2, 3)), ln.layers.BatchNorm(name="bn3d")])
    with pytest.raises(ValueError, match=r"'bn3d' on inputs of shape \(None, 2, 3\)"):
        ln.export.to_onnx(model, tmp_path / "m.onnx")


@pytest.mark.parametrize("num_parameters", [1, 4])
def test_prelu_exports_shared_or_per_feature_slopes(num_parameters, tmp_path):
    ln.manual_seed(4)
    prelu = ln.layers.PReLU(num_parameters)
    prelu.weight.data[...] = np.linspace(-0.5, 0.5, num_parameters)
    model = ln.Sequential([ln.layers.Dense(4, input_shape=(3,)), prelu, ln.layers.Dense(2)])
    x = np.random.default_rng(4).normal(size=(8, 3)).astype(np.float32) * 2
    (y,) = export_and_run(model, tmp_path, {"input": x})
    assert_matches(y, model(x).numpy(), "float32")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_maxout_exports_as_reshape_and_reduce_max(dtype, tmp_path):
    ln.manual_seed(5)
    model = ln.Sequential(
        [
            ln.layers.Maxout(4, pieces=3, input_shape=(3,), dtype=dtype),
            ln.layers.Dense(2, dtype=dtype),
        ]
    )
    x = np.random.default_rng(5).normal(size=(7, 3)).astype(dtype)
    (y,) = export_and_run(model, tmp_path, {"input": x})
    assert_matches(y, model(x).numpy(), dtype)


def test_dropout_is_left_out_and_flatten_flattens(tmp_path):
    ln.manual_seed(6)
    model = ln.Sequential(
        [
            ln.Input(shape=(2, 3)),
            ln.layers.Flatten(),
            ln.layers.Dense(5, activation="relu"),
            ln.layers.Dropout(0.5),
            ln.layers.Dense(2),
        ]
    )
    x = np.random.default_rng(6).normal(size=(4, 2, 3)).astype(np.float32)
    (y,) = export_and_run(model, tmp_path, {"input": x})
    assert_matches(y, model.eval()(x).numpy(), "float32")
    _, proto = ln.export.to_onnx(model, tmp_path / "again.onnx", return_model=True)
    assert "Dropout" not in {n.op_type for n in proto.graph.node}


def test_functional_model_with_two_inputs_shared_layer_and_two_outputs(tmp_path):
    ln.manual_seed(7)
    left, right = ln.Input(shape=(3,), name="left"), ln.Input(shape=(3,), name="right")
    shared = ln.layers.Dense(4, activation="tanh", name="shared")
    joined = ln.layers.Concatenate(name="join")([shared(left), shared(right)])
    summed = ln.layers.Add(name="sum")([shared(left), shared(right)])
    branch = ln.Sequential(
        [
            ln.layers.Dense(3, activation="relu", input_shape=(8,)),
            ln.layers.Dense(2, activation="softmax"),
        ],
        name="branch",
    )
    outputs = [branch(joined), ln.layers.Dense(1, name="score")(summed)]
    model = ln.Model(inputs=[left, right], outputs=outputs)
    rng = np.random.default_rng(7)
    feeds = {name: rng.normal(size=(5, 3)).astype(np.float32) for name in ("left", "right")}
    results = export_and_run(model, tmp_path, feeds)
    expected = model([feeds["left"], feeds["right"]])
    assert len(results) == 2
    for actual, wanted in zip(results, expected, strict=True):
        assert_matches(actual, wanted.numpy(), "float32")
    _, proto = ln.export.to_onnx(model, tmp_path / "again.onnx", return_model=True)
    names = [t.name for t in proto.graph.initializer]
    assert names.count("shared.weight") == 1 and "shared.weight_1" not in names
    assert [i.name for i in proto.graph.input] == ["left", "right"]


def test_nested_sequential_is_inlined(tmp_path):
    ln.manual_seed(8)
    inner = ln.Sequential([ln.layers.Dense(4, activation="relu", input_shape=(3,))], name="inner")
    model = ln.Sequential([inner, ln.layers.Dense(2)])
    x = np.random.default_rng(8).normal(size=(3, 3)).astype(np.float32)
    (y,) = export_and_run(model, tmp_path, {"input": x})
    assert_matches(y, model(x).numpy(), "float32")


def test_write_is_atomic_and_replaces_an_old_file(tmp_path):
    target = tmp_path / "model.onnx"
    target.write_bytes(b"old")
    model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,))])
    ln.export.to_onnx(model, target)
    assert onnx.load(str(target)).graph.node  # replaced by a readable model
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]  # no temporary file left


def test_python_callable_activation_is_refused_naming_the_layer(tmp_path):
    model = ln.Sequential(
        [ln.layers.Dense(2, activation=lambda t: t * 2, input_shape=(3,), name="doubler")]
    )
    with pytest.raises(ValueError, match="doubler"):
        ln.export.to_onnx(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_subclassed_module_is_refused_with_advice(tmp_path):
    class Net(ln.Module):
        def __init__(self):
            super().__init__()
            self.hidden = ln.layers.Dense(2, input_shape=(3,))

        def forward(self, x):
            return self.hidden(x)

    with pytest.raises(ValueError, match=r"Net.*Sequential"):
        ln.export.to_onnx(Net(), tmp_path / "m.onnx")


def test_custom_layer_is_refused_naming_its_type(tmp_path):
    class Double(ln.layers.Layer):
        def forward(self, x):
            return x * 2

    model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,)), Double(name="double")])
    with pytest.raises(ValueError, match=r"'double' of type Double"):
        ln.export.to_onnx(model, tmp_path / "m.onnx")


def test_unbuilt_sequential_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not built"):
        ln.export.to_onnx(ln.Sequential([ln.layers.Dense(2)]), tmp_path / "m.onnx")


def test_missing_onnx_package_gives_install_advice(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes "import onnx" raise ImportError
    model = ln.Sequential([ln.layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ImportError, match="pip install onnx"):
        ln.export.to_onnx(model, tmp_path / "m.onnx")


def test_import_lucidnet_does_not_import_onnx_or_torch():
    code = (
        "import sys, lucidnet; "
        "print(sorted(m for m in ('onnx', 'onnxruntime', 'torch') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
