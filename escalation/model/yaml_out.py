"""Scenarios written back as YAML (``Scenario.to_yaml``), in the format ``load_scenario`` reads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from escalation.base.files import write_atomic
from escalation.model.policy import FunctionPolicy


def scenario_document(scenario: Any, folder: Path | None = None) -> dict[str, Any]:
    """The scenario as plain data (what its YAML file holds).

    ``posterior`` is written relative to ``folder`` when it lies below it.

    Raises
    ------
    ValueError
        If a policy is a plain function (``esc.as_policy``), which a file cannot hold.
    """
    for a in scenario.actors:
        for p in (a.policy, *a.policies.values()):
            if isinstance(p, FunctionPolicy):
                raise ValueError(
                    f"actor {a.id!r} follows a function policy, which a YAML file cannot hold: "
                    "write it as a Policy class and register it (esc.register_policy)"
                )
    data = scenario.model_dump(mode="json", serialize_as_any=True, exclude_defaults=True)
    for a, spec in zip(scenario.actors, data["actors"], strict=True):
        # A policy's ``type`` is its default: put it back, first, as the loader needs it.
        if a.policy is not None:
            spec["policy"] = {"type": a.policy.type, **spec.get("policy", {})}
        for other, p in a.policies.items():
            spec["policies"][other] = {"type": p.type, **spec["policies"].get(other, {})}
    if scenario.posterior is not None and folder is not None:
        posterior = Path(scenario.posterior).resolve()
        try:
            data["posterior"] = os.path.relpath(posterior, folder.resolve())
        except ValueError:  # another drive (Windows)
            data["posterior"] = str(posterior)
    return data


def scenario_yaml(scenario: Any, path: str | Path | None = None) -> str:
    """The scenario as YAML text; written atomically to ``path`` if given."""
    folder = Path(path).parent if path is not None else None
    text = yaml.safe_dump(
        scenario_document(scenario, folder), sort_keys=False, allow_unicode=True, width=99
    )
    if path is not None:
        write_atomic(path, text)
    return text
