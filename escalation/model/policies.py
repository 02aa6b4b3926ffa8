"""The built-in policies.

Each is a small class: a docstring naming its source, validated parameters and one
:meth:`~escalation.model.policy.Policy.decide`. Binary strategies from the iterated prisoner's
dilemma
(after the Axelrod-Python library, ``axelrod/strategies/titfortat.py`` and ``grudger.py``) are
carried over to measures with kinds and sizes: "defect" becomes "answer in kind".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from escalation.model.measure import MeasureKind
from escalation.model.policy import Context, Decision, Policy
from escalation.model.reciprocity import Reciprocity
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
    """Answer in kind only when the counterpart's last ``tats`` moves were all hostile.

    Consecutive, as in Axelrod's Tit For Two Tats: one isolated hostile move is let pass, and
    a conciliatory move (or a statement-free move that is not hostile) in between starts the
    count again. A move is what the counterpart announced at one instant (a package counts
    once, as the engine answers it once); remembered measures count as moves. Source:
    Axelrod (1980), Tit For Two Tats; ``tats = 1`` is tit-for-tat.
    """

    type: Literal["tit-for-two-tats"] = "tit-for-two-tats"
    tats: int = Field(default=2, ge=1, le=20)

    def decide(self, ctx: Context) -> Decision:
        """Answer in kind when the counterpart's last ``tats`` moves were all hostile."""
        if not ctx.hostile:
            return ctx.answer_in_kind()
        # The counterpart's last ``tats`` moves (one per instant; a move is hostile if any of
        # its measures is), kept in the memo and brought up to date with the new events, so
        # that a decision costs the same however long the run (many moves at one instant too).
        memo, received = ctx.memo, ctx.received
        if memo.get("tats.seen", 0) > len(received):
            memo.pop("tats.seen", None)
            memo.pop("tats.moves", None)
        moves: list[list[Any]] = memo.setdefault("tats.moves", [])  # [time, hostile]
        for i in range(memo.get("tats.seen", 0), len(received)):
            e = received[i]
            if moves and moves[-1][0] == e.time:
                moves[-1][1] = moves[-1][1] or e.measure.is_hostile
            else:
                moves.append([e.time, e.measure.is_hostile])
                if len(moves) > self.tats:
                    del moves[0]
        memo["tats.seen"] = len(received)
        hostile = len(moves) == self.tats and all(h for _, h in moves)
        return ctx.answer_in_kind() if hostile else None


class GrimTrigger(Policy):
    """Once hit by a hostile act of at least ``threshold`` severity, break every channel.

    Only acts count, not words: statements (criticism, accusations, threats) never trigger it.
    The default threshold, 4, is an expulsion on the default ladder. Source: Friedman's
    Grudger in Axelrod (1980). Here defecting forever means closing every presence of the
    counterpart one hosts and suspending one's own: a rupture.
    """

    type: Literal["grim-trigger"] = "grim-trigger"
    threshold: int = Field(default=4, ge=1, le=10)

    def decide(self, ctx: Context) -> Decision:
        """Break every channel once triggered; until then let measures pass."""
        act = ctx.hostile and not ctx.stimulus.measure.is_statement
        hit = (act and ctx.severity >= self.threshold) or self._hit_before(ctx)
        if not hit:
            return None
        return ctx.rupture() or None

    def _hit_before(self, ctx: Context) -> bool:
        """Whether an act before the one being answered reached the threshold (memo kept)."""
        memo, earlier = ctx.memo, len(ctx.received) - 1
        if memo.get("grim.seen", 0) > earlier:
            memo.pop("grim.seen", None)
            memo.pop("grim.hit", None)
        hit = memo.get("grim.hit", False)
        for i in range(memo.get("grim.seen", 0), earlier):
            e = ctx.received[i]
            m = e.measure
            hit = hit or (m.is_hostile and not m.is_statement and e.severity >= self.threshold)
        memo["grim.seen"], memo["grim.hit"] = max(earlier, 0), hit
        return bool(hit)


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
    """Answer the n-th hostile move ``step * (n - 1)`` levels up, then calm down.

    A move is what the counterpart announced at one instant (a package counts once). After
    each answer comes a calming phase: the next ``calming`` hostile moves of the counterpart
    are let pass (they still count in n). Source: Beaufils, Delahaye & Mathieu (1997),
    Gradual: the n-th defection is punished n times, then two cooperations calm the game
    (``calming = 2``); here punishment grows in severity rather than in length, and calming is
    not answering. ``calming = 0, step = 0`` is tit-for-tat.
    """

    type: Literal["gradual"] = "gradual"
    step: int = Field(default=1, ge=0, le=10)
    calming: int = Field(default=2, ge=0, le=10)

    def decide(self, ctx: Context) -> Decision:
        """Let the move pass while calming; else escalate by the count of hostile moves."""
        if not ctx.hostile:
            return ctx.answer_in_kind()
        moves, answer = _gradual_memo(ctx)
        if self.calming and answer is not None:
            since = len(moves) - bisect.bisect_right(moves, answer)  # moves since the answer
            if since <= self.calming:
                return None
        return ctx.answer_in_kind(self.step * (len(moves) - 1))


def _gradual_memo(ctx: Context) -> tuple[list[float], float | None]:
    """The distinct times of the counterpart's hostile moves (sorted) and of the last answer.

    Kept in ``ctx.memo`` and brought up to date with the events added since the last call,
    so that a decision costs the same however long the run.
    """
    memo = ctx.memo
    received, sent = ctx.received, ctx.sent
    if memo.get("gradual.received", 0) > len(received) or memo.get("gradual.sent", 0) > len(sent):
        for key in ("gradual.received", "gradual.sent", "gradual.moves", "gradual.answer"):
            memo.pop(key, None)  # not the lists the memo was kept for: start again
    moves: list[float] = memo.setdefault("gradual.moves", [])
    for i in range(memo.get("gradual.received", 0), len(received)):
        e = received[i]
        if e.measure.is_hostile:
            at = bisect.bisect_left(moves, e.time)
            if at == len(moves) or moves[at] != e.time:
                moves.insert(at, e.time)
    answer = memo.get("gradual.answer")
    for i in range(memo.get("gradual.sent", 0), len(sent)):
        e = sent[i]
        if e.measure.is_hostile and e.cause is not None:
            answer = e.time
    memo["gradual.received"], memo["gradual.sent"] = len(received), len(sent)
    memo["gradual.answer"] = answer
    return moves, answer


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
        Reciprocity,
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
