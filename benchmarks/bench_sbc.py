"""Simulation-based calibration of the bundled calibration pipeline at full settings.

Runs :func:`escalation.validate.sbc.sbc_of` on the bundled scenario and history with the
default priors and prints the table (chi-square uniformity p-value, mean contraction, z-score
mean and sd per parameter) and the wall time; writes the per-parameter CSV and the raw ranks
(``--out``). Defaults: 100 replicates, population 200, 4 generations, 99 posterior draws,
10 bins, 2 workers (about 5 minutes on 2 cores).

Usage::

    python benchmarks/bench_sbc.py --replicates 100 --population 200 --generations 4 --out sbc
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from escalation.validate.sbc import sbc_of


def main() -> None:
    """Parse the arguments, run SBC, print and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="nato-russia-2021")
    ap.add_argument("--history", default="nato-russia")
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--posterior-draws", type=int, default=99)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    result = sbc_of(
        args.scenario,
        args.history,
        replicates=args.replicates,
        population=args.population,
        generations=args.generations,
        posterior_draws=args.posterior_draws,
        bins=args.bins,
        seed=args.seed,
        workers=args.workers,
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
