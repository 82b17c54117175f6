"""Notebook manners: reports shown once, an HTML summary, reprs with sizes and activations."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from tests.models.seed_models import sequential_seed_model

import lucidnet as ln
from lucidnet._report import Report, show

Dense = ln.layers.Dense


class FakeShell:
    """What lucidnet reads from IPython's shell: the number of the running cell."""

    execution_count = 5


@pytest.fixture
def ipython(monkeypatch):
    """A stand-in IPython: ``get_ipython()`` and ``IPython.display.display`` recording calls."""
    shell = FakeShell()
    shown: list[dict[str, str]] = []
    package = types.ModuleType("IPython")
    package.get_ipython = lambda: shell
    display_module = types.ModuleType("IPython.display")
    display_module.display = lambda bundle, raw=False: shown.append(bundle)
    package.display = display_module
    monkeypatch.setitem(sys.modules, "IPython", package)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    return shell, shown


def test_summary_is_a_string_whose_repr_is_the_table(capsys) -> None:
    report = sequential_seed_model().summary()
    printed = capsys.readouterr().out
    assert isinstance(report, str) and isinstance(report, Report)
    assert printed == str(report) + "\n"
    assert repr(report) == str(report)  # the REPL echo is the table, not an escaped string
    assert "Total params: 26" in report and "\\n" not in repr(report)


def test_summary_html_is_a_table_of_the_layers() -> None:
    page = sequential_seed_model().summary()._repr_html_()
    assert page.count("<tr>") == 4  # header and three layers
    assert "<td>layer1 (Dense)</td><td>(None, 3)</td><td>12</td>" in page
    assert "Total params: 26 (104.00 B)" in page


def test_in_ipython_the_summary_is_displayed_once(ipython, capsys) -> None:
    shell, shown = ipython
    report = sequential_seed_model().summary()
    assert capsys.readouterr().out == ""  # displayed, not printed
    assert len(shown) == 1 and shown[0]["text/plain"] == str(report)
    assert "<table>" in shown[0]["text/html"]
    report._ipython_display_()  # IPython echoing the cell's value: already shown
    assert len(shown) == 1
    shell.execution_count = 6  # the value shown again in a later cell
    report._ipython_display_()
    assert len(shown) == 2


def test_pretty_printer_writes_the_text() -> None:
    written = []
    printer = types.SimpleNamespace(text=written.append)
    Report("a\nb")._repr_pretty_(printer, cycle=False)
    assert written == ["a\nb"]


def test_show_with_another_print_fn_or_none(ipython) -> None:
    _, shown = ipython
    lines: list[str] = []
    show(Report("text"), lines.append)
    show(Report("silent"), None)
    assert lines == ["text"] and shown == []


def test_summary_of_a_called_subclassed_model_needs_no_input_shape() -> None:
    class Net(ln.Module):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(3, activation="relu")
            self.out = Dense(2)

        def forward(self, x):
            return self.out(self.hidden(x))

    net = Net()
    with pytest.raises(ValueError, match="input_shape="):
        net.summary()
    net(np.ones((4, 3)))
    text = net.summary()
    assert "hidden (Dense)" in text and "Total params: 20" in text


def test_summary_refuses_a_partial_count() -> None:
    class Unused(ln.Module):
        def __init__(self):
            super().__init__()
            self.used = Dense(2, input_shape=(3,))
            self.spare = Dense(5)

        def forward(self, x):
            return self.used(x)

    with pytest.raises(ValueError, match="'spare' has no weights yet"):
        Unused().summary()


def test_reprs_show_sizes_and_activations() -> None:
    assert repr(Dense(32, activation="relu", input_shape=(2,))) == (
        "Dense(units=32, activation='relu', input=2)"
    )
    assert repr(Dense(4)) == "Dense(units=4)"
    assert repr(ln.layers.Linear(3, 2)) == "Linear(in_features=3, out_features=2, bias=True)"
    assert repr(ln.layers.Dropout(0.25)) == "Dropout(rate=0.25)"
    assert repr(ln.layers.Maxout(3, input_shape=(4,))) == "Maxout(units=3, pieces=2, input=4)"
    assert repr(sequential_seed_model()) == "\n".join(
        [
            "Sequential(name='my_Sequential'",
            "  (layer1): Dense(units=3, activation='relu', input=3)",
            "  (layer2): Dense(units=2, activation='relu', input=3)",
            "  (layer3): Dense(units=2, activation='sigmoid', input=2)",
            ")",
        ]
    )


def test_a_list_of_findings_can_be_shown_once_too(ipython, capsys) -> None:
    from lucidnet._report import ShownOnce

    class Findings(list, ShownOnce):
        def report_text(self) -> str:
            return "\n".join(self) or "no problems"

    _shell, shown = ipython
    findings = show(Findings(["dead relu", "lr too high"]))
    assert shown == [{"text/plain": "dead relu\nlr too high", "text/html": shown[0]["text/html"]}]
    assert "<pre>dead relu" in shown[0]["text/html"]
    findings._ipython_display_()  # the cell's echo
    assert len(shown) == 1 and findings == ["dead relu", "lr too high"]
    del sys.modules["IPython"]  # outside IPython: printed
    show(Findings([]))
    assert capsys.readouterr().out == "no problems\n"
