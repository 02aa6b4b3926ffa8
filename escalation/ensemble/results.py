"""Ensembles: the outcomes of many runs of one scenario with independent seeds, and their files.

An :class:`Ensemble` holds one array per outcome (the columns of
:mod:`escalation.ensemble.columns`), in run order, and what made them: the scenario, the root
seed (run ``i`` used ``SeedSequence(seed).spawn(runs)[i]``, see
:mod:`escalation.ensemble.chunk`), the library version. :func:`escalation.run_ensemble` makes
one; :meth:`Ensemble.summary` summarises it (:mod:`escalation.ensemble.summary`).

Files (:meth:`Ensemble.save`): ``NAME.npz`` holds one array per column (and, with
``keep="events"``, the event log as columns ``event.<field>`` plus ``event.run``), readable by
``numpy.load(..., allow_pickle=False)``; ``NAME.json`` beside it holds the metadata (format,
library version, seed, runs, actors, presences, scenario, errors, a description of each
column). Nothing is pickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from escalation.base.errors import InputError
from escalation.ensemble.chunk import child_seeds
from escalation.ensemble.columns import STATUS_NAMES, columns_for, decode_events, encode_events
from escalation.ensemble.drawn import drawn_frame
from escalation.ensemble.dyads import dyad_frame, dyad_summary
from escalation.ensemble.storage import (
    FORMAT_VERSION,
    read_json,
    read_npz,
    scenario_hash,
    scenario_json,
    write_json,
    write_npz,
)
from escalation.ensemble.summary import Summary, summarize
from escalation.model.event import Event
from escalation.model.scenario import Scenario
from escalation.sim.engine import simulate

if TYPE_CHECKING:
    import pandas as pd

    from escalation.sim.run import Run

FORMAT = "escalation-ensemble"


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
        :func:`escalation.run_ensemble` was given no seed, the fresh entropy it drew.
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
        Column name -> array of length ``runs`` (see :mod:`escalation.ensemble.columns`).
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

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

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
        return simulate(self.scenario, self.seed_of(run))

    # -- derived ---------------------------------------------------------------------------
    def summary(self) -> Summary:
        """Estimates with their Monte Carlo uncertainty (:mod:`escalation.ensemble.summary`)."""
        return summarize(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per run, one column per outcome, as a tidy :class:`pandas.DataFrame`.

        ``last_mover`` holds actor ids, ``status:<presence>`` the status names, ``cap:<p>``
        a nullable integer (missing: no cap), ``error`` the error of a failed run.
        ``time_to_rupture`` is missing (NaN) for a run that did not rupture, which
        ``censored`` marks: its time is censored at ``end_time``.

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
        if "ruptured" in data and "time_to_rupture" in data:
            # A run without a rupture has no time to rupture: it is censored at ``end_time``.
            censored = ~np.asarray(self.outcomes["ruptured"], dtype=bool)
            data["censored"] = censored
            data["time_to_rupture"] = np.where(censored, np.nan, data["time_to_rupture"])
        return pd.DataFrame(data)

    def presence_frame(self) -> pd.DataFrame:
        """One row per run and presence: ``run, presence, staff, cap, status`` at the end."""
        import pandas as pd

        wide = self.to_frame()
        parts = [
            pd.DataFrame(
                {
                    "run": wide["run"],
                    "presence": pid,
                    "staff": wide.get(f"staff:{pid}"),
                    "cap": wide.get(f"cap:{pid}"),
                    "status": wide.get(f"status:{pid}"),
                }
            )
            for pid in self.presences
        ]
        return pd.concat(parts, ignore_index=True).sort_values(["run", "presence"], kind="stable")

    def events_frame(self) -> pd.DataFrame:
        """Every run's events in one long frame (``run`` first), for ``keep="events"`` ensembles.

        ``phase`` says whether a row is a measure's announcement or its effect.
        """
        import pandas as pd

        if self.events is None:
            raise ValueError("this ensemble kept outcomes only: run it with keep='events'")
        arrays = encode_events(self.events)
        data = {"run": arrays["event.run"]}
        data.update({k[len("event.") :]: v for k, v in arrays.items() if k != "event.run"})
        return pd.DataFrame(data)

    def parameters(self) -> pd.DataFrame:
        """Per run: the posterior particle drawn and its values, from the seeds (:mod:`.drawn`)."""
        return drawn_frame(self.scenario, self.seed, self.runs)

    def dyads(self) -> pd.DataFrame:
        """One row per run and dyad (who moved first, whether and how the other answered).

        For ``keep="events"`` ensembles; see :mod:`escalation.ensemble.dyads`.
        """
        if self.events is None or self.scenario is None:
            raise ValueError(
                "per-dyad outcomes are read from the runs' event logs: run the ensemble with "
                "keep='events'"
            )
        return dyad_frame(self.scenario, self.events)

    def dyad_summary(self, ratio_band: tuple[float, float] = (0.8, 1.25)) -> pd.DataFrame:
        """Per dyad and pooled: P(answered), lag quantiles, P(in kind), P(ruptured), with SEs."""
        return dyad_summary(self.dyads(), len(self), ratio_band)

    def to_csv(self, path: str | Path) -> None:
        """Write :meth:`to_frame` as CSV (needs pandas)."""
        self.to_frame().to_csv(path, index=False)

    def to_parquet(self, path: str | Path) -> None:
        """Write :meth:`to_frame` as Parquet (needs pyarrow: ``escalation[parquet]``)."""
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError(
                "Ensemble.to_parquet needs pyarrow; install it with "
                "`pip install 'escalation[parquet]'`"
            ) from None
        self.to_frame().to_parquet(path, index=False)

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
        write_npz(npz, arrays)
        write_json(npz.with_suffix(".json"), self.metadata())
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
        meta = _read_metadata(sidecar)
        runs = int(meta["runs"])
        presences = tuple(meta["presences"])
        arrays = read_npz(npz, "not a readable .npz file")
        outcomes = _outcomes_from(arrays, presences, runs, npz)
        scenario = _scenario_from(meta)
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


def _read_metadata(sidecar: Path) -> dict[str, Any]:
    """The metadata in an ensemble's JSON sidecar, checked to be of a format this reads."""
    meta = read_json(sidecar)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError(f"not an {FORMAT} metadata file", source=sidecar, field="format")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise InputError(
            f"written by a newer escalation (format {meta['format_version']})",
            source=sidecar,
            field="format_version",
        )
    return meta


def _outcomes_from(
    arrays: dict[str, np.ndarray], presences: tuple[str, ...], runs: int, npz: Path
) -> dict[str, np.ndarray]:
    """The outcome columns among ``arrays``, each checked to hold ``runs`` values."""
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
    return outcomes


def _scenario_from(meta: dict[str, Any]) -> Scenario | None:
    """The scenario recorded in the metadata, ``None`` if there is none or it cannot be rebuilt."""
    if meta.get("scenario") is None:
        return None
    try:
        return Scenario.model_validate(meta["scenario"])
    except Exception:  # e.g. function policies, which are stored by name only
        return None
