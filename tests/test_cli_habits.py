"""CLI habits: a filled --out is refused without --force, --resume on a finished folder says
so, --quiet, --no-plots, --json, --workers auto, files readable by all."""

from __future__ import annotations

import json
import stat

from escalation.cli import main
from escalation.cli.common import workers_number


def test_filled_out_is_refused_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "two-states", "--runs", "20", "--out", str(out), "--no-plots"]) == 0
    before = (out / "summary.json").read_bytes()
    capsys.readouterr()
    args = ["run", "two-states", "--runs", "20", "--seed", "1", "--out", str(out), "--no-plots"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err and "--force" in err and err.count("\n") == 1
    assert (out / "summary.json").read_bytes() == before  # nothing written
    assert main([*args, "--force"]) == 0
    assert (out / "summary.json").read_bytes() != before


def test_resume_on_a_finished_folder_says_it_is_complete(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "two-states", "--runs", "20", "--out", str(out), "--no-plots"]) == 0
    capsys.readouterr()
    stamp = (out / "outcomes.npz").stat().st_mtime_ns
    assert main(["run", "two-states", "--runs", "20", "--out", str(out), "--resume"]) == 0
    assert "finished ensemble" in capsys.readouterr().err
    assert (out / "outcomes.npz").stat().st_mtime_ns == stamp


def test_quiet_json_no_plots_and_file_modes(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", "two-states", "--runs", "30", "--out", str(out)]
    assert main([*args, "--no-plots", "--json", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    summary = json.loads(captured.out)
    assert summary["runs"] == 30 and "p_rupture" in summary
    assert not list(out.glob("*.png"))
    for f in out.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f.name
    assert main(["run", "two-states", "--seed", "2", "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_workers_auto_is_accepted_and_junk_refused(capsys):
    assert workers_number("auto") >= 1 and workers_number("3") == 3
    assert main(["run", "two-states", "--runs", "10", "--workers", "many"]) == 2
    assert "--workers" in capsys.readouterr().err
