"""One piece of diagnostic advice: what is wrong, its cause, where, and the structured fix.

Every finding of ``ln.lint``, ``ln.preflight``, ``HealthMonitor`` and the NaN guard is an
:class:`Advice`.  Its ``cause`` names the root cause (one of :data:`CAUSES`), its
``remedy`` is a structured fix ``{"action": ..., **params}`` with an action from
:data:`REMEDIES` that :func:`lucidnet.apply_remedy` can apply, and ``evidence`` holds
the numbers that led to it.  :func:`ordered` puts the most upstream cause first
(data before the architecture, before the initialization, the loss, the optimizer),
errors and warnings before info; :func:`format_report` prints a list one line each::

    error   L004 [output_loss_mismatch] layer out: softmax output with binary CE ... -> fix: ...
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

SEVERITIES = ("error", "warning", "info")
"""From most to least serious: ``error`` (it cannot learn or is wrong), ``warning`` (it is
predicted or observed to train badly), ``info`` (a better choice exists; it learns anyway)."""

#: Root causes, most upstream first (the order :func:`ordered` uses), with what each means.
CAUSES: dict[str, str] = {
    "labels_misaligned": "the labels do not depend on the inputs (shuffled or misaligned rows)",
    "input_scale": "input features on a large scale (not standardized)",
    "class_imbalance": "one class dominates the labels",
    "no_nonlinearity": "affine layers with no non-linearity between them collapse to one",
    "double_softmax": "probabilities fed to a loss that applies softmax itself",
    "output_loss_mismatch": "the output activation does not produce what the loss expects",
    "depth_saturating": "a deep stack of saturating activations: gradients vanish on the way back",
    "init_symmetric": "units start identical and receive identical gradients",
    "init_scale": "initial weights too large (or too small) for the activation",
    "init_bias": "a bias initialization that switches units off (dead ReLUs) or saturates them",
    "loss_reduction": "a summed loss: its size and gradient grow with the batch",
    "over_regularized": "the weight penalty dominates the loss and pulls the weights to 0",
    "lr_high": "learning rate too high: the loss jumps or diverges",
    "lr_low": "learning rate too low: the weights barely move",
    "grad_accumulation": "gradients applied again without zero_grad() in between",
    "non_finite": "the loss or the weights became NaN or infinite",
}

#: Structured fixes ``{"action": name, **params}``: the action names and their parameters.
REMEDIES: dict[str, tuple[str, ...]] = {
    "set_initializer": ("layers", "kernel", "bias"),
    "set_activation": ("layers", "name"),
    "set_output_activation": ("name",),
    "set_loss": ("name", "options"),
    "set_reduction": ("reduction",),
    "set_lr": ("value",),
    "set_optimizer": ("name", "lr"),
    "set_regularizer": ("layers", "l1", "l2"),
    "standardize_inputs": (),
    "set_output_bias_prior": (),
    "use_class_weights": (),
    "reduce_depth": ("layers",),
    "zero_grad_each_step": (),
    "check_data_pipeline": (),
}


@dataclass(frozen=True)
class Advice:
    """A finding: ``code`` (stable id such as ``"L004"``), ``severity`` (one of
    :data:`SEVERITIES`), ``cause`` (one of :data:`CAUSES`), ``where`` (a layer name, or
    ``"data"``, ``"loss"``, ``"optimizer"``, ``"model"``), ``message`` (what is wrong and
    why), ``fix`` (what to change, in words), ``remedy`` (the fix as
    ``{"action": ..., **params}`` or None) and ``evidence`` (the numbers behind it).

    >>> item = Advice("L003", "warning", "no_nonlinearity", "dense", "no non-linearity",
    ...               "add activation='relu'", {"action": "set_activation", "layers": ["dense"],
    ...               "name": "relu"})
    >>> print(item)
    warning L003 [no_nonlinearity] layer dense: no non-linearity -> fix: add activation='relu'
    """

    code: str
    severity: str
    cause: str
    where: str
    message: str
    fix: str = ""
    remedy: dict[str, Any] | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if self.cause not in CAUSES:
            raise ValueError(f"cause must be one of {sorted(CAUSES)}, got {self.cause!r}")
        if self.remedy is not None and self.remedy.get("action") not in REMEDIES:
            raise ValueError(
                f"remedy action must be one of {sorted(REMEDIES)}, got {self.remedy!r}"
            )

    def __str__(self) -> str:
        location = self.where if self.where in _PLACES else f"layer {self.where}"
        text = f"{self.severity:<7} {self.code} [{self.cause}] {location}: {self.message}"
        return f"{text} -> fix: {self.fix}" if self.fix else text

    def to_dict(self) -> dict[str, Any]:
        """The advice as plain data (JSON-able when the evidence is)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "cause": self.cause,
            "where": self.where,
            "message": self.message,
            "fix": self.fix,
            "remedy": self.remedy,
            "evidence": self.evidence,
        }


_PLACES = frozenset({"data", "loss", "optimizer", "model"})
_UPSTREAM = {cause: rank for rank, cause in enumerate(CAUSES)}


def ordered(advice: Iterable[Advice]) -> list[Advice]:
    """The most severe first (errors, warnings, info); within a severity the most upstream
    cause first (the order of :data:`CAUSES`); the order found is kept otherwise."""
    return sorted(advice, key=lambda a: (SEVERITIES.index(a.severity), _UPSTREAM[a.cause]))


