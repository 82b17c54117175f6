"""``nn`` loss modules and ``nn.functional`` losses give torch's values and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet import nn

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 0])
PROBABILITY_ROWS = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
REGRESSION = RNG.normal(size=(6, 2)) * 2
BINARY_TARGETS = (RNG.random(size=(6, 2)) > 0.5).astype(float)


def check(ours, theirs, prediction: np.ndarray, target: np.ndarray, integer: bool = False) -> None:
    x = ln.tensor(prediction, requires_grad=True)
    tx = torch.tensor(prediction, requires_grad=True)
    y = ln.tensor(target)
    ty = torch.tensor(target)
    value, expected = ours(x, y), theirs(tx, ty)
    np.testing.assert_allclose(np.asarray(value), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    if value.ndim:
        value, expected = value.sum(), expected.sum()
    value.backward()
    expected.backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(reduction: str) -> None:
    target = REGRESSION[::-1].copy()
    check(nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction), REGRESSION, target)
    check(nn.L1Loss(reduction), torch.nn.L1Loss(reduction=reduction), REGRESSION, target)
    check(
        nn.HuberLoss(reduction, delta=0.7),
        torch.nn.HuberLoss(reduction=reduction, delta=0.7),
        REGRESSION,
        target,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_takes_logits_with_labels_or_probabilities(reduction: str) -> None:
    check(
        nn.CrossEntropyLoss(reduction=reduction),
        torch.nn.CrossEntropyLoss(reduction=reduction),
        LOGITS,
        LABELS,
    )
    check(
        nn.CrossEntropyLoss(reduction=reduction),
        torch.nn.CrossEntropyLoss(reduction=reduction),
        LOGITS,
        PROBABILITY_ROWS[::-1].copy(),
    )


def test_cross_entropy_label_smoothing_matches_torch() -> None:
    check(
        nn.CrossEntropyLoss(label_smoothing=0.1),
        torch.nn.CrossEntropyLoss(label_smoothing=0.1),
        LOGITS,
        LABELS,
    )


@pytest.mark.parametrize("value", [1.5, -0.1, float("nan"), True])
def test_cross_entropy_label_smoothing_outside_0_1_is_refused(value) -> None:
    with pytest.raises(
        ValueError, match=r"label_smoothing must be a finite real number in \[0, 1\]"
    ):
        nn.functional.cross_entropy(ln.tensor(LOGITS), LABELS, label_smoothing=value)


def test_nll_loss_of_log_softmax_matches_torch() -> None:
    log_p = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    for reduction in ("mean", "sum", "none"):
        check(nn.NLLLoss(reduction=reduction), torch.nn.NLLLoss(reduction=reduction), log_p, LABELS)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropies_match_torch(reduction: str) -> None:
    probabilities = 1 / (1 + np.exp(-REGRESSION))
    check(
        nn.BCELoss(reduction=reduction),
        torch.nn.BCELoss(reduction=reduction),
        probabilities,
        BINARY_TARGETS,
    )
    check(
        nn.BCEWithLogitsLoss(reduction=reduction),
        torch.nn.BCEWithLogitsLoss(reduction=reduction),
        REGRESSION,
        BINARY_TARGETS,
    )


@pytest.mark.filterwarnings("ignore:reduction. .mean. divides")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
def test_kl_div_matches_torch_including_zero_targets(reduction: str) -> None:
    log_q = LOGITS - np.log(np.exp(LOGITS).sum(axis=1, keepdims=True))
    p = PROBABILITY_ROWS[::-1].copy()
    p[0] = [0.0, 0.5, 0.5, 0.0]
    check(nn.KLDivLoss(reduction=reduction), torch.nn.KLDivLoss(reduction=reduction), log_q, p)
    check(
        nn.KLDivLoss(reduction=reduction, log_target=True),
        torch.nn.KLDivLoss(reduction=reduction, log_target=True),
        log_q,
        np.log(PROBABILITY_ROWS),
    )


def test_loss_module_repr_shows_its_options() -> None:
    assert repr(nn.HuberLoss(delta=2.0)) == "HuberLoss(reduction='mean', delta=2.0)"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean')"
