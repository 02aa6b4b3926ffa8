"""The lean baseline: the same two-state exchange as ``baseline_simpy``, written for speed.

``baseline_simpy`` is idiomatic SimPy (a process per answer and per effect, a watchdog
process for the quiet rule); this one is what a user who knows SimPy well would write when
speed matters: no processes or generators, each answer and effect a ``Timeout`` with one
callback, the quiet rule checked by one re-armed timeout, the run stepped until it stops.
Same rules, same draws in the same order (:mod:`splitmix`), so the same trajectories.
"""

from __future__ import annotations

import math

import simpy
from baseline_simpy import Exchange, Result
from splitmix import SplitMix


def run(exchange: Exchange, seed: int) -> Result:
    """Run the exchange once with the stream of ``seed``."""
    rng = SplitMix(seed)
    env = simpy.Environment()
    sides = {"a": exchange.a, "b": exchange.b}
    other = {"a": "b", "b": "a"}
    staff = {"a": exchange.a.staff, "b": exchange.b.staff}
    closed = {"a": False, "b": False}
    log: list[tuple[float, str, str, str, int]] = []
    state = {"reason": "", "last": 0.0}

    def lognormal(median: float, sigma: float) -> float:
        if median == 0.0:
            return 0.0
        if sigma == 0.0:
            return median
        return median * math.exp(sigma * rng.standard_normal())

    def at(delay: float, callback, value) -> None:
        ev = simpy.Timeout(env, delay, value)
        ev.callbacks.append(callback)

    def finish(reason: str) -> None:
        if not state["reason"]:
            state["reason"] = reason

    def announce(actor: str, measure: str, n: int, delay: float) -> None:
        log.append((env.now, "announced", actor, measure, n))
        state["last"] = env.now
        me = other[actor]
        side = sides[me]
        if side.reply_probability >= 1.0 or rng.random() < side.reply_probability:
            lag = lognormal(side.lag_median, side.lag_sigma)
            answer_delay = lognormal(side.delay_median, side.delay_sigma)
            at(lag, on_answer, (me, measure, n, answer_delay))
        at(delay, on_effect, (actor, measure, n))

    def on_effect(ev) -> None:
        actor, measure, n = ev.value
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

    def on_answer(ev) -> None:
        me, measure, n, delay = ev.value
        target = other[me]
        if closed[target]:
            return
        if measure == "expel" and staff[target] > 0:
            announce(me, "expel", min(n, staff[target]), delay)
        else:
            announce(me, "close", 1, delay)

    def on_quiet(ev) -> None:
        wait = state["last"] + exchange.quiet_days - env.now
        if wait <= 0:
            finish("quiet")
        else:
            at(wait, on_quiet, None)

    target = other[exchange.first]
    at(
        exchange.first_day,
        lambda ev: announce(
            exchange.first,
            "expel",
            min(exchange.first_magnitude, staff[target]),
            exchange.first_delay,
        ),
        None,
    )
    if exchange.quiet_days is not None:
        at(exchange.quiet_days, on_quiet, None)
    at(exchange.horizon_days, lambda ev: finish("horizon"), None)
    while not state["reason"] and env._queue:
        env.step()
    return Result(log, env.now, state["reason"] or "horizon", closed["a"] and closed["b"])
