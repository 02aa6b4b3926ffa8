"""Checkpoints: an ensemble's finished chunks kept in a folder as they finish, to resume from.

``DIR/manifest.json`` records what is being run (scenario hash, seed, runs, chunk size, keep,
library version) and every finished chunk is written to ``DIR/chunk-NNNNNN.npz`` (the outcome
columns of :mod:`escalation.ensemble.columns`, the event columns with ``keep="events"``, plus
``error.run`` and ``error.text``) by writing a temporary file and renaming it, so a file is
either whole or absent. After Ctrl-C or a killed process, a resumed call checks the manifest
(:func:`check_manifest`), loads the finished chunks and runs only the missing ones.

A checkpoint folder that is a symbolic link, or holds one, is refused: chunks are never
written, nor temporary files swept, where a link points. A chunk that cannot be written (a
full disk) is an :class:`~escalation.base.errors.OutputError` that keeps the finished chunks.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.errors import InputError, OutputError
from escalation.base.files import refuse_links
from escalation.ensemble.chunk import ChunkResult
from escalation.ensemble.columns import columns_for, decode_events, encode_events
from escalation.ensemble.storage import (
    FORMAT_VERSION,
    read_json,
    read_npz,
    scenario_hash,
    write_json,
    write_npz,
)
from escalation.model.scenario import Scenario

CHECKPOINT_FORMAT = "escalation-checkpoint"
MANIFEST = "manifest.json"
#: What must match for a checkpoint to be resumed.
_MANIFEST_KEYS = ("scenario_hash", "seed", "runs", "chunk_size", "keep", "version")
#: The temporary files this module's writes leave when killed (those of write_atomic).
_STALE = re.compile(r"\.(chunk-\d{6}\.npz|manifest\.json)\.[a-z0-9_]+\.tmp")


def manifest_for(
    scenario: Scenario, *, seed: int, runs: int, chunk_size: int, keep: str, version: str
) -> dict[str, Any]:
    """The manifest of an ensemble run: what a checkpoint of it belongs to."""
    return {
        "format": CHECKPOINT_FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario_hash": scenario_hash(scenario),
        "scenario_name": scenario.name,
        "seed": seed,
        "runs": runs,
        "chunk_size": chunk_size,
        "keep": keep,
        "version": version,
        "actors": [a.id for a in scenario.actors],
        "presences": [p.id for p in scenario.presences],
    }


def check_manifest(found: Mapping[str, Any], wanted: Mapping[str, Any], source: Path) -> None:
    """Raise unless the manifest ``found`` in a checkpoint is that of the call (``wanted``).

    Raises
    ------
    InputError
        Naming the first key that differs.
    """
    for key in _MANIFEST_KEYS:
        if found.get(key) != wanted[key]:
            if key == "scenario_hash":
                what = "the scenario differs"
            else:
                what = f"the checkpoint has {found.get(key)!r}, this call {wanted[key]!r}"
            raise InputError(
                f"cannot resume: {what}; use the same arguments, or a new directory",
                source=source,
                field=key,
            )


class Checkpoint:
    """A folder of finished chunks and the manifest saying what they belong to."""

    def __init__(self, folder: Path):
        self.folder = folder

    def manifest(self) -> dict[str, Any] | None:
        """The manifest in the folder, ``None`` if there is none.

        Raises
        ------
        InputError
            If the file is not a checkpoint manifest.
        """
        path = self.folder / MANIFEST
        if not path.is_file():
            return None
        data = read_json(path)
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise InputError(f"not an {CHECKPOINT_FORMAT} manifest", source=path, field="format")
        return data

    def start(self, manifest: dict[str, Any]) -> None:
        """Make the folder, clear what a killed process left half-written, write ``manifest``.

        Raises
        ------
        InputError
            If the folder is a symbolic link or holds one.
        """
        refuse_links(self.folder, None, field="checkpoint")
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.iterdir():  # left by a process killed mid-write
            if _STALE.fullmatch(stale.name) and stat.S_ISREG(stale.lstat().st_mode):
                stale.unlink(missing_ok=True)
        self._write(self.folder / MANIFEST, lambda path: write_json(path, manifest, links=False))

    def _write(self, path: Path, write: Callable[[Path], None]) -> None:
        """Call ``write(path)``; a failure to write is an :class:`OutputError` keeping the rest."""
        try:
            write(path)
        except OSError as exc:
            raise OutputError(
                f"cannot write the checkpoint ({exc.strerror or exc}); the finished chunks are "
                "kept: free space (or fix the folder) and run the same command with --resume",
                source=path,
            ) from None

    def path(self, chunk: int) -> Path:
        """The file of chunk number ``chunk``."""
        return self.folder / f"chunk-{chunk:06d}.npz"

    def write(self, chunk: int, start: int, result: ChunkResult) -> None:
        """Save chunk number ``chunk``, whose first run is run ``start``."""
        arrays = dict(result.columns)
        errors = sorted(result.errors.items())
        arrays["error.run"] = np.array([k for k, _ in errors], dtype=np.int64)
        arrays["error.text"] = np.array([v for _, v in errors], dtype=np.str_)
        if result.events is not None:
            arrays.update(encode_events(result.events, start))
        self._write(self.path(chunk), lambda path: write_npz(path, arrays, links=False))

    def read(
        self, chunk: int, start: int, size: int, presences: Sequence[str], keep: str
    ) -> ChunkResult | None:
        """Chunk number ``chunk`` (runs ``start`` to ``start + size``), ``None`` if not saved.

        Raises
        ------
        InputError
            If the file is unreadable or its columns do not fit.
        """
        path = self.path(chunk)
        if not path.is_file():
            return None
        arrays = read_npz(path, "unreadable checkpoint chunk")
        columns = {}
        for name, dtype, _, _ in columns_for(presences):
            column = arrays.get(name)
            if column is None or column.shape != (size,):
                raise InputError("column missing or of the wrong length", source=path, field=name)
            columns[name] = column.astype(dtype, copy=False)
        errors = dict(
            zip(arrays["error.run"].tolist(), arrays["error.text"].tolist(), strict=True)
        )
        events = decode_events(arrays, start, size) if keep == "events" else None
        return ChunkResult(columns, errors, events)
