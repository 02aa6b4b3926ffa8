"""Reading the library's YAML files safely, and turning validation errors into messages.

Every YAML file (scenario, history, priors) is read through :func:`read_yaml`: the text comes
from :func:`escalation.base.files.read_text` (a regular file of bounded size), its structure is
checked before it is built (nesting depth, and the size it reaches once aliases are expanded,
so that a small file cannot take unbounded time or memory), and it is loaded with the safe
loader, refusing a key given twice in one mapping (YAML would keep the last silently).
:func:`validation_error` turns a pydantic error into an input error that lists every problem,
one line each (not the "too short" of a list whose failed item is listed already).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from escalation.base.errors import InputError, ScenarioError
from escalation.base.files import read_text

#: Deepest nesting of mappings and lists accepted in a YAML file.
MAX_DEPTH = 64
#: Most values a YAML file may hold once its aliases are expanded.
MAX_NODES = 1_000_000
#: Most problems listed for one file (the rest are counted).
MAX_PROBLEMS = 25


class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the safe loader refuses it below
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is given twice in one mapping (first at line {first})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, error: type[InputError] = ScenarioError) -> Any:
    """Read a YAML file with the safe loader, turning every failure into ``error``."""
    try:
        text = read_text(path)
    except InputError as exc:
        raise error(exc.problem, source=path) from None
    try:
        _check_shape(text, path, error)
        return yaml.load(text, Loader=_Loader)  # a subclass of the safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"not valid YAML{where}: {problem}", source=path) from None
    except RecursionError:  # not reached after _check_shape; kept as a last guard
        raise error(f"nested deeper than {MAX_DEPTH} levels", source=path) from None
    except ValueError as exc:  # an unquoted date that does not exist, e.g. 2021-13-05
        if isinstance(exc, InputError):
            raise
        field, line = _bad_date(yaml.compose(text, Loader=yaml.SafeLoader))
        if field is None:  # e.g. an explicit "!!int abc"
            raise error(f"not valid YAML: {exc}", source=path) from None
        raise error(f"not a valid date at line {line}: {exc}", source=path, field=field) from None


def _check_shape(text: str, path: Path, error: type[InputError]) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` or more than :data:`MAX_NODES` values.

    Walks the parser's events (no recursion, nothing built); the size of each anchored node
    is remembered so that an alias counts as everything it stands for.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, values so far] per open collection
    total = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(stack) > MAX_DEPTH:
                line = _line(event)
                raise error(f"nested deeper than {MAX_DEPTH} levels (line {line})", source=path)
            stack.append([event.anchor, 0])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, count = stack.pop()
            size = count + 1
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor or "", 1)
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        stack[-1][1] += size
        total += 1 if isinstance(event, yaml.CollectionEndEvent) else size
        if total > MAX_NODES:
            line = _line(event)
            raise error(
                f"holds more than {MAX_NODES:,} values once its aliases are expanded "
                f"(line {line})",
                source=path,
            )


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 0


def _bad_date(root: Any) -> tuple[str | None, int]:
    """Return the field and line of the first timestamp scalar the safe loader rejects.

    Visits each node of the graph once, however many aliases point at it.
    """
    seen: set[int] = set()
    todo: list[tuple[Any, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            pairs = node.value if isinstance(node, yaml.MappingNode) else enumerate(node.value)
            children = []
            for key, value in pairs:
                name = getattr(key, "value", key)
                children.append((value, f"{path}.{name}" if path else str(name)))
            todo.extend(reversed(children))  # first child first
        elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            try:
                yaml.safe_load(node.value)
            except ValueError:
                return path, node.start_mark.line + 1
    return None, 0


def field_path(loc: tuple[int | str, ...]) -> str | None:
    """``("actors", 0, "policy")`` as ``actors[0].policy``, as model-level checks write it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or None


def validation_error(
    exc: ValidationError, source: str | Path, error: type[InputError] = ScenarioError
) -> InputError:
    """Turn a pydantic error into an error listing every problem, each naming its field.

    Model-level checks report several problems as several lines of one message, each line
    starting with its field (``"triggers[0].actor: ..."``).
    """
    problems: list[InputError] = []
    errors = exc.errors()
    for first in errors:
        if first["type"] == "too_short" and _follows_from(first["loc"], errors):
            continue
        field = field_path(first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        for line in msg.splitlines() or [msg]:
            where, text = field, line
            head, _, rest = line.partition(": ")
            if where is None and rest and all(c.isalnum() or c in "_.[]" for c in head):
                where, text = head, rest
            problems.append(error(text, source=source, field=where))
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS + 1
        problems[MAX_PROBLEMS - 1 :] = [error(f"and {more} more problems", source=source)]
    head_error, *rest_errors = problems
    return error(
        head_error.problem, source=source, field=head_error.field, also=tuple(rest_errors)
    )


def _follows_from(loc: tuple[int | str, ...], errors: list[Any]) -> bool:
    """Whether a list at ``loc`` is too short only because an item of it failed (shown)."""
    n = len(loc)
    return any(len(e["loc"]) > n and tuple(e["loc"][:n]) == tuple(loc) for e in errors)
