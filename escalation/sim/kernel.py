"""The few places the engine relies on SimPy 4's internals, and nowhere else.

The engine schedules many small events per run and reuses environments between runs; doing
that through SimPy's public API costs an extra call per event (``Timeout`` is always NORMAL
priority, ``Environment.schedule`` re-checks its arguments) and a new environment per run. The
three helpers here use SimPy 4's environment attributes (``_queue``, ``_now``, ``_eid``,
``_active_proc``) and event attributes (``_value``, ``_ok``); the dependency is pinned below
SimPy 5 and ``tests/test_kernel.py`` checks each helper against SimPy's own behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from itertools import count
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT, EventPriority

__all__ = ["NORMAL", "URGENT", "Due", "reset", "trigger_urgently"]


class Due(simpy.Event):
    """An event due after ``delay`` with a given priority, scheduled when made.

    ``value`` carries what the callback needs (read back as ``event.value``), so that the
    callbacks are methods bound once per run rather than closures made for every event.
    """

    __slots__ = ()

    def __init__(
        self,
        env: simpy.Environment,
        delay: float,
        priority: EventPriority,
        callback: Callable[[Any], None],
        value: Any = None,
    ):
        self.env = env
        self.callbacks = [callback]
        self._value = value
        self._ok = True
        # What ``env.schedule(self, priority, delay)`` does, without the extra call
        # (SimPy 4's queue entry: time, priority, id, event).
        heappush(env._queue, (env._now + delay, priority, next(env._eid), self))


def trigger_urgently(event: simpy.Event) -> None:
    """Trigger ``event`` now with URGENT priority (``succeed`` would be NORMAL)."""
    event._ok = True
    event._value = None
    event.env.schedule(event, URGENT, 0)


def reset(env: simpy.Environment) -> simpy.Environment:
    """Return a used environment as good as new: time 0 and nothing scheduled."""
    env._now = 0  # as a new environment has it
    env._queue.clear()
    env._eid = count()
    env._active_proc = None
    return env
