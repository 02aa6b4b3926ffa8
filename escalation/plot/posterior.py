"""Plots of a calibration: posterior marginals and pairs (and, re-exported, predictive checks).

The numbers are computed first (:func:`marginal_data` in :mod:`escalation.plot._data.posterior`,
and the attributes of :class:`~escalation.calibrate.checks.PredictiveChecks`), then drawn.
Single plots take ``ax=None`` and return the Axes; the grids take ``fig=None`` and return the
array of Axes. The predictive checks are drawn by :mod:`escalation.plot.predictive`; they are
importable from here too, with the rest of a calibration's plots.

Parameters whose prior is scale-free (log-uniform, lognormal: a half-life, a lag) are drawn on
a logarithmic axis. Their histograms then use log-spaced bins and show the density *per
decade* (per unit of ``log10 x``), and the prior is drawn per decade too, so that the area of
each bar is the posterior mass it holds, as it looks on the axis, and the median line sits in
the middle of the mass. Log axes are labelled at major ticks only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from escalation.calibrate.posterior import Posterior
from escalation.plot._common import new_axes, new_figure
from escalation.plot._data.posterior import LEVEL, MarginalData, marginal_data, short_names
from escalation.plot.predictive import predictive_check, predictive_checks

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "MarginalData",
    "marginal_data",
    "posterior_marginal",
    "posterior_marginals",
    "posterior_pair",
    "posterior_pairs",
    "predictive_check",
    "predictive_checks",
    "short_names",
]


def _number(v: float, _pos: object = None) -> str:
    return f"{v:g}"


def _log_axis(axis: Any) -> None:
    """Label a log axis at its major ticks only, as plain numbers (no ``4x10^1`` crowding)."""
    lo, hi = sorted(axis.get_view_interval())
    decades = math.log10(hi / lo) if lo > 0 and hi > 0 else 3.0
    subs = (1.0,) if decades > 2.5 else ((1.0, 3.0) if decades > 1.2 else (1.0, 2.0, 5.0))
    axis.set_major_locator(LogLocator(base=10.0, subs=subs))
    axis.set_major_formatter(FuncFormatter(_number))
    axis.set_minor_formatter(NullFormatter())


def _dists(posterior: Posterior) -> dict[str, Any]:
    return dict(zip(posterior.names, posterior.priors.dists, strict=True))


def _draw_marginal(ax: Axes, d: MarginalData) -> None:
    if d.log_scale:
        ax.set_xscale("log")
    ax.bar(
        d.edges[:-1],
        d.density,
        width=np.diff(d.edges),
        align="edge",
        color="C0",
        alpha=0.55,
        linewidth=0,
        label="posterior",
    )
    if d.integer:
        ax.plot(d.prior_x, d.prior_density, "o", color="0.35", ms=4, label="prior")
        ax.set_xticks(d.prior_x)
    else:
        ax.plot(d.prior_x, d.prior_density, color="0.35", lw=1.2, label="prior")
    ax.axvline(d.median, color="k", lw=1.2, label="median")
    for k, v in enumerate(d.interval):
        ax.axvline(v, color="k", ls=":", lw=1.1, label=f"{LEVEL:.0%} interval" if k else None)
    ax.set_xlim(*d.limits)
    ax.set_ylim(0, 1.12 * max(float(d.density.max(initial=0)), float(d.prior_density.max())))
    if d.log_scale:
        _log_axis(ax.xaxis)


def _legend_entries(ax: Axes) -> tuple[list[Any], list[str]]:
    """The legend entries of a marginal, the posterior first."""
    handles, texts = ax.get_legend_handles_labels()
    order = sorted(range(len(texts)), key=lambda k: texts[k] != "posterior")
    return [handles[k] for k in order], [texts[k] for k in order]


def _marginal_title(name: str, d: MarginalData) -> str:
    lo, hi = d.interval
    return f"{name}: {d.median:.3g} [{lo:.3g}, {hi:.3g}]"


def posterior_marginal(
    posterior: Posterior,
    name: str,
    ax: Axes | None = None,
    *,
    bins: int = 30,
    level: float = LEVEL,
) -> Axes:
    """Weighted histogram of parameter ``name``, its prior, median and central interval.

    A scale-free parameter is drawn on a log axis with its density per decade (see the
    module docstring). The title gives the median and the interval.
    """
    ax = new_axes(ax, None)
    d = marginal_data(posterior, name, bins, level)
    _draw_marginal(ax, d)
    ax.set_xlabel(name)
    if d.integer:
        ax.set_ylabel("probability")
    else:
        ax.set_ylabel("density per decade" if d.log_scale else "density")
    ax.set_title(_marginal_title(name, d), fontsize="small")
    return ax


def _jitter(n: int, width: float) -> np.ndarray:
    # Deterministic spread (golden-ratio sequence): no random draw, the same picture every
    # time, and the dots of an integer parameter no longer sit on one line.
    return width * (np.mod(np.arange(n) * 0.6180339887498949, 1.0) - 0.5)


def posterior_pair(
    posterior: Posterior,
    x: str,
    y: str,
    ax: Axes | None = None,
    *,
    size: float = 40.0,
    jitter: float = 0.3,
) -> Axes:
    """Particles of parameters ``x`` and ``y``, each dot's area proportional to its weight.

    Integer parameters are spread by up to ``jitter / 2`` around their values (a fixed
    pattern, not a random one) so that their dots do not hide each other.
    """
    ax = new_axes(ax, None)
    dists = _dists(posterior)
    w = posterior.weights
    xs, ys = posterior.column(x).copy(), posterior.column(y).copy()
    if dists[x].integer:
        xs = xs + _jitter(len(xs), jitter)
    if dists[y].integer:
        ys = ys + _jitter(len(ys), jitter)[::-1]
    ax.scatter(xs, ys, s=size * w / w.max(), alpha=0.45, linewidths=0, color="C0")
    for name, axis, set_scale in ((x, ax.xaxis, ax.set_xscale), (y, ax.yaxis, ax.set_yscale)):
        d = dists[name]
        if d.integer:
            lo, hi = d.bounds
            axis.set_ticks(np.arange(lo, hi + 1))
        elif d.log_scale:
            set_scale("log")
            _log_axis(axis)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def _describe(posterior: Posterior, actor: str | None) -> str:
    who = f"{actor}'s" if actor else "the"
    base = posterior.priors.policies.get(actor) if actor else None
    kind = f" ({getattr(base, 'type', '')})" if getattr(base, "type", None) else ""
    return (
        f"Posterior of {who} policy parameters{kind}: {posterior.size} particles, "
        f"ESS {posterior.ess:.0f}, ABC-{posterior.method}"
    )


def posterior_pairs(
    posterior: Posterior,
    names: Sequence[str] | None = None,
    *,
    fig: Figure | None = None,
    cell: float = 1.55,
) -> np.ndarray:
    """Pair plot: marginals on the diagonal, particle pairs below it. Returns the Axes grid.

    Each column shares its x axis (one scale, one range: the prior's support), each row of
    pairs its y axis; only the outer row and column carry labels. The names lose the actor
    prefix they share, which goes into the title. ``cell`` is the size of one panel in inches.
    The cells above the diagonal are hidden (one of them holds the legend).
    """
    names = list(names or posterior.names)
    n = len(names)
    labels, actor = short_names(names)
    fig = new_figure(fig, max(cell * n, 3.2) + 0.4, max(cell * n, 3.2) + 0.3)
    axes = np.asarray(fig.subplots(n, n, squeeze=False))
    data = {name: marginal_data(posterior, name) for name in names}
    _share_axes(axes)
    for i, yi in enumerate(names):
        for j, xj in enumerate(names[: i + 1]):
            ax = axes[i, j]
            _draw_cell(ax, posterior, data[xj], data[yi], diagonal=i == j)
            ax.set_xlabel(labels[j] if i == n - 1 else "", fontsize="small")
            ax.set_ylabel(labels[i] if j == 0 and i > 0 else "", fontsize="small")
            if i < n - 1:
                ax.tick_params(labelbottom=False)
            if j > 0 or i == 0:
                ax.tick_params(labelleft=False)
            if not data[xj].log_scale and not data[xj].integer:
                ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
            if i > j and not data[yi].log_scale and not data[yi].integer:
                ax.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 5, 10]))
    if n > 1:
        _pairs_legend(axes)
    fig.suptitle(
        _describe(posterior, actor)
        + f"\ndiagonal: median [{LEVEL:.0%} interval]; log axes show density per decade",
        fontsize="medium",
    )
    return axes


def _share_axes(axes: np.ndarray) -> None:
    """Hide the cells above the diagonal; share x by column, y by row of pairs."""
    n = len(axes)
    for i in range(n):
        for j in range(n):
            ax = axes[i, j]
            if i < j:
                ax.set_visible(False)
                continue
            if i < n - 1:
                ax.sharex(axes[n - 1, j])
            if i > j and j > 0:
                ax.sharey(axes[i, 0])


def _draw_cell(
    ax: Axes, posterior: Posterior, x: MarginalData, y: MarginalData, *, diagonal: bool
) -> None:
    """One cell of the pair plot: the marginal of ``x`` on the diagonal, else the particles."""
    if diagonal:
        _draw_marginal(ax, x)
        ax.set_yticks([])
        lo, hi = x.interval
        ax.set_title(f"{x.median:.3g} [{lo:.3g}, {hi:.3g}]", fontsize="x-small", pad=2)
    else:
        posterior_pair(posterior, x.name, y.name, ax, size=10)
        ax.set_xlim(*x.limits)
        ax.set_ylim(*y.limits)
    ax.tick_params(labelsize="x-small", length=2.5, pad=1.5)


def _pairs_legend(axes: np.ndarray) -> None:
    """The legend of the marginals and the particles, in the top right (hidden) cell."""
    handles, texts = _legend_entries(axes[0, 0])
    handles.append(Line2D([], [], marker="o", ls="none", color="C0", alpha=0.6, ms=4))
    texts.append("particle (area ~ weight)")
    legend_ax = axes[0, -1]
    legend_ax.set_visible(True)
    legend_ax.axis("off")
    legend_ax.legend(handles, texts, loc="upper right", fontsize="small", frameon=False)


def posterior_marginals(
    posterior: Posterior,
    names: Sequence[str] | None = None,
    *,
    fig: Figure | None = None,
    cols: int = 4,
) -> np.ndarray:
    """One :func:`posterior_marginal` per parameter, in a grid. Returns the Axes grid.

    The legend goes into the first unused cell, or onto the first plot when there is none.
    """
    names = list(names or posterior.names)
    labels, actor = short_names(names)
    cols = max(1, min(cols, len(names)))
    rows = math.ceil(len(names) / cols)
    fig = new_figure(fig, 3.1 * cols, 2.6 * rows + 0.4)
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    for k, ax in enumerate(axes.flat):
        if k < len(names):
            posterior_marginal(posterior, names[k], ax)
            ax.set_xlabel(labels[k], fontsize="small")
            d = marginal_data(posterior, names[k])
            ax.set_title(_marginal_title(labels[k], d), fontsize="small")
            ax.tick_params(labelsize="x-small")
            ax.yaxis.label.set_size("x-small")
        else:
            ax.axis("off")
    handles, texts = _legend_entries(axes.flat[0])
    if len(names) < axes.size:
        axes.flat[len(names)].legend(handles, texts, loc="center", fontsize="small")
    else:
        axes.flat[0].legend(handles, texts, fontsize="x-small")
    fig.suptitle(
        _describe(posterior, actor) + f"\ntitles: median [{LEVEL:.0%} interval]",
        fontsize="medium",
    )
    return axes
