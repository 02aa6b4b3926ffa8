"""Ensembles: the seed rule, determinism on every backend, failures, files, frames, memory."""

from __future__ import annotations

import json
import logging
import warnings

import numpy as np
import pytest

import escalation as esc
from escalation.ensemble import Ensemble, run_ensemble
from escalation.ensemble.chunk import child_seeds
from escalation.ensemble.columns import columns_for, empty_outcomes

RUNS = 40
SEED = 20211006


def flaky(ctx: esc.Context):
    """Answer in kind, but raise on about a third of the draws (module level: it pickles)."""
    if ctx.rng.random() < 0.35:
        raise RuntimeError("policy broke")
    return ctx.answer_in_kind()


@pytest.fixture(scope="module")
def scenario() -> esc.Scenario:
    # A noisy grim trigger that fires half the time on Russia's side: some runs rupture,
    # rounds and statuses vary. (Noisy tit-for-tat no longer ruptures here: its answers in
    # kind land at the NATO office that mirrors Russia's mission, and stall once it is empty.)
    base = esc.load_scenario("nato-russia-2021")
    return base.with_policy(
        "russia", esc.GrimTrigger(reply_probability=0.5, implementation_noise=0.3)
    )


@pytest.fixture(scope="module")
def flaky_scenario(scenario: esc.Scenario) -> esc.Scenario:
    return scenario.with_policy("russia", esc.as_policy(flaky))


@pytest.fixture(scope="module")
def reference(scenario: esc.Scenario) -> Ensemble:
    return run_ensemble(scenario, RUNS, SEED, keep="events")


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] missing")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        cluster.close()


@pytest.fixture(
    params=[
        "serial",
        "workers=1",
        "workers=2",
        "chunk_size=1",
        "chunk_size=7",
        pytest.param("dask", marks=pytest.mark.distributed),
    ]
)
def backend(request: pytest.FixtureRequest) -> dict:
    """Keyword arguments of run_ensemble for each execution backend."""
    name = request.param
    if name == "dask":
        return {"executor": request.getfixturevalue("dask_executor"), "chunk_size": 9}
    if name.startswith("workers="):
        return {"workers": int(name.split("=")[1]), "chunk_size": 6}
    if name.startswith("chunk_size="):
        return {"chunk_size": int(name.split("=")[1])}
    return {}


def assert_same_outcomes(a: Ensemble, b: Ensemble) -> None:
    assert list(a.outcomes) == list(b.outcomes)
    for name in a.outcomes:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert a.errors == b.errors


def test_every_backend_gives_the_same_ensemble(
    scenario: esc.Scenario, reference: Ensemble, backend: dict
) -> None:
    ensemble = run_ensemble(scenario, RUNS, SEED, keep="events", **backend)
    assert_same_outcomes(ensemble, reference)
    assert ensemble.events == reference.events


def test_every_backend_records_the_same_failures(
    flaky_scenario: esc.Scenario, backend: dict
) -> None:
    with pytest.warns(RuntimeWarning, match="runs failed"):
        serial = run_ensemble(flaky_scenario, RUNS, SEED)
    with pytest.warns(RuntimeWarning, match="runs failed"):
        other = run_ensemble(flaky_scenario, RUNS, SEED, **backend)
    assert_same_outcomes(serial, other)


def test_run_i_uses_the_ith_child_of_the_seed(scenario: esc.Scenario, reference: Ensemble):
    children = np.random.SeedSequence(SEED).spawn(RUNS)
    for i in (0, 17, RUNS - 1):
        run = esc.simulate(scenario, children[i])
        o = run.outcome
        assert reference["ruptured"][i] == o.ruptured
        assert reference["rounds"][i] == o.rounds
        assert reference["peak_severity"][i] == o.peak_severity
        assert reference["end_time"][i] == o.end_time
        mover = -1 if o.last_mover is None else reference.actors.index(o.last_mover)
        assert reference["last_mover"][i] == mover
        for pid, (staff, cap, status) in o.final.items():
            assert reference[f"staff:{pid}"][i] == staff
            assert reference[f"cap:{pid}"][i] == (-1 if cap is None else cap)
            assert reference[f"status:{pid}"][i] == list(esc.Status).index(status)
        assert reference.events[i] == run.events
        assert reference.rerun(i).events == run.events


