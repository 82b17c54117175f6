"""``ln.preflight(model, x, y, loss)``: Karpathy's "before you train" checks, automated, in a second.

Before the first step it looks at the data, the network at initialization and a few
probe steps, and names root causes (see :data:`~lucidnet.diagnostics.advice.CAUSES`):

* **data**: feature scales (``input_scale``), constant columns, class balance
  (``class_imbalance``), and whether the labels depend on the inputs at all: the
  leave-one-out 1-nearest-neighbour balanced accuracy against chance (a zero-input
  baseline; ``labels_misaligned`` when the neighbours predict no better than chance);
* **the loss at initialization** against its expected value (ln C for C classes,
  ln 2 for binary, var(y) for mse) and what the excess is made of: inputs on a large
  scale, weights larger than the initializer the activation calls for (``init_scale``),
  a summed loss (``loss_reduction``), or the penalty (``over_regularized``);
* **the units at initialization**: dead ReLUs (never positive on the sample) under a
  negative bias mean (``init_bias``), saturated sigmoid/tanh units, and the first/last
  layer gradient ratio;
* **probes**: can a tiny batch (two samples per class) be overfit, and does the
  configured learning rate make progress compared with ten times less and more
  (``lr_high``, ``lr_low``); the weights are put back afterwards;
* ``lint``.

One problem gets one primary cause: a symptom explained by an upstream cause (dead
units under a negative bias, a learning-rate probe that fails in a deep sigmoid stack or
under a penalty that dominates the loss) is kept in that cause's ``evidence``.

>>> import lucidnet as ln
>>> x, y = ln.datasets.moons(300, random_state=0)
>>> model = ln.Sequential([ln.layers.Dense(16, activation="relu", input_shape=(2,)),
...                        ln.layers.Dense(2)])
>>> model.compile("adam", "softmax_cross_entropy", lint=False)
>>> preflight(model, x, y, verbose=0)
[]
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import replace
from typing import Any

import numpy as np

from ..blocks import init as initializer_registry
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..engine.tensor import no_grad
from ..training import losses as loss_registry
from ..training.labels import takes_labels
from ..training.state import training_state
from .advice import Advice, HealthWarning, format_report, merge, one_cause_per_problem, show
from .health import _watches_for
from .kinds import can_die, name_of, outputs_probabilities, saturation_limit
from .lint import lint
from .probe import Snapshot, fresh_optimizer, total_loss, train_steps
from .remedies import apply_remedy, is_model_remedy

_REAL_TARGETS = ("real", "binary", "signs")  # target kinds read as numbers, not labels
_SAMPLE_ROWS = 2000  # rows for the forward checks
_NEIGHBOUR_ROWS = 800  # rows for the nearest-neighbour label check
_PROBE_ROWS = 128
_PROBE_STEPS = 20
_BACK_OFF = math.sqrt(10)  # below the lr whose loss fell fastest in the probe
INPUT_SCALE_WARNING = 10.0  # RMS of a feature column beyond which the inputs need scaling
IMBALANCE_WARNING = 5.0  # majority / minority class count
PENALTY_SHARE_WARNING = 0.7
LOSS_EXCESS = 3.0  # initial loss / expected beyond which the excess is explained
INIT_SCALE_RATIO = 4.0  # weight std / the std the activation's initializer gives


@dataclasses.dataclass
class _Task:
    """What the targets are: class labels (with ``classes``) or real values."""

    kind: str  # "classification" or "regression"
    labels: np.ndarray | None
    classes: int
    expected_loss: float | None
    one_hot_mse: bool = False


def preflight(
    model: Module,
    x: Any,
    y: Any,
    loss: Any = None,
    *,
    time_budget: float = 1.0,
    verbose: int = 1,
) -> list[Advice]:
    """Check data, initialization, loss and learning rate before training (module docstring).

    ``loss`` defaults to the loss given to ``compile``.  Runs within about ``time_budget``
    seconds (the probes are skipped when time runs out) on up to 10k rows, leaves the
    weights as they were, and returns the advice, most important first.  ``verbose=1``
    prints info and raises errors/warnings once as :class:`HealthWarning` pointing at the
    caller's line; ``verbose=0`` is silent.
    """
    started = time.perf_counter()
    if not isinstance(model, Module):
        raise TypeError(f"preflight needs a model (an ln.Module), got {type(model).__name__}")
    setup = training_state(model)
    if loss is None:
        loss = getattr(setup, "loss", None)
    if loss is None:
        raise ValueError("preflight needs a loss: pass loss=... or compile the model first")
    loss = loss_registry.get(loss)
    features, targets = _arrays(model, x, y, loss)
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(features))[:_SAMPLE_ROWS]
    sample_x, sample_y = features[rows], targets[rows]
    name = getattr(loss, "name", "")
    options = getattr(loss, "options", {})
    task = _task(loss, targets)

    advice = list(lint(model, loss=loss, verbose=0))
    found_scale = _input_scale(features)
    advice += found_scale
    advice += _class_balance(task)
    advice += _label_dependence(features, task, targets, rng)

    with Snapshot(model), no_grad():
        layers = _layer_figures(model, sample_x)
    layer_advice = _unit_health(layers, found_scale)
    advice += layer_advice
    advice += _initial_loss(model, loss, sample_x, sample_y, task, options, layers, advice)
    advice += _output_fit(model, task, name, targets)

    optimizer = getattr(setup, "optimizer", None)
    if time.perf_counter() - started < time_budget / 3:
        advice += _learning_rate_probe(
            model, loss, optimizer, sample_x, sample_y, task, started, time_budget
        )
    advice = one_cause_per_problem(merge(advice))
    if time.perf_counter() - started < time_budget / 2:
        advice = _lr_after_fix(model, advice, sample_x, sample_y, task, started, time_budget)
    if verbose:
        show(advice, HealthWarning, verbose, title="preflight")
    return advice


# ----------------------------------------------------------------- data
def _arrays(model: Module, x: Any, y: Any, loss: Any) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(x, dtype=model.dtype)
    if features.ndim == 1:
        features = features[:, None]
    targets = np.asarray(y)
    if features.ndim != 2 or len(features) == 0 or len(targets) != len(features):
        raise ValueError(
            f"preflight needs x of shape (n, features) and y with n rows, got x {features.shape} "
            f"and y {targets.shape}"
        )
    if targets.dtype.kind == "f" or getattr(loss, "target_kind", None) in _REAL_TARGETS:
        targets = targets.astype(model.dtype, copy=False)
    if targets.ndim == 1 and not takes_labels(loss):  # as fit: (n,) is one output column
        targets = targets[:, None]
    return features, targets


def _task(loss: Any, targets: np.ndarray) -> _Task:
    """What the targets are, as the loss reads them (its ``family`` and ``target_kind``)."""
    family, kind = getattr(loss, "family", None), getattr(loss, "target_kind", None)
    regression = family == "regression"
    classification = family in ("cross_entropy", "hinge")
    if (family == "cross_entropy" and kind == "probabilities") or (
        regression and _is_one_hot(targets) and targets.shape[1] > 1
    ):
        labels = targets.argmax(axis=1)
        classes = targets.shape[1]
        return _Task("classification", labels, classes, math.log(classes), regression)
    if classification and kind != "binary":
        labels = targets.reshape(len(targets), -1)[:, 0].astype(np.int64)
        classes = int(labels.max()) + 1 if labels.size else 1
        return _Task("classification", labels, max(classes, 2), math.log(max(classes, 2)))
    if classification and kind == "binary" and targets.reshape(len(targets), -1).shape[1] == 1:
        labels = (targets.reshape(-1) > 0.5).astype(np.int64)
        return _Task("classification", labels, 2, math.log(2))
    values = targets.astype(np.float64).reshape(len(targets), -1)
    if regression and values.shape[1] == 1 and np.isin(values, (0.0, 1.0)).all():
        return _Task("classification", values[:, 0].astype(np.int64), 2, None, True)
    # var(y) around a zero output is the formula of mse alone, the one loss named here
    mse = getattr(loss, "name", None) == "mse"
    return _Task("regression", None, 0, float(np.mean(values**2)) if mse else None)


def _is_one_hot(targets: np.ndarray) -> bool:
    return (
        targets.ndim == 2
        and np.isin(targets, (0, 1)).all()
        and bool(np.all(targets.sum(axis=1) == 1))
    )


def _input_scale(features: np.ndarray) -> list[Advice]:
    """Feature columns far from unit scale: large pre-activations, saturated or dead units,
    and an ill-conditioned loss surface."""
    rms = np.sqrt(np.mean(np.square(features, dtype=np.float64), axis=0))
    spread = features.std(axis=0)
    largest = float(rms.max())
    evidence = {"feature_rms_max": largest, "feature_rms_min": float(rms.min())}
    constant = np.flatnonzero(spread == 0).tolist()
    advice = []
    if largest > INPUT_SCALE_WARNING:
        advice.append(
            Advice(
                "P001",
                "warning",
                "input_scale",
                "data",
                f"input features are on a large scale (root-mean-square up to {largest:.3g}): "
                "pre-activations start huge, so units saturate or die and the loss surface is "
                "badly conditioned",
                "standardize the inputs: (x - mean) / std per feature, fitted on the training set",
                {"action": "standardize_inputs"},
                evidence,
            )
        )
    if constant:
        advice.append(
            Advice(
                "P002",
                "info",
                "input_scale",
                "data",
                f"feature column(s) {constant[:10]} are constant: they carry no information",
                "drop constant columns",
                None,
                {"constant_columns": constant},
            )
        )
    return advice


def _class_balance(task: _Task) -> list[Advice]:
    if task.labels is None:
        return []
    counts = np.bincount(task.labels, minlength=task.classes)
    present = counts[counts > 0]
    if len(present) < 2:
        return []
    ratio = float(present.max() / present.min())
    if ratio < IMBALANCE_WARNING:
        return []
    share = float(present.max() / present.sum())
    return [
        Advice(
            "P003",
            "warning",
            "class_imbalance",
            "data",
            f"class imbalance {ratio:.0f}:1 (the largest class holds {share:.0%}): predicting it "
            f"always already scores {share:.0%} accuracy, so the minority classes are ignored",
            "weight the classes by inverse frequency (class weights) or resample; judge the "
            "model by balanced accuracy",
            {"action": "use_class_weights"},
            {"class_counts": counts.tolist(), "imbalance_ratio": ratio},
        )
    ]


def _label_dependence(
    features: np.ndarray, task: _Task, targets: np.ndarray, rng: np.random.Generator
) -> list[Advice]:
    """Leave-one-out 1-nearest-neighbour: do nearby inputs share labels more than chance?"""
    rows = rng.permutation(len(features))[:_NEIGHBOUR_ROWS]
    if len(rows) < 20:
        return []
    points = features[rows].astype(np.float64)
    points = (points - points.mean(axis=0)) / np.where(
        (spread := points.std(axis=0)) > 0, spread, 1.0
    )
    squares = np.einsum("ij,ij->i", points, points)
    distance = squares[:, None] + squares[None, :] - 2 * points @ points.T
    np.fill_diagonal(distance, np.inf)
    nearest = distance.argmin(axis=1)
    n = len(rows)
    if task.labels is not None:
        labels = task.labels[rows]
        predicted = labels[nearest]
        recalls = [float(np.mean(predicted[labels == c] == c)) for c in np.unique(labels)]
        if len(recalls) < 2:
            return []
        score, chance = float(np.mean(recalls)), 1.0 / len(recalls)
        noise = 3 * math.sqrt(chance * (1 - chance) / n)
        evidence = {"neighbour_balanced_accuracy": score, "chance": chance, "rows": n}
    else:
        values = targets[rows].astype(np.float64).reshape(n, -1)[:, 0]
        if values.std() == 0:
            return []
        score = float(np.corrcoef(values, values[nearest])[0, 1])
        chance, noise = 0.0, 3 / math.sqrt(n)
        evidence = {"neighbour_correlation": score, "rows": n}
    if score > chance + noise:
        return []
    return [
        Advice(
            "P004",
            "warning",
            "labels_misaligned",
            "data",
            "the labels do not depend on the inputs: a sample's nearest neighbour predicts its "
            f"label no better than chance ({score:.2f} against {chance:.2f}); the network can "
            "only memorize",
            "check the data pipeline: are x and y shuffled together, are the rows aligned, is "
            "the label column right?",
            {"action": "check_data_pipeline"},
            evidence,
        )
    ]


# ----------------------------------------------------------------- the network at initialization
@dataclasses.dataclass
class _LayerFigures:
    name: str
    layer: Dense
    activation: Any  # an Activation, a name or None (see .kinds)
    dead_fraction: float | None
    saturation_fraction: float | None
    bias_shift: float  # mean bias / std of the pre-activation without it
    scale_ratio: float  # weight std / the std the activation's initializer gives
    pre_activation_std: float
    input_constant: bool  # every sample gives the layer the same input (upstream units dead)


def _layer_figures(model: Module, x: np.ndarray) -> list[_LayerFigures]:
    """Run ``x`` through the model once and measure every Dense layer's pre-activations."""
    watches = _watches_for(model)
    inputs: dict[int, np.ndarray] = {}

    def record(module: Module, args: Any, out: Any) -> None:
        inputs.setdefault(id(module), args[0].data if hasattr(args[0], "data") else args[0])

    hooks = [watch.layer.register_forward_hook(record) for watch in watches]
    was_training = model.training
    model.eval()
    try:
        from ..engine.tensor import Tensor

        model(Tensor(x))
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    figures = []
    for watch in watches:
        layer = watch.layer
        if id(layer) not in inputs:
            continue
        source = np.asarray(inputs[id(layer)], dtype=np.float64).reshape(-1, layer.weight.shape[0])
        weight = layer.weight.data.astype(np.float64)
        linear = source @ weight
        bias = 0.0 if layer.bias is None else layer.bias.data.astype(np.float64)
        z = linear + bias
        activation = watch.activation
        dead = saturated = None
        if can_die(activation):
            dead = float(np.mean(~(z > 0).any(axis=0)))
        if (limit := saturation_limit(activation)) is not None:
            saturated = float(np.mean(np.abs(z) > limit))
        spread = float(linear.std()) or 1e-12
        figures.append(
            _LayerFigures(
                watch.name,
                layer,
                activation,
                dead,
                saturated,
                float(np.mean(bias)) / spread,
                float(weight.std()) / _recommended_std(activation, *weight.shape),
                float(z.std()),
                bool(np.all(np.ptp(source, axis=0) == 0)),
            )
        )
    return figures


