"""``escalation list``: the bundled scenarios and histories, one line each.

(Named ``list_cmd`` so that the module does not take the name of the built-in ``list``.)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from escalation.base.errors import InputError
from escalation.cli.common import EXIT_OK, Subparsers
from escalation.cli.describe import one_line
from escalation.model.scenario import bundled_scenarios, load_scenario
from escalation.sim.history import bundled_histories, load_history


def add_parser(commands: Subparsers) -> None:
    """Add ``list`` to the commands."""
    lst = commands.add_parser(
        "list",
        help="list the bundled scenarios and histories",
        description="List the bundled scenarios and histories with one line on each.",
    )
    lst.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    """``escalation list``: the bundled scenarios and histories, one line each."""
    scenarios, histories = bundled_scenarios(), bundled_histories()
    width = max(map(len, [*scenarios, *histories]), default=0)
    print("scenarios (escalation run NAME):")
    for name in scenarios:
        text = _describe_bundled(lambda n: load_scenario(n).description, name)
        print(f"  {name:<{width}}  {text}")
    print("histories (escalation replay NAME):")
    for name in histories:
        text = _describe_bundled(lambda n: load_history(n).title, name)
        print(f"  {name:<{width}}  {text}")
    return EXIT_OK


def _describe_bundled(describe: Callable[[str], str], name: str) -> str:
    try:
        return one_line(describe(name), 100) or "(no description)"
    except InputError as exc:  # a broken bundled file should not hide the others
        return f"(invalid: {exc})"
