"""The bundled posterior is what its episode-set file and seed give (issue 10).

``scenarios/nato-russia-posterior.json`` is made by::

    escalation calibrate --episodes scenarios/fits/nato-russia-episodes.yaml \
        --seed 0 --population P --generations G --workers 2 --out fit

(the settings are recorded in the posterior). A full refit takes minutes, so the suite reruns
the first two generations from the recorded seed and settings and checks that every recorded
figure of those generations (tolerance, acceptances, simulations, ESS) comes out the same;
``benchmarks/bench_refit.py`` and the full command compare the whole posterior.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import escalation as esc
from escalation.calibrate.checks import predictive_checks
from escalation.calibrate.driver import calibrate
from escalation.calibrate.episodefile import load_episode_set
from escalation.calibrate.episodeset import EpisodeSet, problem_of
from escalation.calibrate.posterior import Posterior
from escalation.model.scenario import bundled_dir

FITS = bundled_dir("scenarios") / "fits"


@pytest.fixture(scope="module")
def bundled() -> Posterior:
    return Posterior.load(bundled_dir("scenarios") / "nato-russia-posterior.json")


@pytest.fixture(scope="module")
def episodes() -> EpisodeSet:
    return load_episode_set(FITS / "nato-russia-episodes.yaml")


def test_the_bundled_posterior_was_fitted_to_the_bundled_episode_set(
    bundled: Posterior, episodes: EpisodeSet
) -> None:
    rebuilt = problem_of(bundled)
    assert isinstance(rebuilt, EpisodeSet)
    assert rebuilt.description() == episodes.description()
    assert list(bundled.names) == list(episodes.priors.names)
    np.testing.assert_array_equal(bundled.observed, episodes.observed)
    assert bundled.complete and bundled.seed == 0


@pytest.mark.slow
def test_refit_from_the_recorded_seed_reproduces_the_first_generations(
    bundled: Posterior, episodes: EpisodeSet
) -> None:
    redo = calibrate(
        None,
        None,
        problem=episodes,
        population=bundled.settings["population"],
        generations=2,
        seed=bundled.seed,
        quantile=bundled.settings["quantile"],
        kernel=bundled.settings.get("kernel", "global"),
    )
    for got, want in zip(redo.generations, bundled.generations[:2], strict=True):
        a, b = got.to_dict(), want.to_dict()
        for key in ("generation", "epsilon", "accepted", "used", "simulations", "ess"):
            assert a[key] == b[key], key


def test_the_bundled_posterior_is_usable_and_not_extreme_on_what_it_saw(
    bundled: Posterior,
) -> None:
    # Sanity, not evidence (the per-summary checks see the fitted data; issue 11's joint
    # checks in test_validate.py are the ones that can fail).
    assert bundled.method == "smc" and bundled.ess > 0.3 * bundled.size
    checks = predictive_checks(bundled, 300, seed=1)
    # One known misfit, kept in view: one lag distribution serves the wave (answers after 3-4
    # days) and 2021 (12 days), and the wave's 29 dyads outweigh 2021's one; 2021's lag lies
    # in the far tail. Any other summary in the extreme 2.5 % tails is a regression.
    assert checks.extreme(0.05) == ["nato.2021.lag"]


def test_the_bundled_scenarios_draw_the_refitted_reciprocity_policy(bundled: Posterior) -> None:
    for name in ("nato-russia-2021", "nato-russia-2018", "nato-russia-calibration"):
        scenario = esc.load_scenario(name)
        assert scenario.posterior is not None
        assert Path(scenario.posterior).name == "nato-russia-posterior.json"
        assert isinstance(scenario.actor("russia").policy, esc.Reciprocity), name
        run = esc.simulate(scenario, seed=3)
        assert isinstance(run.scenario.actor("russia").policy, esc.Reciprocity), name
