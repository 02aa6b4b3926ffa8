"""Policy parameters drawn from a weighted sample: how a scenario's ``posterior:`` is played.

A scenario may name a file of weighted parameter vectors (a calibrated posterior, as
:mod:`escalation.calibrate` writes them). Each run then draws one vector by weight, with one
uniform number from the run's generator, and plays the scenario with the calibrated actors'
base policies set to the drawn values. This module reads the part of such a file that a run
needs (parameter paths, base policies, particles, weights), applies a vector to a scenario,
and provides the :class:`ScenarioSource` that the engine asks for the scenario of each run.
The calibration layer adds everything else a posterior holds (priors, generations, checks).
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import ValidationError

from escalation.base.errors import InputError, ScenarioError
from escalation.base.files import read_text
from escalation.base.stream import Draws
from escalation.model.policy import Policy
from escalation.model.registry import build_known_policy

#: The ``format`` field of a posterior file.
POSTERIOR_FORMAT = "escalation-posterior"


def set_parameters(
    bases: Mapping[str, Policy], paths: Sequence[str], theta: Sequence[float] | np.ndarray
) -> dict[str, Policy]:
    """The policy of each actor named in ``paths`` with the values ``theta``.

    A path is ``actor.field`` or ``actor.field.subfield`` (``russia.lag.median``); integer
    fields are rounded; the result is validated by the policy class.

    Raises
    ------
    InputError
        If an actor has no base policy, or the policy rejects a value.
    """
    updates: dict[str, dict[str, Any]] = {}
    for path, value in zip(paths, theta, strict=True):
        actor, *fields = path.split(".")
        target = updates.setdefault(actor, {})
        if len(fields) == 1:
            target[fields[0]] = float(value)
        else:
            target.setdefault(fields[0], {})[fields[1]] = float(value)
    out: dict[str, Policy] = {}
    for actor, changes in updates.items():
        base = bases.get(actor)
        if base is None:
            raise InputError(
                f"no base policy for actor {actor!r}", source="priors", field="policies"
            )
        data = base.model_dump()
        for key, value in changes.items():
            if isinstance(value, dict):
                sub = data.get(key)
                data[key] = {**(sub if isinstance(sub, dict) else {}), **value}
            else:
                data[key] = _typed(type(base), key, value)
        try:
            out[actor] = type(base).model_validate(data)
        except (ValidationError, ValueError) as exc:
            first = exc.errors()[0] if isinstance(exc, ValidationError) else None
            problem = first["msg"] if first else str(exc)
            raise InputError(problem, source="priors", field=actor) from None
    return out


def _typed(cls: type[Policy], key: str, value: float) -> float | int:
    info = cls.model_fields.get(key)
    if info is not None and info.annotation is int:
        return round(value)
    return value


@dataclass(frozen=True, eq=False)
class ParameterSample:
    """Weighted parameter vectors and the base policies they set.

    Attributes
    ----------
    names
        Parameter paths (``actor.field[.subfield]``), one per column of ``particles``.
    bases
        Base policy of each calibrated actor.
    particles
        Parameter values, shape ``(n, d)``.
    weights
        Normalised weights, shape ``(n,)``.
    """

    names: tuple[str, ...]
    bases: Mapping[str, Policy]
    particles: np.ndarray
    weights: np.ndarray
    _cdf: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cdf", np.cumsum(self.weights))

    @property
    def size(self) -> int:
        """Number of particles."""
        return int(self.particles.shape[0])

    @property
    def actors(self) -> tuple[str, ...]:
        """Actors whose policies the sample sets, in order of first appearance."""
        return tuple(dict.fromkeys(n.split(".")[0] for n in self.names))

    def draw(self, rng: Draws) -> int:
        """Index of one particle drawn by weight (one uniform draw from ``rng``)."""
        i = int(np.searchsorted(self._cdf, rng.random(), side="right"))
        return min(i, self.size - 1)

    def policies(self, index: int) -> dict[str, Policy]:
        """The policy of each calibrated actor under particle ``index``."""
        return set_parameters(self.bases, self.names, self.particles[index])

    def apply(self, scenario: Any, index: int, *, source: str | Path = "posterior") -> Any:
        """Return ``scenario`` with the calibrated actors following particle ``index``.

        Each calibrated actor's policy is replaced (toward every counterpart) by its base
        policy with the particle's values, whatever policy type the scenario gave it. The
        copy names no posterior: its parameters are drawn.
        """
        policies = self.policies(index)
        fixed = tuple(getattr(scenario, "fixed", ()))
        if fixed:
            policies = self._with_fixed(scenario, index, fixed, policies)
        known = {a.id for a in scenario.actors}
        for actor in policies:
            if actor not in known:
                raise ScenarioError(
                    f"the posterior calibrates actor {actor!r}, which scenario "
                    f"{scenario.name!r} does not have",
                    source=source,
                    field="posterior",
                )
        actors = tuple(
            a.model_copy(update={"policy": policies[a.id], "policies": {}})
            if a.id in policies
            else a
            for a in scenario.actors
        )
        return scenario.replace(actors=actors, posterior=None)

    def _with_fixed(
        self, scenario: Any, index: int, fixed: tuple[str, ...], policies: dict[str, Policy]
    ) -> dict[str, Policy]:
        # An actor named in ``fixed`` keeps the scenario's policy, with the particle's values
        # for the calibrated parameters that policy has and ``fixed`` does not hold.
        out = dict(policies)
        for actor in policies:
            if not any(f == actor or f.startswith(actor + ".") for f in fixed):
                continue
            base = next((a.policy for a in scenario.actors if a.id == actor), None)
            if base is None:
                continue
            fields = type(base).model_fields
            drawn = [
                (n, v)
                for n, v in zip(self.names, self.particles[index], strict=True)
                if n.split(".")[0] == actor
                and n not in fixed
                and n.split(".")[1] in fields
                and ".".join(n.split(".")[:2]) not in fixed
            ]
            if drawn:
                names, values = zip(*drawn, strict=True)
                out[actor] = set_parameters({actor: base}, names, values)[actor]
            else:
                out[actor] = base
        return out


def parameter_sample(data: Mapping[str, Any], source: str | Path) -> ParameterSample:
    """The :class:`ParameterSample` of a posterior file's content; errors name the field."""
    if not isinstance(data, Mapping) or data.get("format") != POSTERIOR_FORMAT:
        raise InputError(f"not an {POSTERIOR_FORMAT} file", source=source, field="format")
    names = data.get("parameters")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InputError("a non-empty list of parameter paths", source=source, field="parameters")
    priors = data.get("priors")
    bases_data = priors.get("policies") if isinstance(priors, Mapping) else None
    if not isinstance(bases_data, Mapping):
        raise InputError("missing", source=source, field="priors.policies")
    bases: dict[str, Policy] = {}
    for actor, spec in bases_data.items():
        try:
            policy = build_known_policy(spec)
            if not isinstance(policy, Policy):
                raise ValueError("a policy mapping with a 'type'")
        except (ValidationError, ValueError, TypeError) as exc:
            msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise InputError(msg, source=source, field=f"priors.policies.{actor}") from None
        bases[str(actor)] = policy
    d = len(names)
    rows = data.get("particles")
    if isinstance(rows, list) and any(isinstance(r, list) for r in rows):
        bad = next((i for i, r in enumerate(rows) if not isinstance(r, list) or len(r) != d), -1)
        if bad >= 0:
            raise InputError(
                f"row {bad} is not a list of {d} values (one per parameter)",
                source=source,
                field="particles",
            )
    particles = _numbers(rows, source, "particles")
    weights = _numbers(data.get("weights"), source, "weights")
    if particles.size == 0 or particles.size % d:
        raise InputError(
            f"needs a positive multiple of {d} values (one row of {d} per particle)",
            source=source,
            field="particles",
        )
    particles = particles.reshape(-1, d)
    n = particles.shape[0]
    if weights.shape != (n,):
        raise InputError(f"needs {n} values, one per particle", source=source, field="weights")
    if np.any(weights < 0) or not math.isclose(float(weights.sum()), 1.0, rel_tol=1e-6):
        raise InputError("must be non-negative and sum to 1", source=source, field="weights")
    sample = ParameterSample(tuple(names), bases, particles, weights)
    for actor in sample.actors:
        if actor not in bases:
            raise InputError(f"no base policy for {actor!r}", source=source, field="priors")
    for i in range(n):  # every particle within its policy's bounds (read once per file)
        try:
            sample.policies(i)
        except InputError as exc:
            raise InputError(
                f"particle {i}: {exc.problem}", source=source, field="particles"
            ) from None
    return sample


