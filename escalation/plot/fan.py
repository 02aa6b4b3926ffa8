"""Quantile bands of the escalation level across an ensemble's runs: :func:`fan_chart`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np

from escalation.plot._common import (
    crop_end,
    date_axis,
    failed_note,
    interval_text,
    level_ticks,
    new_figure,
    pct,
    percent_axis,
)
from escalation.plot._data.fan import MAX_RESIMULATED, Fan, fan_data

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def fan_chart(
    ensemble: Any,
    ax: Axes | None = None,
    quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    *,
    share_ax: Axes | None = None,
    max_runs: int = MAX_RESIMULATED,
    seed: int | None = None,
) -> Axes:
    """Plot quantile bands of the escalation level over calendar time, and rupture shares.

    The escalation level of a run on a day is the highest severity of a hostile measure
    announced so far (its running peak), on a daily grid from the start. Bands cover the
    ladder levels between symmetric quantiles across runs (10-90 %, 25-75 % by default); as
    levels are whole numbers, two bands often cover the same levels, so each inner band is
    drawn narrower than the one around it and both stay visible. The median is a line, the
    mean a dotted line. The share of *all* runs ruptured by each date (with its 95 % Wilson
    band) is drawn on ``share_ax``, a panel of its own below the bands; it ends at the
    summary's P(rupture). The dates shown end a little after the last change (the
    x label gives the horizon).

    Parameters
    ----------
    ensemble
        An ensemble or a list of runs. An ensemble that kept outcomes only has its runs
        played again from their seeds for the bands (all of them, or a random sample of
        ``max_runs`` seeded by ``seed``, which the title states).
    ax
        Axes for the bands; when ``None`` a new figure with two panels (bands, rupture share).
    quantiles
        Quantiles of the level across runs, each in [0, 1].
    share_ax
        Axes for the share of runs ruptured by each date. When ``ax`` is given and this is
        ``None``, the share by the horizon is written on ``ax`` instead.
    max_runs
        Most runs played again for the bands of an outcomes-only ensemble.
    seed
        Seed of that random sample (default: the ensemble's seed).

    Returns
    -------
    Axes
        The axes of the bands.

    Raises
    ------
    ValueError
        If the ensemble has neither events nor a scenario to play its runs again, or every
        run failed.
    """
    fan = fan_data(ensemble, quantiles, max_runs=max_runs, seed=seed)
    if ax is None:
        fig = new_figure(None, 9.0, 6.5)
        ax, share_ax = fig.subplots(2, 1, sharex=True, height_ratios=[2.4, 1])
    _draw_bands(ax, fan)
    end = crop_end(fan.last_change, float(fan.days[-1]))
    bottom = ax
    if share_ax is not None:
        _draw_share(share_ax, fan)
        bottom = share_ax
    else:
        _write_share(ax, fan)
    for a in {ax, bottom}:
        a.set_xlim(mdates.date2num(fan.dates[0]), mdates.date2num(fan.start) + end)
        date_axis(a)
    bottom.set_xlabel(_date_label(fan, end))
    return ax


def _write_share(ax: Axes, fan: Fan) -> None:
    """The share of all runs ruptured by the horizon, written in a corner of ``ax``."""
    ax.annotate(
        _share_text(fan),
        xy=(0.99, 0.03),
        xycoords="axes fraction",
        ha="right",
        va="bottom",
        fontsize="small",
        color="C3",
        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "0.8", "alpha": 0.9},
    )


def _date_label(fan: Fan, end: float) -> str:
    """The x label: where days count from, and where the axis stops short of the horizon."""
    horizon = float(fan.days[-1])
    text = f"date (day 0 = the start, {fan.start.isoformat()})"
    if end < horizon:
        last = fan.start + timedelta(days=fan.last_change)
        far = fan.start + timedelta(days=horizon)
        text += f"\nnothing changes after {last.isoformat()} up to the horizon, {far.isoformat()}"
    return text


def _share_text(fan: Fan) -> str:
    """The share of all runs ruptured by the horizon, with its interval."""
    return (
        f"ruptured by the horizon: {pct(fan.ruptured[-1])} "
        f"{interval_text(fan.ruptured_lo[-1], fan.ruptured_hi[-1])} of all {fan.total:,} runs"
    )


def _draw_bands(ax: Axes, fan: Fan) -> None:
    """Bands (inner ones darker and narrower), median, mean, level ticks, legend and title."""
    qs = sorted(fan.bands)
    pairs = [(qs[i], qs[-1 - i]) for i in range(len(qs) // 2)]
    alphas = np.linspace(0.2, 0.45, max(len(pairs), 1))
    # half-widths around the levels: a band covering levels 5..7 spans 5 - pad .. 7 + pad
    pads = np.linspace(0.42, 0.18, len(pairs)) if len(pairs) > 1 else [0.3]
    for (lo, hi), alpha, pad in zip(pairs, alphas, pads, strict=False):
        ax.fill_between(
            fan.dates,
            fan.bands[lo] - pad,
            fan.bands[hi] + pad,
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
    ax.plot(fan.dates, fan.mean, color="0.2", linestyle=":", linewidth=1.2, label="mean")
    top = min(max(int(max(b.max() for b in fan.bands.values())) + 2, 5), len(fan.levels) - 1)
    level_ticks(ax, fan.levels, top)
    ax.set_ylabel("escalation level\n(peak severity so far)")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    ax.legend(
        loc="upper left",
        ncols=2,
        fontsize="small",
        framealpha=0.9,
        title="shaded: the levels between two quantiles across runs",
        title_fontsize="small",
    )
    ax.set_title(
        f"{fan.name}: escalation over time\n{fan.source_note()}{failed_note(fan.failed)}",
        fontsize="medium",
    )


def _draw_share(ax: Axes, fan: Fan) -> None:
    """The share of all runs ruptured by each date, in its 95 % band, on a panel of its own."""
    ax.fill_between(
        fan.dates,
        fan.ruptured_lo,
        fan.ruptured_hi,
        step="post",
        color="C3",
        alpha=0.18,
        linewidth=0,
    )
    ax.step(fan.dates, fan.ruptured, where="post", color="C3", linewidth=1.8)
    ax.set_ylim(0, max(0.1, min(1.0, float(np.nanmax(fan.ruptured_hi)) * 1.3)))
    percent_axis(ax)
    ax.set_ylabel("runs ruptured\nby then")
    ax.grid(color="0.92")
    ax.set_axisbelow(True)
    ax.annotate(
        _share_text(fan) + " (95 % Wilson band)",
        xy=(0.99, 0.06),
        xycoords="axes fraction",
        ha="right",
        va="bottom",
        fontsize="small",
        color="C3",
    )
