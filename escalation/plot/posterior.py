"""Plots of a calibration: posterior marginals and pairs, and posterior predictive checks.

The numbers are computed first (:func:`marginal_data`, and the attributes of
:class:`~escalation.calibrate.driver.PredictiveChecks`), then drawn. Single plots take ``ax=None``
and return the Axes; the grids take ``fig=None`` and return the array of Axes.

Parameters whose prior is scale-free (log-uniform, lognormal: a half-life, a lag) are drawn on
a logarithmic axis. Their histograms then use log-spaced bins and show the density *per
decade* (per unit of ``log10 x``), and the prior is drawn per decade too, so that the area of
each bar is the posterior mass it holds, as it looks on the axis, and the median line sits in
the middle of the mass. Log axes are labelled at major ticks only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from escalation.calibrate.posterior import Posterior

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from escalation.calibrate.driver import PredictiveChecks

#: What the summaries of :mod:`escalation.calibrate.episodes` measure, for the
#: predictive-check axes.
_SUMMARY_AXES: dict[str, str] = {
    "answered": "answered within the window",
    "lag": "days to the first answer",
    "severity": "ladder levels above the measure",
    "type_change": "answer of a more serious kind",
    "magnitude": "log staff ratio (answer / measure)",
    "delay": "days from announcement to effect",
    "rounds": "rounds",
    "ruptured": "ruptured",
}
#: Summaries that are 0 or 1 (shown as no / yes).
_BINARY_SUMMARIES = frozenset({"answered", "type_change", "ruptured"})
#: Summaries on the ``log(1 + days)`` scale (their ticks are written in days).
_DAY_SUMMARIES = frozenset({"lag", "delay"})
_LEVEL = 0.9


@dataclass(frozen=True)
class MarginalData:
    """A weighted histogram of one parameter, with its prior density and interval.

    Attributes
    ----------
    name
        The parameter's path (``"russia.half_life"``).
    edges
        Bin edges, in the parameter's units (log-spaced when :attr:`log_scale`).
    density
        Posterior density in each bin: per unit of the parameter, or per decade (unit of
        ``log10 x``) when :attr:`log_scale`; for integer parameters, the mass of each value.
    prior_x, prior_density
        The prior's density on a grid, on the same scale as :attr:`density` (the mass of each
        value for integer parameters).
    interval
        Central credible interval at the level asked for.
    median
        Weighted median.
    integer
        Whether the parameter takes integer values.
    log_scale
        Whether the parameter is drawn on a log axis (see the module docstring).
    """

    name: str
    edges: np.ndarray
    density: np.ndarray
    prior_x: np.ndarray
    prior_density: np.ndarray
    interval: tuple[float, float]
    median: float
    integer: bool
    log_scale: bool

    @property
    def limits(self) -> tuple[float, float]:
        """The axis range: the outer bin edges."""
        return float(self.edges[0]), float(self.edges[-1])


def marginal_data(
    posterior: Posterior, name: str, bins: int = 30, level: float = _LEVEL
) -> MarginalData:
    """The numbers behind :func:`posterior_marginal` (see :class:`MarginalData`).

    The bins span the prior's support where it is finite, else the particles' range.
    """
    j = posterior.names.index(name)
    prior = posterior.priors.dists[j]
    x = posterior.column(name)
    w = posterior.weights
    low, high = prior.bounds
    log_scale = prior.log_scale and not prior.integer
    if log_scale and not low > 0:
        low = math.inf  # a lognormal's support starts at 0: use the particles' range
    lo = low if math.isfinite(low) else float(x.min())
    hi = high if math.isfinite(high) else float(x.max())
    if not hi > lo:
        lo, hi = (lo / 2, lo * 2) if log_scale else (lo - 0.5, lo + 0.5)
    if prior.integer:
        edges = np.arange(lo - 0.5, hi + 1.0)
        grid = np.arange(lo, hi + 1.0)
        density, _ = np.histogram(x, bins=edges, weights=w)
        pdf = np.exp(prior.logpdf(grid))
    elif log_scale:
        edges = np.geomspace(lo, hi, bins + 1)
        grid = np.geomspace(lo, hi, 200)
        mass, _ = np.histogram(x, bins=edges, weights=w)
        density = mass / np.diff(np.log10(edges))
        # p(log10 x) = p(x) * x * ln 10: the prior per decade, as the histogram.
        pdf = np.exp(prior.logpdf(grid)) * grid * math.log(10.0)
    else:
        edges = np.linspace(lo, hi, bins + 1)
        grid = np.linspace(lo, hi, 200)
        mass, _ = np.histogram(x, bins=edges, weights=w)
        density = mass / np.diff(edges)
        pdf = np.exp(prior.logpdf(grid))
    return MarginalData(
        name=name,
        edges=edges,
        density=density,
        prior_x=grid,
        prior_density=pdf,
        interval=posterior.interval(level)[name],
        median=posterior.quantile(0.5)[name],
        integer=prior.integer,
        log_scale=log_scale,
    )


def short_names(names: Sequence[str]) -> tuple[list[str], str | None]:
    """Drop the actor prefix the names all share: ``(["threshold", ...], "russia")``.

    Names without a shared first component are returned whole, with ``None``.
    """
    heads = {n.split(".", 1)[0] for n in names}
    if len(heads) == 1 and all("." in n for n in names):
        return [n.split(".", 1)[1] for n in names], heads.pop()
    return list(names), None


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(layout="constrained")
    return ax


def _number(v: float, _pos: object = None) -> str:
    return f"{v:g}"


def _log_axis(axis: object) -> None:
    """Label a log axis at its major ticks only, as plain numbers (no ``4x10^1`` crowding)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = sorted(axis.get_view_interval())  # type: ignore[attr-defined]
    decades = math.log10(hi / lo) if lo > 0 and hi > 0 else 3.0
    subs = (1.0,) if decades > 2.5 else ((1.0, 3.0) if decades > 1.2 else (1.0, 2.0, 5.0))
    axis.set_major_locator(LogLocator(base=10.0, subs=subs))  # type: ignore[attr-defined]
    axis.set_major_formatter(FuncFormatter(_number))  # type: ignore[attr-defined]
    axis.set_minor_formatter(NullFormatter())  # type: ignore[attr-defined]


