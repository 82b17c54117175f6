"""Bad targets and inputs get a clear error where they enter, naming the argument, the value
and the expected form (losses called directly, and fit/evaluate/predict)."""

from __future__ import annotations

import numpy as np
import pytest

import lucidnet as ln

PREDICTION = ln.tensor(np.full((4, 1), 0.5))
SCORES = ln.tensor(np.zeros((4, 3)))


# ---------------------------------------------------------------- targets of the losses
@pytest.mark.parametrize(
    ("name", "y_pred"),
    [("mse", PREDICTION), ("binary_crossentropy", PREDICTION), ("hinge", PREDICTION),
     ("categorical_crossentropy", ln.tensor(np.full((4, 3), 1 / 3))),
     ("softmax_cross_entropy", SCORES), ("sparse_categorical_crossentropy", ln.tensor(np.full((4, 3), 1 / 3)))],
)  # fmt: skip
@pytest.mark.parametrize(
    ("y_true", "error", "message"),
    [
        (None, TypeError, r"y_true is None; give the targets as an array"),
        (np.ones((4, 1)) + 1j, TypeError, r"y_true must hold real numbers, got complex"),
        ([["0.5"]] * 4, TypeError, r"y_true must be numeric .*got dtype <U3.*'0.5'"),
    ],
    ids=["none", "complex", "text"],
)
def test_none_complex_and_text_targets_raise_type_error(name, y_pred, y_true, error, message):
    with pytest.raises(error, match=rf"{name}: {message}"):
        getattr(ln.losses, name)(y_pred, y_true)


@pytest.mark.parametrize("bad", [2.0, -1.0, 1.5])
@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_crossentropy_called_directly_refuses_targets_outside_0_1(bad, from_logits):
    y_true = np.array([[0.0], [1.0], [bad], [0.25]])
    with pytest.raises(ValueError, match=rf"in \[0, 1\].*got {bad} at row 2, column 0"):
        ln.losses.binary_crossentropy(PREDICTION, y_true, from_logits=from_logits)


@pytest.mark.parametrize("reduction", ["", 0, "avg", False])
def test_a_bound_loss_refuses_a_bad_reduction_at_the_call(reduction):
    loss = ln.losses.get("mse")
    with pytest.raises(ValueError, match=rf"reduction={reduction!r} is not valid"):
        loss(PREDICTION, np.ones((4, 1)), reduction=reduction)


