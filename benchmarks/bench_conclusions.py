"""Left-out validation and model choice of the bundled model (issue 11, items 2 and 5).

Rebuilds the episode set the bundled posterior was fitted to (the 2018 wave, NATO 2018 and
2021), and prints:

(a) :func:`escalation.validate.leaveout.leave_out`: each episode of the set left out in turn
    (the wave; the NATO episodes together), the reciprocity policy refitted on the rest, the
    left-out summaries scored against the null models (empirical, tit-for-tat 1:1 at the
    training lag, never answers), differences with 95 % Monte Carlo intervals;
(b) :func:`escalation.validate.modelchoice.compare_families`: the same folds and seed for the
    reciprocity, grievance, tit-for-tat and proportional families, each with priors over its
    own parameters; mean scaled left-out score per fold and overall, differences from the best;
(c) with ``--labels``, (a) again with one fold per episode label (wave2018, nato.2018,
    nato.2021), each NATO episode left out alone.

The defaults are the settings of notebook 06's saved run (population 150, 6 generations, 400
predictive draws, 200 bootstrap resamples, seed 11, serial). Writes CSVs with ``--out``.

Usage::

    python benchmarks/bench_conclusions.py [--population 150] [--generations 6] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from escalation.calibrate.episodeset import problem_of
from escalation.calibrate.posterior import load_posterior
from escalation.validate.leaveout import labels, leave_out
from escalation.validate.modelchoice import FAMILIES, compare_families

BUNDLED = Path(__file__).resolve().parent.parent / "scenarios" / "nato-russia-posterior.json"


def main() -> None:
    """Parse the arguments, run the left-out folds and the comparison, print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posterior", type=Path, default=BUNDLED)
    ap.add_argument("--population", type=int, default=150)
    ap.add_argument("--generations", type=int, default=6)
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--labels", action="store_true", help="also one fold per episode label")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    record = problem_of(load_posterior(args.posterior))
    sizes = {
        "population": args.population,
        "generations": args.generations,
        "draws": args.draws,
        "boot": args.boot,
        "workers": args.workers,
    }
    t0 = time.perf_counter()
    cv = leave_out(record, seed=args.seed, **sizes)
    print(cv.table())
    print(f"(a) {time.perf_counter() - t0:.0f} s\n")
    t0 = time.perf_counter()
    families = args.families.split(",")
    choice = compare_families(record, families, seed=args.seed, done={"reciprocity": cv}, **sizes)
    print(choice.table())
    print(f"preferred: {choice.preferred()}; (b) {time.perf_counter() - t0:.0f} s\n")
    by_label = None
    if args.labels:
        t0 = time.perf_counter()
        by_label = leave_out(record, groups=[[g] for g in labels(record)], seed=args.seed, **sizes)
        print(by_label.table())
        print(f"(c) {time.perf_counter() - t0:.0f} s")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        cv.to_csv(args.out / "leave_out.csv")
        if by_label is not None:
            by_label.to_csv(args.out / "leave_out_labels.csv")
        lines = ["fold,family,score,low,high,difference,diff_low,diff_high"]
        for r in choice.rows():
            values = [r["score"], *r["interval"], r["difference"], *r["difference_interval"]]
            lines.append(",".join([r["fold"], r["family"], *(f"{v:.6g}" for v in values)]))
        (args.out / "families.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
