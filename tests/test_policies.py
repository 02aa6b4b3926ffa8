"""Policies: one contract every policy honours, then each policy's own behaviour.

The contract (:class:`PolicyContract`) is inherited by one test class per built-in policy, one
for a plain function wrapped by :func:`escalation.as_policy` and one for a small user subclass
written here. Each class adds only what is particular to its policy.

All contexts are built on the standard world of ``conftest.py``: ``b`` decides how to answer
``a``; ``b`` hosts ``a-in-b`` (10 staff, cap 12) and ``a-office-b`` (2 staff), and ``b`` keeps
``b-in-a`` (6 staff) at ``a``.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from typing import Any, ClassVar, Literal

import numpy as np
import pytest
from conftest import as_event, measure, trigger, two_actor_scenario
from pydantic import Field, ValidationError

import escalation as esc
from escalation.model.ladder import DEFAULT_LADDER
from escalation.model.measure import Measure, MeasureKind
from escalation.model.policy import Context
from escalation.model.state import State, Status


# -- a policy written as a plain function, and one written as a small subclass ---------------
def threaten_back(ctx: Context) -> Measure | None:
    """Answer every hostile measure with a threat."""
    return ctx.act("threaten") if ctx.hostile else None


class Stern(esc.Policy):
    """Threaten after each hostile measure; close a presence after ``patience`` of them."""

    type: Literal["stern"] = "stern"
    patience: int = Field(default=3, ge=1)

    def decide(self, ctx: Context) -> Measure | None:
        hostile = [e for e in ctx.received if e.measure.is_hostile]
        if len(hostile) >= self.patience:
            open_ = [p for p in ctx.state.hosted(ctx.actor, ctx.counterpart) if p.status == "open"]
            if open_:
                return ctx.act("close", open_[0].id)
        return ctx.act("threaten") if ctx.hostile else None


# -- helpers ----------------------------------------------------------------------------------
def answers(policy: esc.Policy, ctx: Context) -> list[Measure]:
    """The measures ``policy`` plans in ``ctx``."""
    return [p.measure for p in policy.plan(ctx)]


def severity(m: Measure) -> int:
    return DEFAULT_LADDER.severity(m.kind, m.magnitude)


def contract_scenario(policy: esc.Policy, **kw: Any) -> esc.Scenario:
    """``a`` (a noisy tit-for-tat with random lags) provokes ``b``, which follows ``policy``."""
    noisy = esc.TitForTat(
        lag=esc.Delay(median=6, sigma=0.6),
        delay=esc.Delay(median=3, sigma=0.5),
        perception_noise=0.2,
        implementation_noise=0.2,
    )
    triggers = [
        trigger("a", "b", "expel", "b-in-a", 2),
        trigger("a", "b", "criticize", day=5),
        trigger("a", "b", "cap", "b-in-a", 1, day=20),
        trigger("a", "b", "expel", "b-in-a", 1, day=40),
    ]
    return two_actor_scenario(noisy, policy, triggers=triggers, horizon=200, **kw)


def other_scenario(policy: esc.Policy) -> esc.Scenario:
    """A different exchange, used to look for state carried from one run to another."""
    triggers = [trigger("a", "b", "close", "b-in-a", day=1), trigger("a", "b", "accuse", day=2)]
    return two_actor_scenario(esc.TitForTat(lag=3), policy, triggers=triggers, horizon=60)


CLOSED = {"staff": 0, "status": Status.CLOSED}
SUSPENDED = {"staff": 0, "status": Status.SUSPENDED}

#: (changes to the standard world, the measure ``a`` takes against ``b``)
CONTRACT_CASES: list[tuple[dict[str, dict[str, Any]], Measure]] = [
    ({}, measure("expel", "a", "b", "b-in-a", 3)),
    ({}, measure("criticize", "a", "b")),
    ({}, measure("cap", "a", "b", "b-in-a", 2)),
    ({}, measure("close", "a", "b", "b-in-a")),
    ({}, measure("suspend", "a", "b", "a-in-b")),
    ({}, measure("reaccredit", "a", "b", "b-in-a", 1)),
    ({}, measure("recall", "a", "b", "a-in-b", 1)),
    (
        {"a_in_b": {"staff": 0, "cap": 0}, "a_office_b": {"staff": 0}},
        measure("expel", "a", "b", "b-in-a", 5),
    ),
    ({"a_in_b": CLOSED, "a_office_b": CLOSED}, measure("expel", "a", "b", "b-in-a", 2)),
    ({"a_in_b": CLOSED, "b_in_a": SUSPENDED}, measure("restore", "a", "b", "b-in-a", 2)),
]

BASE_BAD_PARAMS: list[dict[str, Any]] = [
    {"reply_probability": 1.5},
    {"reply_probability": -0.1},
    {"perception_noise": 2.0},
    {"implementation_noise": -0.5},
    {"lag": -1},
    {"lag": {"median": 5, "sigma": -1}},
    {"delay": {"median": float("nan")}},
    {"no_such_parameter": 1},
]


class PolicyContract:
    """What every policy must do. Subclasses set ``policy_cls`` and optionally ``params``."""

    policy_cls: ClassVar[type[esc.Policy]]
    params: ClassVar[dict[str, Any]] = {}
    bad_params: ClassVar[list[dict[str, Any]]] = []

    def make(self, **changes: Any) -> esc.Policy:
        return self.policy_cls(**{**self.params, **changes})

    # reproducible under a seed
    def test_same_seed_same_plans(self, world, context):
        policy = self.make()
        for changes, m in CONTRACT_CASES:
            plans = [policy.plan(context(world(**changes), m, seed=11)) for _ in range(2)]
            assert plans[0] == plans[1]

    def test_same_seed_same_run(self):
        scenario = contract_scenario(self.make())
        first, second = esc.simulate(scenario, seed=5), esc.simulate(scenario, seed=5)
        assert first.events == second.events
        assert first.outcome == second.outcome

    # only feasible acts
    @pytest.mark.parametrize("case", range(len(CONTRACT_CASES)))
    def test_plans_only_feasible_acts(self, world, context, case):
        changes, m = CONTRACT_CASES[case]
        policy = self.make()
        for seed in range(5):
            ctx = context(world(**changes), m, seed=seed)
            for plan in policy.plan(ctx):
                assert ctx.state.feasible(plan.measure), plan.measure
                assert (plan.measure.actor, plan.measure.target) == ("b", "a")
                assert plan.lag >= 0 and plan.delay >= 0

    def test_decide_and_plan_leave_the_state_alone(self, world, context):
        policy = self.make()
        for changes, m in CONTRACT_CASES:
            ctx = context(world(**changes), m, seed=3)
            before = (ctx.state.snapshot(), list(ctx.received), list(ctx.sent))
            policy.decide(ctx)
            policy.plan(ctx)
            assert (ctx.state.snapshot(), list(ctx.received), list(ctx.sent)) == before

    # no hidden shared state
    def test_no_state_carried_between_runs(self):
        policy = self.make()
        pristine = copy.deepcopy(policy)
        alone = esc.simulate(contract_scenario(policy), seed=2)
        esc.simulate(other_scenario(policy), seed=9)
        again = esc.simulate(contract_scenario(policy), seed=2)
        assert again.events == alone.events
        assert policy == pristine
        assert policy.model_dump() == pristine.model_dump()

    def test_immutable(self):
        policy = self.make()
        with pytest.raises(ValidationError):
            policy.reply_probability = 0.5  # type: ignore[misc]

    # picklable
    def test_pickle_round_trip(self):
        policy = self.make()
        clone = pickle.loads(pickle.dumps(policy))
        assert clone == policy
        assert type(clone) is type(policy)
        ours = esc.simulate(contract_scenario(policy), seed=4)
        theirs = esc.simulate(contract_scenario(clone), seed=4)
        assert ours.events == theirs.events

    # parameters validated
    @pytest.mark.parametrize("bad", BASE_BAD_PARAMS)
    def test_bad_base_parameters_are_refused(self, bad):
        with pytest.raises(ValidationError):
            self.make(**bad)

    def test_bad_own_parameters_are_refused(self):
        for bad in self.bad_params:
            with pytest.raises(ValidationError):
                self.make(**bad)

    def test_reply_probability_zero_never_answers(self, world, context):
        policy = self.make(reply_probability=0.0)
        for (changes, m), seed in itertools.product(CONTRACT_CASES, range(3)):
            assert policy.plan(context(world(**changes), m, seed=seed)) == []


# -- the built-in policies --------------------------------------------------------------------
class TestTitForTat(PolicyContract):
    policy_cls = esc.TitForTat

    def test_mirrors_an_expulsion(self, world, context):
        got = answers(self.make(), context(world(), measure("expel", "a", "b", "b-in-a", 3)))
        assert got == [measure("expel", "b", "a", "a-in-b", 3)]  # the presence with most staff

    @pytest.mark.parametrize("kind", ["criticize", "accuse", "threaten"])
    def test_mirrors_a_statement(self, world, context, kind):
        got = answers(self.make(), context(world(), measure(kind, "a", "b")))
        assert got == [measure(kind, "b", "a")]

    def test_mirrors_cap_close_and_suspend(self, world, context):
        tft = self.make()
        got = answers(tft, context(world(), measure("cap", "a", "b", "b-in-a", 2)))
        assert got == [measure("cap", "b", "a", "a-in-b", 2)]
        got = answers(tft, context(world(), measure("close", "a", "b", "b-in-a")))
        assert [m.kind for m in got] == [MeasureKind.CLOSE] and got[0].actor == "b"
        got = answers(tft, context(world(), measure("suspend", "a", "b", "a-in-b")))
        assert got == [measure("suspend", "b", "a", "b-in-a")]

    def test_reciprocates_conciliation(self, world, context):
        got = answers(self.make(), context(world(), measure("reaccredit", "a", "b", "b-in-a", 2)))
        assert [(m.kind, m.magnitude) for m in got] == [(MeasureKind.REACCREDIT, 2)]
        closed = world(
            a_in_b={"staff": 0, "status": Status.CLOSED},
            b_in_a={"staff": 0, "status": Status.SUSPENDED},
        )
        got = answers(self.make(), context(closed, measure("restore", "a", "b", "b-in-a", 2)))
        assert got == [measure("restore", "b", "a", "a-in-b", 2)]

    def test_ignores_routine_recalls(self, world, context):
        assert answers(self.make(), context(world(), measure("recall", "a", "b", "a-in-b"))) == []

    # the substitution rule
    def test_too_few_staff_means_expelling_all_there_are(self, world, context):
        state = world(a_in_b={"staff": 3}, a_office_b={"staff": 1})
        got = answers(self.make(), context(state, measure("expel", "a", "b", "b-in-a", 5)))
        assert got == [measure("expel", "b", "a", "a-in-b", 3)]

    def test_no_staff_left_under_a_cap_means_a_cap_cut(self, world, context):
        state = world(a_in_b={"staff": 0}, a_office_b={"staff": 0, "status": Status.CLOSED})
        got = answers(self.make(), context(state, measure("expel", "a", "b", "b-in-a", 5)))
        assert got == [measure("cap", "b", "a", "a-in-b", 5)]  # level 5: the least above 4

    def test_no_staff_and_no_posts_left_means_a_closure(self, world, context):
        state = world(a_in_b={"staff": 0, "cap": 0}, a_office_b={"staff": 0})
        got = answers(self.make(), context(state, measure("expel", "a", "b", "b-in-a", 5)))
        assert got == [measure("close", "b", "a", "a-in-b")]

    @pytest.mark.parametrize(
        "changes",
        [
            {},
            {"a_in_b": {"staff": 2}, "a_office_b": {"staff": 0}},
            {"a_in_b": {"staff": 0, "cap": 0}, "a_office_b": {"staff": 0}},
            {"a_in_b": {"staff": 0, "status": Status.CLOSED}, "a_office_b": {"staff": 1}},
            {
                "a_in_b": {"staff": 0, "status": Status.CLOSED},
                "a_office_b": {"staff": 0, "status": Status.CLOSED},
            },
        ],
    )
    @pytest.mark.parametrize(
        "stimulus",
        [
            measure("expel", "a", "b", "b-in-a", 4),
            measure("expel", "a", "b", "b-in-a", 12),
            measure("cap", "a", "b", "b-in-a", 3),
            measure("close", "a", "b", "b-in-a"),
        ],
    )
    def test_answer_is_the_least_severe_feasible_act_at_least_as_severe(
        self, world, context, changes, stimulus
    ):
        # Brute force over every act b could take against a.
        state = world(**changes)
        floor = severity(stimulus)
        every = [
            Measure(kind, "b", "a", pid, n)
            for kind in MeasureKind
            # the rule never substitutes acts that change nothing (deny, restrict, reduce)
            if kind.is_hostile
            and kind not in (MeasureKind.DENY, MeasureKind.RESTRICT, MeasureKind.REDUCE)
            for pid in (None, *state.presences)
            for n in range(1, 15)
        ]
        possible = [severity(m) for m in every if state.feasible(m) and severity(m) >= floor]
        got = answers(self.make(), context(state, stimulus))
        if not possible:
            assert got == []
        else:
            assert [severity(m) for m in got] == [min(possible)]

    def test_expulsions_turn_into_closures_when_staff_run_out(self, scenario):
        small = [
            esc.PresenceSpec(id="a-in-b", owner="a", host="b", staff=3),
            esc.PresenceSpec(id="b-in-a", owner="b", host="a", staff=3),
        ]
        tft = self.make(lag=10)
        sc = scenario(
            tft, tft, triggers=[trigger("a", "b", "expel", "b-in-a", 2)], presence_specs=small
        )
        run = esc.simulate(sc, seed=0)
        kinds = [(e.actor, e.measure.value) for e in run.announced]
        assert kinds[:4] == [("a", "expel"), ("b", "expel"), ("a", "expel"), ("b", "expel")]
        first_close = next(e for e in run.announced if e.measure is MeasureKind.CLOSE)
        assert run.events[first_close.cause].measure is MeasureKind.EXPEL
        assert run.outcome.ruptured and run.outcome.rupture_pair == ("a", "b")

    # noise
    def test_perception_noise_one_answers_one_level_up(self, world, context):
        stim = measure("expel", "a", "b", "b-in-a", 3)
        for seed in range(5):
            got = answers(self.make(perception_noise=1.0), context(world(), stim, seed=seed))
            assert [severity(m) for m in got] == [severity(stim) + 1]

    def test_implementation_noise_moves_the_act_off_its_level(self, world, context):
        stim = measure("expel", "a", "b", "b-in-a", 3)
        levels = set()
        for seed in range(40):
            got = answers(self.make(implementation_noise=1.0), context(world(), stim, seed=seed))
            levels |= {severity(m) for m in got}
        assert severity(stim) not in levels
        assert min(levels) < severity(stim) < max(levels)


class TestProportional(PolicyContract):
    policy_cls = esc.Proportional
    params: ClassVar[dict[str, Any]] = {"ratio": 2.0}
    bad_params: ClassVar[list[dict[str, Any]]] = [
        {"ratio": 0},
        {"ratio": -1},
        {"ratio": 11},
        {"ratio": float("inf")},
    ]

    @pytest.mark.parametrize(("ratio", "n", "want"), [(2.0, 3, 6), (0.5, 4, 2), (0.1, 3, 1)])
    def test_scales_the_size(self, world, context, ratio, n, want):
        state = world(b_in_a={"staff": 10})
        got = answers(
            self.make(ratio=ratio), context(state, measure("expel", "a", "b", "b-in-a", n))
        )
        assert got == [measure("expel", "b", "a", "a-in-b", want)]

    def test_scales_a_cap_cut_and_keeps_statements(self, world, context):
        got = answers(
            self.make(ratio=2.0), context(world(), measure("cap", "a", "b", "b-in-a", 2))
        )
        assert got == [measure("cap", "b", "a", "a-in-b", 4)]
        got = answers(self.make(ratio=3.0), context(world(), measure("accuse", "a", "b")))
        assert got == [measure("accuse", "b", "a")]

    def test_ratio_one_is_tit_for_tat(self):
        sc = contract_scenario(self.make(ratio=1.0))
        tft = contract_scenario(esc.TitForTat())
        assert esc.simulate(sc, seed=8).events == esc.simulate(tft, seed=8).events


class TestGenerousTitForTat(PolicyContract):
    policy_cls = esc.GenerousTitForTat
    bad_params: ClassVar[list[dict[str, Any]]] = [{"forgiveness": -0.1}, {"forgiveness": 1.1}]

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_forgiveness_zero_is_tit_for_tat(self, seed):
        gtft = esc.simulate(contract_scenario(self.make(forgiveness=0.0)), seed=seed)
        tft = esc.simulate(contract_scenario(esc.TitForTat()), seed=seed)
        assert gtft.events == tft.events

    def test_forgiveness_one_forgives_everything_hostile(self, world, context):
        gtft = self.make(forgiveness=1.0)
        for seed in range(10):
            ctx = context(world(), measure("expel", "a", "b", "b-in-a", 3), seed=seed)
            assert answers(gtft, ctx) == []
        ctx = context(world(), measure("reaccredit", "a", "b", "b-in-a", 1))
        assert [m.kind for m in answers(gtft, ctx)] == [MeasureKind.REACCREDIT]

    def test_forgives_about_as_often_as_asked(self, world, context):
        gtft = self.make(forgiveness=0.5)
        rng = np.random.default_rng(1)
        stim = measure("expel", "a", "b", "b-in-a", 3)
        answered = sum(bool(answers(gtft, context(world(), stim, seed=rng))) for _ in range(400))
        assert 160 < answered < 240  # binomial(400, 0.5): 200 +/- 4 standard deviations


class TestTitForTwoTats(PolicyContract):
    policy_cls = esc.TitForTwoTats
    bad_params: ClassVar[list[dict[str, Any]]] = [{"tats": 0}, {"tats": 21}, {"tats": 1.5}]

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_one_tat_is_tit_for_tat(self, seed):
        tf1t = esc.simulate(contract_scenario(self.make(tats=1)), seed=seed)
        tft = esc.simulate(contract_scenario(esc.TitForTat()), seed=seed)
        assert tf1t.events == tft.events

    def test_needs_two_tats(self, world, context):
        tf2t = self.make()
        first = as_event(measure("expel", "a", "b", "b-in-a", 1), eid=0, time=0.0)
        second = measure("expel", "a", "b", "b-in-a", 2)
        assert answers(tf2t, context(world(), second, time=0.0)) == []
        got = answers(tf2t, context(world(), second, time=5.0, received=[first]))
        assert got == [measure("expel", "b", "a", "a-in-b", 2)]

    def test_a_package_is_one_tat(self, world, context):
        # Two measures announced together are answered together, and count once.
        expel = as_event(measure("expel", "a", "b", "b-in-a", 1), eid=0, time=3.0)
        cap = measure("cap", "a", "b", "b-in-a", 1)
        assert answers(self.make(), context(world(), cap, time=3.0, received=[expel])) == []

    def test_consecutive_hostile_moves_are_answered_each_time(self, world, context):
        # Tit for two tats answers while the last two moves were hostile, answered or not.
        tf2t = self.make()
        received = [
            as_event(measure("expel", "a", "b", "b-in-a", 1), eid=0, time=0.0),
            as_event(measure("expel", "a", "b", "b-in-a", 1), eid=1, time=5.0),
        ]
        sent = [as_event(measure("expel", "b", "a", "a-in-b", 1), eid=2, time=9.0, cause=1)]
        third = measure("expel", "a", "b", "b-in-a", 1)
        ctx = context(world(), third, time=20.0, received=received, sent=sent)
        assert len(answers(tf2t, ctx)) == 1
        friendly = as_event(measure("reaccredit", "a", "b", "b-in-a", 1), eid=3, time=15.0)
        ctx = context(world(), third, time=20.0, received=[*received, friendly], sent=sent)
        assert answers(tf2t, ctx) == []  # a conciliatory move in between breaks the run


class TestGrimTrigger(PolicyContract):
    policy_cls = esc.GrimTrigger
    bad_params: ClassVar[list[dict[str, Any]]] = [
        {"threshold": -1},
        {"threshold": 0},
        {"threshold": "high"},
    ]

    def test_breaks_every_channel_after_the_first_offence(self, world, context):
        assert answers(self.make(), context(world(), measure("criticize", "a", "b"))) == []
        got = answers(self.make(), context(world(), measure("expel", "a", "b", "b-in-a", 1)))
        assert sorted(got, key=str) == sorted(
            [
                measure("close", "b", "a", "a-in-b"),
                measure("close", "b", "a", "a-office-b"),
                measure("suspend", "b", "a", "b-in-a"),
            ],
            key=str,
        )

    def test_threshold_spares_milder_measures(self, world, context):
        grim = self.make(threshold=5)
        assert answers(grim, context(world(), measure("expel", "a", "b", "b-in-a", 3))) == []
        assert len(answers(grim, context(world(), measure("cap", "a", "b", "b-in-a", 1)))) == 3

    def test_never_forgets(self, world, context):
        earlier = as_event(measure("cap", "a", "b", "b-in-a", 1), eid=0, time=0.0)
        state = world(a_in_b={"staff": 0, "status": Status.CLOSED})
        ctx = context(state, measure("reaccredit", "a", "b", "b-in-a", 1), received=[earlier])
        got = answers(self.make(threshold=5), ctx)
        assert {m.kind for m in got} == {MeasureKind.CLOSE, MeasureKind.SUSPEND}

    def test_a_run_ends_in_rupture(self, scenario):
        sc = scenario(
            None, self.make(lag=4), triggers=[trigger("a", "b", "expel", "b-in-a", 1, day=1)]
        )
        out = esc.simulate(sc, seed=0).outcome
        assert out.ruptured and out.rupture_pair == ("a", "b") and out.last_mover == "b"
        assert out.time_to_rupture == 5.0 and out.stop_reason == "rupture"


class TestEscalateByK(PolicyContract):
    policy_cls = esc.EscalateByK
    bad_params: ClassVar[list[dict[str, Any]]] = [{"k": -1}, {"k": 11}]

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_k_zero_is_tit_for_tat(self, seed):
        by0 = esc.simulate(contract_scenario(self.make(k=0)), seed=seed)
        tft = esc.simulate(contract_scenario(esc.TitForTat()), seed=seed)
        assert by0.events == tft.events

    @pytest.mark.parametrize("k", [1, 2])
    def test_k_levels_up(self, world, context, k):
        stim = measure("expel", "a", "b", "b-in-a", 3)
        got = answers(self.make(k=k), context(world(), stim))
        assert [severity(m) for m in got] == [severity(stim) + k]

    def test_one_up_from_an_expulsion_is_a_cap_cut_of_the_same_size(self, world, context):
        got = answers(self.make(k=1), context(world(), measure("expel", "a", "b", "b-in-a", 3)))
        assert got == [measure("cap", "b", "a", "a-in-b", 3)]


class TestGradual(PolicyContract):
    policy_cls = esc.Gradual
    bad_params: ClassVar[list[dict[str, Any]]] = [
        {"step": -1},
        {"step": 11},
        {"calming": -1},
        {"calming": 11},
    ]

    def test_escalates_with_the_count(self, world, context):
        stim = measure("expel", "a", "b", "b-in-a", 1)
        history = [as_event(stim, eid=i, time=10.0 * i) for i in range(3)]
        levels = []
        for n in range(3):
            ctx = context(world(), stim, time=10.0 * n + 5, received=history[:n])
            levels.append([severity(m) for m in answers(self.make(), ctx)])
        assert levels == [[4], [5], [6]]

    def test_a_package_counts_once(self, world, context):
        expel = as_event(measure("expel", "a", "b", "b-in-a", 1), eid=0, time=0.0)
        ctx = context(world(), measure("expel", "a", "b", "b-in-a", 1), time=0.0, received=[expel])
        assert [severity(m) for m in answers(self.make(), ctx)] == [4]

    def test_step_zero_is_tit_for_tat(self):
        g0 = esc.simulate(contract_scenario(self.make(step=0, calming=0)), seed=3)
        assert g0.events == esc.simulate(contract_scenario(esc.TitForTat()), seed=3).events


class TestLevelParity(PolicyContract):
    policy_cls = esc.LevelParity

    def test_expels_down_to_parity_of_staff(self, world, context):
        state = world(b_in_a={"staff": 4})  # after a expelled 2 of b's 6
        got = answers(self.make(), context(state, measure("expel", "a", "b", "b-in-a", 2)))
        assert got == [measure("expel", "b", "a", "a-in-b", 8)]
        state.apply(got[0])
        assert sum(p.staff for p in state.hosted("b", "a")) == state.presence("b-in-a").staff

    def test_nothing_to_do_at_parity(self, world, context):
        state = world(a_in_b={"staff": 4}, a_office_b={"staff": 0}, b_in_a={"staff": 4})
        assert answers(self.make(), context(state, measure("expel", "a", "b", "b-in-a", 2))) == []

    def test_closures_are_matched_while_the_other_side_keeps_more_open(self, world, context):
        closed = {"staff": 0, "status": Status.CLOSED}
        got = answers(
            self.make(), context(world(b_in_a=closed), measure("close", "a", "b", "b-in-a"))
        )
        assert [m.kind for m in got] == [MeasureKind.CLOSE]
        even = world(b_in_a=closed, a_in_b=closed, a_office_b=closed)
        assert answers(self.make(), context(even, measure("close", "a", "b", "b-in-a"))) == []

    def test_statements_in_kind(self, world, context):
        assert answers(self.make(), context(world(), measure("accuse", "a", "b"))) == [
            measure("accuse", "b", "a")
        ]


class TestGrievance(PolicyContract):
    policy_cls = esc.Grievance
    bad_params: ClassVar[list[dict[str, Any]]] = [
        {"threshold": 0},
        {"half_life": 0},
        {"half_life": -3},
        {"rupture_threshold": 0},
        {"k": -1},
    ]

    EXPEL = measure("expel", "a", "b", "b-in-a", 1)  # level 4

    def test_below_the_threshold_nothing(self, world, context):
        assert answers(self.make(threshold=6), context(world(), self.EXPEL)) == []

    def test_accumulated_grievance_is_answered(self, world, context):
        earlier = as_event(self.EXPEL, eid=0, time=0.0)
        ctx = context(world(), self.EXPEL, time=10.0, received=[earlier])
        assert answers(self.make(threshold=6), ctx) == [measure("expel", "b", "a", "a-in-b", 1)]

    def test_grievance_decays(self, world, context):
        earlier = as_event(self.EXPEL, eid=0, time=0.0)
        ctx = context(world(), self.EXPEL, time=100.0, received=[earlier])
        assert answers(self.make(threshold=6, half_life=10), ctx) == []
        assert ctx.grievance(10) == pytest.approx(4 + 4 * 2**-10)

    def test_own_answers_settle_the_account(self, world, context):
        received = [as_event(self.EXPEL, eid=0, time=0.0)]
        sent = [as_event(measure("expel", "b", "a", "a-in-b", 1), eid=1, time=0.0, cause=0)]
        ctx = context(world(), self.EXPEL, time=10.0, received=received, sent=sent)
        assert answers(self.make(threshold=6), ctx) == []

    def test_rupture_threshold_breaks_every_channel(self, world, context):
        earlier = as_event(self.EXPEL, eid=0, time=0.0)
        ctx = context(world(), self.EXPEL, time=1.0, received=[earlier])
        got = answers(self.make(threshold=6, rupture_threshold=7), ctx)
        assert {m.kind for m in got} == {MeasureKind.CLOSE, MeasureKind.SUSPEND} and len(got) == 3

    def test_k_levels_up(self, world, context):
        earlier = as_event(self.EXPEL, eid=0, time=0.0)
        ctx = context(world(), self.EXPEL, time=1.0, received=[earlier])
        assert [severity(m) for m in answers(self.make(threshold=6, k=1), ctx)] == [5]


class TestPassive(PolicyContract):
    policy_cls = esc.Passive

    def test_never_answers(self, world, context):
        for (changes, m), seed in itertools.product(CONTRACT_CASES, range(3)):
            assert answers(self.make(), context(world(**changes), m, seed=seed)) == []


class TestScripted(PolicyContract):
    policy_cls = esc.Scripted
    params: ClassVar[dict[str, Any]] = {
        "acts": (
            esc.Trigger(target="a", measure="expel", presence="a-in-b", magnitude=2, day=3),
            esc.Trigger(target="a", measure="criticize", date="2024-01-11", source="doc"),
        )
    }
    bad_params: ClassVar[list[dict[str, Any]]] = [
        {"acts": ({"target": "a", "measure": "expel", "day": 3},)},  # no presence
        {"acts": ({"target": "a", "measure": "criticize"},)},  # no date
    ]

    def test_plays_its_acts_on_their_dates_and_answers_nothing(self):
        run = esc.simulate(contract_scenario(self.make()), seed=0)
        mine = [e for e in run.announced if e.actor == "b"]
        assert [(e.time, e.measure.value, e.magnitude) for e in mine] == [
            (3.0, "expel", 2),
            (10.0, "criticize", 1),
        ]
        assert mine[1].source == "doc" and all(e.cause is None for e in mine)
        assert run.state_at(3.0).presence("a-in-b").staff == 8


class TestFunctionPolicy(PolicyContract):
    policy_cls = esc.FunctionPolicy
    params: ClassVar[dict[str, Any]] = {"func": threaten_back}
    bad_params: ClassVar[list[dict[str, Any]]] = [{"func": 42}]

    def test_as_policy_wraps_a_function(self, world, context):
        policy = esc.as_policy(threaten_back, lag=2)
        assert policy.name == "threaten_back" and policy.lag == esc.Delay.fixed(2)
        plans = policy.plan(context(world(), measure("expel", "a", "b", "b-in-a", 1)))
        assert [(p.measure, p.lag) for p in plans] == [(measure("threaten", "b", "a"), 2.0)]

    def test_an_act_by_someone_else_is_refused(self, world, context):
        def impostor(ctx: Context) -> Measure:
            return measure("criticize", "a", "b")

        with pytest.raises(ValueError, match="not b"):
            esc.as_policy(impostor).plan(context(world(), measure("accuse", "a", "b")))


class TestUserSubclass(PolicyContract):
    policy_cls = Stern
    bad_params: ClassVar[list[dict[str, Any]]] = [{"patience": 0}, {"type": "tit-for-tat"}]

    def test_its_own_rule_runs_through_the_engine(self, scenario):
        triggers = [trigger("a", "b", "accuse", day=d) for d in (0, 10, 20)]
        run = esc.simulate(scenario(None, Stern(lag=1), triggers=triggers), seed=0)
        answers_ = [(e.time, e.measure.value) for e in run.announced if e.actor == "b"]
        assert answers_ == [(1.0, "threaten"), (11.0, "threaten"), (21.0, "close")]

    def test_infeasible_wish_goes_through_the_substitution_rule(self, context):
        state = State(["a", "b"], [esc.Presence("a-in-b", "a", "b", 0, status=Status.CLOSED)])
        ctx = context(state, measure("accuse", "a", "b"))
        wish = esc.as_policy(lambda c: c.act("expel", "a-in-b", 3))
        assert answers(wish, ctx) == []  # nothing of level 4 or more is left to do


def test_a_scripted_act_is_played_by_its_policys_actor_only():
    act = esc.Trigger(actor="b", target="a", measure="criticize", day=1)
    with pytest.raises(ValidationError, match=r"scripted act 0\.actor"):
        two_actor_scenario(esc.Scripted(acts=(act,)))
    own = act.model_copy(update={"actor": "a", "target": "b"})
    run = esc.simulate(two_actor_scenario(esc.Scripted(acts=(own,))), seed=0)
    assert [(e.actor, e.target) for e in run.announced] == [("a", "b")]
