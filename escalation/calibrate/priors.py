"""Priors of the parameters to calibrate: :class:`Priors`, the defaults, and reading them.

A set of priors maps parameter paths (``actor.field`` or ``actor.field.subfield``) to prior
distributions (:mod:`escalation.calibrate.distributions`) and may give the base policy each
parameter belongs to. The format, with an example, is in ``docs/calibration.md`` ("Priors").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from escalation.base.errors import InputError
from escalation.calibrate.distributions import Distribution, Prior
from escalation.model.files import read_yaml, validation_error
from escalation.model.parameters import set_parameters
from escalation.model.policy import Policy
from escalation.model.scenario import PolicyField, Scenario


class Priors(BaseModel):
    """Priors of the parameters to calibrate, with the base policies they apply to.

    Attributes
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
    def dists(self) -> tuple[Distribution, ...]:
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
        if not n:
            return np.empty((0, len(self.parameters)))
        return np.column_stack([d.sample(rng, n) for d in self.dists])

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
        for path in self.parameters:  # fields of a policy taken from the scenario
            try:
                _check_path(policies[path.split(".")[0]], path)
            except ValueError as exc:
                field, _, problem = str(exc).partition(": ")
                raise InputError(problem, source="priors", field=field) from None
        out = self.model_copy(update={"policies": policies})
        out._check_bounds()
        return out

    def _check_bounds(self) -> None:
        base = np.array([p.center for p in self.dists])
        for j, (path, d) in enumerate(self.parameters.items()):
            low, high = d.bounds
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
        raise validation_error(exc, "<priors>", InputError) from None
