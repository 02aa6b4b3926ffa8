"""The numbers behind the plots of a calibration: weighted marginals of the parameters.

Parameters whose prior is scale-free (log-uniform, lognormal: a half-life, a lag) are binned
on a log scale, with the density *per decade* (per unit of ``log10 x``), and their prior per
decade too, so that the area of each bar is the posterior mass it holds, as it looks on a log
axis. The predictive checks need no preparation: their numbers are the attributes of
:class:`~escalation.calibrate.checks.PredictiveChecks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalation.calibrate.posterior import Posterior

#: Level of the credible intervals drawn.
LEVEL = 0.9


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
    posterior: Posterior, name: str, bins: int = 30, level: float = LEVEL
) -> MarginalData:
    """The numbers behind :func:`~escalation.plot.posterior.posterior_marginal`.

    The bins span the prior's support where it is finite, else the particles' range (see
    :class:`MarginalData`).
    """
    j = posterior.names.index(name)
    prior = posterior.priors.dists[j]
    x = posterior.column(name)
    w = posterior.weights
    log_scale = prior.log_scale and not prior.integer
    lo, hi = _range(prior, x, log_scale)
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


def _range(prior: Any, x: np.ndarray, log_scale: bool) -> tuple[float, float]:
    """The range to bin: the prior's support where finite, else the particles' range."""
    low, high = prior.bounds
    if log_scale and not low > 0:
        low = math.inf  # a lognormal's support starts at 0: use the particles' range
    lo = low if math.isfinite(low) else float(x.min())
    hi = high if math.isfinite(high) else float(x.max())
    if not hi > lo:
        lo, hi = (lo / 2, lo * 2) if log_scale else (lo - 0.5, lo + 0.5)
    return lo, hi


def short_names(names: Sequence[str]) -> tuple[list[str], str | None]:
    """Drop the actor prefix the names all share: ``(["threshold", ...], "russia")``.

    Names without a shared first component are returned whole, with ``None``.
    """
    heads = {n.split(".", 1)[0] for n in names}
    if len(heads) == 1 and all("." in n for n in names):
        return [n.split(".", 1)[1] for n in names], heads.pop()
    return list(names), None
