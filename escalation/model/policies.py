"""The built-in policies.

Each is a small class: a docstring naming its source, validated parameters and one
:meth:`~escalation.model.policy.Policy.decide`. Binary strategies from the iterated prisoner's
dilemma
(after the Axelrod-Python library, ``axelrod/strategies/titfortat.py`` and ``grudger.py``) are
carried over to measures with kinds and sizes: "defect" becomes "answer in kind".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from escalation.model.measure import MeasureKind
from escalation.model.policy import Context, Decision, Policy
from escalation.model.state import Status
from escalation.model.trigger import Trigger

#: Kinds whose magnitude :class:`Proportional` scales.
_SCALED = frozenset({MeasureKind.EXPEL, MeasureKind.DENY, MeasureKind.CAP})


class TitForTat(Policy):
    """Answer every measure in kind: same kind, same size (mirror).

    Conciliatory measures are reciprocated too. Source: Rapoport's entry to Axelrod's first
    tournament (Axelrod 1980); here "copy the last move" becomes "mirror the last measure".
    """

    type: Literal["tit-for-tat"] = "tit-for-tat"

    def decide(self, ctx: Context) -> Decision:
        """Mirror the measure."""
        return ctx.answer_in_kind()


class Proportional(Policy):
    """Answer in kind with the size scaled by ``ratio`` (at least 1).

    ``ratio = 1`` mirrors; below 1 de-escalates, above 1 escalates (background.md section 7,
    "proportional response").
    """

    type: Literal["proportional"] = "proportional"
    ratio: float = Field(default=1.0, gt=0.0, le=10.0, allow_inf_nan=False)

    def decide(self, ctx: Context) -> Decision:
        """Mirror with a scaled magnitude."""
        e = ctx.stimulus
        if e.measure not in _SCALED or max(1, round(self.ratio * e.magnitude)) == e.magnitude:
            # Unscaled, the mirror has the stimulus's kind and size, so its level is the
            # stimulus's: the floor below is the perceived severity, as for answering in kind.
            return ctx.answer_in_kind()
        want = ctx.mirror()
        if want is None:
            return None
        if want.kind in _SCALED:
            n = max(1, round(self.ratio * want.magnitude))
            if n != want.magnitude:
                want = want.with_magnitude(n)
        if not ctx.hostile:
            return ctx.reply(want)
        bump = ctx.severity - ctx.stimulus.severity
        return ctx.reply(want, ctx.severity_of(want) + bump)


class GenerousTitForTat(Policy):
    """Tit-for-tat that lets a hostile measure pass with probability ``forgiveness``.

    Source: Nowak & Sigmund (1992), "Tit for tat in heterogeneous populations"; remedy for
    noise in Wu & Axelrod (1995). ``forgiveness = 0`` is tit-for-tat.
    """

    type: Literal["generous-tit-for-tat"] = "generous-tit-for-tat"
    forgiveness: float = Field(default=0.3, ge=0.0, le=1.0, allow_inf_nan=False)

    def decide(self, ctx: Context) -> Decision:
        """Forgive with probability ``forgiveness``, else mirror."""
        if ctx.hostile and self.forgiveness > 0 and ctx.rng.random() < self.forgiveness:
            return None
        return ctx.answer_in_kind()


class TitForTwoTats(Policy):
    """Answer only after ``tats`` hostile moves since the last one answered.

    A move is what the counterpart announced at one instant (a package counts once, as the
    engine answers it once). Source: Axelrod (1980), Tit For Two Tats; ``tats = 1`` is
    tit-for-tat.
    """

    type: Literal["tit-for-two-tats"] = "tit-for-two-tats"
    tats: int = Field(default=2, ge=1, le=20)

    def decide(self, ctx: Context) -> Decision:
        """Count unanswered hostile measures; answer in kind once there are ``tats``."""
        if not ctx.hostile:
            return ctx.answer_in_kind()
        # The last event answered is the cause of one's latest hostile answer; compare ids, not
        # times, since an answer may be announced at the same instant as a new measure.
        answered = max(
            (e.cause for e in ctx.sent if e.measure.is_hostile and e.cause is not None),
            default=-1,
        )
        unanswered = {e.time for e in ctx.received if e.measure.is_hostile and e.id > answered}
        return ctx.answer_in_kind() if len(unanswered) >= self.tats else None


class GrimTrigger(Policy):
    """Once hit by a measure of at least ``threshold`` severity, break every channel.

    Source: Friedman's Grudger in Axelrod (1980). Here defecting forever means closing every
    presence of the counterpart one hosts and suspending one's own: a rupture.
    """

    type: Literal["grim-trigger"] = "grim-trigger"
    threshold: int = Field(default=1, ge=0)

    def decide(self, ctx: Context) -> Decision:
        """Break every channel once triggered; until then let measures pass."""
        earlier = ctx.received[:-1]
        hit = (ctx.hostile and ctx.severity >= self.threshold) or any(
            e.measure.is_hostile and e.severity >= self.threshold for e in earlier
        )
        if not hit:
            return None
        return ctx.rupture() or None


class EscalateByK(Policy):
    """Answer each hostile measure ``k`` levels above its perceived severity.

    ``k = 0`` mirrors; ``k = 1`` is "plus one" (background.md section 7, "escalate-by-k").
    """

    type: Literal["escalate-by-k"] = "escalate-by-k"
    k: int = Field(default=1, ge=0, le=10)

    def decide(self, ctx: Context) -> Decision:
        """Mirror, raised by ``k`` levels (the substitution rule picks the act)."""
        return ctx.answer_in_kind(self.k if ctx.hostile else 0)


class Gradual(Policy):
    """Answer the n-th hostile move ``step * (n - 1)`` levels above its severity.

    A move is what the counterpart announced at one instant (a package counts once). Source:
    Beaufils, Delahaye & Mathieu (1997), Gradual: the n-th defection is punished n times; here
    punishment grows in severity rather than in length.
    """

    type: Literal["gradual"] = "gradual"
    step: int = Field(default=1, ge=0, le=10)

    def decide(self, ctx: Context) -> Decision:
        """Escalate by the number of hostile measures received before this one."""
        if not ctx.hostile:
            return ctx.answer_in_kind()
        n = len({e.time for e in ctx.received if e.measure.is_hostile})
        return ctx.answer_in_kind(self.step * (n - 1))


class LevelParity(Policy):
    """Answer so that both sides keep the same number of open channels and staff.

    Closures and suspensions are mirrored; an expulsion or cap cut is answered by expelling
    as many as it takes to bring the counterpart's staff at home down to one's own staff
    abroad (background.md section 7, "level-parity"). Nothing is done when already at parity.
    """

    type: Literal["level-parity"] = "level-parity"

    def decide(self, ctx: Context) -> Decision:
        """Restore parity of channels, then of staff."""
        if not ctx.hostile or not ctx.stimulus.measure.needs_presence:
            return ctx.answer_in_kind()
        mine = [p for p in ctx.state.hosted(ctx.counterpart, ctx.actor)]
        theirs = [p for p in ctx.state.hosted(ctx.actor, ctx.counterpart)]
        open_mine = sum(p.status is Status.OPEN for p in mine)
        open_theirs = sum(p.status is Status.OPEN for p in theirs)
        if ctx.stimulus.measure in (MeasureKind.CLOSE, MeasureKind.SUSPEND):
            return ctx.answer_in_kind() if open_theirs > open_mine else None
        gap = sum(p.staff for p in theirs) - sum(p.staff for p in mine)
        if gap <= 0:
            return None
        target = max(theirs, key=lambda p: (p.staff, p.id))
        return ctx.reply(ctx.act(MeasureKind.EXPEL, target.id, min(gap, target.staff)), 1)


class Grievance(Policy):
    """Answer in kind once accumulated grievance reaches ``threshold``; break off above more.

    Grievance is the severity received minus the severity returned, each halved every
    ``half_life`` days: a decayed stock of hostility as in Richardson's model (background.md
    section 5), which lets memory of earlier episodes matter. At or above ``threshold`` the
    answer is in kind, ``k`` levels up; at or above ``rupture_threshold`` (if set) every
    channel with the counterpart is closed or suspended.
    """

    type: Literal["grievance"] = "grievance"
    threshold: float = Field(default=6.0, gt=0.0, allow_inf_nan=False)
    half_life: float = Field(default=365.0, gt=0.0, allow_inf_nan=False)
    k: int = Field(default=0, ge=0, le=10)
    rupture_threshold: float | None = Field(default=None, gt=0.0, allow_inf_nan=False)

    def decide(self, ctx: Context) -> Decision:
        """Compare the grievance with the thresholds and answer accordingly."""
        if not ctx.hostile:
            return ctx.answer_in_kind()
        level = ctx.grievance(self.half_life)
        if self.rupture_threshold is not None and level >= self.rupture_threshold:
            return ctx.rupture() or ctx.answer_in_kind(self.k)
        return ctx.answer_in_kind(self.k) if level >= self.threshold else None


class Passive(Policy):
    """Never answer."""

    type: Literal["passive"] = "passive"

    def decide(self, ctx: Context) -> Decision:
        """Let every measure pass."""
        return None


class Scripted(Policy):
    """Play the given acts on their dates and answer nothing else.

    Used to replay documented history and to impose an actor's known moves in a
    counterfactual.
    """

    type: Literal["scripted"] = "scripted"
    acts: tuple[Trigger, ...] = ()

    def decide(self, ctx: Context) -> Decision:
        """Scripted actors do not answer."""
        return None

    def scheduled(self) -> Sequence[Trigger]:
        """The scripted acts."""
        return self.acts


#: Built-in policies by their ``type`` name.
BUILTIN_POLICIES: dict[str, type[Policy]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        TitForTat,
        Proportional,
        GenerousTitForTat,
        TitForTwoTats,
        GrimTrigger,
        EscalateByK,
        Gradual,
        LevelParity,
        Grievance,
        Passive,
        Scripted,
    )
}


def build_policy(spec: Any) -> Policy:
    """Return a policy from a policy object or a mapping with a built-in ``type``."""
    if isinstance(spec, Policy):
        return spec
    if not isinstance(spec, dict):
        raise ValueError(f"a policy must be a mapping with a 'type', not {type(spec).__name__}")
    kind = spec.get("type")
    if kind not in BUILTIN_POLICIES:
        known = ", ".join(sorted(BUILTIN_POLICIES))
        raise ValueError(f"unknown policy type {kind!r}; known types: {known}")
    return BUILTIN_POLICIES[kind].model_validate(spec)
