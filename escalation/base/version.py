"""The library's version, for files that record what wrote them."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version


@functools.cache
def library_version() -> str:
    """The installed version of ``escalation`` (``0.0.0`` when running from a source tree)."""
    try:
        return version("escalation")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"
