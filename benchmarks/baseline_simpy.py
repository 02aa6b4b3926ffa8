"""The baseline: a hand-written minimal SimPy model of the two-state exchange.

This is what a user would write instead of using the library, kept lean and idiomatic (SimPy
processes, plain dicts, log rows as tuples) and using no code of ``escalation``. Two states each
keep an embassy at the other. One state expels some of the other's staff; each state answers
every expulsion it suffers, with some probability, by expelling as many of the other's staff
(all that are left if fewer), announced after a lognormal lag and taking effect after a
lognormal delay. With no staff left to expel it closes the other's embassy instead, and a
closure is answered by a closure. The run stops at the horizon, once both embassies are closed
(rupture), or after ``quiet_days`` with no announcement, as the library's engine does.

Random numbers are drawn in the same order as the library does for the same exchange (reply
or not, then lag, then delay, at the moment the measure is announced), so that for most seeds
the baseline and the library play exactly the same trajectory; ``bench_engine.py`` checks how
many, which is how the two are matched on events per run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import simpy
from splitmix import SplitMix


@dataclass(frozen=True)
class Side:
    """One state of the exchange.

    Parameters
    ----------
    staff
        Staff of this state's embassy at the other state.
    reply_probability
        Chance of answering a measure at all.
    lag_median, lag_sigma
        Lognormal response lag (days): median and log-scale spread.
    delay_median, delay_sigma
        Lognormal announce-to-effect delay (days) of its answers.
    """

    staff: int
    reply_probability: float
    lag_median: float
    lag_sigma: float
    delay_median: float
    delay_sigma: float


@dataclass(frozen=True)
class Exchange:
    """The two sides, the opening expulsion and the stop rules."""

    a: Side
    b: Side
    first: str  # "a" or "b": who expels first
    first_day: float
    first_magnitude: int
    first_delay: float
    horizon_days: float
    quiet_days: float | None
    stop_at_rupture: bool = True


@dataclass(frozen=True)
class Result:
    """What one baseline run produced."""

    log: list[tuple[float, str, str, str, int]]  # (time, phase, actor, measure, magnitude)
    end_time: float
    stop_reason: str
    ruptured: bool


def run(exchange: Exchange, seed: int) -> Result:
    """Run the exchange once with the stream of ``seed`` (the library's, :mod:`splitmix`)."""
    rng = SplitMix(seed)
    env = simpy.Environment()
    sides = {"a": exchange.a, "b": exchange.b}
    other = {"a": "b", "b": "a"}
    staff = {"a": exchange.a.staff, "b": exchange.b.staff}  # staff of X's embassy
    closed = {"a": False, "b": False}
    log: list[tuple[float, str, str, str, int]] = []
    done = env.event()
    last_announce = [0.0]

    def finish(reason: str) -> None:
        if not done.triggered:
            done.succeed(reason)

    def lognormal(median: float, sigma: float) -> float:
        if median == 0.0:
            return 0.0
        if sigma == 0.0:
            return median
        return median * math.exp(sigma * rng.standard_normal())

    def announce(actor: str, measure: str, n: int, delay: float) -> None:
        log.append((env.now, "announced", actor, measure, n))
        last_announce[0] = env.now
        env.process(take_effect(actor, measure, n, delay))
        env.process(answer(other[actor], measure, n))

    def take_effect(actor: str, measure: str, n: int, delay: float):
        yield env.timeout(delay)
        target = other[actor]
        if closed[target] or (measure == "expel" and staff[target] < n):
            log.append((env.now, "lapsed", actor, measure, n))
            return
        if measure == "expel":
            staff[target] -= n
        else:
            closed[target] = True
            staff[target] = 0
        log.append((env.now, "effective", actor, measure, n))
        if exchange.stop_at_rupture and closed["a"] and closed["b"]:
            finish("rupture")

    def answer(me: str, measure: str, n: int):
        side = sides[me]
        if side.reply_probability < 1.0 and rng.random() >= side.reply_probability:
            return
        lag = lognormal(side.lag_median, side.lag_sigma)
        delay = lognormal(side.delay_median, side.delay_sigma)
        yield env.timeout(lag)
        target = other[me]
        if closed[target]:
            return
        if measure == "expel" and staff[target] > 0:
            announce(me, "expel", min(n, staff[target]), delay)
        else:
            announce(me, "close", 1, delay)

    def opening():
        yield env.timeout(exchange.first_day)
        target = other[exchange.first]
        announce(
            exchange.first,
            "expel",
            min(exchange.first_magnitude, staff[target]),
            exchange.first_delay,
        )

    def quiet_watch():
        assert exchange.quiet_days is not None
        while True:
            wait = last_announce[0] + exchange.quiet_days - env.now
            if wait <= 0:
                finish("quiet")
                return
            yield env.timeout(wait)

    env.process(opening())
    if exchange.quiet_days is not None:
        env.process(quiet_watch())
    horizon = env.timeout(exchange.horizon_days)
    horizon.callbacks.append(lambda _: finish("horizon"))
    reason = env.run(until=done)
    return Result(log, env.now, reason, closed["a"] and closed["b"])
