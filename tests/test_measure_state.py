"""Measures and the state: feasibility rules, changes, invariants, ruptures, copies."""

from __future__ import annotations

import pytest
from conftest import measure

from escalation.base.errors import InfeasibleMeasureError
from escalation.model.measure import Measure, MeasureKind
from escalation.model.state import Presence, State, Status


# -- measures ---------------------------------------------------------------------------------
def test_kinds_are_classified():
    statements = {k for k in MeasureKind if k.is_statement}
    assert statements == {MeasureKind.CRITICIZE, MeasureKind.ACCUSE, MeasureKind.THREATEN}
    friendly = {k for k in MeasureKind if k.is_conciliatory}
    assert friendly == {MeasureKind.RESTORE, MeasureKind.REACCREDIT}
    not_hostile = {k for k in MeasureKind if not k.is_hostile}
    assert not_hostile == friendly | {MeasureKind.RECALL}
    assert MeasureKind("expel") is MeasureKind.EXPEL


def test_measure_is_frozen_and_resizes():
    m = measure("expel", "b", "a", "a-in-b", 3)
    bigger = m.with_magnitude(5)
    assert (bigger.kind, bigger.actor, bigger.target, bigger.presence) == (
        m.kind,
        m.actor,
        m.target,
        m.presence,
    )
    assert (m.magnitude, bigger.magnitude) == (3, 5)
    with pytest.raises(AttributeError):
        m.magnitude = 4  # type: ignore[misc]
    assert "expel x3 at a-in-b" in str(m)


# -- feasibility ------------------------------------------------------------------------------
def test_expel_up_to_the_staff_present(world):
    s = world()
    assert s.feasible(measure("expel", "b", "a", "a-in-b", 10))
    why = s.infeasibility(measure("expel", "b", "a", "a-in-b", 11))
    assert why is not None and "10" in why
    assert not s.feasible(measure("expel", "b", "a", "a-in-b", 0))


@pytest.mark.parametrize("kind", ["expel", "deny", "cap", "close"])
def test_only_the_host_expels_denies_caps_closes(world, kind):
    s = world()
    assert s.feasible(measure(kind, "b", "a", "a-in-b", 1))
    why = s.infeasibility(measure(kind, "a", "b", "a-in-b", 1))
    assert why is not None and "host" in why


@pytest.mark.parametrize("kind", ["suspend", "recall"])
def test_only_the_owner_suspends_and_recalls(world, kind):
    s = world()
    assert s.feasible(measure(kind, "a", "b", "a-in-b", 1))
    why = s.infeasibility(measure(kind, "b", "a", "a-in-b", 1))
    assert why is not None and "owner" in why


def test_recall_no_more_than_present(world):
    s = world()
    assert s.feasible(measure("recall", "b", "a", "b-in-a", 6))
    assert not s.feasible(measure("recall", "b", "a", "b-in-a", 7))


def test_cannot_close_a_closed_presence(world):
    s = world(b_in_a={"status": Status.CLOSED, "staff": 0})
    why = s.infeasibility(measure("close", "a", "b", "b-in-a"))
    assert why is not None and "closed" in why


def test_host_may_close_a_suspended_presence(world):
    s = world(b_in_a={"status": Status.SUSPENDED, "staff": 0})
    assert s.feasible(measure("close", "a", "b", "b-in-a"))


@pytest.mark.parametrize("status", [Status.CLOSED, Status.SUSPENDED])
@pytest.mark.parametrize(
    ("kind", "actor"),
    [("expel", "a"), ("deny", "a"), ("cap", "a"), ("reaccredit", "a"), ("suspend", "b")],
)
def test_no_other_measure_on_a_presence_that_is_not_open(world, status, kind, actor):
    s = world(b_in_a={"status": status, "staff": 0})
    target = "b" if actor == "a" else "a"
    assert not s.feasible(measure(kind, actor, target, "b-in-a", 1))


def test_restore_by_the_right_actor(world):
    closed = world(b_in_a={"status": Status.CLOSED, "staff": 0})
    assert closed.feasible(measure("restore", "a", "b", "b-in-a", 4))  # the host reopens
    why = closed.infeasibility(measure("restore", "b", "a", "b-in-a", 4))
    assert why is not None and "only a" in why
    suspended = world(b_in_a={"status": Status.SUSPENDED, "staff": 0})
    assert suspended.feasible(measure("restore", "b", "a", "b-in-a", 4))  # the owner resumes
    assert not suspended.feasible(measure("restore", "a", "b", "b-in-a", 4))
    assert not world().feasible(measure("restore", "a", "b", "b-in-a", 4))  # already open


