"""Prior distributions of one parameter each, declared as data by their ``dist``.

:data:`Prior` is the union pydantic reads (``{"dist": "uniform", "low": 0.5, "high": 40}``);
:class:`escalation.calibrate.priors.Priors` maps parameter paths to them. The distributions
and how the sampler moves each kind are described in ``docs/calibration.md`` ("Priors").
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

_SQRT2 = math.sqrt(2.0)


def _norm_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / _SQRT2))


class Distribution(BaseModel):
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


class _Interval(Distribution):
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


class _Truncatable(Distribution):
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


class Beta(Distribution):
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


class Integer(Distribution):
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


#: Any prior distribution, told apart by its ``dist`` field.
Prior = Annotated[
    Uniform | LogUniform | Normal | LogNormal | Beta | Integer, Field(discriminator="dist")
]
