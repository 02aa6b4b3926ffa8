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

:func:`load_episode_set` can read the set under another choice: a documented alternative
reading (``variant=``, applied to every scenario and history that has that label) or another
severity ladder (``ladder=``, every scenario's); :mod:`escalation.validate.choices` refits
under such choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from escalation.base.errors import InputError
from escalation.calibrate.episodeset import Episode, EpisodeSet
from escalation.calibrate.pooled import PooledSummaries
from escalation.model.files import validation_error
from escalation.model.scenario import (
    LadderSpec,
    Scenario,
    bundled_scenarios,
    load_scenario,
    read_yaml,
)
from escalation.sim.history import History, bundled_histories, load_history


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


def _reading(
    scenario: str, history: str, variant: str | None, ladder: LadderSpec | None
) -> tuple[Scenario, History, set[str]]:
    """The scenario and history read under ``variant`` where they have it, on ``ladder``.

    Also returns the labels of their alternative readings.
    """
    sc, hist = load_scenario(scenario), load_history(history)
    labels = {*sc.variants, *hist.variants}
    if variant is not None and variant in sc.variants:
        sc = sc.variant(variant)
    if variant is not None and variant in hist.variants:
        hist = hist.variant(variant)
    return (sc if ladder is None else sc.replace(ladder=ladder)), hist, labels


def load_episode_set(
    path: str | Path,
    priors: str | Path | None = None,
    *,
    variant: str | None = None,
    ladder: LadderSpec | None = None,
) -> EpisodeSet:
    """Read an episode-set file and build the :class:`EpisodeSet` it describes.

    ``priors`` (a file) replaces the file's own ``priors``. ``variant`` reads every scenario
    and history that has alternatives of that label under them (see
    :meth:`~escalation.sim.history.History.variant`); a label that none has is refused.
    ``ladder`` replaces every scenario's severity ladder.

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
    labels: set[str] = set()
    for i, e in enumerate(spec.episodes):
        names = _near(e.scenario, base), _near(e.history, base)
        _exists(names[0], bundled_scenarios(), path, f"episodes[{i}].scenario")
        _exists(names[1], bundled_histories(), path, f"episodes[{i}].history")
        scenario, history, readings = _reading(*names, variant, ladder)
        labels |= readings
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
    if variant is not None and variant not in labels:
        raise InputError(
            f"no scenario or history of the set has the reading {variant!r} "
            f"(readings: {', '.join(sorted(labels)) or 'none'})",
            source=path,
            field="variant",
        )
    return EpisodeSet.of(episodes, given)