def test_restore_within_the_cap(world):
    s = world(a_in_b={"status": Status.CLOSED, "staff": 0})
    assert s.feasible(measure("restore", "b", "a", "a-in-b", 12))
    assert not s.feasible(measure("restore", "b", "a", "a-in-b", 13))


def test_reaccredit_within_the_cap(world):
    s = world()  # a-in-b: 10 staff, cap 12
    assert s.feasible(measure("reaccredit", "b", "a", "a-in-b", 2))
    why = s.infeasibility(measure("reaccredit", "b", "a", "a-in-b", 3))
    assert why is not None and "cap" in why
    assert s.feasible(measure("reaccredit", "a", "b", "b-in-a", 100))  # no cap


def test_cap_cut_no_deeper_than_the_cap(world):
    s = world()
    assert s.feasible(measure("cap", "b", "a", "a-in-b", 12))
    assert not s.feasible(measure("cap", "b", "a", "a-in-b", 13))
    assert not s.feasible(measure("cap", "a", "b", "b-in-a", 7))  # uncapped: from the staff


def test_uncapped_presence_without_staff_cannot_be_capped(world):
    s = world(b_in_a={"staff": 0})
    assert not s.feasible(measure("cap", "a", "b", "b-in-a", 1))


@pytest.mark.parametrize(
    ("m", "fragment"),
    [
        (measure("criticize", "a", "a"), "itself"),
        (measure("criticize", "a", "zz"), "unknown target"),
        (measure("criticize", "zz", "a"), "unknown actor"),
        (measure("expel", "b", "a", None, 1), "needs a presence"),
        (measure("expel", "b", "a", "nowhere", 1), "unknown presence"),
    ],
)
def test_malformed_measures_are_infeasible(world, m, fragment):
    why = world().infeasibility(m)
    assert why is not None and fragment in why


def test_presence_must_lie_between_actor_and_target():
    s = State(
        ["a", "b", "c"],
        [Presence("a-in-b", "a", "b", 5), Presence("c-in-b", "c", "b", 5)],
    )
    assert s.feasible(measure("expel", "b", "c", "c-in-b", 1))
    why = s.infeasibility(measure("expel", "b", "a", "c-in-b", 1))
    assert why is not None and "not between" in why


def test_statements_need_no_presence(world):
    s = world(a_in_b={"status": Status.CLOSED, "staff": 0})
    for kind in ("criticize", "accuse", "threaten"):
        assert s.feasible(measure(kind, "a", "b"))


# -- applying ---------------------------------------------------------------------------------
def test_apply_changes_what_the_measure_says(world):
    s = world()
    assert s.apply(measure("expel", "b", "a", "a-in-b", 4)) == 0
    assert s.presence("a-in-b").staff == 6
    s.apply(measure("reaccredit", "b", "a", "a-in-b", 5))
    assert s.presence("a-in-b").staff == 11
    s.apply(measure("recall", "a", "b", "a-office-b", 1))
    assert s.presence("a-office-b").staff == 1
    before = s.snapshot()
    s.apply(measure("deny", "b", "a", "a-in-b", 3))  # refused staff were never there
    s.apply(measure("threaten", "a", "b"))
    assert s.snapshot() == before


def test_cap_cut_forces_the_surplus_out_and_says_how_many(world):
    s = world()  # a-in-b: 10 staff, cap 12
    assert s.apply(measure("cap", "b", "a", "a-in-b", 1)) == 0
    assert (s.presence("a-in-b").staff, s.presence("a-in-b").cap) == (10, 11)
    assert s.apply(measure("cap", "b", "a", "a-in-b", 4)) == 3
    assert (s.presence("a-in-b").staff, s.presence("a-in-b").cap) == (7, 7)


def test_cap_cut_on_an_uncapped_presence_starts_from_the_staff(world):
    s = world()  # b-in-a: 6 staff, no cap
    assert s.apply(measure("cap", "a", "b", "b-in-a", 2)) == 2
    assert (s.presence("b-in-a").staff, s.presence("b-in-a").cap) == (4, 4)


