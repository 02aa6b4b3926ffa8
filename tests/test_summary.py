"""Summaries and comparisons: the interval methods and what the table says."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import escalation as esc
from escalation.ensemble import Ensemble, compare, run_ensemble
from escalation.ensemble.columns import empty_outcomes
from escalation.ensemble.comparison import paired
from escalation.ensemble.stats import (
    Z95,
    kaplan_meier_band,
    km_quantile,
    km_quantile_interval,
    mean,
    newcombe,
    newcombe_paired,
    quantile,
    wilson,
)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_bounds_are_where_the_score_test_is_on_its_edge(kn) -> None:
    k, n = kn
    low, high = wilson(k, n)
    p = k / n
    assert 0 <= low <= p <= high <= 1
    for bound in (low, high):
        if 0 < bound < 1:  # |p - bound| = z * sqrt(bound (1 - bound) / n)
            assert abs(p - bound) == pytest.approx(Z95 * math.sqrt(bound * (1 - bound) / n))
    assert (low == 0) == (k == 0) and (high == 1) == (k == n)


def test_newcombe_matches_the_worked_example_of_the_paper() -> None:
    # Newcombe (1998), Stat Med 17:873, table II, example (a): 56/70 - 48/80, method 10.
    low, high = newcombe(48, 80, 56, 70)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


@given(st.integers(1, 200), st.integers(1, 200), st.data())
def test_newcombe_contains_the_observed_difference(n1, n2, data) -> None:
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    low, high = newcombe(k1, n1, k2, n2)
    assert -1 <= low <= k2 / n2 - k1 / n1 <= high <= 1


def test_paired_newcombe_without_correlation_is_the_unpaired_one() -> None:
    # phi = 0 when both * neither == only_a * only_b: the paired interval reduces to method 10
    # for independent samples of the same size.
    assert newcombe_paired(10, 10, 10, 10) == pytest.approx(newcombe(20, 40, 20, 40))
    assert newcombe_paired(6, 2, 9, 3) == pytest.approx(newcombe(8, 20, 15, 20))


@given(st.tuples(*[st.integers(0, 60)] * 4).filter(lambda t: sum(t) > 0))
def test_paired_newcombe_contains_the_observed_difference(table) -> None:
    _, only_a, only_b, _ = table
    n = sum(table)
    low, high = newcombe_paired(*table)
    assert -1 <= low <= (only_b - only_a) / n <= high <= 1


def test_pairs_that_always_agree_give_an_interval_about_nothing() -> None:
    low, high = newcombe_paired(544, 0, 0, 456)
    assert -0.002 < low <= 0 <= high < 0.002
    assert newcombe(544, 1000, 544, 1000)[1] > 0.04  # what ignoring the pairing would say


def test_paired_intervals_cover_the_truth_about_as_often_as_they_say() -> None:
    # Correlated pairs: a common uniform decides both outcomes (P(a) = 0.3, P(b) = 0.4).
    rng = np.random.default_rng(5)
    reps, n, hits, hits_mean, widths = 400, 150, 0, 0, []
    for _ in range(reps):
        u = rng.random(n)
        noise = rng.random(n) < 0.2  # some pairs disagree at random
        a = np.where(noise, rng.random(n) < 0.3, u < 0.3)
        b = np.where(noise, rng.random(n) < 0.4, u < 0.4)
        low, high = newcombe_paired(
            int(np.sum(a & b)), int(np.sum(a & ~b)), int(np.sum(~a & b)), int(np.sum(~a & ~b))
        )
        hits += low <= 0.1 <= high
        widths.append(high - low)
        m = mean(b.astype(float) - a.astype(float))
        hits_mean += m.low <= 0.1 <= m.high
    assert 0.92 <= hits / reps <= 0.99, hits / reps
    assert 0.90 <= hits_mean / reps <= 0.99, hits_mean / reps
    unpaired = newcombe(45, n, 60, n)
    assert np.median(widths) < 0.7 * (unpaired[1] - unpaired[0])  # pairing pays


def test_kaplan_meier_by_hand() -> None:
    # times 1 2 3 4 with the run at 2 censored: S(1) = 3/4, S(3) = 3/4 * 1/2, S(4) = 0
    t, e = np.array([4.0, 2.0, 1.0, 3.0]), np.array([1, 0, 1, 1], bool)
    times, survival, _, _ = kaplan_meier_band(t, e)
    assert times.tolist() == [1.0, 3.0, 4.0]
    assert survival.tolist() == pytest.approx([0.75, 0.375, 0.0])
    assert km_quantile(times, survival, 0.5) == 3.0
    assert km_quantile(times, survival, 0.25) == 1.0


def test_kaplan_meier_band_by_hand() -> None:
    t = np.array([4.0, 2.0, 1.0, 3.0])
    e = np.array([1, 0, 1, 1], bool)
    times, survival, low, high = kaplan_meier_band(t, e)
    # Greenwood for log S: 1 / (4 * 3) at t = 1, plus 1 / (2 * 1) at t = 3; S(4) = 0.
    for i, var in ((0, 1 / 12), (1, 1 / 12 + 1 / 2)):
        assert low[i] == pytest.approx(survival[i] * math.exp(-Z95 * math.sqrt(var)))
        assert high[i] == pytest.approx(min(1.0, survival[i] * math.exp(Z95 * math.sqrt(var))))
    assert (low[2], high[2]) == (0.0, 0.0)
    assert km_quantile_interval(times, low, high, 0.5) == (1.0, 4.0)  # S_low(1) is 0.43


def test_kaplan_meier_quantile_intervals_cover_the_truth_with_censoring() -> None:
    # Exponential times (median log 2, 10% quantile -log 0.9) censored at random and at 2.
    rng = np.random.default_rng(8)
    truth = {0.1: -math.log(0.9), 0.5: math.log(2)}
    hits = dict.fromkeys(truth, 0)
    reps = 300
    for _ in range(reps):
        t = rng.exponential(1.0, 200)
        c = np.minimum(rng.exponential(2.0, 200), 2.0)
        times, _, low, high = kaplan_meier_band(np.minimum(t, c), t <= c)
        for q, true in truth.items():
            lo, hi = km_quantile_interval(times, low, high, q)
            hits[q] += lo is not None and lo <= true and (hi is None or true <= hi)
    for q, h in hits.items():
        assert 0.91 <= h / reps <= 0.99, (q, h / reps)


def test_kaplan_meier_without_censoring_is_the_empirical_distribution() -> None:
    rng = np.random.default_rng(3)
    t = np.round(rng.exponential(10, 200), 1)
    times, survival, _, _ = kaplan_meier_band(t, np.ones(t.size, bool))
    ecdf = np.array([np.mean(t <= x) for x in times])
    np.testing.assert_allclose(1 - survival, ecdf)
    partial = kaplan_meier_band(t, t < 5)  # everything after 5 censored: 90% is not reached
    assert km_quantile(*partial[:2], 0.9) is None


def test_intervals_cover_the_truth_about_as_often_as_they_say() -> None:
    rng = np.random.default_rng(11)
    hits = {"mean": 0, "median": 0, "p": 0}
    reps = 400
    for _ in range(reps):
        x = rng.exponential(1.0, 150)
        m, q = mean(x), quantile(x, 0.5)
        hits["mean"] += m.low <= 1.0 <= m.high
        hits["median"] += q.low <= math.log(2) <= q.high
        k = int(np.sum(rng.random(60) < 0.1))
        lo, hi = wilson(k, 60)
        hits["p"] += lo <= 0.1 <= hi
    for name, h in hits.items():
        assert 0.90 <= h / reps <= 0.995, (name, h / reps)


def synthetic(ruptured, time, end, rounds, peak, mover, failed=None, horizon=100.0) -> Ensemble:
    n = len(ruptured)
    cols = empty_outcomes(n, ["p"])
    failed = np.zeros(n, bool) if failed is None else np.asarray(failed, bool)
    cols.update(
        ruptured=np.asarray(ruptured, bool),
        censored=~np.asarray(ruptured, bool) & ~failed,
        time_to_rupture=np.asarray(time, float),
        end_time=np.asarray(end, float),
        rounds=np.asarray(rounds, np.int32),
        peak_severity=np.asarray(peak, np.int16),
        last_mover=np.asarray(mover, np.int16),
        failed=failed,
    )
    errors = {int(i): "RuntimeError: x" for i in np.flatnonzero(failed)}
    return Ensemble(
        scenario=None,
        seed=1,
        runs=n,
        version="test",
        runtime=0.0,
        keep="outcomes",
        actors=("a", "b"),
        presences=("p",),
        outcomes=cols,
        errors=errors,
        name="synthetic",
        horizon_days=horizon,
    )


def test_summary_of_a_known_ensemble() -> None:
    ens = synthetic(
        ruptured=[1, 1, 0, 0, 1, 0],
        time=[10, 20, 100, 40, 30, np.nan],
        end=[10, 20, 100, 40, 30, np.nan],
        rounds=[2, 3, 1, 1, 4, -1],
        peak=[7, 8, 5, 5, 7, -1],
        mover=[0, 1, 0, -1, 1, -1],
        failed=[0, 0, 0, 0, 0, 1],
    )
    s = ens.summary()
    assert (s.runs, s.completed, s.failures) == (6, 5, 1)
    assert s.p_rupture.value == pytest.approx(3 / 5)
    assert (s.p_rupture.low, s.p_rupture.high) == wilson(3, 5)
    assert (s.ruptured, s.censored, s.censored_at_horizon) == (3, 2, 1)
    assert s.time_to_rupture["50%"].value == 20.0
    assert s.rounds.value == pytest.approx(2.2)
    assert s.rounds.se == pytest.approx(np.std([2, 3, 1, 1, 4], ddof=1) / math.sqrt(5))
    assert sorted(s.peak_at_least) == [5, 7, 8]
    assert s.peak_at_least[7].value == pytest.approx(3 / 5)
    shares = [e.value for e in s.last_mover.values()]
    assert list(s.last_mover) == ["a", "b", "none"] and sum(shares) == pytest.approx(1)
    # KM: at risk 5; ruptures at 10, 20 (5, 4 at risk), censored at 40, rupture at 30 (3 at risk)
    assert s.km_time_to_rupture["50%"] == 30.0
    text = str(s)
    for words in ("P(rupture)", "Wilson", "Kaplan-Meier", "Censoring", "censored", "1 failed"):
        assert words in text
    assert "2 of 5 runs did not rupture" in text and "1 at the 100-day horizon" in text
    data = json.loads(json.dumps(s.to_dict()))
    assert data["failures"] == 1 and data["p_rupture"]["value"] == pytest.approx(0.6)
    assert data["errors"] == {"5": "RuntimeError: x"}


def test_summary_states_its_terms_and_leaves_out_rows_constant_by_construction() -> None:
    ens = synthetic([1, 0, 0], [10, 50, 100], [10, 50, 100], [2, 1, 1], [7, 5, 5], [1, 0, 0])
    ens.start = date(2021, 10, 5)
    s = ens.summary()
    text = str(s)
    assert "days count from the scenario's start, 2021-10-05 (day 0)" in text
    for words in ("Rounds are turns", "Peak severity is the highest level on the severity ladder"):
        assert words in text
    # every run peaked at 5 or more (the lowest level seen), and none ended without a
    # hostile measure: said in words, not shown as rows of 1.000 and 0.000
    assert "P(peak severity >= 5)" not in text and "last mover none" not in text
    assert "every run reached peak severity 5 or more" in text
    assert "every run had a hostile measure" in text
    assert "P(peak severity >= 7)" in text and "last mover a" in text
    assert [q for q, _ in s.shown_rows()] == [
        q for q, _ in s.rows() if q not in ("P(peak severity >= 5)", "last mover none")
    ]
    assert "P(peak severity >= 5)" not in s._repr_html_()
    d = s.to_dict()  # the data keep every figure
    assert d["p_peak_at_least"]["5"]["value"] == 1.0 and d["start"] == "2021-10-05"


def test_summary_without_any_rupture_says_not_reached() -> None:
    ens = synthetic([0, 0, 0], [100, 50, 100], [100, 50, 100], [1, 2, 1], [5, 6, 5], [0, 1, 0])
    s = ens.summary()
    assert s.p_rupture.value == 0 and s.p_rupture.high > 0
    assert all(v is None for v in s.km_time_to_rupture.values())
    assert "not reached" in str(s)
    d = json.loads(json.dumps(s.to_dict()))  # NaN quantiles become null
    assert d["time_to_rupture_among_ruptured"]["50%"]["value"] is None


def test_compare_against_the_first_entry() -> None:
    scenario = esc.load_scenario("nato-russia-2021")
    # every run of the refitted Moscow ruptures; a passive one never answers
    calm = scenario.with_policy("russia", esc.Passive(), keep_posterior=False)
    a = run_ensemble(scenario, 200, 4)
    b = run_ensemble(calm, 200, 4)  # the same seeds: paired with a
    again = run_ensemble(scenario, 200, 5)  # other seeds: independent of a
    assert paired(a, b) and not paired(a, again) and not paired(a, run_ensemble(calm, 150, 4))
    c = compare({"as documented": a, "calm": b, "again": again})
    assert c.baseline == "as documented" and list(c.differences) == ["calm", "again"]
    sa, sb, s_again = a.summary(), b.summary(), again.summary()

    rupture = c.differences["calm"][0]
    assert rupture.quantity == "P(rupture)" and rupture.method == "Newcombe, paired"
    assert rupture.difference == pytest.approx(sb.p_rupture.value - sa.p_rupture.value)
    ra, rb = a["ruptured"], b["ruptured"]
    table = [int(np.sum(x)) for x in (ra & rb, ra & ~rb, ~ra & rb, ~ra & ~rb)]
    assert (rupture.low, rupture.high) == newcombe_paired(*table)
    assert rupture.high < 0  # the passive Moscow ruptures far less often
    rounds = c.differences["calm"][1]
    assert rounds.method == "normal, paired"
    d = b["rounds"].astype(float) - a["rounds"].astype(float)
    assert rounds.difference == pytest.approx(d.mean())
    assert rounds.high - rounds.low == pytest.approx(2 * Z95 * d.std(ddof=1) / math.sqrt(d.size))

    independent = c.differences["again"][0]
    assert independent.method == "Newcombe"
    assert (independent.low, independent.high) == newcombe(
        sa.ruptured, sa.completed, s_again.ruptured, s_again.completed
    )
    rounds = c.differences["again"][1]
    assert rounds.method == "normal"
    se = math.hypot(sa.rounds.se, s_again.rounds.se)
    assert rounds.high - rounds.low == pytest.approx(2 * Z95 * se)

    text = str(c)
    assert "Newcombe, paired" in text and "calm" in text and "(baseline)" in text
    data = json.loads(json.dumps(c.to_dict()))
    assert set(data["summaries"]) == {"as documented", "calm", "again"}
    with pytest.raises(ValueError):
        compare({})


def test_paired_comparison_leaves_out_pairs_with_a_failed_run() -> None:
    a = synthetic(
        [1, 0, 1, 1], [5, 100, 7, 9], [5, 100, 7, 9], [2, 1, 2, 3], [6, 4, 6, 7], [0] * 4
    )
    b = synthetic(
        [1, 1, 0, 1],
        [4, 8, 100, 6],
        [4, 8, 100, 6],
        [2, 2, 1, 1],
        [6, 6, 4, 5],
        [0] * 4,
        failed=[False, False, False, True],
    )
    assert paired(a, b)
    rupture, rounds, peak = compare({"a": a, "b": b}).differences["b"]
    # pairs 0-2 only: a ruptured 1, 0, 1 and b 1, 1, 0
    assert rupture.difference == 0.0 and (rupture.low, rupture.high) == newcombe_paired(1, 1, 1, 0)
    assert rounds.difference == pytest.approx(0.0) and peak.difference == pytest.approx(0.0)


def test_kaplan_meier_counts_quiet_runs_as_rupture_free_to_the_horizon() -> None:
    ensemble = run_ensemble(esc.load_scenario("nato-russia-2021"), 300, 12)
    s = ensemble.summary()
    assert s.censored_at_horizon == 0  # every unruptured run ended by the quiet rule
    times = np.sort(ensemble["time_to_rupture"][ensemble["ruptured"]])
    for q in (0.1, 0.5):
        share = np.arange(1, times.size + 1) / ensemble.runs  # plain share of all runs
        first = times[np.nonzero(share >= q - 1e-12)[0][0]] if share[-1] >= q else None
        assert s.km_time_to_rupture[f"{q:.0%}"] == first
