"""Policies by name: the built-ins, those registered in Python, and installed plugins.

A scenario file names its policies by ``type``. Besides the built-ins, a name can be

* registered in Python: ``esc.register_policy(Stern)`` (or ``@esc.register_policy`` on the
  class), for scenarios loaded in that process;
* provided by an installed package through the entry-point group ``escalation.policies``
  (``stern = "mypackage.policies:Stern"`` under ``[project.entry-points."escalation.policies"]``
  in its ``pyproject.toml``), so that the command line knows it too.

The registry is the one piece of module state here; it only grows, with classes.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points
from typing import Any

from escalation.model.policies import BUILTIN_POLICIES
from escalation.model.policy import FunctionPolicy, Policy

#: Entry-point group through which installed packages provide policies.
ENTRY_POINT_GROUP = "escalation.policies"

_registered: dict[str, type[Policy]] = {}


def _kind(cls: Any) -> str:
    if not (isinstance(cls, type) and issubclass(cls, Policy)) or issubclass(cls, FunctionPolicy):
        raise TypeError(f"a policy class (a subclass of escalation.Policy), not {cls!r}")
    kind = cls.model_fields["type"].default
    if not isinstance(kind, str) or kind in ("policy", ""):
        raise TypeError(
            f"{cls.__name__} needs its own type name: type: Literal['my-name'] = 'my-name'"
        )
    return kind


def register_policy(cls: type[Policy]) -> type[Policy]:
    """Make ``cls`` known by its ``type`` name to scenario files; return it (a decorator).

    Raises
    ------
    TypeError
        If ``cls`` is not a policy class with its own ``type``, or the name is a built-in's
        or another class's.
    """
    kind = _kind(cls)
    taken = BUILTIN_POLICIES.get(kind) or _registered.get(kind)
    if taken is not None and taken is not cls:
        raise TypeError(f"policy type {kind!r} is already {taken.__module__}.{taken.__name__}")
    _registered[kind] = cls
    return cls


@functools.cache
def plugin_policies() -> dict[str, type[Policy]]:
    """Policies of installed packages (entry-point group ``escalation.policies``), by type."""
    found: dict[str, type[Policy]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        found[_kind(cls)] = cls
    return found


def known_policies() -> dict[str, type[Policy]]:
    """Every policy class a scenario file can name, by type: built-ins, plugins, registered."""
    return {**plugin_policies(), **_registered, **BUILTIN_POLICIES}


def build_known_policy(spec: Any) -> Policy:
    """A policy from a policy object or a mapping whose ``type`` is known (see above)."""
    if isinstance(spec, Policy):
        return spec
    if not isinstance(spec, dict):
        raise ValueError(f"a policy must be a mapping with a 'type', not {type(spec).__name__}")
    known = known_policies()
    kind = spec.get("type")
    if kind not in known:
        names = ", ".join(sorted(known))
        raise ValueError(
            f"unknown policy type {kind!r}; known types: {names} (a policy of your own: "
            "esc.register_policy, or the entry-point group 'escalation.policies')"
        )
    return known[kind].model_validate(spec)