def test_close_suspend_and_restore(world):
    s = world()
    s.apply(measure("close", "b", "a", "a-in-b"))
    assert (s.presence("a-in-b").status, s.presence("a-in-b").staff) == (Status.CLOSED, 0)
    s.apply(measure("restore", "b", "a", "a-in-b", 3))
    assert (s.presence("a-in-b").status, s.presence("a-in-b").staff) == (Status.OPEN, 3)
    s.apply(measure("suspend", "b", "a", "b-in-a"))
    assert (s.presence("b-in-a").status, s.presence("b-in-a").staff) == (Status.SUSPENDED, 0)


def test_infeasible_apply_raises_and_leaves_the_state_unchanged(world):
    s = world()
    before = s.snapshot()
    for m in (
        measure("expel", "b", "a", "a-in-b", 11),
        measure("close", "a", "b", "a-in-b"),
        measure("reaccredit", "b", "a", "a-in-b", 3),
        measure("restore", "b", "a", "a-in-b", 1),
    ):
        with pytest.raises(InfeasibleMeasureError, match=m.presence or ""):
            s.apply(m)
        assert s.snapshot() == before


# -- invariants -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad",
    [
        Presence("p", "a", "b", staff=-1),
        Presence("p", "a", "b", staff=5, cap=4),
        Presence("p", "a", "b", staff=1, cap=-1),
        Presence("p", "a", "b", staff=2, status=Status.CLOSED),
        Presence("p", "a", "b", staff=2, status=Status.SUSPENDED),
        Presence("p", "a", "a", staff=2),
    ],
)
def test_state_refuses_presences_that_break_an_invariant(bad):
    with pytest.raises(ValueError, match="presence p"):
        State(["a", "b"], [bad])


def test_state_refuses_duplicate_ids_and_unknown_actors():
    with pytest.raises(ValueError, match="twice"):
        State(["a", "b"], [Presence("p", "a", "b", 1), Presence("p", "b", "a", 1)])
    with pytest.raises(ValueError, match="unknown actor"):
        State(["a", "b"], [Presence("p", "a", "z", 1)])


def test_ruptured_means_every_channel_closed_or_suspended(world):
    s = world()
    assert not s.ruptured("a", "b")
    s.apply(measure("close", "b", "a", "a-in-b"))
    s.apply(measure("suspend", "a", "b", "a-office-b"))
    assert not s.ruptured("a", "b")  # b-in-a still open
    s.apply(measure("close", "a", "b", "b-in-a"))
    assert s.ruptured("a", "b") and s.ruptured("b", "a")


def test_a_pair_without_channels_is_not_ruptured():
    s = State(["a", "b", "c"], [Presence("p", "a", "b", 1, status=Status.OPEN)])
    assert not s.ruptured("a", "c")
    assert s.channels("a", "c") == ()
    assert s.channels("b", "a") == ("p",)


def test_hosted_lists_one_direction_only(world):
    s = world()
    assert [p.id for p in s.hosted("b", "a")] == ["a-in-b", "a-office-b"]
    assert [p.id for p in s.hosted("a", "b")] == ["b-in-a"]
    assert list(s.pairs()) == [("a", "b")]


def test_copy_is_independent(world):
    s = world()
    c = s.copy()
    c.apply(measure("close", "b", "a", "a-in-b"))
    assert s.presence("a-in-b").status is Status.OPEN
    assert c.presence("a-in-b").status is Status.CLOSED


def test_state_does_not_change_the_callers_presences():
    mine = Presence("p", "a", "b", staff=5)
    s = State(["a", "b"], [mine])
    s.apply(measure("expel", "b", "a", "p", 5))
    assert mine.staff == 5


def test_unknown_presence_lookup_names_it(world):
    with pytest.raises(KeyError, match="nowhere"):
        world().presence("nowhere")


def test_measure_type_roundtrip():
    m = Measure(MeasureKind.CAP, "b", "a", "a-in-b", 2)
    assert m == Measure(MeasureKind("cap"), "b", "a", "a-in-b", 2)
    assert hash(m) == hash(Measure(MeasureKind.CAP, "b", "a", "a-in-b", 2))
