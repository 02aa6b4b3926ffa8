"""The bundled calibration on the batch engine (issue 13): throughput, and the refit itself.

Usage::

    python benchmarks/bench_batch_calibration.py throughput [--rows 400] [--repeats 3]
    python benchmarks/bench_batch_calibration.py predict [--runs 1000]
    python benchmarks/bench_batch_calibration.py refit [--population 300] [--generations 18]
        [--workers 2] [--compare scenarios/nato-russia-posterior.json]

``throughput`` simulates the bundled episode set (``scenarios/fits/nato-russia-episodes.yaml``)
for the same parameter vectors and seeds on the batch engine (logged runs) and on the SimPy
engine, alternately in one process (so that both see the same load on a shared machine),
checks that the summaries are equal, and prints rows per second, and for the batch path the
time in its parts: policy tables, compiled runs, rebuilding the events, the summaries.

``predict`` times :func:`escalation.validate.predict.predict` under the bundled posterior on
both engines and checks that the per-dyad draws are identical.

``refit`` runs the bundled calibration (seed 0, local kernel) with the code as it is, prints
its wall time and, with ``--compare``, whether particles, weights and distances are identical
to the given posterior's.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import numpy as np

from escalation.base.stream import seed_key
from escalation.calibrate import logged
from escalation.calibrate.driver import calibrate
from escalation.calibrate.episodefile import load_episode_set
from escalation.calibrate.episodeset import EpisodeSetModel
from escalation.calibrate.posterior import Posterior
from escalation.model.scenario import bundled_dir
from escalation.sim.batch.logs import LoggedRun
from escalation.validate.predict import predict

EPISODES = bundled_dir("scenarios") / "fits" / "nato-russia-episodes.yaml"


def _parts(model: EpisodeSetModel, thetas: np.ndarray, seeds: list) -> dict[str, float]:
    """Seconds the batch path spends in each part, summed over the episodes."""
    spent = dict.fromkeys(("policy tables", "compiled runs", "events rebuilt", "summaries"), 0.0)
    events: dict[str, float] = {}
    for k, m in enumerate(model.models):
        player, _ = logged._player(m)
        children = [np.random.SeedSequence(s.entropy, spawn_key=(*s.spawn_key, k)) for s in seeds]
        keys = [seed_key(c) for c in children]
        t0 = time.process_time()
        tables = player.tables([m.priors.apply(t) for t in thetas])
        t1 = time.process_time()
        runs = [player.logs(keys[i : i + 64], _rows(tables, i)) for i in range(0, len(keys), 64)]
        t2 = time.process_time()
        made = [
            LoggedRun(player, player.events(rows[j, : sizes[j]], stamps[j, : sizes[j]]), final[j])
            for _, final, rows, stamps, sizes in runs
            for j in range(len(sizes))
        ]
        t3 = time.process_time()
        for r in made:
            m.summaries.compute(r)
        t4 = time.process_time()
        spent["policy tables"] += t1 - t0
        spent["compiled runs"] += t2 - t1
        spent["events rebuilt"] += t3 - t2
        spent["summaries"] += t4 - t3
        events[m.scenario.name] = float(np.mean([len(r.events) for r in made]))
    print("    events per run: " + ", ".join(f"{k} {v:.0f}" for k, v in events.items()))
    return spent


def _rows(tables: tuple[np.ndarray, np.ndarray], i: int) -> tuple[np.ndarray, np.ndarray]:
    return tables[0][i : i + 64], tables[1][i : i + 64]


def throughput(rows: int, repeats: int) -> None:
    episodes = load_episode_set(EPISODES)
    fast = episodes.simulator
    slow = EpisodeSetModel(
        tuple(dataclasses.replace(m, engine="simpy") for m in fast.models), fast.index
    )
    thetas = episodes.priors.sample(np.random.default_rng(0), rows)
    seeds = np.random.SeedSequence(1).spawn(rows)
    fast(thetas[:2], seeds[:2])  # compile and load the kernels once
    times: dict[str, list[float]] = {"batch": [], "simpy": []}
    for _ in range(repeats):
        for name, model in (("batch", fast), ("simpy", slow)):
            t = time.process_time()
            out = model(thetas, seeds)
            times[name].append(time.process_time() - t)
            if name == "batch":
                a = out
        assert np.array_equal(a, out), "the engines' summaries differ"
    print(f"{rows} rows (one run of each of {len(fast.models)} episodes), best of {repeats}:")
    for name, ts in times.items():
        print(f"    {name:6s} {min(ts):7.3f} CPU s  {rows / min(ts):8.0f} rows per CPU s")
    print(f"    speed-up {min(times['simpy']) / min(times['batch']):.1f}x; summaries identical")
    print(f"    load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    t = time.process_time()
    spent = _parts(fast, thetas, seeds)
    total = time.process_time() - t
    print("batch path, per row (both episodes):")
    for name, s in spent.items():
        print(f"    {name:15s} {s / rows * 1e6:8.0f} us")
    print(f"    {'(measured in)':15s} {total / rows * 1e6:8.0f} us")


def predictions(runs: int) -> None:
    """``predict`` under the bundled posterior on both engines: time, and equal draws."""
    post = Posterior.load(bundled_dir("scenarios") / "nato-russia-posterior.json")
    for scenario in ("skripal-2018", "nato-russia-2021"):
        predict(post, scenario, runs=10, engine="batch")  # compile and load once
        spent, made = {}, {}
        for engine in ("batch", "simpy"):
            t = time.process_time()
            made[engine] = predict(post, scenario, runs=runs, seed=5, engine=engine)
            spent[engine] = time.process_time() - t
        same = all(
            np.array_equal(
                getattr(made["batch"].draws[k], f),
                getattr(made["simpy"].draws[k], f),
                equal_nan=f in ("lag", "ratio", "time_to_rupture"),
            )
            for k in made["simpy"].dyads
            for f in ("answered", "lag", "ratio", "ruptured", "time_to_rupture")
        )
        print(
            f"predict {scenario} ({runs} runs): batch {spent['batch']:.2f} s, SimPy "
            f"{spent['simpy']:.2f} s ({spent['simpy'] / spent['batch']:.1f}x); "
            f"draws identical: {same and made['batch'].dyads == made['simpy'].dyads}"
        )


def refit(args: argparse.Namespace) -> None:
    episodes = load_episode_set(EPISODES)
    t = time.perf_counter()
    post = calibrate(
        None,
        None,
        problem=episodes,
        population=args.population,
        generations=args.generations,
        seed=0,
        workers=args.workers,
        kernel="local",
    )
    wall = time.perf_counter() - t
    print(
        f"calibration: {wall:.1f} s wall ({args.population} x {args.generations}, "
        f"{args.workers} workers; load average {os.getloadavg()[0]:.1f})"
    )
    if args.compare:
        other = Posterior.load(args.compare)
        same = all(
            np.array_equal(np.asarray(getattr(post, f)), np.asarray(getattr(other, f)))
            for f in ("particles", "weights", "distances")
        )
        print(f"particles, weights, distances identical to {args.compare}: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("throughput")
    p.add_argument("--rows", type=int, default=400)
    p.add_argument("--repeats", type=int, default=3)
    q = sub.add_parser("predict")
    q.add_argument("--runs", type=int, default=1000)
    r = sub.add_parser("refit")
    r.add_argument("--population", type=int, default=300)
    r.add_argument("--generations", type=int, default=18)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--compare", default=None)
    args = parser.parse_args()
    if args.what == "throughput":
        throughput(args.rows, args.repeats)
    elif args.what == "predict":
        predictions(args.runs)
    else:
        refit(args)


if __name__ == "__main__":
    main()
