"""Sensitivity of the bundled conclusions to the choices behind them: refits under alternatives.

The bundled posterior rests on choices a sceptic could make otherwise: the priors, the
severity ladder, and which reading of a disputed record value is kept. :func:`refit_choices`
refits an episode set (``scenarios/fits/nato-russia-episodes.yaml``) under each
:class:`Choice` with the same settings and seed, and reports for each the headline figures:

* P(rupture) of a scenario (``nato-russia-2021``) and of its counterfactuals (without NATO's
  cap cut), each run drawing a particle of the refitted posterior by weight, read under the
  same choice (the same ladder, the same reading); 95 % Wilson interval (runs are independent
  draws from the posterior predictive);
* the joint predictive checks of :mod:`escalation.validate.joint` on the refitted set (the
  probability that one draw reproduces each documented pattern, Wilson interval);
* posterior medians, with a bootstrap standard error over the particles.

These intervals are each fit's own Monte Carlo error. A fit is itself random: ``spread_seeds``
refits the first choice (the baseline) with more seeds, and :meth:`ChoiceRefits.spread` gives
the standard deviation of each figure between them, the yardstick for whether a choice moves a
conclusion by more than the calibration's seed does.

A choice is a set of prior replacements (``priors``: parameter path to prior, as in a priors
file), a ladder (``ladder``: ``"goldstein"``) and a documented reading (``reading``: a label of
:meth:`~escalation.sim.history.History.variant`, applied to every scenario and history of the
set that has it). A choice whose episode set equals the baseline's is not refitted: the
baseline's posterior is used (same inputs, same seed, same result).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from escalation.base.executors import executor_for
from escalation.base.files import write_atomic
from escalation.calibrate.checks import predictive_checks
from escalation.calibrate.episodefile import load_episode_set
from escalation.calibrate.episodeset import EpisodeSet
from escalation.calibrate.posterior import Posterior, weighted_quantile
from escalation.calibrate.priors import as_priors
from escalation.calibrate.smc import smc
from escalation.ensemble.runner import run_ensemble
from escalation.model.scenario import LadderSpec, Scenario, load_scenario
from escalation.validate.joint import evaluate
from escalation.validate.scores import binomial_interval

_U = "uniform"
_LOGU = "loguniform"


@dataclass(frozen=True)
class Choice:
    """One alternative to a choice of the bundled fit (module docstring)."""

    name: str
    note: str = ""
    priors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ladder: Literal["default", "goldstein"] | None = None
    reading: str | None = None

    def episode_set(self, path: str | Path) -> EpisodeSet:
        """The episode set of the file at ``path`` under this choice."""
        ladder = None if self.ladder is None else LadderSpec(scale=self.ladder)
        es = load_episode_set(path, variant=self.reading, ladder=ladder)
        if not self.priors:
            return es
        spec = es.priors.model_dump(mode="json")
        unknown = [p for p in self.priors if p not in spec["parameters"]]
        if unknown:
            raise ValueError(f"choice {self.name!r}: no prior for {', '.join(unknown)}")
        spec["parameters"].update({k: dict(v) for k, v in self.priors.items()})
        return EpisodeSet.of(es.episodes, as_priors(spec))

    def scenario(self, scenario: Scenario) -> Scenario:
        """``scenario`` read under this choice (its ladder; its reading, if it has one)."""
        if self.reading is not None and self.reading in scenario.variants:
            scenario = scenario.variant(self.reading)
        if self.ladder is not None:
            scenario = scenario.replace(ladder=LadderSpec(scale=self.ladder))  # type: ignore[arg-type]
        return scenario


#: The alternatives measured in ``docs/validation.md`` (the priors of the bundled fit are in
#: ``scenarios/fits/nato-russia-priors.yaml``: threshold U(0.5, 20), rupture_gap U(0.5, 40),
#: half_life log-U(30, 36500) days).
CHOICES: tuple[Choice, ...] = (
    Choice("baseline", "the bundled episode set, priors, ladder and readings"),
    Choice(
        "priors-wide",
        "threshold U(0.5, 40), rupture_gap U(0.5, 80) (half_life is at the policy's bound)",
        {
            "russia.threshold": {"dist": _U, "low": 0.5, "high": 40.0},
            "russia.rupture_gap": {"dist": _U, "low": 0.5, "high": 80.0},
        },
    ),
    Choice(
        "priors-narrow",
        "threshold U(0.5, 10), rupture_gap U(0.5, 20)",
        {
            "russia.threshold": {"dist": _U, "low": 0.5, "high": 10.0},
            "russia.rupture_gap": {"dist": _U, "low": 0.5, "high": 20.0},
        },
    ),
    Choice(
        "short-memory",
        "half_life log-U(30, 3650): at most ten years",
        {"russia.half_life": {"dist": _LOGU, "low": 30.0, "high": 3650.0}},
    ),
    Choice(
        "goldstein",
        "the Goldstein ladder (negated, rounded Goldstein weights)",
        ladder="goldstein",
    ),
    Choice(
        "kommersant",
        "NATO's Military Liaison Mission 6 staff (Kommersant via SouthFront, Oct 2021), not 13 "
        "(NATO's website)",
        reading="kommersant",
    ),
    Choice(
        "ap-2015",
        "Russia's mission to NATO 50 staff in 2015 (AP), not about 70 (NATO official, "
        "2014), and a 2015 cap cut of 20, not 40",
        reading="ap-2015",
    ),
    Choice(
        "end-october",
        "NATO's 2021 expulsions effective by the end of October (TASS, Artsakhpress), not "
        "1 November (Lavrov)",
        reading="end-october",
    ),
    Choice(
        "lusa-2022",
        "Macedonia expelled 2 in 2018 (Lusa, 2022), not 1 (its MFA)",
        reading="lusa-2022",
    ),
    Choice(
        "seattle-late",
        "Seattle consulate closed 2 April (MK.ru), not 30 March (TASS via Trend)",
        reading="seattle-late",
    ),
)

#: Headline scenarios: the flagship and its counterfactual without NATO's 2021 cap cut.
HEADLINE = (("nato-russia-2021", None), ("nato-russia-2021 no cap cut", "nato-2021-cap"))


def p_rupture_drawn(
    posterior: Posterior, scenario: Scenario, runs: int, seed: int, folder: Path, pool: Any
) -> tuple[float, float, float]:
    """P(rupture) of ``scenario`` with each run drawing a particle of ``posterior`` by weight.

    The posterior is written to ``folder`` and named as the scenario's ``posterior:``.
    Returns the share and its 95 % Wilson interval.
    """
    path = folder / f"posterior-{time.monotonic_ns()}.json"
    posterior.save(path)
    ens = run_ensemble(scenario.replace(posterior=str(path)), runs, seed=seed, executor=pool)
    hits = int(np.sum(np.asarray(ens.outcomes["ruptured"], dtype=bool)))
    return (hits / runs, *binomial_interval(hits, runs))


def medians(
    posterior: Posterior, boots: int = 200, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Weighted median of each parameter and its bootstrap standard error over particles."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, posterior.size, size=(boots, posterior.size))
    out = {}
    for j, name in enumerate(posterior.names):
        x, w = posterior.particles[:, j], posterior.weights
        again = [weighted_quantile(x[i], w[i] / w[i].sum(), 0.5) for i in idx]
        out[name] = (weighted_quantile(x, w, 0.5), float(np.std(again, ddof=1)))
    return out


def _figures(
    choice: Choice, post: Posterior, settings: Mapping[str, Any], folder: Path, pool: Any
) -> dict[str, Any]:
    """Headline figures of one refit."""
    base = load_scenario(settings["scenario"])
    row: dict[str, Any] = {"p_rupture": {}, "joint": {}}
    for label, without in HEADLINE:
        sc = choice.scenario(base if without is None else base.without_trigger(without))
        row["p_rupture"][label] = p_rupture_drawn(
            post, sc, settings["runs"], settings["run_seed"], folder, pool
        )
    checks = predictive_checks(post, settings["draws"], seed=settings["draw_seed"], executor=pool)
    joint = evaluate(checks.names, checks.observed, checks.simulated)
    for r in joint.rows:
        row["joint"][r["episode"]] = (r["p"], *r["interval"])
    row["median"] = medians(post, seed=settings["draw_seed"])
    row["epsilon"], row["ess"] = post.epsilon, post.ess
    return row


def refit_choices(
    path: str | Path,
    choices: Sequence[Choice] = CHOICES,
    *,
    population: int = 300,
    generations: int = 18,
    seed: int = 0,
    spread_seeds: Sequence[int] = (),
    draws: int = 1000,
    runs: int = 4000,
    scenario: str = "nato-russia-2021",
    workers: int | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    done: Mapping[str, Posterior] | None = None,
) -> ChoiceRefits:
    """Refit the episode set at ``path`` under each choice and report its headline figures.

    The first choice is the baseline; ``spread_seeds`` refit it with more seeds (module
    docstring). Every choice uses ``seed``, the local kernel and the same run and draw seeds.
    ``progress`` is called with each row when it is done. ``done`` maps choice names to
    posteriors already fitted with ``seed`` and these settings (the bundled posterior for the
    baseline, say), which are used instead of refitting; one fitted to another set, other
    priors or other settings is refused.
    """
    if not choices:
        raise ValueError("give at least one choice (the first is the baseline)")
    settings = {
        "population": population,
        "generations": generations,
        "seed": seed,
        "draws": draws,
        "runs": runs,
        "scenario": scenario,
        "run_seed": 12345,
        "draw_seed": 1,
        "kernel": "local",
        "path": str(path),
    }
    jobs = [(c, seed) for c in choices] + [(choices[0], s) for s in spread_seeds]
    rows: list[dict[str, Any]] = []
    fitted: dict[tuple[str, int], Posterior] = {}
    t_all = time.perf_counter()
    with executor_for(workers, None) as pool, tempfile.TemporaryDirectory() as tmp:
        base_model = choices[0].episode_set(path)
        for name, post in (done or {}).items():
            choice = next((c for c in choices if c.name == name), None)
            if choice is None:
                raise ValueError(f"done: no choice {name!r}")
            _check_done(name, post, choice.episode_set(path), settings)
            fitted[(name, seed)] = post
        for choice, s in jobs:
            t0 = time.perf_counter()
            es = choice.episode_set(path)
            same = es.description() == base_model.description() and es.priors == base_model.priors
            key = (choices[0].name if same else choice.name, s)
            if key not in fitted:
                fitted[key] = _fit(es, s, population, generations, pool)
            row = {
                "choice": choice.name,
                "note": choice.note,
                "seed": s,
                "refitted": not same or choice is choices[0],
            }
            row.update(_figures(choice, fitted[key], settings, Path(tmp), pool))
            row["seconds"] = time.perf_counter() - t0
            rows.append(row)
            if progress is not None:
                progress(row)
    return ChoiceRefits(tuple(rows), settings, time.perf_counter() - t_all)


def _fit(es: EpisodeSet, seed: int, population: int, generations: int, pool: Any) -> Posterior:
    """ABC-SMC on ``es`` as the bundled fit was made (local kernel)."""
    return smc(
        es.simulator,
        es.priors,
        es.observed,
        weights=es.weights,
        summaries=es.names,
        model=es.description(),
        population=population,
        generations=generations,
        seed=seed,
        executor=pool,
        kernel="local",
    )


def _check_done(name: str, post: Posterior, es: EpisodeSet, settings: Mapping[str, Any]) -> None:
    """Refuse a posterior not fitted to ``es`` with the seed and settings of the refits."""
    given = {k: post.settings.get(k) for k in ("population", "generations", "kernel")}
    wanted = {k: settings[k] for k in ("population", "generations", "kernel")}
    same_set = json.dumps(post.model, sort_keys=True) == json.dumps(
        es.description(), sort_keys=True
    )
    if (
        not same_set
        or post.priors != es.priors
        or post.seed != settings["seed"]
        or given != wanted
    ):
        raise ValueError(
            f"done[{name!r}] was not fitted to this choice's set with seed {settings['seed']} "
            f"and {wanted} (it has seed {post.seed} and {given})"
        )


@dataclass(frozen=True)
class ChoiceRefits:
    """Headline figures of each refit (from :func:`refit_choices`)."""

    rows: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    seconds: float

    def flat(self) -> list[dict[str, Any]]:
        """One flat record per refit: every figure a column."""
        out = []
        for r in self.rows:
            rec: dict[str, Any] = {k: r[k] for k in ("choice", "seed", "refitted", "seconds")}
            for label, (p, lo, hi) in r["p_rupture"].items():
                key = "p_rupture" + ("_nocap" if "no cap" in label else "")
                rec.update({key: p, f"{key}_low": lo, f"{key}_high": hi})
            for ep, (p, lo, hi) in r["joint"].items():
                rec.update({f"joint_{ep}": p, f"joint_{ep}_low": lo, f"joint_{ep}_high": hi})
            for name, (m, se) in r["median"].items():
                rec.update({f"median_{name}": m, f"median_{name}_se": se})
            rec.update({"epsilon": r["epsilon"], "ess": r["ess"], "note": r["note"]})
            out.append(rec)
        return out

    def spread(self) -> dict[str, float]:
        """Standard deviation of each figure between the baseline's seeds (``nan``: one)."""
        base = self.rows[0]["choice"]
        recs = [r for r in self.flat() if r["choice"] == base]
        keys = [k for k, v in recs[0].items() if isinstance(v, float) and k != "seconds"]
        return {
            k: float(np.std([r[k] for r in recs], ddof=1)) if len(recs) > 1 else math.nan
            for k in keys
        }

    def to_csv(self, path: str | Path | None = None) -> str:
        """CSV of :meth:`flat` (and a ``seed spread`` line); written to ``path`` if given."""
        recs = self.flat()
        keys = list(recs[0])
        lines = [",".join(keys)]
        spread = self.spread()
        for rec in [*recs, {"choice": "seed spread (sd)", **spread}]:
            cells = [rec.get(k, "") for k in keys]
            lines.append(",".join(_cell(c) for c in cells))
        text = "\n".join(lines) + "\n"
        if path is not None:
            write_atomic(path, text)
        return text

    def table(self) -> str:
        """Fixed-width table of the headline figures."""
        names = [n for n in self.rows[0]["median"]]
        short = [n.split(".", 1)[1] for n in names]
        head = f"{'choice':<15} {'seed':>4} {'P(rupt)':>7} {'no cap (95%)':>19} " + " ".join(
            f"{e:>9}" for e in self.rows[0]["joint"]
        )
        head += " " + " ".join(f"{s[:10]:>10}" for s in short)
        lines = [head, "-" * len(head)]
        spread = {k: v for k, v in self.spread().items() if not k.endswith(("_low", "_high"))}
        for rec in [*self.flat(), {"choice": "sd, seeds", "seed": "", **spread}]:
            p, nc = rec.get("p_rupture", math.nan), rec.get("p_rupture_nocap", math.nan)
            lo = rec.get("p_rupture_nocap_low", math.nan)
            hi = rec.get("p_rupture_nocap_high", math.nan)
            line = f"{rec['choice']:<15} {rec['seed']!s:>4} {p:>7.3f} "
            line += f"{nc:>6.3f} ({lo:.3f}-{hi:.3f}) "
            line += " ".join(
                f"{rec.get(f'joint_{e}', math.nan):>9.3f}" for e in self.rows[0]["joint"]
            )
            line += " " + " ".join(f"{rec.get(f'median_{n}', math.nan):>10.4g}" for n in names)
            lines.append(line)
        s = self.settings
        lines.append(
            f"(population {s['population']}, {s['generations']} generations, seed {s['seed']}; "
            f"P(rupture) of {s['runs']} runs, joint checks of {s['draws']} draws; "
            f"{self.seconds:.0f} s)"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return f'"{text}"' if "," in text else text
