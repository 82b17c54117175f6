"""The import contract: the layers of the package point one way.

engine <- blocks <- models <- training <- tools <- nn.  A module may import from its
own layer or below, never above, not even lazily inside a function: the building
blocks know nothing of training, as Keras's ``Layer`` knows nothing of its ``Trainer``.
Every import statement in the source is read (an AST walk), so a function-level
``from ..training import x`` counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "lucidnet"

# Rank of each top-level part of the package; a module may import ranks <= its own.
LAYERS = {
    "_checks": 0,
    "_kernels": 0,
    "_registry": 0,
    "_report": 0,
    "engine": 0,
    "blocks": 1,
    "models": 2,
    "training": 3,
}
# Tools sit above training; the nn facade above everything.
TOOLS_RANK, FACADE_RANK = 4, 5
# The layers whose contract is strict (tools may reach each other, lazily, for optional parts).
CHECKED = ("engine", "blocks", "models")


def _rank(part: str) -> int:
    if part == "nn":
        return FACADE_RANK
    return LAYERS.get(part, TOOLS_RANK)


def _imported_parts(path: Path) -> list[tuple[int, str]]:
    """(line, top-level part of lucidnet) for every lucidnet import in ``path``."""
    package = path.relative_to(SOURCE.parent).with_suffix("").parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            if target[:1] != ["lucidnet"]:
                continue
            if len(target) == 1:  # from lucidnet import x, from . import x
                found += [(node.lineno, alias.name) for alias in node.names]
            else:
                found.append((node.lineno, target[1]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "lucidnet" and len(parts) > 1:
                    found.append((node.lineno, parts[1]))
    return found


def _violations(layer: str) -> list[str]:
    own = _rank(layer)
    return [
        f"{path.relative_to(SOURCE.parent)}:{line} imports lucidnet.{part}"
        for path in sorted((SOURCE / layer).rglob("*.py"))
        for line, part in _imported_parts(path)
        if _rank(part) > own
    ]


@pytest.mark.parametrize("layer", CHECKED)
def test_layer_imports_only_from_itself_and_below(layer):
    assert _violations(layer) == []


def test_the_contract_check_sees_a_lazy_upward_import(tmp_path, monkeypatch):
    fake = tmp_path / "lucidnet" / "blocks"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("def f():\n    from ..training import trainer\n")
    monkeypatch.setattr(f"{__name__}.SOURCE", tmp_path / "lucidnet")
    assert _violations("blocks") == ["lucidnet/blocks/bad.py:2 imports lucidnet.training"]


def test_public_dir_shows_the_api_only():
    import lucidnet

    names = dir(lucidnet)
    assert "Sequential" in names and "nn" in names
    assert not {"sys", "annotations", "engine", "blocks", "training"} & set(names)