def _dists(posterior: Posterior) -> dict[str, object]:
    return dict(zip(posterior.names, posterior.priors.dists, strict=True))


def _is_log(posterior: Posterior, name: str) -> bool:
    d = _dists(posterior)[name]
    return bool(d.log_scale and not d.integer)  # type: ignore[attr-defined]


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
        ax.axvline(v, color="k", ls=":", lw=1.1, label=f"{_LEVEL:.0%} interval" if k else None)
    ax.set_xlim(*d.limits)
    ax.set_ylim(0, 1.12 * max(float(d.density.max(initial=0)), float(d.prior_density.max())))
    if d.log_scale:
        _log_axis(ax.xaxis)


def _legend_entries(ax: Axes) -> tuple[list[object], list[str]]:
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
    level: float = _LEVEL,
) -> Axes:
    """Weighted histogram of parameter ``name``, its prior, median and central interval.

    A scale-free parameter is drawn on a log axis with its density per decade (see the
    module docstring). The title gives the median and the interval.
    """
    ax = _axes(ax)
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
    ax = _axes(ax)
    dists = _dists(posterior)
    w = posterior.weights
    xs, ys = posterior.column(x).copy(), posterior.column(y).copy()
    if dists[x].integer:  # type: ignore[attr-defined]
        xs = xs + _jitter(len(xs), jitter)
    if dists[y].integer:  # type: ignore[attr-defined]
        ys = ys + _jitter(len(ys), jitter)[::-1]
    ax.scatter(xs, ys, s=size * w / w.max(), alpha=0.45, linewidths=0, color="C0")
    for name, axis, set_scale in ((x, ax.xaxis, ax.set_xscale), (y, ax.yaxis, ax.set_yscale)):
        d = dists[name]
        if d.integer:  # type: ignore[attr-defined]
            lo, hi = d.bounds  # type: ignore[attr-defined]
            axis.set_ticks(np.arange(lo, hi + 1))
        elif _is_log(posterior, name):
            set_scale("log")
            _log_axis(axis)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def _figure(fig: Figure | None, width: float, height: float) -> Figure:
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure()
    fig.set_size_inches(width, height)
    fig.set_layout_engine("constrained")
    return fig


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
    from matplotlib.ticker import MaxNLocator

    names = list(names or posterior.names)
    n = len(names)
    labels, actor = short_names(names)
    fig = _figure(fig, max(cell * n, 3.2) + 0.4, max(cell * n, 3.2) + 0.3)
    axes = np.asarray(fig.subplots(n, n, squeeze=False))
    data = {name: marginal_data(posterior, name) for name in names}
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
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if i < j:
                continue
            if i == j:
                d = data[xj]
                _draw_marginal(ax, d)
                ax.set_yticks([])
                lo, hi = d.interval
                ax.set_title(f"{d.median:.3g} [{lo:.3g}, {hi:.3g}]", fontsize="x-small", pad=2)
            else:
                posterior_pair(posterior, xj, yi, ax, size=10)
                ax.set_xlim(*data[xj].limits)
                ax.set_ylim(*data[yi].limits)
            ax.tick_params(labelsize="x-small", length=2.5, pad=1.5)
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
        from matplotlib.lines import Line2D

        handles, texts = _legend_entries(axes[0, 0])
        handles.append(Line2D([], [], marker="o", ls="none", color="C0", alpha=0.6, ms=4))
        texts.append("particle (area ~ weight)")
        legend_ax = axes[0, n - 1]
        legend_ax.set_visible(True)
        legend_ax.axis("off")
        legend_ax.legend(handles, texts, loc="upper right", fontsize="small", frameon=False)
    fig.suptitle(
        _describe(posterior, actor)
        + f"\ndiagonal: median [{_LEVEL:.0%} interval]; log axes show density per decade",
        fontsize="medium",
    )
    return axes


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
    fig = _figure(fig, 3.1 * cols, 2.6 * rows + 0.4)
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
        _describe(posterior, actor) + f"\ntitles: median [{_LEVEL:.0%} interval]",
        fontsize="medium",
    )
    return axes


