"""Golden outputs: the code now gives exactly what was recorded in ``tests/golden/``.

The cases are in ``golden_cases.py`` (shared with ``tools/record_golden.py``): event logs of
200 seeds of every bundled scenario, ensembles serial and on 2 workers, a seeded calibration,
the replayed history and the command line's outputs. A failure names the file and the first
difference (for event logs: the scenario, the seed and the first differing event). Re-record
only for a change meant to alter results (see the top of ``tools/record_golden.py``).
"""

from __future__ import annotations

import functools

import golden_cases as gc
import numpy as np
import pytest

import escalation as esc

CASES = gc.cases()


@functools.cache
def computed(case_id: str) -> dict:
    """A case's outputs, computed once per test session."""
    return next(c for c in CASES if c.id == case_id).compute()


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.slow else []) for c in CASES],
)
def test_golden(case: gc.Case) -> None:
    problems = gc.check_case(case, gc.GOLDEN_DIR, computed(case.id))
    assert not problems, "outputs differ from the golden files:\n" + "\n".join(problems)


def test_every_bundled_scenario_is_recorded() -> None:
    recorded = sorted(
        p.name.removeprefix("events-").removesuffix(".jsonl.gz")
        for p in gc.GOLDEN_DIR.glob("events-*.jsonl.gz")
    )
    assert recorded == esc.bundled_scenarios(), (
        f"bundled scenarios {esc.bundled_scenarios()}, golden event logs for {recorded}"
    )


def test_no_stray_golden_files() -> None:
    present = sorted(p.name for p in gc.GOLDEN_DIR.iterdir())
    assert present == sorted(gc.golden_files())


@pytest.mark.slow
@pytest.mark.parametrize("scenario", gc.ENSEMBLE_SCENARIOS)
def test_ensemble_on_workers_equals_serial(scenario: str) -> None:
    arrays = computed(f"ensemble-{scenario}")
    serial = arrays[f"ensemble-{scenario}-serial.npz"]
    parallel = arrays[f"ensemble-{scenario}-workers2.npz"]
    diff = gc.compare_arrays(f"{scenario}: serial vs 2 workers", serial, parallel)
    assert diff is None, diff
    assert int(serial["meta.runs"]) == gc.ENSEMBLE_RUNS
    assert not np.any(serial["failed"])
