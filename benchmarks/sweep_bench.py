"""Measure ``ln.sweep``'s backends: start-up, overhead per trial, throughput, speedup, crossover.

All in one run, so that the numbers share one machine and one load:

1. **Overhead.** Sweeps of near-empty trials (a stub model whose ``fit`` does nothing):
   ``start`` = wall time of a 1-trial sweep, ``overhead per trial`` =
   (wall(N) - wall(1)) / (N - 1), for serial, local and dask (a fresh LocalCluster, and a
   running one passed as ``client=``, which is what a real cluster costs).
2. **The seeds' width sweep on digits** (widths 4 ... 128, 3 folds: 18 trials) at several
   epoch counts, so that the sweep grows from well under a second to several seconds of
   serial work: wall time, trials/s and speedup over serial for 1 and 2 workers. Every
   backend's scores are checked equal to serial's, bit for bit.
3. **Crossover.** A backend with start-up S, per-trial overhead o and w workers beats serial
   once the serial time T > S / (1 - 1/w - o/t) (t = one trial's time); the table marks the
   measured sizes where it does.

Run from the repository root (about a minute on 2 idle cores; busy cores stretch it):

    .venv/bin/python benchmarks/sweep_bench.py [--epochs 2 20 80] [--json sweep.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np

import lucidnet as ln


class Stub:
    """A model that trains and predicts in no time: the sweep machinery's cost alone."""

    def fit(self, *args: object, **kwargs: object) -> Stub:
        return self


def stub_build(hidden: int) -> Stub:
    return Stub()


def zero(model: object, x: np.ndarray, y: np.ndarray) -> float:
    return 0.0


def digits_build(hidden: int) -> ln.Sequential:
    model = ln.Sequential(
        [ln.layers.Dense(hidden, activation="relu", input_shape=(64,)), ln.layers.Dense(10)]
    )
    model.compile(optimizer=ln.optim.Adam(lr=0.01), loss="softmax_cross_entropy", lint=False)
    return model


def timed(**options: object) -> tuple[float, ln.sweep.SweepResult]:
    started = time.perf_counter()
    result = ln.sweep(refit=False, progress=False, **options)  # type: ignore[arg-type]
    return time.perf_counter() - started, result


def overhead(x: np.ndarray, y: np.ndarray, backends: dict[str, dict], n: int) -> list[dict]:
    rows = []
    for name, options in backends.items():
        one, _ = timed(
            build=stub_build, grid={"hidden": [0]}, x=x, y=y, cv=2, scoring=zero, **options
        )
        many, _ = timed(build=stub_build, grid={"hidden": list(range(n // 2))}, x=x, y=y, cv=2,
                        scoring=zero, **options)  # fmt: skip
        per_trial = (many - one) / (n - 2)
        rows.append({"backend": name, "start_s": one, "overhead_ms": 1000 * per_trial,
                     "empty_trials_per_s": 1 / per_trial})  # fmt: skip
    return rows


def width_sweep(
    x: np.ndarray, y: np.ndarray, backends: dict[str, dict], epochs: list[int]
) -> list[dict]:
    grid = {"hidden": [4, 8, 16, 32, 64, 128]}
    rows = []
    for count in epochs:
        reference = None
        for name, options in backends.items():
            wall, result = timed(
                build=digits_build, grid=grid, x=x, y=y, cv=3, epochs=count, **options
            )
            scores = result.scores
            if reference is None:
                reference, serial = scores, wall
            np.testing.assert_array_equal(scores, reference)  # same bits on every backend
            rows.append({"epochs": count, "backend": name, "wall_s": wall,
                         "trials_per_s": scores.size / wall, "speedup": serial / wall})  # fmt: skip
    return rows


def markdown(overheads: list[dict], sweeps: list[dict]) -> str:
    lines = [
        "| backend | start (s) | overhead per trial (ms) | empty trials/s |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['backend']} | {r['start_s']:.2f} | {r['overhead_ms']:.1f} | {r['empty_trials_per_s']:.0f} |"
              for r in overheads]  # fmt: skip
    lines += [
        "",
        "| epochs | backend | wall (s) | trials/s | speedup vs serial |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r['epochs']} | {r['backend']} | {r['wall_s']:.2f} | {r['trials_per_s']:.1f} | "
              f"{r['speedup']:.2f}x{' (wins)' if r['speedup'] > 1 and r['backend'] != 'serial' else ''} |"
              for r in sweeps]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[2, 20, 80])
    parser.add_argument("--empty-trials", type=int, default=200)
    parser.add_argument("--json", default=None, help="also write the measurements here")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from distributed import Client, LocalCluster

    x, y = ln.datasets.digits()
    load_before = os.getloadavg()
    clusters = {w: LocalCluster(n_workers=w, threads_per_worker=1, host="127.0.0.1",
                                dashboard_address=":0") for w in (1, 2)}  # fmt: skip
    clients = {w: Client(cluster) for w, cluster in clusters.items()}
    try:
        backends = {
            "serial": {"backend": "serial"},
            "local, 1 worker": {"backend": "local", "n_jobs": 1},
            "local, 2 workers": {"backend": "local", "n_jobs": 2},
            "dask (running), 1 worker": {"backend": "dask", "client": clients[1]},
            "dask (running), 2 workers": {"backend": "dask", "client": clients[2]},
        }
        cold = {**backends, "dask (new LocalCluster), 2 workers": {"backend": "dask", "n_jobs": 2}}
        overheads = overhead(x, y, cold, args.empty_trials)
        sweeps = width_sweep(x, y, backends, args.epochs)
    finally:
        for w in clients:
            clients[w].close()
            clusters[w].close()
    report = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average_before_after": [load_before[0], os.getloadavg()[0]],
        "overhead": overheads,
        "width_sweep": sweeps,
    }
    print(markdown(overheads, sweeps))
    print(f"\nload average (1 min) before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()
