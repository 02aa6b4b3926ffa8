"""Approximate Bayesian computation: ABC-SMC and rejection ABC.

The model is any *simulator*: a picklable callable ``simulator(thetas, seeds)`` that takes a
``(n, d)`` array of parameter vectors and ``n`` :class:`numpy.random.SeedSequence` objects and
returns an ``(n, s)`` array of summaries, row ``i`` simulated from ``thetas[i]`` with a
generator made from ``seeds[i]`` only. :class:`escalation.calibrate.driver.ScenarioSimulator`
is the
one for scenarios; a test or a user passes a plain function.

ABC-SMC (:func:`smc`; Toni et al. 2009, J. R. Soc. Interface 6:187; Beaumont et al. 2009,
Biometrika 96:983):

1. generation 1 draws ``population`` parameter vectors from the prior and keeps them all
   (tolerance infinite). Its simulations fix the scale of each summary (see below);
2. generation t sets its tolerance ``epsilon_t`` to the weighted ``quantile`` (the median by
   default) of generation t-1's distances, as pyABC's ``MedianEpsilon`` does; then it
   resamples particles of t-1 by weight, perturbs them with a Gaussian kernel whose covariance
   is twice the weighted covariance of generation t-1 (Beaumont et al.), discards proposals
   outside the prior's support without simulating them, and accepts those whose distance is
   at most ``epsilon_t`` until ``population`` are accepted;
3. each accepted particle gets the weight ``prior(theta) / sum_j w_j K(theta | theta_j)``;
   weights are normalised.

Parameters with a discrete (``integer``) prior are moved by a discretised Gaussian over the
prior's integers, independently of the continuous ones, with a variance of twice their
weighted variance (at least 0.25, so that a population that agrees on one value can still
move); the kernel density in the weights is the product of both parts, so the weights stay
exact. Parameters with a log-uniform or lognormal prior (lags, half-lives: positive and
scale-free) are perturbed on the log scale, and the kernel density carries the Jacobian
``1 / theta``; with the bundled model this keeps the effective sample size near the population
where a kernel on the raw scale let it fall below a tenth of it.

The distance is the Euclidean distance of the standardised summaries: each summary is divided
by its scale, the median absolute deviation (times 1.4826, so that it estimates a standard
deviation) of the summary over generation 1's simulations, i.e. over the prior predictive
distribution; where that is 0 (a summary most prior draws agree on) the standard deviation is
used, and where that is 0 too, 1. Scales are computed once and kept for every later generation,
so tolerances of different generations are comparable.

Randomness and parallelism: generation t uses the seed sequence ``SeedSequence(seed,
spawn_key=(t,))`` only. Its first child drives resampling and perturbation in the calling
process; its second child is spawned into one seed per proposal, in order, before the
proposals are fanned out. Proposals are made in batches whose sizes depend only on earlier
counts, and accepted in proposal order, so the posterior is the same, bit for bit, whatever the
number of workers or the executor; and a calibration resumed from the checkpoint after
generation t is the same as one that never stopped.

Rejection ABC (:func:`rejection`) draws ``simulations`` vectors from the prior and keeps the
``population`` nearest the observed summaries (tolerance = the largest distance kept), with
equal weights: the baseline to compare ABC-SMC with.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from escalation.base.executors import capacity, map_chunks
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.posterior import Generation, Posterior, now_iso, weighted_quantile
from escalation.calibrate.priors import Priors

#: Floor of the kernel standard deviation of integer parameters (see the module docstring).
MIN_INTEGER_SD = 0.5


class Simulator(Protocol):
    """Simulates summaries for a batch of parameter vectors (see the module docstring)."""

    def __call__(self, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        """Row ``i``: the summaries of one run under ``thetas[i]`` seeded by ``seeds[i]``."""
        ...


@dataclass(frozen=True)
class GenerationReport:
    """What a progress callback is told, after each batch of simulations.

    Attributes
    ----------
    generation
        The generation under way (1-based).
    generations
        The generations planned.
    accepted
        Particles accepted so far in this generation.
    population
        Particles wanted per generation.
    simulations
        Simulations run so far in this generation.
    epsilon
        The generation's tolerance.
    done
        The generation's record once it is finished, else ``None``.
    """

    generation: int
    generations: int
    accepted: int
    population: int
    simulations: int
    epsilon: float
    done: Generation | None = None


ProgressCallback = Callable[[GenerationReport], None]


# -- distances ---------------------------------------------------------------------------------
def summary_scales(sims: np.ndarray) -> np.ndarray:
    """Scale of each summary column: MAD * 1.4826, else the SD, else 1 (module docstring)."""
    sims = np.asarray(sims, dtype=float)
    med = np.nanmedian(sims, axis=0)
    mad = 1.4826 * np.nanmedian(np.abs(sims - med), axis=0)
    sd = np.nanstd(sims, axis=0)
    out = np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))
    return np.where(np.isfinite(out), out, 1.0)


def distances(sims: np.ndarray, observed: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Euclidean distance of standardised summaries; a simulation with a NaN is infinitely far."""
    z = (np.asarray(sims, dtype=float) - observed) / scales
    d = np.sqrt(np.sum(z * z, axis=1))
    return np.where(np.isfinite(d), d, np.inf)


