"""Hypothesis builders for states, measures, policies and whole scenarios (all in one place).

Sizes are kept small so that the property tests stay cheap in CI: 2 to 4 actors, at most 6
presences of at most 25 staff, horizons of at most a year and response lags of a day or more
(so that a run has at most a few hundred answers). ``zero_lags=True`` also draws lags of
median 0 (and below a day): exchanges at one instant, up to the engine's limit of acts.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

import escalation as esc
from escalation.model.measure import Measure, MeasureKind
from escalation.model.state import Presence, State, Status

ACTOR_IDS = ("a", "b", "c", "d")
START = date(2024, 1, 1)


@st.composite
def presence_lists(draw: st.DrawFn, actors: tuple[str, ...]) -> list[Presence]:
    """Presences among ``actors``: each with an owner, a host, staff and maybe a cap."""
    pairs = [(o, h) for o in actors for h in actors if o != h]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=6))
    out = []
    for i, (owner, host) in enumerate(chosen):
        status = draw(st.sampled_from([Status.OPEN] * 4 + [Status.SUSPENDED, Status.CLOSED]))
        staff = draw(st.integers(0, 25)) if status is Status.OPEN else 0
        cap = draw(st.none() | st.integers(staff, 30))
        out.append(Presence(f"p{i}-{owner}-{host}", owner, host, staff, cap, status))
    return out


@st.composite
def states(draw: st.DrawFn) -> State:
    """A valid state with 2 to 4 actors."""
    actors = ACTOR_IDS[: draw(st.integers(2, 4))]
    return State(actors, draw(presence_lists(actors)))


@st.composite
def measures(draw: st.DrawFn, state: State) -> Measure:
    """Any measure among the state's actors and presences, feasible or not.

    Half the time it is aimed at a presence between its actor and target (often feasible);
    otherwise any presence, or none.
    """
    kind = draw(st.sampled_from(list(MeasureKind)))
    pids = sorted(state.presences)
    if pids and draw(st.booleans()):
        p = state.presences[draw(st.sampled_from(pids))]
        actor, target = draw(st.sampled_from([(p.owner, p.host), (p.host, p.owner)]))
        presence: str | None = p.id
    else:
        actor = draw(st.sampled_from(state.actors))
        target = draw(st.sampled_from(state.actors))
        presence = draw(st.none() | st.sampled_from(pids)) if pids else None
    return Measure(kind, actor, target, presence, draw(st.integers(0, 30)))


@st.composite
def measure_sequences(draw: st.DrawFn) -> tuple[State, list[Measure]]:
    """A state and a sequence of measures drawn against it (applied only where feasible)."""
    state = draw(states())
    return state, draw(st.lists(measures(state), min_size=1, max_size=40))


# -- policies ---------------------------------------------------------------------------------
def delays(min_median: float = 0.0) -> st.SearchStrategy[esc.Delay]:
    """Lognormal delays with medians from ``min_median`` to 40 days."""
    return st.builds(
        esc.Delay,
        median=st.floats(min_median, 40.0, allow_nan=False),
        sigma=st.floats(0.0, 1.0, allow_nan=False),
    )


def base_parameters(zero_lags: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Valid values of the parameters every policy has (lags of at least a day, or any)."""
    unit = st.floats(0.0, 1.0, allow_nan=False)
    lag = delays(min_median=1.0)
    if zero_lags:
        lag = st.just(esc.Delay(median=0.0)) | delays()
    return st.fixed_dictionaries(
        {
            "reply_probability": unit,
            "lag": lag,
            "delay": delays(),
            "perception_noise": st.floats(0.0, 0.5, allow_nan=False),
            "implementation_noise": st.floats(0.0, 0.5, allow_nan=False),
        }
    )


