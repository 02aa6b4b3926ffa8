"""Labels next to markers, each moved until it overlaps no label or marker placed before it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
from matplotlib.transforms import Bbox

from escalation.plot._data.trajectory import Mark

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Annotation

#: A label's offset from its marker in points, and its alignment: ``(dx, dy, ha, va)``.
Offset = tuple[int, int, str, str]


def _offsets() -> list[Offset]:
    """Where a label may go, nearest first: beside the marker, then further up or down."""
    offsets: list[Offset] = [
        (0, 9, "center", "bottom"),
        (0, -9, "center", "top"),
        (10, 4, "left", "bottom"),
        (-10, 4, "right", "bottom"),
        (10, -4, "left", "top"),
        (-10, -4, "right", "top"),
    ]
    for step in (28, 48, 68, 88):
        offsets += [(0, step, "center", "bottom"), (0, -step, "center", "top")]
        offsets += [(14, step, "left", "bottom"), (-14, step, "right", "bottom")]
    return offsets


def place_labels(ax: Axes, labels: Sequence[tuple[Mark, str, str]]) -> None:
    """Annotate the markers, moving each label until it overlaps none placed before it.

    Parameters
    ----------
    ax
        The axes, with everything else drawn (the legend is an obstacle too).
    labels
        ``(mark, colour, kind)`` for each marker; ``kind`` ``"doc"`` writes it in italics.
    """
    candidates = _offsets()
    # settle the layout first: positions measured before a constrained layout moves the axes
    # would be stale when the figure is drawn
    engine = getattr(ax.figure, "get_layout_engine", lambda: None)()
    if engine is not None:
        engine.execute(ax.figure)
    axbox = ax.get_window_extent()
    legend = ax.get_legend()
    placed = [legend.get_window_extent()] if legend is not None else []
    # markers are obstacles too
    for m, _, _ in labels:
        x, y = ax.transData.transform((mdates.date2num(m.date), m.level))
        placed.append(Bbox.from_bounds(x - 5, y - 5, 10, 10))
    for m, colour, kind in sorted(labels, key=lambda t: (t[0].date, -t[0].level)):
        style = "italic" if kind == "doc" else "normal"
        best: tuple[float, Offset] | None = None
        for cand in candidates:
            text = _annotate(ax, m, colour, style, cand)
            box = text.get_window_extent().expanded(1.04, 1.1)
            text.remove()
            cost = sum(_area(box, b) for b in placed) + 10 * _outside(box, axbox)
            if best is None or cost < best[0]:
                best = (cost, cand)
            if cost == 0:
                break
        assert best is not None
        text = _annotate(ax, m, colour, style, best[1])
        placed.append(text.get_window_extent())


def _annotate(ax: Axes, m: Mark, colour: str, style: str, cand: Offset) -> Annotation:
    dx, dy, ha, va = cand
    return ax.annotate(
        m.text,
        xy=(m.date, m.level),
        xytext=(dx, dy),
        textcoords="offset points",
        ha=ha,
        va=va,
        fontsize="x-small",
        fontstyle=style,
        color=colour,
        linespacing=1.1,
        arrowprops=(
            {"arrowstyle": "-", "color": colour, "linewidth": 0.6, "shrinkB": 4}
            if abs(dy) > 20
            else None
        ),
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def _area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def _outside(box: Bbox, frame: Bbox) -> float:
    """Area of ``box`` outside ``frame``."""
    return box.width * box.height - _area(box, frame)
