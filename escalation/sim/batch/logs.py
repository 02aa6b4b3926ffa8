"""Batch-engine runs with their event logs, as objects that summaries read like runs.

:class:`LogPlayer` compiles a covered scenario once with a bounded event log
(:mod:`escalation.sim.batch.eventlog`) and plays one run per seed key, each under the
policies given for it (the calibration's parameter vectors) or the scenario's own. Each run
comes back as a :class:`LoggedRun`: the events :class:`escalation.sim.play.Play` would have
logged, rebuilt as :class:`~escalation.model.event.Event` rows, and the initial and final
states, so that a summary of a run's log (:class:`escalation.sim.run.RunLog`) computes the
same numbers from it as from the SimPy engine's :class:`~escalation.sim.run.Run`. Every field
of a rebuilt event equals the SimPy engine's but ``note`` and ``source`` (empty). A run whose
log outgrows the capacity comes back as ``None``: play it on the SimPy engine.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

import escalation.sim.batch.layout as L  # noqa: N812 (a namespace of slots)
from escalation.model.event import Event, Phase
from escalation.model.policy import Policy
from escalation.model.state import State, Status
from escalation.sim.batch.compile import KINDS, _policies, compile_scenario, policy_row
from escalation.sim.batch.layout import LOG_COLS
from escalation.sim.prepared import Prepared

#: Events a logged run may log by default before it is handed to the SimPy engine.
DEFAULT_LOG = 2048
#: Runs played in one compiled call (their logs are held at once).
CHUNK = 64
_PHASES = np.array([Phase.ANNOUNCED, Phase.EFFECTIVE, Phase.LAPSED, Phase.INFEASIBLE], object)
_KINDS = np.array(KINDS, dtype=object)
_STATUSES = (Status.OPEN, Status.SUSPENDED, Status.CLOSED)
_new_event = tuple.__new__


class LoggedRun:
    """One batch-engine run as a summary reads it: its log and its states.

    Attributes
    ----------
    scenario
        The scenario played.
    events
        The event log (see the module docstring).
    initial
        State at the start (shared, read-only).
    """

    __slots__ = ("_columns", "_final", "_player", "events", "initial", "scenario")

    def __init__(self, player: LogPlayer, events: list[Event], columns: np.ndarray):
        self.scenario = player.scenario
        self.events = events
        self.initial: State = player.prepared.initial
        self._player = player
        self._columns = columns
        self._final: State | None = None

    @property
    def start(self) -> date:
        """The scenario's start date."""
        return self.scenario.start  # type: ignore[no-any-return]

    @property
    def final(self) -> State:
        """State at the end (made when first read)."""
        if self._final is None:
            self._final = self._player.final_state(self._columns)
        return self._final


