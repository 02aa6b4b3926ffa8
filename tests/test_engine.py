"""The engine: order of simultaneous events, causes, phases, stop rules, seeds, outcomes."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest
from conftest import START, trigger, two_actor_scenario

import escalation as esc
from escalation.base.stream import Stream
from escalation.model.event import Phase
from escalation.model.measure import MeasureKind
from escalation.model.policy import Context
from escalation.model.state import Status
from escalation.sim import engine, play

PASSIVE = esc.Passive()


def stochastic_scenario() -> esc.Scenario:
    """Both sides noisy tit-for-tat with random lags and delays."""
    noisy = esc.TitForTat(
        lag=esc.Delay(median=8, sigma=0.7),
        delay=esc.Delay(median=4, sigma=0.5),
        perception_noise=0.3,
        implementation_noise=0.3,
        reply_probability=0.9,
    )
    return two_actor_scenario(
        noisy,
        noisy,
        triggers=[trigger("a", "b", "expel", "b-in-a", 2), trigger("b", "a", "accuse", day=3)],
        horizon=300,
    )


def kinds(run: esc.Run, phase: Phase = Phase.ANNOUNCED) -> list[tuple[float, str, str]]:
    return [(e.time, e.actor, e.measure.value) for e in run.events if e.phase is phase]


# -- simultaneity -----------------------------------------------------------------------------
def test_effects_run_before_announcements_at_the_same_instant():
    # The criticism is scheduled (at set-up) before the expulsion's effect (at day 0), yet at
    # day 5 the effect runs first.
    sc = two_actor_scenario(
        triggers=[
            trigger("a", "b", "expel", "b-in-a", 2, delay_days=5),
            trigger("a", "b", "criticize", day=5),
        ]
    )
    run = esc.simulate(sc, seed=0)
    at5 = [(e.phase, e.measure) for e in run.events if e.time == 5]
    assert at5 == [(Phase.EFFECTIVE, MeasureKind.EXPEL), (Phase.ANNOUNCED, MeasureKind.CRITICIZE)]


def staff_check(ctx: Context):
    """Criticize if b's staff at a are all gone, else threaten (shows what the policy saw)."""
    gone = ctx.state.presence("b-in-a").staff == 0
    return ctx.act("criticize" if gone else "threaten")


@pytest.mark.parametrize(("delay", "answer"), [(0, "criticize"), (1, "threaten")])
def test_an_answer_sees_the_effects_due_at_its_instant(delay, answer):
    sc = two_actor_scenario(
        None,
        esc.as_policy(staff_check, lag=0),
        triggers=[trigger("a", "b", "expel", "b-in-a", 6, delay_days=delay)],
        horizon=10,
    )
    run = esc.simulate(sc, seed=0)
    assert [e.measure.value for e in run.announced if e.actor == "b"] == [answer]


def test_triggers_run_in_date_order_then_file_order():
    sc = two_actor_scenario(
        triggers=[
            trigger("a", "b", "threaten", day=3),
            trigger("a", "b", "accuse", day=1),
            trigger("a", "b", "criticize", day=1),
        ]
    )
    assert kinds(esc.simulate(sc, seed=0)) == [
        (1.0, "a", "accuse"),
        (1.0, "a", "criticize"),
        (3.0, "a", "threaten"),
    ]


@pytest.mark.parametrize("first", ["p", "q"])
def test_effects_due_together_run_in_scheduling_order(first):
    p = trigger("a", "b", "expel", "b-in-a", 1, delay_days=5)
    q = trigger("b", "a", "expel", "a-in-b", 1, delay_days=5)
    sc = two_actor_scenario(triggers=[p, q] if first == "p" else [q, p])
    effective = kinds(esc.simulate(sc, seed=0), Phase.EFFECTIVE)
    order = [actor for _, actor, _ in effective]
    assert order == (["a", "b"] if first == "p" else ["b", "a"])


def test_effects_scheduled_earlier_run_first_even_if_announced_later():
    early = trigger("a", "b", "expel", "b-in-a", 1, day=0, delay_days=5)  # effect at 5
    late = trigger("b", "a", "expel", "a-in-b", 1, day=1, delay_days=4)  # effect at 5
    run = esc.simulate(two_actor_scenario(triggers=[late, early]), seed=0)
    assert [(t, a) for t, a, _ in kinds(run, Phase.EFFECTIVE)] == [(5.0, "a"), (5.0, "b")]


