"""Regenerate docs/images/playground*.png: the playground in headless chromium.

    python docs/make_playground_screenshot.py

Needs the playground extra, playwright and Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

import lucidnet as ln

IMAGES = Path(__file__).resolve().parent / "images"
SHOTS = {
    # three-class spirals, sin features, two ReLU layers, Adam: the multi-class display
    "playground.png": (
        "dataset=spiral&classes=3&noise=10&features=x1,x2,sinx1,sinx2"
        "&layers=12-relu,8-relu&optimizer=adam&learning_rate=0.01&speed=normal&seed=4",
        9000,
        "neuron-2-3",
    ),
    # a dying-ReLU net: the health panel says which layer died and what to do
    "playground_health.png": (
        "dataset=spiral&layers=8-relu,8-relu,8-relu&learning_rate=1&health_every=1&seed=1&speed=slow",
        2600,
        None,
    ),
}


def main() -> None:
    server = ln.playground.serve(port=0, seed=0)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox"]
            )
            for name, (fragment, milliseconds, neuron) in SHOTS.items():
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(f"{server.url}#{fragment}")
                page.wait_for_function("() => window.lucidnetPlayground.model")
                page.click("[data-testid=play]")
                page.wait_for_timeout(milliseconds)
                if page.is_visible("[data-testid=pause]"):
                    page.click("[data-testid=pause]")
                if neuron:
                    page.click(f"[data-testid={neuron}]")
                page.mouse.move(2, 2)
                page.wait_for_timeout(500)
                path = IMAGES / name
                page.screenshot(path=str(path), full_page=True)
                _shrink(path)
                page.close()
            browser.close()
    finally:
        server.stop()


def _shrink(path: Path) -> None:
    """256 colours are plenty for this page: the PNG gets 3-4x smaller."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True
        )


if __name__ == "__main__":
    main()
