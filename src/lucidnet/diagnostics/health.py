"""``ln.callbacks.HealthMonitor``: watch every layer while ``fit`` trains, and name the cause.

Per layer with a weight matrix (Dense, Linear, the affine map inside Maxout) and
per sampled epoch it records, from one batch (the last of the epoch when ``fit``
runs its compiled plan, the first on the autograd tape):

* ``dead_fraction`` (relu/relu6 layers): the fraction of units that were never
  positive on the batch.  A dead unit has zero gradient everywhere (the usual
  "dead ReLU" problem).
* ``saturation_fraction`` (sigmoid/tanh layers): the fraction of activations
  whose pre-activation lies in the flat tails, ``|z| > 6`` for sigmoid and
  ``|z| > 3`` for tanh (the usual ranges).  From a fused ``Dense(...,
  activation="sigmoid")`` output ``y`` this is ``y < f(-6)`` or ``y > f(6)``.
* ``grad_norm``: the L2 norm of the weight gradient of that batch.
* ``update_ratio``: ``||W_after - W_before|| / ||W_before||`` of that step
  (Karpathy's rule of thumb: about 1e-3 is healthy).

and ``first_last_grad_ratio`` = grad_norm(first layer) / grad_norm(last layer)
in call order (1.0 for a single layer).  Each epoch appends one dict to
``history.health`` (an empty dict for an epoch that was not sampled)::

    {"dense": {"grad_norm": 0.41, "update_ratio": 0.003, "dead_fraction": 0.0},
     "dense_1": {...}, "first_last_grad_ratio": 0.87}

**Causes, and severity that follows harm.**  A crossed threshold is a symptom; the
monitor names its root cause (:data:`~lucidnet.diagnostics.advice.CAUSES`): dead
units under a negative bias are ``init_bias``, tiny early-layer gradients in a deep
saturating stack ``depth_saturating`` (never "lr too small"), saturation under huge
inputs ``input_scale``, exploding updates ``lr_high``, updates tiny in every layer
``lr_low``.  Only when the data loss is not falling (less than 25% below the first
epoch's, or rising again, or non-finite) is a finding a warning; while the network
learns well it is ``info``.  Findings go to ``history.advice`` as
:class:`~lucidnet.diagnostics.advice.Advice`; each warning is raised once per fit as a
:class:`HealthWarning` pointing at the user's line (``verbose=0`` silences it).

**Cost.**  ``fit`` keeps its compiled plan (no hooks on its hot path, no per-batch
callback): the statistics are read at the end of a sampled epoch from the buffers the
step already has (activations, gradients, and the NaN guard's copy of the weights
before the step).  Epochs are sampled while the monitor's own time stays within
``budget`` (2%) of the training time so far; the first epoch always is.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._checks import check_int, check_real, check_verbose
from ..blocks import activations as activation_registry
from ..blocks.layers.dense import Dense
from ..blocks.module import Module
from ..training.callbacks import Callback
from ..training.labels import takes_labels
from ..training.state import training_state
from .advice import Advice, HealthWarning, merge, show
from .kinds import can_die, is_identity, is_saturating, name_of, saturation_limit
from .layer_graph import layer_graph
from .lint import lint

FAILING_DROP = 0.25  # the data loss must fall at least this fraction below epoch 1's


@dataclass
class _LayerWatch:
    """What is collected for one layer in a sampled epoch."""

    name: str
    layer: Dense
    activation: Any  # an Activation, a name or None (see .kinds)
    post_activation: bool  # the hooked output is f(z) (fused activation), else z itself
    saturation_bounds: tuple[float, float] | None = None
    figures: dict[str, float] = field(default_factory=dict)
    weight_before: np.ndarray | None = None  # tape: the weights before the sampled step

    def observe(self, out: np.ndarray) -> None:
        """Dead and saturation fractions of one batch of outputs, (batch, units)."""
        if can_die(self.activation):  # relu(z) > 0 exactly when z > 0
            self.figures["dead_fraction"] = (
                1.0 - float(np.count_nonzero((out > 0).any(axis=0))) / out.shape[1]
            )
        if self.saturation_bounds is not None:
            low, high = self.saturation_bounds
            flat = np.count_nonzero(out < low) + np.count_nonzero(out > high)
            self.figures["saturation_fraction"] = flat / out.size

    def step_figures(self, grad: np.ndarray | None, before: np.ndarray, grad_scale: float) -> None:
        """Gradient norm and update ratio of the sampled step."""
        weight = self.layer.weight.data
        if grad is not None:
            self.figures["grad_norm"] = _norm(grad) / grad_scale if grad_scale else math.nan
        norm_before = _norm(before)
        if norm_before > 0:
            self.figures["update_ratio"] = _norm(weight - before) / norm_before


class HealthMonitor(Callback):
    """Record per-layer health figures into ``history.health`` and name the cause of trouble.

    See the module docstring for the figures, the causes and the cost.  Thresholds:

    * ``dead_threshold=0.5``: dead_fraction above it;
    * ``saturation_threshold=0.5``: saturation_fraction above it;
    * ``vanishing_ratio=1e-3``: first_last_grad_ratio below it;
    * ``exploding_grad_norm=1e3``: a layer's grad_norm above it;
    * ``max_update_ratio=0.1`` / ``min_update_ratio=1e-6``: update_ratio above or
      below (in every layer) the band.

    ``sample_every=k`` samples every k-th epoch; None (default) samples while the
    monitor's time stays within ``budget`` of the training time.  ``verbose=0``
    records the advice without raising warnings.

    >>> import lucidnet as ln
    >>> x, y = ln.datasets.spirals(120, random_state=0)
    >>> model = ln.Sequential([ln.layers.Dense(16, activation="relu", input_shape=(2,)),
    ...                        ln.layers.Dense(3)])
    >>> model.compile("adam", "softmax_cross_entropy")
    >>> history = model.fit(x, y, epochs=2, callbacks=[HealthMonitor()], verbose=0)
    >>> len(history.health), sorted(history.health[0][model.layers[0].name])
    (2, ['dead_fraction', 'grad_norm', 'update_ratio'])
    """

    def __init__(
        self,
        dead_threshold: float = 0.5,
        saturation_threshold: float = 0.5,
        vanishing_ratio: float = 1e-3,
        exploding_grad_norm: float = 1e3,
        max_update_ratio: float = 1e-1,
        min_update_ratio: float = 1e-6,
        sample_every: int | None = None,
        budget: float = 0.02,
        verbose: int = 1,
    ) -> None:
        for argument, value in (
            ("dead_threshold", dead_threshold),
            ("saturation_threshold", saturation_threshold),
            ("budget", budget),
        ):
            check_real(value, argument, low=0, high=1)
        for argument, value in (
            ("vanishing_ratio", vanishing_ratio),
            ("exploding_grad_norm", exploding_grad_norm),
            ("max_update_ratio", max_update_ratio),
            ("min_update_ratio", min_update_ratio),
        ):
            check_real(value, argument, low=0, finite=False)  # inf: never warn
        if min_update_ratio >= max_update_ratio:
            raise ValueError(
                f"min_update_ratio ({min_update_ratio!r}) must be below "
                f"max_update_ratio ({max_update_ratio!r})"
            )
        if sample_every is not None:
            check_int(sample_every, "sample_every", low=1)
        check_verbose(verbose)
        self.dead_threshold = dead_threshold
        self.saturation_threshold = saturation_threshold
        self.vanishing_ratio = vanishing_ratio
        self.exploding_grad_norm = exploding_grad_norm
        self.max_update_ratio = max_update_ratio
        self.min_update_ratio = min_update_ratio
        self.sample_every = sample_every
        self.budget = budget
        self.verbose = verbose
        self.advice: list[Advice] = []
        self._watches: list[_LayerWatch] = []

    # ----------------------------------------------------------------- in and out
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        started = time.perf_counter()
        self._watches = _watches_for(self.model)
        self._by_layer = {id(watch.layer): watch for watch in self._watches}
        self._plan = _plan_views(self.model, self._by_layer)
        self._order: dict[int, _LayerWatch] = {}  # call order seen on the tape
        self._open = 0  # tape: watched layers waiting for their sampled step to finish
        self._sampling = False
        self._input_rms = math.nan
        self._data_losses: list[float] = []
        self._sampled: list[dict[str, Any]] = []
        self._warned: set[tuple[str, str]] = set()
        self.advice = []
        self._hooks = [watch.layer.register_forward_hook(self._record) for watch in self._watches]
        self._upstream: list[Advice] | None = None  # lint's findings, read when first needed
        self._max_update = 0.0
        self._initial_bias = {
            watch.name: float(np.mean(watch.layer.bias.data))
            for watch in self._watches
            if watch.layer.bias is not None
        }
        self._started = started
        self._spent = time.perf_counter() - started

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for hook in getattr(self, "_hooks", ()):
            hook.remove()
        self._hooks = []
        self._sampling = False
        self.advice = self._diagnose(final=True)
        history = self.model.history
        history.advice = merge(getattr(history, "advice", None) or [], self.advice)

    # ----------------------------------------------------------------- sampling
    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        last = epoch + 1 == self.model.history.params.get("epochs") or _checkpoint(epoch)
        if self.sample_every is not None:
            take = epoch % self.sample_every == 0 or last
        else:
            elapsed = time.perf_counter() - self._started
            take = not self._sampled or last or self._spent <= self.budget * elapsed
        self._take = take
        self._sampling = take and self._plan is None  # tape: the hooks catch the first batch
        self._open = 0
        for watch in self._watches:
            watch.figures = {}
            watch.weight_before = None

    def _record(self, module: Module, args: Any, out: Any) -> None:
        """Tape path: the first batch's outputs and weights; its gradient and update at the
        layer's next call (the step is done by then)."""
        if not self._sampling:
            return
        watch = self._by_layer[id(module)]
        if watch.weight_before is None:
            self._order.setdefault(id(module), watch)
            if len(self._order) == 1 or (not self._open and math.isnan(self._input_rms)):
                source = getattr(args[0], "data", None)
                if isinstance(source, np.ndarray) and source.size:
                    self._input_rms = math.sqrt(float(np.vdot(source, source)) / source.size)
            watch.observe(out.data.reshape(-1, out.shape[-1]))
            watch.weight_before = watch.layer.weight.data.copy()
            self._open += 1
        elif "update_ratio" not in watch.figures and "grad_norm" not in watch.figures:
            watch.step_figures(watch.layer.weight.grad, watch.weight_before, 1.0)
            self._open -= 1
            if self._open == 0:
                self._sampling = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        loss = logs.get("loss")
        if loss is not None:
            self._data_losses.append(loss - logs.get("regularization", 0.0))
        if not self._take:
            self.model.history.health.append({})
            return
        started = time.perf_counter()
        self._sampling = False
        if self._plan is not None and self._plan.plan._batch and not self._open:
            ordered = self._plan.read(self._by_layer)
            x = self._plan.plan._x
            if x is not None and x.size:
                self._input_rms = math.sqrt(float(np.vdot(x, x)) / x.size)
        else:
            for watch in self._watches:  # a one-batch epoch: its step is the last one
                if watch.weight_before is not None and "update_ratio" not in watch.figures:
                    watch.step_figures(watch.layer.weight.grad, watch.weight_before, 1.0)
            ordered = [
                *self._order.values(),
                *(w for w in self._watches if id(w.layer) not in self._order),
            ]
        entry: dict[str, Any] = {watch.name: watch.figures for watch in ordered}  # fresh each epoch
        norms = [entry[watch.name].get("grad_norm") for watch in ordered]
        if norms and norms[0] is not None and norms[-1] is not None:
            entry["first_last_grad_ratio"] = _ratio(norms[0], norms[-1])
        self.model.history.health.append(entry)
        self._max_update = max(
            [
                self._max_update,
                *(f.get("update_ratio", 0.0) for f in entry.values() if isinstance(f, dict)),
            ]
        )
        self._sampled.append({"epoch": epoch, "entry": entry, "layers": ordered})
        if _checkpoint(epoch) and self.verbose:  # warn early once training is seen to fail
            stop = getattr(self.model.history, "stop_reason", None)
            if _failing(self._data_losses, stop, _expected_loss(self.model))[0]:
                self._diagnose(final=False)
        self._spent += time.perf_counter() - started

    # ----------------------------------------------------------------- diagnosis
    def _diverged(self) -> bool:
        """The loss jumped: the first epoch far above an untrained network's, or a rise of
        half between epochs (the learning rate's signature, not the initialization's)."""
        losses = [v for v in self._data_losses if math.isfinite(v)]
        stop = getattr(self.model.history, "stop_reason", None)
        if len(losses) < len(self._data_losses) or stop == "non_finite":
            return True
        expected = _expected_loss(self.model)
        if losses and expected is not None and losses[0] > 3 * expected:
            return True
        return any(b > 1.5 * a for a, b in itertools.pairwise(losses))

    def _design_faults(self) -> list[Advice]:
        if self._upstream is None:
            self._upstream = [a for a in lint(self.model, verbose=0) if a.severity != "info"]
        return self._upstream

    def _diagnose(self, final: bool) -> list[Advice]:
        """The causes behind the latest sampled figures; warnings only when the loss is
        not falling; each warning raised once per fit."""
        if not self._sampled:
            return []
        failing, progress = _failing(
            self._data_losses,
            getattr(self.model.history, "stop_reason", None),
            _expected_loss(self.model),
        )
        sample = self._sampled[-1]
        advice = merge(self._findings(sample["entry"], sample["layers"], failing, progress))
        if any(a.cause in ("lr_high", "lr_low") for a in advice) and self._design_faults():
            # a design fault lint found explains learning-rate symptoms
            advice = [a for a in advice if a.cause not in ("lr_high", "lr_low")]
        fresh = [
            a for a in advice if a.severity != "info" and (a.cause, a.where) not in self._warned
        ]
        self._warned.update((a.cause, a.where) for a in fresh)
        if self.verbose and fresh:
            show(fresh, HealthWarning, self.verbose)
        return advice

    def _findings(
        self, entry: dict[str, Any], layers: list[_LayerWatch], failing: bool, progress: dict
    ) -> list[Advice]:
        findings = _Findings(
            "warning" if failing else "info",
            {"loss_progress": progress, "input_rms": self._input_rms},
            large_inputs=self._input_rms > 10,
            lr=_learning_rate(self.model),
        )
        updates = [entry[w.name].get("update_ratio") for w in layers]
        largest_update = max((u for u in updates if u is not None), default=math.nan)
        for watch in layers:
            figures = entry[watch.name]
            bias_mean = self._initial_bias.get(watch.name, 0.0)  # the init, not what training did
            dead = figures.get("dead_fraction", 0.0)
            if dead > self.dead_threshold:
                self._dead_units(findings, watch, dead, bias_mean, largest_update)
            # a saturated sigmoid output is a confident prediction, not a fault
            saturated = figures.get("saturation_fraction", 0.0) if watch is not layers[-1] else 0.0
            if saturated > self.saturation_threshold:
                _saturated_units(findings, watch, saturated, bias_mean)
        self._vanishing_gradient(findings, layers, entry.get("first_last_grad_ratio"))
        self._large_steps(findings, entry, layers, largest_update)
        self._tiny_steps(findings, entry, layers, updates, failing)
        return findings.found

    def _dead_units(
        self,
        findings: _Findings,
        watch: _LayerWatch,
        dead: float,
        bias_mean: float,
        largest_update: float,
    ) -> None:
        """Dead units, blamed on the bias init, the input scale, the steps or the weight init."""
        symptom = f"layer {watch.name}: {dead:.0%} of ReLU units dead (never active on a batch)"
        if bias_mean < -0.5:
            findings.add(
                "H001",
                "init_bias",
                watch.name,
                f"{symptom} under a negative bias (mean {bias_mean:.3g}): they get no gradient and never recover",
                "initialize the bias at 0 (bias_initializer='zeros')",
                {"action": "set_initializer", "layers": [watch.name], "bias": "zeros"},
                dead_fraction=dead,
                bias_mean=bias_mean,
            )
        elif findings.large_inputs:
            findings.add(
                "H001",
                "input_scale",
                "data",
                f"{symptom}: the inputs are on a large scale (RMS {self._input_rms:.3g}), so pre-activations are huge",
                "standardize the inputs",
                {"action": "standardize_inputs"},
                dead_fraction=dead,
            )
        elif max(largest_update, self._max_update) > self.max_update_ratio or self._diverged():
            findings.add(
                "H001",
                "lr_high",
                "optimizer",
                f"{symptom} after steps that change the weights by {largest_update:.2g} of their norm: "
                "a too-large learning rate pushed them off",
                "lower the learning rate 10x",
                findings.lower_lr(),
                dead_fraction=dead,
            )
        else:
            findings.add(
                "H001",
                "init_scale",
                watch.name,
                f"{symptom}: its initial weights switch most units off",
                "use kernel_initializer='auto' (he) and a zero bias",
                {
                    "action": "set_initializer",
                    "layers": [watch.name],
                    "kernel": "auto",
                    "bias": "zeros",
                },
                dead_fraction=dead,
                _severity="info",  # a guess: no bias, input or step evidence
            )

    def _vanishing_gradient(
        self, findings: _Findings, layers: list[_LayerWatch], ratio: float | None
    ) -> None:
        """A small first/last gradient ratio: a deep saturating stack, else the init scale."""
        if ratio is None:
            return
        saturating = [w for w in layers[:-1] if is_saturating(w.activation)]
        if len(saturating) >= 4 and ratio < max(self.vanishing_ratio, 1e-2):
            findings.add(
                "H003",
                "depth_saturating",
                "model",
                f"the first layer {layers[0].name} gets {ratio:.1e} times the gradient of the last layer "
                f"{layers[-1].name}: through {len(saturating)} saturating layers the gradient vanishes, so "
                "the first layers barely learn (a larger learning rate would only shake the last layers)",
                "use activation='relu' with he init in the hidden layers, or BatchNorm",
                {
                    "action": "set_activation",
                    "layers": [w.name for w in saturating],
                    "name": "relu",
                },
                first_last_grad_ratio=ratio,
            )
        elif len(layers) > 1 and ratio < self.vanishing_ratio and not findings.found:
            findings.add(
                "H003",
                "init_scale",
                "model",
                f"vanishing gradients: the first layer {layers[0].name} gets {ratio:.1e} times the gradient "
                f"of the last layer {layers[-1].name}",
                "use kernel_initializer='auto' (he for relu, glorot for sigmoid/tanh)",
                {"action": "set_initializer", "layers": None, "kernel": "auto"},
                first_last_grad_ratio=ratio,
            )

    def _large_steps(
        self,
        findings: _Findings,
        entry: dict[str, Any],
        layers: list[_LayerWatch],
        largest_update: float,
    ) -> None:
        """Exploding gradients or steps: the input scale, else the learning rate."""
        exploding = [
            w for w in layers if entry[w.name].get("grad_norm", 0.0) > self.exploding_grad_norm
        ]
        if not exploding and not largest_update > self.max_update_ratio:
            return
        large_inputs = findings.large_inputs
        worst = max(entry[w.name].get("grad_norm", 0.0) for w in layers)
        findings.add(
            "H004",
            "input_scale" if large_inputs else "lr_high",
            "data" if large_inputs else "optimizer",
            f"gradient norm up to {worst:.3g} and steps that change the weights by up to "
            f"{largest_update:.2g} of their norm (healthy is about 1e-3): "
            + (
                "the inputs are on a large scale"
                if large_inputs
                else "the learning rate is too large"
            ),
            "standardize the inputs"
            if large_inputs
            else "lower the learning rate 10x (or clip gradients)",
            {"action": "standardize_inputs"} if large_inputs else findings.lower_lr(),
            grad_norm=worst,
            update_ratio=largest_update,
        )

    def _tiny_steps(
        self,
        findings: _Findings,
        entry: dict[str, Any],
        layers: list[_LayerWatch],
        updates: list[float | None],
        failing: bool,
    ) -> None:
        """Tiny steps in every layer (with nothing else found): the learning rate is too low."""
        known = [
            u
            for u, w in zip(updates, layers, strict=True)
            if u is not None and entry[w.name].get("grad_norm", 0) > 0
        ]
        # tiny steps in every layer: below the threshold, or below 1e-4 while nothing is learnt
        tiny = max(self.min_update_ratio, 1e-4 if failing else 0.0)
        if not findings.found and known and max(known) < tiny:
            lr = findings.lr
            findings.add(
                "H005",
                "lr_low",
                "optimizer",
                f"each step changes the weights by at most {max(known):.2e} of their norm in every layer "
                "(healthy is about 1e-3): the learning rate is too small",
                "raise the learning rate 10x (or use ln.lr_find)",
                {"action": "set_lr", "value": lr * 10 if lr else None},
                update_ratio=max(known),
            )


