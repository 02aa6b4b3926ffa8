"""Plots: the numbers behind each plot (on small inputs worked out by hand) and what is drawn.

Every plot is rendered on the Agg backend and saved as a PNG to a temporary directory; the
tests then check the artists: lines, patches, collections, labels, titles, legends, dates.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from datetime import date, timedelta

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer
from matplotlib.patches import Rectangle

import escalation as esc
import escalation.plot as ep
from escalation.ensemble import run_ensemble
from escalation.model.event import Event, Phase
from escalation.model.measure import MeasureKind
from escalation.plot import _data as pd_

START = date(2024, 1, 1)
Z = 1.959963984540054


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flagship() -> esc.Scenario:
    return esc.load_scenario("nato-russia-2021")


@pytest.fixture(scope="module")
def breaking(flagship: esc.Scenario) -> esc.Scenario:
    """The flagship with a Russia that breaks off once its grievance reaches 8: most runs
    rupture within weeks, some never do (censored)."""
    return flagship.with_policy(
        "russia",
        esc.Grievance(
            threshold=4,
            k=1,
            rupture_threshold=8,
            reply_probability=0.8,
            lag={"median": 12, "sigma": 0.5},
            delay={"median": 14, "sigma": 0.3},
        ),
    )


@pytest.fixture(scope="module")
def ens_events(breaking: esc.Scenario):
    return run_ensemble(breaking, 80, seed=3, keep="events")


@pytest.fixture(scope="module")
def ens_outcomes(flagship: esc.Scenario):
    return run_ensemble(flagship, 80, seed=3)


@pytest.fixture(scope="module")
def history() -> esc.History:
    return esc.load_history("nato-russia")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def save(ax, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.stat().st_size > 5_000  # something was drawn


def sample(ruptured, time, rounds=None, last=None, horizon=730.0, events=None) -> pd_.Sample:
    n = len(ruptured)
    return pd_.Sample(
        name="hand",
        scenario=None,
        start=START,
        horizon=horizon,
        actors=("a", "b"),
        labels=("A", "B"),
        outcomes={
            "ruptured": np.array(ruptured, dtype=bool),
            "time_to_rupture": np.array(time, dtype=float),
            "rounds": np.array(rounds if rounds is not None else [1] * n),
            "peak_severity": np.array([5] * n),
            "last_mover": np.array(last if last is not None else [0] * n),
        },
        events=events,
        levels=esc.DEFAULT_LADDER.levels,
    )


def event(eid: int, time: float, severity: int, kind="expel", phase=Phase.ANNOUNCED, actor="a"):
    return Event(
        id=eid,
        act=eid,
        phase=phase,
        time=time,
        date=START + timedelta(days=int(time)),
        actor=actor,
        target="b" if actor == "a" else "a",
        measure=MeasureKind(kind),
        presence=None if MeasureKind(kind).is_statement else "b-in-a",
        magnitude=3,
        severity=severity,
    )


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None, "no legend"
    return [t.get_text() for t in leg.get_texts()]


# -- data, by hand ------------------------------------------------------------------------


def test_wilson_matches_closed_forms():
    # k = 0: the upper bound is z^2 / (n + z^2); k = n mirrors it
    s = pd_.wilson(0, 10)
    assert (s.p, s.lo) == (0.0, 0.0)
    assert s.hi == pytest.approx(Z**2 / (10 + Z**2))
    t = pd_.wilson(10, 10)
    assert t.hi == 1.0 and t.lo == pytest.approx(1 - s.hi)
    # symmetric around one half
    h = pd_.wilson(5, 10)
    assert h.lo + h.hi == pytest.approx(1.0) and h.lo < 0.5 < h.hi
    assert np.isnan(pd_.wilson(0, 0).p)
    with pytest.raises(ValueError):
        pd_.wilson(3, 2)


def test_ecdf_by_hand_with_censored_runs():
    # five runs: ruptures at days 5, 10, 10; two censored (no rupture by the horizon)
    s = sample([True, False, True, True, False], [10, 730, 5, 10, 200])
    e = pd_.ecdf_data(s)
    assert list(e.times) == [5.0, 10.0]
    assert list(e.share) == [pytest.approx(1 / 5), pytest.approx(3 / 5)]
    assert (e.final.k, e.final.n, e.censored) == (3, 5, 2)
    assert e.final.p == pytest.approx(0.6)
    lo, hi = pd_.wilson_arrays([1, 3], 5)
    assert np.allclose(e.lo, lo) and np.allclose(e.hi, hi)
    assert np.all(e.lo <= e.share) and np.all(e.share <= e.hi)


def test_counts_fill_gaps_and_shares():
    s = sample([False] * 4, [730] * 4, rounds=[1, 3, 3, 4])
    c = pd_.count_data(s, "rounds")
    assert c.values == (1, 2, 3, 4)
    assert list(c.counts) == [1, 0, 2, 1]
    assert list(c.shares) == [0.25, 0.0, 0.5, 0.25]
    with pytest.raises(ValueError, match="not an integer outcome"):
        pd_.count_data(s, "ruptured")


def test_last_mover_counts_with_nobody():
    s = sample([False] * 4, [730] * 4, last=[0, 1, -1, 0])
    c = pd_.mover_data(s)
    assert c.values == ("a", "b", "none")
    assert c.labels == ("A", "B", "nobody")
    assert list(c.counts) == [2, 1, 1]
    # "nobody" only when it occurs
    assert pd_.mover_data(sample([False] * 2, [730] * 2, last=[0, 1])).values == ("a", "b")


def test_escalation_paths_are_running_peaks():
    log = [
        event(0, 1.0, 4),
        event(1, 1.0, 4, phase=Phase.EFFECTIVE),
        event(2, 2.5, 3, kind="threaten"),
        event(3, 3.0, 0, kind="restore"),  # not hostile: ignored
        event(4, 5.0, 6, kind="close"),
    ]
    days = pd_.day_grid(6.9)
    assert list(days) == [0, 1, 2, 3, 4, 5, 6]
    paths = pd_.escalation_paths([log, []], days)
    assert paths.tolist() == [[0, 4, 4, 4, 4, 6, 6], [0] * 7]


def test_ruptured_share_by_day():
    share = pd_.ruptured_by(
        np.array([True, True, False, True]), np.array([2.0, 0.5, 9.0, 4.0]), np.arange(6.0)
    )
    assert share.tolist() == [0.0, 0.25, 0.5, 0.5, 0.75, 0.75]


def test_fan_data_quantiles_by_hand():
    logs = [[event(0, 1.0, 4)], [event(0, 2.0, 6)], [], [event(0, 1.0, 5)]]
    s = sample([False, True, False, False], [30, 3.0, 30, 30], horizon=4.0, events=logs)
    fan = pd_.fan_data(s, quantiles=(0.25, 0.5, 1.0))
    # levels on day 1: 4, 0, 0, 5; from day 2: 4, 6, 0, 5. Inverted-cdf quantiles pick the
    # smallest observed level whose share at or below reaches q: day 1 median 0, then 4.
    assert fan.bands[0.25].tolist() == [0, 0, 0, 0, 0]
    assert fan.bands[0.5].tolist() == [0, 0, 4, 4, 4]
    assert fan.bands[1.0].tolist() == [0, 5, 6, 6, 6]
    assert fan.mean.tolist() == [0, 9 / 4, 15 / 4, 15 / 4, 15 / 4]
    assert fan.ruptured.tolist() == [0, 0, 0, 0.25, 0.25]
    assert fan.dates[0] == np.datetime64("2024-01-01") and len(fan.dates) == 5
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        pd_.fan_data(s, quantiles=(0.5, 1.5))


def test_measure_labels():
    assert pd_.measure_label(event(0, 0, 4)) == "expel 3"
    assert pd_.measure_label(event(0, 0, 5, kind="cap")) == "cap -3"
    assert pd_.measure_label(event(0, 0, 6, kind="close")) == "close b-in-a"
    assert pd_.measure_label(event(0, 0, 3, kind="threaten")) == "threaten"


def test_trajectory_data_of_the_documented_history(history):
    t = pd_.trajectory_data(history)  # replayed on the way
    nato, russia = t.path("nato"), t.path("russia")
    assert nato.label == "NATO" or nato.label == "nato"
    oct6 = next(m for m in nato.marks if m.date == date(2021, 10, 6))
    assert oct6.text.splitlines() == ["expel 8", "cap -10"]
    assert oct6.level == max(esc.DEFAULT_LADDER.severity(MeasureKind.CAP, 10), 4)
    oct18 = next(m for m in russia.marks if m.date == date(2021, 10, 18))
    assert "close nato-mlm-moscow" in oct18.text.splitlines()
    assert oct18.level == esc.DEFAULT_LADDER.severity(MeasureKind.SUSPEND)
    # steps: level 0 at the start, the package level at each package date, held to the end
    assert nato.dates[0] == history.start and nato.levels[0] == 0
    assert nato.dates[-1] == t.end and nato.levels[-1] == nato.levels[-2]
    assert t.rupture == date(2021, 11, 1)
    # routine recalls are not marked
    assert not any("recall" in m.text for p in t.paths for m in p.marks)


def test_unknown_outcome_lists_the_valid_ones(ens_outcomes):
    with pytest.raises(ValueError) as info:
        ep.outcome_distribution(ens_outcomes, "ruptures")
    for name in esc.OUTCOME_NAMES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="time_to_rupture"):
        ep.compare({"x": ens_outcomes}, "acts")


def test_sample_from_runs_equals_sample_from_ensemble(breaking):
    ens = run_ensemble(breaking, 12, seed=5, keep="events")
    runs = [ens.rerun(i) for i in range(12)]
    a, b = pd_.as_sample(ens), pd_.as_sample(runs)
    for name in ("ruptured", "rounds", "peak_severity", "last_mover"):
        assert np.array_equal(a[name], b[name]), name
    assert np.allclose(a["time_to_rupture"], b["time_to_rupture"])
    with pytest.raises(ValueError, match="different scenarios"):
        pd_.as_sample([runs[0], esc.replay(esc.load_history("nato-russia"))])
    with pytest.raises(TypeError, match="Ensemble"):
        pd_.as_sample(42)


def test_failed_runs_are_left_out_and_said(flagship):
    def flaky(ctx):
        if ctx.rng.random() < 0.5:
            raise RuntimeError("policy broke")
        return ctx.mirror()

    scen = flagship.with_policy("russia", esc.as_policy(flaky))
    with pytest.warns(RuntimeWarning, match="runs failed"):
        ens = run_ensemble(scen, 30, seed=2)
    failed = int(ens["failed"].sum())
    assert 0 < failed < 30
    s = pd_.as_sample(ens)
    assert (s.n, s.failed) == (30 - failed, failed)
    ax = ep.outcome_distribution(ens, "rounds")
    assert f"{failed} failed run" in ax.get_title()
    assert sum(b.get_height() for b in bars(ax)) == 30 - failed


# -- drawings -----------------------------------------------------------------------------


def date_axis(ax) -> bool:
    get = getattr(ax.xaxis, "get_converter", None)
    converter = get() if get is not None else ax.xaxis.converter
    return converter is not None and "date" in type(converter).__name__.lower()


def test_trajectory_of_a_run_with_history(flagship, history, tmp_path):
    run = esc.simulate(flagship, seed=7)
    ax = ep.trajectory(run, history=history)
    save(ax, tmp_path, "trajectory")
    assert date_axis(ax)
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    lo, hi = (mdates.num2date(x).date() for x in ax.get_xlim())
    assert lo <= run.start and hi >= run.date_of(run.outcome.end_time)
    assert legend_texts(ax) == ["NATO", "Russia", "NATO (documented)", "Russia (documented)"]
    assert "seed 7" in ax.get_title()
    assert ax.get_ylabel() == "severity (ladder level)"
    assert ax.get_yticklabels()[5].get_text() == "5  large expulsion / mission cap"
    labels = texts(ax)
    assert "expel 8\ncap -10" in labels  # the run's own triggers
    # the documented Russian package of 18 Oct 2021 is annotated (italic, documented style)
    doc = [t for t in ax.texts if "close nato-mlm-moscow" in t.get_text()]
    assert any(t.get_fontstyle() == "italic" for t in doc)
    # step lines: one per actor and per documented actor
    steps = [ln for ln in ax.get_lines() if ln.get_drawstyle() == "steps-post"]
    assert len(steps) == 4
    # labels stay inside the axes and do not overlap each other
    boxes = [t.get_window_extent() for t in ax.texts]
    frame = ax.get_window_extent()
    for i, b in enumerate(boxes):
        assert frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1
        assert not any(b.overlaps(c) for c in boxes[i + 1 :])


def test_trajectory_of_a_replay_and_of_a_history(history, tmp_path):
    ax = ep.trajectory(esc.replay(history))
    save(ax, tmp_path, "replay")
    assert "documented" in ax.get_title()
    assert legend_texts(ax) == ["NATO (documented)", "Russia (documented)"]
    rupture = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert len(rupture) == 1
    assert rupture[0].get_xdata()[0] == mdates.date2num(date(2021, 11, 1))
    ax2 = ep.trajectory(history, annotate=False)
    assert [t.get_text() for t in ax2.texts] == ["rupture\n2021-11-01"]
    assert len(ax.texts) > 5


def test_drawing_on_a_given_axes_makes_no_figure_and_no_global_change(flagship, ens_events):
    before = dict(matplotlib.rcParams)
    _, axes = plt.subplots(1, 3)
    figures = plt.get_fignums()
    assert ep.trajectory(esc.simulate(flagship, seed=1), ax=axes[0]) is axes[0]
    assert ep.fan_chart(ens_events, ax=axes[1]) is axes[1]
    assert ep.outcome_distribution(ens_events, "rounds", ax=axes[2]) is axes[2]
    assert plt.get_fignums() == figures
    assert dict(matplotlib.rcParams) == before


def test_fan_chart(ens_events, tmp_path):
    ax = ep.fan_chart(ens_events)
    save(ax, tmp_path, "fan")
    assert date_axis(ax)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    assert legend_texts(ax) == ["10-90 % of runs", "25-75 % of runs", "median", "mean"]
    assert "all 80 runs" in ax.get_title()
    # the rupture share is on a panel of its own below, not on a twin axis over the levels
    (share_ax,) = [a for a in ax.figure.axes if a is not ax]
    assert share_ax.bbox.y1 <= ax.bbox.y0
    assert share_ax.get_ylabel() == "runs ruptured\nby then"
    (share,) = share_ax.get_lines()
    fan = pd_.fan_data(ens_events)
    assert np.allclose(share.get_ydata(), fan.ruptured)
    assert share.get_ydata()[-1] == pytest.approx(ens_events["ruptured"].mean())
    # three quantiles: one band and a line for the 50 % quantile
    ax3 = ep.fan_chart(ens_events, quantiles=(0.05, 0.5, 0.95))
    assert len([c for c in ax3.collections if isinstance(c, PolyCollection)]) == 1


def test_fan_chart_inner_band_is_narrower_so_equal_bands_both_show(ens_events):
    ax = ep.fan_chart(ens_events)
    outer, inner = (c for c in ax.collections if isinstance(c, PolyCollection))
    fan = pd_.fan_data(ens_events)
    same = np.flatnonzero(
        (fan.bands[0.1] == fan.bands[0.25]) & (fan.bands[0.9] == fan.bands[0.75])
    )
    assert len(same)  # discrete levels: the two bands cover the same levels on some days
    o, i = outer.get_paths()[0].vertices, inner.get_paths()[0].vertices
    assert o[:, 1].max() > i[:, 1].max() and o[:, 1].min() < i[:, 1].min()


def test_fan_chart_is_cropped_to_the_days_where_something_changes(ens_events):
    ax = ep.fan_chart(ens_events)
    fan = pd_.fan_data(ens_events)
    shown = ax.get_xlim()[1] - mdates.date2num(fan.start)
    assert fan.last_change <= shown < fan.days[-1]
    bottom = ax.figure.axes[-1]
    assert "nothing changes after" in bottom.get_xlabel()
    assert "horizon" in bottom.get_xlabel()


def test_fan_chart_of_an_outcomes_only_ensemble_plays_its_runs_again(ens_outcomes):
    fan = pd_.fan_data(ens_outcomes)
    assert fan.resimulated and fan.n == fan.total == 80 and fan.sample_seed is None
    runs = [ens_outcomes.rerun(i) for i in range(80)]
    again = pd_.fan_data(runs)
    for q in fan.bands:
        np.testing.assert_array_equal(fan.bands[q], again.bands[q])
    np.testing.assert_allclose(fan.ruptured, again.ruptured)
    assert "played again" in fan.source_note()


def test_fan_chart_sample_is_seeded_and_stated_but_the_share_uses_every_run(ens_outcomes):
    a = pd_.fan_data(ens_outcomes, max_runs=25)
    b = pd_.fan_data(ens_outcomes, max_runs=25)
    assert a.n == 25 and a.total == 80 and a.sample_seed == ens_outcomes.seed
    for q in a.bands:
        np.testing.assert_array_equal(a.bands[q], b.bands[q])
    assert a.ruptured[-1] == pytest.approx(ens_outcomes["ruptured"].mean())
    assert "25 of the 80 runs drawn at random (seed 3)" in a.source_note()
    assert pd_.fan_data(ens_outcomes, max_runs=25, seed=4).sample_seed == 4


def test_fan_chart_on_given_axes_writes_the_rupture_share(ens_events):
    _, (top, bottom) = plt.subplots(2, 1)
    assert ep.fan_chart(ens_events, ax=top) is top
    assert any("ruptured by the horizon" in t.get_text() for t in top.texts)
    assert not bottom.lines
    ep.fan_chart(ens_events, ax=top, share_ax=bottom)
    assert len(bottom.lines) == 1


def test_fan_chart_needs_events_or_a_scenario(ens_outcomes):
    import dataclasses

    bare = dataclasses.replace(ens_outcomes, scenario=None)
    with pytest.raises(ValueError, match="keep='events'"):
        ep.fan_chart(bare)


def test_endings_split_rupture_by_last_mover(ens_events, tmp_path):
    ax = ep.endings(ens_events)
    save(ax, tmp_path, "endings")
    d = pd_.endings_data(ens_events)
    ruptured = np.asarray(ens_events["ruptured"], dtype=bool)
    assert d.totals.tolist() == [int(ruptured.sum()), int((~ruptured).sum())]
    assert d.counts.sum() == 80
    mover = ens_events["last_mover"]
    assert d.counts[0, 1] == int(((mover == 1) & ruptured).sum())
    widths = [p.get_width() for p in ax.patches if isinstance(p, Rectangle)]
    assert sum(widths) == pytest.approx(1.0)
    assert any("%" in t.get_text() for t in ax.texts)


def test_ruptured_bars(ens_events, tmp_path):
    ax = ep.outcome_distribution(ens_events, "ruptured")
    save(ax, tmp_path, "ruptured")
    k = int(ens_events["ruptured"].sum())
    assert [b.get_height() for b in bars(ax)] == [k, 80 - k]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ruptured", "not ruptured"]
    assert f"P(rupture) = {100 * k / 80:.1f} %" in ax.get_title()
    # the Wilson intervals, in runs
    (container,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    segments = container.errorbar.lines[2][0].get_segments()
    for seg, share in zip(segments, (pd_.wilson(k, 80), pd_.wilson(80 - k, 80)), strict=True):
        assert seg[:, 1].tolist() == [pytest.approx(share.lo * 80), pytest.approx(share.hi * 80)]


def test_time_to_rupture_ecdf(ens_events, tmp_path):
    ax = ep.outcome_distribution(ens_events, "time_to_rupture")
    save(ax, tmp_path, "ttr")
    (curve,) = ax.get_lines()[:1]
    y = curve.get_ydata()
    k = int(ens_events["ruptured"].sum())
    assert 0 < k < 80  # some censored runs: the plateau is below 1
    assert y[0] == 0 and y[-1] == pytest.approx(k / 80)
    assert np.all(np.diff(y) >= 0)
    assert curve.get_xdata()[-1] == pytest.approx(ens_events.horizon)
    title = ax.get_legend().get_title().get_text()
    assert f"{80 - k} of 80 runs without rupture" in title and "censored" in title
    assert "P(rupture by day 730)" in title
    # cropped to where ruptures happen, saying so (the curve itself still reaches the horizon)
    last = float(ens_events["time_to_rupture"][ens_events["ruptured"]].max())
    assert last < ax.get_xlim()[1] < ens_events.horizon
    assert ax.get_xlabel().startswith("days after the start (2021-10-05); shown to day ")
    assert f"no rupture after day {last:.0f}, horizon day 730" in ax.get_xlabel()
    assert len(ax.child_axes) == 1  # the calendar dates on top


@pytest.mark.parametrize("name", ["rounds", "peak_severity"])
def test_integer_outcomes_as_bars(ens_outcomes, name, tmp_path):
    ax = ep.outcome_distribution(ens_outcomes, name)
    save(ax, tmp_path, name)
    x = ens_outcomes[name]
    values = range(x.min(), x.max() + 1)
    heights = [b.get_height() for b in bars(ax)]
    assert heights == [int((x == v).sum()) for v in values]
    shares = [t for t in texts(ax) if t.endswith("%")]
    assert shares == [f"{100 * h / 80:.1f} %" for h in heights]
    ticks = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert ticks == [str(v) for v in values]
    assert ax.get_ylabel() == "runs"


def test_last_mover_bars(ens_outcomes, tmp_path):
    ax = ep.outcome_distribution(ens_outcomes, "last_mover")
    save(ax, tmp_path, "last_mover")
    x = ens_outcomes["last_mover"]
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["NATO", "Russia"]
    assert [b.get_height() for b in bars(ax)][:2] == [int((x == 0).sum()), int((x == 1).sum())]


def test_compare_every_outcome(ens_outcomes, ens_events, tmp_path):
    both = {"as scripted": ens_outcomes, "Russia breaks off": ens_events}
    ax = ep.compare(both, "ruptured")
    save(ax, tmp_path, "compare-ruptured")
    assert [t.get_text() for t in ax.get_xticklabels()] == list(both)
    (points,) = ax.containers
    assert list(points.lines[0].get_ydata()) == [
        pytest.approx(e["ruptured"].mean()) for e in both.values()
    ]

    ax = ep.compare(both, "time_to_rupture")
    save(ax, tmp_path, "compare-ttr")
    assert [t.split(":")[0] for t in legend_texts(ax)] == list(both)
    assert [ln.get_ydata()[-1] for ln in ax.get_lines()] == [
        pytest.approx(e["ruptured"].mean()) for e in both.values()
    ]

    ax = ep.compare(both, "rounds")
    save(ax, tmp_path, "compare-rounds")
    lo = min(e["rounds"].min() for e in both.values())
    hi = max(e["rounds"].max() for e in both.values())
    assert len(bars(ax)) == 2 * (hi - lo + 1)
    assert legend_texts(ax) == list(both)
    first = [b.get_height() for b in bars(ax)][: hi - lo + 1]
    r = ens_outcomes["rounds"]
    assert first == [pytest.approx((r == v).mean()) for v in range(lo, hi + 1)]

    for name in ("peak_severity", "last_mover"):
        ax = ep.compare(both, name)
        save(ax, tmp_path, f"compare-{name}")
        assert ax.get_legend() is not None and len(bars(ax)) % 2 == 0

    with pytest.raises(ValueError, match="nothing to compare"):
        ep.compare({}, "ruptured")


def test_compared_curves_that_coincide_stay_distinguishable(ens_events):
    ax = ep.compare({"one": ens_events, "the same again": ens_events}, "time_to_rupture")
    first, second = ax.get_lines()[:2]
    assert first.get_linestyle() != second.get_linestyle()
    assert first.get_marker() != second.get_marker()
    assert first.get_color() != second.get_color()
    assert legend_texts(ax)[1].endswith("(same curve as one)")
    assert "(same curve" not in legend_texts(ax)[0]


def test_severity_ladder(tmp_path):
    ax = ep.severity_ladder()
    save(ax, tmp_path, "ladder")
    assert len(bars(ax)) == len(esc.DEFAULT_LADDER.levels)
    assert ax.get_yticklabels()[-1].get_text() == "10  break diplomatic relations"
    assert "suspend" in texts(ax)
    assert any("expel >10" in t for t in texts(ax))
