"""Left-out validation of an episode set, against null models and between policy families.

:func:`leave_out` takes an :class:`~escalation.calibrate.episodeset.EpisodeSet` (the 2018
wave and the NATO episodes, say), leaves a group of its episodes out, fits the others with
ABC-SMC (the set's priors, or another family's, the same summaries and weights), and predicts
the left-out episodes by running every episode of the set under particles of that fit. Every
episode is played whole so that what earlier episodes leave behind carries forward; only the
left-out episodes' summaries are scored.

Folds. ``groups`` lists the episode labels left out together; by default one fold per episode
of the set (the wave; the NATO file's episodes together). Labels are the set's episode names,
and ``<name>.<year>`` for the episodes of a documented history (``nato.2018``).

Scored outcomes (the summaries of :mod:`escalation.calibrate.pooled` and
:mod:`escalation.calibrate.episodes`, whether the fit selects them or not): of a documented
episode ``answered``, ``lag``, ``magnitude`` and ``ruptured``; of a pooled wave every summary
(the shares answered and answered in kind, the lag and log-ratio quantiles over dyads, the
ruptures). Lags are scored in days (the summaries' ``log(1 + days)`` undone, censored at the
episode's window as there); ratios and magnitudes on their log scale. Every outcome is scored
by the CRPS of its predictive draws (smaller is better); for a yes/no outcome that is the
Brier score of the predicted probability, and the rule is named so.

Null models, each a predictive distribution of the same summaries:

``empirical``    the training episodes' documented values of the same kind of summary
                 (answered, in kind, lag, ratio, ruptured), each equally weighted: only what
                 the fit was shown (its selected summaries); undefined (``nan``) without one.
``tit-for-tat``  the calibrated actor answers every measure in kind at 1:1 (``tit-for-tat``
                 policy) after exactly the training lag (the median of the training episodes'
                 documented lags, a wave's median lag counting as one), played in the
                 simulator, so the summaries come from the same code.
``never``        the calibrated actor never answers (``passive`` policy), played likewise.

Each difference ``model - null`` gets a 95 % Monte Carlo interval from resampling the model's
and the null's predictive draws (:func:`interval`). It is the simulation's error only: one
documented episode per outcome cannot give the data's own uncertainty, and the fit's
seed-to-seed spread is not in it (:mod:`escalation.validate.mcerror`).

For model choice, each fold also gets an aggregate: the mean over its scored outcomes of the
score divided by a fixed scale (the episode's window in days for a lag, 1 otherwise), with a
bootstrap sample of it; :mod:`escalation.validate.modelchoice` compares families on it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from escalation.base.executors import executor_for
from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.batch import simulate_batch
from escalation.calibrate.episodeset import EpisodeSet
from escalation.calibrate.pooled import PooledSummaries
from escalation.calibrate.priors import Priors, as_priors
from escalation.calibrate.smc import smc
from escalation.validate.crossval import CrossValidation, _Columns
from escalation.validate.scores import crps

NULLS = ("empirical", "tit-for-tat", "never")
_DOCUMENTED = ("answered", "lag", "magnitude", "ruptured")
_KIND = {"magnitude": "ratio"}
_BINARY = ("answered", "ruptured")


@dataclasses.dataclass(frozen=True)
class _Column:
    """One summary of the full set: its episode label, outcome name, kind, window, type."""

    label: str
    outcome: str
    kind: str
    window: float
    binary: bool


def _columns(es: EpisodeSet) -> list[_Column]:
    """Every summary of the set with every summary selected, in ``names`` order."""
    out = []
    for e in es.episodes:
        pooled = isinstance(e.summaries, PooledSummaries)
        window = float(e.summaries.window_days)
        for s in e.select:
            year, _, rest = s.partition(".")
            label, outcome = (e.name, s) if pooled else (f"{e.name}.{year}", rest)
            first = outcome.split(".")[0]
            kind = _KIND.get(first, first)
            binary = kind == "ruptured" or (kind == "answered" and not pooled)
            out.append(_Column(label, outcome, kind, window, binary))
    return out


def _full(es: EpisodeSet, priors: Priors | None = None) -> EpisodeSet:
    """The set with every summary selected (weights 1), under ``priors`` if given."""
    eps = tuple(dataclasses.replace(e, select=(), weights=()) for e in es.episodes)
    return EpisodeSet.of(eps, priors if priors is not None else es.priors)


def labels(es: EpisodeSet) -> list[str]:
    """The episode labels of the set, in order (``wave2018``, ``nato.2018``, ...)."""
    return list(dict.fromkeys(c.label for c in _columns(_full(es))))


def _values(cols: Sequence[_Column], x: np.ndarray) -> np.ndarray:
    """Summaries on the scored scale: lags in days, the rest as they are."""
    x = np.array(x, dtype=float, copy=True)
    for j, c in enumerate(cols):
        if c.kind == "lag":
            x[..., j] = np.minimum(np.expm1(x[..., j]), c.window)
    return x


def _scored(col: _Column) -> bool:
    """Whether a left-out summary is scored (module docstring)."""
    return col.label.count(".") == 0 or col.outcome in _DOCUMENTED


def _null_priors(es: EpisodeSet, policy: dict[str, Any]) -> Priors:
    """Priors that play ``policy`` for the calibrated actor (one inert parameter)."""
    actor = es.priors.actors[0]
    base = es.priors.policies[actor]
    spec = {"delay": base.delay.model_dump(mode="json"), **policy}
    return as_priors(
        {
            "policies": {actor: spec},
            "parameters": {f"{actor}.lag.median": {"dist": "uniform", "low": 0.5, "high": 400}},
        }
    )


def _training_lag(cols: Sequence[_Column], observed: np.ndarray, train: Sequence[int]) -> float:
    """Median of the training episodes' documented lags in days (answered ones; a wave: q50)."""
    lags = []
    for j in train:
        c = cols[j]
        if c.kind != "lag" or c.outcome not in ("lag", "lag.q50"):
            continue
        days = float(observed[j])
        if days < c.window - 1e-9:
            lags.append(days)
    return float(np.median(lags)) if lags else math.nan


