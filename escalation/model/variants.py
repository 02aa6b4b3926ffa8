"""Variants: documented alternative values of disputed data, applied by label.

Where sources disagree (the size of NATO's Military Liaison Mission in Moscow: 13 per NATO's
website, about half per Kommersant), a data file keeps one value in the field and the others
under ``alternatives``, keyed by a variant label::

    - id: nato-mlm-moscow
      staff: 13
      uncertain: {staff: disputed}
      alternatives: {kommersant: {staff: 6}}

:func:`apply_variant` returns the presences and events with every alternative of one label
in place of the value kept, so that calibration and validation can run each reading of the
record (``History.variant``, ``Scenario.variant``). Nothing is chosen silently: the value
kept is marked ``uncertain`` and the alternative is one label away.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


def variant_labels(items: Sequence[BaseModel]) -> tuple[str, ...]:
    """Every variant label used by ``items`` (presences or events), sorted."""
    labels: set[str] = set()
    for item in items:
        labels |= set(getattr(item, "alternatives", {}))
    return tuple(sorted(labels))


def _swap(item: T, label: str) -> T:
    values: dict[str, Any] | None = getattr(item, "alternatives", {}).get(label)
    if not values:
        return item
    data = item.model_dump()
    data.update(values)
    return type(item).model_validate(data)


def apply_variant(items: Sequence[T], label: str) -> tuple[T, ...]:
    """``items`` with the alternatives of ``label`` in place of the values kept."""
    return tuple(_swap(item, label) for item in items)


def check_label(label: str, known: Sequence[str], where: str) -> None:
    """Raise :class:`ValueError` naming the known labels if ``label`` is not one of them."""
    if label not in known:
        names = ", ".join(known) or "none"
        raise ValueError(f"{where} has no variant {label!r} (variants: {names})")
