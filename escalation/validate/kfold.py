"""Left-out folds over a wave's dyads: k-fold refits that hold out some initiators' answers.

:func:`~escalation.validate.leaveout.leave_out` leaves whole episodes out, and a pooled wave
(:class:`~escalation.calibrate.pooled.PooledSummaries`) pools every initiator, so the wave of
2018 is one left-out unit. :func:`kfold_wave` splits the wave's initiators into ``k`` folds
(a permutation drawn from the seed, then near-equal parts). For fold ``j`` the set is fitted
with the wave's summaries pooled over the other folds' initiators (plus the initiators in
``keep``, which stay in every training part) and every other episode as it is, and the
left-out initiators' pooled summaries are predicted and scored against the null models, as
``leave_out`` scores a left-out episode (same scores, same null models, same intervals).

How: the fold's set holds the training part of the wave (``<wave>``, the set's own summary
selection and weights) and the left-out part as an episode of its own (``<wave>-k<j>``: every
summary of its initiators but the ruptures, which stay with the training part); the left-out
part is run as its own simulation of the wave scenario under the same parameters, so during
the fit the wave is simulated twice per parameter vector (its summaries are not fitted).

NATO's line of the 2018 wave stays in training by default (``keep=("nato",)``): its package
is also NATO's own episode of 2018 in the bundled record, and the wave's ``ruptured.nato``
summary is about that pair.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.episodeset import Episode, EpisodeSet
from escalation.calibrate.pooled import PooledSummaries
from escalation.sim.history import History, load_history, replay
from escalation.validate.crossval import CrossValidation, verdict
from escalation.validate.leaveout import leave_out


def _wave(es: EpisodeSet, wave: str | None) -> Episode:
    pooled = [e for e in es.episodes if isinstance(e.summaries, PooledSummaries)]
    found = [e for e in pooled if wave is None or e.name == wave]
    if len(found) != 1:
        names = ", ".join(e.name for e in pooled) or "none"
        raise ValueError(f"name one pooled episode of the set as wave= (pooled: {names})")
    return found[0]


def wave_folds(
    es: EpisodeSet,
    history: History | str | Path,
    *,
    wave: str | None = None,
    k: int = 5,
    keep: Sequence[str] = ("nato",),
    seed: Seed = 0,
) -> list[tuple[str, ...]]:
    """The ``k`` folds of the wave's documented initiators (``keep`` left out of every fold)."""
    e = _wave(es, wave)
    assert isinstance(e.summaries, PooledSummaries)
    run = _documented(e, history)
    found = [d.initiator for d in e.summaries.dyads(run) if d.initiator not in keep]
    if not 2 <= k <= len(found):
        raise ValueError(f"k must lie between 2 and the {len(found)} initiators folded")
    rng = np.random.default_rng(np.random.SeedSequence(root_entropy(seed)))
    order = [found[i] for i in rng.permutation(len(found))]
    return [tuple(sorted(part)) for part in np.array_split(np.array(order, dtype=object), k)]


def _documented(e: Episode, history: History | str | Path) -> Any:
    hist = history if isinstance(history, History) else load_history(history)
    return replay(hist, scenario=None if hist.presences else e.scenario)


def fold_set(
    es: EpisodeSet, history: History | str | Path, left: Sequence[str], *, wave: str | None = None
) -> tuple[EpisodeSet, str]:
    """The set of one fold, and the name of its left-out part.

    The set holds the wave's training part in the wave's place, the other episodes, and the
    left-out part last (so the other episodes keep their seeds).
    """
    e = _wave(es, wave)
    summ = e.summaries
    assert isinstance(summ, PooledSummaries)
    run = _documented(e, history)
    everyone = [d.initiator for d in summ.dyads(run)]
    unknown = [x for x in left if x not in everyone]
    if unknown or not left:
        raise ValueError(f"left-out initiators not in the wave: {', '.join(unknown) or 'none'}")
    train = summ.model_copy(update={"initiators": tuple(x for x in everyone if x not in left)})
    test = summ.model_copy(update={"initiators": tuple(left), "rupture_with": ()})
    name = f"{e.name}-k"
    part_train = dataclasses.replace(e, summaries=train, observed=train.compute(run))
    part_test = Episode(name, e.scenario, test, test.compute(run))
    others = [x if x is not e else part_train for x in es.episodes]
    return EpisodeSet(tuple([*others, part_test]), es.priors), name


