"""``escalation validate-model SCENARIO HISTORY --out DIR``: scores on left-out episodes.

Leaves each documented episode out, refits on the others, scores the left-out episode against
null models (:func:`escalation.validate.crossval.cross_validate`), and writes
``crossval.csv`` and ``crossval.png``; with ``--sbc N`` also runs simulation-based calibration
with N replicates and writes ``sbc.csv`` and ``sbc_ranks.png``. (``validate`` checks files.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from escalation.cli.common import EXIT_OK, Subparsers, expect, positive, seed_number
from escalation.cli.output import check_out, staged
from escalation.model.scenario import load_scenario
from escalation.sim.history import load_history


def add_parser(commands: Subparsers) -> None:
    """Add ``validate-model`` and its options to the commands."""
    cmd = commands.add_parser(
        "validate-model",
        help="score the calibrated model on left-out episodes against null models",
        description="Leave each documented episode of HISTORY out, refit (ABC-SMC, small "
        "settings) on the others, and score the left-out episode (Brier of answered and "
        "ruptured, CRPS of lag and magnitude) against null models (empirical, tit-for-tat "
        "1:1, never answers). Writes crossval.csv and crossval.png into DIR; --sbc N adds "
        "simulation-based calibration (sbc.csv, sbc_ranks.png).",
    )
    cmd.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or YAML file")
    cmd.add_argument("history", metavar="HISTORY", help="bundled history name, YAML or CSV file")
    cmd.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for results")
    cmd.add_argument("--seed", type=seed_number, default=0, metavar="N", help="seed (default 0)")
    cmd.add_argument("--workers", type=positive, metavar="W", help="worker processes")
    cmd.add_argument("--priors", metavar="FILE", help="priors as YAML (default: the defaults)")
    cmd.add_argument("--population", type=positive, default=200, metavar="N")
    cmd.add_argument("--generations", type=positive, default=4, metavar="N")
    cmd.add_argument("--draws", type=positive, default=400, metavar="N", help="predictive draws")
    cmd.add_argument("--sbc", type=positive, metavar="N", help="also run SBC, N replicates")
    cmd.set_defaults(handler=cmd_validate_model)


def cmd_validate_model(args: argparse.Namespace) -> int:
    """``escalation validate-model``: left-out scores (and SBC) written to ``--out``."""
    from matplotlib.figure import Figure

    from escalation.calibrate.problem import CalibrationProblem
    from escalation.plot.validation import sbc_ranks, score_differences
    from escalation.validate.crossval import cross_validate
    from escalation.validate.sbc import sbc

    check_out(args.out)
    scenario = load_scenario(expect("scenario", args.scenario))
    history = load_history(expect("history", args.history))
    problem = CalibrationProblem.build(scenario, history, args.priors)
    sizes = {"population": args.population, "generations": args.generations}
    cv = cross_validate(problem, draws=args.draws, seed=args.seed, workers=args.workers, **sizes)
    print(cv.table())
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
        if result is not None:
            result.to_csv(tmp / "sbc.csv")
            fig = Figure()
            sbc_ranks(result, fig=fig)
            fig.savefig(tmp / "sbc_ranks.png", dpi=110)
    print(f"wrote crossval.csv and plots to {args.out}", file=sys.stderr)
    return EXIT_OK
