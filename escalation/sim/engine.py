"""The engine: one run of a scenario on a SimPy environment.

Each run has its own :class:`simpy.Environment` (new, or reused once reset), state and random
generator; nothing a run changes outlives it. What runs of one scenario share is prepared once
(:class:`Simulator`; :func:`simulate` keeps it for the last few scenario objects).

Things that happen:

* an **announcement** makes a measure public. It is logged, its effect is scheduled after the
  announce-to-effect delay, and the target's policy toward the author is asked for an answer;
  each answer is scheduled as a later announcement whose ``cause`` is this event's id. An
  answer that is no longer feasible when it comes due (the state changed during its lag) is
  replaced by the substitution rule, with a note; if nothing fits, it is not announced;
* an **effect** changes the state (or lapses, logged with the reason, if the state changed so
  that the measure is no longer feasible). Statements have no separate effect.

Order of simultaneous events (the rule, tested in ``tests/test_engine.py``): events due at the
same time run in the order (time, priority, scheduling order), as in SimPy. Effects have the
higher (urgent) priority, so at any instant **every effect due runs before any announcement
due**, and an answer decided at that instant sees the state after those effects. Measures that one
actor announces against another at the same instant form a *package*: the target's policy is
asked once, after the last of them, with the most severe as the stimulus (NATO's expulsions
and cap cut of 6 October 2021 were answered together). Among effects,
and among announcements, the one scheduled first runs first; the scenario's triggers are
scheduled before anything else, in date order and then file order.

A run stops at the horizon; at the first rupture (if the scenario's stop rule says so), after
the effects due at that same instant; or after ``quiet_days`` with no announcement and no
trigger still to come (a trigger is never dropped for quiet). When nothing is pending any
more, the run ends at once with the time the quiet rule (or the horizon) would give, rather
than stepping through empty days. As a safeguard against answers that loop without time
passing (policies with a zero lag answering each other), a run also stops, with the reason
``"limit"``, once :data:`MAX_ACTS` measures have been announced.

What is known is not checked again. A plan from :meth:`Policy.plan` is feasible in the state
it was made in, and a measure announced is feasible when announced; the feasibility of a
measure depends on its presence only, so the engine notes how many times that presence had
changed (``State.changes``) and checks again, when the answer comes due or the effect takes
place, only if it has changed since. The property tests check, from the log of random runs,
that every announced measure was feasible when announced.

The hot path schedules events and reuses environments through :mod:`escalation.sim.kernel`,
the one module that touches SimPy 4's internals; ``tests/test_engine.py`` checks that reused
environments give exactly the runs fresh ones give.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Hashable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import simpy

from escalation.base.seeds import Seed, as_generator
from escalation.model.event import Event, Phase
from escalation.model.measure import Measure, MeasureKind
from escalation.model.parameters import ScenarioSource, source_for
from escalation.model.policy import Context, Policy
from escalation.model.scenario import Scenario, load_scenario
from escalation.model.substitution import substitute
from escalation.model.trigger import Trigger
from escalation.sim.kernel import NORMAL, URGENT, Due, reset, trigger_urgently
from escalation.sim.outcome import Outcome
from escalation.sim.run import Run

#: Most measures announced in one run before it stops with the reason ``"limit"``.
MAX_ACTS = 100_000


class _Prepared:
    """What every run of a scenario shares and never changes: built once per scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.ladder = scenario.build_ladder()
        # Copied by every run, never run itself; shared by the runs' records (read-only).
        self.initial = scenario.initial_state().share()
        self.start_ordinal = scenario.start.toordinal()
        self.horizon = scenario.horizon_days
        self.quiet_days = scenario.stop.quiet_days
        self.stop_at_rupture = scenario.stop.rupture
        ids = [a.id for a in scenario.actors]
        self.policies = {
            (a.id, b): a.policy_toward(b) for a in scenario.actors for b in ids if b != a.id
        }
        # Whether the engine may trust a policy's plans to be feasible when made (the base
        # ``Policy.plan`` guarantees it; an overriding ``plan`` is checked at announcement).
        self.deciders = {key: (p, type(p).plan is Policy.plan) for key, p in self.policies.items()}
        # Triggers in date order, then file order; then each policy's scripted acts.
        start = scenario.start
        due: list[tuple[float, int, str, Trigger]] = []
        for t in scenario.triggers:
            assert t.actor is not None
            due.append((t.time(start), len(due), t.actor, t))
        for a in scenario.actors:
            for pol in {id(p): p for p in (a.policy, *a.policies.values()) if p}.values():
                for t in pol.scheduled():
                    due.append((t.time(start), len(due), a.id, t))
        due.sort(key=lambda d: (d[0], d[1]))
        self.triggers = [
            (when, (t.to_measure(actor), t, t.delay(start))) for when, _, actor, t in due
        ]
        # What the actors remember from before the start: announced events at negative times
        # (ids -1, -2, ...), never in the log, never changing the state.
        self.memory: dict[tuple[str, str], list[Event]] = {key: [] for key in self.policies}
        for i, t in enumerate(sorted(scenario.memory, key=lambda t: t.time(start))):
            assert t.actor is not None and t.date is not None
            e = Event(
                -1 - i,
                -1,
                Phase.ANNOUNCED,
                t.time(start),
                t.date,
                t.actor,
                t.target,
                t.measure,
                t.presence,
                t.magnitude,
                self.ladder.severity(t.measure, t.magnitude),
                None,
                0,
                self.ladder.cameo(t.measure),
                self.ladder.goldstein(t.measure),
                t.note,
                t.source,
            )
            self.memory.setdefault((t.target, t.actor), []).append(e)
        # Severity, CAMEO code and Goldstein weight by (kind, magnitude), filled as met;
        # calendar dates by day. Both only grow, and are the same for every run.
        self.marks: dict[tuple[str, int], tuple[int, str, float]] = {}
        self.dates: dict[int, date] = {}

    def date(self, time: float) -> date:
        """Calendar date of ``time`` days after the start."""
        day = int(time)
        when = self.dates.get(day)
        if when is None:
            when = self.dates[day] = date.fromordinal(self.start_ordinal + day)
        return when


