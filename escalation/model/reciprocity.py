"""Reciprocity: a policy family whose parameters the documented record can identify.

Built for calibration on many dyads (issue 10). Each parameter has one job, and none can be
silently inert:

* the actor keeps a *grievance stock* toward each counterpart: the severity of each package
  it receives is added once, and the stock halves every ``half_life`` days (a decayed running
  stock: constant cost per package, whatever the length of the memory);
* the severity of a package does not depend on how it is split into rows: the magnitudes of
  each kind are summed before the ladder is read, and the package counts at its most severe
  kind (7 expelled in one row or in seven rows is the same stimulus; an expulsion of 2, level
  4, and a cap cut of 10, level 5, are not);
* at or above ``threshold + rupture_gap`` the actor breaks every channel with the
  counterpart; the rupture threshold lies above the answer threshold by construction;
* below it, the actor answers with probability ``1 / (1 + exp(-slope * (stock - threshold)))``
  (0.5 when the stock is at the threshold): an answer probability that depends on what was
  suffered, and on what is remembered;
* an answer is in kind, one act per hostile kind in the package, at the counterpart's
  corresponding presence (``mirrors``), each of size ``ratio`` times what was suffered of
  that kind (at least 1), after the substitution rule;
* lags and effect delays are whole days (drawn, then rounded to the nearest day), as the
  record has them; the acts of one answer share one lag and one effect delay.

``reply_probability`` must stay 1: the logistic is the answer probability, and a second one
could not be told apart from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from escalation.model.event import Event
from escalation.model.measure import Measure, MeasureKind
from escalation.model.policy import Context, Decision, Policy

#: Largest exponent of the answer probability's logistic that ``math.exp`` takes (it
#: overflows a little above 709.78); beyond it the probability is 0 in both engines.
MAX_EXP = 709.0

#: Kinds whose size an answer scales by ``ratio``.
SIZED = frozenset({MeasureKind.EXPEL, MeasureKind.DENY, MeasureKind.CAP})


def package_level(events: Sequence[Event], ladder) -> tuple[int, dict[MeasureKind, int]]:
    """Severity of a package of hostile events, and its total magnitude per kind.

    Magnitudes of one kind are summed before the ladder is read, so the level does not depend
    on how the package is split into rows.
    """
    sizes: dict[MeasureKind, int] = {}
    for e in events:
        if e.measure._hostile:
            sizes[e.measure] = sizes.get(e.measure, 0) + e.magnitude
    level = max((ladder.severity(k, n) for k, n in sizes.items()), default=0)
    return level, sizes


def _packages(events: Sequence[Event]) -> list[tuple[float, list[Event]]]:
    # Consecutive events at the same time form one package (the engine logs them together).
    out: list[tuple[float, list[Event]]] = []
    for e in events:
        if out and out[-1][0] == e.time:
            out[-1][1].append(e)
        else:
            out.append((e.time, [e]))
    return out


class Reciprocity(Policy):
    """Answer packages in kind with a probability rising with a decayed grievance stock.

    See :mod:`escalation.model.reciprocity` for the rules. Parameters (defaults are
    assumptions chosen to match the documented 2018 wave, to be replaced by calibration):

    ``threshold``
        Stock (in ladder levels) at which an answer is as likely as not; default 3.5, so that
        a fresh expulsion (level 4) is answered with probability 0.73 at ``slope`` 2.
    ``slope``
        Steepness of the answer probability, per level; default 2.
    ``rupture_gap``
        The rupture threshold's distance above ``threshold``; ``None`` (default): never break.
    ``half_life``
        Days in which the stock halves; default 365.
    ``ratio``
        Size of an answer relative to what was suffered of the same kind; default 1 (the
        record: 1:1 in 2018).
    """

    type: Literal["reciprocity"] = "reciprocity"
    whole_days: ClassVar[bool] = True
    threshold: float = Field(default=3.5, gt=0.0, le=100.0, allow_inf_nan=False)
    slope: float = Field(default=2.0, gt=0.0, le=50.0, allow_inf_nan=False)
    rupture_gap: float | None = Field(default=None, gt=0.0, le=100.0, allow_inf_nan=False)
    half_life: float = Field(default=365.0, gt=0.0, le=36500.0, allow_inf_nan=False)
    ratio: float = Field(default=1.0, gt=0.0, le=10.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_answer_probability(self) -> Reciprocity:
        if self.reply_probability != 1.0:
            raise ValueError(
                "reply_probability: must be 1 for reciprocity (the answer probability is "
                "the logistic in threshold and slope)"
            )
        return self

    @property
    def rupture_threshold(self) -> float | None:
        """``threshold + rupture_gap``: the stock at which every channel is broken."""
        return None if self.rupture_gap is None else self.threshold + self.rupture_gap

    def stock(self, ctx: Context) -> float:
        """The grievance stock after the package being answered (kept in ``ctx.memo``)."""
        package = ctx.package or (ctx.stimulus,)
        rate = math.log(2.0) / self.half_life
        memo = ctx.memo
        if "stock" not in memo:  # first package of this pair: fold what is remembered
            ids = {e.id for e in package}
            stock, last = 0.0, None
            for t, events in _packages([e for e in ctx.received if e.id not in ids]):
                if last is not None:
                    stock *= math.exp(-rate * (t - last))
                stock += package_level(events, ctx.ladder)[0]
                last = t
            memo["stock"], memo["time"] = stock, last if last is not None else ctx.time
        level = package_level(package, ctx.ladder)[0]
        if level and ctx.severity > ctx.stimulus.severity:  # perception noise: one level up
            level += ctx.severity - ctx.stimulus.severity
        stock = memo["stock"] * math.exp(-rate * (ctx.time - memo["time"])) + level
        memo["stock"], memo["time"] = stock, ctx.time
        return stock

    def answer_probability(self, stock: float) -> float:
        """Probability of answering at grievance ``stock``.

        0 where ``exp`` would overflow (a stock far below a steep threshold): the logistic is
        below 1e-308 there.
        """
        x = -self.slope * (stock - self.threshold)
        return 0.0 if x > MAX_EXP else 1.0 / (1.0 + math.exp(x))

    def decide(self, ctx: Context) -> Decision:
        """Update the stock; break off, answer in kind, or let the package pass."""
        stock = self.stock(ctx)
        if not ctx.hostile:
            return ctx.answer_in_kind()
        top = self.rupture_threshold
        if top is not None and stock >= top:
            return ctx.rupture() or self._in_kind(ctx)
        if ctx.rng.random() >= self.answer_probability(stock):
            return None
        return self._in_kind(ctx)

    def _in_kind(self, ctx: Context) -> list[Measure]:
        package = ctx.package or (ctx.stimulus,)
        _, sizes = package_level(package, ctx.ladder)
        out: list[Measure] = []
        for e in package:  # one act per hostile kind, in the package's order
            k = e.measure
            if k not in sizes:
                continue
            n = sizes.pop(k)
            want = ctx.mirror_of(e, max(1, round(self.ratio * n)) if k in SIZED else e.magnitude)
            if want is None:
                continue
            level = ctx.severity_of(want)
            got = ctx.reply(want, level)
            if got is not None and got not in out:
                out.append(got)
        return out
