"""Issue 12, item 4: a run's work is bounded, zero lags included.

A policy keeps what it needs about a counterpart in ``ctx.memo`` (gradual's moves and last
answer, tit-for-two-tats' last moves, grim trigger's verdict, grievance's running stocks,
reciprocity's stock), so a decision costs the same however long the run; ``MAX_ACTS`` then
bounds the acts, and with them the work, of a run whose answers come at once (lag 0). Before,
one such run of gradual took 249 s and of grievance 847 s. With tiny non-zero lags every
decision is at a new instant: grievance's stocks (issue 13, item 4) keep those runs linear too,
on both engines.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios

import escalation as esc
from escalation.ensemble.chunk import run_chunk
from escalation.sim import batch, play

ZERO_LAG = """\
name: zero-lag
start: 2021-01-01
actors:
  - {{id: a, policy: {{type: {policy}, lag: {{median: {lag}}}, delay: {{median: 0}}}}}}
  - {{id: b, policy: {{type: {answer}, lag: {{median: {lag}}}, delay: {{median: 0}}}}}}
presences:
  - {{id: a-in-b, owner: a, host: b, staff: 20}}
  - {{id: b-in-a, owner: b, host: a, staff: 20}}
triggers:
  - {{actor: b, target: a, measure: criticize, day: 1}}
stop: {{rupture: false}}
horizon_days: {horizon}
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
    path.write_text(ZERO_LAG.format(policy=policy, answer="tit-for-tat", lag=0, horizon=730))
    scenario = esc.load_scenario(path)
    began = time.perf_counter()
    outcome = esc.simulate(scenario, seed=0).outcome
    seconds = time.perf_counter() - began
    assert (outcome.stop_reason, outcome.acts) == ("limit", play.MAX_ACTS)
    assert seconds < 60, f"{seconds:.0f} s for {play.MAX_ACTS:,} acts: quadratic again?"


def exchange(tmp_path, policy: str, answer: str, lag: float, horizon: float) -> esc.Scenario:
    path = tmp_path / "exchange.yaml"
    path.write_text(ZERO_LAG.format(policy=policy, answer=answer, lag=lag, horizon=horizon))
    return esc.load_scenario(path)


@pytest.mark.slow
def test_tiny_lag_grievance_stops_at_the_limit_in_linear_time(tmp_path) -> None:
    """Lags of about 0.001 day: each decision at a new instant; 100,000 acts in seconds.

    Grievance re-summed its whole history at each of them: quadratic, about 15 minutes.
    """
    scenario = exchange(tmp_path, "grievance, threshold: 0.1", "tit-for-tat", 1e-3, 730)
    began = time.perf_counter()
    outcome = esc.simulate(scenario, seed=0).outcome
    seconds = time.perf_counter() - began
    assert (outcome.stop_reason, outcome.acts) == ("limit", play.MAX_ACTS)
    assert seconds < 60, f"{seconds:.0f} s for {play.MAX_ACTS:,} acts: quadratic again?"


@pytest.mark.slow
@pytest.mark.skipif(not batch.available(), reason="numba is not installed")
def test_tiny_lag_grievance_costs_the_batch_engine_what_tit_for_tat_does(tmp_path) -> None:
    """On the batch engine, grievance's runs of 13,000 acts at tiny lags take about as long as
    tit-for-tat's (not 50 times as long), and are the SimPy engine's."""
    grievance = exchange(tmp_path, "grievance, threshold: 0.1", "tit-for-tat", 1e-3, 15)
    plain = exchange(tmp_path, "tit-for-tat", "tit-for-tat", 1e-3, 15)
    fast = run_chunk(grievance, 3, 0, 2, engine="batch").columns
    slow = run_chunk(grievance, 3, 0, 2, engine="simpy").columns
    assert all(np.array_equal(fast[k], slow[k], equal_nan=True) for k in slow)
    seconds = {}
    for name, scenario in (("grievance", grievance), ("plain", plain)):
        got = batch.run_batch(scenario, 1, 0, 1)  # compiled, and loaded, before timing
        began = time.perf_counter()
        got = batch.run_batch(scenario, 2, 0, 30)
        seconds[name] = time.perf_counter() - began
        assert got.overflow.size == 0 and got.columns["acts"].min() > 10_000, name
    assert seconds["grievance"] < 4 * seconds["plain"] + 0.5, seconds


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