_new_event = tuple.__new__  # builds an Event from its fields without NamedTuple's __new__


class _Simulation:
    """State of one run while it runs.

    The callbacks of the run's SimPy events are ``_on_trigger``, ``_on_answer``,
    ``_on_effect``, ``_on_package``, ``_on_quiet`` and ``_on_horizon``; each reads what it
    needs from the event's value.
    """

    __slots__ = (
        "acts",
        "end_time",
        "env",
        "events",
        "ladder",
        "last",
        "last_announce",
        "packages",
        "peak",
        "pending",
        "prepared",
        "problems",
        "quiet_check",
        "received",
        "rng",
        "rounds",
        "rupture",
        "state",
        "stop_event",
        "stop_reason",
        "trigger_events",
        "triggers_left",
    )

    def __init__(self, prepared: _Prepared, rng: np.random.Generator, env: simpy.Environment):
        self.prepared = prepared
        self.rng = rng
        self.ladder = prepared.ladder
        self.env = env
        self.state = prepared.initial._clone()
        self.events: list[Event] = []
        self.problems: list[Event] = []
        # Announced events by one actor against another, keyed (target, actor): what the
        # target has received (memory first).
        self.received = {key: list(events) for key, events in prepared.memory.items()}
        self.packages: dict[tuple[str, str], list[Event]] = {}
        self.pending = 0  # events scheduled that may still announce or change something
        self.acts = 0
        self.rounds = 0  # outcome counts, kept as the run goes (see escalation.sim.outcome)
        self.peak = 0
        self.last: str | None = None
        self.last_announce = 0.0
        self.quiet_check = False
        self.triggers_left = 0
        self.rupture: tuple[float, date, tuple[str, str]] | None = None
        self.stop_reason: str | None = None
        self.end_time = prepared.horizon
        self.stop_event = simpy.Event(self.env)
        self.trigger_events: dict[str, int] = {}

    # -- logging ---------------------------------------------------------------------------
    def _log(
        self,
        now: float,
        phase: Phase,
        m: Measure,
        act: int,
        cause: int | None,
        forced: int = 0,
        note: str = "",
        source: str = "",
    ) -> Event:
        kind, actor, target, presence, magnitude = m
        prepared = self.prepared
        key = (kind._value_, magnitude)  # a str key hashes faster than an enum member
        marks = prepared.marks.get(key)
        if marks is None:
            ladder = self.ladder
            marks = prepared.marks[key] = (
                ladder.severity(kind, magnitude),
                ladder.cameo(kind),
                ladder.goldstein(kind),
            )
        when = prepared.dates.get(int(now)) or prepared.date(now)
        events = self.events
        e: Event = _new_event(
            Event,
            (
                len(events),
                act,
                phase,
                now,
                when,
                actor,
                target,
                kind,
                presence,
                magnitude,
                marks[0],
                cause,
                forced,
                marks[1],
                marks[2],
                note,
                source,
            ),
        )
        events.append(e)
        return e

    # -- event callbacks -------------------------------------------------------------------
    # Each callback ends by checking whether anything is left to happen (``_idle``). The hot
    # paths (answers and effects) are written out in one function each rather than spread
    # over helpers: they run for every measure of every run.
    def _on_trigger(self, due: Any) -> None:
        m, t, delay = due.value
        self.pending -= 1
        self.triggers_left -= 1
        cause = self.trigger_events.get(t.cause) if t.cause else None
        why = self.state.infeasibility(m)
        if why is None:
            ev = self._publish(m, cause, delay, t.note, t.source)
            if t.id is not None:
                self.trigger_events[t.id] = ev.id
        else:
            self.problems.append(
                self._log(self.env.now, Phase.INFEASIBLE, m, -1, cause, 0, why, t.source)
            )
        if not self.triggers_left:
            self._arm_quiet()
        if not self.pending:
            self._idle()

    def _on_answer(self, due: Any) -> None:
        m, cause, delay, stamp = due.value
        self.pending -= 1
        note = ""
        # A plan is feasible in the state it was made in: unless its presence changed during
        # the lag, there is nothing to check.
        state = self.state
        if stamp != state.changes.get(m.presence):
            why = state.infeasibility(m)
            if why is not None:
                sub = substitute(state, self.ladder, m)
                if sub is None:
                    if not self.pending:
                        self._idle()
                    return
                note = f"instead of {m.kind} x{m.magnitude} ({why})"
                m = sub
        self._publish(m, cause, delay, note)
        if not self.pending:
            self._idle()

    def _on_effect(self, due: Any) -> None:
        m, announced, stamp = due.value
        self.pending -= 1
        state = self.state
        now = self.env.now
        if stamp == state.changes[m.presence]:  # feasible when announced, unchanged since
            forced = state._apply(m)
        else:
            why = state.infeasibility(m)
            if why is not None:
                self._log(now, Phase.LAPSED, m, announced.act, announced.cause, 0, why)
                if not self.pending:
                    self._idle()
                return
            forced = state._apply(m)
        self._log(now, Phase.EFFECTIVE, m, announced.act, announced.cause, forced)
        kind = m.kind
        if (kind is MeasureKind.CLOSE or kind is MeasureKind.SUSPEND) and self.rupture is None:
            a, b = sorted((m.actor, m.target))
            if state.ruptured(a, b):
                self.rupture = (now, self.prepared.date(now), (a, b))
                if self.prepared.stop_at_rupture:
                    self._stop("rupture", now)
        if not self.pending:
            self._idle()

    def _on_package(self, due: Any) -> None:
        self.pending -= 1
        key = due.value
        self._decide(key, self.packages.pop(key))
        if not self.pending:
            self._idle()

    # -- what happens ----------------------------------------------------------------------
    def _publish(
        self, m: Measure, cause: int | None, delay: float, note: str = "", source: str = ""
    ) -> Event:
        """Announce a feasible measure: log it, schedule its effect, have it answered."""
        env = self.env
        now = env.now
        act = self.acts
        self.acts = act + 1
        if act + 1 >= MAX_ACTS:
            self._stop("limit", now)
        ev = self._log(now, Phase.ANNOUNCED, m, act, cause, 0, note, source)
        kind = m.kind
        actor = m.actor
        if kind._hostile:
            if actor != self.last:
                self.rounds += 1
                self.last = actor
            if ev.severity > self.peak:
                self.peak = ev.severity
        self.last_announce = now
        if not kind._statement:
            self.pending += 1
            stamp = self.state.changes[m.presence]
            Due(env, delay, URGENT, self._on_effect, (m, ev, stamp))
        if not self.quiet_check:
            self._arm_quiet()
        if kind is MeasureKind.RECALL:
            return ev
        # Measures one actor announces against another at the same instant form a package,
        # answered once: the target decides after the last of them, on the most severe. The
        # decision waits for an event scheduled at this instant behind everything already due
        # now; when nothing else is due now, no more of the package can come and it is made
        # at once, which is the same (nothing can run in between).
        key = (m.target, actor)
        self.received[key].append(ev)
        package = self.packages.get(key)
        if package is not None:
            package.append(ev)
        elif env.peek() > now:  # nothing else is due now
            self._decide(key, [ev])
        else:
            self.packages[key] = [ev]
            self.pending += 1
            Due(env, 0, NORMAL, self._on_package, key)
        return ev

    def _arm_quiet(self) -> None:
        quiet = self.prepared.quiet_days
        if quiet is not None and not self.quiet_check:
            self.quiet_check = True
            now = self.env.now
            Due(self.env, max(0.0, self.last_announce + quiet - now), NORMAL, self._on_quiet)

    def _decide(self, key: tuple[str, str], package: list[Event]) -> None:
        if len(package) == 1:
            stimulus = package[0]
        else:
            stimulus = max(package, key=lambda e: (e.measure.is_hostile, e.severity, e.id))
        received = self.received
        state = self.state
        ctx = Context(
            key[0],
            key[1],
            stimulus,
            stimulus.severity,
            state,
            self.ladder,
            received[key],
            received[key[1], key[0]],
            stimulus.time,
            self.rng,
            package,
        )
        policy, trusted = self.prepared.deciders[key]
        plans = policy.plan(ctx)
        if plans:
            changes = state.changes
            env = self.env
            for m, lag, delay in plans:
                self.pending += 1
                stamp = changes.get(m.presence) if trusted else -1
                Due(env, lag, NORMAL, self._on_answer, (m, stimulus.id, delay, stamp))

    # -- stopping --------------------------------------------------------------------------
    def _on_quiet(self, _: Any) -> None:
        quiet = self.prepared.quiet_days
        assert quiet is not None
        since = self.env.now - self.last_announce
        if since >= quiet - 1e-9:
            if self.triggers_left:
                self.quiet_check = False  # re-armed by the next announcement or last trigger
            else:
                self._stop("quiet", self.env.now)
        else:
            Due(self.env, quiet - since, NORMAL, self._on_quiet)

    def _idle(self) -> None:
        # Nothing is pending: the run ends (unless it has already stopped).
        if self.stop_reason is not None:
            return
        quiet = self.prepared.quiet_days
        horizon = self.prepared.horizon
        end = max(self.last_announce + quiet, self.env.now) if quiet is not None else horizon
        if quiet is not None and end <= horizon:
            self._stop("quiet", end)
        else:
            self._stop("horizon", horizon)

    def _on_horizon(self, _: Any) -> None:
        self._stop("horizon", self.prepared.horizon)

    def _stop(self, reason: str, end: float) -> None:
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        self.end_time = end
        trigger_urgently(self.stop_event)

    def run(self) -> None:
        env = self.env
        Due(env, self.prepared.horizon, NORMAL, self._on_horizon)
        for when, payload in self.prepared.triggers:
            self.pending += 1
            self.triggers_left += 1
            Due(env, when, NORMAL, self._on_trigger, payload)
        if not self.pending:
            self._idle()
        # ``env.run(until=self.stop_event)`` without the exception it ends with: step until
        # the stop event has been processed. The horizon event keeps the queue from running
        # dry before then.
        step = env.step
        stop = self.stop_event
        while not stop.processed:
            step()

    def outcome(self) -> Outcome:
        """The outcome of the finished run."""
        rupture = self.rupture
        reason = self.stop_reason or "horizon"
        return Outcome._build(
            ruptured=rupture is not None,
            time_to_rupture=rupture[0] if rupture else None,
            rupture_date=rupture[1] if rupture else None,
            rupture_pair=rupture[2] if rupture else None,
            rounds=self.rounds,
            peak_severity=self.peak,
            last_mover=self.last,
            stop_reason=reason,
            end_time=self.end_time,
            quiet=reason == "quiet",
            acts=self.acts,
            final=self.state.snapshot(),
        )


