"""Ensembles: many runs of one scenario with independent seeds, kept as columns of outcomes.

:func:`run_ensemble` runs a scenario ``runs`` times. Seeds follow one rule, whatever runs them:
run ``i`` draws from ``np.random.default_rng(children[i])`` where
``children = np.random.SeedSequence(seed).spawn(runs)``. The children are made in the calling
process before the work fans out, and the runs go out in chunks (the scenario travels once per
chunk); each chunk comes back as compact column arrays and is put back in run order. So the
same seed gives identical arrays serially, with any number of worker processes, with any chunk
size and on a dask cluster (see :mod:`escalation.ensemble.executors`).

Outcome columns (``ensemble[name]``, one value per run; see :mod:`escalation.sim.outcome`):

==================  =======  =================================================================
name                dtype    meaning
==================  =======  =================================================================
ruptured            bool     some pair had every channel closed or suspended
time_to_rupture     float64  days to the rupture; **the run's end time when there was none**
censored            bool     no rupture: ``time_to_rupture`` is a censored time (the run ended
                             at the horizon or by the quiet rule first)
rounds              int32    turns of hostile measures
peak_severity       int16    highest severity of a hostile measure announced
last_mover          int16    index into ``ensemble.actors`` of the last hostile mover, -1: none
end_time            float64  days from the start to the end of the run
acts                int32    measures announced
failed              bool     the run raised (its error is in ``ensemble.errors``)
staff:<presence>    int32    final staff
cap:<presence>      int32    final cap, -1: no cap
status:<presence>   int8     final status: 0 open, 1 suspended, 2 closed
==================  =======  =================================================================

A failed run has ``failed`` set, NaN times, -1 in the integer columns and ``False`` in the
other flags; summaries leave it out and count it. Times stay float64 (exact days for plots and
resumes); the rest is as small as is safe: a million runs of a scenario with three presences
take 58 MB.

Files (``Ensemble.save``): ``NAME.npz`` holds one array per column (and, with
``keep="events"``, the event log as columns ``event.<field>`` plus ``event.run``), readable by
``numpy.load(..., allow_pickle=False)``; ``NAME.json`` beside it holds the metadata (format,
library version, seed, runs, actors, presences, scenario, errors, a description of each
column). Nothing is pickled.

Checkpoints (``checkpoint=DIR``): ``DIR/manifest.json`` records what is being run (scenario
hash, seed, runs, chunk size, keep, library version) and every finished chunk is written to
``DIR/chunk-NNNNNN.npz`` (same layout as above, plus ``error.run`` and ``error.text``) by
writing a temporary file and renaming it, so a file is either whole or absent. After Ctrl-C or
a killed process, ``resume=True`` checks the manifest, loads the finished chunks and runs only
the missing ones; the result equals an uninterrupted run with the same seed.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from escalation.base.errors import InputError
from escalation.base.executors import capacity, check_workers, map_chunks
from escalation.base.files import write_atomic
from escalation.base.progress import Progress
from escalation.base.seeds import Seed, root_entropy
from escalation.model.event import EVENT_FIELDS, Event, Phase
from escalation.model.measure import MeasureKind
from escalation.model.scenario import Scenario, load_scenario
from escalation.model.state import Status
from escalation.sim.engine import Simulator, simulate

if TYPE_CHECKING:
    import pandas as pd

    from escalation.ensemble.summary import Summary
    from escalation.sim.run import Run

Keep = Literal["outcomes", "events"]
KEEP: tuple[str, ...] = ("outcomes", "events")

#: Codes of the ``status:<presence>`` columns.
STATUS_CODES: dict[Status, int] = {Status.OPEN: 0, Status.SUSPENDED: 1, Status.CLOSED: 2}
STATUS_NAMES: tuple[str, ...] = tuple(s.value for s in STATUS_CODES)

FORMAT = "escalation-ensemble"
CHECKPOINT_FORMAT = "escalation-checkpoint"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# name, dtype, value in a failed run, description
_Column = tuple[str, str, Any, str]
_BASE_COLUMNS: tuple[_Column, ...] = (
    ("ruptured", "bool", False, "some pair had every channel closed or suspended"),
    ("time_to_rupture", "float64", np.nan, "days to rupture; the end time if censored"),
    ("censored", "bool", False, "no rupture: time_to_rupture is censored at the run's end"),
    ("rounds", "int32", -1, "turns of hostile measures"),
    ("peak_severity", "int16", -1, "highest severity of a hostile measure announced"),
    ("last_mover", "int16", -1, "index into actors of the last hostile mover; -1 none"),
    ("end_time", "float64", np.nan, "days from the start to the end of the run"),
    ("acts", "int32", -1, "measures announced"),
    ("failed", "bool", True, "the run raised; see errors"),
)


def columns_for(presences: Sequence[str]) -> tuple[_Column, ...]:
    """The outcome columns of an ensemble over ``presences``: (name, dtype, failed, meaning)."""
    per: list[_Column] = []
    for pid in presences:
        per.append((f"staff:{pid}", "int32", -1, f"final staff of {pid}"))
        per.append((f"cap:{pid}", "int32", -1, f"final cap of {pid}; -1 no cap"))
        per.append(
            (f"status:{pid}", "int8", -1, f"final status of {pid}: 0 open, 1 suspended, 2 closed")
        )
    return _BASE_COLUMNS + tuple(per)


def empty_outcomes(runs: int, presences: Sequence[str]) -> dict[str, np.ndarray]:
    """Outcome columns for ``runs`` runs, filled with the failed-run values."""
    return {
        name: np.full(runs, fail, dtype=dtype) for name, dtype, fail, _ in columns_for(presences)
    }


def child_seeds(root: np.random.SeedSequence, start: int, stop: int) -> list[Any]:
    """Children ``start`` to ``stop`` of ``root``: the same as ``root.spawn(stop)[start:]``.

    Built directly from the spawn keys, so a resumed or chunked ensemble makes only the
    children it needs, and ``root`` is left as it was.
    """
    return [
        np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, i), pool_size=root.pool_size
        )
        for i in range(start, stop)
    ]


def describe_seed(child: np.random.SeedSequence) -> str:
    """A seed sequence as code that rebuilds it."""
    return f"SeedSequence({child.entropy}, spawn_key={tuple(child.spawn_key)})"


# -- the work of one chunk (runs in a worker) -------------------------------------------------
def run_chunk(
    scenario: Scenario,
    seeds: Sequence[np.random.SeedSequence],
    start: int,
    keep: str = "outcomes",
    strict: bool = False,
) -> dict[str, Any]:
    """Run ``scenario`` once per seed and return the outcomes as column arrays.

    Parameters
    ----------
    scenario
        A validated scenario (used as is, not validated again).
    seeds
        One seed sequence per run.
    start
        Index of the first run in the ensemble (for error messages).
    keep
        ``"events"`` also returns each run's event log.
    strict
        Re-raise the first exception of a run, with a note naming the run and its seed.

    Returns
    -------
    dict
        ``columns`` (name -> array), ``errors`` (run index -> ``"Type: message"``) and
        ``events`` (a list of event lists, or ``None``).
    """
    actors = {a.id: i for i, a in enumerate(scenario.actors)}
    presences = [p.id for p in scenario.presences]
    layout = columns_for(presences)
    failed_row = tuple(fail for _, _, fail, _ in layout)
    rows: list[tuple[Any, ...]] = []
    errors: dict[int, str] = {}
    events: list[list[Event]] | None = [] if keep == "events" else None
    simulator = Simulator(scenario)  # prepares what the runs share, once per chunk
    for j, child in enumerate(seeds):
        try:
            run = simulator.run(np.random.default_rng(child))
        except Exception as exc:
            if strict:
                exc.add_note(f"in run {start + j} of the ensemble ({describe_seed(child)})")
                raise
            errors[start + j] = f"{type(exc).__name__}: {exc}"
            rows.append(failed_row)
            if events is not None:
                events.append([])
            continue
        o = run.outcome
        row: list[Any] = [
            o.ruptured,
            o.time_to_rupture if o.ruptured else o.end_time,
            not o.ruptured,
            o.rounds,
            o.peak_severity,
            actors[o.last_mover] if o.last_mover is not None else -1,
            o.end_time,
            o.acts,
            False,
        ]
        for pid in presences:
            final = o.final.get(pid)
            if final is None:  # a presence the run's scenario lacks
                row += (-1, -1, -1)
            else:
                staff, cap, status = final
                row += (staff, -1 if cap is None else cap, STATUS_CODES[status])
        rows.append(tuple(row))
        if events is not None:
            events.append(run.events)
    columns = {
        name: np.array(values, dtype=dtype)
        for (name, dtype, _, _), values in zip(layout, zip(*rows, strict=True), strict=True)
    }
    return {"columns": columns, "errors": errors, "events": events}


# -- the event log as columns -----------------------------------------------------------------
_EVENT_INT = ("id", "act", "magnitude", "severity", "forced")
_EVENT_FLOAT = ("time", "goldstein")


def encode_events(events: Sequence[Sequence[Event]], start: int = 0) -> dict[str, np.ndarray]:
    """Event logs of runs ``start, start + 1, ...`` as ``event.<field>`` columns."""
    flat = [(start + i, e) for i, log in enumerate(events) for e in log]
    out: dict[str, np.ndarray] = {"event.run": np.array([r for r, _ in flat], dtype=np.int64)}
    for name in EVENT_FIELDS:
        values = [getattr(e, name) for _, e in flat]
        if name in _EVENT_INT:
            out[f"event.{name}"] = np.array(values, dtype=np.int64)
        elif name in _EVENT_FLOAT:
            out[f"event.{name}"] = np.array(values, dtype=np.float64)
        elif name == "cause":
            out[f"event.{name}"] = np.array([-1 if v is None else v for v in values], np.int64)
        else:
            text = [
                "" if v is None else v.isoformat() if isinstance(v, date) else str(v)
                for v in values
            ]
            out[f"event.{name}"] = np.array(text, dtype=np.str_)
    return out


def decode_events(arrays: Mapping[str, np.ndarray], start: int, runs: int) -> list[list[Event]]:
    """Inverse of :func:`encode_events` for runs ``start`` to ``start + runs``."""
    logs: list[list[Event]] = [[] for _ in range(runs)]
    cols = {name: arrays[f"event.{name}"].tolist() for name in EVENT_FIELDS}
    for k, run in enumerate(arrays["event.run"].tolist()):
        cause = cols["cause"][k]
        logs[run - start].append(
            Event(
                id=cols["id"][k],
                act=cols["act"][k],
                phase=Phase(cols["phase"][k]),
                time=cols["time"][k],
                date=date.fromisoformat(cols["date"][k]),
                actor=cols["actor"][k],
                target=cols["target"][k],
                measure=MeasureKind(cols["measure"][k]),
                presence=cols["presence"][k] or None,
                magnitude=cols["magnitude"][k],
                severity=cols["severity"][k],
                cause=None if cause < 0 else cause,
                forced=cols["forced"][k],
                cameo=cols["cameo"][k],
                goldstein=cols["goldstein"][k],
                note=cols["note"][k],
                source=cols["source"][k],
            )
        )
    return logs


# -- files ------------------------------------------------------------------------------------
def _write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    write_atomic(path, lambda f: np.savez(f, **cast(Any, arrays)))


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    write_atomic(path, text)


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


def _library_version() -> str:
    from escalation import __version__

    return __version__


# -- the ensemble -----------------------------------------------------------------------------
@dataclass(eq=False, repr=False)
class Ensemble:
    """Outcomes of many runs of one scenario with independent seeds.

    Attributes
    ----------
    scenario
        The scenario that was run (``None`` if loaded from a file whose scenario cannot be
        rebuilt, e.g. one with function policies).
    seed
        The root seed: run ``i`` used ``SeedSequence(seed).spawn(runs)[i]``. When
        :func:`run_ensemble` was given no seed, the fresh entropy it drew.
    runs
        Number of runs.
    version
        Version of :mod:`escalation` that made it.
    runtime
        Wall-clock seconds of the call that assembled it.
    keep
        ``"outcomes"`` or ``"events"``.
    actors, presences
        Ids, in scenario order (``last_mover`` indexes ``actors``).
    outcomes
        Column name -> array of length ``runs`` (see the module docstring).
    errors
        Run index -> ``"ExceptionType: message"`` for failed runs.
    events
        Each run's event log when ``keep="events"``, else ``None``.
    """

    scenario: Scenario | None
    seed: int
    runs: int
    version: str
    runtime: float
    keep: str
    actors: tuple[str, ...]
    presences: tuple[str, ...]
    outcomes: dict[str, np.ndarray]
    errors: dict[int, str] = field(default_factory=dict)
    events: list[list[Event]] | None = None
    name: str = ""
    start: date | None = None
    horizon_days: float | None = None
    chunk_size: int | None = None

    def __post_init__(self) -> None:
        if self.scenario is not None:
            self.name = self.name or self.scenario.name
            self.start = self.start or self.scenario.start
            if self.horizon_days is None:
                self.horizon_days = self.scenario.horizon_days

    # -- access ----------------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.outcomes[name]
        except KeyError:
            known = ", ".join(self.outcomes)
            raise KeyError(f"no outcome column {name!r}; columns: {known}") from None

    def __len__(self) -> int:
        return self.runs

    def __repr__(self) -> str:
        failed = int(self.outcomes["failed"].sum()) if "failed" in self.outcomes else 0
        return (
            f"Ensemble({self.name!r}, runs={self.runs}, seed={self.seed}, keep={self.keep!r}, "
            f"failed={failed})"
        )

    @property
    def horizon(self) -> float:
        """The scenario's horizon in days (the latest a censored run can end)."""
        if self.horizon_days is None:
            raise ValueError("this ensemble does not know its scenario's horizon")
        return float(self.horizon_days)

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the runs that did not fail."""
        return ~self.outcomes["failed"]

    def last_mover_names(self) -> np.ndarray:
        """``last_mover`` as actor ids (``None`` where nobody moved or the run failed)."""
        names = np.array([*self.actors, None], dtype=object)
        return names[self.outcomes["last_mover"]]  # -1 picks the trailing None

    def seed_of(self, run: int) -> np.random.SeedSequence:
        """The seed sequence of run ``run``."""
        if not 0 <= run < self.runs:
            raise IndexError(f"run {run} is outside 0..{self.runs - 1}")
        return child_seeds(np.random.SeedSequence(self.seed), run, run + 1)[0]

    def rerun(self, run: int) -> Run:
        """Run ``run`` again, in full (e.g. to look at a failure or an odd outcome)."""
        if self.scenario is None:
            raise ValueError("this ensemble has no scenario to run again")
        return simulate(self.scenario, np.random.default_rng(self.seed_of(run)))

    # -- derived ---------------------------------------------------------------------------
    def summary(self) -> Summary:
        """Estimates with their Monte Carlo uncertainty (:mod:`escalation.ensemble.summary`)."""
        from escalation.ensemble.summary import summarize

        return summarize(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per run, one column per outcome, as a tidy :class:`pandas.DataFrame`.

        ``last_mover`` holds actor ids, ``status:<presence>`` the status names, ``cap:<p>``
        a nullable integer (missing: no cap), ``error`` the error of a failed run.

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install 'escalation[frames]'``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Ensemble.to_frame needs pandas; install it with "
                "`pip install 'escalation[frames]'`"
            ) from None
        data: dict[str, Any] = {"run": np.arange(self.runs)}
        statuses = pd.CategoricalDtype(list(STATUS_NAMES))
        for name, values in self.outcomes.items():
            if name == "last_mover":
                data[name] = pd.Categorical(self.last_mover_names(), categories=self.actors)
            elif name.startswith("status:"):
                data[name] = pd.Categorical.from_codes(values.astype(np.int64), dtype=statuses)
            elif name.startswith("cap:"):
                caps = pd.array(values, dtype="Int32")
                caps[values < 0] = pd.NA
                data[name] = caps
            else:
                data[name] = values
        data["error"] = [self.errors.get(i) for i in range(self.runs)]
        return pd.DataFrame(data)

    # -- files -----------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """What the JSON sidecar holds."""
        scenario = self.scenario
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "version": self.version,
            "name": self.name,
            "seed": self.seed,
            "runs": self.runs,
            "keep": self.keep,
            "runtime": self.runtime,
            "chunk_size": self.chunk_size,
            "actors": list(self.actors),
            "presences": list(self.presences),
            "start": self.start.isoformat() if self.start else None,
            "horizon_days": self.horizon_days,
            "scenario": None if scenario is None else json.loads(scenario_json(scenario)),
            "scenario_hash": None if scenario is None else scenario_hash(scenario),
            "errors": {str(k): v for k, v in sorted(self.errors.items())},
            "columns": {
                name: {"dtype": dtype, "failed": None if fail != fail else fail, "meaning": text}
                for name, dtype, fail, text in columns_for(self.presences)
            },
            "codes": {"status": list(STATUS_NAMES), "last_mover": list(self.actors)},
        }

    def save(self, path: str | Path) -> Path:
        """Write ``PATH.npz`` (columns) and ``PATH.json`` (metadata) atomically.

        Returns
        -------
        Path
            The ``.npz`` file written.
        """
        npz = Path(path)
        if npz.suffix != ".npz":
            npz = npz.with_name(npz.name + ".npz")
        npz.parent.mkdir(parents=True, exist_ok=True)
        arrays = dict(self.outcomes)
        if self.events is not None:
            arrays.update(encode_events(self.events))
        _write_npz(npz, arrays)
        _write_json(npz.with_suffix(".json"), self.metadata())
        return npz

    @classmethod
    def load(cls, path: str | Path) -> Ensemble:
        """Read an ensemble written by :meth:`save` (give the ``.npz`` or ``.json`` path).

        Raises
        ------
        InputError
            If a file is missing, not an ensemble file, or its columns do not fit.
        """
        base = Path(path)
        if base.suffix not in (".npz", ".json"):
            base = base.with_name(base.name + ".npz")
        npz, sidecar = base.with_suffix(".npz"), base.with_suffix(".json")
        for p in (npz, sidecar):
            if not p.is_file():
                raise InputError("file not found", source=p)
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not valid JSON ({exc})", source=sidecar) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise InputError(f"not an {FORMAT} metadata file", source=sidecar, field="format")
        if meta.get("format_version", 0) > FORMAT_VERSION:
            raise InputError(
                f"written by a newer escalation (format {meta['format_version']})",
                source=sidecar,
                field="format_version",
            )
        runs = int(meta["runs"])
        presences = tuple(meta["presences"])
        try:
            with np.load(npz, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise InputError(f"not a readable .npz file ({exc})", source=npz) from None
        outcomes: dict[str, np.ndarray] = {}
        for name, dtype, _, _ in columns_for(presences):
            if name not in arrays:
                raise InputError("column missing", source=npz, field=name)
            column = arrays[name]
            if column.shape != (runs,):
                raise InputError(
                    f"holds {column.shape[0]} values, the metadata says {runs} runs",
                    source=npz,
                    field=name,
                )
            outcomes[name] = column.astype(dtype, copy=False)
        scenario = None
        if meta.get("scenario") is not None:
            try:
                scenario = Scenario.model_validate(meta["scenario"])
            except Exception:  # e.g. function policies, which are stored by name only
                scenario = None
        events = decode_events(arrays, 0, runs) if meta.get("keep") == "events" else None
        return cls(
            scenario=scenario,
            seed=int(meta["seed"]),
            runs=runs,
            version=str(meta["version"]),
            runtime=float(meta.get("runtime") or 0.0),
            keep=str(meta.get("keep", "outcomes")),
            actors=tuple(meta["actors"]),
            presences=presences,
            outcomes=outcomes,
            errors={int(k): v for k, v in meta.get("errors", {}).items()},
            events=events,
            name=str(meta.get("name", "")),
            start=date.fromisoformat(meta["start"]) if meta.get("start") else None,
            horizon_days=meta.get("horizon_days"),
            chunk_size=meta.get("chunk_size"),
        )


# -- checkpoints ------------------------------------------------------------------------------
class _Checkpoint:
    """A folder of finished chunks and the manifest saying what they belong to."""

    def __init__(self, folder: Path):
        self.folder = folder

    def manifest(self) -> dict[str, Any] | None:
        path = self.folder / MANIFEST
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not valid JSON ({exc})", source=path) from None
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise InputError(f"not an {CHECKPOINT_FORMAT} manifest", source=path, field="format")
        return data

    def start(self, manifest: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob(".*.tmp"):  # left by a process killed mid-write
            stale.unlink(missing_ok=True)
        _write_json(self.folder / MANIFEST, manifest)

    def path(self, chunk: int) -> Path:
        return self.folder / f"chunk-{chunk:06d}.npz"

    def write(self, chunk: int, start: int, result: Mapping[str, Any]) -> None:
        arrays = dict(result["columns"])
        errors = sorted(result["errors"].items())
        arrays["error.run"] = np.array([k for k, _ in errors], dtype=np.int64)
        arrays["error.text"] = np.array([v for _, v in errors], dtype=np.str_)
        if result["events"] is not None:
            arrays.update(encode_events(result["events"], start))
        _write_npz(self.path(chunk), arrays)

    def read(
        self, chunk: int, start: int, size: int, presences: Sequence[str], keep: str
    ) -> dict[str, Any] | None:
        path = self.path(chunk)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise InputError(f"unreadable checkpoint chunk ({exc})", source=path) from None
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
        return {"columns": columns, "errors": errors, "events": events}


_MANIFEST_KEYS = ("scenario_hash", "seed", "runs", "chunk_size", "keep", "version")


def _check_manifest(found: Mapping[str, Any], wanted: Mapping[str, Any], source: Path) -> None:
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


def _check_pickles(scenario: Scenario) -> None:
    """Fail early, and clearly, when worker processes could not receive the scenario."""
    try:
        pickle.dumps(scenario)  # what the process pool does to send it (never to a file)
    except Exception as exc:
        raise ValueError(
            f"scenario {scenario.name!r} cannot be sent to worker processes ({exc}); define "
            "policy functions at module level (not lambdas or nested functions), or run "
            "without workers="
        ) from exc


def _default_chunk_size(runs: int, workers: int) -> int:
    # About four chunks per worker, so that the last ones finish together; at most 1000 runs
    # per chunk, so that progress, checkpoints and Ctrl-C come often enough.
    return max(1, min(1000, -(-runs // (4 * workers))))


def run_ensemble(
    scenario: Scenario | str | Path,
    runs: int,
    seed: Seed = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    keep: Keep = "outcomes",
    checkpoint: str | Path | None = None,
    resume: bool = False,
    strict: bool = False,
    progress: bool | None = None,
) -> Ensemble:
    """Run ``scenario`` ``runs`` times with independent seeds and collect the outcomes.

    Parameters
    ----------
    scenario
        A :class:`~escalation.model.scenario.Scenario`, a bundled name or a YAML path.
    runs
        Number of runs.
    seed
        Root seed: run ``i`` uses ``SeedSequence(seed).spawn(runs)[i]``. ``None`` draws fresh
        entropy, recorded as ``ensemble.seed`` (with ``resume=True``, the checkpoint's seed).
    workers
        Run on a pool of this many processes (created once for the call).
    executor
        Run on this :class:`concurrent.futures.Executor` instead, e.g. a dask
        ``Client.get_executor()``; it must be able to import :mod:`escalation`.
    chunk_size
        Runs per chunk sent to a worker (and per checkpoint file). By default about four
        chunks per worker, at most 1000 runs each; on resume, the checkpoint's.
    keep
        ``"outcomes"`` (columns only) or ``"events"`` (also every run's event log).
    checkpoint
        A directory where finished chunks are saved as they finish.
    resume
        Continue the ensemble saved in ``checkpoint``: load its chunks, run the rest.
    strict
        Stop at the first run that raises, re-raising its exception; by default a failed run
        is recorded (``failed`` column, ``ensemble.errors``) and the others go on.
    progress
        Show a progress bar: ``None`` on a terminal only, ``True`` always, ``False`` never.

    Returns
    -------
    Ensemble
        The outcomes in run order, the same for a given seed whatever the backend.

    Raises
    ------
    InputError
        If the checkpoint does not match this call, or already holds an ensemble and
        ``resume`` is false.
    """
    began = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise ValueError(f"runs must be a positive integer, not {runs!r}")
    runs = int(runs)
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {', '.join(KEEP)}, not {keep!r}")
    seed = root_entropy(seed)
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer)
    ):
        raise TypeError(f"chunk_size must be an int or None, not {chunk_size!r}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs the checkpoint directory")
    if workers is not None and executor is not None:
        raise ValueError("give either workers= or executor=, not both")
    check_workers(workers)

    if workers is not None:
        _check_pickles(scenario)

    store = _Checkpoint(Path(checkpoint)) if checkpoint is not None else None
    previous = store.manifest() if store is not None else None
    if previous is not None and not resume:
        assert store is not None
        raise InputError(
            "already holds a checkpoint; pass resume=True (--resume) to continue it, "
            "or choose an empty directory",
            source=store.folder,
        )
    if previous is not None:
        seed = previous.get("seed") if seed is None else seed
        chunk_size = previous.get("chunk_size") if chunk_size is None else chunk_size
    root = np.random.SeedSequence(None if seed is None else int(seed))
    assert isinstance(root.entropy, int)
    size = int(chunk_size or _default_chunk_size(runs, capacity(workers, executor)))
    actors = tuple(a.id for a in scenario.actors)
    presences = tuple(p.id for p in scenario.presences)
    version = _library_version()
    manifest = {
        "format": CHECKPOINT_FORMAT,
        "format_version": FORMAT_VERSION,
        "scenario_hash": scenario_hash(scenario),
        "scenario_name": scenario.name,
        "seed": root.entropy,
        "runs": runs,
        "chunk_size": size,
        "keep": keep,
        "version": version,
        "actors": list(actors),
        "presences": list(presences),
    }
    if store is not None:
        if previous is not None:
            _check_manifest(previous, manifest, store.folder / MANIFEST)
        store.start(manifest)

    outcomes = empty_outcomes(runs, presences)
    errors: dict[int, str] = {}
    events: list[list[Event]] | None = [[] for _ in range(runs)] if keep == "events" else None
    bounds = [(s, min(runs, s + size)) for s in range(0, runs, size)]

    def place(chunk: int, result: Mapping[str, Any]) -> None:
        lo, hi = bounds[chunk]
        for name, column in result["columns"].items():
            outcomes[name][lo:hi] = column
        errors.update(result["errors"])
        if events is not None:
            events[lo:hi] = result["events"]

    missing = []
    for k, (lo, hi) in enumerate(bounds):
        found = None
        if store is not None and previous is not None:
            found = store.read(k, lo, hi - lo, presences, keep)
        if found is None:
            missing.append(k)
        else:
            place(k, found)

    def tasks() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for k in missing:
            lo, hi = bounds[k]
            yield k, (scenario, child_seeds(root, lo, hi), lo, keep, strict)

    done = runs - sum(bounds[k][1] - bounds[k][0] for k in missing)
    with Progress(runs, done, progress, scenario.name) as bar:
        for k, result in map_chunks(run_chunk, tasks(), workers=workers, executor=executor):
            if store is not None:
                store.write(k, bounds[k][0], result)
            place(k, result)
            bar.update(bounds[k][1] - bounds[k][0])

    if errors:
        first = min(errors)
        warnings.warn(
            f"{len(errors)} of {runs} runs failed (first: run {first}, {errors[first]}); "
            "see ensemble.errors",
            RuntimeWarning,
            stacklevel=2,
        )
    return Ensemble(
        scenario=scenario,
        seed=root.entropy,
        runs=runs,
        version=version,
        runtime=time.perf_counter() - began,
        keep=keep,
        actors=actors,
        presences=presences,
        outcomes=outcomes,
        errors=dict(sorted(errors.items())),
        events=events,
        chunk_size=size,
    )
