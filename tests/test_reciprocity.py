"""The reciprocity policy (identifiable parameters) and the reworked built-in policies."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import pytest
from conftest import as_event, measure
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from test_policies import CONTRACT_CASES, PolicyContract, answers, contract_scenario, severity

import escalation as esc
from escalation.model.ladder import DEFAULT_LADDER
from escalation.model.reciprocity import package_level


class TestReciprocity(PolicyContract):
    policy_cls = esc.Reciprocity
    params: ClassVar[dict[str, Any]] = {"threshold": 3.0, "slope": 5.0}
    bad_params: ClassVar[list[dict[str, Any]]] = [
        {"threshold": 0},
        {"slope": 0},
        {"rupture_gap": 0},
        {"rupture_gap": -1},
        {"half_life": 0},
        {"ratio": 0},
        {"reply_probability": 0.5},
    ]

    def test_reply_probability_zero_never_answers(self, world, context):
        with pytest.raises(ValidationError, match="reply_probability"):
            self.make(reply_probability=0.0)

    def test_rupture_threshold_lies_above_the_answer_threshold(self):
        p = self.make(threshold=4.0, rupture_gap=2.5)
        assert p.rupture_threshold == 6.5
        assert self.make().rupture_threshold is None

    def test_answer_probability_is_logistic_in_the_stock(self):
        p = self.make(threshold=4.0, slope=2.0)
        assert p.answer_probability(4.0) == 0.5
        assert p.answer_probability(5.0) == pytest.approx(1 / (1 + math.exp(-2.0)))
        assert p.answer_probability(2.0) < p.answer_probability(4.0) < p.answer_probability(6.0)

    def test_a_cap_cut_of_ten_is_a_stronger_stimulus_than_an_expulsion_of_two(
        self, world, context
    ):
        p = self.make(threshold=5.0, slope=3.0)
        shares = []
        for stim in (
            measure("expel", "a", "b", "b-in-a", 2),
            measure("cap", "a", "b", "b-in-a", 10),
        ):
            shares.append(
                sum(bool(answers(p, context(world(), stim, seed=s))) for s in range(300)) / 300
            )
        assert shares[0] == pytest.approx(p.answer_probability(4), abs=0.12)
        assert shares[1] == pytest.approx(p.answer_probability(5), abs=0.12)
        assert shares[0] < shares[1]

    def test_answer_size_is_ratio_times_what_was_suffered(self, world, context):
        stim = measure("expel", "a", "b", "b-in-a", 4)
        sure = {"threshold": 1.0, "slope": 50.0}
        assert answers(self.make(**sure), context(world(), stim)) == [
            measure("expel", "b", "a", "a-in-b", 4)
        ]
        assert answers(self.make(ratio=0.5, **sure), context(world(), stim)) == [
            measure("expel", "b", "a", "a-in-b", 2)
        ]

    def test_the_package_level_does_not_depend_on_how_it_is_split(self):
        one = [as_event(measure("expel", "a", "b", "b-in-a", 12), eid=0)]
        split = [as_event(measure("expel", "a", "b", "b-in-a", 4), eid=i) for i in range(3)]
        assert package_level(one, DEFAULT_LADDER)[0] == package_level(split, DEFAULT_LADDER)[0]
        mixed = [*split, as_event(measure("criticize", "a", "b"), eid=9)]
        assert package_level(mixed, DEFAULT_LADDER) == (
            5,
            {esc.MeasureKind.EXPEL: 12, esc.MeasureKind.CRITICIZE: 1},
        )

    def test_split_package_same_stock_and_same_answer(self, world, context):
        p = self.make(threshold=1.0, slope=50.0)
        whole = context(world(), measure("expel", "a", "b", "b-in-a", 6), time=1.0)
        parts = [as_event(measure("expel", "a", "b", "b-in-a", 3), eid=0, time=1.0)]
        split = context(world(), measure("expel", "a", "b", "b-in-a", 3), time=1.0, received=parts)
        split.package = [parts[0], split.stimulus]
        assert p.stock(whole) == p.stock(split)
        whole = context(world(), measure("expel", "a", "b", "b-in-a", 6), time=1.0)
        split.memo.clear()
        assert answers(p, whole) == answers(p, split)

    def test_rupture_above_the_gap(self, world, context):
        p = self.make(threshold=3.0, rupture_gap=1.0)
        got = answers(p, context(world(), measure("expel", "a", "b", "b-in-a", 1)))
        assert {m.kind for m in got} == {esc.MeasureKind.CLOSE, esc.MeasureKind.SUSPEND}

    def test_the_stock_decays_with_the_half_life_and_is_kept_between_packages(
        self, world, context
    ):
        p = self.make(half_life=10.0)
        old = as_event(measure("expel", "a", "b", "b-in-a", 1), eid=0, time=0.0)
        ctx = context(world(), measure("expel", "a", "b", "b-in-a", 1), time=10.0, received=[old])
        assert p.stock(ctx) == pytest.approx(4 * 0.5 + 4)
        assert ctx.memo["stock"] == pytest.approx(6.0) and ctx.memo["time"] == 10.0

    def test_lags_and_delays_are_whole_days(self, world, context):
        p = self.make(
            threshold=1.0,
            slope=50.0,
            lag={"median": 3.3, "sigma": 0.7},
            delay={"median": 6.6, "sigma": 0.5},
        )
        for (changes, m), seed in zip(CONTRACT_CASES, range(20), strict=False):
            for plan in p.plan(context(world(**changes), m, seed=seed)):
                assert plan.lag == int(plan.lag) and plan.delay == int(plan.delay)

    def test_a_package_of_acts_shares_one_effect_delay(self):
        p = self.make(rupture_gap=0.5, lag=2, delay={"median": 9, "sigma": 0.8})
        sc = contract_scenario(p)
        run = esc.simulate(sc, seed=1)
        closing = [e for e in run.events if e.actor == "b" and e.phase.value == "effective"]
        first = [e for e in closing if e.cause == closing[0].cause]
        assert len(first) >= 2 and len({e.time for e in first}) == 1


class TestGradualCalming:
    def test_calming_lets_the_next_moves_pass(self, world, context):
        g = esc.Gradual()
        stim = measure("expel", "a", "b", "b-in-a", 1)
        received = [as_event(stim, eid=0, time=0.0)]
        sent = [as_event(measure("expel", "b", "a", "a-in-b", 1), eid=1, time=2.0, cause=0)]
        for t in (5.0, 8.0):
            ctx = context(world(), stim, time=t, received=received, sent=sent)
            assert answers(g, ctx) == []
            received = [*received, as_event(stim, eid=len(received) + 5, time=t)]
        ctx = context(world(), stim, time=12.0, received=received, sent=sent)
        assert [severity(m) for m in answers(g, ctx)] == [4 + 3]  # the 4th move: 3 up

    def test_no_calming_no_step_is_tit_for_tat(self):
        g = esc.simulate(contract_scenario(esc.Gradual(step=0, calming=0)), seed=3)
        assert g.events == esc.simulate(contract_scenario(esc.TitForTat()), seed=3).events


class TestGrimTriggerActs:
    def test_words_never_trigger_it(self, world, context):
        grim = esc.GrimTrigger(threshold=1)
        for kind in ("criticize", "accuse", "threaten"):
            assert answers(grim, context(world(), measure(kind, "a", "b"))) == []
        assert (
            len(
                answers(
                    esc.GrimTrigger(), context(world(), measure("expel", "a", "b", "b-in-a", 1))
                )
            )
            == 3
        )


class TestTitForTwoTatsConsecutive:
    def test_a_conciliatory_move_in_between_resets(self, world, context):
        tf2t = esc.TitForTwoTats()
        expel = measure("expel", "a", "b", "b-in-a", 1)
        friendly = as_event(measure("reaccredit", "a", "b", "b-in-a", 1), eid=1, time=3.0)
        first = as_event(expel, eid=0, time=0.0)
        assert answers(tf2t, context(world(), expel, time=5.0, received=[first, friendly])) == []
        assert len(answers(tf2t, context(world(), expel, time=5.0, received=[first]))) == 1


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    threshold=st.floats(0.5, 10.0),
    gap=st.none() | st.floats(0.1, 10.0),
    half_life=st.floats(1.0, 1000.0),
    ratio=st.floats(0.2, 3.0),
)
def test_reciprocity_runs_keep_invariants(seed, threshold, gap, half_life, ratio):
    policy = esc.Reciprocity(
        threshold=threshold,
        rupture_gap=gap,
        half_life=half_life,
        ratio=ratio,
        lag={"median": 3, "sigma": 0.8},
    )
    sc = contract_scenario(policy)
    run = esc.simulate(sc, seed=seed)
    for _, state in run.states():
        for p in state.presences.values():
            assert p.staff >= 0 and (p.cap is None or p.staff <= p.cap)
    for e in run.announced:
        if e.cause is not None:
            assert run.events[e.cause].time <= e.time and e.cause < e.id
        if e.actor == "b" and e.cause is not None and not e.note:  # an answer as planned
            lag = e.time - run.events[e.cause].time
            assert abs(lag - round(lag)) < 1e-9  # whole days
