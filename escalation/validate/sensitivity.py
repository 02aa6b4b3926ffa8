"""Global sensitivity of headline outcomes to policy parameters: Sobol indices (SALib).

:func:`sobol_indices` draws a Saltelli/Sobol sample of the parameters over given bounds
(SALib's ``sample.sobol``, first-order and total indices only), plays the scenario at every
point with :func:`escalation.validate.sweep.sweep` (``runs`` runs per point, the same seed at
every point, so the noise is common to all points), and estimates with SALib's
``analyze.sobol`` the first-order index ``S1`` (share of the output's variance explained by the
parameter alone) and total index ``ST`` (including its interactions) of

``p_rupture``        the share of runs that ruptured;
``time_to_rupture``  the mean days to rupture, censored at the run's end (a restricted mean).

The answer lag needs event logs, which the batch engine does not keep; it is not among the
outputs yet. SALib is an optional dependency (``pip install 'escalation[sensitivity]'``).
Indices carry SALib's bootstrap 95 % confidence half-widths (``S1_conf``, ``ST_conf``), which
do not include the Monte Carlo error of ``runs`` runs per point.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.seeds import Seed, root_entropy
from escalation.model.scenario import Scenario
from escalation.validate.sweep import sweep

OUTPUTS = ("p_rupture", "time_to_rupture")


def sobol_indices(
    scenario: Scenario | str | Path,
    bounds: Mapping[str, tuple[float, float]],
    *,
    n: int = 64,
    runs: int = 200,
    seed: Seed = 0,
    engine: str = "auto",
) -> Any:
    """First-order and total Sobol indices of :data:`OUTPUTS` (a pandas frame).

    ``bounds`` maps parameter paths to ``(low, high)`` (uniform over the box); ``n`` is the
    base sample size (a power of 2; ``n * (d + 2)`` points are played). Columns: ``output``,
    ``parameter``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; ``frame.attrs`` holds the
    settings and seconds.
    """
    try:
        import pandas as pd
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError:
        raise ImportError(
            "sobol_indices needs SALib and pandas: pip install 'escalation[sensitivity]'"
        ) from None
    names = list(bounds)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(map(float, bounds[k])) for k in names],
    }
    entropy = root_entropy(seed)
    t0 = time.perf_counter()
    x = sample.sample(problem, n, calc_second_order=False, seed=int(entropy or 0) % 2**32)
    frame = sweep(scenario, x, names=names, runs=runs, seed=entropy, engine=engine)
    per = frame.groupby("point")
    ys = {
        "p_rupture": per["ruptured"].mean().to_numpy(float),
        "time_to_rupture": per["time_to_rupture"].mean().to_numpy(float),
    }
    rows = []
    for out, y in ys.items():
        res = analyze.analyze(
            problem, np.asarray(y), calc_second_order=False, seed=int(entropy or 0) % 2**32
        )
        for j, name in enumerate(names):
            rows.append(
                {
                    "output": out,
                    "parameter": name,
                    "S1": float(res["S1"][j]),
                    "S1_conf": float(res["S1_conf"][j]),
                    "ST": float(res["ST"][j]),
                    "ST_conf": float(res["ST_conf"][j]),
                }
            )
    result = pd.DataFrame(rows)
    result.attrs.update(
        {
            "n": n,
            "runs": runs,
            "points": len(x),
            "seed": entropy,
            "seconds": time.perf_counter() - t0,
        }
    )
    return result