def test_a_package_is_answered_once_on_its_most_severe_measure():
    sc = two_actor_scenario(
        None,
        esc.TitForTat(lag=2),
        triggers=[
            trigger("a", "b", "expel", "b-in-a", 2),
            trigger("a", "b", "cap", "b-in-a", 1),
            trigger("a", "b", "criticize"),
        ],
    )
    run = esc.simulate(sc, seed=0)
    answers = [e for e in run.announced if e.actor == "b"]
    assert len(answers) == 1
    cause = run.events[answers[0].cause]
    assert (cause.measure, cause.actor) == (MeasureKind.CAP, "a")
    assert answers[0].measure is MeasureKind.CAP and answers[0].time == 2.0


def test_measures_at_different_instants_are_answered_each():
    sc = two_actor_scenario(
        None,
        esc.TitForTat(lag=2),
        triggers=[trigger("a", "b", "criticize", day=0), trigger("a", "b", "accuse", day=1)],
    )
    run = esc.simulate(sc, seed=0)
    assert [(t, k) for t, a, k in kinds(run) if a == "b"] == [(2.0, "criticize"), (3.0, "accuse")]


# -- causes and phases ------------------------------------------------------------------------
def test_every_answer_has_an_earlier_announced_cause():
    checked = 0
    for seed in range(6):
        run = esc.simulate(stochastic_scenario(), seed=seed)
        for e in run.announced:
            if e.cause is None:
                continue
            cause = run.events[e.cause]
            assert cause.phase is Phase.ANNOUNCED
            assert cause.id < e.id and cause.time <= e.time
            assert cause.target == e.actor  # one answers what one suffered
            checked += 1
    assert checked > 20


def test_announced_and_effective_events_are_both_recorded():
    sc = two_actor_scenario(
        None,
        esc.TitForTat(lag=4, delay=3),
        triggers=[
            trigger("a", "b", "expel", "b-in-a", 2, delay_days=1.5),
            trigger("a", "b", "accuse", day=1),
        ],
    )
    run = esc.simulate(sc, seed=0)
    by_act: dict[int, list[esc.Event]] = {}
    for e in run.events:
        by_act.setdefault(e.act, []).append(e)
    for events in by_act.values():
        announced = events[0]
        assert announced.phase is Phase.ANNOUNCED
        if announced.measure.is_statement:
            assert len(events) == 1
            continue
        (effect,) = events[1:]
        assert effect.phase is Phase.EFFECTIVE
        assert effect.cause == announced.cause and effect.magnitude == announced.magnitude
        delay = 1.5 if announced.actor == "a" else 3.0
        assert effect.time == pytest.approx(announced.time + delay)
    assert {e.date for e in run.events} == {date(2024, 1, d) for d in (1, 2, 5, 6, 8)}


def test_drawn_delays_separate_effects_from_announcements():
    run = esc.simulate(stochastic_scenario(), seed=2)
    announced = {e.act: e for e in run.announced}
    gaps = [
        e.time - announced[e.act].time
        for e in run.events
        if e.phase is Phase.EFFECTIVE and e.cause is not None  # answers, not the triggers
    ]
    assert len(gaps) >= 3
    assert all(g > 0 for g in gaps)
    assert len(set(gaps)) == len(gaps)  # drawn, not fixed


def test_an_effect_that_can_no_longer_happen_lapses_and_is_recorded():
    sc = two_actor_scenario(
        triggers=[
            trigger("a", "b", "expel", "b-in-a", 5, delay_days=10),
            trigger("b", "a", "suspend", "b-in-a", day=2),
        ]
    )
    run = esc.simulate(sc, seed=0)
    (lapsed,) = [e for e in run.events if e.phase is Phase.LAPSED]
    assert (lapsed.time, lapsed.measure, lapsed.act) == (10.0, MeasureKind.EXPEL, 0)
    assert "suspended" in lapsed.note
    assert run.final.presence("b-in-a").status is Status.SUSPENDED


