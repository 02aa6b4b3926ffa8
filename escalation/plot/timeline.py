"""One run (or a replayed history) over calendar dates: :func:`trajectory`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np

from escalation.plot._common import date_axis, level_ticks, new_axes
from escalation.plot._data.trajectory import Mark, Trajectory, trajectory_data
from escalation.plot._labels import place_labels
from escalation.sim.history import History
from escalation.sim.run import Run

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: A marker to label: the mark, its colour, and ``"sim"`` or ``"doc"`` (documented).
Label = tuple[Mark, str, str]


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
    ax = new_axes(ax, (11.0, 5.5))
    colours = {p.actor: f"C{i}" for i, p in enumerate(data.paths)}
    suffix = " (documented)" if replayed and history is None else ""
    labels = _draw_paths(ax, data, colours, suffix)
    if history is not None:
        labels += _draw_documented(ax, trajectory_data(history), colours, data, labels)
    if data.rupture is not None:
        _mark_rupture(ax, data.rupture)
    _frame(ax, data)
    if replayed:
        title = f"{data.name}: documented measures, replayed"
    else:
        seed = run.seed if isinstance(run, Run) else None
        title = f"{data.name}: one run" + (f" (seed {seed})" if seed is not None else "")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    if annotate:
        place_labels(ax, labels)
    return ax


def _np_dates(days: Sequence[date]) -> np.ndarray:
    return np.array(days, dtype="datetime64[D]")


def _is_replay(run: Run) -> bool:
    return all(a.policy is None and not a.policies for a in run.scenario.actors)


def _draw_paths(
    ax: Axes, data: Trajectory, colours: Mapping[str, str], suffix: str
) -> list[Label]:
    """Each actor's step line, filled markers for hostile packages, hollow for the others."""
    labels: list[Label] = []
    for p in data.paths:
        colour = colours[p.actor]
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
    return labels


def _draw_documented(
    ax: Axes,
    doc: Trajectory,
    colours: Mapping[str, str],
    data: Trajectory,
    labels: Sequence[Label],
) -> list[Label]:
    """The documented step lines within the run's window, dashed, with hollow diamonds.

    Returns the labels of the documented packages that the run's own labels do not repeat.
    """
    first, last = data.start, data.end
    seen = {(m.date, m.text) for m, _, _ in labels}
    added: list[Label] = []
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
        added += [(m, colour, "doc") for m in marks if (m.date, m.text) not in seen]
    return added


def _mark_rupture(ax: Axes, rupture: date) -> None:
    """A dotted vertical line at the rupture, labelled with its date."""
    when = mdates.date2num(rupture)
    ax.axvline(when, color="0.3", linestyle=":", linewidth=1.2, zorder=1)
    ax.annotate(
        f"rupture\n{rupture.isoformat()}",
        xy=(when, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -4),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize="small",
        color="0.3",
    )


def _frame(ax: Axes, data: Trajectory) -> None:
    """The date axis over the run with a little margin, and the levels reached (and some)."""
    first, last = data.start, data.end
    span = max((last - first).days, 1)
    pad = timedelta(days=max(1, round(span * 0.03)))
    ax.set_xlim(mdates.date2num(first - pad), mdates.date2num(last + pad))
    top = max(int(max((p.levels.max() for p in data.paths), default=0)) + 3, 5)
    level_ticks(ax, data.levels, min(top, len(data.levels) - 1))
    date_axis(ax)
    ax.set_ylabel("severity (ladder level)")
    ax.set_xlabel("date (announcements)")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
