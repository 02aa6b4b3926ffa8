"""What ``escalation calibrate`` writes: the posterior, the predictive checks and the plots."""

from __future__ import annotations

import re
import stat
import sys
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Literal, TextIO

from matplotlib.figure import Figure

from escalation.base.errors import InputError, OutputError
from escalation.base.files import refuse_links, write_atomic
from escalation.base.seeds import Seed
from escalation.calibrate.checks import DEFAULT_DRAWS, PredictiveChecks, predictive_checks
from escalation.calibrate.driver import DEFAULT_GENERATIONS, DEFAULT_POPULATION, calibrate
from escalation.calibrate.episodeset import EpisodeSet
from escalation.calibrate.generation import ProgressCallback
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors
from escalation.calibrate.problem import CalibrationProblem
from escalation.model.scenario import Scenario
from escalation.plot import posterior as pplot
from escalation.sim.history import History

#: The files a calibration writes into its folder (the checkpoint is removed at the end).
CALIBRATE_FILES: tuple[str, ...] = (
    "checkpoint.json",
    "posterior.json",
    "predictive_checks.csv",
    "posterior_pairs.png",
    "posterior_marginals.png",
    "predictive_checks.png",
)
#: The temporary files write_atomic leaves for them when killed mid-write.
_STALE = re.compile("\\.(" + "|".join(map(re.escape, CALIBRATE_FILES)) + ")\\.[a-z0-9_]+\\.tmp")


def calibrate_to_dir(
    scenario: Scenario | str | Path | None,
    history: History | str | Path | None,
    out_dir: str | Path,
    *,
    priors: Priors | Mapping[str, Any] | str | Path | None = None,
    seed: Seed = 0,
    workers: int | None = None,
    resume: bool = False,
    progress: bool | ProgressCallback | None = True,
    population: int = DEFAULT_POPULATION,
    generations: int = DEFAULT_GENERATIONS,
    draws: int = DEFAULT_DRAWS,
    plots: bool = True,
    echo: TextIO | None = None,
    problem: CalibrationProblem | EpisodeSet | None = None,
    kernel: Literal["global", "local"] = "global",
) -> Posterior:
    """Calibrate and write everything to ``out_dir`` (what ``escalation calibrate`` does).

    Writes, each atomically: ``checkpoint.json`` after every generation (``resume=True``
    continues from it with identical results), ``posterior.json``, ``predictive_checks.csv``
    and the plots ``posterior_pairs.png``, ``posterior_marginals.png`` and
    ``predictive_checks.png``. Prints the posterior table and the predictive-check table to
    ``echo`` (standard output by default). Input errors are raised before anything is
    written. ``problem`` (one history, or an episode set) replaces ``scenario``, ``history``
    and ``priors``.
    """
    began = time.perf_counter()
    if problem is None:
        if scenario is None or history is None:
            raise ValueError("give scenario and history, or problem")
        problem = CalibrationProblem.build(scenario, history, priors)
    out = Path(out_dir)
    refuse_links(out, CALIBRATE_FILES, field="--out")
    if out.exists() and not out.is_dir():
        raise InputError("not a folder", source=out)
    out.mkdir(parents=True, exist_ok=True)
    _sweep(out)
    posterior = calibrate(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        problem=problem,
        population=population,
        generations=generations,
        seed=seed,
        workers=workers,
        checkpoint=out / "checkpoint.json",
        resume=resume,
        progress=progress,
        kernel=kernel,
    )
    checks = predictive_checks(posterior, draws, seed=seed, workers=workers, problem=problem)
    posterior = posterior.with_meta(
        wall_seconds=time.perf_counter() - began,
        predictive_p_values=dict(zip(checks.names, map(float, checks.p_values), strict=True)),
    )
    _write_results(posterior, checks, out, plots)
    stream = echo or sys.stdout
    stream.write(f"{posterior}\n\n{checks}\n")
    return posterior


def _sweep(out: Path) -> None:
    """Remove the temporary files a calibration killed mid-write left in ``out``."""
    for path in out.iterdir():
        if _STALE.fullmatch(path.name) and stat.S_ISREG(path.lstat().st_mode):
            path.unlink(missing_ok=True)


def _write_results(posterior: Posterior, checks: PredictiveChecks, out: Path, plots: bool) -> None:
    """Write the posterior, the checks and (if ``plots``) the figures, none through a link."""
    refuse_links(out, CALIBRATE_FILES, field="--out")
    try:
        posterior.save(out / "posterior.json")
        checks.to_csv(out / "predictive_checks.csv")
        if plots:
            _write_plots(posterior, checks, out)
    except OSError as exc:
        raise OutputError(
            f"cannot write the results ({exc.strerror or exc})", source=out, field="--out"
        ) from None


def _write_plots(posterior: Posterior, checks: PredictiveChecks, out: Path) -> None:
    # Figures made without pyplot: no display needed, no global state touched.
    figures: list[tuple[str, Callable[[Any], Any]]] = [
        ("posterior_pairs.png", lambda fig: pplot.posterior_pairs(posterior, fig=fig)),
        ("posterior_marginals.png", lambda fig: pplot.posterior_marginals(posterior, fig=fig)),
        ("predictive_checks.png", lambda fig: pplot.predictive_checks(checks, fig=fig)),
    ]
    for name, draw in figures:
        fig = Figure()
        draw(fig)
        write_atomic(out / name, partial(fig.savefig, format="png", dpi=110), links=False)
