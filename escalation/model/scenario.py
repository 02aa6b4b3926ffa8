"""Scenarios: actors, presences, policies, triggers, dates and stop rules.

A scenario is a validated pydantic model. It is written as a YAML file (see ``scenarios/`` and
the README for the format) or built in Python::

    scenario = esc.Scenario(
        name="demo",
        start="2024-01-01",
        actors=[esc.Actor(id="a", policy=esc.TitForTat()), esc.Actor(id="b")],
        presences=[esc.PresenceSpec(id="a-in-b", owner="a", host="b", staff=20, cap=25)],
        triggers=[esc.Trigger(actor="b", target="a", measure="expel",
                              presence="a-in-b", magnitude=3, day=1)],
    )
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    InstanceOf,
    SerializeAsAny,
    ValidationError,
    model_validator,
)

from escalation.base.display import html_table
from escalation.base.errors import ScenarioError
from escalation.model.counterfactual import Counterfactuals
from escalation.model.files import (  # noqa: F401 (re-exported)
    _bad_date,
    field_path,
    read_yaml,
    validation_error,
)
from escalation.model.ladder import Ladder
from escalation.model.parameters import check_posterior
from escalation.model.policies import Passive
from escalation.model.policy import Policy
from escalation.model.references import reference_problems
from escalation.model.registry import build_known_policy
from escalation.model.state import Presence, State, Status
from escalation.model.trigger import Trigger, Uncertainty
from escalation.model.variants import apply_variant, check_label, variant_labels
from escalation.model.wave import expand_waves
from escalation.model.yaml_out import scenario_yaml

_ID = r"^[a-z0-9][a-z0-9_.-]*$"

#: Largest staff or cap of a presence: outcome columns hold them as 32-bit integers.
MAX_STAFF = 2**31 - 1

# SerializeAsAny: dump each policy with its own fields (k, ratio, ...), not the base's only.
PolicyField = Annotated[SerializeAsAny[InstanceOf[Policy]], BeforeValidator(build_known_policy)]


#: The policy of an actor without one (policies are frozen, so one instance serves all).
_PASSIVE = Passive()


class Actor(BaseModel):
    """A state or alliance, with its policy toward each counterpart.

    ``policy`` applies to every counterpart not named in ``policies``. An actor with neither
    is passive.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID)
    name: str = ""
    policy: PolicyField | None = None
    policies: dict[str, PolicyField] = Field(default_factory=dict)

    def policy_toward(self, counterpart: str) -> Policy:
        """The policy this actor follows toward ``counterpart``."""
        return self.policies.get(counterpart) or self.policy or _PASSIVE

    @property
    def label(self) -> str:
        """Display name (the id when no name is given)."""
        return self.name or self.id


class PresenceSpec(BaseModel):
    """A presence in its starting state (see :class:`escalation.model.state.Presence`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=_ID)
    name: str = ""
    owner: str
    host: str
    staff: int = Field(ge=0, le=MAX_STAFF)
    cap: int | None = Field(default=None, ge=0, le=MAX_STAFF)
    status: Status = Status.OPEN
    #: Id of the counterpart's presence this one corresponds to (diplomatic to diplomatic,
    #: military to military): an answer in kind to a measure at either lands at the other.
    mirrors: str | None = None
    source: str = ""
    note: str = ""
    uncertain: dict[str, Uncertainty] = Field(default_factory=dict)
    #: Documented alternatives by variant label, e.g. {kommersant: {staff: 6}} (variant()).
    alternatives: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> PresenceSpec:
        if self.owner == self.host:
            raise ValueError("owner and host must differ")
        if self.cap is not None and self.staff > self.cap:
            raise ValueError(f"staff {self.staff} is above the cap {self.cap}")
        if self.status is not Status.OPEN and self.staff:
            raise ValueError(f"a {self.status} presence holds no staff")
        for label, values in self.alternatives.items():
            bad = sorted(set(values) - {"staff", "cap"})
            if bad:
                raise ValueError(f"alternatives.{label}: {bad[0]!r} cannot vary (staff, cap can)")
        return self

    def to_presence(self) -> Presence:
        """The mutable presence used by a run."""
        return Presence(
            self.id,
            self.owner,
            self.host,
            self.staff,
            self.cap,
            self.status,
            self.name,
            self.mirrors,
        )


class StopRules(BaseModel):
    """When a run stops, besides the horizon."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rupture: bool | Literal["any", "all", "none"] | tuple[tuple[str, str], ...] = Field(
        default=True,
        description="Which ruptures stop the run: 'any' (or true; the default) the first, "
        "'all' once every pair with a channel has ruptured, 'none' (or false) none, or a list "
        "of pairs, e.g. [[nato, russia]]: the first rupture of one of them. A rupture between "
        "one pair never stops the other pairs' exchanges unless this rule stops the run.",
    )

    @property
    def rupture_rule(self) -> str | frozenset[frozenset[str]]:
        """``"any"``, ``"all"``, ``"none"``, or the set of pairs whose rupture stops a run."""
        if isinstance(self.rupture, bool):
            return "any" if self.rupture else "none"
        if isinstance(self.rupture, str):
            return self.rupture
        return frozenset(frozenset(pair) for pair in self.rupture)

    quiet_days: float | None = Field(
        default=180.0, gt=0.0, description="Stop after this many days with no measure."
    )


