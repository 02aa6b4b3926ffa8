"""A script without a ``__main__`` guard gets an error naming the fix, not a bare
BrokenProcessPool."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import escalation as esc

esc.run_ensemble(esc.load_scenario("two-states"), runs=40, seed=1, workers=2, chunk_size=10)
"""


@pytest.mark.slow
def test_missing_main_guard_is_explained(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode != 0
    # The interpreter's resource tracker may print a leaked-semaphore warning after the
    # traceback at shutdown, so look for the exception line rather than the last line.
    lines = done.stderr.strip().splitlines()
    prefix = "escalation.base.executors.WorkersDied: the worker processes"
    found = [line for line in lines if line.startswith(prefix)]
    assert len(found) == 1, done.stderr[-2000:]
    assert 'if __name__ == "__main__":' in found[0] and str(script) in found[0]
    assert "BrokenProcessPool" not in found[0]