class Simulator:
    """Runs one scenario again and again, preparing only once what its runs share.

    ``Simulator(scenario).run(seed)`` gives exactly the run ``simulate(scenario, seed)`` gives;
    the ladder, the initial state, the table of policies and the trigger schedule are built
    once rather than for every run, which counts in ensembles of short runs.

    The scenario of each run comes from a :class:`~escalation.model.parameters.ScenarioSource`:
    by default the scenario itself, or, for a scenario that names a ``posterior``, a particle
    drawn by weight with one uniform number from the run's generator. What a particle's runs
    share is prepared once per particle and process.

    Parameters
    ----------
    scenario
        A :class:`~escalation.model.scenario.Scenario`, a bundled scenario name or a YAML path.
    source
        Where each run's scenario comes from, if not from ``scenario`` as described above
        (the calibration layer passes sources of its own).
    """

    def __init__(self, scenario: Scenario | str | Path, source: ScenarioSource | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.source = source_for(scenario) if source is None else source
        self._version: Hashable = object()  # the source's version the cache was made for
        self._prepared: dict[int, tuple[Scenario, _Prepared]] = {}
        self._environments: list[simpy.Environment] = []

    def __getstate__(self) -> dict[str, Any]:
        # What a Simulator prepared goes with it to a worker; its environments do not.
        return {**self.__dict__, "_environments": []}

    def run(self, seed: Seed = None) -> Run:
        """Run the scenario once with ``seed`` (see :func:`simulate`)."""
        rng, record = as_generator(seed)
        began = _time.perf_counter()
        version, scenario = self.source.pick(rng)
        if version is not self._version:  # first run, or the source changed
            self._version, self._prepared = version, {}
        hit = self._prepared.get(id(scenario))
        if hit is None or hit[0] is not scenario:
            hit = self._prepared[id(scenario)] = (scenario, _Prepared(scenario))
        prepared = hit[1]
        # A run takes an environment from the pool (or makes one) and puts it back when done:
        # ``pop`` and ``append`` are atomic, so threads sharing a Simulator never share one.
        try:
            env = reset(self._environments.pop())
        except IndexError:
            env = simpy.Environment()
        sim = _Simulation(prepared, rng, env)
        sim.run()
        self._environments.append(env)
        return Run(
            scenario=prepared.scenario,
            seed=record,
            events=sim.events,
            outcome=sim.outcome(),
            initial=prepared.initial,
            final=sim.state,
            ladder=sim.ladder,
            runtime=_time.perf_counter() - began,
            problems=sim.problems,
        )


def simulate(scenario: Scenario | str | Path, seed: Seed = None) -> Run:
    """Run ``scenario`` once and return the trajectory.

    Parameters
    ----------
    scenario
        A :class:`~escalation.model.scenario.Scenario`, a bundled scenario name or a YAML path.
    seed
        An int, a :class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`.
        Every random draw of the run comes from it, so the same seed gives the same run.
        ``None`` draws fresh entropy (not reproducible).

    Returns
    -------
    Run
        Events, outcome, initial and final states.

    Notes
    -----
    What a run of a scenario object prepares (see :class:`Simulator`) is kept for the next
    call with the same object, for the last :data:`PREPARED_SCENARIOS` objects used, so that
    ``simulate`` in a loop is as fast as a :class:`Simulator`. Scenarios are immutable, so
    this changes no result. A name or path is read again at every call.
    """
    if isinstance(scenario, Scenario):
        return _simulator_for(scenario).run(seed)
    return Simulator(scenario).run(seed)


#: How many scenario objects :func:`simulate` keeps prepared.
PREPARED_SCENARIOS = 8

_simulators: dict[int, tuple[Scenario, Simulator]] = {}
_simulators_lock = threading.Lock()


def _simulator_for(scenario: Scenario) -> Simulator:
    # Keyed by identity (hashing a scenario means hashing all of it); the entry holds the
    # scenario itself, so its id cannot be reused while the entry lives. Oldest out first.
    key = id(scenario)
    hit = _simulators.get(key)
    if hit is not None and hit[0] is scenario:
        return hit[1]
    sim = Simulator(scenario)
    with _simulators_lock:
        while len(_simulators) >= PREPARED_SCENARIOS:
            _simulators.pop(next(iter(_simulators)), None)
        _simulators[key] = (scenario, sim)
    return sim
