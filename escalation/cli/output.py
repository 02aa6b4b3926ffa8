"""The ``--out`` folder: files staged next to it and moved in once all are complete.

A command writes its files into :func:`staged`'s temporary folder; they appear in ``--out``
only once every one of them is written, so a failure (a full disk, an interrupt) leaves
``--out`` as it was. This module also writes the files of one run: ``events.csv``,
``events.json`` and ``trajectory.png``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from escalation.base.errors import InputError
from escalation.base.version import library_version
from escalation.model.event import EVENT_FIELDS
from escalation.sim.run import Run

#: Files written by ``--out`` for one run.
OUTPUT_FILES: tuple[str, ...] = ("events.csv", "events.json", "trajectory.png")


def check_out(out: Path, *, force: bool = True, resume: bool = False) -> None:
    """Refuse an ``--out`` that cannot be a folder, before any work is done.

    With ``force=False``, also refuse a folder that holds files already (unless ``resume``:
    then they are what is resumed), so that a second command does not overwrite the results
    of a first without being told to. A folder holding a checkpoint is left to the command,
    which asks for ``--resume``.
    """
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
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=anchor))
    except OSError as exc:
        raise InputError(
            f"cannot write there ({exc.strerror})", source=out, field="--out"
        ) from None
    try:
        yield tmp
        if out.is_dir():
            for item in sorted(tmp.iterdir()):
                os.replace(item, out / item.name)
        else:
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, out)
    except OSError as exc:  # disk full, no permission, ...: nothing was moved into place
        problem = f"cannot write the files ({exc.strerror or exc})"
        raise InputError(problem, source=out, field="--out") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
