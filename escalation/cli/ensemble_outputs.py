"""What ``escalation run --runs N --out DIR`` writes: outcomes, summary and plots."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from escalation.cli.output import staged
from escalation.ensemble import Ensemble
from escalation.ensemble.summary import Summary

#: Plots written by an ensemble run with ``--out`` (``<name>.png``), each answering one
#: question: how escalation unfolds over time and how likely a rupture is by each date
#: (``fan_chart``); how the runs end and who moved last (``endings``); when ruptures happen
#: (``time_to_rupture``); how many rounds, how severe (``rounds``, ``peak_severity``).
ENSEMBLE_PLOTS: tuple[str, ...] = (
    "fan_chart",
    "endings",
    "time_to_rupture",
    "rounds",
    "peak_severity",
)
#: Every file an ensemble's ``--out`` receives.
ENSEMBLE_FILES: tuple[str, ...] = (
    "outcomes.npz",
    "outcomes.json",
    "summary.json",
    "summary.txt",
    *(f"{name}.png" for name in ENSEMBLE_PLOTS),
)
#: Most runs played again (from their seeds) for the fan chart's bands; a seeded random
#: sample of this many beyond it, which the chart states. Its rupture share uses every run.
FAN_RUNS = 2_000


def write_ensemble(ensemble: Ensemble, summary: Summary, out: Path, *, plots: bool = True) -> None:
    """Write the outcomes, the summary and the plots of ``ensemble`` into ``out`` (staged).

    ``outcomes.npz`` (+ ``.json``) hold every run's outcome, ``summary.json`` and
    ``summary.txt`` the estimates (the text ends with what its words mean and from which date
    its days count); the plots are those of :func:`write_ensemble_plots`.
    """
    with staged(out) as tmp:
        ensemble.save(tmp / "outcomes.npz")
        text = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False)
        (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
        (tmp / "summary.txt").write_text(str(summary) + "\n", encoding="utf-8")
        written = write_ensemble_plots(ensemble, tmp) if plots else []
    files = ["outcomes.npz", "outcomes.json", "summary.json", "summary.txt", *written]
    print(f"wrote {', '.join(files)} to {out}", file=sys.stderr)


def write_ensemble_plots(ensemble: Ensemble, folder: Path) -> list[str]:
    """Write the plots of :data:`ENSEMBLE_PLOTS` as PNG into ``folder``; return the names.

    The fan chart's bands need each run's events: the runs are played again from their own
    seeds (identical runs), all of them up to :data:`FAN_RUNS`, a seeded random sample of
    that many beyond it.
    """
    try:
        from matplotlib.figure import Figure

        from escalation.plot import endings, fan_chart, outcome_distribution
    except ImportError as exc:
        print(f"note: plots not written ({exc.name} is not available)", file=sys.stderr)
        return []
    names = []
    for name in ENSEMBLE_PLOTS:
        if name == "fan_chart":
            if ensemble.scenario is None and ensemble.events is None:
                continue
            fig = Figure(figsize=(9.0, 6.5), layout="constrained")
            top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2.4, 1])
            fan_chart(ensemble, ax=top, share_ax=bottom, max_runs=FAN_RUNS)
        elif name == "endings":
            fig = Figure(figsize=(9.0, 3.8), layout="constrained")
            endings(ensemble, ax=fig.add_subplot())
        else:
            fig = Figure(figsize=(8.0, 4.5), layout="constrained")
            outcome_distribution(ensemble, name, ax=fig.add_subplot())
        fig.savefig(folder / f"{name}.png", dpi=120)
        names.append(f"{name}.png")
    return names
