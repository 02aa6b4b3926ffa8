"""Comparisons between ensembles: each against the first, every difference with its interval.

:func:`compare` sets ensembles side by side: P(rupture), mean rounds and mean peak severity,
each entry minus the first (the baseline). Ensembles run with the same root seed and number of
runs are *paired* (:func:`paired`): run ``i`` of each drew from the same seed (common random
numbers), so the difference is estimated run by run: Newcombe's interval for paired
proportions (Newcombe 1998, Stat Med 17:2635, method 10) and a normal interval for the mean of
the paired differences. Otherwise the ensembles are independent samples: Newcombe's hybrid
score interval for a difference of proportions (Newcombe 1998, Stat Med 17:873, method 10)
and a normal interval with unpooled variances for a difference of means.

Failed runs are left out of every estimate (in paired comparisons, the pairs with a failed
run).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from escalation.base.display import html_table
from escalation.ensemble.stats import Z95, Estimate, json_number, mean, newcombe, newcombe_paired
from escalation.ensemble.summary import Outcomes, Summary, format_number, summarize


@dataclass(frozen=True)
class Difference:
    """``value(entry) - value(baseline)`` with a 95% interval and the method used."""

    quantity: str
    baseline: float
    value: float
    difference: float
    low: float
    high: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (``None`` for NaN)."""
        return {k: json_number(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Comparison:
    """Several ensembles side by side, each against the first (the baseline)."""

    baseline: str
    summaries: dict[str, Summary]
    differences: dict[str, list[Difference]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict: each summary and each entry's differences from the baseline."""
        return {
            "baseline": self.baseline,
            "summaries": {k: s.to_dict() for k, s in self.summaries.items()},
            "differences": {k: [d.to_dict() for d in v] for k, v in self.differences.items()},
        }

    def rows(self) -> list[tuple[str, str, float, Difference | None]]:
        """``(entry, quantity, value, difference from the baseline or None)`` rows."""
        out: list[tuple[str, str, float, Difference | None]] = []
        for name, s in self.summaries.items():
            diffs = {d.quantity: d for d in self.differences.get(name, [])}
            for quantity, e in (
                ("P(rupture)", s.p_rupture),
                ("mean rounds", s.rounds),
                ("mean peak", s.peak_severity),
            ):
                out.append((name, quantity, e.value, diffs.get(quantity)))
        return out

    def __repr__(self) -> str:
        return str(self)

    def to_frame(self) -> Any:
        """One row per entry and quantity: value, difference from the baseline, interval."""
        import pandas as pd

        rows = [
            (name, q, v) + ((None,) * 4 if d is None else (d.difference, d.low, d.high, d.method))
            for name, q, v, d in self.rows()
        ]
        cols = ["entry", "quantity", "value", "difference", "low", "high", "method"]
        return pd.DataFrame(rows, columns=cols)

    def _repr_html_(self) -> str:
        rows = [
            (
                name,
                q,
                v,
                *(
                    ("(baseline)", "", "", "")
                    if d is None
                    else (d.difference, d.low, d.high, d.method)
                ),
            )
            for name, q, v, d in self.rows()
        ]
        return html_table(
            f"Comparison against {self.baseline!r} (95% intervals)",
            ("entry", "quantity", "value", "minus baseline", "low", "high", "method"),
            rows,
            note="paired: the same seeds run by run (common random numbers); otherwise the "
            "ensembles are treated as independent samples.",
        )

    def __str__(self) -> str:
        width = max(len(k) for k in self.summaries)
        head = (
            f"  {'entry':<{width}}  {'quantity':<18} {'value':>8} {'minus baseline':>15}  "
            f"{'95% interval':<20} method"
        )
        lines = [f"Comparison against {self.baseline!r} (95% intervals)", head]
        lines.append("  " + "-" * (len(head) - 2))
        for name, s in self.summaries.items():
            base = [
                ("P(rupture)", s.p_rupture),
                ("mean rounds", s.rounds),
                ("mean peak", s.peak_severity),
            ]
            diffs = {d.quantity: d for d in self.differences.get(name, [])}
            for quantity, e in base:
                d = diffs.get(quantity)
                if d is None:
                    cells = f"{'(baseline)':>15}  {'':<20} "
                else:
                    interval = f"[{format_number(d.low)}, {format_number(d.high)}]"
                    cells = f"{d.difference:>+15.3f}  {interval:<20} {d.method}"
                value = format_number(e.value)
                lines.append(f"  {name:<{width}}  {quantity:<18} {value:>8} {cells}")
        return "\n".join(line.rstrip() for line in lines)


def paired(a: Outcomes, b: Outcomes) -> bool:
    """Whether run ``i`` of ``a`` and of ``b`` drew from the same seed (same root, same runs).

    Then the two runs share their random numbers until the scenarios make them differ (the
    posterior particle drawn first, for one), and differences are estimated pair by pair.
    """
    return a.seed is not None and a.seed == b.seed and a.runs == b.runs


def _difference_of_means(quantity: str, a: Estimate, b: Estimate) -> Difference:
    se = math.sqrt((a.se or 0.0) ** 2 + (b.se or 0.0) ** 2)
    d = b.value - a.value
    return Difference(quantity, a.value, b.value, d, d - Z95 * se, d + Z95 * se, "normal")


def _independent_differences(sa: Summary, sb: Summary) -> list[Difference]:
    low, high = newcombe(sa.ruptured, sa.completed, sb.ruptured, sb.completed)  # sb - sa
    return [
        Difference(
            "P(rupture)",
            sa.p_rupture.value,
            sb.p_rupture.value,
            sb.p_rupture.value - sa.p_rupture.value,
            low,
            high,
            "Newcombe",
        ),
        _difference_of_means("mean rounds", sa.rounds, sb.rounds),
        _difference_of_means("mean peak", sa.peak_severity, sb.peak_severity),
    ]


def _paired_differences(a: Outcomes, b: Outcomes, sa: Summary, sb: Summary) -> list[Difference]:
    both_ok = a.ok & b.ok  # pairs in which neither run failed
    ra, rb = a["ruptured"][both_ok], b["ruptured"][both_ok]
    low, high = newcombe_paired(
        int(np.sum(ra & rb)), int(np.sum(ra & ~rb)), int(np.sum(~ra & rb)), int(np.sum(~ra & ~rb))
    )
    n = int(both_ok.sum())
    out = [
        Difference(
            "P(rupture)",
            sa.p_rupture.value,
            sb.p_rupture.value,
            (int(rb.sum()) - int(ra.sum())) / n if n else math.nan,
            low,
            high,
            "Newcombe, paired",
        )
    ]
    for quantity, column, ea, eb in (
        ("mean rounds", "rounds", sa.rounds, sb.rounds),
        ("mean peak", "peak_severity", sa.peak_severity, sb.peak_severity),
    ):
        d = mean(b[column][both_ok].astype(float) - a[column][both_ok].astype(float))
        out.append(
            Difference(quantity, ea.value, eb.value, d.value, d.low, d.high, "normal, paired")
        )
    return out


def compare(ensembles: Mapping[str, Outcomes]) -> Comparison:
    """Compare ensembles, each against the first: P(rupture), mean rounds, mean peak.

    An entry run with the same root seed and number of runs as the baseline is compared run by
    run (:func:`paired`; the method then says "paired"): common random numbers make such
    differences far more precise than two independent samples would. Otherwise the two are
    treated as independent samples.

    Parameters
    ----------
    ensembles
        Label -> ensemble, e.g. ``{"as documented": a, "no cap cut": b}``; the first is the
        baseline.

    Returns
    -------
    Comparison
        Printable as a table; :meth:`Comparison.to_dict` for JSON.
    """
    if not ensembles:
        raise ValueError("compare needs at least one ensemble")
    summaries = {label: summarize(e) for label, e in ensembles.items()}
    baseline = next(iter(summaries))
    first = ensembles[baseline]
    sa = summaries[baseline]
    differences: dict[str, list[Difference]] = {}
    for label, sb in summaries.items():
        if label == baseline:
            continue
        if paired(first, ensembles[label]):
            differences[label] = _paired_differences(first, ensembles[label], sa, sb)
        else:
            differences[label] = _independent_differences(sa, sb)
    return Comparison(baseline, summaries, differences)
