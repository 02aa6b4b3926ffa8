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
outputs of a scenario. :func:`sobol_of` gives it: the indices of any summaries of a fitting
episode set (``nato.2021.ruptured``, ``nato.2021.lag``, ...), each averaged over ``runs``
runs per point of the calibration's own simulator, with the same seeds at every point;
parameters not in ``bounds`` stay at ``fixed`` (default: each prior's centre).
SALib is an optional dependency (``pip install 'escalation[sensitivity]'``).
Indices carry SALib's bootstrap 95 % confidence half-widths (``S1_conf``, ``ST_conf``), which
do not include the Monte Carlo error of ``runs`` runs per point.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.executors import executor_for
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.batch import simulate_batch
from escalation.calibrate.episodeset import EpisodeSet
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
    _, _, sample = _salib()
    problem = _problem(bounds)
    names = problem["names"]
    entropy = root_entropy(seed)
    t0 = time.perf_counter()
    x = sample.sample(problem, n, calc_second_order=False, seed=int(entropy or 0) % 2**32)
    frame = sweep(scenario, x, names=names, runs=runs, seed=entropy, engine=engine)
    per = frame.groupby("point")
    ys = {
        "p_rupture": per["ruptured"].mean().to_numpy(float),
        "time_to_rupture": per["time_to_rupture"].mean().to_numpy(float),
    }
    result = _analyze(problem, ys, entropy)
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


def _salib() -> tuple[Any, Any, Any]:
    try:
        import pandas as pd
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError:
        raise ImportError(
            "sobol_indices needs SALib and pandas: pip install 'escalation[sensitivity]'"
        ) from None
    return pd, analyze, sample


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    names = list(bounds)
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(map(float, bounds[k])) for k in names],
    }


def _analyze(problem: dict[str, Any], ys: Mapping[str, np.ndarray], entropy: Any) -> Any:
    pd, analyze, _ = _salib()
    names = problem["names"]
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
    return pd.DataFrame(rows)


def sobol_of(
    es: EpisodeSet,
    bounds: Mapping[str, tuple[float, float]],
    outputs: Sequence[str],
    *,
    n: int = 64,
    runs: int = 100,
    seed: Seed = 0,
    fixed: Mapping[str, float] | None = None,
    workers: int | None = None,
) -> Any:
    """Sobol indices of summaries ``outputs`` of the episode set ``es`` (module docstring).

    Each output is the mean over ``runs`` runs of that summary (a probability for a yes/no
    summary; a summary named ``*.lag*`` is first turned from ``log(1 + days)`` into days).
    Only the episodes holding an output are played. Same frame as :func:`sobol_indices`.
    """
    _, _, sample = _salib()
    known = es.priors.names
    unknown = [p for p in bounds if p not in known]
    if unknown:
        raise ValueError(f"bounds: {', '.join(unknown)} not among the parameters {known}")
    full = EpisodeSet.of(
        tuple(
            dataclasses.replace(e, select=(), weights=())
            for e in es.episodes
            if any(o.startswith(f"{e.name}.") for o in outputs)
        ),
        es.priors,
    )
    missing = [o for o in outputs if o not in full.names]
    if missing:
        raise ValueError(f"outputs: {', '.join(missing)} not among {full.names}")
    cols = [full.names.index(o) for o in outputs]
    base = {p: float(d.center) for p, d in es.priors.parameters.items()}
    base.update(fixed or {})
    problem = _problem(bounds)
    entropy = root_entropy(seed)
    t0 = time.perf_counter()
    x = sample.sample(problem, n, calc_second_order=False, seed=int(entropy or 0) % 2**32)
    thetas = np.tile([base[p] for p in known], (len(x), 1))
    for j, p in enumerate(problem["names"]):
        thetas[:, known.index(p)] = x[:, j]
    seeds = np.random.SeedSequence(entropy).spawn(runs)  # run i: the same seed at every point
    rows = np.repeat(thetas, runs, axis=0)
    with executor_for(workers, None) as pool:
        sims = simulate_batch(full.simulator, rows, seeds * len(x), pool)[:, cols]
    for k, o in enumerate(outputs):
        if ".lag" in o:
            sims[:, k] = np.expm1(sims[:, k])
    means = sims.reshape(len(x), runs, len(outputs)).mean(axis=1)
    result = _analyze(problem, {o: means[:, k] for k, o in enumerate(outputs)}, entropy)
    result.attrs.update(
        {
            "n": n,
            "runs": runs,
            "points": len(x),
            "seed": entropy,
            "fixed": {p: v for p, v in base.items() if p not in bounds},
            "seconds": time.perf_counter() - t0,
        }
    )
    return result
