"""Waves (one target, many initiators), outcomes per dyad, and the rupture stop rules."""

from __future__ import annotations

import math
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import escalation as esc
from escalation.cli import main


def wave_scenario(stop: object = True, **wave: object) -> esc.Scenario:
    spec = {
        "target": "t",
        "initiators": [
            {"actor": "a", "date": "2020-01-02", "count": 3},
            {"actor": "b", "date": "2020-01-05", "count": 1, "staff": 5, "own_staff": 4},
        ],
        **wave,
    }
    return esc.Scenario.model_validate(
        {
            "name": "w",
            "start": "2020-01-01",
            "actors": [{"id": "t", "policy": {"type": "tit-for-tat", "lag": 2}}],
            "waves": [spec],
            "stop": {"rupture": stop, "quiet_days": 60},
        }
    )


def test_a_wave_expands_into_actors_presences_and_triggers():
    sc = wave_scenario()
    assert [a.id for a in sc.actors] == ["t", "a", "b"]
    pres = {p.id: (p.owner, p.host, p.staff, p.mirrors) for p in sc.presences}
    assert pres == {
        "t-at-a": ("t", "a", 50, "a-at-t"),
        "a-at-t": ("a", "t", 50, "t-at-a"),
        "t-at-b": ("t", "b", 5, "b-at-t"),
        "b-at-t": ("b", "t", 4, "t-at-b"),
    }
    assert [(t.id, t.actor, t.presence, t.magnitude) for t in sc.triggers] == [
        ("a-expel", "a", "t-at-a", 3),
        ("b-expel", "b", "t-at-b", 1),
    ]
    # The scenario holds the expansion: validating it again changes nothing.
    assert esc.Scenario.model_validate(sc.model_dump()) == sc
    assert sc.replace(horizon_days=100).triggers == sc.triggers


def test_a_wave_in_python_is_the_same_scenario():
    wave = esc.Wave(
        target="t",
        initiators=[
            esc.Initiator(actor="a", date="2020-01-02", count=3),
            esc.Initiator(actor="b", date="2020-01-05", count=1, staff=5, own_staff=4),
        ],
    )
    sc = esc.Scenario(
        name="w",
        start="2020-01-01",
        actors=[esc.Actor(id="t", policy=esc.TitForTat(lag=2))],
        waves=[wave],
        stop=esc.StopRules(quiet_days=60),
    )
    assert sc == wave_scenario()


def test_dyads_answer_in_kind_at_the_mirrored_presence():
    run = esc.simulate(wave_scenario(), seed=1)
    dyads = run.dyads
    assert [(d.initiator, d.target) for d in dyads] == [("a", "t"), ("b", "t")]
    for d, n in zip(dyads, (3, 1), strict=True):
        assert d.answered and d.lag == 2.0 and d.answer_kind == "expel"
        assert d.ratio == 1.0 and (d.removed, d.removed_back) == (n, n)
        assert not d.ruptured and d.time_to_rupture is None
    back = [e.presence for e in run.announced if e.actor == "t"]
    assert back == ["a-at-t", "b-at-t"]


def test_an_unanswered_dyad():
    sc = wave_scenario().with_policy("t", esc.Passive())
    a, _ = esc.simulate(sc, seed=0).dyads
    assert not a.answered and math.isnan(a.lag) and a.answer_kind is None
    assert math.isnan(a.ratio) and a.answers == 0


CLOSING = {
    "target": "t",
    "measure": "close",
    "initiators": [{"actor": "a", "date": "2020-01-02"}, {"actor": "b", "date": "2020-01-20"}],
}


@pytest.mark.parametrize(
    ("stop", "ruptured_pairs", "reason"),
    [
        ("none", 2, "quiet"),
        (False, 2, "quiet"),
        ("any", 1, "rupture"),
        (True, 1, "rupture"),
        ("all", 2, "rupture"),
        ([["b", "t"]], 2, "rupture"),
        ([["a", "b"]], 2, "quiet"),
    ],
)
def test_a_rupture_of_one_pair_stops_the_run_only_if_the_rule_says_so(
    stop, ruptured_pairs, reason
):
    sc = wave_scenario(stop, **CLOSING)
    run = esc.simulate(sc, seed=0)
    assert len(run.outcome.ruptures) == ruptured_pairs
    assert run.outcome.stop_reason == reason
    assert run.outcome.ruptured and run.outcome.rupture_pair == ("a", "t")
    assert sum(d.ruptured for d in run.dyads) == ruptured_pairs


