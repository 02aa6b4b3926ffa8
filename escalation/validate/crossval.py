"""Left-out validation: refit without an episode, score the left-out episode, against null models.

:func:`cross_validate` leaves each documented episode out in turn, calibrates on the others
(ABC-SMC with the given small settings; the same priors and summaries), and predicts the
left-out episode by running the *whole* fitting scenario (every episode, so that what earlier
episodes leave behind carries forward) under particles of the training posterior. The
left-out episode is scored on four outcomes with proper scores (smaller is better):

``answered``   Brier score of P(answered within the window).
``lag``        CRPS in days of the first answer's lag, censored at the window (no answer counts
               as the window, as in the summaries).
``magnitude``  CRPS of the ``magnitude`` summary: log(1 + staff the answers removed) minus
               log(1 + staff the package removed); the stand-in for the ratio until per-dyad
               outcomes land (issue 10).
``ruptured``   Brier score of P(ruptured within the window).

Null models a sceptic would propose, each a predictive distribution of the same outcomes:

``empirical``  the training episodes' own documented values, equally weighted.
``tit-for-tat``  always answers, 1:1 (magnitude 0), at the mean lag of the answered training
               episodes (undefined if none was answered), never ruptures.
``never``      never answers: lag at the window, the no-answer magnitude, no rupture.

The difference ``model - null`` of each score (negative: the model is better) gets a 95 %
Monte Carlo interval by resampling the model's predictive draws (the null models have no
Monte Carlo error). With one left-out observation per fold the interval is only the
simulation's error, not the uncertainty of the data: a model can win a fold by luck.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escalation.base.executors import executor_for
from escalation.base.files import write_atomic
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.batch import simulate_batch
from escalation.calibrate.problem import CalibrationProblem
from escalation.calibrate.smc import smc
from escalation.validate.scores import brier, crps

OUTCOMES = ("answered", "lag", "magnitude", "ruptured")
NULLS = ("empirical", "tit-for-tat", "never")
#: The scoring rule of each outcome of :func:`cross_validate` (a yes/no outcome's CRPS is its
#: Brier score).
RULES = {"answered": "Brier", "lag": "CRPS", "magnitude": "CRPS", "ruptured": "Brier"}


def _outcomes(names: Sequence[str], sims: np.ndarray, ep: str, window: float) -> np.ndarray:
    """Columns answered, lag (days, censored), magnitude, ruptured of episode ``ep``."""
    col = {n: sims[:, names.index(f"{ep}.{n}")] for n in ("answered", "lag", "magnitude")}
    rup = sims[:, names.index(f"{ep}.ruptured")]
    lag = np.minimum(np.expm1(col["lag"]), window)
    return np.column_stack([col["answered"], lag, col["magnitude"], rup])


def _score(pred: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Scores of the four outcomes: Brier, CRPS, CRPS, Brier."""
    return np.array(
        [
            brier(float(np.mean(pred[:, 0])), bool(obs[0] > 0.5)),
            crps(pred[:, 1], float(obs[1])),
            crps(pred[:, 2], float(obs[2])),
            brier(float(np.mean(pred[:, 3])), bool(obs[3] > 0.5)),
        ]
    )


def _nulls(train: np.ndarray, no_answer_magnitude: float, window: float) -> dict[str, np.ndarray]:
    answered = train[train[:, 0] > 0.5]
    lag = float(np.mean(answered[:, 1])) if len(answered) else math.nan
    return {
        "empirical": train,
        "tit-for-tat": np.array([[1.0, lag, 0.0, 0.0]]),
        "never": np.array([[0.0, window, no_answer_magnitude, 0.0]]),
    }


