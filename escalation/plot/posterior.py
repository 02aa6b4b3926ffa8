"""Plots of a calibration: posterior marginals and pairs, and posterior predictive checks.

The numbers are computed first (:func:`marginal_data`, and the attributes of
:class:`~escalation.calibration.PredictiveChecks`), then drawn. Single plots take ``ax=None``
and return the Axes; the grids take ``fig=None`` and return the array of Axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from escalation.posterior import Posterior

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from escalation.calibration import PredictiveChecks


@dataclass(frozen=True)
class MarginalData:
    """A weighted histogram of one parameter, with its prior density and interval."""

    name: str
    edges: np.ndarray
    density: np.ndarray
    prior_x: np.ndarray
    prior_density: np.ndarray
    interval: tuple[float, float]
    median: float
    integer: bool
    log_scale: bool


def marginal_data(
    posterior: Posterior, name: str, bins: int = 30, level: float = 0.9
) -> MarginalData:
    """The numbers behind :func:`posterior_marginal`."""
    j = posterior.names.index(name)
    prior = posterior.priors.dists[j]
    x = posterior.column(name)
    w = posterior.weights
    low, high = prior.bounds
    lo = low if math.isfinite(low) else float(x.min())
    hi = high if math.isfinite(high) else float(x.max())
    if prior.integer:
        edges = np.arange(lo - 0.5, hi + 1.0)
        grid = np.arange(lo, hi + 1.0)
    elif prior.log_scale:
        edges = np.geomspace(lo, hi, bins + 1)
        grid = np.geomspace(lo, hi, 200)
    else:
        edges = np.linspace(lo, hi, bins + 1)
        grid = np.linspace(lo, hi, 200)
    density, _ = np.histogram(x, bins=edges, weights=w, density=True)
    pdf = np.exp(prior.logpdf(grid))
    iv = posterior.interval(level)[name]
    return MarginalData(
        name,
        edges,
        density,
        grid,
        pdf,
        iv,
        posterior.quantile(0.5)[name],
        prior.integer,
        prior.log_scale and not prior.integer,
    )


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def posterior_marginal(
    posterior: Posterior, name: str, ax: Axes | None = None, *, bins: int = 30, level: float = 0.9
) -> Axes:
    """Weighted histogram of parameter ``name``, its prior, median and central interval."""
    ax = _axes(ax)
    d = marginal_data(posterior, name, bins, level)
    widths = np.diff(d.edges)
    ax.bar(d.edges[:-1], d.density, width=widths, align="edge", alpha=0.6, label="posterior")
    if d.integer:
        ax.plot(d.prior_x, d.prior_density, "o", color="grey", label="prior")
    else:
        ax.plot(d.prior_x, d.prior_density, color="grey", lw=1, label="prior")
    for v in d.interval:
        ax.axvline(v, color="k", ls=":", lw=1)
    ax.axvline(d.median, color="k", lw=1)
    if d.log_scale:
        ax.set_xscale("log")
    ax.set_xlabel(name)
    ax.set_ylabel("density")
    ax.set_title(
        f"{name}: {d.median:.3g} [{d.interval[0]:.3g}, {d.interval[1]:.3g}]", fontsize="small"
    )
    return ax


def posterior_pair(
    posterior: Posterior, x: str, y: str, ax: Axes | None = None, *, size: float = 40.0
) -> Axes:
    """Particles of parameters ``x`` and ``y``, each dot's area proportional to its weight."""
    ax = _axes(ax)
    w = posterior.weights
    ax.scatter(
        posterior.column(x),
        posterior.column(y),
        s=size * w / w.max(),
        alpha=0.5,
        linewidths=0,
    )
    dists = dict(zip(posterior.names, posterior.priors.dists, strict=True))
    if dists[x].log_scale:
        ax.set_xscale("log")
    if dists[y].log_scale:
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return ax


def _grid(fig: Figure | None, rows: int, cols: int, size: float) -> tuple[Figure, np.ndarray]:
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure()
    fig.set_size_inches(size * cols, size * rows)
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False))
    return fig, axes


def posterior_pairs(
    posterior: Posterior, names: Sequence[str] | None = None, *, fig: Figure | None = None
) -> np.ndarray:
    """Pair plot: marginals on the diagonal, particle pairs below it. Returns the Axes grid."""
    names = list(names or posterior.names)
    n = len(names)
    fig, axes = _grid(fig, n, n, 2.2)
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if i == j:
                posterior_marginal(posterior, xj, ax)
                ax.set_title("")
                ax.set_ylabel("")
            elif i > j:
                posterior_pair(posterior, xj, yi, ax, size=12)
            else:
                ax.set_visible(False)
                continue
            ax.tick_params(labelsize="x-small")
            ax.xaxis.label.set_size("x-small")
            ax.yaxis.label.set_size("x-small")
            if i < n - 1:
                ax.set_xlabel("")
            if j > 0:
                ax.set_ylabel("")
    fig.tight_layout()
    return axes


def posterior_marginals(
    posterior: Posterior, names: Sequence[str] | None = None, *, fig: Figure | None = None
) -> np.ndarray:
    """One :func:`posterior_marginal` per parameter, in a grid. Returns the Axes grid."""
    names = list(names or posterior.names)
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = _grid(fig, rows, cols, 3.0)
    for k, ax in enumerate(axes.flat):
        if k < len(names):
            posterior_marginal(posterior, names[k], ax)
            ax.tick_params(labelsize="x-small")
        else:
            ax.set_visible(False)
    axes.flat[0].legend(fontsize="x-small")
    fig.tight_layout()
    return axes


def predictive_check(checks: PredictiveChecks, summary: str, ax: Axes | None = None) -> Axes:
    """Predictive distribution of one summary, with the observed value and its p-value."""
    ax = _axes(ax)
    j = checks.names.index(summary)
    values = checks.simulated[:, j]
    uniq = np.unique(values)
    if len(uniq) <= 12:
        counts = np.array([np.mean(np.isclose(values, u)) for u in uniq])
        width = 0.8 * (np.min(np.diff(uniq)) if len(uniq) > 1 else 1.0)
        ax.bar(uniq, counts, width=width, alpha=0.6)
        ax.set_ylabel("share of draws")
    else:
        ax.hist(values, bins=30, density=True, alpha=0.6)
        ax.set_ylabel("density")
    ax.axvline(checks.observed[j], color="C3", lw=2, label="observed")
    ax.set_xlabel(summary)
    ax.set_title(f"{summary}: p = {checks.p_values[j]:.2f}", fontsize="small")
    return ax


def predictive_checks(
    checks: PredictiveChecks, names: Sequence[str] | None = None, *, fig: Figure | None = None
) -> np.ndarray:
    """One :func:`predictive_check` per summary, in a grid. Returns the Axes grid."""
    names = list(names or checks.names)
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = _grid(fig, rows, cols, 2.6)
    for k, ax in enumerate(axes.flat):
        if k < len(names):
            predictive_check(checks, names[k], ax)
            ax.tick_params(labelsize="x-small")
        else:
            ax.set_visible(False)
    fig.tight_layout()
    return axes
