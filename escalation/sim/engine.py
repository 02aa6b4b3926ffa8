"""The engine: runs of a scenario on SimPy environments (:class:`Simulator`, :func:`simulate`).

Each run has its own environment (new, or reused once reset), state and random stream;
nothing a run changes outlives it. What runs of one scenario share is prepared once
(:class:`~escalation.sim.prepared.Prepared`). How a run unfolds is set out in
``docs/engine.md``; :class:`~escalation.sim.play.Play` carries it out.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import simpy

from escalation.base.seeds import Seed, as_stream
from escalation.model.parameters import ScenarioSource, source_for
from escalation.model.scenario import Scenario, load_scenario
from escalation.sim.kernel import reset
from escalation.sim.play import Play
from escalation.sim.prepared import Prepared
from escalation.sim.run import Run


class Simulator:
    """Runs one scenario again and again, preparing only once what its runs share.

    ``Simulator(scenario).run(seed)`` gives exactly the run ``simulate(scenario, seed)`` gives;
    the ladder, the initial state, the table of policies and the trigger schedule are built
    once rather than for every run, which counts in ensembles of short runs.

    The scenario of each run comes from a :class:`~escalation.model.parameters.ScenarioSource`:
    by default the scenario itself, or, for a scenario that names a ``posterior``, a particle
    drawn by weight with the first uniform number of the run's stream. What a particle's runs
    share is prepared once per particle and process.

    Parameters
    ----------
    scenario
        A :class:`~escalation.model.scenario.Scenario`, a bundled scenario name or a YAML path.
    source
        Where each run's scenario comes from, if not from ``scenario`` as described above
        (the calibration layer passes sources of its own).
    """

    def __init__(self, scenario: Scenario | str | Path, source: ScenarioSource | None = None):
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.source = source_for(scenario) if source is None else source
        self._version: Hashable = object()  # the source's version the cache was made for
        self._prepared: dict[int, tuple[Scenario, Prepared]] = {}
        self._environments: list[simpy.Environment] = []

    def __getstate__(self) -> dict[str, Any]:
        # What a Simulator prepared goes with it to a worker; its environments do not.
        return {**self.__dict__, "_environments": []}

    def run(self, seed: Seed = None) -> Run:
        """Run the scenario once with ``seed`` (see :func:`simulate`)."""
        rng, record = as_stream(seed)
        began = _time.perf_counter()
        version, scenario = self.source.pick(rng)
        if version is not self._version:  # first run, or the source changed
            self._version, self._prepared = version, {}
        hit = self._prepared.get(id(scenario))
        if hit is None or hit[0] is not scenario:
            hit = self._prepared[id(scenario)] = (scenario, Prepared(scenario))
        prepared = hit[1]
        # A run takes an environment from the pool (or makes one) and puts it back when done:
        # ``pop`` and ``append`` are atomic, so threads sharing a Simulator never share one.
        try:
            env = reset(self._environments.pop())
        except IndexError:
            env = simpy.Environment()
        sim = Play(prepared, rng, env)
        sim.run()
        self._environments.append(env)
        return Run(
            scenario=prepared.scenario,
            seed=record,
            events=sim.events,
            outcome=sim.outcome(),
            initial=prepared.initial,
            final=sim.state,
            ladder=sim.ladder,
            runtime=_time.perf_counter() - began,
            problems=sim.problems,
        )


def simulate(scenario: Scenario | str | Path, seed: Seed = None) -> Run:
    """Run ``scenario`` once and return the trajectory.

    Parameters
    ----------
    scenario
        A :class:`~escalation.model.scenario.Scenario`, a bundled scenario name or a YAML path.
    seed
        An int, a :class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`.
        Every random draw of the run comes from it, so the same seed gives the same run.
        ``None`` draws fresh entropy (not reproducible).

    Returns
    -------
    Run
        Events, outcome, initial and final states.

    Notes
    -----
    What a run of a scenario object prepares (see :class:`Simulator`) is kept for the next
    call with the same object, for the last :data:`PREPARED_SCENARIOS` objects used, so that
    ``simulate`` in a loop is as fast as a :class:`Simulator`. Scenarios are immutable, so
    this changes no result. A name or path is read again at every call.
    """
    if isinstance(scenario, Scenario):
        return _simulator_for(scenario).run(seed)
    return Simulator(scenario).run(seed)


#: How many scenario objects :func:`simulate` keeps prepared.
PREPARED_SCENARIOS = 8

_simulators: dict[int, tuple[Scenario, Simulator]] = {}
_simulators_lock = threading.Lock()


def _simulator_for(scenario: Scenario) -> Simulator:
    # Keyed by identity (hashing a scenario means hashing all of it); the entry holds the
    # scenario itself, so its id cannot be reused while the entry lives. Oldest out first.
    key = id(scenario)
    hit = _simulators.get(key)
    if hit is not None and hit[0] is scenario:
        return hit[1]
    sim = Simulator(scenario)
    with _simulators_lock:
        while len(_simulators) >= PREPARED_SCENARIOS:
            _simulators.pop(next(iter(_simulators)), None)
        _simulators[key] = (scenario, sim)
    return sim
