"""Documented histories: the bundled NATO-Russia record, replay, and bad history files."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

import escalation as esc
from escalation.model.event import Phase
from escalation.model.measure import MeasureKind
from escalation.model.state import Status

MISSION, NIO, MLM = "ru-mission-nato", "nato-nio-moscow", "nato-mlm-moscow"


@pytest.fixture(scope="module")
def history() -> esc.History:
    return esc.load_history("nato-russia")


@pytest.fixture(scope="module")
def run(history) -> esc.Run:
    return esc.replay(history)


# -- the bundled record -----------------------------------------------------------------------
def test_every_documented_event_and_presence_keeps_its_source(history):
    assert history.events
    for e in history.events:
        assert e.source.strip(), f"event {e.id or e.date} has no source"
        assert e.source.strip().startswith("http"), e.source
    for p in history.presences:
        assert p.source.strip(), f"presence {p.id} has no source"


def test_presence_ids_follow_the_design(history):
    ids = {p.id: (p.owner, p.host) for p in history.presences}
    assert ids[MISSION] == ("russia", "nato")
    assert ids[NIO] == ("nato", "russia")
    assert ids[MLM] == ("nato", "russia")


def test_replay_has_no_problem(run):
    assert run.problems == []
    assert not [e for e in run.events if e.phase in (Phase.LAPSED, Phase.INFEASIBLE)]


def test_cap_of_30_from_2015(run):
    p = run.state_at("2016-01-10").presence(MISSION)
    assert p.cap == 30 and p.staff <= 30


def test_cap_20_after_27_march_2018(run):
    before = run.state_at("2018-03-26").presence(MISSION)
    after = run.state_at("2018-03-27").presence(MISSION)
    assert before.cap == 30
    assert after.cap == 20 and after.staff <= 20
    assert run.state_at("2021-10-05").presence(MISSION).cap == 20


def test_cap_10_after_6_october_2021(run):
    before = run.state_at("2021-10-05").presence(MISSION)
    assert (before.staff, before.cap) == (20, 20)  # posts: no departure is documented
    level = esc.load_history("nato-russia").level(MISSION, "2021-10-05")
    assert level is not None and (level.staff, level.vacant) == (18, 2)  # as documented
    assert run.state_at("2021-10-31").presence(MISSION).cap == 20  # effective 1 November
    after = run.state_at("2021-11-01").presence(MISSION)
    assert after.cap == 10 and after.staff <= 10


def test_moscow_countermeasures_take_effect_on_1_november_2021(run):
    still = run.state_at("2021-10-31")
    assert all(still.presence(i).status is Status.OPEN for i in (MISSION, NIO, MLM))
    state = run.state_at("2021-11-02")
    assert state.presence(MISSION).status is Status.SUSPENDED
    assert state.presence(NIO).status is Status.CLOSED
    assert state.presence(MLM).status is Status.CLOSED
    assert state.ruptured("nato", "russia")
    assert run.outcome.ruptured and run.outcome.rupture_date == date(2021, 11, 1)


def test_documented_causes_point_at_the_announced_events(run):
    suspend = next(e for e in run.announced if e.measure is MeasureKind.SUSPEND)
    cause = run.events[suspend.cause]
    assert (cause.date, cause.actor, cause.measure) == (
        date(2021, 10, 6),
        "nato",
        MeasureKind.EXPEL,
    )
    assert suspend.date == date(2021, 10, 18)


def test_replay_is_reproducible(history, run):
    assert esc.replay(history).events == run.events
    assert esc.replay("nato-russia").events == run.events


def test_history_between_selects_by_announcement_date(history):
    oct_2021 = history.between("2021-10-01", "2021-10-31")
    assert {e.date for e in oct_2021} == {
        date(2021, 10, 6),
        date(2021, 10, 8),
        date(2021, 10, 18),
    }
    assert history.end == date(2021, 11, 1)


# -- events that cannot happen ----------------------------------------------------------------
BAD_HISTORY = """\
name: bad
start: 2020-01-01
actors: [{id: x}, {id: y}]
presences:
  - {id: y-in-x, owner: y, host: x, staff: 3, source: https://example.org/start}
events:
  - {date: 2020-01-10, actor: x, target: y, measure: expel, presence: y-in-x, magnitude: 1,
     source: https://example.org/first}
  - {date: 2020-02-01, actor: x, target: y, measure: expel, presence: y-in-x, magnitude: 5,
     source: https://example.org/too-many}
"""


@pytest.fixture
def bad_history(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_HISTORY)
    return path


def test_infeasible_documented_event_raises_with_date_and_source(bad_history):
    with pytest.raises(esc.HistoryError) as info:
        esc.replay(bad_history)
    message = str(info.value)
    assert "2020-02-01" in message
    assert "https://example.org/too-many" in message
    assert "bad.yaml" in message
    assert "2 staff" in message or "has 2" in message


def test_infeasible_event_is_kept_as_a_problem_not_clipped(bad_history):
    run = esc.replay(bad_history, strict=False)
    (problem,) = run.problems
    assert (problem.date, problem.magnitude, problem.source) == (
        date(2020, 2, 1),
        5,
        "https://example.org/too-many",
    )
    assert problem.phase is Phase.INFEASIBLE
    assert [e.magnitude for e in run.announced] == [1]  # nothing smaller was done instead
    assert run.final.presence("y-in-x").staff == 2


# -- history files and their errors -----------------------------------------------------------
def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("name: h\nstart: 2020-01-01\nevents: []\n", ["events"]),
        ("- just\n- a list\n", ["mapping"]),
        ("name: h\nstart: 2020-01-01\nevents: [\n", ["YAML"]),
        (
            "name: h\nstart: 2020-01-01\nevents:\n"
            "  - {date: 2019-12-31, actor: x, target: y, measure: criticize}\n",
            ["events[0].date", "before the start"],
        ),
        (
            "name: h\nstart: 2020-01-01\nevents:\n"
            "  - {date: 2020-01-02, actor: x, target: y, measure: shout}\n",
            ["measure"],
        ),
        (
            "name: h\nstart: 2020-01-01\nevents:\n"
            "  - {date: 2020-01-02, actor: x, target: y, measure: criticize, cause: later}\n"
            "  - {id: later, date: 2020-01-03, actor: x, target: y, measure: criticize}\n",
            ["cause", "comes later"],
        ),
    ],
)
def test_bad_yaml_history_names_file_and_field(tmp_path, text, fragments):
    path = write(tmp_path, "h.yaml", text)
    with pytest.raises(esc.HistoryError) as info:
        esc.load_history(path)
    message = str(info.value)
    assert "h.yaml" in message
    for fragment in fragments:
        assert fragment in message


def test_missing_history_file_and_unknown_bundled_name(tmp_path):
    with pytest.raises(esc.HistoryError, match="not found"):
        esc.load_history(tmp_path / "nowhere.yaml")
    with pytest.raises(esc.HistoryError, match="nato-russia"):
        esc.load_history("no-such-history")


CSV_OK = """\
id,date,effective,actor,target,measure,presence,magnitude,cause,source,note
e1,2020-01-05,,x,y,expel,y-in-x,2,,https://example.org/1,
# a comment line
e2,2020-01-09,2020-01-20,y,x,close,x-in-y,,e1,https://example.org/2,answer
"""


def csv_scenario() -> esc.Scenario:
    return esc.Scenario(
        name="csv-start",
        start="2020-01-01",
        actors=[esc.Actor(id="x"), esc.Actor(id="y")],
        presences=[
            esc.PresenceSpec(id="y-in-x", owner="y", host="x", staff=3),
            esc.PresenceSpec(id="x-in-y", owner="x", host="y", staff=4),
        ],
    )


def test_csv_history_loads_and_replays_on_a_scenario(tmp_path):
    h = esc.load_history(write(tmp_path, "h.csv", CSV_OK))
    assert (h.name, h.start, len(h.events)) == ("h", date(2020, 1, 5), 2)
    assert h.events[1].effective == date(2020, 1, 20) and h.events[1].cause == "e1"
    with pytest.raises(esc.HistoryError, match="no presences"):
        esc.replay(h)
    run = esc.replay(h, scenario=csv_scenario())
    assert run.state_at("2020-01-05").presence("y-in-x").staff == 1
    assert run.state_at("2020-01-19").presence("x-in-y").status is Status.OPEN
    assert run.state_at("2020-01-20").presence("x-in-y").status is Status.CLOSED
    answer = run.announced[1]
    assert run.events[answer.cause].presence == "y-in-x"


@pytest.mark.parametrize(
    ("text", "fragments", "field"),
    [
        ("date,actor,target,measure,colour\n", ["colour"], None),
        ("date,actor,measure\n2020-01-01,x,criticize\n", ["target"], None),
        ("date,actor,target,measure\n2020-01-01,x,y\n", ["line 2", "3 values"], None),
        (
            "date,actor,target,measure,presence,magnitude\n"
            "2020-01-05,x,y,expel,y-in-x,2\n"
            "2020-01-06,x,y,expel,y-in-x,lots\n",
            ["line 3"],
            "magnitude",
        ),
        ("date,actor,target,measure\n2020-01-01,x,y,shout\n", ["line 2"], "measure"),
        ("date,actor,target,measure\nsoon,x,y,criticize\n", ["line 2"], "date"),
        ("date,actor,target,measure,presence\n2020-01-01,x,y,expel,\n", ["line 2"], None),
        ("date,actor,target,measure\n", ["no events"], None),
        ("", ["header"], None),
    ],
)
def test_bad_csv_history_names_line_and_field(tmp_path, text, fragments, field):
    path = write(tmp_path, "h.csv", text)
    with pytest.raises(esc.HistoryError) as info:
        esc.load_history(path)
    message = str(info.value)
    assert "h.csv" in message
    for fragment in fragments:
        assert fragment in message
    if field is not None:
        assert info.value.field == field
        assert f"field '{field}'" in message
