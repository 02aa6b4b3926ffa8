"""Golden cases: what the golden files in ``tests/golden/`` record, computed with the code now.

``tools/record_golden.py`` writes these outputs to files; ``tests/test_golden.py`` computes
them again and compares. Both go through this module, so they cannot drift apart.

Only the public API (``import escalation as esc``) and the command line
(``python -m escalation``) are used, never a module inside the package, so that the package
can be reorganised underneath without touching these cases.

Each case is a function returning ``{file name: content}``; the file's suffix decides how the
content is stored:

* ``.jsonl.gz``: a list of JSON lines (gzip with mtime 0: byte-identical when outputs are);
* ``.json``: a JSON value (sorted keys, floats written with ``repr``, so exact);
* ``.txt``, ``.csv``: text, compared exactly;
* ``.npz``: named arrays, in order (written with fixed zip timestamps), compared bit for bit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import enum
import functools
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

import escalation as esc

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

# -- what is recorded -------------------------------------------------------------------------
SEEDS = range(200)
SEEDS_LARGE = range(20)  # scenarios with many actors (waves): fewer runs, files stay small
ENSEMBLE_SCENARIOS = ("two-states", "nato-russia-2021")
ENSEMBLE_RUNS = 400
ENSEMBLE_SEED = 7
ENSEMBLE_MODES: dict[str, int | None] = {"serial": None, "workers2": 2}
HISTORY = "nato-russia"
REPLAY_DATES = ("2014-01-01", "2015-06-01", "2018-03-28", "2021-10-07", "2021-11-02")
CALIBRATE_ARGS = (
    "calibrate",
    "nato-russia-2021",
    "nato-russia",
    "--seed",
    "3",
    "--population",
    "60",
    "--generations",
    "2",
)
CLI_STDOUT: dict[str, tuple[str, ...]] = {
    "cli-run-two-states-seed3.txt": ("run", "two-states", "--seed", "3"),
    "cli-replay-nato-russia.txt": ("replay", "nato-russia"),
    "cli-list.txt": ("list",),
}
CLI_ENSEMBLE_ARGS = ("run", "nato-russia-2021", "--runs", "200", "--seed", "5")

#: Keys dropped from JSON outputs: they hold clock times, durations or library versions.
VOLATILE_KEYS = frozenset(
    {"created", "seconds", "total_seconds", "wall_seconds", "runtime", "escalation_version"}
)
VERSION_PLACEHOLDER = "escalation <version>"


# -- generic serialisation --------------------------------------------------------------------
def plain(obj: Any) -> Any:
    """``obj`` as plain JSON values, field by field (dataclasses, named tuples, enums, dates)."""
    if isinstance(obj, enum.Enum):
        return plain(obj.value)
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.generic):
        return plain(obj.item())
    if isinstance(obj, dt.date):  # datetimes too
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple, e.g. esc.Event
        return {name: plain(getattr(obj, name)) for name in obj._fields}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    raise TypeError(f"cannot serialise {type(obj).__qualname__}: {obj!r}")


def dumps(obj: Any, indent: int | None = None) -> str:
    """Canonical JSON text: sorted keys, floats by ``repr`` (exact), NaN allowed."""
    separators = (",", ":") if indent is None else (",", ": ")
    return json.dumps(
        plain(obj), sort_keys=True, indent=indent, separators=separators, ensure_ascii=False
    )


def strip_volatile(obj: Any) -> Any:
    """``obj`` without the keys that depend on the clock, the machine or the library version."""
    if isinstance(obj, dict):
        return {
            k: strip_volatile(v)
            for k, v in obj.items()
            if not (
                k in VOLATILE_KEYS
                or k.endswith("_seconds")
                or (k == "version" and isinstance(v, str))  # the library's, not a format's
            )
        }
    if isinstance(obj, list):
        return [strip_volatile(v) for v in obj]
    return obj


# -- files ------------------------------------------------------------------------------------
def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` like ``numpy.savez_compressed``, but with fixed zip timestamps."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(array), allow_pickle=False)
            zf.writestr(info, buf.getvalue())


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, in the file's order."""
    with np.load(path, allow_pickle=False) as z:
        return {name: z[name] for name in z.files}


