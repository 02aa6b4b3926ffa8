"""Grievance's running stocks (issue 12 item 4, issue 13 item 4).

``Context.grievance`` keeps, per pair, a decayed stock of what was received and of what was
sent (``decayed_stock``), instead of re-summing both lists at every decision. The stocks must
equal the direct sums they replace, whatever the order of decisions, instants and appends, and
a decision must read only the events added since the last one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from conftest import as_event, measure
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.model.event import Event
from escalation.model.measure import Measure
from escalation.model.policy import decayed_stock

#: Acts of one side against the other: hostile ones of several severities (statements,
#: expulsions of several sizes) and conciliatory ones, which must not count.
ACTS = [
    ("criticize", None, 1),
    ("accuse", None, 1),
    ("threaten", None, 1),
    ("expel", "{t}-in-{a}", 1),
    ("expel", "{t}-in-{a}", 7),
    ("close", "{t}-in-{a}", 1),
    ("restore", "{t}-in-{a}", 1),
    ("reaccredit", "{t}-in-{a}", 3),
]


def act(i: int, actor: str, target: str) -> Measure:
    kind, presence, n = ACTS[i]
    where = None if presence is None else presence.format(a=actor, t=target)
    return measure(kind, actor, target, where, n)


def direct(events: Sequence[Event], rate: float, now: float) -> float:
    """The sum the stock replaces, as it was computed before."""
    return sum(
        e.severity * math.exp(-rate * (now - e.time)) for e in events if e.measure.is_hostile
    )


#: One step of a run: days since the last step (0: the same instant), then acts received and
#: acts sent at the new instant, then whether the actor decides (reads the stocks).
STEP = st.tuples(
    st.one_of(st.just(0.0), st.floats(1e-9, 1e-3), st.floats(0.0, 400.0)),
    st.lists(st.integers(0, len(ACTS) - 1), max_size=3),
    st.lists(st.integers(0, len(ACTS) - 1), max_size=3),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0.5, 5000.0),
    st.lists(st.tuples(st.floats(-3000.0, 0.0), st.integers(0, len(ACTS) - 1)), max_size=4),
    st.lists(STEP, min_size=1, max_size=40),
)
def test_the_stocks_are_the_direct_sums(half_life, remembered, steps) -> None:
    """After any run of appends and decisions, each stock is its direct sum (1e-9 relative)."""
    rate = math.log(2) / half_life
    received: list[Event] = [
        as_event(act(i, "a", "b"), eid=n, time=t) for n, (t, i) in enumerate(sorted(remembered))
    ]
    sent: list[Event] = []
    now, got = 0.0, None
    for dt, new_received, new_sent, decides in steps:
        now += dt
        for i in new_received:
            received.append(as_event(act(i, "a", "b"), eid=len(received), time=now))
        for i in new_sent:
            sent.append(as_event(act(i, "b", "a"), eid=len(sent), time=now))
        if not decides:
            continue
        got = decayed_stock(got, received, sent, rate, now)
        want_r, want_s = direct(received, rate, now), direct(sent, rate, now)
        assert got[:3] == (now, len(received), len(sent))
        assert got[3] == pytest.approx(want_r, rel=1e-9, abs=1e-300)
        assert got[4] == pytest.approx(want_s, rel=1e-9, abs=1e-300)


def test_at_one_instant_the_stocks_are_the_old_sums_bit_for_bit() -> None:
    """Asked again at the same instant, the stock only adds the new events, as the sum did."""
    rate = math.log(2) / 30.0
    received = [as_event(act(i % len(ACTS), "a", "b"), eid=i, time=i / 3) for i in range(20)]
    got = decayed_stock(None, received, [], rate, 10.0)
    assert got[3] == direct(received, rate, 10.0)
    received += [as_event(act(3, "a", "b"), eid=20 + i, time=10.0) for i in range(3)]
    got = decayed_stock(got, received, [], rate, 10.0)
    assert got[3] == direct(received, rate, 10.0)


class Counted(list):
    """A list that counts the items read by index."""

    reads = 0

    def __getitem__(self, i):
        Counted.reads += 1
        return super().__getitem__(i)


def test_a_decision_reads_only_what_was_added_since_the_last() -> None:
    """5,000 decisions at distinct instants read each event once, not the whole history."""
    rate = math.log(2) / 365.0
    received, sent = Counted(), Counted()
    Counted.reads = 0
    got = None
    for step in range(5000):
        now = step * 1e-3
        received.append(as_event(act(step % 4, "a", "b"), eid=2 * step, time=now))
        got = decayed_stock(got, received, sent, rate, now)
        sent.append(as_event(act(step % 4, "b", "a"), eid=2 * step + 1, time=now))
    assert Counted.reads == len(received) + len(sent) - 1  # the last sent is never read
    assert got is not None
    assert got[3] == pytest.approx(direct(received, rate, now), rel=1e-9)
    assert got[4] == pytest.approx(direct(sent[:-1], rate, now), rel=1e-9)
