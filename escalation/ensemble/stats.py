"""Monte Carlo estimates with their uncertainty: the statistics behind summaries and comparisons.

Pure functions of counts and arrays; nothing here knows about ensembles. Every estimate comes
with a 95% interval and, where one exists, a Monte Carlo standard error:

* **proportions** (:func:`proportion`): Wilson score interval (Wilson 1927, JASA 22:209),
  which behaves at 0 and 1 where the normal one does not; standard error
  ``sqrt(p (1 - p) / n)``;
* **means** (:func:`mean`): normal interval ``mean +- 1.96 s / sqrt(n)``;
* **quantiles** (:func:`quantile`): the sample quantile, with the distribution-free interval
  between the order statistics at ``n q -+ 1.96 sqrt(n q (1-q))``;
* **Kaplan-Meier** (:func:`kaplan_meier_band`, :func:`km_quantile`): the survival curve of
  censored times with a pointwise 95% band (Greenwood's variance on the log scale, as R's
  ``survfit`` by default); a quantile's interval runs between the times at which the limits
  of the band reach the level;
* **differences of proportions**: Newcombe's hybrid score interval for independent samples
  (:func:`newcombe`; Newcombe 1998, Stat Med 17:873, method 10) and for paired binary
  outcomes (:func:`newcombe_paired`; Newcombe 1998, Stat Med 17:2635, method 10).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054


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


def json_number(v: Any) -> Any:
    """``v``, or ``None`` when it is a float that JSON cannot hold (NaN, infinity)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


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
        return {k: json_number(v) for k, v in asdict(self).items()}


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


def kaplan_meier_band(
    time: np.ndarray, event: np.ndarray, z: float = Z95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate of P(no event by t) with a pointwise 95% band.

    Greenwood's variance of ``log S`` (the sum of ``d / (n (n - d))`` over the event times so
    far), on the log scale, as ``survival::survfit`` does by default; where the estimate has
    reached 0 the band is 0 too.

    Parameters
    ----------
    time
        Event time, or censoring time when ``event`` is false.
    event
        Whether the event (rupture) happened at ``time``.
    z
        Normal quantile of the band.

    Returns
    -------
    tuple
        ``(times, survival, low, high)``: the distinct event times, the estimate just after
        each and the band's limits there.
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


def km_quantile(times: np.ndarray, survival: np.ndarray, q: float) -> float | None:
    """Earliest time by which the Kaplan-Meier P(event) reaches ``q`` (``None``: not reached)."""
    hit = np.nonzero(1.0 - survival >= q - 1e-12)[0]
    return float(times[hit[0]]) if hit.size else None


def km_quantile_interval(
    times: np.ndarray, low: np.ndarray, high: np.ndarray, q: float
) -> tuple[float | None, float | None]:
    """95% interval of a Kaplan-Meier quantile: where the band's limits reach the level.

    The lower end is the earliest time the band's lower limit of ``S`` falls to ``1 - q``,
    the upper end the earliest time its upper limit does (``None``: not reached).
    """
    return km_quantile(times, low, q), km_quantile(times, high, q)