_OWN_PARAMETERS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "tit-for-tat": st.just({}),
    "proportional": st.fixed_dictionaries({"ratio": st.floats(0.1, 5.0, allow_nan=False)}),
    "generous-tit-for-tat": st.fixed_dictionaries(
        {"forgiveness": st.floats(0.0, 1.0, allow_nan=False)}
    ),
    "tit-for-two-tats": st.fixed_dictionaries({"tats": st.integers(1, 4)}),
    "grim-trigger": st.fixed_dictionaries({"threshold": st.integers(1, 8)}),
    "escalate-by-k": st.fixed_dictionaries({"k": st.integers(0, 3)}),
    "gradual": st.fixed_dictionaries({"step": st.integers(0, 2), "calming": st.integers(0, 3)}),
    "level-parity": st.just({}),
    "grievance": st.fixed_dictionaries(
        {
            "threshold": st.floats(1.0, 20.0, allow_nan=False),
            "half_life": st.floats(5.0, 400.0, allow_nan=False),
            "k": st.integers(0, 2),
            "rupture_threshold": st.none() | st.floats(5.0, 40.0, allow_nan=False),
        }
    ),
    "reciprocity": st.fixed_dictionaries(
        {
            "reply_probability": st.just(1.0),  # the logistic is its answer probability
            "threshold": st.floats(0.5, 12.0, allow_nan=False),
            "slope": st.floats(0.2, 10.0, allow_nan=False),
            "rupture_gap": st.none() | st.floats(0.5, 20.0, allow_nan=False),
            "half_life": st.floats(5.0, 400.0, allow_nan=False),
            "ratio": st.floats(0.2, 3.0, allow_nan=False),
        }
    ),
    "passive": st.just({}),
}


@st.composite
def policies(draw: st.DrawFn, zero_lags: bool = False) -> esc.Policy:
    """A built-in policy (not scripted) with random valid parameters."""
    kind = draw(st.sampled_from(sorted(_OWN_PARAMETERS)))
    params = {**draw(base_parameters(zero_lags)), **draw(_OWN_PARAMETERS[kind])}
    return esc.BUILTIN_POLICIES[kind](**params)


# -- scenarios --------------------------------------------------------------------------------
@st.composite
def triggers(
    draw: st.DrawFn,
    actors: tuple[str, ...],
    pres: list[Presence],
    horizon: float,
    actor: str | None = None,
) -> esc.Trigger:
    """A trigger between two of ``actors``: a statement, or a measure at a presence between them.

    It need not be feasible when it comes due (the run then records it as a problem). Given an
    ``actor``, it is a scripted act of that actor (and names no actor itself).
    """
    if actor is None:
        by, target = draw(st.permutations(actors).map(lambda p: (p[0], p[1])))
    else:
        by, target = actor, draw(st.sampled_from([a for a in actors if a != actor]))
    between = [p.id for p in pres if {p.owner, p.host} == {by, target}]
    kinds = [k for k in MeasureKind if not k.needs_presence or between]
    kind = draw(st.sampled_from(kinds))
    presence = None if not kind.needs_presence else draw(st.sampled_from(between))
    return esc.Trigger(
        actor=None if actor else by,
        target=target,
        measure=kind,
        presence=presence,
        magnitude=draw(st.integers(1, 12)),
        day=draw(st.floats(0.0, horizon, allow_nan=False)),
        delay_days=draw(st.none() | st.floats(0.0, 30.0, allow_nan=False)),
    )


@st.composite
def scenarios(draw: st.DrawFn, zero_lags: bool = False) -> esc.Scenario:
    """A valid scenario: 2-4 actors, presences, built-in policies per actor or pair, triggers.

    ``zero_lags``: lags of median 0 among those drawn (see :func:`base_parameters`).
    """
    actors = ACTOR_IDS[: draw(st.integers(2, 4))]
    pres = draw(presence_lists(actors))
    horizon = draw(st.floats(10.0, 365.0, allow_nan=False))
    actor_models = []
    for a in actors:
        toward = draw(st.lists(st.sampled_from([b for b in actors if b != a]), unique=True))
        scripted = st.lists(triggers(actors, pres, horizon, actor=a), min_size=1, max_size=3).map(
            lambda acts: esc.Scripted(acts=tuple(acts))
        )
        actor_models.append(
            esc.Actor(
                id=a,
                policy=draw(st.none() | policies(zero_lags) | scripted),
                policies={b: draw(policies(zero_lags)) for b in toward},
            )
        )
    specs = [
        esc.PresenceSpec(
            id=p.id, owner=p.owner, host=p.host, staff=p.staff, cap=p.cap, status=p.status
        )
        for p in pres
    ]
    return esc.Scenario(
        name="random",
        start=START,
        horizon_days=horizon,
        actors=actor_models,
        presences=specs,
        triggers=draw(st.lists(triggers(actors, pres, horizon), min_size=1, max_size=4)),
        stop=esc.StopRules(
            rupture=draw(st.booleans()),
            quiet_days=draw(st.none() | st.floats(5.0, 200.0, allow_nan=False)),
        ),
        ladder=esc.LadderSpec(scale=draw(st.sampled_from(["default", "goldstein"]))),
    )
