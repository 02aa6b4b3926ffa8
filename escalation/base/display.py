"""Small HTML tables for notebook display (``_repr_html_``) and short one-line reprs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

#: Rows shown before a long table is cut (the rest are counted in a last line).
MAX_ROWS = 40


def html_table(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    note: str = "",
    max_rows: int = MAX_ROWS,
) -> str:
    """An HTML table with a bold title above it and an optional note below.

    Every cell is escaped; numbers are right-aligned. Rows after ``max_rows`` are counted,
    not shown.
    """
    body: list[str] = []
    hidden = 0
    for i, row in enumerate(rows):
        if i >= max_rows:
            hidden += 1
            continue
        cells = "".join(_cell(v) for v in row)
        body.append(f"<tr>{cells}</tr>")
    if hidden:
        body.append(f'<tr><td colspan="{len(header)}">... {hidden:,} more rows</td></tr>')
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    foot = f"<p><small>{escape(note)}</small></p>" if note else ""
    return (
        f"<div><p><b>{escape(title)}</b></p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"{foot}</div>"
    )


def _cell(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = f"{value:,}" if isinstance(value, int) else f"{value:.3g}"
        return f'<td style="text-align:right">{text}</td>'
    return f"<td>{escape('' if value is None else str(value))}</td>"


def shorten(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 3] + "..."
