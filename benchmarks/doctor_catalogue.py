"""The doctor's acceptance numbers on the catalogue in tests/diagnostics/catalogue.py.

    PYTHONPATH=src python benchmarks/doctor_catalogue.py [--seeds 3] [--skip-repair]

For every broken training (several seeds): is it detected (an error or warning), is the
right cause first, and would following any advice make it worse (harmful: the remedy,
applied and trained with the same budget, ends more than 0.05 accuracy below the
unremedied training).  For every healthy control: warnings raised (must be 0).  Then
preflight's time on 10k rows, HealthMonitor's overhead (A/B interleaved, medians), and
``ln.repair``: does the repaired copy reach the healthy twin's accuracy (within 0.03)?
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "diagnostics"))

import catalogue as cat  # noqa: E402

import lucidnet as ln  # noqa: E402
from lucidnet.diagnostics.remedies import is_model_remedy  # noqa: E402
from lucidnet.diagnostics.repair import _train  # noqa: E402


def accuracy(model, x, y) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(model.evaluate(x, y).get("accuracy", float("nan")))


def twin_for(case) -> tuple[float, object]:
    """The healthy twin's accuracy: the same data, a healthy network, the same budget."""
    seed = 0
    if case.manual:  # the loop fault: the twin is the same network trained by fit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            case.model.fit(case.x, case.y, verbose=0, **case.fit)
        return accuracy(case.model, case.x, case.y), case
    if case.name.startswith("relu_mse_onehot"):
        healthy = cat.healthy_softmax_onehot(seed)
        healthy.x, healthy.y = case.x, case.y
    else:
        healthy = cat.healthy_relu(seed)
        x, y = case.x, case.y
        if case.name.startswith("unscaled"):
            x = cat.standardize(x)
        if y.ndim == 2:
            y = y[:, 0].astype(np.int64) if y.shape[1] == 1 else y.argmax(1)
        healthy.x, healthy.y = x, y.astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        healthy.model.fit(healthy.x, healthy.y, verbose=0, **healthy.fit)
    return accuracy(healthy.model, healthy.x, healthy.y), healthy


def harmful(case_builder, seed, advice) -> list[str]:
    """Advice whose remedy, followed, trains worse than not following it."""
    bad = []
    model_advice = [a for a in advice if is_model_remedy(a.remedy)]
    if not model_advice:
        return bad
    base = case_builder(seed)
    if base.manual:
        return bad
    _, plain, _ = _train(base.model, None, base.x, base.y, seed, {"verbose": 0, **base.fit}, [])
    for item in model_advice:
        case = case_builder(seed)
        _, metrics, _ = _train(
            case.model, [item.remedy], case.x, case.y, seed, {"verbose": 0, **case.fit}, []
        )
        key = "accuracy" if "accuracy" in metrics else "loss"
        worse = (
            metrics[key] < plain[key] - 0.05
            if key == "accuracy"
            else metrics[key] > 1.5 * plain[key]
        )
        if worse:
            bad.append(f"{item.cause}:{item.remedy} {plain[key]:.3f}->{metrics[key]:.3f}")
    return bad


def catalogue(seeds: list[int], repair: bool) -> None:
    detected = right = total = harm = healthy_warn = healthy_total = 0
    repaired = repair_total = 0
    for builder in cat.FAULTY + cat.HEALTHY:
        for seed in seeds:
            case = builder(seed)
            started = time.perf_counter()
            advice, raised, _ = cat.diagnose(case)
            seconds = time.perf_counter() - started
            serious = [a for a in advice if a.severity != "info"]
            bad = harmful(builder, seed, advice)
            harm += len(bad)
            line = f"{case.name:28s} seed {seed}: " + ", ".join(
                f"{a.cause}({a.severity[0]})" for a in advice
            )
            if case.causes:
                total += 1
                detected += bool(serious)
                right += bool(serious) and serious[0].cause in case.causes
                mark = "ok " if serious and serious[0].cause in case.causes else "BAD"
                if repair:
                    fresh = builder(seed)
                    twin, _ = twin_for(fresh)
                    fit = {"verbose": 0, **fresh.fit}
                    result = ln.repair(fresh.model, fresh.x, fresh.y, seed=seed, **fit)
                    after = accuracy(result.model, fresh.x, fresh.y)
                    repair_total += 1
                    success = after >= twin - 0.03
                    repaired += success
                    line += f" | repair {after:.2f} vs twin {twin:.2f} {'ok' if success else 'FAIL'} {result.applied}"
            else:
                healthy_total += 1
                healthy_warn += len(raised) + len(serious)
                mark = "ok " if not raised and not serious else "BAD"
            print(f"{mark} {line} [{seconds:.2f}s]{' HARM ' + str(bad) if bad else ''}", flush=True)
    print(
        f"\ndetected {detected}/{total}; right cause first {right}/{total}; harmful advice {harm}"
    )
    print(f"warnings on healthy nets {healthy_warn} (over {healthy_total} trainings)")
    if repair:
        print(f"repair reaches the healthy twin {repaired}/{repair_total}")


def preflight_time() -> None:
    rng = np.random.default_rng(0)
    for features, hidden, classes in ((20, [64, 64], 3), (784, [256, 128], 10)):
        x = rng.normal(size=(10_000, features)).astype(np.float32)
        y = (x[:, :3].sum(1) > 0).astype(np.int64) + (x[:, 3] > 1)
        model = cat.mlp(hidden, out=classes, features=features)
        model.compile("adam", "softmax_cross_entropy", lint=False)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            ln.preflight(model, x, y, verbose=0)
            times.append(time.perf_counter() - started)
        print(
            f"preflight 10k rows {features}-{'-'.join(map(str, hidden))}-{classes}: median {statistics.median(times):.3f}s (max {max(times):.3f}s)"
        )


def monitor_overhead(repeats: int) -> None:
    configs = [
        ([2, 64, 64, 3], 300, 30, 32),
        ([2, 16, 16, 2], 1000, 10, 32),
        ([784, 256, 128, 10], 6000, 2, 128),
    ]
    for sizes, n, epochs, batch in configs:
        rng = np.random.default_rng(0)
        x = rng.normal(size=(n, sizes[0])).astype(np.float32)
        y = rng.integers(0, sizes[-1], n)

        def run(monitor: bool, sizes=sizes, x=x, y=y, epochs=epochs, batch=batch) -> float:
            ln.manual_seed(0)
            model = cat.mlp(sizes[1:-1], out=sizes[-1], features=sizes[0])
            model.compile("adam", "softmax_cross_entropy", lint=False)
            callbacks = [ln.callbacks.HealthMonitor(verbose=0)] if monitor else None
            started = time.perf_counter()
            model.fit(x, y, epochs=epochs, batch_size=batch, verbose=0, callbacks=callbacks)
            return time.perf_counter() - started

        plain, monitored = [], []
        for _ in range(repeats):  # interleaved A/B
            plain.append(run(False))
            monitored.append(run(True))
        a, b = statistics.median(plain), statistics.median(monitored)
        print(
            f"HealthMonitor {'-'.join(map(str, sizes))} n={n} x{epochs}: fit {a * 1000:.1f} ms, with monitor {b * 1000:.1f} ms, overhead {100 * (b / a - 1):+.1f}% (median of {repeats})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--skip-repair", action="store_true")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", choices=["catalogue", "preflight", "monitor"])
    args = parser.parse_args()
    if args.only in (None, "catalogue"):
        catalogue(list(range(args.seeds)), not args.skip_repair)
    if args.only in (None, "preflight"):
        preflight_time()
    if args.only in (None, "monitor"):
        monitor_overhead(args.repeats)
