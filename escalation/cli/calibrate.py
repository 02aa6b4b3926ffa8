"""``escalation calibrate SCENARIO HISTORY --out DIR``: ABC-SMC on a documented history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from escalation.base.errors import InputError
from escalation.cli.common import (
    EXIT_OK,
    Subparsers,
    add_output_flags,
    expect,
    positive,
    refuse_leftover,
    resumable,
    seed_number,
    workers_number,
)
from escalation.cli.output import check_out
from escalation.model.scenario import Scenario, load_scenario
from escalation.sim.history import History, load_history


def add_parser(commands: Subparsers) -> None:
    """Add ``calibrate`` and its options to the commands."""
    cal = commands.add_parser(
        "calibrate",
        help="fit policy parameters to a documented history (ABC-SMC)",
        description="Fit the calibrated actor's policy parameters (by default Russia's "
        "grievance policy) so that simulated answers match the documented ones in HISTORY, by "
        "ABC-SMC. Writes posterior.json, predictive_checks.csv and plots into DIR, with a "
        "checkpoint after every generation (--resume continues it with identical results). "
        "The data are a handful of episodes: expect wide intervals.",
    )
    cal.add_argument(
        "scenario", metavar="SCENARIO", nargs="?", help="bundled scenario name or YAML file"
    )
    cal.add_argument(
        "history", metavar="HISTORY", nargs="?", help="bundled history name, YAML or CSV file"
    )
    cal.add_argument(
        "--episodes",
        metavar="FILE",
        help="episode-set YAML: several scenarios and histories fitted together, with the "
        "summaries and weights of each (instead of SCENARIO HISTORY)",
    )
    cal.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for results")
    cal.add_argument(
        "--seed", type=seed_number, default=0, metavar="N", help="seed of every draw (default 0)"
    )
    cal.add_argument(
        "--workers", type=workers_number, metavar="W", help="worker processes, or 'auto'"
    )
    cal.add_argument(
        "--priors", metavar="FILE", help="priors as YAML (default: the documented defaults)"
    )
    cal.add_argument("--population", type=positive, metavar="N", help="particles per generation")
    cal.add_argument("--generations", type=positive, metavar="N", help="ABC-SMC generations")
    cal.add_argument(
        "--kernel",
        choices=("global", "local"),
        default="global",
        help="ABC-SMC perturbation kernel: one covariance, or each particle's own",
    )
    cal.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    add_output_flags(cal)
    cal.set_defaults(handler=cmd_calibrate)


def _inputs(args: argparse.Namespace) -> tuple[Scenario | None, History | None]:
    """SCENARIO and HISTORY, or neither with ``--episodes``."""
    given = args.scenario is not None, args.history is not None
    if args.episodes is not None:
        if any(given):
            raise InputError(
                "give either --episodes or SCENARIO HISTORY, not both", field="--episodes"
            )
        return None, None
    if not all(given):
        raise InputError("give SCENARIO and HISTORY (or --episodes FILE)", field="SCENARIO")
    return (
        load_scenario(expect("scenario", args.scenario)),
        load_history(expect("history", args.history)),
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``escalation calibrate``: ABC-SMC on a history; results and checkpoints in ``--out``."""
    # loaded only when calibrating
    from escalation.calibrate.episodefile import load_episode_set
    from escalation.cli.calibrate_outputs import CALIBRATE_FILES, calibrate_to_dir

    check_out(args.out, force=args.force, resume=args.resume, names=CALIBRATE_FILES)
    checkpoint = args.out / "checkpoint.json"
    if args.resume and not checkpoint.exists() and (args.out / "posterior.json").exists():
        print(
            f"escalation: {args.out} holds a finished calibration (posterior.json, no "
            "checkpoint): nothing to resume; to redo it, run without --resume and with --force",
            file=sys.stderr,
        )
        return EXIT_OK
    if not args.resume:
        refuse_leftover(checkpoint, "calibration")
    sizes = {
        k: v
        for k, v in (("population", args.population), ("generations", args.generations))
        if v is not None
    }
    with resumable(checkpoint, "generations"):
        calibrate_to_dir(
            *_inputs(args),
            args.out,
            priors=args.priors,
            seed=args.seed,
            workers=args.workers,
            resume=args.resume,
            progress=True,
            problem=load_episode_set(args.episodes, args.priors) if args.episodes else None,
            kernel=args.kernel,
            **sizes,
        )
    print(f"wrote posterior.json, predictive_checks.csv and plots to {args.out}", file=sys.stderr)
    return EXIT_OK
