"""Losses against PyTorch in float64 (values and gradients, every reduction), finite
differences, extreme logits, strict shapes and labels, zero_one, dtype and the registry."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lucidnet as ln
from lucidnet.training import losses

REDUCTIONS = ["mean", "sum", "none"]
BATCH, CLASSES = 6, 4
_rng = np.random.default_rng(0)
LOGITS = _rng.normal(0, 2, (BATCH, CLASSES))
LABELS = np.array([0, 3, 1, 2, 3, 0])
ONE_HOT = np.eye(CLASSES)[LABELS]
SOFT = np.exp(_rng.normal(size=(BATCH, CLASSES)))
SOFT /= SOFT.sum(axis=1, keepdims=True)
PROBABILITIES = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
REGRESSION_PRED = _rng.normal(0, 2, (BATCH, 3))
REGRESSION_TRUE = _rng.normal(0, 2, (BATCH, 3))
BINARY_PROBABILITIES = _rng.uniform(0.05, 0.95, (BATCH, 2))
BINARY_TRUE = _rng.integers(0, 2, (BATCH, 2)).astype(float)
SOFT_BINARY_TRUE = _rng.uniform(0, 1, (BATCH, 2))
SIGNS = np.where(BINARY_TRUE > 0, 1.0, -1.0)


def _reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    return {"mean": values.mean, "sum": values.sum, "none": lambda: values}[reduction]()


# name, options, y_pred, y_true, PyTorch reference: (x, reduction) -> Tensor
CASES: list[tuple[str, dict, np.ndarray, np.ndarray, Callable]] = [
    (
        "mse",
        {},
        REGRESSION_PRED,
        REGRESSION_TRUE,
        lambda x, r: F.mse_loss(x, torch.tensor(REGRESSION_TRUE), reduction=r),
    ),
    (
        "mae",
        {},
        REGRESSION_PRED,
        REGRESSION_TRUE,
        lambda x, r: F.l1_loss(x, torch.tensor(REGRESSION_TRUE), reduction=r),
    ),
    (
        "huber",
        {},
        REGRESSION_PRED,
        REGRESSION_TRUE,
        lambda x, r: F.huber_loss(x, torch.tensor(REGRESSION_TRUE), reduction=r, delta=1.0),
    ),
    (
        "huber",
        {"delta": 0.7},
        REGRESSION_PRED,
        REGRESSION_TRUE,
        lambda x, r: F.huber_loss(x, torch.tensor(REGRESSION_TRUE), reduction=r, delta=0.7),
    ),
    (
        "binary_crossentropy",
        {},
        BINARY_PROBABILITIES,
        BINARY_TRUE,
        lambda x, r: F.binary_cross_entropy(x, torch.tensor(BINARY_TRUE), reduction=r),
    ),
    (
        "binary_crossentropy",
        {},
        BINARY_PROBABILITIES,
        SOFT_BINARY_TRUE,
        lambda x, r: F.binary_cross_entropy(x, torch.tensor(SOFT_BINARY_TRUE), reduction=r),
    ),
    (
        "binary_crossentropy",
        {"from_logits": True},
        REGRESSION_PRED[:, :2],
        SOFT_BINARY_TRUE,
        lambda x, r: F.binary_cross_entropy_with_logits(
            x, torch.tensor(SOFT_BINARY_TRUE), reduction=r
        ),
    ),
    (
        "categorical_crossentropy",
        {"from_logits": True},
        LOGITS,
        SOFT,
        lambda x, r: F.cross_entropy(x, torch.tensor(SOFT), reduction=r),
    ),
    (
        "categorical_crossentropy",
        {"from_logits": True},
        LOGITS,
        ONE_HOT,
        lambda x, r: F.cross_entropy(x, torch.tensor(LABELS), reduction=r),
    ),
    (
        "categorical_crossentropy",
        {},
        PROBABILITIES,
        ONE_HOT,
        lambda x, r: F.nll_loss(torch.log(x), torch.tensor(LABELS), reduction=r),
    ),
    (
        "categorical_crossentropy",
        {},
        PROBABILITIES,
        SOFT,
        lambda x, r: _reduce(-(torch.tensor(SOFT) * torch.log(x)).sum(1), r),
    ),
    (
        "sparse_categorical_crossentropy",
        {"from_logits": True},
        LOGITS,
        LABELS,
        lambda x, r: F.cross_entropy(x, torch.tensor(LABELS), reduction=r),
    ),
    (
        "sparse_categorical_crossentropy",
        {},
        PROBABILITIES,
        LABELS,
        lambda x, r: F.nll_loss(torch.log(x), torch.tensor(LABELS), reduction=r),
    ),
    (
        "softmax_cross_entropy",
        {},
        LOGITS,
        LABELS,
        lambda x, r: F.cross_entropy(x, torch.tensor(LABELS), reduction=r),
    ),
    (
        "softmax_cross_entropy",
        {},
        LOGITS,
        ONE_HOT,
        lambda x, r: F.cross_entropy(x, torch.tensor(LABELS), reduction=r),
    ),
    (
        "softmax_cross_entropy",
        {},
        LOGITS,
        SOFT,
        lambda x, r: F.cross_entropy(x, torch.tensor(SOFT), reduction=r),
    ),
    (
        "multiclass_hinge",
        {},
        LOGITS,
        LABELS,
        lambda x, r: _reduce(
            F.multi_margin_loss(x, torch.tensor(LABELS), reduction="none") * CLASSES, r
        ),
    ),
    (
        "multiclass_hinge",
        {},
        LOGITS,
        ONE_HOT,
        lambda x, r: _reduce(
            F.multi_margin_loss(x, torch.tensor(LABELS), reduction="none") * CLASSES, r
        ),
    ),
    (
        "hinge",
        {},
        REGRESSION_PRED[:, :2],
        BINARY_TRUE,
        lambda x, r: _reduce(torch.clamp(1 - torch.tensor(SIGNS) * x, min=0).mean(1), r),
    ),
    (
        "hinge",
        {},
        REGRESSION_PRED[:, :2],
        SIGNS,
        lambda x, r: _reduce(torch.clamp(1 - torch.tensor(SIGNS) * x, min=0).mean(1), r),
    ),
    (
        "squared_hinge",
        {},
        REGRESSION_PRED[:, :2],
        BINARY_TRUE,
        lambda x, r: _reduce((torch.clamp(1 - torch.tensor(SIGNS) * x, min=0) ** 2).mean(1), r),
    ),
    (
        "kl_divergence",
        {},
        PROBABILITIES,
        SOFT,
        lambda x, r: _reduce(
            F.kl_div(torch.log(x), torch.tensor(SOFT), reduction="none").sum(1), r
        ),
    ),
]
CASE_IDS = [f"{name}-{i}" for i, (name, *_rest) in enumerate(CASES)]


def _ours(
    name: str,
    options: dict,
    y_pred: np.ndarray,
    y_true: np.ndarray,
    reduction: str,
    upstream: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    x = ln.tensor(y_pred, requires_grad=True, dtype="float64")
    out = getattr(losses, name)(x, y_true, reduction=reduction, **options)
    out.backward(None if upstream is None else upstream)
    return out.data, x.grad


def _torch(
    reference: Callable, y_pred: np.ndarray, reduction: str, upstream: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(y_pred, requires_grad=True)
    out = reference(x, reduction)
    out.backward(None if upstream is None else torch.tensor(upstream))
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "options", "y_pred", "y_true", "reference"), CASES, ids=CASE_IDS)
def test_loss_value_and_gradient_match_pytorch(name, options, y_pred, y_true, reference, reduction):
    with torch.no_grad():
        shape = reference(torch.tensor(y_pred), reduction).shape
    upstream = np.random.default_rng(1).normal(size=shape) if reduction == "none" else None
    value, grad = _ours(name, options, y_pred, y_true, reduction, upstream)
    expected_value, expected_grad = _torch(reference, y_pred, reduction, upstream)
    assert value.shape == expected_value.shape
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)


def _central_differences(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("name", "options", "y_pred", "y_true", "reference"), CASES, ids=CASE_IDS)
def test_loss_gradient_matches_central_differences(
    name, options, y_pred, y_true, reference, reduction
):
    function = getattr(losses, name)
    with ln.no_grad():
        shape = function(y_pred, y_true, reduction=reduction, **options).shape
    weights = np.random.default_rng(2).normal(size=shape)

    def scalar(x: np.ndarray) -> float:
        with ln.no_grad():
            return float(np.sum(weights * function(x, y_true, reduction=reduction, **options).data))

    _, grad = _ours(
        name, options, y_pred, y_true, reduction, weights if reduction == "none" else None
    )
    scale = 1.0 if reduction == "none" else weights  # "mean"/"sum" give a 0-d weight
    np.testing.assert_allclose(
        grad * scale, _central_differences(scalar, y_pred), rtol=1e-6, atol=1e-8
    )


EXTREME_LOGITS = np.array(
    [
        [1000.0, -1000.0, 0.0],
        [-1000.0, 1000.0, 500.0],
        [-1000.0, -1000.0, -1000.0],
        [0.0, 0.0, 1000.0],
    ]
)
EXTREME_LABELS = np.array([1, 1, 2, 0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    ("name", "options", "target", "reference"),
    [
        (
            "softmax_cross_entropy",
            {},
            EXTREME_LABELS,
            lambda x, r: F.cross_entropy(x, torch.tensor(EXTREME_LABELS), reduction=r),
        ),
        (
            "sparse_categorical_crossentropy",
            {"from_logits": True},
            EXTREME_LABELS,
            lambda x, r: F.cross_entropy(x, torch.tensor(EXTREME_LABELS), reduction=r),
        ),
        (
            "categorical_crossentropy",
            {"from_logits": True},
            np.eye(3)[EXTREME_LABELS],
            lambda x, r: F.cross_entropy(x, torch.tensor(EXTREME_LABELS), reduction=r),
        ),
        (
            "binary_crossentropy",
            {"from_logits": True},
            (EXTREME_LOGITS < 0).astype(float),
            lambda x, r: F.binary_cross_entropy_with_logits(
                x, torch.tensor((EXTREME_LOGITS < 0).astype(float)), reduction=r
            ),
        ),
    ],
)
def test_extreme_logits_stay_finite_and_equal_pytorch(name, options, target, reference, reduction):
    upstream = (
        np.ones(reference(torch.tensor(EXTREME_LOGITS), reduction).shape)
        if reduction == "none"
        else None
    )
    value, grad = _ours(name, options, EXTREME_LOGITS, target, reduction, upstream)
    expected_value, expected_grad = _torch(reference, EXTREME_LOGITS, reduction, upstream)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-300)


def test_softmax_cross_entropy_of_a_confidently_wrong_logit_is_the_logit_gap():
    loss = losses.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), [1], reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0])


def test_binary_crossentropy_from_probabilities_clips_like_keras():
    value = losses.binary_crossentropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(value.data, [-np.log(1e-7)] * 2, rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("mse", {}),
        ("kl_divergence", {}),
        ("binary_crossentropy", {"from_logits": True}),
        ("categorical_crossentropy", {"from_logits": True}),
        ("huber", {}),
    ],
)
def test_loss_gradient_with_respect_to_a_target_that_requires_grad_matches_pytorch(name, options):
    pred, true = PROBABILITIES, SOFT
    references = {
        "mse": F.mse_loss,
        "huber": F.huber_loss,
        "kl_divergence": lambda p, t: F.kl_div(torch.log(p), t, reduction="none").sum(1).mean(),
        "binary_crossentropy": F.binary_cross_entropy_with_logits,
        "categorical_crossentropy": F.cross_entropy,
    }
    target = ln.tensor(true, requires_grad=True, dtype="float64")
    getattr(losses, name)(ln.tensor(pred, dtype="float64"), target, **options).backward()
    torch_target = torch.tensor(true, requires_grad=True)
    references[name](torch.tensor(pred), torch_target).backward()
    np.testing.assert_allclose(target.grad, torch_target.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "name", ["softmax_cross_entropy", "sparse_categorical_crossentropy", "multiclass_hinge"]
)
def test_integer_label_losses_refuse_a_target_that_requires_grad(name):
    options = {"from_logits": True} if name.startswith("sparse") else {}
    with pytest.raises(ValueError, match="y_true"):
        getattr(losses, name)(
            ln.tensor(LOGITS, requires_grad=True),
            ln.tensor(LABELS.astype(float), requires_grad=True),
            **options,
        )


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("mse", {}),
        ("binary_crossentropy", {"from_logits": True}),
        ("softmax_cross_entropy", {}),
        ("sparse_categorical_crossentropy", {"from_logits": True}),
    ],
)
def test_fused_losses_are_one_graph_node(name, options):
    x = ln.tensor(LOGITS, requires_grad=True)
    target = (
        LABELS
        if name in ("softmax_cross_entropy", "sparse_categorical_crossentropy")
        else np.zeros(LOGITS.shape)
    )
    out = getattr(losses, name)(x, target, **options)
    assert out._parents == (x,)


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot_over_batch():
    x = ln.tensor(LOGITS, requires_grad=True, dtype="float64")
    losses.softmax_cross_entropy(x, LABELS).backward()
    np.testing.assert_allclose(x.grad, (PROBABILITIES - ONE_HOT) / BATCH, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "y_pred", "y_true", "shape"),
    [
        ("mse", REGRESSION_PRED, REGRESSION_TRUE, (BATCH, 3)),
        ("mae", REGRESSION_PRED, REGRESSION_TRUE, (BATCH, 3)),
        ("huber", REGRESSION_PRED, REGRESSION_TRUE, (BATCH, 3)),
        ("binary_crossentropy", BINARY_PROBABILITIES, BINARY_TRUE, (BATCH, 2)),
        ("categorical_crossentropy", PROBABILITIES, ONE_HOT, (BATCH,)),
        ("sparse_categorical_crossentropy", PROBABILITIES, LABELS, (BATCH,)),
        ("softmax_cross_entropy", LOGITS, LABELS, (BATCH,)),
        ("hinge", REGRESSION_PRED[:, :2], SIGNS, (BATCH,)),
        ("squared_hinge", REGRESSION_PRED[:, :2], SIGNS, (BATCH,)),
        ("multiclass_hinge", LOGITS, LABELS, (BATCH,)),
        ("kl_divergence", PROBABILITIES, SOFT, (BATCH,)),
        ("zero_one", LOGITS, LABELS, (BATCH,)),
    ],
)
def test_reduction_none_shape_and_mean_sum_reduce_it(name, y_pred, y_true, shape):
    function = getattr(losses, name)
    unreduced = function(y_pred, y_true, reduction="none").data
    assert unreduced.shape == shape
    np.testing.assert_allclose(function(y_pred, y_true, reduction="sum").data, unreduced.sum())
    np.testing.assert_allclose(function(y_pred, y_true).data, unreduced.mean())


def test_hinge_one_column_gives_one_value_per_sample():
    scores, labels = np.array([[0.5], [-2.0], [3.0]]), np.array([[1.0], [1.0], [0.0]])
    np.testing.assert_allclose(losses.hinge(scores, labels, reduction="none").data, [0.5, 3.0, 4.0])


@pytest.mark.parametrize("name", losses.available())
def test_unknown_reduction_raises(name):
    with pytest.raises(ValueError, match="reduction"):
        getattr(losses, name)(LOGITS, LABELS, reduction="average")


@pytest.mark.parametrize(
    "name",
    [
        "mse",
        "mae",
        "huber",
        "binary_crossentropy",
        "hinge",
        "squared_hinge",
        "kl_divergence",
        "categorical_crossentropy",
    ],
)
def test_shape_mismatch_raises_instead_of_broadcasting(name):
    y_pred = np.full((5, 1), 0.5)
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(5,\)"):
        getattr(losses, name)(y_pred, np.ones(5))


def test_categorical_crossentropy_with_integer_labels_suggests_the_sparse_loss():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(PROBABILITIES, LABELS)


@pytest.mark.parametrize(
    "name",
    ["softmax_cross_entropy", "sparse_categorical_crossentropy", "multiclass_hinge", "zero_one"],
)
@pytest.mark.parametrize("bad", [CLASSES, -1])
def test_labels_outside_the_class_range_raise(name, bad):
    labels = LABELS.copy()
    labels[2] = bad
    with pytest.raises(ValueError, match=rf"\[0, {CLASSES}\).*{bad}"):
        getattr(losses, name)(PROBABILITIES, labels)


def test_non_integer_float_labels_raise():
    with pytest.raises(ValueError, match="integer"):
        losses.softmax_cross_entropy(LOGITS, LABELS + 0.5)


def test_integer_labels_may_be_floats_or_a_column():
    expected = losses.softmax_cross_entropy(LOGITS, LABELS).data
    np.testing.assert_allclose(
        losses.softmax_cross_entropy(LOGITS, LABELS.astype(float)).data, expected
    )
    np.testing.assert_allclose(losses.softmax_cross_entropy(LOGITS, LABELS[:, None]).data, expected)


def test_labels_of_the_wrong_length_raise():
    with pytest.raises(ValueError, match=r"\(6,\)"):
        losses.sparse_categorical_crossentropy(PROBABILITIES, LABELS[:4])


@pytest.mark.parametrize(
    "name",
    [
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
        "kl_divergence",
    ],
)
def test_probability_losses_reject_logits_and_point_to_from_logits(name):
    y_true = LABELS if name.startswith("sparse") else ONE_HOT
    with pytest.raises(ValueError, match="from_logits"):
        getattr(losses, name)(LOGITS, y_true)


def test_hinge_labels_zero_one_and_minus_one_one_agree_and_others_raise():
    scores = REGRESSION_PRED[:, :2]
    np.testing.assert_allclose(
        losses.hinge(scores, BINARY_TRUE).data, losses.hinge(scores, SIGNS).data
    )
    with pytest.raises(ValueError, match="labels"):
        losses.hinge(scores, np.full(scores.shape, 0.5))


def test_hinge_matches_the_formula():
    scores, labels = np.array([0.3, -0.2, 2.0, -1.5]), np.array([1, 1, -1, -1])
    expected = np.maximum(0, 1 - labels * scores)
    np.testing.assert_allclose(losses.hinge(scores, labels, reduction="none").data, expected)
    np.testing.assert_allclose(
        losses.squared_hinge(scores, labels, reduction="none").data, expected**2
    )


def test_multiclass_hinge_matches_the_cs231n_example():
    # cs231n: scores [3.2, 5.1, -1.7] for class 0 give max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1)
    value = losses.multiclass_hinge(np.array([[3.2, 5.1, -1.7]]), [0], reduction="none")
    np.testing.assert_allclose(value.data, [2.9])


def test_kl_divergence_of_identical_distributions_is_zero():
    np.testing.assert_allclose(losses.kl_divergence(SOFT, SOFT).data, 0.0, atol=1e-12)


def test_empty_prediction_raises():
    with pytest.raises(ValueError, match="empty"):
        losses.mse(np.zeros((0, 1)), np.zeros((0, 1)))


# --------------------------------------------------------------------------- zero_one
def test_zero_one_counts_misclassified_samples():
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [0.1, 0.5, 0.2], [1.0, 0.0, 0.0]])
    labels = np.array([0, 1, 1, 2])
    np.testing.assert_array_equal(
        losses.zero_one(scores, labels, reduction="none").data, [0, 1, 0, 1]
    )
    assert losses.zero_one(scores, labels).item() == pytest.approx(0.5)
    assert losses.zero_one(scores, labels, reduction="sum").item() == 2
    assert losses.zero_one(scores, np.eye(3)[labels]).item() == pytest.approx(0.5)


def test_zero_one_thresholds_one_column_at_one_half():
    probabilities = np.array([[0.2], [0.7], [0.5], [0.9]])
    np.testing.assert_array_equal(
        losses.zero_one(probabilities, np.array([0, 0, 1, 1]), reduction="none").data, [0, 1, 1, 0]
    )
    np.testing.assert_array_equal(
        losses.zero_one(probabilities[:, 0], np.array([-1, -1, 1, 1]), reduction="none").data,
        [0, 1, 1, 0],
    )


def test_zero_one_has_no_gradient_and_refuses_to_train():
    x = ln.tensor(LOGITS, requires_grad=True)
    value = losses.zero_one(x, LABELS)
    assert not value.requires_grad
    with pytest.raises(losses.NotDifferentiableError, match="zero_one has no gradient"):
        value.backward()
    assert losses.zero_one.differentiable is False
    assert losses.get("zero_one").differentiable is False
    assert losses.get("mse").differentiable is True
    with pytest.raises(ValueError, match="train on a differentiable loss"):
        losses.ensure_differentiable(losses.get("zero_one"))
    losses.ensure_differentiable(losses.get("softmax_cross_entropy"))


# --------------------------------------------------------------------------- dtype
@pytest.mark.parametrize(("name", "options", "y_pred", "y_true", "reference"), CASES, ids=CASE_IDS)
def test_float32_prediction_gives_float32_loss_and_gradient(
    name, options, y_pred, y_true, reference
):
    x = ln.tensor(y_pred.astype(np.float32), requires_grad=True)
    out = getattr(losses, name)(x, y_true, **options)
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    with ln.no_grad():
        expected = getattr(losses, name)(y_pred, y_true, **options).data
    np.testing.assert_allclose(out.data, expected, rtol=1e-5)


def test_zero_one_keeps_float32():
    assert losses.zero_one(LOGITS.astype(np.float32), LABELS).dtype == np.float32


# --------------------------------------------------------------------------- registry
REQUIRED = [
    "mse",
    "mae",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "softmax_cross_entropy",
    "hinge",
    "squared_hinge",
    "multiclass_hinge",
    "kl_divergence",
    "zero_one",
]


def test_available_lists_every_required_loss():
    assert set(REQUIRED) <= set(losses.available())
    assert ln.losses is losses


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("mean_squared_error", "mse"),
        ("MSE", "mse"),
        ("mean_absolute_error", "mae"),
        ("bce", "binary_crossentropy"),
        ("cce", "categorical_crossentropy"),
        ("scce", "sparse_categorical_crossentropy"),
        ("kld", "kl_divergence"),
        ("cross_entropy", "softmax_cross_entropy"),
        ("huber_loss", "huber"),
    ],
)
def test_aliases_resolve_to_the_same_loss(alias, name):
    assert losses.get(alias).name == name


def test_get_binds_options_and_reduction():
    loss = losses.get("huber", delta=0.5)
    assert loss.name == "huber" and loss.options == {"delta": 0.5}
    np.testing.assert_allclose(
        loss(REGRESSION_PRED, REGRESSION_TRUE).data,
        losses.huber(REGRESSION_PRED, REGRESSION_TRUE, delta=0.5).data,
    )
    summed = losses.get("mse", reduction="sum")
    np.testing.assert_allclose(
        summed(REGRESSION_PRED, REGRESSION_TRUE).data,
        losses.mse(REGRESSION_PRED, REGRESSION_TRUE, reduction="sum").data,
    )
    assert summed(REGRESSION_PRED, REGRESSION_TRUE, reduction="none").shape == (BATCH, 3)


def test_get_config_rebuilds_the_loss():
    loss = losses.get("binary_crossentropy", from_logits=True)
    assert loss.get_config() == {"from_logits": True}
    assert losses.get(loss.name, **loss.get_config()) == loss
    assert losses.get({"name": "bce", "config": {"from_logits": True}}) == loss


def test_get_accepts_instances_functions_and_callables():
    loss = losses.get("mse")
    assert losses.get(loss) is loss
    assert losses.get(losses.mse) == loss
    custom = lambda y_pred, y_true: (y_pred - y_true).abs().sum()  # noqa: E731
    assert losses.get(custom) is custom
    assert losses.get(None) is None


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="softmax_cross_entropy"):
        losses.get("cross_entropyy")


def test_bad_options_raise_when_bound():
    with pytest.raises(TypeError, match="delta"):
        losses.get("mse", delta=1.0)
    with pytest.raises(ValueError, match="delta"):
        losses.get("huber", delta=0.0)
    with pytest.raises(ValueError, match="reduction"):
        losses.get("mse", reduction="mean_over_batch")
    with pytest.raises(TypeError, match="from_logits"):
        losses.get("bce", from_logits="yes")
