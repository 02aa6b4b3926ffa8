"""Regression tests of issue 12: bad input refused at the door, bounded work, no litter."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml
from tiny import TINY

import escalation as esc
from escalation import cli
from escalation.base.errors import InputError
from escalation.cli.common import resumable
from escalation.model.files import _bad_date

SCENARIO = TINY

POSTERIOR = {
    "format": "escalation-posterior",
    "parameters": ["a.reply_probability"],
    "priors": {"policies": {"a": {"type": "tit-for-tat"}}},
    "particles": [[0.5], [0.9]],
    "weights": [0.5, 0.5],
}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def with_posterior(tmp_path: Path, posterior: object | None, name: str = "p.json") -> Path:
    """A scenario naming ``name``, written with ``posterior`` (JSON) unless it is None."""
    if posterior is not None:
        text = posterior if isinstance(posterior, str) else json.dumps(posterior)
        (tmp_path / name).write_text(text)
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO + f"posterior: {name}\n")
    return path


def test_good_posterior_loads(tmp_path: Path) -> None:
    scenario = esc.load_scenario(with_posterior(tmp_path, POSTERIOR))
    assert scenario.posterior is not None


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (None, "not found"),
        ("not json", "not valid JSON"),
        ({"particles": [[0.5], [0.9, 0.1]]}, "particles"),
        ({"weights": [float("nan"), 1.0]}, "weights"),
        ({"weights": [-0.5, 1.5]}, "non-negative"),
        ({"weights": ["a", "b"]}, "weights"),
        ({"particles": []}, "particles"),
        ({"particles": [[1e400], [0.5]]}, "particles"),
        ({"particles": [[7.0], [0.5]]}, "particle 0"),
        (
            {
                "priors": {"policies": {"zz": {"type": "tit-for-tat"}}},
                "parameters": ["zz.reply_probability"],
            },
            "zz",
        ),
    ],
)
def test_bad_posterior_refused_by_load_and_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: object, fragment: str
) -> None:
    """Item 1: every bad posterior is refused at load time with one line."""
    if change is None:
        posterior: object | None = None
    elif isinstance(change, str):
        posterior = change
    else:
        posterior = json.dumps({**POSTERIOR, **change}).replace("Infinity", "1e400")
    path = with_posterior(tmp_path, posterior)
    with pytest.raises(InputError, match=fragment):
        esc.load_scenario(path)
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and fragment in err


@pytest.mark.parametrize("target", ["folder", "/dev/zero", "fifo"])
def test_posterior_not_a_regular_file(tmp_path: Path, target: str) -> None:
    """Item 2: a folder, a device or a FIFO is refused at once, not read."""
    if target == "folder":
        (tmp_path / "p.json").mkdir()
    elif target == "fifo":
        os.mkfifo(tmp_path / "p.json")
    else:
        (tmp_path / "p.json").symlink_to(target)
    began = time.perf_counter()
    with pytest.raises(InputError, match="posterior"):
        esc.load_scenario(with_posterior(tmp_path, None))
    assert time.perf_counter() - began < 5


def test_bad_posterior_run_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Item 1: the ensemble is refused before it starts; no checkpoint is left behind."""
    path = with_posterior(tmp_path, {**POSTERIOR, "weights": [2.0, -1.0]})
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", str(path), "--runs", "4", "--out", str(out))
    assert code == 2 and "weights" in err and not out.exists()


def test_python_scenario_with_bad_posterior_refused_by_run_ensemble(tmp_path: Path) -> None:
    scenario = esc.load_scenario(with_posterior(tmp_path, POSTERIOR))
    (tmp_path / "p.json").write_text("[]")
    with pytest.raises(InputError, match="format"):
        esc.run_ensemble(scenario, 3, seed=1)


def test_failed_input_removes_the_checkpoint_it_made(tmp_path: Path) -> None:
    """Item 1: a --strict failure leaves no checkpoint to block the next run."""
    checkpoint = tmp_path / "checkpoint"
    with pytest.raises(InputError), resumable(checkpoint, "chunks"):
        checkpoint.mkdir()
        raise InputError("a run failed")
    assert not checkpoint.exists()
    checkpoint.mkdir()  # one that was there before (--resume) is kept
    with pytest.raises(InputError), resumable(checkpoint, "chunks"):
        raise InputError("does not match")
    assert checkpoint.exists()


def test_alias_walk_visits_each_node_once() -> None:
    """Item 3: the bad-date walk is linear in the node graph, not in its expansion."""
    text = "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
    text += "".join(
        f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]\n" for i in range(1, 30)
    )
    text += "start: 2021-02-30\n"
    began = time.perf_counter()
    field, line = _bad_date(yaml.compose(text, Loader=yaml.SafeLoader))
    assert (field, line) == ("start", 31)
    assert time.perf_counter() - began < 1


