"""Joint predictive checks: how often one predictive draw reproduces what was documented.

The per-summary p-values of :mod:`escalation.calibrate.checks` look at one summary at a time,
on the data the posterior was fitted to, and a mid-p value cannot fall below the ABC
tolerance: a badly wrong posterior passes them. These checks ask a question that can fail:
the probability that *one* draw reproduces the documented *pattern* of an episode (every
element of it at once), and of all episodes together.

An episode's pattern is reproduced by a draw when ``answered``, ``type_change`` and
``ruptured`` equal the documented values and, if the episode was answered, the first answer's
lag in days is within a factor ``lag_factor`` (2 by default) of the documented lag. These are
fixed before looking at any result; change them only for a stated reason.

Per-episode outcomes (``answered``, ``ruptured``) of a later episode are given among the draws
*at risk*: those in which no earlier episode ruptured the pair, since a draw that broke off in
2018 has nothing left to do in 2021.

The verdict: a check *rejects* when the upper end of the 95 % Wilson interval of its
probability is below ``alpha`` (0.05): the documented pattern is then rare under the
posterior beyond Monte Carlo doubt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalation.base.seeds import Seed
from escalation.calibrate.checks import predictive_checks
from escalation.calibrate.posterior import Posterior
from escalation.validate.scores import binomial_interval

#: Rejection level of the joint checks.
ALPHA = 0.05
#: A simulated lag reproduces a documented one when within this factor of it.
LAG_FACTOR = 2.0


@dataclass(frozen=True)
class JointChecks:
    """Results of :func:`joint_checks`: one row per episode and one for all together."""

    rows: tuple[dict[str, Any], ...]
    draws: int
    alpha: float

    @property
    def rejected(self) -> bool:
        """Whether any check rejects."""
        return any(r["rejected"] for r in self.rows)

    def row(self, episode: str) -> dict[str, Any]:
        """The row of ``episode`` (or ``"all"``)."""
        return next(r for r in self.rows if r["episode"] == episode)

    def table(self) -> str:
        """Fixed-width table of the rows."""
        head = (
            f"{'episode':<8} {'P(reproduced)':>14} {'95% MC':>15} {'at risk':>8} "
            f"{'P(ans|risk)':>11} {'P(rup|risk)':>11}  verdict"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lo, hi = r["interval"]
            lines.append(
                f"{r['episode']:<8} {r['p']:>14.3f} {f'{lo:.3f}-{hi:.3f}':>15} "
                f"{r['at_risk']:>8d} {r['p_answered']:>11.3f} {r['p_ruptured']:>11.3f}  "
                + ("REJECTED" if r["rejected"] else "not rejected")
            )
        lines.append(f"({self.draws} draws; rejected: 95% upper bound below {self.alpha})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _episodes(names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for n in names:
        label = n.rsplit(".", 1)[0]
        if label not in out:
            out.append(label)
    return out


def reproduced(
    names: tuple[str, ...],
    observed: np.ndarray,
    simulated: np.ndarray,
    episode: str,
    lag_factor: float = LAG_FACTOR,
) -> np.ndarray:
    """Per draw, whether it reproduces ``episode``'s documented pattern (module docstring)."""

    def col(s: str) -> tuple[float, np.ndarray]:
        j = names.index(f"{episode}.{s}")
        return float(observed[j]), simulated[:, j]

    ok = np.ones(simulated.shape[0], dtype=bool)
    for s in ("answered", "type_change", "ruptured"):
        if f"{episode}.{s}" in names:
            obs, sim = col(s)
            ok &= np.isclose(sim, obs)
    ans_obs, _ = col("answered")
    if ans_obs > 0.5 and f"{episode}.lag" in names:
        obs, sim = col("lag")  # log(1 + days)
        days_obs, days = math.expm1(obs), np.expm1(sim)
        ok &= (days >= days_obs / lag_factor) & (days <= days_obs * lag_factor)
    return ok


def evaluate(
    names: tuple[str, ...],
    observed: np.ndarray,
    simulated: np.ndarray,
    *,
    alpha: float = ALPHA,
    lag_factor: float = LAG_FACTOR,
) -> JointChecks:
    """Joint checks from predictive draws of the summaries (``simulated``: draws x summaries)."""
    n = simulated.shape[0]
    rows = []
    at_risk = np.ones(n, dtype=bool)
    together = np.ones(n, dtype=bool)
    for ep in _episodes(names):
        hit = reproduced(names, observed, simulated, ep, lag_factor)
        together &= hit
        ans = simulated[:, names.index(f"{ep}.answered")] > 0.5
        rup = simulated[:, names.index(f"{ep}.ruptured")] > 0.5
        k = int(at_risk.sum())
        rows.append(
            _row(
                ep,
                int(hit.sum()),
                n,
                k,
                ans[at_risk].mean() if k else math.nan,
                rup[at_risk].mean() if k else math.nan,
                alpha,
            )
        )
        at_risk &= ~rup
    rows.append(_row("all", int(together.sum()), n, n, math.nan, math.nan, alpha))
    return JointChecks(tuple(rows), n, alpha)


def _row(
    ep: str, hits: int, n: int, risk: int, p_ans: float, p_rup: float, alpha: float
) -> dict[str, Any]:
    lo, hi = binomial_interval(hits, n)
    return {
        "episode": ep,
        "p": hits / n,
        "interval": (lo, hi),
        "at_risk": risk,
        "p_answered": float(p_ans),
        "p_ruptured": float(p_rup),
        "rejected": hi < alpha,
    }


def joint_checks(
    posterior: Posterior,
    draws: int = 500,
    *,
    seed: Seed = 0,
    workers: int | None = None,
    alpha: float = ALPHA,
    lag_factor: float = LAG_FACTOR,
) -> JointChecks:
    """Run ``draws`` posterior predictive draws of the fitting scenario and check them jointly."""
    checks = predictive_checks(posterior, draws, seed=seed, workers=workers)
    return evaluate(
        checks.names, checks.observed, checks.simulated, alpha=alpha, lag_factor=lag_factor
    )