@dataclass(frozen=True)
class KFold:
    """Scores of each fold of a wave (from :func:`kfold_wave`)."""

    folds: dict[str, tuple[str, ...]]
    cv: CrossValidation

    def summary(self) -> list[dict[str, Any]]:
        """Per outcome and null model: mean scores over folds and the folds' verdicts."""
        keys = list(dict.fromkeys((r["outcome"], r.get("null", "")) for r in self.cv.rows))
        out = []
        for outcome, null in keys:
            rows = [
                r for r in self.cv.rows if (r["outcome"], r.get("null", "")) == (outcome, null)
            ]
            verdicts = [verdict(r) for r in rows] if null else []
            out.append(
                {
                    "outcome": outcome,
                    "rule": rows[0]["rule"],
                    "null": null,
                    "observed": float(np.mean([r["observed"] for r in rows])),
                    "model_score": float(np.mean([r["model_score"] for r in rows])),
                    "null_score": float(np.mean([r.get("null_score", math.nan) for r in rows])),
                    **{v: verdicts.count(v) for v in ("model better", "null better", "undecided")},
                }
            )
        return out

    def table(self) -> str:
        """Fixed-width table of :meth:`summary`."""
        head = (
            f"{'outcome':<10} {'rule':<6} {'null':<12} {'obs':>6} {'model':>8} {'null':>8} "
            f"{'model better':>12} {'null better':>11} {'undecided':>9}"
        )
        lines = [head, "-" * len(head)]
        for r in self.summary():
            lines.append(
                f"{r['outcome']:<10} {r['rule']:<6} {r['null']:<12} {r['observed']:>6.3g} "
                f"{r['model_score']:>8.3g} {r['null_score']:>8.3g} {r.get('model better', 0):>12} "
                f"{r.get('null better', 0):>11} {r.get('undecided', 0):>9}"
            )
        s = self.cv.settings
        lines.append(
            f"(means over {len(self.folds)} folds of the wave's initiators; population "
            f"{s['population']}, {s['generations']} generations, {s['draws']} draws; "
            f"{self.cv.seconds:.0f} s)"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def kfold_wave(
    es: EpisodeSet,
    history: History | str | Path,
    *,
    wave: str | None = None,
    k: int = 5,
    keep: Sequence[str] = ("nato",),
    seed: Seed = 0,
    nulls: bool = True,
    **settings: Any,
) -> KFold:
    """Refit without each fold of the wave's initiators and score it (module docstring).

    ``history`` is the wave's documented history (the observed values of each part are
    computed from its replay); ``settings`` go to
    :func:`~escalation.validate.leaveout.leave_out` (population, generations, draws, boot,
    kernel, workers).
    """
    root = np.random.SeedSequence(root_entropy(seed))
    parts = wave_folds(es, history, wave=wave, k=k, keep=keep, seed=seed)
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    aggregate: dict[str, tuple[float, np.ndarray]] = {}
    folds: dict[str, tuple[str, ...]] = {}
    cv = None
    for j, (left, seq) in enumerate(zip(parts, root.spawn(k), strict=True), start=1):
        fset, name = fold_set(es, history, left, wave=wave)
        seed_j = int(seq.generate_state(1)[0])
        cv = leave_out(fset, groups=[[name]], seed=seed_j, nulls=nulls, **settings)
        label = f"{name}{j}"
        folds[label] = tuple(left)
        rows += [{**r, "left_out": label} for r in cv.rows]
        aggregate[label] = next(iter(cv.aggregate.values()))
    assert cv is not None
    merged = {**cv.settings, "groups": [list(p) for p in parts], "seed": root.entropy, "k": k}
    return KFold(folds, CrossValidation(tuple(rows), merged, time.perf_counter() - t0, aggregate))
