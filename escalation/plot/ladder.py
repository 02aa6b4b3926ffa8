"""The levels of a severity ladder and the measures on each: :func:`severity_ladder`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalation.model.ladder import DEFAULT_LADDER, Ladder
from escalation.plot._common import new_axes
from escalation.plot._data.ladder import ladder_data

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
    ax = new_axes(ax, (9.0, 5.5))
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
