"""What every run of a scenario shares and never changes, built once per scenario."""

from __future__ import annotations

from datetime import date

from escalation.model.event import Event, Phase
from escalation.model.policy import Policy
from escalation.model.scenario import Scenario
from escalation.model.trigger import Trigger


class Prepared:
    """What every run of a scenario shares and never changes: built once per scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.ladder = scenario.build_ladder()
        # Copied by every run, never run itself; shared by the runs' records (read-only).
        self.initial = scenario.initial_state().share()
        self.start_ordinal = scenario.start.toordinal()
        self.horizon = scenario.horizon_days
        self.quiet_days = scenario.stop.quiet_days
        self.rupture_rule = scenario.stop.rupture_rule
        ids = [a.id for a in scenario.actors]
        self.policies = {
            (a.id, b): a.policy_toward(b) for a in scenario.actors for b in ids if b != a.id
        }
        # Whether the engine may trust a policy's plans to be feasible when made (the base
        # ``Policy.plan`` guarantees it; an overriding ``plan`` is checked at announcement).
        trusted: dict[type, bool] = {}
        for p in self.policies.values():
            trusted.setdefault(type(p), type(p).plan is Policy.plan)
        self.deciders = {key: (p, trusted[type(p)]) for key, p in self.policies.items()}
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
        # Only pairs with something remembered have an entry (runs read it with .get).
        self.memory: dict[tuple[str, str], list[Event]] = {}
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
