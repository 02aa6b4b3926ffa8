"""Issue 12, item 4: a run's work is bounded, zero lags included.

A policy keeps what it needs about a counterpart in ``ctx.memo`` (gradual's moves and last
answer, tit-for-two-tats' last moves, grim trigger's verdict, grievance's decayed sums at the
current instant, reciprocity's stock), so a decision costs the same however long the run;
``MAX_ACTS`` then bounds the acts, and with them the work, of a run whose answers come at
once (lag 0). Before, one such run of gradual took 249 s and of grievance 847 s.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios

import escalation as esc
from escalation.sim import play

ZERO_LAG = """\
name: zero-lag
start: 2021-01-01
actors:
  - {{id: a, policy: {{type: {policy}, lag: {{median: 0}}, delay: {{median: 0}}}}}}
  - {{id: b, policy: {{type: tit-for-tat, lag: {{median: 0}}, delay: {{median: 0}}}}}}
presences:
  - {{id: a-in-b, owner: a, host: b, staff: 20}}
  - {{id: b-in-a, owner: b, host: a, staff: 20}}
triggers:
  - {{actor: b, target: a, measure: criticize, day: 1}}
stop: {{rupture: false}}
"""
STOP_REASONS = {"horizon", "rupture", "quiet", "limit"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "policy",
    [
        "gradual, step: 0, calming: 0",
        "grievance, threshold: 0.5",
        "tit-for-two-tats, tats: 1",
        "tit-for-tat",
    ],
)
def test_zero_lag_exchange_stops_at_the_limit_in_linear_time(tmp_path, policy: str) -> None:
    """Answers at one instant, forever: the run stops at MAX_ACTS, in seconds not minutes."""
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO_LAG.format(policy=policy))
    scenario = esc.load_scenario(path)
    began = time.perf_counter()
    outcome = esc.simulate(scenario, seed=0).outcome
    seconds = time.perf_counter() - began
    assert (outcome.stop_reason, outcome.acts) == ("limit", play.MAX_ACTS)
    assert seconds < 60, f"{seconds:.0f} s for {play.MAX_ACTS:,} acts: quadratic again?"


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=timedelta(seconds=30),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios(zero_lags=True), st.integers(0, 2**32 - 1))
def test_scenarios_with_zero_lags_finish(scenario: esc.Scenario, seed: int) -> None:
    """Random scenarios, lags of median 0 among them: every run ends, within the deadline."""
    outcome = esc.simulate(scenario, seed=seed).outcome
    assert outcome.stop_reason in STOP_REASONS
    assert outcome.acts <= play.MAX_ACTS
