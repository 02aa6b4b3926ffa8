"""What ``escalation run --runs N --out DIR`` writes: outcomes, summary and plots."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from escalation.cli.output import staged
from escalation.ensemble import Ensemble
from escalation.ensemble.summary import Summary
from escalation.sim.run import Run

#: Outcome plots written by an ensemble run with ``--out``.
ENSEMBLE_PLOTS: tuple[str, ...] = (
    "ruptured",
    "time_to_rupture",
    "rounds",
    "peak_severity",
    "last_mover",
)
#: Runs re-simulated (identically, from their seeds) to draw the fan chart.
FAN_RUNS = 300


def write_ensemble(ensemble: Ensemble, summary: Summary, out: Path, *, plots: bool = True) -> None:
    """Write the outcomes, the summary and the plots of ``ensemble`` into ``out`` (staged).

    ``outcomes.npz`` (+ ``.json``) hold every run's outcome, ``summary.json`` and
    ``summary.txt`` the estimates; the plots are those of :func:`write_ensemble_plots`.
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
    """Write the outcome plots and a fan chart of ``ensemble`` as PNG; return the file names.

    The fan chart needs event logs: see :func:`fan_runs`.
    """
    try:
        from matplotlib.figure import Figure

        from escalation.plot import fan_chart, outcome_distribution
    except ImportError as exc:
        print(f"note: plots not written ({exc.name} is not available)", file=sys.stderr)
        return []
    names = []
    for name in ENSEMBLE_PLOTS:
        fig = Figure(figsize=(8.0, 4.5), layout="constrained")
        outcome_distribution(ensemble, name, ax=fig.add_subplot())
        fig.savefig(folder / f"{name}.png", dpi=120)
        names.append(f"{name}.png")
    runs = fan_runs(ensemble)
    if runs:
        fig = Figure(figsize=(9.0, 4.5), layout="constrained")
        ax = fan_chart(runs, ax=fig.add_subplot())
        ax.set_title(f"{ensemble.name}: escalation over time, first {len(runs)} runs")
        fig.savefig(folder / "fan_chart.png", dpi=120)
        names.append("fan_chart.png")
    return names


def fan_runs(ensemble: Ensemble, limit: int = FAN_RUNS) -> list[Run]:
    """The first ``limit`` runs of ``ensemble`` that did not fail, in full, for a fan chart.

    They are simulated again from their own seeds (identical runs), so that the ensemble
    itself can stay outcomes-only.
    """
    return [ensemble.rerun(i) for i in range(min(limit, ensemble.runs)) if ensemble.ok[i]]
