"""The parameters each run of an ensemble drew from its scenario's posterior.

A run of a scenario that names a ``posterior:`` file plays one particle of it, drawn by weight
with the first uniform number of the run's stream (``docs/engine.md``; both engines draw it
so). That number depends on the run's seed only, so the particle of every run is known from
the ensemble's root seed without playing anything again: :func:`drawn_frame` computes it the
way the engines do and reads, from the policy the run played, each calibrated value (a value
the scenario fixes, :attr:`Scenario.fixed`, is the fixed one, as in the run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from escalation.base.stream import stream_for
from escalation.ensemble.chunk import child_seeds
from escalation.model.parameters import ParameterSample, read_parameter_sample

if TYPE_CHECKING:
    import pandas as pd


def _value(policy: Any, path: list[str]) -> float:
    value = policy
    for name in path:
        value = getattr(value, name)
    return float(value)


def drawn_particles(sample: ParameterSample, seed: int, runs: int) -> np.ndarray:
    """The particle index each of ``runs`` runs with root seed ``seed`` draws from ``sample``."""
    seeds = child_seeds(np.random.SeedSequence(seed), 0, runs)
    return np.array([sample.draw(stream_for(s)) for s in seeds], dtype=np.int64)


def drawn_frame(scenario: Any, seed: int, runs: int) -> pd.DataFrame:
    """One row per run: ``run``, ``particle`` and the value of each calibrated parameter.

    Columns are the posterior's parameter paths (``actor.field[.subfield]``), holding what the
    run's policy had. Raises ``ValueError`` if there is no scenario or it names no posterior.
    """
    import pandas as pd

    if scenario is None or getattr(scenario, "posterior", None) is None:
        raise ValueError(
            "this ensemble's runs drew no parameters: its scenario names no posterior "
            "(a scenario's parameters are then those it states)"
        )
    sample = read_parameter_sample(scenario.posterior)
    index = drawn_particles(sample, seed, runs)
    rows = {}
    for i in np.unique(index):
        played = sample.apply(scenario, int(i), source=scenario.posterior)
        policies = {a.id: a.policy for a in played.actors}
        rows[int(i)] = [_value(policies[n.split(".")[0]], n.split(".")[1:]) for n in sample.names]
    values = np.array([rows[int(i)] for i in index], dtype=float).reshape(runs, -1)
    data: dict[str, Any] = {"run": np.arange(runs), "particle": index}
    data.update({name: values[:, j] for j, name in enumerate(sample.names)})
    return pd.DataFrame(data)


__all__ = ["drawn_frame", "drawn_particles"]
