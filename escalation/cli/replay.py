"""``escalation replay HISTORY``: documented events through the engine, and where they end."""

from __future__ import annotations

import argparse
from pathlib import Path

from escalation.cli.common import EXIT_OK, Subparsers, add_output_flags, expect
from escalation.cli.describe import count, one_line, presence_table
from escalation.cli.output import OUTPUT_FILES, check_out, write_outputs
from escalation.model.scenario import load_scenario
from escalation.sim.history import load_history, replay


def add_parser(commands: Subparsers) -> None:
    """Add ``replay`` and its options to the commands."""
    rep = commands.add_parser(
        "replay",
        help="replay a documented history and print the state it ends in",
        description="Run the documented events of HISTORY through the engine and print them "
        "with the state of every presence at the end. An event that cannot happen where it "
        "is documented is an error.",
    )
    rep.add_argument("history", metavar="HISTORY", help="bundled history name, YAML or CSV file")
    rep.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="scenario giving the starting presences (for a CSV history, which has none)",
    )
    rep.add_argument(
        "--out", type=Path, metavar="DIR", help="also write the files that 'run --out' writes"
    )
    add_output_flags(rep)
    rep.set_defaults(handler=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """``escalation replay``: replay a history, write the files if asked, print the run."""
    if args.out is not None:
        check_out(args.out, force=args.force, names=OUTPUT_FILES)
    history = load_history(expect("history", args.history))
    scenario = load_scenario(args.scenario) if args.scenario else None
    run = replay(history, scenario=scenario)
    if args.out is not None:
        meta = {"kind": "replay", "history": history.name, "scenario": run.scenario.name}
        write_outputs(run, args.out, {**meta, "seed": run.seed})
    first, last = history.events[0].calendar(history.start), history.end
    print(f"history {history.name}: {one_line(history.title) or '(no title)'}")
    print(f"{count(len(history.events), 'documented event')}, {first} to {last}")
    print()
    print(run.table())
    print()
    print(f"state at the end ({last}):")
    print(presence_table(run.state_at(last)))
    return EXIT_OK
