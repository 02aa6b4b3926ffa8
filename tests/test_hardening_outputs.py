"""Issue 12, items 10-12: writers never follow links, leave no litter, and a full disk is one
line that keeps the checkpoint."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tiny import tiny

import escalation as esc
from escalation import cli
from escalation.base.errors import InputError, OutputError
from escalation.base.files import write_atomic
from escalation.calibrate import smc as abc
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors
from escalation.ensemble import checkpoint as checkpoint_module

SCENARIO = tiny("horizon_days: 10")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    return path


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder outside ``--out`` holding a file that must never change or go."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    (folder / ".precious.tmp").write_text("keep me too")
    return folder


def untouched(folder: Path) -> bool:
    return (
        sorted(p.name for p in folder.iterdir()) == [".precious.tmp", "precious.txt"]
        and (folder / "precious.txt").read_text() == "keep me"
    )


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- item 11: links ---------------------------------------------------------------------------
@pytest.mark.parametrize("resume", [False, True])
def test_symlinked_checkpoint_is_refused(
    tmp_path: Path, scenario: Path, victim: Path, capsys: pytest.CaptureFixture[str], resume: bool
) -> None:
    """A link planted at OUT/checkpoint receives no chunk and has nothing swept."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "checkpoint").symlink_to(victim)
    argv = ["run", scenario, "--runs", "4", "--out", out, "--no-plots"]
    code, _, err = run_cli(capsys, *argv, *(["--resume"] if resume else []))
    assert code == 2 and "symbolic link" in err and len(err.splitlines()) == 1, err
    assert untouched(victim) and (out / "checkpoint").is_symlink()


def test_checkpoint_api_refuses_a_link_and_a_link_inside(tmp_path: Path, victim: Path) -> None:
    scenario = esc.load_scenario("two-states")
    linked = tmp_path / "linked"
    linked.symlink_to(victim)
    with pytest.raises(InputError, match="symbolic link"):
        esc.run_ensemble(scenario, 4, seed=1, checkpoint=linked)
    holding = tmp_path / "holding"
    holding.mkdir()
    (holding / "chunk-000000.npz").symlink_to(victim / "precious.txt")
    with pytest.raises(InputError, match="symbolic link"):
        esc.run_ensemble(scenario, 4, seed=1, checkpoint=holding, resume=True)
    assert untouched(victim)


