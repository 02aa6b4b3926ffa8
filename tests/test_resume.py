"""Checkpoints: an interrupted ensemble resumes to exactly the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import escalation as esc
from escalation.ensemble import Ensemble, run_ensemble

SEED = 2018
RUNS = 300
CHUNK = 10

# The child process runs the bundled scenario with every run slowed by a sleep (the draws are
# untouched), so that it is still busy when the test interrupts it.
CHILD = """
import sys, time
import escalation as esc
import escalation.ensemble.chunk as chunk

class Slow(chunk.Simulator):
    def run(self, seed=None):
        time.sleep(0.01)
        return super().run(seed)

chunk.Simulator = Slow
scenario = esc.load_scenario("nato-russia-2021")
esc.run_ensemble(scenario, {runs}, {seed}, chunk_size={chunk}, checkpoint=sys.argv[1])
print("finished")
"""


@pytest.fixture(scope="module")
def scenario() -> esc.Scenario:
    return esc.load_scenario("nato-russia-2021")


@pytest.fixture(scope="module")
def uninterrupted(scenario: esc.Scenario) -> Ensemble:
    return run_ensemble(scenario, RUNS, SEED, chunk_size=CHUNK)


def assert_same(a: Ensemble, b: Ensemble) -> None:
    assert list(a.outcomes) == list(b.outcomes)
    for name in a.outcomes:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert a.errors == b.errors
    assert a.events == b.events


def chunks(folder: Path) -> list[Path]:
    return sorted(folder.glob("chunk-*.npz"))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["killed", "ctrl-c"])
def test_interrupted_process_resumes_to_the_same_result(
    tmp_path: Path, scenario: esc.Scenario, uninterrupted: Ensemble, sig: signal.Signals
) -> None:
    folder = tmp_path / "checkpoint"
    code = CHILD.format(runs=RUNS, seed=SEED, chunk=CHUNK)
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(chunks(folder)) < 3:
            assert child.poll() is None, f"the child ended early: {child.communicate()}"
            assert time.monotonic() < deadline, "no chunks written within a minute"
            time.sleep(0.02)
        child.send_signal(sig)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0 and "finished" not in out
    if sig == signal.SIGINT:
        assert "KeyboardInterrupt" in err
    written = chunks(folder)
    assert 3 <= len(written) < RUNS // CHUNK, "the child should have been stopped mid-run"
    for path in written:  # every finished chunk is whole and readable
        with np.load(path, allow_pickle=False) as data:
            assert data["failed"].shape == (CHUNK,)
    kept = {p.name: p.stat().st_mtime_ns for p in written}

    resumed = run_ensemble(scenario, RUNS, SEED, checkpoint=folder, resume=True)
    assert_same(resumed, uninterrupted)
    assert {p.name: p.stat().st_mtime_ns for p in chunks(folder) if p.name in kept} == kept
    assert len(chunks(folder)) == RUNS // CHUNK
    assert not list(folder.glob(".*.tmp"))


def test_resume_runs_only_missing_chunks_on_any_backend(
    tmp_path: Path, scenario: esc.Scenario, uninterrupted: Ensemble
) -> None:
    folder = tmp_path / "ck"
    full = run_ensemble(scenario, RUNS, SEED, chunk_size=CHUNK, checkpoint=folder)
    assert_same(full, uninterrupted)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["runs"] == RUNS
    assert manifest["chunk_size"] == CHUNK and manifest["version"] == esc.__version__
    for path in chunks(folder)[5::3]:
        path.unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in chunks(folder)}
    (folder / ".chunk-000005.npz.abc.tmp").write_bytes(b"half a file")  # as if killed
    resumed = run_ensemble(scenario, RUNS, None, checkpoint=folder, resume=True, workers=2)
    assert_same(resumed, uninterrupted)  # the seed and chunk size come from the manifest
    assert {p.name: p.stat().st_mtime_ns for p in chunks(folder) if p.name in kept} == kept
    assert not list(folder.glob(".*.tmp"))


def test_resume_keeps_event_logs(tmp_path: Path, scenario: esc.Scenario) -> None:
    folder = tmp_path / "events"
    full = run_ensemble(scenario, 30, SEED, chunk_size=4, keep="events", checkpoint=folder)
    chunks(folder)[2].unlink()
    resumed = run_ensemble(scenario, 30, SEED, keep="events", checkpoint=folder, resume=True)
    assert_same(resumed, full)


def test_resume_in_an_empty_directory_starts_afresh(tmp_path, scenario, uninterrupted):
    resumed = run_ensemble(
        scenario, RUNS, SEED, chunk_size=CHUNK, checkpoint=tmp_path / "new", resume=True
    )
    assert_same(resumed, uninterrupted)


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("seed", {"seed": SEED + 1}),
        ("runs", {"runs": 45}),
        ("chunk_size", {"chunk_size": 7}),
        ("keep", {"keep": "events"}),
        ("scenario_hash", {"scenario": "other"}),
    ],
)
def test_resume_refuses_a_different_ensemble(tmp_path, scenario, field, change) -> None:
    folder = tmp_path / "ck"
    run_ensemble(scenario, 40, SEED, chunk_size=5, checkpoint=folder)
    args = {"runs": 40, "seed": SEED, "chunk_size": 5, "keep": "outcomes"}
    other = scenario.with_policy("russia", esc.Passive())
    args.update(change)
    target = other if args.pop("scenario", None) else scenario
    with pytest.raises(esc.InputError, match=f"field '{field}'.*cannot resume"):
        run_ensemble(target, checkpoint=folder, resume=True, **args)


def test_an_existing_checkpoint_is_not_overwritten(tmp_path, scenario) -> None:
    folder = tmp_path / "ck"
    run_ensemble(scenario, 20, SEED, checkpoint=folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(esc.InputError, match="already holds a checkpoint"):
        run_ensemble(scenario, 20, SEED, checkpoint=folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_corrupt_manifest_is_named(tmp_path, scenario) -> None:
    folder = tmp_path / "ck"
    folder.mkdir()
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(esc.InputError, match=r"manifest\.json"):
        run_ensemble(scenario, 20, SEED, checkpoint=folder, resume=True)
    assert os.listdir(folder) == ["manifest.json"]