def test_an_answer_overtaken_by_events_is_substituted_and_says_so():
    sc = two_actor_scenario(
        None,
        esc.TitForTat(lag=5),
        triggers=[
            trigger("a", "b", "expel", "b-in-a", 3),
            trigger("a", "b", "recall", "a-in-b", 9, day=1),  # routine: not answered
        ],
    )
    run = esc.simulate(sc, seed=0)
    (answer,) = [e for e in run.announced if e.actor == "b"]
    # Wanted: 3 of the 10 at a-in-b, where 1 is left; the closest size is 2 at a-office-b.
    assert (answer.measure, answer.presence, answer.magnitude, answer.time) == (
        MeasureKind.EXPEL,
        "a-office-b",
        2,
        5.0,
    )
    assert "instead of expel x3" in answer.note


def test_infeasible_trigger_is_a_problem_not_an_act():
    sc = two_actor_scenario(triggers=[trigger("a", "b", "expel", "b-in-a", 7)])
    run = esc.simulate(sc, seed=0)
    assert run.announced == []
    (problem,) = run.problems
    assert problem.phase is Phase.INFEASIBLE and "6" in problem.note


# -- stop rules -------------------------------------------------------------------------------
def ping_pong(**kw) -> esc.Scenario:
    tft = esc.TitForTat(lag=7)
    return two_actor_scenario(tft, tft, triggers=[trigger("a", "b", "criticize")], **kw)


def test_horizon_stops_the_run():
    run = esc.simulate(ping_pong(horizon=30), seed=0)
    out = run.outcome
    assert (out.stop_reason, out.end_time, out.quiet) == ("horizon", 30.0, False)
    times = [e.time for e in run.events]
    assert max(times) <= 30 and max(times) > 30 - 7
    assert out.acts == len(run.announced) == 5  # days 0, 7, 14, 21, 28


def test_quiet_period_stops_the_run():
    sc = two_actor_scenario(
        None, esc.TitForTat(lag=10), triggers=[trigger("a", "b", "criticize")], quiet=30
    )
    out = esc.simulate(sc, seed=0).outcome
    assert (out.stop_reason, out.end_time, out.quiet) == ("quiet", 40.0, True)
    assert out.acts == 2


def test_quiet_period_ends_an_exchange_that_goes_on_slower_than_it():
    sc = ping_pong(horizon=300, quiet=5)
    run = esc.simulate(sc, seed=0)
    assert run.outcome.stop_reason == "quiet" and run.outcome.end_time == 5.0
    assert len(run.announced) == 1


def test_quiet_never_drops_a_trigger_still_to_come():
    sc = two_actor_scenario(
        triggers=[trigger("a", "b", "accuse", day=0), trigger("a", "b", "threaten", day=100)],
        quiet=30,
    )
    run = esc.simulate(sc, seed=0)
    assert [e.time for e in run.announced] == [0.0, 100.0]
    assert (run.outcome.stop_reason, run.outcome.end_time) == ("quiet", 130.0)


def test_quiet_end_is_never_before_the_last_event():
    # The only trigger comes after the quiet period and cannot happen: the run ends with it.
    sc = two_actor_scenario(triggers=[trigger("a", "b", "expel", "b-in-a", 9, day=6)], quiet=5)
    run = esc.simulate(sc, seed=0)
    assert [e.phase for e in run.events] == [Phase.INFEASIBLE]
    assert (run.outcome.stop_reason, run.outcome.end_time) == ("quiet", 6.0)


def test_nothing_to_do_ends_at_the_quiet_time_or_the_horizon():
    assert esc.simulate(two_actor_scenario(quiet=20), seed=0).outcome.end_time == 20.0
    out = esc.simulate(two_actor_scenario(horizon=50), seed=0).outcome
    assert (out.stop_reason, out.end_time, out.acts) == ("horizon", 50.0, 0)


def rupture_world(rupture: bool) -> esc.Scenario:
    """Three actors; a breaks with b at day 5, and also acts against c at that instant."""
    specs = [
        esc.PresenceSpec(id="a-in-b", owner="a", host="b", staff=3),
        esc.PresenceSpec(id="b-in-a", owner="b", host="a", staff=3),
        esc.PresenceSpec(id="c-in-a", owner="c", host="a", staff=5),
    ]
    return esc.Scenario(
        name="rupture",
        start=START,
        horizon_days=100,
        actors=[esc.Actor(id=x) for x in "abc"],
        presences=specs,
        triggers=[
            trigger("a", "b", "close", "b-in-a", delay_days=5),
            trigger("a", "b", "suspend", "a-in-b", delay_days=5),
            trigger("a", "c", "expel", "c-in-a", 2, delay_days=5),
            trigger("a", "c", "criticize", day=5),
        ],
        stop=esc.StopRules(rupture=rupture, quiet_days=None),
    )


