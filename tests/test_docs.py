"""The documentation site builds in strict mode, offline, and its examples run.

`make docs` builds the same site; a broken docstring (mkdocstrings), a dead
link or a missing picture fails here, so it fails CI.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import lucidnet as ln

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Pages whose ```python blocks run as written (the gallery's draw pictures: `make docs` runs them).
RUNNABLE_PAGES = ("tour.md", "keras.md", "pytorch.md")


def _python_blocks(page: str) -> list[str]:
    """The page's python blocks, but in tabbed pages only the "lucidnet" tab's (not Keras's)."""
    text = (DOCS / page).read_text(encoding="utf-8")
    sections = re.split(r'(?m)^=== "([^"]+)"\n', text)  # [untabbed, title, body, title, body...]
    runnable = [sections[0]] + [
        body
        for title, body in zip(sections[1::2], sections[2::2], strict=True)
        if title == "lucidnet"
    ]
    return [
        "\n".join(line[len(indent) :] for line in body.splitlines())
        for section in runnable
        for indent, body in re.findall(r"(?m)^( *)```python\n(.*?)^\1```", section, flags=re.S)
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs", reason="the docs extra: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "", "HOME": str(out)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_site_builds_strict_with_every_page(site):
    assert (site / "index.html").exists()
    for page in ("tour", "keras", "pytorch", "gallery", "BENCHMARKS", "api/losses"):
        assert (site / page / "index.html").exists(), page
    api = (site / "api" / "activations" / "index.html").read_text(encoding="utf-8")
    assert "leaky_relu" in api and "language-python" in api  # docstrings rendered, examples as code


def test_site_loads_nothing_from_outside(site):
    external = re.compile(
        r"""<(?:script|img|iframe)[^>]*\ssrc=["']https?://|<link[^>]*\shref=["']https?://|url\(["']?https?://|@import\s+["']?https?://|fonts\.googleapis""",
        re.I,
    )
    offenders = [
        str(path.relative_to(site))
        for path in site.rglob("*")
        if path.suffix in {".html", ".css"} and external.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_gallery_shows_every_picture_function():
    text = (DOCS / "gallery.md").read_text(encoding="utf-8")
    for name in ln.viz.__all__:
        assert f"ln.viz.{name}(" in text, name
    for image in re.findall(r"!\[[^\]]*\]\((images/[^)]+)\)", text):
        assert (DOCS / image).is_file(), image


@pytest.mark.parametrize(
    ("page", "index"),
    [(page, i) for page in RUNNABLE_PAGES for i in range(len(_python_blocks(page)))],
)
def test_docs_python_block_runs(page, index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    block = _python_blocks(page)[index]
    exec(compile(block, f"{page} block {index}", "exec"), {"__name__": "__docs__"})