def _summary_kind(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def predictive_check(checks: PredictiveChecks, summary: str, ax: Axes | None = None) -> Axes:
    """Predictive distribution of one summary, with the observed value and its p-value.

    Bars show the share of predictive draws; discrete summaries get one bar per value (no /
    yes for the 0-1 ones), lags and delays are labelled in days (they are ``log(1 + days)``).
    """
    from matplotlib.ticker import MaxNLocator

    ax = _axes(ax)
    j = checks.names.index(summary)
    values = checks.simulated[:, j]
    observed = float(checks.observed[j])
    kind = _summary_kind(summary)
    uniq = np.unique(values)
    discrete = len(uniq) <= 12 and bool(np.all(uniq == np.round(uniq)))
    if discrete:
        support = np.union1d(uniq, [observed]) if observed == round(observed) else uniq
        counts = np.array([np.mean(values == u) for u in support])
        ax.bar(support, counts, width=0.7, color="C0", alpha=0.6, label="predictive draws")
        if kind in _BINARY_SUMMARIES and set(support) <= {0.0, 1.0}:
            ax.set_xticks([0, 1], ["no", "yes"])
            ax.set_xlim(-0.6, 1.6)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        lo, hi = float(min(values.min(), observed)), float(max(values.max(), observed))
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, 31)
        weights = np.full(len(values), 1.0 / len(values))
        ax.hist(values, bins=list(edges), weights=weights, color="C0", alpha=0.6)
        if kind in _DAY_SUMMARIES and lo >= 0:
            days = np.array([0, 1, 3, 10, 30, 100, 300, 1000, 3000])
            ticks = np.log1p(days)
            keep = (ticks >= lo - 0.05 * (hi - lo)) & (ticks <= hi + 0.05 * (hi - lo))
            ax.set_xticks(ticks[keep], [str(d) for d in days[keep]])
    ax.axvline(observed, color="C3", lw=2, label="observed")
    ax.set_ylabel("share of draws")
    ax.set_xlabel(_SUMMARY_AXES.get(kind, summary))
    ax.set_title(f"{summary}: p = {checks.p_values[j]:.2f}", fontsize="small")
    return ax


def predictive_checks(
    checks: PredictiveChecks,
    names: Sequence[str] | None = None,
    *,
    fig: Figure | None = None,
    cols: int = 4,
) -> np.ndarray:
    """One :func:`predictive_check` per summary, in a grid. Returns the Axes grid."""
    names = list(names or checks.names)
    cols = max(1, min(cols, len(names)))
    rows = math.ceil(len(names) / cols)
    fig = _figure(fig, 3.0 * cols, 2.3 * rows + 0.5)
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    for k, ax in enumerate(axes.flat):
        if k < len(names):
            predictive_check(checks, names[k], ax)
            ax.tick_params(labelsize="x-small")
            ax.xaxis.label.set_size("x-small")
            ax.yaxis.label.set_size("x-small")
            if k % cols:
                ax.set_ylabel("")
        else:
            ax.axis("off")
    draws = checks.simulated.shape[0]
    fig.suptitle(
        f"Posterior predictive checks: bars, the share of {draws} predictive draws; red line, "
        "the observed value;\np, the two-sided predictive p-value (near 0: the posterior "
        "does not reproduce the observation)",
        fontsize="medium",
    )
    return axes