class LadderSpec(BaseModel):
    """Choice of severity ladder (see :mod:`escalation.model.ladder`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scale: Literal["default", "goldstein"] = "default"
    expulsion_code: Literal["161", "166", "174"] = "174"
    large_expulsion: int = Field(default=10, ge=1)

    def build(self) -> Ladder:
        """The ladder object."""
        if self.scale == "goldstein":
            return Ladder.goldstein_scale(self.expulsion_code)
        return Ladder(expulsion_code=self.expulsion_code, large_expulsion=self.large_expulsion)


class Scenario(Counterfactuals, BaseModel):
    """Everything a run needs. Times are days after ``start``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=_ID)
    description: str = ""
    start: date
    horizon_days: float = Field(default=730.0, gt=0.0, le=36500.0, allow_inf_nan=False)
    actors: tuple[Actor, ...] = Field(min_length=2)
    presences: tuple[PresenceSpec, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    memory: tuple[Trigger, ...] = Field(
        default=(),
        description="Documented measures before the start that the actors remember (for "
        "policies with memory, such as grievance); they do not change the starting state.",
    )
    stop: StopRules = StopRules()
    ladder: LadderSpec = LadderSpec()
    posterior: str | None = Field(
        default=None, description="Calibrated posterior file to draw policy parameters from."
    )
    fixed: tuple[str, ...] = Field(
        default=(),
        description="What the scenario sets although its posterior calibrates it: an actor id "
        "(its policy is the scenario's, with the calibrated parameters it has drawn into it) "
        "or a parameter path such as 'russia.threshold' (held at the scenario's value).",
    )

    @model_validator(mode="before")
    @classmethod
    def _waves(cls, data: Any) -> Any:
        return expand_waves(data)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = reference_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def to_yaml(self, path: str | Path | None = None) -> str:
        """The scenario as YAML that :func:`load_scenario` reads back equal; also to ``path``.

        User policies are written by their ``type``: register them (``esc.register_policy``)
        before loading the file. A function policy cannot be written (``ValueError``).
        """
        return scenario_yaml(self, path)

    # -- display ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        fitted = f", posterior={Path(self.posterior).name!r}" if self.posterior else ""
        return (
            f"Scenario({self.name!r}, start={self.start}, horizon_days={self.horizon_days:g}, "
            f"actors={[a.id for a in self.actors]}, presences={len(self.presences)}, "
            f"triggers={len(self.triggers)}{fitted})"
        )

    def _repr_html_(self) -> str:
        rows: list[tuple[Any, ...]] = []
        for a in self.actors:
            pol = a.policy_toward("")
            rows.append(("actor", a.id, a.label, pol.type, ""))
        for p in self.presences:
            cap = "" if p.cap is None else f", cap {p.cap}"
            rows.append(("presence", p.id, f"{p.owner} at {p.host}", f"staff {p.staff}{cap}", ""))
        for t in self.triggers:
            when = t.calendar(self.start).isoformat()
            what = f"{t.actor} {t.measure.value} {t.presence or t.target} ({t.magnitude})"
            rows.append(("trigger", t.id or "", when, what, t.note))
        drawn = f"; parameters drawn from {Path(self.posterior).name}" if self.posterior else ""
        fixed = f" except {', '.join(self.fixed)}" if self.fixed else ""
        return html_table(
            f"Scenario {self.name}: from {self.start}, {self.horizon_days:g} days{drawn}{fixed}",
            ("", "id", "name / where / when", "policy / size / measure", "note"),
            rows,
            note=self.description,
        )

    # -- derived objects -------------------------------------------------------------------
    def actor(self, actor_id: str) -> Actor:
        """The actor with id ``actor_id``."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(f"no actor {actor_id!r}")

    def initial_state(self) -> State:
        """A fresh state at the start of the scenario."""
        return State([a.id for a in self.actors], [p.to_presence() for p in self.presences])

    def build_ladder(self) -> Ladder:
        """The scenario's severity ladder."""
        return self.ladder.build()

    @property
    def variants(self) -> tuple[str, ...]:
        """Labels of documented alternative values (see :mod:`escalation.model.variants`)."""
        return variant_labels([*self.presences, *self.triggers, *self.memory])

    def variant(self, label: str) -> Scenario:
        """A copy with the alternatives labelled ``label`` in place of the values kept."""
        check_label(label, self.variants, f"scenario {self.name}")
        parts = ("presences", "triggers", "memory")
        return self.replace(**{k: apply_variant(getattr(self, k), label) for k in parts})


# -- files -----------------------------------------------------------------------------------
def bundled_dir(kind: Literal["scenarios", "seeds"]) -> Path:
    """Folder of the bundled scenarios or seeds."""
    return Path(str(resources.files("escalation") / "data" / kind))


def bundled_scenarios() -> list[str]:
    """Names of the bundled scenarios."""
    return sorted(p.stem for p in bundled_dir("scenarios").glob("*.yaml"))


def resolve(name_or_path: str | Path, kind: Literal["scenarios", "seeds"]) -> Path:
    """Path of a bundled file given its name, or the given path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml", ".csv") or path.exists():
        return path
    return bundled_dir(kind) / f"{name_or_path}.yaml"


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load and validate a scenario: a bundled name (see ``escalation list``) or a YAML path.

    Raises
    ------
    ScenarioError
        With the file, the field and the problem, if the file is missing or invalid.
    """
    if not isinstance(name_or_path, str | Path):
        raise TypeError(
            f"load_scenario needs a bundled name or a path to a YAML file, not {name_or_path!r}"
        )
    path = resolve(name_or_path, "scenarios")
    if not path.exists() and path.parent == bundled_dir("scenarios"):
        names = ", ".join(bundled_scenarios())
        raise ScenarioError(
            f"no bundled scenario of that name (bundled: {names})", source=str(name_or_path)
        )
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError("a scenario file must hold a mapping", source=path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path) from None
    if scenario.posterior is not None:
        posterior = Path(scenario.posterior)
        if not posterior.is_absolute():
            posterior = path.parent / posterior
        scenario = scenario.model_copy(update={"posterior": str(posterior)})
        check_posterior(scenario, path)
    return scenario
