"""Triggers: measures taken on given dates, whatever happens in the run.

A scenario's triggers are the exogenous measures that start an exchange (NATO's measures of
6 October 2021, say). The :class:`~escalation.model.policies.Scripted` policy plays the same
kind of
record, and a documented history is a list of them.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from escalation.model.measure import Measure, MeasureKind

_ID = r"^[a-z0-9][a-z0-9_.-]*$"

#: How a value that is not simply documented is marked (``uncertain:`` in data files).
Uncertainty = Literal["disputed", "missing", "approximate", "derived"]
_ALTERNATIVE_FIELDS = frozenset({"date", "effective", "magnitude", "delay_days"})


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
    uncertain: dict[str, Uncertainty] = Field(
        default_factory=dict,
        description="Fields whose value is not simply documented, and how: 'disputed' "
        "(sources disagree; the note says how), 'missing' (no source gives it; the value is "
        "a stated assumption), 'approximate' or 'derived' (inferred from documented figures).",
    )
    alternatives: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Documented alternative values by variant label, e.g. "
        "{end-october: {effective: 2021-10-31}}: see History.variant / Scenario.variant.",
    )

    @field_validator("alternatives", mode="after")
    @classmethod
    def _dates(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        # Alternative dates read back from JSON are strings: keep them as dates.
        return {
            label: {
                k: dt.date.fromisoformat(x)
                if k in ("date", "effective") and isinstance(x, str)
                else x
                for k, x in values.items()
            }
            for label, values in v.items()
        }

    @model_validator(mode="after")
    def _one_time(self) -> Trigger:
        if (self.date is None) == (self.day is None):
            raise ValueError("give exactly one of 'date' and 'day'")
        if self.actor is not None and self.actor == self.target:
            raise ValueError(
                f"actor and target are both {self.target!r}: a measure is taken against "
                "another actor"
            )
        if self.effective is not None and self.delay_days is not None:
            raise ValueError("give at most one of 'effective' and 'delay_days'")
        if self.effective is not None and self.date is not None and self.effective < self.date:
            raise ValueError(f"effective date {self.effective} is before the date {self.date}")
        if not self.measure.needs_presence and self.presence is not None:
            raise ValueError(f"a '{self.measure}' measure takes no presence")
        if self.measure.needs_presence and self.presence is None:
            raise ValueError(f"a '{self.measure}' measure needs a presence")
        for label, values in self.alternatives.items():
            bad = sorted(set(values) - _ALTERNATIVE_FIELDS)
            if bad:
                raise ValueError(
                    f"alternatives.{label}: {bad[0]!r} cannot vary; fields that can: "
                    f"{', '.join(sorted(_ALTERNATIVE_FIELDS))}"
                )
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
