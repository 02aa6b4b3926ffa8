"""Exceptions raised by the library.

Every error that comes from user input names where the problem is (file, field) and what it is,
so that the command line can print it as one line and exit with status 2.
"""

from __future__ import annotations

from pathlib import Path


class EscalationError(Exception):
    """Base class of every error raised on purpose by :mod:`escalation`."""


class InputError(EscalationError, ValueError):
    """Bad user input: a scenario, history or parameter file, or a parameter value.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    source
        The file (or other origin, such as ``"<python>"``) the input came from.
    field
        Dotted path of the offending field inside the input, if known.
    also
        Further problems found in the same input, each shown on a line of its own after
        this one (the command line prints every line).
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | Path | None = None,
        field: str | None = None,
        also: tuple[InputError, ...] = (),
    ):
        self.problem = problem
        self.source = str(source) if source is not None else None
        self.field = field
        self.also = also
        where = []
        if self.source:
            where.append(self.source)
        if field:
            where.append(f"field '{field}'")
        prefix = ": ".join(where)
        line = " ".join((f"{prefix}: {problem}" if prefix else problem).split())
        super().__init__("\n".join([line, *(str(e) for e in also)]))

    @property
    def lines(self) -> list[str]:
        """One line per problem, this one first."""
        return str(self).splitlines()


class OutputError(InputError):
    """Results could not be written (a full disk, no permission): what was finished is kept.

    The command line prints it as one line and exits with status 2, like bad input, but keeps
    the checkpoint, so that the same command with ``--resume`` finishes once the cause is gone.
    """


class ScenarioError(InputError):
    """A scenario file or object is invalid."""


class HistoryError(InputError):
    """A history file is invalid, or a documented event cannot be replayed."""


class InfeasibleMeasureError(EscalationError):
    """A measure was applied to a state in which it is not feasible."""