def _numbers(value: Any, source: str | Path, name: str) -> np.ndarray:
    if not isinstance(value, list) or any(
        isinstance(v, bool) or not isinstance(v, int | float) for v in _flat(value)
    ):
        raise InputError("needs a list of numbers", source=source, field=name)
    array = np.asarray(list(_flat(value)), dtype=float)
    if not np.all(np.isfinite(array)):
        raise InputError("holds a value that is not finite", source=source, field=name)
    return array


def _flat(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in value:
        if isinstance(v, list):
            out.extend(v)  # one level: rows of particles
        else:
            out.append(v)
    return out


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, size: int) -> ParameterSample:
    # Keyed by modification time and size too, so that a rewritten file is read again.
    text = read_text(path, what="posterior file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno}: {exc.msg}", source=path) from None
    except RecursionError:
        raise InputError("nested too deeply to be a posterior file", source=path) from None
    return parameter_sample(data, path)


def read_parameter_sample(path: str | Path, given: str | Path | None = None) -> ParameterSample:
    """Read the parameter sample of a posterior file, once for as long as it is unchanged."""
    resolved = str(Path(path).resolve())
    try:
        st = os.stat(resolved)
    except OSError:
        raise ScenarioError(
            "posterior file not found", source=given or path, field="posterior"
        ) from None
    return _read_cached(resolved, st.st_mtime_ns, st.st_size)


