"""escalation: discrete-event simulation of tit-for-tat diplomatic escalation.

Actors (states, alliances) answer each other's hostile measures (expulsions, caps, closures,
suspensions, statements) according to retaliation policies; runs happen on SimPy; the bundled
model draws on the documented NATO-Russia episodes of 2015-2021. See the README for a tour.

The outputs are distributions over scenarios for reasoning about policies, not forecasts: the
documented record is a handful of episodes.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from escalation import _compat
from escalation.base.errors import (
    EscalationError,
    HistoryError,
    InfeasibleMeasureError,
    InputError,
    ScenarioError,
)
from escalation.calibrate.driver import calibrate
from escalation.ensemble import Comparison, Ensemble, Summary, compare, run_ensemble
from escalation.model.delay import Delay
from escalation.model.event import Event, Phase
from escalation.model.ladder import DEFAULT_LADDER, Ladder
from escalation.model.measure import Measure, MeasureKind
from escalation.model.policies import (
    BUILTIN_POLICIES,
    EscalateByK,
    GenerousTitForTat,
    Gradual,
    Grievance,
    GrimTrigger,
    LevelParity,
    Passive,
    Proportional,
    Scripted,
    TitForTat,
    TitForTwoTats,
)
from escalation.model.policy import Context, FunctionPolicy, Plan, Policy, as_policy
from escalation.model.scenario import (
    Actor,
    LadderSpec,
    PresenceSpec,
    Scenario,
    StopRules,
    bundled_scenarios,
    load_scenario,
)
from escalation.model.state import Presence, State, Status
from escalation.model.trigger import Trigger
from escalation.sim.engine import simulate
from escalation.sim.history import History, bundled_histories, load_history, replay
from escalation.sim.outcome import OUTCOME_NAMES, Outcome
from escalation.sim.run import Run


def __getattr__(name: str) -> object:
    # ``esc.plot`` is imported on first use, so that ``import escalation`` (in every worker
    # process too) does not load matplotlib.
    if name == "plot":
        import importlib

        return importlib.import_module("escalation.plot")
    raise AttributeError(f"module 'escalation' has no attribute {name!r}")


_compat.install()

try:
    __version__ = version("escalation")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BUILTIN_POLICIES",
    "DEFAULT_LADDER",
    "OUTCOME_NAMES",
    "Actor",
    "Comparison",
    "Context",
    "Delay",
    "Ensemble",
    "EscalateByK",
    "EscalationError",
    "Event",
    "FunctionPolicy",
    "GenerousTitForTat",
    "Gradual",
    "Grievance",
    "GrimTrigger",
    "History",
    "HistoryError",
    "InfeasibleMeasureError",
    "InputError",
    "Ladder",
    "LadderSpec",
    "LevelParity",
    "Measure",
    "MeasureKind",
    "Outcome",
    "Passive",
    "Phase",
    "Plan",
    "Policy",
    "Presence",
    "PresenceSpec",
    "Proportional",
    "Run",
    "Scenario",
    "ScenarioError",
    "Scripted",
    "State",
    "Status",
    "StopRules",
    "Summary",
    "TitForTat",
    "TitForTwoTats",
    "Trigger",
    "__version__",
    "as_policy",
    "bundled_histories",
    "bundled_scenarios",
    "calibrate",
    "compare",
    "load_history",
    "load_scenario",
    "replay",
    "run_ensemble",
    "simulate",
]
