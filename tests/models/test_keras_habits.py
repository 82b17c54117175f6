"""Keras habits: ``call()``, subclassing ``ln.Model``, ``input_dim``, ``learning_rate``,
``get_weights``/``set_weights`` and ``count_params`` before a model is built."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln

Dense, BatchNorm = ln.layers.Dense, ln.layers.BatchNorm

X = np.random.default_rng(3).normal(size=(8, 3)).astype(np.float32)
Y = (X.sum(axis=1, keepdims=True) > 0).astype(np.float32)


class KerasSubclass(ln.Model):
    """The seeds' network in Keras's subclassing style."""

    def __init__(self):
        super().__init__()
        self.dense1 = Dense(3, activation="relu")
        self.dense2 = Dense(2, activation="relu")
        self.dense3 = Dense(2, activation="sigmoid")

    def call(self, inputs):
        return self.dense3(self.dense2(self.dense1(inputs)))


def test_module_subclass_may_define_call_instead_of_forward() -> None:
    class WithCall(ln.Module):
        def __init__(self):
            super().__init__()
            self.dense = Dense(2, input_shape=(3,))

        def call(self, x):
            return self.dense(x) * 2

    model = WithCall()
    expected = (X @ model.dense.weight.data + model.dense.bias.data) * 2
    np.testing.assert_allclose(model(X).numpy(), expected, rtol=1e-6)


def test_subclassing_model_works_like_keras_and_fits() -> None:
    model = KerasSubclass()
    with pytest.raises(ValueError, match="call the model on a batch"):
        model.count_params()  # Keras raises too: the layers have no weights yet
    out = model(X)
    assert out.shape == (8, 2) and model.count_params() == 26
    assert isinstance(model, ln.Model) and model.input_shape is None
    model.compile(optimizer=ln.optim.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(X, np.hstack([Y, 1 - Y]), epochs=3, batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 3
    assert "dense1 (Dense)" in model.summary(input_shape=(3,))


def test_model_without_inputs_or_a_call_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"inputs=.*call"):
        ln.Model()

    class NoComputation(ln.Model):
        pass

    with pytest.raises(TypeError, match=r"subclass ln.Model and define"):
        NoComputation()


def test_input_dim_is_input_shape_of_one_axis() -> None:
    layer = Dense(4, input_dim=3)
    assert layer.input_shape == (3,) and layer.weight.shape == (3, 4)
    model = ln.Sequential([Dense(4, input_dim=3), Dense(1)])
    assert model.count_params() == 3 * 4 + 4 + 4 + 1
    with pytest.raises(TypeError, match="not both"):
        Dense(4, input_dim=3, input_shape=(3,))
    with pytest.raises(ValueError, match="input_dim"):
        Dense(4, input_dim=0)


@pytest.mark.parametrize("name", ln.optim.available())
def test_every_optimizer_accepts_learning_rate_as_lr(name: str) -> None:
    by_keras = ln.optim.get(name, learning_rate=0.123)
    by_torch = ln.optim.get(name, lr=0.123)
    assert by_keras.get_config() == by_torch.get_config()
    assert by_keras.param_groups[0]["lr"] == 0.123
    with pytest.raises(TypeError, match="not both"):
        ln.optim.get(name, lr=0.1, learning_rate=0.2)


def test_learning_rate_takes_effect_in_a_step() -> None:
    w = ln.Parameter(np.array([1.0, 2.0]))
    optimizer = ln.optim.SGD([w], learning_rate=0.5)
    w.grad = np.array([1.0, -1.0])
    optimizer.step()
    np.testing.assert_array_equal(w.data, [0.5, 2.5])


def test_get_weights_lists_arrays_in_layer_order_and_set_weights_restores_them() -> None:
    model = ln.Sequential(
        [Dense(3, activation="relu", input_shape=(3,)), BatchNorm(), Dense(2, activation="sigmoid")]
    )
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 3), (3,), (3,), (3,), (3,), (3,), (3, 2), (2,)]
    np.testing.assert_array_equal(weights[0], model.layers[0].weight.data)
    np.testing.assert_array_equal(weights[4], np.zeros(3))  # BatchNorm's running mean
    weights[0] += 1  # copies: the model is unchanged
    assert not np.array_equal(weights[0], model.layers[0].weight.data)
    before = model.predict(X)
    model.set_weights(weights)
    np.testing.assert_array_equal(model.layers[0].weight.data, weights[0])
    assert not np.allclose(model.predict(X), before)
    other = ln.Sequential(
        [Dense(3, activation="relu", input_shape=(3,)), BatchNorm(), Dense(2, activation="sigmoid")]
    )
    other.set_weights(model.get_weights())
    np.testing.assert_array_equal(other.predict(X), model.predict(X))


def test_set_weights_checks_count_and_shapes_before_copying() -> None:
    model = ln.Sequential([Dense(2, input_shape=(3,))])
    kernel = model.layers[0].weight.data.copy()
    with pytest.raises(ValueError, match=r"has 2 weight arrays.*got a list of 1"):
        model.set_weights([np.zeros((3, 2))])
    with pytest.raises(
        ValueError, match=r"entry 1 \('dense.*bias'\) must have shape \(2,\), got shape \(3,\)"
    ):
        model.set_weights([np.ones((3, 2)), np.zeros(3)])
    np.testing.assert_array_equal(model.layers[0].weight.data, kernel)


def test_count_params_and_get_weights_refuse_an_unbuilt_model() -> None:
    unbuilt = ln.Sequential([Dense(4), Dense(1)])
    for method in (unbuilt.count_params, unbuilt.get_weights):
        with pytest.raises(ValueError, match="input_shape="):
            method()
    unbuilt(X)
    assert unbuilt.count_params() == 3 * 4 + 4 + 4 + 1


def test_the_seeds_keras_subclass_runs_with_the_import_changed(capsys) -> None:
    import lucidnet as keras  # was: import tensorflow as tf; tf.keras

    class MyModel(keras.Model):
        def __init__(self):
            super(MyModel, self).__init__()  # noqa: UP008 (the seeds' spelling)
            self.layer1 = keras.layers.Dense(
                3,
                activation="relu",
                kernel_initializer="he_normal",
                name="layer1",
                input_shape=(3,),
            )
            self.layer2 = keras.layers.Dense(
                2, activation="relu", kernel_initializer="he_normal", name="layer2"
            )
            self.layer3 = keras.layers.Dense(
                2, activation="sigmoid", kernel_initializer="he_normal", name="layer3"
            )

        def call(self, inputs):
            x = self.layer1(inputs)
            x = self.layer2(x)
            return self.layer3(x)

    model = MyModel()
    x = keras.ones((1, 3))
    y = model(x)
    assert y.shape == (1, 2)
    model.summary()
    table = capsys.readouterr().out
    for row in ("layer1 (Dense)    (None, 3)    12", "layer2 (Dense)    (None, 2)    8"):
        assert " ".join(row.split()) in " ".join(table.split())
    assert "Total params: 26" in table
    assert [w.shape for w in model.get_weights()] == [(3, 3), (3,), (3, 2), (2,), (2, 2), (2,)]
