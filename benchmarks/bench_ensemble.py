"""Ensemble speed and memory: the speed-up of 2 workers over 1, and peak memory of a big run.

Two measurements on the bundled ``two-states`` scenario:

``speedup``
    ``escalation.run_ensemble(two-states, runs=N, seed=1, workers=W)`` for W = 1 and W = 2,
    alternating, ``--repeats`` times each; reports the median wall time of each and their
    ratio (also serial, ``workers=None``, for reference). Wall time includes starting the
    worker processes, as a user pays it. The outcome arrays of every call are checked equal.
``memory``
    In a fresh child process, ``run_ensemble(two-states, runs=N, keep="outcomes", workers=W)``;
    reports the peak resident memory (``getrusage``, ``ru_maxrss``) of the parent process and
    the largest of its worker processes, and the bytes held by the outcome arrays.

Usage::

    python benchmarks/bench_ensemble.py speedup --runs 40000 --repeats 3
    python benchmarks/bench_ensemble.py memory --runs 1000000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import escalation as esc

SCENARIO = "two-states"


def _ensemble(runs: int, workers: int | None, chunk_size: int | None = None) -> Any:
    return esc.run_ensemble(
        SCENARIO, runs=runs, seed=1, workers=workers, chunk_size=chunk_size, keep="outcomes"
    )


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def speedup(runs: int, repeats: int) -> dict[str, Any]:
    """Median wall time with 1 and 2 workers (and serially), interleaved."""
    configs: dict[str, int | None] = {"serial": None, "1 worker": 1, "2 workers": 2}
    times: dict[str, list[float]] = {name: [] for name in configs}
    cpu: dict[str, list[float]] = {name: [] for name in configs}
    reference: dict[str, np.ndarray] | None = None
    for rep in range(repeats):
        names = list(configs)
        names = names[rep % 3 :] + names[: rep % 3]
        for name in names:
            before = _cpu_seconds()
            began = time.perf_counter()
            ens = _ensemble(runs, configs[name])
            times[name].append(time.perf_counter() - began)
            cpu[name].append(_cpu_seconds() - before)
            if reference is None:
                reference = ens.outcomes
            elif any(not np.array_equal(reference[k], v) for k, v in ens.outcomes.items()):
                raise AssertionError(f"{name}: outcomes differ from the first call")
    median = {name: statistics.median(t) for name, t in times.items()}
    return {
        "scenario": SCENARIO,
        "runs": runs,
        "repeats": repeats,
        "cpus": os.cpu_count(),
        "load_average_after": os.getloadavg(),
        "seconds": median,
        # CPU seconds of this process and its finished workers: with 2 workers the wall time
        # can only approach half of it if nothing else competes for the cores.
        "cpu_seconds": {name: statistics.median(c) for name, c in cpu.items()},
        "runs_per_second": {name: runs / t for name, t in median.items()},
        "speedup_2_over_1": median["1 worker"] / median["2 workers"],
        "speedup_2_over_serial": median["serial"] / median["2 workers"],
        "speedup_2_over_1_per_repeat": [
            a / b for a, b in zip(times["1 worker"], times["2 workers"], strict=True)
        ],
    }


def _memory_child(runs: int, workers: int | None) -> None:
    began = time.perf_counter()
    ens = _ensemble(runs, workers)
    seconds = time.perf_counter() - began
    arrays = sum(a.nbytes for a in ens.outcomes.values())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "runs": runs,
                "workers": workers,
                "seconds": seconds,
                "outcome_array_bytes": arrays,
                "peak_rss_parent_bytes": own,
                "peak_rss_largest_worker_bytes": kids,
                "ruptured_share": float(ens.outcomes["ruptured"].mean()),
            }
        )
    )


def memory(runs: int, workers: int | None) -> dict[str, Any]:
    """Peak memory of a fresh process running the ensemble."""
    cmd = [sys.executable, __file__, "_memory_child", "--runs", str(runs)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the chosen measurement, print it and return it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["speedup", "memory", "_memory_child"])
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.what == "_memory_child":
        _memory_child(args.runs, args.workers)
        return {}
    if args.what == "speedup":
        figures = speedup(args.runs or 40_000, args.repeats)
        for name, s in figures["seconds"].items():
            print(
                f"{name:<10} {s:8.2f} s  {figures['runs_per_second'][name]:8.0f} runs/s  "
                f"{figures['cpu_seconds'][name]:8.2f} CPU s"
            )
        print(
            f"speed-up of 2 workers over 1: {figures['speedup_2_over_1']:.2f}x "
            f"({figures['runs']} runs, median of {figures['repeats']}, "
            f"{figures['cpus']} CPUs; target >= 1.5x)"
        )
    else:
        figures = memory(args.runs or 1_000_000, args.workers)
        gib = 2**30
        print(
            f"{figures['runs']} runs, workers={figures['workers']}: {figures['seconds']:.0f} s; "
            f"peak RSS parent {figures['peak_rss_parent_bytes'] / gib:.3f} GiB, largest worker "
            f"{figures['peak_rss_largest_worker_bytes'] / gib:.3f} GiB; outcome arrays "
            f"{figures['outcome_array_bytes'] / 2**20:.1f} MiB (target: under 1 GiB)"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
