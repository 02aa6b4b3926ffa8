"""The calibration problem: the fitting scenario, its model, the priors and the observed data.

:class:`CalibrationProblem` builds one *fitting scenario* from a scenario and a documented
history, in which the calibrated actor's answers are simulated and everything else is played
as documented, and :class:`ScenarioModel` simulates it under parameter vectors. What is fitted
and how the fitting scenario is made are described in ``docs/calibration.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from escalation.base.errors import InputError
from escalation.base.seeds import Seed
from escalation.calibrate.episodes import EpisodeSummaries
from escalation.calibrate.logged import batch_summaries, why_not
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors, as_priors
from escalation.model.scenario import Actor, PresenceSpec, Scenario, StopRules, load_scenario
from escalation.model.trigger import Trigger
from escalation.sim.engine import simulate
from escalation.sim.history import History, load_history, replay
from escalation.sim.run import Run, RunLog


class RunSummaries(Protocol):
    """Anything that summarises a run as a vector of named numbers."""

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the summaries, in order."""
        ...

    def compute(self, run: RunLog) -> np.ndarray:
        """The summaries of ``run``."""
        ...


@dataclass(frozen=True)
class ScenarioModel:
    """The fitting scenario as a model: runs under parameter vectors, summarised.

    A picklable :class:`~escalation.calibrate.batch.Model` for :mod:`escalation.calibrate.smc`.
    ``engine``: ``"auto"`` plays the runs on the batch engine when it can
    (:mod:`escalation.calibrate.logged`; the summaries are the same, row for row), else on
    the SimPy engine; ``"batch"`` fails when it cannot; ``"simpy"`` always uses SimPy.
    """

    scenario: Scenario
    priors: Priors
    summaries: RunSummaries
    engine: Literal["auto", "batch", "simpy"] = "auto"

    def scenario_for(self, theta: Sequence[float] | np.ndarray) -> Scenario:
        """The fitting scenario with the calibrated actors following ``theta``."""
        policies = self.priors.apply(theta)
        actors = tuple(
            a.model_copy(update={"policy": policies[a.id], "policies": {}})
            if a.id in policies
            else a
            for a in self.scenario.actors
        )
        # The policies were validated by Priors.apply; the rest of the scenario is unchanged.
        return self.scenario.model_copy(update={"actors": actors})

    def run(self, theta: Sequence[float] | np.ndarray, seed: Seed) -> Run:
        """One run under ``theta``."""
        return simulate(self.scenario_for(theta), seed=seed)

    def __call__(self, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        """Summaries of one run per row of ``thetas``, each with its own seed."""
        if self.engine != "simpy":
            fast = batch_summaries(self, thetas, seeds)
            if fast is not None:
                return fast
            if self.engine == "batch":
                why = why_not(self) or "the seeds are not SeedSequences or ints"
                raise ValueError(f"the batch engine cannot play these runs: {why}")
        out = np.empty((len(thetas), len(self.summaries.names)))
        for i, (theta, seq) in enumerate(zip(thetas, seeds, strict=True)):
            out[i] = self.summaries.compute(self.run(theta, seq))
        return out


@dataclass(frozen=True)
class CalibrationProblem:
    """The fitting scenario, the priors, the summaries and the observed values.

    Build one with :meth:`build`; :func:`escalation.calibrate.driver.calibrate` does so for you.
    """

    scenario: Scenario
    priors: Priors
    summaries: EpisodeSummaries
    observed: np.ndarray
    source: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        scenario: Scenario | str | Path,
        history: History | str | Path,
        priors: Priors | Mapping[str, Any] | str | Path | None = None,
        *,
        counterpart: str | None = None,
        episodes: Sequence[dt.date | str] | None = None,
        window_days: float = 90.0,
        quiet_days: float = 180.0,
        lead_days: int = 7,
        follow_days: float = 365.0,
    ) -> CalibrationProblem:
        """Build the problem from a scenario, a history and priors.

        Parameters
        ----------
        scenario
            Gives the base policies not set in ``priors``, the ladder, and the starting
            presences of a history that has none (CSV).
        history
            The documented episodes.
        priors
            Priors (object, mapping or file); the defaults fit Russia's grievance policy.
        counterpart
            The actor whose measures start episodes (default: the only other actor).
        episodes
            Episode dates (default: from the history's ``cause`` links, see
            :func:`documented_episodes`).
        window_days, quiet_days
            See :class:`escalation.calibrate.episodes.EpisodeSummaries`.
        lead_days
            The fitting run starts this many days before the first episode.
        follow_days
            ... and ends this many days after the last documented event or episode.

        Raises
        ------
        InputError
            If a file is invalid, the history cannot be replayed, or the pieces do not fit.
        """
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if not isinstance(history, History):
            history = load_history(history)
        priors = as_priors(priors)
        actor = _calibrated_actor(priors)
        documented = replay(history, scenario=None if history.presences else scenario)
        counterpart = _counterpart(history, documented, actor, counterpart)
        if episodes is None:
            found = documented_episodes(history, actor, counterpart)
        else:
            found = tuple(sorted({_as_date(d) for d in episodes}))
        if not found:
            raise InputError(
                f"the history has no measure of {counterpart!r} against {actor!r} to fit",
                source=history.path or history.name,
            )
        spec = EpisodeSummaries(
            actor=actor,
            counterpart=counterpart,
            episodes=found,
            window_days=window_days,
            quiet_days=quiet_days,
        )
        base = _fitting_scenario(
            scenario, history, documented, actor, found, lead_days, follow_days
        )
        resolved = priors.resolve(base.replace(actors=_with_base(scenario, base)))
        centre = [d.center for d in resolved.dists]
        return cls(
            scenario=ScenarioModel(base, resolved, spec).scenario_for(centre),
            priors=resolved,
            summaries=spec,
            observed=spec.compute(documented),
            source={"scenario": scenario.name, "history": history.name},
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the summaries."""
        return self.summaries.names

    @property
    def weights(self) -> None:
        """Summary weights in the distance: none (each weighs 1)."""
        return None

    @property
    def simulator(self) -> ScenarioModel:
        """The model that :mod:`escalation.calibrate.smc` fits."""
        return ScenarioModel(self.scenario, self.priors, self.summaries)

    def with_observed(self, observed: Sequence[float] | np.ndarray) -> CalibrationProblem:
        """The same problem with other observed summaries (e.g. from a synthetic run)."""
        obs = np.asarray(observed, dtype=float)
        if obs.shape != self.observed.shape:
            raise ValueError(f"need {self.observed.size} summaries, not {obs.size}")
        return CalibrationProblem(self.scenario, self.priors, self.summaries, obs, self.source)

    def description(self) -> dict[str, Any]:
        """JSON-able description, kept as the posterior's ``model`` (for predictive checks)."""
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "summaries": self.summaries.model_dump(mode="json"),
            "source": dict(self.source),
        }

    @classmethod
    def from_posterior(cls, posterior: Posterior) -> CalibrationProblem:
        """Rebuild the problem a posterior was fitted to."""
        model = posterior.model
        if not model or "scenario" not in model or "summaries" not in model:
            raise ValueError("this posterior does not record the scenario it was fitted to")
        return cls(
            scenario=Scenario.model_validate(model["scenario"]),
            priors=posterior.priors,
            summaries=EpisodeSummaries.model_validate(model["summaries"]),
            observed=np.array(posterior.observed),
            source=dict(model.get("source") or {}),
        )


