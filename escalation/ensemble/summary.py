"""Summaries of ensembles and comparisons between them, each number with its uncertainty.

An ensemble is a Monte Carlo sample, so every figure is an estimate; each comes with a 95%
interval and, where one exists, a Monte Carlo standard error. The methods:

* **proportions** (P(rupture), P(peak >= k), last mover shares): Wilson score interval
  (Wilson 1927, JASA 22:209), which behaves at 0 and 1 where the normal one does not;
  standard error ``sqrt(p (1 - p) / n)``;
* **means** (rounds, peak severity): normal interval ``mean +- 1.96 s / sqrt(n)``;
* **time-to-rupture quantiles among ruptured runs**: the sample quantile, with the
  distribution-free interval between the order statistics at ``n q -+ 1.96 sqrt(n q (1-q))``.
  These are conditional on rupture. Runs without a rupture are *censored* at their end (the
  horizon, or earlier by the quiet rule); the **Kaplan-Meier** estimate treats them as at risk
  until then and gives unconditional quantiles, "not reached" when the estimated P(rupture by
  the end) stays below the level. Their interval runs between the times at which the limits
  of the curve's pointwise 95% band (Greenwood's variance on the log scale, as R's ``survfit``
  by default) reach the level;
* **differences** (:func:`compare`, each entry against the first). Ensembles run with the
  same root seed and number of runs are *paired*: run ``i`` of each drew from the same seed
  (common random numbers), so the difference is estimated run by run: Newcombe's interval for
  paired proportions (Newcombe 1998, Stat Med 17:2635, method 10) and a normal interval for
  the mean of the paired differences. Otherwise the ensembles are independent samples:
  Newcombe's hybrid score interval for a difference of proportions (Newcombe 1998, Stat Med
  17:873, method 10) and a normal interval with unpooled variances for a difference of means.

Failed runs are left out of every estimate and counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from escalation.ensemble.results import Ensemble

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054
QUANTILES: tuple[float, ...] = (0.1, 0.5, 0.9)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (``nan`` when ``n == 0``)."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 (k = n) the bound is exactly 0 (1); keep rounding from moving it.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (low, high)


def newcombe(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``k2/n2 - k1/n1``."""
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (max(-1.0, low), min(1.0, high))


def newcombe_paired(
    both: int, only_a: int, only_b: int, neither: int, z: float = Z95
) -> tuple[float, float]:
    """Newcombe's interval for ``p_b - p_a`` from paired binary outcomes.

    ``p_a = (both + only_a) / n`` and ``p_b = (both + only_b) / n`` over the ``n`` pairs;
    the Wilson intervals of each are combined with the correlation ``phi`` of the 2x2 table
    (Newcombe 1998, Stat Med 17:2635, method 10). With ``phi = 0`` it is :func:`newcombe`.
    """
    n = both + only_a + only_b + neither
    if n == 0:
        return (math.nan, math.nan)
    ka, kb = both + only_a, both + only_b
    pa, pb = ka / n, kb / n
    la, ua = wilson(ka, n, z)
    lb, ub = wilson(kb, n, z)
    margins = ka * (n - ka) * kb * (n - kb)
    phi = (both * neither - only_a * only_b) / math.sqrt(margins) if margins else 0.0
    d = pb - pa
    below = (pb - lb) ** 2 - 2 * phi * (pb - lb) * (ua - pa) + (ua - pa) ** 2
    above = (pa - la) ** 2 - 2 * phi * (pa - la) * (ub - pb) + (ub - pb) ** 2
    return (max(-1.0, d - math.sqrt(max(below, 0.0))), min(1.0, d + math.sqrt(max(above, 0.0))))


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: value, standard error (if any) and 95% interval."""

    value: float
    low: float
    high: float
    se: float | None = None
    n: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (``None`` for NaN)."""
        return {k: _json_number(v) for k, v in asdict(self).items()}


