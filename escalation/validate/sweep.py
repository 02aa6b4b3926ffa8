"""Parameter sweeps: a scenario's outcomes over a grid or sample of policy parameters.

:func:`sweep` plays the scenario at each point (parameter paths as in priors, e.g.
``russia.reply_probability``; parameters not named keep the scenario's values, and a
``posterior:`` the scenario names is set aside so that the point's values are the ones
played), ``runs`` times per point, on the compiled batch engine where it applies
(``engine="auto"``). Every point uses the *same* seed, so run ``i`` of every point draws the
same random stream: differences between points are paired (common random numbers) and much
less noisy than with independent seeds. The result is one tidy frame, one row per point and
run, with a column per parameter.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.seeds import Seed, root_entropy
from escalation.ensemble.runner import run_ensemble
from escalation.model.parameters import set_parameters
from escalation.model.scenario import Scenario, load_scenario

#: Outcome columns a sweep keeps per run.
SWEEP_OUTCOMES = ("ruptured", "time_to_rupture", "censored", "rounds", "peak_severity")


def grid_points(grid: Mapping[str, Sequence[float]]) -> list[dict[str, float]]:
    """Every combination of the values of ``grid`` (path -> values), as one dict per point."""
    names = list(grid)
    return [
        dict(zip(names, map(float, v), strict=True))
        for v in itertools.product(*(grid[n] for n in names))
    ]


def at_point(scenario: Scenario, point: Mapping[str, float]) -> Scenario:
    """``scenario`` with the policy parameters of ``point`` and no ``posterior:``."""
    bases = {a.id: a.policy for a in scenario.actors if a.policy is not None}
    policies = set_parameters(bases, list(point), list(point.values()))
    actors = tuple(
        a.model_copy(update={"policy": policies[a.id], "policies": {}}) if a.id in policies else a
        for a in scenario.actors
    )
    return scenario.model_copy(update={"actors": actors, "posterior": None})


def sweep(
    scenario: Scenario | str | Path,
    points: Mapping[str, Sequence[float]] | Sequence[Mapping[str, float]] | np.ndarray,
    *,
    names: Sequence[str] | None = None,
    runs: int = 200,
    seed: Seed = 0,
    engine: str = "auto",
    workers: int | None = None,
) -> Any:
    """Outcomes of ``runs`` runs at each point, one row per point and run (pandas frame).

    ``points`` is a grid (``{path: values}``, every combination), a sequence of
    ``{path: value}`` dicts, or an ``(n, d)`` array with the paths in ``names`` (e.g. a
    Sobol sample). Columns: ``point``, one per parameter, ``run``, then
    :data:`SWEEP_OUTCOMES`. Needs pandas (``pip install 'escalation[frames]'``).
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("sweep needs pandas: pip install 'escalation[frames]'") from None
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if isinstance(points, Mapping):
        todo = grid_points(points)
    elif isinstance(points, np.ndarray):
        if names is None or points.ndim != 2 or points.shape[1] != len(names):
            raise ValueError("an array of points needs names=, one per column")
        todo = [dict(zip(names, map(float, row), strict=True)) for row in points]
    else:
        todo = [dict(p) for p in points]
    entropy = root_entropy(seed)  # the same seed at every point: paired runs
    frames = []
    for i, point in enumerate(todo):
        ens = run_ensemble(
            at_point(base, point), runs, seed=entropy, engine=engine, workers=workers
        )
        data: dict[str, Any] = {
            "point": np.full(runs, i),
            **{k: np.full(runs, v) for k, v in point.items()},
        }
        data["run"] = np.arange(runs)
        for name in SWEEP_OUTCOMES:
            data[name] = np.asarray(ens[name])
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True)