def _calibrated_actor(priors: Priors) -> str:
    """The one actor the priors calibrate."""
    if len(priors.actors) != 1:
        raise InputError(
            "calibration fits one actor's answers; the priors name " + ", ".join(priors.actors),
            source="priors",
            field="parameters",
        )
    return priors.actors[0]


def _counterpart(history: History, documented: Run, actor: str, given: str | None) -> str:
    """The actor whose measures start the episodes: ``given``, or the only other one."""
    source = history.path or history.name
    actor_ids = [a.id for a in documented.scenario.actors]
    if actor not in actor_ids:
        raise InputError(f"actor {actor!r} does not appear in the history", source=source)
    if given is None:
        others = [a for a in actor_ids if a != actor]
        if len(others) != 1:
            raise InputError(
                f"the history has several other actors ({', '.join(others)}); "
                "say which one's measures start the episodes (counterpart=)",
                source=source,
            )
        return others[0]
    if given not in actor_ids:
        raise InputError(f"counterpart {given!r} is not in the history", source=source)
    return given


def _as_date(d: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(d) if isinstance(d, str) else d


def documented_episodes(history: History, actor: str, counterpart: str) -> tuple[dt.date, ...]:
    """Dates of the counterpart's measures against ``actor`` that ``actor`` is recorded answering.

    A measure counts if some event of ``actor`` names it (or a measure of the same date) as its
    ``cause``. If no event of ``actor`` names a cause, every date of a hostile, non-statement
    measure of the counterpart against ``actor`` is an episode.
    """
    start = history.start
    hostile = [
        e
        for e in history.events
        if e.actor == counterpart
        and e.target == actor
        and e.measure.is_hostile
        and not e.measure.is_statement
    ]
    by_id = {e.id: e.calendar(start) for e in hostile if e.id}
    causes = [e.cause for e in history.events if e.actor == actor and e.cause is not None]
    if not causes:
        return tuple(sorted({e.calendar(start) for e in hostile}))
    return tuple(sorted({by_id[c] for c in causes if c in by_id}))


def _with_base(scenario: Scenario, fitting: Scenario) -> tuple[Actor, ...]:
    """The fitting scenario's actors, with the user scenario's policies (the default bases)."""
    known = {a.id: a for a in scenario.actors}
    return tuple(
        a.model_copy(update={"policy": known[a.id].policy}) if a.id in known else a
        for a in fitting.actors
    )


def _fitting_scenario(
    scenario: Scenario,
    history: History,
    documented: Run,
    actor: str,
    episodes: Sequence[dt.date],
    lead_days: int,
    follow_days: float,
) -> Scenario:
    """The scenario one fitting run plays, before the calibrated actors get their policies.

    It starts ``lead_days`` before the first episode, in the state the replayed history
    (``documented``) gives on the day before, and plays every documented event from then on
    except ``actor``'s own answers; it ends ``follow_days`` after the last event or episode.
    What others did to ``actor`` before the start is its ``memory`` (policies with memory,
    such as grievance and reciprocity, count it, as they do in the bundled scenarios).
    """
    start = episodes[0] - dt.timedelta(days=lead_days)
    state = documented.state_at(start - dt.timedelta(days=1))
    presences = tuple(
        PresenceSpec(
            id=p.id,
            name=p.name,
            owner=p.owner,
            host=p.host,
            staff=p.staff,
            cap=p.cap,
            status=p.status,
        )
        for p in state.presences.values()
    )
    kept = _documented_triggers(history, actor, start)
    memory = _remembered(history, actor, start)
    last = max([*episodes, *(t.calendar(start) for t in kept)])
    return Scenario(
        name=f"{scenario.name}-fit",
        description=(
            f"Fitting scenario for calibration on {history.title or history.name}: the "
            f"documented events from {start}, {actor}'s answers simulated."
        ),
        start=start,
        horizon_days=float((last - start).days) + follow_days,
        actors=tuple(Actor(id=a.id, name=a.name) for a in documented.scenario.actors),
        presences=presences,
        triggers=kept,
        memory=memory,
        stop=StopRules(rupture=True, quiet_days=None),
        ladder=scenario.ladder,
    )


def _remembered(history: History, actor: str, start: dt.date) -> tuple[Trigger, ...]:
    """The history's hostile events against ``actor`` before ``start``, as memory."""
    return tuple(
        Trigger.model_validate(
            {**e.model_dump(), "date": e.calendar(history.start), "day": None, "cause": None}
        )
        for e in history.events
        if e.target == actor
        and e.actor != actor
        and e.measure.is_hostile
        and e.calendar(history.start) < start
    )


def _documented_triggers(history: History, actor: str, start: dt.date) -> tuple[Trigger, ...]:
    """The history's events from ``start`` on as triggers, without ``actor``'s answers.

    ``actor``'s routine turnover (non-hostile measures with no cause) is kept; a ``cause``
    that falls before ``start`` is dropped.
    """
    kept: list[Trigger] = []
    kept_ids: set[str] = set()
    for e in history.events:
        when = e.calendar(history.start)
        if when < start:
            continue
        if e.actor == actor and (e.cause is not None or e.measure.is_hostile):
            continue  # the calibrated actor's answers are what is simulated
        update: dict[str, Any] = {"date": when, "day": None}
        if e.cause is not None and e.cause not in kept_ids:
            update["cause"] = None
        kept.append(Trigger.model_validate({**e.model_dump(), **update}))
        if e.id:
            kept_ids.add(e.id)
    return tuple(kept)
