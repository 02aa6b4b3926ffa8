"""Monte Carlo error of the calibration itself: how much a reported figure moves with the seed.

A calibration is a random procedure: two seeds give two posteriors, and any figure computed
from them (P(rupture) of a scenario) differs by more than the runs' own binomial error.
:func:`seed_spread` calibrates the same problem with several seeds, computes P(rupture) of a
scenario under each posterior (``particles`` particles drawn by weight, ``runs`` runs each, the
same run seeds for every posterior), and reports the spread between seeds beside the error
within one: the interval a user should see adds both variances.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.executors import executor_for
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.problem import CalibrationProblem
from escalation.calibrate.smc import smc
from escalation.ensemble.runner import run_ensemble
from escalation.model.scenario import Scenario, load_scenario
from escalation.validate.sweep import at_point


def p_rupture(
    posterior: Posterior,
    scenario: Scenario | str | Path,
    *,
    particles: int = 200,
    runs: int = 20,
    seed: int = 0,
) -> tuple[float, float]:
    """P(rupture) of ``scenario`` under ``posterior`` and its Monte Carlo standard error.

    ``particles`` particles are drawn by weight and each is played ``runs`` times, each
    particle with its own child seed of ``seed`` (not the paired seeds of :func:`sweep`,
    which would make the particles' runs share their random numbers and the particles
    dependent); the error treats the particles as the independent units (a cluster standard
    error).
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    rng_seed, run_seed = np.random.SeedSequence(seed).spawn(2)
    idx = posterior.sample(np.random.default_rng(rng_seed), particles)
    thetas = np.asarray(posterior.particles)[idx]
    per = np.empty(particles)
    for i, (theta, child) in enumerate(zip(thetas, run_seed.spawn(particles), strict=True)):
        point = dict(zip(posterior.names, map(float, theta), strict=True))
        ens = run_ensemble(at_point(base, point), runs, seed=child)
        per[i] = float(np.mean(ens.outcomes["ruptured"]))
    return float(per.mean()), float(per.std(ddof=1) / math.sqrt(len(per)))


def seed_spread(
    problem: CalibrationProblem,
    scenario: Scenario | str | Path,
    seeds: Sequence[int] = (0, 1, 2),
    *,
    population: int = 200,
    generations: int = 4,
    particles: int = 200,
    runs: int = 20,
    workers: int | None = None,
) -> dict[str, Any]:
    """Calibrate with each seed; P(rupture) of ``scenario`` per seed, within and between.

    Returns ``p`` (per seed), ``se_within`` (per seed), ``sd_between`` (between seeds),
    ``total_se`` (``sqrt(mean se_within**2 + sd_between**2)``) and the settings.
    """
    t0 = time.perf_counter()
    ps, ses = [], []
    with executor_for(workers, None) as pool:
        for s in seeds:
            post = smc(
                problem.simulator,
                problem.priors,
                problem.observed,
                population=population,
                generations=generations,
                seed=s,
                executor=pool,
            )
            p, se = p_rupture(post, scenario, particles=particles, runs=runs, seed=12345)
            ps.append(p)
            ses.append(se)
    between = float(np.std(ps, ddof=1)) if len(ps) > 1 else math.nan
    within = float(np.sqrt(np.mean(np.square(ses))))
    return {
        "seeds": list(seeds),
        "p": ps,
        "se_within": ses,
        "sd_between": between,
        "total_se": float(math.sqrt(within**2 + between**2)),
        "population": population,
        "generations": generations,
        "seconds": time.perf_counter() - t0,
    }
