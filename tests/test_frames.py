"""Tidy frames out of ensembles: censored times marked, presences long, CSV/Parquet files."""

from __future__ import annotations

import numpy as np
import pytest

import escalation as esc

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def ensemble() -> esc.Ensemble:
    # Without the cap cut some runs rupture and some do not (with it, every run does).
    scenario = esc.load_scenario("nato-russia-2021").without_trigger("nato-2021-cap")
    return esc.run_ensemble(scenario, runs=60, seed=2)


def test_censored_times_are_marked_not_mixed_in(ensemble, tmp_path):
    frame = ensemble.to_frame()
    ruptured = ensemble["ruptured"].astype(bool)
    assert 0 < ruptured.sum() < len(ruptured)
    assert frame["censored"].tolist() == (~ruptured).tolist()
    assert frame["time_to_rupture"][~ruptured].isna().all()
    assert np.allclose(frame["time_to_rupture"][ruptured], ensemble["time_to_rupture"][ruptured])
    frame.to_csv(tmp_path / "x.csv")
    ensemble.to_csv(tmp_path / "runs.csv")
    back = pd.read_csv(tmp_path / "runs.csv")
    assert len(back) == 60 and back["censored"].tolist() == frame["censored"].tolist()


def test_presence_frame_is_long(ensemble):
    long = ensemble.presence_frame()
    assert len(long) == 60 * len(ensemble.presences)
    assert list(long.columns) == ["run", "presence", "staff", "cap", "status"]
    first = long[long["run"] == 0].set_index("presence")
    pid = ensemble.presences[0]
    assert first.loc[pid, "staff"] == ensemble[f"staff:{pid}"][0]


def test_parquet_round_trip_or_a_clear_error(ensemble, tmp_path):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"escalation\[parquet\]"):
            ensemble.to_parquet(tmp_path / "runs.parquet")
        return
    ensemble.to_parquet(tmp_path / "runs.parquet")
    assert len(pd.read_parquet(tmp_path / "runs.parquet")) == 60


def test_summary_comparison_posterior_and_events_frames(ensemble):
    summary = ensemble.summary().to_frame()
    assert summary.loc[0, "quantity"] == "P(rupture)"
    assert summary.loc[0, "estimate"] == pytest.approx(ensemble["ruptured"].mean())
    comparison = esc.compare({"a": ensemble, "b": ensemble}).to_frame()
    assert len(comparison) == 6 and comparison["difference"].iloc[3:].eq(0).all()
    posterior = esc.load_posterior(esc.load_scenario("nato-russia-2021").posterior).to_frame()
    assert posterior["weight"].sum() == pytest.approx(1.0) and "russia.rupture_gap" in posterior
    with pytest.raises(ValueError, match="keep='events'"):
        ensemble.events_frame()
    kept = esc.run_ensemble(esc.load_scenario("two-states"), runs=5, seed=1, keep="events")
    events = kept.events_frame()
    assert set(events["run"]) == set(range(5)) and {"phase", "measure"} <= set(events.columns)
    assert len(events) == sum(len(log) for log in kept.events)
