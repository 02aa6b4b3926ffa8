"""``escalation calibrate``: results written, resumable, bad input refused with one line."""

from __future__ import annotations

import json

import pytest

from escalation.cli import main

SMALL = ["--population", "60", "--generations", "2", "--seed", "4"]


@pytest.mark.slow
def test_calibrate_writes_posterior_checks_and_plots(tmp_path, capsys):
    out = tmp_path / "fit"
    code = main(["calibrate", "nato-russia-2021", "nato-russia", "--out", str(out), *SMALL])
    assert code == 0
    printed = capsys.readouterr()
    assert "russia.threshold" in printed.out and "p-value" in printed.out
    assert "generation 2/2" in printed.err  # progress on stderr
    for name in (
        "posterior.json",
        "predictive_checks.csv",
        "posterior_pairs.png",
        "posterior_marginals.png",
        "predictive_checks.png",
    ):
        assert (out / name).is_file(), name
    assert not (out / "checkpoint.json").exists()  # removed once finished
    posterior = json.loads((out / "posterior.json").read_text())
    assert posterior["seed"] == 4 and len(posterior["particles"]) == 60
    header = (out / "predictive_checks.csv").read_text().splitlines()[0]
    assert "p" in header.lower()

    # the same seed again gives the same posterior
    again = tmp_path / "again"
    assert main(["calibrate", "nato-russia-2021", "nato-russia", "--out", str(again), *SMALL]) == 0
    repeated = json.loads((again / "posterior.json").read_text())
    assert repeated["particles"] == posterior["particles"]


def test_unfinished_checkpoint_needs_resume(tmp_path, capsys):
    out = tmp_path / "fit"
    out.mkdir()
    (out / "checkpoint.json").write_text("{}")
    code = main(["calibrate", "nato-russia-2021", "nato-russia", "--out", str(out), *SMALL])
    err = capsys.readouterr().err
    assert code == 2 and "--resume" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, problem",
    [
        (["nato-russia-2021", "no-such-history"], "no bundled history"),
        (["no-such-scenario", "nato-russia"], "no bundled scenario"),
        (["nato-russia-2021", "nato-russia", "--population", "0"], "must be 1 or more"),
    ],
)
def test_bad_calibrate_input_exits_2_and_writes_nothing(tmp_path, capsys, args, problem):
    out = tmp_path / "fit"
    code = main(["calibrate", *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and problem in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
