"""``escalation run SCENARIO``: one run, or an ensemble of runs (``--runs N``)."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from escalation.base.errors import InputError
from escalation.cli.common import (
    EXIT_OK,
    Subparsers,
    add_output_flags,
    expect,
    positive,
    refuse_leftover,
    resumable,
    seed_number,
    workers_number,
)
from escalation.cli.describe import describe_outcome, one_line, presence_table
from escalation.cli.ensemble_outputs import ENSEMBLE_FILES, write_ensemble
from escalation.cli.output import OUTPUT_FILES, check_out, write_outputs
from escalation.ensemble import Ensemble, run_ensemble
from escalation.model.scenario import Scenario, load_scenario
from escalation.sim.engine import simulate


def add_parser(commands: Subparsers) -> None:
    """Add ``run`` and its options to the commands."""
    run = commands.add_parser(
        "run",
        help="simulate a scenario and print its events and outcome",
        description="Simulate SCENARIO once and print its dated events and its outcome. "
        "The same seed gives the same run.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or YAML file")
    run.add_argument(
        "--seed",
        type=seed_number,
        default=0,
        metavar="N",
        help="seed of the run's random draws (integer >= 0; default 0)",
    )
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write the results into DIR: for one run events.csv, events.json and "
        "trajectory.png; for an ensemble outcomes.npz (+ .json), summary.json and plots",
    )
    run.add_argument(
        "--runs",
        type=positive,
        default=1,
        metavar="N",
        help="number of runs; more than 1 runs an ensemble (Monte Carlo) and prints its summary",
    )
    run.add_argument(
        "--workers",
        type=workers_number,
        metavar="W",
        help="run the ensemble on W worker processes, or 'auto' for one per usable CPU core "
        "(same results as serial)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the ensemble on an existing dask scheduler (needs escalation[dask])",
    )
    run.add_argument(
        "--chunk-size",
        type=positive,
        metavar="N",
        help="runs per chunk sent to a worker and per checkpoint file (default: automatic)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="resume an interrupted ensemble from the checkpoint kept in --out",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first run that fails instead of recording it and going on",
    )
    run.add_argument(
        "--no-plots", action="store_true", help="write no PNG files into --out (faster)"
    )
    run.add_argument(
        "--json",
        action="store_true",
        help="print the ensemble's summary (or the run's outcome) as JSON instead of tables",
    )
    add_output_flags(run)
    run.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """``escalation run``: load the scenario, then run it once or as an ensemble."""
    _check_options(args)
    if args.out is not None:
        names = OUTPUT_FILES if args.runs == 1 else ENSEMBLE_FILES
        check_out(args.out, force=args.force, resume=args.resume, names=names)
        if args.resume and finished(args.out):
            return EXIT_OK
    scenario = load_scenario(expect("scenario", args.scenario))
    if args.runs == 1:
        return run_single(
            scenario, seed=args.seed, out=args.out, plots=not args.no_plots, as_json=args.json
        )
    return run_many(
        scenario,
        runs=args.runs,
        seed=args.seed,
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_size=args.chunk_size,
        resume=args.resume,
        strict=args.strict,
        plots=not args.no_plots,
        as_json=args.json,
    )


def finished(out: Path) -> bool:
    """Whether ``out`` holds a finished ensemble (then say so: there is nothing to resume)."""
    if (out / "checkpoint").exists() or not (out / "outcomes.npz").exists():
        return False
    print(
        f"escalation: {out} holds a finished ensemble (outcomes.npz, no checkpoint): nothing "
        "to resume; to redo it, run without --resume and with --force",
        file=sys.stderr,
    )
    return True


def _check_options(args: argparse.Namespace) -> None:
    """Refuse ensemble options (``--workers``, ...) for one run, and options that clash."""
    given = [
        flag
        for flag, present in (
            ("--workers", args.workers is not None),
            ("--scheduler", args.scheduler is not None),
            ("--chunk-size", args.chunk_size is not None),
            ("--resume", args.resume),
            ("--strict", args.strict),
        )
        if present
    ]
    if args.runs == 1 and given:
        raise InputError(f"{given[0]} needs --runs greater than 1", field=given[0])
    if args.workers is not None and args.scheduler is not None:
        raise InputError("give either --workers or --scheduler, not both", field="--scheduler")
    if args.resume and args.out is None:
        raise InputError(
            "--resume needs the --out folder that holds the checkpoint", field="--out"
        )


def run_single(
    scenario: Scenario, *, seed: int, out: Path | None, plots: bool = True, as_json: bool = False
) -> int:
    """Simulate ``scenario`` once, write the files if ``out`` is given, then print the run.

    The files come first so that a failure to write them prints nothing but the error.
    """
    run = simulate(scenario, seed=seed)
    if out is not None:
        meta = {"kind": "run", "scenario": scenario.name, "seed": seed}
        write_outputs(run, out, meta, plots=plots)
    if as_json:
        print(json.dumps(run.outcome.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"scenario {scenario.name}, seed {seed}: {one_line(scenario.description)}")
    print()
    print(run.table())
    print()
    print(describe_outcome(run))
    print()
    print(f"final state ({run.date_of(run.outcome.end_time)}):")
    print(presence_table(run.final))
    return EXIT_OK


def run_many(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    strict: bool,
    chunk_size: int | None = None,
    plots: bool = True,
    as_json: bool = False,
) -> int:
    """Run an ensemble; with ``out``, checkpoint into it as it goes and write the results.

    The checkpoint (``out/checkpoint/``) keeps every finished chunk, so an interrupted
    ensemble resumes with ``--resume`` and ends identical to an uninterrupted one. It is
    removed once the results are written.
    """
    checkpoint = out / "checkpoint" if out is not None else None
    if checkpoint is not None and not resume:
        refuse_leftover(checkpoint, "ensemble")
    with resumable(checkpoint, "chunks"):
        ensemble = _checked(
            lambda: _ensemble(
                scenario,
                runs,
                seed,
                workers=workers,
                scheduler=scheduler,
                chunk_size=chunk_size,
                checkpoint=checkpoint,
                resume=resume,
                strict=strict,
            ),
            scenario,
        )
        summary = ensemble.summary()
        if out is not None:
            write_ensemble(ensemble, summary, out, plots=plots)
    if as_json:
        print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"scenario {scenario.name}: {one_line(scenario.description)}")
    print()
    print(summary)
    return EXIT_OK


def _checked(make: Callable[[], Ensemble], scenario: Scenario) -> Ensemble:
    """Run ``make``, turning failed runs into one line each: a note, or an error if all failed.

    A run that fails under ``--strict``, or every run failing, is an :class:`InputError`
    (exit 2, and the checkpoint is removed: running again would fail the same way).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            ensemble = make()
        except (InputError, BrokenProcessPool):
            raise
        except Exception as exc:  # --strict: the first failed run's own exception
            notes = " ".join(getattr(exc, "__notes__", []))
            raise InputError(
                f"a run failed ({type(exc).__name__}: {exc}) {notes}".strip(),
                source=scenario.name,
                field="--strict",
            ) from None
    for w in caught:
        if not issubclass(w.category, RuntimeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    errors = ensemble.errors
    if errors and len(errors) == ensemble.runs:
        first = min(errors)
        raise InputError(
            f"all {ensemble.runs} runs failed (run {first}: {errors[first]}); nothing written",
            source=scenario.name,
        )
    if errors:
        first = min(errors)
        print(
            f"escalation: note: {len(errors)} of {ensemble.runs} runs failed (run {first}: "
            f"{' '.join(errors[first].split())}); see the error column of the results",
            file=sys.stderr,
        )
    return ensemble


def _ensemble(
    scenario: Scenario,
    runs: int,
    seed: int,
    *,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int | None,
    checkpoint: Path | None,
    resume: bool,
    strict: bool,
) -> Ensemble:
    """Run the ensemble on worker processes, or on the dask scheduler at ``scheduler``."""
    executor, client = _dask_executor(scheduler) if scheduler is not None else (None, None)
    try:
        return run_ensemble(
            scenario,
            runs,
            seed,
            workers=workers,
            executor=executor,
            chunk_size=chunk_size,
            checkpoint=checkpoint,
            resume=resume,
            strict=strict,
        )
    finally:
        if client is not None:
            client.close()


def _dask_executor(address: str) -> tuple[Any, Any]:
    """An executor on the dask scheduler at ``address``, and its client (to close)."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(
            "dask.distributed is not installed (pip install 'escalation[dask]')",
            field="--scheduler",
        ) from None
    try:
        client = Client(address, timeout=5)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot reach a dask scheduler at {address!r} ({exc})", field="--scheduler"
        ) from None
    return client.get_executor(), client
