"""Plots of runs and ensembles.

Every function takes ``ax=None`` (a new figure is made when it is ``None``) and returns the
matplotlib :class:`~matplotlib.axes.Axes` it drew on. The numbers each plot shows are computed
in :mod:`escalation.plot._data`, apart from the drawing. Nothing here changes matplotlib's
global state (no ``rcParams``, no pyplot state beyond :func:`matplotlib.pyplot.subplots` when a
figure is needed).

* :func:`trajectory`: one run (or a replayed history) over calendar dates, with its measures
  annotated and, on request, the documented history overlaid.
* :func:`fan_chart`: quantile bands of the escalation level across an ensemble's runs, with the
  share of runs ruptured by each date.
* :func:`outcome_distribution`: the distribution of one outcome, in the view its type calls
  for, with its uncertainty.
* :func:`compare`: one outcome side by side across scenarios.
* :func:`severity_ladder`: the levels of a ladder and the measures on each.

Ensembles come from :func:`escalation.run_ensemble`; a list of :class:`~escalation.Run` works
too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.ticker import MaxNLocator, PercentFormatter
from matplotlib.transforms import Bbox

from escalation.model.ladder import DEFAULT_LADDER, Ladder
from escalation.plot._data import (
    Counts,
    Ecdf,
    Mark,
    as_sample,
    binary_data,
    check_outcome,
    count_data,
    ecdf_data,
    fan_data,
    ladder_data,
    mover_data,
    trajectory_data,
    wilson,
)
from escalation.sim.history import History
from escalation.sim.run import Run

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation

__all__ = ["compare", "fan_chart", "outcome_distribution", "severity_ladder", "trajectory"]

#: Display names of the outcomes (axis labels and titles).
OUTCOME_TITLES: Mapping[str, str] = {
    "ruptured": "Rupture",
    "time_to_rupture": "Time to rupture",
    "rounds": "Rounds",
    "peak_severity": "Peak severity",
    "last_mover": "Last mover",
}


def _axes(ax: Axes | None, size: tuple[float, float] = (9.0, 5.0)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _level_ticks(ax: Axes, levels: Sequence[str], top: int | None = None) -> None:
    top = len(levels) - 1 if top is None else top
    ax.set_yticks(range(top + 1))
    ax.set_yticklabels([f"{i}  {levels[i]}" for i in range(top + 1)], fontsize="small")
    ax.set_ylim(-0.4, top + 0.6)


def _percent(ax: Axes) -> None:
    """Percent tick labels on the y axis (shares in [0, 1]); call after setting the limits."""
    lo, hi = ax.get_ylim()
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if hi - lo >= 0.1 else None))


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if x < 0.995 or x == 1 else f"{100 * x:.2f} %"


def _interval(lo: float, hi: float) -> str:
    return f"[{100 * lo:.1f}, {100 * hi:.1f}]"


def _failed_note(failed: int) -> str:
    return f"; {failed} failed run{'s' * (failed != 1)} left out" if failed else ""


# -- trajectory ---------------------------------------------------------------------------


def _np_dates(days: Sequence[date]) -> np.ndarray:
    return np.array(days, dtype="datetime64[D]")


def _is_replay(run: Run) -> bool:
    return all(a.policy is None and not a.policies for a in run.scenario.actors)


def trajectory(
    run: Run | History,
    ax: Axes | None = None,
    history: History | Run | None = None,
    *,
    annotate: bool = True,
) -> Axes:
    """Plot one run: the severity of each actor's measures over calendar dates.

    Each actor gets a step line holding the severity of its latest package (the most severe of
    the hostile measures it announced that day); a marker at each package is annotated with
    the measures (``"expel 8"``, ``"cap -10"``, ``"close nato-mlm-moscow"``). A dotted
    vertical line marks the rupture, if any.

    Parameters
    ----------
    run
        A simulated run, a replayed one (:func:`escalation.replay`) or a
        :class:`~escalation.History` (replayed here).
    ax
        Axes to draw on; a new figure when ``None``.
    history
        Documented events to overlay (a :class:`~escalation.History` or a replayed run), in a
        dashed style with hollow diamonds. Only the documented events between the run's start
        and end are drawn, so that a simulation's window is kept.
    annotate
        Whether to write the measures next to the markers.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    replayed = isinstance(run, History) or _is_replay(run)
    data = trajectory_data(run)
    ax = _axes(ax, (11.0, 5.5))
    colours = {p.actor: f"C{i}" for i, p in enumerate(data.paths)}
    labels: list[tuple[Mark, str, str]] = []
    for p in data.paths:
        colour = colours[p.actor]
        suffix = " (documented)" if replayed and history is None else ""
        ax.plot(
            _np_dates(p.dates),
            p.levels,
            drawstyle="steps-post",
            color=colour,
            linewidth=2.0,
            label=f"{p.label}{suffix}",
        )
        for hostile, marker, face in ((True, "o", colour), (False, "v", "white")):
            marks = [m for m in p.marks if m.hostile is hostile]
            if marks:
                ax.plot(
                    _np_dates([m.date for m in marks]),
                    [m.level for m in marks],
                    linestyle="none",
                    marker=marker,
                    markersize=7,
                    markerfacecolor=face,
                    color=colour,
                    zorder=3,
                )
        labels += [(m, colour, "sim") for m in p.marks]
    first, last = data.start, data.end
    if history is not None:
        doc = trajectory_data(history)
        seen = {(m.date, m.text) for m, _, _ in labels}
        for i, p in enumerate(doc.paths):
            colour = colours.get(p.actor, f"C{len(colours) + i}")
            keep = [j for j, d in enumerate(p.dates) if first <= d <= last]
            if not keep:
                continue
            # carry the level in force at the window's start, and stop at the run's end
            lo = max(keep[0] - 1, 0)
            dates = [max(d, first) for d in p.dates[lo : keep[-1] + 1]]
            levels = list(p.levels[lo : keep[-1] + 1])
            dates.append(last)
            levels.append(levels[-1])
            ax.plot(
                _np_dates(dates),
                levels,
                drawstyle="steps-post",
                color=colour,
                label=f"{p.label} (documented)",
                alpha=0.8,
                linewidth=1.3,
                linestyle=(0, (4, 2)),
            )
            marks = [m for m in p.marks if first <= m.date <= last and m.hostile]
            ax.plot(
                _np_dates([m.date for m in marks]),
                [m.level for m in marks],
                linestyle="none",
                marker="D",
                markersize=7,
                markerfacecolor="none",
                markeredgewidth=1.5,
                color=colour,
                zorder=4,
            )
            labels += [(m, colour, "doc") for m in marks if (m.date, m.text) not in seen]
    if data.rupture is not None:
        when = mdates.date2num(data.rupture)
        ax.axvline(when, color="0.3", linestyle=":", linewidth=1.2, zorder=1)
        ax.annotate(
            f"rupture\n{data.rupture.isoformat()}",
            xy=(when, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize="small",
            color="0.3",
        )
    span = max((last - first).days, 1)
    pad = timedelta(days=max(1, round(span * 0.03)))
    ax.set_xlim(mdates.date2num(first - pad), mdates.date2num(last + pad))
    top = max(int(max((p.levels.max() for p in data.paths), default=0)) + 3, 5)
    _level_ticks(ax, data.levels, min(top, len(data.levels) - 1))
    _date_axis(ax)
    ax.set_ylabel("severity (ladder level)")
    ax.set_xlabel("date (announcements)")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    if replayed:
        title = f"{data.name}: documented measures, replayed"
    else:
        seed = run.seed if isinstance(run, Run) else None
        title = f"{data.name}: one run" + (f" (seed {seed})" if seed is not None else "")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    if annotate:
        _place_labels(ax, labels)
    return ax


def _place_labels(ax: Axes, labels: Sequence[tuple[Mark, str, str]]) -> None:
    """Annotate the markers, moving each label until it overlaps none placed before it."""
    candidates = [
        (0, 9, "center", "bottom"),
        (0, -9, "center", "top"),
        (10, 4, "left", "bottom"),
        (-10, 4, "right", "bottom"),
        (10, -4, "left", "top"),
        (-10, -4, "right", "top"),
    ]
    for step in (28, 48, 68, 88):
        candidates += [(0, step, "center", "bottom"), (0, -step, "center", "top")]
        candidates += [(14, step, "left", "bottom"), (-14, step, "right", "bottom")]
    # settle the layout first: positions measured before a constrained layout moves the axes
    # would be stale when the figure is drawn
    engine = getattr(ax.figure, "get_layout_engine", lambda: None)()
    if engine is not None:
        engine.execute(ax.figure)
    axbox = ax.get_window_extent()
    legend = ax.get_legend()
    placed = [legend.get_window_extent()] if legend is not None else []
    # markers are obstacles too
    for m, _, _ in labels:
        x, y = ax.transData.transform((mdates.date2num(m.date), m.level))
        placed.append(Bbox.from_bounds(x - 5, y - 5, 10, 10))
    for m, colour, kind in sorted(labels, key=lambda t: (t[0].date, -t[0].level)):
        style = "italic" if kind == "doc" else "normal"
        best: tuple[float, tuple[int, int, str, str]] | None = None
        for cand in candidates:
            text = _annotate(ax, m, colour, style, cand)
            box = text.get_window_extent().expanded(1.04, 1.1)
            text.remove()
            cost = sum(_area(box, b) for b in placed) + 10 * _outside(box, axbox)
            if best is None or cost < best[0]:
                best = (cost, cand)
            if cost == 0:
                break
        assert best is not None
        text = _annotate(ax, m, colour, style, best[1])
        placed.append(text.get_window_extent())


def _annotate(
    ax: Axes, m: Mark, colour: str, style: str, cand: tuple[int, int, str, str]
) -> Annotation:
    dx, dy, ha, va = cand
    return ax.annotate(
        m.text,
        xy=(m.date, m.level),
        xytext=(dx, dy),
        textcoords="offset points",
        ha=ha,
        va=va,
        fontsize="x-small",
        fontstyle=style,
        color=colour,
        linespacing=1.1,
        arrowprops=(
            {"arrowstyle": "-", "color": colour, "linewidth": 0.6, "shrinkB": 4}
            if abs(dy) > 20
            else None
        ),
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def _area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def _outside(box: Bbox, frame: Bbox) -> float:
    """Area of ``box`` outside ``frame``."""
    return box.width * box.height - _area(box, frame)


# -- fan chart ----------------------------------------------------------------------------


def fan_chart(
    ensemble: Any,
    ax: Axes | None = None,
    quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
) -> Axes:
    """Plot quantile bands of the escalation level over calendar time, and rupture shares.

    The escalation level of a run on a day is the highest severity of a hostile measure
    announced so far (its running peak); it is computed on a daily grid from the start to the
    horizon. Bands join symmetric quantiles (10-90 %, 25-75 % by default); the median is a
    line. The share of runs ruptured by each date is drawn on a second y axis (right).

    Parameters
    ----------
    ensemble
        An ensemble run with ``keep="events"``, or a list of runs.
    ax
        Axes to draw on; a new figure when ``None``.
    quantiles
        Quantiles of the level across runs, each in [0, 1].

    Returns
    -------
    Axes
        The axes of the bands (the rupture share is on its twin, ``ax.right_ax``-style twin
        found in ``ax.figure.axes``).

    Raises
    ------
    ValueError
        If the ensemble kept outcomes only (``keep="outcomes"``).
    """
    fan = fan_data(ensemble, quantiles)
    ax = _axes(ax)
    qs = sorted(fan.bands)
    pairs = [(qs[i], qs[-1 - i]) for i in range(len(qs) // 2)]
    alphas = np.linspace(0.18, 0.42, max(len(pairs), 1))
    for (lo, hi), alpha in zip(pairs, alphas, strict=False):
        ax.fill_between(
            fan.dates,
            fan.bands[lo],
            fan.bands[hi],
            step="post",
            color="C0",
            alpha=float(alpha),
            linewidth=0,
            label=f"{100 * lo:g}-{100 * hi:g} % of runs",
        )
    if len(qs) % 2:
        mid = qs[len(qs) // 2]
        name = "median" if mid == 0.5 else f"{100 * mid:g} % quantile"
        ax.step(fan.dates, fan.bands[mid], where="post", color="C0", linewidth=2, label=name)
    ax.plot(fan.dates, fan.mean, color="C0", linestyle=":", linewidth=1.2, label="mean")
    top = min(max(int(max(b.max() for b in fan.bands.values())) + 2, 5), len(fan.levels) - 1)
    _level_ticks(ax, fan.levels, top)
    ax.set_ylabel("escalation level (peak severity so far)")
    _date_axis(ax)
    ax.set_xlabel(f"date (from the start, {fan.start.isoformat()}, to the horizon)")
    ax.set_xlim(mdates.date2num(fan.dates[0]), mdates.date2num(fan.dates[-1]))
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    right = ax.twinx()
    # keep the bands and the legend above the rupture line of the twin
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    right.plot(
        fan.dates,
        fan.ruptured,
        color="C3",
        linewidth=1.8,
        label=f"runs ruptured (right axis; {_pct(fan.ruptured[-1])} by the horizon)",
    )
    right.set_ylim(0, max(0.1, min(1.0, float(np.nanmax(fan.ruptured)) * 1.25)))
    _percent(right)
    right.set_ylabel("share of runs ruptured", color="C3")
    right.tick_params(axis="y", colors="C3")
    handles, names = ax.get_legend_handles_labels()
    h2, n2 = right.get_legend_handles_labels()
    ax.legend(handles + h2, names + n2, loc="lower right", fontsize="small", framealpha=0.9)
    ax.set_title(f"{fan.name}: escalation over time, {fan.n} runs{_failed_note(fan.failed)}")
    return ax


# -- outcome distributions ----------------------------------------------------------------


def _bars(ax: Axes, c: Counts, colour: str | Sequence[str] = "C0") -> None:
    x = np.arange(len(c.values))
    lo, hi = c.intervals()
    err = np.vstack([c.counts - lo * c.n, hi * c.n - c.counts])
    ax.bar(x, c.counts, color=colour, width=0.7, yerr=err, capsize=3, ecolor="0.35")
    for xi, s, h in zip(x, c.shares, hi, strict=True):
        ax.annotate(
            _pct(float(s)),
            xy=(xi, h * c.n),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_xticks(x)
    ax.set_xticklabels(c.labels)
    ax.set_ylabel("runs")
    ax.set_ylim(0, max(float(hi.max() * c.n) * 1.15, 1.0) if c.n else 1.0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _ecdf(ax: Axes, e: Ecdf, colour: str, label: str | None) -> None:
    x = np.concatenate([[0.0], e.times, [e.horizon]])
    y = np.concatenate([[0.0], e.share, [e.final.p]])
    lo = np.concatenate([[0.0], e.lo, [e.lo[-1] if len(e.lo) else 0.0]])
    hi = np.concatenate([[0.0], e.hi, [e.hi[-1] if len(e.hi) else 0.0]])
    if e.n and not e.final.k:
        hi[:] = e.final.hi
    ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.18, linewidth=0)
    ax.step(x, y, where="post", color=colour, linewidth=2, label=label)


def _days_axis(ax: Axes, start: date) -> None:
    """A top axis with the calendar dates of a days-since-start bottom axis."""
    origin = mdates.date2num(start)
    top = ax.secondary_xaxis("top", functions=(lambda d: d + origin, lambda n: n - origin))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    top.xaxis.set_major_locator(locator)
    top.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    top.tick_params(labelsize="small")


def _time_axes(ax: Axes, horizon: float, top_share: float) -> None:
    ax.set_xlim(0, horizon * 1.01)
    ax.set_ylim(0, min(1.0, max(0.05, top_share * 1.3)))
    _percent(ax)
    ax.set_ylabel("share of runs ruptured by then")
    ax.grid(color="0.92")
    ax.set_axisbelow(True)


def outcome_distribution(ensemble: Any, name: str, ax: Axes | None = None) -> Axes:
    """Plot the distribution of one outcome across an ensemble's runs.

    The view follows the outcome's type:

    ``ruptured``
        Bars of the runs ruptured and not, with 95 % Wilson intervals.
    ``time_to_rupture``
        The empirical CDF of the time to rupture (days after the start, dates on the top axis)
        over all runs, with a pointwise 95 % Wilson band. Runs without a rupture are censored
        at the horizon: the curve plateaus at P(rupture), annotated with its interval and the
        number censored.
    ``rounds``, ``peak_severity``
        Bars of the runs per value (every integer in the range), each labelled with its share
        and carrying a 95 % interval.
    ``last_mover``
        Bars per actor (and "nobody" when no hostile measure was taken).

    Parameters
    ----------
    ensemble
        An ensemble (:func:`escalation.run_ensemble`) or a list of runs.
    name
        One of :data:`escalation.sim.outcome.OUTCOME_NAMES`.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        If ``name`` is not an outcome name (the message lists them).
    """
    kind = check_outcome(name)
    sample = as_sample(ensemble)
    ax = _axes(ax)
    scen = sample.name
    note = _failed_note(sample.failed)
    if kind == "binary":
        c = binary_data(sample)
        _bars(ax, c, ["C3", "0.6"])
        p = wilson(int(c.counts[0]), c.n)
        ax.set_title(f"{scen}: P(rupture) = {_pct(p.p)} {_interval(p.lo, p.hi)}, {c.n} runs{note}")
        ax.set_xlabel("outcome by the horizon (95 % Wilson intervals)")
    elif kind == "time":
        e = ecdf_data(sample)
        _ecdf(ax, e, "C3", "share ruptured (95 % band)")
        ax.axhline(e.final.p, color="0.4", linestyle="--", linewidth=1)
        _time_axes(ax, e.horizon, float(e.final.hi))
        ax.set_xlabel(f"days after the start ({e.start.isoformat()})")
        _days_axis(ax, e.start)
        ax.legend(
            loc="best",
            fontsize="small",
            title=(
                f"P(rupture by day {e.horizon:g}) = {_pct(e.final.p)} "
                f"{_interval(e.final.lo, e.final.hi)}\n"
                f"{e.censored} of {e.n} runs without rupture by then (censored)"
            ),
            title_fontsize="small",
        )
        ax.set_title(f"{scen}: time to rupture, {e.n} runs{note}")
    elif kind == "count":
        c = count_data(sample, name)
        _bars(ax, c)
        if name == "peak_severity":
            levels = sample.levels
            ax.set_xticklabels(
                [f"{v}\n" + textwrap.fill(levels[int(v)], 14) for v in c.values],
                fontsize="small",
            )
            ax.set_xlabel("peak severity (ladder level)")
        else:
            ax.set_xlabel("rounds (turns of hostile measures)")
        ax.set_title(f"{scen}: {OUTCOME_TITLES[name].lower()}, {c.n} runs{note}")
    else:
        c = mover_data(sample)
        _bars(ax, c)
        ax.set_xlabel("actor of the last hostile measure")
        ax.set_title(f"{scen}: last mover, {c.n} runs{note}")
    return ax


# -- comparisons --------------------------------------------------------------------------


def compare(ensembles: Mapping[str, Any], name: str, ax: Axes | None = None) -> Axes:
    """Plot one outcome side by side across scenarios (counterfactuals).

    ``ruptured``: P(rupture) per scenario as points with 95 % Wilson intervals.
    ``time_to_rupture``: the ECDFs overlaid (censored at each horizon).
    ``rounds``, ``peak_severity``, ``last_mover``: grouped bars of shares with intervals.

    Parameters
    ----------
    ensembles
        Label -> ensemble (or list of runs), e.g. ``{"as documented": a, "no cap cut": b}``.
    name
        One of :data:`escalation.sim.outcome.OUTCOME_NAMES`.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        If ``name`` is not an outcome name, or ``ensembles`` is empty.
    """
    kind = check_outcome(name)
    if not ensembles:
        raise ValueError("nothing to compare: pass {label: ensemble, ...}")
    samples = {label: as_sample(e) for label, e in ensembles.items()}
    ax = _axes(ax)
    sizes = sorted({s.n for s in samples.values()})
    runs = f"{sizes[0]} runs each" if len(sizes) == 1 else "runs: " + ", ".join(map(str, sizes))
    title = OUTCOME_TITLES[name]
    if kind == "binary":
        shares = [binary_data(s) for s in samples.values()]
        ps = [wilson(int(c.counts[0]), c.n) for c in shares]
        x = np.arange(len(ps))
        y = np.array([p.p for p in ps])
        err = np.vstack([y - [p.lo for p in ps], [p.hi for p in ps] - y])
        ax.errorbar(x, y, yerr=err, fmt="o", color="C3", capsize=5, markersize=7, label=None)
        for xi, p in zip(x, ps, strict=True):
            ax.annotate(
                f"{_pct(p.p)}\n{_interval(p.lo, p.hi)}",
                xy=(xi, p.hi),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize="small",
            )
        ax.set_xticks(x)
        ax.set_xticklabels(list(samples))
        ax.set_xlim(-0.6, len(ps) - 0.4)
        ax.set_ylim(0, min(1.0, max(0.1, max(p.hi for p in ps) * 1.2)) + 0.05)
        _percent(ax)
        ax.set_ylabel("P(rupture by the horizon), 95 % interval")
        ax.grid(axis="y", color="0.92")
        ax.set_axisbelow(True)
        ax.set_title(f"P(rupture) by scenario ({runs})")
    elif kind == "time":
        ecdfs = {label: ecdf_data(s) for label, s in samples.items()}
        for i, (label, e) in enumerate(ecdfs.items()):
            legend = f"{label}: {_pct(e.final.p)} {_interval(e.final.lo, e.final.hi)}"
            _ecdf(ax, e, f"C{i}", legend)
        horizon = max(e.horizon for e in ecdfs.values())
        _time_axes(ax, horizon, max(float(e.final.hi) for e in ecdfs.values()))
        starts = {e.start for e in ecdfs.values()}
        if len(starts) == 1:
            start = starts.pop()
            ax.set_xlabel(f"days after the start ({start.isoformat()})")
            _days_axis(ax, start)
        else:
            ax.set_xlabel("days after each scenario's start")
        ax.legend(
            loc="best",
            fontsize="small",
            title="P(rupture by the horizon) [95 %]",
            title_fontsize="small",
        )
        ax.set_title(f"Time to rupture by scenario ({runs}; no rupture = censored)")
    else:
        if kind == "count":
            lo = min(int(s[name].min()) for s in samples.values() if s.n)
            hi = max(int(s[name].max()) for s in samples.values() if s.n)
            counts = [count_data(s, name, range(lo, hi + 1)) for s in samples.values()]
        else:
            actors: list[str] = []
            for s in samples.values():
                actors += [a for a in s.actors if a not in actors]
            if any((s["last_mover"] < 0).any() for s in samples.values()):
                actors.append("none")
            counts = [mover_data(s, actors) for s in samples.values()]
        k = len(counts)
        width = 0.8 / k
        x = np.arange(len(counts[0].values))
        for i, (label, c) in enumerate(zip(samples, counts, strict=True)):
            lo_, hi_ = c.intervals()
            share = c.shares
            ax.bar(
                x + (i - (k - 1) / 2) * width,
                share,
                width=width * 0.95,
                color=f"C{i}",
                label=label,
                yerr=np.vstack([share - lo_, hi_ - share]),
                capsize=2,
                ecolor="0.35",
            )
        ax.set_xticks(x)
        labels = list(counts[0].labels)
        if name == "peak_severity":
            levels = next(iter(samples.values())).levels
            labels = [f"{v}\n" + textwrap.fill(levels[int(v)], 14) for v in counts[0].values]
        ax.set_xticklabels(labels, fontsize="small" if name == "peak_severity" else None)
        _percent(ax)
        ax.set_ylabel("share of runs (95 % intervals)")
        ax.set_xlabel(
            {
                "rounds": "rounds (turns of hostile measures)",
                "peak_severity": "peak severity (ladder level)",
                "last_mover": "actor of the last hostile measure",
            }[name]
        )
        ax.grid(axis="y", color="0.92")
        ax.set_axisbelow(True)
        ax.legend(fontsize="small")
        ax.set_title(f"{title} by scenario ({runs})")
    return ax


# -- the ladder ---------------------------------------------------------------------------


def severity_ladder(ladder: Ladder = DEFAULT_LADDER, ax: Axes | None = None) -> Axes:
    """Plot the levels of a severity ladder and the measure kinds on each.

    Parameters
    ----------
    ladder
        The ladder (the default one when omitted; a scenario's via
        ``scenario.build_ladder()``).
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    import matplotlib as mpl

    rungs = ladder_data(ladder)
    ax = _axes(ax, (9.0, 5.5))
    top = max(len(rungs) - 1, 1)
    cmap = mpl.colormaps["YlOrRd"]
    y = np.arange(len(rungs))
    widths = np.maximum(y, 0.15)
    ax.barh(y, widths, color=[cmap(0.15 + 0.8 * i / top) for i in y], height=0.75)
    for r in rungs:
        if r.measures:
            ax.annotate(
                ", ".join(r.measures),
                xy=(max(r.level, 0.15), r.level),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize="small",
            )
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.level}  {r.name}" for r in rungs], fontsize="small")
    ax.set_xlim(0, top * 1.6)
    ax.set_xticks([])
    ax.set_xlabel("severity level (ordinal: order matters, distances do not)")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("Severity ladder: levels and the measures on each")
    return ax


# The plots of a calibration (posterior marginals and pairs, predictive checks).
from escalation.plot.posterior import (  # noqa: E402
    posterior_marginal,
    posterior_marginals,
    posterior_pair,
    posterior_pairs,
    predictive_check,
    predictive_checks,
)

__all__ += [
    "posterior_marginal",
    "posterior_marginals",
    "posterior_pair",
    "posterior_pairs",
    "predictive_check",
    "predictive_checks",
]
