"""Policies: how an actor answers the measures it suffers.

A policy is a small class with one decision method, :meth:`Policy.decide`. The base class adds
what every policy has (DESIGN.md, "Policy"):

* ``reply_probability``: the chance of answering at all;
* ``lag``: the response-lag distribution (days from the measure suffered to the answer);
* ``delay``: the announce-to-effect delay of the answer;
* ``perception_noise``: chance of perceiving the measure one level more severe than it is;
* ``implementation_noise``: chance that the act carried out is one level off (up or down,
  evenly; one level down from the mildest hostile act is no act).

Write a new one by subclassing and defining ``decide``::

    class Stern(esc.Policy):
        '''Answer everything with a threat.'''
        type: Literal["stern"] = "stern"

        def decide(self, ctx):
            return ctx.act("threaten")

or from a plain function with :func:`as_policy`. Policies are immutable pydantic models: their
parameters are validated, they pickle, and they keep no state between calls; what an actor
remembers is handed to it in the :class:`Context`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

from escalation.base.stream import Stream
from escalation.model.delay import Delay
from escalation.model.event import Event
from escalation.model.ladder import Ladder
from escalation.model.measure import Measure, MeasureKind
from escalation.model.state import State
from escalation.model.substitution import (
    mirror_checked,
    mirror_of,
    rupture_acts,
    soften,
    substitute,
)
from escalation.model.trigger import Trigger

Decision = Measure | Sequence[Measure] | None


@dataclass(slots=True)
class Context:
    """What an actor knows when it decides how to answer a measure.

    Attributes
    ----------
    actor
        The deciding actor (the target of ``stimulus``).
    counterpart
        The author of ``stimulus``.
    stimulus
        The announced event being answered.
    severity
        The severity as perceived (``stimulus.severity``, one more under perception noise).
    state
        The current state. Read it; never change it.
    ladder
        The severity ladder.
    received
        Announced events by ``counterpart`` against ``actor``, oldest first, ``stimulus`` last.
    sent
        Announced events by ``actor`` against ``counterpart``, oldest first.
    time
        Days since the start.
    rng
        The run's random stream (:class:`escalation.base.stream.Stream`: ``random()``,
        ``uniform``, ``standard_normal()``, ``normal``, ``integers``): the only source of
        randomness a policy may use, so that runs are reproducible and both engines agree.
    package
        Every measure the counterpart announced at this instant (``stimulus`` is the most
        severe of them).
    """

    actor: str
    counterpart: str
    stimulus: Event
    severity: int
    state: State
    ladder: Ladder
    received: Sequence[Event]
    sent: Sequence[Event]
    time: float
    rng: Stream
    package: Sequence[Event] = ()
    #: What this actor keeps about this counterpart from one package to the next within a
    #: run (e.g. a decayed grievance stock; see :mod:`escalation.model.reciprocity`), so that
    #: a decision costs the same however long the run: the engine hands the same mapping for
    #: every package of the pair (and ``received`` and ``sent`` only grow); it starts empty.
    memo: dict[str, Any] = field(default_factory=dict)
    # The last act found feasible in ``state`` by this context's helpers (the state does not
    # change while a policy decides), so that :meth:`Policy.plan` need not check it again.
    _checked: Measure | None = field(default=None, repr=False, compare=False)

    @property
    def measure(self) -> Measure:
        """The measure being answered."""
        e = self.stimulus
        return Measure(e.measure, e.actor, e.target, e.presence, e.magnitude)

    @property
    def hostile(self) -> bool:
        """Whether the measure being answered is hostile."""
        return self.stimulus.measure._hostile

    def act(
        self, kind: MeasureKind | str, presence: str | None = None, magnitude: int = 1
    ) -> Measure:
        """Build an act of the deciding actor against the counterpart."""
        return Measure(MeasureKind(kind), self.actor, self.counterpart, presence, magnitude)

    def feasible(self, m: Measure) -> bool:
        """Whether ``m`` is feasible now."""
        return self.state.feasible(m)

    def severity_of(self, m: Measure) -> int:
        """Severity of ``m`` on the ladder."""
        return self.ladder.severity(m.kind, m.magnitude)

    def mirror(self) -> Measure | None:
        """The same kind and size of act, aimed back (may be infeasible; see :meth:`reply`)."""
        e = self.stimulus
        return mirror_of(self.state, self.actor, e.measure, e.actor, e.magnitude, e.presence)

    def mirror_of(self, e: Event, magnitude: int | None = None) -> Measure | None:
        """The mirror of event ``e`` (of the counterpart), of ``magnitude`` (default: its own)."""
        n = e.magnitude if magnitude is None else magnitude
        return mirror_of(self.state, self.actor, e.measure, e.actor, n, e.presence)

    def reply(self, want: Measure | None, min_severity: int | None = None) -> Measure | None:
        """Apply the substitution rule to ``want`` with a severity floor.

        The floor defaults to the perceived severity for hostile acts, so a mirror of a
        misperceived measure is answered one level up.
        """
        if want is None:
            return None
        level = self.ladder.severity(want.kind, want.magnitude)
        if min_severity is None and want.kind._hostile:
            min_severity = max(self.severity, level)
        # ``substitute`` in short when ``want`` itself will do (the usual case).
        if (min_severity is None or level >= min_severity) and self.state.infeasibility(
            want
        ) is None:
            self._checked = want
            return want
        chosen = self._checked = substitute(
            self.state, self.ladder, want, min_severity, self.state.mirror(self.stimulus.presence)
        )
        return chosen

    def answer_in_kind(self, extra_levels: int = 0) -> Measure | None:
        """Mirror the measure, at least ``extra_levels`` above its perceived severity.

        For a hostile measure whose mirror is infeasible the substitution rule applies; a
        conciliatory measure is reciprocated when possible.
        """
        e = self.stimulus
        state = self.state
        want, feasible = mirror_checked(
            state, self.actor, e.measure, e.actor, e.magnitude, e.presence
        )
        if want is None:
            return None
        if not e.measure._hostile:
            return self.reply(want)
        level = self.ladder.severity(want.kind, want.magnitude)
        if feasible is None:
            feasible = state.infeasibility(want) is None
        floor = max(self.severity, level if feasible else 0) + extra_levels
        if feasible and level >= floor:
            self._checked = want
            return want  # as :meth:`reply` would, without checking the mirror again
        chosen = self._checked = substitute(
            state, self.ladder, want, floor, state.mirror(e.presence)
        )
        return chosen

    def rupture(self) -> list[Measure]:
        """Acts that close or suspend every open channel with the counterpart."""
        return rupture_acts(self.state, self.actor, self.counterpart)

    def grievance(self, half_life: float) -> float:
        """Severity received minus severity returned, each halved every ``half_life`` days.

        Only hostile events count, each at its announced severity. The two sums are running
        stocks kept in :attr:`memo` (:func:`decayed_stock`), so a decision costs the same
        however long the run.
        """
        rate = math.log(2) / half_life
        key = f"grievance.{rate!r}"
        got = self.memo.get(key)
        stocks = self.memo[key] = decayed_stock(got, self.received, self.sent, rate, self.time)
        return stocks[3] - stocks[4]


#: What :func:`decayed_stock` keeps: the time of the stocks, how many received and sent events
#: they hold, the received stock and the sent stock.
Stocks = tuple[float, int, int, float, float]


def decayed_stock(
    got: Stocks | None,
    received: Sequence[Event],
    sent: Sequence[Event],
    rate: float,
    now: float,
) -> Stocks:
    """The sums of ``severity * exp(-rate * age)`` over the hostile events of both lists.

    ``got`` is what the last call returned for the same lists (they only grow), or ``None``.
    Each stock is decayed from the time of ``got`` to ``now`` (by 1 at the same instant, so
    exactly as it was), then raised by the events added since, in list order: a stock of
    ``n`` events costs ``O(n)`` once and each event after it ``O(1)``, instead of a sum over
    every event at every decision. The batch engine
    (:func:`escalation.sim.batch.policies._grievance`) does the same operations in the same
    order.
    """
    if got is None or got[0] > now or got[1] > len(received) or got[2] > len(sent):
        got = (now, 0, 0, 0.0, 0.0)
    then, nr, ns, stock_r, stock_s = got
    decay = math.exp(-rate * (now - then))
    stock_r *= decay
    for i in range(nr, len(received)):
        e = received[i]
        if e.measure._hostile:
            stock_r += e.severity * math.exp(-rate * (now - e.time))
    stock_s *= decay
    for i in range(ns, len(sent)):
        e = sent[i]
        if e.measure._hostile:
            stock_s += e.severity * math.exp(-rate * (now - e.time))
    return (now, len(received), len(sent), stock_r, stock_s)


_new = tuple.__new__  # builds a Plan from its fields without NamedTuple's __new__


class Plan(NamedTuple):
    """An answer: announce ``measure`` after ``lag`` days, effective ``delay`` days later."""

    measure: Measure
    lag: float
    delay: float


class Policy(BaseModel):
    """Base class of every policy.

    Subclasses set a ``type`` literal (their name in scenario files) and define
    :meth:`decide`. Sources of each built-in policy are named in its docstring.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = "policy"
    #: Whether lags and effect delays are whole days (drawn, then rounded to the nearest day).
    whole_days: ClassVar[bool] = False
    reply_probability: float = Field(default=1.0, ge=0.0, le=1.0, allow_inf_nan=False)
    lag: Delay = Field(
        default=Delay(median=12.0, sigma=0.5),
        description="Response lag in days. Default median 12: Moscow answered NATO's measures "
        "of 6 Oct 2021 on 18 Oct 2021 (TASS 1350915).",
    )
    delay: Delay = Field(default=Delay(), description="Announce-to-effect delay in days.")
    perception_noise: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    implementation_noise: float = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)

    @field_validator("lag", "delay", mode="before")
    @classmethod
    def _number_is_fixed(cls, v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return Delay.fixed(float(v))
        return v

    @property
    def name(self) -> str:
        """Readable name of the policy."""
        return self.type

    def decide(self, ctx: Context) -> Decision:
        """Return the act(s) answering ``ctx.stimulus``, or ``None`` to let it pass."""
        raise NotImplementedError(f"{type(self).__name__} must define decide(ctx)")

    def scheduled(self) -> Sequence[Trigger]:
        """Acts this policy takes on fixed dates, whatever happens (none by default)."""
        return ()

    def plan(self, ctx: Context) -> list[Plan]:
        """Decide, apply noise and the substitution rule, and draw lag and delay.

        Every planned measure is feasible in ``ctx.state``.
        """
        rng = ctx.rng
        if self.reply_probability < 1.0 and rng.random() >= self.reply_probability:
            return []
        if self.perception_noise > 0.0 and ctx.hostile and rng.random() < self.perception_noise:
            ctx.severity = min(ctx.severity + 1, ctx.ladder.top)
        decision = self.decide(ctx)
        if decision is None:
            return []
        if isinstance(decision, Measure):  # the usual case: one act
            one = self._carry_out(ctx, decision)
            if one is None:
                return []
            acts = [one]
        else:
            acts = [a for a in (self._carry_out(ctx, m) for m in decision) if a is not None]
            if not acts:
                return []
        # One lag and one effect delay per answer: the acts of a package are announced
        # together and take effect together (Moscow's three measures of 18 Oct 2021).
        lag = self.lag.draw(rng)
        delay = self.delay.draw(rng)
        if self.whole_days:
            lag, delay = float(round(lag)), float(round(delay))
        return [_new(Plan, (m, lag, delay)) for m in acts]

    def _carry_out(self, ctx: Context, m: Measure) -> Measure | None:
        # The act carried out for the act wanted: the substitution rule if it is infeasible,
        # then implementation noise. ``reply`` and ``_slip`` return feasible acts only (or
        # None), and the context's helpers note the act they found feasible, so nothing is
        # checked twice.
        if m.actor != ctx.actor:
            raise ValueError(f"{self.name} returned an act by {m.actor}, not {ctx.actor}")
        chosen = m if m is ctx._checked or ctx.state.infeasibility(m) is None else ctx.reply(m)
        if (
            chosen is not None
            and self.implementation_noise > 0.0
            and ctx.rng.random() < self.implementation_noise
        ):
            chosen = self._slip(ctx, chosen)
        return chosen

    @staticmethod
    def _slip(ctx: Context, m: Measure) -> Measure | None:
        if not m.kind.is_hostile:
            return m
        if ctx.rng.random() < 0.5:
            return substitute(ctx.state, ctx.ladder, m, ctx.severity_of(m) + 1) or m
        return soften(ctx.state, ctx.ladder, m)


class FunctionPolicy(Policy):
    """A policy whose decision is a plain function ``func(ctx) -> act(s) or None``.

    For use with process pools, define ``func`` at module level so that it pickles.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: str = "function"
    func: Callable[[Context], Decision]

    @property
    def name(self) -> str:
        """The function's name."""
        return getattr(self.func, "__name__", "function")

    def decide(self, ctx: Context) -> Decision:
        """Call the wrapped function."""
        return self.func(ctx)


def as_policy(func: Callable[[Context], Decision], **parameters: Any) -> FunctionPolicy:
    """Wrap a plain function as a policy; ``parameters`` are the base ones (lag, noise, ...)."""
    return FunctionPolicy(func=func, **parameters)
