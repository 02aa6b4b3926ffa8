"""Priors for calibration, declared as data.

A prior is a small pydantic model named by its ``dist``; a set of priors maps *parameter paths*
to priors and may give the policy each parameter belongs to::

    priors = Priors.model_validate({
        "policies": {"russia": {"type": "grievance", "lag": {"median": 12, "sigma": 0.5}}},
        "parameters": {
            "russia.threshold": {"dist": "uniform", "low": 0.5, "high": 40},
            "russia.lag.median": {"dist": "loguniform", "low": 1, "high": 180},
            "russia.k": {"dist": "integer", "low": 0, "high": 3},
        },
    })

A path is ``actor.field`` or ``actor.field.subfield`` (``lag.median``, ``delay.median``): a
field of the policy the actor follows toward every counterpart. The policy is the one given in
``policies`` for that actor, or else the actor's policy in the scenario. Parameters not named
keep the value of that base policy.

Integer policy fields (``k``, ``tats``, ...) take either a discrete prior (``integer``: the
sampler then moves them with a discrete kernel) or a continuous one, whose value is rounded
when it is applied to the policy (the parameter is then the continuous value, which is also
correct, only less direct).

The default priors of the bundled model (:func:`default_priors`) say why they are what they
are. With two documented episodes the posterior leans on them: change them and the intervals
change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from escalation.base.errors import InputError
from escalation.model.parameters import set_parameters
from escalation.model.policy import Policy
from escalation.model.scenario import PolicyField, Scenario, read_yaml

_SQRT2 = math.sqrt(2.0)


def _norm_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / _SQRT2))


class _Prior(BaseModel):
    """Base of the prior distributions (one parameter each)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Whether the parameter takes integer values only (moved by a discrete kernel).
    integer: ClassVar[bool] = False
    #: Whether the sampler perturbs the parameter on the log scale (positive, scale-free).
    log_scale: ClassVar[bool] = False

    @property
    def bounds(self) -> tuple[float, float]:
        """Lower and upper end of the support."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values."""
        raise NotImplementedError

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density (log mass for integer priors); ``-inf`` outside the support."""
        raise NotImplementedError

    def contains(self, x: np.ndarray) -> np.ndarray:
        """Whether each value lies in the support."""
        return np.isfinite(self.logpdf(np.asarray(x, dtype=float)))

    @property
    def center(self) -> float:
        """A typical value inside the support (used to check the support against a policy)."""
        low, high = self.bounds
        if math.isfinite(low) and math.isfinite(high):
            return (low + high) / 2
        return low + 1.0 if math.isfinite(low) else (high - 1.0 if math.isfinite(high) else 0.0)

    @property
    def spread(self) -> float:
        """A rough scale (standard deviation where finite), for plots and kernels."""
        low, high = self.bounds
        if math.isfinite(low) and math.isfinite(high):
            return (high - low) / math.sqrt(12.0)
        return 1.0


class _Interval(_Prior):
    """A prior on the interval from ``low`` to ``high``."""

    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _order(self) -> _Interval:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)``."""
        return self.low, self.high


class Uniform(_Interval):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"] = "uniform"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values."""
        return rng.uniform(self.low, self.high, n)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)


