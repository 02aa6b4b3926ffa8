"""What the commands share: exit statuses, argument types, input files, checkpoints."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from escalation.base.errors import InputError, OutputError
from escalation.model.files import read_yaml
from escalation.model.scenario import bundled_scenarios
from escalation.sim.history import bundled_histories

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130
#: A worker process died (killed, or out of memory): the run did not finish.
EXIT_WORKER_DIED = 1
WORKER_DIED = "a worker process died (killed, or out of memory?)"

#: The object ``add_subparsers`` returns, to which each command adds its parser.
Subparsers = argparse._SubParsersAction  # argparse gives it no public name


# -- argument types ---------------------------------------------------------------------------
def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {value}")
        return value

    return parse


#: ``--runs``, ``--chunk-size``, ... : 1 or more.
positive = at_least(1)


def workers_number(text: str) -> int:
    """An argparse type for ``--workers``: 1 or more, or ``auto`` (the usable CPU cores)."""
    if text.strip().lower() == "auto":
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    return positive(text)


def add_output_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--force`` and ``--quiet``, which every command writing into ``--out`` takes."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty --out, replacing files of the same names",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing but errors (and --json's output)"
    )


#: ``--seed``: 0 or more.
seed_number = at_least(0)


# -- input files ------------------------------------------------------------------------------
def file_kind(name: str) -> str:
    """Tell whether ``name`` is a ``"scenario"`` or a ``"history"``.

    A ``.csv`` file is a history; a YAML file is a history if it has ``events`` and no
    ``triggers``. A name that is not a file is looked up among the bundled ones.
    """
    path = Path(name)
    if not path.exists():
        if name in bundled_scenarios():
            return "scenario"
        if name in bundled_histories():
            return "history"
        raise InputError("file not found (and not a bundled name)", source=name)
    if path.suffix.lower() == ".csv":
        return "history"
    data = read_yaml(path)
    if isinstance(data, dict) and "events" in data and "triggers" not in data:
        return "history"
    return "scenario"


def expect(kind: str, name: str) -> str:
    """Return ``name``, or refuse a file of the other kind with a hint to the right command."""
    if not Path(name).is_file():
        return name  # a bundled name, or a missing file: the loader says which
    found = file_kind(name)
    if found != kind:
        command = "run" if found == "scenario" else "replay"
        raise InputError(
            f"this is a {found} file, not a {kind}; use 'escalation {command}'", source=name
        )
    return name


# -- checkpoints ------------------------------------------------------------------------------
def refuse_leftover(checkpoint: Path, what: str) -> None:
    """Refuse to start over an unfinished ``what``'s checkpoint (``--resume`` finishes it)."""
    if checkpoint.exists():
        raise InputError(
            f"holds the checkpoint of an unfinished {what}: add --resume to finish it, or "
            "remove it",
            source=checkpoint,
            field="--out",
        )


@contextmanager
def resumable(checkpoint: Path | None, done: str) -> Iterator[None]:
    """Keep ``checkpoint`` (a file or a folder) for ``--resume`` until the block succeeds.

    When the block is interrupted, say that the finished ``done`` (``"chunks"``) are kept
    there, and let the interrupt go on; when results cannot be written (an
    :class:`OutputError`: a full disk), keep the checkpoint and say so in the error's line.
    When it succeeds, remove the checkpoint: the results stand on their own. With
    ``checkpoint=None``, do nothing.
    """
    if checkpoint is None:
        yield
        return
    existed = checkpoint.exists()
    try:
        yield
    except OutputError as exc:
        if not checkpoint.exists():
            raise
        raise OutputError(
            f"{exc.problem}; finished {done} are kept in {checkpoint}: run the same command "
            "with --resume to finish",
            source=exc.source,
            field=exc.field,
        ) from None
    except InputError:
        if not existed:  # made by this call, which can only fail the same way again
            _remove(checkpoint)
        raise
    except (KeyboardInterrupt, BrokenProcessPool) as exc:
        why = "interrupted" if isinstance(exc, KeyboardInterrupt) else WORKER_DIED
        print(
            f"escalation: {why}; finished {done} are kept in {checkpoint}: run the same "
            "command with --resume to finish",
            file=sys.stderr,
        )
        raise
    _remove(checkpoint)


def _remove(checkpoint: Path) -> None:
    """Remove a checkpoint file or folder (a link is removed, never followed)."""
    if checkpoint.is_dir() and not checkpoint.is_symlink():
        shutil.rmtree(checkpoint, ignore_errors=True)
    else:
        checkpoint.unlink(missing_ok=True)