def test_rupture_stops_the_run_after_the_effects_due_at_that_instant():
    run = esc.simulate(rupture_world(True), seed=0)
    out = run.outcome
    assert out.ruptured and out.stop_reason == "rupture"
    assert (out.time_to_rupture, out.rupture_date, out.rupture_pair) == (
        5.0,
        date(2024, 1, 6),
        ("a", "b"),
    )
    assert out.end_time == 5.0
    assert run.final.presence("c-in-a").staff == 3  # the effect due at 5 still happened
    assert "criticize" not in {e.measure.value for e in run.events}  # announcements did not
    assert out.final["b-in-a"] == (0, None, Status.CLOSED)


def test_without_the_rupture_rule_the_run_goes_on():
    out = esc.simulate(rupture_world(False), seed=0).outcome
    assert out.ruptured and out.time_to_rupture == 5.0 and out.stop_reason == "horizon"
    assert out.acts == 4


def test_an_answer_loop_at_one_instant_is_cut_off(monkeypatch):
    monkeypatch.setattr(play, "MAX_ACTS", 200)
    instant = esc.TitForTat(lag=0)
    sc = two_actor_scenario(instant, instant, triggers=[trigger("a", "b", "criticize")])
    out = esc.simulate(sc, seed=0).outcome
    assert (out.stop_reason, out.acts, out.end_time) == ("limit", 200, 0.0)


# -- seeds ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make_seed",
    [lambda: 12, lambda: np.random.default_rng(12), lambda: np.random.SeedSequence(12)],
    ids=["int", "generator", "seedsequence"],
)
def test_same_seed_same_run(make_seed):
    first = esc.simulate(stochastic_scenario(), seed=make_seed())
    second = esc.simulate(stochastic_scenario(), seed=make_seed())
    assert first.events == second.events and first.outcome == second.outcome


def test_int_and_seed_sequence_agree_and_a_generator_gives_one_draw():
    runs = [esc.simulate(stochastic_scenario(), seed=s) for s in (12, np.random.SeedSequence(12))]
    assert runs[0].events == runs[1].events
    assert runs[0].seed == 12
    assert runs[1].seed["entropy"] == 12
    # A Generator keys the run's stream with one 64-bit draw, and advances by it.
    gen = np.random.default_rng(12)
    key = int(np.random.default_rng(12).integers(0, 2**64, dtype=np.uint64))
    by_generator = esc.simulate(stochastic_scenario(), seed=gen)
    assert by_generator.seed == {"key": key}
    assert by_generator.events == esc.simulate(stochastic_scenario(), Stream(key)).events
    assert gen.integers(0, 2**64, dtype=np.uint64) != key


def test_different_seeds_differ():
    times = {
        tuple(e.time for e in esc.simulate(stochastic_scenario(), seed=s).events) for s in range(5)
    }
    assert len(times) == 5


@pytest.mark.parametrize("bad", [1.5, "7", True])
def test_bad_seeds_are_refused(bad):
    with pytest.raises(TypeError, match="seed"):
        esc.simulate(stochastic_scenario(), seed=bad)


def test_the_caller_scenario_is_untouched():
    sc = stochastic_scenario()
    before = sc.model_dump()
    esc.simulate(sc, seed=1)
    assert sc.model_dump() == before
    assert sc.initial_state().snapshot() == esc.simulate(sc, seed=2).initial.snapshot()


