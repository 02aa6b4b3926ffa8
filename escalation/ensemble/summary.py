"""Summaries of ensembles: what the runs say, each number with its Monte Carlo uncertainty.

An ensemble is a Monte Carlo sample, so every figure is an estimate (see
:mod:`escalation.ensemble.stats` for the methods):

* **proportions** (P(rupture), P(peak >= k), last mover shares): Wilson score interval;
* **means** (rounds, peak severity): normal interval;
* **time-to-rupture quantiles among ruptured runs**: the sample quantile with the
  order-statistic interval. These are conditional on rupture. Runs without a rupture are
  *censored* at their end (the horizon, or earlier by the quiet rule); the **Kaplan-Meier**
  estimate treats them as at risk until then and gives unconditional quantiles, "not reached"
  when the estimated P(rupture by the end) stays below the level, with intervals from
  Greenwood's log-scale band.

Failed runs are left out of every estimate and counted.

:func:`summarize` reads the outcome columns of anything shaped like an ensemble
(:class:`Outcomes`); ``Ensemble.summary()`` calls it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import numpy as np

from escalation.base.display import html_table
from escalation.ensemble.stats import (
    Estimate,
    kaplan_meier_band,
    km_quantile,
    km_quantile_interval,
    mean,
    proportion,
    quantile,
)

QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)


class Outcomes(Protocol):
    """What a summary reads of an ensemble: its outcome columns and a few facts about it."""

    @property
    def name(self) -> str:
        """Scenario name."""
        ...

    @property
    def runs(self) -> int:
        """Number of runs, failed ones included."""
        ...

    @property
    def seed(self) -> int:
        """Root seed of the runs."""
        ...

    @property
    def version(self) -> str:
        """Version of :mod:`escalation` that made the runs."""
        ...

    @property
    def actors(self) -> tuple[str, ...]:
        """Actor ids, which ``last_mover`` indexes."""
        ...

    @property
    def horizon_days(self) -> float | None:
        """The scenario's horizon, if known."""
        ...

    @property
    def errors(self) -> Mapping[int, str]:
        """Run index -> error of each failed run."""
        ...

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the runs that did not fail."""
        ...

    def __getitem__(self, name: str) -> np.ndarray:
        """An outcome column, one value per run."""
        ...


def format_number(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` decimals, or ``-`` when it is missing or not finite."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}"


def _row(label: str, e: Estimate, digits: int = 3) -> str:
    interval = f"[{format_number(e.low, digits)}, {format_number(e.high, digits)}]"
    se = format_number(e.se, digits) if e.se is not None else ""
    return f"  {label:<30} {format_number(e.value, digits):>10}  {interval:<22} {se:>9}"


def _days(v: float | None) -> str:
    return "not reached" if v is None else f"{v:.1f}"


@dataclass(frozen=True)
class Summary:
    """What an ensemble says, with Monte Carlo uncertainty (see the module docstring).

    Print it for a table; :meth:`to_dict` gives the same figures for JSON.
    """

    name: str
    runs: int
    seed: int
    version: str
    failures: int
    completed: int
    horizon: float | None
    p_rupture: Estimate
    ruptured: int
    censored: int
    censored_at_horizon: int
    time_to_rupture: dict[str, Estimate]
    km_time_to_rupture: dict[str, float | None]
    rounds: Estimate
    peak_severity: Estimate
    peak_at_least: dict[int, Estimate]
    last_mover: dict[str, Estimate]
    errors: dict[int, str] = field(default_factory=dict)
    #: 95% interval of each Kaplan-Meier quantile (``None``: that end is not reached).
    km_interval: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: The scenario's start: day 0 of every time in the summary (``None``: unknown).
    start: date | None = None

    @property
    def terms(self) -> str:
        """What the summary's words mean, and from which date its days count."""
        origin = (
            f"the scenario's start, {self.start.isoformat()} (day 0)"
            if self.start is not None
            else "the scenario's start (day 0)"
        )
        return (
            f"Terms: days count from {origin}. A rupture is every channel between a pair of "
            "actors closed or suspended; its time is that of the effect that completed it. "
            "Rounds are turns of the exchange: the hostile measures announced, in time order, "
            "grouped into maximal runs by the same actor. Peak severity is the highest level on "
            "the severity ladder (0 = routine, 10 the top of the default ladder) of a hostile "
            "measure announced in a run; the last mover is the actor of the last one. Rows "
            "that hold for every run, or for none, are stated in words rather than as rows."
        )

    def constant_rows(self) -> list[str]:
        """The table's rows that hold for every run or for none, in words (left out of it).

        The lowest peak severity seen holds for every run by construction (the trigger
        reaches it), and a last mover no run had tells nothing; :meth:`shown_rows` leaves
        them out and the printed table says them in one line.
        """
        out = []
        lowest = min(self.peak_at_least, default=None)
        for k, e in self.peak_at_least.items():
            if k == lowest and e.value == 1.0:
                out.append(f"every run reached peak severity {k} or more")
        for actor, e in self.last_mover.items():
            if e.value == 0.0:
                out.append(
                    "every run had a hostile measure"
                    if actor == "none"
                    else f"{actor} moved last in no run"
                )
        return out

    def shown_rows(self) -> list[tuple[str, Estimate]]:
        """:meth:`rows` without those :meth:`constant_rows` states in words."""
        lowest = min(self.peak_at_least, default=None)
        hidden = {
            f"P(peak severity >= {k})"
            for k, e in self.peak_at_least.items()
            if k == lowest and e.value == 1.0
        }
        hidden |= {f"last mover {a}" for a, e in self.last_mover.items() if e.value == 0.0}
        return [(q, e) for q, e in self.rows() if q not in hidden]

    @property
    def censoring(self) -> str:
        """How censored runs are handled, in words."""
        horizon = f"the {self.horizon:g}-day horizon" if self.horizon else "the horizon"
        return (
            f"{self.censored:,} of {self.completed:,} runs did not rupture: their time to rupture "
            f"is censored at their end ({self.censored_at_horizon:,} at {horizon}, the rest "
            "earlier by the quiet rule, which ends the exchange). Quantiles among ruptured runs "
            "are conditional on rupture; Kaplan-Meier quantiles are over all runs, with runs "
            "ended by the quiet rule known rupture-free up to the horizon."
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict of every figure."""
        return {
            "name": self.name,
            "runs": self.runs,
            "seed": self.seed,
            "version": self.version,
            "failures": self.failures,
            "completed": self.completed,
            "horizon_days": self.horizon,
            "p_rupture": self.p_rupture.to_dict(),
            "ruptured": self.ruptured,
            "censored": self.censored,
            "censored_at_horizon": self.censored_at_horizon,
            "time_to_rupture_among_ruptured": {
                k: v.to_dict() for k, v in self.time_to_rupture.items()
            },
            "time_to_rupture_kaplan_meier": dict(self.km_time_to_rupture),
            "time_to_rupture_kaplan_meier_interval": {
                k: list(v) for k, v in self.km_interval.items()
            },
            "censoring": self.censoring,
            "start": self.start.isoformat() if self.start is not None else None,
            "terms": self.terms,
            "rounds_mean": self.rounds.to_dict(),
            "peak_severity_mean": self.peak_severity.to_dict(),
            "p_peak_at_least": {str(k): v.to_dict() for k, v in self.peak_at_least.items()},
            "last_mover_share": {k: v.to_dict() for k, v in self.last_mover.items()},
            "errors": {str(k): v for k, v in self.errors.items()},
            "intervals": "95%; proportions Wilson score, means normal, quantiles order "
            "statistics, Kaplan-Meier quantiles where Greenwood's log-scale band reaches them",
        }

    def rows(self) -> list[tuple[str, Estimate]]:
        """``(quantity, estimate)`` pairs in the order of the printed table."""
        out = [("P(rupture)", self.p_rupture)]
        out += [
            (f"time to rupture {q} (ruptured runs)", e) for q, e in self.time_to_rupture.items()
        ]
        out += [("mean rounds", self.rounds), ("mean peak severity", self.peak_severity)]
        out += [(f"P(peak severity >= {k})", e) for k, e in self.peak_at_least.items()]
        out += [(f"last mover {a}", e) for a, e in self.last_mover.items()]
        return out

    def __repr__(self) -> str:
        return str(self)

    def to_frame(self) -> Any:
        """The estimates as a pandas frame: ``quantity, estimate, low, high, se, n``."""
        import pandas as pd

        return pd.DataFrame(
            [(q, e.value, e.low, e.high, e.se, e.n) for q, e in self.rows()],
            columns=["quantity", "estimate", "low", "high", "se", "n"],
        )

    def _repr_html_(self) -> str:
        rows = [(q, e.value, e.low, e.high, e.se) for q, e in self.shown_rows()]
        return html_table(
            f"Ensemble {self.name}: {self.runs:,} runs ({self.failures} failed), seed {self.seed}",
            ("quantity", "estimate", "95% low", "95% high", "MC s.e."),
            rows,
            note=" ".join(
                [
                    *(f"{c[0].upper()}{c[1:]}." for c in self.constant_rows()),
                    "Censoring: " + self.censoring,
                    self.terms,
                ]
            ),
        )

    def __str__(self) -> str:
        head = f"  {'quantity':<30} {'estimate':>10}  {'95% interval':<22} {'MC s.e.':>9}"
        lines = [
            f"Ensemble {self.name}: {self.runs:,} runs ({self.failures} failed), "
            f"seed {self.seed}, escalation {self.version}",
            head,
            "  " + "-" * (len(head) - 2),
            _row("P(rupture) [Wilson]", self.p_rupture),
        ]
        if self.ruptured:
            lines.append(f"  time to rupture, days, among the {self.ruptured:,} ruptured runs:")
            for label, e in self.time_to_rupture.items():
                lines.append(_row(f"  {label} quantile", e, 1))
        else:
            lines.append("  time to rupture: no run ruptured")
        km = []
        for level, v in self.km_time_to_rupture.items():
            low, high = self.km_interval.get(level, (None, None))
            band = f" [{_days(low)}, {_days(high)}]" if low is not None else ""
            km.append(f"{level} {_days(v)}{band}")
        lines.append(f"  time to rupture, Kaplan-Meier over all runs: {', '.join(km)}")
        lines.append(_row("mean rounds", self.rounds))
        lines.append(_row("mean peak severity", self.peak_severity))
        visible = {q for q, _ in self.shown_rows()}
        for k, e in self.peak_at_least.items():
            if f"P(peak severity >= {k})" in visible:
                lines.append(_row(f"P(peak severity >= {k}) [Wilson]", e))
        for actor, e in self.last_mover.items():
            if f"last mover {actor}" in visible:
                lines.append(_row(f"last mover {actor} [Wilson]", e))
        constant = self.constant_rows()
        if constant:
            lines.append(f"  ({'; '.join(constant)})")
        lines.append("")
        lines.append("Censoring: " + self.censoring)
        if self.failures:
            shown = list(self.errors.items())[:3]
            more = f" (and {self.failures - len(shown)} more)" if self.failures > 3 else ""
            lines.append(
                f"Failures: {self.failures} runs raised and are left out{more}: "
                + "; ".join(f"run {i}: {text}" for i, text in shown)
            )
        lines.append(self.terms)
        return "\n".join(line.rstrip() for line in lines)


def summarize(ensemble: Outcomes) -> Summary:
    """Summarise an ensemble (also ``ensemble.summary()``)."""
    ok = ensemble.ok
    n = int(ok.sum())
    ruptured = ensemble["ruptured"][ok]
    k = int(ruptured.sum())
    time_ = ensemble["time_to_rupture"][ok]
    end = ensemble["end_time"][ok]
    horizon = ensemble.horizon_days
    censored = ~ruptured
    at_horizon = int(np.sum(censored & (end >= horizon - 1e-9))) if horizon is not None else 0
    among = time_[ruptured]
    # A run ended by the quiet rule is over: it is known to be rupture-free up to the horizon,
    # so it counts as censored at the horizon, not at its (earlier) end.
    known = np.where(ruptured, time_, np.maximum(end, horizon)) if horizon is not None else time_
    times, survival, low, high = kaplan_meier_band(known, ruptured)
    peak = ensemble["peak_severity"][ok]
    movers = ensemble["last_mover"][ok]
    shares = {a: proportion(int(np.sum(movers == i)), n) for i, a in enumerate(ensemble.actors)}
    shares["none"] = proportion(int(np.sum(movers < 0)), n)
    levels = sorted(int(v) for v in np.unique(peak) if v > 0)
    return Summary(
        name=ensemble.name,
        runs=ensemble.runs,
        seed=ensemble.seed,
        version=ensemble.version,
        failures=ensemble.runs - n,
        completed=n,
        horizon=horizon,
        p_rupture=proportion(k, n),
        ruptured=k,
        censored=n - k,
        censored_at_horizon=at_horizon,
        time_to_rupture={f"{q:.0%}": quantile(among, q) for q in QUANTILES},
        km_time_to_rupture={f"{q:.0%}": km_quantile(times, survival, q) for q in QUANTILES},
        km_interval={f"{q:.0%}": km_quantile_interval(times, low, high, q) for q in QUANTILES},
        rounds=mean(ensemble["rounds"][ok]),
        peak_severity=mean(peak),
        peak_at_least={lv: proportion(int(np.sum(peak >= lv)), n) for lv in levels},
        last_mover=shares,
        errors=dict(ensemble.errors),
        start=getattr(ensemble, "start", None),
    )
