"""A set of episodes fitted together: several fitting scenarios sharing one parameter vector.

An :class:`EpisodeSet` is what :func:`escalation.calibrate.driver.calibrate` fits when the
record is more than one history: the 2018 wave (one target, many initiators, summarised over
its dyads by :class:`~escalation.calibrate.pooled.PooledSummaries`) and the NATO episodes of
2018-2021 (summarised per episode by :class:`~escalation.calibrate.episodes.EpisodeSummaries`),
say. Each :class:`Episode` is a fitting scenario, how to summarise it, the observed values
(computed by the same function from the replayed documented history), which summaries enter
the distance, and with what weight. Every episode is simulated under the same parameters, each
with its own child of the run's seed (``docs/calibration.md``, "Episode sets").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.errors import InputError
from escalation.calibrate.episodes import EpisodeSummaries
from escalation.calibrate.pooled import PooledSummaries
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors, as_priors
from escalation.calibrate.problem import CalibrationProblem, ScenarioModel
from escalation.model.scenario import Scenario, load_scenario
from escalation.sim.history import History, load_history, replay

Summaries = EpisodeSummaries | PooledSummaries


@dataclass(frozen=True)
class Episode:
    """One fitting scenario of a set, its summaries, the observed values and their weights.

    Build one with :meth:`documented` (episodes of a history, as a single calibration has
    them) or :meth:`pooled` (a wave: one actor's answers pooled over dyads).

    Attributes
    ----------
    name
        Prefix of its summary names (``<name>.<summary>``).
    scenario
        The fitting scenario (the calibrated actor's policy is replaced by each draw).
    summaries
        How a run is summarised.
    observed
        Every summary of the replayed history, in ``summaries.names`` order.
    select
        Summaries that enter the distance (default: all).
    weights
        Weight of each selected summary (default 1).
    """

    name: str
    scenario: Scenario
    summaries: Summaries
    observed: np.ndarray
    select: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        names = self.summaries.names
        select = self.select or names
        unknown = [s for s in select if s not in names]
        if unknown:
            raise InputError(
                f"episode {self.name!r}: unknown summaries {', '.join(unknown)} "
                f"(known: {', '.join(names)})",
                source="episodes",
                field="select",
            )
        weights = self.weights or (1.0,) * len(select)
        if len(weights) != len(select) or any(not w > 0 for w in weights):
            raise InputError(
                f"episode {self.name!r}: need one positive weight per selected summary",
                source="episodes",
                field="weights",
            )
        object.__setattr__(self, "select", tuple(select))
        object.__setattr__(self, "weights", tuple(float(w) for w in weights))
        object.__setattr__(self, "observed", np.asarray(self.observed, dtype=float))

    @property
    def index(self) -> np.ndarray:
        """Positions of the selected summaries in ``summaries.names``."""
        names = self.summaries.names
        return np.array([names.index(s) for s in self.select], dtype=int)

    @classmethod
    def documented(
        cls,
        name: str,
        scenario: Scenario | str | Path,
        history: History | str | Path,
        priors: Priors | Mapping[str, Any] | str | Path | None = None,
        *,
        select: Sequence[str] = (),
        weights: Sequence[float] = (),
        **build: Any,
    ) -> Episode:
        """The episodes of ``history`` as :meth:`CalibrationProblem.build` makes them."""
        problem = CalibrationProblem.build(scenario, history, priors, **build)
        return cls(
            name,
            problem.scenario,
            problem.summaries,
            problem.observed,
            tuple(select),
            tuple(weights),
        )

    @classmethod
    def pooled(
        cls,
        name: str,
        scenario: Scenario | str | Path,
        history: History | str | Path,
        summaries: PooledSummaries,
        *,
        select: Sequence[str] = (),
        weights: Sequence[float] = (),
    ) -> Episode:
        """A wave: ``scenario`` played as written, observed values from ``history``.

        The scenario's other actors play their acts as triggers; the observed values are
        ``summaries`` of the replayed ``history``.
        """
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if not isinstance(history, History):
            history = load_history(history)
        documented = replay(history, scenario=None if history.presences else scenario)
        observed = summaries.compute(documented)
        return cls(name, scenario, summaries, observed, tuple(select), tuple(weights))

    def description(self) -> dict[str, Any]:
        """JSON-able description (see :meth:`EpisodeSet.from_description`)."""
        return {
            "name": self.name,
            "scenario": self.scenario.model_dump(mode="json"),
            "summaries": self.summaries.model_dump(mode="json"),
            "observed": [float(v) for v in self.observed],
            "select": list(self.select),
            "weights": list(self.weights),
        }

    @classmethod
    def from_description(cls, data: Mapping[str, Any]) -> Episode:
        """The episode :meth:`description` describes."""
        spec = data["summaries"]
        summaries: Summaries = (
            PooledSummaries.model_validate(spec)
            if spec.get("kind") == "pooled"
            else EpisodeSummaries.model_validate(spec)
        )
        return cls(
            data["name"],
            Scenario.model_validate(data["scenario"]),
            summaries,
            np.asarray(data["observed"], dtype=float),
            tuple(data["select"]),
            tuple(data["weights"]),
        )


@dataclass(frozen=True)
class EpisodeSetModel:
    """Every episode of a set run under one parameter vector, summaries side by side.

    A picklable :class:`~escalation.calibrate.batch.Model`: row ``i`` runs each episode with
    the ``k``-th child of ``seeds[i]`` (``k`` its place in the set).
    """

    models: tuple[ScenarioModel, ...]
    index: tuple[np.ndarray, ...]

    def __call__(self, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        """Selected summaries of every episode, one row per parameter vector.

        Each episode's model runs all the rows at once (on the batch engine when it can);
        row ``i`` of episode ``k`` depends only on ``thetas[i]`` and its seed's child ``k``.
        """
        if len(thetas) != len(seeds):
            raise ValueError(f"{len(thetas)} parameter vectors but {len(seeds)} seeds")
        width = sum(len(i) for i in self.index)
        if not len(thetas):
            return np.empty((0, width))
        children = [_children(seq, len(self.models)) for seq in seeds]
        parts = [
            m(thetas, [c[k] for c in children])[:, idx]
            for k, (m, idx) in enumerate(zip(self.models, self.index, strict=True))
        ]
        # C order, as rows were written before: the distances sum each row along memory, and
        # an F-ordered array (what concatenating column blocks gives) sums in another order
        return np.ascontiguousarray(np.concatenate(parts, axis=1))


def _children(seq: np.random.SeedSequence, n: int) -> list[np.random.SeedSequence]:
    """The first ``n`` children of ``seq``, made without changing ``seq`` (spawn would)."""
    return [
        np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, k), pool_size=seq.pool_size)
        for k in range(n)
    ]


@dataclass(frozen=True)
class EpisodeSet:
    """Episodes sharing one parameter vector: what :func:`calibrate` fits (``problem=``).

    Has the interface of :class:`CalibrationProblem` that the driver and the predictive
    checks use: ``priors``, ``observed``, ``names``, ``weights``, ``simulator`` and
    ``description()``.
    """

    episodes: tuple[Episode, ...]
    priors: Priors

    @classmethod
    def of(
        cls,
        episodes: Sequence[Episode],
        priors: Priors | Mapping[str, Any] | str | Path | None = None,
    ) -> EpisodeSet:
        """The set of ``episodes`` under ``priors`` (resolved against every scenario)."""
        if not episodes:
            raise InputError("an episode set needs at least one episode", source="episodes")
        names = [e.name for e in episodes]
        if len(set(names)) != len(names):
            raise InputError("episode names must be distinct", source="episodes", field="name")
        resolved = as_priors(priors)
        for e in episodes:
            resolved = resolved.resolve(e.scenario)
        return cls(tuple(episodes), resolved)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the selected summaries, ``<episode>.<summary>``."""
        return tuple(f"{e.name}.{s}" for e in self.episodes for s in e.select)

    @property
    def observed(self) -> np.ndarray:
        """Observed values of the selected summaries."""
        return np.concatenate([e.observed[e.index] for e in self.episodes])

    @property
    def weights(self) -> np.ndarray:
        """Weights of the selected summaries in the distance."""
        return np.concatenate([np.asarray(e.weights, dtype=float) for e in self.episodes])

    @property
    def simulator(self) -> EpisodeSetModel:
        """The model that :mod:`escalation.calibrate.smc` fits."""
        models = tuple(ScenarioModel(e.scenario, self.priors, e.summaries) for e in self.episodes)
        return EpisodeSetModel(models, tuple(e.index for e in self.episodes))

    def description(self) -> dict[str, Any]:
        """JSON-able description, kept as the posterior's ``model``."""
        return {"episodes": [e.description() for e in self.episodes]}

    @classmethod
    def from_posterior(cls, posterior: Posterior) -> EpisodeSet:
        """Rebuild the set a posterior was fitted to."""
        model = posterior.model or {}
        if "episodes" not in model:
            raise ValueError("this posterior was not fitted to an episode set")
        episodes = tuple(Episode.from_description(d) for d in model["episodes"])
        return cls(episodes, posterior.priors)


def problem_of(posterior: Posterior) -> CalibrationProblem | EpisodeSet:
    """The problem (one history, or an episode set) that ``posterior`` was fitted to."""
    if posterior.model and "episodes" in posterior.model:
        return EpisodeSet.from_posterior(posterior)
    return CalibrationProblem.from_posterior(posterior)
