"""The command line: ``escalation run | replay | calibrate | validate | list``.

``escalation run SCENARIO`` simulates a bundled scenario (see ``escalation list``) or a YAML file
and prints its dated events and outcome; ``--out DIR`` also writes ``events.csv``,
``events.json`` and ``trajectory.png``. ``escalation replay HISTORY`` runs a documented history
through the same engine and prints the state it ends in. ``escalation validate FILE`` checks a
scenario or history file. Results go to stdout, notes to stderr.

Exit status: 0 on success; 2 on bad input (a missing or invalid file, a bad option), with one
line on stderr naming the file, the field and the problem, and nothing written; 130 when
interrupted. Output files are first written to a temporary folder next to ``--out`` and moved
into place only once all of them are complete; other files already in ``--out`` are kept.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import escalation
from escalation.base.errors import InputError
from escalation.model.event import EVENT_FIELDS
from escalation.model.scenario import Scenario, bundled_scenarios, load_scenario, read_yaml
from escalation.model.state import State
from escalation.sim.history import History, bundled_histories, load_history, replay
from escalation.sim.run import Run

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

#: Files written by ``--out``.
OUTPUT_FILES: tuple[str, ...] = ("events.csv", "events.json", "trajectory.png")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit with status 2."""
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# -- entry point -----------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except InputError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `escalation run ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _fail(message: str) -> int:
    print(f"escalation: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_INPUT


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per task."""
    parser = _Parser(
        prog="escalation",
        description="Simulate tit-for-tat diplomatic escalation, and replay documented history.",
        epilog="Bad input exits with status 2 and one line on stderr. "
        "Run 'escalation COMMAND --help' for a command's options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"escalation {escalation.__version__}"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="simulate a scenario and print its events and outcome",
        description="Simulate SCENARIO once and print its dated events and its outcome. "
        "The same seed gives the same run.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or YAML file")
    run.add_argument(
        "--seed",
        type=_seed,
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
        type=_positive,
        default=1,
        metavar="N",
        help="number of runs; more than 1 runs an ensemble (Monte Carlo) and prints its summary",
    )
    run.add_argument(
        "--workers",
        type=_positive,
        metavar="W",
        help="run the ensemble on W worker processes (same results as serial)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the ensemble on an existing dask scheduler (needs escalation[dask])",
    )
    run.add_argument(
        "--chunk-size",
        type=_positive,
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
    run.set_defaults(handler=cmd_run)

    rep = commands.add_parser(
        "replay",
        help="replay a documented history and print the state it ends in",
        description="Run the documented events of HISTORY through the engine and print them "
        "with the state of every presence at the end. An event that cannot happen where it "
        "is documented is an error.",
    )
    rep.add_argument("history", metavar="HISTORY", help="bundled history name, YAML or CSV file")
    rep.add_argument(
        "--scenario",
        metavar="SCENARIO",
        help="scenario giving the starting presences (for a CSV history, which has none)",
    )
    rep.add_argument(
        "--out", type=Path, metavar="DIR", help="also write the files that 'run --out' writes"
    )
    rep.set_defaults(handler=cmd_replay)

    val = commands.add_parser(
        "validate",
        help="check a scenario or history file",
        description="Check FILE, a scenario or a history (told apart by suffix and content), "
        "and print 'ok: ...' with what it holds. A history with presences is also replayed.",
    )
    val.add_argument("file", metavar="FILE", help="scenario or history file (or bundled name)")
    val.set_defaults(handler=cmd_validate)

    cal = commands.add_parser(
        "calibrate",
        help="fit policy parameters to a documented history (ABC-SMC)",
        description="Fit the calibrated actor's policy parameters (by default Russia's "
        "grievance policy) so that simulated answers match the documented ones in HISTORY, by "
        "ABC-SMC. Writes posterior.json, predictive_checks.csv and plots into DIR, with a "
        "checkpoint after every generation (--resume continues it with identical results). "
        "The data are a handful of episodes: expect wide intervals.",
    )
    cal.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or YAML file")
    cal.add_argument("history", metavar="HISTORY", help="bundled history name, YAML or CSV file")
    cal.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for results")
    cal.add_argument(
        "--seed", type=_seed, default=0, metavar="N", help="seed of every draw (default 0)"
    )
    cal.add_argument("--workers", type=_positive, metavar="W", help="worker processes")
    cal.add_argument(
        "--priors", metavar="FILE", help="priors as YAML (default: the documented defaults)"
    )
    cal.add_argument("--population", type=_positive, metavar="N", help="particles per generation")
    cal.add_argument("--generations", type=_positive, metavar="N", help="ABC-SMC generations")
    cal.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    cal.set_defaults(handler=cmd_calibrate)

    lst = commands.add_parser(
        "list",
        help="list the bundled scenarios and histories",
        description="List the bundled scenarios and histories with one line on each.",
    )
    lst.set_defaults(handler=cmd_list)
    return parser


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, not {value}")
        return value

    return parse


_positive = _at_least(1)
_seed = _at_least(0)


# -- commands --------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    """``escalation run``: load the scenario, then run it once or as an ensemble."""
    ensemble_only = [
        flag
        for flag, given in (
            ("--workers", args.workers is not None),
            ("--scheduler", args.scheduler is not None),
            ("--chunk-size", args.chunk_size is not None),
            ("--resume", args.resume),
            ("--strict", args.strict),
        )
        if given
    ]
    if args.runs == 1 and ensemble_only:
        raise InputError(f"{ensemble_only[0]} needs --runs greater than 1", field=ensemble_only[0])
    if args.workers is not None and args.scheduler is not None:
        raise InputError("give either --workers or --scheduler, not both", field="--scheduler")
    if args.resume and args.out is None:
        raise InputError(
            "--resume needs the --out folder that holds the checkpoint", field="--out"
        )
    if args.out is not None:
        check_out(args.out)
    scenario = load_scenario(_expect("scenario", args.scenario))
    if args.runs == 1:
        return run_single(scenario, seed=args.seed, out=args.out)
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
    )


def run_single(scenario: Scenario, *, seed: int, out: Path | None) -> int:
    """Simulate ``scenario`` once, write the files if ``out`` is given, then print the run.

    The files come first so that a failure to write them prints nothing but the error.
    """
    run = escalation.simulate(scenario, seed=seed)
    if out is not None:
        write_outputs(run, out, {"kind": "run", "scenario": scenario.name, "seed": seed})
    print(f"scenario {scenario.name}, seed {seed}: {_one_line(scenario.description)}")
    print()
    print(run.table())
    print()
    print(describe_outcome(run))
    print()
    print(f"final state ({run.date_of(run.outcome.end_time)}):")
    print(presence_table(run.final))
    return EXIT_OK


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
) -> int:
    """Run an ensemble; with ``out``, checkpoint into it as it goes and write the results.

    The checkpoint (``out/checkpoint/``) keeps every finished chunk, so an interrupted
    ensemble resumes with ``--resume`` and ends identical to an uninterrupted one. It is
    removed once the results are written.
    """
    checkpoint = out / "checkpoint" if out is not None else None
    if checkpoint is not None and not resume:
        _refuse_leftover(checkpoint, "ensemble")
    executor, client = None, None
    if scheduler is not None:
        executor, client = _dask_executor(scheduler)
    try:
        ensemble = escalation.run_ensemble(
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
    except KeyboardInterrupt:
        if checkpoint is not None:
            _say_resumable(checkpoint, "chunks")
        raise
    finally:
        if client is not None:
            client.close()
    summary = ensemble.summary()
    if out is not None:
        with staged(out) as tmp:
            ensemble.save(tmp / "outcomes.npz")
            text = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False)
            (tmp / "summary.json").write_text(text + "\n", encoding="utf-8")
            (tmp / "summary.txt").write_text(str(summary) + "\n", encoding="utf-8")
            written = write_ensemble_plots(ensemble, tmp)
        if checkpoint is not None:
            shutil.rmtree(checkpoint, ignore_errors=True)
        files = ["outcomes.npz", "outcomes.json", "summary.json", "summary.txt", *written]
        print(f"wrote {', '.join(files)} to {out}", file=sys.stderr)
    print(f"scenario {scenario.name}: {_one_line(scenario.description)}")
    print()
    print(summary)
    return EXIT_OK


def _refuse_leftover(checkpoint: Path, what: str) -> None:
    """Refuse to start over an unfinished run's checkpoint (``--resume`` finishes it)."""
    if checkpoint.exists():
        raise InputError(
            f"holds the checkpoint of an unfinished {what}: add --resume to finish it, or "
            "remove it",
            source=checkpoint,
            field="--out",
        )


def _say_resumable(checkpoint: Path, done: str) -> None:
    print(
        f"escalation: interrupted; finished {done} are kept in {checkpoint}: run the same "
        "command with --resume to finish",
        file=sys.stderr,
    )


def _dask_executor(address: str) -> tuple[Any, Any]:
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


def write_ensemble_plots(ensemble: Any, folder: Path) -> list[str]:
    """Write the outcome plots and a fan chart of ``ensemble`` as PNG; return the file names.

    The fan chart needs event logs: the first :data:`FAN_RUNS` runs are simulated again from
    their own seeds (identical runs), so the ensemble itself can stay outcomes-only.
    """
    try:
        from matplotlib.figure import Figure

        from escalation import plot
    except ImportError as exc:
        print(f"note: plots not written ({exc.name} is not available)", file=sys.stderr)
        return []
    names = []
    for name in ENSEMBLE_PLOTS:
        fig = Figure(figsize=(8.0, 4.5), layout="constrained")
        plot.outcome_distribution(ensemble, name, ax=fig.add_subplot())
        fig.savefig(folder / f"{name}.png", dpi=120)
        names.append(f"{name}.png")
    runs = [ensemble.rerun(i) for i in range(min(FAN_RUNS, ensemble.runs)) if ensemble.ok[i]]
    if runs:
        fig = Figure(figsize=(9.0, 4.5), layout="constrained")
        ax = plot.fan_chart(runs, ax=fig.add_subplot())
        ax.set_title(f"{ensemble.name}: escalation over time, first {len(runs)} runs")
        fig.savefig(folder / "fan_chart.png", dpi=120)
        names.append("fan_chart.png")
    return names


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``escalation calibrate``: ABC-SMC on a history; results and checkpoints in ``--out``."""
    from escalation.cli.calibrate_outputs import calibrate_to_dir  # loads only when calibrating

    check_out(args.out)
    checkpoint = args.out / "checkpoint.json"
    if not args.resume:
        _refuse_leftover(checkpoint, "calibration")
    sizes = {
        k: v
        for k, v in (("population", args.population), ("generations", args.generations))
        if v is not None
    }
    scenario = load_scenario(_expect("scenario", args.scenario))
    history = load_history(_expect("history", args.history))
    try:
        calibrate_to_dir(
            scenario,
            history,
            args.out,
            priors=args.priors,
            seed=args.seed,
            workers=args.workers,
            resume=args.resume,
            progress=True,
            **sizes,
        )
    except KeyboardInterrupt:
        _say_resumable(checkpoint, "generations")
        raise
    checkpoint.unlink(missing_ok=True)  # finished: the results stand on their own
    print(f"wrote posterior.json, predictive_checks.csv and plots to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_replay(args: argparse.Namespace) -> int:
    """``escalation replay``: replay a history, write the files if asked, print the run."""
    if args.out is not None:
        check_out(args.out)
    history = load_history(_expect("history", args.history))
    scenario = load_scenario(args.scenario) if args.scenario else None
    run = replay(history, scenario=scenario)
    if args.out is not None:
        meta = {"kind": "replay", "history": history.name, "scenario": run.scenario.name}
        write_outputs(run, args.out, {**meta, "seed": run.seed})
    first, last = history.events[0].calendar(history.start), history.end
    print(f"history {history.name}: {_one_line(history.title) or '(no title)'}")
    print(f"{_count(len(history.events), 'documented event')}, {first} to {last}")
    print()
    print(run.table())
    print()
    print(f"state at the end ({last}):")
    print(presence_table(run.state_at(last)))
    return EXIT_OK


def _expect(kind: str, name: str) -> str:
    """Return ``name``, or refuse a file of the other kind with a hint to the right command."""
    if not Path(name).is_file():
        return name  # a bundled name, or a missing file: the loader says which
    found = file_kind(name)
    if found != kind:
        command = "run" if found == "scenario" else "replay"
        raise InputError(
            f"this is a {found} file, not a {kind}; use 'escalation {command}'", source=name
        )
    return name


def cmd_validate(args: argparse.Namespace) -> int:
    """``escalation validate``: check a scenario or history file and describe it."""
    name = args.file
    if file_kind(name) == "history":
        print(f"ok: {describe_history(load_history(name), name)}")
    else:
        print(f"ok: {describe_scenario(load_scenario(name), name)}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """``escalation list``: the bundled scenarios and histories, one line each."""
    scenarios, histories = bundled_scenarios(), bundled_histories()
    width = max(map(len, [*scenarios, *histories]), default=0)
    print("scenarios (escalation run NAME):")
    for name in scenarios:
        text = _describe_bundled(lambda n: load_scenario(n).description, name)
        print(f"  {name:<{width}}  {text}")
    print("histories (escalation replay NAME):")
    for name in histories:
        text = _describe_bundled(lambda n: load_history(n).title, name)
        print(f"  {name:<{width}}  {text}")
    return EXIT_OK


def _describe_bundled(describe: Callable[[str], str], name: str) -> str:
    try:
        return _one_line(describe(name), 100) or "(no description)"
    except InputError as exc:  # a broken bundled file should not hide the others
        return f"(invalid: {exc})"


# -- descriptions ----------------------------------------------------------------------------
def _one_line(text: str, width: int | None = None) -> str:
    line = " ".join(text.split())
    if width is not None and len(line) > width:
        line = line[: width - 3].rstrip() + "..."
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def describe_outcome(run: Run) -> str:
    """The outcome of ``run`` in a few readable lines."""
    o = run.outcome
    end = run.date_of(o.end_time)
    if o.ruptured and o.rupture_pair is not None:
        first = f"rupture between {' and '.join(o.rupture_pair)} on {o.rupture_date}"
        first += f" (day {o.time_to_rupture:.1f})"
    else:
        first = "no rupture"
    reasons = {
        "quiet": f"quiet for {run.scenario.stop.quiet_days:g} days",
        "rupture": "stop at rupture",
        "horizon": f"horizon of {run.scenario.horizon_days:g} days reached",
    }
    why = reasons.get(o.stop_reason, o.stop_reason)
    peak = f"{o.peak_severity} ({run.ladder.label(o.peak_severity)})"
    return "\n".join(
        [
            f"outcome: {first}; ended on {end} (day {o.end_time:.1f}): {why}",
            f"rounds {o.rounds}, peak severity {peak}, last mover {o.last_mover or '-'}, "
            f"{o.acts} measures announced",
        ]
    )


def presence_table(state: State) -> str:
    """Every presence of ``state``: owner, host, staff, cap and status."""
    head = f"  {'presence':<20} {'owner':<10} {'host':<10} {'staff':>5} {'cap':>5}  status"
    lines = [head]
    for p in state.presences.values():
        cap = "-" if p.cap is None else str(p.cap)
        lines.append(
            f"  {p.id:<20} {p.owner:<10} {p.host:<10} {p.staff:>5} {cap:>5}  {p.status.value}"
        )
    return "\n".join(lines)


def describe_scenario(scenario: Scenario, where: str | Path) -> str:
    """One line on a scenario: what it holds and its description."""
    text = (
        f"scenario {scenario.name} ({where}): {_count(len(scenario.actors), 'actor')}, "
        f"{_count(len(scenario.presences), 'presence')}, "
        f"{_count(len(scenario.triggers), 'trigger')}, "
        f"from {scenario.start} for {scenario.horizon_days:g} days"
    )
    desc = _one_line(scenario.description, 80)
    return f"{text} - {desc}" if desc else text


def describe_history(history: History, where: str | Path) -> str:
    """One line on a history; a history with presences is replayed to check every event."""
    first = history.events[0].calendar(history.start)
    text = (
        f"history {history.name} ({where}): {_count(len(history.events), 'event')} "
        f"from {first} to {history.end}"
    )
    if history.presences:
        replay(history)  # raises HistoryError with the date and source of an impossible event
        text += f", {_count(len(history.presences), 'presence')}, replays cleanly"
    else:
        text += ", no presences (replay it with --scenario)"
    title = _one_line(history.title, 80)
    return f"{text} - {title}" if title else text


def file_kind(name: str) -> str:
    """Tell whether ``name`` is a ``"scenario"`` or a ``"history"``.

    A ``.csv`` file is a history; a YAML file is a history if it has ``events`` and no
    ``triggers``. A name that is not a file is looked up among the bundled ones.
    """
    path = Path(name)
    if not path.exists():
        if name in bundled_scenarios():
            return "scenario"
        if name in bundled_histories():
            return "history"
        raise InputError("file not found (and not a bundled name)", source=name)
    if path.suffix.lower() == ".csv":
        return "history"
    data = read_yaml(path)
    if isinstance(data, dict) and "events" in data and "triggers" not in data:
        return "history"
    return "scenario"


# -- output files ----------------------------------------------------------------------------
def check_out(out: Path) -> None:
    """Refuse an ``--out`` that cannot be a folder, before any work is done."""
    if out.exists() and not out.is_dir():
        raise InputError("exists and is not a folder", source=out, field="--out")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{parent} is not a folder", source=out, field="--out")
            break


def write_outputs(run: Run, out: Path, meta: dict[str, Any]) -> None:
    """Write ``events.csv``, ``events.json`` and ``trajectory.png`` of ``run`` into ``out``."""
    with staged(out) as tmp:
        write_csv(run, tmp / "events.csv")
        write_json(run, tmp / "events.json", meta)
        plotted = write_plot(run, tmp / "trajectory.png")
    names = ", ".join(OUTPUT_FILES if plotted else OUTPUT_FILES[:2])
    print(f"wrote {names} to {out}", file=sys.stderr)


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``out``; move its files into ``out`` on success.

    If the block fails, the temporary folder is removed and ``out`` is left as it was. A new
    ``out`` (with any missing parents) appears at once, complete; in an existing one, files
    of the same name are replaced and the others kept.
    """
    check_out(out)
    anchor = next((p for p in out.absolute().parents if p.is_dir()), Path.cwd())
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=anchor))
    except OSError as exc:
        raise InputError(
            f"cannot write there ({exc.strerror})", source=out, field="--out"
        ) from None
    try:
        yield tmp
        if out.is_dir():
            for item in sorted(tmp.iterdir()):
                os.replace(item, out / item.name)
        else:
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; give it the usual mode
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, out)
    except OSError as exc:  # disk full, no permission, ...: nothing was moved into place
        problem = f"cannot write the files ({exc.strerror or exc})"
        raise InputError(problem, source=out, field="--out") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def write_csv(run: Run, path: Path) -> None:
    """The event log as CSV, one row per event, columns as in ``EVENT_FIELDS``."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EVENT_FIELDS)
        for record in run.to_records():
            writer.writerow([_cell(record[f]) for f in EVENT_FIELDS])


def run_document(run: Run, meta: dict[str, Any]) -> dict[str, Any]:
    """Everything ``events.json`` holds: what ran, with which seed and version, and its result."""
    return {
        **meta,
        "escalation_version": escalation.__version__,
        "start": run.start.isoformat(),
        "runtime_seconds": run.runtime,
        "outcome": run.outcome.to_dict(),
        "events": run.to_records(),
        "problems": [e.to_dict() for e in run.problems],
        "scenario_spec": run.scenario.model_dump(mode="json", serialize_as_any=True),
    }


def write_json(run: Run, path: Path, meta: dict[str, Any]) -> None:
    """The run as one JSON document (see :func:`run_document`)."""
    text = json.dumps(run_document(run, meta), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_plot(run: Run, path: Path) -> bool:
    """Draw the trajectory with :func:`escalation.plot.trajectory`; return whether it could.

    The figure is drawn without pyplot, so no display and no global figure state are needed.
    """
    try:
        from escalation.plot import trajectory
    except ImportError as exc:  # the plot module is an optional part of an install
        if exc.name not in ("escalation.plot", "matplotlib"):
            raise
        print(f"note: trajectory.png not written ({exc.name} is not available)", file=sys.stderr)
        return False
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 4.5), layout="constrained")
    trajectory(run, ax=fig.add_subplot())
    fig.savefig(path, dpi=120)
    return True


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
