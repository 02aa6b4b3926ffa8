"""Batch engine against SimPy engine: runs per second per core, compile time, scaling.

Every ratio is measured in one process: the two engines take turns on blocks of runs (the
same runs, the same seeds, so the same trajectories), in rotating order, with the garbage
collector run untimed between blocks and what the warm-up left frozen out of its way, as in
``bench_engine.py``. Figures are medians over the repetitions; the ratio is taken per
repetition, then its median and range are reported.

* ``speed``: runs/s of ``two-states``, ``nato-russia-2021`` (each run drawing a particle of its
  posterior; Russia's reciprocity policy, mirrored presences, remembered measures), the
  bundled 2018 wave ``skripal-2018`` (31 actors, 30 dyads answered by reciprocity) and a
  synthetic 30-actor wave (one target, 29 initiators expelling on days 0-10; built here,
  :func:`wave`), on the SimPy engine (``Simulator.run`` per child seed, as
  ``run_ensemble``'s chunks do) and on the batch engine (``run_batch`` over the same range).
* ``compile``: seconds of the first call in a fresh process with an empty numba cache, and
  with the cache filled.
* ``scaling``: runs/s and outcome bytes per run against actors (2, 5, 10, 20, 40), horizon and
  run count, both engines.

Usage::

    python benchmarks/bench_batch.py speed --repeats 5
    python benchmarks/bench_batch.py speed --cases nato-russia-2021,skripal-2018
    python benchmarks/bench_batch.py compile
    python benchmarks/bench_batch.py scaling
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

import escalation as esc
from escalation.ensemble.chunk import child_seeds
from escalation.ensemble.runner import run_ensemble
from escalation.sim.batch import run_batch
from escalation.sim.engine import Simulator


def wave(actors: int = 30, horizon: float = 365.0) -> esc.Scenario:
    """One target (``t``) and ``actors - 1`` initiators that expel some of its staff early on.

    Each initiator hosts the target's embassy (12-30 staff) and keeps one in the target's
    capital; the target answers every initiator in kind (tit-for-tat, lag about 4 days), the
    initiators answer proportionally. Ruptures do not stop the run (many dyads).
    """
    rng = np.random.default_rng(2018)
    ids = [f"s{i:02d}" for i in range(1, actors)]
    target = esc.Actor(
        id="t", policy=esc.TitForTat(reply_probability=0.95, lag={"median": 4, "sigma": 0.4})
    )
    others = [
        esc.Actor(
            id=i,
            policy=esc.Proportional(
                ratio=1.0, reply_probability=0.5, lag={"median": 10, "sigma": 0.5}, delay=7
            ),
        )
        for i in ids
    ]
    presences, triggers = [], []
    for i in ids:
        staff = int(rng.integers(12, 31))
        presences.append(esc.PresenceSpec(id=f"t-in-{i}", owner="t", host=i, staff=staff))
        presences.append(esc.PresenceSpec(id=f"{i}-in-t", owner=i, host="t", staff=staff))
        triggers.append(
            esc.Trigger(
                actor=i,
                target="t",
                measure="expel",
                presence=f"t-in-{i}",
                magnitude=int(rng.integers(1, 5)),
                day=float(rng.integers(0, 11)),
                delay_days=7,
            )
        )
    return esc.Scenario(
        name=f"wave-{actors}",
        start="2018-03-14",
        horizon_days=horizon,
        actors=[target, *others],
        presences=presences,
        triggers=triggers,
        stop=esc.StopRules(rupture=False, quiet_days=60),
    )


def _simpy(scenario: Any, root: int, lo: int, hi: int) -> float:
    sim = Simulator(scenario)
    seeds = child_seeds(np.random.SeedSequence(root), lo, hi)
    began = time.perf_counter()
    for s in seeds:
        sim.run(s)
    return time.perf_counter() - began


def _batch(scenario: Any, root: int, lo: int, hi: int) -> float:
    began = time.perf_counter()
    run_batch(scenario, root, lo, hi)
    return time.perf_counter() - began


def speed(cases: dict[str, Any], simpy_runs: int, batch_runs: int, repeats: int) -> dict:
    """Runs/s of both engines per case, interleaved; ratio per repetition."""
    out: dict[str, Any] = {}
    for name, scenario in cases.items():
        _simpy(scenario, 1, 0, 50)  # warm up: prepare, read the posterior, load the kernels
        _batch(scenario, 1, 0, 1000)
        gc.collect()
        gc.freeze()
        rates: dict[str, list[float]] = {"simpy": [], "batch": []}
        for r in range(repeats):
            order = [("simpy", _simpy, simpy_runs), ("batch", _batch, batch_runs)]
            for label, fn, n in order if r % 2 == 0 else order[::-1]:
                gc.collect()
                rates[label].append(n / fn(scenario, 7 + r, 0, n))
        ratios = [b / s for b, s in zip(rates["batch"], rates["simpy"], strict=True)]
        out[name] = {
            "simpy_runs_per_s": statistics.median(rates["simpy"]),
            "batch_runs_per_s": statistics.median(rates["batch"]),
            "ratio_median": statistics.median(ratios),
            "ratio_range": [min(ratios), max(ratios)],
        }
        print(
            f"{name:20s} simpy {out[name]['simpy_runs_per_s']:10.0f}/s  batch "
            f"{out[name]['batch_runs_per_s']:10.0f}/s  ratio {out[name]['ratio_median']:6.1f}x "
            f"({min(ratios):.1f}-{max(ratios):.1f})",
            flush=True,
        )
    return out


_FIRST_CALL = """
import time, escalation as esc
from escalation.sim.batch import run_batch
sc = esc.load_scenario('two-states')
t = time.perf_counter(); run_batch(sc, 1, 0, 10); print(time.perf_counter() - t)
"""


def compile_times() -> dict[str, float]:
    """First call in a fresh process: empty numba cache, then the cache it filled."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("empty cache", "cached"):
            done = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True
            )
            out[label] = float(done.stdout.strip().splitlines()[-1])
            print(f"first call, {label}: {out[label]:.2f} s", flush=True)
    return out


