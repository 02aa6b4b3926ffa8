"""The ``--out`` folder: files staged next to it and moved in once all are complete.

A command writes its files into :func:`staged`'s temporary folder; they appear in ``--out``
only once every one of them is written, so a failure (a full disk, an interrupt) leaves
``--out`` as it was. The staging folder is locked while in use; one left by a killed command
(``.OUT.xxxxxxxx.partial``) is removed by the next command writing into the same ``--out``.
An ``--out`` that is a symbolic link, or holds one where a file is to be written, is refused:
results never land where a link points. This module also writes the files of one run:
``events.csv``, ``events.json`` and ``trajectory.png``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from escalation.base.errors import InputError, OutputError
from escalation.base.files import refuse_links
from escalation.base.version import library_version
from escalation.model.event import EVENT_FIELDS
from escalation.sim.run import Run

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

#: Files written by ``--out`` for one run.
OUTPUT_FILES: tuple[str, ...] = ("events.csv", "events.json", "trajectory.png")


#: Where a command keeps its checkpoint in ``--out`` (an ensemble's folder, a calibration's file).
CHECKPOINTS: tuple[str, ...] = ("checkpoint", "checkpoint.json")


def check_out(
    out: Path, *, force: bool = True, resume: bool = False, names: Iterable[str] = ()
) -> None:
    """Refuse an ``--out`` that cannot be a folder, before any work is done.

    With ``force=False``, also refuse a folder that holds files already (unless ``resume``:
    then they are what is resumed), so that a second command does not overwrite the results
    of a first without being told to. A folder holding a checkpoint is left to the command,
    which asks for ``--resume``. An ``--out`` that is a symbolic link, or holds one at a
    checkpoint's name or at any of ``names`` (the files the command writes), is refused.
    """
    refuse_links(out, [*CHECKPOINTS, *names], field="--out")
    refuse_links(out / "checkpoint", None, field="--out")
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", source=out, field="--out")
    leftover = (out / "checkpoint").exists() or (out / "checkpoint.json").exists()
    if not force and not resume and not leftover and out.is_dir() and any(out.iterdir()):
        raise InputError(
            "is not empty: add --force to replace the files in it, or choose another folder",
            source=out,
            field="--out",
        )
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{parent} is not a folder", source=out, field="--out")
            break


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``out``; move its files into ``out`` on success.

    If the block fails, the temporary folder is removed and ``out`` is left as it was. A new
    ``out`` (with any missing parents) appears at once, complete; in an existing one, files
    of the same name are replaced and the others kept.
    """
    check_out(out)
    anchor = next((p for p in out.absolute().parents if p.is_dir()), Path.cwd())
    sweep_partials(anchor, out.name)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=anchor))
    except OSError as exc:
        raise OutputError(
            f"cannot write there ({exc.strerror})", source=out, field="--out"
        ) from None
    lock = None
    try:
        lock = _lock(tmp)
        yield tmp
        if out.is_dir():
            items = sorted(tmp.iterdir())
            refuse_links(out, [item.name for item in items], field="--out")
            for item in items:
                os.replace(item, out / item.name)
        else:
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, out)
    except OSError as exc:  # disk full, no permission, ...: nothing was moved into place
        problem = f"cannot write the files ({exc.strerror or exc})"
        raise OutputError(problem, source=out, field="--out") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _partial_name(name: str) -> re.Pattern[str]:
    """The names :func:`staged` gives its folders for an ``--out`` called ``name``."""
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.partial")


def _lock(folder: Path) -> int | None:
    """Lock ``folder`` (held until the returned descriptor is closed, or the process dies)."""
    if fcntl is None:  # pragma: no cover - not on POSIX: nothing is swept either
        return None
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def sweep_partials(anchor: Path, name: str) -> None:
    """Remove the staging folders for ``--out`` ``name`` in ``anchor`` left by killed commands.

    Only folders named as :func:`staged` names them and not locked (their command is gone)
    are removed; links and anything else are left alone.
    """
    if fcntl is None:  # pragma: no cover - no locks to tell a live folder from a stale one
        return
    pattern = _partial_name(name)
    try:
        candidates = [p for p in anchor.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return
    for path in candidates:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:  # a link, a file, or gone
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:  # locked: a command is writing it now
            pass
        finally:
            os.close(fd)


# -- the files of one run ---------------------------------------------------------------------
def write_outputs(run: Run, out: Path, meta: dict[str, Any], *, plots: bool = True) -> None:
    """Write ``events.csv``, ``events.json`` and ``trajectory.png`` of ``run`` into ``out``."""
    with staged(out) as tmp:
        write_csv(run, tmp / "events.csv")
        write_json(run, tmp / "events.json", meta)
        plotted = plots and write_plot(run, tmp / "trajectory.png")
    names = ", ".join(OUTPUT_FILES if plotted else OUTPUT_FILES[:2])
    print(f"wrote {names} to {out}", file=sys.stderr)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def write_csv(run: Run, path: Path) -> None:
    """The event log as CSV, one row per event, columns as in ``EVENT_FIELDS``."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EVENT_FIELDS)
        for record in run.to_records():
            writer.writerow([_cell(record[f]) for f in EVENT_FIELDS])


def run_document(run: Run, meta: dict[str, Any]) -> dict[str, Any]:
    """Everything ``events.json`` holds: what ran, with which seed and version, and its result."""
    return {
        **meta,
        "escalation_version": library_version(),
        "start": run.start.isoformat(),
        "runtime_seconds": run.runtime,
        "outcome": run.outcome.to_dict(),
        "events": run.to_records(),
        "problems": [e.to_dict() for e in run.problems],
        "scenario_spec": run.scenario.model_dump(mode="json", serialize_as_any=True),
    }


def write_json(run: Run, path: Path, meta: dict[str, Any]) -> None:
    """The run as one JSON document (see :func:`run_document`)."""
    text = json.dumps(run_document(run, meta), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_plot(run: Run, path: Path) -> bool:
    """Draw the trajectory with :func:`escalation.plot.trajectory`; return whether it could.

    The figure is drawn without pyplot, so no display and no global figure state are needed.
    """
    try:
        from escalation.plot import trajectory
    except ImportError as exc:  # the plot module is an optional part of an install
        if exc.name not in ("escalation.plot", "matplotlib"):
            raise
        print(f"note: trajectory.png not written ({exc.name} is not available)", file=sys.stderr)
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 4.5), layout="constrained")
    trajectory(run, ax=fig.add_subplot())
    fig.savefig(path, dpi=120)
    return True