# -- fan-out -----------------------------------------------------------------------------------
def _call(
    simulator: Simulator, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]
) -> np.ndarray:
    return np.asarray(simulator(thetas, seeds), dtype=float)


def simulate_batch(
    simulator: Simulator,
    thetas: np.ndarray,
    seeds: Sequence[np.random.SeedSequence],
    executor: cf.Executor | None = None,
    chunk: int | None = None,
) -> np.ndarray:
    """Simulate every row of ``thetas`` with its seed, serially or on ``executor``."""
    n = len(thetas)
    if n == 0:
        return np.empty((0, 0))
    if executor is None:
        return _call(simulator, thetas, seeds)
    size = chunk or max(8, math.ceil(n / (4 * capacity(executor=executor))))
    tasks = [
        (i, (simulator, thetas[i : i + size], list(seeds[i : i + size])))
        for i in range(0, n, size)
    ]
    parts = dict(map_chunks(_call, tasks, executor=executor))
    return np.concatenate([parts[i] for i in sorted(parts)], axis=0)


# -- the perturbation kernel -------------------------------------------------------------------
class _Kernel:
    """Gaussian kernel around the particles of the previous generation."""

    def __init__(self, particles: np.ndarray, weights: np.ndarray, priors: Priors):
        self.logged = np.flatnonzero(priors.log_scale & ~priors.integer)
        self.particles = self._to_kernel(particles)
        self.weights = weights
        self.log_weights = np.log(np.where(weights > 0, weights, 1e-300))
        mask = priors.integer
        self.cont = np.flatnonzero(~mask)
        self.disc = np.flatnonzero(mask)
        particles = self.particles
        x = particles[:, self.cont]
        mean = weights @ x
        cov = 2.0 * ((x - mean).T @ ((x - mean) * weights[:, None]))
        spreads = np.array(
            [1.0 if j in self.logged else priors.dists[j].spread for j in self.cont]
        )
        # A population that agrees on a value would give a singular covariance: add a ridge
        # far below the prior's scale, which keeps the kernel a proper density.
        cov = cov + np.diag((1e-6 * spreads) ** 2 + 1e-12)
        self.chol = np.linalg.cholesky(cov) if len(self.cont) else np.empty((0, 0))
        self.log_det = 2.0 * float(np.sum(np.log(np.diag(self.chol)))) if len(self.cont) else 0.0
        self.supports = []
        self.sds = []
        for j in self.disc:
            d = priors.dists[j]
            low, high = d.bounds
            if high - low > 5000:
                raise ValueError(
                    f"the integer prior of {priors.names[j]} spans {high - low:.0f} values; "
                    "use a continuous prior (it is rounded when applied)"
                )
            self.supports.append(np.arange(low, high + 1.0))
            var = float(weights @ (particles[:, j] - weights @ particles[:, j]) ** 2)
            self.sds.append(max(math.sqrt(2.0 * var), MIN_INTEGER_SD))

    def _to_kernel(self, theta: np.ndarray) -> np.ndarray:
        """Parameters on the kernel's scale (logs of the log-scale ones)."""
        out = np.array(theta, dtype=float)
        if len(self.logged):
            with np.errstate(divide="ignore", invalid="ignore"):
                out[:, self.logged] = np.log(out[:, self.logged])
        return out

    def _discrete_logpmf(self, k: int, values: np.ndarray, centers: np.ndarray) -> np.ndarray:
        """Log P(values | centers) for integer dimension ``k``, one column per center."""
        support, sd = self.supports[k], self.sds[k]
        logits = -0.5 * ((support[None, :] - centers[:, None]) / sd) ** 2
        log_z = np.logaddexp.reduce(logits, axis=1)
        return -0.5 * ((values[:, None] - centers[None, :]) / sd) ** 2 - log_z[None, :]

    def propose(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Resample ``n`` particles by weight and perturb them."""
        cdf = np.cumsum(self.weights)
        idx = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
        out = self.particles[idx].copy()
        if len(self.cont):
            z = rng.standard_normal((n, len(self.cont)))
            out[:, self.cont] += z @ self.chol.T
        for k, j in enumerate(self.disc):
            support, sd = self.supports[k], self.sds[k]
            logits = -0.5 * ((support[None, :] - out[:, j][:, None]) / sd) ** 2
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            cdf_k = np.cumsum(p, axis=1)
            u = rng.random(n) * cdf_k[:, -1]
            pick = np.minimum((cdf_k < u[:, None]).sum(axis=1), len(support) - 1)
            out[:, j] = support[pick]
        if len(self.logged):
            out[:, self.logged] = np.exp(out[:, self.logged])
        return out

    def log_density(self, theta: np.ndarray) -> np.ndarray:
        """``log sum_j w_j K(theta_i | theta_j)`` for each row of ``theta``.

        The density is on the parameters' own scale: for a parameter moved on the log scale
        the Jacobian ``1 / theta`` enters.
        """
        jacobian = -np.sum(np.log(theta[:, self.logged]), axis=1) if len(self.logged) else 0.0
        theta = self._to_kernel(theta)
        out = np.empty(len(theta))
        dc = len(self.cont)
        const = -0.5 * dc * math.log(2 * math.pi) - 0.5 * self.log_det
        disc_centers = [self.particles[:, j] for j in self.disc]
        for start in range(0, len(theta), 256):
            block = theta[start : start + 256]
            logk = np.zeros((len(block), len(self.particles)))
            if dc:
                diff = block[:, None, self.cont] - self.particles[None, :, self.cont]
                sol = np.linalg.solve(self.chol, diff.reshape(-1, dc).T).T
                logk += const - 0.5 * np.sum(sol * sol, axis=1).reshape(len(block), -1)
            for k, j in enumerate(self.disc):
                logk += self._discrete_logpmf(k, block[:, j], disc_centers[k])
            out[start : start + 256] = np.logaddexp.reduce(logk + self.log_weights, axis=1)
        return out + jacobian


def tolerance(distances: np.ndarray, weights: np.ndarray, quantile: float) -> float:
    """The next tolerance: the weighted ``quantile`` of the distances, below any tied mass.

    Simulations that end alike (no answer in any episode, say) share one distance. When such a
    tie straddles the quantile, so that the particles at or below it weigh more than
    ``quantile + 0.2``, the tolerance is set to the largest distance strictly below the tie;
    otherwise a schedule could stall at the tie for ever.
    """
    eps = weighted_quantile(distances, weights, quantile)
    total = float(np.sum(weights))
    share = float(np.sum(weights[distances <= eps])) / total
    if share > quantile + 0.2:
        below = distances[distances < eps]
        if below.size:
            eps = float(below.max())
    return eps


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``1 / sum(w**2)`` of normalised weights."""
    return float(1.0 / np.sum(np.asarray(weights) ** 2))


def _generation_seeds(entropy: int, t: int) -> tuple[np.random.Generator, np.random.SeedSequence]:
    proposals, simulations = np.random.SeedSequence(entropy, spawn_key=(t,)).spawn(2)
    return np.random.default_rng(proposals), simulations


def _entropy(seed: Seed) -> int:
    root = root_entropy(seed)
    if root is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    return root


# -- ABC-SMC -----------------------------------------------------------------------------------
def smc(
    simulator: Simulator,
    priors: Priors,
    observed: Sequence[float] | np.ndarray,
    *,
    population: int = 500,
    generations: int = 8,
    seed: Seed = None,
    quantile: float = 0.5,
    scales: Sequence[float] | np.ndarray | None = None,
    min_acceptance: float = 0.01,
    executor: cf.Executor | None = None,
    summaries: Sequence[str] | None = None,
    model: dict[str, Any] | None = None,
    resume: Posterior | None = None,
    on_generation: Callable[[Posterior], None] | None = None,
    progress: ProgressCallback | None = None,
) -> Posterior:
    """ABC-SMC with an adaptive quantile tolerance (see the module docstring).

    Parameters
    ----------
    simulator
        Batch simulator (module docstring); must pickle if ``executor`` is a process pool.
    priors
        Priors of the parameters (their order is the column order).
    observed
        The observed summaries.
    population
        Particles per generation.
    generations
        Generations in all, the first drawn from the prior.
    seed
        Every random draw derives from it; ``None`` draws fresh entropy and records it.
    quantile
        Tolerance of generation t: this weighted quantile of generation t-1's distances.
    scales
        Summary scales; by default from generation 1's simulations (module docstring).
    min_acceptance
        Stop early, keeping the last full generation, when a generation would need more than
        ``population / min_acceptance`` simulations.
    executor
        Where to run the simulations (serially in this process if ``None``).
    summaries, model
        Names of the summaries and a JSON-able description of the model, stored in the
        posterior.
    resume
        A checkpoint (an incomplete posterior from the same settings) to continue from.
    on_generation
        Called with the posterior so far after every generation (to checkpoint it).
    progress
        Called after every batch of simulations.

    Returns
    -------
    Posterior
        The last generation, with the record of all of them.
    """
    if population < 2:
        raise ValueError(f"population must be at least 2, not {population}")
    if generations < 1:
        raise ValueError(f"generations must be at least 1, not {generations}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1, not {quantile}")
    if not 0 < min_acceptance <= 1:
        raise ValueError(f"min_acceptance must lie in (0, 1], not {min_acceptance}")
    obs = np.asarray(observed, dtype=float)
    names = tuple(summaries) if summaries is not None else tuple(f"s{i}" for i in range(len(obs)))
    settings = {
        "population": population,
        "quantile": quantile,
        "min_acceptance": min_acceptance,
        "distance": "euclidean, standardised",
    }
    began = time.perf_counter()

    def posterior(
        particles: np.ndarray,
        weights: np.ndarray,
        dist: np.ndarray,
        records: list[Generation],
        scale: np.ndarray,
        complete: bool,
        **meta: Any,
    ) -> Posterior:
        return Posterior(
            priors=priors,
            particles=particles,
            weights=weights,
            distances=dist,
            summaries=names,
            observed=obs,
            scales=scale,
            generations=tuple(records),
            seed=entropy,
            method="smc",
            settings={**settings, "generations": generations},
            model=model,
            complete=complete,
            meta={"created": now_iso(), "seconds": sum(r.seconds for r in records), **meta},
        )

    if resume is not None:
        entropy = _check_resume(resume, priors, obs, names, settings, root_entropy(seed))
        records = list(resume.generations)
        particles = np.array(resume.particles)
        weights = np.array(resume.weights)
        dist = np.array(resume.distances)
        scale = np.array(resume.scales)
        if resume.meta.get("stopped") or len(records) >= generations:
            return posterior(particles, weights, dist, records, scale, True, **resume.meta)
    else:
        entropy = _entropy(seed)
        records = []
        t0 = time.perf_counter()
        rng, sim_seq = _generation_seeds(entropy, 1)
        particles = priors.sample(rng, population)
        sims = simulate_batch(simulator, particles, sim_seq.spawn(population), executor)
        scale = summary_scales(sims) if scales is None else np.asarray(scales, dtype=float)
        dist = distances(sims, obs, scale)
        weights = np.full(population, 1.0 / population)
        seconds = time.perf_counter() - t0
        rec = Generation(1, math.inf, population, population, population, population, seconds)
        rec = replace(rec, proposed=population)
        records.append(rec)
        if progress:
            progress(
                GenerationReport(1, generations, population, population, population, math.inf, rec)
            )
        if on_generation:
            on_generation(posterior(particles, weights, dist, records, scale, generations == 1))

    while len(records) < generations:
        t = len(records) + 1
        t0 = time.perf_counter()
        eps = tolerance(dist, weights, quantile)
        kernel = _Kernel(particles, weights, priors)
        rng, sim_seq = _generation_seeds(entropy, t)
        last = records[-1]
        # Batch sizes depend only on counts recorded so far, never on timing or workers.
        expected = quantile * last.accepted / max(last.proposed, 1)
        budget = math.ceil(population / min_acceptance)
        keep_theta: list[np.ndarray] = []
        keep_dist: list[np.ndarray] = []
        accepted = used = simulated = proposed = drawn = 0
        while accepted < population and simulated < budget and drawn < 100 * budget:
            rate = accepted / proposed if accepted else expected
            need = population - accepted
            batch = math.ceil(need / max(rate, 1e-4) * 1.2) + max(16, population // 20)
            batch = min(batch, 50 * population)
            theta = kernel.propose(rng, batch)
            seeds = sim_seq.spawn(batch)
            inside = np.isfinite(priors.logpdf(theta))
            rows = np.flatnonzero(inside)
            d = np.full(batch, np.inf)
            if len(rows):
                sims = simulate_batch(simulator, theta[rows], [seeds[i] for i in rows], executor)
                d[rows] = distances(sims, obs, scale)
            ok = inside & (d <= eps)
            hits = np.flatnonzero(ok)
            drawn += batch
            simulated += len(rows)
            if len(hits) >= need:
                cut = hits[need - 1]
                used += int(inside[: cut + 1].sum())
                proposed += int(cut + 1)
                hits = hits[:need]
            else:
                used += len(rows)
                proposed += batch
            keep_theta.append(theta[hits])
            keep_dist.append(d[hits])
            accepted += len(hits)
            if progress:
                progress(GenerationReport(t, generations, accepted, population, simulated, eps))
        if accepted < population:
            meta = {
                "stopped": f"generation {t} accepted {accepted} of {population} particles "
                f"in {simulated} simulations (below min_acceptance {min_acceptance})"
            }
            final = posterior(particles, weights, dist, records, scale, True, **meta)
            if on_generation:
                on_generation(final)
            return final.with_meta(total_seconds=time.perf_counter() - began)
        new = np.concatenate(keep_theta, axis=0)
        new_dist = np.concatenate(keep_dist)
        logw = priors.logpdf(new) - kernel.log_density(new)
        w = np.exp(logw - logw.max())
        w = w / w.sum()
        particles, weights, dist = new, w, new_dist
        seconds = time.perf_counter() - t0
        rec = Generation(t, eps, accepted, used, simulated, ess(w), seconds, proposed)
        records.append(rec)
        if progress:
            progress(GenerationReport(t, generations, accepted, population, simulated, eps, rec))
        if on_generation:
            on_generation(posterior(particles, weights, dist, records, scale, t == generations))
    final = posterior(particles, weights, dist, records, scale, True)
    return final.with_meta(total_seconds=time.perf_counter() - began)


def _check_resume(
    resume: Posterior,
    priors: Priors,
    observed: np.ndarray,
    names: tuple[str, ...],
    settings: dict[str, Any],
    seed: int | None,
) -> int:
    problems = []
    if resume.method != "smc":
        problems.append(f"method {resume.method!r}")
    if seed is not None and resume.seed != seed:
        problems.append(f"seed {resume.seed} (not {seed})")
    if resume.priors.model_dump(mode="json") != priors.model_dump(mode="json"):
        problems.append("priors")
    if resume.summaries != names or not np.array_equal(resume.observed, observed):
        problems.append("observed summaries")
    for key, value in settings.items():
        if resume.settings.get(key) != value:
            problems.append(f"{key} {resume.settings.get(key)!r} (not {value!r})")
    if problems:
        raise ValueError(
            "the checkpoint comes from a different calibration: " + ", ".join(problems)
        )
    assert resume.seed is not None
    return int(resume.seed)


# -- rejection ABC -----------------------------------------------------------------------------
def rejection(
    simulator: Simulator,
    priors: Priors,
    observed: Sequence[float] | np.ndarray,
    *,
    population: int = 500,
    simulations: int = 10_000,
    seed: Seed = None,
    scales: Sequence[float] | np.ndarray | None = None,
    executor: cf.Executor | None = None,
    summaries: Sequence[str] | None = None,
    model: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> Posterior:
    """Rejection ABC: keep the ``population`` of ``simulations`` prior draws nearest the data.

    Scales default to the MAD of all the simulations (as for ABC-SMC's first generation).
    Ties at the cut are broken by draw order.
    """
    if not 2 <= population <= simulations:
        raise ValueError("need 2 <= population <= simulations")
    obs = np.asarray(observed, dtype=float)
    names = tuple(summaries) if summaries is not None else tuple(f"s{i}" for i in range(len(obs)))
    entropy = _entropy(seed)
    t0 = time.perf_counter()
    rng, sim_seq = _generation_seeds(entropy, 1)
    theta = priors.sample(rng, simulations)
    sims = simulate_batch(simulator, theta, sim_seq.spawn(simulations), executor)
    scale = summary_scales(sims) if scales is None else np.asarray(scales, dtype=float)
    d = distances(sims, obs, scale)
    keep = np.argsort(d, kind="stable")[:population]
    w = np.full(population, 1.0 / population)
    eps = float(d[keep[-1]])
    seconds = time.perf_counter() - t0
    rec = Generation(1, eps, population, simulations, simulations, population, seconds)
    rec = replace(rec, proposed=simulations)
    if progress:
        progress(GenerationReport(1, 1, population, population, simulations, eps, rec))
    return Posterior(
        priors=priors,
        particles=theta[keep],
        weights=w,
        distances=d[keep],
        summaries=names,
        observed=obs,
        scales=scale,
        generations=(rec,),
        seed=entropy,
        method="rejection",
        settings={"population": population, "simulations": simulations},
        model=model,
        complete=True,
        meta={"created": now_iso(), "seconds": rec.seconds},
    )
