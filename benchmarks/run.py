"""Time one MLP training step of lucidnet against its peers, all in one run.

One step = forward, softmax cross-entropy on integer labels, backward, plain SGD
(lr 0.01) on a fixed batch.  Before timing, every peer must compute the same
loss from the same initial weights (lucidnet's, copied into each peer).  Peers
are timed in interleaved rounds so that background load hits them alike; the
table reports the median (p10, p90) per step and ``ratio = peer / lucidnet``
(> 1 means lucidnet is faster).  Only ratios within one run are meaningful.

A second benchmark trains one epoch of 60000 x 784 random data (mnist config,
batch 128, shuffled) through ``model.fit`` and through a PyTorch loop, each in
its own subprocess so that the peak resident memory of one does not leak into
the other.

Run (from the repository root; see benchmarks/README.md):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/run.py \\
        --json bench.json --markdown docs/BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from peers import (
    CONFIGS,
    LEARNING_RATE,
    PEERS,
    Config,
    LucidnetFit,
    LucidnetManual,
    Peer,
    build_lucidnet,
    lucidnet_weights,
    make_batch,
)

# The targets: torch-eager time / lucidnet time must reach these.
TARGETS = {"tiny": 6.0, "small": 4.0, "mnist": 1.1, "wide": 1.0}
# Issue 16: torch eager / manual loop at least these; loop / fit and the monitor's cost at most.
LOOP_TARGETS = {"tiny": 4.0, "small": 4.0, "mnist": 1.0, "wide": 1.0}
LOOP_OVER_FIT_TARGET = 1.5
MONITOR_OVERHEAD_TARGET = 0.05
# HealthMonitor workloads: (network, samples, epochs) trained by fit with and without it;
# small, spirals and mnist are the ones issue 16 measured.
MONITOR_WORKLOADS = {
    "tiny": (CONFIGS["tiny"], 1000, 10),
    "small": (CONFIGS["small"], 1000, 10),
    "spirals": (Config("spirals", (2, 64, 64, 3), ("relu", "relu"), 32), 300, 30),
    "mnist": (CONFIGS["mnist"], 6000, 2),
    "wide": (CONFIGS["wide"], 2048, 1),
}
LOSS_TOLERANCE = 1e-4  # relative; float32 sums in different orders differ by ~1e-7
MARKERS = ("<!-- benchmark-results:begin -->", "<!-- benchmark-results:end -->")
EPOCH_SAMPLES, EPOCH_FEATURES, EPOCH_CLASSES, EPOCH_BATCH = 60000, 784, 10, 128


# ------------------------------------------------------------------ machine
def machine_info() -> dict:
    """CPU, library versions, numpy's BLAS (threadpoolctl) and torch's build."""
    info: dict = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "numpy": np.__version__,
        "env": {
            k: os.environ.get(k)
            for k in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
            )
        },
    }
    try:
        from threadpoolctl import threadpool_info

        info["numpy_blas"] = [
            {
                k: pool.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "version",
                    "architecture",
                    "corename",
                    "threading_layer",
                    "num_threads",
                )
            }
            | {"library": Path(pool["filepath"]).name}
            for pool in threadpool_info()
            if "numpy" in pool.get("filepath", "")
        ]
    except ImportError:
        info["numpy_blas"] = "threadpoolctl not installed"
    for module in ("torch", "jax", "sklearn"):
        info[module] = _version(module)
    if info["torch"]:
        import torch

        build = torch.__config__.show()
        info["torch_build"] = [
            line.strip(" -")
            for line in build.splitlines()
            if "Math Kernel" in line or "CPU capability" in line or "MKL-DNN" in line
        ]
        blas = re.search(r"BLAS_INFO=(\w+)", build)
        info["torch_blas"] = blas.group(1) if blas else None
        info["torch_threads"] = 2  # set by the torch peers
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


# ------------------------------------------------------------------ step benchmark
def build_peers(
    config: Config, names: list[str], fit_steps: int
) -> tuple[dict[str, Peer], dict[str, str]]:
    """Every requested peer on the config's batch and lucidnet's initial weights."""
    x, y = make_batch(config)
    weights = lucidnet_weights(build_lucidnet(config))
    built, skipped = {}, {}
    for name in names:
        try:
            options = {"steps": fit_steps} if issubclass(PEERS[name], LucidnetFit) else {}
            built[name] = PEERS[name](config, weights, x, y, **options)
        except ImportError as error:
            skipped[name] = f"not importable ({error.name})"
        except Exception as error:  # an optional peer that breaks must not stop the run
            if name.startswith("lucidnet"):
                raise
            skipped[name] = f"failed to build: {type(error).__name__}: {error}"
    return built, skipped


def check_losses(config: Config, peers: dict[str, Peer]) -> list[dict]:
    """The loss at the initial weights of every peer, against lucidnet's."""
    reference = peers[LucidnetManual.name].initial_loss()
    rows = []
    for name, peer in peers.items():
        loss = peer.initial_loss()
        comparable = getattr(peer, "comparable", True)
        relative = abs(loss - reference) / abs(reference)
        status = (
            ("ok" if relative <= LOSS_TOLERANCE else "MISMATCH")
            if comparable
            else "n/a (sklearn: one activation for all hidden layers)"
        )
        rows.append(
            {
                "config": config.name,
                "peer": name,
                "loss": loss,
                "relative_difference": relative,
                "status": status,
            }
        )
    return rows


