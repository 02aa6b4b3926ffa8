"""The SimPy kernel helpers behave as SimPy's own API does (they use its internals)."""

from __future__ import annotations

import simpy

from escalation.sim.kernel import NORMAL, URGENT, Due, reset, trigger_urgently


def test_due_runs_like_a_timeout_at_its_time_with_its_value() -> None:
    env = simpy.Environment()
    seen: list[tuple[float, object]] = []
    Due(env, 3.5, NORMAL, lambda ev: seen.append((env.now, ev.value)), "x")
    timeout = env.timeout(2.0, "t")
    timeout.callbacks.append(lambda ev: seen.append((env.now, ev.value)))
    env.run()
    assert seen == [(2.0, "t"), (3.5, "x")]


def test_urgent_dues_run_before_normal_ones_at_the_same_time_then_in_order_made() -> None:
    env = simpy.Environment()
    order: list[str] = []
    Due(env, 1, NORMAL, lambda ev: order.append("normal-1"))
    Due(env, 1, URGENT, lambda ev: order.append("urgent-1"))
    Due(env, 1, NORMAL, lambda ev: order.append("normal-2"))
    Due(env, 1, URGENT, lambda ev: order.append("urgent-2"))
    env.run()
    assert order == ["urgent-1", "urgent-2", "normal-1", "normal-2"]


def test_trigger_urgently_processes_before_normal_events_due_now() -> None:
    env = simpy.Environment()
    order: list[str] = []
    stop = simpy.Event(env)
    stop.callbacks.append(lambda ev: order.append("stop"))
    Due(env, 0, NORMAL, lambda ev: order.append("normal"))
    trigger_urgently(stop)
    env.run()
    assert order == ["stop", "normal"]
    assert stop.processed and stop.ok and stop.value is None


def test_reset_gives_an_environment_as_good_as_new() -> None:
    env = simpy.Environment()
    Due(env, 5, NORMAL, lambda ev: None)
    Due(env, 9, NORMAL, lambda ev: None)
    env.step()
    assert env.now == 5
    reset(env)
    fresh = simpy.Environment()
    assert env.now == fresh.now == 0
    assert env.peek() == fresh.peek()
    times: list[float] = []
    Due(env, 1, NORMAL, lambda ev: times.append(env.now))
    env.run()
    assert times == [1]
