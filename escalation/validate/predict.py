"""Predictions as objects: the predictive distribution of each dyad's outcomes, and its scores.

:func:`predict` runs a scenario (under a posterior's particles, or its own ``posterior:``, or
fixed policies) and keeps, for every dyad (:mod:`escalation.validate.dyads`), whether it was
answered, the first-answer lag in days, the answer's kind, the magnitude ratio, whether the
pair ruptured and when. :meth:`Prediction.score` scores an observed episode against it with
the proper scores of :mod:`escalation.validate.scores`.

Scored on a common footing: an unanswered dyad has its lag *censored* at ``window_days``
(the lag counts as the window), as in the calibration's summaries, so the lag's CRPS also
rewards predicting "no answer"; a dyad that did not rupture has its time to rupture censored
at the run's horizon. The ratio is scored only when the observed dyad was answered and on the
draws that were answered (a conditional prediction: say so when comparing).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from escalation.base.seeds import Seed, root_entropy
from escalation.base.stream import seed_key
from escalation.calibrate.posterior import Posterior
from escalation.model.scenario import Scenario, load_scenario
from escalation.sim.engine import simulate
from escalation.sim.history import History, load_history, replay
from escalation.validate.dyads import Dyad, dyads_of
from escalation.validate.scores import (
    binomial_interval,
    brier,
    central_interval,
    crps,
    log_score,
    pit,
    smoothed_probability,
)

#: Runs per prediction by default.
DEFAULT_RUNS = 1000
#: Days after which a missing answer counts as "no answer" in the lag's score.
DEFAULT_WINDOW = 90.0

Key = tuple[str, str]


@dataclass(frozen=True)
class DyadDraws:
    """The predictive draws of one dyad: one value per run (see :mod:`.dyads`)."""

    answered: np.ndarray
    lag: np.ndarray
    answer_kind: np.ndarray
    ratio: np.ndarray
    ruptured: np.ndarray
    time_to_rupture: np.ndarray

    @classmethod
    def collect(cls, dyads: list[Dyad | None]) -> DyadDraws:
        """Draws from one dyad per run (``None``: the dyad did not occur in that run)."""

        def col(name: str, empty: Any, dtype: Any) -> np.ndarray:
            return np.array([getattr(d, name) if d else empty for d in dyads], dtype=dtype)

        return cls(
            answered=col("answered", False, bool),
            lag=col("lag", math.nan, float),
            answer_kind=col("answer_kind", None, object),
            ratio=col("ratio", math.nan, float),
            ruptured=col("ruptured", False, bool),
            time_to_rupture=col("time_to_rupture", math.nan, float),
        )

    def censored_lag(self, window: float) -> np.ndarray:
        """Lags with "no answer within ``window``" counted as ``window``."""
        lag = np.where(np.isnan(self.lag), window, self.lag)
        return np.minimum(lag, window)


@dataclass(frozen=True)
class Prediction:
    """The predictive distribution of a scenario's dyads (from :func:`predict`).

    Attributes
    ----------
    scenario
        The scenario's name.
    draws
        ``(initiator, target) -> DyadDraws``, one value per run.
    runs
        Number of runs.
    horizon
        The scenario's horizon in days (where times to rupture are censored).
    window_days
        Where lags are censored in the scores.
    seed
        The root seed of the runs.
    """

    scenario: str
    draws: Mapping[Key, DyadDraws]
    runs: int
    horizon: float
    window_days: float = DEFAULT_WINDOW
    seed: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dyads(self) -> tuple[Key, ...]:
        """The dyads, in order of first move."""
        return tuple(self.draws)

    def summary(self, level: float = 0.9) -> list[dict[str, Any]]:
        """One row per dyad: probabilities with 95 % Monte Carlo intervals, central intervals."""
        rows = []
        for (a, b), d in self.draws.items():
            n = self.runs
            kinds, counts = np.unique(
                np.array([k or "none" for k in d.answer_kind], dtype=str), return_counts=True
            )
            p_ans, p_rup = d.answered.mean(), d.ruptured.mean()
            rows.append(
                {
                    "initiator": a,
                    "target": b,
                    "p_answered": float(p_ans),
                    "p_answered_mc": binomial_interval(int(d.answered.sum()), n),
                    "lag_median": float(np.nanmedian(d.lag)) if d.answered.any() else math.nan,
                    "lag_interval": central_interval(d.lag, level),
                    "answer_kinds": {
                        str(k): float(c / n) for k, c in zip(kinds, counts, strict=True)
                    },
                    "ratio_interval": central_interval(d.ratio, level),
                    "p_ruptured": float(p_rup),
                    "p_ruptured_mc": binomial_interval(int(d.ruptured.sum()), n),
                    "time_to_rupture_interval": central_interval(d.time_to_rupture, level),
                }
            )
        return rows

    def score(self, observed: Iterable[Dyad], *, seed: Seed = 0) -> list[dict[str, Any]]:
        """Score observed dyads: one row per dyad and outcome (smaller scores are better).

        Outcomes: ``answered`` (Brier, log score), ``lag`` (CRPS in days, censored at the
        window; PIT), ``answer_kind`` (log score), ``ratio`` (CRPS, only if observed
        answered), ``ruptured`` (Brier, log score), ``time_to_rupture`` (CRPS in days,
        censored at the horizon). Dyads the prediction does not have are skipped.
        """
        rng = np.random.default_rng(root_entropy(seed))
        rows: list[dict[str, Any]] = []
        for obs in observed:
            d = self.draws.get(obs.key)
            if d is None:
                continue
            rows.extend(_score_dyad(obs, d, self, rng))
        return rows


def _row(obs: Dyad, outcome: str, value: Any, **scores: float) -> dict[str, Any]:
    return {
        "initiator": obs.initiator,
        "target": obs.target,
        "outcome": outcome,
        "observed": value,
        **scores,
    }


def _score_dyad(
    obs: Dyad, d: DyadDraws, pred: Prediction, rng: np.random.Generator
) -> list[dict[str, Any]]:
    n, w = pred.runs, pred.window_days
    p_ans = smoothed_probability(int(d.answered.sum()), n)
    p_rup = smoothed_probability(int(d.ruptured.sum()), n)
    lag_obs = min(obs.lag, w) if obs.answered else w
    lags = d.censored_lag(w)
    ttr = np.where(np.isnan(d.time_to_rupture), pred.horizon, d.time_to_rupture)
    ttr_obs = obs.time_to_rupture if obs.ruptured else pred.horizon
    rows = [
        _row(
            obs,
            "answered",
            obs.answered,
            brier=brier(p_ans, obs.answered),
            log=log_score(d.answered, obs.answered),
        ),
        _row(obs, "lag", lag_obs, crps=crps(lags, lag_obs), pit=pit(lags, lag_obs, rng)),
        _row(
            obs,
            "answer_kind",
            obs.answer_kind or "none",
            log=log_score([k or "none" for k in d.answer_kind], obs.answer_kind or "none"),
        ),
        _row(
            obs,
            "ruptured",
            obs.ruptured,
            brier=brier(p_rup, obs.ruptured),
            log=log_score(d.ruptured, obs.ruptured),
        ),
        _row(obs, "time_to_rupture", ttr_obs, crps=crps(ttr, ttr_obs), pit=pit(ttr, ttr_obs, rng)),
    ]
    if obs.answered and math.isfinite(obs.ratio):
        rows.append(
            _row(
                obs,
                "ratio",
                obs.ratio,
                crps=crps(d.ratio, obs.ratio),
                pit=pit(d.ratio, obs.ratio, rng),
            )
        )
    return rows


def _scenarios(
    source: Posterior | Scenario | str | Path, scenario: Scenario | str | Path | None
) -> tuple[Scenario, Posterior | None]:
    if isinstance(source, Posterior):
        if scenario is None:
            raise ValueError("predict(posterior, scenario): give the scenario to play")
        base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        return base, source
    if scenario is not None:
        raise ValueError("predict(scenario) takes no second scenario; pass a posterior first")
    return (source if isinstance(source, Scenario) else load_scenario(source)), None


def _with_particle(scenario: Scenario, posterior: Posterior, theta: np.ndarray) -> Scenario:
    policies = posterior.priors.apply(theta)
    actors = tuple(
        a.model_copy(update={"policy": policies[a.id], "policies": {}}) if a.id in policies else a
        for a in scenario.actors
    )
    return scenario.model_copy(update={"actors": actors, "posterior": None})


def _logged(
    base: Scenario,
    posterior: Posterior | None,
    thetas: np.ndarray | None,
    seeds: list[np.random.SeedSequence],
) -> list[Any] | None:
    """The runs of :func:`predict` on the batch engine, with their logs (``None``: not covered).

    A run that outgrew its log is ``None`` in the list (the caller plays it on SimPy).
    """
    from escalation.sim import batch

    if not batch.available():
        return None
    scenario = base
    if posterior is not None and thetas is not None:
        scenario = _with_particle(base, posterior, thetas[0])
        if any(p.scheduled() for p in posterior.priors.apply(thetas[0]).values()):
            return None
    if batch.uncovered(scenario) is not None:
        return None
    from escalation.sim.batch.logs import LogPlayer

    player = LogPlayer(scenario)
    tables = None
    if posterior is not None and thetas is not None:
        tables = player.tables([posterior.priors.apply(theta) for theta in thetas])
    return player.play([seed_key(s) for s in seeds], tables)


def predict(
    source: Posterior | Scenario | str | Path,
    scenario: Scenario | str | Path | None = None,
    *,
    runs: int = DEFAULT_RUNS,
    seed: Seed = 0,
    window_days: float = DEFAULT_WINDOW,
    engine: Literal["auto", "batch", "simpy"] = "auto",
) -> Prediction:
    """The predictive distribution of each dyad of ``scenario`` over ``runs`` runs.

    ``predict(posterior, scenario)`` plays ``scenario`` with the calibrated actors' policies
    set to a particle drawn by weight for each run; ``predict(scenario)`` plays the scenario
    as it is (drawing from its own ``posterior:`` file if it names one). Every draw comes from
    ``seed``: the particles from its first child, the runs from one child each of its second.
    ``engine="auto"`` plays the runs on the batch engine, keeping their event logs, when it
    covers the scenario (else on SimPy); the draws are the same either way, run for run.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    if engine not in ("auto", "batch", "simpy"):
        raise ValueError(f"engine must be 'auto', 'batch' or 'simpy', not {engine!r}")
    base, posterior = _scenarios(source, scenario)
    entropy = root_entropy(seed)
    picks, sims = np.random.SeedSequence(entropy).spawn(2)
    seeds = sims.spawn(runs)
    thetas = None
    if posterior is not None:
        idx = posterior.sample(np.random.default_rng(picks), runs)
        thetas = np.asarray(posterior.particles)[idx]
    played = None if engine == "simpy" else _logged(base, posterior, thetas, seeds)
    if played is None and engine == "batch":
        raise ValueError("the batch engine does not cover this scenario (engine='batch')")
    per_run: list[dict[Key, Dyad]] = []
    for i in range(runs):
        run = played[i] if played is not None else None
        if run is None:  # on SimPy: asked for, not covered, or outgrew the batch engine's log
            sc = base if thetas is None else _with_particle(base, posterior, thetas[i])  # type: ignore[arg-type]
            run = simulate(sc, seed=seeds[i])
        per_run.append({d.key: d for d in dyads_of(run)})
    keys: dict[Key, float] = {}
    for dyads in per_run:
        for k, d in dyads.items():
            keys[k] = min(keys.get(k, math.inf), d.first_time)
    draws = {
        k: DyadDraws.collect([r.get(k) for r in per_run])
        for k in sorted(keys, key=lambda k: keys[k])
    }
    return Prediction(base.name, draws, runs, float(base.horizon_days), window_days, entropy)


def observed_dyads(
    history: History | str | Path,
    start: dt.date | str,
    days: float,
    *,
    scenario: Scenario | None = None,
) -> tuple[Dyad, ...]:
    """The dyads of a documented history in the ``days`` days from ``start`` (inclusive)."""
    hist = history if isinstance(history, History) else load_history(history)
    run = replay(hist, scenario=None if hist.presences else scenario)
    day0 = dt.date.fromisoformat(start) if isinstance(start, str) else start
    t0 = float((day0 - run.start).days)
    return dyads_of(run, since=t0, until=t0 + days)
