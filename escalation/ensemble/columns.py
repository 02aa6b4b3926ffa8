"""The column layout of an ensemble: one array per outcome, and the event log as columns.

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
other flags. Times stay float64 (exact days for plots and resumes); the rest is as small as is
safe: a million runs of a scenario with three presences take 58 MB.

With ``keep="events"`` the runs' event logs are stored as columns too, ``event.<field>`` (one
value per event) plus ``event.run`` (the run it belongs to): :func:`encode_events` and
:func:`decode_events`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

import numpy as np

from escalation.model.event import EVENT_FIELDS, Event, Phase
from escalation.model.measure import MeasureKind
from escalation.model.state import Status
from escalation.sim.outcome import Outcome

Keep = Literal["outcomes", "events"]
KEEP: tuple[str, ...] = ("outcomes", "events")

#: Codes of the ``status:<presence>`` columns.
STATUS_CODES: dict[Status, int] = {Status.OPEN: 0, Status.SUSPENDED: 1, Status.CLOSED: 2}
STATUS_NAMES: tuple[str, ...] = tuple(s.value for s in STATUS_CODES)

#: A column: name, dtype, value in a failed run, description.
Column = tuple[str, str, Any, str]
_BASE_COLUMNS: tuple[Column, ...] = (
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


#: Names of the outcome columns every ensemble has (the per-presence ones follow them).
BASE_NAMES: tuple[str, ...] = tuple(c[0] for c in _BASE_COLUMNS)


def columns_for(presences: Sequence[str]) -> tuple[Column, ...]:
    """The outcome columns of an ensemble over ``presences``: (name, dtype, failed, meaning)."""
    per: list[Column] = []
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


def failed_row(presences: Sequence[str]) -> tuple[Any, ...]:
    """The row of a failed run, one value per column of :func:`columns_for`."""
    return tuple(fail for _, _, fail, _ in columns_for(presences))


def outcome_row(
    outcome: Outcome, actors: Mapping[str, int], presences: Sequence[str]
) -> tuple[Any, ...]:
    """The row of one run's ``outcome``, one value per column of :func:`columns_for`.

    ``actors`` maps each actor id to its index (the ``last_mover`` code).
    """
    o = outcome
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
    return tuple(row)


def rows_to_columns(
    rows: Sequence[tuple[Any, ...]], presences: Sequence[str]
) -> dict[str, np.ndarray]:
    """Rows of :func:`outcome_row` (or :func:`failed_row`) as one array per column."""
    layout = columns_for(presences)
    return {
        name: np.array(values, dtype=dtype)
        for (name, dtype, _, _), values in zip(layout, zip(*rows, strict=True), strict=True)
    }


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