def _json_number(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def proportion(k: int, n: int) -> Estimate:
    """``k / n`` with its standard error and Wilson interval."""
    p = k / n if n else math.nan
    low, high = wilson(k, n)
    se = math.sqrt(p * (1 - p) / n) if n else math.nan
    return Estimate(p, low, high, se, n)


def mean(values: np.ndarray) -> Estimate:
    """Mean with its standard error and normal interval."""
    n = int(values.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    m = float(values.mean(dtype=np.float64))
    se = float(values.std(ddof=1, dtype=np.float64) / math.sqrt(n)) if n > 1 else math.nan
    return Estimate(m, m - Z95 * se, m + Z95 * se, se, n)


def quantile(values: np.ndarray, q: float) -> Estimate:
    """Sample quantile with the distribution-free order-statistic interval."""
    n = int(values.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, None, 0)
    x = np.sort(values)
    half = Z95 * math.sqrt(n * q * (1 - q))
    lo = min(n - 1, max(0, math.floor(n * q - half) - 1))
    hi = min(n - 1, max(0, math.ceil(n * q + half) - 1))
    return Estimate(float(np.quantile(x, q)), float(x[lo]), float(x[hi]), None, n)


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate of P(no event by t) at each distinct event time.

    Parameters
    ----------
    time
        Event time, or censoring time when ``event`` is false.
    event
        Whether the event (rupture) happened at ``time``.

    Returns
    -------
    tuple
        ``(times, survival)``: the distinct event times and the estimate just after each.
    """
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    times, first = np.unique(t, return_index=True)
    at_risk = t.size - first
    deaths = np.add.reduceat(e.astype(np.int64), first) if t.size else np.zeros(0, np.int64)
    keep = deaths > 0
    survival = np.cumprod(1.0 - deaths[keep] / at_risk[keep])
    return times[keep], survival


def kaplan_meier_band(
    time: np.ndarray, event: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`kaplan_meier` with a pointwise 95% band: ``(times, survival, low, high)``.

    Greenwood's variance of ``log S`` (the sum of ``d / (n (n - d))`` over the event times so
    far), on the log scale, as ``survival::survfit`` does by default; where the estimate has
    reached 0 the band is 0 too.
    """
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    times, first = np.unique(t, return_index=True)
    at_risk = (t.size - first).astype(np.float64)
    deaths = np.add.reduceat(e.astype(np.int64), first) if t.size else np.zeros(0, np.int64)
    keep = deaths > 0
    n, d = at_risk[keep], deaths[keep].astype(np.float64)
    survival = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore"):
        var_log = np.cumsum(np.where(n > d, d / (n * np.maximum(n - d, 1.0)), np.inf))
    spread = z * np.sqrt(var_log)
    with np.errstate(invalid="ignore", over="ignore"):
        low = np.where(survival > 0, survival * np.exp(-spread), 0.0)
        high = np.where(survival > 0, np.minimum(1.0, survival * np.exp(spread)), 0.0)
    return times[keep], survival, low, high


def km_quantile_interval(
    times: np.ndarray, low: np.ndarray, high: np.ndarray, q: float
) -> tuple[float | None, float | None]:
    """95% interval of a Kaplan-Meier quantile: where the band's limits reach the level.

    The lower end is the earliest time the band's lower limit of ``S`` falls to ``1 - q``,
    the upper end the earliest time its upper limit does (``None``: not reached).
    """
    return km_quantile(times, low, q), km_quantile(times, high, q)


def km_quantile(times: np.ndarray, survival: np.ndarray, q: float) -> float | None:
    """Earliest time by which the Kaplan-Meier P(event) reaches ``q`` (``None``: not reached)."""
    hit = np.nonzero(1.0 - survival >= q - 1e-12)[0]
    return float(times[hit[0]]) if hit.size else None


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.{digits}f}"


def _row(label: str, e: Estimate, digits: int = 3) -> str:
    interval = f"[{_fmt(e.low, digits)}, {_fmt(e.high, digits)}]"
    se = _fmt(e.se, digits) if e.se is not None else ""
    return f"  {label:<30} {_fmt(e.value, digits):>10}  {interval:<22} {se:>9}"


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
            "rounds_mean": self.rounds.to_dict(),
            "peak_severity_mean": self.peak_severity.to_dict(),
            "p_peak_at_least": {str(k): v.to_dict() for k, v in self.peak_at_least.items()},
            "last_mover_share": {k: v.to_dict() for k, v in self.last_mover.items()},
            "errors": {str(k): v for k, v in self.errors.items()},
            "intervals": "95%; proportions Wilson score, means normal, quantiles order "
            "statistics, Kaplan-Meier quantiles where Greenwood's log-scale band reaches them",
        }

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

        def days(v: float | None) -> str:
            return "not reached" if v is None else f"{v:.1f}"

        km = []
        for level, v in self.km_time_to_rupture.items():
            low, high = self.km_interval.get(level, (None, None))
            band = f" [{days(low)}, {days(high)}]" if low is not None else ""
            km.append(f"{level} {days(v)}{band}")
        lines.append(f"  time to rupture, Kaplan-Meier over all runs: {', '.join(km)}")
        lines.append(_row("mean rounds", self.rounds))
        lines.append(_row("mean peak severity", self.peak_severity))
        for k, e in self.peak_at_least.items():
            lines.append(_row(f"P(peak severity >= {k}) [Wilson]", e))
        for actor, e in self.last_mover.items():
            lines.append(_row(f"last mover {actor} [Wilson]", e))
        lines.append("")
        lines.append("Censoring: " + self.censoring)
        if self.failures:
            shown = list(self.errors.items())[:3]
            more = f" (and {self.failures - len(shown)} more)" if self.failures > 3 else ""
            lines.append(
                f"Failures: {self.failures} runs raised and are left out{more}: "
                + "; ".join(f"run {i}: {text}" for i, text in shown)
            )
        return "\n".join(line.rstrip() for line in lines)