# -- three actors -----------------------------------------------------------------------------
def three_actors() -> esc.Scenario:
    return esc.Scenario(
        name="three",
        start="2021-10-05",
        horizon_days=365,
        actors=[
            esc.Actor(id="us", policy=esc.TitForTat(lag=10)),
            esc.Actor(
                id="russia",
                policy=esc.TitForTat(lag=12),
                policies={"nato": esc.GrimTrigger(threshold=5, lag=12, delay=14)},
            ),
            esc.Actor(id="nato", policy=esc.Passive()),
        ],
        presences=[
            esc.PresenceSpec(id="ru-embassy-us", owner="russia", host="us", staff=40),
            esc.PresenceSpec(id="us-embassy-ru", owner="us", host="russia", staff=40),
            esc.PresenceSpec(id="ru-mission-nato", owner="russia", host="nato", staff=18, cap=20),
            esc.PresenceSpec(id="nato-nio-moscow", owner="nato", host="russia", staff=2),
            esc.PresenceSpec(id="nato-mlm-moscow", owner="nato", host="russia", staff=13),
            esc.PresenceSpec(id="us-delegation-nato", owner="us", host="nato", staff=30),
        ],
        triggers=[
            esc.Trigger(actor="nato", target="russia", measure="expel",
                        presence="ru-mission-nato", magnitude=8, date="2021-10-06"),
            esc.Trigger(actor="nato", target="russia", measure="cap",
                        presence="ru-mission-nato", magnitude=10, date="2021-10-06"),
            esc.Trigger(actor="us", target="russia", measure="expel",
                        presence="ru-embassy-us", magnitude=3, date="2021-10-06"),
        ],
        stop=esc.StopRules(rupture=True, quiet_days=None),
    )  # fmt: skip


def test_three_actors_rupture_of_one_pair():
    run = esc.simulate(three_actors(), seed=0)
    out = run.outcome
    assert out.ruptured and out.rupture_pair == ("nato", "russia")
    assert run.final.ruptured("nato", "russia")
    assert not run.final.ruptured("russia", "us")
    assert run.final.presence("us-delegation-nato").status is Status.OPEN
    # Russia answered the US in kind, and NATO by breaking every channel.
    to_us = [e for e in run.announced if (e.actor, e.target) == ("russia", "us")]
    assert [(e.measure, e.magnitude, e.time) for e in to_us] == [(MeasureKind.EXPEL, 3, 13.0)]
    to_nato = {e.measure for e in run.announced if (e.actor, e.target) == ("russia", "nato")}
    assert to_nato == {MeasureKind.SUSPEND, MeasureKind.CLOSE}
    assert out.time_to_rupture == 1 + 12 + 14
    assert out.rupture_date == date(2021, 11, 1)


# -- outcome ----------------------------------------------------------------------------------
def test_outcome_rounds_peak_and_last_mover():
    sc = two_actor_scenario(
        PASSIVE,
        esc.TitForTat(lag=5),
        triggers=[
            trigger("a", "b", "expel", "b-in-a", 2),
            trigger("a", "b", "cap", "b-in-a", 1),  # the same round as the expulsion
            trigger("a", "b", "recall", "a-in-b", 1, day=20),  # routine: no round
        ],
    )
    out = esc.simulate(sc, seed=0).outcome
    assert (out.rounds, out.peak_severity, out.last_mover, out.acts) == (2, 5, "b", 4)


def test_consecutive_measures_by_one_actor_are_one_round():
    sc = two_actor_scenario(
        triggers=[trigger("a", "b", "accuse", day=0), trigger("a", "b", "threaten", day=9)]
    )
    out = esc.simulate(sc, seed=0).outcome
    assert (out.rounds, out.peak_severity, out.last_mover) == (1, 3, "a")
    quiet = esc.simulate(two_actor_scenario(), seed=0).outcome
    assert (quiet.rounds, quiet.peak_severity, quiet.last_mover, quiet.ruptured) == (
        0,
        0,
        None,
        False,
    )


def test_outcome_final_matches_the_final_state_and_the_replayed_states():
    run = esc.simulate(stochastic_scenario(), seed=6)
    assert run.outcome.final == run.final.snapshot()
    *_, (t, last) = run.states()
    assert last.snapshot() == run.final.snapshot()
    assert run.state_at(run.outcome.end_time).snapshot() == run.final.snapshot()
    assert t <= run.outcome.end_time
    # The trigger's expulsion takes effect on the first day: the state at its end shows it.
    assert run.state_at(START).presence("b-in-a").staff == 4
    assert run.initial.presence("b-in-a").staff == 6


def test_the_engine_outcome_is_a_complete_outcome():
    # The engine builds outcomes without the dataclass constructor: every field is set, and
    # the result equals one made by the constructor and stays frozen.
    out = esc.simulate(stochastic_scenario(), seed=6).outcome
    names = [f.name for f in dataclasses.fields(esc.Outcome)]
    assert sorted(vars(out)) == sorted(names)
    again = esc.Outcome(**{n: getattr(out, n) for n in names})
    assert again == out and again.to_dict() == out.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.rounds = 0  # type: ignore[misc]


