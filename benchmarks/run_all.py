"""Run every benchmark and write the figures as JSON into one folder.

Usage::

    python benchmarks/run_all.py                      # about 10 minutes on 2 cores
    python benchmarks/run_all.py --out results --quick   # smaller sizes, about 2 minutes

``--quick`` measures 100,000 runs instead of 1,000,000 for the memory figure, and fewer runs
for the others; the figures are then rougher.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine
import bench_ensemble


def main(argv: list[str] | None = None) -> None:
    """Run the engine, speed-up and memory benchmarks in turn."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    quick = args.quick
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")

    print("== engine: library against the hand-written SimPy baseline ==")
    engine_args = ["--json", str(args.out / "engine.json")]
    if quick:
        engine_args += ["--runs", "500", "--repeats", "3", "--match-seeds", "500"]
    bench_engine.main(engine_args)

    print("\n== ensemble: speed-up of 2 workers over 1 ==")
    runs = "10000" if quick else "40000"
    bench_ensemble.main(
        ["speedup", "--runs", runs, "--repeats", "3", "--json", str(args.out / "speedup.json")]
    )

    print("\n== ensemble: peak memory, outcomes only ==")
    runs = "100000" if quick else "1000000"
    bench_ensemble.main(
        ["memory", "--runs", runs, "--workers", "2", "--json", str(args.out / "memory.json")]
    )
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    (args.out / "load.json").write_text(json.dumps({"after": load}) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
