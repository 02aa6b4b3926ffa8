"""Counterfactual copies change only what they name, the calibrated posterior included."""

from __future__ import annotations

import warnings

import pytest

import escalation as esc
from escalation.model.parameters import read_parameter_sample


@pytest.fixture(scope="module")
def flagship() -> esc.Scenario:
    return esc.load_scenario("nato-russia-2021")


def _drawn(scenario: esc.Scenario, index: int) -> esc.Policy:
    sample = read_parameter_sample(scenario.posterior)
    return sample.apply(scenario, index).actor("russia").policy


def test_with_parameters_holds_the_named_value_and_draws_the_rest(flagship):
    patient = flagship.with_parameters("russia", threshold=35.0, lag={"median": 5.0})
    assert patient.posterior == flagship.posterior
    assert patient.fixed == ("russia", "russia.threshold", "russia.lag.median")
    for i in (0, 1, 2):
        before, after = _drawn(flagship, i), _drawn(patient, i)
        assert after.threshold == 35.0 and after.lag.median == 5.0
        # everything not named is the particle's draw, as before
        for name in ("rupture_gap", "slope", "half_life", "ratio", "delay"):
            assert getattr(after, name) == getattr(before, name)
    assert _drawn(patient, 0).half_life != _drawn(patient, 1).half_life


def test_with_parameters_refuses_a_parameter_the_policy_lacks(flagship):
    with pytest.raises(ValueError, match=r"no parameter 'forgiveness'.*with_policy"):
        flagship.with_parameters("russia", forgiveness=0.5)
    with pytest.raises(ValueError, match="reply_probability"):
        flagship.with_parameters("russia", reply_probability=2.0)
    with pytest.raises(KeyError, match="no actor 'moscow'"):
        flagship.with_parameters("moscow", threshold=1.0)


def test_with_policy_warns_when_it_drops_the_posterior(flagship):
    gtft = esc.GenerousTitForTat(forgiveness=0.5)
    with pytest.warns(UserWarning, match=r"drops the calibrated posterior.*keep_posterior"):
        dropped = flagship.with_policy("russia", gtft)
    assert dropped.posterior is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert flagship.with_policy("russia", gtft, keep_posterior=False).posterior is None
        flagship.with_policy("nato", esc.Passive())  # NATO is not calibrated: no warning


def test_with_policy_keep_posterior_draws_what_the_new_policy_has(flagship):
    kept = flagship.with_policy(
        "russia", esc.GenerousTitForTat(forgiveness=0.5), keep_posterior=True
    )
    assert kept.posterior == flagship.posterior
    for i in (0, 1):
        before, after = _drawn(flagship, i), _drawn(kept, i)
        assert after.type == "generous-tit-for-tat" and after.forgiveness == 0.5
        # the posterior calibrates the lag, which the new policy has; the delay is not
        # calibrated (fixed in the fit), so it stays the new policy's own
        assert after.lag == before.lag
        assert after.delay == kept.actor("russia").policy.delay
    assert esc.simulate(kept, seed=1).outcome is not None


def test_triggers_and_presences(flagship):
    no_cut = flagship.without_trigger("nato-2021-cap")
    assert [t.id for t in no_cut.triggers] == ["nato-2021-expel"]
    assert no_cut.posterior == flagship.posterior
    with pytest.raises(KeyError, match="no trigger 'x'"):
        flagship.without_trigger("x")
    back = no_cut.with_trigger(flagship.triggers[1])
    assert back.triggers == flagship.triggers
    bigger = flagship.with_presence("ru-mission-nato", staff=20)
    assert bigger.presences[0].staff == 20 and bigger.presences[1:] == flagship.presences[1:]
    with pytest.raises(ValueError):
        flagship.with_presence("ru-mission-nato", staff=25)  # above its cap of 20
    extra = esc.PresenceSpec(id="ru-embassy", owner="russia", host="nato", staff=3)
    assert flagship.with_presence(extra).presences[-1] == extra
