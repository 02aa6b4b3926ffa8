"""The bundled documented histories: sources, uncertainty marks, variants, data versions."""

from __future__ import annotations

import textwrap

import pytest

import escalation as esc
from escalation.model.state import Status


@pytest.fixture(scope="module")
def wave() -> esc.History:
    return esc.load_history("skripal-2018")


@pytest.mark.parametrize("name", ["nato-russia", "skripal-2018"])
def test_every_row_keeps_its_source_and_the_file_its_version(name):
    history = esc.load_history(name)
    assert history.data_version and history.compiled is not None and history.accessed
    for e in history.events:
        assert all(s.strip().startswith("http") for s in e.source.split(" ; ")), e.id
    for p in history.presences:
        assert p.source.strip().startswith("http"), p.id
    for lv in history.levels:
        assert lv.source.startswith("http")
    assert esc.replay(history).problems == []


def test_the_2018_wave_has_every_initiator_and_every_answer(wave):
    initiators = {e.actor for e in wave.events if e.target == "russia"}  # 29 states, NATO
    assert len(initiators) == 29 + 1 and "nato" in initiators and "uk" in initiators
    answered = {e.target for e in wave.events if e.actor == "russia" and e.cause is not None}
    assert answered == initiators  # Moscow answered everyone (NATO with a statement only)
    by_id = {e.id: e for e in wave.events}
    for e in wave.events:
        if e.actor == "russia":
            assert e.cause is not None and by_id[e.cause].actor == e.target
            assert by_id[e.cause].date <= e.date
    uk = [e for e in wave.events if e.actor == "russia" and e.target == "uk"]
    assert {e.measure for e in uk} == {
        esc.MeasureKind.EXPEL,
        esc.MeasureKind.CLOSE,
        esc.MeasureKind.CAP,
    }
    state = esc.replay(wave).state_at("2018-04-30")
    assert state.presence("uk-consulate-stpetersburg").status is Status.CLOSED
    assert state.presence("uk-council-russia").status is Status.CLOSED


def test_missing_and_disputed_values_are_marked_not_chosen_silently(wave):
    macedonia = next(e for e in wave.events if e.id == "russia-expel-macedonia")
    assert macedonia.uncertain == {"magnitude": "missing"}
    placeholders = [p for p in wave.presences if p.uncertain.get("staff") == "missing"]
    assert placeholders and all("placeholder" in p.note for p in placeholders)
    assert len(wave.not_modelled) >= 4  # recalls for consultations, totals, ...


def test_variants_give_the_other_readings():
    history = esc.load_history("nato-russia")
    assert set(history.variants) == {"ap-2015", "end-october", "kommersant"}
    half = history.variant("kommersant")
    assert next(p for p in half.presences if p.id == "nato-mlm-moscow").staff == 6
    assert next(p for p in history.presences if p.id == "nato-mlm-moscow").staff == 13
    early = esc.replay(history.variant("end-october"))
    assert early.state_at("2021-10-31").presence("ru-mission-nato").cap == 10
    assert early.problems == []
    with pytest.raises(esc.HistoryError, match=r"no variant 'nope'.*kommersant"):
        history.variant("nope")
    scenario = esc.load_scenario("nato-russia-2021")
    assert scenario.variant("kommersant").initial_state().presence("nato-mlm-moscow").staff == 6


def test_nato_record_remembers_2014_and_2015_and_invents_no_act():
    history = esc.load_history("nato-russia")
    kinds = [(e.date.year, e.measure.value) for e in history.events if e.date.year < 2016]
    assert kinds == [(2014, "reduce"), (2014, "restrict"), (2015, "cap")]
    assert not [e for e in history.events if e.measure is esc.MeasureKind.RECALL]
    effective = {e.id: e.effective for e in history.events if e.date.year == 2021}
    assert effective["russia-2021-suspend-mission"] == effective["russia-2021-close-nio"]


BAD = """\
name: bad
start: 2020-01-01
actors: [{id: x}, {id: y}]
presences:
  - {id: y-in-x, owner: y, host: x, staff: 3, source: https://example.org/a}
events:
  - {date: 2020-01-10, actor: x, target: y, measure: expel, presence: y-in-x, magnitude: 1,
     source: https://example.org/b, uncertain: {magnitude: guessed}}
"""


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("guessed", "guessed", "events[0].uncertain.magnitude"),
        ("uncertain: {magnitude: guessed}", "alternatives: {a: {actor: y}}", "events[0]"),
        ("presence: y-in-x, ", "", "events[0]"),  # an expulsion from no presence
    ],
)
def test_bad_marks_name_the_field(tmp_path, old, new, field):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(BAD.replace(old, new)))
    with pytest.raises(esc.HistoryError) as info:
        esc.load_history(path)
    message = str(info.value)
    # Every problem is shown, one line each, and each line names the file.
    assert field in message
    assert all(line.startswith(str(path)) for line in message.splitlines())
