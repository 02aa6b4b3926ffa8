"""The command line at scale: ``escalation run --runs N`` writes outcomes, summary and plots,
and an ensemble killed mid-run resumes with ``--resume`` to the uninterrupted result."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from escalation.cli import ENSEMBLE_PLOTS, main
from escalation.ensemble import Ensemble

# A long exchange: both sides mirror one expulsion at a time with short lags until the staff
# run out and closures follow, so each run has many events (slow enough to interrupt).
LONG_EXCHANGE = """
name: long-exchange
start: 2024-01-01
horizon_days: 3000
actors:
  - id: a
    policy: {type: tit-for-tat, lag: {median: 2, sigma: 0.5}}
  - id: b
    policy: {type: generous-tit-for-tat, forgiveness: 0.02, lag: {median: 2, sigma: 0.5}}
presences:
  - {id: a-in-b, owner: a, host: b, staff: 60}
  - {id: b-in-a, owner: b, host: a, staff: 60}
triggers:
  - {actor: a, target: b, measure: expel, presence: b-in-a, magnitude: 1, day: 1}
stop: {rupture: true, quiet_days: 60}
"""


@pytest.fixture
def long_exchange(tmp_path: Path) -> Path:
    path = tmp_path / "long-exchange.yaml"
    path.write_text(LONG_EXCHANGE)
    return path


def test_ensemble_run_writes_outcomes_summary_and_plots(tmp_path, capsys):
    out = tmp_path / "results"
    code = main(["run", "nato-russia-2021", "--runs", "60", "--seed", "3", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "P(rupture)" in printed and "60 runs" in printed
    for name in ("outcomes.npz", "outcomes.json", "summary.json", "summary.txt"):
        assert (out / name).is_file(), name
    assert set(ENSEMBLE_PLOTS) == {
        "fan_chart",
        "endings",
        "time_to_rupture",
        "rounds",
        "peak_severity",
    }
    for name in ENSEMBLE_PLOTS:
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert not (out / "checkpoint").exists()  # removed once the results are written
    assert not (out / "ruptured.png").exists() and not (out / "last_mover.png").exists()
    text = (out / "summary.txt").read_text()
    assert "Terms: days count from the scenario's start, 2021-10-05 (day 0)" in text
    summary = json.loads((out / "summary.json").read_text())
    ensemble = Ensemble.load(out / "outcomes.npz")
    assert ensemble.runs == 60 and ensemble.seed == 3
    assert summary["runs"] == 60
    assert summary["p_rupture"]["value"] == pytest.approx(ensemble["ruptured"].mean())


def test_workers_give_the_same_outcomes_as_serial(tmp_path):
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    args = ["run", "nato-russia-2021", "--runs", "40", "--seed", "11"]
    assert main([*args, "--out", str(serial)]) == 0
    assert main([*args, "--workers", "2", "--chunk-size", "7", "--out", str(pooled)]) == 0
    a, b = Ensemble.load(serial / "outcomes.npz"), Ensemble.load(pooled / "outcomes.npz")
    for name in a.outcomes:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize(
    "extra, problem",
    [
        (["--workers", "2"], "--workers needs --runs"),
        (["--runs", "5", "--resume"], "--resume needs"),
        (["--runs", "5", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "either"),
        (["--runs", "0"], "must be 1 or more"),
    ],
)
def test_bad_ensemble_options_exit_2_with_one_line(tmp_path, capsys, extra, problem):
    code = main(["run", "nato-russia-2021", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert problem in err and len(err.strip().splitlines()) == 1


def test_unreachable_scheduler_is_one_clear_line(capsys):
    code = main(["run", "two-states", "--runs", "4", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--scheduler" in err and len(err.strip().splitlines()) == 1


def test_leftover_checkpoint_needs_resume(tmp_path, capsys):
    out = tmp_path / "results"
    (out / "checkpoint").mkdir(parents=True)
    code = main(["run", "two-states", "--runs", "4", "--out", str(out)])
    assert code == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.slow
def test_killed_cli_ensemble_resumes_to_the_uninterrupted_result(tmp_path, long_exchange):
    exe = shutil.which("escalation") or ""
    command = [exe] if exe else [sys.executable, "-m", "escalation"]
    args = ["run", str(long_exchange), "--runs", "200", "--seed", "5", "--chunk-size", "5"]
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [*command, *args, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    checkpoint = out / "checkpoint"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(list(checkpoint.glob("chunk-*.npz"))) >= 3 or child.poll() is not None:
            break
        time.sleep(0.02)
    assert child.poll() is None, "the ensemble finished before it could be interrupted"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    kept = sorted(checkpoint.glob("chunk-*.npz"))
    assert 3 <= len(kept) < 40
    assert not (out / "outcomes.npz").exists()  # nothing final was half written

    resumed = subprocess.run(
        [*command, *args, "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    whole = tmp_path / "whole"
    assert main([*args, "--out", str(whole)]) == 0
    a, b = Ensemble.load(out / "outcomes.npz"), Ensemble.load(whole / "outcomes.npz")
    assert a.runs == b.runs == 200
    for name in a.outcomes:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.distributed
@pytest.mark.slow
def test_scheduler_runs_the_ensemble_on_a_dask_cluster(tmp_path):
    import logging

    from dask.distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        args = ["run", "nato-russia-2021", "--runs", "50", "--seed", "8"]
        remote, local = tmp_path / "remote", tmp_path / "local"
        assert main([*args, "--scheduler", cluster.scheduler_address, "--out", str(remote)]) == 0
        assert main([*args, "--out", str(local)]) == 0
    finally:
        cluster.close()
    a, b = Ensemble.load(remote / "outcomes.npz"), Ensemble.load(local / "outcomes.npz")
    for name in a.outcomes:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