@dataclass(frozen=True)
class CrossValidation:
    """Scores of each left-out episode: the model's and each null model's (module docstring)."""

    rows: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    seconds: float
    #: Per fold, the mean scaled score and a bootstrap sample of it (episode sets only,
    #: :func:`escalation.validate.leaveout.leave_out`).
    aggregate: dict[str, tuple[float, np.ndarray]] = field(default_factory=dict)

    def to_csv(self, path: Any = None) -> str:
        """One CSV row per fold, outcome and null model; written atomically to ``path``.

        ``rule`` is the score of the row (``Brier`` for a yes/no outcome, else ``CRPS``).
        """
        buf = io.StringIO()
        fields = [
            "left_out",
            "outcome",
            "rule",
            "observed",
            "model_score",
            "null",
            "null_score",
            "difference",
            "difference_low",
            "difference_high",
            "verdict",
        ]
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for r in self.rows:
            lo, hi = r["difference_interval"]
            row = {
                **{k: r[k] for k in fields[:8] if k != "rule"},
                "rule": r.get("rule") or RULES[r["outcome"]],
                "difference_low": lo,
                "difference_high": hi,
                "verdict": verdict(r),
            }
            writer.writerow(
                {k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()}
            )
        if path is not None:
            write_atomic(path, buf.getvalue())
        return buf.getvalue()

    def table(self) -> str:
        """Fixed-width table: one line per fold, outcome and null model."""
        head = (
            f"{'left out':<9} {'outcome':<10} {'observed':>9} {'model':>8} {'null':<12} "
            f"{'null score':>10} {'model-null':>10} {'95% MC':>17}  verdict"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lo, hi = r["difference_interval"]
            lines.append(
                f"{r['left_out']:<9} {r['outcome']:<10} {r['observed']:>9.3g} "
                f"{r['model_score']:>8.3g} {r['null']:<12} {r['null_score']:>10.3g} "
                f"{r['difference']:>10.3g} {f'{lo:.3g} .. {hi:.3g}':>17}  {verdict(r)}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def verdict(row: dict[str, Any]) -> str:
    """The verdict of one row: who predicts better, if the 95 % MC interval says so.

    ``model better`` / ``null better`` when the interval excludes 0, else ``undecided``;
    ``n/a`` when the null model does not define the outcome.
    """
    lo, hi = row["difference_interval"]
    if not math.isfinite(row["difference"]):
        return "n/a"
    return "model better" if hi < 0 else "null better" if lo > 0 else "undecided"


def _fold_rows(
    ep: str,
    obs: np.ndarray,
    pred: np.ndarray,
    nulls: dict[str, np.ndarray],
    rng: np.random.Generator,
    boot: int,
) -> list[dict[str, Any]]:
    model = _score(pred, obs)
    idx = rng.integers(0, len(pred), size=(boot, len(pred)))
    boots = np.array([_score(pred[i], obs) for i in idx])
    rows = []
    for name, null in nulls.items():
        ns = _score(null, obs)
        for k, outcome in enumerate(OUTCOMES):
            diff = boots[:, k] - ns[k]
            ok = np.isfinite(diff)
            lo, hi = np.quantile(diff[ok], [0.025, 0.975]) if ok.any() else (math.nan,) * 2
            rows.append(
                {
                    "left_out": ep,
                    "outcome": outcome,
                    "observed": float(obs[k]),
                    "model_score": float(model[k]),
                    "null": name,
                    "null_score": float(ns[k]),
                    "difference": float(model[k] - ns[k]),
                    "difference_interval": (float(lo), float(hi)),
                }
            )
    return rows


def cross_validate(
    problem: CalibrationProblem | Any,
    history: Any = None,
    priors: Any = None,
    *,
    population: int = 200,
    generations: int = 4,
    draws: int = 400,
    boot: int = 200,
    seed: Seed = 0,
    workers: int | None = None,
) -> CrossValidation:
    """Leave each episode out, refit on the rest, score it against the null models.

    ``problem`` is a :class:`CalibrationProblem` or a scenario (then ``history`` and ``priors``
    build the problem as ``calibrate`` would).
    """
    if not isinstance(problem, CalibrationProblem):
        problem = CalibrationProblem.build(problem, history, priors)
    names = list(problem.summaries.names)
    episodes = list(dict.fromkeys(n.rsplit(".", 1)[0] for n in names))
    if len(episodes) < 2:
        raise ValueError("left-out validation needs at least two episodes")
    window = float(problem.summaries.window_days)
    obs_all = {e: _outcomes(names, problem.observed[None, :], e, window)[0] for e in episodes}
    root = np.random.SeedSequence(root_entropy(seed))
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with executor_for(workers, None) as pool:
        for ep, seq in zip(episodes, root.spawn(len(episodes)), strict=True):
            s_fit, s_pick, s_sim, s_boot = seq.spawn(4)
            keep = [j for j, n in enumerate(names) if not n.startswith(f"{ep}.")]
            model = _Columns(problem.simulator, keep)
            post = smc(
                model,
                problem.priors,
                problem.observed[keep],
                population=population,
                generations=generations,
                seed=int(s_fit.generate_state(1)[0]),
                executor=pool,
            )
            idx = post.sample(np.random.default_rng(s_pick), draws)
            thetas = np.asarray(post.particles)[idx]
            sims = simulate_batch(problem.simulator, thetas, s_sim.spawn(draws), pool)
            pred = _outcomes(names, sims, ep, window)
            train = np.array([obs_all[e] for e in episodes if e != ep])
            unanswered = pred[pred[:, 0] < 0.5, 2]
            no_ans = float(unanswered[0]) if unanswered.size else math.nan
            nulls = _nulls(train, no_ans, window)
            rows += _fold_rows(ep, obs_all[ep], pred, nulls, np.random.default_rng(s_boot), boot)
    settings = {
        "population": population,
        "generations": generations,
        "draws": draws,
        "seed": root.entropy,
    }
    return CrossValidation(tuple(rows), settings, time.perf_counter() - t0)


@dataclass(frozen=True)
class _Columns:
    """A model that keeps some summary columns of another (the training episodes')."""

    model: Any
    keep: list[int]

    def __call__(self, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        return np.asarray(self.model(thetas, seeds), dtype=float)[:, self.keep]
