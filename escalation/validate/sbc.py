"""Simulation-based calibration (SBC) of a calibration pipeline (Talts et al. 2018).

Talts et al., arXiv:1804.06788. Each replicate draws a "true" parameter vector from the prior,
simulates data from it with the model, fits the data with ABC-SMC exactly as a calibration
would (same priors, same summaries, the given population and generations), draws
``posterior_draws`` vectors from the resulting posterior by weight, and records per parameter
the *rank* of the true value among them (ties, which integer parameters and resampled particles
produce, broken at random). If the pipeline returns calibrated posteriors, each parameter's
ranks are uniform on ``0 .. posterior_draws``; a U shape means posteriors too narrow, a hump
too wide, a slope a bias. ABC posteriors at a finite tolerance are approximations, so SBC here
tests the approximation the user gets.

Per parameter :class:`SBCResult` gives the rank histogram and a chi-square test of uniformity
(``bins`` equal bins over the ranks, ``bins - 1`` degrees of freedom), the posterior
*contraction* ``1 - var(posterior) / var(prior)`` (0: the data taught nothing; 1: the parameter
is pinned) and the *z-score* ``(posterior mean - truth) / posterior sd`` of each replicate
(Schad et al. 2021, Psychol. Methods 26:103). Parameters with a log-uniform or lognormal prior
are measured on the log scale.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.executors import executor_for
from escalation.base.files import write_atomic
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.batch import Model
from escalation.calibrate.episodeset import EpisodeSet
from escalation.calibrate.priors import Priors
from escalation.calibrate.problem import CalibrationProblem
from escalation.calibrate.smc import smc


def chi2_sf(x: float, df: int) -> float:
    """P(X > x) for X chi-square with ``df`` degrees of freedom (regularised gamma Q)."""
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    lead = math.exp(-z + a * math.log(z) - math.lgamma(a))
    if z < a + 1:  # series for P(a, z)
        term = total = 1.0 / a
        k = a
        while abs(term) > 1e-15 * abs(total):
            k += 1
            term *= z / k
            total += term
        return max(0.0, 1.0 - total * lead)
    # Continued fraction for Q(a, z) (modified Lentz).
    b, c, d = z + 1 - a, 1e300, 1.0 / (z + 1 - a)
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return min(1.0, lead * h)


@dataclass(frozen=True)
class SBCResult:
    """Ranks, contractions and z-scores of every replicate (see the module docstring)."""

    names: tuple[str, ...]
    ranks: np.ndarray
    contraction: np.ndarray
    z: np.ndarray
    posterior_draws: int
    bins: int
    settings: dict[str, Any]
    seconds: float

    def histogram(self, j: int) -> np.ndarray:
        """Counts of parameter ``j``'s ranks in ``bins`` equal bins."""
        edges = (self.ranks[:, j] * self.bins) // (self.posterior_draws + 1)
        return np.bincount(edges.astype(int), minlength=self.bins)

    def uniformity(self, j: int) -> tuple[float, float]:
        """Chi-square statistic and p-value of parameter ``j``'s rank histogram."""
        counts = self.histogram(j)
        expected = counts.sum() / self.bins
        stat = float(np.sum((counts - expected) ** 2) / expected)
        return stat, chi2_sf(stat, self.bins - 1)

    def rows(self) -> list[dict[str, Any]]:
        """One row per parameter: uniformity test, mean contraction, z-score mean and sd."""
        out = []
        for j, name in enumerate(self.names):
            stat, p = self.uniformity(j)
            z = self.z[:, j][np.isfinite(self.z[:, j])]
            out.append(
                {
                    "parameter": name,
                    "replicates": int(self.ranks.shape[0]),
                    "chi2": stat,
                    "p_uniform": p,
                    "contraction": float(np.mean(self.contraction[:, j])),
                    "contraction_sd": float(np.std(self.contraction[:, j], ddof=1))
                    if len(self.ranks) > 1
                    else math.nan,
                    "z_mean": float(np.mean(z)) if z.size else math.nan,
                    "z_sd": float(np.std(z, ddof=1)) if z.size > 1 else math.nan,
                }
            )
        return out

    def to_csv(self, path: str | Path | None = None) -> str:
        """The rows as CSV text; written atomically to ``path`` if given."""
        buf = io.StringIO()
        rows = self.rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()})
        if path is not None:
            write_atomic(Path(path), buf.getvalue())
        return buf.getvalue()

    def table(self) -> str:
        """Fixed-width table of the rows."""
        width = max(len("parameter"), *(len(n) for n in self.names))
        lines = [
            f"{'parameter':<{width}} {'chi2':>7} {'p':>6} {'contraction':>11} {'z mean':>7} "
            f"{'z sd':>6}"
        ]
        for r in self.rows():
            lines.append(
                f"{r['parameter']:<{width}} {r['chi2']:>7.2f} {r['p_uniform']:>6.3f} "
                f"{r['contraction']:>11.3f} {r['z_mean']:>7.2f} {r['z_sd']:>6.2f}"
            )
        s = self.settings
        lines.append(
            f"({self.ranks.shape[0]} replicates, {self.posterior_draws} posterior draws, "
            f"{self.bins} bins; population {s.get('population')}, generations "
            f"{s.get('generations')}; {self.seconds:.1f} s)"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _transform(priors: Priors, x: np.ndarray) -> np.ndarray:
    return np.where(priors.log_scale, np.log(np.maximum(x, 1e-300)), x)


def _rank(draws: np.ndarray, truth: float, rng: np.random.Generator) -> int:
    below = int(np.sum(draws < truth))
    ties = int(np.sum(draws == truth))
    return below + int(rng.integers(0, ties + 1))


def _replicate(
    model: Model,
    priors: Priors,
    seq: np.random.SeedSequence,
    prior_var: np.ndarray,
    post_draws: int,
    fit: dict[str, Any],
    executor: cf.Executor | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s_truth, s_data, s_fit, s_rank = seq.spawn(4)
    truth = priors.sample(np.random.default_rng(s_truth), 1)
    observed = np.asarray(model(truth, [s_data]), dtype=float)[0]
    post = smc(
        model, priors, observed, seed=int(s_fit.generate_state(1)[0]), executor=executor, **fit
    )
    rng = np.random.default_rng(s_rank)
    draws = np.asarray(post.particles)[post.sample(rng, post_draws)]
    ranks = np.array([_rank(draws[:, j], truth[0, j], rng) for j in range(draws.shape[1])])
    t_draws, t_truth = _transform(priors, draws), _transform(priors, truth)[0]
    mean, sd = t_draws.mean(axis=0), t_draws.std(axis=0, ddof=1)
    contraction = 1.0 - sd**2 / prior_var
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (mean - t_truth) / sd, np.nan)
    return ranks, contraction, z


def sbc(
    model: Model | CalibrationProblem | EpisodeSet,
    priors: Priors | None = None,
    *,
    replicates: int = 100,
    population: int = 200,
    generations: int = 4,
    posterior_draws: int = 99,
    bins: int = 10,
    seed: Seed = 0,
    workers: int | None = None,
    executor: cf.Executor | None = None,
    kernel: str = "global",
) -> SBCResult:
    """Simulation-based calibration of ABC-SMC on ``model`` under ``priors``.

    ``model`` is a :class:`~escalation.calibrate.problem.CalibrationProblem` or an
    :class:`~escalation.calibrate.episodeset.EpisodeSet` (its simulator, priors and summary
    weights are used: the bundled pipeline) or any model with ``priors`` given. ``bins`` must
    divide ``posterior_draws + 1`` so that uniform ranks give equal expected counts;
    ``kernel`` is ABC-SMC's perturbation kernel (``"local"`` as the bundled fit).
    """
    weights = None
    if isinstance(model, CalibrationProblem | EpisodeSet):
        if isinstance(model, EpisodeSet):
            weights = model.weights
        priors, model = model.priors, model.simulator
    if priors is None:
        raise ValueError("sbc(model, priors): give the priors of a plain model")
    if replicates < 2 or bins < 2 or (posterior_draws + 1) % bins:
        raise ValueError("need replicates >= 2 and bins >= 2 dividing posterior_draws + 1")
    entropy = root_entropy(seed)
    prior_draws = _transform(priors, priors.sample(np.random.default_rng(entropy), 20_000))
    prior_var = prior_draws.var(axis=0, ddof=1)
    fit: dict[str, Any] = {"population": population, "generations": generations}
    if kernel != "global":  # as smc records it: only when not the default
        fit["kernel"] = kernel
    if weights is not None:
        fit["weights"] = weights
    t0 = time.perf_counter()
    out = []
    with executor_for(workers, executor) as pool:
        for seq in np.random.SeedSequence(entropy, spawn_key=(1,)).spawn(replicates):
            out.append(_replicate(model, priors, seq, prior_var, posterior_draws, fit, pool))
    ranks, contraction, z = (np.array(a) for a in zip(*out, strict=True))
    settings = {
        "population": population,
        "generations": generations,
        "replicates": replicates,
        "kernel": kernel,
        "seed": entropy,
    }
    return SBCResult(
        priors.names,
        ranks,
        contraction,
        z,
        posterior_draws,
        bins,
        settings,
        time.perf_counter() - t0,
    )


def sbc_of(scenario: Any, history: Any, priors: Any = None, **settings: Any) -> SBCResult:
    """SBC of the calibration of ``scenario`` on ``history`` (as ``calibrate`` would build it)."""
    problem = CalibrationProblem.build(scenario, history, priors)
    return sbc(problem, **settings)


__all__: Sequence[str] = ("SBCResult", "chi2_sf", "sbc", "sbc_of")
