"""The batch engine computes what the SimPy engine computes, run for run.

Both engines draw from the same counter-based stream in the same order, so given the same
root seed every outcome column must be identical (not merely alike in distribution): on every
bundled scenario, and on random scenarios over every built-in policy (tests/strategies.py).
The compiled pieces are checked one by one against the library's pure-Python originals too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import scenarios

import escalation as esc
from escalation.base.stream import Stream, seed_key
from escalation.ensemble.chunk import run_chunk
from escalation.ensemble.runner import choose_engine, run_ensemble
from escalation.model.policies import BUILTIN_POLICIES
from escalation.sim import batch

pytestmark = pytest.mark.skipif(not batch.available(), reason="numba is not installed")

BUNDLED = [
    "two-states",
    "three-actors",
    "nato-russia-2018",
    "nato-russia-2021",
    "nato-russia-calibration",
    "skripal-2018",
]


def assert_identical(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        same = np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f")
        assert same, f"{name}: first difference at run {np.flatnonzero(a[name] != b[name])[:1]}"


@given(st.integers(0, 2**128 - 1), st.integers(0, 2**31))
@settings(max_examples=200, deadline=None)
def test_seed_hash_is_numpys(root: int, child: int) -> None:
    from escalation.sim.batch.draws import seed_key as compiled_key

    words = batch.root_words(root)
    assert words is not None
    expected = seed_key(np.random.SeedSequence(root, spawn_key=(child,)))
    assert int(compiled_key(words, child)) == expected


@given(st.integers(0, 2**64 - 1), st.floats(0.0, 100.0), st.floats(0.0, 5.0))
@settings(max_examples=200, deadline=None)
def test_compiled_draws_are_the_streams(key: int, median: float, sigma: float) -> None:
    from escalation.sim.batch.draws import draw_delay, normal, uniform

    s = Stream(key)
    ctr = np.zeros(1, dtype=np.int64)
    k = np.uint64(key)
    assert [uniform(k, ctr, 0) for _ in range(3)] == [s.random() for _ in range(3)]
    assert normal(k, ctr, 0) == s.standard_normal()
    assert draw_delay(median, sigma, k, ctr, 0) == esc.Delay(median=median, sigma=sigma).draw(s)
    assert ctr[0] == s.counter


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenarios_are_identical_run_for_run(name: str) -> None:
    scenario = esc.load_scenario(name)
    assert batch.uncovered(scenario) is None
    fast = run_ensemble(scenario, 400, 2024, engine="batch")
    slow = run_ensemble(scenario, 400, 2024, engine="simpy")
    assert_identical(fast.outcomes, slow.outcomes)


@pytest.mark.slow
@given(scenarios(), st.integers(0, 2**63))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
def test_random_scenarios_are_identical_run_for_run(scenario: esc.Scenario, root: int) -> None:
    assume(batch.uncovered(scenario) is None)
    fast = run_chunk(scenario, root, 0, 12, engine="batch")
    slow = run_chunk(scenario, root, 0, 12, engine="simpy")
    assert slow.errors == {}
    assert_identical(fast.columns, slow.columns)


def test_every_built_in_policy_is_covered() -> None:
    from escalation.sim.batch.compile import POLICY_CODES

    assert set(BUILTIN_POLICIES.values()) <= set(POLICY_CODES)


def test_runs_that_outgrow_the_buffers_go_to_simpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from escalation.sim.batch import compile as compiled

    scenario = esc.load_scenario("two-states")
    monkeypatch.setattr(compiled, "MEASURES", 3)  # most runs plan more measures than that
    batch._compiled.clear()
    try:
        result = batch.run_batch(scenario, 5, 0, 50)
        assert result.overflow.size > 0
        fast = run_chunk(scenario, 5, 0, 50, engine="batch")
    finally:
        batch._compiled.clear()
    assert_identical(fast.columns, run_chunk(scenario, 5, 0, 50, engine="simpy").columns)


def _stern(ctx):  # a user-written policy (module level, so that it pickles)
    return ctx.act("threaten")


def test_auto_uses_batch_and_says_once_why_not() -> None:
    scenario = esc.load_scenario("two-states")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert choose_engine("auto", scenario, "outcomes") == "batch"
        assert choose_engine("auto", scenario, "events") == "simpy"  # silently
        assert choose_engine("simpy", scenario, "outcomes") == "simpy"
    with pytest.warns(UserWarning, match="keeps no event logs"):
        assert choose_engine("batch", scenario, "events") == "simpy"
    own = scenario.with_policy("a", esc.as_policy(_stern))
    with pytest.warns(UserWarning, match="SimPy engine: actor 'a'") as caught:
        ensemble = run_ensemble(own, 20, 1)
    assert len(caught) == 1
    assert ensemble.outcomes["acts"].min() >= 1
    with pytest.raises(ValueError, match="engine must be one of"):
        choose_engine("fast", scenario, "outcomes")