def test_child_seeds_equal_spawn() -> None:
    spawned = np.random.SeedSequence(5).spawn(12)
    built = child_seeds(np.random.SeedSequence(5), 4, 12)
    assert [s.generate_state(4).tolist() for s in spawned[4:]] == [
        s.generate_state(4).tolist() for s in built
    ]


def test_censoring_columns(reference: Ensemble) -> None:
    ruptured = reference["ruptured"]
    assert ruptured.any() and not ruptured.all(), "the test scenario should vary"
    np.testing.assert_array_equal(reference["censored"], ~ruptured)
    censored = reference["censored"]
    np.testing.assert_array_equal(
        reference["time_to_rupture"][censored], reference["end_time"][censored]
    )
    assert np.all(reference["time_to_rupture"][ruptured] <= reference["end_time"][ruptured])
    assert np.all(reference["end_time"] <= reference.horizon)


def test_outcomes_only_equals_events_mode(scenario: esc.Scenario, reference: Ensemble):
    light = run_ensemble(scenario, RUNS, SEED)
    assert light.events is None and light.keep == "outcomes"
    assert_same_outcomes(light, reference)


def test_other_seed_differs_and_no_seed_is_recorded(scenario: esc.Scenario, reference):
    other = run_ensemble(scenario, RUNS, SEED + 1)
    assert not np.array_equal(other["end_time"], reference["end_time"])
    fresh = run_ensemble(scenario, 10, None)
    again = run_ensemble(scenario, 10, fresh.seed)
    assert_same_outcomes(fresh, again)


def test_failures_are_recorded_with_index_and_batch_goes_on(flaky_scenario):
    with pytest.warns(RuntimeWarning, match="runs failed"):
        ensemble = run_ensemble(flaky_scenario, RUNS, SEED, chunk_size=8)
    failed = ensemble["failed"]
    assert 0 < failed.sum() < RUNS
    assert sorted(ensemble.errors) == np.flatnonzero(failed).tolist()
    assert all(text == "RuntimeError: policy broke" for text in ensemble.errors.values())
    assert np.all(ensemble["rounds"][failed] == -1)
    assert np.all(np.isnan(ensemble["end_time"][failed]))
    assert not ensemble["censored"][failed].any()
    assert np.all(ensemble["rounds"][~failed] >= 1)
    # the recorded seed reproduces the failure
    i = min(ensemble.errors)
    with pytest.raises(RuntimeError, match="policy broke"):
        ensemble.rerun(i)
    summary = ensemble.summary()
    assert summary.failures == failed.sum()
    assert summary.completed == RUNS - failed.sum()
    assert "failed" in str(summary) and f"run {i}" in str(summary)


@pytest.mark.parametrize("workers", [None, 2])
def test_strict_stops_at_the_first_failure(flaky_scenario: esc.Scenario, workers):
    with pytest.raises(RuntimeError, match="policy broke") as info:
        run_ensemble(flaky_scenario, RUNS, SEED, strict=True, workers=workers, chunk_size=5)
    notes = getattr(info.value, "__notes__", [])
    assert any("run " in n and "SeedSequence" in n for n in notes)


