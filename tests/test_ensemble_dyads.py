"""Per-dyad outcomes across an ensemble (issue 10, item 2): read from the kept event logs."""

from __future__ import annotations

import math

import pytest

import escalation as esc
from escalation.ensemble.dyads import DYAD_FIELDS
from escalation.sim.dyads import dyad_outcomes


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if a is None and isinstance(b, float) and math.isnan(b):
        return True  # pandas stores a missing time as NaN
    return a == b


@pytest.mark.parametrize("name", ["skripal-2018", "nato-russia-2021", "three-actors"])
def test_dyads_from_the_logs_equal_those_of_the_rerun_runs(name: str) -> None:
    scenario = esc.load_scenario(name)
    ens = esc.run_ensemble(scenario, runs=12, seed=5, keep="events", engine="simpy")
    frame = ens.dyads()
    assert list(frame.columns) == ["run", *DYAD_FIELDS]
    for run in range(len(ens)):
        want = dyad_outcomes(ens.rerun(run))
        got = frame[frame["run"] == run].to_dict("records")
        assert len(got) == len(want)
        for row, d in zip(got, want, strict=True):
            for field in DYAD_FIELDS:
                assert _same(getattr(d, field), row[field]), (run, field)


def test_dyad_summary_per_dyad_and_pooled() -> None:
    scenario = esc.load_scenario("skripal-2018")
    ens = esc.run_ensemble(scenario, runs=20, seed=1, keep="events", engine="simpy")
    table = ens.dyad_summary()
    assert table["dyad"].iloc[-1] == "pooled"
    per = table.iloc[:-1]
    assert len(per) == 30  # 29 states and NATO, each against Russia
    assert (per["runs"] == 20).all() and table["runs"].iloc[-1] == 20 * 30
    pooled = table.iloc[-1]
    assert pooled["p_answered"] == pytest.approx(per["p_answered"].mean())
    for col in ("p_answered", "p_ruptured"):
        assert ((table[col] >= 0) & (table[col] <= 1)).all()
    # the standard error is the binomial one
    row = per.iloc[0]
    p = row["p_answered"]
    assert row["se_answered"] == pytest.approx(math.sqrt(p * (1 - p) / 20))


def test_an_ensemble_without_logs_says_how_to_get_dyads() -> None:
    ens = esc.run_ensemble("two-states", runs=4, seed=1)
    with pytest.raises(ValueError, match="keep='events'"):
        ens.dyads()
