"""Scenario memory: documented measures before the start that policies remember."""

from __future__ import annotations

import pytest

import escalation as esc

BASE = {
    "name": "memory",
    "start": "2021-10-05",
    "horizon_days": 200,
    "actors": [
        {"id": "nato"},
        {
            "id": "russia",
            "policy": {"type": "grievance", "threshold": 12, "half_life": 1000, "lag": 5},
        },
    ],
    "presences": [
        {"id": "ru-mission", "owner": "russia", "host": "nato", "staff": 18, "cap": 20},
        {"id": "nato-office", "owner": "nato", "host": "russia", "staff": 5},
    ],
    "triggers": [
        {
            "date": "2021-10-06",
            "actor": "nato",
            "target": "russia",
            "measure": "expel",
            "presence": "ru-mission",
            "magnitude": 8,
        },
    ],
}
REMEMBERED = [
    {
        "date": "2018-03-27",
        "actor": "nato",
        "target": "russia",
        "measure": "cap",
        "presence": "ru-mission",
        "magnitude": 10,
    },
]


def answers(scenario: esc.Scenario) -> list[esc.Event]:
    run = esc.simulate(scenario, seed=1)
    return [e for e in run.announced if e.actor == "russia"]


def test_memory_lets_old_grievance_tip_the_answer():
    # An expulsion of 8 (severity 4) alone is below the threshold of 12.
    assert answers(esc.Scenario.model_validate(BASE)) == []
    # The 2018 cap cut (severity 5) remembered, 1289 days earlier at a 1000-day half-life,
    # adds 5 * 0.5 ** 1.289 = 2.05: still below 12.
    assert answers(esc.Scenario.model_validate({**BASE, "memory": REMEMBERED})) == []
    # Two remembered cuts that hardly decay add about 10: 4 + 10 >= 12, so Russia answers.
    slow = {**BASE["actors"][1]["policy"], "half_life": 100_000}
    actors = [BASE["actors"][0], {"id": "russia", "policy": slow}]
    twice = [REMEMBERED[0], {**REMEMBERED[0], "date": "2019-01-10"}]
    replied = answers(esc.Scenario.model_validate({**BASE, "actors": actors, "memory": twice}))
    assert len(replied) == 1 and replied[0].measure is esc.MeasureKind.EXPEL


def test_memory_is_not_logged_and_does_not_change_the_state():
    scenario = esc.Scenario.model_validate({**BASE, "memory": REMEMBERED})
    run = esc.simulate(scenario, seed=3)
    assert all(e.id >= 0 and e.time >= 0 for e in run.events)
    assert run.initial.presence("ru-mission").cap == 20


@pytest.mark.parametrize(
    "change, field",
    [
        ({"date": "2021-10-05"}, "memory[0].date"),
        ({"actor": "usa"}, "memory[0].actor"),
        ({"presence": "nowhere"}, "memory[0].presence"),
    ],
)
def test_bad_memory_names_the_field(change, field):
    bad = {**BASE, "memory": [{**REMEMBERED[0], **change}]}
    with pytest.raises(Exception) as info:
        esc.Scenario.model_validate(bad)
    assert field in str(info.value)


def test_flagship_remembers_2018_and_draws_from_the_posterior():
    scenario = esc.load_scenario("nato-russia-2021")
    assert {m.measure for m in scenario.memory} == {
        esc.MeasureKind.REDUCE,  # 2014: practical cooperation suspended
        esc.MeasureKind.RESTRICT,  # 2014: access to NATO headquarters restricted
        esc.MeasureKind.EXPEL,
        esc.MeasureKind.DENY,
        esc.MeasureKind.CAP,  # 2015 and 2018
    }
    assert scenario.posterior is not None
    policies = {esc.simulate(scenario, seed=s).scenario.actor("russia").policy for s in range(5)}
    assert len(policies) == 5  # each run draws its own parameters