def _simulate_null(
    es: EpisodeSet, policy: dict[str, Any], theta: float, seeds: Sequence[Any], pool: Any
) -> np.ndarray:
    full = _full(es, _null_priors(es, policy))
    thetas = np.full((len(seeds), 1), theta)
    return simulate_batch(full.simulator, thetas, seeds, pool)


def _fit_predict(
    es: EpisodeSet,
    priors: Priors,
    train_sel: Sequence[int],
    settings: Mapping[str, Any],
    seqs: Sequence[np.random.SeedSequence],
    pool: Any,
) -> np.ndarray:
    """Fit the training summaries under ``priors``, predict every summary of the full set."""
    s_fit, s_pick, s_sim = seqs
    fit_set = EpisodeSet.of(es.episodes, priors)
    post = smc(
        _Columns(fit_set.simulator, list(train_sel)),
        fit_set.priors,
        fit_set.observed[list(train_sel)],
        weights=fit_set.weights[list(train_sel)],
        population=settings["population"],
        generations=settings["generations"],
        seed=int(s_fit.generate_state(1)[0]),
        executor=pool,
        kernel=settings["kernel"],
    )
    draws = settings["draws"]
    thetas = np.asarray(post.particles)[post.sample(np.random.default_rng(s_pick), draws)]
    return simulate_batch(_full(es, fit_set.priors).simulator, thetas, s_sim.spawn(draws), pool)


def interval(estimate: float, boots: np.ndarray) -> tuple[float, float]:
    """95 % Monte Carlo interval of ``estimate`` from bootstrap values ``boots``.

    The 2.5 and 97.5 % quantiles of the bootstrap's deviations from its own mean, placed at
    the estimate (resampling draws with replacement biases an energy-form CRPS upward, so the
    plain percentile interval can miss the estimate); ``nan`` when undefined.
    """
    ok = boots[np.isfinite(boots)]
    if not ok.size or not math.isfinite(estimate):
        return math.nan, math.nan
    lo, hi = np.quantile(ok - ok.mean(), [0.025, 0.975])
    return float(estimate + min(lo, 0.0)), float(estimate + max(hi, 0.0))


