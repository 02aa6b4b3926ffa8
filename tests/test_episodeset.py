"""Episode sets: several episodes sharing parameters, summaries pooled over dyads, weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from escalation.base.errors import InputError
from escalation.calibrate.checks import predictive_checks
from escalation.calibrate.driver import calibrate
from escalation.calibrate.episodefile import load_episode_set
from escalation.calibrate.episodeset import Episode, EpisodeSet, problem_of
from escalation.calibrate.pooled import PooledSummaries, dyad_answers
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import as_priors
from escalation.calibrate.smc import smc
from escalation.cli import main
from escalation.model.scenario import Scenario
from escalation.sim.history import load_history, replay

INITIATORS = ("a", "b", "c")
PRIORS = {
    "parameters": {
        "r.reply_probability": {"dist": "uniform", "low": 0.0, "high": 1.0},
        "r.lag.median": {"dist": "loguniform", "low": 1.0, "high": 60.0},
    }
}


def _presences() -> list[dict]:
    out = []
    for i in INITIATORS:
        out += [
            {"id": f"r-at-{i}", "owner": "r", "host": i, "staff": 30},
            {"id": f"{i}-at-r", "owner": i, "host": "r", "staff": 30},
        ]
    return out


def _wave() -> Scenario:
    """Three initiators expel 2, 3, 4 of r's staff on days 1-3; r answers by tit-for-tat."""
    policy = {
        "type": "tit-for-tat",
        "reply_probability": 0.9,
        "lag": {"median": 4, "sigma": 0.3},
        "delay": {"median": 7, "sigma": 0.3},
    }
    triggers = [
        {
            "id": f"{i}-x",
            "day": 1 + k,
            "actor": i,
            "target": "r",
            "measure": "expel",
            "presence": f"r-at-{i}",
            "magnitude": 2 + k,
        }
        for k, i in enumerate(INITIATORS)
    ]
    return Scenario.model_validate(
        {
            "name": "wave",
            "start": "2018-03-01",
            "horizon_days": 120,
            "actors": [{"id": "r", "policy": policy}, *({"id": i} for i in INITIATORS)],
            "presences": _presences(),
            "triggers": triggers,
            "stop": {"rupture": False, "quiet_days": None},
        }
    )


def _history_text() -> str:
    """The wave as documented: r answers a (3 days, 1:1) and b (20 days, 2 for 3), not c."""
    events = [
        {
            "id": "a-x",
            "date": "2018-03-02",
            "actor": "a",
            "target": "r",
            "measure": "expel",
            "presence": "r-at-a",
            "magnitude": 2,
        },
        {
            "id": "b-x",
            "date": "2018-03-03",
            "actor": "b",
            "target": "r",
            "measure": "expel",
            "presence": "r-at-b",
            "magnitude": 3,
        },
        {
            "id": "c-x",
            "date": "2018-03-04",
            "actor": "c",
            "target": "r",
            "measure": "expel",
            "presence": "r-at-c",
            "magnitude": 4,
        },
        {
            "date": "2018-03-05",
            "actor": "r",
            "target": "a",
            "measure": "expel",
            "presence": "a-at-r",
            "magnitude": 2,
            "cause": "a-x",
        },
        {
            "date": "2018-03-23",
            "actor": "r",
            "target": "b",
            "measure": "expel",
            "presence": "b-at-r",
            "magnitude": 2,
            "cause": "b-x",
        },
    ]
    return yaml.safe_dump(
        {
            "name": "wave-record",
            "start": "2018-03-01",
            "actors": [{"id": x} for x in ("r", *INITIATORS)],
            "presences": _presences(),
            "events": events,
        }
    )


@pytest.fixture
def history_file(tmp_path):
    path = tmp_path / "wave-record.yaml"
    path.write_text(_history_text())
    return path


def test_pooled_summaries_of_the_documented_wave(history_file):
    documented = replay(load_history(history_file), scenario=None)
    answers = {d.initiator: d for d in dyad_answers(documented, "r", 30.0)}
    assert set(answers) == set(INITIATORS)
    assert answers["a"].lag == pytest.approx(3.0) and answers["a"].ratio == 1.0
    assert answers["b"].lag == pytest.approx(20.0) and answers["b"].ratio == pytest.approx(2 / 3)
    assert not answers["c"].answered and answers["c"].ratio == 0.0
    spec = PooledSummaries(actor="r", window_days=15, quantiles=(0.5,), rupture_with=("a",))
    values = dict(zip(spec.names, spec.compute(documented), strict=True))
    # within 15 days only a's answer counts; b's (20 days) is censored like c's
    assert values["answered"] == pytest.approx(1 / 3)
    assert values["in_kind"] == pytest.approx(1 / 3)
    assert values["lag.q50"] == pytest.approx(math.log1p(15))
    # b is answered after the window: it counts as removing nobody back
    assert values["ratio.q50"] == pytest.approx(-math.log1p(3))
    assert values["ruptured.a"] == 0.0


def test_pooled_summaries_refuse_nonsense():
    with pytest.raises(ValueError, match="ratio_band"):
        PooledSummaries(actor="r", ratio_band=(1.5, 1.0))
    with pytest.raises(ValueError, match="must not name the actor"):
        PooledSummaries(actor="r", rupture_with=("r",))


