"""Scenarios: the bundled files, building in Python, copies, and one clear error per bad file."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

import escalation as esc
from escalation.model.scenario import bundled_dir

BUNDLED = esc.bundled_scenarios()
NATO = ("nato-russia-2018", "nato-russia-2021")


def test_the_bundled_scenarios_are_there() -> None:
    assert {"nato-russia-2018", "nato-russia-2021", "two-states", "three-actors"} <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_and_simulates(name: str) -> None:
    scenario = esc.load_scenario(name)
    assert scenario.name == name
    assert scenario.description
    for seed in range(3):
        run = esc.simulate(scenario, seed=seed)
        assert not run.problems
        announced = run.announced
        # the triggers (no cause) are played on their dates, in date order, then file order
        exogenous = [e for e in announced if e.cause is None]
        triggers = sorted(
            (t for t in scenario.triggers if t.cause is None),
            key=lambda t: t.time(scenario.start),
        )
        played = len(exogenous)
        if played < len(triggers):  # the run stopped (e.g. at a rupture) before the rest
            assert run.outcome.end_time < triggers[played].time(scenario.start)
        for trigger, event in zip(triggers, exogenous, strict=False):
            assert event.date == trigger.calendar(scenario.start)
            assert (event.actor, event.measure, event.magnitude) == (
                trigger.actor,
                trigger.measure,
                trigger.magnitude,
            )
        assert len(announced) >= len(scenario.triggers)
        assert all(e.date >= scenario.start for e in run.events)
        assert run.outcome.end_time <= scenario.horizon_days


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_loads_from_its_path(name: str) -> None:
    path = bundled_dir("scenarios") / f"{name}.yaml"
    assert esc.load_scenario(path) == esc.load_scenario(name)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_policy_parameter_has_a_reason(name: str) -> None:
    """Each policy setting in a bundled file is followed by a comment giving its reason."""
    keys = {"type"}
    for cls in esc.BUILTIN_POLICIES.values():
        keys |= set(cls.model_fields)
    lines = (bundled_dir("scenarios") / f"{name}.yaml").read_text().splitlines()
    inside = False
    checked = 0
    for line in lines:
        if re.match(r"^\s+(policy|policies):", line):
            inside = True
            continue
        if inside and re.match(r"^\s*-\s|^\S", line):
            inside = False  # next actor or next top-level section
        key = re.match(r"^\s+(\w+):", line)
        if inside and key and key.group(1) in keys:
            checked += 1
            assert "#" in line, f"{name}: no reason given for {line.strip()!r}"
    assert checked >= 2


@pytest.mark.parametrize("name", NATO)
def test_nato_scenarios_carry_their_sources(name: str) -> None:
    scenario = esc.load_scenario(name)
    for trigger in scenario.triggers:
        assert trigger.source.startswith("http"), trigger
    text = (bundled_dir("scenarios") / f"{name}.yaml").read_text()
    assert "tass.com" in text


@pytest.mark.parametrize(
    ("name", "day_before"), [(NATO[0], "2018-03-26"), (NATO[1], "2021-10-05")]
)
def test_nato_scenario_starts_from_the_documented_state(name: str, day_before: str) -> None:
    """The starting state is the replayed history's state on the day before the trigger.

    The scenario keeps the documented (or derived) staff level of that day; its ``replay``
    variant holds the replay's count of posts, and nothing else differs.
    """
    scenario = esc.load_scenario(name)
    assert scenario.start == date.fromisoformat(day_before)
    documented = esc.replay("nato-russia").state_at(day_before).snapshot()
    assert scenario.variant("replay").initial_state().snapshot() == documented
    level = esc.load_history("nato-russia").level("ru-mission-nato", day_before)
    assert level is not None
    assert scenario.initial_state().presence("ru-mission-nato").staff == level.staff


@pytest.mark.parametrize("name", NATO)
def test_nato_scenario_triggers_are_the_documented_events(name: str) -> None:
    scenario = esc.load_scenario(name)
    day = scenario.triggers[0].date
    assert day is not None
    history = esc.load_history("nato-russia")
    documented = [e for e in history.between(day, day) if e.actor == "nato"]

    def key(t: esc.Trigger) -> tuple[Any, ...]:
        return (t.actor, t.target, t.measure, t.presence, t.magnitude, t.date)

    assert [key(t) for t in scenario.triggers] == [key(e) for e in documented]


def test_nato_2018_trigger_leaves_the_documented_state() -> None:
    run = esc.simulate("nato-russia-2018", seed=0)
    mission = run.state_at("2018-03-27").presence("ru-mission-nato")
    assert (mission.staff, mission.cap) == (20, 20)  # 27 - 7 withdrawn; cap 30 -> 20


def test_three_actor_scenario_involves_all_three() -> None:
    scenario = esc.load_scenario("three-actors")
    assert len(scenario.actors) == 3
    targets = {t.target for t in scenario.triggers}
    assert len(targets) == 2
    actors = set()
    for seed in range(10):
        actors |= {e.actor for e in esc.simulate(scenario, seed=seed).announced}
    assert actors == {a.id for a in scenario.actors}


# -- building in Python ----------------------------------------------------------------------
def python_scenario(**changes: Any) -> esc.Scenario:
    fields: dict[str, Any] = dict(
        name="demo",
        start="2024-01-01",
        actors=[
            esc.Actor(id="a", policy=esc.TitForTat(lag=esc.Delay.fixed(5))),
            esc.Actor(id="b"),
        ],
        presences=[
            esc.PresenceSpec(id="a-in-b", owner="a", host="b", staff=20, cap=25),
            esc.PresenceSpec(id="b-in-a", owner="b", host="a", staff=15),
        ],
        triggers=[
            esc.Trigger(
                actor="b", target="a", measure="expel", presence="a-in-b", magnitude=3, day=1
            )
        ],
    )
    fields.update(changes)
    return esc.Scenario(**fields)


def test_a_scenario_built_in_python_runs() -> None:
    scenario = python_scenario()
    run = esc.simulate(scenario, seed=1)
    first, answer = run.announced[:2]
    assert (first.actor, first.measure, first.magnitude) == ("b", "expel", 3)
    # tit-for-tat mirrors on the counterpart's presence, 5 days later, caused by the trigger
    assert (answer.actor, answer.measure, answer.presence, answer.magnitude) == (
        "a",
        "expel",
        "b-in-a",
        3,
    )
    assert answer.time == pytest.approx(first.time + 5)
    assert answer.cause == first.id
    assert run.final.presence("a-in-b").staff == 17
    assert run.final.presence("b-in-a").staff == 12
    assert esc.simulate(scenario, seed=1).to_records() == run.to_records()


def test_python_and_yaml_give_the_same_scenario(tmp_path: Path) -> None:
    scenario = python_scenario()
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(scenario.model_dump(mode="json", serialize_as_any=True)))
    assert esc.load_scenario(path) == scenario


def test_python_scenario_is_validated() -> None:
    with pytest.raises(ValueError, match="unknown actor 'z'"):
        python_scenario(presences=[esc.PresenceSpec(id="z-in-a", owner="z", host="a", staff=1)])


def test_with_policy_replaces_one_actors_policy() -> None:
    scenario = esc.load_scenario("nato-russia-2021")
    calm = scenario.with_policy("russia", esc.Passive())
    assert isinstance(calm.actor("russia").policy_toward("nato"), esc.Passive)
    assert isinstance(scenario.actor("russia").policy, esc.Reciprocity)  # original unchanged
    # the posterior calibrated Russia's replaced policy, so its draws no longer apply
    assert scenario.posterior is not None and calm.posterior is None
    assert calm.actor("nato") == scenario.actor("nato")
    for seed in range(5):
        run = esc.simulate(calm, seed=seed)
        assert {e.actor for e in run.announced} == {"nato"}
        assert run.outcome.rounds == 1


def test_with_policy_toward_one_counterpart() -> None:
    scenario = esc.load_scenario("three-actors")
    changed = scenario.with_policy("c", esc.GrimTrigger(), counterpart="a")
    c = changed.actor("c")
    assert isinstance(c.policy_toward("a"), esc.GrimTrigger)
    assert c.policy_toward("b") == scenario.actor("c").policy_toward("b")
    with pytest.raises(KeyError):
        scenario.with_policy("nobody", esc.Passive())


def test_replace_returns_a_validated_copy() -> None:
    scenario = esc.load_scenario("two-states")
    quiet = scenario.replace(triggers=())
    assert quiet.triggers == () and scenario.triggers
    assert esc.simulate(quiet, seed=0).events == []
    short = scenario.replace(horizon_days=20)
    assert esc.simulate(short, seed=0).outcome.end_time <= 20
    with pytest.raises(ValueError, match="horizon_days"):
        scenario.replace(horizon_days=-1)
    with pytest.raises(ValueError, match="after the horizon"):
        scenario.replace(horizon_days=5)  # the trigger on day 14 would fall outside


# -- errors: one clear message naming the file, the field and the problem --------------------
def base() -> dict[str, Any]:
    return yaml.safe_load((bundled_dir("scenarios") / "two-states.yaml").read_text())


def mutate(path: str, value: Any) -> dict[str, Any]:
    """The two-states template with the dotted ``path`` set to ``value``."""
    data = base()
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


BAD = {
    "unknown policy": (
        mutate("actors.0.policy.type", "nice"),
        "actors[0].policy",
        "unknown policy type 'nice'",
    ),
    "bad policy parameter": (
        mutate("actors.1.policy.ratio", -1),
        "actors[1].policy.ratio",
        "greater than 0",
    ),
    "unknown owner": (mutate("presences.0.owner", "z"), "presences[0].owner", "unknown actor"),
    "unknown host": (mutate("presences.2.host", "z"), "presences[2].host", "unknown actor"),
    "unknown trigger actor": (
        mutate("triggers.0.actor", "z"),
        "triggers[0].actor",
        "unknown actor 'z'",
    ),
    "unknown trigger target": (
        mutate("triggers.0.target", "z"),
        "triggers[0].target",
        "unknown actor 'z'",
    ),
    "unknown trigger presence": (
        mutate("triggers.0.presence", "nowhere"),
        "triggers[0].presence",
        "unknown presence",
    ),
    "staff above cap": (mutate("presences.0.staff", 40), "presences[0]", "above the cap 35"),
    "bad start date": (mutate("start", "yesterday"), "start", "valid date"),
    "bad trigger date": (mutate("triggers.0.date", "2024-02-30"), "triggers[0].date", "date"),
    "trigger before start": (
        mutate("triggers.0.date", date(2023, 1, 1)),
        "triggers[0].date",
        "before start",
    ),
    "negative magnitude": (
        mutate("triggers.0.magnitude", -2),
        "triggers[0].magnitude",
        "greater than or equal to 0",
    ),
    "negative staff": (mutate("presences.1.staff", -1), "presences[1].staff", "greater than"),
    "extra top-level field": ({**base(), "colour": "red"}, "colour", "Extra inputs"),
    "extra nested field": (
        mutate("presences.1.colour", "red"),
        "presences[1].colour",
        "Extra inputs",
    ),
    "unknown measure": (mutate("triggers.0.measure", "invade"), "triggers[0].measure", "expel"),
    "one actor": (mutate("actors", [{"id": "a"}]), "actors", "at least 2"),
}


@pytest.mark.parametrize("case", BAD)
def test_invalid_scenario_gives_one_clear_message(tmp_path: Path, case: str) -> None:
    data, field, problem = BAD[case]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(esc.ScenarioError) as info:
        esc.load_scenario(path)
    err = info.value
    message = str(err)
    # one line per problem (issue 12, item 13), each naming the file
    assert all(line.startswith(str(path)) for line in message.splitlines())
    assert err.source == str(path) and message.startswith(str(path))
    assert err.field == field
    assert f"'{field}'" in message
    assert problem in message


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("name: x\nstart: 2024-01-01\nactors: [{id: a}, {id: b}\n", None, "line 4"),
        ("name: x\n  start: 2024-01-01\n", None, "line 2"),
        ("name: x\nstart: 2024-13-01\nactors: [{id: a}, {id: b}]\n", "start", "line 2"),
        ("name: !!int abc\n", None, "not valid YAML"),
        ("- just\n- a list\n", None, "must hold a mapping"),
        ("", None, "must hold a mapping"),
    ],
)
def test_unreadable_yaml_gives_one_clear_message(
    tmp_path: Path, text: str, field: str | None, problem: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(esc.ScenarioError) as info:
        esc.load_scenario(path)
    assert info.value.source == str(path)
    assert info.value.field == field
    assert problem in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file_and_unknown_name(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(esc.ScenarioError, match="file not found") as info:
        esc.load_scenario(missing)
    assert info.value.source == str(missing)
    with pytest.raises(esc.ScenarioError, match="no bundled scenario") as info:
        esc.load_scenario("no-such-scenario")
    assert "nato-russia-2021" in str(info.value)  # the message lists the bundled names


def test_python_tags_are_refused(tmp_path: Path) -> None:
    """Files are read with the safe loader: no object is ever built from a tag."""
    marker = tmp_path / "marker"
    path = tmp_path / "evil.yaml"
    path.write_text(
        f"name: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path "
        f"['{marker}']]\n"
    )
    with pytest.raises(esc.ScenarioError, match="line 1") as info:
        esc.load_scenario(path)
    assert "python/object" in str(info.value)
    assert not marker.exists()
