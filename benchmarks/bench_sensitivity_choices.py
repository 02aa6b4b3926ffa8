"""Sensitivity of the bundled conclusions to its choices (issue 11, item 6).

Refits the bundled episode set (``scenarios/fits/nato-russia-episodes.yaml``, Russia's
reciprocity policy) under each choice of :data:`escalation.validate.choices.CHOICES`: other
priors on ``threshold``, ``rupture_gap`` and ``half_life``, the Goldstein ladder, and each
documented alternative reading of a disputed value (NATO's liaison mission 6 staff, not 13;
Russia's mission to NATO 50 in 2015; NATO's 2021 expulsions effective end of October;
Macedonia's 2 expelled; Seattle closed 2 April). The baseline is refitted at the same settings
and, with ``--spread-seeds``, with more seeds: the seed-to-seed spread is the yardstick.

Prints, per choice, P(rupture) of ``nato-russia-2021`` and of it without NATO's cap cut (each
run drawing a particle by weight; 95 % Wilson interval), the joint predictive checks and the
posterior medians; writes ``choices.csv`` with ``--out`` (every figure with its interval or
bootstrap standard error).

Usage::

    python benchmarks/bench_sensitivity_choices.py [--population 150] [--generations 6]
        [--spread-seeds 1] [--choices baseline,goldstein] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from escalation.calibrate.posterior import Posterior
from escalation.validate.choices import CHOICES, ChoiceRefits, refit_choices

EPISODES = (
    Path(__file__).resolve().parent.parent / "scenarios" / "fits" / "nato-russia-episodes.yaml"
)


def _done(row: dict[str, Any]) -> None:
    (flat,) = ChoiceRefits((row,), {}, 0.0).flat()
    print(
        "done: "
        + ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in flat.items()
        ),
        flush=True,
    )


def main() -> None:
    """Parse the arguments, refit under each choice, print the table, write the CSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=Path, default=EPISODES)
    ap.add_argument("--population", type=int, default=150)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spread-seeds", default="1", help="more seeds of the baseline, e.g. 1,2")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--choices", default=",".join(c.name for c in CHOICES))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--baseline-posterior",
        type=Path,
        default=None,
        help="use this posterior as the baseline's fit (the bundled one at 300 x 18, seed 0)",
    )
    args = ap.parse_args()
    by_name = {c.name: c for c in CHOICES}
    choices = [by_name[n] for n in args.choices.split(",")]
    spread = [int(s) for s in args.spread_seeds.split(",") if s]
    for c in choices:
        print(f"{c.name:<15} {c.note}")
    t0 = time.perf_counter()
    result = refit_choices(
        args.episodes,
        choices,
        population=args.population,
        generations=args.generations,
        seed=args.seed,
        spread_seeds=spread,
        draws=args.draws,
        runs=args.runs,
        workers=args.workers,
        progress=_done,
        done={"baseline": Posterior.load(args.baseline_posterior)}
        if args.baseline_posterior
        else None,
    )
    print(result.table())
    for r in result.rows:
        print(
            f"{r['choice']:<15} seed {r['seed']}: {r['seconds']:.0f} s, epsilon "
            f"{r['epsilon']:.3g}, ESS {r['ess']:.0f}, refitted {r['refitted']}"
        )
    print(f"{time.perf_counter() - t0:.0f} s in all")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        result.to_csv(args.out / "choices.csv")


if __name__ == "__main__":
    main()
