"""The command line: ``escalation run | replay | calibrate | validate | validate-model | list``.

``escalation run SCENARIO`` simulates a bundled scenario (see ``escalation list``) or a YAML file
and prints its dated events and outcome; ``--out DIR`` also writes ``events.csv``,
``events.json`` and ``trajectory.png``. ``escalation replay HISTORY`` runs a documented history
through the same engine and prints the state it ends in. ``escalation validate FILE`` checks a
scenario or history file. Results go to stdout, notes to stderr.

Exit status: 0 on success; 2 on bad input (a missing or invalid file, a bad option), with
one line on stderr per problem, naming the file, the field and the problem, and nothing
written; 130 when interrupted. Output files are first written to a temporary folder next to
``--out`` and moved into place only once all of them are complete; other files already in
``--out`` are kept.

One module per command (:mod:`~escalation.cli.run`, :mod:`~escalation.cli.replay`,
:mod:`~escalation.cli.validate`, :mod:`~escalation.cli.calibrate`,
:mod:`~escalation.cli.validate_model`,
:mod:`~escalation.cli.list_cmd`), each adding its parser with ``add_parser(commands)``; what
they share is in :mod:`~escalation.cli.common`, :mod:`~escalation.cli.describe` and
:mod:`~escalation.cli.output`. This module assembles the parser and runs a command.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import NoReturn

from escalation.base.errors import InputError
from escalation.base.version import library_version
from escalation.cli import calibrate, list_cmd, replay, run, validate, validate_model
from escalation.cli.common import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_WORKER_DIED,
    WORKER_DIED,
)
from escalation.cli.ensemble_outputs import ENSEMBLE_PLOTS
from escalation.cli.output import OUTPUT_FILES

__all__ = [
    "ENSEMBLE_PLOTS",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "OUTPUT_FILES",
    "build_parser",
    "main",
]

#: The commands, in the order ``--help`` lists them.
COMMANDS = (run, replay, validate, calibrate, validate_model, list_cmd)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit with status 2."""
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        if not getattr(args, "quiet", False):
            return handler(args)
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            if getattr(args, "json", False):  # --json still writes its document to stdout
                return handler(args)
            with contextlib.redirect_stdout(sink):
                return handler(args)
    except InputError as exc:
        for line in exc.lines:
            print(f"escalation: error: {line}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenProcessPool:  # resumable() has said what is kept, if anything
        print(f"escalation: error: {WORKER_DIED}", file=sys.stderr)
        return EXIT_WORKER_DIED
    except BrokenPipeError:  # e.g. `escalation run ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per task."""
    parser = _Parser(
        prog="escalation",
        description="Simulate tit-for-tat diplomatic escalation, and replay documented history.",
        epilog="Bad input exits with status 2 and one line on stderr. "
        "Run 'escalation COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"escalation {library_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
