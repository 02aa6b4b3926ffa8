"""Simulation-based calibration of the bundled calibration pipeline at larger settings.

Runs :func:`escalation.validate.sbc.sbc` on the episode set the bundled posterior was fitted
to (the 2018 wave and NATO's 2018 and 2021 episodes, Russia's ``reciprocity`` policy, the
bundled priors and summary weights, the local kernel) and prints the table (chi-square
uniformity p-value, mean contraction, z-score mean and sd per parameter) and the wall time;
writes the per-parameter CSV and the raw ranks (``--out``). ``--scenario`` and ``--history``
run it on one documented history instead (the default grievance priors, the global kernel:
the pipeline before the refit). Defaults: 100 replicates, population 200, 4 generations, 99
posterior draws, 10 bins, 2 workers.

Usage::

    python benchmarks/bench_sbc.py --replicates 100 --population 200 --generations 4 --out sbc
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from escalation.calibrate.episodeset import problem_of
from escalation.calibrate.posterior import load_posterior
from escalation.calibrate.problem import CalibrationProblem
from escalation.validate.sbc import sbc

BUNDLED = Path(__file__).resolve().parent.parent / "scenarios" / "nato-russia-posterior.json"


def main() -> None:
    """Parse the arguments, run SBC, print and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posterior", type=Path, default=BUNDLED, help="its episode set is fitted")
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--history", default=None)
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--posterior-draws", type=int, default=99)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--kernel", choices=("global", "local"), default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.scenario or args.history:
        problem = CalibrationProblem.build(args.scenario, args.history)
        kernel = args.kernel or "global"
    else:
        problem = problem_of(load_posterior(args.posterior))
        kernel = args.kernel or "local"
    t0 = time.perf_counter()
    result = sbc(
        problem,
        replicates=args.replicates,
        population=args.population,
        generations=args.generations,
        posterior_draws=args.posterior_draws,
        bins=args.bins,
        seed=args.seed,
        workers=args.workers,
        kernel=kernel,
    )
    print(result.table())
    print(f"wall time {time.perf_counter() - t0:.1f} s on {args.workers} workers")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        result.to_csv(args.out / "sbc.csv")
        (args.out / "ranks.json").write_text(
            json.dumps({"names": result.names, "ranks": result.ranks.tolist()}), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