def test_a_bound_loss_uses_its_own_reduction_when_none_is_given():
    loss = ln.losses.get("mse", reduction="sum")
    assert float(loss(PREDICTION, np.ones((4, 1))).data) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("labels", "shown"),
    [
        (np.array([0, 1, np.inf, 2]), r"row 2 has \[inf\]"),
        (np.array([0, 1, -np.inf, 2]), r"row 2 has \[-inf\]"),
        (np.array([0, 1, np.nan, 2]), r"row 2 has \[nan\]"),
        (np.array([0, 1, np.iinfo(np.uint64).max, 2], dtype=np.uint64), "label 18446744073709551615 at row 2"),
        (np.array([0, 1, 2**40, 2], dtype=np.int64), "label 1099511627776 at row 2"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("name", ["softmax_cross_entropy", "sparse_categorical_crossentropy"])
def test_labels_are_reported_with_their_real_value(name, labels, shown):
    with pytest.raises(ValueError, match=shown):
        getattr(ln.losses, name)(SCORES, labels)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot_softmax_cross_entropy_is_finite_for_huge_finite_logits(dtype):
    logits = ln.tensor(
        np.array([[2e38, -2e38, 0.0], [2e38, -2e38, 0.0]], dtype=dtype), requires_grad=True
    )
    for form in (np.eye(3)[[0, 2]], [0, 2]):  # one-hot and labels agree
        value = ln.losses.softmax_cross_entropy(logits, form, reduction="none")
        np.testing.assert_array_equal(value.data, np.array([0.0, 2e38], dtype=dtype))
    grad_loss = ln.losses.softmax_cross_entropy(logits, np.eye(3)[[0, 2]])
    grad_loss.backward()
    assert np.isfinite(logits.grad).all()


# ---------------------------------------------------------------- inputs of fit and predict
def model(outputs=1, loss="mse", dtype="float32"):
    ln.manual_seed(0)
    net = ln.Sequential(
        [ln.layers.Dense(3, input_shape=(4,), dtype=dtype), ln.layers.Dense(outputs, dtype=dtype)]
    )
    net.compile(optimizer="sgd", loss=loss, lint=False)
    return net  # fmt: skip


X = np.random.default_rng(0).normal(size=(6, 4))
Y = np.arange(6, dtype=float)


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_three_dimensional_x_gets_a_shape_message(call):
    message = r"x has shape \(6, 1, 4\) but the model takes samples of shape \(4,\)"
    arguments = (X[:, None, :],) if call == "predict" else (X[:, None, :], Y)
    options = {"verbose": 0} if call == "fit" else {}
    with pytest.raises(ValueError, match=message):
        getattr(model(), call)(*arguments, **options)


@pytest.mark.parametrize("call", ["fit", "evaluate"])
def test_targets_with_an_extra_axis_get_a_shape_message(call):
    with pytest.raises(ValueError, match=r"mse: y has shape \(6, 1, 1\).*reshape y to \(6, 1\)"):
        getattr(model(), call)(X, Y.reshape(6, 1, 1))


@pytest.mark.parametrize("argument", ["x", "y"])
def test_a_float64_value_too_large_for_float32_is_reported_as_an_overflow(argument):
    x, y = X.copy(), Y.copy()
    (x if argument == "x" else y)[3, ...] = 1e39
    where = "row 3, column 0"  # y of shape (n,) is the column (n, 1) of a one-output model
    with pytest.raises(
        ValueError, match=rf"{argument} overflows float32: 1e\+39 at {where} is larger"
    ):
        model().fit(x, y, verbose=0)
    model(dtype="float64").fit(x, y, verbose=0, epochs=0)  # float64 holds it


def test_inf_itself_is_still_reported_as_inf():
    x = X.copy()
    x[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"x contains inf at row 2, column 1"):
        model().predict(x)


def two_input_model():
    ln.manual_seed(0)
    left, right = ln.Input((2,)), ln.Input((3,))
    joined = ln.layers.Concatenate()([left, right])
    net = ln.Model([left, right], ln.layers.Dense(1)(ln.layers.Dense(4, activation="tanh")(joined)))
    net.compile(optimizer=ln.optim.SGD(lr=0.05), loss="mse", lint=False)
    return net


def test_a_two_input_model_fits_evaluates_and_predicts_from_a_list():
    x1, x2 = X[:, :2], np.c_[X[:, 2:], X[:, :1]]
    net = two_input_model()
    history = net.fit([x1, x2], Y, epochs=3, batch_size=4, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 3
    # the same steps by hand on the tape
    manual = two_input_model()
    optimizer = ln.optim.SGD(manual.parameters(), lr=0.05)
    for _ in range(3):
        for start in (0, 4):
            rows = slice(start, start + 4)
            optimizer.zero_grad()
            prediction = manual(
                [ln.tensor(x1[rows], dtype="float32"), ln.tensor(x2[rows], dtype="float32")]
            )
            ln.losses.mse(prediction, Y[rows, None].astype(np.float32)).backward()
            optimizer.step()  # fmt: skip
    for a, b in zip(net.parameters(), manual.parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-6)
    np.testing.assert_allclose(net.predict([x1, x2]), manual.predict([x1, x2]), rtol=1e-6)
    assert set(net.evaluate([x1, x2], Y)) == {"loss"}


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (X[:, :2], r"takes 2 inputs \['input.*'\]: give x as a list of 2 arrays"),
        ([X[:, :2]], r"give x as a list of 2 arrays \[x1, x2, \.\.\.\], got a list of 1"),
        ([X[:, :2], X[:3, :3]], r"different numbers of samples \[6, 3\]"),
        (
            [X[:, :2], X[:, :2]],
            r"x\[1\] has 2 features \(shape \(6, 2\)\) but the model expects 3",
        ),
    ],
)
def test_a_two_input_model_explains_what_x_it_takes(x, message):
    with pytest.raises(ValueError, match=message):
        two_input_model().predict(x)
