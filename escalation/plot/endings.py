"""How an ensemble's runs end, and who moved last in each case: :func:`endings`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.ticker import PercentFormatter

from escalation.plot._common import failed_note, interval_text, new_axes, pct
from escalation.plot._data.outcomes import Endings, endings_data

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def endings(ensemble: Any, ax: Axes | None = None) -> Axes:
    """Plot how the runs end (ruptured or not by the horizon) and who had the last word.

    One horizontal bar per ending, as long as its share of all runs (with a 95 % Wilson
    interval); each bar is split by the actor of the last hostile measure, so that the plot
    answers both "how likely is a rupture?" and "who took the last step, when it ruptured and
    when it did not?" (a last mover alone mostly names the trigger's author: in runs where
    nobody answers, the trigger is the last hostile measure).

    Parameters
    ----------
    ensemble
        An ensemble (:func:`escalation.run_ensemble`) or a list of runs.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    Axes
        The axes drawn on.
    """
    data = endings_data(ensemble)
    ax = new_axes(ax, (9.0, 3.6))
    _draw(ax, data)
    ax.set_title(
        f"{data.name}: how the runs end, and who moved last ({data.n:,} runs"
        f"{failed_note(data.failed)})",
        fontsize="medium",
    )
    return ax


def _draw(ax: Axes, d: Endings) -> None:
    y = np.arange(len(d.endings))[::-1]
    left = np.zeros(len(d.endings))
    n = max(d.n, 1)
    for j, label in enumerate(d.labels):
        width = d.counts[:, j] / n
        colour = "0.75" if d.movers[j] == "none" else f"C{j}"
        ax.barh(y, width, left=left, height=0.6, color=colour, label=f"last mover: {label}")
        for yi, w, lo, k, total in zip(y, width, left, d.counts[:, j], d.totals, strict=True):
            if k and w >= 0.055:
                ax.text(
                    lo + w / 2,
                    yi,
                    f"{label}\n{pct(k / total)}",
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color="white" if d.movers[j] != "none" else "black",
                )
        left += width
    for yi, share in zip(y, d.shares(), strict=True):
        ax.errorbar(
            share.p,
            yi,
            xerr=[[share.p - share.lo], [share.hi - share.p]],
            fmt="none",
            ecolor="0.2",
            capsize=4,
        )
        ax.annotate(
            f"{pct(share.p)} {interval_text(share.lo, share.hi)}",
            xy=(share.hi, yi),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_yticks(y)
    ax.set_yticklabels([f"{e}\nby the horizon" for e in d.endings])
    ax.set_xlim(0, 1.3)  # room for the total and its interval right of a full bar
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(
        "share of all runs (95 % Wilson interval on each total); "
        "within a bar: share of its runs by last mover"
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.28),
        ncols=len(d.labels),
        fontsize="small",
        frameon=False,
    )
    ax.grid(axis="x", color="0.92")
    ax.set_axisbelow(True)
