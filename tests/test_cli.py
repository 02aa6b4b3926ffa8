"""The command line: commands, exit codes, output files, and one line per bad input."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import escalation as esc
from escalation import cli
from escalation.model.event import EVENT_FIELDS
from escalation.model.scenario import bundled_dir

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def as_cells(record: dict[str, object]) -> dict[str, str]:
    return {k: "" if record[k] is None else str(record[k]) for k in EVENT_FIELDS}


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- run -------------------------------------------------------------------------------------
def test_run_prints_the_dated_events_and_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "run", "nato-russia-2021", "--seed", "2")
    assert code == 0
    assert err == ""
    expected = esc.simulate("nato-russia-2021", seed=2)
    assert out.startswith("scenario nato-russia-2021, seed 2:")
    table_lines = [line for line in out.splitlines() if line[:4].strip().isdigit()]
    assert len(table_lines) == len(expected.events)
    for line, event in zip(table_lines, expected.events, strict=True):
        assert event.date.isoformat() in line
        assert f" {event.measure.value} " in line
    o = expected.outcome
    assert f"rounds {o.rounds}, peak severity {o.peak_severity}" in out
    assert f"last mover {o.last_mover}" in out
    final = out.split("final state")[1]
    for pid, (staff, cap, status) in o.final.items():
        row = next(line.split() for line in final.splitlines() if line.split()[:1] == [pid])
        assert row[3:] == [str(staff), "-" if cap is None else str(cap), status.value]


def test_run_is_reproducible_and_the_seed_matters(capsys: pytest.CaptureFixture[str]) -> None:
    outs = [run_cli(capsys, "run", "two-states", "--seed", str(s))[1] for s in (1, 1, 2)]
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_run_out_writes_csv_json_and_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    code, stdout, err = run_cli(
        capsys, "run", "nato-russia-2018", "--seed", "5", "--out", str(out)
    )
    assert code == 0
    assert "wrote" in err and str(out) in err  # a note, on stderr
    assert entries(out) == sorted(cli.OUTPUT_FILES)
    assert entries(tmp_path) == ["results"]  # no temporary folder left behind

    expected = esc.simulate("nato-russia-2018", seed=5)
    records = expected.to_records()
    rows = read_csv(out / "events.csv")
    assert list(rows[0]) == list(EVENT_FIELDS)
    assert rows == [as_cells(r) for r in records]

    doc = json.loads((out / "events.json").read_text(encoding="utf-8"))
    assert doc["kind"] == "run"
    assert doc["scenario"] == "nato-russia-2018"
    assert doc["seed"] == 5
    assert doc["escalation_version"] == esc.__version__
    assert doc["events"] == json.loads(json.dumps(records))
    assert doc["outcome"] == json.loads(json.dumps(expected.outcome.to_dict()))
    # the document describes what ran: the scenario can be rebuilt from it
    assert esc.Scenario.model_validate(doc["scenario_spec"]) == expected.scenario

    png = (out / "trajectory.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000
    assert stdout.startswith("scenario nato-russia-2018")


def test_run_out_keeps_other_files_and_replaces_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "events.csv").write_text("old")
    args = ("run", "two-states", "--seed", "1", "--out", str(out), "--force")
    assert run_cli(capsys, *args)[0] == 0
    assert entries(out) == sorted([*cli.OUTPUT_FILES, "notes.txt"])
    assert (out / "notes.txt").read_text() == "mine"
    assert read_csv(out / "events.csv")[0]["date"]  # replaced by the new run
    assert entries(tmp_path) == ["results"]


def test_run_out_creates_missing_parents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a" / "b" / "results"
    assert run_cli(capsys, "run", "two-states", "--out", str(out))[0] == 0
    assert entries(out) == sorted(cli.OUTPUT_FILES)
    assert entries(tmp_path) == ["a"]
    (tmp_path / "plain").mkdir()  # a folder made the usual way, for its permissions
    assert (out.stat().st_mode & 0o777) == ((tmp_path / "plain").stat().st_mode & 0o777)


def test_run_accepts_a_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = yaml.safe_load((bundled_dir("scenarios") / "two-states.yaml").read_text())
    data["name"] = "my-copy"
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, _ = run_cli(capsys, "run", str(path), "--seed", "1")
    assert code == 0
    assert out.startswith("scenario my-copy, seed 1")


def test_a_failure_while_writing_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(run: esc.Run, path: Path) -> bool:
        path.write_bytes(b"half a picture")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.output, "write_plot", broken)
    new = tmp_path / "new"
    code, out, err = run_cli(capsys, "run", "two-states", "--out", str(new))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and "No space left" in err
    assert entries(tmp_path) == []  # neither the folder nor a temporary one

    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "events.csv").write_text("old")
    assert run_cli(capsys, "run", "two-states", "--out", str(kept))[0] == 2
    assert entries(kept) == ["events.csv"]
    assert (kept / "events.csv").read_text() == "old"
    assert entries(tmp_path) == ["kept"]


# -- bad input -------------------------------------------------------------------------------
def write_bad_scenario(folder: Path) -> Path:
    data = yaml.safe_load((bundled_dir("scenarios") / "two-states.yaml").read_text())
    data["presences"][0]["owner"] = "nobody"
    path = folder / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["run", "{bad}"], ["bad.yaml", "presences[0].owner", "unknown actor 'nobody'"]),
        (["run", "{dir}/missing.yaml"], ["missing.yaml", "file not found"]),
        (["run", "no-such-scenario"], ["no-such-scenario", "no bundled scenario"]),
        (["run", "{broken}"], ["broken.yaml", "line 2"]),
        (["run", "{history}"], ["nato-russia.yaml", "history file", "escalation replay"]),
        (["run", "two-states", "--seed", "-3"], ["--seed", "0 or more"]),
        (["run", "two-states", "--seed", "many"], ["--seed", "not an integer"]),
        (["run"], ["SCENARIO"]),
        (["run", "two-states", "--out", "{bad}"], ["bad.yaml", "--out", "not a folder"]),
        (["replay", "no-such-history"], ["no-such-history", "no bundled history"]),
        (["replay", "{bad}"], ["bad.yaml", "scenario file", "escalation run"]),
        (["replay", "{csv}"], ["events.csv", "no presences"]),
        (["validate", "{bad}"], ["bad.yaml", "unknown actor"]),
        (["validate", "{dir}/missing.yaml"], ["missing.yaml", "not found"]),
        (["frobnicate"], ["invalid choice"]),
        ([], ["COMMAND"]),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: list[str]
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    broken = inputs / "broken.yaml"
    broken.write_text("name: x\n  start: 2024-01-01\n")
    csv_history = inputs / "events.csv"
    csv_history.write_text(
        "date,actor,target,measure,presence,magnitude\n2021-10-06,nato,russia,expel,ru-mission-nato,8\n"
    )
    names = {
        "bad": str(write_bad_scenario(inputs)),
        "dir": str(inputs),
        "broken": str(broken),
        "history": str(bundled_dir("seeds") / "nato-russia.yaml"),
        "csv": str(csv_history),
    }
    out = tmp_path / "results"
    args = [a.format(**names) for a in argv]
    if args[:1] in (["run"], ["replay"]) and "--out" not in args:
        args += ["--out", str(out)]
    before = entries(inputs)
    code, stdout, err = run_cli(capsys, *args)
    assert code == 2
    assert stdout == ""
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for word in says:
        assert word in err
    assert not out.exists()
    assert entries(tmp_path) == ["inputs"]
    assert entries(inputs) == before


# -- replay ----------------------------------------------------------------------------------
def test_replay_prints_the_documented_events_and_the_end_state(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "replay", "nato-russia")
    assert code == 0 and err == ""
    history = esc.load_history("nato-russia")
    assert out.startswith("history nato-russia:")
    for event in history.events:
        assert event.calendar(history.start).isoformat() in out
    end = out.split("state at the end")[1]
    rows = {line.split()[0]: line.split()[1:] for line in end.splitlines()[2:] if line.strip()}
    assert rows["ru-mission-nato"][-1] == "suspended"
    assert rows["nato-nio-moscow"][-1] == "closed"
    assert rows["nato-mlm-moscow"][-1] == "closed"
    assert rows["ru-mission-nato"][3] == "10"  # the cap of 10 set on 6 Oct 2021


def test_replay_out_writes_the_same_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "replayed"
    assert run_cli(capsys, "replay", "nato-russia", "--out", str(out))[0] == 0
    assert entries(out) == sorted(cli.OUTPUT_FILES)
    expected = esc.replay("nato-russia")
    doc = json.loads((out / "events.json").read_text(encoding="utf-8"))
    assert doc["kind"] == "replay" and doc["history"] == "nato-russia"
    assert doc["events"] == json.loads(json.dumps(expected.to_records()))
    assert read_csv(out / "events.csv") == [as_cells(r) for r in expected.to_records()]
    assert (out / "trajectory.png").read_bytes().startswith(PNG_MAGIC)


def test_replay_a_csv_history_on_a_scenarios_presences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "date,actor,target,measure,presence,magnitude,source\n"
        "2021-10-06,nato,russia,expel,ru-mission-nato,8,https://tass.com/politics/1350915\n"
        "2021-10-06,nato,russia,cap,ru-mission-nato,10,\n"
    )
    code, out, _ = run_cli(capsys, "replay", str(path), "--scenario", "nato-russia-2021")
    assert code == 0
    row = next(line.split() for line in out.splitlines() if line.startswith("  ru-mission-nato"))
    assert row[3:] == ["10", "10", "open"]  # 18 - 8 staff, cap 20 - 10


# -- validate and list -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "begins"),
    [
        (str(bundled_dir("scenarios") / "nato-russia-2021.yaml"), "ok: scenario nato-russia-2021"),
        (str(bundled_dir("seeds") / "nato-russia.yaml"), "ok: history nato-russia"),
        ("two-states", "ok: scenario two-states"),
        ("nato-russia", "ok: history nato-russia"),
    ],
)
def test_validate_recognises_and_describes_the_file(
    capsys: pytest.CaptureFixture[str], target: str, begins: str
) -> None:
    code, out, err = run_cli(capsys, "validate", target)
    assert code == 0 and err == ""
    assert out.startswith(begins)
    assert len(out.splitlines()) == 1


def test_validate_a_csv_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "h.csv"
    path.write_text("date,actor,target,measure\n2021-10-08,russia,nato,threaten\n")
    code, out, _ = run_cli(capsys, "validate", str(path))
    assert code == 0
    assert out.startswith("ok: history h") and "1 event " in out


def test_validate_replays_a_history_and_reports_an_impossible_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load((bundled_dir("seeds") / "nato-russia.yaml").read_text())
    expel = next(e for e in data["events"] if e["id"] == "nato-2021-expel")
    expel["magnitude"] = 80
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "2021-10-06" in err and "tass.com" in err


def test_list_names_every_bundled_scenario_and_history(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert listed == set(esc.bundled_scenarios()) | set(esc.bundled_histories())
    assert {"nato-russia-2021", "nato-russia-2018", "two-states", "nato-russia"} <= listed
    assert all(len(line) <= 140 for line in out.splitlines())


@pytest.mark.parametrize("command", [[], ["run"], ["replay"], ["validate"], ["list"]])
def test_help_on_every_command(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = run_cli(capsys, *command, "--help")
    assert code == 0
    assert out.startswith(f"usage: {' '.join(['escalation', *command])}")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"escalation {esc.__version__}"


# -- as a real process -----------------------------------------------------------------------
def console_script() -> list[str]:
    """The installed ``escalation`` script next to this Python, else ``python -m escalation``."""
    script = Path(sys.executable).with_name("escalation")
    found = str(script) if script.exists() else shutil.which("escalation")
    return [found] if found else [sys.executable, "-m", "escalation"]


def test_the_installed_command_runs_and_writes(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [*console_script(), "run", "nato-russia-2021", "--seed", "7", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, done.stderr
    assert "outcome:" in done.stdout
    expected = esc.simulate("nato-russia-2021", seed=7)
    assert read_csv(out / "events.csv") == [as_cells(r) for r in expected.to_records()]
    assert (out / "trajectory.png").read_bytes().startswith(PNG_MAGIC)


def test_python_m_escalation_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "escalation",
            "run",
            str(tmp_path / "nope.yaml"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"escalation: error: {tmp_path / 'nope.yaml'}: file not found"
    ]
    assert not out.exists()
