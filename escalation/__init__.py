"""escalation: discrete-event simulation of tit-for-tat diplomatic escalation.

Actors (states, alliances) answer each other's hostile measures (expulsions, caps, closures,
suspensions, statements) according to retaliation policies; runs happen on SimPy; the bundled
model draws on the documented NATO-Russia episodes of 2015-2021. See the README for a tour.

The outputs are distributions over scenarios for reasoning about policies, not forecasts: the
documented record is a handful of episodes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from escalation import _compat
from escalation.base.errors import (
    EscalationError,
    HistoryError,
    InfeasibleMeasureError,
    InputError,
    ScenarioError,
)
from escalation.base.version import library_version
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
    Reciprocity,
    Scripted,
    TitForTat,
    TitForTwoTats,
)
from escalation.model.policy import Context, FunctionPolicy, Plan, Policy, as_policy
from escalation.model.registry import register_policy
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
from escalation.model.wave import Initiator, Wave
from escalation.sim.dyads import DyadOutcome, dyad_outcomes
from escalation.sim.engine import simulate
from escalation.sim.history import History, bundled_histories, load_history, replay
from escalation.sim.outcome import OUTCOME_NAMES, Outcome
from escalation.sim.run import Run

#: Names loaded on first use (name -> module), so that ``import escalation`` (in every worker
#: process too) loads neither the calibration layer nor matplotlib.
_LAZY = {
    "plot": "escalation.plot",
    "calibrate": "escalation.calibrate.driver",
    "predictive_checks": "escalation.calibrate.checks",
    "PredictiveChecks": "escalation.calibrate.checks",
    "Posterior": "escalation.calibrate.posterior",
    "load_posterior": "escalation.calibrate.posterior",
    "Priors": "escalation.calibrate.priors",
    "default_priors": "escalation.calibrate.priors",
    "predict": "escalation.validate.predict",
    "Prediction": "escalation.validate.predict",
    "joint_checks": "escalation.validate.joint",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from escalation import plot
    from escalation.calibrate.checks import PredictiveChecks, predictive_checks
    from escalation.calibrate.driver import calibrate
    from escalation.calibrate.posterior import Posterior, load_posterior
    from escalation.calibrate.priors import Priors, default_priors
    from escalation.validate.joint import joint_checks
    from escalation.validate.predict import Prediction, predict


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'escalation' has no attribute {name!r}")
    module = importlib.import_module(target)
    value = module if name == "plot" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


_compat.install()

__version__ = library_version()

__all__ = [
    "BUILTIN_POLICIES",
    "DEFAULT_LADDER",
    "OUTCOME_NAMES",
    "Actor",
    "Comparison",
    "Context",
    "Delay",
    "DyadOutcome",
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
    "Initiator",
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
    "Posterior",
    "Prediction",
    "PredictiveChecks",
    "Presence",
    "PresenceSpec",
    "Priors",
    "Proportional",
    "Reciprocity",
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
    "Wave",
    "__version__",
    "as_policy",
    "bundled_histories",
    "bundled_scenarios",
    "calibrate",
    "compare",
    "default_priors",
    "dyad_outcomes",
    "joint_checks",
    "load_history",
    "load_posterior",
    "load_scenario",
    "plot",
    "predict",
    "predictive_checks",
    "register_policy",
    "replay",
    "run_ensemble",
    "simulate",
]
