"""Episode-set files: which scenarios and histories, which summaries, what weights.

An episode-set file (YAML) names the episodes a calibration fits together (see
``docs/calibration.md``, "Episode sets")::

    priors: priors.yaml            # optional: a file, or priors written out here
    episodes:
      - name: wave2018
        scenario: skripal-2018     # bundled name, or a file relative to this one
        history: ../seeds/skripal-2018.yaml
        pooled: {actor: russia, window_days: 15, rupture_with: [nato]}
        select: [answered, in_kind, lag.q50, lag.q90, ratio.q50, ruptured.nato]
        weights: [1, 1, 1, 1, 1, 1]
      - name: nato
        scenario: nato-russia-2021
        history: ../seeds/nato-russia.yaml
        documented: {window_days: 30}
        select: [2021.answered, 2021.lag, 2021.ruptured]

``pooled`` takes the fields of :class:`~escalation.calibrate.pooled.PooledSummaries`;
``documented`` those of :meth:`~escalation.calibrate.problem.CalibrationProblem.build`
(``counterpart``, ``episodes``, ``window_days``, ``quiet_days``, ``lead_days``,
``follow_days``). An episode has exactly one of the two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from escalation.base.errors import InputError
from escalation.calibrate.episodeset import Episode, EpisodeSet
from escalation.calibrate.pooled import PooledSummaries
from escalation.model.files import validation_error
from escalation.model.scenario import bundled_scenarios, read_yaml
from escalation.sim.history import bundled_histories


class _Documented(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    counterpart: str | None = None
    episodes: tuple[str, ...] | None = None
    window_days: float = Field(default=90.0, gt=0.0)
    quiet_days: float = Field(default=180.0, gt=0.0)
    lead_days: int = Field(default=7, ge=0)
    follow_days: float = Field(default=365.0, gt=0.0)


class _EpisodeEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    scenario: str
    history: str
    pooled: PooledSummaries | None = None
    documented: _Documented | None = None
    select: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _one_kind(self) -> _EpisodeEntry:
        if (self.pooled is None) == (self.documented is None):
            raise ValueError("give exactly one of 'pooled' and 'documented'")
        return self


class _EpisodeFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    priors: str | dict[str, Any] | None = None
    episodes: tuple[_EpisodeEntry, ...] = Field(min_length=1)


def _near(name: str, base: Path) -> str:
    """``name`` as a file next to the episode file if one is there, else as given."""
    candidate = base / name
    return str(candidate) if candidate.is_file() else name


def _exists(name: str, bundled: Any, source: Path, field: str) -> None:
    """Refuse ``name`` unless it is a file (next to the episode file, or as given) or bundled."""
    if name not in bundled and not Path(name).exists():
        also = ", and not a bundled name" if bundled else ""
        raise InputError(
            f"{name!r}: file not found (next to this one, or as given){also}",
            source=source,
            field=field,
        )


def load_episode_set(path: str | Path, priors: str | Path | None = None) -> EpisodeSet:
    """Read an episode-set file and build the :class:`EpisodeSet` it describes.

    ``priors`` (a file) replaces the file's own ``priors``.

    Raises
    ------
    InputError
        Naming the file, the field and the problem, if the file or anything it names is
        invalid.
    """
    path = Path(path)
    data = read_yaml(path, InputError)
    if not isinstance(data, dict):
        raise InputError("an episode-set file must hold a mapping", source=path)
    try:
        spec = _EpisodeFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path, InputError) from None
    base = path.parent
    given: Any = spec.priors if priors is None else str(priors)
    if isinstance(given, str) and priors is None:
        given = _near(given, base)
        _exists(given, (), path, "priors")
    episodes = []
    for i, e in enumerate(spec.episodes):
        scenario, history = _near(e.scenario, base), _near(e.history, base)
        _exists(scenario, bundled_scenarios(), path, f"episodes[{i}].scenario")
        _exists(history, bundled_histories(), path, f"episodes[{i}].history")
        if e.pooled is not None:
            episodes.append(
                Episode.pooled(
                    e.name, scenario, history, e.pooled, select=e.select, weights=e.weights
                )
            )
        else:
            build = e.documented.model_dump(exclude_none=True) if e.documented else {}
            episodes.append(
                Episode.documented(
                    e.name,
                    scenario,
                    history,
                    given,
                    select=e.select,
                    weights=e.weights,
                    **build,
                )
            )
    return EpisodeSet.of(episodes, given)