class LogPlayer:
    """A covered scenario compiled for logged runs (see the module docstring).

    Parameters
    ----------
    scenario
        A scenario the batch engine covers (:func:`escalation.sim.batch.uncovered` is
        ``None``).
    log
        Events a run may log before it overflows (default :data:`DEFAULT_LOG`).
    """

    def __init__(self, scenario: Any, log: int | None = None):
        self.scenario = scenario
        self.log = DEFAULT_LOG if log is None else log
        self.prepared = Prepared(scenario)
        self.actors = [a.id for a in scenario.actors]
        self.presences = [p.id for p in scenario.presences]
        ladder = self.prepared.ladder
        self._cameo = np.array([ladder.cameo(k) for k in KINDS], dtype=object)
        self._goldstein = np.array([ladder.goldstein(k) for k in KINDS], dtype=object)
        self._actors = np.array(self.actors, dtype=object)
        self._presences = np.array([*self.presences, None], dtype=object)
        self._dates = _dates(self.prepared, int(self.prepared.horizon) + 2)
        self._own = _policies(self.prepared, {a: i for i, a in enumerate(self.actors)})
        self._sized: dict[int, tuple[np.ndarray, np.ndarray, int, int]] = {}
        initial = self.prepared.initial.presences
        self._initial = np.array(
            [
                [initial[p].staff for p in self.presences],
                [-1 if initial[p].cap is None else initial[p].cap for p in self.presences],
                [_STATUSES.index(initial[p].status) for p in self.presences],
            ],
            dtype=np.int64,
        )  # (staff, cap, status) per presence at the start, as the compiled runs end
        self._S, self._F, self._w, self._v = compile_scenario(
            scenario, log=self.log, prepared=self.prepared
        )

    def tables(self, policies: Sequence[Mapping[str, Policy]]) -> tuple[np.ndarray, np.ndarray]:
        """Policy tables with one particle per run: run ``j`` has ``policies[j]``.

        ``policies[j]`` maps actor ids to the policy each follows toward every other actor
        (as :meth:`escalation.calibrate.problem.ScenarioModel.scenario_for` sets it); the
        other actors keep the scenario's; actors not in the scenario are ignored.
        """
        ids = {a: i for i, a in enumerate(self.actors)}
        kinds1, values1 = self._own
        n, k = len(ids), len(policies)
        kinds = np.repeat(kinds1[None], k, axis=0)
        values = np.repeat(values1[None], k, axis=0)
        for actor in {a for chosen in policies for a in chosen if a in ids}:
            a = ids[actor]
            slots = [a * n + b for b in range(n) if b != a]
            for j, chosen in enumerate(policies):
                if actor in chosen:
                    kinds[j, slots], values[j, slots] = policy_row(chosen[actor])
        return kinds, values

    def play(
        self, keys: Sequence[int], tables: tuple[np.ndarray, np.ndarray] | None = None
    ) -> list[LoggedRun | None]:
        """One logged run per stream key (``None``: it overflowed; play it on SimPy).

        Run ``j`` has the policies of particle ``j`` of ``tables`` (see :meth:`tables`), or
        the scenario's own policies if ``tables`` is ``None`` (a scenario with a
        ``posterior:`` draws a particle by the run's first uniform, as the SimPy engine does).
        """
        out: list[LoggedRun | None] = []
        for lo in range(0, len(keys), CHUNK):
            hi = lo + CHUNK
            part = None if tables is None else (tables[0][lo:hi], tables[1][lo:hi])
            out += self._play(keys[lo:hi], part)
        return out

    def _play(
        self, keys: Sequence[int], tables: tuple[np.ndarray, np.ndarray] | None
    ) -> list[LoggedRun | None]:
        overflow, final, rows, stamps, sizes = self.logs(keys, tables)
        # Thousands of small tuples of plain values, no cycles among them: the cyclic garbage
        # collector, which such allocations set off again and again, would take about half
        # the time (measured), and has nothing to collect in them.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return [
                None
                if overflow[j]
                else LoggedRun(
                    self, self.events(rows[j, : sizes[j]], stamps[j, : sizes[j]]), final[j]
                )
                for j in range(len(keys))
            ]
        finally:
            if collecting:
                gc.enable()

    def logs(
        self, keys: Sequence[int], tables: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, ...]:
        """The compiled runs of :meth:`play` as arrays, before events are made of them.

        Returns ``overflow`` (n), ``final`` (n, 3, presences: staff, cap, status), ``rows``
        (n, capacity, ``LOG_COLS``), ``stamps`` (n, capacity) and ``sizes`` (n).
        """
        from escalation.sim.batch import fresh_cache

        fresh_cache()
        from escalation.sim.batch.runs import run_logged

        n = len(keys)
        if tables is None:
            S, F, w, v = self._S, self._F, self._w, self._v
            parts = np.zeros(n, dtype=np.int64)
        else:
            S, F, w, v = self._with_tables(tables)
            parts = np.arange(n, dtype=np.int64)
        times = np.zeros((n, 2))
        counts = np.zeros((n, 6), dtype=np.int64)
        final = np.zeros((n, 3, len(self.presences)), dtype=np.int64)
        rows = np.zeros((n, self.log, LOG_COLS), dtype=np.int64)
        stamps = np.zeros((n, self.log))
        sizes = np.zeros(n, dtype=np.int64)
        words = np.array(keys, dtype=np.uint64)
        run_logged(S, F, w, v, words, parts, times, counts, final, rows, stamps, sizes)
        return counts[:, 5], final, rows, stamps, sizes

    def _with_tables(
        self, tables: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, int, int]:
        # The scenario compiled with ``tables``: compiled once per number of particles, then
        # a copy with the tables written over (compiling walks every presence and trigger).
        kinds, values = tables
        hit = self._sized.get(len(kinds))
        if hit is None:
            while len(self._sized) >= 4:
                self._sized.pop(next(iter(self._sized)))
            hit = self._sized[len(kinds)] = compile_scenario(
                self.scenario, log=self.log, tables=tables, prepared=self.prepared
            )
            return hit
        S, F, w, v = hit[0].copy(), hit[1].copy(), hit[2], hit[3]
        at = S[L.O_PTYPE]
        S[at : at + kinds.size] = kinds.ravel()
        at = S[L.OF_PF]
        F[at : at + values.size] = values.ravel()
        return S, F, w, v

    def events(self, rows: np.ndarray, stamps: np.ndarray) -> list[Event]:
        """The events of a run's log rows and times (column by column, then one per row)."""
        m = len(rows)
        if not m:
            return []
        cols = rows.T
        days = stamps.astype(np.int64)
        if days.max() >= len(self._dates):
            self._dates = _dates(self.prepared, int(days.max()) + 1)
        kinds, cause = cols[2], cols[8].astype(object)
        cause[cols[8] < 0] = None
        fields = (
            range(m),
            cols[0].tolist(),
            _PHASES[cols[1]].tolist(),
            stamps.tolist(),
            self._dates[days].tolist(),
            self._actors[cols[3]].tolist(),
            self._actors[cols[4]].tolist(),
            _KINDS[kinds].tolist(),
            self._presences[cols[5]].tolist(),  # -1: the last, None
            cols[6].tolist(),
            cols[7].tolist(),
            cause.tolist(),
            cols[9].tolist(),
            self._cameo[kinds].tolist(),
            self._goldstein[kinds].tolist(),
            [""] * m,
            [""] * m,
        )
        return [_new_event(Event, row) for row in zip(*fields, strict=True)]

    def final_state(self, final: np.ndarray) -> State:
        """The state at the end of a run from its ``(staff, cap, status)`` per presence."""
        state = self.prepared.initial._clone()
        own = state._own if state._own is not None else set()
        for i in np.flatnonzero((final != self._initial).any(axis=0)).tolist():
            pid = self.presences[i]
            q = state.presences[pid].copy()
            cap = int(final[1, i])
            q.staff, q.cap, q.status = (
                int(final[0, i]),
                None if cap < 0 else cap,
                _STATUSES[final[2, i]],
            )
            state.presences[pid] = q
            own.add(pid)
        return state


def _dates(prepared: Prepared, days: int) -> np.ndarray:
    """Calendar dates of days 0 to ``days - 1`` of a scenario, as the SimPy engine makes them."""
    return np.array([prepared.date(float(d)) for d in range(days)], dtype=object)
