"""The package's layering holds: no upward import, no cycle, no oversized module or function.

``tools/architecture.py`` reads the modules with ``ast`` (function-level and ``TYPE_CHECKING``
imports count) and prints the figures; these tests fail on any problem it finds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import architecture

MODULES = architecture.modules()


def test_no_layer_imports_a_layer_above_it() -> None:
    assert architecture.upward_imports(MODULES) == []


def test_no_import_cycle() -> None:
    assert architecture.cycles(MODULES) == []


def test_modules_and_functions_stay_small() -> None:
    assert architecture.oversized(MODULES) == []


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    # The checks can fail: a made-up pair of modules importing each other, one of them upward.
    fake = {
        "escalation.model.a": architecture.Module(
            "escalation.model.a", Path("a"), 1, {"escalation.sim.b"}
        ),
        "escalation.sim.b": architecture.Module(
            "escalation.sim.b", Path("b"), 1, {"escalation.model.a"}
        ),
    }
    assert architecture.cycles(fake) == [["escalation.model.a", "escalation.sim.b"]]
    assert architecture.upward_imports(fake) == [
        "escalation.model.a (model) imports escalation.sim.b"
    ]


@pytest.mark.parametrize("layer", ["calibrate", "plot", "cli"])
def test_importing_escalation_loads_no_upper_layer(layer: str) -> None:
    code = (
        "import sys, escalation\n"
        f"loaded = [m for m in sys.modules if m.startswith('escalation.{layer}')]\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert (
        "matplotlib"
        not in subprocess.run(
            [sys.executable, "-c", "import sys, escalation; print(sorted(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