def encode(name: str, content: Any) -> bytes:
    """The bytes of golden file ``name`` holding ``content`` (not for ``.npz``)."""
    if name.endswith(".jsonl.gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write("".join(f"{line}\n" for line in content).encode("utf-8"))
        return buf.getvalue()
    if name.endswith(".json"):
        return (dumps(content, indent=1) + "\n").encode("utf-8")
    if name.endswith((".txt", ".csv")):
        return content.encode("utf-8")
    raise ValueError(f"unknown golden file type: {name}")


def write_golden(folder: Path, name: str, content: Any) -> Path:
    """Write golden file ``name`` into ``folder``."""
    path = folder / name
    if name.endswith(".npz"):
        write_npz(path, content)
    else:
        path.write_bytes(encode(name, content))
    return path


def read_golden(folder: Path, name: str) -> Any:
    """Read golden file ``name`` back into the form its case computes."""
    path = folder / name
    if name.endswith(".npz"):
        return read_npz(path)
    data = path.read_bytes()
    if name.endswith(".jsonl.gz"):
        return gzip.decompress(data).decode("utf-8").splitlines()
    if name.endswith(".json"):
        return json.loads(data.decode("utf-8"))
    return data.decode("utf-8")


# -- the command line -------------------------------------------------------------------------
def run_cli(*args: str, cwd: Path) -> str:
    """Run ``python -m escalation ARGS`` with the escalation imported here; return stdout."""
    env = dict(os.environ)
    package_root = str(Path(esc.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "escalation", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        encoding="utf-8",
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"`escalation {' '.join(args)}` exited with {proc.returncode}:\n{proc.stderr}"
        )
    return proc.stdout


# -- the cases --------------------------------------------------------------------------------
def run_record(scenario: str, seed: int, run: esc.Run) -> dict[str, Any]:
    """One run as a plain record: every field of every event and of the outcome."""
    return {
        "scenario": scenario,
        "seed": seed,
        "events": plain(run.events),
        "problems": plain(run.problems),
        "outcome": plain(run.outcome),
    }


def event_logs(scenario: str) -> dict[str, Any]:
    """Event logs and outcomes of seeds 0-199 of a bundled scenario (0-19 if it has more
    than 4 actors), one JSON line per run."""
    loaded = esc.load_scenario(scenario)
    seeds = SEEDS if len(loaded.actors) <= 4 else SEEDS_LARGE
    lines = [dumps(run_record(scenario, s, esc.simulate(loaded, seed=s))) for s in seeds]
    return {f"events-{scenario}.jsonl.gz": lines}


def ensemble_arrays(ensemble: esc.Ensemble) -> dict[str, np.ndarray]:
    """Every outcome column of ``ensemble``, in order, with what says how to read them."""
    arrays = dict(ensemble.outcomes)
    arrays["meta.columns"] = np.array(list(ensemble.outcomes), dtype=np.str_)
    arrays["meta.actors"] = np.array(list(ensemble.actors), dtype=np.str_)
    arrays["meta.presences"] = np.array(list(ensemble.presences), dtype=np.str_)
    arrays["meta.runs"] = np.array(ensemble.runs, dtype=np.int64)
    arrays["meta.seed"] = np.array(ensemble.seed, dtype=np.int64)
    arrays["meta.errors"] = np.array(dumps(ensemble.errors), dtype=np.str_)
    return arrays


def ensembles(scenario: str) -> dict[str, Any]:
    """``run_ensemble(scenario, 400, seed=7)``, serially and on 2 worker processes."""
    return {
        f"ensemble-{scenario}-{mode}.npz": ensemble_arrays(
            esc.run_ensemble(scenario, runs=ENSEMBLE_RUNS, seed=ENSEMBLE_SEED, workers=workers)
        )
        for mode, workers in ENSEMBLE_MODES.items()
    }


def presences(state: esc.State) -> list[Any]:
    """Every presence of ``state``, in order, with all its fields."""
    return [plain(p) for p in state.presences.values()]


def replayed_history() -> dict[str, Any]:
    """The bundled history replayed: its events and the state at several dates and the end."""
    history = esc.load_history(HISTORY)
    run = esc.replay(history)
    states = {d: presences(run.state_at(dt.date.fromisoformat(d))) for d in REPLAY_DATES}
    states[f"history.end {history.end.isoformat()}"] = presences(run.state_at(history.end))
    states["final"] = presences(run.final)
    record = {
        "history": HISTORY,
        "events": plain(run.events),
        "problems": plain(run.problems),
        "outcome": plain(run.outcome),
        "states": states,
    }
    return {f"replay-{HISTORY}.json": record}


def calibration() -> dict[str, Any]:
    """A small seeded ABC-SMC calibration through the command line."""
    with tempfile.TemporaryDirectory(prefix="golden-calibrate-") as tmp:
        out = Path(tmp) / "out"
        run_cli(*CALIBRATE_ARGS, "--out", str(out), cwd=Path(tmp))
        posterior = json.loads((out / "posterior.json").read_text(encoding="utf-8"))
        checks = (out / "predictive_checks.csv").read_bytes().decode("utf-8")
    return {
        "calibrate-posterior.json": strip_volatile(posterior),
        "calibrate-predictive_checks.csv": checks,
    }


def cli_texts() -> dict[str, Any]:
    """Standard output of single runs, a replay and the list of bundled files."""
    with tempfile.TemporaryDirectory(prefix="golden-cli-") as tmp:
        return {name: run_cli(*args, cwd=Path(tmp)) for name, args in CLI_STDOUT.items()}


def cli_ensemble() -> dict[str, Any]:
    """``escalation run nato-russia-2021 --runs 200 --seed 5 --out DIR``: summaries, outcomes."""
    with tempfile.TemporaryDirectory(prefix="golden-cli-ensemble-") as tmp:
        out = Path(tmp) / "out"
        run_cli(*CLI_ENSEMBLE_ARGS, "--out", str(out), cwd=Path(tmp))
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        text = (out / "summary.txt").read_bytes().decode("utf-8")
        outcomes = read_npz(out / "outcomes.npz")
    return {
        "cli-ensemble-summary.json": strip_volatile(summary),
        "cli-ensemble-summary.txt": text.replace(
            f"escalation {esc.__version__}", VERSION_PLACEHOLDER
        ),
        "cli-ensemble-outcomes.npz": outcomes,
    }


@dataclasses.dataclass(frozen=True)
class Case:
    """A golden case: an id, the files it writes and how to compute them."""

    id: str
    files: tuple[str, ...]
    compute: Callable[[], dict[str, Any]]
    slow: bool = False


def cases() -> list[Case]:
    """Every golden case (the bundled scenarios are listed by the code under test)."""
    out = [
        Case(
            f"events-{s}",
            (f"events-{s}.jsonl.gz",),
            functools.partial(event_logs, s),
        )
        for s in esc.bundled_scenarios()
    ]
    out += [
        Case(
            f"ensemble-{s}",
            tuple(f"ensemble-{s}-{mode}.npz" for mode in ENSEMBLE_MODES),
            functools.partial(ensembles, s),
            slow=True,
        )
        for s in ENSEMBLE_SCENARIOS
    ]
    out += [
        Case("replay", (f"replay-{HISTORY}.json",), replayed_history),
        Case(
            "calibrate",
            ("calibrate-posterior.json", "calibrate-predictive_checks.csv"),
            calibration,
            slow=True,
        ),
        Case("cli-text", tuple(CLI_STDOUT), cli_texts),
        Case(
            "cli-ensemble",
            ("cli-ensemble-summary.json", "cli-ensemble-summary.txt", "cli-ensemble-outcomes.npz"),
            cli_ensemble,
            slow=True,
        ),
    ]
    return out


def golden_files() -> list[str]:
    """Names of every golden file the cases write."""
    return [name for case in cases() for name in case.files]


# -- comparisons: None when equal, else a message naming the first difference -----------------
def _show(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_difference(golden: Any, now: Any, path: str = "") -> str | None:
    """Where two plain JSON values first differ (floats by ``repr``, types included)."""
    where = path or "(top)"
    if type(golden) is not type(now):
        g_type, n_type = type(golden).__name__, type(now).__name__
        return f"{where}: golden {_show(golden)} ({g_type}), now {_show(now)} ({n_type})"
    if isinstance(golden, dict):
        for key in sorted(set(golden) | set(now)):
            if key not in now:
                return f"{path}.{key}: in golden ({_show(golden[key])}), missing now"
            if key not in golden:
                return f"{path}.{key}: new now ({_show(now[key])}), not in golden"
            diff = first_difference(golden[key], now[key], f"{path}.{key}" if path else key)
            if diff:
                return diff
        return None
    if isinstance(golden, list):
        for i, (g, n) in enumerate(zip(golden, now, strict=False)):
            diff = first_difference(g, n, f"{path}[{i}]")
            if diff:
                return diff
        if len(golden) != len(now):
            return f"{where}: golden has {len(golden)} items, now {len(now)}"
        return None
    if repr(golden) != repr(now):
        return f"{where}: golden {_show(golden)}, now {_show(now)}"
    return None


def compare_lines(name: str, golden: list[str], now: list[str]) -> str | None:
    for g, n in zip(golden, now, strict=False):
        if g != n:
            g_rec, n_rec = json.loads(g), json.loads(n)
            head = f"{name}: scenario {g_rec.get('scenario')}, seed {g_rec.get('seed')}"
            for j, (ge, ne) in enumerate(zip(g_rec["events"], n_rec["events"], strict=False)):
                diff = first_difference(ge, ne, f"events[{j}]")
                if diff:
                    return (
                        f"{head}: first differing event is {j}: {diff}\n"
                        f"  golden event: {dumps(ge)}\n  now event:    {dumps(ne)}"
                    )
            return f"{head}: {first_difference(g_rec, n_rec) or 'lines differ'}"
    if len(golden) != len(now):
        return f"{name}: golden has {len(golden)} runs, now {len(now)}"
    return None


def compare_arrays(
    name: str, golden: dict[str, np.ndarray], now: dict[str, np.ndarray]
) -> str | None:
    if list(golden) != list(now):
        return f"{name}: arrays golden {list(golden)}, now {list(now)}"
    for key, g in golden.items():
        n = now[key]
        if g.dtype != n.dtype or g.shape != n.shape:
            return f"{name}[{key!r}]: golden {g.dtype}{g.shape}, now {n.dtype}{n.shape}"
        if g.tobytes() != n.tobytes():
            gf, nf = g.reshape(-1), n.reshape(-1)
            index = next(
                i for i in range(gf.size) if gf[i : i + 1].tobytes() != nf[i : i + 1].tobytes()
            )
            count = sum(gf[i : i + 1].tobytes() != nf[i : i + 1].tobytes() for i in range(gf.size))
            return (
                f"{name}[{key!r}]: {count} of {gf.size} values differ; first at run {index}: "
                f"golden {gf[index]!r}, now {nf[index]!r}"
            )
    return None


def compare_text(name: str, golden: str, now: str) -> str | None:
    if golden == now:
        return None
    diff = difflib.unified_diff(
        golden.splitlines(keepends=True), now.splitlines(keepends=True), "golden", "now", n=1
    )
    shown = "".join(list(diff)[:40])
    return f"{name}: text differs:\n{shown}"


def compare(name: str, golden: Any, now: Any) -> str | None:
    """Compare golden file ``name``'s content with the content computed now."""
    if name.endswith(".jsonl.gz"):
        return compare_lines(name, golden, now)
    if name.endswith(".npz"):
        return compare_arrays(name, golden, now)
    if name.endswith(".json"):
        diff = first_difference(golden, json.loads(dumps(now)))
        return f"{name}: {diff}" if diff else None
    return compare_text(name, golden, now)


def check_case(case: Case, folder: Path, computed: dict[str, Any]) -> list[str]:
    """Messages for every golden file of ``case`` that differs from ``computed``."""
    problems = []
    if sorted(computed) != sorted(case.files):
        problems.append(f"{case.id}: computed files {sorted(computed)}, expected {case.files}")
    for name in case.files:
        if not (folder / name).is_file():
            problems.append(f"{name}: golden file missing (run tools/record_golden.py)")
            continue
        if name in computed:
            diff = compare(name, read_golden(folder, name), computed[name])
            if diff:
                problems.append(diff)
    return problems


def iter_sizes(folder: Path, names: Iterable[str]) -> Iterable[tuple[str, int]]:
    """``(name, bytes)`` of each golden file in ``folder``."""
    for name in names:
        yield name, (folder / name).stat().st_size
