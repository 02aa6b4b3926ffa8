"""One run while it runs: the callbacks of its SimPy events, its state, log and counts.

The rules it follows (order of simultaneous events, packages, stop rules, re-checks) are set
out in ``docs/engine.md``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import simpy

from escalation.base.stream import Stream
from escalation.model.event import Event, Phase
from escalation.model.measure import Measure, MeasureKind
from escalation.model.policy import Context
from escalation.model.substitution import substitute
from escalation.sim.kernel import NORMAL, URGENT, Due, trigger_urgently
from escalation.sim.outcome import Outcome
from escalation.sim.prepared import Prepared

#: Most measures announced in one run before it stops with the reason ``"limit"``.
MAX_ACTS = 100_000


_new_event = tuple.__new__  # builds an Event from its fields without NamedTuple's __new__


class Play:
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
        "memos",
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
        "ruptures",
        "state",
        "stop_event",
        "stop_reason",
        "trigger_events",
        "triggers_left",
    )

    def __init__(self, prepared: Prepared, rng: Stream, env: simpy.Environment):
        self.prepared = prepared
        self.rng = rng
        self.ladder = prepared.ladder
        self.env = env
        self.state = prepared.initial._clone()
        self.events: list[Event] = []
        self.problems: list[Event] = []
        # Announced events by one actor against another, keyed (target, actor): what the
        # target has received (memory first); a pair's list is made when first needed, so a
        # run costs nothing for the pairs it never involves.
        self.received: dict[tuple[str, str], list[Event]] = {}
        self.packages: dict[tuple[str, str], list[Event]] = {}
        self.memos: dict[tuple[str, str], dict[str, Any]] = {}  # see Context.memo
        self.pending = 0  # events scheduled that may still announce or change something
        self.acts = 0
        self.rounds = 0  # outcome counts, kept as the run goes (see escalation.sim.outcome)
        self.peak = 0
        self.last: str | None = None
        self.last_announce = 0.0
        self.quiet_check = False
        self.triggers_left = 0
        self.rupture: tuple[float, date, tuple[str, str]] | None = None
        self.ruptures: dict[tuple[str, str], float] = {}  # each pair's first rupture
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
        if kind is MeasureKind.CLOSE or kind is MeasureKind.SUSPEND:
            a, b = sorted((m.actor, m.target))
            if (a, b) not in self.ruptures and state.ruptured(a, b):
                self._ruptured(a, b, now)
        if not self.pending:
            self._idle()

    def _ruptured(self, a: str, b: str, now: float) -> None:
        # The pair (a, b) has just ruptured: note it, and stop if the stop rule says so.
        self.ruptures[a, b] = now
        if self.rupture is None:
            self.rupture = (now, self.prepared.date(now), (a, b))
        rule = self.prepared.rupture_rule
        if rule == "none":
            return
        if rule == "any":
            stop = True
        elif rule == "all":
            stop = all(pair in self.ruptures for pair in self.state.pairs())
        else:
            stop = frozenset((a, b)) in rule
        if stop:
            self._stop("rupture", now)

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
        if not kind._no_presence:
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
        self._received(key).append(ev)
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

    def _received(self, key: tuple[str, str]) -> list[Event]:
        got = self.received.get(key)
        if got is None:
            got = self.received[key] = list(self.prepared.memory.get(key, ()))
        return got

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
        state = self.state
        ctx = Context(
            key[0],
            key[1],
            stimulus,
            stimulus.severity,
            state,
            self.ladder,
            self._received(key),
            self._received((key[1], key[0])),
            stimulus.time,
            self.rng,
            package,
            self.memos.setdefault(key, {}),
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
        """Play the run to its end: schedule the horizon and the triggers, then step."""
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
            ruptures=dict(self.ruptures),
        )