def _boot_scores(
    draws: np.ndarray, obs: np.ndarray, idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of each column, and of each bootstrap resample of the runs (rows of ``idx``)."""
    score = np.array([crps(draws[:, j], obs[j]) for j in range(len(obs))])
    boots = np.array([[crps(draws[i, j], obs[j]) for j in range(len(obs))] for i in idx])
    return score, boots


def _null_draws(
    cols: Sequence[_Column],
    observed: np.ndarray,
    train: Sequence[int],
    left: Sequence[int],
) -> np.ndarray:
    """The empirical null's draws of each left-out column (``nan`` where no training value)."""
    width = max(1, sum(1 for _ in train))
    out = np.full((width, len(left)), np.nan)
    for k, j in enumerate(left):
        same = [observed[t] for t in train if cols[t].kind == cols[j].kind]
        if same:
            out[:, k] = np.resize(np.asarray(same, dtype=float), width)
    return out


def leave_out(
    es: EpisodeSet,
    priors: Priors | Mapping[str, Any] | str | None = None,
    *,
    groups: Sequence[Sequence[str]] | None = None,
    population: int = 200,
    generations: int = 6,
    draws: int = 400,
    boot: int = 200,
    kernel: str = "local",
    seed: Seed = 0,
    workers: int | None = None,
    nulls: bool = True,
) -> CrossValidation:
    """Leave each group of episodes out, refit on the rest, score it (module docstring).

    ``priors`` replaces the set's (another policy family, say: the comparison of
    :mod:`escalation.validate.modelchoice`); ``nulls=False`` skips the null models.
    """
    full = _full(es)
    cols = _columns(full)
    names = list(full.names)
    groups = [list(g) for g in groups] if groups else _default_groups(es)
    known = labels(es)
    for g in groups:
        if not g or any(lab not in known for lab in g):
            raise ValueError(f"groups: each a list of episode labels from {known}")
    fit_priors = es.priors if priors is None else _resolved(es, priors)
    observed = _values(cols, full.observed)
    sel = [names.index(n) for n in es.names]  # the fit's summaries among the full set's
    settings = {
        "population": population,
        "generations": generations,
        "draws": draws,
        "boot": boot,
        "kernel": kernel,
        "groups": groups,
        "family": fit_priors.policies[fit_priors.actors[0]].type,
    }
    root = np.random.SeedSequence(root_entropy(seed))
    settings["seed"] = root.entropy
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    aggregate: dict[str, tuple[float, np.ndarray]] = {}
    with executor_for(workers, None) as pool:
        for g, seq in zip(groups, root.spawn(len(groups)), strict=True):
            s_fit, s_pick, s_sim, s_null, s_boot = seq.spawn(5)
            train_sel = [k for k, j in enumerate(sel) if cols[j].label not in g]
            train = [sel[k] for k in train_sel]
            left = [j for j, c in enumerate(cols) if c.label in g and _scored(c)]
            if not train_sel:
                raise ValueError(f"leaving out {g} leaves nothing to fit")
            sims = _fit_predict(es, fit_priors, train_sel, settings, (s_fit, s_pick, s_sim), pool)
            pred = _values(cols, sims)[:, left]
            obs = observed[left]
            idx = np.random.default_rng(s_boot).integers(0, draws, size=(boot, draws))
            score, boots = _boot_scores(pred, obs, idx)
            scale = np.array([cols[j].window if cols[j].kind == "lag" else 1.0 for j in left])
            fold = "+".join(g)
            aggregate[fold] = (float(np.mean(score / scale)), np.mean(boots / scale, axis=1))
            null_preds = (
                _nulls(es, cols, observed, train, left, (s_null, draws), pool) if nulls else {}
            )
            nscores = {}
            for name, npred in null_preds.items():
                nidx = idx if len(npred) == draws else idx % len(npred)
                nscores[name] = _boot_scores(npred, obs, nidx)
            rows += _rows([cols[j] for j in left], obs, (score, boots), nscores)
    return CrossValidation(tuple(rows), settings, time.perf_counter() - t0, aggregate)


def _rows(
    cols: Sequence[_Column],
    obs: np.ndarray,
    model: tuple[np.ndarray, np.ndarray],
    nulls: Mapping[str, tuple[np.ndarray, np.ndarray]],
) -> list[dict[str, Any]]:
    """Rows of one fold: per null model and outcome (or per outcome, without null models)."""
    score, boots = model
    base: list[dict[str, Any]] = [
        {
            "left_out": c.label,
            "outcome": c.outcome,
            "rule": "Brier" if c.binary else "CRPS",
            "observed": float(obs[k]),
            "model_score": float(score[k]),
        }
        for k, c in enumerate(cols)
    ]
    if not nulls:
        return [
            {**row, "model_interval": interval(float(score[k]), boots[:, k])}
            for k, row in enumerate(base)
        ]
    rows = []
    for name, (nscore, nboots) in nulls.items():
        for k, row in enumerate(base):
            diff = float(score[k] - nscore[k])
            rows.append(
                {
                    **row,
                    "null": name,
                    "null_score": float(nscore[k]),
                    "difference": diff,
                    "difference_interval": interval(diff, boots[:, k] - nboots[:, k]),
                }
            )
    return rows


def _default_groups(es: EpisodeSet) -> list[list[str]]:
    """One fold per episode of the set (all of a documented history's episodes together)."""
    cols = _columns(_full(es))
    out: list[list[str]] = []
    for e in es.episodes:
        out.append(list(dict.fromkeys(c.label for c in cols if c.label.split(".")[0] == e.name)))
    return out


def _resolved(es: EpisodeSet, priors: Priors | Mapping[str, Any] | str) -> Priors:
    resolved = as_priors(priors)
    for e in es.episodes:
        resolved = resolved.resolve(e.scenario)
    return resolved


def _nulls(
    es: EpisodeSet,
    cols: Sequence[_Column],
    observed: np.ndarray,
    train: Sequence[int],
    left: Sequence[int],
    sim: tuple[np.random.SeedSequence, int],
    pool: Any,
) -> dict[str, np.ndarray]:
    """Predictive draws of the left-out columns under each null model."""
    seq, draws = sim
    seeds = seq.spawn(draws)
    lag = _training_lag(cols, observed, train)
    out = {"empirical": _null_draws(cols, observed, train, left)}
    if math.isfinite(lag):
        tft = {"type": "tit-for-tat", "lag": {"median": lag, "sigma": 0.0}}
        out["tit-for-tat"] = _values(cols, _simulate_null(es, tft, lag, seeds, pool))[:, left]
    else:
        out["tit-for-tat"] = np.full((1, len(left)), np.nan)
    never = {"type": "passive"}
    out["never"] = _values(cols, _simulate_null(es, never, 1.0, seeds, pool))[:, left]
    return out
