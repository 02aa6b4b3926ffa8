# Re-record the golden files ONLY when a change is meant to alter results (outputs, draws,
# formats); a refactor must leave them byte-identical. The commit that re-records must say
# so and why, and then `git diff --stat tests/golden` shows exactly which outputs moved.
"""Record the golden outputs of escalation into ``tests/golden/`` (or the folder given).

Usage::

    python tools/record_golden.py [FOLDER] [--only CASE ...]

The cases (what is recorded and how) live in ``tests/golden_cases.py``, shared with
``tests/test_golden.py``, which recomputes them and compares. Only the public API and the
command line are used. Files are written deterministically: recording twice with the same
code gives byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import golden_cases as gc  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Compute every golden case (or those named by ``--only``) and write its files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folder", nargs="?", type=Path, default=gc.GOLDEN_DIR, help="default: tests/golden"
    )
    parser.add_argument("--only", action="append", metavar="CASE", help="record only CASE")
    args = parser.parse_args(argv)
    cases = gc.cases()
    known = [c.id for c in cases]
    if args.only:
        unknown = sorted(set(args.only) - set(known))
        if unknown:
            parser.error(f"unknown case(s) {', '.join(unknown)}; cases: {', '.join(known)}")
        cases = [c for c in cases if c.id in args.only]
    print(f"escalation {gc.esc.__version__} from {Path(gc.esc.__file__).parent}")
    args.folder.mkdir(parents=True, exist_ok=True)
    for case in cases:
        began = time.perf_counter()
        computed = case.compute()
        if sorted(computed) != sorted(case.files):
            raise RuntimeError(f"{case.id}: computed {sorted(computed)}, declared {case.files}")
        for name in case.files:
            gc.write_golden(args.folder, name, computed[name])
        sizes = ", ".join(
            f"{n} {s / 1024:.1f} KiB" for n, s in gc.iter_sizes(args.folder, case.files)
        )
        print(f"{case.id}: {time.perf_counter() - began:.1f} s: {sizes}")
    expected = set(gc.golden_files())
    stray = sorted(p.name for p in args.folder.iterdir() if p.name not in expected)
    if stray:
        print(f"note: files no case writes (remove them?): {', '.join(stray)}", file=sys.stderr)
    total = sum(p.stat().st_size for p in args.folder.iterdir() if p.is_file())
    print(f"total in {args.folder}: {total / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
