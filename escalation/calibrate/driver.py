"""Calibration: fit policy parameters to documented episodes, and check the fit.

What is fitted
    One actor's policy parameters (by default Russia's ``grievance`` policy, see
    :func:`escalation.calibrate.priors.default_priors`) so that the actor's simulated answers
    to the
    counterpart's documented measures look like the documented answers. The counterpart's
    measures are played as documented. For the bundled history that is NATO's measures of
    27 March 2018 (no NATO-directed countermeasure documented; Moscow only said it would
    respond) and of 6 October 2021 (Moscow suspended its own mission and closed both NATO
    offices in Moscow 12 days later, effective 14 days after that).

How
    :class:`CalibrationProblem` builds one *fitting scenario* from the scenario and the
    history: it starts ``lead_days`` before the first episode, in the state the replayed
    history gives on that day, and plays every documented event from then on except the
    calibrated actor's own answers (its routine turnover, ``recall`` rows, is kept). The other
    actors are passive apart from their documented acts. So one run spans all episodes, and
    what the 2018 episode leaves behind (state, and grievance that decays with its half-life)
    carries into 2021. Episodes are compared through the summaries of
    :mod:`escalation.calibrate.episodes`, computed by the same function from each simulated
    run and from
    the replayed history. :func:`calibrate` runs ABC-SMC (:mod:`escalation.calibrate.smc`) and
    returns a
    :class:`~escalation.calibrate.posterior.Posterior`; :func:`predictive_checks` compares
    every summary
    with its posterior predictive distribution.

Honesty
    The data are a handful of episodes (two by default). The posterior intervals are wide and
    depend on the priors; the summaries are a choice, and a different choice gives a different
    posterior (background.md section 6.3). Episodes decades apart need not share parameters,
    and only salient episodes get documented. Runs drawn from the posterior are a distribution
    over scenarios for reasoning about policies, not a forecast.

Your own history
    Any history :func:`escalation.sim.history.load_history` reads will do: the YAML format of
    ``seeds/nato-russia.yaml`` (actors, presences at the start, events), or a CSV file of
    events with a header row. CSV columns (any order; lines starting with ``#`` are skipped):

    ========== ======== ==============================================================
    column     required meaning
    ========== ======== ==============================================================
    date       yes      announcement date, ``YYYY-MM-DD``
    actor      yes      actor id taking the measure
    target     yes      actor id it is aimed at
    measure    yes      a measure kind (``expel``, ``cap``, ``close``, ``threaten``, ...)
    presence   for acts presence id (not for statements)
    magnitude  no       staff or posts (default 1)
    effective  no       date the measure takes effect (default: at once)
    id         no       an id other rows can name as their ``cause``
    cause      no       id of an earlier row this one answers; marks the episodes
    source     no       where the fact comes from (address or reference)
    note       no       free text
    ========== ======== ==============================================================

    A CSV history has no presences, so the scenario gives the starting presences. A bad row
    is reported with its line number and column, and an event that cannot happen where it
    happens (expelling staff that are not there) with its date and source. Episodes are the
    dates of the counterpart's measures that some row of the calibrated actor names as its
    ``cause`` (if no row names a cause, every date on which the counterpart took a measure
    against the actor), or the dates passed as ``episodes=``.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import datetime as dt
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np

from escalation.base.errors import InputError
from escalation.base.executors import executor_for
from escalation.base.files import write_atomic
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate import smc as abc
from escalation.calibrate.episodes import EpisodeSummaries
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors, as_priors
from escalation.model.scenario import Actor, PresenceSpec, Scenario, StopRules, load_scenario
from escalation.model.trigger import Trigger
from escalation.sim.engine import simulate
from escalation.sim.history import History, load_history, replay
from escalation.sim.run import Run

#: Particles per generation by default (see ``benchmarks/bench_calibration.py``).
DEFAULT_POPULATION = 1000
#: Generations by default, the first from the prior.
DEFAULT_GENERATIONS = 8
#: Posterior predictive draws by default.
DEFAULT_DRAWS = 500


# -- the problem -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScenarioSimulator:
    """Simulates the fitting scenario under parameter vectors and summarises each run.

    A picklable batch simulator for :mod:`escalation.calibrate.smc`.
    """

    scenario: Scenario
    priors: Priors
    summaries: EpisodeSummaries

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
        out = np.empty((len(thetas), len(self.summaries.names)))
        for i, (theta, seq) in enumerate(zip(thetas, seeds, strict=True)):
            out[i] = self.summaries.compute(self.run(theta, seq))
        return out


@dataclass(frozen=True)
class CalibrationProblem:
    """The fitting scenario, the priors, the summaries and the observed values.

    Build one with :meth:`build`; :func:`calibrate` does so for you.
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
        """Build the problem from a scenario, a history and priors (see the module docstring).

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
            Episode dates (default: from the history's ``cause`` links, module docstring).
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
        hsource = history.path or history.name
        priors = as_priors(priors)
        if len(priors.actors) != 1:
            raise InputError(
                "calibration fits one actor's answers; the priors name "
                + ", ".join(priors.actors),
                source="priors",
                field="parameters",
            )
        actor = priors.actors[0]
        documented = replay(history, scenario=None if history.presences else scenario)
        actor_ids = [a.id for a in documented.scenario.actors]
        if actor not in actor_ids:
            raise InputError(f"actor {actor!r} does not appear in the history", source=hsource)
        if counterpart is None:
            others = [a for a in actor_ids if a != actor]
            if len(others) != 1:
                raise InputError(
                    f"the history has several other actors ({', '.join(others)}); "
                    "say which one's measures start the episodes (counterpart=)",
                    source=hsource,
                )
            counterpart = others[0]
        elif counterpart not in actor_ids:
            raise InputError(f"counterpart {counterpart!r} is not in the history", source=hsource)
        if episodes is None:
            found = documented_episodes(history, actor, counterpart)
        else:
            found = tuple(sorted({_as_date(d) for d in episodes}))
        if not found:
            raise InputError(
                f"the history has no measure of {counterpart!r} against {actor!r} to fit",
                source=hsource,
            )
        spec = EpisodeSummaries(
            actor=actor,
            counterpart=counterpart,
            episodes=found,
            window_days=window_days,
            quiet_days=quiet_days,
        )
        fitting_base = _fitting_scenario(
            scenario, history, documented, actor, found, lead_days, follow_days
        )
        resolved = priors.resolve(fitting_base.replace(actors=_with_base(scenario, fitting_base)))
        fitting = ScenarioSimulator(fitting_base, resolved, spec).scenario_for(
            [d.center for d in resolved.dists]
        )
        observed = spec.compute(documented)
        return cls(
            scenario=fitting,
            priors=resolved,
            summaries=spec,
            observed=observed,
            source={"scenario": scenario.name, "history": history.name},
        )

    @property
    def simulator(self) -> ScenarioSimulator:
        """The batch simulator for :mod:`escalation.calibrate.smc`."""
        return ScenarioSimulator(self.scenario, self.priors, self.summaries)

    def with_observed(self, observed: Sequence[float] | np.ndarray) -> CalibrationProblem:
        """The same problem with other observed summaries (e.g. from a synthetic run)."""
        obs = np.asarray(observed, dtype=float)
        if obs.shape != self.observed.shape:
            raise ValueError(f"need {self.observed.size} summaries, not {obs.size}")
        return CalibrationProblem(self.scenario, self.priors, self.summaries, obs, self.source)

    def model(self) -> dict[str, Any]:
        """JSON-able description stored in the posterior (for predictive checks)."""
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
    last = max([*episodes, *(t.calendar(start) for t in kept)])
    horizon = float((last - start).days) + follow_days
    actors = tuple(Actor(id=a.id, name=a.name) for a in documented.scenario.actors)
    return Scenario(
        name=f"{scenario.name}-fit",
        description=(
            f"Fitting scenario for calibration on {history.title or history.name}: the "
            f"documented events from {start}, {actor}'s answers simulated."
        ),
        start=start,
        horizon_days=horizon,
        actors=actors,
        presences=presences,
        triggers=tuple(kept),
        stop=StopRules(rupture=True, quiet_days=None),
        ladder=scenario.ladder,
    )


# -- running -----------------------------------------------------------------------------------
class ProgressPrinter:
    """Prints calibration progress to a stream (standard error by default)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream

    def __call__(self, p: abc.GenerationReport) -> None:
        """Print one progress report."""
        out = self.stream or sys.stderr
        if p.done is None:
            if not getattr(out, "isatty", lambda: False)():
                return  # per-batch counts only on a terminal; a log gets one line a generation
            out.write(
                f"\rgeneration {p.generation}/{p.generations}: {p.accepted}/{p.population} "
                f"accepted in {p.simulations} simulations (epsilon {p.epsilon:.3g})"
            )
        else:
            g = p.done
            out.write(
                f"\rgeneration {g.generation}/{p.generations}: epsilon {g.epsilon:.3g}, "
                f"acceptance {g.acceptance_rate:.1%}, ESS {g.ess:.0f}, {g.seconds:.1f} s"
                + " " * 20
                + "\n"
            )
        out.flush()