def test_episode_refuses_unknown_summaries_and_bad_weights(history_file):
    spec = PooledSummaries(actor="r")
    with pytest.raises(InputError, match=r"unknown summaries lag\.q33"):
        Episode.pooled("w", _wave(), history_file, spec, select=("answered", "lag.q33"))
    with pytest.raises(InputError, match="one positive weight"):
        Episode.pooled("w", _wave(), history_file, spec, select=("answered",), weights=(0,))


def _set(history_file, weights=(1.0, 1.0, 1.0)) -> EpisodeSet:
    spec = PooledSummaries(actor="r", window_days=30)
    select = ("answered", "lag.q50", "ratio.q50")
    ep = Episode.pooled("wave", _wave(), history_file, spec, select=select, weights=weights)
    return EpisodeSet.of([ep], PRIORS)


def test_episode_set_model_is_reproducible_and_shaped(history_file):
    es = _set(history_file)
    assert es.names == ("wave.answered", "wave.lag.q50", "wave.ratio.q50")
    thetas = np.array([[0.9, 4.0], [0.0, 4.0]])
    seeds = np.random.SeedSequence(5).spawn(2)
    a = es.simulator(thetas, seeds)
    b = es.simulator(thetas, seeds)
    assert a.shape == (2, 3) and np.array_equal(a, b)
    assert a[1, 0] == 0.0  # never replies: nothing answered


def test_weights_divide_the_scales():
    def model(thetas, seeds):
        rng = [np.random.default_rng(s) for s in seeds]
        return np.array(
            [[t[0] + g.normal(), t[0] * 2 + g.normal()] for t, g in zip(thetas, rng, strict=True)]
        )

    priors = {"parameters": {"x.a": {"dist": "uniform", "low": 0, "high": 1}}}
    pri = as_priors(priors)
    plain = smc(model, pri, [0.5, 1.0], population=20, generations=1, seed=1)
    heavy = smc(model, pri, [0.5, 1.0], population=20, generations=1, seed=1, weights=[1, 4])
    assert np.allclose(heavy.scales, np.asarray(plain.scales) / [1, 4])
    with pytest.raises(ValueError, match="weights"):
        smc(model, pri, [0.5, 1.0], population=20, generations=1, seed=1, weights=[1, 0])


@pytest.mark.slow
def test_calibrating_an_episode_set_reproduces_from_its_seed(history_file, tmp_path):
    es = _set(history_file, weights=(2.0, 1.0, 1.0))
    post = calibrate(None, None, problem=es, population=40, generations=2, seed=7)
    again = calibrate(None, None, problem=es, population=40, generations=2, seed=7)
    assert np.array_equal(post.particles, again.particles)
    path = tmp_path / "post.json"
    post.save(path)
    loaded = Posterior.load(path)
    rebuilt = problem_of(loaded)
    assert isinstance(rebuilt, EpisodeSet) and rebuilt.names == es.names
    checks = predictive_checks(loaded, 20, seed=1)
    assert checks.names == es.names and checks.simulated.shape == (20, 3)


def _episode_file(tmp_path, history_file, **change) -> object:
    scenario = tmp_path / "wave.yaml"
    scenario.write_text(yaml.safe_dump(_wave().model_dump(mode="json")))
    entry = {
        "name": "wave",
        "scenario": "wave.yaml",
        "history": history_file.name,
        "pooled": {"actor": "r", "window_days": 30},
        "select": ["answered", "lag.q50"],
        **change,
    }
    path = tmp_path / "episodes.yaml"
    path.write_text(yaml.safe_dump({"priors": PRIORS, "episodes": [entry]}))
    return path


def test_episode_file_builds_the_set(tmp_path, history_file):
    es = load_episode_set(_episode_file(tmp_path, history_file))
    assert es.names == ("wave.answered", "wave.lag.q50")
    assert es.observed[0] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"documented": {"window_days": 30}}, "exactly one of 'pooled' and 'documented'"),
        ({"select": ["nope"]}, "unknown summaries nope"),
        ({"history": "missing.yaml"}, "file not found"),
        ({"pooled": {"actor": "r", "ratio_band": [2, 1]}}, "ratio_band"),
    ],
)
def test_bad_episode_file_exits_2_with_one_line(tmp_path, history_file, capsys, change, problem):
    path = _episode_file(tmp_path, history_file, **change)
    out = tmp_path / "fit"
    code = main(["calibrate", "--episodes", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and problem in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_episodes_and_scenario_together_are_refused(tmp_path, history_file, capsys):
    path = _episode_file(tmp_path, history_file)
    out = tmp_path / "fit"
    code = main(["calibrate", "x", "y", "--episodes", str(path), "--out", str(out)])
    assert code == 2 and "not both" in capsys.readouterr().err


def test_a_constant_summary_gets_scale_one_despite_rounding_noise():
    from escalation.calibrate.smc import summary_scales

    sims = np.full((200, 1), -1.3862943611198906)  # nanstd of this is ~1e-15, not 0
    assert summary_scales(sims)[0] == 1.0
