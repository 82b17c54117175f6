"""Draw the gallery's pictures: run every ```python block of docs/gallery.md in docs/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib

DOCS = Path(__file__).resolve().parent


def gallery_blocks() -> list[str]:
    text = (DOCS / "gallery.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def main() -> None:
    matplotlib.use("Agg")
    (DOCS / "images" / "gallery").mkdir(parents=True, exist_ok=True)
    os.chdir(DOCS)
    for index, block in enumerate(gallery_blocks()):
        exec(compile(block, f"gallery block {index}", "exec"), {"__name__": "__gallery__"})
        print(f"gallery block {index}: drawn")


if __name__ == "__main__":
    main()