def _progress(
    progress: bool | abc.ProgressCallback | None,
) -> abc.ProgressCallback | None:
    if progress is True:
        return ProgressPrinter()
    if not progress:
        return None
    return progress


def calibrate(
    scenario: Scenario | str | Path,
    history: History | str | Path,
    priors: Priors | Mapping[str, Any] | str | Path | None = None,
    *,
    population: int = DEFAULT_POPULATION,
    generations: int = DEFAULT_GENERATIONS,
    seed: Seed = None,
    workers: int | None = None,
    executor: cf.Executor | None = None,
    method: Literal["smc", "rejection"] = "smc",
    simulations: int | None = None,
    quantile: float = 0.5,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    progress: bool | abc.ProgressCallback | None = None,
    problem: CalibrationProblem | None = None,
    **build: Any,
) -> Posterior:
    """Fit the calibrated actor's policy parameters to the documented episodes.

    The data are a handful of episodes: expect wide intervals that lean on the priors, and
    read the result as a distribution over scenarios, not a forecast.

    Parameters
    ----------
    scenario, history, priors
        See :meth:`CalibrationProblem.build` (``priors=None``: Russia's grievance policy with
        the documented default priors).
    population
        Particles per generation.
    generations
        ABC-SMC generations, the first from the prior.
    seed
        Every random draw derives from it; ``None`` draws fresh entropy (recorded in the
        posterior).
    workers
        Worker processes (``None`` or 1: serial). The result does not depend on it.
    executor
        Any :class:`concurrent.futures.Executor` instead of ``workers``.
    method
        ``"smc"`` (ABC-SMC) or ``"rejection"`` (plain rejection ABC, for comparison).
    simulations
        Rejection ABC only: prior draws (default ``population * 20``).
    quantile
        ABC-SMC tolerance schedule: this quantile of the previous generation's distances.
    checkpoint
        File to write the posterior so far to after every generation (atomically).
    resume
        Continue from ``checkpoint`` if it exists (same settings give the same result as an
        uninterrupted run).
    progress
        ``True`` to print progress to standard error, or a callable receiving
        :class:`escalation.calibrate.smc.Progress`.
    problem
        A ready :class:`CalibrationProblem` (then ``scenario`` and ``history`` are ignored
        and may be ``None``).
    **build
        More arguments of :meth:`CalibrationProblem.build` (``episodes``, ``window_days``, ...).

    Returns
    -------
    Posterior
        Weighted particles, per-generation tolerance, acceptance rate and ESS, and the seed.
    """
    if problem is None:
        problem = CalibrationProblem.build(scenario, history, priors, **build)
    callback = _progress(progress)
    start_from: Posterior | None = None
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if resume and ckpt is not None and ckpt.exists():
        start_from = Posterior.load(ckpt)
    with executor_for(workers, executor) as pool:
        if method == "rejection":
            return abc.rejection(
                problem.simulator,
                problem.priors,
                problem.observed,
                population=population,
                simulations=simulations or population * 20,
                seed=seed,
                executor=pool,
                summaries=problem.summaries.names,
                model=problem.model(),
                progress=callback,
            )
        if method != "smc":
            raise ValueError(f"method must be 'smc' or 'rejection', not {method!r}")

        def save(post: Posterior) -> None:
            if ckpt is not None:
                post.save(ckpt)

        try:
            return abc.smc(
                problem.simulator,
                problem.priors,
                problem.observed,
                population=population,
                generations=generations,
                seed=seed,
                quantile=quantile,
                executor=pool,
                summaries=problem.summaries.names,
                model=problem.model(),
                resume=start_from,
                on_generation=save if ckpt is not None else None,
                progress=callback,
            )
        except ValueError as exc:
            if start_from is not None and "checkpoint" in str(exc):
                raise InputError(str(exc), source=ckpt) from None
            raise


