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
    nato.2021), each NATO episode left out alone;
(d) with ``--seeds 11,12,13``, (b) once per seed (:func:`compare_over_seeds`): each family's
    score per seed, its spread between seeds, and whether the ranking holds;
(e) with ``--label-choice``, (b) over the per-label folds of (c);
(f) with ``--kfold K``, :func:`escalation.validate.kfold.kfold_wave`: the wave's 29 states in
    K folds (NATO's line in every training part), each left out in turn and scored against
    the null models.

``--skip-default`` skips (a) and (b).

The defaults are the settings of notebook 06's saved run (population 150, 6 generations, 400
predictive draws, 200 bootstrap resamples, seed 11, serial). Writes CSVs with ``--out``.

Usage::

    python benchmarks/bench_conclusions.py [--population 150] [--generations 6] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from escalation.calibrate.episodeset import problem_of
from escalation.calibrate.posterior import load_posterior
from escalation.validate.kfold import kfold_wave
from escalation.validate.leaveout import labels, leave_out
from escalation.validate.modelchoice import FAMILIES, compare_families, compare_over_seeds

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
    ap.add_argument("--skip-default", action="store_true", help="skip (a) and (b)")
    ap.add_argument("--seeds", default="", help="(d): model choice with these seeds")
    ap.add_argument("--label-choice", action="store_true", help="(e): over per-label folds")
    ap.add_argument("--kfold", type=int, default=0, help="(f): k-fold over the wave's states")
    args = ap.parse_args()
    record = problem_of(load_posterior(args.posterior))
    sizes = {
        "population": args.population,
        "generations": args.generations,
        "draws": args.draws,
        "boot": args.boot,
        "workers": args.workers,
    }
    if not args.skip_default:
        _default(args, record, sizes)
    _more(args, record, sizes)


def _default(args: argparse.Namespace, record: Any, sizes: dict[str, Any]) -> None:
    """(a), (b) and (c)."""
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
        _families_csv(choice.rows(), args.out / "families.csv")


def _families_csv(rows: list[dict[str, Any]], path: Path) -> None:
    lines = ["fold,family,score,low,high,difference,diff_low,diff_high"]
    for r in rows:
        values = [r["score"], *r["interval"], r["difference"], *r["difference_interval"]]
        lines.append(",".join([r["fold"], r["family"], *(f"{v:.6g}" for v in values)]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _more(args: argparse.Namespace, record: Any, sizes: dict[str, Any]) -> None:
    """(d), (e) and (f), as asked."""
    families = args.families.split(",")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    if args.seeds:
        t0 = time.perf_counter()
        seeds = [int(s) for s in args.seeds.split(",")]
        over = compare_over_seeds(record, families, seeds, **sizes)
        print(over.table())
        print(f"(d) {time.perf_counter() - t0:.0f} s\n")
        if args.out is not None:
            for s, comparison in over.by_seed.items():
                _families_csv(comparison.rows(), args.out / f"families_seed{s}.csv")
    if args.label_choice:
        t0 = time.perf_counter()
        groups = [[g] for g in labels(record)]
        per_label = compare_families(record, families, seed=args.seed, groups=groups, **sizes)
        print(per_label.table())
        print(f"preferred: {per_label.preferred()}; (e) {time.perf_counter() - t0:.0f} s\n")
        if args.out is not None:
            _families_csv(per_label.rows(), args.out / "families_labels.csv")
    if args.kfold:
        t0 = time.perf_counter()
        kf = kfold_wave(record, "skripal-2018", k=args.kfold, seed=args.seed, **sizes)
        print(kf.cv.table())
        print(kf.table())
        for name, members in kf.folds.items():
            print(f"{name}: {', '.join(members)}")
        print(f"(f) {time.perf_counter() - t0:.0f} s\n")
        if args.out is not None:
            kf.cv.to_csv(args.out / "kfold_wave.csv")


if __name__ == "__main__":
    main()
