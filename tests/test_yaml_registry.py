"""Scenario.to_yaml round trips; user policies named in files via the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from strategies import scenarios

import escalation as esc
from escalation.cli import main
from escalation.model import registry
from escalation.model.scenario import bundled_scenarios


@pytest.mark.parametrize("name", bundled_scenarios())
def test_bundled_scenarios_round_trip_through_a_file(name, tmp_path):
    scenario = esc.load_scenario(name)
    path = tmp_path / "sub" / f"{name}.yaml"
    path.parent.mkdir()
    scenario.to_yaml(path)
    back = esc.load_scenario(path)
    if back.posterior is not None:  # written relative to the file: the same file again
        assert Path(back.posterior).resolve() == Path(scenario.posterior).resolve()
        back = back.replace(posterior=scenario.posterior)
    assert back == scenario


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_scenarios_round_trip(scenario):
    assert esc.Scenario.model_validate(yaml.safe_load(scenario.to_yaml())) == scenario


def test_function_policies_cannot_be_written():
    scenario = esc.load_scenario("two-states").with_policy("a", esc.as_policy(lambda ctx: None))
    with pytest.raises(ValueError, match=r"function policy.*register_policy"):
        scenario.to_yaml()


class Stern(esc.Policy):
    """Answer every hostile measure with a threat."""

    type: Literal["stern-test"] = "stern-test"

    def decide(self, ctx):
        return ctx.act("threaten") if ctx.hostile else None


def test_registered_policy_is_named_in_yaml_and_reloads(tmp_path, monkeypatch):
    scenario = esc.load_scenario("two-states").with_policy("a", Stern(reply_probability=0.5))
    path = tmp_path / "stern.yaml"
    scenario.to_yaml(path)
    monkeypatch.setattr(registry, "_registered", {})
    with pytest.raises(esc.ScenarioError, match="unknown policy type 'stern-test'"):
        esc.load_scenario(path)
    assert esc.register_policy(Stern) is Stern
    assert esc.load_scenario(path) == scenario
    with pytest.raises(TypeError, match="already"):
        esc.register_policy(type("Other", (Stern,), {"__doc__": "x"}))
    with pytest.raises(TypeError, match="own type name"):
        esc.register_policy(esc.Policy)


def test_entry_point_policies_reach_the_command_line(tmp_path, monkeypatch, capsys):
    class EntryPoint:
        def load(self):
            return Stern

    monkeypatch.setattr(registry, "_registered", {})
    monkeypatch.setattr(registry, "entry_points", lambda group: [EntryPoint()])
    registry.plugin_policies.cache_clear()
    try:
        path = tmp_path / "stern.yaml"
        esc.load_scenario("two-states").with_policy("a", Stern()).to_yaml(path)
        assert main(["run", str(path), "--seed", "1", "--json"]) == 0
        assert '"ruptured"' in capsys.readouterr().out
    finally:
        registry.plugin_policies.cache_clear()


def test_ensemble_with_a_registered_policy_reloads_with_its_scenario(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "_registered", {})
    esc.register_policy(Stern)
    scenario = esc.load_scenario("two-states").with_policy("a", Stern())
    ensemble = esc.run_ensemble(scenario, runs=10, seed=1)
    ensemble.save(tmp_path / "outcomes.npz")
    back = esc.Ensemble.load(tmp_path / "outcomes.npz")
    assert back.scenario == scenario
