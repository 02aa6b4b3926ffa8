"""Engine speed: runs per second and microseconds per event, library against a baseline.

Measures, in one process and with interleaved repetitions (so that a change in machine load
hits every case alike), the median speed of:

* ``escalation.simulate`` on the bundled ``nato-russia-2021`` and ``two-states`` scenarios
  (each call prepares the scenario: ladder, initial state, policy table, trigger schedule);
* ``escalation.sim.engine.Simulator(scenario).run`` on both (prepared once, as
  ``run_ensemble`` does in every chunk);
* ``baseline_simpy.run``, a hand-written minimal SimPy model of the same two-state exchange,
  with its parameters read from ``two-states`` (staff, reply probabilities, lags, delays, the
  opening expulsion, horizon and stop rules).

An *event* is an announced or an effective measure (the baseline logs the same two phases).
The baseline draws its random numbers in the library's order, so for one seed both usually play
the same trajectory; the script reports how often they do and the mean events per run of each,
which is how the comparison is matched on events. The ratio reported is the library's time per
event over the baseline's, computed per repetition and then its median.

Usage::

    python benchmarks/bench_engine.py                 # about a minute
    python benchmarks/bench_engine.py --runs 300 --repeats 3   # quick look
    python benchmarks/bench_engine.py --json results.json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_lean
import baseline_simpy
import numpy as np
import simpy

import escalation as esc
from escalation.sim.engine import Simulator

COUNTED = ("announced", "effective")


def exchange_from(scenario: esc.Scenario) -> baseline_simpy.Exchange:
    """The baseline's parameters, read from a two-actor scenario with one opening expulsion."""
    if len(scenario.actors) != 2 or len(scenario.triggers) != 1:
        raise ValueError("the baseline models two actors and one opening trigger")
    trigger = scenario.triggers[0]
    if trigger.measure is not esc.MeasureKind.EXPEL:
        raise ValueError("the baseline's opening measure is an expulsion")
    ids = [a.id for a in scenario.actors]

    def side(actor: str) -> baseline_simpy.Side:
        other = ids[1 - ids.index(actor)]
        policy = scenario.actor(actor).policy_toward(other)
        # The embassy: the presence of ``actor`` at ``other`` with the most staff (the one a
        # mirrored expulsion targets).
        staff = max(p.staff for p in scenario.presences if p.owner == actor and p.host == other)
        return baseline_simpy.Side(
            staff=staff,
            reply_probability=policy.reply_probability,
            lag_median=policy.lag.median,
            lag_sigma=policy.lag.sigma,
            delay_median=policy.delay.median,
            delay_sigma=policy.delay.sigma,
        )

    first = "a" if trigger.actor == ids[0] else "b"
    return baseline_simpy.Exchange(
        a=side(ids[0]),
        b=side(ids[1]),
        first=first,
        first_day=trigger.time(scenario.start),
        first_magnitude=trigger.magnitude,
        first_delay=trigger.delay(scenario.start),
        horizon_days=scenario.horizon_days,
        quiet_days=scenario.stop.quiet_days,
        stop_at_rupture=scenario.stop.rupture,
    )


def library_rows(run: esc.Run) -> list[tuple[float, str, str, str, int]]:
    """The library's log in the baseline's row format (actors renamed ``a`` and ``b``)."""
    ids = [a.id for a in run.scenario.actors]
    name = {ids[0]: "a", ids[1]: "b"}
    return [
        (e.time, e.phase.value, name[e.actor], e.measure.value, e.magnitude) for e in run.events
    ]


def match(scenario: esc.Scenario, exchange: baseline_simpy.Exchange, seeds: int) -> dict[str, Any]:
    """How often library and baseline play the same trajectory, and their events per run."""
    same = 0
    events_lib = events_base = 0
    for seed in range(seeds):
        lib = library_rows(esc.simulate(scenario, seed=seed))
        base = baseline_simpy.run(exchange, seed).log
        events_lib += sum(1 for r in lib if r[1] in COUNTED)
        events_base += sum(1 for r in base if r[1] in COUNTED)
        same += len(lib) == len(base) and all(
            abs(x[0] - y[0]) < 1e-9 and x[1:] == y[1:] for x, y in zip(lib, base, strict=True)
        )
    lean = sum(
        baseline_lean.run(exchange, s).log == baseline_simpy.run(exchange, s).log
        for s in range(min(seeds, 500))
    )
    return {
        "lean_equals_idiomatic": lean / min(seeds, 500),
        "seeds": seeds,
        "identical_trajectories": same / seeds,
        "events_per_run_library": events_lib / seeds,
        "events_per_run_baseline": events_base / seeds,
    }


def _count_library(runs: list[esc.Run]) -> int:
    return sum(1 for r in runs for e in r.events if e.phase.value in COUNTED)


def _count_baseline(runs: list[baseline_simpy.Result]) -> int:
    return sum(1 for r in runs for row in r.log if row[1] in COUNTED)