def time_peers(
    peers: dict[str, Peer], repeats: int, budget: float, block_seconds: float = 0.2
) -> dict[str, list[float]]:
    """Seconds per step for each peer, sampled in interleaved rounds.

    Each peer warms up; then every round gives each peer a block of about
    ``block_seconds`` in turn, until each has ``repeats`` steps or ``budget`` seconds
    have passed.  Interleaving spreads background load over all peers alike; the
    first run of each block is dropped because the BLAS/OpenMP threads of the peer
    before may still be spinning.
    """
    clock = time.perf_counter
    for peer in peers.values():
        started, runs = clock(), 0
        while runs < 3 or (runs < 50 and clock() - started < 0.2):
            peer.run()
            runs += 1
    samples: dict[str, list[float]] = {name: [] for name in peers}
    wanted = {name: max(5, math.ceil(repeats / peer.steps_per_run)) for name, peer in peers.items()}
    deadline = clock() + budget
    while any(len(samples[n]) < wanted[n] for n in peers):
        for name, peer in peers.items():
            peer.run()  # settle after the previous peer
            block_end, runs = clock() + block_seconds, 0
            while len(samples[name]) < wanted[name] and (runs < 2 or clock() < block_end):
                started = clock()
                peer.run()
                samples[name].append((clock() - started) / peer.steps_per_run)
                runs += 1
        if clock() > deadline:
            break
    return samples


def summarize(samples: list[float]) -> dict:
    p10, median, p90 = np.percentile(samples, [10, 50, 90])
    return {
        "median_us": median * 1e6,
        "p10_us": p10 * 1e6,
        "p90_us": p90 * 1e6,
        "samples": len(samples),
    }


