"""Tidy frames out of ensembles: censored times marked, presences long, CSV/Parquet files."""

from __future__ import annotations

import numpy as np
import pytest

import escalation as esc

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def ensemble() -> esc.Ensemble:
    return esc.run_ensemble(esc.load_scenario("nato-russia-2021"), runs=60, seed=2)


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
