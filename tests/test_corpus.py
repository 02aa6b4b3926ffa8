"""The malformed-input corpus of issue 12: every bad file is refused at the door.

``tests/corpus/`` holds small bad files of every kind the library reads: scenarios (with
``waves:``, ``memory:``, ``mirrors:`` and ``posterior:`` references), histories in YAML and
CSV, priors, episode sets and posteriors. ``tests/corpus/cases.yaml`` lists each file with the
command that reads it and a fragment of the message it must give. Each case runs the command
line in a process of its own and must end with exit status 2, every line on stderr an
``escalation: error:`` line (no traceback), the fragment among them, nothing written (no
``--out``, no other file), within :data:`TIME_LIMIT` seconds and :data:`MEMORY_LIMIT` bytes of
peak resident memory.

The processes are forked from a server that has imported the library once (multiprocessing's
``forkserver``), so that a case costs what its command costs, not an interpreter start.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from tiny import tiny

CORPUS = Path(__file__).parent / "corpus"
CASES: list[dict[str, str]] = yaml.safe_load((CORPUS / "cases.yaml").read_text())
#: Most seconds a case may take (a busy CI machine included).
TIME_LIMIT = 20.0
#: Most peak resident memory of a case's process, in bytes.
MEMORY_LIMIT = 2**30
#: Posterior files are read through a small scenario that names them.
SCENARIO = tiny("horizon_days: 60", "posterior: {file}")
#: Small settings, in case a calibration were (wrongly) to start.
SMALL = ["--population", "10", "--generations", "1"]


def command(case: dict[str, str], folder: Path) -> list[str]:
    """The command line that reads the case's file; its ``--out`` is ``folder/out``."""
    path, out = str(CORPUS / case["file"]), str(folder / "out")
    kind = case["command"]
    if kind == "validate":
        return ["validate", path]
    if kind in ("run", "replay"):
        return [kind, path, "--out", out]
    if kind == "priors":
        scenario, history = "nato-russia-2021", "nato-russia"
        return ["calibrate", scenario, history, "--priors", path, "--out", out, *SMALL]
    if kind == "episodes":
        return ["calibrate", "--episodes", path, "--out", out, *SMALL]
    assert kind == "posterior", kind
    scenario = folder / "with-posterior.yaml"
    scenario.write_text(SCENARIO.replace("{file}", path))
    return ["run", str(scenario), "--out", out]


def _child(argv: list[str], folder: str) -> None:
    """Run the command line in this (forked) process: output to files, then the peak memory."""
    os.chdir(folder)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        path = os.path.join(folder, "..", f"{Path(folder).name}.{name}")
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    from escalation import cli

    code = cli.main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    Path(folder, "..", f"{Path(folder).name}.peak").write_text(str(peak))
    sys.exit(code)


@pytest.fixture(scope="module")
def forkserver() -> Any:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the forkserver start method (POSIX)")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["escalation.cli", "escalation.cli.calibrate_outputs"])
    warm = context.Process(target=int)  # start the server now, not within the first case
    warm.start()
    warm.join()
    return context


#: Worst time and peak memory seen, printed at the end (the figures the issue asks for).
WORST: dict[str, tuple[float, str]] = {}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_is_refused(tmp_path: Path, forkserver: Any, case: dict[str, str]) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    argv = command(case, folder)
    before = sorted(p.name for p in folder.iterdir())
    began = time.perf_counter()
    proc = forkserver.Process(target=_child, args=(argv, str(folder)))
    proc.start()
    proc.join(TIME_LIMIT)
    seconds = time.perf_counter() - began
    if proc.is_alive():
        proc.kill()
        proc.join()
        pytest.fail(f"{case['file']}: still running after {TIME_LIMIT:g} s")
    err = (tmp_path / "case.stderr").read_text()
    peak = int((tmp_path / "case.peak").read_text()) if (tmp_path / "case.peak").exists() else 0
    for name, value in (("seconds", seconds), ("bytes", float(peak))):
        if value > WORST.get(name, (0.0, ""))[0]:
            WORST[name] = (value, case["file"])
    assert proc.exitcode == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(line.startswith("escalation: error: ") for line in lines), err
    assert case["expect"] in err, err
    assert (tmp_path / "case.stdout").read_text() == ""
    assert sorted(p.name for p in folder.iterdir()) == before  # no --out, nothing else
    assert 0 < peak < MEMORY_LIMIT, f"peak memory {peak:,} bytes"


def test_corpus_covers_every_kind() -> None:
    """At least 60 cases, each file listed once and present, every file kind represented."""
    files = [c["file"] for c in CASES]
    assert len(files) >= 60 and len(set(files)) == len(files)
    assert all((CORPUS / f).is_file() for f in files)
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file()}
    assert on_disk - {"cases.yaml"} == set(files)
    kinds = {f.split("/")[0] for f in files}
    assert kinds == {"scenario", "history", "history-csv", "priors", "episodes", "posterior"}
    text = "".join((CORPUS / f).read_bytes().decode("utf-8", "replace") for f in files)
    for feature in ("waves:", "memory:", "mirrors:", "posterior:"):
        assert feature in text


def teardown_module() -> None:
    if WORST:
        (seconds, slow), (peak, big) = WORST["seconds"], WORST["bytes"]
        print(
            f"\ncorpus: slowest case {slow} {seconds:.1f} s; largest {big} {peak / 2**20:.0f} MiB",
            file=sys.stderr,
        )
