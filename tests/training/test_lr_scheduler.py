"""Learning-rate schedules against torch.optim.lr_scheduler over 30 epochs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lucidnet as ln
from lucidnet.training import optim
from lucidnet.training.optim import lr_scheduler

EPOCHS = 30
GROUP_LRS = (0.1, 0.03)


def make_optimizers() -> tuple[optim.SGD, torch.optim.SGD]:
    """Two-group SGD optimizers, lucidnet's and torch's, with the same learning rates."""
    ours = optim.SGD([{"params": [ln.Parameter(np.zeros(3))], "lr": lr} for lr in GROUP_LRS])
    theirs = torch.optim.SGD(
        [{"params": [torch.zeros(3, requires_grad=True)], "lr": lr} for lr in GROUP_LRS]
    )
    return ours, theirs


def run_epochs(scheduler, torch_scheduler, torch_opt, metrics=None) -> tuple[list, list]:
    ours, theirs = [], []
    for epoch in range(EPOCHS):
        ours.append(scheduler.get_last_lr())
        theirs.append(torch_scheduler.get_last_lr())
        torch_opt.step()  # torch expects optimizer.step() before scheduler.step()
        if metrics is None:
            scheduler.step()
            torch_scheduler.step()
        else:
            scheduler.step(metrics[epoch])
            torch_scheduler.step(metrics[epoch])
    return ours, theirs


SCHEDULES = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}),
    ("StepLR", {"step_size": 3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 7}),
]


@pytest.mark.parametrize(("name", "options"), SCHEDULES, ids=[f"{n}-{o}" for n, o in SCHEDULES])
def test_schedule_gives_torchs_learning_rates_for_30_epochs(name, options):
    opt, torch_opt = make_optimizers()
    scheduler = getattr(lr_scheduler, name)(opt, **options)
    torch_scheduler = getattr(torch.optim.lr_scheduler, name)(torch_opt, **options)
    ours, theirs = run_epochs(scheduler, torch_scheduler, torch_opt)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)
    assert [group["lr"] for group in opt.param_groups] == scheduler.get_last_lr()
    assert scheduler.last_epoch == EPOCHS
    assert len({tuple(lrs) for lrs in ours}) > 2


def test_step_lr_follows_its_closed_form():
    opt, _ = make_optimizers()
    scheduler = optim.StepLR(opt, step_size=4, gamma=0.5)
    for epoch in range(EPOCHS):
        expected = [lr * 0.5 ** (epoch // 4) for lr in GROUP_LRS]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-14)
        scheduler.step()


def test_exponential_lr_follows_its_closed_form():
    opt, _ = make_optimizers()
    scheduler = optim.ExponentialLR(opt, gamma=0.8)
    for epoch in range(EPOCHS):
        np.testing.assert_allclose(
            scheduler.get_last_lr(), [lr * 0.8**epoch for lr in GROUP_LRS], rtol=1e-12
        )
        scheduler.step()


def test_cosine_annealing_recursion_follows_the_closed_form_past_t_max():
    opt, _ = make_optimizers()
    t_max, eta_min = 8, 0.002
    scheduler = optim.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
    for epoch in range(EPOCHS):
        expected = [
            eta_min + (lr - eta_min) * (1 + math.cos(math.pi * epoch / t_max)) / 2
            for lr in GROUP_LRS
        ]
        np.testing.assert_allclose(scheduler.get_last_lr(), expected, rtol=1e-10, atol=1e-15)
        scheduler.step()
    assert scheduler.last_epoch == EPOCHS


def test_cosine_annealing_resumed_with_last_epoch_matches_torch():
    opt, torch_opt = make_optimizers()
    for group, torch_group in zip(opt.param_groups, torch_opt.param_groups, strict=True):
        group["initial_lr"] = torch_group["initial_lr"] = group["lr"]
    scheduler = optim.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
    torch_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=10, last_epoch=4)
    ours, theirs = run_epochs(scheduler, torch_scheduler, torch_opt)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


METRICS = [
    1.0,
    0.9,
    0.85,
    0.85,
    0.86,
    0.849,
    0.8499,
    0.85,
    0.9,
    0.7,
    0.7,
    0.71,
    0.72,
    0.69,
    0.69,
    0.6999,
    0.70,
    0.71,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.49999,
    0.6,
    0.6,
    0.4,
    0.41,
    0.42,
    0.43,
]

PLATEAU_OPTIONS = [
    {"patience": 2},
    {"patience": 0, "factor": 0.5},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.01},
    {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"patience": 0, "factor": 0.2, "min_lr": [0.01, 0.001]},
    {"patience": 0, "factor": 0.5, "min_lr": 0.02},
    {"patience": 0, "factor": 0.9, "eps": 0.005},
]


@pytest.mark.parametrize("options", PLATEAU_OPTIONS, ids=[str(o) for o in PLATEAU_OPTIONS])
def test_reduce_lr_on_plateau_gives_torchs_learning_rates(options):
    opt, torch_opt = make_optimizers()
    scheduler = optim.ReduceLROnPlateau(opt, **options)
    torch_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **options)
    ours, theirs = run_epochs(scheduler, torch_scheduler, torch_opt, METRICS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)
    assert [group["lr"] for group in opt.param_groups] == scheduler.get_last_lr()
    assert scheduler.get_last_lr() != list(GROUP_LRS)
    assert scheduler.best == torch_scheduler.best


def test_reduce_lr_on_plateau_reduces_after_patience_bad_epochs():
    opt = optim.SGD([ln.Parameter(np.zeros(2))], lr=1.0)
    scheduler = optim.ReduceLROnPlateau(opt, patience=2, factor=0.5)
    rates = []
    for loss in [1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6]:
        scheduler.step(loss)
        rates.append(scheduler.get_last_lr()[0])
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]


def test_scheduler_state_dict_round_trip_continues_identically():
    opt, _ = make_optimizers()
    scheduler = optim.CosineAnnealingLR(opt, T_max=12, eta_min=0.001)
    for _ in range(10):
        scheduler.step()
    saved_opt, saved_scheduler = opt.state_dict(), scheduler.state_dict()
    assert "optimizer" not in saved_scheduler and saved_scheduler["last_epoch"] == 10

    resumed_opt, _ = make_optimizers()
    resumed_opt.load_state_dict(saved_opt)
    resumed = optim.CosineAnnealingLR(resumed_opt, T_max=12, eta_min=0.001)
    resumed.load_state_dict(saved_scheduler)
    for _ in range(20):
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert resumed_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_plateau_state_dict_round_trip_continues_identically():
    opt, _ = make_optimizers()
    scheduler = optim.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    for metric in METRICS[:12]:
        scheduler.step(metric)
    resumed_opt, _ = make_optimizers()
    resumed_opt.load_state_dict(opt.state_dict())
    resumed = optim.ReduceLROnPlateau(resumed_opt)
    resumed.load_state_dict(scheduler.state_dict())
    for metric in METRICS[12:]:
        scheduler.step(metric)
        resumed.step(metric)
        assert resumed.get_last_lr() == scheduler.get_last_lr()


def test_scheduler_attached_before_binding_keeps_its_rates():
    opt = optim.SGD(lr=0.1)
    scheduler = optim.ExponentialLR(opt, gamma=0.5)
    scheduler.step()
    opt.bind([ln.Parameter(np.zeros(2))])
    scheduler.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)
    assert scheduler.base_lrs == [0.1]


def test_schedulers_are_importable_from_the_submodule_and_the_package():
    assert lr_scheduler.StepLR is optim.StepLR
    assert optim.lr_scheduler is lr_scheduler
    assert issubclass(optim.ReduceLROnPlateau, optim.LRScheduler)


BAD_SCHEDULES = [
    (optim.StepLR, {"step_size": 0}, ValueError, "step_size"),
    (optim.StepLR, {"step_size": 1.5}, TypeError, "step_size"),
    (optim.StepLR, {"step_size": 2, "gamma": -0.1}, ValueError, "gamma"),
    (optim.ExponentialLR, {"gamma": float("inf")}, ValueError, "gamma"),
    (optim.CosineAnnealingLR, {"T_max": 0}, ValueError, "T_max"),
    (optim.CosineAnnealingLR, {"T_max": 5, "eta_min": -1.0}, ValueError, "eta_min"),
    (optim.CosineAnnealingLR, {"T_max": 5, "last_epoch": 3}, ValueError, "initial_lr"),
    (optim.ReduceLROnPlateau, {"factor": 1.0}, ValueError, "factor"),
    (optim.ReduceLROnPlateau, {"mode": "average"}, ValueError, "mode"),
    (optim.ReduceLROnPlateau, {"threshold_mode": "log"}, ValueError, "threshold_mode"),
    (optim.ReduceLROnPlateau, {"patience": -1}, ValueError, "patience"),
    (optim.ReduceLROnPlateau, {"cooldown": -2}, ValueError, "cooldown"),
    (optim.ReduceLROnPlateau, {"min_lr": [0.0]}, ValueError, "min_lr"),
    (optim.ReduceLROnPlateau, {"min_lr": -0.1}, ValueError, "min_lr"),
]


@pytest.mark.parametrize(
    ("scheduler_class", "options", "error", "argument"),
    BAD_SCHEDULES,
    ids=[f"{c.__name__}-{o}" for c, o, _, _ in BAD_SCHEDULES],
)
def test_bad_schedule_arguments_raise_naming_the_argument(
    scheduler_class, options, error, argument
):
    opt, _ = make_optimizers()
    with pytest.raises(error, match=argument):
        scheduler_class(opt, **options)


def test_scheduler_needs_a_lucidnet_optimizer():
    with pytest.raises(TypeError, match="optimizer"):
        optim.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)]), step_size=1)