def _bytes_per_run(ensemble: Any) -> float:
    return sum(c.nbytes for c in ensemble.outcomes.values()) / ensemble.runs


def scaling() -> list[dict[str, Any]]:
    """Runs/s and outcome bytes per run against actors, horizon and run count."""
    rows = []
    grid = [(a, 365.0, 20_000) for a in (2, 5, 10, 20, 40)]
    grid += [(10, h, 20_000) for h in (90.0, 730.0, 1460.0)]
    grid += [(10, 365.0, n) for n in (2_000, 200_000)]
    for actors, horizon, runs in grid:
        scenario = wave(actors, horizon)
        row: dict[str, Any] = {"actors": actors, "horizon": horizon, "runs": runs}
        for engine, n in (("batch", runs), ("simpy", min(runs, 1000))):
            run_ensemble(scenario, 20, 1, engine=engine)
            began = time.perf_counter()
            ens = run_ensemble(scenario, n, 3, engine=engine)
            row[f"{engine}_runs_per_s"] = n / (time.perf_counter() - began)
            row["bytes_per_run"] = _bytes_per_run(ens)
            row["mean_acts"] = float(ens.outcomes["acts"].mean())
        print(row, flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["speed", "compile", "scaling"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--simpy-runs", type=int, default=1000)
    parser.add_argument("--batch-runs", type=int, default=50_000)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--cases", help="speed: comma-separated cases (default: all)")
    args = parser.parse_args()
    if args.what == "speed":
        cases = {
            "two-states": esc.load_scenario("two-states"),
            "nato-russia-2021": esc.load_scenario("nato-russia-2021"),
            "skripal-2018": esc.load_scenario("skripal-2018"),
            "wave-30": wave(30),
        }
        if args.cases:
            cases = {name: cases[name] for name in args.cases.split(",")}
        result: Any = speed(cases, args.simpy_runs, args.batch_runs, args.repeats)
    elif args.what == "compile":
        result = compile_times()
    else:
        result = scaling()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