def summarize(ensemble: Ensemble) -> Summary:
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
    )


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
        return {k: _json_number(v) for k, v in asdict(self).items()}


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
                    interval = f"[{_fmt(d.low)}, {_fmt(d.high)}]"
                    cells = f"{d.difference:>+15.3f}  {interval:<20} {d.method}"
                lines.append(f"  {name:<{width}}  {quantity:<18} {_fmt(e.value):>8} {cells}")
        return "\n".join(line.rstrip() for line in lines)


def _difference_of_means(quantity: str, a: Estimate, b: Estimate) -> Difference:
    se = math.sqrt((a.se or 0.0) ** 2 + (b.se or 0.0) ** 2)
    d = b.value - a.value
    return Difference(quantity, a.value, b.value, d, d - Z95 * se, d + Z95 * se, "normal")


def paired(a: Ensemble, b: Ensemble) -> bool:
    """Whether run ``i`` of ``a`` and of ``b`` drew from the same seed (same root, same runs).

    Then the two runs share their random numbers until the scenarios make them differ (the
    posterior particle drawn first, for one), and differences are estimated pair by pair.
    """
    return a.seed is not None and a.seed == b.seed and a.runs == b.runs


def _paired_differences(a: Ensemble, b: Ensemble, sa: Summary, sb: Summary) -> list[Difference]:
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


def compare(ensembles: Mapping[str, Ensemble]) -> Comparison:
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
    summaries = {label: e.summary() for label, e in ensembles.items()}
    baseline = next(iter(summaries))
    first = ensembles[baseline]
    a = summaries[baseline]
    differences: dict[str, list[Difference]] = {}
    for label, b in summaries.items():
        if label == baseline:
            continue
        if paired(first, ensembles[label]):
            differences[label] = _paired_differences(first, ensembles[label], a, b)
            continue
        low, high = newcombe(a.ruptured, a.completed, b.ruptured, b.completed)  # difference b - a
        differences[label] = [
            Difference(
                "P(rupture)",
                a.p_rupture.value,
                b.p_rupture.value,
                b.p_rupture.value - a.p_rupture.value,
                low,
                high,
                "Newcombe",
            ),
            _difference_of_means("mean rounds", a.rounds, b.rounds),
            _difference_of_means("mean peak", a.peak_severity, b.peak_severity),
        ]
    return Comparison(baseline, summaries, differences)
