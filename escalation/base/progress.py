"""Progress: one bar over a count of things done, on a terminal only unless asked."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class Progress:
    """A progress bar over runs (or other units): tqdm on a terminal, silent in tests and pipes.

    Parameters
    ----------
    total
        Runs to do in all.
    initial
        Runs already done (resumed from a checkpoint).
    enabled
        ``True`` or ``False`` forces the bar on or off; ``None`` shows it when standard error
        is a terminal and tqdm is installed. Forced on without tqdm, a plain counter is
        written to standard error instead.
    description
        Label in front of the bar.
    unit
        What is counted (``"run"``, ``"simulation"``).
    """

    def __init__(
        self,
        total: int,
        initial: int = 0,
        enabled: bool | None = None,
        description: str = "",
        unit: str = "run",
    ):
        self.total = total
        self.done = initial
        self.description = description
        self.unit = unit
        self._bar: Any = None
        self._plain = False
        try:
            import warnings

            with warnings.catch_warnings():  # tqdm.auto warns in Jupyter without ipywidgets
                warnings.simplefilter("ignore")
                from tqdm.auto import tqdm
        except ImportError:  # tqdm is an optional extra
            tqdm = None
        if enabled is None:
            isatty = getattr(sys.stderr, "isatty", None)
            enabled = bool(tqdm is not None and isatty is not None and isatty())
        if not enabled:
            return
        if tqdm is None:
            self._plain = True
            self._write()
        else:
            self._bar = tqdm(
                total=total,
                initial=initial,
                unit=unit,
                desc=description or None,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def _write(self) -> None:
        label = f"{self.description}: " if self.description else ""
        sys.stderr.write(f"\r{label}{self.done}/{self.total} {self.unit}s")
        sys.stderr.flush()

    def update(self, n: int) -> None:
        """Count ``n`` more runs done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self._plain:
            self._write()

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._plain:
            sys.stderr.write("\n")
            self._plain = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
