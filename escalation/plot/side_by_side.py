"""One outcome side by side across scenarios (counterfactuals): :func:`comparison`.

:func:`escalation.compare` is the table of the same comparison, with the differences and their
intervals; this module draws it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from escalation.plot._common import (
    OUTCOME_TITLES,
    crop_end,
    days_axis,
    draw_ecdf,
    interval_text,
    new_axes,
    pct,
    percent_axis,
    severity_labels,
    time_axes,
)
from escalation.plot._data.outcomes import Counts, binary_data, count_data, ecdf_data, mover_data
from escalation.plot._data.sample import (
    OUTCOME_KINDS,
    Sample,
    as_sample,
    check_outcome,
    wilson,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: x-axis labels of the outcomes drawn as grouped bars.
_BAR_AXES: Mapping[str, str] = {
    "rounds": "rounds (turns of hostile measures)",
    "peak_severity": "peak severity (ladder level)",
    "last_mover": "actor of the last hostile measure",
}


def comparison(ensembles: Mapping[str, Any], name: str, ax: Axes | None = None) -> Axes:
    """Plot one outcome side by side across scenarios (counterfactuals).

    ``ruptured``: P(rupture) per scenario as points with 95 % Wilson intervals.
    ``time_to_rupture``: the ECDFs overlaid (censored at each horizon), each with its own
    colour, line style and markers; a curve identical to another says so in the legend; the
    axis ends a little after the last rupture.
    ``rounds``, ``peak_severity``, ``last_mover``: grouped bars of shares with intervals.

    Parameters
    ----------
    ensembles
        Label -> ensemble (or list of runs), e.g. ``{"as documented": a, "no cap cut": b}``.
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
        If ``name`` is not an outcome name, or ``ensembles`` is empty.
    """
    kind = check_outcome(name)
    if not ensembles:
        raise ValueError("nothing to compare: pass {label: ensemble, ...}")
    samples = {label: as_sample(e) for label, e in ensembles.items()}
    ax = new_axes(ax)
    sizes = sorted({s.n for s in samples.values()})
    runs = f"{sizes[0]} runs each" if len(sizes) == 1 else "runs: " + ", ".join(map(str, sizes))
    if kind == "binary":
        _ruptured(ax, samples)
        ax.set_title(f"P(rupture) by scenario ({runs})")
    elif kind == "time":
        _time_to_rupture(ax, samples)
        ax.set_title(f"Time to rupture by scenario ({runs}; no rupture = censored)")
    else:
        _grouped_bars(ax, samples, name)
        ax.set_title(f"{OUTCOME_TITLES[name]} by scenario ({runs})")
    return ax


def _ruptured(ax: Axes, samples: Mapping[str, Sample]) -> None:
    """P(rupture) of each scenario as a point with its interval, written above it."""
    shares = [binary_data(s) for s in samples.values()]
    ps = [wilson(int(c.counts[0]), c.n) for c in shares]
    x = np.arange(len(ps))
    y = np.array([p.p for p in ps])
    err = np.vstack([y - [p.lo for p in ps], [p.hi for p in ps] - y])
    ax.errorbar(x, y, yerr=err, fmt="o", color="C3", capsize=5, markersize=7, label=None)
    for xi, p in zip(x, ps, strict=True):
        ax.annotate(
            f"{pct(p.p)}\n{interval_text(p.lo, p.hi)}",
            xy=(xi, p.hi),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    ax.set_xticks(x)
    ax.set_xticklabels(list(samples))
    ax.set_xlim(-0.6, len(ps) - 0.4)
    ax.set_ylim(0, min(1.0, max(0.1, max(p.hi for p in ps) * 1.2)) + 0.05)
    percent_axis(ax)
    ax.set_ylabel("P(rupture by the horizon), 95 % interval")
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)


#: Line styles and markers that tell overlaid curves apart (also in grey print).
_STYLES: tuple[tuple[str, str], ...] = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))


def _time_to_rupture(ax: Axes, samples: Mapping[str, Sample]) -> None:
    """The ECDFs of the time to rupture, overlaid; dates on top when the starts agree.

    Each curve has its own colour, line style and markers (shifted along the line), and a
    curve identical to an earlier one says so in the legend, so none hides another unseen.
    """
    ecdfs = {label: ecdf_data(s) for label, s in samples.items()}
    seen: list[tuple[str, Any]] = []
    for i, (label, e) in enumerate(ecdfs.items()):
        legend = f"{label}: {pct(e.final.p)} {interval_text(e.final.lo, e.final.hi)}"
        twin = next((other for other, o in seen if _same(o, e)), None)
        if twin is not None:
            legend += f" (same curve as {twin})"
        seen.append((label, e))
        style, marker = _STYLES[i % len(_STYLES)]
        draw_ecdf(ax, e, f"C{i}", legend, style=style, marker=marker, mark_start=0.025 * i)
    horizon = max(e.horizon for e in ecdfs.values())
    last = max((float(e.times[-1]) for e in ecdfs.values() if len(e.times)), default=0.0)
    end = crop_end(last, horizon)
    time_axes(ax, end, max(float(e.final.hi) for e in ecdfs.values()))
    starts = {e.start for e in ecdfs.values()}
    note = f"; no rupture after day {last:.0f} (horizon day {horizon:g})" if end < horizon else ""
    if len(starts) == 1:
        start = starts.pop()
        ax.set_xlabel(f"days after the start ({start.isoformat()}){note}")
        days_axis(ax, start)
    else:
        ax.set_xlabel(f"days after each scenario's start{note}")
    ax.legend(
        loc="lower right",
        fontsize="small",
        title="P(rupture by the horizon) [95 %]",
        title_fontsize="small",
    )


def _same(a: Any, b: Any) -> bool:
    """Whether two ECDFs are the same curve."""
    return (
        a.n == b.n
        and a.horizon == b.horizon
        and np.array_equal(a.times, b.times)
        and np.array_equal(a.share, b.share)
    )


def _counts(samples: Mapping[str, Sample], name: str) -> list[Counts]:
    """The counts of each sample over the same categories (values or actors)."""
    if OUTCOME_KINDS[name] == "count":
        lo = min(int(s[name].min()) for s in samples.values() if s.n)
        hi = max(int(s[name].max()) for s in samples.values() if s.n)
        return [count_data(s, name, range(lo, hi + 1)) for s in samples.values()]
    actors: list[str] = []
    for s in samples.values():
        actors += [a for a in s.actors if a not in actors]
    if any((s["last_mover"] < 0).any() for s in samples.values()):
        actors.append("none")
    return [mover_data(s, actors) for s in samples.values()]


def _grouped_bars(ax: Axes, samples: Mapping[str, Sample], name: str) -> None:
    """Shares per value, one bar per scenario in each group, with 95 % intervals."""
    counts = _counts(samples, name)
    k = len(counts)
    width = 0.8 / k
    x = np.arange(len(counts[0].values))
    for i, (label, c) in enumerate(zip(samples, counts, strict=True)):
        lo_, hi_ = c.intervals()
        share = c.shares
        ax.bar(
            x + (i - (k - 1) / 2) * width,
            share,
            width=width * 0.95,
            color=f"C{i}",
            label=label,
            yerr=np.vstack([share - lo_, hi_ - share]),
            capsize=2,
            ecolor="0.35",
        )
    ax.set_xticks(x)
    labels = list(counts[0].labels)
    if name == "peak_severity":
        levels = next(iter(samples.values())).levels
        labels = severity_labels(levels, counts[0].values)
    ax.set_xticklabels(labels, fontsize="small" if name == "peak_severity" else None)
    percent_axis(ax)
    ax.set_ylabel("share of runs (95 % intervals)")
    ax.set_xlabel(_BAR_AXES[name])
    ax.grid(axis="y", color="0.92")
    ax.set_axisbelow(True)
    ax.legend(fontsize="small")
