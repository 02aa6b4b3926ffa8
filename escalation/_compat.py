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

#: Old module name -> the module(s) its names now live in (the first that has a name wins).
MOVED: dict[str, tuple[str, ...]] = {
    "escalation.errors": ("escalation.base.errors",),
    "escalation.measure": ("escalation.model.measure",),
    "escalation.state": ("escalation.model.state",),
    "escalation.ladder": ("escalation.model.ladder",),
    "escalation.substitution": ("escalation.model.substitution",),
    "escalation.event": ("escalation.model.event",),
    "escalation.trigger": ("escalation.model.trigger",),
    "escalation.delay": ("escalation.model.delay",),
    "escalation.policy": ("escalation.model.policy",),
    "escalation.policies": ("escalation.model.policies",),
    "escalation.scenario": ("escalation.model.scenario",),
    "escalation.engine": ("escalation.sim.engine", "escalation.sim.play"),
    "escalation.run": ("escalation.sim.run",),
    "escalation.outcome": ("escalation.sim.outcome",),
    "escalation.history": ("escalation.sim.history",),
    "escalation.executors": ("escalation.base.executors", "escalation.base.progress"),
    "escalation.summary": (
        "escalation.ensemble.summary",
        "escalation.ensemble.comparison",
        "escalation.ensemble.stats",
    ),
    "escalation.summaries": ("escalation.calibrate.episodes",),
    "escalation.priors": ("escalation.calibrate.priors", "escalation.calibrate.distributions"),
    "escalation.posterior": ("escalation.calibrate.posterior", "escalation.calibrate.generation"),
    "escalation.abc": (
        "escalation.calibrate.smc",
        "escalation.calibrate.batch",
        "escalation.calibrate.generation",
    ),
    "escalation.calibration": (
        "escalation.calibrate.driver",
        "escalation.calibrate.problem",
        "escalation.calibrate.checks",
        "escalation.calibrate.posterior",
        "escalation.cli.calibrate_outputs",
    ),
}


class _Alias(importlib.abc.Loader):
    def __init__(self, targets: tuple[str, ...]):
        self.targets = targets

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {' and '.join(self.targets)}; the old path goes in the "
            "next release",
            DeprecationWarning,
            stacklevel=2,
        )
        if len(self.targets) == 1:
            module = importlib.import_module(self.targets[0])
        else:
            module = ModuleType(spec.name, f"Names of the old {spec.name} (deprecated).")
            for target in reversed(self.targets):  # the first module's names win
                found = importlib.import_module(target)
                for name, value in vars(found).items():
                    if not name.startswith("__"):
                        setattr(module, name, value)
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: ModuleType) -> None:
        return None


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        targets = MOVED.get(fullname)
        if targets is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(targets))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