def _recommended_std(activation: Any, fan_in: int, fan_out: int) -> float:
    name = initializer_registry.auto_initializer(activation)
    if name.startswith("he"):
        return math.sqrt(2.0 / fan_in)
    if name.startswith("lecun"):
        return math.sqrt(1.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


def _unit_health(layers: list[_LayerFigures], scale_advice: list[Advice]) -> list[Advice]:
    """Dead or saturated units at initialization, reported as their cause."""
    advice = []
    for figures in layers:
        dead, saturated = figures.dead_fraction or 0.0, figures.saturation_fraction or 0.0
        if dead < 0.5 and saturated < 0.5:
            continue
        if figures.input_constant and not (dead >= 0.5 and figures.bias_shift < -1):
            continue  # its input carries nothing: a symptom of the layer before, reported there
        symptom = (
            f"{dead:.0%} of its ReLU units are dead at initialization (never positive on the sample)"
            if dead >= 0.5
            else f"{saturated:.0%} of its {name_of(figures.activation)} pre-activations are saturated at "
            "initialization"
        )
        severity = "error" if dead >= 0.99 else "warning"
        evidence = {
            "dead_fraction": figures.dead_fraction,
            "saturation_fraction": figures.saturation_fraction,
            "bias_over_spread": figures.bias_shift,
            "weight_std_over_recommended": figures.scale_ratio,
        }
        if (abs(figures.bias_shift) > 1.0 and (dead >= 0.5) == (figures.bias_shift < 0)) or (
            saturated >= 0.5 and abs(figures.bias_shift) > 1.0
        ):
            advice.append(
                Advice(
                    "P005",
                    severity,
                    "init_bias",
                    figures.name,
                    f"layer {figures.name}: {symptom}, because its bias (mean "
                    f"{float(np.mean(figures.layer.bias.data)):.3g}) outweighs the weighted inputs "
                    f"({abs(figures.bias_shift):.1f} standard deviations); a unit that is never "
                    "active gets no gradient and never recovers",
                    "initialize the bias at 0 (bias_initializer='zeros')",
                    {"action": "set_initializer", "layers": [figures.name], "bias": "zeros"},
                    evidence,
                )
            )
        elif scale_advice:
            continue  # the input scale explains it: evidence goes to that advice below
        elif figures.scale_ratio > INIT_SCALE_RATIO or dead >= 0.5:
            advice.append(
                Advice(
                    "P006",
                    severity if saturated >= 0.5 or dead >= 0.5 else "info",
                    "init_scale",
                    figures.name,
                    f"layer {figures.name}: {symptom}; its weights have {figures.scale_ratio:.1f} "
                    "times the standard deviation its activation calls for",
                    "use kernel_initializer='auto' (he for relu, glorot for sigmoid/tanh)",
                    {"action": "set_initializer", "layers": [figures.name], "kernel": "auto"},
                    evidence,
                )
            )
    return advice


def _initial_loss(
    model: Module,
    loss: Any,
    x: np.ndarray,
    y: np.ndarray,
    task: _Task,
    options: dict[str, Any],
    layers: list[_LayerFigures],
    found: list[Advice],
) -> list[Advice]:
    """The loss at initialization against its expected value, and what the excess is made of."""
    with Snapshot(model), no_grad():
        was_training = model.training
        model.eval()
        try:
            total, data = total_loss(model, loss, x, y)
        finally:
            model.train(was_training)
    penalty = float(total.data) - data
    reduction = getattr(loss, "reduction", options.get("reduction", "mean"))
    per_sample = data / len(x) if reduction == "sum" else data
    evidence: dict[str, Any] = {
        "initial_loss": data,
        "expected_loss": task.expected_loss,
        "penalty": penalty,
    }
    advice = []
    share = penalty / (penalty + per_sample) if penalty + per_sample > 0 else 0.0
    if share > 0.3:
        advice.append(
            Advice(
                "P007",
                "warning" if share > PENALTY_SHARE_WARNING else "info",
                "over_regularized",
                "model",
                f"the weight penalty is {share:.0%} of the initial loss ({penalty:.3g} against "
                f"a data loss of {per_sample:.3g}): training will mostly shrink the weights "
                "toward 0 instead of fitting the data",
                "lower the regularization strength (l1/l2) by 10-100x",
                {"action": "set_regularizer", "layers": None, "l1": 0.0, "l2": 1e-4},
                {**evidence, "penalty_share": share},
            )
        )
    if task.expected_loss is None or not math.isfinite(per_sample):
        return advice
    excess = per_sample / task.expected_loss if task.expected_loss > 0 else 1.0
    evidence["loss_excess"] = excess
    if excess < LOSS_EXCESS:
        return advice
    causes = {a.cause for a in found if a.severity != "info"}
    if causes & {
        "input_scale",
        "init_bias",
        "init_scale",
        "output_loss_mismatch",
        "double_softmax",
    }:
        return advice  # already explained; the number joins as evidence below
    largest = max(layers, key=lambda f: f.scale_ratio, default=None)
    if largest is not None and largest.scale_ratio > INIT_SCALE_RATIO / 2:
        advice.append(
            Advice(
                "P008",
                "warning",
                "init_scale",
                largest.name,
                f"the initial loss is {excess:.1f} times its expected value "
                f"({per_sample:.3g} against {task.expected_loss:.3g}): the outputs start far too "
                f"large because the weights of {largest.name} have {largest.scale_ratio:.1f} times "
                "the standard deviation its activation calls for",
                "use kernel_initializer='auto' (he for relu, glorot for sigmoid/tanh)",
                {
                    "action": "set_initializer",
                    "layers": [f.name for f in layers if f.scale_ratio > INIT_SCALE_RATIO / 2],
                    "kernel": "auto",
                },
                {**evidence, "weight_std_over_recommended": largest.scale_ratio},
            )
        )
    return advice


def _output_fit(model: Module, task: _Task, name: str, targets: np.ndarray) -> list[Advice]:
    """Class labels trained with a regression loss: the output activation decides the harm."""
    if not task.one_hot_mse:
        return []
    last = [m for _, m in model.named_modules() if isinstance(m, Dense)]
    if not last:
        return []
    where = next(n for n, m in model.named_modules() if m is last[-1]) or last[-1].name
    activation = last[-1].activation_name
    multi = task.classes > 2 or (targets.ndim == 2 and targets.shape[1] > 1)
    loss = "categorical_crossentropy" if multi else "binary_crossentropy"
    if outputs_probabilities(last[-1].activation):
        return []  # sigmoid/softmax with mse: lint's info already hints the better loss
    harmful = can_die(last[-1].activation)
    return [
        Advice(
            "P009",
            "warning" if harmful else "info",
            "output_loss_mismatch",
            where,
            f"class labels trained with {name} on a {activation} output: "
            + (
                "relu outputs that go negative are cut to 0 with zero gradient, so a class "
                "output can die and never recover"
                if harmful
                else "cross-entropy on probabilities learns faster and gives calibrated scores"
            ),
            f"use activation='{'softmax' if multi else 'sigmoid'}' with loss='{loss}'",
            {"action": "set_loss", "name": loss, "options": {}},
            {"output_activation": activation, "loss": name},
        )
    ]


# ----------------------------------------------------------------- learning-rate probe
def _learning_rate_probe(
    model: Module,
    loss: Any,
    optimizer: Any,
    x: np.ndarray,
    y: np.ndarray,
    task: _Task,
    started: float,
    time_budget: float,
) -> list[Advice]:
    """A few full-batch steps at the configured lr, 10x lower and 10x higher, from the same
    weights: the loss change of each says whether the lr is far off."""
    if optimizer is None or not optimizer.param_groups:
        return []
    lr = float(optimizer.param_groups[0]["lr"])
    rows = _probe_rows(task, len(x))
    bx, by = x[rows], y[rows]
    drops: dict[float, float] = {}
    update: dict[float, float] = {}
    last = [m for m in model.modules() if isinstance(m, Dense) and m.weight is not None]

    def probe(factor: float) -> None:
        with Snapshot(model):
            before = last[-1].weight.data.copy() if last else None
            losses = train_steps(
                model, loss, fresh_optimizer(optimizer, model, lr * factor), bx, by, _PROBE_STEPS
            )
            if before is not None:
                norm = float(np.linalg.norm(before)) or 1.0
                update[factor] = float(np.linalg.norm(last[-1].weight.data - before)) / norm
        first, final = losses[0], losses[-1]
        drops[factor] = (
            (first - final) / abs(first) if math.isfinite(final) and first else -math.inf
        )

    for factor in (1.0, 0.1, 10.0):
        if time.perf_counter() - started > time_budget * 0.8:
            break
        probe(factor)

    def best(direction: float) -> float:
        """lr x 10^k (k = 1..6 in ``direction``, while time allows and it improves): a
        half a decade below the one whose loss fell fastest."""
        for k in (2, 3, 4, 5, 6):
            if (
                time.perf_counter() - started > time_budget * 0.8
                or drops[direction ** (k - 1)] < max(drops.values()) - 0.05
            ):
                break  # out of time, or past the best
            probe(direction**k)
        tried = [f for f in drops if f != 1.0 and (f > 1) == (direction > 1)]
        fastest = max(tried, key=lambda f: drops[f])
        # a short probe favours the edge of stability: half a decade below it trains longer runs
        # well (the lr range test's rule), and never back past the configured lr
        return lr * (max(fastest / _BACK_OFF, 10.0) if direction > 1 else fastest / _BACK_OFF)

    if 1.0 not in drops:
        return []
    evidence = {"lr": lr, "probe_steps": _PROBE_STEPS, "loss_drop": drops, "update_ratio": update}
    now, lower, higher = drops[1.0], drops.get(0.1), drops.get(10.0)
    if now < -0.1 or (lower is not None and lower > now + 0.3 and now < 0.1):
        return [
            Advice(
                "P010",
                "warning",
                "lr_high",
                "optimizer",
                f"the learning rate {lr:g} is too high: in {_PROBE_STEPS} probe steps the loss "
                + ("diverged" if now == -math.inf else f"changed by {-now:+.0%}")
                + (f", while 10x lower it fell by {lower:.0%}" if lower is not None else ""),
                f"lower the learning rate to about {(value := best(0.1)):g}",
                {"action": "set_lr", "value": value},
                evidence,
            )
        ]
    if (
        higher is not None
        and now < 0.02
        and higher > 3 * max(now, 1e-6)
        and update.get(1.0, 1.0) < 1e-3
    ):
        return [
            Advice(
                "P011",
                "warning",
                "lr_low",
                "optimizer",
                f"the learning rate {lr:g} is too low: in {_PROBE_STEPS} probe steps the loss fell "
                f"by {max(now, 0):.1%} and the last layer moved by {update.get(1.0, 0):.1e} of its "
                f"norm, while 10x higher it fell by {higher:.0%}",
                f"raise the learning rate to about {(value := best(10.0)):g} (or use ln.lr_find)",
                {"action": "set_lr", "value": value},
                evidence,
            )
        ]
    return []


def _lr_after_fix(
    model: Module,
    advice: list[Advice],
    x: np.ndarray,
    y: np.ndarray,
    task: _Task,
    started: float,
    time_budget: float,
) -> list[Advice]:
    """Probe the learning rate again on a copy with the first cause fixed: a learning rate
    that only worked because of the fault (huge inputs, a double softmax) must change with
    the fix, so it joins that advice's remedy as ``lr``."""
    head = next(
        (
            a
            for a in advice
            if a.severity != "info"
            and is_model_remedy(a.remedy)
            and a.remedy["action"] not in ("set_lr", "set_optimizer")
        ),
        None,
    )
    if head is None:
        return advice
    try:
        fixed = apply_remedy(model, head.remedy, x)
    except (ValueError, TypeError, KeyError):
        return advice  # not a Sequential, or a remedy it cannot rebuild: keep the advice
    setup = training_state(fixed)
    found = _learning_rate_probe(
        fixed, setup.loss, setup.optimizer, x, y, task, started, time_budget
    )
    if not found:
        return advice
    lr = found[0].remedy["value"]
    better = replace(
        head,
        fix=f"{head.fix}; then set the learning rate to {lr:g} ({found[0].cause} once fixed)",
        remedy={**head.remedy, "lr": lr},
        evidence={**head.evidence, "after_fix": found[0].evidence},
    )
    return [better if a is head else a for a in advice]


def _probe_rows(task: _Task, n: int) -> np.ndarray:
    if task.labels is None:
        return np.arange(min(n, _PROBE_ROWS))
    labels = task.labels[:n] if len(task.labels) >= n else task.labels
    picked = [
        np.flatnonzero(labels == c)[: _PROBE_ROWS // max(task.classes, 1)]
        for c in range(task.classes)
    ]
    rows = np.concatenate([p for p in picked if len(p)]) if picked else np.arange(0)
    return rows if len(rows) else np.arange(min(n, _PROBE_ROWS))


def report(advice: list[Advice]) -> str:
    """The printed form of preflight's advice."""
    return format_report(advice, title="preflight")


__all__ = ["preflight", "report"]
