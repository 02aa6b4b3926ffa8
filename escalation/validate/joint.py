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

A pooled wave (summaries ``in_kind``, ``ruptured.<counterpart>``, from
:mod:`escalation.calibrate.pooled`) is reproduced when the share of initiators answered in
kind within the window is at least ``IN_KIND_SHARE`` (0.9) and every documented
``ruptured.*`` value is matched: the issue's definition of the 2018 pattern.

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
#: A pooled wave is reproduced when at least this share of its dyads is answered in kind.
IN_KIND_SHARE = 0.9
#: The outcomes a summary name may hold after its episode label.
_OUTCOMES = ("answered", "type_change", "ruptured", "lag", "in_kind", "ratio")


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
            f"{'episode':<10} {'P(reproduced)':>14} {'95% MC':>15} {'at risk':>8} "
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


def _label(name: str) -> str:
    """The episode of a summary: what comes before its first outcome word."""
    parts = name.split(".")
    for i, part in enumerate(parts):
        if i and part in _OUTCOMES:
            return ".".join(parts[:i])
    return name.rsplit(".", 1)[0]


def _episodes(names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for n in names:
        label = _label(n)
        if label not in out:
            out.append(label)
    return out


def _ruptured(names: tuple[str, ...], episode: str) -> list[int]:
    """Columns of ``episode``'s rupture summaries (one, or one per counterpart of a wave)."""
    return [
        j
        for j, n in enumerate(names)
        if _label(n) == episode and n[len(episode) + 1 :].split(".")[0] == "ruptured"
    ]


def reproduced(
    names: tuple[str, ...],
    observed: np.ndarray,
    simulated: np.ndarray,
    episode: str,
    lag_factor: float = LAG_FACTOR,
) -> np.ndarray:
    """Per draw, whether it reproduces ``episode``'s documented pattern (module docstring)."""
    ok = np.ones(simulated.shape[0], dtype=bool)
    for j in _ruptured(names, episode):
        ok &= np.isclose(simulated[:, j], observed[j])
    if f"{episode}.in_kind" in names:  # a pooled wave
        j = names.index(f"{episode}.in_kind")
        return ok & (simulated[:, j] >= IN_KIND_SHARE - 1e-9)
    for s in ("answered", "type_change"):
        if f"{episode}.{s}" in names:
            j = names.index(f"{episode}.{s}")
            ok &= np.isclose(simulated[:, j], observed[j])
    answered = f"{episode}.answered" in names and observed[names.index(f"{episode}.answered")]
    if answered > 0.5 and f"{episode}.lag" in names:
        j = names.index(f"{episode}.lag")  # log(1 + days)
        days_obs, days = math.expm1(float(observed[j])), np.expm1(simulated[:, j])
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
    at_risk: dict[str, np.ndarray] = {}  # per run of one scenario (the label's prefix)
    together = np.ones(n, dtype=bool)
    for ep in _episodes(names):
        hit = reproduced(names, observed, simulated, ep, lag_factor)
        together &= hit
        risk = at_risk.setdefault(ep.rpartition(".")[0], np.ones(n, dtype=bool))
        ans_name = next((f"{ep}.{s}" for s in ("answered", "in_kind") if f"{ep}.{s}" in names), "")
        ans = simulated[:, names.index(ans_name)] if ans_name else np.full(n, np.nan)
        cols = _ruptured(names, ep)
        rup: np.ndarray = np.any(simulated[:, cols] > 0.5, axis=1) if cols else np.zeros(n, bool)
        k = int(risk.sum())
        p_ans = float(np.mean(ans[risk])) if k else math.nan
        p_rup = float(np.mean(rup[risk])) if k else math.nan
        rows.append(_row(ep, int(hit.sum()), n, k, p_ans, p_rup, alpha))
        risk &= ~rup
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
