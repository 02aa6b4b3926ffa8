"""Plots of validation results: left-out score differences and SBC rank histograms.

The numbers are those of :class:`~escalation.validate.crossval.CrossValidation` and
:class:`~escalation.validate.sbc.SBCResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalation.plot._common import new_axes, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from escalation.validate.crossval import CrossValidation
    from escalation.validate.sbc import SBCResult


def score_differences(cv: CrossValidation, ax: Axes | None = None) -> Axes:
    """Model score minus each null model's, per left-out episode and outcome.

    With 95 % Monte Carlo intervals, scaled by the larger of the two scores; left of 0 the
    model predicts better.
    """
    ax = new_axes(ax, (7.0, 0.28 * len(cv.rows) + 1.2))
    rows = [r for r in cv.rows if np.isfinite(r["difference"])]
    labels, diffs, los, his = [], [], [], []
    for r in rows:
        labels.append(f"{r['left_out']} {r['outcome']} vs {r['null']}")
        scale = max(abs(r["null_score"]), abs(r["model_score"]), 1e-9)
        diffs.append(r["difference"] / scale)
        lo, hi = r["difference_interval"]
        los.append(r["difference"] / scale - lo / scale)
        his.append(hi / scale - r["difference"] / scale)
    y = np.arange(len(rows))
    ax.errorbar(diffs, y, xerr=[los, his], fmt="o", color="C0", ms=4, capsize=2)
    ax.axvline(0.0, color="0.4", lw=1)
    ax.set_yticks(y, labels, fontsize="x-small")
    ax.invert_yaxis()
    ax.set_xlabel("(model - null) / larger score   (< 0: model better)")
    ax.set_title("Left-out episodes: model against null models", fontsize="small")
    return ax


def sbc_ranks(result: SBCResult, fig: Figure | None = None) -> np.ndarray:
    """Rank histogram per parameter, with the expected count and a 95 % band under uniformity."""
    n = len(result.names)
    cols = min(4, n)
    rows = -(-n // cols)
    fig = new_figure(fig, 3.0 * cols, 2.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    reps = result.ranks.shape[0]
    expected = reps / result.bins
    half = 1.96 * np.sqrt(reps * (1 / result.bins) * (1 - 1 / result.bins))
    for j, ax in enumerate(axes):
        if j >= n:
            ax.set_visible(False)
            continue
        counts = result.histogram(j)
        ax.bar(np.arange(result.bins), counts, color="C0", width=0.9)
        ax.axhspan(expected - half, expected + half, color="0.85", zorder=0)
        ax.axhline(expected, color="0.4", lw=1)
        _, p = result.uniformity(j)
        ax.set_title(f"{result.names[j]}\np = {p:.2f}", fontsize="x-small")
        ax.set_xticks([])
    fig.supxlabel("rank of the true value among posterior draws (binned)", fontsize="small")
    return axes
