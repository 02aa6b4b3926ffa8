"""The calibration's runs on the batch engine: the same summaries, from logged runs.

A :class:`~escalation.calibrate.problem.ScenarioModel` summarises one run of its fitting
scenario per parameter vector. When the batch engine can play that scenario (numba is
installed, every policy is built in, the calibrated policies schedule nothing and the
scenario names no ``posterior:``) and the summaries read only a run's log
(:class:`~escalation.calibrate.episodes.EpisodeSummaries`,
:class:`~escalation.calibrate.pooled.PooledSummaries`), :func:`batch_summaries` plays the
runs there, each under its own row of policy parameters and keyed by its own seed, keeps each
run's event log (:mod:`escalation.sim.batch.logs`) and computes the summaries from it with
the same functions, so the numbers equal the SimPy engine's row for row
(``tests/test_logged.py``). A run whose log outgrows its buffer is played on the SimPy engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from escalation.base.seeds import Seed
from escalation.base.stream import seed_key
from escalation.calibrate.episodes import EpisodeSummaries
from escalation.calibrate.pooled import PooledSummaries
from escalation.calibrate.priors import Priors
from escalation.model.scenario import Scenario
from escalation.sim.run import Run

#: Summaries computed from a run's log alone (so from a logged batch-engine run as well).
LOGGED_SUMMARIES = (EpisodeSummaries, PooledSummaries)


class SummarisedModel(Protocol):
    """What :func:`batch_summaries` needs of a model (a ``ScenarioModel``)."""

    @property
    def scenario(self) -> Scenario:
        """The fitting scenario."""
        ...

    @property
    def priors(self) -> Priors:
        """The priors, whose ``apply`` gives the calibrated policies of a vector."""
        ...

    @property
    def summaries(self) -> Any:
        """How a run is summarised (``names``, ``compute``)."""
        ...

    def scenario_for(self, theta: Sequence[float] | np.ndarray) -> Scenario:
        """The fitting scenario under ``theta``."""
        ...

    def run(self, theta: Sequence[float] | np.ndarray, seed: Seed) -> Run:
        """One SimPy run under ``theta``."""
        ...


#: How many models are kept compiled (an episode set has one per episode).
_KEPT = 8
_players: dict[tuple[int, int, int], tuple[tuple[Any, ...], Any, str | None]] = {}


def why_not(model: SummarisedModel) -> str | None:
    """Why ``model``'s runs cannot be summarised on the batch engine (``None``: they can)."""
    return _player(model)[1]


def _player(model: SummarisedModel) -> tuple[Any, str | None]:
    # The model's scenario compiled for logged runs, once per scenario, priors and summaries
    # (the entry holds them, so that their ids are not reused while it lives). A worker
    # receives a new copy of the model with every chunk: an equal one finds the entry too.
    held = (model.scenario, model.priors, model.summaries)
    key = (id(held[0]), id(held[1]), id(held[2]))
    hit = _players.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], held, strict=True)):
        return hit[1], hit[2]
    for entry in _players.values():
        if all(a is b or a == b for a, b in zip(entry[0], held, strict=True)):
            return entry[1], entry[2]
    from escalation.sim import batch

    player, why = None, None
    if not isinstance(model.summaries, LOGGED_SUMMARIES):
        why = f"summaries of type {type(model.summaries).__name__} may read more than the log"
    elif not batch.available():
        why = "numba is not installed (pip install 'escalation[fast]')"
    elif model.scenario.posterior is not None:
        why = "the fitting scenario names a posterior"
    else:
        centre = [d.center for d in model.priors.dists]
        base = model.scenario_for(centre)
        why = batch.uncovered(base)
        if why is None and any(p.scheduled() for p in model.priors.apply(centre).values()):
            why = "a calibrated policy schedules acts of its own"
        if why is None:
            from escalation.sim.batch.logs import LogPlayer

            player = LogPlayer(base)
    while len(_players) >= _KEPT:
        _players.pop(next(iter(_players)))
    _players[key] = (held, player, why)
    return player, why


_applied: list[tuple[Priors, np.ndarray, list[Any]]] = []


def _policies(priors: Priors, thetas: np.ndarray) -> list[Any]:
    # The calibrated policies of each vector; the episodes of a set are called with the same
    # vectors one after another, so the last ones are kept (Priors.apply validates each).
    if _applied:
        held, values, made = _applied[0]
        if held is priors and values.shape == np.shape(thetas) and np.array_equal(values, thetas):
            return made
    made = [priors.apply(theta) for theta in thetas]
    _applied[:] = [(priors, np.array(thetas, dtype=float), made)]
    return made


def _key(seed: Seed) -> int | None:
    # The stream key the SimPy engine derives from ``seed`` (None: a seed it consumes).
    if isinstance(seed, np.random.SeedSequence):
        return seed_key(seed)
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return seed_key(np.random.SeedSequence(int(seed)))
    return None


def batch_summaries(
    model: SummarisedModel, thetas: np.ndarray, seeds: Sequence[Seed]
) -> np.ndarray | None:
    """Summaries of one run per row of ``thetas`` on the batch engine (``None``: it cannot).

    Row ``i`` is the run ``model.run(thetas[i], seeds[i])`` would give, summarised; runs
    that overflow the log are played on the SimPy engine. Seeds must be SeedSequences or
    ints (a Generator would be consumed).
    """
    player, _ = _player(model)
    keys = [_key(s) for s in seeds]
    if player is None or any(k is None for k in keys):
        return None
    summaries = model.summaries
    out = np.empty((len(thetas), len(summaries.names)))
    if not len(thetas):
        return out
    tables = player.tables(_policies(model.priors, thetas))
    runs = player.play(keys, tables)
    for i, run in enumerate(runs):
        if run is None:  # outgrew the log: the SimPy engine plays it
            out[i] = summaries.compute(model.run(thetas[i], seeds[i]))
        else:
            out[i] = summaries.compute(run)
    return out
