"""Outcomes per dyad across an ensemble's runs, and their summaries per dyad and pooled.

A wave is many dyads (one target, many initiators), and what the record says about it is per
dyad. :func:`dyad_frame` gives, for every run of an ensemble that kept its event logs
(``keep="events"``), one row per dyad with the definitions of :mod:`escalation.sim.dyads`
(the same function reads simulated and replayed runs). A run's dyads are read from its log;
which pairs ruptured, and when, is found by applying the run's effective events to the
scenario's starting state (:class:`~escalation.model.state.State`, the engine's own rules), so
no outcome is re-simulated. :func:`dyad_summary` turns the frame into one row per dyad and a
``pooled`` row over all dyads, each share with its binomial Monte Carlo standard error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from escalation.model.event import Event, Phase
from escalation.model.measure import Measure
from escalation.model.scenario import Scenario
from escalation.model.state import State
from escalation.sim.dyads import DyadOutcome, dyad_outcomes

if TYPE_CHECKING:
    import pandas as pd

#: Columns of :func:`dyad_frame`, after ``run``.
DYAD_FIELDS: tuple[str, ...] = (
    "initiator",
    "target",
    "first_time",
    "answered",
    "lag",
    "act_lag",
    "answer_kind",
    "removed",
    "removed_back",
    "ratio",
    "ruptured",
    "time_to_rupture",
)


@dataclass
class _Outcome:
    ruptures: dict[tuple[str, str], float] = field(default_factory=dict)


@dataclass
class _RunView:
    """What :func:`~escalation.sim.dyads.dyad_outcomes` reads of a run, rebuilt from its log."""

    events: Sequence[Event]
    final: State
    outcome: _Outcome


def _view(scenario: Scenario, initial: State, events: Sequence[Event]) -> _RunView:
    state = initial.copy()
    ruptures: dict[tuple[str, str], float] = {}
    for e in events:
        if e.phase is not Phase.EFFECTIVE or e.presence is None:
            continue
        measure = Measure(
            kind=e.measure,
            actor=e.actor,
            target=e.target,
            presence=e.presence,
            magnitude=e.magnitude,
        )
        state.apply(measure)
        # Only the pair the presence stands between can change.
        p = state.presence(e.presence)
        pair = (min(p.owner, p.host), max(p.owner, p.host))
        if pair not in ruptures and state.ruptured(*pair):
            ruptures[pair] = e.time
    return _RunView(events, state, _Outcome(ruptures))


def run_dyads(scenario: Scenario, events: Sequence[Event]) -> tuple[DyadOutcome, ...]:
    """The dyads of one run of ``scenario`` from its event log alone."""
    return dyad_outcomes(_view(scenario, scenario.initial_state(), events))


def dyad_frame(scenario: Scenario, logs: Sequence[Sequence[Event]]) -> pd.DataFrame:
    """One row per run and dyad: ``run`` and :data:`DYAD_FIELDS` (see :mod:`escalation.sim.dyads`).

    ``logs`` are the runs' event logs in run order (an ensemble's ``events``).
    """
    import pandas as pd

    initial = scenario.initial_state()
    rows: list[dict[str, Any]] = []
    for run, log in enumerate(logs):
        for d in dyad_outcomes(_view(scenario, initial, log)):
            row = {"run": run}
            row.update({name: getattr(d, name) for name in DYAD_FIELDS})
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["run", *DYAD_FIELDS])
    return frame.astype({"answered": bool, "ruptured": bool})


def _share(x: np.ndarray) -> tuple[float, float]:
    if len(x) == 0:
        return math.nan, math.nan
    p = float(np.mean(x))
    return p, math.sqrt(p * (1.0 - p) / len(x))


def _rows(name: str, part: pd.DataFrame, runs: int, band: tuple[float, float]) -> dict[str, Any]:
    # Shares are per run (a dyad that did not occur in a run counts as not answered).
    answered = np.zeros(runs, dtype=bool)
    answered[part.loc[part["answered"], "run"].to_numpy()] = True
    ruptured = np.zeros(runs, dtype=bool)
    ruptured[part.loc[part["ruptured"], "run"].to_numpy()] = True
    ok = part[part["answered"]]
    lo, hi = band
    ratio = ok["ratio"].to_numpy(float)
    in_band = (ratio >= lo) & (ratio <= hi)
    p_ans, se_ans = _share(answered)
    p_kind, se_kind = _share(in_band)
    p_rup, se_rup = _share(ruptured)
    lags = ok["lag"].to_numpy(float)
    return {
        "dyad": name,
        "runs": runs,
        "p_answered": p_ans,
        "se_answered": se_ans,
        "lag_median": float(np.median(lags)) if lags.size else math.nan,
        "lag_q90": float(np.quantile(lags, 0.9)) if lags.size else math.nan,
        "p_in_kind_if_answered": p_kind,
        "se_in_kind": se_kind,
        "p_ruptured": p_rup,
        "se_ruptured": se_rup,
    }


def dyad_summary(
    frame: pd.DataFrame, runs: int, ratio_band: tuple[float, float] = (0.8, 1.25)
) -> pd.DataFrame:
    """Per dyad of :func:`dyad_frame` (``initiator>target``) and pooled over all dyads.

    Columns: ``p_answered`` (share of runs in which the target answered), median and 90 %
    quantile of the lag in days over the answered runs, ``p_in_kind_if_answered`` (the answer
    removed ``ratio_band`` times what was removed), ``p_ruptured``; each share with its
    binomial standard error (``se_*``). The ``pooled`` row counts run-dyads: its ``runs`` is
    runs times dyads, and its shares are over all of them.
    """
    import pandas as pd

    out = []
    keys = frame[["initiator", "target"]].drop_duplicates().itertuples(index=False)
    for initiator, target in keys:
        part = frame[(frame["initiator"] == initiator) & (frame["target"] == target)]
        out.append(_rows(f"{initiator}>{target}", part, runs, ratio_band))
    n = len(out)
    if n:
        pooled = frame.copy()
        codes = {k: i for i, k in enumerate(r["dyad"] for r in out)}
        dyad = pooled["initiator"] + ">" + pooled["target"]
        pooled["run"] = pooled["run"] * n + dyad.map(codes)
        out.append(_rows("pooled", pooled, runs * n, ratio_band))
    return pd.DataFrame(out)