@dataclass
class _Findings:
    """The advice one diagnosis collects, with the severity and evidence they share."""

    severity: str
    evidence: dict[str, Any]
    large_inputs: bool
    lr: float | None
    found: list[Advice] = field(default_factory=list)

    def add(
        self,
        code: str,
        cause: str,
        where: str,
        message: str,
        fix: str,
        remedy: Any,
        **evidence: Any,
    ) -> None:
        level = evidence.pop("_severity", self.severity)
        advice = Advice(
            code, level, cause, where, message, fix, remedy, {**self.evidence, **evidence}
        )
        self.found.append(advice)

    def lower_lr(self) -> dict[str, Any]:
        return {"action": "set_lr", "value": self.lr / 10 if self.lr else None}


def _saturated_units(
    findings: _Findings, watch: _LayerWatch, saturated: float, bias_mean: float
) -> None:
    """Saturated units, blamed on the input scale, the bias init or the weight init."""
    limit = saturation_limit(watch.activation) or 0
    symptom = (
        f"layer {watch.name}: {saturated:.0%} of {name_of(watch.activation)} activations "
        f"saturated (|z| > {limit:g}), where the derivative is almost 0"
    )
    if findings.large_inputs:
        rms = findings.evidence["input_rms"]
        findings.add(
            "H002",
            "input_scale",
            "data",
            f"{symptom}: the inputs are on a large scale (RMS {rms:.3g})",
            "standardize the inputs",
            {"action": "standardize_inputs"},
            saturation_fraction=saturated,
        )
    elif abs(bias_mean) > 2:
        findings.add(
            "H002",
            "init_bias",
            watch.name,
            f"{symptom}: its bias (mean {bias_mean:.3g}) pushes them into the tails",
            "initialize the bias at 0",
            {"action": "set_initializer", "layers": [watch.name], "bias": "zeros"},
            saturation_fraction=saturated,
        )
    else:
        findings.add(
            "H002",
            "init_scale",
            watch.name,
            f"{symptom}: the weights are too large for {name_of(watch.activation)}",
            "use kernel_initializer='auto' (glorot for sigmoid/tanh)",
            {"action": "set_initializer", "layers": [watch.name], "kernel": "auto"},
            saturation_fraction=saturated,
        )


