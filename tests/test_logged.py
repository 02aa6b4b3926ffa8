"""Calibration on the batch engine gives the SimPy engine's summaries, row for row (issue 13).

The batch engine can keep a bounded event log per run (escalation/sim/batch/eventlog.py);
escalation/sim/batch/logs.py rebuilds the events from it, and the calibration's models
summarise them with the same functions as SimPy runs (escalation/calibrate/logged.py). The
summaries must be *equal*, not close: the same events in the same order give the same
floating-point operations in the same order.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import scenarios

import escalation as esc
from escalation.base.stream import seed_key
from escalation.calibrate import logged
from escalation.calibrate.episodefile import load_episode_set
from escalation.calibrate.episodeset import EpisodeSet, EpisodeSetModel
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.problem import CalibrationProblem, ScenarioModel
from escalation.model.scenario import bundled_dir
from escalation.sim import batch
from escalation.sim.batch import logs
from escalation.sim.batch.logs import LogPlayer
from escalation.validate.predict import Prediction, predict

pytestmark = pytest.mark.skipif(not batch.available(), reason="numba is not installed")

FITS = bundled_dir("scenarios") / "fits"
BUNDLED = ["two-states", "three-actors", "nato-russia-2018", "nato-russia-2021", "skripal-2018"]


@pytest.fixture(scope="module")
def episodes() -> EpisodeSet:
    return load_episode_set(FITS / "nato-russia-episodes.yaml")


def _on_simpy(model: EpisodeSetModel) -> EpisodeSetModel:
    return EpisodeSetModel(
        tuple(dataclasses.replace(m, engine="simpy") for m in model.models), model.index
    )


def _thetas(episodes: EpisodeSet, n: int) -> np.ndarray:
    """Prior draws and particles of the bundled posterior (where the fit spends its time)."""
    post = Posterior.load(bundled_dir("scenarios") / "nato-russia-posterior.json")
    prior = episodes.priors.sample(np.random.default_rng(1), n // 2)
    particles = np.asarray(post.particles)[: n - n // 2]
    return np.concatenate([prior, particles])


@pytest.mark.parametrize("name", BUNDLED)
def test_logged_events_are_the_simpy_engines(name: str) -> None:
    scenario = esc.load_scenario(name)
    seeds = np.random.SeedSequence(8).spawn(40)
    runs = LogPlayer(scenario).play([seed_key(s) for s in seeds])
    assert all(r is not None for r in runs)
    for seq, got in zip(seeds, runs, strict=True):
        want = esc.simulate(scenario, seed=seq)
        assert got is not None
        # every field but note and source (free text the batch engine does not keep)
        assert [e[:15] for e in got.events] == [e[:15] for e in want.events]
        assert [tuple(map(type, e)) for e in got.events] == [
            tuple(map(type, e)) for e in want.events
        ]
        assert got.final.snapshot() == want.final.snapshot()
        assert got.start == want.start and got.initial is not None


@given(scenarios(), st.integers(0, 2**32))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_random_scenarios_log_the_simpy_engines_events(scenario: esc.Scenario, root: int) -> None:
    # scripted acts that are no longer feasible, substitutions, lapses, memory, stop rules
    assume(batch.uncovered(scenario) is None)
    seeds = np.random.SeedSequence(root).spawn(6)
    for seq, got in zip(
        seeds, LogPlayer(scenario).play([seed_key(s) for s in seeds]), strict=True
    ):
        want = esc.simulate(scenario, seed=seq)
        if got is None:  # outgrew the log
            assert len(want.events) > logs.DEFAULT_LOG
            continue
        assert [e[:15] for e in got.events] == [e[:15] for e in want.events]
        assert got.final.snapshot() == want.final.snapshot()


def test_the_bundled_episode_set_summarises_alike_on_both_engines(episodes: EpisodeSet) -> None:
    model = episodes.simulator
    assert all(logged.why_not(m) is None for m in model.models)
    n = 160
    thetas = _thetas(episodes, n)
    seeds = np.random.SeedSequence(2024).spawn(n)
    fast = model(thetas, seeds)
    slow = _on_simpy(model)(thetas, seeds)
    assert fast.shape == (n, len(episodes.names))
    np.testing.assert_array_equal(fast, slow)  # exactly, every row and summary
    # rows in C order, as before: ABC distances sum along memory (last bits of the distances)
    assert fast.flags.c_contiguous
    # the rows vary (a test of equal constants would prove nothing)
    assert all(len(np.unique(fast[:, j])) > 1 for j in range(fast.shape[1]) if j != 5)


def test_a_single_history_problem_summarises_alike_on_both_engines() -> None:
    problem = CalibrationProblem.build(
        "nato-russia-2021", "nato-russia", FITS / "nato-russia-priors.yaml", window_days=30
    )
    model = problem.simulator
    assert logged.why_not(model) is None
    n = 200
    thetas = problem.priors.sample(np.random.default_rng(4), n)
    seeds = np.random.SeedSequence(99).spawn(n)
    fast = model(thetas, seeds)
    slow = dataclasses.replace(model, engine="simpy")(thetas, seeds)
    np.testing.assert_array_equal(fast, slow)
    assert len({tuple(row) for row in fast}) > 10


def test_runs_that_outgrow_the_log_are_played_on_simpy(
    episodes: EpisodeSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logs, "DEFAULT_LOG", 100)  # the wave's runs log 64 to 134 events
    monkeypatch.setattr(logged, "_players", {})
    model = episodes.simulator
    wave = model.models[0]
    player, why = logged._player(wave)
    assert why is None and player is not None and player.log == 100
    n = 30
    thetas = _thetas(episodes, n)
    seeds = [np.random.SeedSequence(5, spawn_key=(i, 0)) for i in range(n)]
    played = player.play(
        [seed_key(s) for s in seeds], player.tables([wave.priors.apply(t) for t in thetas])
    )
    assert 0 < sum(r is None for r in played) < n  # some overflow, some do not
    fast = wave(thetas, seeds)
    slow = dataclasses.replace(wave, engine="simpy")(thetas, seeds)
    np.testing.assert_array_equal(fast, slow)


def test_summaries_that_may_read_more_than_the_log_stay_on_simpy(episodes: EpisodeSet) -> None:
    base = episodes.simulator.models[1]

    class Acts:
        names = ("acts",)

        def compute(self, run: esc.Run) -> np.ndarray:
            return np.array([float(run.outcome.acts)])

    model = ScenarioModel(base.scenario, base.priors, Acts())
    assert "summaries of type Acts" in (logged.why_not(model) or "")
    thetas = episodes.priors.sample(np.random.default_rng(0), 3)
    seeds = np.random.SeedSequence(0).spawn(3)
    assert model(thetas, seeds).shape == (3, 1)
    with pytest.raises(ValueError, match="batch engine cannot"):
        dataclasses.replace(model, engine="batch")(thetas, seeds)


def _same_draws(a: Prediction, b: Prediction) -> None:
    assert a.dyads == b.dyads and a.runs == b.runs
    for key in a.dyads:
        for name in ("answered", "lag", "answer_kind", "ratio", "ruptured", "time_to_rupture"):
            x, y = getattr(a.draws[key], name), getattr(b.draws[key], name)
            if x.dtype.kind == "f":
                np.testing.assert_array_equal(x, y)  # nan where nan, equal elsewhere
            else:
                assert list(x) == list(y), (key, name)


@pytest.mark.parametrize("scenario", ["nato-russia-2021", "skripal-2018"])
def test_predictions_are_the_same_on_both_engines(scenario: str) -> None:
    post = Posterior.load(bundled_dir("scenarios") / "nato-russia-posterior.json")
    fast = predict(post, scenario, runs=150, seed=3, engine="batch")
    slow = predict(post, scenario, runs=150, seed=3, engine="simpy")
    _same_draws(fast, slow)
    assert any(len(np.unique(d.lag[d.answered])) > 10 for d in fast.draws.values())


def test_a_scenarios_own_posterior_predicts_alike_on_both_engines() -> None:
    # nato-russia-2021 names the bundled posterior: each run draws its particle itself
    fast = predict("nato-russia-2021", runs=150, seed=4, engine="batch")
    _same_draws(fast, predict("nato-russia-2021", runs=150, seed=4, engine="simpy"))
