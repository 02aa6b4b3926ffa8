"""The README's Python blocks run as written, in order, in one namespace."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.mark.slow
def test_readme_python_blocks_run(capsys):
    blocks = _blocks()
    assert len(blocks) >= 3
    namespace: dict[str, object] = {"__name__": "readme"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no snippet drops a posterior unawares
        # ... but the engine may say, once, that a scenario runs on SimPy (not a problem).
        warnings.filterwarnings("ignore", "running on the SimPy engine", UserWarning)
        for i, block in enumerate(blocks):
            try:
                exec(compile(block, f"README.md python block {i}", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - the message names the block
                pytest.fail(f"README python block {i} failed: {exc!r}\n{block}")
    out = capsys.readouterr().out
    assert "suspended" in out and "forgiving Moscow" in out
