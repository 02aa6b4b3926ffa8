"""The ensemble layer's files: arrays and JSON written atomically, read with clear errors.

Every array file (an ensemble's columns, a checkpoint's chunk) is a plain ``.npz`` read with
``allow_pickle=False``; every metadata file (an ensemble's sidecar, a checkpoint's manifest) is
indented JSON. Both are written through :func:`escalation.base.files.write_atomic`, so that no
reader sees half a file. They record the scenario (:func:`scenario_json`), its fingerprint
(:func:`scenario_hash`) and the library version (:func:`library_version`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np

from escalation.base.errors import InputError
from escalation.base.files import write_atomic
from escalation.model.scenario import Scenario

#: Version of the layout of ensemble files and checkpoints.
FORMAT_VERSION = 1


def write_npz(path: Path, arrays: Mapping[str, np.ndarray], *, links: bool = True) -> None:
    """Write ``arrays`` to the ``.npz`` file ``path`` atomically (``links``: of write_atomic)."""
    write_atomic(path, lambda f: np.savez(f, **cast(Any, arrays)), links=links)


def write_json(path: Path, data: Any, *, links: bool = True) -> None:
    """Write ``data`` to ``path`` as indented JSON, atomically (``links``: of write_atomic)."""
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    write_atomic(path, text, links=links)


def read_json(path: Path) -> Any:
    """The JSON in ``path``.

    Raises
    ------
    InputError
        If the file is not valid UTF-8 JSON.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", source=path) from None


def read_npz(path: Path, problem: str) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` file ``path``, without unpickling anything.

    Raises
    ------
    InputError
        ``"{problem} (why)"``, if the file cannot be read as an ``.npz`` file.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise InputError(f"{problem} ({exc})", source=path) from None


def _describe_object(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{getattr(obj, '__module__', '?')}.{name}"


def scenario_json(scenario: Scenario) -> str:
    """The scenario as JSON, with every policy's own parameters (functions by name)."""
    return scenario.model_dump_json(serialize_as_any=True, fallback=_describe_object)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario (and of its posterior file, if it has one)."""
    h = hashlib.sha256(scenario_json(scenario).encode("utf-8"))
    if scenario.posterior is not None and Path(scenario.posterior).is_file():
        h.update(Path(scenario.posterior).read_bytes())
    return h.hexdigest()