# -- predictive checks -------------------------------------------------------------------------
@dataclass(frozen=True)
class PredictiveChecks:
    """Observed summaries against their posterior predictive distributions.

    The predictive p-value of a summary is two-sided and uses the mid-p rule, so that ties
    (discrete summaries, and the fixed values of "no answer") count half on each side::

        F = P(T < observed) + P(T = observed) / 2,    p = 2 * min(F, 1 - F)

    where T is the summary of a run drawn from the posterior predictive distribution. A
    summary every draw reproduces exactly gets p = 1; one no draw reaches gets p near 0.
    Values near 0 point at a misfit (background.md section 6.4).

    Attributes
    ----------
    names
        Summary names.
    observed
        Observed values.
    simulated
        Predictive draws, shape ``(draws, summaries)``.
    seed
        Seed of the draws.
    """

    names: tuple[str, ...]
    observed: np.ndarray
    simulated: np.ndarray
    seed: int | None = None

    @property
    def below(self) -> np.ndarray:
        """P(T < observed) per summary."""
        return np.mean(self.simulated < self.observed, axis=0)

    @property
    def ties(self) -> np.ndarray:
        """P(T = observed) per summary."""
        return np.mean(np.isclose(self.simulated, self.observed, rtol=0, atol=1e-9), axis=0)

    @property
    def p_values(self) -> np.ndarray:
        """Two-sided mid-p predictive p-values, one per summary."""
        f = self.below + 0.5 * self.ties
        return np.minimum(1.0, 2.0 * np.minimum(f, 1.0 - f))

    def p_value(self, name: str) -> float:
        """The p-value of summary ``name``."""
        return float(self.p_values[self.names.index(name)])

    def extreme(self, alpha: float = 0.05) -> list[str]:
        """Summaries whose p-value is below ``alpha`` (in the extreme ``alpha / 2`` tails)."""
        return [n for n, p in zip(self.names, self.p_values, strict=True) if p < alpha]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per summary: observed, predictive mean and 5%-95% range, p-value."""
        lo, hi = np.quantile(self.simulated, [0.05, 0.95], axis=0)
        mean = self.simulated.mean(axis=0)
        return [
            {
                "summary": n,
                "observed": float(self.observed[j]),
                "predictive_mean": float(mean[j]),
                "predictive_5%": float(lo[j]),
                "predictive_95%": float(hi[j]),
                "p_below": float(self.below[j]),
                "p_tie": float(self.ties[j]),
                "p_value": float(self.p_values[j]),
            }
            for j, n in enumerate(self.names)
        ]

    def to_csv(self, path: str | Path | None = None) -> str:
        """The rows as CSV text; written atomically to ``path`` if given."""
        buf = io.StringIO()
        rows = self.rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
        text = buf.getvalue()
        if path is not None:
            write_atomic(Path(path), text)
        return text

    def table(self) -> str:
        """The rows as a fixed-width table."""
        width = max(len("summary"), *(len(n) for n in self.names))
        head = (
            f"{'summary':<{width}} {'observed':>9} {'mean':>9} {'5%':>9} {'95%':>9} {'p-value':>8}"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows():
            flag = "  <- extreme" if r["p_value"] < 0.05 else ""
            lines.append(
                f"{r['summary']:<{width}} {r['observed']:>9.3g} {r['predictive_mean']:>9.3g} "
                f"{r['predictive_5%']:>9.3g} {r['predictive_95%']:>9.3g} "
                f"{r['p_value']:>8.3f}{flag}"
            )
        n = self.simulated.shape[0]
        lines.append(f"({n} posterior predictive draws; two-sided mid-p p-values)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def predictive_checks(
    posterior: Posterior,
    draws: int = DEFAULT_DRAWS,
    *,
    seed: Seed = 0,
    workers: int | None = None,
    executor: cf.Executor | None = None,
    problem: CalibrationProblem | None = None,
) -> PredictiveChecks:
    """Simulate ``draws`` runs from the posterior and compare their summaries with the data.

    Each draw picks a particle by weight and runs the fitting scenario under it with its own
    seed (children of ``seed``, drawn before any fan-out).
    """
    if problem is None:
        problem = CalibrationProblem.from_posterior(posterior)
    entropy = root_entropy(seed)
    picks, sims = np.random.SeedSequence(entropy).spawn(2)
    idx = posterior.sample(np.random.default_rng(picks), draws)
    thetas = np.asarray(posterior.particles)[idx]
    with executor_for(workers, executor) as pool:
        simulated = abc.simulate_batch(problem.simulator, thetas, sims.spawn(draws), pool)
    return PredictiveChecks(
        tuple(posterior.summaries), np.array(posterior.observed), simulated, entropy
    )


def interval_summary(posterior: Posterior, level: float = 0.9) -> str:
    """One line per parameter, ``name: median [low, high]``; for notes and the README."""
    iv, med = posterior.interval(level), posterior.quantile(0.5)
    return "\n".join(
        f"{n}: {med[n]:.3g} [{iv[n][0]:.3g}, {iv[n][1]:.3g}]" for n in posterior.names
    )
