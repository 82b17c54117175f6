"""Printed reports that a notebook shows once: ``model.summary()``, ``ln.lint()``, ...

A report is printed when it is made (as Keras's ``summary()`` is) and also
returned, as a :class:`Report`: a ``str`` (so ``print(...)``, ``str(...)`` and
comparisons work as before) whose ``repr`` is the text itself, not an escaped
string.  In IPython or Jupyter :func:`show` displays it instead of printing it
(with an HTML rendering when the report has one), and the echo of the returned
value at the end of the same cell is skipped, so the report appears once.
Nothing here imports IPython: it is used only when it is already running.

>>> report = Report("Total params: 26")
>>> report
Total params: 26
>>> report == "Total params: 26"
True
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from typing import Any


class ShownOnce:
    """Mixin for a printed report: IPython shows it once, not again as the cell's echo.

    A class mixes it in and defines ``report_text()`` (and may define
    ``report_html()``); :func:`show` prints or displays it.  A list of findings, for
    example, can be ``class Findings(list, ShownOnce)``.
    """

    _shown_in: int | None = None  # the IPython cell in which show() displayed it

    def report_text(self) -> str:
        raise NotImplementedError

    def report_html(self) -> str:
        return f"<pre>{html.escape(self.report_text())}</pre>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.report_text())

    def _repr_html_(self) -> str:
        return self.report_html()

    def _ipython_display_(self) -> None:
        """Display in IPython, except as the echo of the cell that already showed it."""
        shell = _ipython_shell()
        if shell is not None and self._shown_in == shell.execution_count:
            return
        from IPython.display import display  # IPython is running, so this is cheap

        display({"text/plain": self.report_text(), "text/html": self.report_html()}, raw=True)


class Report(ShownOnce, str):
    """Text of a report (a ``str``); ``html`` (optional) is its rich form for Jupyter."""

    _html: str | None

    def __new__(cls, text: str, html: str | None = None) -> Report:
        report = super().__new__(cls, text)
        report._html = html
        return report

    def __repr__(self) -> str:
        return str(self)

    def report_text(self) -> str:
        return str(self)

    def report_html(self) -> str:
        return self._html or super().report_html()


def _ipython_shell() -> Any:
    """The running IPython shell, or None (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def show(report: ShownOnce, print_fn: Callable[[str], Any] | None = print) -> Any:
    """Print ``report`` with ``print_fn`` (None: stay silent), or display it once in IPython;
    returns ``report``."""
    if print_fn is None:
        return report
    shell = _ipython_shell()
    if shell is not None and print_fn is print:
        report._shown_in = None
        report._ipython_display_()
        report._shown_in = shell.execution_count
    else:
        print_fn(report.report_text())
    return report
