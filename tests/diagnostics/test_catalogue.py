"""The doctor on its catalogue: every broken training detected with the right cause first,
no warning on a healthy one, and advice that never makes a network worse."""

from __future__ import annotations

import pytest

import lucidnet as ln

from . import catalogue as cat


@pytest.mark.parametrize("builder", cat.FAULTY, ids=lambda b: b.__name__)
def test_every_fault_is_detected_with_the_right_cause_first(builder):
    case = builder(0)
    advice, _raised, _ = cat.diagnose(case)
    serious = [a for a in advice if a.severity != "info"]
    assert serious, f"{case.name}: not detected"
    assert serious[0].cause in case.causes, [(a.cause, a.severity) for a in advice]
    assert all(a.cause in ln.diagnostics.CAUSES for a in advice)


@pytest.mark.parametrize("builder", cat.HEALTHY, ids=lambda b: b.__name__)
def test_healthy_networks_get_no_warning_and_learn(builder):
    case = builder(1)
    advice, raised, history = cat.diagnose(case)
    assert raised == []
    assert all(a.severity == "info" for a in advice), [str(a) for a in advice]
    if "accuracy" in history.history:
        assert history.history["accuracy"][-1] > 0.95


@pytest.mark.parametrize(
    "builder", [cat.deep_sigmoid, cat.over_regularized, cat.dead_bias], ids=lambda b: b.__name__
)
def test_the_advice_never_touches_the_learning_rate_when_the_cause_is_elsewhere(builder):
    # the harmful advice: "lr too small" for a deep sigmoid stack, "lower the lr"
    # for an over-regularized net, "lower lr / leaky_relu" for a -10 bias init
    advice, _, _ = cat.diagnose(builder(0))
    assert not any(a.cause in ("lr_high", "lr_low") for a in advice)
    assert not any((a.remedy or {}).get("action") == "set_lr" for a in advice)


@pytest.mark.parametrize(
    "builder",
    [cat.dead_bias, cat.deep_sigmoid, cat.double_softmax_and_lr_high, cat.imbalanced],
    ids=lambda b: b.__name__,
)
def test_repair_makes_a_broken_network_learn_like_its_healthy_twin(builder):
    case = builder(0)
    result = ln.repair(case.model, case.x, case.y, **case.fit)
    assert result.repaired and result.applied
    assert result.after["accuracy"] > 0.97 > result.before["accuracy"] or builder is cat.imbalanced
    assert result.model is not case.model
