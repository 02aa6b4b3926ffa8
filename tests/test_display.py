"""Short reprs and HTML tables for notebooks."""

from __future__ import annotations

import pytest

import escalation as esc


@pytest.fixture(scope="module")
def objects():
    scenario = esc.load_scenario("nato-russia-2021")
    ensemble = esc.run_ensemble(scenario, runs=100, seed=3)
    return {
        "scenario": scenario,
        "run": esc.simulate(scenario, seed=7),
        "history": esc.load_history("nato-russia"),
        "ensemble": ensemble,
        "summary": ensemble.summary(),
        "comparison": esc.compare({"a": ensemble, "b": ensemble}),
        "posterior": esc.load_posterior(scenario.posterior),
    }


@pytest.mark.parametrize(
    "name", ["scenario", "run", "history", "ensemble", "summary", "comparison", "posterior"]
)
def test_repr_is_short_and_html_is_a_table(objects, name):
    obj = objects[name]
    limit = 3000 if name in ("summary", "comparison") else 250  # those two are the table
    assert len(repr(obj)) < limit
    assert "Estimate(" not in repr(obj)
    html = obj._repr_html_()
    assert html.count("<table>") == 1 and "</table>" in html
    assert "<script" not in html


def test_run_tables_show_the_phase(objects):
    run = objects["run"]
    html = run._repr_html_()
    assert "<th>phase</th>" in html and ">announced<" in html and ">effective<" in html
    text = run.table()
    assert "phase" in text.splitlines()[0] and "announced" in text and "effective" in text


def test_summary_repr_is_its_table(objects):
    assert repr(objects["summary"]) == str(objects["summary"])
    assert "P(rupture)" in objects["summary"]._repr_html_()
