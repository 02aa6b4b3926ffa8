"""Calibration: fit policy parameters to documented episodes (:func:`calibrate`).

:func:`calibrate` builds the :class:`~escalation.calibrate.problem.CalibrationProblem`, runs
ABC-SMC (or rejection ABC) on it, serially or on workers, with checkpoints and progress, and
returns the :class:`~escalation.calibrate.posterior.Posterior`; check the fit with
:func:`escalation.calibrate.checks.predictive_checks`. What is fitted, how, and how much (or
how little) a handful of episodes can say is in ``docs/calibration.md``.
"""

from __future__ import annotations

import concurrent.futures as cf
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TextIO

from escalation.base.errors import InputError, OutputError
from escalation.base.executors import executor_for
from escalation.base.seeds import Seed
from escalation.calibrate.episodeset import EpisodeSet
from escalation.calibrate.generation import GenerationReport, ProgressCallback
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors
from escalation.calibrate.problem import CalibrationProblem
from escalation.calibrate.smc import rejection, smc
from escalation.model.scenario import Scenario
from escalation.sim.history import History

#: Particles per generation by default (see ``benchmarks/bench_calibration.py``).
DEFAULT_POPULATION = 1000
#: Generations by default, the first from the prior.
DEFAULT_GENERATIONS = 8