class LogUniform(_Interval):
    """Uniform in ``log x`` between ``low`` and ``high`` (both positive): scale-free."""

    dist: Literal["loguniform"] = "loguniform"
    log_scale: ClassVar[bool] = True
    low: float = Field(gt=0.0, allow_inf_nan=False)
    high: float = Field(gt=0.0, allow_inf_nan=False)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values."""
        return np.exp(rng.uniform(math.log(self.low), math.log(self.high), n))

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        norm = math.log(math.log(self.high / self.low))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(inside, -np.log(np.where(inside, x, 1.0)) - norm, -np.inf)


class _Truncatable(_Prior):
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check_truncation(self) -> _Truncatable:
        low, high = self.bounds
        if not low < high:
            raise ValueError(f"low ({low}) must be below high ({high})")
        if self._mass < 1e-6:
            raise ValueError("the truncation interval holds almost none of the distribution")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """Truncation interval."""
        raise NotImplementedError

    def _cdf(self, x: float) -> float:
        raise NotImplementedError

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    def _logpdf_untruncated(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def _mass(self) -> float:
        low, high = self.bounds
        return self._cdf(high) - self._cdf(low)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values (by rejection when truncated)."""
        out = self._draw(rng, n)
        low, high = self.bounds
        bad = (out < low) | (out > high)
        while bad.any():
            out[bad] = self._draw(rng, int(bad.sum()))
            bad = (out < low) | (out > high)
        return out

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density, renormalised over the truncation interval."""
        x = np.asarray(x, dtype=float)
        low, high = self.bounds
        inside = (x >= low) & (x <= high)
        safe = np.where(inside, x, self._safe_point)
        return np.where(inside, self._logpdf_untruncated(safe) - math.log(self._mass), -np.inf)

    @property
    def _safe_point(self) -> float:
        raise NotImplementedError


class Normal(_Truncatable):
    """Normal with ``mean`` and ``sd``, optionally truncated to ``[low, high]``."""

    dist: Literal["normal"] = "normal"
    mean: float = Field(allow_inf_nan=False)
    sd: float = Field(gt=0.0, allow_inf_nan=False)

    @property
    def bounds(self) -> tuple[float, float]:
        """Truncation interval (infinite ends when not truncated)."""
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        return low, high

    @property
    def spread(self) -> float:
        """The standard deviation before truncation."""
        return self.sd

    @property
    def center(self) -> float:
        """The mean, moved into the truncation interval."""
        low, high = self.bounds
        return min(max(self.mean, low), high)

    @property
    def _safe_point(self) -> float:
        return self.mean

    def _cdf(self, x: float) -> float:
        if math.isinf(x):
            return 1.0 if x > 0 else 0.0
        return _norm_cdf((x - self.mean) / self.sd)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean, self.sd, n)

    def _logpdf_untruncated(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.mean) / self.sd
        return -0.5 * z * z - math.log(self.sd * math.sqrt(2 * math.pi))


class LogNormal(_Truncatable):
    """Lognormal with ``median`` and log-scale ``sigma``, optionally truncated."""

    dist: Literal["lognormal"] = "lognormal"
    log_scale: ClassVar[bool] = True
    median: float = Field(gt=0.0, allow_inf_nan=False)
    sigma: float = Field(gt=0.0, allow_inf_nan=False)

    @property
    def bounds(self) -> tuple[float, float]:
        """Truncation interval (``(0, inf)`` when not truncated)."""
        low = 0.0 if self.low is None else max(self.low, 0.0)
        high = math.inf if self.high is None else self.high
        return low, high

    @property
    def spread(self) -> float:
        """Standard deviation of the untruncated lognormal."""
        return self.median * math.sqrt((math.exp(self.sigma**2) - 1) * math.exp(self.sigma**2))

    @property
    def _safe_point(self) -> float:
        return self.median

    @property
    def center(self) -> float:
        """The median, moved into the truncation interval."""
        low, high = self.bounds
        return min(max(self.median, low), high)

    def _cdf(self, x: float) -> float:
        if x <= 0:
            return 0.0
        if math.isinf(x):
            return 1.0
        return _norm_cdf((math.log(x) - math.log(self.median)) / self.sigma)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.median * np.exp(self.sigma * rng.standard_normal(n))

    def _logpdf_untruncated(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            lx = np.log(np.where(x > 0, x, np.nan))
        z = (lx - math.log(self.median)) / self.sigma
        out = -0.5 * z * z - lx - math.log(self.sigma * math.sqrt(2 * math.pi))
        return np.where(x > 0, out, -np.inf)


class Beta(_Prior):
    """Beta(``a``, ``b``) on ``[0, 1]``: for probabilities."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0.0, allow_inf_nan=False)
    b: float = Field(gt=0.0, allow_inf_nan=False)

    @property
    def bounds(self) -> tuple[float, float]:
        """``(0, 1)``."""
        return 0.0, 1.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values."""
        return rng.beta(self.a, self.b, n)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density."""
        x = np.asarray(x, dtype=float)
        inside = (x >= 0.0) & (x <= 1.0)
        norm = math.lgamma(self.a + self.b) - math.lgamma(self.a) - math.lgamma(self.b)
        safe = np.clip(np.where(inside, x, 0.5), 1e-300, 1 - 1e-16)
        out = (self.a - 1) * np.log(safe) + (self.b - 1) * np.log1p(-safe) + norm
        return np.where(inside, out, -np.inf)


