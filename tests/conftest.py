"""Shared test set-up: a headless plotting backend, hypothesis profiles, small factories.

The factories build the same small two-actor world everywhere, so that a reader of one test
file knows the numbers used in the others:

* ``a-in-b``: owned by ``a``, hosted by ``b``, 10 staff, cap 12;
* ``b-in-a``: owned by ``b``, hosted by ``a``, 6 staff, no cap;
* ``a-office-b``: owned by ``a``, hosted by ``b``, 2 staff, no cap.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import escalation as esc
from escalation.model.event import Event, Phase
from escalation.model.ladder import DEFAULT_LADDER, Ladder
from escalation.model.measure import Measure, MeasureKind
from escalation.model.policy import Context
from escalation.model.state import Presence, State, Status

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# For a longer hunt: python -m pytest tests/test_properties.py --hypothesis-profile=thorough
settings.register_profile("thorough", max_examples=2_000, deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

START = date(2024, 1, 1)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the batch engine once, before any test and before any xdist worker starts.

    A new installation compiles its kernels on first use (over a minute; cached on disk after,
    see ``escalation/sim/batch``). Done here, in the controlling process only, the workers and
    the subprocesses that tests start load the cache instead of each compiling it while a
    test's clock runs.
    """
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller has compiled already
    from escalation.sim.batch import available, run_batch

    if available():
        from escalation.sim.batch.logs import LogPlayer

        scenario = esc.load_scenario("two-states")
        run_batch(scenario, 0, 0, 1)
        LogPlayer(scenario).play([0])  # runs with event logs


def presences(**changes: dict[str, Any]) -> list[Presence]:
    """The standard presences, each optionally changed: ``presences(a_in_b={"staff": 0})``."""
    base = {
        "a-in-b": Presence("a-in-b", owner="a", host="b", staff=10, cap=12),
        "b-in-a": Presence("b-in-a", owner="b", host="a", staff=6),
        "a-office-b": Presence("a-office-b", owner="a", host="b", staff=2),
    }
    out = []
    for pid, p in base.items():
        for field, value in changes.get(pid.replace("-", "_"), {}).items():
            setattr(p, field, value)
        out.append(p)
    return out


@pytest.fixture
def world() -> Callable[..., State]:
    """Factory of the standard two-actor state (see the module docstring)."""

    def make(**changes: dict[str, Any]) -> State:
        return State(["a", "b"], presences(**changes))

    return make


def as_event(
    m: Measure,
    *,
    eid: int = 0,
    time: float = 0.0,
    ladder: Ladder = DEFAULT_LADDER,
    phase: Phase = Phase.ANNOUNCED,
    cause: int | None = None,
) -> Event:
    """An announced event for measure ``m``, as the engine would log it."""
    return Event(
        id=eid,
        act=eid,
        phase=phase,
        time=time,
        date=START + timedelta(days=int(time)),
        actor=m.actor,
        target=m.target,
        measure=m.kind,
        presence=m.presence,
        magnitude=m.magnitude,
        severity=ladder.severity(m.kind, m.magnitude),
        cause=cause,
        cameo=ladder.cameo(m.kind),
        goldstein=ladder.goldstein(m.kind),
    )


@pytest.fixture
def context() -> Callable[..., Context]:
    """Factory of a policy context in which ``stimulus.target`` answers ``stimulus``.

    ``received`` and ``sent`` are earlier events (the stimulus is appended to ``received``);
    ids follow their order, so that the stimulus always has the highest id.
    """

    def make(
        state: State,
        stimulus: Measure,
        *,
        seed: int | np.random.Generator = 0,
        time: float | None = None,
        received: Sequence[Event] = (),
        sent: Sequence[Event] = (),
        ladder: Ladder = DEFAULT_LADDER,
    ) -> Context:
        earlier = [*received, *sent]
        now = max((e.time for e in earlier), default=0.0) if time is None else time
        eid = max((e.id for e in earlier), default=-1) + 1
        event = as_event(stimulus, eid=eid, time=now, ladder=ladder)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return Context(
            actor=stimulus.target,
            counterpart=stimulus.actor,
            stimulus=event,
            severity=event.severity,
            state=state,
            ladder=ladder,
            received=[*received, event],
            sent=list(sent),
            time=now,
            rng=rng,
            package=[event],
        )

    return make


def two_actor_scenario(
    policy_a: esc.Policy | None = None,
    policy_b: esc.Policy | None = None,
    *,
    triggers: Sequence[esc.Trigger] = (),
    horizon: float = 365.0,
    rupture: bool = True,
    quiet: float | None = None,
    presence_specs: Sequence[esc.PresenceSpec] | None = None,
    name: str = "test",
) -> esc.Scenario:
    """The standard world as a scenario, with the given policies and triggers."""
    specs = presence_specs
    if specs is None:
        specs = [
            esc.PresenceSpec(
                id=p.id, owner=p.owner, host=p.host, staff=p.staff, cap=p.cap, status=p.status
            )
            for p in presences()
        ]
    return esc.Scenario(
        name=name,
        start=START,
        horizon_days=horizon,
        actors=[esc.Actor(id="a", policy=policy_a), esc.Actor(id="b", policy=policy_b)],
        presences=specs,
        triggers=list(triggers),
        stop=esc.StopRules(rupture=rupture, quiet_days=quiet),
    )


@pytest.fixture
def scenario() -> Callable[..., esc.Scenario]:
    """Factory of a two-actor scenario on the standard world (see :func:`two_actor_scenario`)."""
    return two_actor_scenario


def trigger(
    actor: str, target: str, kind: str, presence: str | None = None, n: int = 1, **kw: Any
) -> esc.Trigger:
    """A trigger on day 0 unless ``day`` or ``date`` is given."""
    if "date" not in kw:
        kw.setdefault("day", 0)
    return esc.Trigger(
        actor=actor, target=target, measure=kind, presence=presence, magnitude=n, **kw
    )


@pytest.fixture
def make_trigger() -> Callable[..., esc.Trigger]:
    """Factory of triggers (see :func:`trigger`)."""
    return trigger


def measure(
    kind: str, actor: str, target: str, presence: str | None = None, n: int = 1
) -> Measure:
    """Shorthand for a :class:`Measure`."""
    return Measure(MeasureKind(kind), actor, target, presence, n)


__all__ = ["START", "Status", "as_event", "measure", "presences", "trigger", "two_actor_scenario"]