def check_posterior(scenario: Any, source: str | Path = "<python>") -> None:
    """Open and check the scenario's ``posterior:`` file, if it names one.

    The file must be a regular posterior file of bounded size whose particles are valid
    values of their policies (:func:`~escalation.model.parameters.read_parameter_sample`),
    and every actor it calibrates must be in the scenario.

    Raises
    ------
    InputError
        Naming the posterior file and its field, or ``source`` and ``posterior``.
    """
    if scenario.posterior is None:
        return
    try:
        sample = read_parameter_sample(scenario.posterior)
    except ScenarioError as exc:
        if exc.field != "posterior":
            raise
        raise ScenarioError(
            f"posterior file {scenario.posterior} not found", source=source, field="posterior"
        ) from None
    known = {a.id for a in scenario.actors}
    unknown = [a for a in sample.actors if a not in known]
    if unknown:
        raise ScenarioError(
            f"the posterior {scenario.posterior} calibrates actor {unknown[0]!r}, which the "
            "scenario does not have",
            source=source,
            field="posterior",
        )


class ScenarioSource(Protocol):
    """Where the engine gets the scenario of each run.

    ``pick(rng)`` returns ``(version, scenario)``: the scenario to play (drawing from ``rng``
    if it must) and a token that changes when what the source draws from changes. While the
    token is unchanged, the same draw gives the same scenario object, so that what the engine
    prepares for it can be kept.
    """

    def pick(self, rng: Draws) -> tuple[Hashable, Any]:
        """The scenario of one run."""
        ...


class FixedScenario:
    """A source that always gives the same scenario, drawing nothing."""

    def __init__(self, scenario: Any):
        self.scenario = scenario

    def pick(self, rng: Draws) -> tuple[Hashable, Any]:
        """The scenario (``rng`` is not used)."""
        return None, self.scenario


class PosteriorScenarios:
    """A source that draws a particle of the scenario's ``posterior:`` file for each run.

    The file is looked at (one ``stat``) for every run and read again when it changed.
    """

    def __init__(self, scenario: Any):
        self.scenario = scenario
        given = scenario.posterior
        self._given = given
        self._path = str(Path(given).resolve())
        self._sample: ParameterSample | None = None
        self._drawn: dict[int, Any] = {}

    def pick(self, rng: Draws) -> tuple[Hashable, Any]:
        """A particle drawn by weight (one uniform number), applied to the scenario."""
        sample = read_parameter_sample(self._path, self._given)
        if sample is not self._sample:  # first run, or the file was rewritten
            self._sample, self._drawn = sample, {}
        index = sample.draw(rng)
        scenario = self._drawn.get(index)
        if scenario is None:
            scenario = self._drawn[index] = sample.apply(self.scenario, index, source=self._given)
        return sample, scenario


def source_for(scenario: Any) -> ScenarioSource:
    """The source a scenario asks for: its posterior's particles, or itself."""
    if getattr(scenario, "posterior", None) is None:
        return FixedScenario(scenario)
    return PosteriorScenarios(scenario)


__all__ = [
    "POSTERIOR_FORMAT",
    "FixedScenario",
    "ParameterSample",
    "PosteriorScenarios",
    "ScenarioSource",
    "check_posterior",
    "parameter_sample",
    "read_parameter_sample",
    "set_parameters",
    "source_for",
]