class Integer(_Prior):
    """Uniform over the integers ``low, low + 1, ..., high``."""

    dist: Literal["integer"] = "integer"
    low: int
    high: int
    integer: ClassVar[bool] = True

    @model_validator(mode="after")
    def _order(self) -> Integer:
        if not self.low <= self.high:
            raise ValueError(f"low ({self.low}) must not be above high ({self.high})")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)``."""
        return float(self.low), float(self.high)

    @property
    def center(self) -> float:
        """The middle integer."""
        return float((self.low + self.high) // 2)

    @property
    def spread(self) -> float:
        """Standard deviation of the discrete uniform."""
        n = self.high - self.low + 1
        return math.sqrt((n * n - 1) / 12.0) or 0.5

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values (as floats holding integers)."""
        return rng.integers(self.low, self.high, n, endpoint=True).astype(float)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log mass."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high) & (x == np.round(x))
        return np.where(inside, -math.log(self.high - self.low + 1), -np.inf)


Prior = Annotated[
    Uniform | LogUniform | Normal | LogNormal | Beta | Integer, Field(discriminator="dist")
]


class Priors(BaseModel):
    """Priors of the parameters to calibrate, with the base policies they apply to.

    Parameters
    ----------
    policies
        Base policy per actor (a mapping with a ``type``, as in scenario files). An actor not
        given here keeps the scenario's policy as its base.
    parameters
        Prior of each parameter path (``actor.field`` or ``actor.field.subfield``), in the
        order the parameters are reported.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    policies: dict[str, PolicyField] = Field(default_factory=dict)
    parameters: dict[str, Prior] = Field(min_length=1)

    @model_validator(mode="after")
    def _paths(self) -> Priors:
        for path in self.parameters:
            parts = path.split(".")
            if len(parts) not in (2, 3) or not all(parts):
                raise ValueError(
                    f"parameters.{path}: a parameter path is 'actor.field' or "
                    "'actor.field.subfield'"
                )
        for actor, policy in self.policies.items():
            for path in self.parameters:
                if path.split(".")[0] == actor:
                    _check_path(policy, path)
        return self

    # -- reading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Priors:
        """Read priors from a YAML (or JSON) file; errors name the file and the field."""
        from escalation.model.scenario import validation_error

        data = read_yaml(Path(path), InputError)
        if not isinstance(data, dict):
            raise InputError("a priors file must hold a mapping", source=path)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc, path, InputError) from None

    # -- the parameters ------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """Parameter paths, in order."""
        return tuple(self.parameters)

    @property
    def actors(self) -> tuple[str, ...]:
        """Actors whose policies are calibrated, in order of first appearance."""
        return tuple(dict.fromkeys(p.split(".")[0] for p in self.parameters))

    @property
    def dists(self) -> tuple[_Prior, ...]:
        """The priors, in parameter order."""
        return tuple(self.parameters.values())

    @property
    def integer(self) -> np.ndarray:
        """Boolean mask of the parameters with a discrete prior."""
        return np.array([d.integer for d in self.dists], dtype=bool)

    @property
    def log_scale(self) -> np.ndarray:
        """Boolean mask of the parameters the sampler moves on the log scale."""
        return np.array([d.log_scale for d in self.dists], dtype=bool)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` parameter vectors, shape ``(n, d)`` (one column per parameter)."""
        return np.column_stack([d.sample(rng, n) for d in self.dists]) if n else self._empty()

    def _empty(self) -> np.ndarray:
        return np.empty((0, len(self.parameters)))

    def logpdf(self, theta: np.ndarray) -> np.ndarray:
        """Joint log prior of each row of ``theta`` (independent priors); ``-inf`` outside."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        total = np.zeros(theta.shape[0])
        for j, d in enumerate(self.dists):
            total = total + d.logpdf(theta[:, j])
        return total

    def resolve(self, scenario: Scenario) -> Priors:
        """Return these priors with a base policy for every calibrated actor.

        Raises
        ------
        InputError
            If an actor is unknown, has no policy, or a path or prior bound does not fit it.
        """
        ids = {a.id for a in scenario.actors}
        policies = dict(self.policies)
        for actor in self.actors:
            if actor not in ids:
                raise InputError(
                    f"actor {actor!r} is not in scenario {scenario.name!r}",
                    source="priors",
                    field=f"parameters.{actor}",
                )
            if actor not in policies:
                a = scenario.actor(actor)
                if a.policy is None:
                    raise InputError(
                        f"actor {actor!r} has no policy in scenario {scenario.name!r}; "
                        "give one under 'policies'",
                        source="priors",
                        field=f"policies.{actor}",
                    )
                policies[actor] = a.policy
        out = self.model_copy(update={"policies": policies})
        out._check_bounds()
        return out

    def _check_bounds(self) -> None:
        for j, (path, d) in enumerate(self.parameters.items()):
            low, high = d.bounds
            base = np.array([p.center for p in self.dists])
            for value in (low, high):
                if not math.isfinite(value):
                    continue
                theta = base.copy()
                theta[j] = value
                try:
                    self.apply(theta)
                except InputError as exc:
                    raise InputError(
                        f"the prior allows {value}, which the policy rejects: {exc.problem}",
                        source="priors",
                        field=f"parameters.{path}",
                    ) from None

    def apply(self, theta: Sequence[float] | np.ndarray) -> dict[str, Policy]:
        """The policy of each calibrated actor with the parameter values ``theta``.

        Needs a base policy for every actor (see :meth:`resolve`).
        """
        return set_parameters(self.policies, self.names, theta)


def _check_path(policy: Policy, path: str) -> None:
    _, *fields = path.split(".")
    model_fields = type(policy).model_fields
    if fields[0] not in model_fields or fields[0] == "type":
        known = ", ".join(f for f in model_fields if f != "type")
        raise ValueError(
            f"parameters.{path}: {policy.type!r} policies have no field {fields[0]!r} "
            f"(fields: {known})"
        )
    if len(fields) == 2:
        sub = getattr(policy, fields[0])
        if not isinstance(sub, BaseModel) or fields[1] not in type(sub).model_fields:
            raise ValueError(f"parameters.{path}: {fields[0]!r} has no field {fields[1]!r}")


def default_priors(actor: str = "russia") -> Priors:
    """Priors for ``actor`` following the ``grievance`` policy (the bundled model).

    Reasons, parameter by parameter (grievance is in ladder levels: NATO's package of
    27 March 2018 adds 4 + 4 + 5 = 13, that of 6 October 2021 adds 4 + 5 = 9):

    * ``threshold`` ~ uniform(0.5, 40): from "any hostile act is answered" to about three
      undecayed packages of that size;
    * ``rupture_threshold`` ~ uniform(0.5, 60): the same scale, wider, so that "never breaks
      off" stays possible (values above what grievance reaches act as "never");
    * ``half_life`` ~ log-uniform(30, 3650) days: memory from a month to a decade, with no
      preferred scale;
    * ``k`` ~ integer 0..3: answers in kind up to three ladder levels above;
    * ``reply_probability`` ~ uniform(0, 1): no prior knowledge;
    * ``lag.median`` ~ log-uniform(1, 180) days and ``delay.median`` ~ log-uniform(1, 120)
      days: diplomatic answers come within days to months (background.md section 8, point 3).

    The base policy fixes what two episodes cannot tell apart: the log-scale spread of the lag
    (0.5) and of the delay (0.3), and no perception or implementation noise.
    """
    return Priors.model_validate(
        {
            "policies": {
                actor: {
                    "type": "grievance",
                    "lag": {"median": 12.0, "sigma": 0.5},
                    "delay": {"median": 14.0, "sigma": 0.3},
                }
            },
            "parameters": {
                f"{actor}.threshold": {"dist": "uniform", "low": 0.5, "high": 40.0},
                f"{actor}.rupture_threshold": {"dist": "uniform", "low": 0.5, "high": 60.0},
                f"{actor}.half_life": {"dist": "loguniform", "low": 30.0, "high": 3650.0},
                f"{actor}.k": {"dist": "integer", "low": 0, "high": 3},
                f"{actor}.reply_probability": {"dist": "uniform", "low": 0.0, "high": 1.0},
                f"{actor}.lag.median": {"dist": "loguniform", "low": 1.0, "high": 180.0},
                f"{actor}.delay.median": {"dist": "loguniform", "low": 1.0, "high": 120.0},
            },
        }
    )


def as_priors(priors: Priors | Mapping[str, Any] | str | Path | None) -> Priors:
    """Accept priors as an object, a mapping, a file path, or ``None`` for the defaults."""
    if priors is None:
        return default_priors()
    if isinstance(priors, Priors):
        return priors
    if isinstance(priors, str | Path):
        return Priors.load(priors)
    try:
        return Priors.model_validate(dict(priors))
    except ValidationError as exc:
        from escalation.model.scenario import validation_error

        raise validation_error(exc, "<priors>", InputError) from None
