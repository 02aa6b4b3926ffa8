"""Counterfactual copies of a scenario that change only what the caller names.

:class:`Counterfactuals` is mixed into :class:`~escalation.model.scenario.Scenario`. Each method
returns a validated copy; whatever is not named stays as it was, the calibrated posterior
included. A scenario that draws an actor's parameters from a posterior records in ``fixed`` the
parameters the caller set, so that every run still draws the others::

    patient = scenario.with_parameters("russia", rupture_threshold=30)  # the rest drawn
    forgiving = scenario.with_policy(
        "russia", esc.GenerousTitForTat(forgiveness=0.5), keep_posterior=True
    )
    no_cap_cut = scenario.without_trigger("nato-2021-cap")
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from escalation.model.parameters import read_parameter_sample
from escalation.model.policies import Passive
from escalation.model.policy import Policy
from escalation.model.trigger import Trigger

#: Fields every policy has; a policy swapped in with ``keep_posterior=True`` takes the actor's
#: current values for those it does not set.
COMMON_FIELDS = ("reply_probability", "lag", "delay", "perception_noise", "implementation_noise")


class Counterfactuals:
    """Copy-with-one-change methods of a scenario (mixed into ``Scenario``)."""

    if TYPE_CHECKING:  # fields of the pydantic model this is mixed into (not fields here)
        actors: tuple[Any, ...]
        presences: tuple[Any, ...]
        triggers: tuple[Trigger, ...]
        posterior: str | None
        fixed: tuple[str, ...]

    def replace(self, **changes: Any) -> Any:
        """Return a validated copy with some fields replaced (e.g. ``triggers=...``)."""
        data = {f: getattr(self, f) for f in type(self).model_fields}  # type: ignore[attr-defined]
        data.update(changes)
        return type(self).model_validate(data)  # type: ignore[attr-defined]

    def calibrated_actors(self) -> tuple[str, ...]:
        """Actors whose parameters each run draws from the scenario's posterior."""
        if self.posterior is None:
            return ()
        return read_parameter_sample(self.posterior).actors

    def _actor_index(self, actor: str) -> int:
        for i, a in enumerate(self.actors):
            if a.id == actor:
                return i
        known = ", ".join(a.id for a in self.actors)
        raise KeyError(f"no actor {actor!r} (actors: {known})")

    def with_policy(
        self,
        actor: str,
        policy: Policy,
        counterpart: str | None = None,
        *,
        keep_posterior: bool | None = None,
    ) -> Any:
        """Return a copy in which ``actor`` follows ``policy`` (toward ``counterpart`` only).

        If the scenario draws ``actor``'s parameters from a calibrated posterior:

        * ``keep_posterior=True`` keeps it: ``policy`` takes the actor's current values for
          the common fields it does not set (reply probability, lag, delay, noise), and each
          run still draws every calibrated parameter that ``policy`` has and does not set
          (for a swap from ``grievance`` to ``generous-tit-for-tat``: the reply probability
          and the lag and delay medians);
        * ``keep_posterior=False`` drops the posterior (every actor's draws go with it);
        * the default drops it too, with a ``UserWarning`` saying so.

        To change one parameter of the current policy, :meth:`with_parameters` is shorter.
        """
        if not isinstance(policy, Policy):
            raise TypeError(f"with_policy needs a Policy (e.g. esc.TitForTat()), not {policy!r}")
        i = self._actor_index(actor)
        calibrated = actor in self.calibrated_actors()
        if keep_posterior and calibrated and counterpart is not None:
            raise ValueError(
                "keep_posterior=True replaces the policy toward every counterpart (the "
                "posterior calibrates one policy per actor): leave out counterpart"
            )
        old = self.actors[i]
        if keep_posterior and calibrated:
            current = old.policy or Passive()
            inherited = {
                f: getattr(current, f) for f in COMMON_FIELDS if f not in policy.model_fields_set
            }
            policy = type(policy).model_validate({**policy.model_dump(), **inherited})
            set_here = policy.model_fields_set - set(inherited)
            fixed = (*_without_actor(self.fixed, actor), actor)
            fixed += tuple(f"{actor}.{f}" for f in sorted(set_here) if f != "type")
            new = old.model_copy(update={"policy": policy, "policies": {}})
            return self.replace(actors=_swap(self.actors, i, new), fixed=fixed)
        if counterpart is None:
            new = old.model_copy(update={"policy": policy, "policies": {}})
        else:
            self._actor_index(counterpart)
            new = old.model_copy(update={"policies": {**old.policies, counterpart: policy}})
        posterior, fixed = self.posterior, self.fixed
        if calibrated:
            if keep_posterior is None:
                warnings.warn(
                    f"with_policy({actor!r}, ...) drops the calibrated posterior "
                    f"{self.posterior}: {actor!r}'s parameters are no longer drawn, and the "
                    f"new policy's unset fields take the class defaults (reply probability "
                    f"{policy.reply_probability}, lag median {policy.lag.median} d, delay "
                    f"median {policy.delay.median} d). Pass keep_posterior=True to keep "
                    "drawing what the posterior calibrates, or keep_posterior=False to "
                    "silence this warning.",
                    UserWarning,
                    stacklevel=2,
                )
            posterior, fixed = None, ()
        return self.replace(actors=_swap(self.actors, i, new), posterior=posterior, fixed=fixed)

    def with_parameters(self, actor: str, **values: Any) -> Any:
        """Return a copy in which ``actor``'s policy has the given parameter values.

        Nothing else changes: with a calibrated posterior, each run still draws every other
        parameter; the ones named here are held at the given values. A nested field takes a
        mapping: ``with_parameters("russia", lag={"median": 5})``.

        Raises
        ------
        ValueError
            If the policy has no such parameter or rejects the value.
        """
        i = self._actor_index(actor)
        old = self.actors[i]
        current = old.policy or Passive()
        unknown = sorted(set(values) - set(type(current).model_fields) | {"type"} & set(values))
        if unknown:
            have = ", ".join(f for f in type(current).model_fields if f != "type")
            raise ValueError(
                f"{actor!r} follows {current.type!r}, which has no parameter "
                f"{', '.join(map(repr, unknown))} (its parameters: {have}); to change the "
                "policy itself use with_policy"
            )
        data = current.model_dump()
        paths: list[str] = []
        for key, value in values.items():
            if isinstance(value, dict):
                data[key] = {**data[key], **value}
                paths += [f"{actor}.{key}.{sub}" for sub in value]
            else:
                data[key] = value
                paths.append(f"{actor}.{key}")
        try:
            policy = type(current).model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise ValueError(f"{actor!r} policy, {where}: {first['msg']}") from None
        new = old.model_copy(update={"policy": policy})
        fixed = self.fixed
        if actor in self.calibrated_actors():
            fixed = tuple(dict.fromkeys((*fixed, actor, *paths)))
        return self.replace(actors=_swap(self.actors, i, new), fixed=fixed)

    def with_trigger(self, trigger: Trigger | dict[str, Any]) -> Any:
        """Return a copy with one more trigger (a :class:`Trigger` or its fields)."""
        t = trigger if isinstance(trigger, Trigger) else Trigger.model_validate(trigger)
        return self.replace(triggers=(*self.triggers, t))

    def without_trigger(self, trigger_id: str) -> Any:
        """Return a copy without the trigger whose id is ``trigger_id``."""
        kept = tuple(t for t in self.triggers if t.id != trigger_id)
        if len(kept) == len(self.triggers):
            ids = ", ".join(str(t.id) for t in self.triggers)
            raise KeyError(f"no trigger {trigger_id!r} (triggers: {ids})")
        return self.replace(triggers=kept)

    def with_presence(self, presence: Any, **changes: Any) -> Any:
        """Return a copy with one presence changed, or added.

        ``with_presence("ru-mission-nato", staff=20, cap=None)`` changes fields of an
        existing presence; ``with_presence(esc.PresenceSpec(...))`` adds one (or replaces the
        presence of the same id).
        """
        if isinstance(presence, str):
            for i, p in enumerate(self.presences):
                if p.id == presence:
                    new = type(p).model_validate({**p.model_dump(), **changes})
                    return self.replace(presences=_swap(self.presences, i, new))
            ids = ", ".join(p.id for p in self.presences)
            raise KeyError(f"no presence {presence!r} (presences: {ids})")
        if changes:
            presence = type(presence).model_validate({**presence.model_dump(), **changes})
        rest = tuple(p for p in self.presences if p.id != presence.id)
        if len(rest) < len(self.presences):
            at = [p.id for p in self.presences].index(presence.id)
            return self.replace(presences=_swap(self.presences, at, presence))
        return self.replace(presences=(*rest, presence))


def _swap(items: tuple[Any, ...], i: int, new: Any) -> tuple[Any, ...]:
    return (*items[:i], new, *items[i + 1 :])


def _without_actor(fixed: tuple[str, ...], actor: str) -> tuple[str, ...]:
    return tuple(f for f in fixed if f != actor and not f.startswith(actor + "."))