def test_alias_bomb_refused_quickly(tmp_path: Path) -> None:
    """Item 3: a small file whose aliases expand to billions of values is refused at once."""
    text = "x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
    text += "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]\n" for i in range(1, 9))
    path = tmp_path / "bomb.yaml"
    path.write_text(text + "start: 2021-02-30\n")
    began = time.perf_counter()
    with pytest.raises(InputError, match="aliases"):
        esc.load_scenario(path)
    assert time.perf_counter() - began < 2


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], opening: str
) -> None:
    """Item 7: depth 500 is refused by a nesting limit, not a RecursionError."""
    closing = "]" if opening == "[" else "}"
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + opening * 500 + "1" + closing * 500 + "\n")
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and "nested deeper than" in err and len(err.splitlines()) == 1


def test_deep_json_posterior(tmp_path: Path) -> None:
    path = with_posterior(tmp_path, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=r"nested|JSON"):
        esc.load_scenario(path)


def test_every_problem_is_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 13: three problems, three lines, exit 2."""
    text = SCENARIO.replace("target: a,", "target: zz,").replace("host: b,", "host: yy,")
    text = text.replace("staff: 20}\n  - {id: b-in-a", "staff: -3}\n  - {id: b-in-a")
    path = tmp_path / "three.yaml"
    path.write_text(text.replace("name: tiny", "name: Tiny!"))
    code, _, err = run_cli(capsys, "validate", str(path))
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2  # field errors first; references after a fix
    assert "'name'" in lines[0] and "'presences[0].staff'" in lines[1]
    path.write_text(text.replace("staff: -3", "staff: 3"))
    code, _, err = run_cli(capsys, "validate", str(path))
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2, err
    assert "presences[0].host" in err and "triggers[0].target" in err
    assert all(line.startswith(f"escalation: error: {path}") for line in lines)


def test_quiet_days_null_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Item 5: ``stop: {quiet_days: null}`` is allowed, and runs."""
    path = tmp_path / "q.yaml"
    path.write_text(SCENARIO + "stop: {quiet_days: null}\n")
    code, out, err = run_cli(capsys, "run", str(path))
    assert code == 0 and "outcome:" in out, err


@pytest.mark.parametrize("field", ["staff", "cap"])
def test_staff_and_cap_bounded(tmp_path: Path, field: str) -> None:
    """Item 6: staff or cap above 2**31 - 1 is refused by the schema."""
    big = 2**31
    entry = f"staff: {big}, cap: {big}" if field == "staff" else f"staff: 20, cap: {big}"
    path = tmp_path / "big.yaml"
    text = SCENARIO.replace("owner: a, host: b, staff: 20", f"owner: a, host: b, {entry}")
    path.write_text(text)
    with pytest.raises(InputError, match=f"presences\\[0\\].{field}"):
        esc.load_scenario(path)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"date,actor,target,measure\n2021-01-01,a,b,expel\xff\n", "not UTF-8"),
        (
            b"date,actor,target,measure,note\n2021-01-01,a,b,expel," + b"x" * 200_000 + b"\n",
            "not valid CSV",
        ),
    ],
)
def test_csv_history_problems_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, fragment: str
) -> None:
    """Item 8: a non-UTF-8 byte or a huge field is one line, exit 2."""
    path = tmp_path / "h.csv"
    path.write_bytes(content)
    code, _, err = run_cli(capsys, "validate", str(path))
    assert code == 2 and fragment in err and len(err.splitlines()) == 1


def test_argument_checks_have_the_library_s_messages() -> None:
    """Item 9: wrong arguments fail with the library's own message, not from deep inside."""
    scenario = esc.load_scenario("two-states")
    with pytest.raises(TypeError, match="workers must be"):
        esc.run_ensemble(scenario, 4, seed=1, workers=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="workers must be"):
        esc.run_ensemble(scenario, 4, seed=1, workers="2")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="executor must be"):
        esc.run_ensemble(scenario, 4, seed=1, executor="x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seed must be"):
        esc.run_ensemble(scenario, 4, seed=-1)
    with pytest.raises(TypeError, match="load_scenario needs"):
        esc.load_scenario(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="with_policy needs a Policy"):
        scenario.with_policy(scenario.actors[0].id, "x")  # type: ignore[arg-type]


WATCHED = """
import time
from escalation.base.executors import process_pool
if __name__ == "__main__":
    pool = process_pool(2)
    futures = [pool.submit(time.sleep, 0.2) for _ in range(4)]
    [f.result() for f in futures]
    print(" ".join(str(p) for p in pool._processes), flush=True)
    time.sleep(60)
"""


def test_pool_workers_die_with_their_parent(tmp_path: Path) -> None:
    """Item 9: after kill -9 of the main process its workers end within seconds."""
    import signal
    import subprocess
    import sys

    script = tmp_path / "watched.py"
    script.write_text(WATCHED)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    workers = [int(p) for p in proc.stdout.readline().split()]
    assert workers
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().split()[2] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 10
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in workers)