@pytest.mark.parametrize("name", ["two-states", "nato-russia-2021", "three-actors"])
def test_a_simulator_run_is_the_run_simulate_gives(name):
    # One Simulator runs seed after seed in reused environments, whatever the last run left
    # scheduled (runs stop at a rupture or at the quiet time with events still pending).
    scenario = esc.load_scenario(name)
    sim = engine.Simulator(scenario)
    left = 0
    for seed in range(60):
        again = sim.run(seed)
        fresh = esc.simulate(scenario, seed=seed)
        assert again.to_records() == fresh.to_records()
        assert again.outcome == fresh.outcome
        (env,) = sim._environments
        left += len(env._queue)  # what the next run's environment starts from
    assert left >= 60


def test_threads_sharing_a_simulator_get_their_own_runs():
    from concurrent.futures import ThreadPoolExecutor

    sim = engine.Simulator(stochastic_scenario())
    serial = [sim.run(seed).to_records() for seed in range(200)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda s: sim.run(s).to_records(), range(200)))
    assert threaded == serial


def test_the_initial_state_of_a_run_is_shared_and_read_only():
    sim = engine.Simulator(stochastic_scenario())
    first, second = sim.run(1), sim.run(2)
    assert first.initial is second.initial and first.initial.shared
    before = first.initial.snapshot()
    expel = esc.Measure(MeasureKind.EXPEL, "a", "b", "b-in-a", 1)
    with pytest.raises(TypeError, match="read-only"):
        first.initial.apply(expel)
    mine = first.initial.copy()
    assert not mine.shared
    mine.apply(expel)
    assert first.initial.snapshot() == before != mine.snapshot()
    assert first.state_at(0.0).snapshot() != before  # the trigger's effect, on a copy


def test_simulate_keeps_what_it_prepared_for_a_scenario_object():
    scenario = stochastic_scenario()
    first = esc.simulate(scenario, seed=3)
    assert engine._simulators[id(scenario)][0] is scenario
    assert esc.simulate(scenario, seed=3).to_records() == first.to_records()
    others = [stochastic_scenario() for _ in range(engine.PREPARED_SCENARIOS + 2)]
    for other in others:
        esc.simulate(other, seed=1)
    assert len(engine._simulators) == engine.PREPARED_SCENARIOS  # the oldest went out
    assert id(scenario) not in engine._simulators
    assert esc.simulate(scenario, seed=3).to_records() == first.to_records()


def test_a_rewritten_posterior_file_is_used_by_the_next_run(tmp_path):
    import json
    import os
    import shutil

    bundled = esc.load_scenario("nato-russia-2021")
    assert bundled.posterior is not None
    shutil.copy(bundled.posterior, tmp_path / "posterior.json")
    scenario = bundled.model_copy(update={"posterior": str(tmp_path / "posterior.json")})
    before = [esc.simulate(scenario, seed=s) for s in range(30)]

    data = json.loads((tmp_path / "posterior.json").read_text())
    median = data["parameters"].index("russia.lag.median")
    sigma = data["parameters"].index("russia.lag.sigma")
    for particle in data["particles"]:
        particle[median], particle[sigma] = 60.0, 0.1  # Russia answers after about 60 days
    (tmp_path / "posterior.json").write_text(json.dumps(data))
    os.utime(tmp_path / "posterior.json", ns=(1, 1))  # a new modification time, surely

    after = [esc.simulate(scenario, seed=s) for s in range(30)]
    fresh = [engine.Simulator(scenario).run(s) for s in range(30)]
    assert [r.to_records() for r in after] == [r.to_records() for r in fresh]

    def first_answer(run) -> float:
        return min(e.time for e in run.events if e.actor == "russia" and e.cause is not None)

    assert np.median([first_answer(r) for r in after]) > 45
    assert np.median([first_answer(r) for r in before]) < 15


def test_a_simulator_pickles_without_its_environments():
    import pickle

    sim = engine.Simulator(stochastic_scenario())
    first = sim.run(4)
    assert sim._environments  # one kept for the next run
    copy = pickle.loads(pickle.dumps(sim))
    assert copy._environments == []
    assert copy.run(4).to_records() == first.to_records() == sim.run(4).to_records()
