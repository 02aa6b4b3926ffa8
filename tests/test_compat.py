"""Old flat import paths keep working for one release, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import sys

import pytest

from escalation import _compat

#: A name each old module had, checked to still be there.
NAMES = {
    "escalation.errors": "InputError",
    "escalation.measure": "MeasureKind",
    "escalation.state": "State",
    "escalation.ladder": "Ladder",
    "escalation.substitution": "substitute",
    "escalation.event": "Event",
    "escalation.trigger": "Trigger",
    "escalation.delay": "Delay",
    "escalation.policy": "Policy",
    "escalation.policies": "TitForTat",
    "escalation.scenario": "load_scenario",
    "escalation.engine": "MAX_ACTS",
    "escalation.run": "Run",
    "escalation.outcome": "Outcome",
    "escalation.history": "replay",
    "escalation.executors": "Progress",
    "escalation.summary": "compare",
    "escalation.summaries": "EpisodeSummaries",
    "escalation.priors": "Uniform",
    "escalation.posterior": "Generation",
    "escalation.abc": "smc",
    "escalation.calibration": "predictive_checks",
}


def test_every_moved_module_is_checked() -> None:
    assert set(NAMES) == set(_compat.MOVED)


@pytest.mark.parametrize("old", sorted(NAMES))
def test_old_path_warns_and_still_has_its_names(old: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"{old} moved to"):
        sys.modules.pop(old, None)
        module = importlib.import_module(old)
    assert hasattr(module, NAMES[old])
