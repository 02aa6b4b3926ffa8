"""Triggers: measures taken on given dates, whatever happens in the run.

A scenario's triggers are the exogenous measures that start an exchange (NATO's measures of
6 October 2021, say). The :class:`~escalation.model.policies.Scripted` policy plays the same
kind of
record, and a documented history is a list of them.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalation.model.measure import Measure, MeasureKind

_ID = r"^[a-z0-9][a-z0-9_.-]*$"


class Trigger(BaseModel):
    """A measure announced on a given date.

    Give the time either as ``date`` (calendar) or ``day`` (days after the scenario's start),
    and the effect either as ``effective`` (calendar) or ``delay_days`` (after the
    announcement; 0 by default).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str | None = Field(default=None, pattern=_ID, description="Optional id to refer to.")
    actor: str | None = Field(default=None, description="Who acts (implied for scripted acts).")
    target: str
    measure: MeasureKind
    presence: str | None = None
    magnitude: int = Field(default=1, ge=0)
    date: dt.date | None = None
    day: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    effective: dt.date | None = None
    delay_days: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    cause: str | None = Field(default=None, description="Id of the trigger this one answers.")
    source: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _one_time(self) -> Trigger:
        if (self.date is None) == (self.day is None):
            raise ValueError("give exactly one of 'date' and 'day'")
        if self.effective is not None and self.delay_days is not None:
            raise ValueError("give at most one of 'effective' and 'delay_days'")
        if self.effective is not None and self.date is not None and self.effective < self.date:
            raise ValueError(f"effective date {self.effective} is before the date {self.date}")
        if self.measure.is_statement and self.presence is not None:
            raise ValueError(f"a '{self.measure}' statement takes no presence")
        if not self.measure.is_statement and self.presence is None:
            raise ValueError(f"a '{self.measure}' measure needs a presence")
        return self

    def time(self, start: dt.date) -> float:
        """Days after ``start`` at which the measure is announced."""
        if self.day is not None:
            return self.day
        assert self.date is not None
        return float((self.date - start).days)

    def delay(self, start: dt.date) -> float:
        """Days from announcement to effect."""
        if self.effective is not None:
            return float((self.effective - start).days) - self.time(start)
        return self.delay_days or 0.0

    def to_measure(self, actor: str | None = None) -> Measure:
        """Return the measure, with ``actor`` filled in when the trigger has none."""
        who = self.actor or actor
        if who is None:
            raise ValueError("trigger has no actor")
        return Measure(self.measure, who, self.target, self.presence, self.magnitude)

    def calendar(self, start: dt.date) -> dt.date:
        """Calendar date of the announcement."""
        return start + timedelta(days=self.time(start))
