"""Posterior predictive checks: each observed summary against its predictive distribution.

:func:`predictive_checks` simulates runs of the fitting scenario under particles drawn from a
posterior and compares their summaries with the observed ones (:class:`PredictiveChecks`). The
p-value rule is in ``docs/calibration.md`` ("Predictive checks").
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.executors import executor_for
from escalation.base.files import write_atomic
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.batch import simulate_batch
from escalation.calibrate.episodeset import EpisodeSet, problem_of
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.problem import CalibrationProblem

#: Posterior predictive draws by default.
DEFAULT_DRAWS = 500


@dataclass(frozen=True)
class PredictiveChecks:
    """Observed summaries against their posterior predictive distributions.

    The predictive p-value of a summary is two-sided and uses the mid-p rule, so that ties
    (discrete summaries, and the fixed values of "no answer") count half on each side::

        F = P(T < observed) + P(T = observed) / 2,    p = 2 * min(F, 1 - F)

    where T is the summary of a run drawn from the posterior predictive distribution. A
    summary every draw reproduces exactly gets p = 1; one no draw reaches gets p near 0.
    Values near 0 point at a misfit (background.md section 6.4).

    Attributes
    ----------
    names
        Summary names.
    observed
        Observed values.
    simulated
        Predictive draws, shape ``(draws, summaries)``.
    seed
        Seed of the draws.
    """

    names: tuple[str, ...]
    observed: np.ndarray
    simulated: np.ndarray
    seed: int | None = None

    @property
    def below(self) -> np.ndarray:
        """P(T < observed) per summary."""
        return np.mean(self.simulated < self.observed, axis=0)

    @property
    def ties(self) -> np.ndarray:
        """P(T = observed) per summary."""
        return np.mean(np.isclose(self.simulated, self.observed, rtol=0, atol=1e-9), axis=0)

    @property
    def p_values(self) -> np.ndarray:
        """Two-sided mid-p predictive p-values, one per summary."""
        f = self.below + 0.5 * self.ties
        return np.minimum(1.0, 2.0 * np.minimum(f, 1.0 - f))

    def p_value(self, name: str) -> float:
        """The p-value of summary ``name``."""
        return float(self.p_values[self.names.index(name)])

    def extreme(self, alpha: float = 0.05) -> list[str]:
        """Summaries whose p-value is below ``alpha`` (in the extreme ``alpha / 2`` tails)."""
        return [n for n, p in zip(self.names, self.p_values, strict=True) if p < alpha]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per summary: observed, predictive mean and 5%-95% range, p-value."""
        lo, hi = np.quantile(self.simulated, [0.05, 0.95], axis=0)
        mean = self.simulated.mean(axis=0)
        return [
            {
                "summary": n,
                "observed": float(self.observed[j]),
                "predictive_mean": float(mean[j]),
                "predictive_5%": float(lo[j]),
                "predictive_95%": float(hi[j]),
                "p_below": float(self.below[j]),
                "p_tie": float(self.ties[j]),
                "p_value": float(self.p_values[j]),
            }
            for j, n in enumerate(self.names)
        ]

    def to_csv(self, path: str | Path | None = None) -> str:
        """The rows as CSV text; written atomically to ``path`` if given."""
        buf = io.StringIO()
        rows = self.rows()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
        text = buf.getvalue()
        if path is not None:
            write_atomic(Path(path), text)
        return text

    def table(self) -> str:
        """The rows as a fixed-width table."""
        width = max(len("summary"), *(len(n) for n in self.names))
        head = (
            f"{'summary':<{width}} {'observed':>9} {'mean':>9} {'5%':>9} {'95%':>9} {'p-value':>8}"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows():
            flag = "  <- extreme" if r["p_value"] < 0.05 else ""
            lines.append(
                f"{r['summary']:<{width}} {r['observed']:>9.3g} {r['predictive_mean']:>9.3g} "
                f"{r['predictive_5%']:>9.3g} {r['predictive_95%']:>9.3g} "
                f"{r['p_value']:>8.3f}{flag}"
            )
        n = self.simulated.shape[0]
        lines.append(f"({n} posterior predictive draws; two-sided mid-p p-values)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def predictive_checks(
    posterior: Posterior,
    draws: int = DEFAULT_DRAWS,
    *,
    seed: Seed = 0,
    workers: int | None = None,
    executor: cf.Executor | None = None,
    problem: CalibrationProblem | EpisodeSet | None = None,
) -> PredictiveChecks:
    """Simulate ``draws`` runs from the posterior and compare their summaries with the data.

    Each draw picks a particle by weight and runs the fitting scenario under it with its own
    seed (children of ``seed``, drawn before any fan-out). ``problem`` defaults to the one
    recorded in the posterior.
    """
    if problem is None:
        problem = problem_of(posterior)
    entropy = root_entropy(seed)
    picks, sims = np.random.SeedSequence(entropy).spawn(2)
    idx = posterior.sample(np.random.default_rng(picks), draws)
    thetas = np.asarray(posterior.particles)[idx]
    with executor_for(workers, executor) as pool:
        simulated = simulate_batch(problem.simulator, thetas, sims.spawn(draws), pool)
    return PredictiveChecks(
        tuple(posterior.summaries), np.array(posterior.observed), simulated, entropy
    )
