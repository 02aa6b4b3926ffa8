"""Quantile bands of the escalation level across an ensemble's runs: :func:`fan_chart`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np

from escalation.plot._common import (
    date_axis,
    failed_note,
    level_ticks,
    new_axes,
    pct,
    percent_axis,
)
from escalation.plot._data.fan import Fan, fan_data

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
    ax = new_axes(ax)
    _draw_bands(ax, fan)
    top = min(max(int(max(b.max() for b in fan.bands.values())) + 2, 5), len(fan.levels) - 1)
    level_ticks(ax, fan.levels, top)
    ax.set_ylabel("escalation level (peak severity so far)")
    date_axis(ax)
    ax.set_xlabel(f"date (from the start, {fan.start.isoformat()}, to the horizon)")
    ax.set_xlim(mdates.date2num(fan.dates[0]), mdates.date2num(fan.dates[-1]))
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    right = _draw_ruptured(ax, fan)
    handles, names = ax.get_legend_handles_labels()
    h2, n2 = right.get_legend_handles_labels()
    ax.legend(handles + h2, names + n2, loc="lower right", fontsize="small", framealpha=0.9)
    ax.set_title(f"{fan.name}: escalation over time, {fan.n} runs{failed_note(fan.failed)}")
    return ax


def _draw_bands(ax: Axes, fan: Fan) -> None:
    """Bands between symmetric quantiles (darker inside), the middle one and the mean."""
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


def _draw_ruptured(ax: Axes, fan: Fan) -> Axes:
    """The share of runs ruptured by each date, on a twin axis at the right; return it."""
    right = ax.twinx()
    # keep the bands and the legend above the rupture line of the twin
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    right.plot(
        fan.dates,
        fan.ruptured,
        color="C3",
        linewidth=1.8,
        label=f"runs ruptured (right axis; {pct(fan.ruptured[-1])} by the horizon)",
    )
    right.set_ylim(0, max(0.1, min(1.0, float(np.nanmax(fan.ruptured)) * 1.25)))
    percent_axis(right)
    right.set_ylabel("share of runs ruptured", color="C3")
    right.tick_params(axis="y", colors="C3")
    return right