def _checkpoint(epoch: int) -> bool:
    """Epochs 5, 10, 20, 40, ... (counting from 1): where training is judged early."""
    return (epoch + 1) % 5 == 0 and ((epoch + 1) // 5) & (epoch // 5) == 0


def _expected_loss(model: Module) -> float | None:
    """ln C for a C-class cross-entropy on class labels (what an untrained network scores)."""
    loss = getattr(training_state(model), "loss", None)
    dense = [m for m in model.modules() if isinstance(m, Dense)]
    if not dense or getattr(loss, "family", None) != "cross_entropy" or not takes_labels(loss):
        return None
    return math.log(max(dense[-1].units, 2))


def _learning_rate(model: Module) -> float | None:
    optimizer = getattr(model, "optimizer", None)
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else None


def _failing(
    losses: list[float], stop_reason: Any, chance: float | None = None
) -> tuple[bool, dict[str, Any]]:
    """Whether training is failing: a non-finite stop, a data loss that fell less than
    :data:`FAILING_DROP` below the first epoch's, rose well above its best, or ends where
    an untrained network starts (``chance``, ln C for C classes)."""
    finite = [v for v in losses if math.isfinite(v)]
    progress = {
        "epochs": len(losses),
        "first_loss": finite[0] if finite else None,
        "last_loss": finite[-1] if finite else None,
    }
    if (isinstance(stop_reason, str) and "non" in stop_reason) or len(finite) < len(losses):
        return True, progress
    if len(finite) < 3:
        return False, progress
    first, last, best = finite[0], finite[-1], min(finite)
    drop = (first - last) / abs(first) if first else 0.0
    progress["drop"] = drop
    at_chance = chance is not None and last > 0.9 * chance
    # rising again: above its best by half and back above half of where it started
    return drop < FAILING_DROP or at_chance or (last > 1.5 * best and last > 0.5 * first), progress


class _PlanViews:
    """Where the compiled plan keeps each watched layer's activations, gradient and the
    weights before the last step (the NaN guard's copy)."""

    def __init__(self, plan: Any, places: list[tuple[_LayerWatch, int, Any, int]]) -> None:
        self.plan = plan
        self.places = places  # (watch, step index, flat group, parameter index)

    def read(self, by_layer: dict[int, _LayerWatch]) -> list[_LayerWatch]:
        plan = self.plan
        scale = 1.0
        if plan.fused:  # plain SGD keeps -lr * gradient in the flat gradient
            scale = abs(float(plan.optimizer.param_groups[0]["lr"]))
        watches = []
        for watch, index, group, position in self.places:
            buffer, step = plan._batch[index], plan.steps[index]
            watch.observe(buffer.a.T)
            before = group.views[1 - group.current][position]
            watch.step_figures(step.weight_grad, before, scale)
            watches.append(watch)
        return watches


def _plan_views(model: Module, by_layer: dict[int, _LayerWatch]) -> _PlanViews | None:
    """The compiled plan ``fit`` runs for ``model``, if any, mapped to the watches."""
    plan = getattr(training_state(model), "plan", None)
    if plan is None or getattr(plan, "model", None) is not model:
        return None
    places = []
    for index, step in enumerate(plan.steps):
        watch = by_layer.get(id(step.layer))
        group = next((g for g in plan.groups if any(p is step.weight for p in g.params)), None)
        if watch is None or group is None:
            return None
        position = next(i for i, p in enumerate(group.params) if p is step.weight)
        places.append((watch, index, group, position))
    return _PlanViews(plan, places)


def warn_grad_accumulation(optimizer_name: str) -> None:
    """The optimizer's warning: a gradient applied again without ``zero_grad()`` between."""
    advice = Advice(
        "O001",
        "warning",
        "grad_accumulation",
        "optimizer",
        f"{optimizer_name}.step() applied a gradient that an earlier step already applied: "
        "without zero_grad() the gradients of every batch add up, so each step repeats all "
        "the earlier ones",
        "call optimizer.zero_grad() before each loss.backward()",
        {"action": "zero_grad_each_step"},
        {"optimizer": optimizer_name},
    )
    show([advice], HealthWarning)


def diagnose_non_finite(model: Module, value: float, epoch: int, batch: int | None) -> Advice:
    """The NaN guard's finding as an Advice (cause ``non_finite``; ``batch`` None: the
    weights, not the loss, were found non-finite at the epoch's end).  It is a symptom:
    merged with other advice it becomes evidence of the cause found (learning rate, input
    scale, summed loss ...)."""
    optimizer = getattr(model, "optimizer", None)
    lr = None
    if optimizer is not None and getattr(optimizer, "param_groups", None):
        lr = optimizer.param_groups[0].get("lr")
    what = "the weights became non-finite" if batch is None else f"loss became {value}"
    where = f"epoch {epoch + 1}" + ("" if batch is None else f", batch {batch + 1}")
    return Advice(
        "N001",
        "error",
        "non_finite",
        "model",
        f"{what} at {where}; training stopped and the weights of the last good step were restored",
        "lower the learning rate, scale the inputs, or clip gradients",
        {"action": "set_lr", "value": lr / 10} if isinstance(lr, (int, float)) and lr else None,
        {"value": value, "epoch": epoch, "batch": batch, "lr": lr},
    )


def _watches_for(model: Module) -> list[_LayerWatch]:
    """One watch per Dense-like module, with the activation applied to its output."""
    graph = layer_graph(model)
    activation = {
        id(step.layer): graph.activation_after(index) for index, step in enumerate(graph.steps)
    }
    watches = []
    for name, layer in model.named_modules():
        if not isinstance(layer, Dense) or layer.weight is None or not layer.weight.requires_grad:
            continue
        own = layer.activation
        after = activation.get(id(layer), own)
        watch = _LayerWatch(name or layer.name, layer, after, post_activation=not is_identity(own))
        limit = saturation_limit(after)
        if limit is not None:
            if watch.post_activation:
                function = activation_registry.get(after)
                low, high = function.forward(np.array([-limit, limit], dtype=np.float64))
                watch.saturation_bounds = (float(low), float(high))
            else:
                watch.saturation_bounds = (-limit, limit)
        watches.append(watch)
    return watches


def _norm(array: np.ndarray) -> float:
    """L2 (Frobenius) norm; ``vdot`` is the cheapest NumPy route for it."""
    return math.sqrt(float(np.vdot(array, array)))


def _ratio(numerator: float, denominator: float) -> float:
    if denominator > 0:
        return numerator / denominator
    return math.inf if numerator > 0 else math.nan


__all__ = [
    "HealthMonitor",
    "HealthWarning",
    "diagnose_non_finite",
    "warn_grad_accumulation",
]
