"""Cost of the grievance policy as runs grow (issue 12 item 4, issue 13 item 4).

Measures, on an exchange of criticisms between ``a``, following ``grievance`` (threshold 0.1,
so that every hostile act is answered; half-life 365 days), and ``b``, following tit-for-tat
(no rupture, no quiet stop; every other act is a grievance decision):

* ``horizon``: microseconds per act on the SimPy engine (``Simulator.run``, prepared once) for
  horizons of 1, 2, 4, 8 and 16 years, with the default lag (median 12 days) and with a lag of
  median 1 day. A decision that re-sums the whole history costs more the longer the run; a
  running stock costs the same at every length;
* ``tiny``: the worst case, lags of median ``--lag`` days (1e-3: every answer at a new time,
  so no memo of an instant helps): the wall time of one run to ``MAX_ACTS`` (or to
  ``--tiny-horizon`` days) on the SimPy engine, and of ``--batch-runs`` runs on the batch
  engine with a horizon short enough for its event buffer (``--batch-horizon`` days).

Usage::

    python benchmarks/bench_grievance.py                      # a few minutes
    python benchmarks/bench_grievance.py horizon --acts 2000 --repeats 3
    python benchmarks/bench_grievance.py tiny --tiny-horizon 20   # a capped run
    python benchmarks/bench_grievance.py --json grievance.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import escalation as esc
from escalation.sim.engine import Simulator

SCENARIO = """\
name: grievance-exchange
start: 2021-01-01
horizon_days: {horizon}
actors:
  - {{id: a, policy: {{type: grievance, threshold: 0.1, lag: {{median: {lag}, sigma: 0.5}},
      delay: {{median: 0}}}}}}
  - {{id: b, policy: {{type: tit-for-tat, lag: {{median: {lag}, sigma: 0.5}},
      delay: {{median: 0}}}}}}
presences:
  - {{id: a-in-b, owner: a, host: b, staff: 20}}
  - {{id: b-in-a, owner: b, host: a, staff: 20}}
triggers:
  - {{actor: b, target: a, measure: criticize, day: 1}}
stop: {{rupture: false}}
"""
YEARS = (1, 2, 4, 8, 16)


def scenario(horizon: float, lag: float) -> esc.Scenario:
    """The exchange of criticisms between two grievance actors."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grievance.yaml"
        path.write_text(SCENARIO.format(horizon=horizon, lag=lag))
        return esc.load_scenario(path)


def per_act(horizon: float, lag: float, want: int, repeats: int) -> dict[str, float]:
    """Median over ``repeats`` of the µs per act of SimPy runs of about ``want`` acts in all.

    Also the mean acts per run.
    """
    sim = Simulator(scenario(horizon, lag))
    runs = max(1, round(want / max(1, sim.run(seed=0).outcome.acts)))  # and a warm-up
    figures, acts = [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        acts = sum(sim.run(seed=s).outcome.acts for s in range(runs))
        figures.append((time.perf_counter() - began) / acts * 1e6)
    return {"us_per_act": statistics.median(figures), "acts_per_run": acts / runs}


def horizon(args: argparse.Namespace) -> dict[str, Any]:
    """µs per act from a 1-year to a 16-year horizon, at two lags."""
    out: dict[str, Any] = {}
    for lag in (12.0, 1.0):
        rows = {}
        for years in YEARS:
            rows[years] = per_act(365.0 * years, lag, args.acts, args.repeats)
            r = rows[years]
            print(
                f"lag {lag:g} d, {years:2d} y: {r['acts_per_run']:8.0f} acts/run "
                f"{r['us_per_act']:8.1f} µs/act",
                flush=True,
            )
        out[f"lag {lag:g}"] = rows
    return out


def tiny(args: argparse.Namespace) -> dict[str, Any]:
    """Wall time of the tiny-lag exchange on both engines."""
    out: dict[str, Any] = {}
    sc = scenario(args.tiny_horizon, args.lag)
    began = time.perf_counter()
    o = esc.simulate(sc, seed=0).outcome
    seconds = time.perf_counter() - began
    out["simpy"] = {"seconds": seconds, "acts": o.acts, "stop": o.stop_reason}
    print(f"SimPy, lag {args.lag:g} d: {o.acts:,} acts ({o.stop_reason}) in {seconds:.1f} s")
    from escalation.sim import batch

    if not batch.available() or args.batch_runs <= 0:
        return out
    sc = scenario(args.batch_horizon, args.lag)
    batch.run_batch(sc, 1, 0, 1)  # compile (or load the cache) first
    began = time.perf_counter()
    got = batch.run_batch(sc, 0, 0, args.batch_runs)
    seconds = time.perf_counter() - began
    acts = got.columns["acts"]
    out["batch"] = {
        "seconds": seconds,
        "runs": args.batch_runs,
        "mean_acts": float(acts.mean()),
        "handed_over": len(got.overflow),
    }
    print(
        f"batch, lag {args.lag:g} d: {args.batch_runs} runs of {acts.mean():,.0f} acts "
        f"({len(got.overflow)} too big for the buffers) in {seconds:.2f} s"
    )
    return out


def main(argv: list[str] | None = None) -> None:
    """Run the chosen measurements and print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="?", choices=("all", "horizon", "tiny"), default="all")
    parser.add_argument("--acts", type=int, default=5000, help="acts per horizon and repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lag", type=float, default=1e-3, help="median lag of 'tiny', days")
    parser.add_argument("--tiny-horizon", type=float, default=36500.0)
    parser.add_argument("--batch-horizon", type=float, default=15.0)
    parser.add_argument("--batch-runs", type=int, default=20, help="0: SimPy only")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if args.what in ("all", "horizon"):
        results["horizon"] = horizon(args)
    if args.what in ("all", "tiny"):
        results["tiny"] = tiny(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
