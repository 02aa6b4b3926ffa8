"""Each run's drawn parameters are read off an ensemble without running anything again."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import escalation as esc

GAP = "russia.rupture_gap"


def two_kinds_of_moscow(tmp_path: Path) -> esc.Scenario:
    """The bundled 2021 scenario, its even particles made to rarely break off (gap 100)."""
    bundled = esc.load_scenario("nato-russia-2021")
    data = json.loads(Path(bundled.posterior).read_text())
    column = data["parameters"].index(GAP)
    for i, particle in enumerate(data["particles"]):
        if i % 2 == 0:
            particle[column] = 100.0
    path = tmp_path / "posterior.json"
    path.write_text(json.dumps(data))
    return bundled.model_copy(update={"posterior": str(path)})


@pytest.mark.parametrize("engine", ["simpy", "batch"])
def test_the_drawn_particle_explains_each_run(tmp_path: Path, engine: str) -> None:
    scenario = two_kinds_of_moscow(tmp_path)
    ensemble = esc.run_ensemble(scenario, runs=120, seed=11, engine=engine)
    drawn = ensemble.parameters()
    assert list(drawn["run"]) == list(range(120))
    assert list(drawn.columns[:2]) == ["run", "particle"]
    even = drawn["particle"].to_numpy() % 2 == 0
    assert 20 < even.sum() < 100  # both kinds were drawn
    np.testing.assert_array_equal(drawn[GAP].to_numpy() == 100.0, even)
    # Every run that drew a bundled particle ruptured (the bundled posterior's P(rupture) of
    # this scenario is 1); those that drew a widened gap mostly did not. Drawn and played
    # particles that did not match would mix the two groups.
    ruptured = ensemble["ruptured"]
    assert ruptured[~even].all()
    assert ruptured[even].mean() < 0.25, ruptured[even].mean()


def test_drawn_parameters_survive_save_and_load(tmp_path: Path) -> None:
    scenario = two_kinds_of_moscow(tmp_path)
    ensemble = esc.run_ensemble(scenario, runs=30, seed=3)
    loaded = esc.Ensemble.load(ensemble.save(tmp_path / "ens"))
    assert loaded.parameters().equals(ensemble.parameters())


def test_fixed_values_are_what_the_runs_played() -> None:
    scenario = esc.load_scenario("nato-russia-2021").with_parameters("russia", rupture_gap=3.5)
    drawn = esc.run_ensemble(scenario, runs=20, seed=1).parameters()
    assert (drawn[GAP] == 3.5).all()
    assert drawn["russia.threshold"].nunique() > 1  # the rest is still drawn


def test_a_scenario_without_a_posterior_drew_nothing() -> None:
    ensemble = esc.run_ensemble(esc.load_scenario("two-states"), runs=5, seed=1)
    with pytest.raises(ValueError, match="names no posterior"):
        ensemble.parameters()
