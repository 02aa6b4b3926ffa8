"""Calibration on the documented NATO-Russia episodes: summaries, fitting scenario, posterior use.

The small calibrations here use tiny populations: they check the machinery, not the numbers of
the bundled posterior (``benchmarks/bench_calibration.py`` produces those).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import numpy as np
import pytest

import escalation as esc
from escalation.base.errors import HistoryError, InputError
from escalation.calibrate.checks import PredictiveChecks, predictive_checks
from escalation.calibrate.driver import calibrate
from escalation.calibrate.episodes import SUMMARY_NAMES, EpisodeSummaries
from escalation.calibrate.posterior import Posterior, draw_scenario, load_posterior
from escalation.calibrate.problem import CalibrationProblem, documented_episodes
from escalation.cli.calibrate_outputs import calibrate_to_dir


@pytest.fixture(scope="module")
def problem() -> CalibrationProblem:
    return CalibrationProblem.build("nato-russia-2021", "nato-russia")


@pytest.fixture(scope="module")
def small_posterior(problem: CalibrationProblem) -> Posterior:
    return calibrate(None, None, problem=problem, population=60, generations=2, seed=11)


def summaries_of(problem: CalibrationProblem, values: np.ndarray) -> dict[str, float]:
    return dict(zip(problem.summaries.names, map(float, values), strict=True))


# -- summaries ----------------------------------------------------------------------------------
def test_episodes_are_the_measures_the_history_records_answers_to() -> None:
    history = esc.load_history("nato-russia")
    # NATO's 2015 cap has no recorded Russian answer, so it is context, not an episode.
    assert documented_episodes(history, "russia", "nato") == (
        dt.date(2018, 3, 27),
        dt.date(2021, 10, 6),
    )


def test_documented_summaries(problem: CalibrationProblem) -> None:
    s = summaries_of(problem, problem.observed)
    # 2018: no NATO-directed countermeasure; the threat of 27 Mar 2018 is a statement.
    assert s["2018.answered"] == 0 and s["2018.ruptured"] == 0 and s["2018.rounds"] == 1
    assert s["2018.lag"] == pytest.approx(math.log1p(90))  # censored at the window
    assert s["2018.severity"] == -5  # NATO's package peaked at a cap cut, level 5
    # 7 expelled and 3 posts over the new cap (the replay counts posts), none back
    assert s["2018.magnitude"] == pytest.approx(-math.log1p(10))
    # 2021: suspension and two closures 12 days later, effective 14 days after that.
    assert s["2021.answered"] == 1 and s["2021.type_change"] == 1 and s["2021.ruptured"] == 1
    assert s["2021.lag"] == pytest.approx(math.log1p(12))
    assert s["2021.delay"] == pytest.approx(math.log1p(14))
    assert s["2021.severity"] == 7 - 5  # suspension (7) against a cap cut (5)
    # 15 NATO staff left Moscow (2 + 13) for 8 Russians expelled and 2 vacant posts cut.
    assert s["2021.magnitude"] == pytest.approx(math.log1p(15) - math.log1p(10))
    assert s["2021.rounds"] == 2


def test_a_simulated_run_that_does_what_was_documented_has_the_documented_summaries(
    problem: CalibrationProblem,
) -> None:
    # One code path: Russia scripted to take its documented answers gives the same numbers.
    history = esc.load_history("nato-russia")
    answers = [
        e.model_copy(update={"actor": None, "cause": None})
        for e in history.events
        if e.actor == "russia" and e.cause is not None
    ]
    scripted = problem.scenario.with_policy("russia", esc.Scripted(acts=tuple(answers)))
    run = esc.simulate(scripted, seed=0)
    assert np.allclose(problem.summaries.compute(run), problem.observed)


def test_no_answer_and_an_episode_that_cannot_happen(problem: CalibrationProblem) -> None:
    passive = esc.simulate(problem.scenario.with_policy("russia", esc.Passive()), seed=0)
    s = summaries_of(problem, problem.summaries.compute(passive))
    assert s["2021.answered"] == 0 and s["2021.delay"] == 0 and s["2021.type_change"] == 0
    assert s["2021.severity"] == -5 and s["2021.rounds"] == 1
    # Breaking off at once in 2018 leaves no 2021 episode: the pair is already ruptured.
    grim = esc.simulate(problem.scenario.with_policy("russia", esc.GrimTrigger()), seed=0)
    s = summaries_of(problem, problem.summaries.compute(grim))
    assert s["2018.ruptured"] == 1 and s["2018.answered"] == 1 and s["2018.type_change"] == 1
    assert s["2021.answered"] == 0 and s["2021.rounds"] == 0 and s["2021.ruptured"] == 1


def test_summary_names_and_validation() -> None:
    spec = EpisodeSummaries(
        actor="a", counterpart="b", episodes=[dt.date(2020, 1, 1), dt.date(2020, 6, 1)]
    )
    assert spec.labels == ("2020-01-01", "2020-06-01")
    assert len(spec.names) == 2 * len(SUMMARY_NAMES)
    with pytest.raises(ValueError, match="time order"):
        EpisodeSummaries(
            actor="a", counterpart="b", episodes=[dt.date(2021, 1, 1), dt.date(2020, 1, 1)]
        )


# -- the fitting scenario -----------------------------------------------------------------------
def test_fitting_scenario_spans_both_episodes_from_the_documented_state(
    problem: CalibrationProblem,
) -> None:
    sc = problem.scenario
    assert sc.start == dt.date(2018, 3, 20)
    mission = next(p for p in sc.presences if p.id == "ru-mission-nato")
    assert (mission.staff, mission.cap) == (30, 30)  # after the 2015 cap, before 2018
    acts = [(t.actor, t.measure.value, t.date) for t in sc.triggers]
    assert ("nato", "cap", dt.date(2021, 10, 6)) in acts
    assert not any(a == "russia" for a, _, _ in acts)  # answers simulated, no invented acts
    assert sc.actor("nato").policy is None  # NATO plays its documented acts only
    assert isinstance(sc.actor("russia").policy, esc.Grievance)
    assert sc.stop.quiet_days is None  # the run carries from 2018 into 2021
    # What NATO did before the start is remembered, as in the bundled scenarios
    remembered = [(t.measure.value, t.date) for t in sc.memory]
    assert remembered == [
        ("reduce", dt.date(2014, 4, 1)),
        ("restrict", dt.date(2014, 4, 7)),
        ("cap", dt.date(2015, 4, 10)),
    ]
    assert all(t.actor == "nato" and t.target == "russia" for t in sc.memory)


def test_problem_input_errors() -> None:
    with pytest.raises(InputError, match="one actor"):
        CalibrationProblem.build(
            "nato-russia-2021",
            "nato-russia",
            {
                "parameters": {
                    "russia.reply_probability": {"dist": "uniform", "low": 0, "high": 1},
                    "nato.reply_probability": {"dist": "uniform", "low": 0, "high": 1},
                }
            },
        )
    with pytest.raises(InputError, match="bundled"):
        CalibrationProblem.build("nato-russia-2021", "no-such-history")


def test_a_csv_history_calibrates_and_bad_rows_name_their_line(tmp_path) -> None:
    rows = [
        "id,date,effective,actor,target,measure,presence,magnitude,cause,source",
        "n1,2021-10-06,,nato,russia,expel,ru-mission-nato,8,,https://tass.com/politics/1350915",
        "r1,2021-10-18,2021-11-01,russia,nato,suspend,ru-mission-nato,1,n1,https://tass.com/politics/1350915",
    ]
    path = tmp_path / "mine.csv"
    path.write_text("\n".join(rows) + "\n")
    prob = CalibrationProblem.build("nato-russia-2021", path)
    assert prob.summaries.episodes == (dt.date(2021, 10, 6),)
    s = summaries_of(prob, prob.observed)
    assert s["2021.answered"] == 1 and s["2021.lag"] == pytest.approx(math.log1p(12))
    post = calibrate(None, None, problem=prob, population=20, generations=1, seed=1)
    assert post.size == 20
    path.write_text("\n".join([*rows, "r2,2021-13-01,,russia,nato,close,nato-nio-moscow,1,,x"]))
    with pytest.raises(HistoryError, match="line 4"):
        CalibrationProblem.build("nato-russia-2021", path)


# -- using a posterior --------------------------------------------------------------------------
def test_draw_scenario_replaces_a_policy_of_another_type(small_posterior, tmp_path) -> None:
    path = small_posterior.save(tmp_path / "posterior.json")
    base = esc.load_scenario("nato-russia-2021").with_policy("russia", esc.EscalateByK(k=1))
    assert base.actor("russia").policy.type == "escalate-by-k"
    scenario = base.replace(posterior=str(path))
    drawn = draw_scenario(scenario, np.random.default_rng(3))
    policy = drawn.actor("russia").policy
    assert isinstance(policy, esc.Grievance)
    values = [policy.threshold, policy.rupture_threshold, policy.half_life]
    rows = np.asarray(small_posterior.particles)[:, :3]
    assert any(np.allclose(values, r) for r in rows)  # one particle, applied as it is
    assert policy.lag.sigma == 0.5  # the posterior's base policy, not the scenario's
    assert drawn.actor("nato").policy == base.actor("nato").policy
    again = draw_scenario(scenario, np.random.default_rng(3))
    assert again.actor("russia").policy == policy


def test_runs_of_a_scenario_with_a_posterior_draw_their_parameters(
    small_posterior, tmp_path
) -> None:
    path = small_posterior.save(tmp_path / "posterior.json")
    scenario = esc.load_scenario("nato-russia-2021").replace(posterior=str(path))
    runs = [esc.simulate(scenario, seed=s) for s in range(12)]
    thresholds = {r.scenario.actor("russia").policy.threshold for r in runs}
    assert len(thresholds) > 3  # parameter uncertainty reaches the runs
    same = esc.simulate(scenario, seed=5)
    assert same.scenario.actor("russia").policy == runs[5].scenario.actor("russia").policy
    assert load_posterior(path) is load_posterior(path)  # read once per process


def test_a_posterior_for_an_unknown_actor_is_refused(small_posterior, tmp_path) -> None:
    path = small_posterior.save(tmp_path / "posterior.json")
    other = esc.Scenario(
        name="other",
        start="2024-01-01",
        actors=[esc.Actor(id="a"), esc.Actor(id="b")],
        posterior=str(path),
    )
    with pytest.raises(esc.ScenarioError, match="russia"):
        esc.simulate(other, seed=1)


def test_intervals_and_table(small_posterior) -> None:
    iv = small_posterior.interval(0.9)
    for name, (lo, hi) in iv.items():
        col = small_posterior.column(name)
        assert col.min() <= lo <= hi <= col.max()
    text = str(small_posterior)
    assert "russia.threshold" in text and "ESS" in text


# -- predictive checks --------------------------------------------------------------------------
def test_predictive_p_values_are_two_sided_mid_p() -> None:
    sims = np.array([[0.0, 1.0, 5.0], [0.0, 2.0, 5.0], [1.0, 3.0, 5.0], [1.0, 4.0, 5.0]])
    checks = PredictiveChecks(("a", "b", "c"), np.array([0.0, 4.5, 9.0]), sims)
    # a: half the draws tie (0.5 * 0.5 = 0.25 below) -> p = 0.5
    # b: every draw below -> p = 0; c: every draw below -> p = 0
    assert checks.p_values == pytest.approx([0.5, 0.0, 0.0])
    same = PredictiveChecks(("a",), np.array([5.0]), np.full((4, 1), 5.0))
    assert same.p_values[0] == 1.0  # reproduced by every draw
    assert checks.extreme(0.05) == ["b", "c"]
    csv_text = checks.to_csv()
    assert csv_text.splitlines()[0].startswith("summary,observed")
    assert "extreme" in str(checks)


def test_predictive_checks_of_a_posterior_cover_every_summary(small_posterior) -> None:
    checks = predictive_checks(small_posterior, 40, seed=2)
    assert checks.names == small_posterior.summaries
    assert checks.simulated.shape == (40, len(checks.names))
    again = predictive_checks(small_posterior, 40, seed=2)
    assert np.array_equal(checks.simulated, again.simulated)
    assert np.all((checks.p_values >= 0) & (checks.p_values <= 1))


def test_plots_return_axes(small_posterior) -> None:
    import matplotlib.pyplot as plt

    from escalation.plot import posterior as pplot

    ax = pplot.posterior_marginal(small_posterior, "russia.k")
    assert ax.get_xlabel() == "russia.k"
    ax = pplot.posterior_pair(small_posterior, "russia.threshold", "russia.lag.median")
    assert ax.get_yscale() == "log"
    checks = predictive_checks(small_posterior, 20, seed=1)
    ax = pplot.predictive_check(checks, "2021.lag")
    assert "p =" in ax.get_title()
    grid = pplot.posterior_pairs(small_posterior, ["russia.threshold", "russia.k"])
    assert grid.shape == (2, 2)
    plt.close("all")


# -- the command line's entry point -------------------------------------------------------------
@pytest.mark.slow
def test_calibrate_to_dir_writes_everything_and_resumes_identically(tmp_path) -> None:
    out = tmp_path / "cal"
    kw = {"seed": 4, "population": 40, "draws": 30, "progress": None, "echo": io.StringIO()}
    whole = calibrate_to_dir("nato-russia-2021", "nato-russia", out, generations=3, **kw)
    names = {p.name for p in out.iterdir()}
    assert {"posterior.json", "predictive_checks.csv", "checkpoint.json"} <= names
    assert {"posterior_pairs.png", "posterior_marginals.png", "predictive_checks.png"} <= names
    assert not [n for n in names if n.startswith(".")]  # no temporary file left behind
    saved = json.loads((out / "posterior.json").read_text())
    assert set(saved["meta"]["predictive_p_values"]) == set(whole.summaries)

    # Interrupted after generation 2: resuming gives what the uninterrupted run gave.
    part = tmp_path / "part"
    calibrate_to_dir("nato-russia-2021", "nato-russia", part, generations=2, plots=False, **kw)
    resumed = calibrate_to_dir(
        "nato-russia-2021", "nato-russia", part, generations=3, resume=True, plots=False, **kw
    )
    assert np.array_equal(resumed.particles, whole.particles)
    assert np.array_equal(resumed.weights, whole.weights)


def test_calibrate_to_dir_writes_nothing_on_bad_input(tmp_path) -> None:
    out = tmp_path / "never"
    with pytest.raises(InputError):
        calibrate_to_dir("nato-russia-2021", tmp_path / "missing.yaml", out, progress=None)
    assert not out.exists()


@pytest.mark.slow
def test_serial_and_parallel_calibrations_are_identical(problem: CalibrationProblem) -> None:
    kw = {"problem": problem, "population": 40, "generations": 3, "seed": 8}
    serial = calibrate(None, None, **kw)
    parallel = calibrate(None, None, workers=2, **kw)
    assert np.array_equal(serial.particles, parallel.particles)
    assert np.array_equal(serial.weights, parallel.weights)
    assert [g.used for g in serial.generations] == [g.used for g in parallel.generations]


def test_rejection_method_through_calibrate(problem: CalibrationProblem) -> None:
    post = calibrate(
        None, None, problem=problem, method="rejection", population=20, simulations=200, seed=1
    )
    assert post.method == "rejection" and post.generations[0].simulations == 200


# -- parameter recovery -------------------------------------------------------------------------
@pytest.mark.slow
def test_parameters_are_recovered_from_synthetic_histories(problem: CalibrationProblem) -> None:
    """True values fall inside the 90% intervals at about the nominal rate.

    Ten synthetic histories, each simulated by the bundled model from parameters drawn from the
    prior, are calibrated with a small population (150) and three generations. With 7
    parameters that is 70 interval checks. A short ABC run has a loose final tolerance, so its
    intervals are if anything too wide: the coverage must not fall below 0.8 (nominal 0.9;
    70 checks give a binomial standard error of 0.036, and checks within one history are
    correlated). The posterior must also learn something: the intervals of the response lag
    (which the summaries measure directly) must be narrower on average than the prior's.
    """
    rng = np.random.default_rng(2024)
    truths = problem.priors.sample(rng, 10)
    seeds = np.random.SeedSequence(77).spawn(10)
    simulator = problem.simulator
    covered = []
    lag = problem.priors.names.index("russia.lag.median")
    widths = []
    for i, (theta, seq) in enumerate(zip(truths, seeds, strict=True)):
        observed = problem.summaries.compute(simulator.run(theta, seq))
        post = calibrate(
            None,
            None,
            problem=problem.with_observed(observed),
            population=150,
            generations=3,
            seed=i,
        )
        iv = post.interval(0.9)
        for j, name in enumerate(post.names):
            lo, hi = iv[name]
            covered.append(lo - 1e-9 <= theta[j] <= hi + 1e-9)
        widths.append(math.log(iv["russia.lag.median"][1] / iv["russia.lag.median"][0]))
    coverage = float(np.mean(covered))
    assert coverage >= 0.8, coverage
    prior_width = math.log((180**0.95) / (180**0.05))  # log-uniform(1, 180): 5%-95%
    assert np.mean(widths) < prior_width
    assert lag == problem.priors.names.index("russia.lag.median")