def measure(
    cases: dict[str, tuple[Callable[[int], Any], Callable[[list[Any]], int]]],
    runs: int,
    repeats: int,
    block: int = 20,
) -> dict[str, list[tuple[float, int]]]:
    """Time ``runs`` seeds of every case, ``repeats`` times.

    Within a repetition the cases take turns every ``block`` seeds (in an order that rotates),
    so that a change in machine load falls on every case alike. The garbage collector runs
    (untimed) before each block: a case's block is timed with the collections its own runs
    cause, not those another case's left-over garbage would.
    """
    names = list(cases)
    timings: dict[str, list[tuple[float, int]]] = {n: [] for n in names}
    for rep in range(repeats):
        spent = dict.fromkeys(names, 0.0)
        events = dict.fromkeys(names, 0)
        for turn, first in enumerate(range(rep * runs, (rep + 1) * runs, block)):
            seeds = range(first, min(first + block, (rep + 1) * runs))
            k = turn % len(names)
            for name in names[k:] + names[:k]:
                run_one, count = cases[name]
                gc.collect()  # no case pays for collecting the garbage another one left
                began = time.perf_counter()
                results = [run_one(seed) for seed in seeds]
                spent[name] += time.perf_counter() - began
                events[name] += count(results)
                del results
        for name in names:
            timings[name].append((spent[name], events[name]))
    return timings


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print a table and return the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs per case and repetition")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repetitions")
    parser.add_argument("--match-seeds", type=int, default=2000, help="seeds for the match")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    nato = esc.load_scenario("nato-russia-2021")
    two = esc.load_scenario("two-states")
    exchange = exchange_from(two)
    matched = match(two, exchange, args.match_seeds)

    nato_sim, two_sim = Simulator(nato), Simulator(two)
    cases: dict[str, tuple[Callable[[int], Any], Callable[[list[Any]], int]]] = {
        "simulate nato-russia-2021": (lambda s: esc.simulate(nato, seed=s), _count_library),
        "Simulator nato-russia-2021": (nato_sim.run, _count_library),
        "simulate two-states": (lambda s: esc.simulate(two, seed=s), _count_library),
        "Simulator two-states": (two_sim.run, _count_library),
        "baseline two-states": (lambda s: baseline_simpy.run(exchange, s), _count_baseline),
        "lean baseline two-states": (lambda s: baseline_lean.run(exchange, s), _count_baseline),
    }
    for run_one, _ in cases.values():  # warm up imports and caches
        for seed in range(50):
            run_one(seed)
    # What is alive now (modules, prepared scenarios, posterior particles) stays alive: moved
    # out of the collector's way, it no longer makes each full collection during the timing
    # slower, whichever case happens to trigger it (the baseline's runs leave reference
    # cycles, so it triggers most of them).
    gc.collect()
    gc.freeze()
    timings = measure(cases, args.runs, args.repeats)

    figures: dict[str, Any] = {"cases": {}}
    for name, reps in timings.items():
        figures["cases"][name] = {
            "runs_per_second": statistics.median(args.runs / t for t, _ in reps),
            "us_per_event": statistics.median(t / n * 1e6 for t, n in reps),
            "events_per_run": statistics.mean(n for _, n in reps) / args.runs,
        }
    figures["per_event_ratio_over_baseline"] = {}
    for name, base in (
        ("simulate two-states", "baseline two-states"),
        ("Simulator two-states", "baseline two-states"),
        ("Simulator two-states", "lean baseline two-states"),
    ):
        ratios = [
            (tl / nl) / (tb / nb)
            for (tl, nl), (tb, nb) in zip(timings[name], timings[base], strict=True)
        ]
        figures["per_event_ratio_over_baseline"][f"{name} / {base}"] = {
            "median": statistics.median(ratios),
            "range": [min(ratios), max(ratios)],
        }
    figures["match"] = matched
    figures["setup"] = {
        "runs_per_repetition": args.runs,
        "repetitions": args.repeats,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": np.__version__,
        "escalation": esc.__version__,
        "machine": platform.platform(),
        "load_average_after": os.getloadavg(),
    }

    print(f"{'case':<28} {'runs/s':>10} {'us/event':>10} {'events/run':>11}")
    for name, row in figures["cases"].items():
        print(
            f"{name:<28} {row['runs_per_second']:>10.0f} {row['us_per_event']:>10.2f} "
            f"{row['events_per_run']:>11.2f}"
        )
    for name, ratio in figures["per_event_ratio_over_baseline"].items():
        lo, hi = ratio["range"]
        print(
            f"per-event cost, {name}: {ratio['median']:.2f}x "
            f"(median of {args.repeats}; range {lo:.2f}-{hi:.2f}; target <= 1.25x)"
        )
    print(
        f"matching: {matched['identical_trajectories']:.1%} of {matched['seeds']} seeds play "
        f"the same trajectory; events/run library {matched['events_per_run_library']:.2f}, "
        f"baseline {matched['events_per_run_baseline']:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
