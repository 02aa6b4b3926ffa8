"""Calibration time: the bundled model fitted to the documented NATO-Russia episodes.

Runs what ``escalation calibrate nato-russia-2021 nato-russia --out DIR --workers 2`` runs
(:func:`escalation.cli.calibrate_outputs.calibrate_to_dir` with the default population and
generations): ABC-SMC, the posterior predictive checks and the plots. Reports the wall time
(worker start-up included, as a user pays it; the target is under 3 minutes on 2 cores), the
time per generation, the 90% posterior intervals and the predictive p-values.

Usage::

    python benchmarks/bench_calibration.py                       # workers=2, seed 0
    python benchmarks/bench_calibration.py --json calibration.json
    python benchmarks/bench_calibration.py --save scenarios/nato-russia-posterior.json

``--save`` copies the posterior to the given path: this is how the bundled
``scenarios/nato-russia-posterior.json`` is made.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from escalation.calibrate.driver import DEFAULT_GENERATIONS, DEFAULT_POPULATION
from escalation.calibrate.posterior import interval_summary
from escalation.cli.calibrate_outputs import calibrate_to_dir

TARGET_SECONDS = 180.0


def main(argv: list[str] | None = None) -> dict:
    """Time one calibration of the bundled model and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--population", type=int, default=DEFAULT_POPULATION)
    parser.add_argument("--generations", type=int, default=DEFAULT_GENERATIONS)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--save", type=Path, help="copy the posterior here")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        posterior = calibrate_to_dir(
            "nato-russia-2021",
            "nato-russia",
            tmp,
            seed=args.seed,
            workers=args.workers,
            population=args.population,
            generations=args.generations,
            progress=True,
            echo=io.StringIO(),
        )
        seconds = time.perf_counter() - began
        if args.save:
            shutil.copyfile(Path(tmp) / "posterior.json", args.save)
            print(f"posterior written to {args.save}")
    p_values = posterior.meta["predictive_p_values"]
    print(f"\ncalibration of the bundled model, {args.workers} workers, seed {args.seed}")
    print(f"population {args.population}, generations {len(posterior.generations)}")
    print(f"load average before: {load[0]:.2f}")
    print(f"wall time: {seconds:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    print(f"simulations: {sum(g.simulations for g in posterior.generations)}")
    print(f"\n{posterior.table()}\n\n90% intervals (median [5%, 95%]):")
    print(interval_summary(posterior))
    print("\npredictive p-values (two-sided, mid-p):")
    for name, p in p_values.items():
        print(f"  {name:<18} {p:.3f}")
    figures = {
        "seconds": seconds,
        "workers": args.workers,
        "population": args.population,
        "generations": len(posterior.generations),
        "simulations": sum(g.simulations for g in posterior.generations),
        "intervals_90": {k: list(v) for k, v in posterior.interval(0.9).items()},
        "median": posterior.quantile(0.5),
        "p_values": p_values,
        "load_before": load[0],
        "within_target": seconds < TARGET_SECONDS,
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    result = main()
    sys.exit(0 if result["within_target"] else 1)
