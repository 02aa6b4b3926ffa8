"""Posterior predictive checks of a calibration: :func:`predictive_check` and the grid.

The numbers are the attributes of :class:`~escalation.calibrate.checks.PredictiveChecks`:
the observed summaries, the summaries of the predictive draws and the two-sided p-values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.ticker import MaxNLocator

from escalation.plot._common import new_axes, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from escalation.calibrate.checks import PredictiveChecks

#: What the summaries of :mod:`escalation.calibrate.episodes` measure, for the axes.
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


def predictive_check(checks: PredictiveChecks, summary: str, ax: Axes | None = None) -> Axes:
    """Predictive distribution of one summary, with the observed value and its p-value.

    Bars show the share of predictive draws; discrete summaries get one bar per value (no /
    yes for the 0-1 ones), lags and delays are labelled in days (they are ``log(1 + days)``).
    """
    ax = new_axes(ax, None)
    j = checks.names.index(summary)
    values = checks.simulated[:, j]
    observed = float(checks.observed[j])
    kind = summary.rsplit(".", 1)[-1]
    uniq = np.unique(values)
    if len(uniq) <= 12 and bool(np.all(uniq == np.round(uniq))):
        _bars(ax, values, uniq, observed, kind)
    else:
        _histogram(ax, values, observed, kind)
    ax.axvline(observed, color="C3", lw=2, label="observed")
    ax.set_ylabel("share of draws")
    ax.set_xlabel(_SUMMARY_AXES.get(kind, summary))
    ax.set_title(f"{summary}: p = {checks.p_values[j]:.2f}", fontsize="small")
    return ax


def _bars(ax: Axes, values: np.ndarray, uniq: np.ndarray, observed: float, kind: str) -> None:
    """One bar per value of a discrete summary (the observed value among them)."""
    support = np.union1d(uniq, [observed]) if observed == round(observed) else uniq
    counts = np.array([np.mean(values == u) for u in support])
    ax.bar(support, counts, width=0.7, color="C0", alpha=0.6, label="predictive draws")
    if kind in _BINARY_SUMMARIES and set(support) <= {0.0, 1.0}:
        ax.set_xticks([0, 1], ["no", "yes"])
        ax.set_xlim(-0.6, 1.6)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _histogram(ax: Axes, values: np.ndarray, observed: float, kind: str) -> None:
    """A histogram of shares over the range of the draws and the observed value."""
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
    fig = new_figure(fig, 3.0 * cols, 2.3 * rows + 0.5)
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
