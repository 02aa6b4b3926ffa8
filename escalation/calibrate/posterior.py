"""Posteriors: weighted parameter samples from calibration, saved as JSON.

A :class:`Posterior` holds the particles of the last ABC generation with their weights, the
record of every generation, the seed, the priors with their base policies, and the observed
summaries with the scales the distance used. It is written as JSON (never pickled) and read
back exactly; the file format is in ``docs/calibration.md`` ("The posterior file"). What a run
reads of such a file is :mod:`escalation.model.parameters`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
from pydantic import ValidationError

from escalation.base.display import html_table
from escalation.base.errors import InputError, ScenarioError
from escalation.base.files import read_text, write_atomic
from escalation.calibrate.generation import Generation
from escalation.calibrate.priors import Priors
from escalation.model.files import field_path
from escalation.model.parameters import POSTERIOR_FORMAT, PosteriorScenarios
from escalation.model.scenario import Scenario

#: The ``version`` field of a posterior file.
FORMAT_VERSION = 1


def _frozen(a: Any, ndim: int) -> np.ndarray:
    out = np.array(a, dtype=float, ndmin=ndim)
    out.flags.writeable = False
    return out


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` of ``values`` under ``weights`` (linear between weighted midpoints)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    v, w = values[order], np.asarray(weights, dtype=float)[order]
    w = w / w.sum()
    cdf = np.cumsum(w) - w / 2
    return float(np.interp(q, cdf, v))


@dataclass(frozen=True, eq=False)
class Posterior:
    """Weighted samples of the calibrated parameters (see the module docstring).

    Attributes
    ----------
    priors
        The priors, with the base policy of every calibrated actor.
    particles
        Parameter values, shape ``(n, d)``, columns in the order of :attr:`names`.
    weights
        Normalised importance weights, shape ``(n,)``.
    distances
        Distance of each particle's simulation to the observed summaries.
    summaries
        Names of the summaries.
    observed
        The observed summaries.
    scales
        Scale of each summary in the distance.
    generations
        One record per generation, in order.
    seed
        The seed everything was drawn from (an int; fresh entropy is recorded when none was
        given).
    method
        ``"smc"`` or ``"rejection"``.
    settings
        Settings of the sampler (population, quantile, ...), checked when resuming.
    model
        What was simulated (the fitting scenario and the episode summaries), for predictive
        checks; ``None`` for models given as a plain function.
    complete
        False while a calibration is still running (a checkpoint).
    meta
        Free information: versions, creation time, run time, why it stopped.
    """

    priors: Priors
    particles: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    summaries: tuple[str, ...]
    observed: np.ndarray
    scales: np.ndarray
    generations: tuple[Generation, ...]
    seed: int | None
    method: str = "smc"
    settings: Mapping[str, Any] = field(default_factory=dict)
    model: Mapping[str, Any] | None = None
    complete: bool = True
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "particles", _frozen(self.particles, 2))
        object.__setattr__(self, "weights", _frozen(self.weights, 1))
        object.__setattr__(self, "distances", _frozen(self.distances, 1))
        object.__setattr__(self, "observed", _frozen(self.observed, 1))
        object.__setattr__(self, "scales", _frozen(self.scales, 1))
        n, d = self.particles.shape
        if d != len(self.priors.names):
            raise ValueError(f"particles have {d} columns for {len(self.priors.names)} parameters")
        if self.weights.shape != (n,) or self.distances.shape != (n,):
            raise ValueError("weights and distances need one value per particle")
        if len(self.observed) != len(self.summaries) or len(self.scales) != len(self.summaries):
            raise ValueError("observed and scales need one value per summary")
        if n and (not np.all(self.weights >= 0) or not math.isclose(self.weights.sum(), 1.0)):
            raise ValueError("weights must be non-negative and sum to 1")

    # -- numbers ---------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Parameter paths, in column order."""
        return self.priors.names

    @property
    def size(self) -> int:
        """Number of particles."""
        return int(self.particles.shape[0])

    @property
    def ess(self) -> float:
        """Effective sample size of the weights."""
        return float(1.0 / np.sum(self.weights**2)) if self.size else 0.0

    @property
    def epsilon(self) -> float:
        """Tolerance of the last generation."""
        return self.generations[-1].epsilon if self.generations else math.inf

    def column(self, name: str) -> np.ndarray:
        """Values of parameter ``name`` across the particles."""
        try:
            return self.particles[:, self.names.index(name)]
        except ValueError:
            raise KeyError(f"no parameter {name!r}; parameters: {', '.join(self.names)}") from None

    def mean(self) -> dict[str, float]:
        """Weighted mean of each parameter."""
        m = self.weights @ self.particles
        return dict(zip(self.names, map(float, m), strict=True))

    def sd(self) -> dict[str, float]:
        """Weighted standard deviation of each parameter."""
        m = self.weights @ self.particles
        v = self.weights @ (self.particles - m) ** 2
        return dict(zip(self.names, map(float, np.sqrt(v)), strict=True))

    def quantile(self, q: float) -> dict[str, float]:
        """Weighted quantile ``q`` of each parameter."""
        return {
            n: weighted_quantile(self.particles[:, j], self.weights, q)
            for j, n in enumerate(self.names)
        }

    def interval(self, level: float = 0.9) -> dict[str, tuple[float, float]]:
        """Central credible interval of each parameter (``level`` = 0.9: 5% to 95%)."""
        if not 0 < level < 1:
            raise ValueError(f"level must lie between 0 and 1, not {level}")
        lo, hi = self.quantile((1 - level) / 2), self.quantile((1 + level) / 2)
        return {n: (lo[n], hi[n]) for n in self.names}

    # -- drawing ---------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices of ``n`` particles drawn by weight, with replacement."""
        cdf = np.cumsum(self.weights)
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), self.size - 1)

    # -- text ------------------------------------------------------------------------------
    def table(self, level: float = 0.9) -> str:
        """Parameters (mean, sd, interval) and generations as a fixed-width table."""
        mean, sd, iv = self.mean(), self.sd(), self.interval(level)
        pct = f"{(1 - level) / 2:.0%}", f"{(1 + level) / 2:.0%}"
        width = max(len("parameter"), *(len(n) for n in self.names))
        head = f"{'parameter':<{width}} {'mean':>10} {'sd':>10} {pct[0]:>10} {pct[1]:>10}"
        lines = [head, "-" * len(head)]
        for n in self.names:
            lo, hi = iv[n]
            lines.append(f"{n:<{width}} {mean[n]:>10.3g} {sd[n]:>10.3g} {lo:>10.3g} {hi:>10.3g}")
        lines.append("")
        gh = f"{'gen':>3} {'epsilon':>10} {'accepted':>8} {'used':>8} {'rate':>7} {'ESS':>7}"
        lines += [gh + f" {'seconds':>8}", "-" * (len(gh) + 9)]
        for g in self.generations:
            lines.append(
                f"{g.generation:>3} {g.epsilon:>10.4g} {g.accepted:>8} {g.used:>8} "
                f"{g.acceptance_rate:>7.1%} {g.ess:>7.0f} {g.seconds:>8.1f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        state = "" if self.complete else " (incomplete: a checkpoint)"
        return (
            f"Posterior by ABC-{self.method} of {len(self.names)} parameters, "
            f"{self.size} particles, ESS {self.ess:.0f}, seed {self.seed}{state}\n" + self.table()
        )

    def __repr__(self) -> str:
        state = "" if self.complete else ", incomplete"
        return (
            f"<Posterior by ABC-{self.method}: {len(self.names)} parameters, {self.size} "
            f"particles, ESS {self.ess:.0f}, seed {self.seed}{state}>"
        )

    def to_frame(self) -> Any:
        """The particles as a pandas frame: one column per parameter, then ``weight``."""
        import pandas as pd

        frame = pd.DataFrame(self.particles, columns=list(self.names))
        frame["weight"] = self.weights
        return frame

    def to_arviz(self, *, draws: int | None = None, seed: int = 0, resample: bool = True) -> Any:
        """ArviZ ``InferenceData`` of an importance resample of the particles (needs arviz).

        See :func:`escalation.calibrate.arviz_bridge.to_arviz` for the weighting.
        """
        from escalation.calibrate.arviz_bridge import to_arviz

        return to_arviz(self, draws=draws, seed=seed, resample=resample)

    def _repr_html_(self) -> str:
        mean, sd, iv = self.mean(), self.sd(), self.interval(0.9)
        rows = [(n, mean[n], sd[n], iv[n][0], iv[n][1]) for n in self.names]
        return html_table(
            repr(self)[1:-1],
            ("parameter", "mean", "sd", "5%", "95%"),
            rows,
            note=f"Weighted over the particles; {len(self.generations)} generations. "
            "print(posterior) adds the generations.",
        )

    # -- files -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (floats written exactly, so a load gives the same numbers)."""
        return {
            "format": POSTERIOR_FORMAT,
            "version": FORMAT_VERSION,
            "method": self.method,
            "complete": self.complete,
            "seed": self.seed,
            "parameters": list(self.names),
            "priors": self.priors.model_dump(mode="json"),
            "particles": self.particles.tolist(),
            "weights": self.weights.tolist(),
            "distances": [d if math.isfinite(d) else None for d in self.distances.tolist()],
            "summaries": list(self.summaries),
            "observed": self.observed.tolist(),
            "scales": self.scales.tolist(),
            "generations": [g.to_dict() for g in self.generations],
            "settings": dict(self.settings),
            "model": dict(self.model) if self.model is not None else None,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | Path = "<posterior>") -> Posterior:
        """Build a posterior from :meth:`to_dict` output; errors name the field."""
        if not isinstance(data, Mapping) or data.get("format") != POSTERIOR_FORMAT:
            raise InputError(f"not an {POSTERIOR_FORMAT} file", source=source, field="format")
        if data.get("version") != FORMAT_VERSION:
            raise InputError(
                f"format version {data.get('version')!r} is not {FORMAT_VERSION}",
                source=source,
                field="version",
            )
        priors = _read_priors(data, source)
        current = "particles"
        try:
            if list(data["parameters"]) != list(priors.names):
                raise InputError(
                    "parameters do not match the priors", source=source, field="parameters"
                )
            particles = np.array(data[current], dtype=float).reshape(-1, len(priors.names))
            current = "distances"
            dist = [math.inf if d is None else d for d in data["distances"]]
            current = "generations"
            gens = tuple(Generation.from_dict(g) for g in data["generations"])
            current = "weights"
            return cls(
                priors=priors,
                particles=particles,
                weights=np.array(data["weights"], dtype=float),
                distances=np.array(dist, dtype=float),
                summaries=tuple(data["summaries"]),
                observed=np.array(data["observed"], dtype=float),
                scales=np.array(data["scales"], dtype=float),
                generations=gens,
                seed=data.get("seed"),
                method=str(data.get("method", "smc")),
                settings=dict(data.get("settings") or {}),
                model=data.get("model"),
                complete=bool(data.get("complete", True)),
                meta=dict(data.get("meta") or {}),
            )
        except InputError:
            raise
        except KeyError as exc:
            raise InputError("missing", source=source, field=str(exc.args[0])) from None
        except (TypeError, ValueError) as exc:
            raise InputError(str(exc), source=source, field=current) from None

    def save(self, path: str | Path) -> Path:
        """Write the posterior as JSON, atomically (a reader never sees half a file)."""
        path = Path(path)
        write_atomic(path, json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Posterior:
        """Read a posterior written by :meth:`save`."""
        text = read_text(path, what="posterior file")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"not valid JSON at line {exc.lineno}: {exc.msg}", source=path
            ) from None
        return cls.from_dict(data, source=path)

    def with_meta(self, **meta: Any) -> Posterior:
        """A copy with more entries in :attr:`meta`."""
        return replace(self, meta={**self.meta, **meta})


def _read_priors(data: Mapping[str, Any], source: str | Path) -> Priors:
    try:
        return Priors.model_validate(data["priors"])
    except KeyError:
        raise InputError("missing", source=source, field="priors") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(
            err["msg"], source=source, field=f"priors.{field_path(err['loc'])}"
        ) from None


def interval_summary(posterior: Posterior, level: float = 0.9) -> str:
    """One line per parameter, ``name: median [low, high]``; for notes and the README."""
    iv, med = posterior.interval(level), posterior.quantile(0.5)
    return "\n".join(
        f"{n}: {med[n]:.3g} [{iv[n][0]:.3g}, {iv[n][1]:.3g}]" for n in posterior.names
    )


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Posterior:
    # Keyed by modification time and size too, so that a rewritten file is read again.
    return Posterior.load(path)


def load_posterior(path: str | Path) -> Posterior:
    """Read a posterior file, once per process for as long as the file does not change."""
    resolved = Path(path).resolve()
    try:
        st = os.stat(resolved)
    except OSError:
        raise ScenarioError("posterior file not found", source=path, field="posterior") from None
    return _load_cached(str(resolved), st.st_mtime_ns, st.st_size)


def draw_scenario(scenario: Scenario, rng: np.random.Generator) -> Scenario:
    """Draw one particle of ``scenario.posterior`` by weight and apply it to ``scenario``.

    What the engine does for each run of such a scenario (one uniform number from ``rng``).
    """
    if scenario.posterior is None:
        return scenario
    return cast(Scenario, PosteriorScenarios(scenario).pick(rng)[1])


def now_iso() -> str:
    """The current UTC time, ISO 8601, for ``meta``."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
