"""``escalation validate FILE``: check a scenario or a history file and say what it holds."""

from __future__ import annotations

import argparse

from escalation.cli.common import EXIT_OK, Subparsers, file_kind
from escalation.cli.describe import describe_history, describe_scenario
from escalation.model.scenario import load_scenario
from escalation.sim.history import load_history


def add_parser(commands: Subparsers) -> None:
    """Add ``validate`` to the commands."""
    val = commands.add_parser(
        "validate",
        help="check a scenario or history file",
        description="Check FILE, a scenario or a history (told apart by suffix and content), "
        "and print 'ok: ...' with what it holds. A history with presences is also replayed.",
    )
    val.add_argument("file", metavar="FILE", help="scenario or history file (or bundled name)")
    val.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """``escalation validate``: check a scenario or history file and describe it."""
    name = args.file
    if file_kind(name) == "history":
        print(f"ok: {describe_history(load_history(name), name)}")
    else:
        print(f"ok: {describe_scenario(load_scenario(name), name)}")
    return EXIT_OK
