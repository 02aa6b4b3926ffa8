"""Properties that hold for any state, any sequence of measures and any valid scenario."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import as_event
from hypothesis import given
from hypothesis import strategies as st
from strategies import measure_sequences, policies, scenarios, states

import escalation as esc
from escalation.base.errors import InfeasibleMeasureError
from escalation.model.event import Phase
from escalation.model.ladder import DEFAULT_LADDER
from escalation.model.measure import Measure, MeasureKind
from escalation.model.policy import Context
from escalation.model.state import State, Status
from escalation.model.substitution import hostile_candidates, mirror_checked, mirror_of, substitute
from escalation.sim.outcome import count_rounds

STOP_REASONS = {"horizon", "rupture", "quiet", "limit"}


def assert_invariants(state: State) -> None:
    for p in state.presences.values():
        assert p.staff >= 0, p
        if p.cap is not None:
            assert p.cap >= 0 and p.staff <= p.cap, p
        if p.status is not Status.OPEN:
            assert p.staff == 0, p


@given(measure_sequences())
def test_feasible_measures_never_break_the_invariants(case):
    state, sequence = case
    for m in sequence:
        before = state.snapshot()
        if state.feasible(m):
            forced = state.apply(m)
            assert forced >= 0
            if m.kind is not MeasureKind.CAP:
                assert forced == 0
        else:
            with pytest.raises(InfeasibleMeasureError):
                state.apply(m)
            assert state.snapshot() == before
        assert_invariants(state)


@given(states(), st.data())
def test_quick_feasibility_check_agrees_with_the_full_one(state, data):
    # Every kind at every presence (and none), both ways round and between two drawn actors,
    # with the magnitudes at the edges of what is allowed.
    stranger = data.draw(st.tuples(st.sampled_from(state.actors), st.sampled_from(state.actors)))
    for p in [*state.presences.values(), None]:
        edges = {0, 1, 2}
        if p is not None:
            edges |= {p.staff - 1, p.staff, p.staff + 1}
            if p.cap is not None:
                room = p.cap - p.staff
                edges |= {p.cap - 1, p.cap, p.cap + 1, room - 1, room, room + 1}
        pairs = [stranger] if p is None else [(p.owner, p.host), (p.host, p.owner), stranger]
        for kind in MeasureKind:
            for actor, target in pairs:
                for n in sorted(edges):
                    m = Measure(kind, actor, target, p.id if p else None, n)
                    assert state.infeasibility(m) == state._why(m), m


@given(states(), st.data())
def test_a_mirror_said_feasible_is_feasible(state, data):
    actor, other = data.draw(st.permutations(state.actors).map(lambda a: tuple(a[:2])))
    for kind in MeasureKind:
        for n in (0, 1, 2, 5, 12, 25, 31):
            want, feasible = mirror_checked(state, actor, kind, other, n)
            assert want == mirror_of(state, actor, kind, other, n)
            if feasible is not None:
                assert want is not None and feasible == (state.infeasibility(want) is None)


@given(measure_sequences())
def test_staff_change_by_exactly_what_the_measure_says(case):
    state, sequence = case
    for m in sequence:
        if not state.feasible(m) or m.presence is None:
            continue
        p = state.presence(m.presence)
        staff, cap = p.staff, p.cap
        forced = state.apply(m)
        change = {
            MeasureKind.EXPEL: -m.magnitude,
            MeasureKind.RECALL: -m.magnitude,
            MeasureKind.REACCREDIT: m.magnitude,
            MeasureKind.CAP: -forced,
            MeasureKind.DENY: 0,
        }
        if m.kind in change:
            assert p.staff == staff + change[m.kind]
        if m.kind is MeasureKind.CAP:
            assert p.cap == (cap if cap is not None else staff) - m.magnitude


@given(states(), st.data())
def test_substitute_is_feasible_and_severe_enough(state, data):
    actor, target = data.draw(st.permutations(state.actors).map(lambda p: (p[0], p[1])))
    kind = data.draw(st.sampled_from([k for k in MeasureKind if k.is_hostile]))
    pids = [None, *sorted(state.presences)]
    want = Measure(
        kind, actor, target, data.draw(st.sampled_from(pids)), data.draw(st.integers(1, 30))
    )
    floor = DEFAULT_LADDER.severity(kind, want.magnitude)
    got = substitute(state, DEFAULT_LADDER, want)
    if got is None:
        assert not state.feasible(want)
        severe = [
            m
            for m in hostile_candidates(state, actor, target, want.magnitude, DEFAULT_LADDER)
            if DEFAULT_LADDER.severity(m.kind, m.magnitude) >= floor
            and m.kind is not MeasureKind.DENY
        ]
        assert severe == []
    else:
        assert state.feasible(got)
        assert (got.actor, got.target) == (actor, target)
        assert DEFAULT_LADDER.severity(got.kind, got.magnitude) >= floor


@given(policies(), states(), st.data())
def test_plans_are_feasible_for_any_policy_and_state(policy, state, data):
    actor, other = data.draw(st.permutations(state.actors).map(lambda p: (p[0], p[1])))
    kind = data.draw(st.sampled_from(list(MeasureKind)))
    stimulus = Measure(kind, other, actor, data.draw(st.sampled_from([None, *state.presences])))
    event = as_event(stimulus)
    ctx = Context(
        actor=actor,
        counterpart=other,
        stimulus=event,
        severity=event.severity,
        state=state,
        ladder=DEFAULT_LADDER,
        received=[event],
        sent=[],
        time=0.0,
        rng=np.random.default_rng(data.draw(st.integers(0, 2**32))),
        package=[event],
    )
    before = state.snapshot()
    for plan in policy.plan(ctx):
        assert state.feasible(plan.measure)
        assert plan.measure.actor == actor and plan.lag >= 0 and plan.delay >= 0
    assert state.snapshot() == before


@given(scenarios(), st.integers(0, 2**32 - 1))
def test_random_scenarios_run_to_a_consistent_end(scenario, seed):
    run = esc.simulate(scenario, seed=seed)
    out = run.outcome
    assert out.stop_reason in STOP_REASONS
    assert 0 <= out.end_time <= scenario.horizon_days + 1e-9

    events = run.events
    assert [e.id for e in events] == list(range(len(events)))
    times = [e.time for e in events]
    assert times == sorted(times), "time went back"
    assert all(t <= out.end_time + 1e-9 for t in times)

    announced: dict[int, esc.Event] = {}
    for e in events:
        if e.phase is Phase.ANNOUNCED:
            assert e.act not in announced
            announced[e.act] = e
            if e.cause is not None:
                cause = events[e.cause]
                assert cause.phase is Phase.ANNOUNCED
                assert cause.id < e.id and cause.time <= e.time
        elif e.phase in (Phase.EFFECTIVE, Phase.LAPSED):
            first = announced[e.act]  # announced before
            assert first.time <= e.time
            assert (first.measure, first.presence, first.magnitude, first.cause) == (
                e.measure,
                e.presence,
                e.magnitude,
                e.cause,
            )
        else:
            assert e.phase is Phase.INFEASIBLE and e in run.problems

    # Every measure was feasible when announced (the engine skips checks it has made before,
    # so this is checked here from the log) and when it took effect (``apply`` checks).
    state = run.initial.copy()
    for e in events:
        m = Measure(e.measure, e.actor, e.target, e.presence, e.magnitude)
        if e.phase is Phase.ANNOUNCED:
            assert state.infeasibility(m) is None, e
        elif e.phase is Phase.EFFECTIVE:
            state.apply(m)
    # The outcome's counts, kept by the engine as it goes, agree with the log.
    assert count_rounds(events) == (out.rounds, out.peak_severity, out.last_mover)
    assert out.acts == len(announced)

    for _, state in run.states():
        assert_invariants(state)
    assert run.final.snapshot() == out.final
    if out.ruptured:
        assert out.time_to_rupture is not None and out.rupture_pair is not None
        assert run.state_at(out.time_to_rupture).ruptured(*out.rupture_pair)
    if out.stop_reason == "rupture":
        assert out.ruptured and out.end_time == out.time_to_rupture


@given(scenarios(), st.integers(0, 2**32 - 1))
def test_random_scenarios_are_reproducible(scenario, seed):
    first = esc.simulate(scenario, seed=seed)
    second = esc.simulate(scenario, seed=np.random.SeedSequence(seed))
    assert first.events == second.events
    assert first.outcome == second.outcome


BASE = {"reply_probability", "lag", "delay", "perception_noise", "implementation_noise"}
TFT_IN_DISGUISE = [
    (esc.GenerousTitForTat, {"forgiveness": 0.0}),
    (esc.TitForTwoTats, {"tats": 1}),
    (esc.EscalateByK, {"k": 0}),
    (esc.Gradual, {"step": 0, "calming": 0}),
    (esc.Proportional, {"ratio": 1.0}),
]


def recast(scenario: esc.Scenario, cls: type[esc.Policy], own: dict) -> esc.Scenario:
    """The scenario with every policy but scripted ones replaced by ``cls(**own)``."""

    def swap(p: esc.Policy | None) -> esc.Policy | None:
        if p is None or isinstance(p, esc.Scripted):
            return p
        return cls(**p.model_dump(include=BASE), **own)

    actors = [
        a.model_copy(update={"policy": swap(a.policy), "policies": {
            b: swap(p) for b, p in a.policies.items()
        }})
        for a in scenario.actors
    ]  # fmt: skip
    return scenario.replace(actors=actors)


@given(scenarios(), st.integers(0, 2**32 - 1), st.sampled_from(TFT_IN_DISGUISE))
def test_tit_for_tat_identities_hold_in_any_scenario(scenario, seed, variant):
    cls, own = variant
    tft = esc.simulate(recast(scenario, esc.TitForTat, {}), seed=seed)
    other = esc.simulate(recast(scenario, cls, own), seed=seed)
    assert other.events == tft.events
