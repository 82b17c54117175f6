"""Playground benchmark: frames per second and latency to the client while training, and CPU used.

Starts ``ln.playground.serve`` in this process, opens the WebSocket (and, with
``--browser``, Debian's chromium through Playwright), sets a workload, presses
play at full speed and measures for ``--seconds``:

* frames/s received by the client (the server caps it at 30 by default);
* latency: receive time minus the frame's render time (``rendered_at``), median and p95;
* epochs/s trained and the server process's CPU use (user + system time / wall time,
  all threads; 100% = one core).

The default workload is the issue's: the 50x50 output grid plus 16 neuron grids
(two hidden layers of 8). Numbers depend on the machine and on what else runs on it.

    python benchmarks/playground_bench.py [--seconds 5] [--browser] [--fps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import lucidnet as ln

WORKLOAD = {
    "dataset": "spiral",
    "classes": 3,
    "layers": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
    "speed": "fast",
    "seed": 0,
}


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def websocket_run(server, seconds: float) -> dict:
    from websockets.sync.client import connect

    port = server.url.split(":")[2].split("/")[0]
    url = f"ws://127.0.0.1:{port}/ws?token={server.token}"
    latencies, sizes, epochs = [], [], []
    with connect(url, origin=f"http://127.0.0.1:{port}", max_size=None) as ws:
        ws.send(json.dumps({"type": "settings", "settings": WORKLOAD}))
        while True:  # wait for the rebuilt model
            message = ws.recv(timeout=30)
            if isinstance(message, str) and json.loads(message).get("classes") == 3:
                break
        ws.send(json.dumps({"type": "play"}))
        started, cpu_started = time.perf_counter(), cpu_seconds()
        while time.perf_counter() - started < seconds:
            message = ws.recv(timeout=30)
            if isinstance(message, bytes):
                header = _header(message)
                latencies.append(time.time() - header["rendered_at"])
                sizes.append(len(message))
                epochs.append(header["epoch"])
        wall = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_started
        ws.send(json.dumps({"type": "pause"}))
    return {
        "client": "websockets",
        "frames_per_second": len(latencies) / wall,
        "latency_ms_median": 1000 * statistics.median(latencies),
        "latency_ms_p95": 1000 * sorted(latencies)[int(0.95 * (len(latencies) - 1))],
        "frame_bytes": int(statistics.median(sizes)),
        "epochs_per_second": (epochs[-1] - epochs[0]) / wall if len(epochs) > 1 else 0.0,
        "cpu_percent": 100 * cpu / wall,
    }


def browser_run(server, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    fragment = "dataset=spiral&classes=3&layers=8-tanh,8-tanh&speed=fast&seed=0"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_context(bypass_csp=True).new_page()
        page.goto(f"{server.url}#{fragment}")
        page.wait_for_function("() => window.lucidnetPlayground.model?.classes === 3")
        page.click("[data-testid=play]")
        page.wait_for_function("() => window.lucidnetPlayground.header?.epoch > 0")
        first = page.evaluate("() => window.lucidnetPlayground.frames")
        started, cpu_started = time.perf_counter(), cpu_seconds()
        page.wait_for_timeout(seconds * 1000)
        drawn = page.evaluate("() => window.lucidnetPlayground.frames") - first
        wall = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_started
        browser.close()
    return {
        "client": "chromium",
        "frames_per_second": drawn / wall,
        "cpu_percent_server": 100 * cpu / wall,
    }


def _header(blob: bytes) -> dict:
    length = int.from_bytes(blob[:4], "little")
    return json.loads(blob[4 : 4 + length])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=30.0, help="the server's frame cap")
    parser.add_argument(
        "--browser", action="store_true", help="also measure frames drawn in chromium"
    )
    args = parser.parse_args()
    server = ln.playground.serve(port=0, seed=0, fps=args.fps)
    try:
        results = [websocket_run(server, args.seconds)]
        if args.browser:
            results.append(browser_run(server, args.seconds))
    finally:
        server.stop()
    print(f"load average before/after: {os.getloadavg()}")
    for result in results:
        print(
            json.dumps(
                {
                    key: round(value, 2) if isinstance(value, float) else value
                    for key, value in result.items()
                }
            )
        )


if __name__ == "__main__":
    main()
