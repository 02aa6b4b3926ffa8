"""Model choice: policy families compared by their scores on left-out episodes.

:func:`compare_families` runs :func:`escalation.validate.leaveout.leave_out` once per policy
family (each with priors over its own parameters), with the same folds, settings and seed (so
the same simulation seeds: common random numbers), and compares the families on the mean
scaled score of the left-out outcomes (smaller is better; ``leaveout``'s module docstring
gives the scale: lags divided by the episode's window in days, every other score as it is).

The comparison is on prediction of what the fit did not see, so a family with more
parameters gains nothing by fitting the training episodes closely. Each family's score
carries a 95 % Monte Carlo interval (bootstrap of its predictive draws), and so does each
difference from the best family; as in ``leaveout``, neither includes the fit's own
seed-to-seed spread or the uncertainty of a record of one wave and two NATO episodes.

:data:`FAMILIES` are the priors of the comparison; the reciprocity family is the bundled
fit's (``scenarios/fits/nato-russia-priors.yaml``). Every family shares its lag prior
(median log-uniform 1-60 days, log-scale spread log-uniform 0.1-1.5) and the
announce-to-effect delay (median 7 days, spread 0.3), so that the families differ in how they
decide, not in when they answer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.episodeset import EpisodeSet
from escalation.validate.crossval import CrossValidation
from escalation.validate.leaveout import interval, leave_out

#: Settings of a ``done`` run that must equal those asked for (workers do not change results).
_COMPARED = ("population", "generations", "draws", "boot", "kernel", "groups")
_LAG = {
    "russia.lag.median": {"dist": "loguniform", "low": 1.0, "high": 60.0},
    "russia.lag.sigma": {"dist": "loguniform", "low": 0.1, "high": 1.5},
}
_TIMING = {"lag": {"median": 4.0, "sigma": 0.3}, "delay": {"median": 7.0, "sigma": 0.3}}
_REPLY = {"russia.reply_probability": {"dist": "uniform", "low": 0.0, "high": 1.0}}

#: Priors of each family compared (``None``: the episode set's own, the bundled fit's).
FAMILIES: dict[str, Mapping[str, Any] | None] = {
    "reciprocity": None,
    "grievance": {
        "policies": {"russia": {"type": "grievance", **_TIMING}},
        "parameters": {
            "russia.threshold": {"dist": "uniform", "low": 0.5, "high": 40.0},
            "russia.rupture_threshold": {"dist": "uniform", "low": 0.5, "high": 60.0},
            "russia.half_life": {"dist": "loguniform", "low": 30.0, "high": 36500.0},
            "russia.k": {"dist": "integer", "low": 0, "high": 3},
            **_REPLY,
            **_LAG,
        },
    },
    "tit-for-tat": {
        "policies": {"russia": {"type": "tit-for-tat", **_TIMING}},
        "parameters": {**_REPLY, **_LAG},
    },
    "proportional": {
        "policies": {"russia": {"type": "proportional", **_TIMING}},
        "parameters": {
            "russia.ratio": {"dist": "loguniform", "low": 0.25, "high": 4.0},
            **_REPLY,
            **_LAG,
        },
    },
}


@dataclass(frozen=True)
class FamilyComparison:
    """Left-out scores of each family (from :func:`compare_families`)."""

    runs: dict[str, CrossValidation]
    seconds: float

    @property
    def folds(self) -> list[str]:
        """The folds, in order."""
        return list(next(iter(self.runs.values())).aggregate)

    def _overall(self, family: str) -> tuple[float, np.ndarray]:
        agg = self.runs[family].aggregate
        value = float(np.mean([agg[f][0] for f in self.folds]))
        boots = np.mean([agg[f][1] for f in self.folds], axis=0)
        return value, boots

    def rows(self) -> list[dict[str, Any]]:
        """Per family and fold (and ``all``): score, 95 % MC interval, difference from best."""
        out = []
        for fold in [*self.folds, "all"]:
            vals = {
                fam: (self._overall(fam) if fold == "all" else self.runs[fam].aggregate[fold])
                for fam in self.runs
            }
            best = min(vals, key=lambda f: vals[f][0])
            for fam, (value, boots) in vals.items():
                diff = boots - vals[best][1]
                out.append(
                    {
                        "fold": fold,
                        "family": fam,
                        "score": value,
                        "interval": interval(value, boots),
                        "best": best,
                        "difference": value - vals[best][0],
                        "difference_interval": interval(value - vals[best][0], diff),
                    }
                )
        return out

    def preferred(self) -> str:
        """The family with the smallest mean scaled score over all folds."""
        return min(self.runs, key=lambda f: self._overall(f)[0])

    def table(self) -> str:
        """Fixed-width table of :meth:`rows`."""
        head = (
            f"{'fold':<20} {'family':<13} {'score':>7} {'95% MC':>15} {'- best':>7} {'95% MC':>16}"
        )
        lines = [head, "-" * len(head)]
        for r in self.rows():
            lo, hi = r["interval"]
            dlo, dhi = r["difference_interval"]
            lines.append(
                f"{r['fold']:<20} {r['family']:<13} {r['score']:>7.3f} "
                f"{f'{lo:.3f}-{hi:.3f}':>15} {r['difference']:>7.3f} "
                f"{f'{dlo:.3f} .. {dhi:.3f}':>16}"
            )
        s = next(iter(self.runs.values())).settings
        lines.append(
            f"(mean scaled left-out score, smaller is better; population {s['population']}, "
            f"{s['generations']} generations, {s['draws']} draws, {self.seconds:.0f} s)"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def compare_families(
    es: EpisodeSet,
    families: Mapping[str, Mapping[str, Any] | None] | Sequence[str] | None = None,
    *,
    seed: Seed = 0,
    done: Mapping[str, CrossValidation] | None = None,
    **settings: Any,
) -> FamilyComparison:
    """Left-out scores of each policy family on ``es`` (module docstring).

    ``families`` maps names to priors (``None``: the set's own), or names some of
    :data:`FAMILIES`; ``settings`` go to :func:`~escalation.validate.leaveout.leave_out`.
    ``done`` holds families already scored by ``leave_out`` with the same seed and settings
    (the bundled family's run against the null models, say), which are not run again.
    """
    if families is None:
        families = FAMILIES
    elif not isinstance(families, Mapping):
        families = {name: FAMILIES[name] for name in families}
    if len(families) < 2:
        raise ValueError("compare at least two families")
    t0 = time.perf_counter()
    done = dict(done or {})
    for name, cv in done.items():
        given = {k: v for k, v in settings.items() if k in _COMPARED}
        if {k: cv.settings.get(k) for k in given} != given or cv.settings.get(
            "seed"
        ) != root_entropy(seed):
            raise ValueError(f"done[{name!r}] was run with other settings: {cv.settings}")
    runs = {
        name: done[name]
        if name in done
        else leave_out(es, priors, seed=seed, nulls=False, **settings)
        for name, priors in families.items()
    }
    return FamilyComparison(runs, time.perf_counter() - t0)


@dataclass(frozen=True)
class SeedComparison:
    """:func:`compare_families` repeated with several seeds (from :func:`compare_over_seeds`).

    Each seed refits every family (new ABC-SMC seeds, new predictive draws), so the spread of
    a family's score between seeds is the fit's own Monte Carlo error, which the bootstrap
    intervals of one comparison leave out.
    """

    by_seed: dict[int, FamilyComparison]

    def scores(self, fold: str = "all") -> dict[str, list[float]]:
        """Per family, its score on ``fold`` (``all``: mean over folds) under each seed."""
        out: dict[str, list[float]] = {}
        for comparison in self.by_seed.values():
            for r in comparison.rows():
                if r["fold"] == fold:
                    out.setdefault(r["family"], []).append(r["score"])
        return out

    def rankings(self, fold: str = "all") -> list[tuple[str, ...]]:
        """Per seed, the families from best to worst on ``fold``."""
        per = self.scores(fold)
        out = []
        for i in range(len(self.by_seed)):
            out.append(tuple(sorted(per, key=lambda f: per[f][i])))
        return out

    def ranking_holds(self, fold: str = "all") -> bool:
        """Whether every seed ranks the families in the same order on ``fold``."""
        return len(set(self.rankings(fold))) == 1

    def rows(self) -> list[dict[str, Any]]:
        """Per fold and family: mean and sd of the score over seeds, each seed's score, rank."""
        folds = [*next(iter(self.by_seed.values())).folds, "all"]
        out = []
        for fold in folds:
            per = self.scores(fold)
            ranks = self.rankings(fold)
            for fam, values in per.items():
                out.append(
                    {
                        "fold": fold,
                        "family": fam,
                        "mean": float(np.mean(values)),
                        "sd": float(np.std(values, ddof=1)) if len(values) > 1 else float("nan"),
                        "scores": values,
                        "ranks": [r.index(fam) + 1 for r in ranks],
                    }
                )
        return out

    def table(self) -> str:
        """Fixed-width table of :meth:`rows`, and whether each fold's ranking holds."""
        seeds = list(self.by_seed)
        head = f"{'fold':<20} {'family':<13} {'mean':>7} {'sd':>7}  " + " ".join(
            f"{'seed ' + str(s):>12}" for s in seeds
        )
        lines = [head, "-" * len(head)]
        for r in self.rows():
            cells = " ".join(
                f"{f'{v:.3f} (#{k})':>12}" for v, k in zip(r["scores"], r["ranks"], strict=True)
            )
            lines.append(
                f"{r['fold']:<20} {r['family']:<13} {r['mean']:>7.3f} {r['sd']:>7.3f}  {cells}"
            )
        folds = [*next(iter(self.by_seed.values())).folds, "all"]
        holds = ", ".join(f"{f}: {'yes' if self.ranking_holds(f) else 'no'}" for f in folds)
        lines.append(f"(ranking the same under every seed: {holds})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def compare_over_seeds(
    es: EpisodeSet,
    families: Mapping[str, Mapping[str, Any] | None] | Sequence[str] | None = None,
    seeds: Sequence[int] = (11, 12, 13),
    *,
    done: Mapping[int, Mapping[str, CrossValidation]] | None = None,
    **settings: Any,
) -> SeedComparison:
    """:func:`compare_families` once per seed (``done``: per seed, families already scored)."""
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError("give at least two distinct seeds")
    done = done or {}
    return SeedComparison(
        {s: compare_families(es, families, seed=s, done=done.get(s), **settings) for s in seeds}
    )