def test_out_that_is_a_link_is_refused(
    tmp_path: Path, scenario: Path, victim: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.symlink_to(victim)
    code, _, err = run_cli(capsys, "run", scenario, "--out", out, "--no-plots", "--force")
    assert code == 2 and "symbolic link" in err and untouched(victim)


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["run", "{s}", "--runs", "3"], "summary.json"),
        (["run", "{s}"], "events.json"),
        (["calibrate", "nato-russia-2021", "nato-russia"], "posterior_pairs.png"),
        (["calibrate", "nato-russia-2021", "nato-russia"], "checkpoint.json"),
    ],
)
def test_link_where_a_result_goes_is_refused_before_work(
    tmp_path: Path,
    scenario: Path,
    victim: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    name: str,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(victim / "precious.txt")
    argv = [a.replace("{s}", str(scenario)) for a in command]
    code, stdout, err = run_cli(capsys, *argv, "--out", out, "--force")
    assert code == 2 and "symbolic link" in err and name in err, err
    assert stdout == "" and untouched(victim) and os.listdir(out) == [name]


def test_write_atomic_never_writes_through_a_link(tmp_path: Path, victim: Path) -> None:
    """Unique temporary names: a link planted at any fixed name is never written through."""
    out = tmp_path / "out"
    out.mkdir()
    for planted in (".plot.png.tmp", "plot.png.tmp", ".plot.png"):
        (out / planted).symlink_to(victim / "precious.txt")
    write_atomic(out / "plot.png", b"png")
    assert (out / "plot.png").read_bytes() == b"png" and untouched(victim)
    (out / "linked.png").symlink_to(victim / "precious.txt")
    with pytest.raises(InputError, match="symbolic link"):
        write_atomic(out / "linked.png", b"png", links=False)
    (tmp_path / "linkdir").symlink_to(victim)
    with pytest.raises(InputError, match="symbolic link"):
        write_atomic(tmp_path / "linkdir" / "x.png", b"png", links=False)
    assert untouched(victim)


def test_checkpoint_sweeps_only_its_own_temporary_files(tmp_path: Path) -> None:
    folder = tmp_path / "ck"
    folder.mkdir()
    ours = [".chunk-000000.npz.abcd_123.tmp", ".manifest.json.zz00zz00.tmp"]
    theirs = [".notes.tmp", ".chunk-000000.npz.tmp", "chunk.tmp"]
    for name in ours + theirs:
        (folder / name).write_text("x")
    esc.run_ensemble(esc.load_scenario("two-states"), 4, seed=1, checkpoint=folder)
    left = {p.name for p in folder.iterdir()}
    assert not set(ours) & left and set(theirs) <= left


# -- item 12: litter --------------------------------------------------------------------------
KILLED_WHILE_STAGING = """
import os, signal, sys
from pathlib import Path
from escalation.cli.output import staged
with staged(Path(sys.argv[1])) as tmp:
    (tmp / "outcomes.npz").write_bytes(b"x" * 100_000)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def kill_while_staging(out: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", KILLED_WHILE_STAGING, str(out)], check=False)
    assert proc.returncode == -signal.SIGKILL


def test_partials_left_by_a_killed_command_are_swept_on_resume(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    loaded = esc.load_scenario(scenario)
    esc.run_ensemble(loaded, 4, seed=0, chunk_size=2, checkpoint=out / "checkpoint")
    kill_while_staging(out)
    assert len(partials(tmp_path)) == 1  # what the issue found: litter beside --out
    code, _, err = run_cli(capsys, "run", scenario, "--runs", "4", "--out", out, "--resume")
    assert code == 0, err
    assert partials(tmp_path) == [] and not (out / "checkpoint").exists()


def test_only_stale_partials_of_the_same_out_are_swept(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    kill_while_staging(out)
    (stale,) = partials(tmp_path)
    live = tmp_path / ".out.live0000.partial"  # another command staging right now
    live.mkdir()
    lock = os.open(live, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    others = [".other.abcdefgh.partial", ".out.abcdefgh.partial.keep", ".out.toolongname.partial"]
    for name in others:
        (tmp_path / name).mkdir()
    try:
        code, _, err = run_cli(capsys, "run", scenario, "--out", out, "--no-plots")
    finally:
        os.close(lock)
    assert code == 0, err
    assert not (tmp_path / stale).exists() and live.exists()
    assert all((tmp_path / name).exists() for name in others)


def test_resumed_calibration_writes_the_same_generations() -> None:
    """The first generation's ESS reads back as the integer it was written as."""
    priors = Priors.model_validate(
        {"parameters": {"toy.mu": {"dist": "normal", "mean": 0.0, "sd": 1.0}}}
    )

    def model(thetas: np.ndarray, seeds: list[np.random.SeedSequence]) -> np.ndarray:
        draws = zip(thetas, seeds, strict=True)
        return np.array([[np.random.default_rng(s).normal(t[0], 1.0)] for t, s in draws])

    saved: list[Posterior] = []
    kw = {"population": 40, "generations": 3, "seed": 5}
    whole = abc.smc(model, priors, [0.8], on_generation=saved.append, **kw)
    checkpoint = Posterior.from_dict(json.loads(json.dumps(saved[0].to_dict())))
    resumed = abc.smc(model, priors, [0.8], resume=checkpoint, **kw)

    def text(post: Posterior) -> str:
        gens = [{k: v for k, v in g.to_dict().items() if k != "seconds"} for g in post.generations]
        return json.dumps(gens)

    assert '"ess": 40,' in text(whole) and text(resumed) == text(whole)


# -- item 10: a full disk ---------------------------------------------------------------------
def test_disk_full_while_writing_a_chunk_is_one_line_and_resumable(
    tmp_path: Path, scenario: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    real = checkpoint_module.write_npz

    def full_after_first(path: Path, arrays: dict, **kw: object) -> None:
        if path.name != "chunk-000000.npz":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, arrays, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(checkpoint_module, "write_npz", full_after_first)
    out = tmp_path / "out"
    argv = ["run", scenario, "--runs", "6", "--chunk-size", "2", "--out", out, "--no-plots"]
    code, stdout, err = run_cli(capsys, *argv)
    assert code == 2 and stdout == "" and len(err.splitlines()) == 1, err
    assert "No space left on device" in err and "--resume" in err and "Traceback" not in err
    assert sorted(p.name for p in (out / "checkpoint").iterdir()) == [
        "chunk-000000.npz",
        "manifest.json",
    ]
    monkeypatch.setattr(checkpoint_module, "write_npz", real)
    code, _, err = run_cli(capsys, *argv, "--resume")
    assert code == 0, err
    fresh = esc.run_ensemble(esc.load_scenario(scenario), 6, seed=0)
    resumed = esc.Ensemble.load(out / "outcomes.npz")
    assert np.array_equal(resumed.outcomes["rounds"], fresh.outcomes["rounds"])


def test_disk_full_in_the_api_is_an_output_error(tmp_path: Path, monkeypatch) -> None:
    def full(path: Path, arrays: dict, **kw: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checkpoint_module, "write_npz", full)
    with pytest.raises(OutputError, match="No space left"):
        esc.run_ensemble(esc.load_scenario("two-states"), 4, seed=1, checkpoint=tmp_path / "c")


class _ToyProblem:
    """A calibration problem of one parameter, fast to simulate (for checkpoint tests)."""

    priors = Priors.model_validate(
        {"parameters": {"toy.mu": {"dist": "normal", "mean": 0.0, "sd": 1.0}}}
    )
    observed = np.array([0.8])
    names = ("mean",)
    weights = None

    @staticmethod
    def simulator(thetas: np.ndarray, seeds: list[np.random.SeedSequence]) -> np.ndarray:
        draws = zip(thetas, seeds, strict=True)
        return np.array([[np.random.default_rng(s).normal(t[0], 1.0)] for t, s in draws])

    def description(self) -> dict[str, str]:
        return {"model": "toy"}


def test_disk_full_while_checkpointing_a_calibration(tmp_path: Path, monkeypatch) -> None:
    """The calibration's checkpoint: an OutputError naming the file, the last one kept."""
    from escalation.calibrate.driver import calibrate

    real = Posterior.save
    saved: list[int] = []

    def full_after_first(self: Posterior, path: Path) -> None:
        if saved:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        saved.append(1)
        real(self, path)

    monkeypatch.setattr(Posterior, "save", full_after_first)
    checkpoint = tmp_path / "checkpoint.json"
    kw = {"population": 30, "generations": 3, "seed": 1, "checkpoint": checkpoint}
    with pytest.raises(OutputError, match="No space left") as caught:
        calibrate(None, None, problem=_ToyProblem(), **kw)  # type: ignore[arg-type]
    assert str(checkpoint) in str(caught.value)
    assert not json.loads(checkpoint.read_text())["complete"]  # generation 1, resumable
    monkeypatch.setattr(Posterior, "save", real)
    resumed = calibrate(None, None, problem=_ToyProblem(), resume=True, **kw)  # type: ignore[arg-type]
    whole = calibrate(None, None, problem=_ToyProblem(), population=30, generations=3, seed=1)  # type: ignore[arg-type]
    assert np.array_equal(resumed.particles, whole.particles)
