"""``escalation validate-model``: scores on left-out episodes, against null models.

``validate-model SCENARIO HISTORY --out DIR`` leaves each documented episode of HISTORY out,
refits on the others, and scores the left-out episode against null models
(:func:`escalation.validate.crossval.cross_validate`). ``validate-model --episodes FILE --out
DIR`` does the same for an episode set (a YAML episode-set file, or a posterior fitted to one,
whose set is rebuilt): one fold per episode of the set
(:func:`escalation.validate.leaveout.leave_out`); ``--families`` adds the comparison of policy
families on the same folds (:mod:`escalation.validate.modelchoice`, ``families.csv``). Both
write ``crossval.csv`` and ``crossval.png``; with ``--sbc N`` also simulation-based
calibration with N replicates (``sbc.csv``, ``sbc_ranks.png``). (``validate`` checks files.)
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

from escalation.base.errors import InputError
from escalation.cli.common import EXIT_OK, Subparsers, expect, positive, seed_number
from escalation.cli.output import check_out, staged


def add_parser(commands: Subparsers) -> None:
    """Add ``validate-model`` and its options to the commands."""
    cmd = commands.add_parser(
        "validate-model",
        help="score the calibrated model on left-out episodes against null models",
        description="Leave each documented episode of HISTORY (or each episode of the set "
        "given with --episodes) out, refit (ABC-SMC, small settings) on the others, and score "
        "the left-out episode against null models (empirical, tit-for-tat 1:1, never "
        "answers). Writes crossval.csv and crossval.png into DIR; --families adds the "
        "comparison of policy families (families.csv); --sbc N adds simulation-based "
        "calibration (sbc.csv, sbc_ranks.png).",
    )
    cmd.add_argument(
        "scenario", metavar="SCENARIO", nargs="?", help="bundled scenario name or YAML file"
    )
    cmd.add_argument(
        "history", metavar="HISTORY", nargs="?", help="bundled history name, YAML or CSV file"
    )
    cmd.add_argument(
        "--episodes",
        metavar="FILE",
        help="an episode-set YAML file, or a posterior (JSON) fitted to one, instead of "
        "SCENARIO HISTORY",
    )
    cmd.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for results")
    cmd.add_argument("--seed", type=seed_number, default=0, metavar="N", help="seed (default 0)")
    cmd.add_argument("--workers", type=positive, metavar="W", help="worker processes")
    cmd.add_argument("--priors", metavar="FILE", help="priors as YAML (default: the defaults)")
    cmd.add_argument("--population", type=positive, default=200, metavar="N")
    cmd.add_argument("--generations", type=positive, default=4, metavar="N")
    cmd.add_argument("--draws", type=positive, default=400, metavar="N", help="predictive draws")
    cmd.add_argument(
        "--families",
        metavar="NAMES",
        help="with --episodes: compare these policy families (comma-separated, from "
        "reciprocity, grievance, tit-for-tat, proportional; 'all' for every one)",
    )
    cmd.add_argument("--sbc", type=positive, metavar="N", help="also run SBC, N replicates")
    cmd.set_defaults(handler=cmd_validate_model)


def _problem(args: argparse.Namespace) -> Any:
    """The calibration problem or episode set the arguments name."""
    if args.episodes:
        if args.scenario or args.history:
            raise InputError("give either SCENARIO HISTORY or --episodes, not both")
        from escalation.calibrate.episodefile import load_episode_set
        from escalation.calibrate.episodeset import problem_of
        from escalation.calibrate.posterior import load_posterior

        path = Path(args.episodes)
        if path.suffix == ".json":
            return problem_of(load_posterior(path))
        return load_episode_set(path, args.priors)
    if not (args.scenario and args.history):
        raise InputError("give SCENARIO HISTORY, or --episodes FILE")
    from escalation.calibrate.problem import CalibrationProblem
    from escalation.model.scenario import load_scenario
    from escalation.sim.history import load_history

    scenario = load_scenario(expect("scenario", args.scenario))
    history = load_history(expect("history", args.history))
    return CalibrationProblem.build(scenario, history, args.priors)


def _families(args: argparse.Namespace) -> list[str]:
    from escalation.validate.modelchoice import FAMILIES

    if not args.families:
        return []
    if not args.episodes:
        raise InputError("--families needs --episodes")
    names = list(FAMILIES) if args.families == "all" else args.families.split(",")
    unknown = [n for n in names if n not in FAMILIES]
    if unknown or len(names) < 2:
        raise InputError(
            f"--families: at least two of {', '.join(FAMILIES)} (unknown: {', '.join(unknown)})"
        )
    return names


def _families_csv(choice: Any) -> str:
    buf = io.StringIO()
    fields = ["fold", "family", "score", "low", "high", "difference", "diff_low", "diff_high"]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    for r in choice.rows():
        values = [r["score"], *r["interval"], r["difference"], *r["difference_interval"]]
        writer.writerow([r["fold"], r["family"], *(f"{v:.6g}" for v in values)])
    return buf.getvalue()


def cmd_validate_model(args: argparse.Namespace) -> int:
    """``escalation validate-model``: left-out scores (and SBC) written to ``--out``."""
    from matplotlib.figure import Figure

    from escalation.base.files import write_atomic
    from escalation.plot.validation import sbc_ranks, score_differences
    from escalation.validate.crossval import cross_validate
    from escalation.validate.leaveout import leave_out
    from escalation.validate.modelchoice import compare_families
    from escalation.validate.sbc import sbc

    check_out(args.out)
    problem = _problem(args)
    families = _families(args)
    sizes = {"population": args.population, "generations": args.generations}
    common = {"draws": args.draws, "seed": args.seed, "workers": args.workers, **sizes}
    cv = leave_out(problem, **common) if args.episodes else cross_validate(problem, **common)
    print(cv.table())
    choice = None
    if families:
        done = {"reciprocity": cv} if "reciprocity" in families and not args.priors else {}
        choice = compare_families(problem, families, done=done, **common)
        print(choice.table())
    result = None
    if args.sbc:
        result = sbc(problem, replicates=args.sbc, seed=args.seed, workers=args.workers, **sizes)
        print(result.table())
    with staged(args.out) as tmp:
        cv.to_csv(tmp / "crossval.csv")
        # Figures made without pyplot: no display needed, no global state touched.
        fig = Figure(figsize=(7.0, 0.28 * len(cv.rows) + 1.2), layout="constrained")
        score_differences(cv, ax=fig.add_subplot())
        fig.savefig(tmp / "crossval.png", dpi=110)
        if choice is not None:
            write_atomic(tmp / "families.csv", _families_csv(choice))
        if result is not None:
            result.to_csv(tmp / "sbc.csv")
            fig = Figure()
            sbc_ranks(result, fig=fig)
            fig.savefig(tmp / "sbc_ranks.png", dpi=110)
    print(f"wrote crossval.csv and plots to {args.out}", file=sys.stderr)
    return EXIT_OK