def test_save_and_load_round_trip(tmp_path, reference: Ensemble) -> None:
    path = reference.save(tmp_path / "out" / "outcomes")
    assert path.name == "outcomes.npz" and path.with_suffix(".json").is_file()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["seed"] == SEED and meta["runs"] == RUNS
    assert set(meta["columns"]) == set(reference.outcomes)
    with np.load(path, allow_pickle=False) as data:  # portable: no pickle inside
        assert set(reference.outcomes) <= set(data.files)
    loaded = Ensemble.load(path)
    assert_same_outcomes(loaded, reference)
    assert loaded.events == reference.events
    assert loaded.scenario == reference.scenario
    assert (loaded.seed, loaded.runs, loaded.version) == (SEED, RUNS, reference.version)
    assert loaded.horizon == reference.horizon
    assert not list(path.parent.glob("*.tmp"))


def test_load_names_the_missing_file(tmp_path) -> None:
    with pytest.raises(esc.InputError, match="file not found"):
        Ensemble.load(tmp_path / "nothing.npz")


def test_save_with_function_policy_keeps_outcomes(tmp_path, flaky_scenario) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ensemble = run_ensemble(flaky_scenario, 12, SEED)
    loaded = Ensemble.load(ensemble.save(tmp_path / "flaky.npz"))
    assert loaded.scenario is None  # a function cannot be rebuilt from a file
    assert_same_outcomes(loaded, ensemble)
    assert loaded.summary().failures == len(ensemble.errors)


def test_to_frame_is_tidy(reference: Ensemble) -> None:
    pytest.importorskip("pandas", reason="pandas missing")
    frame = reference.to_frame()
    assert len(frame) == RUNS and frame["run"].tolist() == list(range(RUNS))
    movers = frame["last_mover"].astype(object).where(frame["last_mover"].notna(), None)
    assert movers.tolist() == reference.last_mover_names().tolist()
    pid = reference.presences[0]
    assert set(frame[f"status:{pid}"].astype(str)) <= {"open", "suspended", "closed"}
    for pid in reference.presences:
        no_cap = reference[f"cap:{pid}"] == -1
        assert frame[f"cap:{pid}"].isna().tolist() == no_cap.tolist()
        assert frame[f"cap:{pid}"][~no_cap].tolist() == reference[f"cap:{pid}"][~no_cap].tolist()
    assert (reference["cap:ru-mission-nato"] >= 0).all()  # Russia's mission is capped
    assert frame["error"].isna().all()


def test_outcome_columns_of_a_million_runs_fit_well_under_a_gibibyte() -> None:
    presences = [p.id for p in esc.load_scenario("nato-russia-2021").presences]
    columns = empty_outcomes(1_000_000, presences)
    total = sum(a.nbytes for a in columns.values())
    per_run = sum(np.dtype(d).itemsize for _, d, _, _ in columns_for(presences))
    assert total == per_run * 1_000_000
    assert total < 2**30 / 8


def test_bad_arguments(scenario: esc.Scenario) -> None:
    with pytest.raises(ValueError, match="runs"):
        run_ensemble(scenario, 0, 1)
    with pytest.raises(ValueError, match="keep"):
        run_ensemble(scenario, 2, 1, keep="everything")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either"):
        run_ensemble(scenario, 2, 1, workers=1, executor=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers"):
        run_ensemble(scenario, 2, 1, workers=0)
    with pytest.raises(TypeError, match="seed"):
        run_ensemble(scenario, 2, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resume"):
        run_ensemble(scenario, 2, 1, resume=True)
    local = scenario.with_policy("russia", esc.as_policy(lambda ctx: None))
    with pytest.raises(ValueError, match="module level"):
        run_ensemble(local, 2, 1, workers=2)
    assert run_ensemble(local, 2, 1).runs == 2  # fine in this process


def test_progress_is_silent_in_pipes_and_forced_on_request(scenario, capsys) -> None:
    run_ensemble(scenario, 6, 1, chunk_size=2)
    assert capsys.readouterr().err == ""
    run_ensemble(scenario, 6, 1, chunk_size=2, progress=True)
    assert "6/6" in capsys.readouterr().err
    run_ensemble(scenario, 6, 1, chunk_size=2, progress=False)
    assert capsys.readouterr().err == ""