def by_severity(advice: Iterable[Advice]) -> list[Advice]:
    """Errors first, then warnings, then info; the order found is kept within each."""
    return sorted(advice, key=lambda item: SEVERITIES.index(item.severity))


def merge(*groups: Iterable[Advice]) -> list[Advice]:
    """One advice per problem: the same cause at the same place keeps its most severe
    finding, and one finding (same code and cause) in several layers becomes one advice
    whose remedy names all of them (the other layers' evidence under ``"also"``)."""
    kept: dict[tuple[str, str], Advice] = {}
    for item in ordered(a for group in groups for a in group):
        key = (item.cause, item.where)
        if key in kept:
            continue
        twin = next(
            (k for k, a in kept.items() if a.code == item.code and a.cause == item.cause), None
        )
        if twin is not None and _layers(kept[twin]) is not None and _layers(item) is not None:
            first = kept[twin]
            layers = [*_layers(first), *(n for n in _layers(item) if n not in _layers(first))]
            also = [*first.evidence.get("also", []), {"where": item.where, **item.evidence}]
            kept[twin] = replace(
                first,
                remedy={**first.remedy, "layers": layers},
                evidence={**first.evidence, "also": also},
            )
            continue
        kept[key] = item
    return ordered(one_cause_per_problem(list(kept.values())))


def _layers(item: Advice) -> list[str] | None:
    layers = (item.remedy or {}).get("layers")
    return layers if isinstance(layers, list) else None


_UPSTREAM_OF_LR = {
    "labels_misaligned",
    "input_scale",
    "no_nonlinearity",
    "double_softmax",
    "output_loss_mismatch",
    "depth_saturating",
    "init_symmetric",
    "init_scale",
    "init_bias",
    "loss_reduction",
    "over_regularized",
}


def one_cause_per_problem(advice: list[Advice]) -> list[Advice]:
    """Symptoms under their cause: a learning-rate finding under an upstream design cause,
    and the NaN guard's ``non_finite`` under any other cause, become evidence of the first
    such cause (they are what it did), not advice of their own."""
    serious = [a for a in advice if a.severity != "info"]
    upstream = [a for a in serious if a.cause in _UPSTREAM_OF_LR]
    explains = [a for a in serious if a.cause != "non_finite"]
    folds = []
    if upstream:
        folds += [(upstream[0], a) for a in advice if a.cause in ("lr_high", "lr_low")]
    if explains:
        head = upstream[0] if upstream else explains[0]
        folds += [(head, a) for a in advice if a.cause == "non_finite"]
    if not folds:
        return advice
    symptoms = [symptom for _, symptom in folds]
    kept = [a for a in advice if a not in symptoms]
    heads = list({id(head): head for head, _ in folds}.values())
    for head in heads:
        listed = [f"{s.cause}: {s.message}" for h, s in folds if h is head]
        evidence = {**head.evidence, "symptoms": [*head.evidence.get("symptoms", []), *listed]}
        kept[kept.index(head)] = replace(head, evidence=evidence)
    return kept


def format_report(advice: Iterable[Advice], title: str = "lint") -> str:
    """The printed report: a count line, then one line per advice (most important first).

    An empty list gives ``"lint: no problems found"``.
    """
    items = ordered(advice)
    if not items:
        return f"{title}: no problems found"
    counts = ", ".join(
        f"{n} {severity}{'s' if n > 1 and severity != 'info' else ''}"
        for severity in SEVERITIES
        if (n := sum(item.severity == severity for item in items))
    )
    return "\n".join([f"{title}: {counts}", *(str(item) for item in items)])


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised here point at the first caller
    outside lucidnet (the user's own line)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def show(
    advice: Iterable[Advice], category: type[Warning], verbose: int = 1, title: str = ""
) -> None:
    """Show each finding once: errors and warnings as a Python warning of ``category``
    pointing at the user's line, info printed (``verbose >= 1``); ``verbose=0`` is silent."""
    if not verbose:
        return
    for item in advice:
        if item.severity == "info":
            print(f"{title}: {item}" if title else str(item))
        else:
            warnings.warn(category(str(item), item), stacklevel=user_stacklevel())


class DiagnosticWarning(UserWarning):
    """A warning that carries its :class:`Advice` as ``.advice`` (None for plain text)."""

    def __init__(self, message: str, advice: Advice | None = None) -> None:
        super().__init__(message)
        self.advice = advice

    @property
    def cause(self) -> str | None:
        """The advice's cause, or None."""
        return None if self.advice is None else self.advice.cause


class HealthWarning(DiagnosticWarning):
    """A training-health problem found by ``preflight``, ``HealthMonitor``, the optimizer or
    the NaN guard; ``.advice`` holds the :class:`Advice`."""


class LintWarning(DiagnosticWarning):
    """An error or warning found by ``lint`` when ``compile(..., lint=True)`` runs it."""


__all__ = [
    "CAUSES",
    "REMEDIES",
    "SEVERITIES",
    "Advice",
    "DiagnosticWarning",
    "HealthWarning",
    "LintWarning",
    "by_severity",
    "format_report",
    "merge",
    "one_cause_per_problem",
    "ordered",
    "show",
    "user_stacklevel",
]