class ProgressPrinter:
    """Prints calibration progress to a stream (standard error by default)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream

    def __call__(self, p: GenerationReport) -> None:
        """Print one progress report."""
        out = self.stream or sys.stderr
        if p.done is None:
            if not getattr(out, "isatty", lambda: False)():
                return  # per-batch counts only on a terminal; a log gets one line a generation
            out.write(
                f"\rgeneration {p.generation}/{p.generations}: {p.accepted}/{p.population} "
                f"accepted in {p.simulations} simulations (epsilon {p.epsilon:.3g})"
            )
        else:
            g = p.done
            out.write(
                f"\rgeneration {g.generation}/{p.generations}: epsilon {g.epsilon:.3g}, "
                f"acceptance {g.acceptance_rate:.1%}, ESS {g.ess:.0f}, {g.seconds:.1f} s"
                + " " * 20
                + "\n"
            )
        out.flush()


def _progress(progress: bool | ProgressCallback | None) -> ProgressCallback | None:
    if progress is True:
        return ProgressPrinter()
    if not progress:
        return None
    return progress


def calibrate(
    scenario: Scenario | str | Path,
    history: History | str | Path,
    priors: Priors | Mapping[str, Any] | str | Path | None = None,
    *,
    population: int = DEFAULT_POPULATION,
    generations: int = DEFAULT_GENERATIONS,
    seed: Seed = None,
    workers: int | None = None,
    executor: cf.Executor | None = None,
    method: Literal["smc", "rejection"] = "smc",
    simulations: int | None = None,
    quantile: float = 0.5,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    progress: bool | ProgressCallback | None = None,
    problem: CalibrationProblem | EpisodeSet | None = None,
    kernel: Literal["global", "local"] = "global",
    **build: Any,
) -> Posterior:
    """Fit the calibrated actor's policy parameters to the documented episodes.

    The data are a handful of episodes: expect wide intervals that lean on the priors, and
    read the result as a distribution over scenarios, not a forecast.

    Parameters
    ----------
    scenario, history, priors
        See :meth:`CalibrationProblem.build` (``priors=None``: Russia's grievance policy with
        the documented default priors).
    population, generations
        Particles per generation; ABC-SMC generations, the first from the prior.
    seed
        Every random draw derives from it; ``None`` draws fresh entropy (recorded in the
        posterior).
    workers
        Worker processes (``None`` or 1: serial). The result does not depend on it.
    executor
        Any :class:`concurrent.futures.Executor` instead of ``workers``.
    method
        ``"smc"`` (ABC-SMC) or ``"rejection"`` (plain rejection ABC, for comparison).
    simulations
        Rejection ABC only: prior draws (default ``population * 20``).
    quantile
        ABC-SMC tolerance schedule: this quantile of the previous generation's distances.
    checkpoint
        File to write the posterior so far to after every generation (atomically).
    resume
        Continue from ``checkpoint`` if it exists (same settings give the same result as an
        uninterrupted run).
    progress
        ``True`` to print progress to standard error, or a callable receiving
        :class:`~escalation.calibrate.generation.GenerationReport` objects.
    problem
        A ready :class:`CalibrationProblem` or :class:`~escalation.calibrate.episodeset.EpisodeSet`
        (several episodes sharing the parameters; then ``scenario`` and ``history`` are ignored
        and may be ``None``).
    kernel
        ABC-SMC perturbation kernel: ``"global"`` (one covariance) or ``"local"`` (each
        particle's from its nearest neighbours; see :mod:`escalation.calibrate.kernel`).
    **build
        More arguments of :meth:`CalibrationProblem.build` (``episodes``, ``window_days``, ...).

    Returns
    -------
    Posterior
        Weighted particles, per-generation tolerance, acceptance rate and ESS, and the seed.
    """
    if problem is None:
        problem = CalibrationProblem.build(scenario, history, priors, **build)
    ckpt = Path(checkpoint) if checkpoint is not None else None
    start_from = Posterior.load(ckpt) if resume and ckpt is not None and ckpt.exists() else None
    if method not in ("smc", "rejection"):
        raise ValueError(f"method must be 'smc' or 'rejection', not {method!r}")
    with executor_for(workers, executor) as pool:
        if method == "rejection":
            draws = simulations or population * 20
            return _fit_rejection(problem, pool, population, draws, seed, _progress(progress))
        sizes = (population, generations, quantile, kernel)
        return _fit_smc(problem, pool, seed, _progress(progress), ckpt, start_from, sizes)


def _fit_rejection(
    problem: CalibrationProblem | EpisodeSet,
    pool: cf.Executor | None,
    population: int,
    simulations: int,
    seed: Seed,
    progress: ProgressCallback | None,
) -> Posterior:
    """Rejection ABC on ``problem``."""
    return rejection(
        problem.simulator,
        problem.priors,
        problem.observed,
        population=population,
        simulations=simulations,
        seed=seed,
        executor=pool,
        summaries=problem.names,
        weights=problem.weights,
        model=problem.description(),
        progress=progress,
    )


def _fit_smc(
    problem: CalibrationProblem | EpisodeSet,
    pool: cf.Executor | None,
    seed: Seed,
    progress: ProgressCallback | None,
    checkpoint: Path | None,
    start_from: Posterior | None,
    sizes: tuple[int, int, float, Literal["global", "local"]],
) -> Posterior:
    """ABC-SMC on ``problem``, from ``start_from`` if given, saving to ``checkpoint``.

    ``sizes``: population, generations, tolerance quantile and kernel.
    """
    population, generations, quantile, kernel = sizes

    def save(post: Posterior) -> None:
        if checkpoint is None:
            return
        try:
            post.save(checkpoint)
        except OSError as exc:  # a full disk: the last checkpoint written is kept
            raise OutputError(
                f"cannot write the checkpoint ({exc.strerror or exc}); the generations "
                "already written are kept",
                source=checkpoint,
            ) from None

    try:
        return smc(
            problem.simulator,
            problem.priors,
            problem.observed,
            population=population,
            generations=generations,
            seed=seed,
            quantile=quantile,
            executor=pool,
            summaries=problem.names,
            weights=problem.weights,
            model=problem.description(),
            resume=start_from,
            on_generation=save if checkpoint is not None else None,
            progress=progress,
            kernel=kernel,
        )
    except OutputError:
        raise
    except ValueError as exc:
        if start_from is not None and "checkpoint" in str(exc):
            raise InputError(str(exc), source=checkpoint) from None
        raise