# ------------------------------------------------------------------ epoch benchmark
def epoch_child(peer: str, epochs: int) -> dict:
    """Train ``epochs`` shuffled epochs in this (child) process; wall times and peak RSS."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((EPOCH_SAMPLES, EPOCH_FEATURES), dtype=np.float32)
    y = rng.integers(0, EPOCH_CLASSES, size=EPOCH_SAMPLES)
    run_epoch = _lucidnet_epoch(x, y) if peer == "lucidnet" else _torch_epoch(x, y)
    baseline = peak_rss_mib()
    times = []
    for _ in range(epochs):
        started = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - started)
    return {
        "peer": peer,
        "epoch_s": times,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM, else ``getrusage`` (KiB on Linux).

    On Linux ``ru_maxrss`` keeps the peak of the process that spawned us across
    ``exec``, so a child of a large parent reports the parent's peak; VmHWM belongs
    to the child's own address space.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lucidnet_epoch(x: np.ndarray, y: np.ndarray):
    import lucidnet as ln

    model = build_lucidnet(CONFIGS["mnist"])
    model.compile(optimizer=ln.optim.SGD(lr=0.01), loss="softmax_cross_entropy", lint=False)
    return lambda: model.fit(x, y, epochs=1, batch_size=EPOCH_BATCH, shuffle=True, verbose=0)


def _torch_epoch(x: np.ndarray, y: np.ndarray):
    import torch
    import torch.nn.functional as F  # noqa: N812 (PyTorch's own spelling)
    from torch import nn

    torch.set_num_threads(2)
    torch.manual_seed(0)
    sizes = CONFIGS["mnist"].sizes
    model = nn.Sequential(
        nn.Linear(sizes[0], sizes[1]),
        nn.ReLU(),
        nn.Linear(sizes[1], sizes[2]),
        nn.ReLU(),
        nn.Linear(sizes[2], sizes[3]),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    inputs, labels = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def run_epoch() -> float:
        order, total = torch.randperm(len(inputs)), 0.0
        for start in range(0, len(inputs), EPOCH_BATCH):
            index = order[start : start + EPOCH_BATCH]
            loss = F.cross_entropy(model(inputs[index]), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)  # the running loss fit reports
        return total / len(inputs)

    return run_epoch


def epoch_benchmark(epochs: int, peers: list[str]) -> list[dict]:
    """Each peer's epoch run in a fresh interpreter (same environment)."""
    results = []
    for peer in peers:
        command = [sys.executable, __file__, "--epoch-child", peer, "--epochs", str(epochs)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            results.append({"peer": peer, "error": done.stderr.strip().splitlines()[-1:]})
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["median_epoch_s"] = float(np.median(result["epoch_s"]))
        results.append(result)
    return results


# ------------------------------------------------------------------ HealthMonitor overhead
def monitor_benchmark(names: list[str], rounds: int, budget: float) -> list[dict]:
    """``fit`` with ``callbacks=[HealthMonitor()]`` (its defaults) against plain ``fit``.

    Both train copies of one network from the same weights on the same random data
    (``fit``'s shuffling, the config's batch size); one sample is one ``fit`` call,
    taken in alternating order for ``rounds`` rounds or ``budget`` seconds.
    """
    import lucidnet as ln

    rows = []
    for name in names:
        config, samples, epochs = MONITOR_WORKLOADS[name]
        rng = np.random.default_rng(0)
        x = rng.standard_normal((samples, config.sizes[0]), dtype=np.float32)
        y = rng.integers(0, config.classes, size=samples)
        weights = lucidnet_weights(build_lucidnet(config))
        models = {}
        for variant in ("fit", "fit + HealthMonitor()"):
            model = build_lucidnet(config)
            for parameter, array in zip(
                model.parameters(), [a for pair in weights for a in pair], strict=True
            ):
                parameter.data[...] = array
            model.compile(
                optimizer=ln.optim.SGD(lr=LEARNING_RATE),
                loss="softmax_cross_entropy",
                lint=False,
            )
            models[variant] = model

        times: dict[str, list[float]] = {variant: [] for variant in models}
        deadline = time.perf_counter() + budget
        for number in range(-1, rounds):  # round -1 warms up
            order = list(models) if number % 2 == 0 else list(models)[::-1]
            for variant in order:
                seconds = _timed_fit(
                    models[variant], x, y, epochs, config.batch_size, "Monitor" in variant
                )
                if number >= 0:
                    times[variant].append(seconds)
            if number >= 2 and time.perf_counter() > deadline:
                break
        plain, monitored = (float(np.median(times[v])) for v in models)
        rows.append(
            {
                "workload": name,
                "network": "-".join(map(str, config.sizes)),
                "samples": samples,
                "epochs": epochs,
                "batch_size": config.batch_size,
                "fit_s": plain,
                "monitored_s": monitored,
                "overhead": monitored / plain - 1,
                "rounds": len(times["fit"]),
            }
        )
    return rows


def _timed_fit(
    model, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, monitor: bool
) -> float:
    """Seconds of one ``fit`` call, with a fresh ``HealthMonitor()`` when ``monitor``."""
    import warnings

    import lucidnet as ln

    callbacks = [ln.callbacks.HealthMonitor()] if monitor else []
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its health warnings are not the point here
        model.fit(x, y, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0)
    return time.perf_counter() - started


# ------------------------------------------------------------------ where a step's time goes
PHASES = ("zero_grad", "forward", "loss", "backward", "optimizer step")


def phase_times(config: Config, steps: int) -> dict[str, float]:
    """Median µs of each phase of the manual loop, timed directly (no profiler overhead).

    The loop is ``opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward();
    opt.step()``; each phase is timed on its own with ``perf_counter`` every step.
    """
    import lucidnet as ln

    x, y = make_batch(config)
    peer = LucidnetManual(config, lucidnet_weights(build_lucidnet(config)), x, y)
    model, inputs, optimizer = peer.model, peer.x, peer.optimizer
    loss_fn = ln.losses.softmax_cross_entropy
    clock = time.perf_counter
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for step in range(steps + 20):
        t0 = clock()
        optimizer.zero_grad()
        t1 = clock()
        logits = model(inputs)
        t2 = clock()
        loss = loss_fn(logits, y)
        t3 = clock()
        loss.backward()
        t4 = clock()
        optimizer.step()
        t5 = clock()
        if step >= 20:  # warmed up
            for phase, seconds in zip(
                PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True
            ):
                times[phase].append(seconds)
    medians = {phase: 1e6 * float(np.median(values)) for phase, values in times.items()}
    medians["sum of medians"] = sum(medians.values())
    return medians


# ------------------------------------------------------------------ profile
def profile(config: Config, peer_class: type[Peer], steps: int, top: int) -> str:
    """cProfile of about ``steps`` lucidnet steps, the ``top`` functions by own time.

    Own time (tottime) shows where Python spends it; the phase lines (cumulative
    time of forward, loss, backward and the optimizer, as shares of the whole)
    show which part of the step to attack first.
    """
    x, y = make_batch(config)
    peer = peer_class(config, lucidnet_weights(build_lucidnet(config)), x, y)
    for _ in range(10):
        peer.run()
    profiler = cProfile.Profile()
    runs = max(1, steps // peer.steps_per_run)
    profiler.enable()
    for _ in range(runs):
        peer.run()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    total = sum(entry[2] for entry in stats.stats.values())  # own times add up to the whole
    phases = {
        "forward (Module.__call__)": ("module.py", "__call__"),
        "loss (softmax_cross_entropy)": ("losses.py", "softmax_cross_entropy"),
        "backward (Tensor.backward)": ("tensor.py", "backward"),
        "optimizer step": ("optimizer.py", "step"),
        "zero_grad": ("optimizer.py", "zero_grad"),
    }
    lines = []
    for phase, (file, function) in phases.items():
        cumulative = max(
            (
                entry[3]
                for (path, _, name), entry in stats.stats.items()
                if path.endswith(file) and name == function
            ),
            default=0.0,
        )
        lines.append(f"  {phase:<30} {100 * cumulative / total:5.1f} %")
    return (
        f"== {config.name}: {runs * peer.steps_per_run} steps of {peer.name}, "
        f"{1e6 * total / (runs * peer.steps_per_run):.0f} µs/step under the profiler ==\n"
        + "\n".join(lines)
        + "\n"
        + text.getvalue()
    )


# ------------------------------------------------------------------ report
def step_table(results: list[dict]) -> list[list[str]]:
    rows = []
    for row in results:
        ratio, ratio_fit = row.get("ratio"), row.get("ratio_fit", float("nan"))
        target = TARGETS.get(row["config"]) if row["peer"] == "torch eager" else None
        verdict = (
            ""
            if target is None
            else f"{'met' if ratio_fit >= target else 'missed'} (>= {target:g}x)"
        )
        rows.append(
            [
                row["config"],
                row["peer"],
                f"{row['median_us']:.1f}",
                f"{row['p10_us']:.1f} / {row['p90_us']:.1f}",
                str(row["samples"]),
                f"{ratio:.2f}",
                f"{ratio_fit:.2f}",
                verdict,
            ]
        )
    return rows


def format_table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [line.format(*header), line.format(*["-" * w for w in widths])]
        + [line.format(*r) for r in rows]
    )


STEP_HEADER = [
    "config",
    "peer",
    "median µs",
    "p10 / p90 µs",
    "samples",
    "ratio peer/lucidnet (loop)",
    "ratio peer/lucidnet (fit)",
    "target (torch / fit)",
]
CHECK_HEADER = ["config", "peer", "initial loss", "rel. diff vs lucidnet", "check"]
EPOCH_HEADER = [
    "peer",
    "median epoch s",
    "ratio peer/lucidnet",
    "each epoch s",
    "RSS before training MiB",
    "peak RSS MiB",
]


MONITOR_HEADER = [
    "workload",
    "network",
    "samples x epochs (batch)",
    "fit s",
    "fit + HealthMonitor() s",
    "overhead",
    "rounds",
    f"target (<= {MONITOR_OVERHEAD_TARGET:.0%})",
]
SUMMARY_HEADER = [
    "config",
    "torch eager / loop",
    "target",
    "loop / fit",
    f"target (<= {LOOP_OVER_FIT_TARGET:g})",
    "HealthMonitor() overhead",
]


def monitor_rows(rows: list[dict]) -> list[list[str]]:
    return [
        [
            r["workload"],
            r["network"],
            f"{r['samples']} x {r['epochs']} ({r['batch_size']})",
            f"{r['fit_s']:.4f}",
            f"{r['monitored_s']:.4f}",
            f"{100 * r['overhead']:+.0f}%",
            str(r["rounds"]),
            "met" if r["overhead"] <= MONITOR_OVERHEAD_TARGET else "missed",
        ]
        for r in rows
    ]


def summary_rows(steps: list[dict], monitor: list[dict]) -> list[list[str]]:
    """Issue 16's table: the loop against torch eager and against fit, the monitor's cost."""
    median = {(r["config"], r["peer"]): r["median_us"] for r in steps}
    overhead = {r["workload"]: r["overhead"] for r in monitor}
    rows = []
    for config in dict.fromkeys(r["config"] for r in steps):
        loop = median.get((config, LucidnetManual.name), math.nan)
        torch_ratio = median.get((config, "torch eager"), math.nan) / loop
        fit_ratio = loop / median.get((config, LucidnetFit.name), math.nan)
        target = LOOP_TARGETS.get(config, math.nan)
        rows.append(
            [
                config,
                f"{torch_ratio:.2f}x",
                f"{'met' if torch_ratio >= target else 'missed'} (>= {target:g}x)",
                f"{fit_ratio:.2f}",
                "met" if fit_ratio <= LOOP_OVER_FIT_TARGET else "missed",
                f"{100 * overhead[config]:+.0f}%" if config in overhead else "",
            ]
        )
    return rows


def check_rows(checks: list[dict]) -> list[list[str]]:
    return [
        [c["config"], c["peer"], f"{c['loss']:.7f}", f"{c['relative_difference']:.1e}", c["status"]]
        for c in checks
    ]


def epoch_rows(epochs: list[dict]) -> list[list[str]]:
    rows = []
    base = next((e["median_epoch_s"] for e in epochs if e["peer"] == "lucidnet"), math.nan)
    for e in epochs:
        if "error" in e:
            rows.append([e["peer"], "error", " ".join(e["error"]), "", "", ""])
            continue
        rows.append(
            [
                e["peer"],
                f"{e['median_epoch_s']:.3f}",
                f"{e['median_epoch_s'] / base:.2f}",
                ", ".join(f"{t:.3f}" for t in e["epoch_s"]),
                f"{e['baseline_rss_mib']:.0f}",
                f"{e['peak_rss_mib']:.0f}",
            ]
        )
    return rows


def machine_lines(info: dict) -> list[str]:
    blas = info["numpy_blas"]
    blas_text = (
        "; ".join(
            f"{b['internal_api']} {b['version']} kernel {b.get('architecture') or b.get('corename')}, "
            f"{b['num_threads']} threads ({b['library']})"
            for b in blas
        )
        if isinstance(blas, list)
        else blas
    )
    env = ", ".join(f"{k}={v}" for k, v in info["env"].items() if v is not None) or "none set"
    return [
        f"- CPU: {info['cpu']} ({info['usable_cpus']} usable of {info['cpu_count']} logical)",
        f"- Python {info['python']} on {info['platform']}",
        f"- numpy {info['numpy']}, BLAS: {blas_text}",
        f"- torch {info['torch']} (BLAS {info.get('torch_blas')}, "
        f"{'; '.join(info.get('torch_build', []))}; torch.set_num_threads(2))",
        f"- jax {info['jax']}, scikit-learn {info['sklearn']}",
        f"- BLAS/threading environment variables: {env}",
    ] + (
        [
            "- load average (1, 5, 15 min) before: "
            + ", ".join(f"{v:.2f}" for v in info["load_average"]["before"])
            + "; after: "
            + ", ".join(f"{v:.2f}" for v in info["load_average"]["after"])
        ]
        if "load_average" in info
        else []
    )


def markdown_report(report: dict) -> str:
    parts = [
        MARKERS[0],
        f"Run on {report['date']} with `{report['command']}`.",
        "",
        "### Machine",
        "",
        *machine_lines(report["machine"]),
        "",
        "### Loss check (same initial weights, same batch)",
        "",
        format_table(CHECK_HEADER, check_rows(report["checks"]), markdown=True),
        "",
        "### Time per training step",
        "",
        "Median over interleaved samples (a fit sample is one `fit` call of `--fit-steps` one-step epochs on the batch); "
        "ratios = peer median / lucidnet (loop) and / lucidnet (fit) medians, "
        "so > 1 means lucidnet is faster. The target column judges the issue's goal on "
        "torch eager / lucidnet (fit), the path `model.fit` trains on.",
        "",
        format_table(STEP_HEADER, step_table(report["steps"]), markdown=True),
    ]
    if report.get("monitor"):
        parts += [
            "",
            "### HealthMonitor() overhead on fit",
            "",
            "Median wall time of one `fit` call without and with `callbacks=[HealthMonitor()]` "
            "(defaults), alternating, same weights and random data.",
            "",
            format_table(MONITOR_HEADER, monitor_rows(report["monitor"]), markdown=True),
        ]
    parts += [
        "",
        "### Issue 16 targets (this run)",
        "",
        format_table(
            SUMMARY_HEADER,
            summary_rows(report["steps"], report.get("monitor", [])),
            markdown=True,
        ),
    ]
    if report.get("phases"):
        parts += [
            "",
            f"### Where a manual-loop step goes (tiny, median µs per phase over "
            f"{report['phases']['steps']} steps, timed directly)",
            "",
            format_table(
                ["phase", "µs"],
                [[k, f"{v:.1f}"] for k, v in report["phases"]["tiny"].items()],
                markdown=True,
            ),
        ]
    if report.get("skipped"):
        parts += [
            "",
            "Skipped peers: " + "; ".join(f"{k}: {v}" for k, v in report["skipped"].items()),
        ]
    if report.get("epochs"):
        parts += [
            "",
            f"### One epoch of {EPOCH_SAMPLES} x {EPOCH_FEATURES} (mnist config, batch "
            f"{EPOCH_BATCH}, shuffled), each peer in its own process",
            "",
            format_table(EPOCH_HEADER, epoch_rows(report["epochs"]), markdown=True),
        ]
    return "\n".join(parts + [MARKERS[1]])


def write_markdown(path: Path, section: str) -> None:
    """Replace the results between the markers, keeping the hand-written text around them."""
    if path.exists() and MARKERS[0] in (text := path.read_text()) and MARKERS[1] in text:
        before, rest = text.split(MARKERS[0], 1)
        after = rest.split(MARKERS[1], 1)[1]
        path.write_text(before + section + after)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# lucidnet benchmarks\n\n" + section + "\n")


# ------------------------------------------------------------------ main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configs",
        default=",".join(CONFIGS),
        help=f"comma-separated subset of {', '.join(CONFIGS)}",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1000,
        help="timed steps per peer and config (capped by --budget)",
    )
    parser.add_argument(
        "--budget", type=float, default=45.0, help="seconds of timing per config at most"
    )
    parser.add_argument(
        "--fit-steps",
        type=int,
        default=50,
        help="one-step epochs on the batch per model.fit call (one timing sample)",
    )
    parser.add_argument("--epochs", type=int, default=3, help="epochs in the epoch benchmark")
    parser.add_argument("--no-epoch", action="store_true", help="skip the epoch benchmark")
    parser.add_argument(
        "--no-monitor", action="store_true", help="skip the HealthMonitor overhead benchmark"
    )
    parser.add_argument(
        "--monitor-rounds", type=int, default=11, help="fit calls per variant and workload"
    )
    parser.add_argument(
        "--phases",
        metavar="CONFIGS",
        help="instead of timing peers, time each phase of the manual loop on these configs",
    )
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (slow)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repeats and one epoch: a smoke test, not a measurement",
    )
    parser.add_argument("--json", type=Path, help="write all results as JSON here")
    parser.add_argument(
        "--markdown", type=Path, help="write the tables and machine info here (between markers)"
    )
    parser.add_argument(
        "--profile",
        metavar="CONFIGS",
        help="instead of timing, cProfile lucidnet's loop on these configs",
    )
    parser.add_argument("--epoch-child", choices=["lucidnet", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = set(args.configs.split(",")) - set(CONFIGS)
    if unknown:
        parser.error(f"--configs: unknown {sorted(unknown)}; choose from {list(CONFIGS)}")
    if args.quick:
        args.repeats, args.budget, args.epochs = min(args.repeats, 50), min(args.budget, 3.0), 1
        args.monitor_rounds = min(args.monitor_rounds, 3)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.epoch_child:
        print(json.dumps(epoch_child(args.epoch_child, args.epochs)))
        return 0
    if args.profile:
        for name in args.profile.split(","):
            config = CONFIGS[name]
            steps = 2000 if config.sizes[1] < 100 else 200
            for peer_class in (LucidnetManual, LucidnetFit):
                print(profile(config, peer_class, steps=steps, top=25))
        return 0

    if args.phases:
        for name in args.phases.split(","):
            steps = 3000 if CONFIGS[name].sizes[1] < 100 else 200
            medians = phase_times(CONFIGS[name], steps)
            print(f"== {name}: manual loop, median µs per phase over {steps} steps ==")
            print("\n".join(f"  {phase:<16} {us:8.1f}" for phase, us in medians.items()))
        return 0

    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if variable in os.environ:
            print(
                f"warning: {variable}={os.environ[variable]} is set and can slow numpy; run with "
                f"`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` (see benchmarks/README.md)"
            )
    load_before = os.getloadavg()
    if load_before[0] > 1.0:
        print(
            f"warning: load average {load_before[0]:.2f} before starting: other processes "
            "share the CPU; ratios within this run still compare, absolute times do not"
        )
    names = [n for n in PEERS if n != "torch.compile" or args.compile]
    report: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": "benchmarks/run.py " + " ".join(sys.argv[1:]),
        "checks": [],
        "steps": [],
        "skipped": {},
    }
    if not args.no_epoch:  # first, while this parent process is still small
        report["epochs"] = epoch_benchmark(args.epochs, ["lucidnet", "torch"])
        print(format_table(EPOCH_HEADER, epoch_rows(report["epochs"]), markdown=False), "\n")
    for name in args.configs.split(","):
        config = CONFIGS[name]
        peers, skipped = build_peers(config, names, args.fit_steps)
        report["skipped"].update(skipped)
        checks = check_losses(config, peers)
        report["checks"] += checks
        print(format_table(CHECK_HEADER, check_rows(checks), markdown=False), "\n", flush=True)
        samples = time_peers(peers, args.repeats, args.budget)
        loop = np.median(samples[LucidnetManual.name])
        fit = np.median(samples[LucidnetFit.name]) if LucidnetFit.name in samples else np.nan
        rows = [
            {
                "config": name,
                "peer": peer,
                **summarize(s),
                "ratio": np.median(s) / loop,
                "ratio_fit": np.median(s) / fit,
            }
            for peer, s in samples.items()
        ]
        report["steps"] += rows
        print(format_table(STEP_HEADER, step_table(rows), markdown=False), "\n", flush=True)
    configs = args.configs.split(",")
    if not args.no_monitor:
        workloads = [w for w in MONITOR_WORKLOADS if w in configs or w == "spirals"]
        report["monitor"] = monitor_benchmark(workloads, args.monitor_rounds, args.budget)
        print(format_table(MONITOR_HEADER, monitor_rows(report["monitor"]), markdown=False), "\n")
    if "tiny" in configs:
        report["phases"] = {"steps": 3000, "tiny": phase_times(CONFIGS["tiny"], 3000)}
    print(
        format_table(
            SUMMARY_HEADER,
            summary_rows(report["steps"], report.get("monitor", [])),
            markdown=False,
        ),
        "\n",
    )
    report["machine"] = machine_info()
    report["machine"]["load_average"] = {"before": load_before, "after": os.getloadavg()}
    print("\n".join(machine_lines(report["machine"])))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=float))
    if args.markdown:
        write_markdown(args.markdown, markdown_report(report))
    failed = [c for c in report["checks"] if c["status"] == "MISMATCH"]
    for check in failed:
        print(
            f"error: {check['peer']} disagrees with lucidnet on {check['config']}: "
            f"loss {check['loss']} ({check['relative_difference']:.1e} relative)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
