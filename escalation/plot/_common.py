"""Drawing helpers shared by the plots: new axes, date and level axes, percent labels.

Nothing here changes matplotlib's global state: pyplot is used only to make a figure when
the caller gives no axes (or figure) to draw on.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
from matplotlib.ticker import PercentFormatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from escalation.plot._data.outcomes import Ecdf

#: Display names of the outcomes (axis labels and titles).
OUTCOME_TITLES: Mapping[str, str] = {
    "ruptured": "Rupture",
    "time_to_rupture": "Time to rupture",
    "rounds": "Rounds",
    "peak_severity": "Peak severity",
    "last_mover": "Last mover",
}


def new_axes(ax: Axes | None, size: tuple[float, float] | None = (9.0, 5.0)) -> Axes:
    """``ax``, or the axes of a new figure of ``size`` inches (matplotlib's default: ``None``)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, layout="constrained")
    return new


def new_figure(fig: Figure | None, width: float, height: float) -> Figure:
    """``fig`` (or a new figure) sized ``width`` x ``height`` inches, laid out constrained."""
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure()
    fig.set_size_inches(width, height)
    fig.set_layout_engine("constrained")
    return fig


# -- axes ---------------------------------------------------------------------------------


def date_axis(ax: Axes) -> None:
    """Concise calendar dates on the x axis."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def days_axis(ax: Axes, start: date) -> None:
    """A top axis with the calendar dates of a days-since-start bottom axis."""
    origin = mdates.date2num(start)
    top = ax.secondary_xaxis("top", functions=(lambda d: d + origin, lambda n: n - origin))
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    top.xaxis.set_major_locator(locator)
    top.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    top.tick_params(labelsize="small")


def level_ticks(ax: Axes, levels: Sequence[str], top: int | None = None) -> None:
    """Ladder levels ``0..top`` (``"3  expulsion"``) as the y ticks."""
    top = len(levels) - 1 if top is None else top
    ax.set_yticks(range(top + 1))
    ax.set_yticklabels([f"{i}  {levels[i]}" for i in range(top + 1)], fontsize="small")
    ax.set_ylim(-0.4, top + 0.6)


def severity_labels(levels: Sequence[str], values: Sequence[int]) -> list[str]:
    """Tick labels for peak severities: the level and its name, wrapped."""
    return [f"{v}\n" + textwrap.fill(levels[int(v)], 14) for v in values]


def percent_axis(ax: Axes) -> None:
    """Percent tick labels on the y axis (shares in [0, 1]); call after setting the limits."""
    lo, hi = ax.get_ylim()
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if hi - lo >= 0.1 else None))


def crop_end(last: float, horizon: float) -> float:
    """Where an x axis of days ends: a little after ``last`` (round), at most the horizon.

    Plots end where their data stop changing, not at a horizon that may be years later;
    ``last <= 0`` (nothing happens) keeps the whole horizon.
    """
    if last <= 0 or last >= horizon:
        return horizon
    end = last * 1.1 + 5
    step = next(s for s in (5, 10, 20, 50, 100, 200, 500) if end / s <= 12)
    return float(min(horizon, math.ceil(end / step) * step))


def time_axes(ax: Axes, end: float, top_share: float) -> None:
    """Limits (days ``0..end``), percent labels and grid of a time-to-rupture ECDF plot."""
    ax.set_xlim(0, end * 1.01)
    ax.set_ylim(0, min(1.0, max(0.05, top_share * 1.3)))
    percent_axis(ax)
    ax.set_ylabel("share of runs ruptured by then")
    ax.grid(color="0.92")
    ax.set_axisbelow(True)


def draw_ecdf(
    ax: Axes,
    e: Ecdf,
    colour: str,
    label: str | None,
    *,
    style: str = "-",
    marker: str = "",
    mark_start: float = 0.0,
) -> None:
    """The ECDF of the time to rupture as a step line in its pointwise band.

    ``style`` and ``marker`` (matplotlib's line style and marker) tell overlaid curves apart;
    ``mark_start`` (a fraction of the axes' diagonal) shifts the markers along the line so
    that those of identical curves do not cover each other.
    """
    x = np.concatenate([[0.0], e.times, [e.horizon]])
    y = np.concatenate([[0.0], e.share, [e.final.p]])
    lo = np.concatenate([[0.0], e.lo, [e.lo[-1] if len(e.lo) else 0.0]])
    hi = np.concatenate([[0.0], e.hi, [e.hi[-1] if len(e.hi) else 0.0]])
    if e.n and not e.final.k:
        hi[:] = e.final.hi
    ax.fill_between(x, lo, hi, step="post", color=colour, alpha=0.18, linewidth=0)
    ax.step(
        x,
        y,
        where="post",
        color=colour,
        linewidth=2,
        linestyle=style,
        marker=marker or None,
        markevery=(mark_start, 0.1) if len(x) > 1 else None,
        markersize=6,
        label=label,
    )


# -- text ---------------------------------------------------------------------------------


def pct(x: float) -> str:
    """A share as a percentage, with two decimals near (but not at) 100 %."""
    return f"{100 * x:.1f} %" if x < 0.995 or x == 1 else f"{100 * x:.2f} %"


def interval_text(lo: float, hi: float) -> str:
    """An interval of shares in percent: ``"[12.5, 30.1]"``."""
    return f"[{100 * lo:.1f}, {100 * hi:.1f}]"


def failed_note(failed: int) -> str:
    """``"; 3 failed runs left out"`` (nothing when none failed), for titles."""
    return f"; {failed} failed run{'s' * (failed != 1)} left out" if failed else ""
