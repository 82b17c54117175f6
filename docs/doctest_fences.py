"""Griffe extension for the docs build: docstring examples (``>>>``) render as code.

Sphinx roles (``:class:`Loss```) in the docstrings read as plain code spans.

Docstrings hold runnable examples in the standard library's doctest form, which
the test suite executes; on the site they are shown as Python console blocks.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_PROMPT = re.compile(r"^(\s*)>>> ")
_SPHINX_ROLE = re.compile(r":(?:class|func|mod|meth|data|attr|obj|exc):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>`` lines, with their ``...`` lines and output, in a pycon fence."""
    lines, out, index = text.splitlines(), [], 0
    while index < len(lines):
        match = _PROMPT.match(lines[index])
        if not match:
            out.append(lines[index])
            index += 1
            continue
        indent = match.group(1)
        block = []
        while index < len(lines) and lines[index].strip() and lines[index].startswith(indent):
            block.append(lines[index][len(indent) :])
            index += 1
        out += [f"{indent}```pycon", *(indent + line for line in block), f"{indent}```"]
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = _SPHINX_ROLE.sub(r"`\1`", obj.docstring.value)  # roles read as code
            obj.docstring.value = fence_doctests(text)
