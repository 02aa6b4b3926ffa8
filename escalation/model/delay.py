"""Delay distributions: response lags and announce-to-effect delays, in days."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from escalation.base.stream import Draws


class Delay(BaseModel):
    """A lognormal delay in days, given by its median and log-scale spread.

    ``sigma = 0`` gives a fixed delay equal to the median; ``median = 0`` gives no delay.
    A lognormal is the usual choice for reaction times that are positive and right-skewed
    (background.md section 8, point 3: "lognormal/gamma; data suggest days, not weeks").

    Attributes
    ----------
    median
        Median delay in days (``>= 0``).
    sigma
        Standard deviation of the log delay (``>= 0``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    median: float = Field(default=0.0, ge=0.0, allow_inf_nan=False)
    sigma: float = Field(default=0.0, ge=0.0, le=5.0, allow_inf_nan=False)

    def draw(self, rng: Draws) -> float:
        """Draw one delay in days: no draw when fixed, else one normal (two counters)."""
        if self.median == 0.0:
            return 0.0
        if self.sigma == 0.0:
            return self.median
        return self.median * math.exp(self.sigma * rng.standard_normal())

    @property
    def mean(self) -> float:
        """Mean delay in days."""
        return self.median * math.exp(self.sigma**2 / 2)

    @classmethod
    def fixed(cls, days: float) -> Delay:
        """Return a fixed delay of ``days``."""
        return cls(median=days, sigma=0.0)
