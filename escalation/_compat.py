"""Old import paths of the flat layout (0.1), kept for one release with a DeprecationWarning.

``import escalation.engine`` (and ``from escalation.engine import simulate``) still work: a
finder on ``sys.meta_path`` answers for the old names with the module at its new place, after
warning once. New code imports from the layered subpackages or from :mod:`escalation`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import Any

#: Old module name -> new module name.
MOVED: dict[str, str] = {
    "escalation.errors": "escalation.base.errors",
    "escalation.measure": "escalation.model.measure",
    "escalation.state": "escalation.model.state",
    "escalation.ladder": "escalation.model.ladder",
    "escalation.substitution": "escalation.model.substitution",
    "escalation.event": "escalation.model.event",
    "escalation.trigger": "escalation.model.trigger",
    "escalation.delay": "escalation.model.delay",
    "escalation.policy": "escalation.model.policy",
    "escalation.policies": "escalation.model.policies",
    "escalation.scenario": "escalation.model.scenario",
    "escalation.engine": "escalation.sim.engine",
    "escalation.run": "escalation.sim.run",
    "escalation.outcome": "escalation.sim.outcome",
    "escalation.history": "escalation.sim.history",
    "escalation.executors": "escalation.base.executors",
    "escalation.summary": "escalation.ensemble.comparison",
    "escalation.summaries": "escalation.calibrate.episodes",
    "escalation.priors": "escalation.calibrate.priors",
    "escalation.posterior": "escalation.calibrate.posterior",
    "escalation.abc": "escalation.calibrate.smc",
    "escalation.calibration": "escalation.calibrate.driver",
}


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.target}; the old path goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(self.target)
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        return None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
