"""The distribution of one outcome across an ensemble's runs: :func:`outcome_distribution`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from escalation.plot._common import (
    OUTCOME_TITLES,
    crop_end,
    days_axis,
    draw_ecdf,
    failed_note,
    interval_text,
    new_axes,
    pct,
    severity_labels,
    time_axes,
)
from escalation.plot._data.outcomes import (
    Counts,
    binary_data,
    count_data,
    ecdf_data,
    mover_data,
)
from escalation.plot._data.sample import Sample, as_sample, check_outcome, wilson

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def outcome_distribution(ensemble: Any, name: str, ax: Axes | None = None) -> Axes:
    """Plot the distribution of one outcome across an ensemble's runs.

    The view follows the outcome's type:

    ``ruptured``
        Bars of the runs ruptured and not, with 95 % Wilson intervals.
    ``time_to_rupture``
        The empirical CDF of the time to rupture (days after the start, dates on the top axis)
        over all runs, with a pointwise 95 % Wilson band. Runs without a rupture are censored
        at the horizon: the curve plateaus at P(rupture), annotated with its interval and the
        number censored. The axis ends a little after the last rupture (the label says so).
    ``rounds``, ``peak_severity``
        Bars of the runs per value (every integer in the range), each labelled with its share
        and carrying a 95 % interval.
    ``last_mover``
        Bars per actor (and "nobody" when no hostile measure was taken).

    Parameters
    ----------
    ensemble
        An ensemble (:func:`escalation.run_ensemble`) or a list of runs.
    name
        One of :data:`escalation.sim.outcome.OUTCOME_NAMES`.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        If ``name`` is not an outcome name (the message lists them).
    """
    kind = check_outcome(name)
    sample = as_sample(ensemble)
    ax = new_axes(ax)
    if kind == "binary":
        _ruptured(ax, sample)
    elif kind == "time":
        _time_to_rupture(ax, sample)
    elif kind == "count":
        _counts(ax, sample, name)
    else:
        c = mover_data(sample)
        _bars(ax, c)
        ax.set_xlabel("actor of the last hostile measure")
        ax.set_title(f"{sample.name}: last mover, {c.n} runs{failed_note(sample.failed)}")
    return ax


def _bars(ax: Axes, c: Counts, colour: str | Sequence[str] = "C0") -> None:
    """Bars of the runs per value, each with its 95 % interval and labelled with its share."""
    x = np.arange(len(c.values))
    lo, hi = c.intervals()
    err = np.vstack([c.counts - lo * c.n, hi * c.n - c.counts])
    ax.bar(x, c.counts, color=colour, width=0.7, yerr=err, capsize=3, ecolor="0.35")
    for xi, s, h in zip(x, c.shares, hi, strict=True):
        ax.annotate(
            pct(float(s)),
            xy=(xi, h * c.n),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_xticks(x)
    ax.set_xticklabels(c.labels)
    ax.set_ylabel("runs")
    ax.set_ylim(0, max(float(hi.max() * c.n) * 1.15, 1.0) if c.n else 1.0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _ruptured(ax: Axes, sample: Sample) -> None:
    c = binary_data(sample)
    _bars(ax, c, ["C3", "0.6"])
    p = wilson(int(c.counts[0]), c.n)
    ax.set_title(
        f"{sample.name}: P(rupture) = {pct(p.p)} {interval_text(p.lo, p.hi)}, {c.n} runs"
        f"{failed_note(sample.failed)}"
    )
    ax.set_xlabel("outcome by the horizon (95 % Wilson intervals)")


def _time_to_rupture(ax: Axes, sample: Sample) -> None:
    e = ecdf_data(sample)
    draw_ecdf(ax, e, "C3", "share ruptured (95 % band)")
    ax.axhline(e.final.p, color="0.4", linestyle="--", linewidth=1)
    last = float(e.times[-1]) if len(e.times) else 0.0
    end = crop_end(last, e.horizon)
    time_axes(ax, end, float(e.final.hi))
    label = f"days after the start ({e.start.isoformat()})"
    if end < e.horizon:
        label += (
            f"; shown to day {end:g}: no rupture after day {last:.0f}, horizon day {e.horizon:g}"
        )
    ax.set_xlabel(label)
    days_axis(ax, e.start)
    ax.legend(
        loc="lower right",
        fontsize="small",
        title=(
            f"P(rupture by day {e.horizon:g}) = {pct(e.final.p)} "
            f"{interval_text(e.final.lo, e.final.hi)}\n"
            + (
                f"{e.censored:,} of {e.n:,} runs without rupture (censored: the curve stays\n"
                "flat after the last rupture, to the horizon)"
                if e.final.k
                else f"no run of {e.n:,} ruptured (all censored)"
            )
        ),
        title_fontsize="small",
    )
    ax.set_title(f"{sample.name}: time to rupture, {e.n} runs{failed_note(sample.failed)}")


def _counts(ax: Axes, sample: Sample, name: str) -> None:
    c = count_data(sample, name)
    _bars(ax, c)
    if name == "peak_severity":
        ax.set_xticklabels(severity_labels(sample.levels, c.values), fontsize="small")
        ax.set_xlabel("peak severity (ladder level)")
    else:
        ax.set_xlabel("rounds (turns of hostile measures)")
    title = OUTCOME_TITLES[name].lower()
    ax.set_title(f"{sample.name}: {title}, {c.n} runs{failed_note(sample.failed)}")