def test_the_bundled_wave_answers_every_dyad():
    sc = esc.load_scenario("skripal-2018")
    assert len(sc.actors) == 31 and sc.stop.rupture == "none"
    run = esc.simulate(sc, seed=0)
    dyads = run.dyads
    assert len(dyads) == 30 and all(d.target == "russia" for d in dyads)
    assert {d.initiator for d in dyads} == {a.id for a in sc.actors} - {"russia"}
    assert dyads[0].initiator == "uk"
    documented = esc.replay("skripal-2018").dyads
    assert sum(d.answered for d in documented) == 30
    # 1:1 everywhere but NATO (a threat), Canada (4 expelled + 3 denied, 4 back) and the UK
    # (23 each way, then a cap cut not counted as staff removed: still 1.0)
    ratios = {d.initiator: d.ratio for d in documented}
    assert math.isnan(ratios.pop("nato")) and ratios.pop("canada") == pytest.approx(4 / 7)
    assert set(ratios.values()) == {1.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measure": "suspend"}, "waves[0].measure"),
        ({"initiators": []}, "waves[0].initiators"),
        ({"initiators": [{"actor": "a", "count": 2}]}, "waves[0].initiators[0]"),
        ({"initiators": [{"actor": "a", "day": 1, "count": 0}]}, "waves[0].initiators[0].count"),
        ({"initiators": [{"actor": "t", "day": 1}]}, "waves[0].initiators[0].actor"),
        ({"colour": "red"}, "waves[0].colour"),
    ],
)
def test_bad_waves_name_the_field(tmp_path, capsys, change, field):
    sc = wave_scenario().model_dump(mode="json")
    del sc["presences"], sc["triggers"]
    sc["actors"] = sc["actors"][:1]
    sc["waves"] = [{"target": "t", "initiators": [{"actor": "a", "day": 1}], **change}]
    path = tmp_path / "bad.yaml"
    import yaml

    path.write_text(yaml.safe_dump(sc))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert field in err and "\n" not in err


def test_bad_stop_pair_names_the_field(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            name: bad
            start: 2020-01-01
            actors: [{id: a}, {id: b}]
            stop: {rupture: [[a, zz]]}
            """
        )
    )
    assert main(["validate", str(path)]) == 2
    assert "stop.rupture[0]" in capsys.readouterr().err


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(1, 12), min_size=1, max_size=5),
    staff=st.integers(0, 12),
    seed=st.integers(0, 2**32 - 1),
    policy=st.sampled_from(["tit-for-tat", "escalate-by-k", "proportional", "gradual"]),
)
def test_wave_runs_keep_staff_in_bounds_and_causes_before_answers(counts, staff, seed, policy):
    initiators = [{"actor": f"s{i}", "day": float(i), "count": n} for i, n in enumerate(counts)]
    sc = esc.Scenario.model_validate(
        {
            "name": "w",
            "start": "2020-01-01",
            "horizon_days": 200,
            "actors": [{"id": "t", "policy": {"type": policy, "lag": {"median": 3, "sigma": 1}}}],
            "waves": [
                {
                    "target": "t",
                    "default_staff": staff,
                    "initiator_policy": {"type": "tit-for-tat"},
                    "initiators": initiators,
                }
            ],
            "stop": {"rupture": "none", "quiet_days": 30},
        }
    )
    run = esc.simulate(sc, seed=seed)
    for _, state in run.states():
        for p in state.presences.values():
            assert p.staff >= 0 and (p.cap is None or p.staff <= p.cap)
    for e in run.announced:
        if e.cause is not None:
            cause = run.events[e.cause]
            assert cause.time <= e.time and cause.id < e.id and cause.target == e.actor
    assert len(run.dyads) <= len(counts) + 0
