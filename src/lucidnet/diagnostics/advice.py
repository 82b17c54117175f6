"""One piece of diagnostic advice (what is wrong, where, how to fix it) and its printed report.

``ln.lint`` returns a list of :class:`Advice`; :func:`format_report` turns such a
list into the compact text it prints, one line per advice, errors first::

    error   L004 layer dense_2: softmax output with binary_crossentropy ... -> fix: ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")
"""From most to least serious: ``error`` (it will not train or is wrong), ``warning``
(it will train badly), ``info`` (a better choice exists)."""


@dataclass(frozen=True)
class Advice:
    """A finding: ``code`` (e.g. ``"L004"``), ``severity`` (one of :data:`SEVERITIES`),
    ``where`` (a layer name or ``"model"``), ``message`` (what is wrong and why) and
    ``fix`` (what to change).

    >>> print(Advice("L003", "warning", "dense", "no non-linearity", "add activation='relu'"))
    warning L003 layer dense: no non-linearity -> fix: add activation='relu'
    """

    code: str
    severity: str
    where: str
    message: str
    fix: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")

    def __str__(self) -> str:
        location = "model" if self.where == "model" else f"layer {self.where}"
        text = f"{self.severity:<7} {self.code} {location}: {self.message}"
        return f"{text} -> fix: {self.fix}" if self.fix else text


def by_severity(advice: Iterable[Advice]) -> list[Advice]:
    """Errors first, then warnings, then info; the order found is kept within each."""
    return sorted(advice, key=lambda item: SEVERITIES.index(item.severity))


def format_report(advice: Iterable[Advice], title: str = "lint") -> str:
    """The printed report: a count line, then one line per advice (errors first).

    An empty list gives ``"lint: no problems found"``.
    """
    items = by_severity(advice)
    if not items:
        return f"{title}: no problems found"
    counts = ", ".join(
        f"{n} {severity}{'s' if n > 1 and severity != 'info' else ''}"
        for severity in SEVERITIES
        if (n := sum(item.severity == severity for item in items))
    )
    return "\n".join([f"{title}: {counts}", *(str(item) for item in items)])
