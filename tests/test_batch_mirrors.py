"""The batch engine on what issue 10 added: mirrored presences, memory, reciprocity, new kinds.

Random scenarios (tests/strategies.py) get presences that mirror their counterparts'
(``mirrors:``), remembered measures (``memory:``, ``restrict`` and ``reduce`` among them) and,
often, the reciprocity policy, whose grievance stock folds what is remembered; both engines
must then give identical outcome columns run for run, as on the bundled scenarios.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import START, policies, scenarios
from test_batch import assert_identical

import escalation as esc
from escalation.ensemble.chunk import run_chunk
from escalation.model.measure import MeasureKind
from escalation.sim import batch

pytestmark = pytest.mark.skipif(not batch.available(), reason="numba is not installed")

RECIPROCITY = st.builds(
    esc.Reciprocity,
    threshold=st.floats(0.5, 12.0),
    slope=st.floats(0.2, 10.0),
    rupture_gap=st.none() | st.floats(0.5, 20.0),
    half_life=st.floats(5.0, 2000.0),
    ratio=st.floats(0.2, 3.0),
    lag=st.builds(esc.Delay, median=st.floats(0.0, 10.0), sigma=st.floats(0.0, 1.0)),
    delay=st.builds(esc.Delay, median=st.floats(0.0, 10.0), sigma=st.floats(0.0, 1.0)),
    perception_noise=st.floats(0.0, 0.5),
    implementation_noise=st.floats(0.0, 0.5),
)


@st.composite
def remembered(draw: st.DrawFn, scenario: esc.Scenario) -> esc.Trigger:
    """A measure before the start: any kind, at a presence between its actors when it needs one."""
    ids = [a.id for a in scenario.actors]
    actor, target = draw(st.permutations(ids).map(lambda p: (p[0], p[1])))
    between = [p.id for p in scenario.presences if {p.owner, p.host} == {actor, target}]
    kind = draw(st.sampled_from([k for k in MeasureKind if not k.needs_presence or between]))
    return esc.Trigger(
        actor=actor,
        target=target,
        measure=kind,
        presence=draw(st.sampled_from(between)) if kind.needs_presence else None,
        magnitude=draw(st.integers(1, 12)),
        date=START - timedelta(days=draw(st.integers(1, 3)) * draw(st.sampled_from([1, 30]))),
    )


@st.composite
def mirrored_scenarios(draw: st.DrawFn) -> esc.Scenario:
    """A random scenario with mirrored presences, memory and (often) reciprocity."""
    base = draw(scenarios())
    pres = []
    for p in base.presences:
        twins = [q.id for q in base.presences if (q.owner, q.host) == (p.host, p.owner)]
        mirrors = draw(st.none() | st.sampled_from(twins)) if twins else None
        pres.append(p.model_copy(update={"mirrors": mirrors}))
    actors = []
    for a in base.actors:
        policy = draw(st.sampled_from(["keep", "reciprocity", "other"]))
        if policy == "reciprocity":
            a = a.model_copy(update={"policy": draw(RECIPROCITY), "policies": {}})
        elif policy == "other":
            a = a.model_copy(update={"policy": draw(policies())})
        actors.append(a)
    fields = {name: getattr(base, name) for name in type(base).model_fields}
    fields.update(actors=actors, presences=pres)
    scenario = esc.Scenario(**fields)
    memory = draw(st.lists(remembered(scenario), max_size=6))
    return esc.Scenario(**{**fields, "memory": memory})


@pytest.mark.slow
@given(mirrored_scenarios(), st.integers(0, 2**63))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_mirrors_memory_and_reciprocity_are_identical_run_for_run(
    scenario: esc.Scenario, root: int
) -> None:
    assert batch.uncovered(scenario) is None
    fast = run_chunk(scenario, root, 0, 12, engine="batch")
    slow = run_chunk(scenario, root, 0, 12, engine="simpy")
    assert slow.errors == {}
    assert_identical(fast.columns, slow.columns)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["kommersant", "end-october", "replay"])
def test_bundled_variants_are_identical_run_for_run(variant: str) -> None:
    scenario = esc.load_scenario("nato-russia-2021").variant(variant)
    assert batch.uncovered(scenario) is None
    fast = run_chunk(scenario, 11, 0, 300, engine="batch")
    slow = run_chunk(scenario, 11, 0, 300, engine="simpy")
    assert_identical(fast.columns, slow.columns)
